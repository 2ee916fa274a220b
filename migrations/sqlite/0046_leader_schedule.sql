-- 领导日程: a leader's own engagements beside their meetings (调研, 外出, 活动 …), kept by the
-- leader or by the posts the leader (or the office's 主任) names as its keepers (秘书).
-- public = 1: the office's staff read it; 0: they see only a busy block, the leader and the
-- keepers the whole entry. sequence counts changes (iCalendar SEQUENCE); a cancelled entry
-- keeps its row with cancelled_at so that subscribed calendars remove it.
create table schedule_keepers (
    leader_post_id bigint not null references posts(id),
    keeper_post_id bigint not null references posts(id),
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null,
    primary key (leader_post_id, keeper_post_id),
    check (leader_post_id <> keeper_post_id)
);
create index schedule_keepers_keeper on schedule_keepers(keeper_post_id);

create table schedule_entries (
    id integer primary key,
    leader_post_id bigint not null references posts(id),
    kind text not null check (kind in ('research', 'trip', 'event', 'other')),
    title text not null,
    place text not null default '',
    starts_at bigint not null,
    ends_at bigint not null,
    public smallint not null default 1 check (public in (0, 1)),
    note text not null default '',
    sequence bigint not null default 0,
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null,
    updated_at bigint not null,
    cancelled_at bigint,
    check (ends_at > starts_at)
);
create index schedule_entries_leader on schedule_entries(leader_post_id, starts_at);
