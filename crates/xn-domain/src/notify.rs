//! Telling people of their work outside the system: which news goes out by mail and to the
//! 企业微信 and 钉钉 group robots, when (quiet hours, a daily digest), how often a failed
//! message is tried again, and what a message says (never the title of a classified item).

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Duration, NaiveTime, TimeDelta, Utc};
use strum::{EnumIter, IntoEnumIterator, IntoStaticStr};
use thiserror::Error;

use crate::calendar::hours::{from_shanghai_local, to_shanghai_local};

/// What a message tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Topic {
    /// A task arrived (待办).
    NewTask,
    /// Something to read arrived (待阅).
    NewRead,
    /// Work came back: a step to do again, information or a 督办 report sent back.
    Returned,
    /// A step falls due soon (临期提醒).
    DueSoon,
    /// A step is late: yellow card.
    YellowCard,
    /// A step is far too late: red card.
    RedCard,
    /// Someone urged (催办).
    Urged,
    /// Any other news of the workbench (a handover, an adoption, a moved deadline …).
    Other,
}

impl Topic {
    /// The stored code, e.g. `new_task`.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The topic stored under a code.
    pub fn from_code(code: &str) -> Option<Topic> {
        Topic::iter().find(|t| t.code() == code)
    }

    /// Its name on pages and in messages.
    pub fn label(self) -> &'static str {
        match self {
            Topic::NewTask => "新待办",
            Topic::NewRead => "新待阅",
            Topic::Returned => "退回",
            Topic::DueSoon => "临期提醒",
            Topic::YellowCard => "黄牌",
            Topic::RedCard => "红牌",
            Topic::Urged => "催办",
            Topic::Other => "其他动态",
        }
    }

    /// Whether a person who has not chosen gets it.
    pub fn wanted_by_default(self) -> bool {
        !matches!(self, Topic::NewRead | Topic::Other)
    }

    /// Every topic, in the order pages list them.
    pub fn all() -> impl Iterator<Item = Topic> {
        Topic::iter()
    }

    /// The topic of a workbench notification of `kind` (`flow.red_card`, `supervision.urged` …).
    pub fn of_notification(kind: &str) -> Topic {
        match kind {
            "flow.due_soon" => Topic::DueSoon,
            "flow.yellow_card" => Topic::YellowCard,
            "flow.red_card" => Topic::RedCard,
            "flow.urged" | "supervision.urged" => Topic::Urged,
            "information.returned" | "information.revise" | "supervision.sent_back" => {
                Topic::Returned
            }
            _ => Topic::Other,
        }
    }
}

/// A set of topics, stored as comma-separated codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topics(BTreeSet<Topic>);

impl Topics {
    /// What a person or robot gets without choosing.
    pub fn defaults() -> Topics {
        Topics(Topic::all().filter(|t| t.wanted_by_default()).collect())
    }

    /// The topics named; unknown codes are refused.
    pub fn from_codes<'a>(codes: impl IntoIterator<Item = &'a str>) -> Result<Topics, NotifyError> {
        let mut set = BTreeSet::new();
        for c in codes.into_iter().map(str::trim).filter(|c| !c.is_empty()) {
            set.insert(Topic::from_code(c).ok_or_else(|| NotifyError::Topic(c.to_owned()))?);
        }
        Ok(Topics(set))
    }

    /// Reads what [`Topics::stored`] wrote; a code no longer known is passed over.
    pub fn from_stored(s: &str) -> Topics {
        Topics(
            s.split(',')
                .filter_map(|c| Topic::from_code(c.trim()))
                .collect(),
        )
    }

    /// The stored form.
    pub fn stored(&self) -> String {
        self.0
            .iter()
            .map(|t| t.code())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Whether `t` is wanted.
    pub fn has(&self, t: Topic) -> bool {
        self.0.contains(&t)
    }

    /// The topics wanted.
    pub fn iter(&self) -> impl Iterator<Item = Topic> + '_ {
        self.0.iter().copied()
    }
}

/// Hours of the Beijing day in which nothing is sent; what falls due in them waits for their
/// end. `from` after `to` spans midnight (22:00–07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    /// Start.
    pub from: NaiveTime,
    /// End.
    pub to: NaiveTime,
}

