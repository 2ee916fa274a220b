//! 签到: on the day, the organising office shows a short-lived sign-in code on a screen in the
//! room; the people on the meeting sign in on their phones by typing it, or the staff sign
//! them in by hand; a sign-in after the start is late, and when the office ends the meeting
//! everyone expected and not signed in is recorded absent (or on leave, for an approved 请假).
//! The attendance list is downloadable as a workbook.
//!
//! **The code** is six digits derived from a per-meeting secret (made the first time the
//! office shows the screen, kept in `meeting_checkin_keys`) and the minute: SM3 of
//! `secret:window`, with a window of [`CHECKIN_WINDOW_SECS`]. The screen shows the current
//! window's code and refreshes every window; a code is taken in its own window and the next
//! (typed as the screen refreshes), so nothing is stored per code and two servers agree. An
//! older code of the same meeting is refused as expired, in words; any other as wrong.
//!
//! **Who is expected**: the chair, the 出席 and 列席 posts — a post that answered 委托 is
//! replaced by the post it named, and one whose 请假 was approved is recorded on leave. Any
//! post of a 列席 unit may sign in for it; units are not counted absent. 工作人员 do not sign in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sm3::Digest;
use utoipa::ToSchema;
use xn_domain::meetings::{
    AttendRole, CHECKIN_WINDOW_SECS, MeetingStatus, SigninStatus, checkin_code_fresh, checkin_open,
    checkin_window,
};
use xn_store::Tx;
use xn_store::meetings::minutes::{self as mstore, NewSignin, SigninRow};
use xn_store::meetings::notices as nstore;
use xn_store::meetings::{self as store, MeetingRow};

use super::book::audit;
use super::notice::moment_text;
use super::{Meetings, span_text, status_of};
use crate::files::AttachmentFile;
use crate::{Actor, Result, ServiceError, from_ms, ms};

/// How far back a typed code is still recognised as this meeting's (and so refused as expired
/// rather than wrong): twelve hours of windows.
const EXPIRED_LOOKBACK_WINDOWS: i64 = 12 * 3600 / CHECKIN_WINDOW_SECS;

/// A post expected at a meeting.
#[derive(Debug, Clone)]
pub(super) struct Expected {
    pub(super) post: i64,
    pub(super) who: String,
    pub(super) role: AttendRole,
    /// Chairs the meeting.
    pub(super) chair: bool,
    /// 请假 approved.
    pub(super) on_leave: bool,
}

/// The code to type.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = meetings::CheckinInput)]
pub struct CheckinInput {
    /// The six digits shown on the screen.
    #[serde(default)]
    pub code: String,
}

/// A sign-in by the staff.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct StaffCheckinInput {
    /// The post signed in.
    pub post_id: i64,
}

/// What the screen in the room shows.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckinScreen {
    /// The meeting.
    pub meeting_id: i64,
    /// Its title.
    pub title: String,
    /// `12月1日 09:00—11:00`.
    pub when: String,
    /// The code, six digits.
    pub code: String,
    /// Until when it is shown (it is still taken one window longer).
    #[schema(value_type = String, format = DateTime)]
    pub shown_until: DateTime<Utc>,
    /// Seconds until the screen should refresh.
    pub refresh_seconds: i64,
    /// How many of those expected have signed in.
    pub signed_in: usize,
    /// How many are expected.
    pub expected: usize,
}

/// One line of the attendance list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendanceLine {
    /// The post.
    pub post_id: i64,
    /// `陈立新（东川市政府市长）`.
    pub who: String,
    /// 主持 / 出席 / 列席.
    pub role_label: String,
    /// `present`, `late`, `absent`, `leave`; none while not signed in.
    pub status: Option<String>,
    /// 已签到 / 迟到 / 缺席 / 请假 / 未签到.
    pub status_label: String,
    /// 扫码签到 / 工作人员代签.
    pub method_label: String,
    /// When signed in.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub signed_at: Option<DateTime<Utc>>,
    /// `09:03` (Beijing), or empty.
    pub signed_at_text: String,
}

