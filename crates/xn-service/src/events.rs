//! Recording events (留痕) and reading them back for the auditor.

use chrono::{DateTime, Utc};
use xn_domain::org::Permission;
use xn_store::Tx;
use xn_store::events::{EventRow, NewEvent};

use crate::{Actor, Result, Services, ms, require};

/// Who an event is recorded against.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    /// The person, if any.
    pub person_id: Option<i64>,
    /// The acting post, if any.
    pub post_id: Option<i64>,
    /// Client address.
    pub ip: Option<&'a str>,
}

impl Audit<'static> {
    /// What the console does: no one signed in, no post, no address.
    pub const CONSOLE: Audit<'static> = Audit {
        person_id: None,
        post_id: None,
        ip: None,
    };
}

/// Appends an event inside the caller's transaction, so it commits with the change.
pub async fn record(
    tx: &mut Tx,
    who: &Audit<'_>,
    kind: &str,
    subject: Option<String>,
    detail: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<i64> {
    let e = NewEvent {
        kind,
        actor_person_id: who.person_id,
        actor_post_id: who.post_id,
        subject,
        detail,
        ip: who.ip,
    };
    Ok(xn_store::events::append(tx, &e, ms(now)).await?)
}

/// The Chinese name of an event kind, for the audit page.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "auth.sign_in" => "登录",
        "notify.prefs_saved" => "更改消息推送设置",
        "notify.robot_saved" => "设置群机器人",
        "notify.robot_retired" => "停用群机器人",
        "files.downloaded" => "下载文件",
        "files.exported" => "导出清单",
        "documents.read_classified" => "查阅涉密公文",
        "documents.read_refused" => "拒绝查阅公文",
        "cases.read_classified" => "查阅涉密事项",
        "cases.read_refused" => "拒绝查阅事项",
        "supervision.read_classified" => "查阅涉密督办事项",
        "supervision.read_refused" => "拒绝查阅督办事项",
        "meetings.read_classified" => "查阅涉密会议",
        "meetings.read_refused" => "拒绝查阅会议",
        "auth.sign_in_failed" => "登录失败",
        "auth.sign_in_refused" => "拒绝登录",
        "auth.locked" => "连续失败锁定",
        "auth.locked_by_admin" => "管理员锁定",
        "auth.unlocked" => "解锁",
        "auth.sign_out" => "退出",
        "auth.session_expired" => "会话超时",
        "auth.post_switched" => "切换身份",
        "auth.password_changed" => "修改口令",
        "auth.password_reset" => "重置口令",
        "auth.sign_in_password_ok" => "口令正确待验证动态口令",
        "auth.factor_enrolment_begun" => "开始启用动态口令",
        "auth.factor_enrolled" => "启用动态口令",
        "auth.factor_failed" => "动态口令错误",
        "auth.factor_reset" => "重置动态口令",
        "auth.factor_cancelled" => "取消动态口令验证",
        "auth.recovery_code_used" => "使用恢复码",
        "auth.sessions_ended" => "结束其他会话",
        "auth.sign_in_throttled" => "登录过于频繁",
        "audit.viewed" => "审计查询",
        "auth.session_limit" => "超出会话数结束最早会话",
        "token.created" => "创建接口令牌",
        "token.revoked" => "撤销接口令牌",
        "org.unit_created" => "新建单位",
        "org.unit_updated" => "修改单位",
        "org.person_created" => "新建人员",
        "org.post_created" => "新建身份",
        "org.post_ended" => "撤销身份",
        "org.post_roles_set" => "授予角色",
        "org.post_clearance_set" => "设置密级",
        "org.imported" => "批量导入",
        "demo.loaded" => "载入演示数据",
        "calendar.year_saved" => "更新工作日历",
        "calendar.shipped_loaded" => "载入随版本日历",
        "deadline.recomputed" => "期限重新计算",
        "meeting.booked" => "安排会议",
        "meeting.moved" => "调整会议时间",
        "meeting.advanced" => "更新会议状态",
        "meeting.cancelled" => "取消会议",
        "meeting.room_added" => "添加会议室",
        "meeting.kind_added" => "添加会议类型",
        "meeting.feed_created" => "生成日历订阅地址",
        "meeting.feed_revoked" => "停用日历订阅地址",
        "meeting.notice_sent" => "发送会议通知",
        "meeting.replied" => "会议回执",
        "meeting.leave_decided" => "审批会议请假",
        "meeting.urged" => "催办会议回执",
        "meeting.renotified" => "再次通知参会人员",
        "efficiency.alert_raised" => "效能预警",
        "efficiency.alert_cleared" => "效能预警消除",
        "efficiency.alert_acknowledged" => "确认效能预警",
        "efficiency.alert_rule_set" => "设置预警规则",
        _ => "其他",
    }
}

