//! Server-rendered pages, in Simplified Chinese, usable without JavaScript.
//!
//! Each area has its module; this one holds the layout every page shares, the navigation of
//! the areas (built ones in the menu, the rest behind one 更多 page), the honest pages of areas
//! not built yet, the not-found page, health checks and the static assets. The error page itself is in `error.rs`, and the responses every area
//! builds alike (downloads, exports) are in `respond.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use xn_domain::org::Permission;
use xn_service::Actor;

use crate::AppState;
use crate::error::{PageError, error_page};
use crate::extract::CurrentUser;

pub mod account;
pub mod admin;
pub mod calendar;
pub mod complaints;
pub mod documents;
pub mod efficiency;
pub mod efficiency_alerts;
pub mod flash;
pub mod flow;
pub mod information;
pub mod information_commissions;
pub mod management;
pub mod meetings;
pub mod meetings_minutes;
pub mod meetings_topics;
pub mod notify;
pub mod org;
pub mod research;
pub mod reset;
pub mod satisfaction;
pub mod schedule;
pub mod service;
mod service_internal;
pub mod session;
pub mod study;
pub mod supervision;
pub mod time;

pub use time::{beijing_time, filters};

/// Whether an area of the office is in service or still to be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// In service: it has its own pages and its own entry in the menu.
    Built,
    /// Not built yet: out of the menu, listed under 更多 with what it will do.
    Coming,
}

/// One area of the office.
#[derive(Clone, Copy, Debug)]
pub struct Area {
    /// Path segment: the area lives at `/{seg}`.
    pub seg: &'static str,
    /// Its name in the menu.
    pub name: &'static str,
    /// What it does, or will do.
    pub description: &'static str,
    /// Built or still to come. An area that lands changes this one word, and its entry moves
    /// from 更多 into the menu.
    pub stage: Stage,
}

/// The areas of the office, in the order the office lists them.
pub const AREAS: [Area; 10] = [
    Area {
        seg: "documents",
        name: "办文",
        description: "发文从拟稿、核稿、会签、签发到编号、印制、核发，收文从签收、登记、拟办、批办到办结，市县之间公文交换，文号台账与综合查询。",
        stage: Stage::Built,
    },
    Area {
        seg: "meetings",
        name: "办会",
        description: "会议安排、会议室预订与冲突检查、一周会议与会议室日程、领导日程、日历订阅；议题、通知回执、签到、纪要与议定事项转督查将陆续上线。",
        stage: Stage::Built,
    },
    Area {
        seg: "affairs",
        name: "办事",
        description: "群众和基层诉求的登记、受理、派单、签收、承办、延期、退单、答复、回访与重办，按工作日计时限，临期、黄牌、红牌；群众可在公众页面提交和查询。",
        stage: Stage::Built,
    },
    Area {
        seg: "research",
        name: "调研",
        description: "调研课题的提出与交办、列入年度计划、跨单位调研组、走访座谈问卷（照片、列入日程）、调研报告审核报送、领导批示转督办、成果转化为文件或决策，以及按月按单位的调研统计。",
        stage: Stage::Built,
    },
    Area {
        seg: "information",
        name: "信息",
        description: "政务信息报送、签发、签收筛选、采用与刊物编发、突发事件快报、计分排名、约稿与催报；领导批示一步转为督办事项。",
        stage: Stage::Built,
    },
    Area {
        seg: "supervision",
        name: "督查",
        description: "领导批示、会议议定事项、政府工作报告目标任务的立项、交办、进展报告、黄牌红牌与销号。",
        stage: Stage::Built,
    },
    Area {
        seg: "study",
        name: "学习",
        description: "精品材料学习会与一般材料分析会、学习材料库与应读人员阅读记录、签到与心得、向基层学习、面向县（区）的培训，以及每人每月学习时长（计入月考评）。",
        stage: Stage::Built,
    },
    Area {
        seg: "management",
        name: "管理",
        description: "日安排自动列出当天到期事项，目标责任制分解到岗，周报告按周报送，月考评由办理记录自动计算、领导评价、申诉处理后锁定，规章制度分版本发布并请各岗位阅知；年总结将陆续上线。",
        stage: Stage::Built,
    },
    Area {
        seg: "service",
        name: "服务",
        description: "后勤与内务服务事项的申请与办理。",
        stage: Stage::Coming,
    },
    Area {
        seg: "efficiency",
        name: "效能",
        description: "各业务每一个未办环节的积压、已用工作日、超期与黄牌红牌，按本人查看范围（市看全市各县、县看本县、科长看本科）；效能排名、预警纠错、效能投诉，以及群众、基层、领导、上级四个满意的逐月评价。",
        stage: Stage::Built,
    },
];

