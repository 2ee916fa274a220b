-- Indexes that cost every flow action a page write and served no query.
--
-- events(kind, at): no query reads events by kind through it. The audit list walks events
-- newest first by id and filters kinds by prefix (a bound LIKE pattern, which neither engine
-- serves from a b-tree), the timelines read by subject. An action appends about five events of
-- four kinds, so the index took about four page writes per commit.
drop index events_kind_at;

-- tasks(acted_by_post_id): only proxies' actions set it, and only those are looked up by it
-- (acted_by_post_id in (...), which implies not null). Every task inserted a null entry.
drop index tasks_acted_by;
create index tasks_acted_by on tasks(acted_by_post_id) where acted_by_post_id is not null;
