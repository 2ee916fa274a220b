//! 办事与服务: the rules of a service request (服务事项) that need no database — its channels,
//! urgency, states and 回访 results, how a requester's name and phone are masked in lists, how
//! a tracking code looks, and where the ladder stands against a deadline.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use strum::{EnumIter, EnumString, IntoEnumIterator, IntoStaticStr};

macro_rules! coded {
    ($t:ty) => {
        impl $t {
            /// The stored code.
            pub fn code(self) -> &'static str {
                self.into()
            }

            /// The value stored under a code, if any.
            pub fn from_code(code: &str) -> Option<Self> {
                code.parse().ok()
            }

            /// Every value, in order.
            pub fn all() -> impl Iterator<Item = Self> {
                <Self as IntoEnumIterator>::iter()
            }
        }
    };
}

/// 来源渠道: how a request reached the office.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    EnumIter,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Channel {
    /// 网页: the public form.
    #[default]
    Web,
    /// 电话: registered by the clerk who took the call.
    Phone,
    /// 来信.
    Letter,
    /// 来访.
    Visit,
    /// 上级转办.
    Higher,
    /// 基层请示.
    Grassroots,
    /// 领导交办.
    Leader,
    /// 内部办事: the office's own staff asking its 内务 and 后勤 (用车, 维修 …).
    Internal,
}
coded!(Channel);

impl Channel {
    /// The channel's name.
    pub fn label(self) -> &'static str {
        match self {
            Channel::Web => "网页",
            Channel::Phone => "电话",
            Channel::Letter => "来信",
            Channel::Visit => "来访",
            Channel::Higher => "上级转办",
            Channel::Grassroots => "基层请示",
            Channel::Leader => "领导交办",
            Channel::Internal => "内部办事",
        }
    }
}

/// 紧急程度.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    Serialize,
    Deserialize,
    EnumIter,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Urgency {
    /// 一般.
    #[default]
    Normal,
    /// 紧急.
    Urgent,
    /// 特急.
    Critical,
}
coded!(Urgency);

impl Urgency {
    /// Its name.
    pub fn label(self) -> &'static str {
        match self {
            Urgency::Normal => "一般",
            Urgency::Urgent => "紧急",
            Urgency::Critical => "特急",
        }
    }
}

/// Where a request stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, EnumIter, EnumString, IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RequestState {
    /// 待受理: submitted or registered, not yet accepted.
    Received,
    /// 不予受理 (with the reason told to the requester).
    Declined,
    /// 已合并: a duplicate of an open request, followed through it.
    Merged,
    /// 待派单.
    Dispatching,
    /// 待签收.
    Signing,
    /// 承办中 (also 重办).
    Handling,
    /// 答复审核.
    Reviewing,
    /// 待回访.
    Visiting,
    /// 已办结.
    Closed,
}
coded!(RequestState);

impl RequestState {
    /// The state's name for staff.
    pub fn label(self) -> &'static str {
        match self {
            RequestState::Received => "待受理",
            RequestState::Declined => "不予受理",
            RequestState::Merged => "已合并",
            RequestState::Dispatching => "待派单",
            RequestState::Signing => "待签收",
            RequestState::Handling => "承办中",
            RequestState::Reviewing => "答复审核",
            RequestState::Visiting => "待回访",
            RequestState::Closed => "已办结",
        }
    }

    /// Whether a lead unit owes work (its deadline runs).
    pub fn owes_work(self) -> bool {
        matches!(
            self,
            RequestState::Dispatching
                | RequestState::Signing
                | RequestState::Handling
                | RequestState::Reviewing
        )
    }

    /// Whether the request is still open (not declined, merged or closed).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            RequestState::Declined | RequestState::Merged | RequestState::Closed
        )
    }
}

/// A 回访 result.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, EnumIter, EnumString, IntoStaticStr,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum VisitResult {
    /// 满意.
    Satisfied,
    /// 基本满意.
    Basically,
    /// 不满意 (a reason is required).
    Unsatisfied,
}
coded!(VisitResult);

impl VisitResult {
    /// Its name, also the 回访 step's decision.
    pub fn label(self) -> &'static str {
        match self {
            VisitResult::Satisfied => "满意",
            VisitResult::Basically => "基本满意",
            VisitResult::Unsatisfied => "不满意",
        }
    }

    /// The result named by its label.
    pub fn from_label(label: &str) -> Option<VisitResult> {
        VisitResult::all().find(|r| r.label() == label)
    }
}

/// The name shown in lists: the surname and one 「*」 per further character (张**), 匿名 for an
/// anonymous requester.
pub fn mask_name(name: &str, anonymous: bool) -> String {
    if anonymous || name.trim().is_empty() {
        return "匿名".into();
    }
    let mut chars = name.trim().chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    first + &"*".repeat(chars.count().max(1))
}

