//! 周报告汇总: a section's or an office's week rolled up from its people's reports (and an
//! office's from its sections'), edited and submitted by the one who leads it, commented from
//! above.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use xn_service::Actor;
use xn_service::management::{RollupInput, RollupView};

use super::{ACTIVE, today};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

#[derive(Debug, Default, Deserialize)]
struct Params {
    #[serde(default)]
    week: Option<NaiveDate>,
    #[serde(default)]
    unit: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "management_rollup.html")]
struct RollupPage {
    l: Layout,
    r: RollupView,
    prev: NaiveDate,
    next: NaiveDate,
    /// The text in the form (kept on an error).
    body: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl RollupPage {
    fn status_label(&self, code: &str) -> &'static str {
        match code {
            "submitted" => "已报送",
            "late" => "迟报",
            "draft" => "草稿未报",
            "missing" => "未报送",
            _ => "未到报送日",
        }
    }
}

fn notice_of(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "汇总草稿已保存。",
        "submitted" => "周报告汇总已报送。",
        "commented" => "批注已保存，已告知报送人。",
        _ => return None,
    })
}

fn unit_query(unit: Option<i64>) -> String {
    unit.map(|u| format!("unit={u}&")).unwrap_or_default()
}

async fn rollup_page(
    state: &AppState,
    actor: &Actor,
    unit: Option<i64>,
    week: NaiveDate,
    body: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<RollupPage, PageError> {
    let r = state
        .services
        .management()
        .rollup(actor, unit, week, state.clock.now())
        .await?;
    let monday = xn_domain::management::week_start(week);
    Ok(RollupPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        body: body.unwrap_or_else(|| r.body.clone()),
        r,
        prev: monday - Duration::days(7),
        next: monday + Duration::days(7),
        notice,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<Params>,
) -> Result<Response, PageError> {
    let week = q.week.unwrap_or_else(|| today(&state));
    let notice = q.ok.as_deref().and_then(notice_of);
    Ok(
        rollup_page(&state, &actor, q.unit, week, None, notice, None)
            .await?
            .into_response(),
    )
}

#[derive(Debug, Default, Deserialize)]
struct RollupForm {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    week: String,
    #[serde(default)]
    body: String,
    /// `save` or `submit`.
    #[serde(default)]
    action: String,
    /// `1` when submitting although some have not reported.
    #[serde(default)]
    confirm_missing: String,
}

async fn save(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<RollupForm>,
) -> Result<Response, PageError> {
    let submit = f.action == "submit";
    let unit: Option<i64> = f.unit.trim().parse().ok();
    let result = state
        .services
        .management()
        .save_rollup(
            &actor,
            &RollupInput {
                unit,
                week: f.week.clone(),
                body: f.body.clone(),
                submit,
                confirm_missing: f.confirm_missing == "1",
            },
            state.clock.now(),
        )
        .await;
    let week =
        NaiveDate::parse_from_str(f.week.trim(), "%Y-%m-%d").unwrap_or_else(|_| today(&state));
    respond(
        result,
        |_| {
            format!(
                "/management/reports/rollup?{}week={week}&ok={}",
                unit_query(unit),
                if submit { "submitted" } else { "saved" }
            )
        },
        |msg| {
            rollup_page(
                &state,
                &actor,
                unit,
                week,
                Some(f.body.clone()),
                None,
                Some(msg),
            )
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct CommentForm {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    week: String,
    #[serde(default)]
    unit: String,
}

async fn comment(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<CommentForm>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .management()
        .comment_rollup(&actor, id, &f.comment, state.clock.now())
        .await;
    let week =
        NaiveDate::parse_from_str(f.week.trim(), "%Y-%m-%d").unwrap_or_else(|_| today(&state));
    let unit: Option<i64> = f.unit.trim().parse().ok();
    respond(
        result,
        |()| {
            format!(
                "/management/reports/rollup?{}week={week}&ok=commented",
                unit_query(unit)
            )
        },
        |msg| rollup_page(&state, &actor, unit, week, None, None, Some(msg)),
    )
    .await
}

/// The roll-up pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/management/reports/rollup", get(show).post(save))
        .route("/management/reports/rollup/{id}/comment", post(comment))
}
