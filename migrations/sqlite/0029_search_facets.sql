-- 综合查询: facet tokens. From this version on, each document's index entry carries its filter
-- values (unit, 密级, 文种, direction, year and month of the 成文日期) as tokens after its number
-- (xn_store::search::facets), so that a search with filters is answered inside the full-text
-- index instead of testing every candidate against `documents`.
--
-- Entries written before it have no facet tokens: every document is queued to be indexed again,
-- as the re-index backlog (queued_at = 0), which the server works off in the background in
-- chunks (xn-service, documents/search.rs). Until the backlog is empty, searches test filters
-- on `documents` as before, so nothing is missed meanwhile. A document a flow action already
-- queued keeps its place (it is indexed before the next search).
create index search_queue_at on search_queue (queued_at);
insert into search_queue (document_id, queued_at)
select id, 0 from documents where true
on conflict (document_id) do nothing;

-- (PostgreSQL also moves its tsvectors out of line here; FTS5 has no such setting.)
