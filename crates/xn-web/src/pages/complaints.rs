//! 效能投诉 pages: the list in the viewer's scope with the upheld count per unit
//! (`/complaints`), filing (`/complaints/new`), a complaint's page with its investigation and
//! the 认定 form (`/complaints/{id}`), and, without sign-in, the public form and status
//! (`/public/complaint`, `/public/complaint/{code}`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use xn_service::complaints::{
    ComplaintView, FindingInput, ListView, NewComplaint, PublicComplaint, PublicStatus,
};
use xn_service::{Actor, ServiceError};

use super::Layout;
use super::service::signed_out_form;
use super::session::pre_csrf;
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm};
use crate::respond::fixable;

fn done(code: &str) -> Option<&'static str> {
    Some(match code {
        "filed" => "投诉已提交，将由督查科（股）核查。",
        "found" => "认定已提交。",
        _ => return None,
    })
}

#[derive(Debug, Default, Deserialize)]
struct OkParams {
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "complaints.html")]
struct ListPage {
    l: Layout,
    v: ListView,
    notice: Option<&'static str>,
}

async fn list(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkParams>,
) -> Result<Response, PageError> {
    let v = state
        .services
        .complaints()
        .list(&actor, state.clock.now())
        .await?;
    Ok(ListPage {
        l: Layout::new(&state, &actor, "/efficiency").await?,
        v,
        notice: q.ok.as_deref().and_then(done),
    }
    .into_response())
}

/// `GET /complaints.xlsx`: the same list as a workbook.
async fn list_xlsx(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    let f = state
        .services
        .complaints()
        .list_xlsx(&actor, state.clock.now())
        .await?;
    Ok(crate::respond::file_response(f))
}

#[derive(Debug, Default, Deserialize)]
struct FileForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    case_id: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    description: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "complaint_form.html")]
struct FormPage {
    l: Layout,
    f: FileForm,
    kinds: Vec<(&'static str, &'static str)>,
    units: Vec<(i64, String)>,
    error: Option<String>,
}

async fn form_page(
    state: &AppState,
    actor: &Actor,
    f: FileForm,
    error: Option<String>,
) -> Result<FormPage, PageError> {
    let c = state.services.complaints();
    Ok(FormPage {
        l: Layout::new(state, actor, "/efficiency").await?,
        f,
        kinds: c.kinds(),
        units: c.units(actor).await?,
        error,
    })
}

#[derive(Debug, Default, Deserialize)]
struct NewParams {
    #[serde(default)]
    case: String,
}

async fn new_form(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<NewParams>,
) -> Result<Response, PageError> {
    let f = FileForm {
        case_id: q.case,
        ..FileForm::default()
    };
    Ok(form_page(&state, &actor, f, None).await?.into_response())
}

fn number(field: &'static str, v: &str, what: &str) -> Result<Option<i64>, ServiceError> {
    let t = v.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| ServiceError::invalid(field, format!("{what}应为数字")))
}

async fn file(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<FileForm>,
) -> Result<Response, PageError> {
    let result = async {
        let input = NewComplaint {
            kind: f.kind.clone(),
            case_id: number("case_id", &f.case_id, "事项编号")?,
            unit_id: number("unit_id", &f.unit_id, "被投诉单位")?,
            post_id: None,
            description: f.description.clone(),
        };
        state
            .services
            .complaints()
            .file(&actor, &input, state.clock.now())
            .await
    }
    .await;
    match result {
        Ok(out) => Ok(Redirect::to(&format!("/complaints/{}?ok=filed", out.id)).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) => {
                let status = status_of(&e);
                Ok((status, form_page(&state, &actor, f, Some(msg)).await?).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "complaint.html")]
struct ComplaintPage {
    l: Layout,
    cv: ComplaintView,
    notice: Option<&'static str>,
    error: Option<String>,
}

async fn complaint_page(
    state: &AppState,
    actor: &Actor,
    id: i64,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<ComplaintPage, PageError> {
    let cv = state.services.complaints().view(actor, id).await?;
    Ok(ComplaintPage {
        l: Layout::new(state, actor, "/efficiency").await?,
        cv,
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
    Ok(complaint_page(&state, &actor, id, notice, None)
        .await?
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct FindingForm {
    #[serde(default)]
    finding: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    post_id: String,
}

async fn finding(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<FindingForm>,
) -> Result<Response, PageError> {
    let result = async {
        let input = FindingInput {
            finding: f.finding.clone(),
            reason: f.reason.clone(),
            post_id: number("post_id", &f.post_id, "责任岗位")?,
        };
        state
            .services
            .complaints()
            .find(&actor, id, &input, state.clock.now())
            .await
    }
    .await;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/complaints/{id}?ok=found")).into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) => {
                let page = complaint_page(&state, &actor, id, None, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// The public side (no sign-in)

#[derive(Debug, Default, Deserialize)]
struct PublicForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    service_code: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    answer: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "public_complaint.html")]
struct PublicPage {
    csrf: String,
    f: PublicForm,
    kinds: Vec<(&'static str, &'static str)>,
    token: String,
    question: String,
    error: Option<String>,
}

async fn public_page(
    state: &AppState,
    jar: CookieJar,
    f: PublicForm,
    error: Option<String>,
) -> Result<(CookieJar, PublicPage), PageError> {
    let (csrf, jar) = pre_csrf(state, jar);
    let c = state
        .services
        .service()
        .challenge(state.clock.now())
        .await?;
    Ok((
        jar,
        PublicPage {
            csrf,
            f,
            kinds: state.services.complaints().kinds(),
            token: c.token,
            question: c.question,
            error,
        },
    ))
}

async fn public_form(State(state): State<AppState>, jar: CookieJar) -> Result<Response, PageError> {
    Ok(public_page(&state, jar, PublicForm::default(), None)
        .await?
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "public_complaint_status.html")]
struct StatusPage {
    s: PublicStatus,
    submitted: bool,
}

async fn public_submit(State(state): State<AppState>, req: Request) -> Result<Response, PageError> {
    let (jar, addr, f, _) = match signed_out_form::<PublicForm>(req).await {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    let input = PublicComplaint {
        kind: f.kind.clone(),
        name: f.name.clone(),
        phone: f.phone.clone(),
        service_code: f.service_code.clone(),
        description: f.description.clone(),
        challenge: f.challenge.clone(),
        answer: f.answer.clone(),
    };
    let address = addr.map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    let c = state.services.complaints();
    match c.file_public(&input, &address, state.clock.now()).await {
        Ok(out) => {
            let s = c.status(&out.code).await?;
            Ok((jar, StatusPage { s, submitted: true }).into_response())
        }
        Err(
            e @ (ServiceError::Invalid { .. }
            | ServiceError::TooFrequent(_)
            | ServiceError::Conflict { .. }),
        ) => {
            let status = status_of(&e);
            let page = public_page(&state, jar, f, Some(e.to_string())).await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn public_status(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let s = state.services.complaints().status(&code).await?;
    Ok(StatusPage {
        s,
        submitted: false,
    }
    .into_response())
}

/// The 效能投诉 pages and the public form.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/complaints", get(list))
        .route("/complaints.xlsx", get(list_xlsx))
        .route("/complaints/new", get(new_form).post(file))
        .route("/complaints/{id}", get(show))
        .route("/complaints/{id}/finding", post(finding))
        .route("/public/complaint", get(public_form).post(public_submit))
        .route("/public/complaint/{code}", get(public_status))
}
