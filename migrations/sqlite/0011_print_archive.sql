-- 印制 and 归档: the final PDF of an outgoing document (rendered, checked and sealed when its
-- 印制 step is completed), the issuers' seal images (SM4-encrypted), and archive items (件) per
-- DA/T 22-2015 with their 档号 counters.

-- The PDF that 核发 dispatches, one per document, stored by content in blobs. An incoming copy
-- gets the row of its original at delivery, so recipients read the same bytes.
create table document_finals (
    document_id bigint primary key references documents(id),
    hash text not null references blobs(hash),
    size bigint not null,
    pages bigint not null,
    seal_id bigint,
    post_id bigint not null references posts(id),
    created_at bigint not null
);

-- Seal images of issuing units, encrypted with SM4-CBC under the installation's seal key; the
-- newest row of a unit is its seal, older rows are kept for the record.
create table seals (
    id integer primary key,
    unit_id bigint not null references units(id),
    ciphertext blob not null,
    iv text not null,
    key_check text not null,
    plain_sm3 text not null,
    plain_size bigint not null,
    width bigint not null,
    height bigint not null,
    post_id bigint not null references posts(id),
    created_at bigint not null
);
create index seals_unit on seals(unit_id, id);

-- 全宗号 of a unit, when set (otherwise a default derived from the unit's id).
create table archive_fonds (
    unit_id bigint primary key references units(id),
    fonds_code text not null,
    updated_at bigint not null
);

-- One gapless 件号 counter per 全宗, year and 保管期限.
create table archive_counters (
    fonds_code text not null,
    year bigint not null,
    retention text not null,
    last_seq bigint not null,
    primary key (fonds_code, year, retention)
);

-- 归档文件 (件): a closed outgoing document with its 档号 and metadata block.
create table archive_items (
    id integer primary key,
    document_id bigint not null unique references documents(id),
    unit_id bigint not null references units(id),
    fonds_code text not null,
    year bigint not null,
    retention text not null check (retention in ('Y', 'D30', 'D10')),
    item_no bigint not null,
    archive_no text not null unique,
    title text not null,
    author text not null,
    doc_number text,
    written_on text,
    classification text not null,
    pages bigint not null,
    metadata text not null,
    post_id bigint not null references posts(id),
    created_at bigint not null,
    unique (fonds_code, year, retention, item_no)
);
create index archive_items_unit on archive_items(unit_id, year);
