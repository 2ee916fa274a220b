-- 综合查询: PostgreSQL keeps statistics for more lexemes of its search tsvectors from this
-- version on (migrations/postgres/0012_search_statistics.sql). SQLite's FTS5 index needs no
-- statistics; this version exists so that both engines carry the same numbers.
select 1;
