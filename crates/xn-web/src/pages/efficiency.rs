//! 效能 pages: the backlog across every queue (`/efficiency`), filtered by area, unit, queue,
//! card, age and lateness, the latest first, and its export; the leader's picture
//! (`/efficiency/leader`); the rankings of a period (`/efficiency/units`, with the weights and
//! their form) and one unit's figures with the steps behind them (`/efficiency/units/{id}`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use xn_service::efficiency::{Backlog, BacklogQuery, Leader, PeriodQuery, Ranking, UnitFigures};
use xn_service::{Actor, ServiceError};

use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::{Layout, filters};
use crate::respond::respond;

#[derive(Template, WebTemplate)]
#[template(path = "efficiency.html")]
struct BacklogPage {
    l: Layout,
    b: Backlog,
    f: BacklogQuery,
    /// The filters as a query string, for paging and the export.
    query: String,
}

impl BacklogPage {
    fn area_is(&self, code: &str) -> bool {
        self.f.area.as_deref() == Some(code)
    }
    fn unit_is(&self, id: &i64) -> bool {
        self.f.unit == Some(*id)
    }
    fn kind_is(&self, code: &str) -> bool {
        self.f.kind.as_deref() == Some(code)
    }
    fn card_is(&self, code: &str) -> bool {
        self.f.card.as_deref() == Some(code)
    }
    fn min_age(&self) -> String {
        self.f.min_age.map(|n| n.to_string()).unwrap_or_default()
    }
    fn overdue(&self) -> bool {
        self.f.overdue == Some(true)
    }
    fn oldest(&self) -> bool {
        self.f.order.as_deref() == Some("oldest")
    }
}

/// The filters as a query string.
fn encoded(q: &BacklogQuery) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            out.push(format!("{k}={}", crate::respond::percent(&v)));
        }
    };
    put("area", q.area.clone());
    put("unit", q.unit.map(|u| u.to_string()));
    put("kind", q.kind.clone());
    put("card", q.card.clone());
    put("min_age", q.min_age.map(|n| n.to_string()));
    put(
        "overdue",
        (q.overdue == Some(true)).then(|| "true".to_owned()),
    );
    put("order", q.order.clone());
    out.join("&")
}

/// `GET /efficiency`: the backlog of the viewer's scope.
async fn backlog(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<BacklogQuery>,
) -> Result<Response, PageError> {
    let b = state
        .services
        .efficiency()
        .backlog(&actor, &q, state.clock.now())
        .await?;
    Ok(BacklogPage {
        l: Layout::new(&state, &actor, "/efficiency").await?,
        query: encoded(&q),
        b,
        f: q,
    }
    .into_response())
}

/// `GET /efficiency/backlog.xlsx`: the same backlog as a workbook.
async fn backlog_xlsx(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<BacklogQuery>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .efficiency()
        .backlog_xlsx(&actor, &q, state.clock.now())
        .await?;
    Ok(crate::respond::file_response(f))
}

#[derive(Template, WebTemplate)]
#[template(path = "efficiency_leader.html")]
struct LeaderPage {
    l: Layout,
    v: Leader,
}

/// `GET /efficiency/leader`: the leader's picture.
async fn leader(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    let v = state
        .services
        .efficiency()
        .leader(&actor, state.clock.now())
        .await?;
    Ok(LeaderPage {
        l: Layout::new(&state, &actor, "/efficiency").await?,
        v,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "efficiency_units.html")]
struct RankingPage {
    l: Layout,
    r: Ranking,
    error: Option<String>,
    saved: bool,
}

fn pct(x: &Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}%"))
}

fn change(x: &Option<f64>) -> String {
    match x {
        None => "—".to_owned(),
        Some(v) if *v > 0.0 => format!("↑{v:.2}"),
        Some(v) if *v < 0.0 => format!("↓{:.2}", -v),
        Some(_) => "持平".to_owned(),
    }
}

