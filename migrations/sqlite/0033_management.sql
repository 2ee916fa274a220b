-- 管理: targets (目标责任制) cascaded office → sections and county offices → posts, their
-- links to items whose completion is evidence; each office's settings (the weekly report's
-- day, the objection window, the evaluation's weights per position); weekly reports (周报告);
-- monthly evaluations (月考评) with the figures frozen when locked. Instants are epoch
-- milliseconds (UTC); dates TEXT 'YYYY-MM-DD'; months TEXT 'YYYY-MM'.

-- weight: percent of the parent's weight (a top-level target: of the office's year).
-- milestones: four lines (一至四季度) separated by newlines.
create table targets (
    id integer primary key,
    year bigint not null,
    office_unit_id bigint not null references units(id),
    parent_id bigint references targets(id),
    unit_id bigint not null references units(id),
    owner_post_id bigint references posts(id),
    title text not null,
    measure_kind text not null check (measure_kind in ('number', 'date', 'yes_no')),
    measure_unit text not null default '',
    target_value text not null,
    weight bigint not null check (weight between 1 and 100),
    milestones text not null default '',
    result_value text not null default '',
    evidence text not null default '',
    status text not null default 'active' check (status in ('active', 'achieved', 'missed')),
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null,
    updated_at bigint not null
);
create index targets_parent on targets(parent_id);
create index targets_office_year on targets(office_unit_id, year);
create index targets_unit on targets(unit_id, year);
create index targets_owner on targets(owner_post_id, year);

-- An item whose completion counts as a target's evidence.
create table target_links (
    target_id bigint not null references targets(id),
    kind text not null check (kind in ('supervision', 'document', 'meeting')),
    ref_id bigint not null,
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null,
    primary key (target_id, kind, ref_id)
);

-- One row per parent (or per office and year for top-level targets), upserted inside a
-- cascade's transaction so that two children added at once are checked one after the other.
create table target_locks (
    lock_key text primary key,
    taken_at bigint not null
);

-- An office's settings; absent: the defaults (report on Friday, 5 working days to object).
create table management_settings (
    office_unit_id bigint primary key references units(id),
    report_weekday bigint not null check (report_weekday between 1 and 7),
    objection_days bigint not null check (objection_days between 1 and 30),
    updated_by_post_id bigint references posts(id),
    updated_at bigint not null
);

-- The evaluation's weights of an office per position (percent; a position's rows sum to 100).
-- factor is a code the service knows; no CHECK, so an area adding a factor needs no migration.
create table evaluation_weights (
    office_unit_id bigint not null references units(id),
    position_id bigint not null references positions(id),
    factor text not null,
    weight bigint not null check (weight between 0 and 100),
    updated_at bigint not null,
    primary key (office_unit_id, position_id, factor)
);

-- body '' until the person saves: the page then shows the draft made from their events.
create table weekly_reports (
    id integer primary key,
    post_id bigint not null references posts(id),
    unit_id bigint not null references units(id),
    week_start text not null,
    due_date text not null,
    body text not null default '',
    status text not null default 'draft' check (status in ('draft', 'submitted')),
    submitted_at bigint,
    late smallint not null default 0 check (late in (0, 1)),
    comment text not null default '',
    commented_by_post_id bigint references posts(id),
    commented_at bigint,
    urge_count bigint not null default 0,
    last_urged_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    unique (post_id, week_start)
);
create index weekly_reports_week on weekly_reports(week_start, status);

-- A post's evaluation of a month: the leader's rating and comment, the objection and its
-- decision, the lock. While unlocked the figures are computed from the facts at each reading;
-- at locking they are frozen into evaluation_factors and total_centi.
create table evaluations (
    id integer primary key,
    month text not null,
    post_id bigint not null references posts(id),
    unit_id bigint not null references units(id),
    rating bigint not null default 0 check (rating between -10 and 10),
    rating_comment text not null default '',
    rated_by_post_id bigint references posts(id),
    rated_at bigint,
    objection text not null default '',
    objected_at bigint,
    objection_status text check (objection_status in ('pending', 'upheld', 'rejected')),
    decision text not null default '',
    decided_by_post_id bigint references posts(id),
    decided_at bigint,
    locked_at bigint,
    locked_by_post_id bigint references posts(id),
    total_centi bigint,
    created_at bigint not null,
    updated_at bigint not null,
    unique (month, post_id)
);
create index evaluations_month on evaluations(month, unit_id);

create table evaluation_factors (
    evaluation_id bigint not null references evaluations(id),
    factor text not null,
    weight bigint not null,
    score_centi bigint not null,
    figures text not null,
    primary key (evaluation_id, factor)
);
