-- 年总结: the year's own summary text of a person (subject 'post'), a section or an office
-- (subject 'unit'), written by the person, the section's chief or the office's 主任/副主任;
-- editable while 'draft', read by the chief once 'submitted'. An office's row keeps the
-- annual summary document (年度工作总结) drafted from it.
create table year_summaries (
    id integer primary key,
    year bigint not null,
    subject text not null check (subject in ('post', 'unit')),
    subject_id bigint not null,
    body text not null default '',
    status text not null default 'draft' check (status in ('draft', 'submitted')),
    author_post_id bigint not null references posts(id),
    submitted_at bigint,
    document_id bigint references documents(id),
    created_at bigint not null,
    updated_at bigint not null,
    unique (year, subject, subject_id)
);
