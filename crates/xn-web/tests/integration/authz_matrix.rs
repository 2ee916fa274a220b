//! The authorisation matrix (GB/T 22239 8.1.4.2, issue 17's acceptance): every API operation and
//! every page route that reads or changes an object, asked by each kind of actor, with the
//! answer each must get. The matrix is data ([`rows`]); two tests keep it complete: one compares
//! it with the OpenAPI document, the other with the `.route(` calls of the page routers' source,
//! and each names every route missing from the matrix and every row whose route is gone.
//!
//! # Adding a row
//! One line in [`rows`]: `r(METHOD, PATH, SCOPE, EXPECT)`, with `.json(…)`, `.form(…)`,
//! `.bytes(…)` or `.multipart(…)` when the route takes a body. A body must be well formed, so
//! that the request reaches the service; its content may be wrong on purpose (an allowed asker
//! then gets 409 or 422 and nothing changes).
//! - `PATH` is the route as its router spells it. An id is filled from the fixtures by the
//!   segment before it (`/documents/{id}` → the 秘密 document, `/cases/{id}` → its case,
//!   `/tasks/{id}` → the 主任's task on it, …: see [`Fixtures::fill`]); to name another object,
//!   write its fixture's name instead (`/api/v1/documents/{county_doc}`). The completeness
//!   tests compare paths with every `{…}` alike.
//! - `SCOPE` is the permission an API token needs for it (`flow.work`, `org.read`, an
//!   administrator's, or `""` when any signed-in person may ask).
//! - `EXPECT` is one letter per actor, in the order of [`ACTORS`] (spaces are ignored):
//!   `y` allowed (any answer past the authorisation: 2xx, a redirect that is not to the
//!   sign-in, 400/409/422), `n` refused (403 or 404), `h` refused as if missing (404: a read
//!   of something not one's own answers like a missing one), `l` not signed in (401 or the
//!   sign-in page: a bearer token opens no page), `.` not asked.
//! - Bodies and paths take `{name}` placeholders from the fixtures.
//!
//! A route that reads or changes no object goes in [`EXEMPT`] with the reason. A new area's
//! objects are made in [`fixtures`] through its API, and a new kind of id gets its segment in
//! [`Fixtures::fill`]. In each row the refused are asked before the allowed, so an allowed
//! change (a proxy revoked, an item signed) cannot hide a refusal behind "already done".
//!
//! The actors are fixed people of the demo city; the object of most rows is a 秘密 notice of
//! the city's office waiting at its 主任's 签发, so "same unit" is the 主任 (who holds the
//! open task), "below 密级" a post of the same office cleared for 非密 only.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::on_both_engines;
use crate::support::{Engine, Res, TestApp};

/// Who asks, in the order of a row's `EXPECT` letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    /// The 主任 of the city's office (机密): the object's own unit, holder of its open task.
    SameUnit,
    /// The director of a city bureau's office (秘密): another unit of the same government.
    OtherUnit,
    /// The 文书 of 清河县's office (秘密): a county.
    OtherCounty,
    /// A post of the city's office cleared for 非密 only.
    BelowClearance,
    /// 系统管理员.
    SystemAdmin,
    /// 安全保密管理员.
    SecurityAdmin,
    /// 安全审计员.
    Auditor,
    /// The 主任's API token carrying the row's scope (all grantable scopes when the row's is
    /// an administrator's, which no token may carry).
    TokenWithScope,
    /// The 主任's API token carrying every grantable scope but the row's.
    TokenWithoutScope,
}

const ACTORS: [Actor; 9] = [
    Actor::SameUnit,
    Actor::OtherUnit,
    Actor::OtherCounty,
    Actor::BelowClearance,
    Actor::SystemAdmin,
    Actor::SecurityAdmin,
    Actor::Auditor,
    Actor::TokenWithScope,
    Actor::TokenWithoutScope,
];

const GRANTABLE: [&str; 3] = ["org.read", "flow.work", "token.own"];

#[derive(Debug, Clone, Copy)]
enum Kind {
    Api,
    Page,
}

