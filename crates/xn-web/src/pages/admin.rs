//! The administrators' pages: an index by duty (三员分立), the audit trail, and the seals of the
//! issuing units (uploaded by the security administrator, used only when a document is printed).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use xn_domain::org::Permission;
use xn_service::Actor;
use xn_service::documents::SealStatus;

use super::{Layout, beijing_time};
use crate::AppState;
use crate::error::PageError;
use crate::extract::{CurrentUser, Upload};
use crate::respond::{file_response, respond};

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
struct AdminPage {
    l: Layout,
    links: Vec<(&'static str, &'static str, &'static str)>,
}

async fn index(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    let l = Layout::new(&state, &actor, "/admin").await?;
    let mut links = Vec::new();
    if actor.has(Permission::OrgAdmin) {
        links.push(("/org/units", "组织机构", "维护单位树、机关代字和排序。"));
        links.push((
            "/org/persons",
            "人员与身份",
            "新建人员，为人员增加或撤销身份。",
        ));
        links.push((
            "/org/import",
            "批量导入",
            "从 Excel 或 CSV 导入单位和人员，有错整批不导入。",
        ));
    }
    if actor.has(Permission::SecurityAdmin) {
        links.push((
            "/org/persons",
            "授权与账号安全",
            "授予角色和涉密等级，锁定、解锁账号，重置口令。",
        ));
        links.push((
            "/admin/seals",
            "印章管理",
            "上传或更换各发文机关的印章图像（加密保存，仅在印制时使用）。",
        ));
    }
    if actor.has(Permission::CalendarAdmin) {
        links.push((
            "/admin/calendar",
            "工作日历",
            "法定节假日与调休安排，粘贴国务院通知载入新年度，期限自动重算。",
        ));
    }
    if actor.has(Permission::AuditRead) {
        links.push((
            "/admin/audit",
            "审计页",
            "审计链校验结果、登录失败与锁定、批量下载，按类别、人员、日期查询事件。",
        ));
        links.push((
            "/admin/events",
            "审计日志",
            "登录、失败、锁定、授权等全部操作记录。",
        ));
    }
    Ok(AdminPage { l, links }.into_response())
}

struct EventLine {
    at: String,
    label: &'static str,
    actor: String,
    subject: String,
    detail: String,
    ip: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "events.html")]
struct EventsPage {
    l: Layout,
    events: Vec<EventLine>,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    subject: String,
    next: Option<i64>,
}

#[derive(Deserialize)]
struct EventFilter {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    before: i64,
}

