//! 签到, 纪要 and 议定事项 pages: the screen in the room showing the sign-in code large (it
//! reloads itself every window), the phone page where an attendee types it, the staff signing
//! someone in and the attendance workbook; the minutes drafted from a held meeting with its
//! decisions, and the decisions changed until the minutes are issued. The meeting's own page
//! (`pages::meetings`) shows the attendance, the minutes and each decision's supervision item.
//! Also the office's monthly meeting figures (会议效能, `/meetings/figures?month=`) with the
//! meetings, topics and decisions behind each figure.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_service::ServiceError;
use xn_service::meetings::{
    CheckinInput, CheckinScreen, DecisionInput, DecisionsInput, MeetingDetail, MeetingFigures,
    MinutesInput, StaffCheckinInput,
};

use super::{Layout, filters};
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm};
use crate::respond::{file_response, fixable};

// ---------------------------------------------------------------------------------------------
// The screen in the room

#[derive(Template, WebTemplate)]
#[template(path = "meeting_checkin_screen.html")]
struct ScreenPage {
    s: CheckinScreen,
}

async fn screen(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let s = state
        .services
        .meetings()
        .checkin_screen(&actor, id, state.clock.now())
        .await?;
    Ok(ScreenPage { s }.into_response())
}

// ---------------------------------------------------------------------------------------------
// Signing in on a phone

#[derive(Template, WebTemplate)]
#[template(path = "meeting_checkin.html")]
struct CheckinPage {
    l: Layout,
    d: MeetingDetail,
    /// The outcome of a sign-in just made.
    done: Option<String>,
    error: Option<String>,
}

async fn checkin_page(
    state: &AppState,
    actor: &xn_service::Actor,
    id: i64,
    done: Option<String>,
    error: Option<String>,
) -> Result<CheckinPage, PageError> {
    let d = state
        .services
        .meetings()
        .get_at(actor, id, state.clock.now())
        .await?;
    Ok(CheckinPage {
        l: Layout::new(state, actor, "/meetings").await?,
        d,
        done,
        error,
    })
}

