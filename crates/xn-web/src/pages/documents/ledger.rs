//! The number ledger (文号台账) of one issuer code and year, its xlsx export, and reserving or
//! voiding a number.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use xn_service::Actor;
use xn_service::documents::LedgerEntry;

use super::done;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::{Layout, beijing_time, filters};
use crate::respond::{percent, respond, xlsx_response};

#[derive(Template, WebTemplate)]
#[template(path = "document_ledger.html")]
struct LedgerPage {
    l: Layout,
    codes: Vec<String>,
    code: String,
    year: i64,
    entries: Vec<LedgerEntry>,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct LedgerQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    year: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

async fn ledger_page(
    state: &AppState,
    actor: &Actor,
    code: &str,
    year: Option<i64>,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<LedgerPage, PageError> {
    let codes = state.services.documents().ledger_codes(actor).await?;
    let code = if code.is_empty() {
        codes.first().cloned().unwrap_or_default()
    } else {
        code.to_owned()
    };
    let year = year.unwrap_or_else(|| {
        i64::from(xn_domain::documents::numbering::ledger_year(
            state.clock.now(),
        ))
    });
    let entries = state
        .services
        .documents()
        .ledger(actor, &code, year)
        .await?;
    Ok(LedgerPage {
        l: Layout::new(state, actor, "/documents").await?,
        codes,
        code,
        year,
        entries,
        notice,
        error,
    })
}

pub(super) async fn ledger(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(done);
    Ok(ledger_page(&state, &actor, &q.code, q.year, notice, None)
        .await?
        .into_response())
}

pub(super) async fn ledger_xlsx(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, PageError> {
    let page = ledger_page(&state, &actor, &q.code, q.year, None, None).await?;
    let rows = page
        .entries
        .iter()
        .map(|e| {
            vec![
                e.number.clone(),
                e.state_label.clone(),
                e.title.clone().unwrap_or_default(),
                e.reason.clone().unwrap_or_default(),
                beijing_time(xn_service::ms(e.at)),
            ]
        })
        .collect();
    let sheet = xn_render::xlsx::Sheet {
        name: format!("{}{}", page.code, page.year),
        header: ["发文字号", "状态", "公文标题", "预留或作废原因", "时间"]
            .map(str::to_owned)
            .to_vec(),
        rows,
    };
    xlsx_response(
        &format!("文号台账-{}-{}.xlsx", page.code, page.year),
        &[sheet],
    )
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NumberForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    year: i64,
    #[serde(default)]
    seq: i64,
    #[serde(default)]
    reason: String,
}

pub(super) async fn reserve(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<NumberForm>,
) -> Result<Response, PageError> {
    number_action(&state, &actor, &f, false).await
}

pub(super) async fn void(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<NumberForm>,
) -> Result<Response, PageError> {
    number_action(&state, &actor, &f, true).await
}

async fn number_action(
    state: &AppState,
    actor: &Actor,
    f: &NumberForm,
    void: bool,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let docs = state.services.documents();
    let done = async {
        let keeper = docs.as_ledger_keeper(actor).await?;
        if void {
            docs.void(&keeper, &f.code, f.year, f.seq, &f.reason, now)
                .await
        } else {
            docs.reserve(&keeper, &f.code, &f.reason, now)
                .await
                .map(|_| ())
        }
    }
    .await;
    respond(
        done,
        |()| {
            let code = percent(&f.code);
            let ok = if void { "voided" } else { "reserved" };
            format!("/documents/ledger?code={code}&ok={ok}")
        },
        |m| ledger_page(state, actor, &f.code, None, None, Some(m)),
    )
    .await
}