impl QuietHours {
    /// Reads a pair of `HH:MM`; both empty is none; one alone, or both alike, is refused.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Option<QuietHours>, NotifyError> {
        let from = from.map(str::trim).filter(|s| !s.is_empty());
        let to = to.map(str::trim).filter(|s| !s.is_empty());
        match (from, to) {
            (None, None) => Ok(None),
            (Some(f), Some(t)) => {
                let q = QuietHours {
                    from: clock_time(f)?,
                    to: clock_time(t)?,
                };
                if q.from == q.to {
                    return Err(NotifyError::QuietEmpty);
                }
                Ok(Some(q))
            }
            _ => Err(NotifyError::QuietHalf),
        }
    }

    /// Whether the Beijing time of day `t` is quiet.
    pub fn covers(&self, t: NaiveTime) -> bool {
        if self.from < self.to {
            self.from <= t && t < self.to
        } else {
            t >= self.from || t < self.to
        }
    }

    /// When a message due at `at` may go: `at` itself, or the end of the quiet hours it falls in.
    pub fn release(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let local = to_shanghai_local(at);
        if !self.covers(local.time()) {
            return at;
        }
        let mut end = local.date().and_time(self.to);
        if end <= local {
            end += Duration::days(1);
        }
        from_shanghai_local(end)
    }

    /// `HH:MM–HH:MM`.
    pub fn text(&self) -> String {
        format!("{}–{}", self.from.format("%H:%M"), self.to.format("%H:%M"))
    }
}

/// Reads `HH:MM` (24-hour).
pub fn clock_time(s: &str) -> Result<NaiveTime, NotifyError> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| NotifyError::Time(s.to_owned()))
}

/// The first instant at or after `now` whose Beijing time of day is `at`: when the daily
/// digest holding a message made at `now` goes out.
pub fn next_digest(at: NaiveTime, now: DateTime<Utc>) -> DateTime<Utc> {
    let local = to_shanghai_local(now);
    let mut next = local.date().and_time(at);
    if next < local {
        next += Duration::days(1);
    }
    from_shanghai_local(next)
}

/// How many times a message is tried before it is marked failed.
pub const MAX_ATTEMPTS: i64 = 6;

/// The pause before the next try of a message that failed `attempts` times, or `None` when it
/// has had its last try: 1, 5, 15, 60 and 180 minutes.
pub fn retry_after(attempts: i64) -> Option<TimeDelta> {
    let minutes = match attempts {
        ..=1 => 1,
        2 => 5,
        3 => 15,
        4 => 60,
        5 => 180,
        _ => return None,
    };
    Some(TimeDelta::minutes(minutes))
}

/// The longest mail address kept (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;

/// Checks a mail address's shape (`name@host.tld`); the mail server has the last word.
pub fn email(s: &str) -> Result<String, NotifyError> {
    let s = s.trim();
    let bad = || NotifyError::Email(s.to_owned());
    if s.len() > MAX_EMAIL || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, host) = s.split_once('@').ok_or_else(bad)?;
    let host_ok = host.contains('.')
        && !host.starts_with('.')
        && !host.ends_with('.')
        && !host.contains("..")
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if local.is_empty() || local.contains('@') || local.contains(['<', '>', ',', ';']) || !host_ok {
        return Err(bad());
    }
    Ok(s.to_owned())
}

/// What a message says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subject line (mail) or heading (robot).
    pub title: String,
    /// The text: what happened, in one or two sentences.
    pub body: String,
    /// Where to act: an absolute address of the item's page.
    pub link: String,
}

/// What is said of an item classified above 非密: nothing that names it.
pub const WITHHELD_TEXT: &str = "（涉密事项）内容按密级不予推送，请登录系统查看";

/// What is said of news whose item's 密级 cannot be told: nothing that names it either.
pub const UNNAMED_TEXT: &str = "内容请登录系统查看";

/// What a message may say of its item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown<'a> {
    /// 非密: the workbench's text.
    Text(&'a str),
    /// Above 非密: only that there is a classified item.
    Classified,
    /// Of unknown 密级 (news not tied to an item): only that there is news.
    Unnamed,
}

/// A message of `topic` saying what `shown` allows: the workbench's text (a task's case title
/// and step, a notification's message) only of an item known to be 非密.
pub fn compose(topic: Topic, shown: Shown<'_>, link: &str) -> Message {
    let (title, body) = match shown {
        Shown::Text(t) => (
            format!("【{}】{}", topic.label(), first_chars(t, 60)),
            first_chars(t, 500),
        ),
        Shown::Classified => (
            format!("【{}】您有一件涉密事项", topic.label()),
            WITHHELD_TEXT.to_owned(),
        ),
        Shown::Unnamed => (
            format!("【{}】您有一条新消息", topic.label()),
            UNNAMED_TEXT.to_owned(),
        ),
    };
    Message {
        title,
        body,
        link: link.to_owned(),
    }
}

