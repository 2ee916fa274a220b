-- 效能投诉: complaints about slowness or misconduct in handling an item, filed by staff, by a
-- county office or from the public form, investigated by the supervising section (督查科/股) of
-- the office of the government concerned on flow cases of kind 'complaint'
-- (processes/efficiency_complaint.toml: 核查 → 认定 → 整改 → 反馈). An upheld finding (成立 or
-- 部分成立) names the responsible unit and post and counts against them by its Beijing date
-- (found_on). The public complainant's name and phone are kept for the section only; the
-- address of a public submission is kept as an SM3 hash, for the limits. Instants are BIGINT
-- epoch milliseconds (UTC).

create table efficiency_complaints (
    id integer primary key,
    code text not null unique,
    case_id bigint unique references cases(id),
    government_id bigint not null references units(id),
    office_id bigint not null references units(id),
    channel text not null check (channel in ('staff', 'public')),
    kind text not null
        check (kind in ('delay', 'buck_passing', 'attitude', 'irregular', 'other')),
    complainant_person_id bigint references persons(id),
    complainant_post_id bigint references posts(id),
    complainant_unit_id bigint references units(id),
    name text not null default '',
    phone text not null default '',
    source_hash text not null default '',
    subject_case_id bigint references cases(id),
    service_code text not null default '',
    respondent_unit_id bigint references units(id),
    respondent_post_id bigint references posts(id),
    description text not null,
    state text not null default 'checking'
        check (state in ('checking', 'finding', 'rectifying', 'answering', 'closed')),
    facts text not null default '',
    finding text not null default '' check (finding in ('', 'upheld', 'partly', 'rejected')),
    finding_reason text not null default '',
    responsible_unit_id bigint references units(id),
    responsible_post_id bigint references posts(id),
    found_on text,
    rectification text not null default '',
    answer text not null default '',
    pending_step text not null default '',
    created_at bigint not null,
    updated_at bigint not null,
    closed_at bigint
);
create index efficiency_complaints_office on efficiency_complaints(office_id, created_at);
create index efficiency_complaints_responsible on efficiency_complaints(responsible_unit_id, found_on);
create index efficiency_complaints_responsible_post on efficiency_complaints(responsible_post_id, found_on);
create index efficiency_complaints_source on efficiency_complaints(source_hash, created_at);

-- The closed set of item kinds gains 'complaint'.
drop trigger processes_item_kind_insert;
drop trigger processes_item_kind_update;
drop trigger cases_item_kind_insert;
drop trigger cases_item_kind_update;

create trigger processes_item_kind_insert before insert on processes
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision', 'service', 'information', 'complaint')
begin select raise(abort, 'processes.item_kind: unknown item kind'); end;

create trigger processes_item_kind_update before update of item_kind on processes
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision', 'service', 'information', 'complaint')
begin select raise(abort, 'processes.item_kind: unknown item kind'); end;

create trigger cases_item_kind_insert before insert on cases
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision', 'service', 'information', 'complaint')
begin select raise(abort, 'cases.item_kind: unknown item kind'); end;

create trigger cases_item_kind_update before update of item_kind on cases
when new.item_kind not in ('internal', 'bench', 'document_out', 'document_in', 'supervision', 'service', 'information', 'complaint')
begin select raise(abort, 'cases.item_kind: unknown item kind'); end;
