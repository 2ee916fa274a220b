//! The document to lay out (`DocSpec`), read from TOML or built by another crate from its own
//! document model, and its validation. Validation lists every problem at once, in Chinese, each
//! naming the key it concerns. Nothing here knows about pages or fonts.

use chrono::NaiveDate;
use std::fmt;

/// The four formats of GB/T 9704-2012: the general 文件 format (clause 7) and the special
/// formats of clause 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// 文件格式 (7): red mark 35 mm below the type area top, red rule, title, body.
    #[default]
    File,
    /// 信函格式 (10.1): mark 30 mm from the paper top between red double rules.
    Letter,
    /// 命令（令）格式 (10.2): mark 20 mm below the type area top, 令号, no title.
    Order,
    /// 纪要格式 (10.3): "×××纪要" mark, attendance lists, no seal.
    Minutes,
}

impl Format {
    /// The format's Chinese name as written in DOC.toml.
    pub fn label(self) -> &'static str {
        match self {
            Format::File => "文件",
            Format::Letter => "信函",
            Format::Order => "命令",
            Format::Minutes => "纪要",
        }
    }

    /// Parses the Chinese name (命令 also accepts 令).
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim() {
            "文件" => Some(Format::File),
            "信函" => Some(Format::Letter),
            "命令" | "令" => Some(Format::Order),
            "纪要" => Some(Format::Minutes),
            _ => None,
        }
    }
}

/// One problem of a document description: the key and what is wrong, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecProblem {
    /// The key in DOC.toml (or the field of [`DocSpec`]) the problem concerns.
    pub key: String,
    /// What is wrong, in Chinese.
    pub message: String,
}

impl fmt::Display for SpecProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}：{}", self.key, self.message)
    }
}

/// An official document as the renderer needs it. A plain value: the documents area maps its
/// own model to it; the command line reads it from TOML with [`DocSpec::from_toml`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocSpec {
    /// 格式: 文件, 信函, 命令 or 纪要.
    pub format: Format,
    /// 文种, e.g. 通知, 请示, 函, 命令, 纪要.
    pub kind: String,
    /// 发文机关 (full or standard short name); the default 署名.
    pub issuer: String,
    /// 发文机关标志; default: issuer + 文件 (文件), issuer (信函), issuer + 令 (命令),
    /// issuer + 纪要 (纪要).
    pub mark: Option<String>,
    /// 发文字号 (令号 for 命令, 期号 for 纪要), e.g. 东政办发〔2026〕7号.
    pub number: Option<String>,
    /// 份号, six Arabic digits.
    pub copy_no: Option<String>,
    /// 密级: 秘密, 机密 or 绝密.
    pub classification: Option<String>,
    /// 保密期限, e.g. 1年 (only with a classification).
    pub secrecy_term: Option<String>,
    /// 紧急程度: 特急 or 加急.
    pub urgency: Option<String>,
    /// 签发人 of an upward document (请示, 报告), in the issuers' order.
    pub signers: Vec<String>,
    /// 标题; a line break in it is kept as the author's own break.
    pub title: String,
    /// 主送机关.
    pub main_recipients: Vec<String>,
    /// 正文: paragraphs separated by blank lines; headings start with 一、 （一） 1. （1）.
    pub body: String,
    /// 附件 names, in order.
    pub attachments: Vec<String>,
    /// 发文机关署名; default: the issuer. For 命令: the signer's position and name, e.g.
    /// "市长 王某某".
    pub signature: Option<String>,
    /// 成文日期.
    pub date: NaiveDate,
    /// 附注, printed in parentheses.
    pub note: Option<String>,
    /// 抄送机关.
    pub cc: Vec<String>,
    /// 印发机关.
    pub printer: Option<String>,
    /// 印发日期.
    pub print_date: Option<NaiveDate>,
    /// Whether the document carries a seal (加盖印章).
    pub seal: bool,
    /// 纪要: 出席 list.
    pub attendees: Vec<String>,
    /// 纪要: 请假 list.
    pub absentees: Vec<String>,
    /// 纪要: 列席 list.
    pub observers: Vec<String>,
}