async fn checkin_form(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(checkin_page(&state, &actor, id, None, None)
        .await?
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn check_in(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<CodeForm>,
) -> Result<Response, PageError> {
    let r = state
        .services
        .meetings()
        .check_in(
            &actor,
            id,
            &CheckinInput { code: f.code },
            state.clock.now(),
        )
        .await;
    match r {
        Ok(out) => Ok(checkin_page(&state, &actor, id, Some(out.message), None)
            .await?
            .into_response()),
        Err(e) => match fixable(&e) {
            Some(msg) => {
                let page = checkin_page(&state, &actor, id, None, Some(msg)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Debug, Default, Deserialize)]
struct StaffForm {
    #[serde(default)]
    post_id: String,
}

async fn check_in_by_staff(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<StaffForm>,
) -> Result<Response, PageError> {
    // An unreadable choice names nobody on the meeting: the service answers it, after its
    // own checks of who may ask.
    let post_id = f.post_id.trim().parse().unwrap_or_default();
    let r = state
        .services
        .meetings()
        .check_in_by_staff(
            &actor,
            id,
            &StaffCheckinInput { post_id },
            state.clock.now(),
        )
        .await
        .map(|_| ());
    super::meetings::after(&state, &actor, id, r, "signed_in").await
}

async fn attendance_xlsx(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    Ok(file_response(
        state
            .services
            .meetings()
            .attendance_xlsx(&actor, id, state.clock.now())
            .await?,
    ))
}

// ---------------------------------------------------------------------------------------------
// 纪要 and 议定事项

/// The decisions as the form posts them: rows `text_N`, `lead_N`, `assist_N` (repeated),
/// `deadline_N` (a date) and `days_N` (working days); a row without text is left out.
fn decisions_of(pairs: &[(String, String)]) -> Result<Vec<DecisionInput>, ServiceError> {
    let mut rows: Vec<usize> = pairs
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("text_").and_then(|n| n.parse().ok()))
        .collect();
    rows.sort_unstable();
    rows.dedup();
    let value = |key: String| {
        pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for n in rows {
        let text = value(format!("text_{n}"));
        if text.is_empty() {
            continue;
        }
        let lead = value(format!("lead_{n}"));
        let lead_unit = lead
            .parse()
            .map_err(|_| ServiceError::invalid("decisions", format!("请选择“{text}”的牵头单位")))?;
        let assist_key = format!("assist_{n}");
        let assist_units = pairs
            .iter()
            .filter(|(k, _)| *k == assist_key)
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect();
        let deadline = Some(value(format!("deadline_{n}"))).filter(|s| !s.is_empty());
        let days = value(format!("days_{n}"));
        let deadline_days = if days.is_empty() {
            None
        } else {
            Some(days.parse().map_err(|_| {
                ServiceError::invalid("decisions", format!("“{text}”的工作日数应为数字"))
            })?)
        };
        out.push(DecisionInput {
            text,
            lead_unit,
            lead_post: None,
            assist_units,
            deadline,
            deadline_days,
        });
    }
    Ok(out)
}

async fn draft_minutes(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let body = pairs
        .iter()
        .find(|(k, _)| k == "body")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let r = match decisions_of(&pairs) {
        Ok(decisions) => {
            state
                .services
                .meetings()
                .draft_minutes(
                    &actor,
                    id,
                    &MinutesInput { body, decisions },
                    state.clock.now(),
                )
                .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(doc) => Ok(Redirect::to(&format!("/documents/{doc}")).into_response()),
        Err(e) => super::meetings::after(&state, &actor, id, Err(e), "").await,
    }
}

async fn set_decisions(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = match decisions_of(&pairs) {
        Ok(decisions) => {
            state
                .services
                .meetings()
                .set_decisions(&actor, id, &DecisionsInput { decisions }, state.clock.now())
                .await
        }
        Err(e) => Err(e),
    };
    super::meetings::after(&state, &actor, id, r, "decisions").await
}

// ---------------------------------------------------------------------------------------------
// 会议效能

#[derive(Debug, Default, Deserialize)]
struct FiguresParams {
    #[serde(default)]
    month: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "meeting_figures.html")]
struct FiguresPage {
    l: Layout,
    f: MeetingFigures,
}

async fn figures(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<FiguresParams>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .meetings()
        .figures(&actor, q.month.as_deref(), state.clock.now())
        .await?;
    Ok(FiguresPage {
        l: Layout::new(&state, &actor, "/meetings").await?,
        f,
    }
    .into_response())
}

/// The routes of 签到, 纪要 and 议定事项, and the monthly figures.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings/figures", get(figures))
        .route("/meetings/{id}/checkin", get(checkin_form).post(check_in))
        .route("/meetings/{id}/checkin/screen", get(screen))
        .route("/meetings/{id}/checkin/staff", post(check_in_by_staff))
        .route("/meetings/{id}/attendance.xlsx", get(attendance_xlsx))
        .route("/meetings/{id}/minutes", post(draft_minutes))
        .route("/meetings/{id}/decisions", post(set_decisions))
}

#[cfg(test)]
mod tests {
    use super::decisions_of;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_form_rows_read_as_decisions_and_empty_rows_are_left_out() {
        let d = decisions_of(&pairs(&[
            ("text_1", "修订应急预案"),
            ("lead_1", "12"),
            ("assist_1", "13"),
            ("assist_1", "14"),
            ("days_1", "10"),
            ("text_2", ""),
            ("lead_2", ""),
            ("text_3", "开展检查"),
            ("lead_3", "15"),
            ("deadline_3", "2026-12-31"),
        ]))
        .unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].assist_units, vec![13, 14]);
        assert_eq!(d[0].deadline_days, Some(10));
        assert_eq!(d[1].deadline.as_deref(), Some("2026-12-31"));
    }
}
