//! 办事与服务: requests from the public and the grassroots (服务事项), handled on time.
//!
//! A request is a row of `service_requests` from the moment it is submitted on the public page
//! or registered by the office (电话, 来信, 来访 …); at 受理 a flow case of
//! `processes/service_request.toml` starts for it, and the flow engine moves it through 派单,
//! 签收 (or 退单), 承办, 答复审核 and 回访 to 办结, calling the hooks inside each action. The
//! area keeps what the engine does not know: the category's limit in working days and the
//! request's own deadline (moved only by an approved 延期), the 退单 counted per unit, the 回访
//! results per unit and month, the requester's progress log, and the public form's limits.
//!
//! The front door is [`Service`] (`services.service()`). The office's dispatchers (the 秘书
//! and the directors of the receiving government's office) hold a [`DispatcherCap`]: they
//! accept, merge, decline, dispatch, review answers, 回访 and decide 延期. The lead unit's post
//! signs, returns, answers and asks for 延期; the lead and assisting units read their requests.
//! The requester's name and phone are shown only to those handling the request, masked in
//! lists. One file per use case: `intake` (the public form, its challenge and limits, the
//! office's registration), `handling` (the loop), `views` (lists, a request's page, tracking),
//! `hot` (热点分析: a month by category and place),
//! `hooks` (the step contract and what each flow action does to the row), `demo`.

mod demo;
mod handling;
pub(crate) mod hooks;
mod hot;
mod intake;
mod internal;
pub(crate) mod urges;
mod views;

use chrono::{DateTime, NaiveDate, Utc};
use sm3::Digest;
use xn_domain::calendar::OfficeHours;
use xn_domain::calendar::hours::{from_shanghai_local, to_shanghai_local};
use xn_domain::org::{Permission, UnitChain, UnitKind};
use xn_domain::service::RequestState;
use xn_store::Tx;
use xn_store::service::{self as store, RequestRow};

use crate::{Actor, Result, ServiceError, Services, require};

pub use handling::{DispatchInput, ExtensionInput};
pub use hot::{HotCell, HotLine, HotView};
pub use intake::{Challenge, PublicInput, RegisterInput, Submitted};
pub use internal::InternalInput;
pub use urges::UrgeView;
pub use views::{
    DispatchOption, ExtensionView, ListView, RequestDetail, RequestLine, ServiceDesk, TrackStep,
    Tracking, UnitLoadView, VisitView,
};

/// The positions whose posts in a government's office accept and dispatch its requests: the
/// 秘书 of the office's sections and the office's 主任 and 副主任.
pub const DISPATCHER_POSITIONS: [&str; 3] = ["secretary", "director", "deputy_director"];

/// 办事与服务's front door: `services.service()`.
#[derive(Clone, Copy)]
pub struct Service<'a> {
    svc: &'a Services,
}

impl Services {
    /// The service-request area (办事与服务).
    pub fn service(&self) -> Service<'_> {
        Service { svc: self }
    }
}

/// A dispatcher's right (受理, 派单, 答复审核, 回访, 延期审批) over one government's requests:
/// made only by [`Service::as_dispatcher`] for an actor acting as 秘书, 主任 or 副主任 in that
/// government's office (or a section of it).
#[derive(Debug)]
pub struct DispatcherCap<'a> {
    actor: &'a Actor,
    post: i64,
    government: i64,
    office: i64,
}

impl DispatcherCap<'_> {
    /// The government whose requests the actor dispatches.
    pub fn government(&self) -> i64 {
        self.government
    }

    /// The acting post.
    pub fn post(&self) -> i64 {
        self.post
    }

    /// The office the actor works in: the government's office.
    pub fn office(&self) -> i64 {
        self.office
    }
}

impl Service<'_> {
    /// The dispatcher's right, refused to anyone not acting as a dispatcher.
    pub async fn as_dispatcher<'b>(&self, actor: &'b Actor) -> Result<DispatcherCap<'b>> {
        self.dispatcher(actor).await?.ok_or_else(|| {
            ServiceError::Forbidden("只有政府办公室（厅）的秘书和主任、副主任可以受理和派单".into())
        })
    }

    /// The dispatcher's right if the actor has it (for what a page offers).
    pub async fn dispatcher<'b>(&self, actor: &'b Actor) -> Result<Option<DispatcherCap<'b>>> {
        let Some(post) = actor.post.as_ref() else {
            return Ok(None);
        };
        if !actor.has(Permission::FlowWork) {
            return Ok(None);
        }
        let mut tx = self.svc.db().begin_read().await?;
        let Some((position, unit)) = store::active_post(&mut tx, post.id).await? else {
            return Ok(None);
        };
        if !DISPATCHER_POSITIONS.contains(&position.as_str()) {
            return Ok(None);
        }
        let chain = self.svc.unit_chain(&mut tx, unit).await?;
        drop(tx);
        let Some(office) = chain.office().filter(|o| o.kind == UnitKind::Office) else {
            return Ok(None);
        };
        let Some(government) = chain.government() else {
            return Ok(None);
        };
        Ok(Some(DispatcherCap {
            actor,
            post: post.id,
            government: government.id,
            office: office.id,
        }))
    }

    /// Who the actor is to a request: a dispatcher of its government, its lead post, or a post
    /// of its lead or an assisting unit. Anyone else is told it does not exist.
    async fn role(&self, actor: &Actor, r: &RequestRow) -> Result<Role> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        if let Some(cap) = self.dispatcher(actor).await?
            && cap.government == r.government_id
        {
            return Ok(Role::Dispatcher);
        }
        if r.lead_post_id == Some(post.id) {
            return Ok(Role::Lead);
        }
        if r.requester_post_id == Some(post.id) {
            return Ok(Role::Requester);
        }
        // 内部办事 is led by a post of the office itself: the rest of the office (every
        // section) does not read its colleagues' requests.
        if r.channel == xn_domain::service::Channel::Internal.code() {
            return Err(ServiceError::NotFound("服务事项"));
        }
        let mut tx = self.svc.db().begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, post.unit_id).await?;
        drop(tx);
        if r.lead_unit_id.is_some_and(|u| chain.contains(u)) {
            return Ok(Role::Unit);
        }
        let assists = store::assists(self.svc.db(), r.id).await?;
        if assists.iter().any(|(u, _)| chain.contains(*u)) {
            return Ok(Role::Unit);
        }
        Err(ServiceError::NotFound("服务事项"))
    }

    /// A request the actor may read, with the actor's role.
    async fn reachable(&self, actor: &Actor, id: i64) -> Result<(RequestRow, Role)> {
        let r = store::find(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("服务事项"))?;
        let role = self.role(actor, &r).await?;
        Ok((r, role))
    }
}