const KEYS: &[&str] = &[
    "format",
    "kind",
    "issuer",
    "mark",
    "number",
    "copy_no",
    "classification",
    "secrecy_term",
    "urgency",
    "signers",
    "title",
    "main_recipients",
    "body",
    "attachments",
    "signature",
    "date",
    "note",
    "cc",
    "printer",
    "print_date",
    "seal",
    "attendees",
    "absentees",
    "observers",
];

struct Reader<'a> {
    table: &'a toml::Table,
    problems: Vec<SpecProblem>,
}

impl Reader<'_> {
    fn problem(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push(SpecProblem {
            key: key.to_owned(),
            message: message.into(),
        });
    }

    fn text(&mut self, key: &str, required: bool) -> Option<String> {
        match self.table.get(key) {
            None => {
                if required {
                    self.problem(key, "缺少此项");
                }
                None
            }
            Some(toml::Value::String(s)) if s.trim().is_empty() => {
                if required {
                    self.problem(key, "不能为空");
                }
                None
            }
            Some(toml::Value::String(s)) => Some(s.clone()),
            Some(toml::Value::Integer(i)) if key == "copy_no" => Some(i.to_string()),
            Some(_) => {
                self.problem(key, "应为文本（用引号括起）");
                None
            }
        }
    }

    fn list(&mut self, key: &str) -> Vec<String> {
        match self.table.get(key) {
            None => Vec::new(),
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(toml::Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item {
                        toml::Value::String(s) if !s.trim().is_empty() => out.push(s.clone()),
                        toml::Value::String(_) => {
                            self.problem(key, format!("第{}项为空", i + 1));
                        }
                        _ => self.problem(key, format!("第{}项应为文本", i + 1)),
                    }
                }
                out
            }
            Some(_) => {
                self.problem(key, "应为文本列表，如 [\"甲\", \"乙\"]");
                Vec::new()
            }
        }
    }

    fn date(&mut self, key: &str, required: bool) -> Option<NaiveDate> {
        match self.table.get(key) {
            None => {
                if required {
                    self.problem(key, "缺少此项");
                }
                None
            }
            Some(toml::Value::Datetime(dt)) => match dt.date {
                Some(d) if dt.time.is_none() => {
                    let parsed = NaiveDate::from_ymd_opt(
                        i32::from(d.year),
                        u32::from(d.month),
                        u32::from(d.day),
                    );
                    if parsed.is_none() {
                        self.problem(key, "日期不存在");
                    }
                    parsed
                }
                _ => {
                    self.problem(key, "应为日期，如 2026-11-26（不含时刻）");
                    None
                }
            },
            Some(toml::Value::String(s)) => match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    self.problem(key, format!("“{s}”不是 ISO 8601 日期，应写作 2026-11-26"));
                    None
                }
            },
            Some(_) => {
                self.problem(key, "应为日期，如 2026-11-26");
                None
            }
        }
    }
}

