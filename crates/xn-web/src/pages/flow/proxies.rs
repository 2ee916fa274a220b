//! Proxies (委托: someone acts for one's post while one is away) and handover (工作交接: an
//! administrator moves all pending work of one post to another).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use serde::Deserialize;
use xn_domain::org::Permission;
use xn_service::{Actor, ServiceError, require};

use super::{at, chosen_post, done_message, refusal, unit_posts};
use crate::AppState;
use crate::error::{PageError, status_of};
use crate::extract::{CurrentUser, PageForm};
use crate::pages::Layout;

/// Beijing is UTC+8 all year.
const BEIJING_HOURS: i64 = 8;

/// A `datetime-local` value as the browser sends it, read as Beijing time.
fn beijing_input(
    field: &'static str,
    label: &str,
    raw: &str,
) -> Result<DateTime<Utc>, ServiceError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(ServiceError::invalid(field, format!("请填写{label}")));
    }
    let local = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| {
            ServiceError::invalid(field, format!("{label}格式有误，请按“年-月-日 时:分”填写"))
        })?;
    Ok((local - Duration::hours(BEIJING_HOURS)).and_utc())
}

/// An instant as a `datetime-local` value in Beijing time.
fn beijing_value(t: DateTime<Utc>) -> String {
    (t + Duration::hours(BEIJING_HOURS))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// A proxy as listed.
struct ProxyLine {
    id: i64,
    principal: String,
    proxy: String,
    from: String,
    until: String,
    reason: String,
    state: &'static str,
    active: bool,
    revocable: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "flow_proxies.html")]
struct ProxiesPage {
    l: Layout,
    proxies: Vec<ProxyLine>,
    posts: Vec<(i64, String)>,
    proxy: String,
    proxy_other: String,
    starts: String,
    ends: String,
    reason: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

/// What the proxy form holds.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ProxyForm {
    #[serde(default)]
    proxy: String,
    #[serde(default)]
    proxy_other: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    ends: String,
    #[serde(default)]
    reason: String,
}

