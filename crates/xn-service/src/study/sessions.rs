//! 学习会 (on 精品材料) and 分析会 (on 一般材料): an office's organisers schedule one with its
//! materials, a speaker and the attendees (posts of the office); the attendees sign in by the
//! short-lived code the organiser shows on a screen, or the organiser signs them in by hand;
//! the organiser writes the notes and each attendee who signed in writes a short 心得.
//!
//! **The code** works as the meetings' sign-in does (`meetings::checkin`), kept separate since
//! a session is not a meeting: six digits of SM3(`secret:window`) with the secret made the
//! first time the organiser shows the screen (`study_sessions.checkin_secret`) and a window of
//! [`CHECKIN_WINDOW_SECS`]; a code is taken in its own window and the next; an older code of
//! the same session is refused as expired (409 `study.code_expired`), any other as wrong.
//! Sign-in is open from an hour before the start until the end.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sm3::Digest;
use utoipa::ToSchema;
use xn_domain::meetings::{CHECKIN_WINDOW_SECS, checkin_code_fresh, checkin_open, checkin_window};
use xn_domain::study::{self as rules, Grade, SessionKind};
use xn_store::study::{self as store, NewSession, SessionRow};

use super::{Learner, Study, beijing, into_invalid, level, month_of_instant, parse_time, recount};
use crate::{Actor, Result, ServiceError, from_ms, ms};

/// How far back a typed code is still recognised as this session's (and refused as expired
/// rather than wrong): twelve hours of windows.
const EXPIRED_LOOKBACK_WINDOWS: i64 = 12 * 3600 / CHECKIN_WINDOW_SECS;

/// A session in the office's list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionLine {
    /// Id.
    pub id: i64,
    /// `study` or `analysis`.
    pub kind: String,
    /// 学习会 / 分析会.
    pub kind_label: String,
    /// Title.
    pub title: String,
    /// When (Beijing).
    pub when: String,
    /// Where.
    pub place: String,
    /// The speaker.
    pub speaker: String,
    /// Whether the viewer is an attendee.
    pub attending: bool,
    /// Whether the viewer signed in.
    pub signed_in: bool,
}

/// An attendee as shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttendeeLine {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person: String,
    /// The post.
    pub post_label: String,
    /// The unit.
    pub unit: String,
    /// Signed in (Beijing).
    pub signed_in_at: Option<String>,
    /// 签到码签到 / 工作人员代签.
    pub method: Option<String>,
    /// The 心得.
    pub reflection: Option<String>,
}

/// A session with its materials, attendees and 心得.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionView {
    /// Id.
    pub id: i64,
    /// `study` or `analysis`.
    pub kind: String,
    /// 学习会 / 分析会.
    pub kind_label: String,
    /// Title.
    pub title: String,
    /// When (Beijing).
    pub when: String,
    /// Length.
    pub length: String,
    /// Where.
    pub place: String,
    /// The speaker.
    pub speaker: String,
    /// Notes.
    pub notes: String,
    /// Materials: (id, title) — 「（涉密事项）」 and no id above the viewer's clearance.
    pub materials: Vec<(Option<i64>, String)>,
    /// Attendees.
    pub attendees: Vec<AttendeeLine>,
    /// The viewer organises it (shows the code, signs others in, writes the notes).
    pub may_manage: bool,
    /// The viewer may sign in with a code now.
    pub may_check_in: bool,
    /// The viewer may write a 心得 (signed in, the session begun).
    pub may_reflect: bool,
    /// The viewer's own 心得.
    pub my_reflection: Option<String>,
    /// Whether sign-in is open now.
    pub checkin_open: bool,
}

