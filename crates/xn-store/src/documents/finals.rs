//! 印制: the final PDF; seals; 归档 (the archive items and their 档号).

use crate::{Db, Result, Tx};

/// The final PDF of a document (rendered, checked and sealed at 印制).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FinalRow {
    /// Document.
    pub document_id: i64,
    /// SM3 of the PDF (its blob).
    pub hash: String,
    /// Bytes.
    pub size: i64,
    /// Pages.
    pub pages: i64,
    /// The seal placed on it, if any.
    pub seal_id: Option<i64>,
    /// Who printed it.
    pub post_id: i64,
    /// Epoch ms.
    pub created_at: i64,
}

/// Records (or replaces, after a 复审 and a second 印制) a document's final PDF.
pub async fn put_final(tx: &mut Tx, f: &FinalRow) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into document_finals (document_id, hash, size, pages, seal_id, post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (document_id) do update set hash = excluded.hash, size = excluded.size,
            pages = excluded.pages, seal_id = excluded.seal_id, post_id = excluded.post_id,
            created_at = excluded.created_at")
        .bind(f.document_id).bind(&f.hash).bind(f.size).bind(f.pages).bind(f.seal_id)
        .bind(f.post_id).bind(f.created_at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A document's final PDF, if it was printed.
pub async fn find_final(db: &Db, document_id: i64) -> Result<Option<FinalRow>> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select document_id, hash, size, pages, seal_id, post_id, created_at
         from document_finals where document_id = $1")
        .bind(document_id).fetch_optional(c).await)?)
}

/// A document's final PDF, inside a transaction.
pub async fn find_final_tx(tx: &mut Tx, document_id: i64) -> Result<Option<FinalRow>> {
    Ok(with_tx!(tx, c => sqlx::query_as(
        "select document_id, hash, size, pages, seal_id, post_id, created_at
         from document_finals where document_id = $1")
        .bind(document_id).fetch_optional(c).await)?)
}

/// Gives an incoming copy the final PDF of its original.
pub async fn copy_final(tx: &mut Tx, from: i64, to: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into document_finals (document_id, hash, size, pages, seal_id, post_id, created_at)
         select $2, hash, size, pages, seal_id, post_id, created_at
         from document_finals where document_id = $1")
        .bind(from).bind(to).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A stored seal image (encrypted).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SealRow {
    /// Id.
    pub id: i64,
    /// The issuing unit.
    pub unit_id: i64,
    /// SM4-CBC ciphertext of the PNG.
    pub ciphertext: Vec<u8>,
    /// The IV, hex.
    pub iv: String,
    /// Which key encrypted it (the first bytes of the key's SM3, hex).
    pub key_check: String,
    /// SM3 of the PNG.
    pub plain_sm3: String,
    /// Bytes of the PNG.
    pub plain_size: i64,
    /// Pixels.
    pub width: i64,
    /// Pixels.
    pub height: i64,
    /// Who uploaded it.
    pub post_id: i64,
    /// Epoch ms.
    pub created_at: i64,
}

const SEAL_COLUMNS: &str = "id, unit_id, ciphertext, iv, key_check, plain_sm3, plain_size, width, \
    height, post_id, created_at";

/// Stores a new seal image of a unit (the newest is the unit's seal); returns its id.
pub async fn insert_seal(tx: &mut Tx, s: &SealRow) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into seals (unit_id, ciphertext, iv, key_check, plain_sm3, plain_size, width,
            height, post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id")
        .bind(s.unit_id).bind(&s.ciphertext).bind(&s.iv).bind(&s.key_check).bind(&s.plain_sm3)
        .bind(s.plain_size).bind(s.width).bind(s.height).bind(s.post_id).bind(s.created_at)
        .fetch_one(c).await)?)
}

/// The current seal of a unit, inside a transaction.
pub async fn current_seal_tx(tx: &mut Tx, unit_id: i64) -> Result<Option<SealRow>> {
    let sql =
        format!("select {SEAL_COLUMNS} from seals where unit_id = $1 order by id desc limit 1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit_id).fetch_optional(c).await)?,
    )
}

/// The current seal of a unit.
pub async fn current_seal(db: &Db, unit_id: i64) -> Result<Option<SealRow>> {
    let sql =
        format!("select {SEAL_COLUMNS} from seals where unit_id = $1 order by id desc limit 1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit_id).fetch_optional(c).await)?,
    )
}

/// Units that may issue documents (they have a 机关代字), with their current seal's id, size,
/// uploader's post and time, and how many images were stored over time.
pub async fn seal_overview(
    db: &Db,
) -> Result<
    Vec<(
        i64,
        String,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        i64,
    )>,
