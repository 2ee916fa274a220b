-- 综合查询: trigrams and 4-grams. From this version on, each document's index entry carries,
-- after its bigrams and unigrams, the distinct trigrams and 4-grams of its Chinese text
-- (xn_domain::documents::search::index_tokens), so that a query of three or four characters is
-- one token answered by the index alone instead of a phrase of bigrams checked on each
-- candidate (the slow band of phrases whose every bigram is common: bench/README.md, Search).
--
-- Entries written before it have no such tokens: every document is queued to be indexed again,
-- as the re-index backlog (queued_at = 0, as migration 0029 did), which the server works off in
-- the background. Until the backlog is empty, searches ask phrases of bigrams and test filters
-- on `documents` (xn_store::search, `asked`), so nothing is missed meanwhile. A document a flow
-- action already queued keeps its place (it is indexed before the next search).
insert into search_queue (document_id, queued_at)
select id, 0 from documents where true
on conflict (document_id) do nothing;
