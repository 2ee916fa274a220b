//! The organisation: units, persons, posts, positions, roles and permissions.
//!
//! Work in xiaoneng is always addressed to a [`Post`](PostId) — a person in a position at a
//! unit — never to a bare person, because one person may hold several posts (兼职) and a post
//! outlives the person who holds it. This module holds the vocabulary and the rules that need no
//! storage: unit kinds, clearance levels, the permission catalogue and the built-in roles
//! (including the three separated administrators, 三员分立). It holds no SQL.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! id_newtype {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_newtype!(
    /// Identifies a unit (单位).
    UnitId,
    /// Identifies a person (人员).
    PersonId,
    /// Identifies a post (身份): a person in a position at a unit.
    PostId,
    /// Identifies a position (职务).
    PositionId,
    /// Identifies a role (角色).
    RoleId,
);

/// An error in organisation input, worded for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrgError {
    /// A value is not one of the accepted words.
    #[error("{field}“{value}”无法识别，可选：{allowed}")]
    Unknown {
        /// The field's Chinese label.
        field: &'static str,
        /// What was given.
        value: String,
        /// The accepted words, joined.
        allowed: String,
    },
    /// A required field is empty.
    #[error("{0}不能为空")]
    Empty(&'static str),
    /// A field is longer than allowed.
    #[error("{field}过长（最多 {max} 个字符）")]
    TooLong {
        /// The field's Chinese label.
        field: &'static str,
        /// The limit in characters.
        max: usize,
    },
    /// A login name has characters outside the allowed set.
    #[error("登录名只能由字母、数字、点、下划线和连字符组成，长度 2–32")]
    BadLogin,
    /// An issuer code is malformed.
    #[error("机关代字只能由汉字组成，长度 1–10，例如“东政办”")]
    BadIssuerCode,
}

/// What a unit is. Stored as TEXT with a CHECK constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// 人民政府 (province, city or county government).
    Government,
    /// 办公厅 / 办公室 (the general office of a government).
    Office,
    /// 内设机构 / 科室 (a section inside an office or bureau).
    Section,
    /// 部门 / 局 (a department of a government).
    Bureau,
    /// 其他 (anything else: a township, a centre).
    Other,
}

impl UnitKind {
    /// Every kind, in display order.
    pub const ALL: [UnitKind; 5] = [
        UnitKind::Government,
        UnitKind::Office,
        UnitKind::Section,
        UnitKind::Bureau,
        UnitKind::Other,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            UnitKind::Government => "government",
            UnitKind::Office => "office",
            UnitKind::Section => "section",
            UnitKind::Bureau => "bureau",
            UnitKind::Other => "other",
        }
    }

    /// The Chinese label shown to people and accepted in import sheets.
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Government => "人民政府",
            UnitKind::Office => "办公厅（室）",
            UnitKind::Section => "科室",
            UnitKind::Bureau => "部门",
            UnitKind::Other => "其他",
        }
    }
}

impl FromStr for UnitKind {
    type Err = OrgError;

    /// Accepts the stored code or a Chinese label (a few common spellings included).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let kind = match s {
            "government" | "人民政府" | "政府" => UnitKind::Government,
            "office" | "办公厅（室）" | "办公厅" | "办公室" => UnitKind::Office,
            "section" | "科室" | "内设机构" => UnitKind::Section,
            "bureau" | "部门" | "局" => UnitKind::Bureau,
            "other" | "其他" => UnitKind::Other,
            _ => {
                return Err(OrgError::Unknown {
                    field: "单位类型",
                    value: s.to_owned(),
                    allowed: UnitKind::ALL.map(UnitKind::label).join("、"),
                });
            }
        };
        Ok(kind)
    }
}

/// A post's clearance (涉密等级) and a document's classification share this scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clearance {
    /// 非密 — may see unclassified matter only.
    Public,
    /// 秘密.
    Secret,
    /// 机密.
    Confidential,
    /// 绝密.
    TopSecret,
}