impl DocSpec {
    /// Reads a DOC.toml text. On failure returns every problem found, not only the first.
    pub fn from_toml(text: &str) -> Result<DocSpec, Vec<SpecProblem>> {
        let table: toml::Table = match text.parse() {
            Ok(t) => t,
            Err(e) => {
                return Err(vec![SpecProblem {
                    key: "（文件）".to_owned(),
                    message: format!("不是有效的 TOML：{}", e.message()),
                }]);
            }
        };
        let mut r = Reader {
            table: &table,
            problems: Vec::new(),
        };
        for key in table.keys() {
            if !KEYS.contains(&key.as_str()) {
                r.problem(key, "未知的键");
            }
        }
        let format = match r.text("format", true) {
            Some(f) => match Format::parse(&f) {
                Some(f) => Some(f),
                None => {
                    r.problem(
                        "format",
                        format!("“{f}”不是可用的格式（文件、信函、命令、纪要）"),
                    );
                    None
                }
            },
            None => None,
        };
        let kind = r.text("kind", true);
        let issuer = r.text("issuer", true);
        let mark = r.text("mark", false);
        let number = r.text("number", false);
        let copy_no = r.text("copy_no", false);
        let classification = r.text("classification", false);
        let secrecy_term = r.text("secrecy_term", false);
        let urgency = r.text("urgency", false);
        let signers = r.list("signers");
        let title = r.text("title", false);
        let main_recipients = r.list("main_recipients");
        let body = r.text("body", true);
        let attachments = r.list("attachments");
        let signature = r.text("signature", false);
        let date = r.date("date", true);
        let note = r.text("note", false);
        let cc = r.list("cc");
        let printer = r.text("printer", false);
        let print_date = r.date("print_date", false);
        let seal = match table.get("seal") {
            None => false,
            Some(toml::Value::Boolean(b)) => *b,
            Some(_) => {
                r.problem("seal", "应为 true 或 false");
                false
            }
        };
        let attendees = r.list("attendees");
        let absentees = r.list("absentees");
        let observers = r.list("observers");
        let mut problems = r.problems;
        let complete = format.is_some()
            && kind.is_some()
            && issuer.is_some()
            && body.is_some()
            && date.is_some();
        let spec = DocSpec {
            format: format.unwrap_or_default(),
            kind: kind.unwrap_or_default(),
            issuer: issuer.unwrap_or_default(),
            mark,
            number,
            copy_no,
            classification,
            secrecy_term,
            urgency,
            signers,
            title: title.unwrap_or_default(),
            main_recipients,
            body: body.unwrap_or_default(),
            attachments,
            signature,
            date: date.unwrap_or_default(),
            note,
            cc,
            printer,
            print_date,
            seal,
            attendees,
            absentees,
            observers,
        };
        // Content rules too, for the keys not already reported as missing or malformed.
        let reported: Vec<String> = problems.iter().map(|p| p.key.clone()).collect();
        problems.extend(
            spec.validate()
                .into_iter()
                .filter(|p| !reported.contains(&p.key)),
        );
        if problems.is_empty() && complete {
            Ok(spec)
        } else {
            Err(problems)
        }
    }

