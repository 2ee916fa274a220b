-- 日安排: a post's own entries of a day (text, an optional time, the post's own order, done or
-- not) and the marks "done for the plan" on the lines the plan pulls from other areas (a task,
-- a meeting, a reply owed, a weekly report owed, a target's milestone, a rule to read). A mark
-- never completes the pulled item itself. Dates TEXT 'YYYY-MM-DD' (Beijing); instants epoch
-- milliseconds (UTC).

create table plan_entries (
    id integer primary key,
    post_id bigint not null references posts(id),
    day text not null,
    body text not null,
    at_time text not null default '',
    position bigint not null,
    done_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create index plan_entries_post_day on plan_entries(post_id, day, position);

-- source: 'task:12', 'meeting:3', 'reply:5', 'weekly:2026-11-30', 'milestone:7:4', 'rule:2:3'.
create table plan_marks (
    post_id bigint not null references posts(id),
    day text not null,
    source text not null,
    done_at bigint not null,
    primary key (post_id, day, source)
);