async fn proxies_page(
    state: &AppState,
    actor: &Actor,
    form: ProxyForm,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<ProxiesPage, PageError> {
    require(actor, Permission::FlowWork)?;
    let now = state.clock.now();
    let proxies = state
        .services
        .my_proxies(actor, now)
        .await?
        .into_iter()
        .map(|p| ProxyLine {
            id: p.id,
            state: if p.active {
                "生效中"
            } else if p.ends_at <= now {
                "已到期"
            } else if p.mine {
                "未开始"
            } else {
                "未生效"
            },
            revocable: p.mine && p.ends_at > now,
            active: p.active,
            principal: p.principal,
            proxy: p.proxy,
            from: at(p.starts_at),
            until: at(p.ends_at),
            reason: p.reason,
        })
        .collect();
    Ok(ProxiesPage {
        l: Layout::new(state, actor, "/").await?,
        proxies,
        posts: unit_posts(state, actor).await?,
        proxy: form.proxy,
        proxy_other: form.proxy_other,
        starts: if form.starts.is_empty() {
            beijing_value(now)
        } else {
            form.starts
        },
        ends: form.ends,
        reason: form.reason,
        notice,
        error,
    })
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DoneQuery {
    #[serde(default)]
    ok: Option<String>,
}

/// `GET /proxies`: the proxies given by and to the acting post, and the form to give one.
pub(super) async fn list_proxies(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let notice = q.ok.as_deref().and_then(done_message);
    Ok(
        proxies_page(&state, &actor, ProxyForm::default(), notice, None)
            .await?
            .into_response(),
    )
}

/// `POST /proxies`: gives a proxy for the acting post.
pub(super) async fn give_proxy(
    State(state): State<AppState>,
    PageForm(actor, form): PageForm<ProxyForm>,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let asked = match (
        chosen_post("proxy", &form.proxy, &form.proxy_other),
        beijing_input("starts_at", "开始时间", &form.starts),
        beijing_input("ends_at", "结束时间", &form.ends),
    ) {
        (Ok(post), Ok(from), Ok(until)) => {
            state
                .services
                .create_proxy(&actor, post, from, until, &form.reason, now)
                .await
        }
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
    };
    match asked {
        Ok(_) => Ok(Redirect::to("/proxies?ok=proxy").into_response()),
        Err(e) => match refusal(&e) {
            Some(message) => {
                let page = proxies_page(&state, &actor, form, None, Some(message)).await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct Nothing {}

/// `POST /proxies/{id}/revoke`: ends a proxy the acting post gave.
pub(super) async fn revoke_proxy(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    PageForm(actor, Nothing {}): PageForm<Nothing>,
) -> Result<Response, PageError> {
    state
        .services
        .revoke_proxy(&actor, id, state.clock.now())
        .await?;
    Ok(Redirect::to("/proxies?ok=revoked").into_response())
}

// ---------------------------------------------------------------------------------------------
// Handover

#[derive(Template, WebTemplate)]
#[template(path = "flow_handover.html")]
struct HandoverPage {
    l: Layout,
    from: String,
    to: String,
    /// Names of the two posts, to confirm before anything moves.
    preview: Option<(String, String)>,
    moved: Option<usize>,
    error: Option<String>,
    /// Units to look posts up in: (id, name indented by depth).
    units: Vec<(i64, String)>,
    /// The unit looked at, and its posts: (id, "姓名 · 职务").
    unit: Option<i64>,
    unit_posts: Vec<(i64, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct MovedQuery {
    #[serde(default)]
    moved: Option<usize>,
    #[serde(default)]
    unit: Option<String>,
}

/// The handover page with its post finder.
#[expect(
    clippy::too_many_arguments,
    reason = "one page, drawn from every branch"
)]
async fn handover_page(
    state: &AppState,
    actor: &Actor,
    from: String,
    to: String,
    preview: Option<(String, String)>,
    moved: Option<usize>,
    error: Option<String>,
    unit: Option<i64>,
) -> Result<HandoverPage, PageError> {
    let units = state
        .services
        .unit_tree(actor)
        .await?
        .into_iter()
        .map(|u| (u.id, format!("{}{}", "　".repeat(u.depth), u.name)))
        .collect();
    let unit_posts = match unit {
        Some(id) => {
            let (_, _, _, posts) = state.services.unit_detail(actor, id).await?;
            posts
                .into_iter()
                .map(|p| {
                    let position = p.title.unwrap_or(p.position_name);
                    (p.id, format!("{} · {position}", p.person_name))
                })
                .collect()
        }
        None => Vec::new(),
    };
    Ok(HandoverPage {
        l: Layout::new(state, actor, "/admin").await?,
        from,
        to,
        preview,
        moved,
        error,
        units,
        unit,
        unit_posts,
    })
}

/// `GET /admin/handover` (流程管理): the handover form.
pub(super) async fn handover_form(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<MovedQuery>,
) -> Result<Response, PageError> {
    require(&actor, Permission::FlowAdmin)?;
    let unit = q.unit.and_then(|u| u.trim().parse::<i64>().ok());
    Ok(handover_page(
        &state,
        &actor,
        String::new(),
        String::new(),
        None,
        q.moved,
        None,
        unit,
    )
    .await?
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct HandoverForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /admin/handover`: first shows whose work goes to whom, then, confirmed, moves it.
pub(super) async fn handover(
    State(state): State<AppState>,
    PageForm(actor, form): PageForm<HandoverForm>,
) -> Result<Response, PageError> {
    require(&actor, Permission::FlowAdmin)?;
    let asked = async {
        let from = chosen_post("from", "", &form.from)?;
        let to = chosen_post("to", "", &form.to)?;
        if from == to {
            return Err(ServiceError::invalid("to", "交接双方不能是同一岗位"));
        }
        if form.confirm != "yes" {
            let names = state.services.post_names(&[from, to]).await?;
            let name = |id: i64| {
                names
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| ServiceError::invalid("from", format!("岗位 {id} 不存在")))
            };
            return Ok(Err((name(from)?, name(to)?)));
        }
        let moved = state
            .services
            .handover(&actor, from, to, state.clock.now())
            .await?;
        Ok::<Result<usize, (String, String)>, ServiceError>(Ok(moved))
    };
    match asked.await {
        Ok(Ok(moved)) => {
            Ok(Redirect::to(&format!("/admin/handover?moved={moved}")).into_response())
        }
        Ok(Err(preview)) => Ok(handover_page(
            &state,
            &actor,
            form.from,
            form.to,
            Some(preview),
            None,
            None,
            None,
        )
        .await?
        .into_response()),
        Err(e) => match refusal(&e) {
            Some(message) => {
                let page = handover_page(
                    &state,
                    &actor,
                    form.from,
                    form.to,
                    None,
                    None,
                    Some(message),
                    None,
                )
                .await?;
                Ok((status_of(&e), page).into_response())
            }
            None => Err(e.into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datetime_typed_in_beijing_is_stored_eight_hours_earlier_in_utc() {
        let t = beijing_input("starts_at", "开始时间", "2026-10-08T09:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-10-08T01:30:00+00:00");
        assert_eq!(beijing_value(t), "2026-10-08T09:30");
    }

    #[test]
    fn an_unreadable_datetime_says_which_field_in_chinese() {
        let e = beijing_input("ends_at", "结束时间", "明天").unwrap_err();
        assert!(e.to_string().contains("结束时间格式有误"));
    }
}