    /// Checks the content against GB/T 9704-2012 and returns every problem (empty when the
    /// document can be laid out as it is).
    pub fn validate(&self) -> Vec<SpecProblem> {
        let mut out = Vec::new();
        let mut problem = |key: &str, message: String| {
            out.push(SpecProblem {
                key: key.to_owned(),
                message,
            });
        };
        if self.kind.trim().is_empty() {
            problem("kind", "文种不能为空".to_owned());
        }
        if self.issuer.trim().is_empty() {
            problem("issuer", "发文机关不能为空".to_owned());
        }
        if self.body.trim().is_empty() {
            problem(
                "body",
                "正文不能为空（公文首页必须显示正文，GB/T 9704 7.3.3）".to_owned(),
            );
        }
        match self.format {
            Format::File | Format::Letter => {
                if self.title.trim().is_empty() {
                    problem("title", "缺少标题".to_owned());
                }
            }
            Format::Order => {
                if !self.title.trim().is_empty() {
                    problem(
                        "title",
                        "命令格式不排标题（GB/T 9704 10.2），请删去".to_owned(),
                    );
                }
            }
            Format::Minutes => {}
        }
        if let Some(n) = &self.number {
            let rule = match self.format {
                Format::File | Format::Letter => number_problems(n),
                Format::Order => order_number_problems(n),
                Format::Minutes if n.contains('〔') || n.contains('[') || n.contains('(') => {
                    number_problems(n)
                }
                Format::Minutes => Vec::new(),
            };
            for m in rule {
                problem("number", m);
            }
        }
        if let Some(c) = &self.copy_no
            && (c.chars().count() != 6 || !c.chars().all(|ch| ch.is_ascii_digit()))
        {
            problem(
                "copy_no",
                format!("份号“{c}”应为6位阿拉伯数字（GB/T 9704 7.2.1）"),
            );
        }
        if let Some(c) = &self.classification
            && !["秘密", "机密", "绝密"].contains(&c.as_str())
        {
            problem(
                "classification",
                format!("密级“{c}”应为 秘密、机密 或 绝密"),
            );
        }
        if let Some(t) = &self.secrecy_term {
            if self.classification.is_none() {
                problem("secrecy_term", "有保密期限时须标注密级".to_owned());
            }
            if t.chars().any(is_chinese_numeral) {
                problem(
                    "secrecy_term",
                    format!("保密期限“{t}”中的数字应使用阿拉伯数字（GB/T 9704 7.2.2）"),
                );
            }
        }
        if let Some(u) = &self.urgency
            && !["特急", "加急"].contains(&u.as_str())
        {
            problem("urgency", format!("紧急程度“{u}”应为 特急 或 加急"));
        }
        if self.format == Format::Minutes && self.seal {
            problem("seal", "纪要不加盖印章（GB/T 9704 10.3）".to_owned());
        }
        if self.format != Format::Minutes {
            for (key, list) in [
                ("attendees", &self.attendees),
                ("absentees", &self.absentees),
                ("observers", &self.observers),
            ] {
                if !list.is_empty() {
                    problem(key, "只有纪要格式标注出席、请假、列席人员".to_owned());
                }
            }
        }
        if !self.signers.is_empty() && self.format != Format::File {
            problem("signers", "只有文件格式的上行文标注签发人".to_owned());
        }
        if let Some(s) = &self.signature
            && self.format == Format::Order
            && s.split_whitespace().count() < 2
        {
            problem(
                "signature",
                "命令的署名应写作“职务 姓名”，如“市长 王某某”（GB/T 9704 7.3.5.3）".to_owned(),
            );
        }
        for (key, list) in [("main_recipients", &self.main_recipients), ("cc", &self.cc)] {
            for name in list {
                let t = name.trim_end();
                if t.ends_with('：') || t.ends_with(':') || t.ends_with('。') {
                    problem(
                        key,
                        format!("“{name}”末尾不要加标点，冒号或句号由排版自动加上"),
                    );
                }
            }
        }
        if self.print_date.is_some() && self.printer.is_none() {
            problem("printer", "有印发日期时须写明印发机关".to_owned());
        }
        out
    }

    /// The 发文机关标志 as printed.
    pub fn mark_text(&self) -> String {
        match &self.mark {
            Some(m) if !m.trim().is_empty() => m.trim().to_owned(),
            _ => match self.format {
                Format::File => format!("{}文件", self.issuer.trim()),
                Format::Letter => self.issuer.trim().to_owned(),
                Format::Order => format!("{}令", self.issuer.trim()),
                Format::Minutes => format!("{}纪要", self.issuer.trim()),
            },
        }
    }
}

/// Whether a character is a Chinese numeral (used where Arabic numerals are required).
pub fn is_chinese_numeral(c: char) -> bool {
    "〇○零一二三四五六七八九十百".contains(c)
}

/// Problems of a 发文字号 against GB/T 9704 7.2.5: 机关代字〔YYYY〕N号, full year in 六角括号,
/// no 第, no leading zero.
pub fn number_problems(n: &str) -> Vec<String> {
    number_faults(n).into_iter().map(|(_, m)| m).collect()
}