/// A session to schedule.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SessionInput {
    /// `study` (学习会) or `analysis` (分析会).
    pub kind: String,
    /// Title.
    pub title: String,
    /// Where.
    #[serde(default)]
    pub place: String,
    /// Start, `YYYY-MM-DD HH:MM` Beijing or RFC 3339.
    pub starts_at: String,
    /// End.
    pub ends_at: String,
    /// The speaker's post (of the office).
    pub speaker_post_id: i64,
    /// Materials of the kind's grade.
    #[serde(default)]
    pub material_ids: Vec<i64>,
    /// Attendees (posts of the office); empty: everyone of the office.
    #[serde(default)]
    pub attendee_posts: Vec<i64>,
}

/// The screen the organiser shows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CodeScreen {
    /// The session.
    pub session_id: i64,
    /// Title.
    pub title: String,
    /// The code, six digits.
    pub code: String,
    /// Seconds until it changes.
    pub refresh_seconds: i64,
    /// Signed in so far.
    pub signed_in: usize,
    /// Attendees.
    pub expected: usize,
}

/// A code typed.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = study::CheckinInput)]
pub struct CheckinInput {
    /// The six digits on the screen.
    #[serde(default)]
    pub code: String,
}

/// The staff sign someone in.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct AttendanceInput {
    /// The attendee's post.
    pub post_id: i64,
}

/// A 心得.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct ReflectionInput {
    /// 1–500 characters.
    #[serde(default)]
    pub text: String,
}

/// The notes.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NotesInput {
    /// Up to 5,000 characters.
    #[serde(default)]
    pub notes: String,
}

/// The code of a window: six digits of SM3(`secret:window`).
fn code_of(secret: &str, window: i64) -> String {
    let h = sm3::Sm3::digest(format!("study:{secret}:{window}").as_bytes());
    let n = h.first_chunk::<4>().map_or(0, |b| u32::from_be_bytes(*b)) % 1_000_000;
    format!("{n:06}")
}

fn kind_of(s: &SessionRow) -> SessionKind {
    SessionKind::from_code(&s.kind).unwrap_or(SessionKind::Study)
}

fn when(s: &SessionRow) -> String {
    super::span(s.starts_at, s.ends_at)
}

