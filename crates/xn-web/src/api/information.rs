//! API of 政务信息: `/api/v1/information` — the items the caller's unit sent and its office
//! received, 报送, an item's page, the backlog; at the receiving office 签收, 筛选, 编辑 and
//! 采用; periodicals, their issues (新建一期, 印发) and an issue's 简报 PDF; the points table,
//! the ranking and the duty post for urgent events; 约稿 (commissions: ask, who answered, 催报,
//! 结束) and who may be recorded as giving a 批示.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use xn_service::information::{
    AdoptInput, BacklogView, CommissionList, CommissionView, DutySettings, InformationView,
    IssueView, ItemLine, NewCommission, NewInformation, NewPeriodical, PeriodicalView, PointsLine,
    PublishInput, Ranking, ReceivedIssueView, SubmitOptions,
};

use super::Created;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiUser};
use crate::respond::file_response;

/// The caller's lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct InformationLists {
    /// What the caller's unit sent, the latest first.
    pub sent: Vec<ItemLine>,
    /// What the office the caller oversees received, the latest first.
    pub received: Vec<ItemLine>,
}

/// Lists the items the caller's unit sent and those its office received.
#[utoipa::path(get, path = "/api/v1/information", tag = "information",
    responses((status = 200, body = InformationLists)))]
async fn list_information(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<InformationLists>, ApiError> {
    let i = state.services.information();
    let sent = match i.sent(&actor).await {
        Ok(s) => s,
        Err(xn_service::ServiceError::Forbidden(_)) => Vec::new(),
        Err(e) => return Err(e.into()),
    };
    Ok(Json(InformationLists {
        sent,
        received: i.received(&actor).await?,
    }))
}

/// 报送: writes an item and starts its 签发 at the unit.
#[utoipa::path(post, path = "/api/v1/information", tag = "information",
    request_body = NewInformation,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn submit_information(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<NewInformation>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .services
        .information()
        .submit(&actor, &body, &[], state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// What the 报送 form offers the caller: signers and receiving offices.
#[utoipa::path(get, path = "/api/v1/information/options", tag = "information",
    responses((status = 200, body = SubmitOptions)))]
async fn submit_options(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<SubmitOptions>, ApiError> {
    Ok(Json(state.services.information().options(&actor).await?))
}

/// An item: its text, where it went, each office's handling.
#[utoipa::path(get, path = "/api/v1/information/{id}", tag = "information",
    params(("id" = i64, Path)),
    responses((status = 200, body = InformationView), (status = 404, body = crate::error::Problem)))]
async fn get_information(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<InformationView>, ApiError> {
    Ok(Json(state.services.information().item(&actor, id).await?))
}

/// The backlog: every item not signed for or screened at the caller's office, oldest first.
#[utoipa::path(get, path = "/api/v1/information/backlog", tag = "information",
    responses((status = 200, body = BacklogView), (status = 403, body = crate::error::Problem)))]
async fn backlog(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<BacklogView>, ApiError> {
    Ok(Json(
        state
            .services
            .information()
            .backlog(&actor, state.clock.now())
            .await?,
    ))
}

/// 签收 by the receiving office's information section.
#[utoipa::path(post, path = "/api/v1/information/receipts/{id}/sign", tag = "information",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = crate::error::Problem)))]
async fn sign_receipt(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    i.sign(&cap, id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A screening decision.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = information::ScreenInput)]
pub struct ScreenInput {
    /// 采用, 退回修改 or 不予采用.
    pub decision: String,
    /// The reason (required to return or decline).
    #[serde(default)]
    pub reason: String,
}

/// 筛选: 采用, 退回修改 or 不予采用 (退回修改 also before 签收).
#[utoipa::path(post, path = "/api/v1/information/receipts/{id}/screen", tag = "information",
    params(("id" = i64, Path)), request_body = ScreenInput,
    responses((status = 204), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn screen_receipt(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ScreenInput>,
) -> Result<StatusCode, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    i.screen(&cap, id, &body.decision, &body.reason, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An edit.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EditInput {
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
}

/// 编辑: the section's edit, kept as the next version beside the original.
#[utoipa::path(post, path = "/api/v1/information/receipts/{id}/edit", tag = "information",
    params(("id" = i64, Path)), request_body = EditInput,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn edit_receipt(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<EditInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    let v = i
        .edit(&cap, id, &body.title, &body.body, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: v })))
}

