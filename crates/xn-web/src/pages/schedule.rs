//! 领导日程 pages: a leader's week (`/schedule?leader=&week=`: meetings and own engagements by
//! day, clashes flagged), the form a keeper writes an engagement with (`&edit=` fills it from
//! one), cancelling, and naming the keepers (`/schedule/keepers?leader=`). Every rule is the
//! service's; the page offers only what it allows.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Duration, NaiveDate};
use serde::Deserialize;
use xn_domain::schedule::ScheduleKind;
use xn_service::Actor;
use xn_service::meetings::{
    KeeperOptions, KeepersInput, ScheduleInput, ScheduleItem, ScheduleWeek,
};

use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;
use crate::respond::respond;

/// Where the menu marks these pages.
const ACTIVE: &str = "/meetings";

fn today(state: &AppState) -> NaiveDate {
    xn_domain::calendar::business_date(state.clock.now())
}

#[derive(Debug, Default, Deserialize)]
struct WeekParams {
    #[serde(default)]
    leader: Option<i64>,
    #[serde(default)]
    week: Option<NaiveDate>,
    #[serde(default)]
    edit: Option<i64>,
    #[serde(default)]
    ok: Option<String>,
}

fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "added" => "日程已添加。",
        "changed" => "日程已修改。",
        "cancelled" => "日程已取消。",
        "keepers" => "日程管理人员已保存。",
        _ => return None,
    })
}

/// The engagement form's fields (kept on an error).
#[derive(Debug, Clone, Default, Deserialize)]
struct EntryForm {
    #[serde(default)]
    leader: String,
    #[serde(default)]
    week: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    /// `private` when only the leader and keepers read it.
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    note: String,
}

impl WeekPage {
    /// Whether the viewer reads their own week.
    fn own(&self) -> bool {
        self.me == Some(self.w.leader_post_id)
    }
}

impl EntryForm {
    fn of(item: &ScheduleItem) -> Self {
        EntryForm {
            kind: item.kind.clone(),
            title: item.title.clone(),
            place: item.place.clone(),
            starts_at: item.starts_at.clone(),
            ends_at: item.ends_at.clone(),
            visibility: if item.public { "public" } else { "private" }.into(),
            note: item.note.clone(),
            ..EntryForm::default()
        }
    }

