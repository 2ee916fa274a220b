-- 督查督办: supervision items, their assisting units, progress reports on a cycle, requests to
-- change the lead unit or the deadline, and the monthly scores kept for assessment.
--
-- A supervision item is an item: supervision_items.case_id is the flow case that moves it
-- (立项 → 交办 → 办理 → 办结审核 → 销号). Its own deadline and its reports are timers in the
-- jobs table (kinds 'sv_deadline' and 'sv_report'), claimed with leases like the flow's, and its
-- yellow and red cards are rows of the cards table. Dates are 'YYYY-MM-DD' TEXT, instants BIGINT
-- epoch milliseconds (UTC).

alter table units add column supervision_section smallint not null default 0;

create table supervision_items (
    id integer primary key,
    case_id bigint not null unique references cases(id),
    parent_id bigint references supervision_items(id),
    office_unit_id bigint not null references units(id),
    source_kind text not null
        check (source_kind in ('instruction', 'meeting', 'work_report', 'higher', 'citizen', 'other')),
    source_case_id bigint references cases(id),
    source_text text not null default '',
    source_leader text not null default '',
    source_leader_post_id bigint references posts(id),
    title text not null,
    content text not null,
    requirements text not null default '',
    lead_unit_id bigint not null references units(id),
    lead_post_id bigint not null references posts(id),
    deadline text not null,
    report_cycle text not null default 'none'
        check (report_cycle in ('none', 'weekly', 'biweekly', 'monthly')),
    report_day bigint not null default 5,
    importance text not null default 'normal' check (importance in ('normal', 'important', 'critical')),
    state text not null default 'assigned'
        check (state in ('assigned', 'handling', 'reviewing', 'closed')),
    created_post_id bigint not null references posts(id),
    created_at bigint not null,
    signed_at bigint,
    applied_at bigint,
    closed_at bigint,
    closed_on text,
    sent_back bigint not null default 0,
    updated_at bigint not null
);
create index supervision_items_lead on supervision_items(lead_unit_id, state);
create index supervision_items_office on supervision_items(office_unit_id, state, deadline);
create index supervision_items_parent on supervision_items(parent_id);
create index supervision_items_source on supervision_items(source_case_id);
create index supervision_items_leader on supervision_items(source_leader_post_id);
-- The strongest card of an item is read per listed row.
create index cards_case on cards(case_id, color);

create table supervision_assists (
    item_id bigint not null references supervision_items(id),
    unit_id bigint not null references units(id),
    post_id bigint references posts(id),
    primary key (item_id, unit_id)
);

create table supervision_reports (
    id integer primary key,
    item_id bigint not null references supervision_items(id),
    seq bigint not null,
    due_date text not null,
    status text not null default 'due' check (status in ('due', 'filed', 'late', 'missed', 'cancelled')),
    content text,
    filed_at bigint,
    filed_post_id bigint references posts(id),
    filed_person_id bigint references persons(id),
    unique (item_id, seq)
);
create index supervision_reports_due on supervision_reports(status, due_date);

create table supervision_changes (
    id integer primary key,
    item_id bigint not null references supervision_items(id),
    requested_post_id bigint not null references posts(id),
    reason text not null,
    new_lead_unit_id bigint references units(id),
    new_lead_post_id bigint references posts(id),
    new_deadline text,
    status text not null default 'pending' check (status in ('pending', 'approved', 'refused')),
    decided_post_id bigint references posts(id),
    decided_at bigint,
    opinion text,
    created_at bigint not null
);
create index supervision_changes_item on supervision_changes(item_id, status);

create table supervision_scores (
    month text not null,
    unit_id bigint not null references units(id),
    post_id bigint not null default 0,
    items_due bigint not null,
    closed_on_time bigint not null,
    closed_late bigint not null,
    open_overdue bigint not null,
    working_days_to_close bigint not null,
    closed bigint not null,
    yellow_cards bigint not null,
    red_cards bigint not null,
    reports_due bigint not null,
    reports_missed bigint not null,
    computed_at bigint not null,
    primary key (month, unit_id, post_id)
);