/// What the shared layout needs: who is acting and where they are.
pub struct Layout {
    /// The person's name.
    pub person_name: String,
    /// The acting post as one line.
    pub post_label: String,
    /// The person's posts for the switcher: (id, label, is current).
    pub posts: Vec<(i64, String, bool)>,
    /// The session's CSRF token.
    pub csrf: String,
    /// Navigation: (name, href, is current).
    pub nav: Vec<(&'static str, String, bool)>,
    /// A one-time notice brought by a redirect (切换身份), in words.
    pub flash: Option<String>,
}

impl Layout {
    /// Builds the layout for an actor on the page `active` (an href prefix).
    pub async fn new(state: &AppState, actor: &Actor, active: &str) -> Result<Layout, PageError> {
        let posts = state.services.my_posts(actor).await?;
        let current = actor.post_id();
        let mut nav: Vec<(&'static str, String, bool)> =
            vec![("工作台", "/".to_owned(), active == "/")];
        // Built areas first; the ones still to come wait behind one 更多 entry at the end.
        for a in AREAS.iter().filter(|a| a.stage == Stage::Built) {
            let href = format!("/{}", a.seg);
            let on = active == href;
            nav.push((a.name, href, on));
        }
        nav.push((
            "组织机构",
            "/org/units".to_owned(),
            active.starts_with("/org"),
        ));
        nav.push((
            "工作日历",
            "/admin/calendar".to_owned(),
            active.starts_with("/admin/calendar"),
        ));
        if ADMIN_DUTIES.iter().any(|p| actor.has(*p)) {
            nav.push((
                "系统管理",
                "/admin".to_owned(),
                active.starts_with("/admin") && !active.starts_with("/admin/calendar"),
            ));
        }
        let coming = active == MORE
            || AREAS
                .iter()
                .any(|a| a.stage == Stage::Coming && active == format!("/{}", a.seg));
        nav.push(("更多", MORE.to_owned(), coming));
        let post_label = actor
            .post
            .as_ref()
            .map(|p| p.label())
            .unwrap_or_else(|| "未选择身份".to_owned());
        Ok(Layout {
            person_name: actor.person_name.clone(),
            flash: flash::current().map(|f| f.text(&post_label)),
            post_label,
            posts: posts
                .iter()
                .map(|p| (p.id, p.label(), Some(p.id) == current))
                .collect(),
            csrf: actor.csrf_token.clone(),
            nav,
        })
    }
}

/// The page listing the areas still to come.
const MORE: &str = "/more";

#[derive(Template, WebTemplate)]
#[template(path = "more.html")]
struct MorePage {
    l: Layout,
    coming: Vec<Area>,
}

async fn more(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
) -> Result<Response, PageError> {
    Ok(MorePage {
        l: Layout::new(&state, &actor, MORE).await?,
        coming: AREAS
            .into_iter()
            .filter(|a| a.stage == Stage::Coming)
            .collect(),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "area.html")]
struct AreaPage {
    l: Layout,
    name: &'static str,
    description: &'static str,
}

async fn area(
    State(state): State<AppState>,
    CurrentUser(actor): CurrentUser,
    Path(seg): Path<String>,
) -> Result<Response, PageError> {
    // A built area answers on its own routes; only the ones still to come have this page.
    let Some(a) = AREAS
        .iter()
        .find(|a| a.stage == Stage::Coming && a.seg == seg)
    else {
        return Ok(not_found().await);
    };
    let l = Layout::new(&state, &actor, &format!("/{seg}")).await?;
    Ok(AreaPage {
        l,
        name: a.name,
        description: a.description,
    }
    .into_response())
}

async fn not_found() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "您要找的页面不存在，可能已被移动或删除。",
        Vec::new(),
    )
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.js"),
    )
}

/// The site icon: the character 效 on the office's red, drawn here rather than shipped.
async fn favicon() -> impl IntoResponse {
    const SVG: &str = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><rect width='32' height='32' rx='6' fill='#b3261e'/><text x='16' y='23' font-size='20' text-anchor='middle' fill='#fff' font-family='sans-serif'>效</text></svg>";
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        SVG,
    )
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<AppState>) -> Response {
    if state.services.ready().await {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
    }
}

/// Every page route.
pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(reset::router())
        .merge(account::router())
        .merge(notify::router())
        .merge(org::router())
        .merge(admin::router())
        .merge(calendar::router())
        .merge(flow::router())
        .merge(documents::router())
        .merge(supervision::router())
        .merge(meetings::router())
        .merge(meetings_minutes::router())
        .merge(schedule::router())
        .merge(meetings_topics::router())
        .merge(service::router())
        .merge(information::router())
        .merge(information_commissions::router())
        .merge(efficiency::router())
        .merge(efficiency_alerts::router())
        .merge(complaints::router())
        .merge(management::router())
        .merge(research::router())
        .merge(study::router())
        .merge(satisfaction::router())
        .route(MORE, get(more))
        .route("/{area}", get(area))
        .route("/static/app.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .route("/favicon.ico", get(favicon))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::metrics::serve))
        .fallback(not_found)
        .layer(axum::middleware::from_fn(flash::layer))
}

/// Whether the page at `path` (a path of this site, its query ignored) shows something to
/// `actor`: an object's page asks its service, which answers as it would to the page itself;
/// administration asks for an administrator's duty; every other page shows each post what
/// that post may see. Used to keep the page a person was on when they switch post.
pub async fn may_show(state: &AppState, actor: &Actor, path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let id = |s: &str| s.parse::<i64>().ok();
    let now = state.clock.now();
    let s = &state.services;
    match segs.as_slice() {
        ["cases", x, ..] => match id(x) {
            Some(x) => s.case_detail(actor, x, now).await.is_ok(),
            None => true,
        },
        ["documents", x, ..] => match id(x) {
            Some(x) => s.documents().get(actor, x).await.is_ok(),
            None => true,
        },
        ["supervision", x, ..] => match id(x) {
            Some(x) => s.supervision().item(actor, x, now).await.is_ok(),
            None => true,
        },
        ["meetings", x, ..] => match id(x) {
            Some(x) => s.meetings().get(actor, x).await.is_ok(),
            None => true,
        },
        ["information", x] => match id(x) {
            Some(x) => s.information().item(actor, x).await.is_ok(),
            None => true,
        },
        ["admin", "calendar", ..] => true,
        ["admin", ..] => ADMIN_DUTIES.iter().any(|p| actor.has(*p)),
        _ => true,
    }
}

/// The permissions that open 系统管理.
const ADMIN_DUTIES: [Permission; 4] = [
    Permission::OrgAdmin,
    Permission::SecurityAdmin,
    Permission::AuditRead,
    Permission::CalendarAdmin,
];