impl Clearance {
    /// Every level, lowest first.
    pub const ALL: [Clearance; 4] = [
        Clearance::Public,
        Clearance::Secret,
        Clearance::Confidential,
        Clearance::TopSecret,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Clearance::Public => "public",
            Clearance::Secret => "secret",
            Clearance::Confidential => "confidential",
            Clearance::TopSecret => "top_secret",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Clearance::Public => "非密",
            Clearance::Secret => "秘密",
            Clearance::Confidential => "机密",
            Clearance::TopSecret => "绝密",
        }
    }

    /// Whether a post at this clearance may see matter classified at `level`.
    pub fn may_see(self, level: Clearance) -> bool {
        self >= level
    }
}

impl FromStr for Clearance {
    type Err = OrgError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Clearance::ALL
            .into_iter()
            .find(|c| c.code() == s || c.label() == s || (s.is_empty() && *c == Clearance::Public))
            .ok_or_else(|| OrgError::Unknown {
                field: "涉密等级",
                value: s.to_owned(),
                allowed: Clearance::ALL.map(Clearance::label).join("、"),
            })
    }
}

/// What a post may do. The catalogue is closed: roles are sets of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    /// Browse the organisation (everyone who works here).
    #[serde(rename = "org.read")]
    OrgRead,
    /// Create and change units, persons and posts; import sheets (系统管理员).
    #[serde(rename = "org.admin")]
    OrgAdmin,
    /// Grant roles and clearance, lock, unlock and reset passwords (安全保密管理员).
    #[serde(rename = "security.admin")]
    SecurityAdmin,
    /// Read the audit trail of events (安全审计员).
    #[serde(rename = "audit.read")]
    AuditRead,
    /// Edit the working-day calendar (系统管理员).
    #[serde(rename = "calendar.admin")]
    CalendarAdmin,
    /// Create API tokens for one's own integrations.
    #[serde(rename = "token.own")]
    TokenOwn,
    /// Start items and act on one's tasks (办文办事).
    #[serde(rename = "flow.work")]
    FlowWork,
    /// Maintain process definitions and hand over a post's work (流程管理、工作交接).
    #[serde(rename = "flow.admin")]
    FlowAdmin,
}

impl Permission {
    /// Every permission, in display order.
    pub const ALL: [Permission; 8] = [
        Permission::OrgRead,
        Permission::OrgAdmin,
        Permission::SecurityAdmin,
        Permission::AuditRead,
        Permission::CalendarAdmin,
        Permission::TokenOwn,
        Permission::FlowWork,
        Permission::FlowAdmin,
    ];

    /// The stored code, also the scope name of API tokens.
    pub fn code(self) -> &'static str {
        match self {
            Permission::OrgRead => "org.read",
            Permission::OrgAdmin => "org.admin",
            Permission::SecurityAdmin => "security.admin",
            Permission::AuditRead => "audit.read",
            Permission::CalendarAdmin => "calendar.admin",
            Permission::TokenOwn => "token.own",
            Permission::FlowWork => "flow.work",
            Permission::FlowAdmin => "flow.admin",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Permission::OrgRead => "查看组织机构",
            Permission::OrgAdmin => "管理单位、人员和身份",
            Permission::SecurityAdmin => "授权、密级与账号安全",
            Permission::AuditRead => "查看审计日志",
            Permission::CalendarAdmin => "维护工作日历",
            Permission::TokenOwn => "创建接口令牌",
            Permission::FlowWork => "办理事项",
            Permission::FlowAdmin => "流程管理与工作交接",
        }
    }

    /// Whether the permission is one of the three administrators' (三员) duties.
    pub fn is_admin(self) -> bool {
        admin_duty(self).is_some()
    }

    /// Whether the permission is business work (办理事项: starting items, acting on tasks,
    /// reading the office's documents), which no administrator's post carries (三员分立).
    pub fn is_business(self) -> bool {
        matches!(self, Permission::FlowWork)
    }

    /// Whether an API token may carry the permission as a scope: administrators' duties are
    /// done by a person signed in, never by a token.
    pub fn grantable_to_tokens(self) -> bool {
        !self.is_admin()
    }

    /// Parses a stored code; unknown codes are ignored by callers that read old rows.
    pub fn from_code(code: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.code() == code)
    }
}