async fn events(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(f): Query<EventFilter>,
) -> Result<Response, PageError> {
    const PAGE: i64 = 100;
    let rows = state
        .services
        .list_events(&actor, &f.kind, f.subject.trim(), f.before, PAGE)
        .await?;
    let next = (rows.len() == usize::try_from(PAGE).unwrap_or(100))
        .then(|| rows.last().map(|e| e.id).unwrap_or(0));
    let events = rows
        .into_iter()
        .map(|e| EventLine {
            at: beijing_time(e.at),
            label: xn_service::events::kind_label(&e.kind),
            actor: e.actor_name.unwrap_or_else(|| "系统".to_owned()),
            subject: e.subject.unwrap_or_default(),
            detail: e.detail,
            ip: e.ip.unwrap_or_default(),
        })
        .collect();
    let l = Layout::new(&state, &actor, "/admin").await?;
    let kinds = vec![
        ("", "全部"),
        ("auth.", "登录与会话"),
        ("org.", "组织机构"),
        ("token.", "接口令牌"),
        ("calendar.", "工作日历"),
        ("deadline.", "办理期限"),
        ("demo.", "演示数据"),
    ];
    Ok(EventsPage {
        l,
        events,
        kinds,
        kind: f.kind,
        subject: f.subject,
        next,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    l: Layout,
    error: Option<String>,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    login: String,
    from: String,
    to: String,
    /// The chain's verification, in words; `true` when it holds.
    chain: (bool, String),
    events: Vec<EventLine>,
    failures: Vec<EventLine>,
    /// (person, Beijing day, downloads, exports, last at) of each mass download.
    mass: Vec<(String, String, i64, i64, String)>,
    /// The number of files in a day that makes a mass download.
    mass_threshold: u32,
}

#[derive(Deserialize)]
struct AuditQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// Epoch ms of the start of a Beijing date (`YYYY-MM-DD`), `days` days on.
fn beijing_day_start(date: &str, days: i64) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok()?;
    let start = d.and_hms_opt(0, 0, 0)?.and_utc() - chrono::Duration::hours(8)
        + chrono::Duration::days(days);
    Some(start.timestamp_millis())
}

fn event_line(e: xn_store::events::EventRow) -> EventLine {
    EventLine {
        at: beijing_time(e.at),
        label: xn_service::events::kind_label(&e.kind),
        actor: e.actor_name.unwrap_or_else(|| "系统".to_owned()),
        subject: e.subject.unwrap_or_default(),
        detail: e.detail,
        ip: e.ip.unwrap_or_default(),
    }
}

/// `GET /admin/audit`: the auditor's page (安全审计员): recent events by kind, person and date,
/// the audit chain's verification, and the latest sign-in failures and lock-outs.
async fn audit(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    if !actor.has(Permission::AuditRead) {
        return Err(
            xn_service::ServiceError::Forbidden("只有安全审计员可以查看审计页".to_owned()).into(),
        );
    }
    let mut error = None;
    let from_ms = match q.from.trim() {
        "" => 0,
        d => beijing_day_start(d, 0).unwrap_or_else(|| {
            error = Some("起始日期格式应为 YYYY-MM-DD".to_owned());
            0
        }),
    };
    let to_ms = match q.to.trim() {
        "" => i64::MAX,
        d => beijing_day_start(d, 1).unwrap_or_else(|| {
            error = Some("截止日期格式应为 YYYY-MM-DD".to_owned());
            i64::MAX
        }),
    };
    let filter = xn_service::events::AuditFilter {
        kind: q.kind.clone(),
        login: q.login.clone(),
        from_ms,
        to_ms,
    };
    let l = Layout::new(&state, &actor, "/admin").await?;
    let mut mass_threshold = state.services.settings().audit.mass_downloads_per_day;
    let (events, failures, chain, mass) = match state
        .services
        .audit_overview(&actor, &filter, state.clock.now())
        .await
    {
        Ok(o) => {
            let chain = match &o.chain.broken {
                None => (
                    true,
                    format!(
                        "审计链完整：已校验 {} 环；尚未封存的事件 {} 条（数秒内封存）。",
                        o.chain.checked, o.chain.unsealed
                    ),
                ),
                Some(b) => (
                    false,
                    format!(
                        "审计链在第 {} 环断开（事件编号 {}）：{}",
                        b.seq, b.event_id, b.reason
                    ),
                ),
            };
            mass_threshold = o.mass_threshold;
            let mass = o
                .mass_downloads
                .into_iter()
                .map(|m| {
                    (
                        m.name,
                        m.day.format("%Y-%m-%d").to_string(),
                        m.downloads,
                        m.exports,
                        beijing_time(xn_service::ms(m.last_at)),
                    )
                })
                .collect();
            (
                o.events.into_iter().map(event_line).collect(),
                o.failures.into_iter().map(event_line).collect(),
                chain,
                mass,
            )
        }
        Err(xn_service::ServiceError::Invalid { message, .. }) => {
            error = Some(message);
            (Vec::new(), Vec::new(), (true, String::new()), Vec::new())
        }
        Err(e) => return Err(e.into()),
    };
    let kinds = vec![
        ("", "全部"),
        ("auth.", "登录与会话"),
        ("org.", "组织机构"),
        ("token.", "接口令牌"),
        ("flow.", "流程办理"),
        ("documents.", "公文"),
        ("cases.", "查阅事项"),
        ("meetings.", "会议"),
        ("files.", "文件下载与导出"),
        ("supervision.", "督查督办"),
        ("audit.", "审计查询"),
        ("calendar.", "工作日历"),
    ];
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        AuditPage {
            l,
            error,
            kinds,
            kind: q.kind,
            login: q.login,
            from: q.from,
            to: q.to,
            chain,
            events,
            failures,
            mass,
            mass_threshold,
        },
    )
        .into_response())
}

#[derive(Debug, Default, Deserialize)]
struct OkQuery {
    #[serde(default)]
    ok: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "seals.html")]
struct SealsPage {
    l: Layout,
    seals: Vec<SealStatus>,
    notice: Option<&'static str>,
    error: Option<String>,
}

impl SealsPage {
    fn when_opt(&self, t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        t.map(|t| beijing_time(xn_service::ms(t)))
            .unwrap_or_default()
    }
}

async fn seals_page(
    state: &AppState,
    actor: &Actor,
    notice: Option<&'static str>,
    error: Option<String>,
) -> Result<SealsPage, PageError> {
    Ok(SealsPage {
        l: Layout::new(state, actor, "/admin").await?,
        seals: state.services.documents().seals(actor).await?,
        notice,
        error,
    })
}

async fn seals(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Query(q): Query<OkQuery>,
) -> Result<Response, PageError> {
    let notice = (q.ok.as_deref() == Some("uploaded")).then_some("印章图像已加密保存。");
    Ok(seals_page(&state, &actor, notice, None)
        .await?
        .into_response())
}

async fn upload_seal(
    State(state): State<AppState>,
    Path(unit): Path<i64>,
    Upload(CurrentUser(actor), file): Upload<CurrentUser>,
) -> Result<Response, PageError> {
    let done = state
        .services
        .documents()
        .upload_seal(
            &actor,
            unit,
            file.as_ref().map(|f| &f.bytes[..]).unwrap_or_default(),
            state.clock.now(),
        )
        .await;
    respond(
        done,
        |_| "/admin/seals?ok=uploaded".to_owned(),
        |m| seals_page(&state, &actor, None, Some(m)),
    )
    .await
}

async fn seal_preview(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(unit): Path<i64>,
) -> Result<Response, PageError> {
    let f = state
        .services
        .documents()
        .seal_preview(&actor, unit, state.clock.now())
        .await?;
    Ok(file_response(f))
}

/// The administration pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(index))
        .route("/admin/events", get(events))
        .route("/admin/audit", get(audit))
        .route("/admin/seals", get(seals))
        .route(
            "/admin/seals/{unit}",
            post(upload_seal).layer(DefaultBodyLimit::max(
                xn_service::documents::MAX_SEAL_BYTES + 64 * 1024,
            )),
        )
        .route("/admin/seals/{unit}/preview", get(seal_preview))
}
