-- The second factor (TOTP, RFC 6238), sessions waiting for it, recovery codes, and the
-- password's history and age (等保三级 8.1.4.1).

-- One factor per person. The secret is SM4-CBC encrypted under a key derived from the
-- installation key (hex IV and ciphertext, and four bytes of the key's SM3 so that a secret
-- stored under another key says so). `confirmed_at` is null while the person is enrolling;
-- `last_step` is the last TOTP time step accepted, so a code is never accepted twice.
-- `kind` names the factor: a later SM2 certificate or USB key adds its own kind.
create table second_factors (
    person_id bigint primary key references persons(id),
    kind text not null check (kind in ('totp')),
    secret_iv text not null,
    secret_cipher text not null,
    key_check text not null,
    last_step bigint not null default 0,
    confirmed_at bigint,
    created_at bigint not null
);

-- One-time recovery codes, shown once at enrolment; only their SM3 is kept.
create table recovery_codes (
    id integer primary key,
    person_id bigint not null references persons(id),
    code_hash text not null,
    used_at bigint
);
create index recovery_codes_person on recovery_codes(person_id);

-- A session whose password was right but whose second factor is still to be given: it acts
-- for no one until the factor is given.
alter table sessions add column factor_pending smallint not null default 0;

-- When the password was last set (null: never since this version; the account's creation
-- then counts), and the hashes of the passwords it replaced, so that they are not reused.
alter table persons add column password_changed_at bigint;
create table password_history (
    id integer primary key,
    person_id bigint not null references persons(id),
    password_hash text not null,
    retired_at bigint not null
);
create index password_history_person on password_history(person_id, retired_at);