/// The roles every installation has (custom roles are not yet offered: these four cover the
/// separated duties and ordinary work).
///
/// The three administrators are separated (三员分立): no built-in role holds the permissions
/// of two of them, and [`check_separation`] refuses a post that would.
pub const BUILTIN_ROLES: [(&str, &str, &[Permission]); 4] = [
    (
        "staff",
        "工作人员",
        &[
            Permission::OrgRead,
            Permission::TokenOwn,
            Permission::FlowWork,
        ],
    ),
    (
        "system_admin",
        "系统管理员",
        &[
            Permission::OrgRead,
            Permission::OrgAdmin,
            Permission::CalendarAdmin,
            Permission::FlowAdmin,
        ],
    ),
    (
        "security_admin",
        "安全保密管理员",
        &[Permission::OrgRead, Permission::SecurityAdmin],
    ),
    (
        "auditor",
        "安全审计员",
        &[Permission::OrgRead, Permission::AuditRead],
    ),
];

/// The duty a permission belongs to under 三员分立, if it is an administrator's.
fn admin_duty(p: Permission) -> Option<&'static str> {
    match p {
        Permission::OrgAdmin | Permission::CalendarAdmin | Permission::FlowAdmin => {
            Some("系统管理员")
        }
        Permission::SecurityAdmin => Some("安全保密管理员"),
        Permission::AuditRead => Some("安全审计员"),
        Permission::OrgRead | Permission::TokenOwn | Permission::FlowWork => None,
    }
}

/// Refuses a set of permissions that would join two of the three administrators' duties in one
/// post (三员分立): the auditor must not audit herself, the system admin must not grant himself
/// clearance.
pub fn check_separation(perms: &[Permission]) -> Result<(), String> {
    let mut duties: Vec<&str> = perms.iter().filter_map(|p| admin_duty(*p)).collect();
    duties.sort_unstable();
    duties.dedup();
    if duties.len() > 1 {
        return Err(format!(
            "三员分立：同一身份不能同时承担{}的职责",
            duties.join("和")
        ));
    }
    if let Some(duty) = duties.first()
        && perms.iter().any(|p| p.is_business())
    {
        return Err(format!(
            "三员分立：{duty}的身份不能同时办理业务（{}），办理业务请使用另一个身份",
            Permission::FlowWork.label()
        ));
    }
    Ok(())
}

/// The permissions a post acts with: those of its roles, less any business permission when it
/// carries an administrator's duty (a post stored before the rule was kept works no business).
pub fn effective_permissions(perms: impl IntoIterator<Item = Permission>) -> Vec<Permission> {
    let perms: Vec<Permission> = perms.into_iter().collect();
    if perms.iter().any(|p| p.is_admin()) {
        perms.into_iter().filter(|p| !p.is_business()).collect()
    } else {
        perms
    }
}

/// The positions every installation starts with (code, name, rank for ordering).
pub const BUILTIN_POSITIONS: [(&str, &str, i64); 9] = [
    ("leader", "领导", 10),
    ("director", "主任", 20),
    ("deputy_director", "副主任", 30),
    ("section_chief", "科长", 40),
    ("deputy_section_chief", "副科长", 50),
    ("secretary", "秘书", 60),
    ("clerk", "内务", 70),
    ("logistics", "后勤", 80),
    ("staff", "科员", 90),
];

/// A person's name as typed: trimmed, 1–40 characters.
pub fn parse_name(field: &'static str, s: &str, max: usize) -> Result<String, OrgError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(OrgError::Empty(field));
    }
    if s.chars().count() > max {
        return Err(OrgError::TooLong { field, max });
    }
    Ok(s.to_owned())
}

/// A login name: ASCII letters, digits, `.`, `_`, `-`; 2–32 characters; stored lowercase.
pub fn parse_login(s: &str) -> Result<String, OrgError> {
    let s = s.trim();
    let ok = (2..=32).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(OrgError::BadLogin)
    }
}

/// An issuer code (机关代字) such as 东政办: 1–10 Chinese characters. Empty means none.
pub fn parse_issuer_code(s: &str) -> Result<Option<String>, OrgError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let ok = s.chars().count() <= 10 && s.chars().all(is_cjk);
    if ok {
        Ok(Some(s.to_owned()))
    } else {
        Err(OrgError::BadIssuerCode)
    }
}

