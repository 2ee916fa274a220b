//! 效能 pages: the backlog across every queue (`/efficiency`), filtered by area, unit, queue,
//! card, age and lateness, the latest first, and its export.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use xn_service::efficiency::{Backlog, BacklogQuery};

use crate::AppState;
use crate::error::PageError;
use crate::extract::CurrentUser;
use crate::pages::{Layout, filters};

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

/// The efficiency pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/efficiency", get(backlog))
        .route("/efficiency/backlog.xlsx", get(backlog_xlsx))
}
