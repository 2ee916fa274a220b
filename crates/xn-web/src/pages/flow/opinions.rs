//! The 常用意见 page: the actor's own opinions, one a line, edited and saved whole. Offered beside
//! every opinion box of the 办理 page; the rules of the list are the service's.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xn_service::flow::opinions::{MAX_OPINION_CHARS, MAX_OPINIONS};

use super::refusal;
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "opinions.html")]
struct OpinionsPage {
    l: Layout,
    /// The list, one a line.
    text: String,
    notice: Option<&'static str>,
    error: Option<String>,
    max_count: usize,
    max_chars: usize,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct OpinionsQuery {
    #[serde(default)]
    ok: Option<String>,
}

/// `GET /opinions`.
pub(super) async fn show_opinions(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OpinionsQuery>,
) -> Result<Response, PageError> {
    let list = state.services.common_opinions(&actor).await?;
    let l = Layout::new(&state, &actor, "/").await?;
    Ok(OpinionsPage {
        l,
        text: list.join("\n"),
        notice: q.ok.is_some().then_some("常用意见已保存。"),
        error: None,
        max_count: MAX_OPINIONS,
        max_chars: MAX_OPINION_CHARS,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub(super) struct OpinionsForm {
    #[serde(default)]
    opinions: String,
}

/// `POST /opinions`: saves the list, one opinion a line; a refusal keeps what was typed.
pub(super) async fn save_opinions(
    State(state): State<AppState>,
    PageForm(actor, form): PageForm<OpinionsForm>,
) -> Result<Response, PageError> {
    let lines: Vec<String> = form.opinions.lines().map(str::to_owned).collect();
    match state.services.save_common_opinions(&actor, &lines).await {
        Ok(_) => Ok(Redirect::to("/opinions?ok=saved").into_response()),
        Err(e) => {
            let Some(message) = refusal(&e) else {
                return Err(e.into());
            };
            let l = Layout::new(&state, &actor, "/").await?;
            Ok((
                status_of(&e),
                OpinionsPage {
                    l,
                    text: form.opinions,
                    notice: None,
                    error: Some(message),
                    max_count: MAX_OPINIONS,
                    max_chars: MAX_OPINION_CHARS,
                },
            )
                .into_response())
        }
    }
}