impl RankingPage {
    fn pct(&self, x: &Option<f64>) -> String {
        pct(x)
    }
    fn change(&self, x: &Option<f64>) -> String {
        change(x)
    }
}

async fn ranking_page(
    state: &AppState,
    actor: &Actor,
    q: &PeriodQuery,
    error: Option<String>,
    saved: bool,
) -> Result<RankingPage, PageError> {
    let r = state
        .services
        .efficiency()
        .ranking(actor, q, state.clock.now())
        .await?;
    Ok(RankingPage {
        l: Layout::new(state, actor, "/efficiency").await?,
        r,
        error,
        saved,
    })
}

#[derive(serde::Deserialize)]
struct RankingQuery {
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    ok: Option<String>,
}

/// `GET /efficiency/units`: the rankings of a period.
async fn ranking(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<RankingQuery>,
) -> Result<Response, PageError> {
    let pq = PeriodQuery { period: q.period };
    Ok(ranking_page(&state, &actor, &pq, None, q.ok.is_some())
        .await?
        .into_response())
}

/// `GET /efficiency/units.xlsx`: the rankings as a workbook.
async fn ranking_xlsx(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .efficiency()
        .ranking_xlsx(&actor, &q, state.clock.now())
        .await?;
    Ok(crate::respond::file_response(f))
}

/// `POST /efficiency/weights`: the composite's weights (fields `w_{factor}`).
async fn save_weights(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let result = async {
        let mut weights = Vec::new();
        for (k, v) in &f {
            if let Some(code) = k.strip_prefix("w_") {
                let n = v
                    .trim()
                    .parse()
                    .map_err(|_| ServiceError::invalid("weights", "权重应为 0 到 100 的整数"))?;
                weights.push((code.to_owned(), n));
            }
        }
        state
            .services
            .efficiency()
            .save_weights(&actor, &weights, state.clock.now())
            .await
    }
    .await;
    let pq = PeriodQuery::default();
    respond(
        result,
        |()| "/efficiency/units?ok=weights".to_owned(),
        |msg| ranking_page(&state, &actor, &pq, Some(msg), false),
    )
    .await
}

#[derive(serde::Deserialize)]
struct BulletinForm {
    period: String,
}

/// `POST /efficiency/bulletin`: drafts the month's 效能通报 and opens the draft.
async fn draft_bulletin(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<BulletinForm>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .efficiency()
        .draft_bulletin(&actor, f.period.trim(), state.clock.now())
        .await;
    let pq = PeriodQuery {
        period: Some(f.period.clone()),
    };
    respond(
        result,
        |id| format!("/documents/{id}"),
        |msg| ranking_page(&state, &actor, &pq, Some(msg), false),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "efficiency_unit.html")]
struct UnitPage {
    l: Layout,
    u: UnitFigures,
}

impl UnitPage {
    fn pct(&self, x: &Option<f64>) -> String {
        pct(x)
    }
    fn avg(&self, x: &Option<f64>) -> String {
        x.map_or_else(|| "—".to_owned(), |v| format!("{v:.2}"))
    }
}

/// `GET /efficiency/units/{id}`: one unit's figures and what they were counted from.
async fn unit(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, PageError> {
    let u = state
        .services
        .efficiency()
        .unit(&actor, id, &q, state.clock.now())
        .await?;
    Ok(UnitPage {
        l: Layout::new(&state, &actor, "/efficiency").await?,
        u,
    }
    .into_response())
}

/// The efficiency pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/efficiency", get(backlog))
        .route("/efficiency/backlog.xlsx", get(backlog_xlsx))
        .route("/efficiency/leader", get(leader))
        .route("/efficiency/units", get(ranking))
        .route("/efficiency/units.xlsx", get(ranking_xlsx))
        .route("/efficiency/units/{id}", get(unit))
        .route("/efficiency/weights", post(save_weights))
        .route("/efficiency/bulletin", post(draft_bulletin))
}
