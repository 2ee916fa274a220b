//! 内部办事申请 (`/affairs/apply`): a leader or a member of the office's staff asks its 内务 and
//! 后勤 for a car, a room, supplies, a repair, the seal or a duty change; the request then goes
//! round the same pages as any other (`/affairs/{id}`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use xn_domain::service::Urgency;
use xn_service::service::InternalInput;
use xn_service::{Actor, ServiceError};

use super::Layout;
use super::service::{REQUEST_FORM_LIMIT, request_files};
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageFormFiles};
use crate::respond::fixable;

#[derive(Template, WebTemplate)]
#[template(path = "affairs_apply.html")]
struct ApplyPage {
    l: Layout,
    f: ApplyForm,
    /// (id, name, limit in words).
    categories: Vec<(i64, String, String)>,
    error: Option<String>,
}

impl ApplyPage {
    fn category_is(&self, id: &i64) -> bool {
        self.f.category == id.to_string()
    }
}

#[derive(Debug, Default, Deserialize)]
struct ApplyForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    urgency: String,
}

async fn apply_page(
    state: &AppState,
    actor: &Actor,
    f: ApplyForm,
    error: Option<String>,
) -> Result<ApplyPage, PageError> {
    let s = state.services.service();
    s.internal_government(actor).await?;
    Ok(ApplyPage {
        l: Layout::new(state, actor, "/affairs").await?,
        f,
        categories: s
            .internal_categories()
            .await?
            .into_iter()
            .map(|c| {
                let limit = match c.limit_hours {
                    Some(h) => format!("{h} 个工作小时"),
                    None => format!("{} 个工作日", c.limit_days),
                };
                (c.id, c.name, limit)
            })
            .collect(),
        error,
    })
}

async fn apply_form(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    Ok(apply_page(&state, &actor, ApplyForm::default(), None)
        .await?
        .into_response())
}

async fn apply(
    State(state): State<AppState>,
    PageFormFiles(actor, f, files): PageFormFiles<ApplyForm>,
) -> Result<Response, PageError> {
    let s = state.services.service();
    let input = InternalInput {
        category: f.category.trim().parse().unwrap_or(0),
        location: f.location.clone(),
        description: f.description.clone(),
        urgency: Urgency::from_code(f.urgency.trim()).unwrap_or_default(),
    };
    match s
        .apply(&actor, &input, &request_files(&files), state.clock.now())
        .await
    {
        Ok(out) => Ok(Redirect::to(&format!("/affairs/{}?ok=applied", out.id)).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) if !matches!(e, ServiceError::Forbidden(_)) => {
                let page = apply_page(&state, &actor, f, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            _ => Err(e.into()),
        },
    }
}

/// The 内部办事申请 form (multipart: it takes files, as the office's 登记 does).
pub(super) fn router() -> Router<AppState> {
    Router::new().route(
        "/affairs/apply",
        get(apply_form)
            .post(apply)
            .layer(DefaultBodyLimit::max(REQUEST_FORM_LIMIT)),
    )
}
