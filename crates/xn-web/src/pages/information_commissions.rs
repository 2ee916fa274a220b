//! 约稿 pages: the commissions a reader sees with the section's form to ask units
//! (`/information/commissions`), and a commission's page — who answered, who has not, 催报 and
//! 结束征集 for the asking section, 答复约稿 for a unit asked (`/information/commissions/{id}`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_service::information::{CommissionList, CommissionView, NewCommission};
use xn_service::{Actor, ServiceError};

use super::Layout;
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm};
use crate::respond::fixable;

fn done(code: &str) -> Option<&'static str> {
    Some(match code {
        "asked" => "约稿已发出，各约稿单位已收到提醒。",
        "urged" => "已向尚未报送的单位催报。",
        "closed" => "约稿已结束征集。",
        _ => return None,
    })
}

#[derive(Debug, Default, Deserialize)]
struct OkParams {
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AskForm {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    unit: Vec<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "information_commissions.html")]
struct ListPage {
    l: Layout,
    list: CommissionList,
    /// The units the section may ask: (id, name).
    units: Vec<(i64, String)>,
    f: AskForm,
    min_date: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl ListPage {
    fn unit_checked(&self, id: &i64) -> bool {
        self.f.unit.contains(id)
    }
}

async fn list_page(
    state: &AppState,
    actor: &Actor,
    f: AskForm,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<ListPage, PageError> {
    let i = state.services.information();
    let now = state.clock.now();
    let units = match i.section(actor).await? {
        Some(cap) => i.commission_units(&cap).await?,
        None => Vec::new(),
    };
    Ok(ListPage {
        l: Layout::new(state, actor, "/information").await?,
        list: i.commissions(actor, now).await?,
        units,
        f,
        min_date: xn_domain::flow::engine::business_date(now).to_string(),
        notice,
        error,
    })
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(done);
    Ok(list_page(&state, &actor, AskForm::default(), notice, None)
        .await?
        .into_response())
}

async fn ask(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<AskForm>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let result = async {
        let cap = i.as_section(&actor).await?;
        let input = NewCommission {
            topic: f.topic.clone(),
            description: f.description.replace("\r\n", "\n"),
            due_on: f.due_on.clone(),
            units: f.unit.clone(),
        };
        i.commission(&cap, &input, state.clock.now()).await
    }
    .await;
    match result {
        Ok(id) => {
            Ok(Redirect::to(&format!("/information/commissions/{id}?ok=asked")).into_response())
        }
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = list_page(&state, &actor, f, None, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "information_commission.html")]
struct ShowPage {
    l: Layout,
    c: CommissionView,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn show_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<ShowPage, PageError> {
    Ok(ShowPage {
        l: Layout::new(state, actor, "/information").await?,
        c: state
            .services
            .information()
            .commission_view(actor, id, state.clock.now())
            .await?,
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
    let notice = q.ok.as_deref().and_then(done);
    Ok(show_page(&state, &actor, id, notice, None)
        .await?
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct Empty {}

async fn after(
    state: &AppState,
    actor: &Actor,
    id: i64,
    result: Result<(), ServiceError>,
    ok: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/information/commissions/{id}?ok={ok}")).into_response())
        }
        Err(e) => match fixable(&e) {
            Some(m) => {
                let page = show_page(state, actor, id, None, Some(m)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

async fn urge(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, _): PageForm<Empty>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let result = async {
        let cap = i.as_section(&actor).await?;
        i.urge_commission(&cap, id, state.clock.now())
            .await
            .map(|_| ())
    }
    .await;
    after(&state, &actor, id, result, "urged").await
}

async fn close(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, _): PageForm<Empty>,
) -> Result<Response, PageError> {
    let i = state.services.information();
    let result = async {
        let cap = i.as_section(&actor).await?;
        i.close_commission(&cap, id, state.clock.now()).await
    }
    .await;
    after(&state, &actor, id, result, "closed").await
}

/// The 约稿 routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/information/commissions", get(list).post(ask))
        .route("/information/commissions/{id}", get(show))
        .route("/information/commissions/{id}/urge", post(urge))
        .route("/information/commissions/{id}/close", post(close))
}