/// An adoption's place in its issue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Adopted {
    /// The item's place in the issue (本级刊物采用).
    pub position: Option<i64>,
}

/// 采用 at a level (本级刊物采用 into a draft issue at its next place).
#[utoipa::path(post, path = "/api/v1/information/receipts/{id}/adopt", tag = "information",
    params(("id" = i64, Path)), request_body = AdoptInput,
    responses((status = 200, body = Adopted), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn adopt_receipt(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<AdoptInput>,
) -> Result<Json<Adopted>, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    let position = i.adopt(&cap, id, &body, state.clock.now()).await?;
    Ok(Json(Adopted { position }))
}

/// The periodicals and their issues.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodicalsView {
    /// The periodicals of the caller's office.
    pub periodicals: Vec<PeriodicalView>,
    /// The issues the caller may read, the latest first.
    pub issues: Vec<IssueView>,
}

/// Lists the periodicals of the caller's office and the issues the caller may read.
#[utoipa::path(get, path = "/api/v1/information/periodicals", tag = "information",
    responses((status = 200, body = PeriodicalsView)))]
async fn list_periodicals(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<PeriodicalsView>, ApiError> {
    let i = state.services.information();
    Ok(Json(PeriodicalsView {
        periodicals: i.periodicals(&actor).await?,
        issues: i.issues(&actor).await?,
    }))
}

/// Adds a periodical of the caller's office.
#[utoipa::path(post, path = "/api/v1/information/periodicals", tag = "information",
    request_body = NewPeriodical,
    responses((status = 201, body = Created), (status = 422, body = crate::error::Problem)))]
async fn create_periodical(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<NewPeriodical>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    let id = i.create_periodical(&cap, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A new issue.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewIssue {
    /// The periodical.
    pub periodical: i64,
}

/// 新建一期: the periodical's next 期号 of the year.
#[utoipa::path(post, path = "/api/v1/information/issues", tag = "information",
    request_body = NewIssue,
    responses((status = 201, body = IssueView), (status = 422, body = crate::error::Problem)))]
async fn create_issue(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<NewIssue>,
) -> Result<(StatusCode, Json<IssueView>), ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    let v = i
        .new_issue(&cap, body.periodical, state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// An issue with its items in order.
#[utoipa::path(get, path = "/api/v1/information/periodicals/{id}", tag = "information",
    params(("id" = i64, Path, description = "the issue")),
    responses((status = 200, body = IssueView), (status = 404, body = crate::error::Problem)))]
async fn get_issue(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<IssueView>, ApiError> {
    Ok(Json(state.services.information().issue(&actor, id).await?))
}

/// 印发: publishes a draft issue and issues it to units of the system (发), each told and
/// signing for it. Without a body (or without `units`) it goes to every unit the office may
/// ask; a unit outside them is refused (422) and nothing is published.
#[utoipa::path(post, path = "/api/v1/information/periodicals/{id}/publish", tag = "information",
    params(("id" = i64, Path, description = "the issue")),
    request_body(content = PublishInput, description = "optional"),
    responses((status = 204), (status = 409, body = crate::error::Problem),
        (status = 422, body = crate::error::Problem)))]
async fn publish_issue(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    body: Option<ApiJson<PublishInput>>,
) -> Result<StatusCode, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    let input = body.map(|b| b.0).unwrap_or_default();
    i.publish(&cap, id, &input, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 签收: the reader's unit, which the issue was issued to, signs for it (409 the second time;
/// 404 for a unit it was not issued to).
#[utoipa::path(post, path = "/api/v1/information/periodicals/{id}/receive", tag = "information",
    params(("id" = i64, Path, description = "the issue")),
    responses((status = 204), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)))]
