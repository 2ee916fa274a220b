-- 综合查询: the full-text index of documents.
--
-- The text is cut into tokens in Rust (xn_domain::documents::search: CJK unigrams and
-- overlapping bigrams, lowercased words) and stored space-separated, so `unicode61` only splits
-- at the spaces. The table is contentless (the text lives in `documents`), its rowid is the
-- document's id; `contentless_delete` lets a document be re-indexed when it is saved again.
-- Columns: the title, the 发文字号 (and 收文号/来文文号), and the body with the opinions.
-- Ranking is by field (title or number before body) and then recency, not bm25 (see
-- docs/ARCHITECTURE.md, Search); column sizes are kept all the same, as contentless_delete
-- requires them.
create virtual table document_fts using fts5(
    title,
    number,
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0'
);
