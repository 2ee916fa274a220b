-- Documents whose searchable text changed inside a flow action (an opinion, a number) and that
-- are to be indexed again: the action only queues the document, in its own transaction; the
-- index is brought up to date before every search and by the server's sweep (xn-service,
-- documents/search.rs). A document changed by five actions before the next search is indexed
-- once, not five times.
create table search_queue (
    document_id bigint primary key references documents(id) on delete cascade,
    queued_at bigint not null
);
