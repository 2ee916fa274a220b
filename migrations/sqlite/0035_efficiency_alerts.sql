-- 预警纠错 (issue 23, item 5): the efficiency monitor's alerts beyond the flow's ladder, and
-- each government's settings of its rules. An alert names its rule, its subject (`case:12`,
-- `step:12:3`, `unit:7`), the unit and post responsible, the facts that raised it; it is
-- cleared (已消除) when its condition no longer holds and stays until acknowledged (确认) with a
-- note. At most one alert per (rule, subject) is live (not cleared). Instants are epoch
-- milliseconds (UTC).

-- A government's own setting of a rule (absent: the shipped default). `threshold` is the
-- rule's one number: times returned, distinct holders, minimum samples of a step's kind,
-- working days unsigned, minimum open steps of a unit.
create table efficiency_alert_settings (
    government_id bigint not null references units(id),
    rule text not null check (rule in ('returned', 'many_holders', 'slow_step',
        'unsigned_information', 'backlog_doubled')),
    threshold bigint not null check (threshold between 1 and 1000),
    enabled smallint not null default 1 check (enabled in (0, 1)),
    updated_at bigint not null,
    primary key (government_id, rule)
);

create table efficiency_alerts (
    id integer primary key,
    rule text not null check (rule in ('returned', 'many_holders', 'slow_step',
        'unsigned_information', 'backlog_doubled')),
    subject text not null,
    case_id bigint references cases(id),
    unit_id bigint not null references units(id),
    post_id bigint references posts(id),
    government_id bigint references units(id),
    facts text not null,
    raised_at bigint not null,
    cleared_at bigint,
    acknowledged_at bigint,
    acknowledged_by_post_id bigint references posts(id),
    acknowledged_by_person_id bigint references persons(id),
    note text,
    check ((acknowledged_at is null) = (note is null))
);
create unique index efficiency_alerts_live on efficiency_alerts(rule, subject)
    where cleared_at is null;
create index efficiency_alerts_unit on efficiency_alerts(unit_id, raised_at);
create index efficiency_alerts_post on efficiency_alerts(post_id, raised_at);
create index efficiency_alerts_open on efficiency_alerts(acknowledged_at, raised_at);