async fn receive_issue(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state
        .services
        .information()
        .receive_issue(&actor, id, state.clock.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The issues issued to the reader's unit (or a unit above it), with their 签收.
#[utoipa::path(get, path = "/api/v1/information/periodicals/received", tag = "information",
    responses((status = 200, body = Vec<ReceivedIssueView>)))]
async fn received_issues(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<ReceivedIssueView>>, ApiError> {
    Ok(Json(
        state.services.information().received_issues(&actor).await?,
    ))
}

/// The issue as a 简报 PDF (title band, 第N期, 编印单位 and date, items, 报/送/发).
#[utoipa::path(get, path = "/api/v1/information/periodicals/{id}/pdf", tag = "information",
    params(("id" = i64, Path, description = "the issue")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = crate::error::Problem)))]
async fn issue_pdf(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (name, bytes) = state.services.information().issue_pdf(&actor, id).await?;
    Ok(file_response(xn_service::files::AttachmentFile {
        name,
        mime: "application/pdf".into(),
        bytes,
    }))
}

/// The points table of the caller's office.
#[utoipa::path(get, path = "/api/v1/information/points", tag = "information",
    responses((status = 200, body = Vec<PointsLine>), (status = 403, body = crate::error::Problem)))]
async fn get_points(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<PointsLine>>, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    Ok(Json(i.points_table(&cap).await?))
}

/// Sets rows of the points table (points already given stay).
#[utoipa::path(put, path = "/api/v1/information/points", tag = "information",
    request_body = Vec<PointsLine>,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn set_points(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<Vec<PointsLine>>,
) -> Result<StatusCode, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    i.set_points(&cap, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The period of a ranking.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RankingQuery {
    /// `2026-12` (a month) or `2026` (a year); default this month.
    pub period: Option<String>,
}

/// The ranking of a month or a year, with the items behind every point.
#[utoipa::path(get, path = "/api/v1/information/ranking", tag = "information",
    params(RankingQuery),
    responses((status = 200, body = Ranking), (status = 422, body = crate::error::Problem)))]
async fn ranking(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Query(q): Query<RankingQuery>,
) -> Result<Json<Ranking>, ApiError> {
    let period = q.period.unwrap_or_else(|| {
        xn_domain::flow::engine::business_date(state.clock.now())
            .format("%Y-%m")
            .to_string()
    });
    Ok(Json(
        state
            .services
            .information()
            .ranking(&actor, &period)
            .await?,
    ))
}

/// The duty post and leader told of urgent events.
#[utoipa::path(get, path = "/api/v1/information/duty", tag = "information",
    responses((status = 200, body = DutySettings), (status = 403, body = crate::error::Problem)))]
async fn get_duty(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<DutySettings>, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    Ok(Json(i.duty(&cap).await?))
}

/// Sets the duty post and leader told of urgent events.
#[utoipa::path(put, path = "/api/v1/information/duty", tag = "information",
    request_body = DutySettings,
    responses((status = 204), (status = 422, body = crate::error::Problem)))]
async fn set_duty(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<DutySettings>,
) -> Result<StatusCode, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    i.set_duty(&cap, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A choice: (id, label).
#[derive(Debug, Serialize, ToSchema)]
pub struct InformationChoice {
    /// Id (a unit or a post).
    pub id: i64,
    /// Its label.
    pub label: String,
}

fn choices(v: Vec<(i64, String)>) -> Vec<InformationChoice> {
    v.into_iter()
        .map(|(id, label)| InformationChoice { id, label })
        .collect()
}

/// The 约稿 the caller sees: its office's own (information section and directors) and those
/// asking the caller's unit.
#[utoipa::path(get, path = "/api/v1/information/commissions", tag = "information",
    responses((status = 200, body = CommissionList)))]
