//! The writes an area makes inside a flow action, as values.
//!
//! A flow action and what its area does with it (a document's status, its sign-off, its 文号)
//! commit in one transaction. On the direct path the area's writes are made at once; in a batch
//! they are carried with the batch and made in its transaction right after the flow's own rows:
//! on SQLite by the writer thread (rusqlite), elsewhere through the pool's transaction (sqlx).
//! So each write is a value with one SQL text for every engine and both drivers, like the flow's
//! own statements (`flow::on_writer`). The writes that need a result to go on (the 文号: take a
//! reserved number or the next, then write the ledger and the document) are variants of their
//! own, run as one piece on either side.
//!
//! Placeholders are `$1`, `$2` …; the writer thread binds each by its name, so a statement may
//! use them in any order and more than once.

use xn_domain::documents::numbering::DocNumber;

use crate::writer::WriteTx;
use crate::{Result, StoreError, Tx};

/// A value bound into an area's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// An integer.
    Int(i64),
    /// Text.
    Text(String),
    /// SQL null.
    Null,
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(v.to_owned())
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(v)
    }
}

impl<T: Into<Arg>> From<Option<T>> for Arg {
    fn from(v: Option<T>) -> Arg {
        v.map_or(Arg::Null, Into::into)
    }
}

/// One write of an area, made in a flow action's transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AreaWrite {
    /// One statement. With `expect_one`, a statement that changes no row (or several) fails
    /// the transaction: the area counted on that row (a document still without its case).
    Exec {
        /// The SQL, with `$n` placeholders.
        sql: &'static str,
        /// The values of `$1`, `$2` ….
        args: Vec<Arg>,
        /// Whether exactly one row must change.
        expect_one: bool,
    },
    /// A document's 文号 at 登记, under its own 机关代字: the oldest reserved number of its code
    /// and year when one waits, else the next of the counter (gapless); the ledger line; the
    /// document's number. A document that has its number already keeps it; one without a
    /// 机关代字 fails the write (the documents service never drafts one).
    Number {
        /// The document.
        document_id: i64,
        /// The ledger's year.
        year: i64,
        /// Who registered it.
        post_id: i64,
        /// Epoch ms.
        at: i64,
    },
}

impl AreaWrite {
    /// A statement that may change any number of rows.
    pub fn exec(sql: &'static str, args: Vec<Arg>) -> AreaWrite {
        AreaWrite::Exec {
            sql,
            args,
            expect_one: false,
        }
    }

    /// A statement that must change exactly one row.
    pub fn exec_one(sql: &'static str, args: Vec<Arg>) -> AreaWrite {
        AreaWrite::Exec {
            sql,
            args,
            expect_one: true,
        }
    }
}

fn row_count(sql: &str, n: u64) -> Result<()> {
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!(
            "an area's write changed {n} rows instead of one: {}",
            sql.split_whitespace().take(6).collect::<Vec<_>>().join(" ")
        )))
    }
}

// ---------------------------------------------------------------------------------------------
// The 文号's statements, shared by both sides

const DOC_NUMBER: &str = "select doc_number, issuer_code from documents where id = $1";

fn no_code(document_id: i64) -> StoreError {
    StoreError::Conflict(format!(
        "document {document_id} has no issuer code to number under"
    ))
}
const FIRST_RESERVED: &str = "select seq from document_numbers where issuer_code = $1 and year = $2
     and state = 'reserved' order by seq limit 1";
// Only while it is still reserved: on PostgreSQL two registrations may read the same oldest
// reserved number; the second's update waits for the first's row lock, then finds the row
// allocated, changes nothing and reads the next reserved one.
const TAKE_RESERVED: &str = "update document_numbers set state = 'allocated', document_id = $4,
     post_id = $5, at = $6 where issuer_code = $1 and year = $2 and seq = $3
     and state = 'reserved'";
const NEXT_SEQ: &str =
    "insert into number_counters (issuer_code, year, last_seq) values ($1, $2, 1)
     on conflict (issuer_code, year) do update set last_seq = number_counters.last_seq + 1
     returning last_seq";
const INSERT_LEDGER: &str = "insert into document_numbers (issuer_code, year, seq, state,
     document_id, reason, post_id, at) values ($1, $2, $3, 'allocated', $4, null, $5, $6)";
const SET_NUMBER: &str = "update documents set issuer_code = $2, number_year = $3, number_seq = $4,
     doc_number = $5, status = 'numbered', updated_at = $6 where id = $1";

/// The printed number of a code, year and serial; an impossible year or serial is a corrupt
/// counter, never a plausible number.
fn number_text(code: &str, year: i64, seq: i64) -> Result<String> {
    let bad = || StoreError::Conflict(format!("number out of range: {code} {year} {seq}"));
    Ok(DocNumber {
        code: code.to_owned(),
        year: i32::try_from(year).map_err(|_| bad())?,
        seq: u32::try_from(seq).map_err(|_| bad())?,
    }
    .to_string())
}

// ---------------------------------------------------------------------------------------------
// Through sqlx (the direct path, and batches on PostgreSQL)

macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.as_str()),
                Arg::Null => q.bind(None::<i64>),
            };
        }
        q
    }};
}