/// A meeting's attendance.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttendanceView {
    /// Every expected post, then any others who signed in (for a 列席 unit).
    pub lines: Vec<AttendanceLine>,
    /// Signed in on time.
    pub present: usize,
    /// Signed in late.
    pub late: usize,
    /// Recorded absent.
    pub absent: usize,
    /// On leave.
    pub leave: usize,
    /// Not signed in yet.
    pub waiting: usize,
    /// Whether sign-in is open now.
    pub open: bool,
    /// Whether the viewer may show the code and sign others in (the organising office).
    pub may_manage: bool,
    /// Whether the viewer may sign in with a code now (on the meeting, not yet signed).
    pub may_sign_in: bool,
    /// The viewer's own line, once signed in.
    pub mine: Option<AttendanceLine>,
}

/// What a sign-in did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckinOutcome {
    /// `present` or `late`.
    pub status: String,
    /// 已签到 / 迟到.
    pub status_label: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub signed_at: DateTime<Utc>,
    /// Whether this sign-in was new (false: already signed in before).
    pub new: bool,
    /// A sentence for the page.
    pub message: String,
}

/// The code of a window: six digits of SM3(`secret:window`).
fn code_of(secret: &str, window: i64) -> String {
    let h = sm3::Sm3::digest(format!("{secret}:{window}").as_bytes());
    let n = h.first_chunk::<4>().map_or(0, |b| u32::from_be_bytes(*b)) % 1_000_000;
    format!("{n:06}")
}

fn line_of(e: &Expected, s: Option<&SigninRow>) -> AttendanceLine {
    let status = s.and_then(|s| SigninStatus::from_code(&s.status));
    AttendanceLine {
        post_id: e.post,
        who: e.who.clone(),
        role_label: if e.chair {
            "主持".to_owned()
        } else {
            e.role.label().to_owned()
        },
        status: status.map(|x| x.code().to_owned()),
        status_label: status.map_or("未签到", SigninStatus::label).to_owned(),
        method_label: match s.and_then(|s| s.method.as_deref()) {
            Some("code") => "签到码签到".to_owned(),
            Some("staff") => "工作人员代签".to_owned(),
            _ => String::new(),
        },
        signed_at: s.and_then(|s| s.signed_at).map(from_ms),
        signed_at_text: s
            .and_then(|s| s.signed_at)
            .map(|t| super::beijing(from_ms(t)).format("%H:%M").to_string())
            .unwrap_or_default(),
    }
}

/// Why sign-in is closed for a meeting at `now`, if it is.
fn closed_reason(m: &MeetingRow, status: MeetingStatus, now: DateTime<Utc>) -> Option<String> {
    match status {
        MeetingStatus::Preparing => return Some("会议尚未发出通知，签到未开放".into()),
        MeetingStatus::Cancelled => return Some("会议已取消".into()),
        MeetingStatus::Ended | MeetingStatus::Minuted => {
            return Some("会议已结束，签到已关闭".into());
        }
        MeetingStatus::Notified | MeetingStatus::InProgress => {}
    }
    if checkin_open(m.starts_at, m.ends_at, ms(now)) {
        None
    } else if ms(now) < m.starts_at {
        Some(format!(
            "签到于会前一小时开放（{}起）",
            moment_text(m.starts_at - xn_domain::meetings::CHECKIN_OPENS_MINUTES * 60_000)
        ))
    } else {
        Some("会议已结束，签到已关闭".into())
    }
}

fn closed(m: &MeetingRow, now: DateTime<Utc>) -> Result<()> {
    match closed_reason(m, status_of(m)?, now) {
        None => Ok(()),
        Some(message) => Err(ServiceError::Conflict {
            code: "meetings.checkin_closed",
            message,
        }),
    }
}

