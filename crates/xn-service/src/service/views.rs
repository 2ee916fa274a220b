//! What the area shows: the lists (待受理, 待派单, my unit's, 超期, 退单, 重办), a request's page
//! with what the viewer may do, the dispatcher's view of each unit's load, the 办理 page's part,
//! and the requester's tracking page, which names no staff and shows no one else's data.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use xn_domain::calendar::business_date;
use xn_domain::calendar::hours::to_shanghai_local;
use xn_domain::service::{self as domain, Channel, RequestState, Standing, Urgency, VisitResult};
use xn_store::service::{self as store, ListFilter, RequestRow};

use super::urges::UrgeView;
use super::{Role, Service, lead_unit_of, parse_day, state_of};
use crate::files::AttachmentFile;
use crate::{Actor, Result, ServiceError};

/// The unit of `units` that a 地点 names (清河县 in 「清河县城关镇…」): its short name without
/// 人民政府 / 政府 / 政府办, at least two characters, found in the text.
pub(crate) fn unit_named_in<'u>(
    units: &'u [(i64, String)],
    location: &str,
) -> Option<&'u (i64, String)> {
    units.iter().find(|(_, name)| {
        let core = name
            .trim_end_matches("政府办")
            .trim_end_matches("政府")
            .trim_end_matches("人民");
        core.chars().count() >= 2 && location.contains(core)
    })
}

/// Working days before the deadline at which a request is 临期, and past it after which a
/// 黄牌 becomes a 红牌 (the process's ladder).
const DUE_SOON_DAYS: u32 = 1;
const RED_AFTER_DAYS: u32 = 3;

/// A line of a list: the requester masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestLine {
    /// Id.
    pub id: i64,
    /// 查询码.
    pub code: String,
    /// 类别.
    pub category: String,
    /// 来源渠道.
    pub channel: String,
    /// 诉求人, masked (张**, 匿名).
    pub requester: String,
    /// 电话, masked (138****5678).
    pub phone: String,
    /// 地点.
    pub location: String,
    /// The content's first 40 characters.
    pub summary: String,
    /// 紧急程度.
    pub urgency: String,
    /// State code.
    pub state: String,
    /// Its name.
    pub state_label: String,
    /// 承办单位.
    pub lead_unit: String,
    /// 受理日期 (Beijing).
    pub received_on: String,
    /// 办理时限.
    pub deadline: String,
    /// 正常 / 临期 / 黄牌 / 红牌 while a unit owes work; empty otherwise.
    pub standing: String,
    /// 重办 rounds.
    pub reworks: i64,
    /// The outcome's name once closed (满意 …).
    pub outcome: String,
}

/// A list of requests.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = service::ListView)]
pub struct ListView {
    /// The tab: accept, dispatch, mine, overdue, returned, reworked, all.
    pub tab: String,
    /// Whether the viewer dispatches (sees 待受理 and 待派单).
    pub dispatcher: bool,
    /// The lines.
    pub lines: Vec<RequestLine>,
}

/// A unit's figures beside the 派单 form.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitLoadView {
    /// Unit.
    pub unit_id: i64,
    /// Its name.
    pub unit: String,
    /// Open requests it leads.
    pub open: i64,
    /// Closed.
    pub closed: i64,
    /// 按时办结率, percent (none before its first closing).
    pub on_time_rate: Option<i64>,
    /// 退单 made.
    pub returns: i64,
}

/// A post a request may be dispatched to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DispatchOption {
    /// Post.
    pub post_id: i64,
    /// The lead unit it makes.
    pub unit_id: i64,
    /// "unit · position person".
    pub label: String,
    /// Suggested (from the place, else the category's usual unit).
    pub suggested: bool,
}

/// A 延期申请 as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = service::ExtensionView)]
pub struct ExtensionView {
    /// Unit.
    pub unit: String,
    /// Days.
    pub days: i64,
    /// Why.
    pub reason: String,
    /// 待审批 / 已批准 / 未批准.
    pub state: String,
    /// The deadline before, and after if approved.
    pub old_deadline: String,
    /// New deadline.
    pub new_deadline: String,
    /// The decision's note.
    pub note: String,
    /// When asked (Beijing).
    pub at: String,
}

