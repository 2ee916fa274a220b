//! 综合查询: documents of the acting office by words and filters, paged.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use xn_domain::documents::DocKind;

use crate::AppState;
use crate::error::PageError;
use crate::extract::CurrentUser;
use crate::pages::{Layout, filters};
use crate::respond::{fixable, percent};

#[derive(Template, WebTemplate)]
#[template(path = "document_search.html")]
struct SearchPage {
    l: Layout,
    s: xn_service::documents::DocumentSearch,
    kinds: Vec<(&'static str, &'static str)>,
    results: Option<xn_service::documents::SearchResults>,
    error: Option<String>,
}

impl SearchPage {
    fn next_page(&self) -> String {
        self.page_link(self.results.as_ref().map_or(1, |r| r.page + 1))
    }
    fn prev_page(&self) -> String {
        self.page_link(self.results.as_ref().map_or(1, |r| (r.page - 1).max(1)))
    }
    fn page_link(&self, page: i64) -> String {
        format!("/documents/search?{}&page={page}", params(&self.s))
    }
    /// Where the exact count of this search is asked for.
    fn count_link(&self) -> String {
        format!("/documents/search/count?{}", params(&self.s))
    }
}

/// The search's fields as query parameters (without the page).
fn params(s: &xn_service::documents::DocumentSearch) -> String {
    let enc = percent;
    format!(
        "q={}&direction={}&kind={}&number={}&status={}&from={}&to={}",
        enc(&s.q),
        enc(&s.direction),
        enc(&s.kind),
        enc(&s.number),
        enc(&s.status),
        enc(&s.from),
        enc(&s.to)
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "document_search_count.html")]
struct CountPage {
    l: Layout,
    total: i64,
    back: String,
}

/// The exact count of a search, asked for from its first page (which shows "10000+" or an
/// estimate). Without scripts it is a page of its own; the page's script fetches it and puts
/// the number in place, so the first page never waits for it.
pub(super) async fn count(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(s): Query<xn_service::documents::DocumentSearch>,
) -> Result<Response, PageError> {
    let counted = state.services.documents().count(&actor, &s).await?;
    Ok(CountPage {
        l: Layout::new(&state, &actor, "/documents").await?,
        total: counted.total,
        back: format!("/documents/search?{}", params(&s)),
    }
    .into_response())
}

pub(super) async fn search(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(s): Query<xn_service::documents::DocumentSearch>,
) -> Result<Response, PageError> {
    let asked = !(s.q.trim().is_empty()
        && s.kind.is_empty()
        && s.number.trim().is_empty()
        && s.direction.is_empty()
        && s.status.is_empty()
        && s.from.is_empty()
        && s.to.is_empty());
    let (results, error) = if asked {
        match state.services.documents().search(&actor, &s).await {
            Ok(r) => (Some(r), None),
            // A refusal is the error page under its status, not a message on a page that
            // answers 200: the search is refused, not mistyped.
            Err(e) => match fixable(&e) {
                Some(m) if !matches!(e, xn_service::ServiceError::Forbidden(_)) => (None, Some(m)),
                _ => return Err(e.into()),
            },
        }
    } else {
        (None, None)
    };
    Ok(SearchPage {
        l: Layout::new(&state, &actor, "/documents").await?,
        s,
        kinds: DocKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        results,
        error,
    }
    .into_response())
}
