-- 会议通知 and 回执: the notice of a meeting (one per meeting, sent once) and one reply row per
-- invited 出席 or 列席 post or 列席 unit. Instants are epoch milliseconds (UTC).

-- form: 'plain' is a notice written on the meeting itself (internal meetings); a 通知 document
-- through the documents area will be a second form.
create table meeting_notices (
    meeting_id bigint primary key references meetings(id),
    form text not null default 'plain' check (form in ('plain')),
    body text not null,
    reply_by bigint not null,
    sent_by_post_id bigint not null references posts(id),
    sent_at bigint not null
);

-- One row per recipient: a post (出席 or 列席), or a 列席 unit (any cleared post of it replies).
-- answer: null until replied; attend 参加, leave 请假 (with reason, decided by the organising
-- office: leave_status), proxy 委托 (proxy_post_id attends in the recipient's place).
-- late: replied after the notice's reply_by.
create table meeting_replies (
    id integer primary key,
    meeting_id bigint not null references meetings(id),
    role text not null check (role in ('attend', 'observe')),
    post_id bigint references posts(id),
    unit_id bigint references units(id),
    answer text check (answer in ('attend', 'leave', 'proxy')),
    reason text not null default '',
    proxy_post_id bigint references posts(id),
    replied_by_post_id bigint references posts(id),
    replied_at bigint,
    late smallint not null default 0 check (late in (0, 1)),
    leave_status text check (leave_status in ('pending', 'approved', 'refused')),
    leave_note text not null default '',
    leave_decided_by_post_id bigint references posts(id),
    leave_decided_at bigint,
    urge_count bigint not null default 0,
    last_urged_at bigint,
    check ((post_id is null) <> (unit_id is null)),
    check ((answer = 'proxy') = (proxy_post_id is not null)),
    check ((answer = 'leave') = (leave_status is not null))
);
create unique index meeting_replies_post on meeting_replies (meeting_id, post_id);
create unique index meeting_replies_unit on meeting_replies (meeting_id, unit_id);
create index meeting_replies_by_post on meeting_replies (post_id);
create index meeting_replies_by_unit on meeting_replies (unit_id);
create index meeting_replies_by_proxy on meeting_replies (proxy_post_id);
