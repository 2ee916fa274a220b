-- 议题 (topics) and 会议申请 (meeting requests). Instants are epoch milliseconds (UTC).

-- A 议题: submitted by a unit (汇报单位) for a meeting, or for the next meeting of a kind; screened
-- by the office (office_id) that organises its meetings; placed on an agenda by the office's
-- leader (meeting_id, agenda_order, slot_start/slot_end), or carried over (deferred) to a later
-- meeting. status: submitted 已提交, returned 退回 (return_reason), screened 已筛选, scheduled
-- 已列入议程, deferred 暂缓.
create table meeting_topics (
    id integer primary key,
    office_id bigint not null references units(id),
    kind_id bigint references meeting_kinds(id),
    meeting_id bigint references meetings(id),
    title text not null,
    unit_id bigint not null references units(id),
    reporter text not null,
    request text not null,
    minutes bigint not null check (minutes > 0),
    classification text not null
        check (classification in ('public', 'secret', 'confidential', 'top_secret')),
    status text not null
        check (status in ('submitted', 'returned', 'screened', 'scheduled', 'deferred')),
    return_reason text not null default '',
    agenda_order bigint,
    slot_start bigint,
    slot_end bigint,
    carried_over bigint not null default 0,
    submitted_by_post_id bigint not null references posts(id),
    submitted_at bigint not null,
    screened_by_post_id bigint references posts(id),
    screened_at bigint,
    updated_at bigint not null,
    check (kind_id is not null or meeting_id is not null),
    check ((status = 'scheduled') = (slot_start is not null))
);
create index meeting_topics_by_office on meeting_topics (office_id, status);
create index meeting_topics_by_unit on meeting_topics (unit_id);
create index meeting_topics_by_meeting on meeting_topics (meeting_id, agenda_order);

-- 会签: the units that must agree before the topic is screened as complete (材料齐全).
-- agreed: null until the unit answers, then 1 (同意) or 0 (不同意, with an opinion).
create table meeting_topic_cosigns (
    topic_id bigint not null references meeting_topics(id),
    unit_id bigint not null references units(id),
    agreed smallint check (agreed in (0, 1)),
    opinion text not null default '',
    signed_by_post_id bigint references posts(id),
    signed_at bigint,
    primary key (topic_id, unit_id)
);

-- 列席 for this topic only: a post or a whole unit, invited to the meeting for the topic when
-- the agenda is approved.
create table meeting_topic_observers (
    topic_id bigint not null references meeting_topics(id),
    post_id bigint references posts(id),
    unit_id bigint references units(id),
    check ((post_id is null) <> (unit_id is null))
);
create index meeting_topic_observers_by_topic on meeting_topic_observers (topic_id);

-- The topic's materials; the bytes are kept once by their SM3 hash in the documents' blobs.
create table meeting_topic_materials (
    id integer primary key,
    topic_id bigint not null references meeting_topics(id),
    name text not null,
    mime text not null,
    size bigint not null,
    hash text not null,
    added_by_post_id bigint not null references posts(id),
    created_at bigint not null
);
create index meeting_topic_materials_by_topic on meeting_topic_materials (topic_id);

-- Who opened which material (分发 read tracking): first and last time, and how often.
create table meeting_material_reads (
    material_id bigint not null references meeting_topic_materials(id),
    post_id bigint not null references posts(id),
    first_read_at bigint not null,
    last_read_at bigint not null,
    read_count bigint not null default 1,
    primary key (material_id, post_id)
);

-- A meeting's agenda, once its office's leader has approved (审定) it; its topics' materials are
-- distributed to the attendees then.
create table meeting_agendas (
    meeting_id bigint primary key references meetings(id),
    approved_by_post_id bigint not null references posts(id),
    approved_at bigint not null
);

-- Each time a topic is carried over (暂缓) from a meeting: counted per month by the figures.
create table meeting_topic_carries (
    topic_id bigint not null references meeting_topics(id),
    meeting_id bigint references meetings(id),
    office_id bigint not null references units(id),
    reason text not null default '',
    carried_by_post_id bigint not null references posts(id),
    carried_at bigint not null
);
create index meeting_topic_carries_by_office on meeting_topic_carries (office_id, carried_at);

-- A 列席 attendee invited for one topic (not the whole meeting).
alter table meeting_attendees add column topic_id bigint references meeting_topics(id);

-- 会议申请: a unit asks its office for a meeting; the office's leader approves (the meeting is
-- booked from it: meeting_id) or declines with a reason. attend_posts: JSON array of post ids.
create table meeting_requests (
    id integer primary key,
    office_id bigint not null references units(id),
    unit_id bigint not null references units(id),
    kind_id bigint not null references meeting_kinds(id),
    title text not null,
    wished_start bigint not null,
    wished_end bigint not null,
    attend_posts text not null default '[]',
    reason text not null default '',
    status text not null check (status in ('pending', 'approved', 'declined')),
    decline_reason text not null default '',
    meeting_id bigint references meetings(id),
    requested_by_post_id bigint not null references posts(id),
    requested_at bigint not null,
    decided_by_post_id bigint references posts(id),
    decided_at bigint,
    check (wished_end > wished_start),
    check ((status = 'approved') = (meeting_id is not null))
);
create index meeting_requests_by_office on meeting_requests (office_id, status);
