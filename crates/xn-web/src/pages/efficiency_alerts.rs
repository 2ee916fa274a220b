//! 效能 · 预警纠错 (`/efficiency/alerts`): the alerts in the viewer's scope as cards, filtered by
//! rule and state, each linked to its item, with the form that acknowledges it (确认) with a
//! note.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use xn_service::Actor;

use xn_service::efficiency::{AlertList, AlertQuery, AlertRule, AlertSetting, AlertSettingInput};

use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::{Layout, filters};

#[derive(Template, WebTemplate)]
#[template(path = "efficiency_alerts.html")]
struct AlertsPage {
    l: Layout,
    a: AlertList,
    f: AlertQuery,
    /// The filters as a query string, for paging.
    query: String,
    notice: Option<String>,
    error: Option<String>,
}

impl AlertsPage {
    fn rule_is(&self, code: &str) -> bool {
        self.f.rule.as_deref() == Some(code)
    }
    fn state_is(&self, code: &str) -> bool {
        self.f
            .state
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("open")
            == code
    }
}

#[derive(Debug, Default, Deserialize)]
struct PageParams {
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

async fn page(
    state: &AppState,
    actor: &Actor,
    f: AlertQuery,
    notice: Option<String>,
    error: Option<String>,
) -> Result<AlertsPage, PageError> {
    let a = state
        .services
        .efficiency()
        .alerts(actor, &f, state.clock.now())
        .await?;
    let mut q: Vec<String> = Vec::new();
    if let Some(r) = f.rule.as_deref().filter(|r| !r.is_empty()) {
        q.push(format!("rule={}", crate::respond::percent(r)));
    }
    if let Some(s) = f.state.as_deref().filter(|s| !s.is_empty()) {
        q.push(format!("state={}", crate::respond::percent(s)));
    }
    Ok(AlertsPage {
        l: Layout::new(state, actor, "/efficiency").await?,
        a,
        f,
        query: q.join("&"),
        notice,
        error,
    })
}

/// `GET /efficiency/alerts`: the alerts in the viewer's scope.
async fn list_alerts(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(p): Query<PageParams>,
) -> Result<Response, PageError> {
    let notice = (p.ok.as_deref() == Some("acknowledged")).then(|| "已确认。".to_owned());
    let f = AlertQuery {
        rule: p.rule,
        state: p.state,
        page: p.page,
    };
    Ok(page(&state, &actor, f, notice, None).await?.into_response())
}

/// `GET /efficiency/alerts.xlsx`: the alerts of the same filters as a workbook.
async fn alerts_xlsx(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(p): Query<PageParams>,
) -> Result<Response, PageError> {
    let f = AlertQuery {
        rule: p.rule,
        state: p.state,
        page: None,
    };
    let file = state
        .services
        .efficiency()
        .alerts_xlsx(&actor, &f, state.clock.now())
        .await?;
    Ok(crate::respond::file_response(file))
}

#[derive(Debug, Default, Deserialize)]
struct AcknowledgeForm {
    #[serde(default)]
    note: String,
}

/// `POST /efficiency/alerts/{id}/acknowledge`: 确认 with a note.
async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<AcknowledgeForm>,
) -> Result<Response, PageError> {
    let result = state
        .services
        .efficiency()
        .acknowledge_alert(&actor, id, &f.note, state.clock.now())
        .await;
    crate::respond::respond(
        result,
        |_| "/efficiency/alerts?ok=acknowledged".to_owned(),
        |msg| page(&state, &actor, AlertQuery::default(), None, Some(msg)),
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "efficiency_alert_settings.html")]
struct SettingsPage {
    l: Layout,
    rules: Vec<AlertSetting>,
    notice: Option<String>,
    error: Option<String>,
}

async fn settings_page(
    state: &AppState,
    actor: &Actor,
    notice: Option<String>,
    error: Option<String>,
) -> Result<SettingsPage, PageError> {
    Ok(SettingsPage {
        l: Layout::new(state, actor, "/efficiency").await?,
        rules: state.services.efficiency().alert_settings(actor).await?,
        notice,
        error,
    })
}

/// `GET /efficiency/alerts/settings`: each rule's number and whether it runs, for the
/// government's leaders, its office's 主任 and 副主任 and its supervising section.
async fn show_settings(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(p): Query<PageParams>,
) -> Result<Response, PageError> {
    let notice =
        (p.ok.as_deref() == Some("saved")).then(|| "预警规则已保存，下次巡检起生效。".to_owned());
    Ok(settings_page(&state, &actor, notice, None)
        .await?
        .into_response())
}

/// `POST /efficiency/alerts/settings`: every rule at once, `threshold_{rule}` and
/// `enabled_{rule}` (a checkbox: absent is off).
async fn save_settings(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let mut changes = Vec::new();
    let mut bad = None;
    for rule in AlertRule::ALL {
        let code = rule.code();
        let raw = f
            .get(&format!("threshold_{code}"))
            .map(|v| v.trim())
            .unwrap_or_default();
        match raw.parse::<i64>() {
            Ok(threshold) => changes.push(AlertSettingInput {
                rule: code.to_owned(),
                threshold,
                enabled: f.contains_key(&format!("enabled_{code}")),
            }),
            Err(_) => {
                bad = Some(format!(
                    "「{}」的阈值应为 1 到 1000 之间的整数",
                    rule.label()
                ));
                break;
            }
        }
    }
    if let Some(msg) = bad {
        return Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            settings_page(&state, &actor, None, Some(msg)).await?,
        )
            .into_response());
    }
    let result = state
        .services
        .efficiency()
        .put_alert_settings(&actor, &changes, state.clock.now())
        .await;
    crate::respond::respond(
        result,
        |_| "/efficiency/alerts/settings?ok=saved".to_owned(),
        |msg| settings_page(&state, &actor, None, Some(msg)),
    )
    .await
}

/// The alert pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/efficiency/alerts", get(list_alerts))
        .route("/efficiency/alerts.xlsx", get(alerts_xlsx))
        .route(
            "/efficiency/alerts/settings",
            get(show_settings).post(save_settings),
        )
        .route("/efficiency/alerts/{id}/acknowledge", post(acknowledge))
}
