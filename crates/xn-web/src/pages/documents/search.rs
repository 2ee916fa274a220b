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
        let enc = percent;
        format!(
            "/documents/search?q={}&direction={}&kind={}&number={}&status={}&from={}&to={}&page={page}",
            enc(&self.s.q),
            enc(&self.s.direction),
            enc(&self.s.kind),
            enc(&self.s.number),
            enc(&self.s.status),
            enc(&self.s.from),
            enc(&self.s.to)
        )
    }
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