fn first_chars(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().nth(n).is_some() {
        out.push('…');
    }
    out
}

/// The page (a path) where what a notification's subject names (`case:12`, `supervision:3`,
/// `document:7` …) is seen, when it has one: the workbench's links and the messages' links.
pub fn subject_path(subject: &str) -> Option<String> {
    let (kind, id) = subject.split_once(':')?;
    let id: i64 = id.parse().ok()?;
    match kind {
        "case" => Some(format!("/cases/{id}")),
        "supervision" => Some(format!("/supervision/{id}")),
        "document" => Some(format!("/documents/{id}")),
        "meeting" => Some(format!("/meetings/{id}")),
        "efficiency_alert" => Some(format!("/efficiency/alerts#alert-{id}")),
        "rule" => Some(format!("/rules/{id}")),
        "study_material" => Some(format!("/study/materials/{id}")),
        "study_session" => Some(format!("/study/sessions/{id}")),
        "information_commission" => Some(format!("/information/commissions/{id}")),
        "information_issue" => Some(format!("/information/periodicals/{id}")),
        "service" => Some(format!("/affairs/{id}")),
        "instruction" => Some(format!("/supervision/new?case={id}")),
        _ => None,
    }
}

/// A group robot's messenger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Messenger {
    /// 企业微信 群机器人.
    Wecom,
    /// 钉钉 自定义机器人.
    Dingtalk,
}

impl Messenger {
    /// The stored code.
    pub fn code(self) -> &'static str {
        self.into()
    }

    /// The messenger stored under a code.
    pub fn from_code(code: &str) -> Option<Messenger> {
        Messenger::iter().find(|m| m.code() == code)
    }

    /// Its name.
    pub fn label(self) -> &'static str {
        match self {
            Messenger::Wecom => "企业微信",
            Messenger::Dingtalk => "钉钉",
        }
    }

    /// Every messenger.
    pub fn all() -> impl Iterator<Item = Messenger> {
        Messenger::iter()
    }

    /// Checks a robot's webhook address: `https://` (or `http://` to a receiver on this
    /// machine), at most 1,000 characters.
    pub fn webhook(self, url: &str) -> Result<String, NotifyError> {
        let url = url.trim();
        // Plain http only to this machine (a local relay or receiver): the address carries the
        // robot's key.
        let local = [
            "http://127.0.0.1:",
            "http://127.0.0.1/",
            "http://localhost:",
            "http://localhost/",
            "http://[::1]:",
        ]
        .iter()
        .any(|p| url.starts_with(p));
        let ok = (url.starts_with("https://") || local)
            && url.len() <= 1000
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(url.to_owned())
        } else {
            Err(NotifyError::Webhook(self.label()))
        }
    }
}

/// Refused settings, with the message a page shows.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NotifyError {
    /// An unknown topic code.
    #[error("未知的推送类别：{0}")]
    Topic(String),
    /// Not `HH:MM`.
    #[error("时间应写作 22:00 这样的格式：{0}")]
    Time(String),
    /// Only one end of the quiet hours.
    #[error("免打扰时段应同时填写开始和结束时间")]
    QuietHalf,
    /// Quiet hours of no length.
    #[error("免打扰时段的开始和结束不能相同")]
    QuietEmpty,
    /// A malformed mail address.
    #[error("邮箱地址格式不正确：{0}")]
    Email(String),
    /// A malformed webhook address.
    #[error("{0}机器人的 Webhook 地址应以 https:// 开头")]
    Webhook(&'static str),
}

