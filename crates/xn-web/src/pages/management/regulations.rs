//! 规章制度 pages: the office's rules (`/rules`, with the form to add one for the office's
//! 主任, 副主任), one rule with its current or an earlier version, the form to publish a new
//! version and — for its owner and the office's leaders — who has and has not acknowledged
//! (`/rules/{id}`), and the acknowledgement.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_service::Actor;
use xn_service::management::{RuleInput, RuleVersionInput, RuleView, RulesView};

use super::today;
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

const ACTIVE: &str = "/management";

fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "created" => "制度已发布，已请本办公室（厅）各岗位阅知。",
        "published" => "新版本已发布，已请本办公室（厅）各岗位重新阅知。",
        "acknowledged" => "已确认阅知。",
        _ => return None,
    })
}

#[derive(Debug, Default, Deserialize)]
struct OkParams {
    #[serde(default)]
    ok: Option<String>,
    #[serde(default)]
    version: Option<i64>,
}

/// The fields of the rule forms, kept on an error.
#[derive(Debug, Default, Deserialize, Clone)]
struct RuleForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    owner_post_id: String,
    #[serde(default)]
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "rules.html")]
struct RulesPage {
    l: Layout,
    r: RulesView,
    f: RuleForm,
    me: i64,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl RulesPage {
    fn status_label(&self, code: &str) -> &'static str {
        status_label(code)
    }
}

fn status_label(code: &str) -> &'static str {
    match code {
        "pending" => "待阅知",
        "acknowledged" => "已阅知",
        _ => "—",
    }
}

async fn rules_page(
    state: &AppState,
    actor: &Actor,
    f: RuleForm,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<RulesPage, PageError> {
    let f = if f.effective_on.is_empty() {
        RuleForm {
            effective_on: today(state).to_string(),
            ..f
        }
    } else {
        f
    };
    Ok(RulesPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        r: state.services.management().rules(actor).await?,
        f,
        me: actor.post_id().unwrap_or_default(),
        notice,
        error,
    })
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(notice);
    Ok(
        rules_page(&state, &actor, RuleForm::default(), notice, None)
            .await?
            .into_response(),
    )
}

async fn create(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<RuleForm>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .management()
        .create_rule(
            &actor,
            &RuleInput {
                title: f.title.clone(),
                body: f.body.clone(),
                effective_on: f.effective_on.clone(),
                owner_post_id: f.owner_post_id.trim().parse().ok(),
            },
            state.clock.now(),
        )
        .await;
    respond(
        result,
        |id| format!("/rules/{id}?ok=created"),
        |msg| rules_page(&state, &actor, f.clone(), None, Some(msg)),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "rule.html")]
struct RulePage {
    l: Layout,
    r: RuleView,
    f: RuleForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl RulePage {
    fn status_label(&self, code: &str) -> &'static str {
        status_label(code)
    }
}

async fn rule_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    version: Option<i64>,
    f: Option<RuleForm>,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<RulePage, PageError> {
    let r = state.services.management().rule(actor, id, version).await?;
    let f = f.unwrap_or_else(|| RuleForm {
        title: r
            .versions
            .first()
            .map(|v| v.title.clone())
            .unwrap_or_default(),
        body: if r.shown.version == r.current_version {
            r.shown.body.clone()
        } else {
            String::new()
        },
        effective_on: today(state).to_string(),
        owner_post_id: String::new(),
        note: String::new(),
    });
    Ok(RulePage {
        l: Layout::new(state, actor, ACTIVE).await?,
        r,
        f,
        notice,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(notice);
    Ok(rule_page(&state, &actor, id, q.version, None, notice, None)
        .await?
        .into_response())
}

async fn publish(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<RuleForm>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .management()
        .publish_rule(
            &actor,
            id,
            &RuleVersionInput {
                title: Some(f.title.clone()),
                body: f.body.clone(),
                effective_on: f.effective_on.clone(),
                note: f.note.clone(),
            },
            state.clock.now(),
        )
        .await;
    respond(
        result,
        |_| format!("/rules/{id}?ok=published"),
        |msg| rule_page(&state, &actor, id, None, Some(f.clone()), None, Some(msg)),
    )
    .await
}

#[derive(Deserialize)]
struct Nothing {}

async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, Nothing {}): PageForm<Nothing>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .management()
        .acknowledge_rule(&actor, id, state.clock.now())
        .await;
    respond(
        result,
        |()| format!("/rules/{id}?ok=acknowledged"),
        |msg| rule_page(&state, &actor, id, None, None, None, Some(msg)),
    )
    .await
}

/// The rules pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rules", get(list).post(create))
        .route("/rules/{id}", get(show))
        .route("/rules/{id}/versions", post(publish))
        .route("/rules/{id}/acknowledge", post(acknowledge))
}
