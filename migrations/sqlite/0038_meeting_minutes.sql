-- 签到, 纪要 and 议定事项: who signed in at a meeting (or was recorded late, absent or on
-- leave when it ended), the 纪要 drafted from it as an outgoing document, and the decisions
-- (议定事项) its minutes record, each becoming a supervision item when the minutes are issued.
-- Instants are epoch milliseconds (UTC); dates are Beijing dates `YYYY-MM-DD`.

-- The secret a meeting's short-lived sign-in codes are derived from (one per meeting, made
-- when the office first shows the code).
create table meeting_checkin_keys (
    meeting_id bigint primary key references meetings(id),
    secret text not null,
    created_at bigint not null
);

-- One row per post and meeting: present (signed in by the start), late (after it), absent
-- (not signed when the meeting ended) or leave (请假 approved, recorded when it ended).
-- method: how a sign-in was taken (the code on the screen, or by the staff); null for absent
-- and leave rows.
create table meeting_signins (
    id integer primary key,
    meeting_id bigint not null references meetings(id),
    post_id bigint not null references posts(id),
    status text not null check (status in ('present', 'late', 'absent', 'leave')),
    method text check (method in ('code', 'staff')),
    signed_at bigint,
    by_post_id bigint references posts(id),
    recorded_at bigint not null,
    check ((method is null) = (status in ('absent', 'leave')))
);
create unique index meeting_signins_post on meeting_signins (meeting_id, post_id);

-- A meeting's 纪要: the outgoing document drafted from it, with the attendance lists printed
-- on it (names as lines). issued_at: when its 核发 turned the decisions into supervision items.
create table meeting_minutes (
    meeting_id bigint primary key references meetings(id),
    document_id bigint not null references documents(id),
    attend_list text not null default '[]',
    leave_list text not null default '[]',
    observe_list text not null default '[]',
    drafted_by_post_id bigint not null references posts(id),
    drafted_at bigint not null,
    issued_at bigint
);
create unique index meeting_minutes_document on meeting_minutes (document_id);

-- 议定事项: a decision of the meeting, in the minutes' order, with its lead unit (and the post
-- answerable for it), assisting units (JSON list of unit ids) and its deadline as a date or a
-- number of working days counted from the day the minutes are issued. supervision_item_id is
-- set once, when the minutes are issued: the link from the meeting to the item and back.
create table meeting_decisions (
    id integer primary key,
    meeting_id bigint not null references meetings(id),
    seq bigint not null,
    text text not null,
    lead_unit_id bigint not null references units(id),
    lead_post_id bigint not null references posts(id),
    assist_units text not null default '[]',
    deadline text,
    deadline_days bigint,
    supervision_item_id bigint references supervision_items(id),
    check ((deadline is null) <> (deadline_days is null))
);
create unique index meeting_decisions_seq on meeting_decisions (meeting_id, seq);
create unique index meeting_decisions_item on meeting_decisions (supervision_item_id);
