//! Targets (目标责任制): the year's cascade, one target with its children, result and evidence.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use serde::Deserialize;
use xn_domain::management::MeasureKind;
use xn_service::management::{LinkInput, ResultInput, TargetInput, TargetView, TargetsView};
use xn_service::{Actor, ServiceError};

use super::{ACTIVE, done, today};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

#[derive(Debug, Default, Deserialize)]
struct YearParams {
    #[serde(default)]
    year: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

/// The form of a new target (top-level or cascaded).
#[derive(Debug, Default, Deserialize)]
struct TargetForm {
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    owner_post_id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    measure_kind: String,
    #[serde(default)]
    measure_unit: String,
    #[serde(default)]
    target_value: String,
    #[serde(default)]
    weight: String,
    #[serde(default)]
    q1: String,
    #[serde(default)]
    q2: String,
    #[serde(default)]
    q3: String,
    #[serde(default)]
    q4: String,
}

fn optional_id(field: &'static str, s: &str) -> Result<Option<i64>, ServiceError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| ServiceError::invalid(field, "请从列表中选择"))
}

impl TargetForm {
    fn input(&self) -> Result<TargetInput, ServiceError> {
        Ok(TargetInput {
            year: optional_id("year", &self.year)?,
            parent_id: optional_id("parent_id", &self.parent_id)?,
            unit_id: optional_id("unit_id", &self.unit_id)?,
            owner_post_id: optional_id("owner_post_id", &self.owner_post_id)?,
            title: self.title.clone(),
            measure_kind: self.measure_kind.clone(),
            measure_unit: self.measure_unit.clone(),
            target_value: self.target_value.clone(),
            weight: self
                .weight
                .trim()
                .parse()
                .map_err(|_| ServiceError::invalid("weight", "权重应为 1 至 100 的整数"))?,
            milestones: [&self.q1, &self.q2, &self.q3, &self.q4]
                .iter()
                .map(|s| (*s).clone())
                .collect(),
        })
    }
}

/// The units and posts a cascade may go to, for the form's lists.
#[derive(Debug, Default)]
struct Choices {
    units: Vec<(i64, String)>,
    posts: Vec<(i64, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "management_targets.html")]
struct TargetsPage {
    l: Layout,
    t: TargetsView,
    kinds: Vec<(&'static str, &'static str)>,
    f: TargetForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl TargetsPage {
    fn indent(&self, depth: &usize) -> String {
        "　".repeat(*depth)
    }
}

async fn targets_page(
    state: &AppState,
    actor: &Actor,
    year: i64,
    f: TargetForm,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<TargetsPage, PageError> {
    Ok(TargetsPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        t: state.services.management().targets(actor, year).await?,
        kinds: MeasureKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        f,
        notice,
        error,
    })
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<YearParams>,
) -> Result<Response, PageError> {
    let year = q.year.unwrap_or_else(|| i64::from(today(&state).year()));
    let notice = q.ok.as_deref().and_then(done);
    Ok(
        targets_page(&state, &actor, year, TargetForm::default(), notice, None)
            .await?
            .into_response(),
    )
}

async fn create(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<TargetForm>,
) -> Result<Response, PageError> {
    let result = async {
        let input = f.input()?;
        state
            .services
            .management()
            .create_target(&actor, &input, state.clock.now())
            .await
    }
    .await;
    let parent = optional_id("parent_id", &f.parent_id).ok().flatten();
    let year = f
        .year
        .trim()
        .parse()
        .unwrap_or_else(|_| i64::from(today(&state).year()));
    respond(
        result,
        |id| match parent {
            Some(p) => format!("/management/targets/{p}?ok=target#t{id}"),
            None => format!("/management/targets/{id}?ok=target"),
        },
        |msg| async move {
            match parent {
                Some(p) => Ok(target_page(&state, &actor, p, f, None, Some(msg))
                    .await?
                    .into_response()),
                None => Ok(targets_page(&state, &actor, year, f, None, Some(msg))
                    .await?
                    .into_response()),
            }
        },
    )
    .await
}

#[derive(Template, WebTemplate)]
#[template(path = "management_target.html")]
struct TargetPage {
    l: Layout,
    t: TargetView,
    children: Vec<TargetView>,
    c: Choices,
    kinds: Vec<(&'static str, &'static str)>,
    f: TargetForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl TargetPage {
    fn unit_is(&self, id: &i64) -> bool {
        self.f.unit_id == id.to_string()
    }
    fn post_is(&self, id: &i64) -> bool {
        self.f.owner_post_id == id.to_string()
    }
    fn kind_is(&self, code: &str) -> bool {
        self.f.measure_kind == code
    }
    fn quarter(&self, i: &usize) -> String {
        self.t.milestones.get(*i).cloned().unwrap_or_default()
    }
}

async fn target_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    f: TargetForm,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<TargetPage, PageError> {
    let m = state.services.management();
    let t = m.target(actor, id).await?;
    let all = m.targets(actor, t.year).await?;
    let children = all
        .targets
        .into_iter()
        .filter(|c| c.parent_id == Some(id))
        .collect();
    let c = if t.may_cascade {
        let choices = m.cascade_choices(actor, id).await?;
        Choices {
            units: choices.units,
            posts: choices.posts,
        }
    } else {
        Choices::default()
    };
    Ok(TargetPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        t,
        children,
        c,
        kinds: MeasureKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        f,
        notice,
        error,
    })
}

#[derive(Debug, Default, Deserialize)]
struct OkParams {
    #[serde(default)]
    ok: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(done);
    Ok(
        target_page(&state, &actor, id, TargetForm::default(), notice, None)
            .await?
            .into_response(),
    )
}

#[derive(Debug, Default, Deserialize)]
struct ResultForm {
    #[serde(default)]
    result_value: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    status: String,
}

async fn record(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<ResultForm>,
) -> Result<Response, PageError> {
    let input = ResultInput {
        result_value: f.result_value,
        evidence: f.evidence,
        status: f.status,
    };
    let result = state
        .services
        .management()
        .record_result(&actor, id, &input, state.clock.now())
        .await;
    respond(
        result,
        |()| format!("/management/targets/{id}?ok=result"),
        |msg| target_page(&state, &actor, id, TargetForm::default(), None, Some(msg)),
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct LinkForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    ref_id: String,
}

async fn link(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<LinkForm>,
) -> Result<Response, PageError> {
    let result = async {
        let ref_id = f
            .ref_id
            .trim()
            .parse()
            .map_err(|_| ServiceError::invalid("ref_id", "请填写事项编号（数字）"))?;
        state
            .services
            .management()
            .link(
                &actor,
                id,
                &LinkInput {
                    kind: f.kind.clone(),
                    ref_id,
                },
                state.clock.now(),
            )
            .await
    }
    .await;
    respond(
        result,
        |()| format!("/management/targets/{id}?ok=linked"),
        |msg| target_page(&state, &actor, id, TargetForm::default(), None, Some(msg)),
    )
    .await
}

/// The target pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/management/targets", get(list).post(create))
        .route("/management/targets/{id}", get(show))
        .route("/management/targets/{id}/result", post(record))
        .route("/management/targets/{id}/links", post(link))
}
