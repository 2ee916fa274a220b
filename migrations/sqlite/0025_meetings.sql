-- 办会: meeting kinds, rooms, meetings with their attendance, the booking lock rows and each
-- person's private calendar feed. Instants are epoch milliseconds (UTC); pages show Beijing time.

-- 会议类型: configurable, seeded with the kinds every government office holds.
create table meeting_kinds (
    id integer primary key,
    name text not null unique,
    sort_order bigint not null default 0
);
insert into meeting_kinds (name, sort_order) values
    ('常务会议', 1), ('市长办公会议', 2), ('专题会议', 3), ('工作会议', 4), ('视频会议', 5);

-- 会议室: owned by an office, which books it.
create table meeting_rooms (
    id integer primary key,
    office_id bigint not null references units(id),
    name text not null,
    capacity bigint not null check (capacity > 0),
    equipment text not null default '',
    unique (office_id, name)
);

-- 会议: organised by a unit of an office (office_id: the office that books and manages it).
-- place_kind: room (room_id set), venue (an outside place, in venue) or video (a link, in venue).
-- sequence rises with every move, so calendars replace the event (RFC 5545 SEQUENCE).
create table meetings (
    id integer primary key,
    kind_id bigint not null references meeting_kinds(id),
    title text not null,
    office_id bigint not null references units(id),
    organiser_unit_id bigint not null references units(id),
    chair_post_id bigint not null references posts(id),
    starts_at bigint not null,
    ends_at bigint not null,
    place_kind text not null check (place_kind in ('room', 'venue', 'video')),
    room_id bigint references meeting_rooms(id),
    venue text not null default '',
    classification text not null
        check (classification in ('public', 'secret', 'confidential', 'top_secret')),
    status text not null
        check (status in ('preparing', 'notified', 'in_progress', 'ended', 'minuted', 'cancelled')),
    sequence bigint not null default 0,
    notes text not null default '',
    cancel_reason text not null default '',
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null,
    updated_at bigint not null,
    check (ends_at > starts_at),
    check ((place_kind = 'room') = (room_id is not null))
);
create index meetings_by_start on meetings (starts_at);
create index meetings_by_room on meetings (room_id, starts_at);

-- 出席 (attend) and 工作人员 (staff) are posts; 列席 (observe) is a post or a whole unit.
create table meeting_attendees (
    meeting_id bigint not null references meetings(id),
    role text not null check (role in ('attend', 'observe', 'staff')),
    post_id bigint references posts(id),
    unit_id bigint references units(id),
    check ((post_id is null) <> (unit_id is null))
);
create index meeting_attendees_by_meeting on meeting_attendees (meeting_id);
create index meeting_attendees_by_post on meeting_attendees (post_id);

-- One row per room and per leader's post ('room:12', 'post:34'), updated inside every booking
-- transaction before the clash check: two bookings of one room or one leader serialise on it
-- (a row lock on PostgreSQL; SQLite has one writer), so of two overlapping bookings made at
-- once exactly one is stored.
create table meeting_locks (
    subject text primary key,
    version bigint not null default 0
);

-- 日程订阅: a person's private feed; only the SM3 hash of its token is kept.
create table meeting_feeds (
    person_id bigint primary key references persons(id),
    token_hash text not null unique,
    created_at bigint not null
);