async fn list_commissions(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<CommissionList>, ApiError> {
    Ok(Json(
        state
            .services
            .information()
            .commissions(&actor, state.clock.now())
            .await?,
    ))
}

/// 约稿: the information section asks units for information on a topic by a date.
#[utoipa::path(post, path = "/api/v1/information/commissions", tag = "information",
    request_body = NewCommission,
    responses((status = 201, body = Created), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn create_commission(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<NewCommission>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    let id = i.commission(&cap, &body, state.clock.now()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The units the caller's information section may ask.
#[utoipa::path(get, path = "/api/v1/information/commissions/units", tag = "information",
    responses((status = 200, body = [InformationChoice]), (status = 403, body = crate::error::Problem)))]
async fn commission_units(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<InformationChoice>>, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    Ok(Json(choices(i.commission_units(&cap).await?)))
}

/// A 约稿: the units asked, who answered and who has not, the answers.
#[utoipa::path(get, path = "/api/v1/information/commissions/{id}", tag = "information",
    params(("id" = i64, Path)),
    responses((status = 200, body = CommissionView), (status = 404, body = crate::error::Problem)))]
async fn get_commission(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<CommissionView>, ApiError> {
    Ok(Json(
        state
            .services
            .information()
            .commission_view(&actor, id, state.clock.now())
            .await?,
    ))
}

/// How many units a 催报 reached.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = information::Urged)]
pub struct Urged {
    /// Units urged.
    pub units: usize,
}

/// 催报: tells every unit asked that has not answered.
#[utoipa::path(post, path = "/api/v1/information/commissions/{id}/urge", tag = "information",
    params(("id" = i64, Path)),
    responses((status = 200, body = Urged), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
async fn urge_commission(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Urged>, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    let units = i.urge_commission(&cap, id, state.clock.now()).await?;
    Ok(Json(Urged { units }))
}

/// 结束征集.
#[utoipa::path(post, path = "/api/v1/information/commissions/{id}/close", tag = "information",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
async fn close_commission(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    i.close_commission(&cap, id, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A month.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BulletinMonth {
    /// `YYYY-MM`.
    pub month: String,
}

/// Drafts the month's 信息工作通报 as a 通报 document of the caller's office (its information
/// section), to be signed off and dispatched like any document.
#[utoipa::path(post, path = "/api/v1/information/bulletin", tag = "information",
    request_body = BulletinMonth,
    responses((status = 201, body = Created), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn draft_bulletin(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(body): ApiJson<BulletinMonth>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    let id = i
        .draft_bulletin(&cap, body.month.trim(), state.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Who may be recorded as giving a 批示 on the caller's office's information (`leader_post`
/// of an adoption at `instruction`).
#[utoipa::path(get, path = "/api/v1/information/leaders", tag = "information",
    responses((status = 200, body = [InformationChoice]), (status = 403, body = crate::error::Problem)))]
async fn instruction_leaders(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> Result<Json<Vec<InformationChoice>>, ApiError> {
    let i = state.services.information();
    let cap = i.as_section(&actor).await?;
    Ok(Json(choices(i.instruction_leaders(&cap).await?)))
}

/// The routes of `/api/v1/information`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_commissions, create_commission))
        .routes(routes!(commission_units))
        .routes(routes!(get_commission))
        .routes(routes!(urge_commission))
        .routes(routes!(close_commission))
        .routes(routes!(instruction_leaders))
        .routes(routes!(draft_bulletin))
        .routes(routes!(list_information, submit_information))
        .routes(routes!(submit_options))
        .routes(routes!(backlog))
        .routes(routes!(get_information))
        .routes(routes!(sign_receipt))
        .routes(routes!(screen_receipt))
        .routes(routes!(edit_receipt))
        .routes(routes!(adopt_receipt))
        .routes(routes!(list_periodicals, create_periodical))
        .routes(routes!(create_issue))
        .routes(routes!(get_issue))
        .routes(routes!(publish_issue))
        .routes(routes!(receive_issue))
        .routes(routes!(received_issues))
        .routes(routes!(issue_pdf))
        .routes(routes!(get_points, set_points))
        .routes(routes!(ranking))
        .routes(routes!(get_duty, set_duty))
}