impl fmt::Display for Topics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let labels: Vec<_> = self.0.iter().map(|t| t.label()).collect();
        f.write_str(&labels.join("、"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn bj(h: u32, m: u32) -> DateTime<Utc> {
        // 2026-11-26 in Beijing.
        from_shanghai_local(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap(),
        )
    }

    #[test]
    fn quiet_hours_over_midnight_release_at_their_end() {
        let q = QuietHours::parse(Some("22:00"), Some("07:30"))
            .unwrap()
            .unwrap();
        assert_eq!(q.release(bj(21, 59)), bj(21, 59));
        assert_eq!(q.release(bj(23, 10)), bj(7, 30) + Duration::days(1));
        assert_eq!(q.release(bj(6, 0)), bj(7, 30));
        assert_eq!(q.release(bj(7, 30)), bj(7, 30));
        let day = QuietHours::parse(Some("12:00"), Some("14:00"))
            .unwrap()
            .unwrap();
        assert_eq!(day.release(bj(13, 0)), bj(14, 0));
        assert_eq!(day.release(bj(14, 0)), bj(14, 0));
        assert_eq!(day.release(bj(11, 0)), bj(11, 0));
    }

    #[test]
    fn quiet_hours_need_both_ends_of_some_length() {
        assert_eq!(QuietHours::parse(None, Some("")), Ok(None));
        assert_eq!(
            QuietHours::parse(Some("22:00"), None),
            Err(NotifyError::QuietHalf)
        );
        assert_eq!(
            QuietHours::parse(Some("8:00"), Some("08:00")),
            Err(NotifyError::QuietEmpty)
        );
        assert!(matches!(
            QuietHours::parse(Some("25:00"), Some("07:00")),
            Err(NotifyError::Time(_))
        ));
    }

    #[test]
    fn the_digest_goes_at_its_next_hour() {
        let at = clock_time("08:30").unwrap();
        assert_eq!(next_digest(at, bj(8, 0)), bj(8, 30));
        assert_eq!(next_digest(at, bj(8, 30)), bj(8, 30));
        assert_eq!(next_digest(at, bj(9, 0)), bj(8, 30) + Duration::days(1));
        // 23:00 UTC is 07:00 the next Beijing day.
        let late = Utc.with_ymd_and_hms(2026, 11, 26, 23, 0, 0).unwrap();
        assert_eq!(next_digest(at, late), bj(8, 30) + Duration::days(1));
    }

    #[test]
    fn retries_slow_down_and_stop() {
        let pauses: Vec<_> = (1..=7).map(retry_after).collect();
        assert_eq!(pauses[0], Some(TimeDelta::minutes(1)));
        assert_eq!(pauses[4], Some(TimeDelta::minutes(180)));
        assert_eq!(pauses[5], None);
        assert!(pauses.windows(2).all(|w| match (w[0], w[1]) {
            (Some(a), Some(b)) => a < b,
            _ => true,
        }));
        assert_eq!(retry_after(MAX_ATTEMPTS), None);
    }

    #[test]
    fn topics_round_trip_and_refuse_unknown_codes() {
        let d = Topics::defaults();
        assert!(d.has(Topic::NewTask) && d.has(Topic::RedCard) && !d.has(Topic::Other));
        assert_eq!(Topics::from_stored(&d.stored()), d);
        assert_eq!(
            Topics::from_codes(["urged", " red_card "])
                .unwrap()
                .stored(),
            "red_card,urged"
        );
        assert_eq!(
            Topics::from_codes(["x"]),
            Err(NotifyError::Topic("x".into()))
        );
        assert_eq!(Topic::of_notification("flow.red_card"), Topic::RedCard);
        assert_eq!(
            Topic::of_notification("supervision.sent_back"),
            Topic::Returned
        );
        assert_eq!(Topic::of_notification("flow.handover"), Topic::Other);
    }

    #[test]
    fn mail_addresses_are_checked_for_shape() {
        assert_eq!(
            email(" li.ming@qinghe.gov.cn ").unwrap(),
            "li.ming@qinghe.gov.cn"
        );
        for bad in [
            "li",
            "li@",
            "@gov.cn",
            "li@gov",
            "li ming@gov.cn",
            "a@b@c.cn",
            "a@.cn",
            "x<y>@a.cn",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_classified_item_is_not_named() {
        let m = compose(Topic::NewTask, Shown::Classified, "https://oa/cases/7");
        assert!(!m.title.contains('《'));
        assert_eq!(m.body, WITHHELD_TEXT);
        let m = compose(
            Topic::RedCard,
            Shown::Text("《关于防汛的通知》核稿严重超期"),
            "https://oa/cases/7",
        );
        assert_eq!(m.title, "【红牌】《关于防汛的通知》核稿严重超期");
        assert_eq!(m.link, "https://oa/cases/7");
    }

    #[test]
    fn webhooks_must_be_web_addresses() {
        assert!(
            Messenger::Dingtalk
                .webhook("https://oapi.dingtalk.com/robot/send?access_token=a")
                .is_ok()
        );
        assert!(Messenger::Wecom.webhook("ftp://x").is_err());
        assert!(Messenger::Wecom.webhook("https://a b").is_err());
        assert!(
            Messenger::Wecom
                .webhook("http://10.0.0.8/hook?key=k")
                .is_err(),
            "no cleartext key"
        );
        assert!(
            Messenger::Wecom
                .webhook("http://127.0.0.1:9/hook?key=k")
                .is_ok()
        );
        let m = compose(Topic::Returned, Shown::Unnamed, "l");
        assert_eq!(m.body, UNNAMED_TEXT);
    }
}
