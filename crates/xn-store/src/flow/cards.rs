//! Yellow and red cards, given when a deadline passes.
//!
//! Holds the rows only; when a card is due is the escalation ladder's (`xn_domain::flow`).

use crate::{Db, Result, Tx};

/// A yellow or red card to record.
#[derive(Debug, Clone)]
pub struct NewCard<'a> {
    /// The timer that gave it.
    pub job_id: i64,
    /// Case.
    pub case_id: i64,
    /// Run (0: the case).
    pub run_no: i64,
    /// yellow / red.
    pub color: &'a str,
    /// The post responsible.
    pub post_id: Option<i64>,
    /// Its unit.
    pub unit_id: Option<i64>,
    /// The deadline missed.
    pub due_date: &'a str,
}

/// Records a card.
pub async fn insert_card(tx: &mut Tx, c: &NewCard<'_>, now_ms: i64) -> Result<()> {
    let sql =
        "insert into cards (job_id, case_id, run_no, color, post_id, unit_id, due_date, issued_at)
               values ($1, $2, $3, $4, $5, $6, $7, $8)";
    with_tx!(tx, conn => sqlx::query(sql).bind(c.job_id).bind(c.case_id).bind(c.run_no).bind(c.color)
        .bind(c.post_id).bind(c.unit_id).bind(c.due_date).bind(now_ms)
        .execute(conn).await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// A card as listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CardRow {
    /// Id.
    pub id: i64,
    /// Case.
    pub case_id: i64,
    /// Run.
    pub run_no: i64,
    /// Colour.
    pub color: String,
    /// Post.
    pub post_id: Option<i64>,
    /// Unit.
    pub unit_id: Option<i64>,
    /// Deadline missed.
    pub due_date: String,
    /// Epoch ms.
    pub issued_at: i64,
}

/// The cards of a case.
pub async fn cards_of_case(db: &Db, case_id: i64) -> Result<Vec<CardRow>> {
    let sql = "select id, case_id, run_no, color, post_id, unit_id, due_date, issued_at
               from cards where case_id = $1 order by id";
    Ok(with_db!(db, c => sqlx::query_as(sql).bind(case_id).fetch_all(c).await)?)
}