/// Makes an area's write in a transaction of the pool. Answers the 文号 a `Number` gave.
pub async fn apply(tx: &mut Tx, w: &AreaWrite) -> Result<Option<String>> {
    match w {
        AreaWrite::Exec {
            sql,
            args,
            expect_one,
        } => {
            let n = with_tx!(tx, c => bind_args!(sqlx::query(*sql), args).execute(c).await.map(|r| r.rows_affected()))?;
            if *expect_one {
                row_count(sql, n)?;
            }
            Ok(None)
        }
        AreaWrite::Number {
            document_id,
            year,
            post_id,
            at,
        } => {
            let (has, code): (Option<String>, Option<String>) = with_tx!(tx, c => sqlx::query_as(DOC_NUMBER)
                .bind(document_id).fetch_one(c).await)?;
            if let Some(n) = has {
                return Ok(Some(n));
            }
            let code = code
                .filter(|c| !c.is_empty())
                .ok_or_else(|| no_code(*document_id))?;
            let code = &code;
            let mut taken = None;
            // Each round either takes a reserved number or finds one fewer waiting.
            while let Some(seq) = with_tx!(tx, c => sqlx::query_scalar::<_, i64>(FIRST_RESERVED)
                .bind(code).bind(year).fetch_optional(c).await)?
            {
                let n = with_tx!(tx, c => sqlx::query(TAKE_RESERVED).bind(code).bind(year).bind(seq)
                    .bind(document_id).bind(post_id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
                if n == 1 {
                    taken = Some(seq);
                    break;
                }
            }
            let seq = match taken {
                Some(seq) => seq,
                None => {
                    let seq: i64 = with_tx!(tx, c => sqlx::query_scalar(NEXT_SEQ)
                        .bind(code).bind(year).fetch_one(c).await)?;
                    with_tx!(tx, c => sqlx::query(INSERT_LEDGER).bind(code).bind(year).bind(seq)
                        .bind(document_id).bind(post_id).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
                    seq
                }
            };
            let text = number_text(code, *year, seq)?;
            with_tx!(tx, c => sqlx::query(SET_NUMBER).bind(document_id).bind(code).bind(year)
                .bind(seq).bind(&text).bind(at).execute(c).await.map(|r| r.rows_affected()))?;
            Ok(Some(text))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// On the SQLite writer thread

fn bind_named(st: &mut rusqlite::CachedStatement<'_>, args: &[Arg]) -> Result<()> {
    for (i, a) in args.iter().enumerate() {
        let Some(idx) = st.parameter_index(&format!("${}", i + 1))? else {
            // A value the statement does not use.
            continue;
        };
        match a {
            Arg::Int(v) => st.raw_bind_parameter(idx, v)?,
            Arg::Text(v) => st.raw_bind_parameter(idx, v)?,
            Arg::Null => st.raw_bind_parameter(idx, rusqlite::types::Null)?,
        }
    }
    Ok(())
}

fn run(tx: &WriteTx<'_>, sql: &str, args: &[Arg]) -> Result<u64> {
    let mut st = tx.0.prepare_cached(sql)?;
    bind_named(&mut st, args)?;
    Ok(st.raw_execute()? as u64)
}

fn one<T: rusqlite::types::FromSql>(
    tx: &WriteTx<'_>,
    sql: &str,
    args: &[Arg],
) -> Result<Option<T>> {
    let mut st = tx.0.prepare_cached(sql)?;
    bind_named(&mut st, args)?;
    let mut rows = st.raw_query();
    match rows.next()? {
        Some(r) => Ok(Some(r.get(0)?)),
        None => Ok(None),
    }
}

/// Makes an area's write in the writer thread's transaction (the batch's, on SQLite).
pub fn apply_on_writer(tx: &WriteTx<'_>, w: &AreaWrite) -> Result<()> {
    match w {
        AreaWrite::Exec {
            sql,
            args,
            expect_one,
        } => {
            let n = run(tx, sql, args)?;
            if *expect_one {
                row_count(sql, n)?;
            }
        }
        AreaWrite::Number {
            document_id,
            year,
            post_id,
            at,
        } => {
            let mut st = tx.0.prepare_cached(DOC_NUMBER)?;
            let (has, code): (Option<String>, Option<String>) =
                st.query_row([document_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            if has.is_some() {
                return Ok(());
            }
            let code = code
                .filter(|c| !c.is_empty())
                .ok_or_else(|| no_code(*document_id))?;
            let key = [Arg::Text(code.clone()), Arg::Int(*year)];
            let seq = match one::<i64>(tx, FIRST_RESERVED, &key)? {
                Some(seq) => {
                    run(
                        tx,
                        TAKE_RESERVED,
                        &[
                            Arg::Text(code.clone()),
                            Arg::Int(*year),
                            Arg::Int(seq),
                            Arg::Int(*document_id),
                            Arg::Int(*post_id),
                            Arg::Int(*at),
                        ],
                    )?;
                    seq
                }
                None => {
                    let seq = one::<i64>(tx, NEXT_SEQ, &key)?
                        .ok_or_else(|| StoreError::Writer("the counter gave no number".into()))?;
                    run(
                        tx,
                        INSERT_LEDGER,
                        &[
                            Arg::Text(code.clone()),
                            Arg::Int(*year),
                            Arg::Int(seq),
                            Arg::Int(*document_id),
                            Arg::Int(*post_id),
                            Arg::Int(*at),
                        ],
                    )?;
                    seq
                }
            };
            let text = number_text(&code, *year, seq)?;
            run(
                tx,
                SET_NUMBER,
                &[
                    Arg::Int(*document_id),
                    Arg::Text(code.clone()),
                    Arg::Int(*year),
                    Arg::Int(seq),
                    Arg::Text(text),
                    Arg::Int(*at),
                ],
            )?;
        }
    }
    Ok(())
}