/// The faults of a 发文字号, each with the checker's rule code (`number.di`,
/// `number.leading_zero`, `number.brackets`, `number.year`, `number.format`).
pub fn number_faults(n: &str) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let n = n.trim();
    if n.contains('第') {
        out.push((
            "number.di",
            format!("发文字号“{n}”中的顺序号不加“第”字（GB/T 9704 7.2.5）"),
        ));
    }
    let open = n.find('〔');
    let close = n.find('〕');
    let (Some(open), Some(close)) = (open, close) else {
        out.push((
            "number.brackets",
            format!("发文字号“{n}”的年份应用六角括号“〔〕”括入（GB/T 9704 7.2.5）"),
        ));
        return out;
    };
    if close < open {
        out.push(("number.brackets", format!("发文字号“{n}”的六角括号颠倒")));
        return out;
    }
    let code = &n[..open];
    let year = &n[open + '〔'.len_utf8()..close];
    let rest = &n[close + '〕'.len_utf8()..];
    if code.trim().is_empty() {
        out.push(("number.format", format!("发文字号“{n}”缺少机关代字")));
    }
    if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
        out.push((
            "number.year",
            format!("发文字号“{n}”的年份应标全称，用4位阿拉伯数字（GB/T 9704 7.2.5）"),
        ));
    }
    let Some(seq) = rest.strip_suffix('号') else {
        out.push((
            "number.format",
            format!("发文字号“{n}”应以“号”字结尾（GB/T 9704 7.2.5）"),
        ));
        return out;
    };
    let seq = seq.trim_start_matches('第');
    if seq.is_empty() || !seq.chars().all(|c| c.is_ascii_digit()) {
        out.push((
            "number.format",
            format!("发文字号“{n}”的顺序号应为阿拉伯数字（GB/T 9704 7.2.5）"),
        ));
    } else if seq.starts_with('0') {
        out.push((
            "number.leading_zero",
            format!("发文字号“{n}”的顺序号不编虚位（1不编为01，GB/T 9704 7.2.5）"),
        ));
    }
    out
}

/// Problems of a 令号 (10.2): 第N号 with an Arabic number and no leading zero.
fn order_number_problems(n: &str) -> Vec<String> {
    let n = n.trim();
    let inner = n.trim_start_matches('第').trim_end_matches('号');
    if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_digit()) {
        vec![format!("令号“{n}”应写作“第N号”，N为阿拉伯数字")]
    } else if inner.starts_with('0') {
        vec![format!("令号“{n}”的序号不编虚位")]
    } else {
        Vec::new()
    }
}

/// A date as GB/T 9704 7.3.5.4 writes it: Arabic numerals, full year, no leading zeros.
pub fn date_text(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_file_reads() {
        let spec = DocSpec::from_toml(
            r#"
format = "文件"
kind = "通知"
issuer = "东川市人民政府办公室"
number = "东政办发〔2026〕7号"
title = "关于做好冬季安全生产工作的通知"
main_recipients = ["各县（区）人民政府", "市政府各部门"]
body = "为做好工作，现通知如下。\n\n一、提高认识"
date = 2026-11-26
seal = true
"#,
        )
        .unwrap();
        assert_eq!(spec.format, Format::File);
        assert_eq!(spec.mark_text(), "东川市人民政府办公室文件");
        assert_eq!(date_text(spec.date), "2026年11月26日");
    }

    #[test]
    fn every_problem_is_listed_with_its_key() {
        let problems = DocSpec::from_toml(
            r#"
format = "公告"
issuer = "东川市人民政府"
number = "东政发[2026]第07号"
copy_no = "12"
urgency = "急"
date = "2026年11月26日"
colour = "red"
"#,
        )
        .unwrap_err();
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        for key in ["format", "kind", "body", "date", "colour"] {
            assert!(keys.contains(&key), "{key} missing in {problems:?}");
        }
    }

    #[test]
    fn number_rules_name_each_fault() {
        assert!(number_problems("东政办发〔2026〕7号").is_empty());
        assert_eq!(number_problems("东政办发〔2026〕第7号").len(), 1);
        assert_eq!(number_problems("东政办发〔2026〕07号").len(), 1);
        assert_eq!(number_problems("东政办发〔26〕7号").len(), 1);
        assert!(!number_problems("东政办发[2026]7号").is_empty());
    }
}
