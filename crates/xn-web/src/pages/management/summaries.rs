//! 年总结 pages: `/management/summary` — the year of a person, section or office with its
//! targets, months, charts (SVG drawn by the service) and the subject's own summary text
//! (saved, then submitted); its PDF and xlsx; and, for the office's 主任/副主任, drafting the
//! annual summary document.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use serde::Deserialize;
use xn_service::Actor;
use xn_service::management::{SummaryInput, YearSubject, YearView};

use super::{ACTIVE, today};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

#[derive(Debug, Default, Deserialize)]
struct Params {
    #[serde(default)]
    year: Option<i64>,
    #[serde(default)]
    post: Option<i64>,
    #[serde(default)]
    unit: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

impl Params {
    fn subject(&self) -> YearSubject {
        YearSubject {
            year: self.year,
            post: self.post,
            unit: self.unit,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "management_summary.html")]
struct SummaryPage {
    l: Layout,
    y: YearView,
    /// The query naming the subject (`post=…&` or `unit=…&`).
    whose: String,
    /// Years offered in the picker, newest first.
    years: Vec<i64>,
    /// The text in the form (kept on an error).
    body: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl SummaryPage {
    fn total_of(&self, t: &Option<f64>) -> String {
        t.map_or_else(|| "—".to_owned(), |x| format!("{x:.2}"))
    }

    fn rate_of(&self, t: &Option<f64>) -> String {
        t.map_or_else(|| "—".to_owned(), |x| format!("{x:.1}%"))
    }
}

fn notice_of(code: &str) -> Option<&'static str> {
    Some(match code {
        "saved" => "年度总结草稿已保存。",
        "submitted" => "年度总结已提交，已告知上级。",
        "drafted" => "年度工作总结已起草为公文，请在办文中核稿、签发。",
        _ => return None,
    })
}

fn whose(y: &YearView) -> String {
    format!("{}={}&", y.subject, y.subject_id)
}

async fn summary_page(
    state: &AppState,
    actor: &Actor,
    q: &YearSubject,
    body: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<SummaryPage, PageError> {
    let y = state
        .services
        .management()
        .year(actor, q, state.clock.now())
        .await?;
    let this = i64::from(today(state).year());
    Ok(SummaryPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        whose: whose(&y),
        years: (this - 4..=this).rev().collect(),
        body: body.unwrap_or_else(|| y.summary.body.clone()),
        y,
        notice,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<Params>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(notice_of);
    Ok(
        summary_page(&state, &actor, &q.subject(), None, notice, None)
            .await?
            .into_response(),
    )
}

async fn pdf(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<Params>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .management()
        .year_pdf(&actor, &q.subject(), state.clock.now())
        .await?;
    Ok(crate::respond::file_response(f))
}

async fn xlsx(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<Params>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .management()
        .year_xlsx(&actor, &q.subject(), state.clock.now())
        .await?;
    Ok(crate::respond::file_response(f))
}

#[derive(Debug, Default, Deserialize)]
struct TextForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    body: String,
    /// `save` or `submit`.
    #[serde(default)]
    action: String,
}

/// The year to show a page again with after an error: the one asked for when it can be shown.
fn shown_year(year: i64, state: &AppState) -> Option<i64> {
    (2000..=i64::from(today(state).year()))
        .contains(&year)
        .then_some(year)
}

fn year_in(s: &str, state: &AppState) -> i64 {
    s.trim()
        .parse()
        .unwrap_or_else(|_| i64::from(today(state).year()))
}

async fn save(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<TextForm>,
) -> Result<Response, PageError> {
    let submit = f.action == "submit";
    let unit: Option<i64> = f.unit.trim().parse().ok();
    let year = year_in(&f.year, &state);
    let result = state
        .services
        .management()
        .save_summary(
            &actor,
            &SummaryInput {
                year,
                unit,
                body: f.body.clone(),
                submit,
            },
            state.clock.now(),
        )
        .await;
    let q = YearSubject {
        year: shown_year(year, &state),
        post: None,
        unit,
    };
    let back = unit.map(|u| format!("unit={u}&")).unwrap_or_default();
    respond(
        result,
        |_| {
            format!(
                "/management/summary?{back}year={year}&ok={}",
                if submit { "submitted" } else { "saved" }
            )
        },
        |msg| summary_page(&state, &actor, &q, Some(f.body.clone()), None, Some(msg)),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct DocumentForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    drafter_post: String,
}

async fn draft_document(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<DocumentForm>,
) -> Result<Response, PageError> {
    let year = year_in(&f.year, &state);
    let result = state
        .services
        .management()
        .draft_year_document(
            &actor,
            year,
            f.drafter_post.trim().parse().ok(),
            state.clock.now(),
        )
        .await;
    let q = YearSubject {
        year: shown_year(year, &state),
        post: None,
        unit: None,
    };
    respond(
        result,
        |id| format!("/documents/{id}?ok=saved"),
        |msg| summary_page(&state, &actor, &q, None, None, Some(msg)),
    )
    .await
}

/// The year summary pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/management/summary", get(show).post(save))
        .route("/management/summary.pdf", get(pdf))
        .route("/management/summary.xlsx", get(xlsx))
        .route("/management/summary/document", post(draft_document))
}
