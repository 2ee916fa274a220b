//! 管理 pages: the hub (`/management`: my week's report, my month, and for a chief the
//! section's week), targets (`/management/targets`, one target with its cascade, result and
//! evidence), weekly reports (`/management/reports`), monthly evaluations
//! (`/management/evaluations`, one person's month with its derivation and its decisions), and
//! the office's settings (`/management/settings`). Every rule is the service's; a page only
//! shows what the service offers.

mod evaluations;
mod plans;
mod regulations;
mod reports;
mod rollups;
mod summaries;
mod targets;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use serde::Deserialize;
use xn_service::management::{ManagementScope, SettingsInput, SettingsView, WeekTable, WeeklyView};
use xn_service::{Actor, ServiceError};

use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

/// Where the menu marks these pages.
pub(crate) const ACTIVE: &str = "/management";

fn done(code: &str) -> Option<&'static str> {
    Some(match code {
        "target" => "目标已保存。",
        "result" => "完成情况已保存。",
        "linked" => "佐证事项已关联。",
        "saved" => "周报告草稿已保存。",
        "submitted" => "周报告已报送科室负责人。",
        "commented" => "批注已保存，已告知本人。",
        "urged" => "已向未报送人员发出催报。",
        "rated" => "领导评价已保存。",
        "objected" => "申诉已提交，等待处理。",
        "decided" => "申诉已处理，已告知本人。",
        "locked" => "考评已锁定，此后不再变动。",
        "settings" => "设置已保存。",
        "weights" => "权重已保存，未锁定的考评随之重算。",
        _ => return None,
    })
}

#[derive(Debug, Default, Deserialize)]
struct OkParams {
    #[serde(default)]
    ok: Option<String>,
}

fn today(state: &AppState) -> NaiveDate {
    xn_domain::calendar::business_date(state.clock.now())
}

fn this_month(state: &AppState) -> String {
    xn_domain::management::month_of(today(state))
}

/// The month before `month` (`YYYY-MM`).
fn previous_month(month: &str) -> String {
    xn_domain::management::month_bounds(month)
        .ok()
        .and_then(|(first, _)| first.pred_opt())
        .map(xn_domain::management::month_of)
        .unwrap_or_else(|| month.to_owned())
}

/// The month after `month` (`YYYY-MM`).
fn next_month(month: &str) -> String {
    xn_domain::management::month_bounds(month)
        .ok()
        .and_then(|(_, last)| last.succ_opt())
        .map(xn_domain::management::month_of)
        .unwrap_or_else(|| month.to_owned())
}

// ---------------------------------------------------------------------------------------------
// The hub

#[derive(Template, WebTemplate)]
#[template(path = "management.html")]
struct HubPage {
    l: Layout,
    week: Option<WeeklyView>,
    table: Option<WeekTable>,
    month: String,
    last_month: String,
    total: Option<f64>,
    chief: bool,
    leads: bool,
    /// The acting post (its month's link).
    me: i64,
}

impl HubPage {
    fn filed(&self, t: &WeekTable) -> usize {
        t.rows
            .iter()
            .filter(|r| r.status == "submitted" || r.status == "late")
            .count()
    }
}

async fn hub(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    let m = state.services.management();
    let now = state.clock.now();
    let scope = m.scope(&actor).await?;
    let week = match m.week(&actor, None, today(&state), now).await {
        Ok(w) => Some(w),
        Err(ServiceError::Invalid { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let chief = !matches!(scope, ManagementScope::Own { .. });
    let table = if chief {
        Some(m.week_table(&actor, today(&state), now).await?)
    } else {
        None
    };
    let month = this_month(&state);
    let total = match actor.post_id() {
        Some(p) if week.is_some() => match m.evaluation(&actor, p, &month, now).await {
            Ok(e) => Some(e.total),
            Err(ServiceError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        },
        _ => None,
    };
    Ok(HubPage {
        l: Layout::new(&state, &actor, ACTIVE).await?,
        week,
        table,
        last_month: previous_month(&month),
        month,
        total,
        chief,
        leads: scope.leads_office(),
        me: actor.post_id().unwrap_or_default(),
    }
    .into_response())
}

// ---------------------------------------------------------------------------------------------
// Settings

#[derive(Template, WebTemplate)]
#[template(path = "management_settings.html")]
struct SettingsPage {
    l: Layout,
    s: SettingsView,
    factors: Vec<(&'static str, &'static str)>,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl SettingsPage {
    fn weight(&self, row: &xn_service::management::WeightRow, code: &str) -> i64 {
        row.weights.get(code).copied().unwrap_or(0)
    }
    fn weekday_label(&self, d: &i64) -> &'static str {
        xn_domain::management::weekday_label(u32::try_from(*d).unwrap_or(7))
    }
}

async fn settings_page(
    state: &AppState,
    actor: &Actor,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<SettingsPage, PageError> {
    Ok(SettingsPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        s: state.services.management().settings(actor).await?,
        factors: xn_domain::management::Factor::ALL
            .iter()
            .map(|f| (f.code(), f.label()))
            .collect(),
        notice,
        error,
    })
}

async fn settings(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(done);
    Ok(settings_page(&state, &actor, notice, None)
        .await?
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct SettingsForm {
    #[serde(default)]
    report_weekday: String,
    #[serde(default)]
    objection_days: String,
}

fn number(field: &'static str, what: &str, s: &str) -> Result<i64, ServiceError> {
    s.trim()
        .parse()
        .map_err(|_| ServiceError::invalid(field, format!("{what}应为整数")))
}

async fn save_settings(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<SettingsForm>,
) -> Result<Response, PageError> {
    let result = async {
        let input = SettingsInput {
            report_weekday: number("report_weekday", "报送日", &f.report_weekday)?,
            objection_days: number("objection_days", "申诉期", &f.objection_days)?,
        };
        state
            .services
            .management()
            .save_settings(&actor, &input, state.clock.now())
            .await
    }
    .await;
    respond(
        result,
        |()| "/management/settings?ok=settings".to_owned(),
        |msg| settings_page(&state, &actor, None, Some(msg)),
    )
    .await
}

async fn save_weights(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let result = async {
        let mut position = String::new();
        let mut weights = std::collections::BTreeMap::new();
        for (k, v) in &f {
            if k == "position" {
                position.clone_from(v);
            } else if let Some(code) = k.strip_prefix("w_") {
                weights.insert(code.to_owned(), number("weights", "权重", v)?);
            }
        }
        state
            .services
            .management()
            .save_weights(
                &actor,
                &xn_service::management::WeightsInput { position, weights },
                state.clock.now(),
            )
            .await
    }
    .await;
    respond(
        result,
        |()| "/management/settings?ok=weights".to_owned(),
        |msg| settings_page(&state, &actor, None, Some(msg)),
    )
    .await
}

/// The management pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/management", get(hub))
        .route("/management/settings", get(settings).post(save_settings))
        .route("/management/settings/weights", post(save_weights))
        .merge(targets::router())
        .merge(reports::router())
        .merge(rollups::router())
        .merge(evaluations::router())
        .merge(summaries::router())
        .merge(plans::router())
        .merge(regulations::router())
}
