-- The foundation: organisation, people, posts, roles, sessions, tokens and the event log.
-- Portable schema (see docs/ARCHITECTURE.md): instants are BIGINT epoch milliseconds (UTC),
-- flags SMALLINT 0/1, business dates TEXT 'YYYY-MM-DD', enumerations TEXT with CHECK.

create table units (
    id integer primary key,
    parent_id bigint references units(id),
    kind text not null check (kind in ('government', 'office', 'section', 'bureau', 'other')),
    name text not null,
    short_name text not null,
    issuer_code text unique,
    sort_order bigint not null default 0,
    created_at bigint not null
);
create index units_parent on units(parent_id);
create unique index units_sibling_name on units(coalesce(parent_id, 0), name);

create table positions (
    id integer primary key,
    code text not null unique,
    name text not null unique,
    rank bigint not null
);

create table persons (
    id integer primary key,
    login text not null unique,
    name text not null,
    phone text,
    password_hash text not null,
    must_change_password smallint not null default 0,
    failed_attempts bigint not null default 0,
    locked_at bigint,
    disabled smallint not null default 0,
    created_at bigint not null
);

create table roles (
    id integer primary key,
    code text not null unique,
    name text not null unique,
    builtin smallint not null default 0
);

create table role_permissions (
    role_id bigint not null references roles(id) on delete cascade,
    permission text not null,
    primary key (role_id, permission)
);

create table posts (
    id integer primary key,
    person_id bigint not null references persons(id),
    unit_id bigint not null references units(id),
    position_id bigint not null references positions(id),
    title text,
    clearance text not null default 'public'
        check (clearance in ('public', 'secret', 'confidential', 'top_secret')),
    active smallint not null default 1,
    created_at bigint not null
);
create index posts_person on posts(person_id);
create index posts_unit on posts(unit_id);

create table post_roles (
    post_id bigint not null references posts(id) on delete cascade,
    role_id bigint not null references roles(id),
    primary key (post_id, role_id)
);

create table sessions (
    token_hash text primary key,
    person_id bigint not null references persons(id),
    post_id bigint references posts(id),
    csrf_token text not null,
    created_at bigint not null,
    last_seen_at bigint not null,
    ended_at bigint,
    ip text,
    user_agent text
);
create index sessions_person on sessions(person_id);

create table api_tokens (
    id integer primary key,
    person_id bigint not null references persons(id),
    post_id bigint not null references posts(id),
    name text not null,
    token_hash text not null unique,
    prefix text not null,
    scopes text not null,
    created_at bigint not null,
    last_used_at bigint,
    revoked_at bigint
);
create index api_tokens_person on api_tokens(person_id);

create table events (
    id integer primary key,
    at bigint not null,
    kind text not null,
    actor_person_id bigint references persons(id),
    actor_post_id bigint references posts(id),
    subject text,
    detail text not null default '{}',
    ip text
);
create index events_kind_at on events(kind, at);
create index events_subject on events(subject);