impl Study<'_> {
    /// A session of the learner's office, or 404.
    async fn readable_session(&self, l: &Learner, id: i64) -> Result<SessionRow> {
        store::find_session(self.svc.db(), id)
            .await?
            .filter(|s| l.scope.office() == Some(s.office_unit_id))
            .ok_or(ServiceError::NotFound("学习会"))
    }

    fn organises_session(l: &Learner, s: &SessionRow) -> bool {
        l.post == s.created_by_post_id
            || l.post == s.speaker_post_id
            || (l.scope.leads_office() && l.scope.office() == Some(s.office_unit_id))
    }

    /// The office's sessions, newest first.
    pub async fn sessions(&self, actor: &Actor) -> Result<Vec<SessionLine>> {
        let l = self.learner(actor).await?;
        let office = l.office()?;
        let db = self.svc.db();
        let mut out = Vec::new();
        for s in store::sessions_of_office(db, office).await? {
            let me = store::attendees_of(db, s.id)
                .await?
                .into_iter()
                .find(|a| a.post_id == l.post);
            let kind = kind_of(&s);
            out.push(SessionLine {
                id: s.id,
                kind: s.kind.clone(),
                kind_label: kind.label().to_owned(),
                title: s.title.clone(),
                when: when(&s),
                place: s.place.clone(),
                speaker: s.speaker.clone(),
                attending: me.is_some(),
                signed_in: me.is_some_and(|a| a.signed_in_at.is_some()),
            });
        }
        Ok(out)
    }

    /// Schedules a session of the acting post's office (its organisers); the attendees are
    /// told.
    pub async fn create_session(
        &self,
        actor: &Actor,
        input: &SessionInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let l = self.learner(actor).await?;
        let office = l.office()?;
        if !l.organises() {
            return Err(ServiceError::Forbidden(
                "只有办公室（厅）主任、副主任和科长可以安排学习会".into(),
            ));
        }
        let kind = SessionKind::from_code(input.kind.trim())
            .ok_or_else(|| ServiceError::invalid("kind", "请选择学习会或分析会"))?;
        let title = rules::check_text("title", "主题", &input.title, 200).map_err(into_invalid)?;
        let place = input.place.trim();
        if place.chars().count() > 100 {
            return Err(ServiceError::invalid("place", "地点不超过 100 字"));
        }
        let starts = parse_time("starts_at", &input.starts_at)?;
        let ends = parse_time("ends_at", &input.ends_at)?;
        rules::check_span(ms(starts), ms(ends)).map_err(into_invalid)?;
        let db = self.svc.db();
        let staff = xn_store::management::staff_of_offices(db, &[office]).await?;
        if !staff.iter().any(|s| s.post_id == input.speaker_post_id) {
            return Err(ServiceError::invalid(
                "speaker_post_id",
                "主讲人应为本办人员",
            ));
        }
        let attendees: Vec<i64> = if input.attendee_posts.is_empty() {
            staff.iter().map(|s| s.post_id).collect()
        } else {
            if let Some(bad) = input
                .attendee_posts
                .iter()
                .find(|p| !staff.iter().any(|s| s.post_id == **p))
            {
                return Err(ServiceError::invalid(
                    "attendee_posts",
                    format!("参加人员应为本办人员（岗位 {bad} 不是）"),
                ));
            }
            let mut a = input.attendee_posts.clone();
            a.sort_unstable();
            a.dedup();
            a
        };
        let mut materials = input.material_ids.clone();
        materials.sort_unstable();
        materials.dedup();
        for id in &materials {
            let (m, _) = self.readable_material(&l, *id).await.map_err(|_| {
                ServiceError::invalid("material_ids", "所选学习材料不存在或无权查看")
            })?;
            if Grade::from_code(&m.grade) != Some(kind.grade()) {
                return Err(ServiceError::invalid(
                    "material_ids",
                    format!(
                        "{}应学习{}，《{}》不是",
                        kind.label(),
                        kind.grade().label(),
                        m.title
                    ),
                ));
            }
        }
        let mut tx = db.begin().await?;
        let id = store::insert_session(
            &mut tx,
            &NewSession {
                office,
                kind: kind.code(),
                title: &title,
                place,
                starts_at: ms(starts),
                ends_at: ms(ends),
                speaker: input.speaker_post_id,
                by: l.post,
            },
            &materials,
            &attendees,
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "study.session_scheduled",
            Some(format!("study_session:{id}")),
            json!({"kind": kind.code(), "starts_at": ms(starts), "ends_at": ms(ends),
                   "materials": materials, "attendees": attendees.len()}),
            now,
        )
        .await?;
        crate::meetings::tell(
            &mut tx,
            &attendees,
            "study.session_scheduled",
            &format!("study_session:{id}"),
            &format!(
                "请参加{}《{title}》（{}）",
                kind.label(),
                beijing(ms(starts))
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A session with its materials, attendees and 心得.
    pub async fn session(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<SessionView> {
        let l = self.learner(actor).await?;
        let s = self.readable_session(&l, id).await?;
        let db = self.svc.db();
        let attendees = store::attendees_of(db, id).await?;
        let me = attendees.iter().find(|a| a.post_id == l.post);
        let open = checkin_open(s.starts_at, s.ends_at, ms(now));
        let kind = kind_of(&s);
        Ok(SessionView {
            id,
            kind: s.kind.clone(),
            kind_label: kind.label().to_owned(),
            title: s.title.clone(),
            when: when(&s),
            length: rules::minutes_text((s.ends_at - s.starts_at) / 60_000),
            place: s.place.clone(),
            speaker: s.speaker.clone(),
            notes: s.notes.clone(),
            materials: store::session_materials(db, id)
                .await?
                .into_iter()
                .map(|(mid, title, _, class)| {
                    if l.clearance.may_see(level(&class)) {
                        (Some(mid), title)
                    } else {
                        (None, crate::clearance::WITHHELD.to_owned())
                    }
                })
                .collect(),
            attendees: attendees
                .iter()
                .map(|a| AttendeeLine {
                    post_id: a.post_id,
                    person: a.person_name.clone(),
                    post_label: a.post_label.clone(),
                    unit: a.unit_name.clone(),
                    signed_in_at: a.signed_in_at.map(beijing),
                    method: a.signin_method.as_deref().map(|m| {
                        if m == "code" {
                            "签到码签到"
                        } else {
                            "工作人员代签"
                        }
                        .to_owned()
                    }),
                    reflection: a.reflection.clone(),
                })
                .collect(),
            may_manage: Self::organises_session(&l, &s),
            may_check_in: open && me.is_some_and(|a| a.signed_in_at.is_none()),
            may_reflect: me.is_some_and(|a| a.signed_in_at.is_some()) && ms(now) >= s.starts_at,
            my_reflection: me.and_then(|a| a.reflection.clone()),
            checkin_open: open,
        })
    }

    /// The organiser's screen: the current code, while sign-in is open.
    pub async fn code_screen(
        &self,
        actor: &Actor,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<CodeScreen> {
        let l = self.learner(actor).await?;
        let s = self.readable_session(&l, id).await?;
        if !Self::organises_session(&l, &s) {
            return Err(ServiceError::Forbidden(
                "只有学习会的组织者或主讲人可以显示签到码".into(),
            ));
        }
        Self::open_now(&s, now)?;
        let mut tx = self.svc.db().begin().await?;
        let secret = store::ensure_secret(&mut tx, id, &crate::password::random_token(24)).await?;
        tx.commit().await?;
        let window = checkin_window(ms(now));
        let next = (window + 1) * CHECKIN_WINDOW_SECS * 1000;
        let attendees = store::attendees_of(self.svc.db(), id).await?;
        Ok(CodeScreen {
            session_id: id,
            title: s.title.clone(),
            code: code_of(&secret, window),
            refresh_seconds: ((next - ms(now)) / 1000).clamp(1, CHECKIN_WINDOW_SECS),
            signed_in: attendees
                .iter()
                .filter(|a| a.signed_in_at.is_some())
                .count(),
            expected: attendees.len(),
        })
    }

    fn open_now(s: &SessionRow, now: DateTime<Utc>) -> Result<()> {
        if checkin_open(s.starts_at, s.ends_at, ms(now)) {
            Ok(())
        } else {
            Err(ServiceError::Conflict {
                code: "study.checkin_closed",
                message: if ms(now) >= s.ends_at {
                    "学习会已结束，签到已关闭".into()
                } else {
                    "签到在开始前一小时开放".into()
                },
            })
        }
    }

    /// The acting post signs in with the code on the screen: an attendee, while sign-in is
    /// open; an expired or wrong code is refused in words.
    pub async fn check_in(
        &self,
        actor: &Actor,
        id: i64,
        input: &CheckinInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let l = self.learner(actor).await?;
        let s = self.readable_session(&l, id).await?;
        let attendees = store::attendees_of(self.svc.db(), id).await?;
        let Some(me) = attendees.iter().find(|a| a.post_id == l.post) else {
            return Err(ServiceError::Forbidden(
                "您不在本次学习会的参加人员名单中，不能签到".into(),
            ));
        };
        Self::open_now(&s, now)?;
        if me.signed_in_at.is_some() {
            return Err(ServiceError::Conflict {
                code: "study.already_signed_in",
                message: "您已签到".into(),
            });
        }
        let code: String = input.code.chars().filter(char::is_ascii_digit).collect();
        if code.is_empty() {
            return Err(ServiceError::invalid("code", "请输入屏幕上的签到码"));
        }
        let mut tx = self.svc.db().begin().await?;
        let Some(secret) = store::secret(&mut tx, id).await? else {
            return Err(ServiceError::invalid(
                "code",
                "主持人还未公布签到码，请稍候再签到",
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
                    code: "study.code_expired",
                    message: "签到码已过期，请输入屏幕上正在显示的签到码".into(),
                }
            } else {
                ServiceError::invalid("code", "签到码不正确，请核对屏幕上的签到码")
            });
        }
        self.record_signin(&mut tx, actor, &s, l.post, "code", now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organiser signs an attendee in by hand, while sign-in is open.
    pub async fn check_in_by_staff(
        &self,
        actor: &Actor,
        id: i64,
        input: &AttendanceInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let l = self.learner(actor).await?;
        let s = self.readable_session(&l, id).await?;
        if !Self::organises_session(&l, &s) {
            return Err(ServiceError::Forbidden(
                "只有学习会的组织者或主讲人可以代为签到".into(),
            ));
        }
        Self::open_now(&s, now)?;
        let attendees = store::attendees_of(self.svc.db(), id).await?;
        if !attendees.iter().any(|a| a.post_id == input.post_id) {
            return Err(ServiceError::invalid("post_id", "此人不在参加人员名单中"));
        }
        let mut tx = self.svc.db().begin().await?;
        self.record_signin(&mut tx, actor, &s, input.post_id, "staff", now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_signin(
        &self,
        tx: &mut xn_store::Tx,
        actor: &Actor,
        s: &SessionRow,
        post: i64,
        method: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if !store::sign_in(tx, s.id, post, method, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "study.already_signed_in",
                message: "已签到".into(),
            });
        }
        recount(tx, post, &month_of_instant(from_ms(s.starts_at)), now).await?;
        crate::events::record(
            tx,
            &actor.audit(),
            "study.signed_in",
            Some(format!("study_session:{}", s.id)),
            json!({"post": post, "method": method}),
            now,
        )
        .await?;
        Ok(())
    }

    /// A signed-in attendee writes (or rewrites) their 心得, once the session has begun.
    pub async fn reflect(
        &self,
        actor: &Actor,
        id: i64,
        input: &ReflectionInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let l = self.learner(actor).await?;
        let s = self.readable_session(&l, id).await?;
        let text = rules::check_text("text", "心得", &input.text, 500).map_err(into_invalid)?;
        if ms(now) < s.starts_at {
            return Err(ServiceError::Conflict {
                code: "study.not_begun",
                message: "学习会开始后才能填写心得".into(),
            });
        }
        let mut tx = self.svc.db().begin().await?;
        if !store::set_reflection(&mut tx, id, l.post, &text, ms(now)).await? {
            return Err(ServiceError::Forbidden(
                "签到参加学习会后才能填写心得".into(),
            ));
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "study.reflected",
            Some(format!("study_session:{id}")),
            json!({"chars": text.chars().count()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organiser writes the session's notes.
    pub async fn save_notes(
        &self,
        actor: &Actor,
        id: i64,
        input: &NotesInput,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let l = self.learner(actor).await?;
        let s = self.readable_session(&l, id).await?;
        if !Self::organises_session(&l, &s) {
            return Err(ServiceError::Forbidden(
                "只有学习会的组织者或主讲人可以填写记录".into(),
            ));
        }
        let notes = input.notes.trim();
        if notes.chars().count() > 5000 {
            return Err(ServiceError::invalid("notes", "学习记录不超过 5000 字"));
        }
        let mut tx = self.svc.db().begin().await?;
        store::set_notes(&mut tx, id, notes).await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "study.notes_saved",
            Some(format!("study_session:{id}")),
            json!({"chars": notes.chars().count()}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::code_of;

    #[test]
    fn a_code_is_six_digits_and_changes_with_the_window() {
        let a = code_of("secret", 100);
        assert_eq!(a.len(), 6);
        assert_ne!(a, code_of("secret", 101));
    }
}
