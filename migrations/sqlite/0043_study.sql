-- 学习: study materials with their required readers and reading record; 学习会 and 分析会 with
-- their materials, attendees, sign-in and 心得; field learning (向基层学习) visits; training by a
-- city office for its county offices with registrations and attendance; and study minutes per
-- post per month, kept up to date in the transaction of every write that changes them, for the
-- monthly evaluation. Dates TEXT 'YYYY-MM-DD', months 'YYYY-MM'; instants epoch ms (UTC).

create table study_materials (
    id integer primary key,
    office_unit_id bigint not null references units(id),
    title text not null,
    topic text not null,
    grade text not null check (grade in ('fine', 'general')),
    audience text not null check (audience in ('office', 'counties')),
    classification text not null default 'public'
        check (classification in ('public', 'secret', 'confidential', 'top_secret')),
    body text not null default '',
    file_name text,
    file_hash text references blobs(hash),
    file_mime text,
    file_size bigint,
    reading_minutes bigint not null check (reading_minutes between 1 and 240),
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null
);
create index study_materials_office on study_materials(office_unit_id, id);

-- A required reader: a post, or a unit (every post of it and of the units below it).
create table study_material_readers (
    material_id bigint not null references study_materials(id),
    post_id bigint references posts(id),
    unit_id bigint references units(id),
    check ((post_id is null) <> (unit_id is null))
);
create index study_material_readers_material on study_material_readers(material_id);

-- Who opened and read a material: minutes counted from first opening to marking read,
-- within the material's declared reading time.
create table study_readings (
    material_id bigint not null references study_materials(id),
    post_id bigint not null references posts(id),
    opened_at bigint not null,
    read_at bigint,
    minutes bigint not null default 0,
    primary key (material_id, post_id)
);
create index study_readings_post on study_readings(post_id, read_at);

create table study_sessions (
    id integer primary key,
    office_unit_id bigint not null references units(id),
    kind text not null check (kind in ('study', 'analysis')),
    title text not null,
    place text not null default '',
    starts_at bigint not null,
    ends_at bigint not null,
    speaker_post_id bigint not null references posts(id),
    notes text not null default '',
    checkin_secret text,
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null,
    check (ends_at > starts_at)
);
create index study_sessions_office on study_sessions(office_unit_id, starts_at);

create table study_session_materials (
    session_id bigint not null references study_sessions(id),
    material_id bigint not null references study_materials(id),
    primary key (session_id, material_id)
);

create table study_attendees (
    session_id bigint not null references study_sessions(id),
    post_id bigint not null references posts(id),
    signed_in_at bigint,
    signin_method text check (signin_method in ('code', 'staff')),
    reflection text,
    reflected_at bigint,
    primary key (session_id, post_id)
);
create index study_attendees_post on study_attendees(post_id, signed_in_at);

create table study_visits (
    id integer primary key,
    office_unit_id bigint not null references units(id),
    place text not null,
    visited_on text not null,
    minutes bigint not null check (minutes between 1 and 720),
    learnt text not null,
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null
);
create index study_visits_office on study_visits(office_unit_id, visited_on);

create table study_visit_people (
    visit_id bigint not null references study_visits(id),
    post_id bigint not null references posts(id),
    primary key (visit_id, post_id)
);
create index study_visit_people_post on study_visit_people(post_id);

create table study_trainings (
    id integer primary key,
    office_unit_id bigint not null references units(id),
    title text not null,
    place text not null default '',
    description text not null default '',
    starts_at bigint not null,
    ends_at bigint not null,
    register_by text not null,
    created_by_post_id bigint not null references posts(id),
    created_at bigint not null,
    check (ends_at > starts_at)
);
create index study_trainings_office on study_trainings(office_unit_id, starts_at);

create table study_registrations (
    training_id bigint not null references study_trainings(id),
    post_id bigint not null references posts(id),
    office_unit_id bigint not null references units(id),
    registered_by_post_id bigint not null references posts(id),
    registered_at bigint not null,
    attended_at bigint,
    primary key (training_id, post_id)
);
create index study_registrations_post on study_registrations(post_id, attended_at);

create table study_hours (
    post_id bigint not null references posts(id),
    month text not null,
    session_minutes bigint not null default 0,
    reading_minutes bigint not null default 0,
    field_minutes bigint not null default 0,
    training_minutes bigint not null default 0,
    total_minutes bigint not null default 0,
    computed_at bigint not null,
    primary key (post_id, month)
);
create index study_hours_month on study_hours(month, post_id);