/// The auditor's filter on `/admin/audit`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// A kind prefix (`auth.`), empty for all.
    pub kind: String,
    /// A login, empty for anyone.
    pub login: String,
    /// From this instant (epoch ms), inclusive.
    pub from_ms: i64,
    /// Up to this instant (epoch ms), exclusive.
    pub to_ms: i64,
}

/// What the auditor's page shows.
#[derive(Debug, Clone)]
pub struct AuditOverview {
    /// The events matching the filter, newest first.
    pub events: Vec<EventRow>,
    /// The audit chain's verification.
    pub chain: crate::audit_chain::Verification,
    /// The latest sign-in failures, refusals, throttles and locks.
    pub failures: Vec<EventRow>,
    /// Days on which one person downloaded or exported at least the configured number of
    /// files (`[audit] mass_downloads_per_day`), within `[audit] look_back_days`.
    pub mass_downloads: Vec<MassDownload>,
    /// The configured number that makes a mass download.
    pub mass_threshold: u32,
}

/// One person's downloads and exports on one Beijing day, at or above the threshold.
#[derive(Debug, Clone)]
pub struct MassDownload {
    /// Who.
    pub person_id: i64,
    /// Their name.
    pub name: String,
    /// The Beijing day.
    pub day: chrono::NaiveDate,
    /// Files downloaded (附件, scans, printed PDFs, pictures, materials).
    pub downloads: i64,
    /// Lists exported (xlsx).
    pub exports: i64,
    /// The last of them.
    pub last_at: DateTime<Utc>,
}

/// A file that left the system: downloaded, or a list exported.
#[derive(Debug, Clone)]
pub struct Download<'a> {
    /// An exported list (xlsx) rather than a stored file.
    pub export: bool,
    /// The address it was fetched from (names the object; no title or content).
    pub path: &'a str,
    /// Its size in bytes.
    pub bytes: u64,
}

/// The kinds listed as sign-in failures and lock-outs.
pub const FAILURE_KINDS: [&str; 10] = [
    "documents.read_refused",
    "cases.read_refused",
    "supervision.read_refused",
    "meetings.read_refused",
    "auth.sign_in_failed",
    "auth.sign_in_refused",
    "auth.sign_in_throttled",
    "auth.factor_failed",
    "auth.locked",
    "auth.locked_by_admin",
];

