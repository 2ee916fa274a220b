-- 效能: the periods whose figures are stored (a period with nothing to count has a row here
-- and none in efficiency_figures).
create table efficiency_periods (
    period text primary key,
    rules text not null,
    computed_at bigint not null
);

-- 效能: the figures of each ended period, stored so history does not move when rules, weights
-- or the organisation change later. `period` is 'YYYY-MM-DD' (a day), 'YYYY-Www' (an ISO
-- week), 'YYYY-MM' (a month) or 'YYYY' (a year), in Beijing time. A row with `post_id = 0`
-- holds a unit's whole subtree (every post under it); other rows hold one post (its unit then
-- being the post's unit when counted). Counts are whole numbers; working days are whole days.
create table efficiency_figures (
    period text not null,
    unit_id bigint not null references units(id),
    post_id bigint not null default 0,
    steps_received bigint not null default 0,
    steps_done bigint not null default 0,
    steps_on_time bigint not null default 0,
    step_days_sum bigint not null default 0,
    step_days_p90 bigint not null default 0,
    cases_received bigint not null default 0,
    cases_closed bigint not null default 0,
    cases_due bigint not null default 0,
    cases_on_time bigint not null default 0,
    open_end bigint not null default 0,
    open_overdue bigint not null default 0,
    age_0_2 bigint not null default 0,
    age_3_5 bigint not null default 0,
    age_6_10 bigint not null default 0,
    age_over_10 bigint not null default 0,
    yellow bigint not null default 0,
    red bigint not null default 0,
    returned bigint not null default 0,
    urged bigint not null default 0,
    service_rated bigint not null default 0,
    service_satisfied bigint not null default 0,
    service_reworks bigint not null default 0,
    service_returns bigint not null default 0,
    complaints_upheld bigint not null default 0,
    alerts_raised bigint not null default 0,
    rules text not null,
    computed_at bigint not null,
    primary key (period, unit_id, post_id)
);
create index efficiency_figures_unit on efficiency_figures(unit_id, period);

-- Per kind of step (a process's step) within a unit's subtree: how many were done, how many
-- on time, and their working days (sum and 90th percentile, nearest rank).
create table efficiency_step_figures (
    period text not null,
    unit_id bigint not null references units(id),
    process_key text not null,
    step_id text not null,
    step_name text not null,
    done bigint not null,
    on_time bigint not null,
    days_sum bigint not null,
    days_p90 bigint not null,
    primary key (period, unit_id, process_key, step_id)
);

-- The composite's weights per government (its monitor's root); absent, the defaults.
create table efficiency_weights (
    root_unit_id bigint not null references units(id),
    factor text not null,
    weight bigint not null check (weight between 0 and 100),
    primary key (root_unit_id, factor)
);

-- The facts of a period are read by when steps were done and which are open, and by when
-- cases started and ended.
create index tasks_acted_at on tasks(acted_at);
create index tasks_open on tasks(created_at) where state = 'open';
create index cases_created_at on cases(created_at);
create index cases_closed_at on cases(closed_at);
