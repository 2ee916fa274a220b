-- 综合查询: SQLite gains a table of titles and numbers for the head tier of a search
-- (document_fts_head). PostgreSQL has had it from 0005 as document_search.head, with its own
-- GIN index; nothing changes here but this note, kept so that both folders hold the same
-- versions.
comment on column document_search.head is
    'title (weight A) and number (weight B): the head tier of a search';
