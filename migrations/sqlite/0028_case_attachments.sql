-- Attachments (附件) of a generic case (an internal request): files the drafter adds when
-- starting it or when correcting it after a return. The bytes are the content-addressed
-- `blobs` the documents area already uses; a file taken off a returned request keeps its row
-- (removed_at, removed_by) so the record shows what every holder was shown.
create table case_attachments (
    id integer primary key,
    case_id bigint not null references cases(id),
    name text not null,
    hash text not null references blobs(hash),
    size bigint not null,
    mime text not null,
    post_id bigint not null references posts(id),
    created_at bigint not null,
    removed_at bigint,
    removed_by bigint references posts(id)
);
create index case_attachments_case on case_attachments(case_id, id);