/// Whether `c` is a CJK unified ideograph (the characters of names and codes).
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{20000}'..='\u{2a6df}')
}

// ---------------------------------------------------------------------------------------------
// The chain of units above a unit

/// A unit as a walk up the tree needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainUnit {
    /// Its id.
    pub id: i64,
    /// Its kind.
    pub kind: UnitKind,
    /// Its full name.
    pub name: String,
    /// Its 机关代字, if it issues documents in its own name.
    pub issuer_code: Option<String>,
}

/// A unit and every unit above it, nearest first: read in one query, then asked in memory
/// which office, which government, whether another unit is above it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UnitChain(pub Vec<ChainUnit>);

impl UnitChain {
    /// The unit itself.
    pub fn unit(&self) -> Option<&ChainUnit> {
        self.0.first()
    }

    /// The office a unit belongs to: the nearest government, office or bureau at or above it
    /// (a section belongs to its office; a government is its own).
    pub fn office(&self) -> Option<&ChainUnit> {
        self.0.iter().find(|u| u.kind.is_organ())
    }

    /// The organ documents are issued in the name of: the nearest government, office or bureau
    /// at or above the unit that has a 机关代字.
    pub fn issuing_office(&self) -> Option<&ChainUnit> {
        self.0
            .iter()
            .find(|u| issues_documents(u.kind, u.issuer_code.as_deref()))
    }

    /// The nearest government at or above the unit.
    pub fn government(&self) -> Option<&ChainUnit> {
        self.0.iter().find(|u| u.kind == UnitKind::Government)
    }

    /// Whether `unit` is this unit or above it.
    pub fn contains(&self, unit: i64) -> bool {
        self.0.iter().any(|u| u.id == unit)
    }

    /// The units above this one, nearest first.
    pub fn above(&self) -> &[ChainUnit] {
        self.0.get(1..).unwrap_or_default()
    }
}

impl UnitKind {
    /// Whether the kind is an organ (机关) of its own: a government, an office or a bureau.
    pub fn is_organ(self) -> bool {
        matches!(
            self,
            UnitKind::Government | UnitKind::Office | UnitKind::Bureau
        )
    }
}

/// Whether a unit is an organ that sends and receives official documents in its own name: a
/// government, office or bureau with a 机关代字 (the units a document may be addressed to, and
/// that hold a seal).
pub fn issues_documents(kind: UnitKind, issuer_code: Option<&str>) -> bool {
    kind.is_organ() && issuer_code.is_some_and(|c| !c.trim().is_empty())
}

/// How a recipient unit stands to an issuing unit, for the rules on 行文关系.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Above the issuer in the unit tree.
    Higher,
    /// Below the issuer.
    Lower,
    /// Neither above nor below (including units outside xiaoneng).
    Other,
}

/// How `recipient` stands to `issuer`: lower when it lies inside a government below the
/// issuer's government; higher when it is a unit above the issuer's government; otherwise
/// neither (a unit of the same government, or elsewhere).
pub fn relation(issuer: &UnitChain, recipient: &UnitChain) -> Relation {
    let Some(gov) = issuer.government() else {
        return Relation::Other;
    };
    if let Some(pos) = recipient.0.iter().position(|u| u.id == gov.id) {
        // Inside the issuer's government: lower when another government lies between.
        let between = recipient.0.get(..pos).unwrap_or_default();
        return if between.iter().any(|u| u.kind == UnitKind::Government) {
            Relation::Lower
        } else {
            Relation::Other
        };
    }
    let Some(r) = recipient.unit() else {
        return Relation::Other;
    };
    let above_gov = issuer.0.iter().skip_while(|u| u.id != gov.id).skip(1);
    if above_gov.clone().any(|u| u.id == r.id) {
        Relation::Higher
    } else {
        Relation::Other
    }
}

#[cfg(test)]
mod tests {

    fn chain(units: &[(i64, UnitKind)]) -> UnitChain {
        UnitChain(
            units
                .iter()
                .map(|(id, kind)| ChainUnit {
                    id: *id,
                    kind: *kind,
                    name: format!("单位{id}"),
                    issuer_code: (*kind != UnitKind::Section).then(|| format!("代字{id}")),
                })
                .collect(),
        )
    }

