-- The flow engine: process definitions, cases, their tasks, timers, cards, proxies.
--
-- cases.state holds the engine's state of a case (JSON, see xn_domain::flow::CaseState); it is
-- the truth. tasks is its projection for queues (待办, 待阅, 已办), rewritten in the same
-- transaction as the state. cases.version guards every action: acting on a stale version is a
-- conflict. jobs holds every timer (due-soon warnings, yellow and red cards), claimed with a
-- lease so that several servers give each timer exactly one effect.

create table processes (
    id integer primary key,
    key text not null,
    unit_id bigint references units(id),
    version bigint not null,
    name text not null,
    item_kind text not null,
    source text not null,
    origin text not null check (origin in ('shipped', 'unit')),
    created_at bigint not null,
    created_by bigint references persons(id)
);
create unique index processes_key_unit_version on processes(key, coalesce(unit_id, 0), version);

create table cases (
    id integer primary key,
    process_id bigint not null references processes(id),
    item_kind text not null,
    title text not null,
    body text not null default '',
    fields text not null default '{}',
    unit_id bigint not null references units(id),
    starter_post_id bigint not null references posts(id),
    parent_case_id bigint references cases(id),
    parent_run bigint,
    status text not null check (status in ('running', 'paused', 'closed')),
    version bigint not null default 1,
    state text not null,
    due_date text,
    created_at bigint not null,
    updated_at bigint not null,
    closed_at bigint
);
create index cases_starter on cases(starter_post_id, created_at);
create index cases_status on cases(status, item_kind);
create index cases_parent on cases(parent_case_id);

create table tasks (
    id integer primary key,
    case_id bigint not null references cases(id),
    task_no bigint not null,
    run_no bigint not null,
    step_id text not null,
    step_name text not null,
    kind text not null check (kind in ('task', 'read')),
    post_id bigint not null references posts(id),
    state text not null,
    due_date text,
    due_at bigint,
    decision text,
    opinion text,
    acted_by_post_id bigint references posts(id),
    created_at bigint not null,
    acted_at bigint,
    urge_count bigint not null default 0,
    last_urged_at bigint,
    unique (case_id, task_no)
);
create index tasks_post_state on tasks(post_id, state);
create index tasks_acted_by on tasks(acted_by_post_id);

create table jobs (
    id integer primary key,
    kind text not null,
    case_id bigint not null references cases(id),
    run_no bigint not null,
    rung text not null,
    due_at bigint not null,
    status text not null default 'pending' check (status in ('pending', 'done', 'cancelled')),
    lease_owner text,
    lease_until bigint,
    attempts bigint not null default 0,
    version bigint not null default 0,
    done_at bigint,
    done_by text,
    unique (kind, case_id, run_no, rung)
);
create index jobs_due on jobs(status, due_at);

create table cards (
    id integer primary key,
    job_id bigint not null references jobs(id),
    case_id bigint not null references cases(id),
    run_no bigint not null,
    color text not null check (color in ('yellow', 'red')),
    post_id bigint references posts(id),
    unit_id bigint references units(id),
    due_date text not null,
    issued_at bigint not null,
    unique (job_id, post_id)
);
create index cards_post on cards(post_id, issued_at);
create index cards_unit on cards(unit_id, issued_at);

create table proxies (
    id integer primary key,
    principal_post_id bigint not null references posts(id),
    proxy_post_id bigint not null references posts(id),
    starts_at bigint not null,
    ends_at bigint not null,
    reason text not null default '',
    created_by bigint references persons(id),
    created_at bigint not null,
    revoked_at bigint,
    check (ends_at > starts_at),
    check (principal_post_id <> proxy_post_id)
);
create index proxies_proxy on proxies(proxy_post_id, ends_at);

create table idempotency_keys (
    person_id bigint not null references persons(id),
    key text not null,
    request_hash text not null,
    response text not null,
    created_at bigint not null,
    primary key (person_id, key)
);
