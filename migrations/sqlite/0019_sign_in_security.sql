-- Sign-in security (等保三级): timed locks, a shared sign-in throttle, expiring API tokens and
-- password resets through a one-time link.

-- Who locked an account: wrong passwords (the lock expires after the configured time) or an
-- administrator (it holds until unlocked). A lock that stood before this version holds until
-- someone unlocks it, as it did.
alter table persons add column locked_by_admin smallint not null default 0;
update persons set locked_by_admin = 1 where locked_at is not null;

-- Failed sign-ins per login typed and per client address, with the time before which the next
-- try is refused. In the database, so that several servers sharing it agree.
create table sign_in_throttle (
    key text primary key,
    failures bigint not null,
    last_failure_at bigint not null,
    blocked_until bigint not null
);

-- Every API token expires; tokens made before this version expire 90 days after creation.
alter table api_tokens add column expires_at bigint not null default 0;
update api_tokens set expires_at = created_at + 7776000000;

-- A password reset: a one-time link whose secret only the account's owner (or the console)
-- ever sees. A request from the sign-in page waits for the security administrator's approval,
-- given against the check code the owner reads out; a console reset is approved at once.
create table password_resets (
    id integer primary key,
    person_id bigint not null references persons(id),
    token_hash text not null unique,
    check_hash text,
    via text not null check (via in ('request', 'console')),
    requested_at bigint not null,
    approved_at bigint,
    approved_by bigint references persons(id),
    expires_at bigint not null,
    used_at bigint
);
create index password_resets_person on password_resets(person_id);
