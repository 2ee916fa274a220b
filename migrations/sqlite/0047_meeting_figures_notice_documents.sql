-- 办会: when a meeting was marked 进行中 (began_at) and 已结束 (ended_at), so that its actual
-- length can be set against the planned one. Meetings marked before this migration take the
-- instants from their `meeting.advanced` events.
alter table meetings add column began_at bigint;
alter table meetings add column ended_at bigint;
update meetings set began_at = (
    select min(e.at) from events e
    where e.kind = 'meeting.advanced' and e.subject = 'meeting:' || meetings.id
      and json_extract(e.detail, '$.to') = 'in_progress');
update meetings set ended_at = (
    select min(e.at) from events e
    where e.kind = 'meeting.advanced' and e.subject = 'meeting:' || meetings.id
      and json_extract(e.detail, '$.to') = 'ended');

-- 会议效能: the months whose meeting figures are stored (a month with no meeting has a row
-- here and none below), with the counting rules' version.
create table meeting_figure_months (
    month text primary key,
    rules text not null,
    computed_at bigint not null
);

-- Per organising office and month (Beijing): meetings held (已结束 or 纪要已印发, by their
-- planned start), those with both marks and their planned and actual minutes, the expected
-- attendance and how many signed in or were on leave, topics carried over (暂缓) in the month,
-- and the 议定事项 whose supervision deadline fell in the month and how many were closed by it.
create table meeting_figures (
    month text not null,
    office_id bigint not null references units(id),
    meetings_held bigint not null default 0,
    meetings_timed bigint not null default 0,
    planned_minutes bigint not null default 0,
    actual_minutes bigint not null default 0,
    expected bigint not null default 0,
    signed_in bigint not null default 0,
    on_leave bigint not null default 0,
    topics_carried bigint not null default 0,
    decisions_due bigint not null default 0,
    decisions_on_time bigint not null default 0,
    rules text not null,
    computed_at bigint not null,
    primary key (month, office_id)
);

-- 请假 by attending unit (the unit of each expected post) within an office's month.
create table meeting_leave_figures (
    month text not null,
    office_id bigint not null references units(id),
    unit_id bigint not null references units(id),
    expected bigint not null default 0,
    on_leave bigint not null default 0,
    primary key (month, office_id, unit_id)
);

-- The decisions due in a month are read by their item's deadline.
create index supervision_items_deadline on supervision_items(deadline);

-- 会议通知 as a 通知 document: a notice sent by the 核发 of a 通知 drafted through the documents
-- area has form 'document' and names its document. The table is made anew so that its check
-- admits the second form (SQLite cannot change a check in place); nothing refers to it.
create table meeting_notices_0047 (
    meeting_id bigint primary key references meetings(id),
    form text not null default 'plain' check (form in ('plain', 'document')),
    document_id bigint references documents(id),
    body text not null,
    reply_by bigint not null,
    sent_by_post_id bigint not null references posts(id),
    sent_at bigint not null,
    check ((form = 'document') = (document_id is not null))
);
insert into meeting_notices_0047 (meeting_id, form, body, reply_by, sent_by_post_id, sent_at)
    select meeting_id, form, body, reply_by, sent_by_post_id, sent_at from meeting_notices;
drop table meeting_notices;
alter table meeting_notices_0047 rename to meeting_notices;

-- The 通知 document of a meeting while it goes through 核稿, 签发, numbering and 核发 (one per
-- meeting): its 核发 sends the notice with this reply deadline.
create table meeting_notice_documents (
    meeting_id bigint primary key references meetings(id),
    document_id bigint not null unique references documents(id),
    reply_by bigint not null,
    drafted_by_post_id bigint not null references posts(id),
    drafted_at bigint not null
);
