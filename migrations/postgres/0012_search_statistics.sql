-- 综合查询 on PostgreSQL: keep statistics for ten times more lexemes of the search tsvectors
-- (up to 10,000 most common elements instead of 1,000), so that the planner's estimate says
-- whether each bigram of a query is common. xn_store::search skips counting a query whose every
-- token is common there (see `pg_common`); a token outside the list is estimated as rare and
-- its matches are counted, which for a common bigram just below the old list cost 150-200 ms
-- at 1,000,000 documents. Takes effect at the next ANALYZE (autovacuum's, or an operator's).
alter table document_search alter column whole set statistics 1000;
alter table document_search alter column head set statistics 1000;
