-- 调研: research topics (调研课题) of an office, proposed by its sections (主动) or assigned by a
-- leader (交办), taken into the year's plan or not by the office's 主任/副主任; a lead post and
-- a team across units; field work (走访, 座谈会, 问卷) with pictures, each put on the team's and
-- the leaders' schedules (schedule_entries, kind 'research'); one report per topic, drafted by
-- the lead post, reviewed in the office and submitted to the leaders; leaders' 批示 on it, each
-- of which may become a 督办 item; the outcome (转化为文件 → an outgoing document, 转化为决策 →
-- a meeting's 议定事项, 未转化); and the figures per month and lead unit, kept up to date in the
-- transaction of every write that changes them. Dates TEXT 'YYYY-MM-DD', months 'YYYY-MM',
-- instants epoch ms (UTC).

create table research_topics (
    id integer primary key,
    office_unit_id bigint not null references units(id),
    plan_year bigint not null,
    title text not null,
    questions text not null,
    origin text not null check (origin in ('own', 'assigned')),
    assigned_by_post_id bigint references posts(id),
    timing text not null check (timing in ('before', 'after')),
    lead_post_id bigint not null references posts(id),
    lead_unit_id bigint not null references units(id),
    starts_on text not null,
    due_on text not null,
    state text not null
        check (state in ('proposed', 'planned', 'declined', 'active', 'reporting', 'closed')),
    decided_by_post_id bigint references posts(id),
    decided_at bigint,
    decision_note text not null default '',
    outcome text check (outcome is null or outcome in ('document', 'decision', 'none')),
    outcome_document_id bigint references documents(id),
    outcome_decision_id bigint references meeting_decisions(id),
    outcome_note text not null default '',
    closed_on text,
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null,
    check (due_on >= starts_on),
    check (origin = 'own' or assigned_by_post_id is not null)
);
create index research_topics_office on research_topics(office_unit_id, plan_year, id);

create table research_members (
    topic_id bigint not null references research_topics(id),
    post_id bigint not null references posts(id),
    primary key (topic_id, post_id)
);
create index research_members_post on research_members(post_id);

create table research_visits (
    id integer primary key,
    topic_id bigint not null references research_topics(id),
    kind text not null check (kind in ('visit', 'forum', 'survey')),
    starts_at bigint not null,
    ends_at bigint not null,
    place text not null,
    people_met text not null default '',
    notes text not null default '',
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null,
    check (ends_at > starts_at)
);
create index research_visits_topic on research_visits(topic_id, starts_at);

-- Who went: each has the visit on their schedule (schedule_entry_id, a row of schedule_entries,
-- which migration 0046 makes after this one: no foreign key).
create table research_visit_people (
    visit_id bigint not null references research_visits(id),
    post_id bigint not null references posts(id),
    schedule_entry_id bigint,
    primary key (visit_id, post_id)
);
create index research_visit_people_post on research_visit_people(post_id);

create table research_visit_files (
    id integer primary key,
    visit_id bigint not null references research_visits(id),
    name text not null,
    hash text not null references blobs(hash),
    mime text not null,
    size bigint not null,
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null
);
create index research_visit_files_visit on research_visit_files(visit_id);

create table research_reports (
    topic_id bigint primary key references research_topics(id),
    title text not null,
    body text not null,
    state text not null check (state in ('draft', 'review', 'submitted')),
    review_note text not null default '',
    reviewed_by_post_id bigint references posts(id),
    submitted_at bigint,
    updated_at bigint not null
);

create table research_instructions (
    id integer primary key,
    topic_id bigint not null references research_topics(id),
    leader_post_id bigint not null references posts(id),
    text text not null,
    given_at bigint not null,
    supervision_item_id bigint references supervision_items(id)
);
create index research_instructions_topic on research_instructions(topic_id, id);
create unique index research_instructions_item on research_instructions(supervision_item_id);

-- Figures per month and lead unit, for the evaluation.
create table research_figures (
    office_unit_id bigint not null references units(id),
    month text not null,
    unit_id bigint not null references units(id),
    opened bigint not null default 0,
    own_origin bigint not null default 0,
    timed_before bigint not null default 0,
    closed bigint not null default 0,
    closed_on_time bigint not null default 0,
    reports bigint not null default 0,
    reports_instructed bigint not null default 0,
    converted bigint not null default 0,
    computed_at bigint not null,
    primary key (office_unit_id, month, unit_id)
);