impl Meetings<'_> {
    /// The posts expected at a meeting (see the module's note), the chair first.
    pub(super) async fn expected(&self, m: &MeetingRow) -> Result<Vec<Expected>> {
        let db = self.svc.db();
        let attendees = store::attendees_of(db, &[m.id]).await?;
        let replies = nstore::replies_of(db, m.id).await?;
        let replaced: Vec<i64> = replies
            .iter()
            .filter(|r| r.answer.as_deref() == Some("proxy"))
            .filter_map(|r| r.post_id)
            .collect();
        let on_leave: Vec<i64> = replies
            .iter()
            .filter(|r| {
                r.answer.as_deref() == Some("leave")
                    && r.leave_status.as_deref() == Some("approved")
            })
            .filter_map(|r| r.post_id)
            .collect();
        let chair = store::post_labels(db, &[m.chair_post_id]).await?;
        let mut out = vec![Expected {
            post: m.chair_post_id,
            who: chair.first().map(|(_, l)| l.clone()).unwrap_or_default(),
            role: AttendRole::Attend,
            chair: true,
            on_leave: false,
        }];
        for a in &attendees {
            let Some(post) = a.post_id else { continue };
            let Some(role) = AttendRole::from_code(&a.role) else {
                continue;
            };
            if role == AttendRole::Staff
                || (a.proxy_for.is_empty() && replaced.contains(&post))
                || out.iter().any(|e| e.post == post)
            {
                continue;
            }
            let who = if a.proxy_for.is_empty() {
                format!("{}（{}{}）", a.person_name, a.unit_name, a.post_title)
            } else {
                format!(
                    "{}（{}{}，代{}）",
                    a.person_name, a.unit_name, a.post_title, a.proxy_for
                )
            };
            out.push(Expected {
                post,
                who,
                role,
                chair: false,
                on_leave: on_leave.contains(&post),
            });
        }
        Ok(out)
    }

    /// The screen in the room: the current code of the organising office's meeting, while
    /// sign-in is open. The meeting's secret is made the first time.
    pub async fn checkin_screen(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<CheckinScreen> {
        let (_, m) = self.managed(actor, id).await?;
        closed(&m, now)?;
        // Read first: the screen reloads every minute, and only its first showing writes.
        let mut tx = self.svc.db().begin_read().await?;
        let known = mstore::checkin_secret(&mut tx, id).await?;
        drop(tx);
        let secret = match known {
            Some(s) => s,
            None => {
                let mut tx = self.svc.db().begin().await?;
                let s = mstore::ensure_checkin_secret(
                    &mut tx,
                    id,
                    &crate::password::random_token(24),
                    ms(now),
                )
                .await?;
                tx.commit().await?;
                s
            }
        };
        let window = checkin_window(ms(now));
        let next = (window + 1) * CHECKIN_WINDOW_SECS * 1000;
        let expected = self.expected(&m).await?;
        let signins = mstore::signins_of(self.svc.db(), id).await?;
        Ok(CheckinScreen {
            meeting_id: id,
            title: m.title.clone(),
            when: span_text(m.starts_at, m.ends_at),
            code: code_of(&secret, window),
            shown_until: from_ms(next),
            refresh_seconds: ((next - ms(now)) / 1000).clamp(1, CHECKIN_WINDOW_SECS),
            signed_in: signins
                .iter()
                .filter(|s| SigninStatus::from_code(&s.status).is_some_and(SigninStatus::attended))
                .count(),
            expected: expected.iter().filter(|e| !e.on_leave).count(),
        })
    }

    /// Signs the acting post in with the code on the screen: only a post expected at the
    /// meeting (or a post of a 列席 unit), while sign-in is open; an expired or wrong code is
    /// refused in words. Signing in twice keeps the first.
    pub async fn check_in(
        &self,
        actor: &Actor,
        id: i64,
        input: &CheckinInput,
        now: DateTime<Utc>,
    ) -> Result<CheckinOutcome> {
        let viewer = self.viewer_at(actor, now).await?;
        let m = store::find_meeting(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("会议"))?;
        let attendees = store::attendees_of(self.svc.db(), &[id]).await?;
        if !viewer.sees(&m, &attendees) {
            return Err(ServiceError::NotFound("会议"));
        }
        let expected = self.expected(&m).await?;
        let listed = expected.iter().any(|e| e.post == viewer.post);
        let of_unit = attendees.iter().any(|a| {
            a.post_id.is_none()
                && a.role == AttendRole::Observe.code()
                && viewer.chain.contains(a.unit_id)
        });
        closed(&m, now)?;
        if !listed && !of_unit {
            return Err(ServiceError::Forbidden(
                "您不在本次会议的参会名单中，不能签到".into(),
            ));
        }
        let code: String = input.code.chars().filter(char::is_ascii_digit).collect();
        if code.is_empty() {
            return Err(ServiceError::invalid("code", "请输入会场屏幕上的签到码"));
        }
        let mut tx = self.svc.db().begin().await?;
        let Some(secret) = mstore::checkin_secret(&mut tx, id).await? else {
            return Err(ServiceError::invalid(
                "code",
                "会场还未显示签到码，请稍候再签到",
            ));
        };
        let now_w = checkin_window(ms(now));
        let fresh = [now_w, now_w - 1]
            .into_iter()
            .any(|w| checkin_code_fresh(w, now_w) && code_of(&secret, w) == code);
        if !fresh {
            let expired =
                (2..=EXPIRED_LOOKBACK_WINDOWS).any(|back| code_of(&secret, now_w - back) == code);
            return Err(if expired {
                ServiceError::Conflict {
                    code: "meetings.checkin_code_expired",
                    message: "签到码已过期，请输入会场屏幕上正在显示的签到码".into(),
                }
            } else {
                ServiceError::invalid("code", "签到码不正确，请核对会场屏幕上的签到码")
            });
        }
        let out = self
            .record_signin(&mut tx, actor, &m, viewer.post, "code", now)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    /// The staff sign someone in by hand: a post expected at the meeting, or a post of a 列席
    /// unit, while sign-in is open.
    pub async fn check_in_by_staff(
        &self,
        actor: &Actor,
        id: i64,
        input: &StaffCheckinInput,
        now: DateTime<Utc>,
    ) -> Result<CheckinOutcome> {
        let (_, m) = self.managed(actor, id).await?;
        closed(&m, now)?;
        let expected = self.expected(&m).await?;
        let mut tx = self.svc.db().begin().await?;
        if !expected.iter().any(|e| e.post == input.post_id) {
            let attendees = store::attendees_of(self.svc.db(), &[id]).await?;
            let unit = xn_store::flow::post_unit(&mut tx, input.post_id).await?;
            let of_unit = unit.is_some_and(|(u, active)| {
                active != 0
                    && attendees.iter().any(|a| {
                        a.post_id.is_none()
                            && a.role == AttendRole::Observe.code()
                            && a.unit_id == u
                    })
            });
            if !of_unit {
                return Err(ServiceError::invalid(
                    "post_id",
                    "此人不在本次会议的参会名单中",
                ));
            }
        }
        let out = self
            .record_signin(&mut tx, actor, &m, input.post_id, "staff", now)
            .await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn record_signin(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        m: &MeetingRow,
        post: i64,
        method: &str,
        now: DateTime<Utc>,
    ) -> Result<CheckinOutcome> {
        let status = SigninStatus::of_signin(m.starts_at, ms(now));
        let new = mstore::insert_signin(
            tx,
            &NewSignin {
                meeting_id: m.id,
                post_id: post,
                status: status.code(),
                method: Some(method),
                signed_at: Some(ms(now)),
                by_post_id: actor.post_id(),
            },
            ms(now),
        )
        .await?;
        if !new {
            let rows = mstore::signins_of_tx(tx, m.id).await?;
            let before = rows.iter().find(|r| r.post_id == post);
            let status = before
                .and_then(|r| SigninStatus::from_code(&r.status))
                .unwrap_or(status);
            let at = before.and_then(|r| r.signed_at).map_or(now, from_ms);
            return Ok(CheckinOutcome {
                status: status.code().to_owned(),
                status_label: status.label().to_owned(),
                signed_at: at,
                new: false,
                message: format!(
                    "已于 {} 签到，无需重复签到",
                    super::beijing(at).format("%H:%M")
                ),
            });
        }
        crate::events::record(
            tx,
            &audit(actor),
            "meeting.signed_in",
            Some(format!("meeting:{}", m.id)),
            json!({"meeting": m.id, "post": post, "status": status.code(), "method": method}),
            now,
        )
        .await?;
        Ok(CheckinOutcome {
            status: status.code().to_owned(),
            status_label: status.label().to_owned(),
            signed_at: now,
            new: true,
            message: match status {
                SigninStatus::Late => format!(
                    "签到成功（{}，会议已于 {} 开始，记为迟到）",
                    super::beijing(now).format("%H:%M"),
                    super::beijing(from_ms(m.starts_at)).format("%H:%M")
                ),
                _ => format!("签到成功（{}）", super::beijing(now).format("%H:%M")),
            },
        })
    }

    /// Records, as the meeting ends, everyone expected and not signed in: on leave for an
    /// approved 请假, absent otherwise. In the caller's transaction (the status change).
    pub(super) async fn record_absences(
        &self,
        tx: &mut Tx,
        m: &MeetingRow,
        expected: &[Expected],
        now: DateTime<Utc>,
    ) -> Result<()> {
        for e in expected {
            let status = if e.on_leave {
                SigninStatus::Leave
            } else {
                SigninStatus::Absent
            };
            mstore::insert_signin(
                tx,
                &NewSignin {
                    meeting_id: m.id,
                    post_id: e.post,
                    status: status.code(),
                    method: None,
                    signed_at: None,
                    by_post_id: None,
                },
                ms(now),
            )
            .await?;
        }
        Ok(())
    }

    /// A meeting's attendance, for a viewer who sees the meeting.
    pub async fn attendance(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<AttendanceView> {
        let viewer = self.viewer_at(actor, now).await?;
        let m = store::find_meeting(self.svc.db(), id)
            .await
            .map_err(ServiceError::missing("会议"))?;
        let attendees = store::attendees_of(self.svc.db(), &[id]).await?;
        if !viewer.sees(&m, &attendees) {
            return Err(ServiceError::NotFound("会议"));
        }
        let may_manage = viewer.manages(&m) && self.office_cap(actor).await?.is_some();
        let expected = self.expected(&m).await?;
        let signins = mstore::signins_of(self.svc.db(), id).await?;
        let mut lines: Vec<AttendanceLine> = expected
            .iter()
            .map(|e| line_of(e, signins.iter().find(|s| s.post_id == e.post)))
            .collect();
        for s in signins
            .iter()
            .filter(|s| !expected.iter().any(|e| e.post == s.post_id))
        {
            let e = Expected {
                post: s.post_id,
                who: s.who.clone(),
                role: AttendRole::Observe,
                chair: false,
                on_leave: false,
            };
            lines.push(line_of(&e, Some(s)));
        }
        let count = |st: SigninStatus| {
            lines
                .iter()
                .filter(|l| l.status.as_deref() == Some(st.code()))
                .count()
        };
        let open = closed_reason(&m, status_of(&m)?, now).is_none();
        let mine = lines
            .iter()
            .find(|l| l.post_id == viewer.post && l.status.is_some())
            .cloned();
        let on_list = expected.iter().any(|e| e.post == viewer.post)
            || attendees.iter().any(|a| {
                a.post_id.is_none()
                    && a.role == AttendRole::Observe.code()
                    && viewer.chain.contains(a.unit_id)
            });
        Ok(AttendanceView {
            present: count(SigninStatus::Present),
            late: count(SigninStatus::Late),
            absent: count(SigninStatus::Absent),
            leave: count(SigninStatus::Leave),
            waiting: lines.iter().filter(|l| l.status.is_none()).count(),
            open,
            may_manage,
            may_sign_in: open && on_list && mine.is_none(),
            mine,
            lines,
        })
    }

    /// The attendance list as a workbook (签到表), for the organising office.
    pub async fn attendance_xlsx(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        let (_, m) = self.managed(actor, id).await?;
        let view = self.attendance(actor, id, now).await?;
        let header = [
            "序号",
            "姓名及职务",
            "身份",
            "签到情况",
            "签到时间",
            "签到方式",
        ];
        let rows = view
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                vec![
                    (i + 1).to_string(),
                    l.who.clone(),
                    l.role_label.clone(),
                    l.status_label.clone(),
                    l.signed_at
                        .map(|t| super::beijing(t).format("%Y-%m-%d %H:%M").to_string())
                        .unwrap_or_default(),
                    l.method_label.clone(),
                ]
            })
            .collect();
        let bytes = xn_render::xlsx::workbook(&[xn_render::xlsx::Sheet {
            name: "签到表".into(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows,
        }])
        .map_err(|e| ServiceError::Internal(e.into()))?;
        let date = super::beijing_date(from_ms(m.starts_at));
        Ok(AttachmentFile {
            name: format!("{}-签到表-{date}.xlsx", m.title),
            mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::code_of;

    #[test]
    fn a_code_is_six_digits_and_changes_with_the_window() {
        let a = code_of("secret", 100);
        assert_eq!(a.len(), 6);
        assert!(a.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(a, code_of("secret", 100));
        assert_ne!(a, code_of("secret", 101));
        assert_ne!(a, code_of("other", 100));
    }
}