impl Services {
    /// The auditor's page (安全审计员): the events of a filter, the chain's verification, the
    /// latest sign-in failures and lock-outs. The query itself is recorded (`audit.viewed`).
    pub async fn audit_overview(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
        now: DateTime<Utc>,
    ) -> Result<AuditOverview> {
        require(actor, Permission::AuditRead)?;
        let person_id = match filter.login.trim() {
            "" => 0,
            login => self
                .person_id_by_login(login)
                .await
                .map_err(|_| crate::ServiceError::invalid("login", "没有这个登录名"))?,
        };
        let events = xn_store::events::search(
            self.db(),
            &filter.kind,
            person_id,
            filter.from_ms,
            filter.to_ms,
            200,
        )
        .await?;
        let events = self.withhold_classified(actor, events).await?;
        let failures = xn_store::events::latest_of_kinds(self.db(), &FAILURE_KINDS, 50).await?;
        let chain = self.verify_audit_chain().await?;
        let mut tx = self.db().begin().await?;
        record(
            &mut tx,
            &actor.audit(),
            "audit.viewed",
            None,
            serde_json::json!({
                "kind": filter.kind, "person": person_id,
                "from": filter.from_ms, "to": filter.to_ms,
                "chain_intact": chain.broken.is_none(),
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        let rules = self.settings().audit;
        let since = now - chrono::Duration::days(i64::from(rules.look_back_days));
        let mass_downloads = xn_store::events::mass_downloads(
            self.db(),
            crate::ms(since),
            i64::from(rules.mass_downloads_per_day.max(1)),
        )
        .await?
        .into_iter()
        .filter_map(|d| {
            Some(MassDownload {
                person_id: d.person_id,
                name: d.name,
                day: chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?
                    .checked_add_days(chrono::Days::new(u64::try_from(d.day).ok()?))?,
                downloads: d.downloads,
                exports: d.exports,
                last_at: crate::from_ms(d.last_at),
            })
        })
        .collect();
        Ok(AuditOverview {
            events,
            chain,
            failures,
            mass_downloads,
            mass_threshold: rules.mass_downloads_per_day,
        })
    }

    /// Records a file that left the system (`files.downloaded`) or a list exported
    /// (`files.exported`), for the auditor's count of mass downloads. The detail names the
    /// address and the size, never the file's name or content.
    pub async fn record_download(
        &self,
        actor: &Actor,
        d: &Download<'_>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let kind = if d.export {
            "files.exported"
        } else {
            "files.downloaded"
        };
        let mut tx = self.db().begin().await?;
        record(
            &mut tx,
            &actor.audit(),
            kind,
            None,
            serde_json::json!({ "path": d.path, "bytes": d.bytes }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A page of events, newest first (安全审计员).
    pub async fn list_events(
        &self,
        actor: &Actor,
        kind_prefix: &str,
        subject: &str,
        before: i64,
        limit: i64,
    ) -> Result<Vec<EventRow>> {
        require(actor, Permission::AuditRead)?;
        let events =
            xn_store::events::list(self.db(), kind_prefix, subject, before, limit.clamp(1, 200))
                .await?;
        self.withhold_classified(actor, events).await
    }

    /// Events as the auditor may read them: the details of an event about a case, document,
    /// 督办事项 or meeting classified above the auditor's post keep their ids, steps, decisions
    /// and instants, and lose the item's words (titles, opinions, bodies, reasons:
    /// `clearance::withhold_detail`). The stored row is never changed (the chain seals it).
    async fn withhold_classified(
        &self,
        actor: &Actor,
        mut events: Vec<EventRow>,
    ) -> Result<Vec<EventRow>> {
        let levels = self
            .subject_levels(events.iter().filter_map(|e| e.subject.as_deref()))
            .await?;
        for e in &mut events {
            let above = e
                .subject
                .as_deref()
                .and_then(|s| levels.get(s))
                .is_some_and(|l| !actor.may_see(*l));
            if above {
                e.detail = crate::clearance::withhold_detail(&e.detail);
            } else if let std::borrow::Cow::Owned(d) =
                self.opened_event_detail(e.subject.as_deref(), &e.detail)
            {
                e.detail = d;
            }
        }
        Ok(events)
    }
}

impl Services {
    /// The actor's own recent sign-in events (登录、失败、超时), newest first.
    pub async fn my_sign_in_history(&self, actor: &Actor, limit: i64) -> Result<Vec<EventRow>> {
        Ok(xn_store::events::list_for_person(
            self.db(),
            actor.person_id,
            "auth.",
            limit.clamp(1, 50),
        )
        .await?)
    }
}