> {
    Ok(with_db!(db, c => sqlx::query_as(
        "select u.id, u.name, coalesce(u.issuer_code, ''), s.id, s.plain_size, s.created_at,
            (select count(*) from seals a where a.unit_id = u.id)
         from units u
         left join seals s on s.id = (select max(id) from seals b where b.unit_id = u.id)
         where u.issuer_code is not null and u.issuer_code <> ''
         order by u.sort_order, u.id")
        .fetch_all(c).await)?)
}

/// The 全宗号 set for a unit, if any.
pub async fn fonds_of(tx: &mut Tx, unit_id: i64) -> Result<Option<String>> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "select fonds_code from archive_fonds where unit_id = $1")
        .bind(unit_id).fetch_optional(c).await)?)
}

/// Sets a unit's 全宗号.
pub async fn set_fonds(tx: &mut Tx, unit_id: i64, code: &str, at: i64) -> Result<()> {
    with_tx!(tx, c => sqlx::query(
        "insert into archive_fonds (unit_id, fonds_code, updated_at) values ($1, $2, $3)
         on conflict (unit_id) do update set fonds_code = excluded.fonds_code,
            updated_at = excluded.updated_at")
        .bind(unit_id).bind(code).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Takes the next 件号 of a 全宗, year and 保管期限 (gapless like the number counters).
pub async fn next_item_no(tx: &mut Tx, fonds: &str, year: i64, retention: &str) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into archive_counters (fonds_code, year, retention, last_seq)
         values ($1, $2, $3, 1)
         on conflict (fonds_code, year, retention)
         do update set last_seq = archive_counters.last_seq + 1
         returning last_seq")
        .bind(fonds).bind(year).bind(retention).fetch_one(c).await)?)
}

/// An archive item (件).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ArchiveRow {
    /// Id.
    pub id: i64,
    /// The document.
    pub document_id: i64,
    /// The unit (全宗).
    pub unit_id: i64,
    /// 全宗号.
    pub fonds_code: String,
    /// 年度.
    pub year: i64,
    /// 保管期限 code: Y, D30, D10.
    pub retention: String,
    /// 件号.
    pub item_no: i64,
    /// 档号.
    pub archive_no: String,
    /// 题名.
    pub title: String,
    /// 责任者.
    pub author: String,
    /// 文号.
    pub doc_number: Option<String>,
    /// 日期 (YYYY-MM-DD).
    pub written_on: Option<String>,
    /// 密级 code.
    pub classification: String,
    /// 页数.
    pub pages: i64,
    /// The metadata block as JSON.
    pub metadata: String,
    /// Who filed it.
    pub post_id: i64,
    /// Epoch ms.
    pub created_at: i64,
}

const ARCHIVE_COLUMNS: &str = "id, document_id, unit_id, fonds_code, year, retention, item_no, \
    archive_no, title, author, doc_number, written_on, classification, pages, metadata, post_id, \
    created_at";

/// Files an archive item; returns its id.
pub async fn insert_archive_item(tx: &mut Tx, a: &ArchiveRow) -> Result<i64> {
    Ok(with_tx!(tx, c => sqlx::query_scalar(
        "insert into archive_items (document_id, unit_id, fonds_code, year, retention, item_no,
            archive_no, title, author, doc_number, written_on, classification, pages, metadata,
            post_id, created_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         returning id")
        .bind(a.document_id).bind(a.unit_id).bind(&a.fonds_code).bind(a.year).bind(&a.retention)
        .bind(a.item_no).bind(&a.archive_no).bind(&a.title).bind(&a.author).bind(&a.doc_number)
        .bind(&a.written_on).bind(&a.classification).bind(a.pages).bind(&a.metadata)
        .bind(a.post_id).bind(a.created_at).fetch_one(c).await)?)
}

/// The archive item of a document, if filed.
pub async fn archive_item_of(db: &Db, document_id: i64) -> Result<Option<ArchiveRow>> {
    let sql = format!("select {ARCHIVE_COLUMNS} from archive_items where document_id = $1");
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(document_id).fetch_optional(c).await)?,
    )
}

/// The archive item of a document, inside a transaction.
pub async fn archive_item_of_tx(tx: &mut Tx, document_id: i64) -> Result<Option<ArchiveRow>> {
    let sql = format!("select {ARCHIVE_COLUMNS} from archive_items where document_id = $1");
    Ok(
        with_tx!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(document_id).fetch_optional(c).await)?,
    )
}

/// A unit's archive items of a year, by 保管期限 and 件号.
pub async fn archive_items_of_year(db: &Db, unit_id: i64, year: i64) -> Result<Vec<ArchiveRow>> {
    let sql = format!(
        "select {ARCHIVE_COLUMNS} from archive_items where unit_id = $1 and year = $2
         order by retention, item_no"
    );
    Ok(
        with_db!(db, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(unit_id).bind(year).fetch_all(c).await)?,
    )
}