/// The phone shown in lists: its first three and last four digits (138****5678); shorter
/// numbers keep only their last two.
pub fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return String::new();
    }
    if digits.len() >= 11 {
        let head: String = digits.iter().take(3).collect();
        let tail: String = digits.iter().skip(digits.len() - 4).collect();
        return format!("{head}****{tail}");
    }
    let tail: String = digits.iter().skip(digits.len().saturating_sub(2)).collect();
    format!("{}{tail}", "*".repeat(digits.len().saturating_sub(2)))
}

/// A phone number as stored and compared: its digits only, 5–20 of them (a mobile, or a
/// landline with its area code); `None` otherwise.
pub fn normalize_phone(phone: &str) -> Option<String> {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let only_digits = phone
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+' | '(' | ')'));
    (only_digits && (5..=20).contains(&digits.len())).then_some(digits)
}

/// The letters of a tracking code: digits and capitals without 0/O, 1/I/L and U, so that it
/// reads unambiguously over the phone (30 symbols, almost 5 bits each).
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";

/// How many symbols a tracking code has (ten symbols: about 49 bits; guessing one that exists
/// is hopeless, and tracking also needs the phone).
pub const CODE_LEN: usize = 10;

/// A tracking code from `CODE_LEN` random bytes, grouped as `ABCDE-FGHJK`.
pub fn tracking_code(random: &[u8; CODE_LEN]) -> String {
    let mut s = String::with_capacity(CODE_LEN + 1);
    for (i, b) in random.iter().enumerate() {
        if i == CODE_LEN / 2 {
            s.push('-');
        }
        let idx = usize::from(*b) % CODE_ALPHABET.len();
        s.push(char::from(CODE_ALPHABET.get(idx).copied().unwrap_or(b'2')));
    }
    s
}

/// A tracking code as typed (lower case, spaces, with or without the dash) in its stored form.
pub fn normalize_code(input: &str) -> Option<String> {
    let raw: String = input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if raw.len() != CODE_LEN || !raw.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return None;
    }
    let (a, b) = raw.split_at(CODE_LEN / 2);
    Some(format!("{a}-{b}"))
}

/// The ladder's verdict on an open request against its deadline (all in working days of the
/// flow calendar, counted by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// 正常.
    OnTrack,
    /// 临期: the deadline is within the due-soon window.
    DueSoon,
    /// 黄牌: past the deadline.
    Yellow,
    /// 红牌: past it by more than the red-card window.
    Red,
}

impl Standing {
    /// From the working days left until the deadline (0: the deadline is today) or, when past,
    /// the working days since it (`late`).
    pub fn of(days_left: Option<u32>, late: u32, due_soon_days: u32, red_after_days: u32) -> Self {
        match days_left {
            Some(d) if d <= due_soon_days => Standing::DueSoon,
            Some(_) => Standing::OnTrack,
            None if late > red_after_days => Standing::Red,
            None => Standing::Yellow,
        }
    }

    /// Its name.
    pub fn label(self) -> &'static str {
        match self {
            Standing::OnTrack => "正常",
            Standing::DueSoon => "临期",
            Standing::Yellow => "黄牌",
            Standing::Red => "红牌",
        }
    }
}

/// How often the public form may be used (`[service_public]` in the configuration): per
/// address in a minute, and per phone number in a day. A submission over either is refused and
/// nothing of it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublicLimits {
    /// Submissions from one address in a minute.
    pub per_address_per_minute: u32,
    /// Submissions with one phone number in a day.
    pub per_phone_per_day: u32,
}

impl Default for PublicLimits {
    fn default() -> PublicLimits {
        PublicLimits {
            per_address_per_minute: 5,
            per_phone_per_day: 10,
        }
    }
}

/// The Beijing month (`2026-10`) a date falls in, as 回访 rows are grouped.
pub fn month_of(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_phones_are_masked() {
        assert_eq!(mask_name("张三丰", false), "张**");
        assert_eq!(mask_name("李四", false), "李*");
        assert_eq!(mask_name("王", false), "王*");
        assert_eq!(mask_name("张三", true), "匿名");
        assert_eq!(mask_phone("138-1234-5678"), "138****5678");
        assert_eq!(mask_phone("88123456"), "******56");
        assert_eq!(
            normalize_phone("138 1234 5678").as_deref(),
            Some("13812345678")
        );
        assert_eq!(normalize_phone("<script>"), None);
    }

    #[test]
    fn tracking_codes_read_back() {
        let code = tracking_code(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 200]);
        assert_eq!(code.len(), CODE_LEN + 1);
        assert_eq!(
            normalize_code(&code.to_lowercase().replace('-', " ")),
            Some(code)
        );
        assert_eq!(normalize_code("OOOOO-IIIII"), None);
    }

    #[test]
    fn the_ladder_reads_days_left_and_late() {
        assert_eq!(Standing::of(Some(5), 0, 1, 3), Standing::OnTrack);
        assert_eq!(Standing::of(Some(1), 0, 1, 3), Standing::DueSoon);
        assert_eq!(Standing::of(None, 1, 1, 3), Standing::Yellow);
        assert_eq!(Standing::of(None, 4, 1, 3), Standing::Red);
    }
}
