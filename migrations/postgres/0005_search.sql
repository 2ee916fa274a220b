-- 综合查询: the full-text index of documents.
--
-- The text is cut into tokens in Rust (xn_domain::documents::search: CJK unigrams and
-- overlapping bigrams, lowercased words) and stored as tsvector values written from lexemes and
-- positions, never through a text search parser, so the result does not depend on the
-- database's locale (the default parser drops CJK characters under the C locale).
-- `head` holds the title (weight A) and the 发文字号 (weight B); `whole` holds the head followed
-- by the body and the opinions. Ranking is by field (a match in the head before one in the body)
-- and then recency, not ts_rank (see docs/ARCHITECTURE.md, Search).
create table document_search (
    document_id bigint primary key references documents(id),
    head tsvector not null,
    whole tsvector not null
);
create index document_search_head on document_search using gin (head);
create index document_search_whole on document_search using gin (whole);