/// A 回访 as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VisitView {
    /// Round (2: after 重办).
    pub round: i64,
    /// 满意 / 基本满意 / 不满意.
    pub result: String,
    /// Reason.
    pub reason: String,
    /// 电话回访 / 群众评价.
    pub via: String,
    /// When.
    pub at: String,
}

/// A line of the requester's progress.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrackStep {
    /// When (Beijing).
    pub at: String,
    /// The step in words.
    pub step: String,
    /// What the requester is told.
    pub note: String,
}

/// A request's page for those handling it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestDetail {
    /// The line.
    pub line: RequestLine,
    /// The case, from 受理 on.
    pub case_id: Option<i64>,
    /// 诉求人 in full (匿名 when anonymous).
    pub requester_name: String,
    /// 电话 in full.
    pub phone: String,
    /// 诉求内容.
    pub description: String,
    /// 受理机关.
    pub government: String,
    /// 协办单位.
    pub assists: Vec<String>,
    /// Files: (seq, name).
    pub files: Vec<(i64, String)>,
    /// The lead post's latest answer.
    pub answer: String,
    /// The answer the requester reads.
    pub answer_public: String,
    /// 不予受理 reason.
    pub decline_reason: String,
    /// Merged into (id, code).
    pub merged_into: Option<(i64, String)>,
    /// Merged here: codes.
    pub merged_here: Vec<String>,
    /// 退单: (unit, reason, when).
    pub returns: Vec<(String, String, String)>,
    /// 延期申请.
    pub extensions: Vec<ExtensionView>,
    /// 回访.
    pub visits: Vec<VisitView>,
    /// Progress as the requester reads it.
    pub progress: Vec<TrackStep>,
    /// 催办通知书 and 通报 issued.
    pub urges: Vec<UrgeView>,
    /// An internal request (内部办事) of the office's own staff.
    pub internal: bool,
    /// The viewer is the one who asked (an internal request).
    pub asker: bool,
    /// The viewer asked (an internal request) and may rate the answer now.
    pub can_rate: bool,
    /// What the viewer may do now.
    pub can_accept: bool,
    /// 派单.
    pub can_dispatch: bool,
    /// 签收 / 退单.
    pub can_sign: bool,
    /// 答复 / 退单.
    pub can_answer: bool,
    /// 答复审核.
    pub can_review: bool,
    /// 回访.
    pub can_visit: bool,
    /// 延期申请.
    pub can_ask_extension: bool,
    /// 延期审批.
    pub can_decide_extension: bool,
    /// Open requests this one may be merged into: (id, code, summary).
    pub merge_targets: Vec<(i64, String, String)>,
    /// Where it may be dispatched.
    pub dispatch_options: Vec<DispatchOption>,
    /// Units under the government, for 协办: (id, name).
    pub units: Vec<(i64, String)>,
    /// Each unit's load.
    pub loads: Vec<UnitLoadView>,
}

/// The area's part of the 办理 page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceDesk {
    /// The request.
    pub detail: RequestDetail,
}

/// What the requester reads on the tracking page: no staff names, nothing of anyone else.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tracking {
    /// 查询码.
    pub code: String,
    /// 类别.
    pub category: String,
    /// 提交日期.
    pub received_on: String,
    /// Where it stands, in the requester's words.
    pub state: String,
    /// 办理时限, once accepted.
    pub deadline: String,
    /// The steps so far.
    pub steps: Vec<TrackStep>,
    /// The approved answer.
    pub answer: String,
    /// 不予受理's reason.
    pub decline_reason: String,
    /// Merged with another request: its progress and answer are shown here.
    pub merged: bool,
    /// Whether the requester may rate the answer now.
    pub can_rate: bool,
    /// The ratings given: 满意 …
    pub ratings: Vec<String>,
}

