-- no-transaction
-- 办事与服务, continued: the office's own 办事 for 内务 and 后勤, limits in working hours, and
-- the 催办通知书 and 通报 of a late request.
--
-- SQLite cannot widen a column's check in place: `service_requests` is made anew so that its
-- channel admits `internal`. Six tables refer to it, so the copy runs with foreign keys off
-- (allowed only outside a transaction: hence `no-transaction`, and the explicit transaction
-- below, so that it happens whole or not at all). Every row is copied with its id, so every
-- reference still points at its row.
pragma foreign_keys = off;
begin immediate;

-- 事项类别: `scope` says whose catalogue a category belongs to (the public's, or the office's
-- own 办事), and `limit_hours`, when set, gives the limit in working hours (office hours on
-- working days); `limit_days` then holds the working days it reaches into.
alter table service_categories add column scope text not null default 'public'
    check (scope in ('public', 'internal'));
alter table service_categories add column limit_hours bigint
    check (limit_hours is null or limit_hours between 1 and 240);
insert into service_categories (name, limit_days, limit_hours, visit_rule, scope, sort_order) values
    ('用车', 1, 4, 'visit', 'internal', 101),
    ('会议室和接待', 2, null, 'visit', 'internal', 102),
    ('物品领用', 1, 4, 'visit', 'internal', 103),
    ('维修', 2, null, 'visit', 'internal', 104),
    ('印章使用', 1, 2, 'visit', 'internal', 105),
    ('值班安排', 3, null, 'visit', 'internal', 106)
    on conflict (name) do nothing;

-- 服务事项, with channel `internal` (a request of the office's own staff, `requester_post_id`),
-- `deadline_at` (the instant the limit ends: the end of `deadline` for a limit in days) and
-- `answered_at` (the instant the latest approved answer went out).
create table service_requests_0054 (
    id integer primary key,
    code text not null unique,
    government_id bigint not null references units(id),
    channel text not null
        check (channel in ('web', 'phone', 'letter', 'visit', 'higher', 'grassroots', 'leader',
                           'internal')),
    category_id bigint not null references service_categories(id),
    anonymous smallint not null default 0,
    requester_name text not null default '',
    phone text not null default '',
    phone_hash text not null default '',
    location text not null default '',
    description text not null,
    urgency text not null check (urgency in ('normal', 'urgent', 'critical')),
    state text not null check (state in ('received', 'declined', 'merged', 'dispatching',
        'signing', 'handling', 'reviewing', 'visiting', 'closed')),
    outcome text not null default ''
        check (outcome in ('', 'satisfied', 'basically', 'unsatisfied', 'unrated', 'declined',
                           'merged')),
    case_id bigint unique references cases(id),
    merged_into bigint references service_requests(id),
    decline_reason text not null default '',
    lead_unit_id bigint references units(id),
    lead_post_id bigint references posts(id),
    received_on text not null,
    deadline text,
    reworks bigint not null default 0,
    answer text not null default '',
    answer_public text not null default '',
    answered_on text,
    closed_on text,
    pending_step text not null default '',
    source_hash text not null default '',
    registered_by_post_id bigint references posts(id),
    created_at bigint not null,
    updated_at bigint not null,
    requester_post_id bigint references posts(id),
    deadline_at bigint,
    answered_at bigint
);
insert into service_requests_0054 (id, code, government_id, channel, category_id, anonymous,
    requester_name, phone, phone_hash, location, description, urgency, state, outcome, case_id,
    merged_into, decline_reason, lead_unit_id, lead_post_id, received_on, deadline, reworks,
    answer, answer_public, answered_on, closed_on, pending_step, source_hash,
    registered_by_post_id, created_at, updated_at, deadline_at)
select id, code, government_id, channel, category_id, anonymous, requester_name, phone,
    phone_hash, location, description, urgency, state, outcome, case_id, merged_into,
    decline_reason, lead_unit_id, lead_post_id, received_on, deadline, reworks, answer,
    answer_public, answered_on, closed_on, pending_step, source_hash, registered_by_post_id,
    created_at, updated_at,
    -- The end of the deadline's Beijing day: midnight after it, at UTC+08:00.
    case when deadline is null then null
         else cast(round((julianday(deadline) - 2440587.5) * 86400000) as integer)
              + 86400000 - 28800000 end
from service_requests;
drop table service_requests;
alter table service_requests_0054 rename to service_requests;
create index service_requests_gov_state on service_requests(government_id, state);
create index service_requests_lead on service_requests(lead_unit_id, state);
create index service_requests_phone on service_requests(phone_hash, created_at);
create index service_requests_source on service_requests(source_hash, created_at);
create index service_requests_requester on service_requests(requester_post_id);

-- 催办通知书 (`notice`, the working day after the deadline passes unanswered) and the written
-- 通报 (`bulletin`, five working days after that), one of each per limit of the request
-- (`round`: its 重办 count × 1000 + its approved 延期, when it fell). The text is kept as it
-- was issued. Requests open when this runs are given their timers at the next start
-- (`Services::arm_missing_service_urges`).
create table service_urges (
    id integer primary key,
    request_id bigint not null references service_requests(id),
    kind text not null check (kind in ('notice', 'bulletin')),
    round bigint not null,
    lead_unit_id bigint references units(id),
    lead_post_id bigint references posts(id),
    deadline text not null,
    overdue_days bigint not null,
    body text not null,
    created_at bigint not null,
    unique (request_id, kind, round)
);
create index service_urges_unit on service_urges(lead_unit_id, created_at);

-- The timer kinds of 0016 plus `service_deadline`.
drop trigger jobs_kind_insert;
drop trigger jobs_kind_update;
create trigger jobs_kind_insert before insert on jobs
when new.kind not in ('rung', 'sv_deadline', 'sv_report', 'service_deadline')
begin select raise(abort, 'jobs.kind: unknown timer kind'); end;
create trigger jobs_kind_update before update of kind on jobs
when new.kind not in ('rung', 'sv_deadline', 'sv_report', 'service_deadline')
begin select raise(abort, 'jobs.kind: unknown timer kind'); end;

commit;
pragma foreign_keys = on;
