-- 周报告的汇总: a section's weekly report rolled up from its people's, and an office's from its
-- sections' and its own people's. The chief (for a section) or the office's leader (for an
-- office) edits the drafted text and submits it; body '' until saved, the page then shows the
-- draft. A section's is commented by its office's leader, a county office's by the city's.
create table weekly_rollups (
    id integer primary key,
    unit_id bigint not null references units(id),
    week_start text not null,
    due_date text not null,
    body text not null default '',
    status text not null default 'draft' check (status in ('draft', 'submitted')),
    submitted_at bigint,
    submitted_by_post_id bigint references posts(id),
    late smallint not null default 0 check (late in (0, 1)),
    comment text not null default '',
    commented_by_post_id bigint references posts(id),
    commented_at bigint,
    created_at bigint not null,
    updated_at bigint not null,
    unique (unit_id, week_start)
);
create index weekly_rollups_week on weekly_rollups(week_start, unit_id);