    fn input(&self, leader: i64) -> ScheduleInput {
        ScheduleInput {
            leader_post_id: leader,
            kind: self.kind.clone(),
            title: self.title.clone(),
            place: self.place.clone(),
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            public: self.visibility != "private",
            note: self.note.clone(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "schedule.html")]
struct WeekPage {
    l: Layout,
    w: ScheduleWeek,
    prev: NaiveDate,
    next: NaiveDate,
    today: NaiveDate,
    kinds: Vec<(&'static str, &'static str)>,
    /// The entry being changed.
    editing: Option<i64>,
    /// The acting post.
    me: Option<i64>,
    f: EntryForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// Which week of whose, and the entry being changed.
#[derive(Debug, Clone, Copy)]
struct At {
    leader: Option<i64>,
    week: NaiveDate,
    editing: Option<i64>,
}

async fn week_page(
    state: &AppState,
    actor: &Actor,
    at: At,
    form: Option<EntryForm>,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<WeekPage, PageError> {
    let At {
        leader,
        week,
        editing,
    } = at;
    let w = state
        .services
        .meetings()
        .schedule_week(actor, leader, week)
        .await?;
    let monday = xn_service::meetings::monday_of(week);
    let f = match form {
        Some(f) => f,
        None => editing
            .and_then(|id| {
                w.days
                    .iter()
                    .flat_map(|d| d.items.iter())
                    .find(|i| i.source == "entry" && i.id == Some(id) && i.may_edit)
                    .map(EntryForm::of)
            })
            .unwrap_or_else(|| {
                let t = today(state);
                let day = if t > monday && t < monday + Duration::days(7) {
                    t
                } else {
                    monday
                };
                EntryForm {
                    kind: "research".into(),
                    starts_at: format!("{day}T09:00"),
                    ends_at: format!("{day}T11:00"),
                    visibility: "public".into(),
                    ..EntryForm::default()
                }
            }),
    };
    Ok(WeekPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        w,
        prev: monday - Duration::days(7),
        next: monday + Duration::days(7),
        today: today(state),
        kinds: ScheduleKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        editing,
        me: actor.post_id(),
        f,
        notice,
        error,
    })
}

async fn show(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<WeekParams>,
) -> Result<Response, PageError> {
    let week = q.week.unwrap_or_else(|| today(&state));
    let notice = q.ok.as_deref().and_then(notice);
    Ok(week_page(
        &state,
        &actor,
        At {
            leader: q.leader,
            week,
            editing: q.edit,
        },
        None,
        notice,
        None,
    )
    .await?
    .into_response())
}

fn leader_and_week(state: &AppState, f: &EntryForm) -> (Option<i64>, NaiveDate) {
    (
        f.leader.trim().parse().ok(),
        NaiveDate::parse_from_str(f.week.trim(), "%Y-%m-%d").unwrap_or_else(|_| today(state)),
    )
}

async fn add(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<EntryForm>,
) -> Result<Response, PageError> {
    let (leader, week) = leader_and_week(&state, &f);
    let result = state
        .services
        .meetings()
        .add_schedule(
            &actor,
            &f.input(leader.unwrap_or_default()),
            state.clock.now(),
        )
        .await;
    respond(
        result,
        |_| {
            format!(
                "/schedule?leader={}&week={}&ok=added",
                leader.unwrap_or_default(),
                week_of(&f.starts_at).unwrap_or(week)
            )
        },
        |msg| {
            let at = At {
                leader,
                week,
                editing: None,
            };
            week_page(&state, &actor, at, Some(f.clone()), None, Some(msg))
        },
    )
    .await
}

/// The week an engagement starts in, so that the page shows it after it is written.
fn week_of(starts_at: &str) -> Option<NaiveDate> {
    starts_at
        .trim()
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

async fn change(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<EntryForm>,
) -> Result<Response, PageError> {
    let (leader, week) = leader_and_week(&state, &f);
    let result = state
        .services
        .meetings()
        .change_schedule(
            &actor,
            id,
            &f.input(leader.unwrap_or_default()),
            state.clock.now(),
        )
        .await;
    respond(
        result,
        |()| {
            format!(
                "/schedule?leader={}&week={}&ok=changed",
                leader.unwrap_or_default(),
                week_of(&f.starts_at).unwrap_or(week)
            )
        },
        |msg| {
            let at = At {
                leader,
                week,
                editing: Some(id),
            };
            week_page(&state, &actor, at, Some(f.clone()), None, Some(msg))
        },
    )
    .await
}

async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, f): PageForm<EntryForm>,
) -> Result<Response, PageError> {
    let (leader, week) = leader_and_week(&state, &f);
    let result = state
        .services
        .meetings()
        .cancel_schedule(&actor, id, state.clock.now())
        .await;
    respond(
        result,
        |()| {
            format!(
                "/schedule?leader={}&week={week}&ok=cancelled",
                leader.unwrap_or_default()
            )
        },
        |msg| {
            let at = At {
                leader,
                week,
                editing: None,
            };
            week_page(&state, &actor, at, None, None, Some(msg))
        },
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
struct LeaderParams {
    #[serde(default)]
    leader: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "schedule_keepers.html")]
struct KeepersPage {
    l: Layout,
    k: KeeperOptions,
    leader: String,
    error: Option<String>,
}

async fn keepers_page(
    state: &AppState,
    actor: &Actor,
    leader: Option<i64>,
    error: Option<String>,
) -> Result<KeepersPage, PageError> {
    let m = state.services.meetings();
    let k = m.keeper_options(actor, leader).await?;
    let w = m
        .schedule_week(actor, Some(k.leader_post_id), today(state))
        .await?;
    Ok(KeepersPage {
        l: Layout::new(state, actor, ACTIVE).await?,
        k,
        leader: w.leader,
        error,
    })
}

async fn show_keepers(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<LeaderParams>,
) -> Result<Response, PageError> {
    Ok(keepers_page(&state, &actor, q.leader, None)
        .await?
        .into_response())
}

async fn save_keepers(
    State(state): State<AppState>,
    PageForm(actor, f): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let leader: i64 = f
        .iter()
        .find(|(k, _)| k == "leader")
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or_default();
    let keepers: Vec<i64> = f
        .iter()
        .filter(|(k, _)| k == "keeper")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let result = state
        .services
        .meetings()
        .set_keepers(
            &actor,
            &KeepersInput {
                leader_post_id: leader,
                keepers,
            },
            state.clock.now(),
        )
        .await;
    respond(
        result,
        |()| format!("/schedule?leader={leader}&ok=keepers"),
        |msg| keepers_page(&state, &actor, Some(leader), Some(msg)),
    )
    .await
}

/// The 领导日程 pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/schedule", get(show))
        .route("/schedule/entries", post(add))
        .route("/schedule/entries/{id}", post(change))
        .route("/schedule/entries/{id}/cancel", post(cancel))
        .route("/schedule/keepers", get(show_keepers).post(save_keepers))
}
