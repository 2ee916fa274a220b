-- 四个满意: the ratings the office is given (基层满意 by the counties and bureaus on what the
-- office handled for them, 领导满意 by a leader on an item they instructed), the higher
-- office's evaluation entered by the office per month (上级满意), and the monthly figures of
-- the four per unit and post, stored when a month has ended. 群众满意 reads service_visits
-- (0031) and the adoption upward reads information_adoptions (0032); neither is changed here.
-- Months TEXT 'YYYY-MM' (Beijing); instants epoch ms (UTC).

create table satisfaction_ratings (
    id integer primary key,
    source text not null check (source in ('grassroots', 'leader')),
    item_kind text not null check (item_kind in ('document', 'supervision')),
    item_id bigint not null,
    rater_post_id bigint not null references posts(id),
    rater_unit_id bigint not null references units(id),
    rated_unit_id bigint not null references units(id),
    rated_post_id bigint references posts(id),
    result text not null check (result in ('satisfied', 'basically', 'unsatisfied')),
    comment text not null default '',
    month text not null,
    created_at bigint not null,
    unique (source, item_kind, item_id)
);
create index satisfaction_ratings_unit_month on satisfaction_ratings(rated_unit_id, month);
create index satisfaction_ratings_month on satisfaction_ratings(month);

create table satisfaction_higher (
    id integer primary key,
    office_unit_id bigint not null references units(id),
    month text not null,
    score bigint not null check (score between 0 and 100),
    comment text not null default '',
    entered_by_post_id bigint not null references posts(id),
    created_at bigint not null,
    unique (office_unit_id, month)
);

-- One row per month, kind, unit and post (post 0: the unit as a whole). `score_centi` is the
-- figure × 100 (null: nothing rated), `n` the ratings behind it, `extra` the adoptions upward
-- counted into 上级满意.
create table satisfaction_figures (
    month text not null,
    kind text not null check (kind in ('public', 'grassroots', 'leader', 'higher')),
    unit_id bigint not null references units(id),
    post_id bigint not null,
    n bigint not null,
    points_sum bigint not null,
    extra bigint not null default 0,
    score_centi bigint,
    primary key (month, kind, unit_id, post_id)
);

-- The months stored, with the rule they were computed by.
create table satisfaction_months (
    month text primary key,
    rule text not null,
    stored_at bigint not null
);
