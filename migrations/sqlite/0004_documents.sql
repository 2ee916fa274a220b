-- 办文: official documents (发文 and 收文), their text versions, the number ledger, attachments
-- stored by content, and the exchange of documents between units.
--
-- A document is an item: documents.case_id is the flow case that moves it. Lists (recipients,
-- signers, attachment names) are JSON arrays in TEXT columns; dates are 'YYYY-MM-DD' TEXT,
-- instants BIGINT epoch milliseconds (UTC).

alter table units add column document_registry smallint not null default 0;

create table documents (
    id integer primary key,
    direction text not null check (direction in ('outgoing', 'incoming')),
    case_id bigint unique references cases(id),
    unit_id bigint not null references units(id),
    kind text not null,
    format text not null default 'file' check (format in ('file', 'letter', 'order', 'minutes')),
    title text not null,
    issuer_code text,
    number_year bigint,
    number_seq bigint,
    doc_number text,
    copies bigint,
    classification text not null default 'public'
        check (classification in ('public', 'secret', 'confidential', 'top_secret')),
    secrecy_term text,
    urgency text check (urgency is null or urgency in ('urgent', 'very_urgent')),
    issuers text not null default '[]',
    signers text not null default '[]',
    main_recipients text not null default '[]',
    copy_recipients text not null default '[]',
    attachment_names text not null default '[]',
    signature text not null default '',
    written_on text,
    note text,
    printer text,
    print_date text,
    seal smallint not null default 1,
    body text not null default '',
    body_version bigint not null default 0,
    signed_off_post_id bigint references posts(id),
    signed_off_person_id bigint references persons(id),
    signed_off_name text,
    signed_off_at bigint,
    signed_off_opinion text,
    signed_off_version bigint,
    status text not null,
    source_document_id bigint references documents(id),
    exchange_id bigint,
    sender_name text,
    sender_number text,
    received_year bigint,
    received_seq bigint,
    received_no text,
    received_at bigint,
    lead_post_id bigint references posts(id),
    reply text,
    created_post_id bigint not null references posts(id),
    created_at bigint not null,
    updated_at bigint not null
);
create index documents_unit on documents(unit_id, direction, created_at);
create unique index documents_number on documents(issuer_code, number_year, number_seq);
create index documents_source on documents(source_document_id);

create table document_versions (
    document_id bigint not null references documents(id),
    no bigint not null,
    title text not null,
    body text not null,
    author_post_id bigint not null references posts(id),
    author_person_id bigint not null references persons(id),
    note text,
    created_at bigint not null,
    primary key (document_id, no)
);

-- One gapless counter per 机关代字 and year (and per unit's 收文号, under 'recv:<unit id>').
create table number_counters (
    issuer_code text not null,
    year bigint not null,
    last_seq bigint not null,
    primary key (issuer_code, year)
);

-- The 文号台账: every number ever allocated, reserved or voided. A row is never deleted.
create table document_numbers (
    issuer_code text not null,
    year bigint not null,
    seq bigint not null,
    state text not null check (state in ('allocated', 'reserved', 'voided')),
    document_id bigint references documents(id),
    reason text,
    post_id bigint not null references posts(id),
    at bigint not null,
    primary key (issuer_code, year, seq)
);

-- Files by content: the SM3 hash of the bytes names them, so one file is stored once.
create table blobs (
    hash text primary key,
    size bigint not null,
    content blob not null,
    created_at bigint not null
);

create table document_attachments (
    id integer primary key,
    document_id bigint not null references documents(id),
    role text not null check (role in ('attachment', 'scan')),
    name text not null,
    hash text not null references blobs(hash),
    size bigint not null,
    mime text not null,
    sort_order bigint not null default 0,
    post_id bigint not null references posts(id),
    created_at bigint not null
);
create index document_attachments_doc on document_attachments(document_id, sort_order);

-- 公文交换: one row per recipient unit of a dispatched document (and per re-send).
create table exchanges (
    id integer primary key,
    document_id bigint not null references documents(id),
    recipient_unit_id bigint not null references units(id),
    role text not null check (role in ('main', 'copy')),
    round bigint not null default 1,
    incoming_document_id bigint references documents(id),
    state text not null check (state in ('delivered', 'signed', 'returned', 'handled')),
    sent_at bigint not null,
    sent_post_id bigint not null references posts(id),
    signed_at bigint,
    returned_at bigint,
    return_reason text,
    handled_at bigint,
    reply text
);
create index exchanges_document on exchanges(document_id, recipient_unit_id);
create index exchanges_recipient on exchanges(recipient_unit_id, state);
