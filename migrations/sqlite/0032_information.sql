-- 政务信息: information items reported upward by any unit, signed off (签发) by the unit's leader
-- before they leave it, received (签收) and screened by the receiving office's information
-- section within working hours, adopted at levels, composed into numbered periodical issues, and
-- scored per unit and author.
--
-- An item is moved by flow cases of kind 'information' (processes/information.toml): one case
-- at the submitting unit (拟稿 → 签发) and one per receiving office (签收 → 筛选), whose steps the
-- flow's ladder and the efficiency monitor follow like any other. Instants are BIGINT epoch
-- milliseconds (UTC); months are 'YYYY-MM' in Beijing time.

alter table units add column information_section smallint not null default 0;

-- Outside bodies an office reports to (a province's information office): recorded, not a unit.
create table information_outside (
    id integer primary key,
    office_unit_id bigint not null references units(id),
    name text not null,
    unique (office_unit_id, name)
);

create table information_items (
    id integer primary key,
    case_id bigint unique references cases(id),
    unit_id bigint not null references units(id),
    author_post_id bigint not null references posts(id),
    author_person_id bigint not null references persons(id),
    signer_post_id bigint not null references posts(id),
    title text not null,
    body text not null,
    kind text not null
        check (kind in ('news', 'practice', 'suggestion', 'public_opinion', 'urgent')),
    classification text not null default 'public',
    event_at bigint,
    report_kind text not null default 'none'
        check (report_kind in ('none', 'flash', 'written', 'followup')),
    first_item_id bigint references information_items(id),
    event_closed smallint not null default 0,
    state text not null default 'signing'
        check (state in ('signing', 'revising', 'sent')),
    late smallint not null default 0,
    late_minutes bigint not null default 0,
    sent_at bigint,
    created_at bigint not null,
    updated_at bigint not null
);
create index information_items_unit on information_items(unit_id, created_at);
create index information_items_first on information_items(first_item_id);

-- Where an item goes: an office of the tree (a case is opened there) or an outside body.
create table information_targets (
    item_id bigint not null references information_items(id),
    office_unit_id bigint references units(id),
    outside_id bigint references information_outside(id),
    check ((office_unit_id is null) <> (outside_id is null))
);
create index information_targets_item on information_targets(item_id);

create table information_receipts (
    id integer primary key,
    item_id bigint not null references information_items(id),
    office_unit_id bigint references units(id),
    outside_id bigint references information_outside(id),
    case_id bigint unique references cases(id),
    state text not null
        check (state in ('signing', 'screening', 'adopted', 'returned', 'declined', 'reported')),
    received_at bigint not null,
    signed_at bigint,
    screened_at bigint,
    reason text not null default '',
    urgent_minutes bigint
);
create index information_receipts_office on information_receipts(office_unit_id, state, received_at);
create index information_receipts_item on information_receipts(item_id);

-- Edits by the receiving section, kept beside the original (version 1 is the item as sent).
create table information_versions (
    id integer primary key,
    receipt_id bigint not null references information_receipts(id),
    version bigint not null,
    title text not null,
    body text not null,
    post_id bigint not null references posts(id),
    created_at bigint not null,
    unique (receipt_id, version)
);

create table information_periodicals (
    id integer primary key,
    office_unit_id bigint not null references units(id),
    name text not null,
    publisher text not null,
    report_to text not null default '',
    send_to text not null default '',
    issue_to text not null default '',
    created_at bigint not null,
    unique (office_unit_id, name)
);

-- The last 期号 taken per periodical and year: taken by one update in the issue's transaction.
create table information_issue_counters (
    periodical_id bigint not null references information_periodicals(id),
    year bigint not null,
    last bigint not null,
    primary key (periodical_id, year)
);

create table information_issues (
    id integer primary key,
    periodical_id bigint not null references information_periodicals(id),
    year bigint not null,
    number bigint not null,
    item_count bigint not null default 0,
    state text not null default 'draft' check (state in ('draft', 'published')),
    created_post_id bigint not null references posts(id),
    created_at bigint not null,
    published_at bigint,
    unique (periodical_id, year, number)
);

create table information_adoptions (
    id integer primary key,
    receipt_id bigint not null references information_receipts(id),
    item_id bigint not null references information_items(id),
    office_unit_id bigint not null references units(id),
    level text not null
        check (level in ('internal', 'periodical', 'special', 'forwarded', 'higher', 'instruction')),
    issue_id bigint references information_issues(id),
    position bigint,
    note text not null default '',
    post_id bigint not null references posts(id),
    created_at bigint not null,
    unique (receipt_id, level),
    unique (issue_id, position)
);
create index information_adoptions_issue on information_adoptions(issue_id, position);

-- The points table of an office (a row per code overrides the shipped default).
create table information_points (
    office_unit_id bigint not null references units(id),
    code text not null,
    points bigint not null,
    primary key (office_unit_id, code)
);

-- Each office's duty post (值班) and the leader told of urgent events.
create table information_settings (
    office_unit_id bigint primary key references units(id),
    duty_post_id bigint references posts(id),
    leader_post_id bigint references posts(id)
);

-- Every point given, by month: what the ranking adds up and the evaluation reads.
create table information_scores (
    id integer primary key,
    office_unit_id bigint not null references units(id),
    month text not null,
    unit_id bigint not null references units(id),
    author_post_id bigint not null references posts(id),
    item_id bigint not null references information_items(id),
    receipt_id bigint not null references information_receipts(id),
    code text not null,
    points bigint not null,
    created_at bigint not null
);
create index information_scores_month on information_scores(office_unit_id, month, unit_id);

-- The closed set of item kinds gains 'information'.
drop trigger processes_item_kind_insert;
drop trigger processes_item_kind_update;
drop trigger cases_item_kind_insert;
drop trigger cases_item_kind_update;

create trigger processes_item_kind_insert before insert on processes
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision', 'service', 'information')
begin select raise(abort, 'processes.item_kind: unknown item kind'); end;

create trigger processes_item_kind_update before update of item_kind on processes
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision', 'service', 'information')
begin select raise(abort, 'processes.item_kind: unknown item kind'); end;

create trigger cases_item_kind_insert before insert on cases
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision', 'service', 'information')
begin select raise(abort, 'cases.item_kind: unknown item kind'); end;

create trigger cases_item_kind_update before update of item_kind on cases
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision', 'service', 'information')
begin select raise(abort, 'cases.item_kind: unknown item kind'); end;