#[derive(Debug, Clone)]
enum Payload {
    None,
    Json(&'static str),
    Form(&'static str),
    Bytes(&'static str),
    Multipart(&'static str),
}

/// One route of the matrix.
#[derive(Debug, Clone)]
struct Row {
    kind: Kind,
    method: &'static str,
    path: &'static str,
    scope: &'static str,
    expect: &'static str,
    payload: Payload,
}

fn r(method: &'static str, path: &'static str, scope: &'static str, expect: &'static str) -> Row {
    Row {
        kind: if path.starts_with("/api/") {
            Kind::Api
        } else {
            Kind::Page
        },
        method,
        path,
        scope,
        expect,
        payload: Payload::None,
    }
}

impl Row {
    fn json(mut self, body: &'static str) -> Row {
        self.payload = Payload::Json(body);
        self
    }
    fn form(mut self, body: &'static str) -> Row {
        self.payload = Payload::Form(body);
        self
    }
    fn bytes(mut self, body: &'static str) -> Row {
        self.payload = Payload::Bytes(body);
        self
    }
    fn multipart(mut self, file: &'static str) -> Row {
        self.payload = Payload::Multipart(file);
        self
    }
    fn letters(&self) -> Vec<char> {
        self.expect.chars().filter(|c| !c.is_whitespace()).collect()
    }
}

/// The matrix. Actors: same unit, other unit, other county, below 密级 | 系统管理员,
/// 安全保密管理员, 安全审计员 | token with the scope, token without it.
#[rustfmt::skip]
fn rows() -> Vec<Row> {
    vec![
        // ---- API: account (the caller's own; tokens are made and revoked signed in) ----
        r("GET", "/api/v1/me", "", "yyyy yyy yy"),
        r("GET", "/api/v1/tokens", "", "yyyy yyy yy"),
        r("POST", "/api/v1/tokens", "token.own", "yyyy nnn nn").json(r#"{"name":"矩阵","scopes":["org.read"]}"#),
        r("DELETE", "/api/v1/tokens/{other_token}", "token.own", "hhhh hhh nn"),
        // 消息推送: one's own choices; a unit's group robots are the 系统管理员's. The robot
        // is set, tested and retired in that order (a retired one answers 404).
        r("GET", "/api/v1/account/notify", "", "yyyy yyy yy"),
        r("PUT", "/api/v1/account/notify", "token.own", "yyyy yyy yn").json(r#"{"email":"matrix@example.gov.cn","mail":true,"topics":["new_task"]}"#),
        r("GET", "/api/v1/account/notify/deliveries", "", "yyyy yyy yy"),
        r("GET", "/api/v1/org/units/{id}/robots", "org.admin", "nnnn ynn nn"),
        r("PUT", "/api/v1/org/units/{id}/robots", "org.admin", "nnnn ynn nn").json(r#"{"kind":"dingtalk","url":"https://oapi.dingtalk.com/robot/send?access_token=matrix","topics":["new_task"]}"#),
        r("POST", "/api/v1/org/units/{id}/robots/{robot_kind}/test", "org.admin", "nnnn ynn nn"),
        r("DELETE", "/api/v1/org/units/{id}/robots/{robot_kind}", "org.admin", "nnnn ynn nn"),
        // ---- API: organisation (read by all; 系统管理员 changes, 安全保密管理员 grants) ----
        r("GET", "/api/v1/units", "org.read", "yyyy yyy yn"),
        r("POST", "/api/v1/units", "org.admin", "nnnn ynn nn").json(r#"{"kind":"section","name":"矩阵新科","parent_id":{city_office}}"#),
        r("GET", "/api/v1/units/{id}", "org.read", "yyyy yyy yn"),
        r("PUT", "/api/v1/units/{id}", "org.admin", "nnnn ynn nn").json(r#"{"kind":"section","name":"矩阵科","parent_id":{city_office}}"#),
        r("PUT", "/api/v1/units/{id}/fonds", "org.admin", "nnnn ynn nn").json(r#"{"fonds_code":"J001"}"#),
        r("GET", "/api/v1/persons", "org.read", "yyyy yyy yn"),
        r("POST", "/api/v1/persons", "org.admin", "nnnn ynn nn").json(r#"{"login":"matrix.new","name":"矩阵新人"}"#),
        r("GET", "/api/v1/persons/{id}", "org.read", "yyyy yyy yn"),
        r("POST", "/api/v1/persons/{id}/lock", "security.admin", "nnnn nyn nn"),
        r("POST", "/api/v1/persons/{id}/unlock", "security.admin", "nnnn nyn nn"),
        r("POST", "/api/v1/persons/{id}/second-factor/reset", "security.admin", "nnnn nyn nn"),
        r("POST", "/api/v1/persons/{id}/reset-password", "security.admin", "nnnn nyn nn").json(r#"{"check_code":"000000"}"#),
        r("POST", "/api/v1/posts", "org.admin", "nnnn ynn nn").json(r#"{"person_id":{person},"unit_id":{unit},"position_id":{position}}"#),
        r("POST", "/api/v1/posts/{id}/end", "org.admin", "nnnn ynn nn"),
        r("PUT", "/api/v1/posts/{id}/access", "security.admin", "nnnn nyn nn").json(r#"{"role_ids":[],"clearance":"public"}"#),
        r("GET", "/api/v1/positions", "org.read", "yyyy yyy yn"),
        r("GET", "/api/v1/roles", "org.read", "yyyy yyy yn"),
        r("POST", "/api/v1/org/import", "org.admin", "nnnn ynn nn").multipart("not a workbook"),
        r("GET", "/api/v1/events", "audit.read", "nnnn nny nn"),
        // ---- API: calendar (public days; 系统管理员 keeps the year) ----
        r("GET", "/api/v1/calendar/days?from=2026-11-01&to=2026-11-30", "", "yyyy yyy yy"),
        r("GET", "/api/v1/calendar/add?from=2026-11-26&days=3", "", "yyyy yyy yy"),
        r("GET", "/api/v1/calendar/years", "", "yyyy yyy yy"),
        r("GET", "/api/v1/calendar/years/{year}", "", "yyyy yyy yy"),
        r("PUT", "/api/v1/calendar/years/{year}", "calendar.admin", "nnnn ynn nn").json("{year_data}"),
        // ---- API: flow ----
        r("GET", "/api/v1/processes", "flow.work", "yyyy ynn yn"),
        r("POST", "/api/v1/processes", "flow.admin", "nnnn ynn nn").json(r#"{"unit_id":{unit},"source":"x"}"#),
        r("POST", "/api/v1/cases", "flow.work", "nnnn nnn nn").json(r#"{"process":"outgoing_document","title":"矩阵"}"#),
        r("GET", "/api/v1/cases", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/efficiency/backlog", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/efficiency/backlog.xlsx", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/efficiency/leader", "flow.work", "ynnn nnn yn"),
        r("GET", "/api/v1/efficiency/units", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/efficiency/units.xlsx", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/efficiency/units/{id}", "flow.work", "ynnn nnn yn"),
        r("PUT", "/api/v1/efficiency/weights", "flow.work", "ynnn nnn yn").json(r#"{"weights":{"cards":90}}"#),
        r("POST", "/api/v1/efficiency/bulletin", "flow.work", "ynnn nnn yn").json(r#"{"period":"2026-11"}"#),
        // 预警纠错: the list is scoped; the alert (on the 秘密 notice) is the 主任's to
        // acknowledge, and the monitoring side's of its government.
        r("GET", "/api/v1/efficiency/alerts", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/efficiency/alerts/{id}/acknowledge", "flow.work", "ynnn nnn yn").json(r#"{"note":""}"#),
        r("GET", "/api/v1/efficiency/alerts.xlsx", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/efficiency/alerts/settings", "flow.work", "ynnn nnn yn"),
        r("PUT", "/api/v1/efficiency/alerts/settings", "flow.work", "ynnn nnn yn").json(r#"[]"#),
        // ---- API: 四个满意 (every FlowWork post sees its own scope; a rating of nothing and an
        // empty evaluation are refused as input, the evaluation only to an office's 主任) ----
        r("GET", "/api/v1/satisfaction", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/satisfaction.xlsx", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/satisfaction/ratings", "flow.work", "yyyy nnn yn").json(r#"{"item_kind":"supervision","item_id":0,"result":""}"#),
        r("POST", "/api/v1/satisfaction/higher", "flow.work", "ynnn nnn yn").json(r#"{"month":"","score":null}"#),
        r("GET", "/api/v1/cases/{id}", "flow.work", "yhhh nnn yn"),
        r("GET", "/api/v1/cases/{id}/desk", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/cases/{id}/revise", "flow.work", "yhhh nnn yn").json(r#"{"version":1,"title":"改后的标题","body":""}"#),
        r("POST", "/api/v1/cases/{request}/attachments?name=a.txt&version=1", "flow.work", "yhhh nnn yn").bytes("矩阵附件"),
        r("GET", "/api/v1/cases/{request}/attachments/{case_file}", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/cases/{id}/actions", "flow.work", "ynnn nnn yn").json(r#"{"action":"complete","task":{task_no},"decision":"无此决定","opinion":""}"#),
        r("GET", "/api/v1/tasks", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/tasks/counts", "", "yyyy yyy yy"),
        r("POST", "/api/v1/tasks/{id}/complete", "flow.work", "ynnn nnn yn").json(r#"{"decision":"无此决定","opinion":""}"#),
        r("POST", "/api/v1/tasks/{id}/return", "flow.work", "ynnn nnn yn").json(r#"{"to":"无此步骤","opinion":"矩阵"}"#),
        r("POST", "/api/v1/tasks/{id}/withdraw", "flow.work", "ynnn nnn yn").json(r#"{}"#),
        r("POST", "/api/v1/tasks/{id}/transfer", "flow.work", "ynnn nnn yn").json(r#"{"to":0}"#),
        r("POST", "/api/v1/tasks/{id}/delegate", "flow.work", "ynnn nnn yn").json(r#"{"to":0}"#),
        r("POST", "/api/v1/tasks/{id}/extension", "flow.work", "ynnn nnn yn").json(r#"{"days":0,"reason":""}"#),
        r("POST", "/api/v1/tasks/{id}/urge", "flow.work", "yhhh nnn yn").json(r#"{"message":""}"#),
        r("GET", "/api/v1/proxies", "", "yyyy yyy yy"),
        r("GET", "/api/v1/opinions", "flow.work", "yyyy nnn yn"),
        r("PUT", "/api/v1/opinions", "flow.work", "yyyy nnn yn").json(r#"{"opinions":["同意。"]}"#),
        r("POST", "/api/v1/proxies", "flow.work", "yyyy nnn yn").json(r#"{"proxy_post_id":0,"starts_at":"2026-11-27T00:00:00Z","ends_at":"2026-11-26T00:00:00Z"}"#),
        // Revoking is done once: the 主任 does it, his token is not asked after.
        r("DELETE", "/api/v1/proxies/{id}", "flow.work", "yhhh nnn .n"),
        r("POST", "/api/v1/handover", "flow.admin", "nnnn ynn nn").json(r#"{"from":{zhuren_post},"to":{zhuren_post}}"#),
        // ---- API: documents (the office's own, within the post's 密级) ----
        r("GET", "/api/v1/documents", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/documents", "flow.work", "yyyy nnn yn").json(r#"{"kind":"notice","title":""}"#),
        r("GET", "/api/v1/documents/{id}", "flow.work", "yhhn nnn yn"),
        r("GET", "/api/v1/documents/{county_doc}", "flow.work", "hhyh nnn hn"),
        r("PUT", "/api/v1/documents/{id}", "flow.work", "ynnn nnn yn").json(r#"{"kind":"notice","title":""}"#),
        // Only the drafter submits, once: no actor here may.
        r("POST", "/api/v1/documents/{id}/submit", "flow.work", "nnnn nnn nn").json(r#"{"signoff_post":{zhuren_post}}"#),
        r("GET", "/api/v1/documents/{id}/compare?from=1&to=1", "flow.work", "yhhn nnn yn"),
        r("GET", "/api/v1/documents/{id}/pdf", "flow.work", "yhhn nnn yn"),
        r("GET", "/api/v1/documents/{id}/sheet", "flow.work", "yhhn nnn yn"),
        r("POST", "/api/v1/documents/{id}/attachments", "flow.work", "ynnn nnn yn").bytes("矩阵附件"),
        r("GET", "/api/v1/documents/{id}/attachments/{attachment}", "flow.work", "yhhn nnn yn"),
        r("POST", "/api/v1/documents/{id}/resend", "flow.work", "ynnn nnn yn").json(r#"{"units":[]}"#),
        r("POST", "/api/v1/documents/{id}/archive", "flow.work", "ynnn nnn yn").json(r#"{"retention":"x"}"#),
        // Not archived: even its own office finds no archive entry.
        r("GET", "/api/v1/documents/{id}/archive", "flow.work", ".hhn nnn .n"),
        r("GET", "/api/v1/documents/{id}/archive/package", "flow.work", "yhhn nnn yn"),
        r("GET", "/api/v1/archive/{year}/package", "flow.work", "ynyn nnn yn"),
        r("GET", "/api/v1/documents/search?q=%E7%9F%A9%E9%98%B5", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/documents/search/count?q=%E7%9F%A9%E9%98%B5", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/documents/signoff-candidates", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/documents/incoming", "flow.work", "nnyn nnn nn").json(r#"{"sender_name":"","title":"","kind":"notice"}"#),
        // The office's own ledger: every post of the office reads it.
        r("GET", "/api/v1/ledger?code={city_code_q}", "flow.work", "ynny nnn yn"),
        r("POST", "/api/v1/ledger/reserve", "flow.work", "ynnn nnn yn").json(r#"{"code":"{city_code}","reason":""}"#),
        r("POST", "/api/v1/ledger/void", "flow.work", "ynnn nnn yn").json(r#"{"code":"{city_code}","year":2026,"seq":0,"reason":""}"#),
        r("GET", "/api/v1/seals", "security.admin", "nnnn nyn nn"),
        r("POST", "/api/v1/seals/{unit_id}", "security.admin", "nnnn nyn nn").bytes("not an image"),
        // No seal is uploaded among the fixtures: its keeper finds none.
        r("GET", "/api/v1/seals/{unit_id}/preview", "security.admin", "nnnn n.n nn"),
        // ---- API: supervision (an item of the city's 督查科 led by the 主任) ----
        r("GET", "/api/v1/supervision", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/supervision", "flow.work", "nnnn nnn nn").json(r#"{"title":"","content":"","lead_unit":0,"lead_post":0}"#),
        r("GET", "/api/v1/supervision/{id}", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/supervision/{id}/sign", "flow.work", "yhhh nnn yn").json(r#"{}"#),
        r("POST", "/api/v1/supervision/{id}/reports", "flow.work", "yhhh nnn yn").json(r#"{"text":""}"#),
        r("POST", "/api/v1/supervision/{id}/decompose", "flow.work", "yhhh nnn yn").json(r#"{"subs":[]}"#),
        r("POST", "/api/v1/supervision/{id}/apply", "flow.work", "yhhh nnn yn").json(r#"{"text":""}"#),
        r("POST", "/api/v1/supervision/{id}/review", "flow.work", "yhhh nnn yn").json(r#"{"accept":false}"#),
        r("POST", "/api/v1/supervision/{id}/change", "flow.work", "yhhh nnn yn").json(r#"{"reason":""}"#),
        r("POST", "/api/v1/supervision/{id}/change/decide", "flow.work", "yhhh nnn yn").json(r#"{"approve":false}"#),
        r("POST", "/api/v1/supervision/{id}/urge", "flow.work", "yhhh nnn yn").json(r#"{"text":""}"#),
        r("GET", "/api/v1/supervision/instruction/{case_id}", "flow.work", "nnnn nnn nn"),
        r("GET", "/api/v1/supervision/draft", "flow.work", "nnnn nnn nn"),
        r("GET", "/api/v1/supervision/bulletin?month=2026-11", "flow.work", "ynnn nnn yn"),
        r("POST", "/api/v1/supervision/bulletin", "flow.work", "ynnn nnn yn").json(r#"{"month":"2026-11"}"#),
        // The figures of the sections one's board oversees: none for those on no board.
        r("GET", "/api/v1/supervision/scores?month=2026-11", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/supervision/scores", "flow.work", "ynnn nnn yn").json(r#"{"month":"2026-11"}"#),
        // ---- API: meetings (a 秘密 meeting of the city office; its office's staff book and
        // manage, attendees and the office read, nobody below its 密级) ----
        r("GET", "/api/v1/meetings", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/meetings", "flow.work", "ynyy nnn yn").json(r#"{"kind_id":0,"title":"","organiser_unit_id":0,"chair_post_id":0,"starts_at":"","ends_at":""}"#),
        r("GET", "/api/v1/meetings/{id}", "flow.work", "yhhh nnn yn"),
        r("GET", "/api/v1/meetings/{id}/ics", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/meetings/{id}/move", "flow.work", "yhhh nnn yn").json(r#"{"starts_at":"","ends_at":""}"#),
        r("POST", "/api/v1/meetings/{id}/advance", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/meetings/{id}/cancel", "flow.work", "yhhh nnn yn").json(r#"{"reason":""}"#),
        r("GET", "/api/v1/meetings/rooms", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/meetings/rooms", "flow.work", "ynyy nnn yn").json(r#"{"name":"","capacity":0}"#),
        // A room's week shows every booking's time; titles only of meetings one may see.
        r("GET", "/api/v1/meetings/rooms/{id}/week", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/meetings/kinds", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/meetings/kinds", "org.admin", "nnnn ynn nn").json(r#"{"name":""}"#),
        r("GET", "/api/v1/meetings/figures", "flow.work", "ynyy nnn yn"),
        r("GET", "/api/v1/meetings/feed", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/meetings/feed", "flow.work", "yyyy nnn yn"),
        r("DELETE", "/api/v1/meetings/feed", "flow.work", "yyyy nnn yn"),
        // 会议通知 and 回执: the office sends, reads the replies, decides 请假 and urges (the
        // fixture's meeting has no notice yet: the office's 主任 gets 409 or 422); anyone the
        // meeting is hidden from gets 404. The reply row `{reply}` does not exist: the
        // decision is refused for its missing note before the row is looked for.
        r("GET", "/api/v1/meetings/{id}/notice", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/meetings/{id}/notice", "flow.work", "yhhh nnn yn").json(r#"{"body":"","reply_by":""}"#),
        r("POST", "/api/v1/meetings/{id}/notice/document", "flow.work", "yhhh nnn yn").json(r#"{"reply_by":"","contact":""}"#),
        r("GET", "/api/v1/meetings/{id}/replies", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/meetings/{id}/replies", "flow.work", "yhhh nnn yn").json(r#"{"answer":""}"#),
        r("POST", "/api/v1/meetings/{id}/replies/{reply}/leave", "flow.work", "yhhh nnn yn").json(r#"{"decision":"refuse","note":""}"#),
        r("POST", "/api/v1/meetings/{id}/urge", "flow.work", "yhhh nnn yn").json(r#"{"message":""}"#),
        // A post's own replies still owed.
        r("GET", "/api/v1/meetings/awaiting-reply", "flow.work", "yyyy nnn yn"),
        // 签到, 纪要 and 议定事项: the organising office shows the code, signs people in, exports
        // the attendance, drafts the minutes and sets the decisions (the meeting is being
        // prepared, so those answer 409); whoever sees the meeting reads its attendance and
        // minutes; the others are answered as if it did not exist.
        r("GET", "/api/v1/meetings/{id}/checkin/code", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/meetings/{id}/checkin", "flow.work", "yhhh nnn yn").json(r#"{"code":""}"#),
        r("POST", "/api/v1/meetings/{id}/checkin/staff", "flow.work", "yhhh nnn yn").json(r#"{"post_id":0}"#),
        r("GET", "/api/v1/meetings/{id}/attendance", "flow.work", "yhhh nnn yn"),
        r("GET", "/api/v1/meetings/{id}/attendance/xlsx", "flow.work", "yhhh nnn yn"),
        r("GET", "/api/v1/meetings/{id}/minutes", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/meetings/{id}/minutes", "flow.work", "yhhh nnn yn").json(r#"{}"#),
        r("PUT", "/api/v1/meetings/{id}/decisions", "flow.work", "yhhh nnn yn").json(r#"{"decisions":[]}"#),
        // 议题, 议程 and 会议申请: a 秘密 topic of the city office's 秘书一科 for the 秘密 meeting,
        // with a material. Anyone submits and asks for their own unit (the bodies are wrong on
        // purpose: 422); the office (its 主任) reads the topic and its material, screens and
        // carries it over; only the submitting unit adds materials and resubmits, only a named
        // 会签 unit answers (so the 主任 is refused those); the office's 主任 approves agendas
        // and decides the requests the office was asked (unclassified: the office's 非密 post
        // reads them, but decides nothing).
        r("GET", "/api/v1/meetings/topics", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/meetings/topics", "flow.work", "yyyy nnn yn").json(r#"{"title":"","reporter":"","request":"","minutes":0}"#),
        r("GET", "/api/v1/meetings/topics/{topic}", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/meetings/topics/{topic}/materials", "flow.work", "nhhh nnn nn").bytes("material"),
        r("GET", "/api/v1/meetings/topics/{topic}/materials/{topic_material}", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/meetings/topics/{topic}/cosign", "flow.work", "nhhh nnn nn").json(r#"{"agreed":true}"#),
        r("POST", "/api/v1/meetings/topics/{topic}/screen", "flow.work", "yhhh nnn yn").json(r#"{"decision":"x"}"#),
        r("POST", "/api/v1/meetings/topics/{topic}/resubmit", "flow.work", "nhhh nnn nn"),
        r("POST", "/api/v1/meetings/topics/{topic}/defer", "flow.work", "yhhh nnn yn").json(r#"{"reason":""}"#),
        r("GET", "/api/v1/meetings/{id}/agenda", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/meetings/{id}/agenda", "flow.work", "yhhh nnn yn").json(r#"{"items":[]}"#),
        r("GET", "/api/v1/meetings/requests", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/meetings/requests", "flow.work", "yyyy nnn yn").json(r#"{"kind_id":0,"title":"","wished_start":"","wished_end":""}"#),
        r("GET", "/api/v1/meetings/requests/{meeting_request}", "flow.work", "yhhy nnn yn"),
        r("POST", "/api/v1/meetings/requests/{meeting_request}/decision", "flow.work", "yhhn nnn yn").json(r#"{"decision":"x"}"#),
        // ---- API: management (a target of the city office, the 秘书's weekly report and
        // month: the office's 主任 reads and acts on them, others find nothing; the bodies are
        // wrong on purpose, so the 主任 gets 422 and nothing changes) ----
        r("GET", "/api/v1/targets", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/targets", "flow.work", "ynnn nnn yn").json(r#"{"title":"","measure_kind":"number","target_value":"1","weight":1}"#),
        r("GET", "/api/v1/targets/{target}", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/targets/{target}/result", "flow.work", "yhhh nnn yn").json(r#"{"status":"无此状态"}"#),
        r("POST", "/api/v1/targets/{target}/links", "flow.work", "yhhh nnn yn").json(r#"{"kind":"无此类别","ref_id":0}"#),
        r("GET", "/api/v1/reports", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/reports", "flow.work", "yyyy nnn yn").json(r#"{"week":"x","body":""}"#),
        r("GET", "/api/v1/reports/week", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/reports/{weekly}/comment", "flow.work", "yhhh nnn yn").json(r#"{"comment":""}"#),
        r("POST", "/api/v1/reports/urge", "flow.work", "ynnn nnn yn").json(r#"{"week":"2030-01-07"}"#),
        // ---- API: 领导日程 (the 主任's own engagement; the 主任 is a leader of the city)
        r("GET", "/api/v1/schedule", "flow.work", "ynyy nnn yn"),
        r("POST", "/api/v1/schedule/entries", "flow.work", "ynhn nnn yn").json(r#"{"leader_post_id":{leader},"kind":"x","title":"","starts_at":"","ends_at":""}"#),
        r("PUT", "/api/v1/schedule/entries/{schedule_entry}", "flow.work", "ynhn nnn yn").json(r#"{"leader_post_id":{leader},"kind":"x","title":"","starts_at":"","ends_at":""}"#),
        r("POST", "/api/v1/schedule/entries/{schedule_entry}/cancel", "flow.work", "ynhn nnn yn"),
        r("GET", "/api/v1/schedule/keepers", "flow.work", "ynhh nnn yn"),
        r("PUT", "/api/v1/schedule/keepers", "flow.work", "ynhn nnn yn").json(r#"{"leader_post_id":{leader},"keepers":[-1]}"#),
        r("GET", "/api/v1/reports/rollup", "flow.work", "ynnn nnn yn"),
        r("POST", "/api/v1/reports/rollup", "flow.work", "ynnn nnn yn").json(r#"{"week":"x","body":""}"#),
        r("POST", "/api/v1/reports/rollup/{rollup}/comment", "flow.work", "yhhh nnn yn").json(r#"{"comment":""}"#),
        // ---- API: 日安排 (the 主任's own entries) and 规章制度 (a rule of the city office) ----
        r("GET", "/api/v1/plans", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/plans/section", "flow.work", "ynnn nnn yn"),
        r("POST", "/api/v1/plans/entries", "flow.work", "yyyy nnn yn").json(r#"{"date":"2026-11-26","text":""}"#),
        r("POST", "/api/v1/plans/entries/{id}/move", "flow.work", "yhhh nnn yn").json(r#"{"direction":"up"}"#),
        r("POST", "/api/v1/plans/entries/{id}/done", "flow.work", "yhhh nnn yn").json(r#"{"done":false}"#),
        r("DELETE", "/api/v1/plans/entries/{entry_gone}", "flow.work", "yhhh nnn .n"),
        r("POST", "/api/v1/plans/marks", "flow.work", "yyyy nnn yn").json(r#"{"date":"2026-11-26","source":"task:0","done":true}"#),
        r("GET", "/api/v1/rules", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/rules", "flow.work", "ynnn nnn yn").json(r#"{"title":"","body":"","effective_on":"x"}"#),
        r("GET", "/api/v1/rules/{id}", "flow.work", "yhhy nnn yn"),
        r("POST", "/api/v1/rules/{id}/versions", "flow.work", "yhhn nnn yn").json(r#"{"body":"","effective_on":"x"}"#),
        r("POST", "/api/v1/rules/{id}/acknowledge", "flow.work", "yhhy nnn yn"),
        r("GET", "/api/v1/research", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/research", "flow.work", "ynyy nnn yn").json(r#"{"title":"","questions":"","origin":"own","timing":"before","starts_on":"x","due_on":"x"}"#),
        r("GET", "/api/v1/research/options", "flow.work", "ynyy nnn yn"),
        r("GET", "/api/v1/research/figures", "flow.work", "ynyy nnn yn"),
        r("GET", "/api/v1/research/{id}", "flow.work", "yhhy nnn yn"),
        r("POST", "/api/v1/research/{id}/decision", "flow.work", "yhhn nnn yn").json(r#"{"approve":true}"#),
        r("POST", "/api/v1/research/{id}/start", "flow.work", "yhhn nnn yn"),
        r("POST", "/api/v1/research/{id}/visits", "flow.work", "yhhn nnn yn").json(r#"{"kind":"x","starts_at":"x","ends_at":"x","place":"","notes":""}"#),
        r("POST", "/api/v1/research/visits/{id}/files?name=a.txt", "flow.work", "yhhn nnn yn").bytes("矩阵照片"),
        r("GET", "/api/v1/research/files/{id}", "flow.work", "yhhy nnn yn"),
        r("POST", "/api/v1/research/{id}/report", "flow.work", "yhhn nnn yn").json(r#"{"title":"","body":""}"#),
        r("POST", "/api/v1/research/{id}/review", "flow.work", "yhhn nnn yn").json(r#"{"approve":false}"#),
        r("POST", "/api/v1/research/{id}/instructions", "flow.work", "yhhn nnn yn").json(r#"{"text":""}"#),
        r("POST", "/api/v1/research/{id}/supervise", "flow.work", "nhhn nnn nn").json(r#"{"instruction_id":0}"#),
        r("POST", "/api/v1/research/{id}/close", "flow.work", "yhhn nnn yn").json(r#"{"outcome":"x"}"#),
        r("GET", "/api/v1/study/materials", "flow.work", "ynyy nnn yn"),
        r("POST", "/api/v1/study/materials", "flow.work", "ynnn nnn yn").json(r#"{"title":"","topic":"","grade":"fine","reading_minutes":0}"#),
        r("GET", "/api/v1/study/materials/{id}", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/study/materials/{id}/read", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/study/materials/{id}/file?name=a.txt", "flow.work", "yhhh nnn yn").bytes("矩阵材料"),
        r("GET", "/api/v1/study/materials/{id}/file", "flow.work", "yhhh nnn yn"),
        r("GET", "/api/v1/study/sessions", "flow.work", "ynyy nnn yn"),
        r("POST", "/api/v1/study/sessions", "flow.work", "ynnn nnn yn").json(r#"{"kind":"x","title":"","starts_at":"x","ends_at":"x","speaker_post_id":0}"#),
        r("GET", "/api/v1/study/sessions/{id}", "flow.work", "yhhy nnn yn"),
        r("GET", "/api/v1/study/sessions/{id}/code", "flow.work", "yhhn nnn yn"),
        r("POST", "/api/v1/study/sessions/{id}/checkin", "flow.work", "yhhy nnn yn").json(r#"{"code":"1"}"#),
        r("POST", "/api/v1/study/sessions/{id}/attendance", "flow.work", "yhhn nnn yn").json(r#"{"post_id":0}"#),
        r("POST", "/api/v1/study/sessions/{id}/notes", "flow.work", "yhhn nnn yn").json(r#"{"notes":"矩阵"}"#),
        r("POST", "/api/v1/study/sessions/{id}/reflection", "flow.work", "yhhy nnn yn").json(r#"{"text":"矩阵"}"#),
        r("GET", "/api/v1/study/visits", "flow.work", "ynyy nnn yn"),
        r("POST", "/api/v1/study/visits", "flow.work", "ynyy nnn yn").json(r#"{"place":"","visited_on":"x","minutes":0,"learnt":""}"#),
        r("GET", "/api/v1/study/trainings", "flow.work", "ynyy nnn yn"),
        r("POST", "/api/v1/study/trainings", "flow.work", "ynnn nnn yn").json(r#"{"title":"","starts_at":"x","ends_at":"x","register_by":"x"}"#),
        r("GET", "/api/v1/study/trainings/{id}", "flow.work", "yhyy nnn yn"),
        r("POST", "/api/v1/study/trainings/{id}/registrations", "flow.work", "nhyn nnn nn").json(r#"{}"#),
        r("POST", "/api/v1/study/trainings/{id}/attendance", "flow.work", "yhnn nnn yn").json(r#"{"post_id":0}"#),
        r("GET", "/api/v1/study/hours", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/study/hours/{mishu_post}", "flow.work", "yhhh nnn yn"),
        r("GET", "/api/v1/evaluations?month=2026-11", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/evaluations/xlsx?month=2026-11", "flow.work", "yyyy nnn yn"),
        // An office's settings: read by its people, not by a post outside any office.
        r("GET", "/api/v1/evaluations/settings", "flow.work", "ynyy nnn yn"),
        r("POST", "/api/v1/evaluations/settings", "flow.work", "ynnn nnn yn").json(r#"{"report_weekday":9,"objection_days":5}"#),
        r("POST", "/api/v1/evaluations/weights", "flow.work", "ynnn nnn yn").json(r#"{"position":"无此岗位","weights":{}}"#),
        r("POST", "/api/v1/evaluations/lock", "flow.work", "yhhh nnn yn").json(r#"{"month":"2026-11","posts":[{mishu_post}]}"#),
        r("GET", "/api/v1/evaluations/{mishu_post}?month=2026-11", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/evaluations/{mishu_post}/rating", "flow.work", "yhhh nnn yn").json(r#"{"month":"2026-11","rating":99}"#),
        // Only the person objects to their own month.
        r("POST", "/api/v1/evaluations/{mishu_post}/objection", "flow.work", "nhhh nnn nn").json(r#"{"month":"2026-11","reason":""}"#),
        r("POST", "/api/v1/evaluations/{mishu_post}/decision", "flow.work", "yhhh nnn yn").json(r#"{"month":"2026-11","uphold":false,"reason":""}"#),
        // 年总结: one's own year (a post outside any office has none), a person's only by
        // those above; the annual summary document only by an office's 主任, 副主任.
        r("GET", "/api/v1/summaries?year=2026", "flow.work", "ynyy nnn yn"),
        r("GET", "/api/v1/summaries?year=2026&post={mishu_post}", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/summaries", "flow.work", "ynyy nnn yn").json(r#"{"year":2026,"body":"","submit":true}"#),
        r("GET", "/api/v1/summaries/pdf?year=2026&post={mishu_post}", "flow.work", "yhhh nnn yn"),
        r("GET", "/api/v1/summaries/xlsx?year=2026", "flow.work", "ynyy nnn yn"),
        r("POST", "/api/v1/summaries/document", "flow.work", "ynnn nnn yn").json(r#"{"year":1999}"#),
        // ---- API: service requests (a 咨询 the city's office registered; its dispatchers — the
        // 主任, and the 秘书 below 密级, which requests do not carry — accept and dispatch; the
        // lead post alone signs, returns, answers and asks for 延期) ----
        r("GET", "/api/v1/service/requests", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/service/hot", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/service/requests", "flow.work", "ynny nnn yn").json(r#"{"channel":"phone","category":0,"description":""}"#),
        r("GET", "/api/v1/service/requests/{id}", "flow.work", "yhhy nnn yn"),
        r("GET", "/api/v1/service/requests/{id}/files/{service_file}", "flow.work", "yhhy nnn yn"),
        r("POST", "/api/v1/service/requests/{id}/merge", "flow.work", "ynny nnn yn").json(r#"{"into":0}"#),
        r("POST", "/api/v1/service/requests/{id}/decline", "flow.work", "ynny nnn yn").json(r#"{"reason":""}"#),
        r("POST", "/api/v1/service/requests/{id}/accept", "flow.work", "ynny nnn yn"),
        r("POST", "/api/v1/service/requests/{id}/dispatch", "flow.work", "ynny nnn yn").json(r#"{"lead_post":0}"#),
        r("POST", "/api/v1/service/requests/{id}/sign", "flow.work", "nhhn nnn nn"),
        r("POST", "/api/v1/service/requests/{id}/return", "flow.work", "nhhn nnn nn").json(r#"{"reason":"矩阵检查退单"}"#),
        r("POST", "/api/v1/service/requests/{id}/answer", "flow.work", "nhhn nnn nn").json(r#"{"answer":"矩阵检查的答复内容"}"#),
        r("POST", "/api/v1/service/requests/{id}/extensions", "flow.work", "nhhn nnn nn").json(r#"{"days":1,"reason":"矩阵检查延期"}"#),
        r("POST", "/api/v1/service/requests/{id}/extensions/decision", "flow.work", "ynny nnn yn").json(r#"{"approve":false,"note":""}"#),
        r("POST", "/api/v1/service/requests/{id}/review", "flow.work", "ynny nnn yn").json(r#"{"approve":false,"note":""}"#),
        r("POST", "/api/v1/service/requests/{id}/visit", "flow.work", "ynny nnn yn").json(r#"{"result":"satisfied"}"#),
        // 评价 is the asker's own (an internal request): the registered 咨询 has none.
        r("POST", "/api/v1/service/requests/{id}/rating", "flow.work", "nhhn nnn nn").json(r#"{"result":"satisfied"}"#),
        // 内部办事: asked by a government's leaders and its office's staff (a county's of its
        // own office), never by a bureau's, which has an office of its own.
        r("POST", "/api/v1/service/internal", "flow.work", "ynyy nnn yn").json(r#"{"category":0,"description":""}"#),
        r("GET", "/api/v1/service/internal/categories", "flow.work", "ynyy nnn yn"),
        // ---- API: complaints (the 秘书's complaint against the city's 人事科, at the city
        // 督查科's 核查: the city office's 主任 oversees it and reads it; nobody here holds its
        // 认定; anyone else is answered as if it did not exist) ----
        r("GET", "/api/v1/complaints", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/complaints.xlsx", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/complaints", "flow.work", "yyyy nnn yn").json(r#"{"kind":"","description":""}"#),
        r("GET", "/api/v1/complaints/upheld?unit={city_office}&from=2026-01-01&to=2026-12-31", "flow.work", "yhhh nnn yn"),
        r("GET", "/api/v1/complaints/{id}", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/complaints/{id}/finding", "flow.work", "nhhh nnn nn").json(r#"{"finding":"rejected","reason":"矩阵检查"}"#),
        // ---- API: information (a 秘密 item of 柳林县's office at the city office's 签收, and a
        // draft issue of the city's periodical). The city office's 主任 oversees what reaches the
        // office; its information section alone signs, screens, edits, adopts and composes
        // issues (no actor here sits in it: every one is refused); anyone else is answered as
        // for a missing item.
        r("GET", "/api/v1/information", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/information", "flow.work", "yyyy nnn yn").json(r#"{"title":"","body":"","signer_post":0}"#),
        r("GET", "/api/v1/information/options", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/information/backlog", "flow.work", "ynnn nnn yn"),
        r("GET", "/api/v1/information/{id}", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/information/receipts/{id}/sign", "flow.work", "nnnn nnn nn"),
        r("POST", "/api/v1/information/receipts/{id}/screen", "flow.work", "nnnn nnn nn").json(r#"{"decision":"采用"}"#),
        r("POST", "/api/v1/information/receipts/{id}/edit", "flow.work", "nnnn nnn nn").json(r#"{"title":"","body":""}"#),
        r("POST", "/api/v1/information/receipts/{id}/adopt", "flow.work", "nnnn nnn nn").json(r#"{"level":"internal"}"#),
        r("GET", "/api/v1/information/periodicals", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/information/periodicals", "flow.work", "nnnn nnn nn").json(r#"{"name":""}"#),
        r("POST", "/api/v1/information/issues", "flow.work", "nnnn nnn nn").json(r#"{"periodical":0}"#),
        r("GET", "/api/v1/information/periodicals/{id}", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/information/periodicals/{id}/publish", "flow.work", "nnnn nnn nn"),
        // The fixture's issue is a draft, issued to nobody: nobody signs for it.
        r("POST", "/api/v1/information/periodicals/{id}/receive", "flow.work", "nnnn nnn nn"),
        r("GET", "/api/v1/information/periodicals/received", "flow.work", "yyyy nnn yn"),
        r("GET", "/api/v1/information/periodicals/{id}/pdf", "flow.work", "yhhh nnn yn"),
        r("GET", "/api/v1/information/points", "flow.work", "nnnn nnn nn"),
        r("PUT", "/api/v1/information/points", "flow.work", "nnnn nnn nn").json(r#"[]"#),
        // The ranking: an overseeing office's, or the office above the asker's unit (the city
        // office's own staff report to no office in the tree).
        r("GET", "/api/v1/information/ranking", "flow.work", "yyyn nnn yn"),
        r("GET", "/api/v1/information/duty", "flow.work", "nnnn nnn nn"),
        // 约稿 (a commission of the city's information section to 柳林县's office): the office's
        // directors read it, the section alone asks, urges and closes; units not asked learn
        // nothing. The 批示 leaders are the section's choice.
        r("GET", "/api/v1/information/commissions", "flow.work", "yyyy nnn yn"),
        r("POST", "/api/v1/information/commissions", "flow.work", "nnnn nnn nn").json(r#"{"topic":"","due_on":"","units":[]}"#),
        r("GET", "/api/v1/information/commissions/units", "flow.work", "nnnn nnn nn"),
        r("GET", "/api/v1/information/commissions/{id}", "flow.work", "yhhh nnn yn"),
        r("POST", "/api/v1/information/commissions/{id}/urge", "flow.work", "nnnn nnn nn"),
        r("POST", "/api/v1/information/commissions/{id}/close", "flow.work", "nnnn nnn nn"),
        r("GET", "/api/v1/information/leaders", "flow.work", "nnnn nnn nn"),
        r("POST", "/api/v1/information/bulletin", "flow.work", "nnnn nnn nn").json(r#"{"month":"bad"}"#),
        r("PUT", "/api/v1/information/duty", "flow.work", "nnnn nnn nn").json(r#"{}"#),
        // ---- Pages: the desk and the person's own (a token opens no page) ----
        r("GET", "/", "", "yyyy yyy ll"),
        r("POST", "/session/post", "", "nnnn nnn ll").form("post_id={mishu_post}"),
        r("POST", "/notifications/{id}/read", "", "yhhh hhh ll"),
        r("POST", "/notifications/read", "", "yyyy yyy ll"),
        r("GET", "/opinions", "flow.work", "yyyy nnn ll"),
        r("POST", "/opinions", "flow.work", "yyyy nnn ll").form("opinions=同意。"),
        r("POST", "/opinions/add", "flow.work", "yyyy nnn ll").form("opinion=已阅。&back=/"),
        r("GET", "/account", "", "yyyy yyy ll"),
        r("GET", "/account/password", "", "yyyy yyy ll"),
        r("POST", "/account/password", "", "yyyy yyy ll").form("old_password=x&new_password=y"),
        r("POST", "/account/tokens", "", "yyyy nnn ll").form("name=矩阵&scopes=org.read"),
        r("POST", "/account/tokens/{other_token}/revoke", "", "hhhh hhh ll"),
        r("GET", "/account/factor", "", "yyyy yyy ll"),
        r("POST", "/account/factor", "", "yyyy yyy ll"),
        r("POST", "/account/factor/confirm", "", "yyyy yyy ll").form("code=000000"),
        r("GET", "/account/sessions", "", "yyyy yyy ll"),
        r("POST", "/account/sessions/end-others", "", "yyyy yyy ll"),
        r("GET", "/account/notify", "", "yyyy yyy ll"),
        r("POST", "/account/notify", "", "yyyy yyy ll").form("email=matrix%40example.gov.cn&mail=true&topics=new_task&quiet_from=22%3A00&quiet_to=07%3A00"),
        r("GET", "/org/units/{id}/robots", "org.admin", "nnnn ynn ll"),
        r("POST", "/org/units/{id}/robots", "org.admin", "nnnn ynn ll").form("kind=dingtalk&url=https%3A%2F%2Foapi.dingtalk.com%2Frobot%2Fsend%3Faccess_token%3Dmatrix&topics=new_task"),
        r("POST", "/org/units/{id}/robots/{robot_kind}/test", "org.admin", "nnnn ynn ll"),
        r("POST", "/org/units/{id}/robots/{robot_kind}/retire", "org.admin", "nnnn ynn ll"),
        // ---- Pages: organisation and administration ----
        r("GET", "/org/units", "org.read", "yyyy yyy ll"),
        r("GET", "/org/units.xlsx", "org.read", "yyyy yyy ll"),
        r("GET", "/org/units/new", "org.admin", "nnnn ynn ll"),
        r("POST", "/org/units/new", "org.admin", "nnnn ynn ll").form("kind=section&name=矩阵页新科&parent_id={city_office}"),
        r("GET", "/org/units/{id}", "org.read", "yyyy yyy ll"),
        r("GET", "/org/units/{id}/edit", "org.admin", "nnnn ynn ll"),
        r("POST", "/org/units/{id}/edit", "org.admin", "nnnn ynn ll").form("kind=section&name=矩阵科&parent_id={city_office}"),
        r("GET", "/org/persons", "org.read", "yyyy yyy ll"),
        r("GET", "/org/persons/new", "org.admin", "nnnn ynn ll"),
        r("POST", "/org/persons/new", "org.admin", "nnnn ynn ll").form("login=matrix.page&name=矩阵页人"),
        r("GET", "/org/persons/{id}", "org.read", "yyyy yyy ll"),
        r("POST", "/org/persons/{id}/posts", "org.admin", "nnnn ynn ll").form("person_id={person}&unit_id={unit}&position_id={position}"),
        r("POST", "/org/persons/{id}/lock", "security.admin", "nnnn nyn ll"),
        r("POST", "/org/persons/{id}/unlock", "security.admin", "nnnn nyn ll"),
        r("POST", "/org/persons/{id}/second-factor/reset", "security.admin", "nnnn nyn ll"),
        r("POST", "/org/persons/{id}/reset-password", "security.admin", "nnnn nyn ll").form("check_code=000000"),
        r("POST", "/org/posts/{id}/end", "org.admin", "nnnn ynn ll").form("person_id={person}"),
        r("POST", "/org/posts/{id}/access", "security.admin", "nnnn nyn ll").form("clearance=public"),
        r("GET", "/org/import", "org.admin", "nnnn ynn ll"),
        r("GET", "/org/import/template.xlsx", "", "yyyy yyy ll"),
        r("POST", "/org/import", "org.admin", "nnnn ynn ll").multipart("not a workbook"),
        r("GET", "/admin", "", "yyyy yyy ll"),
        r("GET", "/admin/events", "audit.read", "nnnn nny ll"),
        r("GET", "/admin/audit", "audit.read", "nnnn nny ll"),
        r("GET", "/admin/seals", "security.admin", "nnnn nyn ll"),
        r("POST", "/admin/seals/{unit}", "security.admin", "nnnn nyn ll").multipart("not an image"),
        r("GET", "/admin/seals/{unit}/preview", "security.admin", "nnnn n.n ll"),
        r("GET", "/admin/calendar", "", "yyyy yyy ll"),
        r("GET", "/admin/calendar/{year}", "", "yyyy yyy ll"),
        r("GET", "/admin/calendar/{year}/paste", "calendar.admin", "nnnn ynn ll"),
        r("POST", "/admin/calendar/{year}/paste", "calendar.admin", "nnnn ynn ll").form("notice="),
        r("GET", "/admin/calendar/{year}/edit", "calendar.admin", "nnnn ynn ll"),
        r("POST", "/admin/calendar/{year}/edit", "calendar.admin", "nnnn ynn ll").form("toml=x&action=preview"),
        r("GET", "/admin/handover", "flow.admin", "nnnn ynn ll"),
        r("POST", "/admin/handover", "flow.admin", "nnnn ynn ll").form("from={zhuren_post}&to={zhuren_post}"),
        // ---- Pages: flow ----
        r("POST", "/cases", "flow.work", "yyyy nnn ll").form("title=&body=&key=matrix"),
        r("GET", "/cases/new", "flow.work", "yyyy nnn ll"),
        r("GET", "/efficiency", "flow.work", "yyyy nnn ll"),
        r("GET", "/efficiency/backlog.xlsx", "flow.work", "yyyy nnn ll"),
        r("GET", "/efficiency/leader", "flow.work", "ynnn nnn ll"),
        r("GET", "/efficiency/units", "flow.work", "yyyy nnn ll"),
        r("GET", "/efficiency/units.xlsx", "flow.work", "yyyy nnn ll"),
        r("GET", "/efficiency/units/{id}", "flow.work", "ynnn nnn ll"),
        r("POST", "/efficiency/weights", "flow.work", "ynnn nnn ll").form("w_cards=90"),
        r("POST", "/efficiency/bulletin", "flow.work", "ynnn nnn ll").form("period=2026-11"),
        r("GET", "/efficiency/alerts", "flow.work", "yyyy nnn ll"),
        r("GET", "/efficiency/alerts.xlsx", "flow.work", "yyyy nnn ll"),
        r("GET", "/efficiency/alerts/settings", "flow.work", "ynnn nnn ll"),
        r("POST", "/efficiency/alerts/settings", "flow.work", "ynnn nnn ll").form("threshold_returned=0"),
        r("POST", "/efficiency/alerts/{id}/acknowledge", "flow.work", "ynnn nnn ll").form("note="),
        r("GET", "/satisfaction", "flow.work", "yyyy nnn ll"),
        r("GET", "/satisfaction.xlsx", "flow.work", "yyyy nnn ll"),
        r("POST", "/satisfaction/rate", "flow.work", "yyyy nnn ll").form("item_kind=supervision&item_id=0&result="),
        r("POST", "/satisfaction/higher", "flow.work", "ynnn nnn ll").form("month=&score="),
        r("GET", "/cases/{id}", "flow.work", "yhhh nnn ll"),
        r("POST", "/cases/{id}/act", "flow.work", "ynnn nnn ll").form("kind=complete&task={task_no}&decision=无此决定"),
        r("POST", "/cases/{id}/revise", "flow.work", "yhhh nnn ll").form("version=1&title=改后的标题&body="),
        r("GET", "/cases/{request}/attachments/{case_file}", "flow.work", "yhhh nnn ll"),
        r("POST", "/tasks/{id}/urge", "flow.work", "yhhh nnn ll").form("case_id={case}&message="),
        r("GET", "/proxies", "flow.work", "yyyy nnn ll"),
        r("POST", "/proxies", "flow.work", "yyyy nnn ll").form("proxy=0&starts=&ends="),
        r("POST", "/proxies/{proxy2}/revoke", "flow.work", "yhhh nnn ll"),
        // ---- Pages: documents ----
        r("GET", "/documents", "flow.work", "yyyy nnn ll"),
        r("POST", "/documents", "flow.work", "yyyy nnn ll").form("kind=notice&title="),
        r("GET", "/documents/new", "flow.work", "yyyy nnn ll"),
        r("GET", "/documents/incoming", "flow.work", "yyyy nnn ll"),
        r("POST", "/documents/incoming", "flow.work", "nnyn nnn ll").form("kind=notice&title="),
        r("GET", "/documents/incoming/new", "flow.work", "nnyn nnn ll"),
        r("GET", "/documents/search?q=%E7%9F%A9%E9%98%B5", "flow.work", "yyyy nnn ll"),
        r("GET", "/documents/search/count?q=%E7%9F%A9%E9%98%B5", "flow.work", "yyyy nnn ll"),
        r("GET", "/documents/ledger", "flow.work", "yyyy nnn ll"),
        r("GET", "/documents/ledger.xlsx", "flow.work", "yyyy nnn ll"),
        r("POST", "/documents/ledger/reserve", "flow.work", "ynnn nnn ll").form("code={city_code}&year=2026&seq=0&reason="),
        r("POST", "/documents/ledger/void", "flow.work", "ynnn nnn ll").form("code={city_code}&year=2026&seq=0&reason="),
        r("GET", "/documents/{id}", "flow.work", "yhhn nnn ll"),
        r("GET", "/documents/{county_doc}", "flow.work", "hhyh nnn ll"),
        r("POST", "/documents/{id}", "flow.work", "ynnn nnn ll").form("kind=notice&title="),
        r("GET", "/documents/{id}/edit", "flow.work", "yhhn nnn ll"),
        r("POST", "/documents/{id}/submit", "flow.work", "nnnn nnn ll").form("signoff_post={zhuren_post}"),
        r("GET", "/documents/{id}/compare?from=1&to=1", "flow.work", "yhhn nnn ll"),
        r("GET", "/documents/{id}/pdf", "flow.work", "yhhn nnn ll"),
        r("GET", "/documents/{id}/sheet", "flow.work", "yhhn nnn ll"),
        r("POST", "/documents/{id}/archive", "flow.work", "ynnn nnn ll").form("retention=x"),
        r("GET", "/documents/{id}/archive/package", "flow.work", "yhhn nnn ll"),
        r("GET", "/documents/archive/{year}/package", "flow.work", "ynyn nnn ll"),
        r("POST", "/documents/{id}/resend", "flow.work", "ynnn nnn ll").form("x=1"),
        r("POST", "/documents/{id}/attachments", "flow.work", "ynnn nnn ll").multipart("矩阵附件"),
        r("GET", "/documents/{id}/attachments/{attachment}", "flow.work", "yhhn nnn ll"),
        // ---- Pages: supervision ----
        r("GET", "/supervision", "flow.work", "yyyy nnn ll"),
        r("POST", "/supervision", "flow.work", "nnnn nnn ll").form("title=&content=&lead_post="),
        r("GET", "/supervision.xlsx", "flow.work", "yyyy nnn ll"),
        r("GET", "/supervision/new", "flow.work", "nnnn nnn ll"),
        r("GET", "/supervision/bulletin", "flow.work", "ynnn nnn ll"),
        r("POST", "/supervision/bulletin", "flow.work", "ynnn nnn ll").form("month=2026-11"),
        r("POST", "/supervision/scores", "flow.work", "ynnn nnn ll").form("month=2026-11"),
        r("GET", "/supervision/{id}", "flow.work", "yhhh nnn ll"),
        r("POST", "/supervision/{id}/sign", "flow.work", "yhhh nnn ll").form("text="),
        r("POST", "/supervision/{id}/report", "flow.work", "yhhh nnn ll").form("text="),
        r("POST", "/supervision/{id}/decompose", "flow.work", "yhhh nnn ll").form("report_cycle="),
        r("POST", "/supervision/{id}/apply", "flow.work", "yhhh nnn ll").form("text="),
        r("POST", "/supervision/{id}/review", "flow.work", "yhhh nnn ll").form("text="),
        r("POST", "/supervision/{id}/change", "flow.work", "yhhh nnn ll").form("reason="),
        r("POST", "/supervision/{id}/change/decide", "flow.work", "yhhh nnn ll").form("text="),
        r("POST", "/supervision/{id}/urge", "flow.work", "yhhh nnn ll").form("text="),
        // ---- Pages: meetings ----
        r("GET", "/meetings", "flow.work", "yyyy nnn ll"),
        r("POST", "/meetings", "flow.work", "ynyy nnn ll").form("title="),
        r("GET", "/meetings/new", "flow.work", "ynyy nnn ll"),
        r("GET", "/meetings/rooms", "flow.work", "yyyy nnn ll"),
        r("POST", "/meetings/rooms", "flow.work", "ynyy nnn ll").form("name="),
        r("GET", "/meetings/rooms/{id}", "flow.work", "yyyy nnn ll"),
        r("GET", "/meetings/feed", "flow.work", "yyyy nnn ll"),
        r("POST", "/meetings/feed", "flow.work", "yyyy nnn ll"),
        r("POST", "/meetings/feed/revoke", "flow.work", "yyyy nnn ll"),
        r("GET", "/meetings/{id}", "flow.work", "yhhh nnn ll"),
        r("GET", "/meetings/{id}/ics", "flow.work", "yhhh nnn ll"),
        r("POST", "/meetings/{id}/move", "flow.work", "yhhh nnn ll").form("date="),
        r("POST", "/meetings/{id}/advance", "flow.work", "yhhh nnn ll"),
        r("POST", "/meetings/{id}/cancel", "flow.work", "yhhh nnn ll").form("reason="),
        r("POST", "/meetings/{id}/notice", "flow.work", "yhhh nnn ll").form("body="),
        r("POST", "/meetings/{id}/notice/document", "flow.work", "yhhh nnn ll").form("contact="),
        r("POST", "/meetings/{id}/reply", "flow.work", "yhhh nnn ll").form("answer="),
        r("POST", "/meetings/{id}/replies/{reply}/leave", "flow.work", "yhhh nnn ll").form("decision=refuse"),
        r("POST", "/meetings/{id}/urge", "flow.work", "yhhh nnn ll").form("message="),
        r("GET", "/meetings/{id}/checkin", "flow.work", "yhhh nnn ll"),
        r("POST", "/meetings/{id}/checkin", "flow.work", "yhhh nnn ll").form("code="),
        r("GET", "/meetings/{id}/checkin/screen", "flow.work", "yhhh nnn ll"),
        r("POST", "/meetings/{id}/checkin/staff", "flow.work", "yhhh nnn ll").form("post_id="),
        r("GET", "/meetings/{id}/attendance.xlsx", "flow.work", "yhhh nnn ll"),
        r("GET", "/meetings/figures", "flow.work", "ynyy nnn ll"),
        r("POST", "/meetings/{id}/minutes", "flow.work", "yhhh nnn ll").form("body="),
        r("POST", "/meetings/{id}/decisions", "flow.work", "yhhh nnn ll").form("text_1="),
        r("GET", "/meetings/topics", "flow.work", "yyyy nnn ll"),
        r("POST", "/meetings/topics", "flow.work", "yyyy nnn ll").form("title="),
        r("GET", "/meetings/topics/new", "flow.work", "yyyy nnn ll"),
        r("GET", "/meetings/topics/{topic}", "flow.work", "yhhh nnn ll"),
        r("POST", "/meetings/topics/{topic}/materials", "flow.work", "nhhh nnn ll").multipart("矩阵材料"),
        r("GET", "/meetings/topics/{topic}/materials/{topic_material}", "flow.work", "yhhh nnn ll"),
        r("POST", "/meetings/topics/{topic}/cosign", "flow.work", "nhhh nnn ll").form("agreed=yes"),
        r("POST", "/meetings/topics/{topic}/screen", "flow.work", "yhhh nnn ll").form("decision=x"),
        r("POST", "/meetings/topics/{topic}/resubmit", "flow.work", "nhhh nnn ll"),
        r("POST", "/meetings/topics/{topic}/defer", "flow.work", "yhhh nnn ll").form("reason="),
        r("POST", "/meetings/{id}/agenda", "flow.work", "yhhh nnn ll").form("x=1"),
        r("GET", "/meetings/requests", "flow.work", "yyyy nnn ll"),
        r("POST", "/meetings/requests", "flow.work", "yyyy nnn ll").form("title="),
        r("POST", "/meetings/requests/{meeting_request}/decision", "flow.work", "yhhn nnn ll").form("decision=x"),
        // ---- Pages: management ----
        r("GET", "/management", "flow.work", "yyyy nnn ll"),
        r("GET", "/management/targets", "flow.work", "yyyy nnn ll"),
        r("POST", "/management/targets", "flow.work", "ynnn nnn ll").form("title=&measure_kind=number&target_value=1&weight=1"),
        r("GET", "/management/targets/{target}", "flow.work", "yhhh nnn ll"),
        r("POST", "/management/targets/{target}/result", "flow.work", "yhhh nnn ll").form("status=x"),
        r("POST", "/management/targets/{target}/links", "flow.work", "yhhh nnn ll").form("kind=x&ref_id=0"),
        r("GET", "/management/reports", "flow.work", "yyyy nnn ll"),
        r("POST", "/management/reports", "flow.work", "yyyy nnn ll").form("week=x&body="),
        r("POST", "/management/reports/{weekly}/comment", "flow.work", "yhhh nnn ll").form("comment="),
        r("POST", "/management/reports/urge", "flow.work", "ynnn nnn ll").form("week=2030-01-07"),
        r("GET", "/schedule", "flow.work", "ynyy nnn ll"),
        r("POST", "/schedule/entries", "flow.work", "ynhn nnn ll").form("leader={leader}&kind=x"),
        r("POST", "/schedule/entries/{schedule_entry}", "flow.work", "ynhn nnn ll").form("leader={leader}&kind=x"),
        r("POST", "/schedule/entries/{schedule_entry}/cancel", "flow.work", "ynhn nnn ll").form("leader={leader}"),
        r("GET", "/schedule/keepers", "flow.work", "ynhh nnn ll"),
        r("POST", "/schedule/keepers", "flow.work", "ynhn nnn ll").form("leader={leader}&keeper=-1"),
        r("GET", "/management/reports/rollup", "flow.work", "ynnn nnn ll"),
        r("POST", "/management/reports/rollup", "flow.work", "ynnn nnn ll").form("week=x&body="),
        r("POST", "/management/reports/rollup/{rollup}/comment", "flow.work", "yhhh nnn ll").form("comment="),
        r("GET", "/management/evaluations", "flow.work", "yyyy nnn ll"),
        r("GET", "/management/evaluations.xlsx", "flow.work", "yyyy nnn ll"),
        r("POST", "/management/evaluations/lock", "flow.work", "yhhh nnn ll").form("month=2026-11&post={mishu_post}"),
        r("GET", "/management/evaluations/{mishu_post}", "flow.work", "yhhh nnn ll"),
        r("POST", "/management/evaluations/{mishu_post}/rating", "flow.work", "yhhh nnn ll").form("month=2026-11&rating=99"),
        r("POST", "/management/evaluations/{mishu_post}/objection", "flow.work", "nhhh nnn ll").form("month=2026-11&reason="),
        r("POST", "/management/evaluations/{mishu_post}/decision", "flow.work", "yhhh nnn ll").form("month=2026-11&reason="),
        r("GET", "/management/summary", "flow.work", "ynyy nnn ll"),
        r("POST", "/management/summary", "flow.work", "ynyy nnn ll").form("year=2026&body=&action=submit"),
        r("GET", "/management/summary.pdf", "flow.work", "ynyy nnn ll"),
        r("GET", "/management/summary.xlsx", "flow.work", "ynyy nnn ll"),
        r("POST", "/management/summary/document", "flow.work", "ynnn nnn ll").form("year=1999"),
        r("GET", "/management/settings", "flow.work", "ynyy nnn ll"),
        r("POST", "/management/settings", "flow.work", "ynnn nnn ll").form("report_weekday=9&objection_days=5"),
        r("POST", "/management/settings/weights", "flow.work", "ynnn nnn ll").form("position=x"),
        r("GET", "/plans/today", "flow.work", "yyyy nnn ll"),
        r("GET", "/plans/section", "flow.work", "ynnn nnn ll"),
        r("POST", "/plans/entries", "flow.work", "yyyy nnn ll").form("date=2026-11-26&text="),
        r("POST", "/plans/entries/{id}/move", "flow.work", "yhhh nnn ll").form("direction=up"),
        r("POST", "/plans/entries/{id}/done", "flow.work", "yhhh nnn ll").form("done=0"),
        r("POST", "/plans/entries/{entry_page_gone}/delete", "flow.work", "yhhh nnn ll"),
        r("POST", "/plans/marks", "flow.work", "yyyy nnn ll").form("date=2026-11-26&source=x&done=1"),
        r("GET", "/rules", "flow.work", "yyyy nnn ll"),
        r("POST", "/rules", "flow.work", "ynnn nnn ll").form("title=&body=&effective_on=x"),
        r("GET", "/rules/{id}", "flow.work", "yhhy nnn ll"),
        r("POST", "/rules/{id}/versions", "flow.work", "yhhn nnn ll").form("body=&effective_on=x"),
        r("POST", "/rules/{id}/acknowledge", "flow.work", "yhhy nnn ll"),
        r("GET", "/research", "flow.work", "yyyy nnn ll"),
        r("POST", "/research", "flow.work", "ynyy nnn ll").form("title=&questions=&origin=own&timing=before&starts_on=x&due_on=x"),
        r("GET", "/research/new", "flow.work", "ynyy nnn ll"),
        r("GET", "/research/figures", "flow.work", "ynyy nnn ll"),
        r("GET", "/research/files/{id}", "flow.work", "yhhy nnn ll"),
        r("GET", "/research/{id}", "flow.work", "yhhy nnn ll"),
        r("POST", "/research/{id}/decision", "flow.work", "yhhn nnn ll").form("approve=yes"),
        r("POST", "/research/{id}/start", "flow.work", "yhhn nnn ll"),
        r("POST", "/research/{id}/visits", "flow.work", "yhhn nnn ll").form("kind=x&starts_at=x&ends_at=x&place=&notes="),
        r("POST", "/research/{id}/report", "flow.work", "yhhn nnn ll").form("title=&body="),
        r("POST", "/research/{id}/review", "flow.work", "yhhn nnn ll").form("approve=no"),
        r("POST", "/research/{id}/instructions", "flow.work", "yhhn nnn ll").form("text="),
        r("POST", "/research/{id}/supervise", "flow.work", "nhhn nnn ll").form("instruction_id=0"),
        r("POST", "/research/{id}/close", "flow.work", "yhhn nnn ll").form("outcome=x"),
        r("GET", "/study", "flow.work", "ynyy nnn ll"),
        r("POST", "/study/materials", "flow.work", "ynnn nnn ll").form("title=&topic=&grade=fine&reading_minutes=0"),
        r("GET", "/study/materials/{id}", "flow.work", "yhhh nnn ll"),
        r("POST", "/study/materials/{id}/read", "flow.work", "yhhh nnn ll"),
        r("GET", "/study/materials/{id}/file", "flow.work", "yhhh nnn ll"),
        r("GET", "/study/record", "flow.work", "ynyy nnn ll"),
        r("GET", "/study/hours", "flow.work", "yyyy nnn ll"),
        r("GET", "/study/sessions", "flow.work", "ynyy nnn ll"),
        r("POST", "/study/sessions", "flow.work", "ynnn nnn ll").form("kind=x&title=&starts_at=x&ends_at=x"),
        r("GET", "/study/sessions/{id}", "flow.work", "yhhy nnn ll"),
        r("GET", "/study/sessions/{id}/code", "flow.work", "yhhn nnn ll"),
        r("POST", "/study/sessions/{id}/checkin", "flow.work", "yhhy nnn ll").form("code=1"),
        r("POST", "/study/sessions/{id}/attendance", "flow.work", "yhhn nnn ll").form("post_id=0"),
        r("POST", "/study/sessions/{id}/reflection", "flow.work", "yhhy nnn ll").form("text=x"),
        r("POST", "/study/sessions/{id}/notes", "flow.work", "yhhn nnn ll").form("notes=x"),
        r("GET", "/study/visits", "flow.work", "ynyy nnn ll"),
        r("POST", "/study/visits", "flow.work", "ynyy nnn ll").form("place=&visited_on=x&minutes=0&learnt="),
        r("GET", "/study/trainings", "flow.work", "ynyy nnn ll"),
        r("POST", "/study/trainings", "flow.work", "ynnn nnn ll").form("title=&starts_at=x&ends_at=x&register_by=x"),
        r("GET", "/study/trainings/{id}", "flow.work", "yhyy nnn ll"),
        r("POST", "/study/trainings/{id}/registrations", "flow.work", "nhyn nnn ll").form("x=1"),
        r("POST", "/study/trainings/{id}/attendance", "flow.work", "yhnn nnn ll").form("post_id=0"),
        // ---- Pages: service requests ----
        r("GET", "/affairs", "flow.work", "yyyy nnn ll"),
        r("GET", "/affairs/export.xlsx", "flow.work", "yyyy nnn ll"),
        r("GET", "/affairs/hot", "flow.work", "yyyy nnn ll"),
        r("GET", "/affairs/hot.xlsx", "flow.work", "yyyy nnn ll"),
        r("GET", "/affairs/new", "flow.work", "ynny nnn ll"),
        r("POST", "/affairs/new", "flow.work", "ynny nnn ll").form("channel=phone"),
        r("GET", "/affairs/apply", "flow.work", "ynyy nnn ll"),
        r("POST", "/affairs/apply", "flow.work", "ynyy nnn ll").form("category=0"),
        r("GET", "/affairs/{service_request}", "flow.work", "yhhy nnn ll"),
        r("GET", "/affairs/{service_request}/files/{service_file}", "flow.work", "yhhy nnn ll"),
        r("POST", "/affairs/{service_request}/{action}", "flow.work", "ynny nnn ll").form("reason="),
        // ---- Pages: complaints (as their API) ----
        r("GET", "/complaints", "flow.work", "yyyy nnn ll"),
        r("GET", "/complaints.xlsx", "flow.work", "yyyy nnn ll"),
        r("GET", "/complaints/new", "flow.work", "yyyy nnn ll"),
        r("POST", "/complaints/new", "flow.work", "yyyy nnn ll").form("kind="),
        r("GET", "/complaints/{id}", "flow.work", "yhhh nnn ll"),
        r("POST", "/complaints/{id}/finding", "flow.work", "nhhh nnn ll").form("finding=rejected&reason=矩阵检查"),
        // ---- Pages: information (as its API) ----
        r("GET", "/information", "flow.work", "yyyy nnn ll"),
        r("POST", "/information", "flow.work", "yyyy nnn ll").form("title="),
        r("GET", "/information/new", "flow.work", "yyyy nnn ll"),
        r("GET", "/information/ranking", "flow.work", "yyyn nnn ll"),
        r("GET", "/information/periodicals", "flow.work", "yyyy nnn ll"),
        r("POST", "/information/periodicals", "flow.work", "nnnn nnn ll").form("name="),
        r("POST", "/information/issues", "flow.work", "nnnn nnn ll").form("periodical=0"),
        r("GET", "/information/periodicals/{id}", "flow.work", "yhhh nnn ll"),
        r("POST", "/information/periodicals/{id}/publish", "flow.work", "nnnn nnn ll"),
        r("POST", "/information/periodicals/{id}/receive", "flow.work", "nnnn nnn ll"),
        r("GET", "/information/periodicals/{id}/pdf", "flow.work", "yhhh nnn ll"),
        r("GET", "/information/by-receipt/{id}", "flow.work", "yhhh nnn ll"),
        r("POST", "/information/receipts/{id}/sign", "flow.work", "nnnn nnn ll"),
        r("POST", "/information/receipts/{id}/screen", "flow.work", "nnnn nnn ll").form("decision=采用"),
        r("POST", "/information/receipts/{id}/edit", "flow.work", "nnnn nnn ll").form("title="),
        r("POST", "/information/receipts/{id}/adopt", "flow.work", "nnnn nnn ll").form("level=internal"),
        r("GET", "/information/{id}", "flow.work", "yhhh nnn ll"),
        r("GET", "/information/commissions", "flow.work", "yyyy nnn ll"),
        r("POST", "/information/commissions", "flow.work", "nnnn nnn ll").form("topic="),
        r("GET", "/information/commissions/{id}", "flow.work", "yhhh nnn ll"),
        r("POST", "/information/commissions/{id}/urge", "flow.work", "nnnn nnn ll"),
        r("POST", "/information/commissions/{id}/close", "flow.work", "nnnn nnn ll"),
        r("POST", "/information/bulletin", "flow.work", "nnnn nnn ll").form("month=bad"),
    ]
}

/// Routes that read or change no object, with the reason.
#[rustfmt::skip]
const EXEMPT: &[(&str, &str, &str)] = &[
    ("GET", "/login", "the sign-in form"),
    ("POST", "/login", "signing in: covered by the auth tests"),
    ("POST", "/logout", "ends the caller's own session"),
    ("GET", "/login/factor", "the sign-in's second step, for the caller's own waiting session (factor tests)"),
    ("POST", "/login/factor", "the sign-in's second step: covered by the factor tests"),
    ("POST", "/login/factor/cancel", "gives up the caller's own waiting sign-in"),
    ("GET", "/choose-post", "lists the caller's own posts"),
    ("GET", "/password-reset", "signed-out request form (auth tests)"),
    ("POST", "/password-reset", "signed-out request; answers alike for every login"),
    ("GET", "/password-reset/{}", "a one-time link, its secret the only key (auth tests)"),
    ("GET", "/meetings/feed/{}", "a private calendar feed, its token the only key (meetings tests)"),
    ("POST", "/password-reset/{}", "a one-time link, its secret the only key (auth tests)"),
    ("GET", "/org", "a redirect to /org/units"),
    ("GET", "/cases", "a redirect to the desk's queue of cases the caller started"),
    ("GET", "/workbench/events", "a stream of the caller's own 待办 counts, no object (ten minutes long)"),
    ("GET", "/more", "navigation"),
    ("GET", "/{}", "an area's landing page: navigation"),
    ("GET", "/static/app.css", "static asset"),
    ("GET", "/static/app.js", "static asset"),
    ("GET", "/favicon.ico", "static asset"),
    ("GET", "/healthz", "health check"),
    ("GET", "/readyz", "health check"),
    ("GET", "/metrics", "operators' figures, no object: off unless a token is configured, then that token is its only key (operations tests)"),
    ("GET", "/api/v1/openapi.json", "the API's description"),
    ("GET", "/api/v1/docs", "the API's description"),
    ("GET", "/api/v1/service/categories", "the public catalogue of request categories"),
    ("GET", "/api/v1/service/public/challenge", "the public form's challenge: no object (service tests)"),
    ("POST", "/api/v1/service/public/requests", "the public form, no sign-in: limited per address and phone (service tests)"),
    ("GET", "/api/v1/service/public/requests/{}", "public tracking: the code and its phone are the only key (service tests)"),
    ("POST", "/api/v1/service/public/requests/{}/rating", "the requester's rating: the code and its phone are the only key (service tests)"),
    ("GET", "/public/service", "the public form, no sign-in"),
    ("POST", "/api/v1/complaints/public", "the public complaint form, no sign-in: the service form's challenge, limited per address (complaints tests)"),
    ("GET", "/api/v1/complaints/public/{}", "a public complaint's status by its random code, nothing personal (complaints tests)"),
    ("GET", "/public/complaint", "the public complaint form, no sign-in"),
    ("POST", "/public/complaint", "the public complaint form, no sign-in: limited per address (complaints tests)"),
    ("GET", "/public/complaint/{}", "a public complaint's status by its random code, nothing personal (complaints tests)"),
    ("POST", "/public/service", "the public form, no sign-in: limited per address and phone (service tests)"),
    ("GET", "/public/service/track", "public tracking: the code and its phone are the only key (service tests)"),
    ("POST", "/public/service/track", "public tracking: the code and its phone are the only key (service tests)"),
    ("POST", "/public/service/rate", "the requester's rating: the code and its phone are the only key (service tests)"),
    ("ANY", "/api/v1/{}", "an unknown API path's 404"),
];

/// The ids and values a row's path and body are filled with.
struct Fixtures(BTreeMap<&'static str, String>);

impl Fixtures {
    fn get(&self, name: &str) -> &str {
        self.0
            .get(name)
            .unwrap_or_else(|| panic!("no fixture {name}"))
    }

    /// A path with its ids filled: a named placeholder by its fixture, `{id}` (and the like)
    /// by the segment before it.
    fn fill(&self, template: &str) -> String {
        let mut out = String::new();
        let mut prev = "";
        for seg in template.split('/').skip(1) {
            out.push('/');
            match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if self.0.contains_key(name) => out.push_str(self.get(name)),
                Some(_) => {
                    let by = match prev {
                        "documents" => "doc",
                        "cases" | "instruction" => "case",
                        "tasks" => "task",
                        "supervision" => "item",
                        "meetings" => "meeting",
                        "requests" => "service_request",
                        "information" => "info",
                        "complaints" => "complaint",
                        "receipts" | "by-receipt" => "receipt",
                        "periodicals" => "issue",
                        "commissions" => "commission",
                        "rooms" => "room",
                        "persons" => "person",
                        "posts" => "post",
                        "units" | "seals" => "unit",
                        "tokens" => "token",
                        "proxies" => "proxy",
                        "notifications" => "notification",
                        "alerts" => "alert",
                        "entries" => "entry",
                        "rules" => "rule",
                        "materials" => "material",
                        "research" => "research",
                        "visits" => "research_visit",
                        "files" => "research_file",
                        "sessions" => "session",
                        "trainings" => "training",
                        "years" | "calendar" | "archive" => "year",
                        "attachments" => "attachment",
                        other => panic!("{template}: no fixture for an id after /{other}/"),
                    };
                    out.push_str(self.get(by));
                }
                None => out.push_str(&self.fill_body(seg)),
            }
            prev = seg;
        }
        out
    }

    /// A body with its `{name}` placeholders filled.
    fn fill_body(&self, body: &str) -> String {
        let mut s = body.to_owned();
        for (k, v) in &self.0 {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }
}

/// What each actor signs in or calls with.
struct Credentials {
    /// `session:<cookie>:<csrf>` per session actor.
    sessions: BTreeMap<&'static str, String>,
    /// The 主任's tokens by the scopes they carry (joined with `,`).
    tokens: BTreeMap<String, String>,
}

fn session_login(actor: Actor) -> Option<&'static str> {
    Some(match actor {
        Actor::SameUnit => "zhuren",
        Actor::OtherUnit => "bureau",
        Actor::OtherCounty => "qinghe.wenshu",
        Actor::BelowClearance => "below",
        Actor::SystemAdmin => "sysadmin",
        Actor::SecurityAdmin => "secadmin",
        Actor::Auditor => "auditor",
        Actor::TokenWithScope | Actor::TokenWithoutScope => return None,
    })
}

/// The scopes of the token actor `actor` for a row needing `scope`.
fn token_scopes(actor: Actor, scope: &str) -> Vec<&'static str> {
    let grantable = GRANTABLE.contains(&scope);
    match actor {
        Actor::TokenWithScope if grantable => {
            GRANTABLE.iter().copied().filter(|s| *s == scope).collect()
        }
        Actor::TokenWithScope => GRANTABLE.to_vec(),
        _ => GRANTABLE.iter().copied().filter(|s| *s != scope).collect(),
    }
}

/// A query-string value, percent-encoded.
fn percent_encoded(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn one_login(app: &TestApp, sql: &str) -> String {
    app.text(sql).await
}

/// The demo city's objects every row is asked about, made through the real services.
async fn fixtures(app: &TestApp) -> (Fixtures, BTreeMap<&'static str, String>) {
    let scopes = ["org.read", "flow.work"];
    let mut f = BTreeMap::new();
    // Who the actors are beyond the demo's named logins.
    let bureau = one_login(
        app,
        "select pe.login from persons pe join posts p on p.person_id = pe.id
         join units s on s.id = p.unit_id join units b on b.id = s.parent_id
         where b.kind = 'bureau' and p.clearance = 'secret'
         order by p.id limit 1",
    )
    .await;
    let below = one_login(
        app,
        "select pe.login from persons pe join posts p on p.person_id = pe.id
         join units s on s.id = p.unit_id join units o on o.id = s.parent_id
         where o.name = '东川市人民政府办公室' and p.clearance = 'public'
           and (select count(*) from posts q where q.person_id = pe.id) = 1
         order by p.id limit 1",
    )
    .await;
    let mut logins = BTreeMap::new();
    logins.insert("bureau", bureau);
    logins.insert("below", below);

    // A 秘密 notice at the 主任's 签发, its case and his task on it.
    let case = app
        .notice_at_the_director("关于矩阵检查的通知", Some("secret"))
        .await;
    let doc = app
        .scalar(&format!("select id from documents where case_id = {case}"))
        .await;
    let zhuren_post = app.post_of("zhuren").await;
    let task = app
        .scalar(&format!(
            "select id from tasks where case_id = {case} and post_id = {zhuren_post} order by id desc limit 1"
        ))
        .await;
    let zhuren = app.token_for("zhuren", &scopes).await;
    let res = app
        .api_bytes(
            "POST",
            &format!("/api/v1/documents/{doc}/attachments?name=a.txt"),
            &zhuren,
            "矩阵附件".as_bytes().to_vec(),
        )
        .await;
    let attachment = if res.status == StatusCode::CREATED {
        res.json()["id"].as_i64().unwrap()
    } else {
        let mishu = app.token_for("mishu", &scopes).await;
        let res = app
            .api_bytes(
                "POST",
                &format!("/api/v1/documents/{doc}/attachments?name=a.txt"),
                &mishu,
                "矩阵附件".as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        res.json()["id"].as_i64().unwrap()
    };
    // A county's paper 收文.
    let clerk = app.token_for("qinghe.wenshu", &scopes).await;
    let res = app
        .api(
            "POST",
            "/api/v1/documents/incoming",
            &clerk,
            Some(
                json!({"sender_name": "东川市交通运输局", "title": "关于农村公路养护的通知",
                        "kind": "notice", "body": "请做好农村公路养护。"}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let county_doc = res.json()["id"].as_i64().unwrap();
    // A supervision item of the city's 督查科, led by the 主任.
    let duchake = one_login(
        app,
        "select pe.login from persons pe join posts p on p.person_id = pe.id
         join units s on s.id = p.unit_id join units o on o.id = s.parent_id
         where o.name = '东川市人民政府办公室' and s.name = '督查科'
           and (select count(*) from posts q where q.person_id = pe.id) = 1
         order by p.id limit 1",
    )
    .await;
    let sup = app.token_for(&duchake, &scopes).await;
    let city_office = app.unit_id("东川市人民政府办公室").await;
    let res = app
        .api(
            "POST",
            "/api/v1/supervision",
            &sup,
            Some(
                json!({"source_kind": "meeting", "title": "落实矩阵检查", "content": "按要求落实",
                        "lead_unit": city_office, "lead_post": zhuren_post, "deadline_days": 10}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let item = res.json()["id"].as_i64().unwrap();
    // A unit, a person and a post of the system administrator's making.
    let admin = app.token_for("sysadmin", &["org.admin"]).await;
    let res = app
        .api(
            "POST",
            "/api/v1/units",
            &admin,
            Some(json!({"kind": "section", "name": "矩阵科", "parent_id": city_office})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let unit = res.json()["id"].as_i64().unwrap();
    let res = app
        .api(
            "POST",
            "/api/v1/persons",
            &admin,
            Some(json!({"login": "matrix.person", "name": "矩阵人员"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let person = res.json()["person"]["id"].as_i64().unwrap();
    let position = app
        .scalar("select id from positions where code = 'staff'")
        .await;
    let res = app
        .api(
            "POST",
            "/api/v1/posts",
            &admin,
            Some(json!({"person_id": person, "unit_id": unit, "position_id": position})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let post = res.json()["id"].as_i64().unwrap();
    // A proxy the 主任 gives, a notification of his, and a token of someone else's.
    let deputy = app
        .scalar(&format!(
            "select p.id from posts p join positions q on q.id = p.position_id
             where p.unit_id = {city_office} and q.code = 'deputy_director' order by p.id limit 1"
        ))
        .await;
    let res = app
        .api(
            "POST",
            "/api/v1/proxies",
            &zhuren,
            Some(
                json!({"proxy_post_id": deputy, "starts_at": "2026-12-01T00:00:00Z",
                        "ends_at": "2026-12-05T00:00:00Z", "reason": "出差"}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let proxy = res.json()["id"].as_i64().unwrap();
    let notification = app
        .scalar(&format!(
            "select coalesce(max(id), 0) from notifications where post_id = {zhuren_post}"
        ))
        .await;
    assert!(notification > 0, "the 主任 has a notification");
    let other_token = app
        .scalar("select id from api_tokens order by id desc limit 1")
        .await;
    let mishu_post = app.post_of("mishu").await;
    let task_no = app
        .scalar(&format!("select task_no from tasks where id = {task}"))
        .await;
    let res = app
        .api(
            "POST",
            "/api/v1/proxies",
            &zhuren,
            Some(
                json!({"proxy_post_id": deputy, "starts_at": "2026-12-07T00:00:00Z",
                        "ends_at": "2026-12-09T00:00:00Z", "reason": "出差"}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let proxy2 = res.json()["id"].as_i64().unwrap();
    let year_data = app
        .api("GET", "/api/v1/calendar/years/2026", &zhuren, None)
        .await;
    assert_eq!(year_data.status, StatusCode::OK, "{}", year_data.body);
    f.insert("year_data", year_data.body);
    let city_code = format!(
        "{}发",
        app.text(&format!(
            "select issuer_code from units where id = {city_office}"
        ))
        .await
    );
    f.insert("city_code_q", percent_encoded(&city_code));
    f.insert("city_code", city_code);

    // A 秘密 meeting of the city office in its room, chaired by the 市长.
    let mishu_token = app.token_for("mishu", &scopes).await;
    let res = app
        .api(
            "POST",
            "/api/v1/meetings/rooms",
            &mishu_token,
            Some(json!({"name": "矩阵会议室", "capacity": 30})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let room = res.json()["id"].as_i64().unwrap();
    let kind = app
        .scalar("select id from meeting_kinds order by id limit 1")
        .await;
    let mayor = app.post_of("shizhang").await;
    let res = app
        .api(
            "POST",
            "/api/v1/meetings",
            &mishu_token,
            Some(
                json!({"kind_id": kind, "title": "矩阵专题会议", "organiser_unit_id": city_office,
                    "chair_post_id": mayor, "starts_at": "2026-12-01 09:00",
                    "ends_at": "2026-12-01 10:00", "room_id": room, "classification": "secret"}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let meeting = res.json()["id"].as_i64().unwrap();

    // A 秘密 topic of 秘书一科 for that meeting, with a material; a meeting request of 秘书一科.
    let res = app
        .api(
            "POST",
            "/api/v1/meetings/topics",
            &mishu_token,
            Some(
                json!({"meeting_id": meeting, "title": "矩阵议题", "reporter": "王晓东",
                "request": "请会议研究", "minutes": 20, "classification": "secret"}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let topic = res.json()["id"].as_i64().unwrap();
    let res = app
        .api_bytes(
            "POST",
            &format!("/api/v1/meetings/topics/{topic}/materials?name=%E6%9D%90%E6%96%99.txt"),
            &mishu_token,
            "议题材料".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let topic_material = res.json()["id"].as_i64().unwrap();
    let res = app
        .api(
            "POST",
            "/api/v1/meetings/requests",
            &mishu_token,
            Some(json!({"kind_id": kind, "title": "矩阵会议申请",
                "wished_start": "2026-12-02 09:00", "wished_end": "2026-12-02 10:00"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let meeting_request = res.json()["id"].as_i64().unwrap();

    // An internal request of the 秘书 with a file, approved by the 科长, at the 主任's 审批.
    let res = app
        .api(
            "POST",
            "/api/v1/cases",
            &mishu_token,
            Some(
                json!({"process": "internal_request", "title": "关于矩阵检查的请示",
                    "attachments": [{"name": "清单.txt", "content": "55+p6Zi15riF5Y2V"}]}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let request = res.json()["case_id"].as_i64().unwrap();
    let kezhang = app.token_for("kezhang", &scopes).await;
    app.complete_ok(&kezhang, request, "同意", "", json!({}))
        .await;
    assert!(
        app.task_of(&zhuren, request).await.is_some(),
        "the request waits at the 主任"
    );
    let case_file = app
        .scalar(&format!(
            "select id from case_attachments where case_id = {request}"
        ))
        .await;

    // 管理: a target of the city office's year, and the 秘书's saved weekly report.
    let res = app
        .api(
            "POST",
            "/api/v1/targets",
            &zhuren,
            Some(
                json!({"title": "矩阵目标", "measure_kind": "yes_no", "target_value": "yes",
                "weight": 10, "year": 2026}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let target = res.json()["id"].as_i64().unwrap();
    let res = app
        .api(
            "POST",
            "/api/v1/reports",
            &mishu_token,
            Some(json!({"week": "2026-11-26", "body": "矩阵周报告"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let weekly = res.json()["id"].as_i64().unwrap();
    // 周报告汇总: the 科长's draft of 秘书一科's week.
    let kezhang_token = app.token_for("kezhang", &["flow.work"]).await;
    let res = app
        .api(
            "POST",
            "/api/v1/reports/rollup",
            &kezhang_token,
            Some(json!({"week": "2026-11-26", "body": "矩阵周报告汇总"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let rollup = res.json()["id"].as_i64().unwrap();
    // 领导日程: an engagement the 主任 (a leader of the city) writes in his own schedule.
    let leader = app.post_of("zhuren").await;
    let res = app
        .api(
            "POST",
            "/api/v1/schedule/entries",
            &zhuren,
            Some(
                json!({"leader_post_id": leader, "kind": "trip", "title": "矩阵日程",
                "starts_at": "2026-12-01T09:00", "ends_at": "2026-12-01T10:00"}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let schedule_entry = res.json()["id"].as_i64().unwrap();

    // 日安排: three own entries of the 主任's day (one to move and mark, two to remove); 规章制度:
    // a rule of the city office, every post of it asked to acknowledge.
    let mut entries = Vec::new();
    for text in ["矩阵安排", "矩阵安排（接口删除）", "矩阵安排（页面删除）"]
    {
        let res = app
            .api(
                "POST",
                "/api/v1/plans/entries",
                &zhuren,
                Some(json!({"date": "2026-11-26", "text": text})),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        entries.push(res.json()["id"].as_i64().unwrap());
    }
    let res = app
        .api(
            "POST",
            "/api/v1/rules",
            &zhuren,
            Some(
                json!({"title": "矩阵制度", "body": "第一条 矩阵。", "effective_on": "2026-12-01"}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let rule = res.json()["id"].as_i64().unwrap();

    // A 秘密 item of 柳林县's office, signed off, waiting at the city office's 签收; a draft
    // issue of the city's periodical.
    let liulin = app.token_for("liulin.zhuren", &scopes).await;
    let liulin_post = app.post_of("liulin.zhuren").await;
    let res = app
        .api(
            "POST",
            "/api/v1/information",
            &liulin,
            Some(
                json!({"title": "柳林县矩阵检查信息", "body": "柳林县矩阵检查信息的正文内容。",
                        "kind": "news", "classification": "secret", "signer_post": liulin_post,
                        "offices": [city_office]}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let info = res.json()["id"].as_i64().unwrap();
    let info_case = app
        .scalar(&format!(
            "select case_id from information_items where id = {info}"
        ))
        .await;
    app.complete_ok(&liulin, info_case, "同意", "", json!({}))
        .await;
    let receipt = app
        .scalar(&format!(
            "select id from information_receipts where item_id = {info}"
        ))
        .await;
    let section = app
        .token_for(
            &app.login_of_position("信息科", "section_chief").await,
            &scopes,
        )
        .await;
    let res = app
        .api(
            "POST",
            "/api/v1/information/periodicals",
            &section,
            Some(json!({"name": "东川政务信息"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let periodical = res.json()["id"].as_i64().unwrap();
    let res = app
        .api(
            "POST",
            "/api/v1/information/issues",
            &section,
            Some(json!({"periodical": periodical})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let issue = res.json()["id"].as_i64().unwrap();
    let liulin_office = app.unit_id("柳林县人民政府办公室").await;
    let res = app
        .api(
            "POST",
            "/api/v1/information/commissions",
            &section,
            Some(json!({"topic": "矩阵约稿", "due_on": "2026-12-31", "units": [liulin_office]})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let commission = res.json()["id"].as_i64().unwrap();

    // An alert on the 秘密 notice that its holder, the 主任, answers for (as a scan raises it).
    app.exec(&format!(
        "insert into efficiency_alerts (rule, subject, case_id, unit_id, post_id, facts, raised_at)
         select 'returned', 'case:{case}', {case}, unit_id, id, '退回 3 次', 0
         from posts where id = {zhuren_post}"
    ))
    .await;
    let alert = app.scalar("select max(id) from efficiency_alerts").await;

    // The 秘书's complaint against the city's 人事科, at the city 督查科's 核查.
    let hr = app.unit_id("人事科").await;
    let res = app
        .api(
            "POST",
            "/api/v1/complaints",
            &app.token_for("mishu", &scopes).await,
            Some(json!({"kind": "delay", "unit_id": hr,
                        "description": "矩阵检查的效能投诉：办理拖延。"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let complaint = res.json()["id"].as_i64().unwrap();

    // 学习: a 秘密 material of the city office with its file, a 学习会 of the office next month,
    // and a training of the city office for the counties.
    let zt = app.token_for("zhuren", &scopes).await;
    let res = app
        .api(
            "POST",
            "/api/v1/study/materials",
            &zt,
            Some(json!({"title": "矩阵学习材料",
            "topic": "矩阵", "grade": "fine", "classification": "secret", "body": "矩阵。",
            "reading_minutes": 10})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let material = res.json()["id"].as_i64().unwrap();
    let res = app
        .api_bytes(
            "POST",
            &format!("/api/v1/study/materials/{material}/file?name=m.txt"),
            &zt,
            "矩阵材料文件".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    let res = app
        .api(
            "POST",
            "/api/v1/study/sessions",
            &zt,
            Some(json!({"kind": "study",
            "title": "矩阵学习会", "starts_at": "2026-12-10 09:00", "ends_at": "2026-12-10 10:30",
            "speaker_post_id": zhuren_post, "material_ids": [material]})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let session = res.json()["id"].as_i64().unwrap();
    let res = app
        .api(
            "POST",
            "/api/v1/study/trainings",
            &zt,
            Some(json!({"title": "矩阵培训",
            "starts_at": "2026-12-20 09:00", "ends_at": "2026-12-20 12:00",
            "register_by": "2026-12-15"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let training = res.json()["id"].as_i64().unwrap();

    // 调研: a topic of the city office led by the 主任, in the field with a visit and its
    // picture, its report submitted to the leaders with his 批示.
    let res = app
        .api(
            "POST",
            "/api/v1/research",
            &zt,
            Some(
                json!({"title": "矩阵调研课题", "questions": "矩阵问题", "origin": "own",
            "timing": "before", "starts_on": "2026-11-01", "due_on": "2026-12-31"}),
            ),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let research = res.json()["id"].as_i64().unwrap();
    for (path, body) in [("decision", json!({"approve": true})), ("start", json!({}))] {
        let res = app
            .api(
                "POST",
                &format!("/api/v1/research/{research}/{path}"),
                &zt,
                Some(body),
            )
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
    }
    let res = app
        .api(
            "POST",
            &format!("/api/v1/research/{research}/visits"),
            &zt,
            Some(json!({"kind": "visit", "starts_at": "2026-11-20 09:00",
            "ends_at": "2026-11-20 11:00", "place": "矩阵村", "notes": "矩阵记录"})),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let research_visit = res.json()["id"].as_i64().unwrap();
    let res = app
        .api_bytes(
            "POST",
            &format!("/api/v1/research/visits/{research_visit}/files?name=p.txt"),
            &zt,
            "矩阵照片".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let research_file = res.json()["id"].as_i64().unwrap();
    for (path, body) in [
        (
            "report",
            json!({"title": "矩阵调研报告", "body": "矩阵正文", "submit": true}),
        ),
        ("review", json!({"approve": true})),
        ("instructions", json!({"text": "矩阵批示"})),
    ] {
        let res = app
            .api(
                "POST",
                &format!("/api/v1/research/{research}/{path}"),
                &zt,
                Some(body),
            )
            .await;
        assert!(res.status.is_success(), "{path}: {}", res.body);
    }

    for (k, v) in [
        ("alert", alert),
        ("complaint", complaint),
        ("target", target),
        ("weekly", weekly),
        ("rollup", rollup),
        ("leader", leader),
        ("schedule_entry", schedule_entry),
        ("info", info),
        ("receipt", receipt),
        ("commission", commission),
        ("issue", issue),
        ("request", request),
        ("case_file", case_file),
        ("doc", doc),
        ("meeting", meeting),
        ("topic", topic),
        ("topic_material", topic_material),
        ("meeting_request", meeting_request),
        ("reply", 0),
        ("room", room),
        ("case", case),
        ("case_id", case),
        ("task", task),
        ("attachment", attachment),
        ("county_doc", county_doc),
        ("item", item),
        ("unit", unit),
        ("unit_id", unit),
        ("city_office", city_office),
        ("person", person),
        ("post", post),
        ("position", position),
        ("proxy", proxy),
        ("proxy2", proxy2),
        ("task_no", task_no),
        ("notification", notification),
        ("other_token", other_token),
        ("token", other_token),
        ("zhuren_post", zhuren_post),
        ("mishu_post", mishu_post),
        ("year", 2026),
        ("entry", entries[0]),
        ("entry_gone", entries[1]),
        ("entry_page_gone", entries[2]),
        ("rule", rule),
        ("material", material),
        ("session", session),
        ("training", training),
        ("research", research),
        ("research_visit", research_visit),
        ("research_file", research_file),
    ] {
        f.insert(k, v.to_string());
    }
    // A 咨询 registered on the page by the city's office with a scanned letter (its file 1),
    // waiting for 受理.
    let cat = app
        .scalar("select id from service_categories where name = '咨询'")
        .await
        .to_string();
    let office = app.with_state(app.state.clone());
    office.login_as("zhuren").await;
    let res = office
        .post_multipart(
            "/affairs/new",
            &[
                ("channel", "phone"),
                ("category", &cat),
                ("name", "矩阵"),
                ("phone", "13800000000"),
                ("description", "矩阵检查用的服务事项内容"),
            ],
            &[("files", "来信.txt", "矩阵检查用的来信".as_bytes())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let request = app.scalar("select max(id) from service_requests").await;
    f.insert("service_request", request.to_string());
    f.insert("service_file", "1".to_owned());
    f.insert("action", "decline".to_owned());
    f.insert("robot_kind", "dingtalk".to_owned());
    (Fixtures(f), logins)
}

async fn credentials(app: &TestApp, logins: &BTreeMap<&'static str, String>) -> Credentials {
    let mut sessions = BTreeMap::new();
    for actor in ACTORS {
        if let Some(name) = session_login(actor) {
            let login = logins.get(name).map_or(name, String::as_str);
            sessions.insert(name, app.session_of(login).await);
        }
    }
    let mut tokens = BTreeMap::new();
    for scope in ["", "org.read", "flow.work", "token.own", "org.admin"] {
        for actor in [Actor::TokenWithScope, Actor::TokenWithoutScope] {
            let scopes = token_scopes(actor, scope);
            let key = scopes.join(",");
            if !scopes.is_empty() && !tokens.contains_key(&key) {
                tokens.insert(key, app.token_for("zhuren", &scopes).await);
            }
        }
    }
    Credentials { sessions, tokens }
}

/// Whether an answer is the one a letter asks for.
fn answer_is(letter: char, res: &Res) -> bool {
    let s = res.status.as_u16();
    let to_login = res.status.is_redirection() && res.location().starts_with("/login");
    if res.status.is_server_error() {
        return false;
    }
    match letter {
        'y' => !matches!(s, 401 | 403 | 404) && !to_login,
        'n' => matches!(s, 403 | 404),
        'h' => s == 404,
        'l' => s == 401 || to_login,
        _ => true,
    }
}

async fn ask(app: &TestApp, row: &Row, f: &Fixtures, cred: &str) -> Res {
    let path = f.fill(row.path);
    let b = TestApp::authorized(Request::builder().method(row.method).uri(&path), cred);
    let csrf = cred
        .strip_prefix("session:")
        .and_then(|t| t.split_once(':'))
        .map(|(_, c)| c.to_owned());
    let req = match &row.payload {
        Payload::None if matches!(row.kind, Kind::Page) && row.method != "GET" => {
            let body = format!("_csrf={}", csrf.unwrap_or_default());
            b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
        }
        Payload::None => b.body(Body::empty()),
        Payload::Json(j) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(f.fill_body(j))),
        Payload::Form(form) => {
            let mut body = f.fill_body(form);
            if let Some(c) = csrf {
                body.push_str(&format!("&_csrf={c}"));
            }
            b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
        }
        Payload::Multipart(file) => {
            // A page's upload form carries its CSRF token in the action URL.
            let sep = if path.contains('?') { '&' } else { '?' };
            let uri = match (&csrf, row.kind) {
                (Some(c), Kind::Page) => format!("{path}{sep}_csrf={c}"),
                _ => path.clone(),
            };
            let boundary = "XNMATRIX";
            let body = format!(
                "--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\ncontent-type: application/octet-stream\r\n\r\n{file}\r\n--{boundary}--\r\n"
            );
            TestApp::authorized(Request::builder().method(row.method).uri(uri), cred)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
        }
        Payload::Bytes(bytes) => {
            let uri = if path.contains('?') {
                path.clone()
            } else {
                format!("{path}?name=a.txt")
            };
            TestApp::authorized(Request::builder().method(row.method).uri(uri), cred)
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(bytes.as_bytes().to_vec()))
        }
    };
    app.send(req.unwrap()).await
}

on_both_engines!(
    every_route_answers_each_actor_as_the_matrix_says,
    |app: TestApp| async move {
        let (f, logins) = fixtures(&app).await;
        let creds = credentials(&app, &logins).await;
        let mut wrong = Vec::new();
        let mut table = String::new();
        for row in rows() {
            let letters = row.letters();
            assert_eq!(
                letters.len(),
                ACTORS.len(),
                "{} {}: {} letters",
                row.method,
                row.path,
                letters.len()
            );
            let mut seen = vec![String::new(); ACTORS.len()];
            // The refused are asked first, so an allowed change (a proxy revoked, an item signed)
            // cannot hide a refusal behind "already done".
            let mut order: Vec<(usize, Actor, char)> = ACTORS
                .into_iter()
                .zip(letters)
                .enumerate()
                .map(|(i, (a, l))| (i, a, l))
                .collect();
            order.sort_by_key(|(_, _, l)| *l == 'y');
            for (i, actor, letter) in order {
                if letter == '.' {
                    seen[i] = "·".to_owned();
                    continue;
                }
                let cred = match session_login(actor) {
                    Some(name) => creds.sessions[name].clone(),
                    None => {
                        let scopes = token_scopes(actor, row.scope);
                        match creds.tokens.get(&scopes.join(",")) {
                            Some(t) => t.clone(),
                            None => {
                                seen[i] = "-".to_owned();
                                continue;
                            }
                        }
                    }
                };
                let res = ask(&app, &row, &f, &cred).await;
                let shown = if res.status.is_redirection() {
                    format!("{}→{}", res.status.as_u16(), res.location())
                } else {
                    res.status.as_u16().to_string()
                };
                if !answer_is(letter, &res) {
                    let body: String = res.body.chars().take(160).collect();
                    wrong.push(format!(
                        "{} {} as {actor:?}: expected `{letter}`, got {shown} {body}",
                        row.method, row.path
                    ));
                }
                seen[i] = shown;
            }
            table.push_str(&format!(
                "{} {} | {}\n",
                row.method,
                row.path,
                seen.join(" ")
            ));
        }
        assert!(
            wrong.is_empty(),
            "{} answers differ from the matrix:\n{}\n\nall answers:\n{table}",
            wrong.len(),
            wrong.join("\n")
        );
    }
);

/// A path with every `{…}` alike, for comparing the matrix with the routers.
fn shape(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

fn covered(kind: fn(&Row) -> bool) -> BTreeSet<(String, String)> {
    rows()
        .into_iter()
        .filter(kind)
        .map(|r| (r.method.to_owned(), shape(r.path)))
        .collect()
}

fn exempt() -> BTreeSet<(String, String)> {
    EXEMPT
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), shape(p)))
        .collect()
}

/// Names what is routed but not in the matrix, and what the matrix holds that is not routed.
fn compare(routed: &BTreeSet<(String, String)>, matrix: &BTreeSet<(String, String)>) {
    let exempt = exempt();
    let missing: Vec<String> = routed
        .iter()
        .filter(|r| !matrix.contains(*r) && !exempt.contains(*r))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    let gone: Vec<String> = matrix
        .iter()
        .filter(|r| !routed.contains(*r))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "routes missing from the authorisation matrix (add a row to authz_matrix::rows, or to EXEMPT with the reason):\n  {}\nmatrix rows whose route no longer exists:\n  {}",
        missing.join("\n  "),
        gone.join("\n  ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_operation_is_in_the_authorisation_matrix() {
    let app = TestApp::spawn(Engine::Sqlite).await.unwrap();
    let doc = app.get("/api/v1/openapi.json").await.json();
    let mut routed = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routed.insert((method.to_uppercase(), shape(path)));
        }
    }
    assert!(
        routed.len() > 50,
        "the OpenAPI document lists the operations"
    );
    compare(&routed, &covered(|r| matches!(r.kind, Kind::Api)));
}

/// The page routes as the routers' source declares them: each `.route("path", get(…).post(…))`
/// of `crates/xn-web/src/pages/` (and the API router's own), a constant path resolved from its
/// `const NAME: &str = "…";` in the same file.
fn routes_in_source() -> BTreeSet<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = vec![root.join("api/mod.rs")];
    let mut dirs = vec![root.join("pages")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                files.push(p);
            }
        }
    }
    let mut out = BTreeSet::new();
    for file in files {
        let src = std::fs::read_to_string(&file).unwrap();
        for (at, _) in src.match_indices(".route(") {
            let args = &src[at + ".route(".len()..];
            // The argument list, up to its closing parenthesis.
            let mut depth = 1;
            let mut end = 0;
            let mut in_str = false;
            for (i, c) in args.char_indices() {
                match c {
                    '"' => in_str = !in_str,
                    '(' if !in_str => depth += 1,
                    ')' if !in_str => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let args = &args[..end];
            let (first, rest) = args.split_once(',').unwrap();
            let first = first.trim();
            let path = match first.strip_prefix('"') {
                Some(s) => s.trim_end_matches('"').to_owned(),
                None => {
                    let decl = format!("const {first}: &str = \"");
                    let at = src.find(&decl).unwrap_or_else(|| {
                        panic!(
                            "{}: route path {first} is not a literal or a constant",
                            file.display()
                        )
                    }) + decl.len();
                    src[at..].split('"').next().unwrap().to_owned()
                }
            };
            let mut found = false;
            for method in ["get", "post", "put", "patch", "delete", "any"] {
                for (i, _) in rest.match_indices(&format!("{method}(")) {
                    let before = rest[..i].chars().last().unwrap_or(' ');
                    if before.is_alphanumeric() || before == '_' {
                        continue;
                    }
                    out.insert((method.to_uppercase(), shape(&path)));
                    found = true;
                }
            }
            assert!(
                found,
                "{}: no method found for route {path}",
                file.display()
            );
        }
    }
    out
}

#[test]
fn every_page_route_is_in_the_authorisation_matrix() {
    let routed: BTreeSet<(String, String)> = routes_in_source()
        .into_iter()
        .filter(|(_, p)| !p.starts_with("/api/"))
        .collect();
    assert!(routed.len() > 50, "the page routers were read");
    compare(&routed, &covered(|r| matches!(r.kind, Kind::Page)));
}

#[test]
fn every_route_of_the_api_router_outside_openapi_is_exempt() {
    let exempt = exempt();
    for route in routes_in_source()
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api/"))
    {
        assert!(
            exempt.contains(&route),
            "{route:?} is neither in OpenAPI nor exempt"
        );
    }
}

#[test]
fn the_matrix_has_one_letter_per_actor_and_no_route_twice_exempt() {
    let exempt = exempt();
    for row in rows() {
        assert_eq!(
            row.letters().len(),
            ACTORS.len(),
            "{} {}",
            row.method,
            row.path
        );
        assert!(
            row.letters().iter().all(|c| "ynhl.".contains(*c)),
            "{} {}",
            row.method,
            row.path
        );
        assert!(
            !exempt.contains(&(row.method.to_owned(), shape(row.path))),
            "{} {} is both in the matrix and exempt",
            row.method,
            row.path
        );
    }
}