/// The actor's part in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A dispatcher of the government it was addressed to.
    Dispatcher,
    /// The lead unit's responsible post.
    Lead,
    /// Another post of the lead unit, or of an assisting unit.
    Unit,
    /// The staff post that asked (an internal request).
    Requester,
}

fn state_of(r: &RequestRow) -> Result<RequestState> {
    RequestState::from_code(&r.state).ok_or_else(|| {
        ServiceError::Internal(anyhow::anyhow!("request {} has state {}", r.id, r.state))
    })
}

/// Where a limit ends: `days` working days after the Beijing day of `from`, at the end of that
/// day; or, given `hours`, that many working hours (office hours on working days) after `from`.
fn limit_end(
    cal: &xn_domain::calendar::Calendar,
    days: i64,
    hours: Option<i64>,
    from: DateTime<Utc>,
) -> (NaiveDate, DateTime<Utc>) {
    match hours {
        Some(h) => {
            let minutes = u32::try_from(h.clamp(1, 240) * 60).unwrap_or(60);
            let local =
                cal.add_working_hours(to_shanghai_local(from), minutes, &OfficeHours::default());
            (local.date(), from_shanghai_local(local))
        }
        None => {
            let n = u32::try_from(days.clamp(1, 60)).unwrap_or(13);
            let day = cal
                .add_working_days(xn_domain::calendar::business_date(from), n)
                .date;
            (day, xn_domain::flow::ladder::end_of(day))
        }
    }
}

/// A deadline in the requester's words: the day, and the time too for a limit in hours.
fn limit_words(hours: Option<i64>, at: DateTime<Utc>) -> String {
    match hours {
        Some(_) => to_shanghai_local(at).format("%Y-%m-%d %H:%M").to_string(),
        None => xn_domain::calendar::business_date(at - chrono::TimeDelta::seconds(1)).to_string(),
    }
}

/// Whether an answer came after its limit: by the instants where both are kept, else (a request
/// answered before migration 0054) by the days.
pub(crate) fn answered_late(r: &RequestRow) -> bool {
    match (r.answered_at, r.deadline_at) {
        (Some(a), Some(d)) => a > d,
        _ => match (&r.answered_on, &r.deadline) {
            (Some(a), Some(d)) => a > d,
            _ => false,
        },
    }
}

fn parse_day(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| ServiceError::Internal(anyhow::anyhow!("bad stored date {s}")))
}

/// SM3 of a value, hex: how an address and a phone are counted and found without being read.
fn digest(v: &str) -> String {
    hex::encode(sm3::Sm3::digest(format!("xiaoneng-service:{v}").as_bytes()))
}

/// Checks a text's length in characters, trimmed.
pub(crate) fn bounded(
    field: &'static str,
    label: &str,
    v: &str,
    min: usize,
    max: usize,
) -> Result<String> {
    let t = v.trim();
    let n = t.chars().count();
    if n < min {
        return Err(ServiceError::invalid(
            field,
            if min <= 1 {
                format!("请填写{label}")
            } else {
                format!("{label}至少 {min} 个字")
            },
        ));
    }
    if n > max {
        return Err(ServiceError::invalid(
            field,
            format!("{label}不能超过 {max} 个字"),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(ServiceError::invalid(
            field,
            format!("{label}含有不可见字符"),
        ));
    }
    Ok(t.to_owned())
}

/// The unit a post leads a request for: the unit directly under the government in the post's
/// chain (a county's government, a bureau, a section of the office).
fn lead_unit_of(chain: &UnitChain, government: i64) -> Option<i64> {
    let units = &chain.0;
    let at = units.iter().position(|u| u.id == government)?;
    at.checked_sub(1).and_then(|i| units.get(i)).map(|u| u.id)
}

impl Services {
    /// The dispatchers of a government: the posts of [`DISPATCHER_POSITIONS`] in its office.
    pub(crate) async fn service_dispatchers(
        &self,
        tx: &mut Tx,
        government: i64,
    ) -> Result<Vec<i64>> {
        let Some(office) = store::office_of_government(tx, government).await? else {
            return Ok(Vec::new());
        };
        Ok(store::posts_in_office(tx, office, &DISPATCHER_POSITIONS).await?)
    }
}
