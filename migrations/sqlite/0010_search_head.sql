-- 综合查询: the title and number of documents in a table of their own, so that the head tier
-- of a search (title or number holds the whole query) reads only title entries: a word found in
-- most bodies but few titles then costs its few title entries, not all its body entries.
-- Filled by xn_store::search::index_document from this version on; a document indexed before
-- it is still found, in the body tier, until it is saved again.
create virtual table document_fts_head using fts5(
    title,
    number,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