fn when(ms: i64) -> String {
    to_shanghai_local(crate::from_ms(ms))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

impl Service<'_> {
    /// The ladder's standing of a request owing work, as of today.
    async fn standing(&self, r: &RequestRow, now: DateTime<Utc>) -> Result<String> {
        let today = business_date(now);
        let owes = RequestState::from_code(&r.state).is_some_and(RequestState::owes_work);
        let Some(deadline) = r.deadline.as_deref().filter(|_| owes) else {
            return Ok(String::new());
        };
        let deadline = parse_day(deadline)?;
        let cal = self.svc.flow_calendar().await?;
        // A limit in hours has passed at its instant, not at the end of its day.
        let within = match r.deadline_at {
            Some(at) => crate::ms(now) <= at,
            None => today <= deadline,
        };
        let s = if within {
            let left = u32::try_from(cal.working_days_between(today, deadline)).unwrap_or(0);
            Standing::of(Some(left), 0, DUE_SOON_DAYS, RED_AFTER_DAYS)
        } else {
            let late = u32::try_from(cal.working_days_between(deadline, today)).unwrap_or(0);
            Standing::of(None, late, DUE_SOON_DAYS, RED_AFTER_DAYS)
        };
        Ok(s.label().into())
    }

    async fn line(&self, r: &RequestRow, now: DateTime<Utc>) -> Result<RequestLine> {
        let state = state_of(r)?;
        Ok(RequestLine {
            id: r.id,
            code: r.code.clone(),
            category: r.category_name.clone(),
            channel: Channel::from_code(&r.channel)
                .map_or("", Channel::label)
                .into(),
            requester: domain::mask_name(&r.requester_name, r.anonymous != 0),
            phone: domain::mask_phone(&r.phone),
            location: r.location.clone(),
            summary: r.description.chars().take(40).collect(),
            urgency: Urgency::from_code(&r.urgency)
                .map_or("", Urgency::label)
                .into(),
            state: r.state.clone(),
            state_label: state.label().into(),
            lead_unit: r.lead_unit_name.clone().unwrap_or_default(),
            received_on: r.received_on.clone(),
            deadline: match (r.limit_hours, r.deadline_at) {
                (Some(_), Some(at)) => when(at),
                _ => r.deadline.clone().unwrap_or_default(),
            },
            standing: self.standing(r, now).await?,
            reworks: r.reworks,
            outcome: outcome_label(&r.outcome).into(),
        })
    }

    /// A list: `tab` is one of accept (待受理), dispatch (待派单), mine (my unit's, optionally
    /// in one `state`), overdue (超期), returned (退单), reworked (重办), all.
    pub async fn list(
        &self,
        actor: &Actor,
        tab: &str,
        state: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<ListView> {
        crate::require(actor, xn_domain::org::Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let cap = self.dispatcher(actor).await?;
        let mut tx = self.svc.db().begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, post.unit_id).await?;
        drop(tx);
        let today = business_date(now);
        let mut f = ListFilter {
            governments: cap.iter().map(|c| c.government).collect(),
            units: chain.0.iter().map(|u| u.id).collect(),
            viewer_post: post.id,
            limit: 500,
            ..ListFilter::default()
        };
        let tab = match tab {
            "accept" | "dispatch" if cap.is_some() => {
                f.units.clear();
                f.states = vec![
                    if tab == "accept" {
                        "received"
                    } else {
                        "dispatching"
                    }
                    .into(),
                ];
                tab
            }
            "mine" => {
                f.governments.clear();
                if let Some(s) = state.filter(|s| RequestState::from_code(s).is_some()) {
                    f.states = vec![s.into()];
                }
                "mine"
            }
            "overdue" => {
                f.overdue_before = Some(today.to_string());
                f.overdue_at = crate::ms(now);
                "overdue"
            }
            "returned" => {
                f.returned = true;
                "returned"
            }
            "reworked" => {
                f.reworked = true;
                "reworked"
            }
            "urged" => {
                f.urged = true;
                "urged"
            }
            "applied" => {
                f.requester_post = Some(post.id);
                "applied"
            }
            "all" => "all",
            _ if cap.is_some() => {
                f.units.clear();
                f.states = vec!["received".into()];
                "accept"
            }
            _ => {
                f.governments.clear();
                "mine"
            }
        };
        let rows = store::list(self.svc.db(), &f).await?;
        let mut lines = Vec::with_capacity(rows.len());
        for r in &rows {
            lines.push(self.line(r, now).await?);
        }
        Ok(ListView {
            tab: tab.into(),
            dispatcher: cap.is_some(),
            lines,
        })
    }

    /// A request's page, for a dispatcher of its government or its lead or assisting units.
    pub async fn get(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<RequestDetail> {
        let (r, role) = self.reachable(actor, id).await?;
        self.detail(actor, &r, role, now).await
    }

    /// A file of a request (`seq` from its detail), for whoever may open the request.
    pub async fn file(&self, actor: &Actor, id: i64, seq: i64) -> Result<AttachmentFile> {
        let (r, _) = self.reachable(actor, id).await?;
        let db = self.svc.db();
        let (_, name, mime, _, hash) = store::files_of(db, r.id)
            .await?
            .into_iter()
            .find(|f| f.0 == seq)
            .ok_or(ServiceError::NotFound("附件"))?;
        Ok(AttachmentFile {
            name,
            mime,
            bytes: self.svc.file_bytes(&hash).await?,
        })
    }

    async fn detail(
        &self,
        actor: &Actor,
        r: &RequestRow,
        role: Role,
        now: DateTime<Utc>,
    ) -> Result<RequestDetail> {
        let db = self.svc.db();
        let state = state_of(r)?;
        let post = actor.post_id().unwrap_or_default();
        let mut tx = db.begin_read().await?;
        let mut mine = Vec::new();
        for step in [
            super::hooks::steps::DISPATCH,
            super::hooks::steps::SIGN,
            super::hooks::steps::HANDLE,
            super::hooks::steps::REVIEW,
            super::hooks::steps::VISIT,
        ] {
            if let Some(case) = r.case_id
                && store::open_task(&mut tx, case, step, post).await?.is_some()
            {
                mine.push(step);
            }
        }
        let pending = store::pending_extension(&mut tx, r.id).await?;
        drop(tx);
        let dispatcher = role == Role::Dispatcher;
        let merged_into = match r.merged_into {
            Some(t) => {
                let t = store::find(db, t).await?;
                Some((t.id, t.code))
            }
            None => None,
        };
        let merged_here: Vec<String> = store::merged_into(db, r.id)
            .await?
            .into_iter()
            .map(|m| m.code)
            .collect();
        let can_dispatch = dispatcher && mine.contains(&super::hooks::steps::DISPATCH);
        let (dispatch_options, units, loads) = if can_dispatch {
            self.dispatch_view(r).await?
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        let can_accept = dispatcher && state == RequestState::Received;
        Ok(RequestDetail {
            line: self.line(r, now).await?,
            case_id: r.case_id,
            requester_name: if r.anonymous != 0 {
                "匿名".into()
            } else {
                r.requester_name.clone()
            },
            phone: r.phone.clone(),
            description: r.description.clone(),
            government: r.government_name.clone(),
            assists: store::assists(db, r.id)
                .await?
                .into_iter()
                .map(|a| a.1)
                .collect(),
            files: store::files_of(db, r.id)
                .await?
                .into_iter()
                .map(|f| (f.0, f.1))
                .collect(),
            answer: r.answer.clone(),
            answer_public: r.answer_public.clone(),
            decline_reason: r.decline_reason.clone(),
            merged_into,
            merged_here,
            returns: store::returns_of(db, r.id)
                .await?
                .into_iter()
                .map(|(u, why, at)| (u, why, when(at)))
                .collect(),
            extensions: store::extensions_of(db, r.id)
                .await?
                .into_iter()
                .map(|e| ExtensionView {
                    unit: e.unit_name,
                    days: e.days,
                    reason: e.reason,
                    state: match e.state.as_str() {
                        "pending" => "待审批",
                        "approved" => "已批准",
                        _ => "未批准",
                    }
                    .into(),
                    old_deadline: e.old_deadline,
                    new_deadline: e.new_deadline,
                    note: e.decision_note,
                    at: when(e.created_at),
                })
                .collect(),
            visits: store::visits_of(db, r.id)
                .await?
                .into_iter()
                .map(|(round, result, reason, via, at)| VisitView {
                    round,
                    result: VisitResult::from_code(&result)
                        .map_or("", VisitResult::label)
                        .into(),
                    reason,
                    via: match (via.as_str(), r.channel == Channel::Internal.code()) {
                        ("phone", _) => "电话回访",
                        (_, true) => "申请人评价",
                        _ => "群众评价",
                    }
                    .into(),
                    at: when(at),
                })
                .collect(),
            progress: self.progress(&[r.id]).await?,
            urges: self.urges(r.id).await?,
            internal: r.channel == Channel::Internal.code(),
            asker: r.requester_post_id.is_some_and(|p| p == post),
            can_rate: r.requester_post_id.is_some_and(|p| p == post)
                && state == RequestState::Visiting,
            can_accept,
            can_dispatch,
            can_sign: role == Role::Lead && mine.contains(&super::hooks::steps::SIGN),
            can_answer: role == Role::Lead && mine.contains(&super::hooks::steps::HANDLE),
            can_review: dispatcher && mine.contains(&super::hooks::steps::REVIEW),
            can_visit: dispatcher && mine.contains(&super::hooks::steps::VISIT),
            can_ask_extension: role == Role::Lead
                && pending.is_none()
                && matches!(state, RequestState::Signing | RequestState::Handling),
            can_decide_extension: dispatcher && pending.is_some(),
            merge_targets: if can_accept {
                store::merge_targets(db, r.government_id, r.category_id, r.id)
                    .await?
                    .into_iter()
                    .map(|(id, code, d)| (id, code, d.chars().take(30).collect()))
                    .collect()
            } else {
                Vec::new()
            },
            dispatch_options,
            units,
            loads,
        })
    }

    /// Where a request may go: the posts under its government (the suggested first), the units
    /// for 协办, and each unit's load and on-time rate.
    async fn dispatch_view(
        &self,
        r: &RequestRow,
    ) -> Result<(Vec<DispatchOption>, Vec<(i64, String)>, Vec<UnitLoadView>)> {
        let db = self.svc.db();
        let units = store::units_under(db, r.government_id).await?;
        // The place names a unit (清河县 in 「清河县城关镇…」), else the category's usual unit.
        let by_place = unit_named_in(&units, &r.location);
        let suggested = match by_place {
            Some((u, _)) => Some(*u),
            None => store::usual_unit(db, r.government_id, r.category_id).await?,
        };
        let posts = xn_store::supervision::posts_under(db, r.government_id).await?;
        let mut tx = db.begin_read().await?;
        // 内部办事 goes to the office's own posts, suggested by the category: the seal, the
        // duty roster and receptions to 内务, the rest to 后勤.
        let internal = r.channel == Channel::Internal.code();
        let office = if internal {
            store::office_of_government(&mut tx, r.government_id).await?
        } else {
            None
        };
        let wanted = if ["印章使用", "值班安排", "会议室和接待"].contains(&r.category_name.as_str())
        {
            "内务"
        } else {
            "后勤"
        };
        let mut options = Vec::new();
        let mut suggested_taken = false;
        for (post, unit, unit_name, label, person) in posts {
            if unit == r.government_id {
                continue;
            }
            let chain = self.svc.unit_chain(&mut tx, unit).await?;
            let Some(lead) = lead_unit_of(&chain, r.government_id) else {
                continue;
            };
            if internal && !office.is_some_and(|o| chain.contains(o)) {
                continue;
            }
            let suggest = !suggested_taken
                && if internal {
                    label.contains(wanted)
                } else {
                    Some(lead) == suggested && label.contains("秘书")
                };
            suggested_taken |= suggest;
            options.push(DispatchOption {
                post_id: post,
                unit_id: lead,
                label: format!("{unit_name} · {label} {person}"),
                suggested: suggest,
            });
        }
        drop(tx);
        options.sort_by_key(|o| !o.suggested);
        let ids: Vec<i64> = units.iter().map(|u| u.0).collect();
        let loads = store::unit_loads(db, &ids).await?;
        let loads = units
            .iter()
            .map(|(id, name)| {
                let l = loads.iter().find(|l| l.unit_id == *id);
                UnitLoadView {
                    unit_id: *id,
                    unit: name.clone(),
                    open: l.map_or(0, |l| l.open),
                    closed: l.map_or(0, |l| l.closed),
                    on_time_rate: l
                        .filter(|l| l.closed > 0)
                        .map(|l| (l.on_time * 100 + l.closed / 2) / l.closed),
                    returns: l.map_or(0, |l| l.returns),
                }
            })
            .collect();
        Ok((options, units, loads))
    }

    async fn progress(&self, ids: &[i64]) -> Result<Vec<TrackStep>> {
        Ok(store::progress_of(self.svc.db(), ids)
            .await?
            .into_iter()
            .map(|p| TrackStep {
                at: when(p.created_at),
                step: p.step,
                note: p.note,
            })
            .collect())
    }

    /// The tracking page: by code and the phone given with it. A merged request shows the
    /// progress and answer of the request it was merged into.
    pub async fn track(&self, code: &str, phone: &str) -> Result<Tracking> {
        let r = self.tracked(code, phone).await?;
        let (main, merged) = match r.merged_into {
            Some(t) => (store::find(self.svc.db(), t).await?, true),
            None => (r.clone(), false),
        };
        let mut ids = vec![r.id];
        if merged {
            ids.push(main.id);
        }
        let state = state_of(&main)?;
        let public_state = match state {
            RequestState::Received => "等待受理",
            RequestState::Declined => "不予受理",
            RequestState::Merged => "已合并办理",
            RequestState::Dispatching | RequestState::Signing => "已受理，正在转办",
            RequestState::Handling | RequestState::Reviewing => "正在办理",
            RequestState::Visiting => "已答复，请评价",
            RequestState::Closed => "已办结",
        };
        let ratings = store::visits_of(self.svc.db(), main.id)
            .await?
            .into_iter()
            .map(|v| {
                VisitResult::from_code(&v.1)
                    .map_or("", VisitResult::label)
                    .to_owned()
            })
            .collect();
        Ok(Tracking {
            code: r.code.clone(),
            category: r.category_name.clone(),
            received_on: r.received_on.clone(),
            state: public_state.into(),
            deadline: main.deadline.clone().unwrap_or_default(),
            steps: self.progress(&ids).await?,
            answer: main.answer_public.clone(),
            decline_reason: r.decline_reason.clone(),
            merged,
            can_rate: !merged && state == RequestState::Visiting,
            ratings,
        })
    }

    /// The area's part of a case's 办理 page (none when the case is not a request's).
    pub(crate) async fn desk(
        &self,
        actor: &Actor,
        case_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Option<ServiceDesk>> {
        let Some(r) = store::of_case_db(self.svc.db(), case_id).await? else {
            return Ok(None);
        };
        let role = self.role(actor, &r).await?;
        Ok(Some(ServiceDesk {
            detail: self.detail(actor, &r, role, now).await?,
        }))
    }

    /// The public catalogue: (id, name, limit in working days, 回访 rule).
    pub async fn categories(&self) -> Result<Vec<(i64, String, i64, String)>> {
        Ok(store::categories(self.svc.db())
            .await?
            .into_iter()
            .filter(|c| c.scope == "public")
            .map(|c| (c.id, c.name, c.limit_days, c.visit_rule))
            .collect())
    }

    /// The governments a request may be addressed to.
    pub async fn governments(&self) -> Result<Vec<(i64, String)>> {
        Ok(store::governments(self.svc.db()).await?)
    }
}

/// The name of a stored outcome.
fn outcome_label(code: &str) -> &'static str {
    match code {
        "satisfied" => "满意",
        "basically" => "基本满意",
        "unsatisfied" => "不满意",
        "unrated" => "已办结",
        "declined" => "不予受理",
        "merged" => "已合并",
        _ => "",
    }
}