    #[test]
    fn a_section_belongs_to_its_office_and_its_government() {
        use UnitKind::*;
        // 秘书科 (3) ⊂ 市政府办公室 (2) ⊂ 市政府 (1)
        let c = chain(&[(3, Section), (2, Office), (1, Government)]);
        assert_eq!(c.office().map(|u| u.id), Some(2));
        assert_eq!(c.issuing_office().map(|u| u.id), Some(2));
        assert_eq!(c.government().map(|u| u.id), Some(1));
        assert!(c.contains(1) && c.contains(3) && !c.contains(4));
        assert_eq!(c.above().len(), 2);
    }

    #[test]
    fn a_county_is_lower_to_the_city_and_the_province_higher() {
        use UnitKind::*;
        // 省政府 (9) ⊃ 市政府 (1) ⊃ 市府办 (2) and 县政府 (5) ⊃ 县府办 (6)
        let city_office = chain(&[(2, Office), (1, Government), (9, Government)]);
        let county_office = chain(&[
            (6, Office),
            (5, Government),
            (1, Government),
            (9, Government),
        ]);
        let city_bureau = chain(&[(7, Bureau), (1, Government), (9, Government)]);
        let province = chain(&[(9, Government)]);
        assert_eq!(relation(&city_office, &county_office), Relation::Lower);
        assert_eq!(relation(&city_office, &city_bureau), Relation::Other);
        assert_eq!(relation(&city_office, &province), Relation::Higher);
        assert_eq!(relation(&county_office, &city_office), Relation::Other);
        assert_eq!(relation(&chain(&[]), &province), Relation::Other);
    }
    use super::*;

    #[test]
    fn the_three_administrators_cannot_share_a_post() {
        assert!(check_separation(&[Permission::OrgAdmin, Permission::CalendarAdmin]).is_ok());
        let err = check_separation(&[Permission::OrgAdmin, Permission::AuditRead]);
        assert!(err.unwrap_err().contains("三员分立"));
    }

    #[test]
    fn an_administrators_post_works_no_business() {
        let err = check_separation(&[Permission::SecurityAdmin, Permission::FlowWork]);
        assert!(err.unwrap_err().contains("不能同时办理业务"));
        assert!(check_separation(&[Permission::OrgRead, Permission::FlowWork]).is_ok());
        assert_eq!(
            effective_permissions([
                Permission::FlowWork,
                Permission::AuditRead,
                Permission::OrgRead
            ]),
            vec![Permission::AuditRead, Permission::OrgRead]
        );
        assert_eq!(
            effective_permissions([Permission::FlowWork]),
            vec![Permission::FlowWork]
        );
    }

    #[test]
    fn builtin_roles_each_keep_to_one_duty() {
        for (_, _, perms) in BUILTIN_ROLES {
            assert!(check_separation(perms).is_ok());
        }
    }

    #[test]
    fn unit_kinds_are_read_from_chinese_labels() {
        assert_eq!("办公室".parse::<UnitKind>(), Ok(UnitKind::Office));
        assert_eq!("科室".parse::<UnitKind>(), Ok(UnitKind::Section));
        assert!(
            "公司"
                .parse::<UnitKind>()
                .unwrap_err()
                .to_string()
                .contains("无法识别")
        );
    }

    #[test]
    fn clearance_orders_from_public_to_top_secret() {
        assert!(Clearance::Confidential.may_see(Clearance::Secret));
        assert!(!Clearance::Public.may_see(Clearance::Secret));
        assert_eq!("机密".parse::<Clearance>(), Ok(Clearance::Confidential));
        assert_eq!("".parse::<Clearance>(), Ok(Clearance::Public));
    }

    #[test]
    fn logins_are_lowercased_and_restricted() {
        assert_eq!(parse_login(" WangFang "), Ok("wangfang".to_owned()));
        assert!(parse_login("王芳").is_err());
        assert!(parse_login("a").is_err());
    }

    #[test]
    fn issuer_codes_are_chinese_only() {
        assert_eq!(parse_issuer_code("东政办"), Ok(Some("东政办".to_owned())));
        assert_eq!(parse_issuer_code(""), Ok(None));
        assert!(parse_issuer_code("DZB").is_err());
    }
}
