-- 办事与服务: requests from the public and the grassroots (服务事项), on the flow engine as item
-- kind `service`. Instants are epoch milliseconds (UTC); days are Beijing dates (YYYY-MM-DD).

-- 事项类别: a catalogue the office keeps, each with its limit in working days and whether a
-- 回访 follows the answer ('visit') or the answer closes it ('none').
create table service_categories (
    id integer primary key,
    name text not null unique,
    limit_days bigint not null check (limit_days between 1 and 60),
    visit_rule text not null check (visit_rule in ('visit', 'none')),
    sort_order bigint not null default 0
);
insert into service_categories (name, limit_days, visit_rule, sort_order) values
    ('咨询', 3, 'visit', 1), ('求助', 3, 'visit', 2), ('投诉', 13, 'visit', 3),
    ('建议', 13, 'visit', 4), ('举报', 13, 'visit', 5), ('表扬', 3, 'none', 6),
    ('其他', 13, 'visit', 7);

-- 服务事项. `government_id` is the government it was addressed to, whose office's 秘书 and
-- directors accept and dispatch it. The case starts at 受理; until then (and when merged or
-- declined) `case_id` is null. `answered_on` is the day the latest answer reached the
-- requester (approved): what the deadline is kept against. `phone_hash` (SM3 of the digits) finds it for tracking and
-- counts submissions per phone; `source_hash` (SM3 of the address) counts them per address.
create table service_requests (
    id integer primary key,
    code text not null unique,
    government_id bigint not null references units(id),
    channel text not null
        check (channel in ('web', 'phone', 'letter', 'visit', 'higher', 'grassroots', 'leader')),
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
    updated_at bigint not null
);
create index service_requests_gov_state on service_requests(government_id, state);
create index service_requests_lead on service_requests(lead_unit_id, state);
create index service_requests_phone on service_requests(phone_hash, created_at);
create index service_requests_source on service_requests(source_hash, created_at);

-- 附件: files kept in the documents area's content-addressed blobs.
create table service_request_files (
    request_id bigint not null references service_requests(id),
    seq bigint not null,
    name text not null,
    media_type text not null,
    size bigint not null,
    hash text not null,
    primary key (request_id, seq)
);

-- 协办单位.
create table service_assists (
    request_id bigint not null references service_requests(id),
    unit_id bigint not null references units(id),
    primary key (request_id, unit_id)
);

-- 退单: each counts against the unit that returned it.
create table service_returns (
    id integer primary key,
    request_id bigint not null references service_requests(id),
    unit_id bigint not null references units(id),
    post_id bigint not null references posts(id),
    reason text not null,
    created_at bigint not null
);
create index service_returns_unit on service_returns(unit_id);

-- 延期申请: only an approved one moves the deadline.
create table service_extensions (
    id integer primary key,
    request_id bigint not null references service_requests(id),
    unit_id bigint not null references units(id),
    post_id bigint not null references posts(id),
    days bigint not null check (days between 1 and 60),
    reason text not null,
    state text not null check (state in ('pending', 'approved', 'refused')),
    old_deadline text not null,
    new_deadline text not null default '',
    decided_by_post_id bigint references posts(id),
    decision_note text not null default '',
    created_at bigint not null,
    decided_at bigint
);
create index service_extensions_request on service_extensions(request_id);

-- 回访: one row per rating, with the lead unit at the time and the Beijing month, so the
-- 群众满意 figure per unit and month is a count over this table.
create table service_visits (
    id integer primary key,
    request_id bigint not null references service_requests(id),
    round bigint not null,
    lead_unit_id bigint references units(id),
    result text not null check (result in ('satisfied', 'basically', 'unsatisfied')),
    reason text not null default '',
    via text not null check (via in ('phone', 'requester')),
    month text not null,
    created_at bigint not null,
    unique (request_id, round)
);
create index service_visits_unit_month on service_visits(lead_unit_id, month);

-- What the requester sees on the tracking page: each step in words, never a staff name.
create table service_progress (
    id integer primary key,
    request_id bigint not null references service_requests(id),
    step text not null,
    note text not null default '',
    created_at bigint not null
);
create index service_progress_request on service_progress(request_id);

-- The public form's arithmetic challenge: single use, short-lived.
create table service_challenges (
    token text primary key,
    answer bigint not null,
    expires_at bigint not null
);

-- The item kinds of 0016 plus `service` (SQLite: the triggers, re-made).
drop trigger processes_item_kind_insert;
drop trigger processes_item_kind_update;
drop trigger cases_item_kind_insert;
drop trigger cases_item_kind_update;

create trigger processes_item_kind_insert before insert on processes
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision',
                           'service')
begin select raise(abort, 'processes.item_kind: unknown item kind'); end;

create trigger processes_item_kind_update before update of item_kind on processes
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision',
                           'service')
begin select raise(abort, 'processes.item_kind: unknown item kind'); end;

create trigger cases_item_kind_insert before insert on cases
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision',
                           'service')
begin select raise(abort, 'cases.item_kind: unknown item kind'); end;

create trigger cases_item_kind_update before update of item_kind on cases
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision',
                           'service')
begin select raise(abort, 'cases.item_kind: unknown item kind'); end;
