-- The working-day calendar and the deadlines counted on it.
--
-- calendar_years holds one row per year whose holiday arrangement is known: the YearData TOML as
-- an administrator saved it (or as shipped with xiaoneng: updated_at and updated_by null).
-- deadlines is the registry of every open working-day deadline (办理时限), so that a change of
-- the calendar can recompute them; notifications tells a post what changed for it.

create table calendar_years (
    year bigint primary key,
    provisional smallint not null default 0,
    data text not null,
    source_title text,
    updated_at bigint,
    updated_by bigint references persons(id)
);

create table deadlines (
    id integer primary key,
    subject text not null,
    holder_post_id bigint references posts(id),
    start_date text not null,
    working_days bigint not null check (working_days >= 0),
    due_date text not null,
    provisional smallint not null default 0,
    explanation text not null default '',
    open smallint not null default 1,
    created_at bigint not null
);
create index deadlines_open_due on deadlines(open, due_date);
create index deadlines_subject on deadlines(subject);

create table notifications (
    id integer primary key,
    post_id bigint not null references posts(id),
    kind text not null,
    subject text,
    message text not null,
    created_at bigint not null,
    read_at bigint
);
create index notifications_post on notifications(post_id, read_at);
