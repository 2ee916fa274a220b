//! The rules a document must satisfy before it is signed off (签发), each with a stable code,
//! the element it concerns and a message in Chinese. A violation refuses the sign-off; the
//! drafter sees every violation at once.
//!
//! Sources: 《党政机关公文处理工作条例》 articles 9 (elements), 15–16 (行文规则: a 请示 has one
//! main recipient and is not copied to lower offices; upward documents name their 签发人),
//! 9 (十三) (联合行文: every issuer signs, the lead issuer's number); GB/T 9704-2012 10.3 (a
//! 纪要 carries no seal) and 7.2.5 (签发人 on upward documents).

use serde::{Deserialize, Serialize};

use super::{Direction, DocKind, Recipient, Relation};

/// What the rules look at: the document's elements and how its recipients stand to it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInput {
    /// 文种.
    pub kind: Option<DocKind>,
    /// 标题.
    pub title: String,
    /// 正文.
    pub body: String,
    /// The issuing units (more than one: 联合行文), the lead first.
    pub issuers: Vec<Recipient>,
    /// The 机关代字 the number will be allocated under.
    pub issuer_code: Option<String>,
    /// The lead issuer's own 机关代字 prefix (its code without the series suffix), to check a
    /// joint document uses the lead issuer's number.
    pub lead_code: Option<String>,
    /// 签发人 (names).
    pub signers: Vec<String>,
    /// 主送机关, each with how it stands to the issuer.
    pub main_recipients: Vec<(Recipient, Relation)>,
    /// 抄送机关, likewise.
    pub copy_recipients: Vec<(Recipient, Relation)>,
    /// 发文机关署名.
    pub signature: String,
    /// Whether it carries a seal.
    pub seal: bool,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// Stable code, e.g. `doc.request_one_recipient`.
    pub code: &'static str,
    /// The element it concerns, in Chinese (e.g. 主送机关).
    pub element: &'static str,
    /// What is wrong, in Chinese.
    pub message: String,
}

fn v(code: &'static str, element: &'static str, message: impl Into<String>) -> Violation {
    Violation {
        code,
        element,
        message: message.into(),
    }
}

/// Every rule the document breaks (none: it may be signed off).
pub fn check(doc: &RuleInput) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(kind) = doc.kind else {
        out.push(v("doc.kind_missing", "文种", "请选择文种"));
        return out;
    };
    if doc.title.trim().is_empty() {
        out.push(v("doc.title_missing", "标题", "请填写标题"));
    } else if !doc.title.contains(kind.label()) {
        out.push(v(
            "doc.title_kind",
            "标题",
            format!("标题应以文种结尾，写明「{}」", kind.label()),
        ));
    }
    if doc.body.trim().is_empty() {
        out.push(v("doc.body_missing", "正文", "正文不能为空"));
    }
    if kind.needs_main_recipient() && doc.main_recipients.is_empty() {
        out.push(v(
            "doc.main_recipient_missing",
            "主送机关",
            format!("{}应写明主送机关", kind.label()),
        ));
    }
    if kind.direction() == Direction::Upward && doc.signers.iter().all(|s| s.trim().is_empty()) {
        out.push(v(
            "doc.upward_signer",
            "签发人",
            format!("{}属上行文，应标注签发人姓名", kind.label()),
        ));
    }
    if kind == DocKind::Request {
        if doc.main_recipients.len() != 1 {
            out.push(v(
                "doc.request_one_recipient",
                "主送机关",
                format!(
                    "请示应当一文一事，只主送一个上级机关（现有 {} 个）",
                    doc.main_recipients.len()
                ),
            ));
        }
        let lower: Vec<&str> = doc
            .copy_recipients
            .iter()
            .chain(doc.main_recipients.iter())
            .filter(|(_, rel)| *rel == Relation::Lower)
            .map(|(r, _)| r.name.as_str())
            .collect();
        if !lower.is_empty() {
            out.push(v(
                "doc.request_no_lower",
                "抄送机关",
                format!("请示不得抄送下级机关：{}", lower.join("、")),
            ));
        }
    }
    if kind == DocKind::Minutes && doc.seal {
        out.push(v("doc.minutes_no_seal", "印章", "纪要不加盖印章"));
    }
    if doc.issuers.len() > 1 {
        let missing: Vec<&str> = doc
            .issuers
            .iter()
            .map(|i| i.name.as_str())
            .filter(|name| !doc.signature.contains(name))
            .collect();
        if !missing.is_empty() {
            out.push(v(
                "doc.joint_signature",
                "发文机关署名",
                format!("联合行文应署全部发文机关名称，缺少：{}", missing.join("、")),
            ));
        }
        if let (Some(code), Some(lead)) = (&doc.issuer_code, &doc.lead_code)
            && !code.starts_with(lead.as_str())
        {
            out.push(v(
                "doc.joint_lead_number",
                "发文字号",
                format!("联合行文只标明主办机关的发文字号（应以「{lead}」开头）"),
            ));
        }
    }
    if doc.issuers.is_empty() {
        out.push(v("doc.issuer_missing", "发文机关", "请写明发文机关"));
    }
    if doc.signature.trim().is_empty() && kind != DocKind::Minutes {
        out.push(v(
            "doc.signature_missing",
            "发文机关署名",
            "请填写发文机关署名",
        ));
    }
    out
}

/// The sign-off's consent: the signer's opinion (同意印发 …) is printed on the 发文稿纸.
pub const SIGNOFF_AGREE: &str = "同意";
/// The sign-off's refusal: the draft goes back to its drafter with the signer's reasons.
pub const SIGNOFF_DISAGREE: &str = "不同意";
/// Circling without words: offered by the process of earlier versions, still accepted for the
/// cases started on them (a running case keeps its version). 圈阅 belongs to 传阅 now.
const SIGNOFF_CIRCLED: &str = "圈阅";

/// Checks the record of a sign-off (article 24 (四)): the signer gives an opinion, a name and
/// the full date; a refusal says why.
pub fn check_signoff(decision: &str, opinion: &str) -> Result<(), Violation> {
    let said = !opinion.trim().is_empty();
    match decision {
        SIGNOFF_CIRCLED => Ok(()),
        SIGNOFF_AGREE | SIGNOFF_DISAGREE if said => Ok(()),
        SIGNOFF_AGREE => Err(v(
            "doc.signoff_opinion",
            "签发",
            "签发应签署意见（如「同意印发」）",
        )),
        SIGNOFF_DISAGREE => Err(v(
            "doc.signoff_reason",
            "签发",
            "不同意签发请写明理由，拟稿人将据此修改",
        )),
        other => Err(v(
            "doc.signoff_decision",
            "签发",
            format!("签发只能「同意」或「不同意」，不能「{other}」"),
        )),
    }
}
