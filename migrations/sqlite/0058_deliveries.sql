-- Mail and messengers: the notifications a person would see on the workbench (a new task, due
-- soon, a yellow or red card, an urge, a return …) also go out by mail and to the 企业微信 and
-- 钉钉 group robots of the person's unit, as each person and unit chose.
--
-- A person's mail address, and what they want sent (notify_prefs: one row once they have
-- chosen; without one the defaults in xn_domain::notify hold).
alter table persons add column email text;

create table notify_prefs (
    person_id bigint primary key references persons(id),
    -- Send mail at all (to persons.email).
    mail smallint not null default 1,
    -- Be named (@ by phone number) in the unit's group robot messages.
    robot smallint not null default 1,
    -- The kinds wanted, comma-separated codes of xn_domain::notify::Topic.
    topics text not null,
    -- Quiet hours, 'HH:MM' Beijing time; both or neither. What falls due within them waits
    -- for their end.
    quiet_from text,
    quiet_to text,
    -- A daily digest instead of one mail each: 'HH:MM' Beijing time, or null.
    digest_at text,
    updated_at bigint not null
);

-- A unit's group robots, one per messenger. The webhook address and the 钉钉 signing secret
-- carry the robot's credentials: both are sealed at rest (labels robot:{unit}:{kind}:url and
-- :secret).
create table unit_robots (
    id integer primary key,
    unit_id bigint not null references units(id),
    kind text not null check (kind in ('wecom', 'dingtalk')),
    url text not null,
    secret text,
    topics text not null,
    quiet_from text,
    quiet_to text,
    active smallint not null default 1,
    updated_at bigint not null,
    unique (unit_id, kind)
);

-- Each message to send: a job of its own, claimed with a lease like the flow's timers (jobs
-- rows belong to a case; these do not), tried again with a growing pause, its outcome kept.
create table deliveries (
    id integer primary key,
    -- What it tells of: task:{id} or notification:{id}.
    source text not null,
    topic text not null,
    channel text not null check (channel in ('mail', 'wecom', 'dingtalk')),
    -- The mail address, or robot:{id}.
    address text not null,
    person_id bigint references persons(id),
    robot_id bigint references unit_robots(id),
    -- Mentioned in a robot's message (a phone number), if any.
    mention text,
    title text not null,
    body text not null,
    link text not null,
    -- Part of the person's daily digest rather than sent alone.
    digest smallint not null default 0,
    status text not null default 'pending' check (status in ('pending', 'sent', 'failed')),
    due_at bigint not null,
    attempts bigint not null default 0,
    lease_owner text,
    lease_until bigint,
    version bigint not null default 0,
    last_error text,
    sent_at bigint,
    created_at bigint not null,
    unique (source, channel, address)
);
create index deliveries_due on deliveries(status, due_at);
create index deliveries_person on deliveries(person_id, id);
create index deliveries_robot on deliveries(robot_id, id);

-- How far each source has been read: the highest id seen whose row is older than the window
-- in which a later commit could still bring a lower id (xn_store::notify). An installation
-- upgraded to this version starts after what it already holds: its history is not sent.
create table delivery_cursors (
    source text primary key,
    last_id bigint not null
);
insert into delivery_cursors (source, last_id) select 'task', coalesce(max(id), 0) from tasks;
insert into delivery_cursors (source, last_id)
    select 'notification', coalesce(max(id), 0) from notifications;
