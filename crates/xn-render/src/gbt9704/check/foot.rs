//! The rules of a document's foot and signature: page numbers (7.5), 附件说明 (7.3.4), 署名,
//! 成文日期 and 印章 (7.3.5), 附注 (7.3.6) and the 版记 (7.4).

use super::read::{Line, PageData, Rule};
use super::{BOTTOM, Checker, Kind, LEFT, PITCH, RIGHT, TOL, cell, near};
use crate::gbt9704::layout::{MM_PER_PT, SIZE_4};
use crate::gbt9704::spec::is_chinese_numeral;

impl Checker {
    pub(super) fn page_number(&mut self, kind: Kind, page: usize, p: &PageData) {
        let found = p
            .lines
            .iter()
            .filter(|l| l.top() > BOTTOM - 0.5 && l.glyphs.iter().any(|g| g.ch.is_ascii_digit()))
            .min_by(|a, b| a.base.total_cmp(&b.base))
            .cloned();
        if kind == Kind::Letter && page == 1 {
            if found.is_some() {
                self.v(
                    "page_number.letter_first",
                    "页码",
                    1,
                    "信函格式首页不显示页码（GB/T 9704 10.1）".to_owned(),
                );
            }
            return;
        }
        let Some(l) = found else {
            self.v(
                "page_number.missing",
                "页码",
                page,
                "没有页码（GB/T 9704 7.5）".to_owned(),
            );
            return;
        };
        let t = l.text();
        let t = t.trim();
        let inner = t
            .strip_prefix('—')
            .and_then(|s| s.strip_suffix('—'))
            .map(str::trim);
        if inner != Some(page.to_string().as_str()) {
            self.v(
                "page_number.format",
                "页码",
                page,
                format!(
                    "页码应为“— {page} —”（数字左右各放一条一字线），实为“{t}”（GB/T 9704 7.5）"
                ),
            );
        }
        if (l.size - SIZE_4).abs() > 0.3 {
            self.v(
                "page_number.size",
                "页码",
                page,
                format!("页码应为4号字（14pt），实为{:.1}pt", l.size),
            );
        }
        if !near(l.centre_y(), BOTTOM + 7.0) {
            self.v(
                "page_number.position",
                "页码",
                page,
                format!(
                    "一字线应上距版心下边缘7mm，实测{:.1}mm（GB/T 9704 7.5）",
                    l.centre_y() - BOTTOM
                ),
            );
        }
        let one = SIZE_4 * MM_PER_PT;
        let ok = if page % 2 == 1 {
            near(l.x1(), RIGHT - one)
        } else {
            near(l.x0(), LEFT + one)
        };
        if !ok {
            let side = if page % 2 == 1 {
                "单页码居右空一字"
            } else {
                "双页码居左空一字"
            };
            self.v(
                "page_number.side",
                "页码",
                page,
                format!("{side}（GB/T 9704 7.5）"),
            );
        }
    }

    pub(super) fn attachments_and_dates(
        &mut self,
        kind: Kind,
        body: &[(usize, Line)],
        pages: &[PageData],
    ) {
        let c = cell();
        for (page, l) in body {
            let t = l.compact();
            if t.starts_with("附件") && (t.starts_with("附件：") || t.starts_with("附件:")) {
                if t.starts_with("附件:") {
                    self.v(
                        "attachment.colon",
                        "附件说明",
                        *page,
                        "“附件”后应标全角冒号（GB/T 9704 7.3.4）".to_owned(),
                    );
                }
                if !near(l.x0(), LEFT + 2.0 * c) {
                    self.v(
                        "attachment.position",
                        "附件说明",
                        *page,
                        "附件说明应左空二字编排（GB/T 9704 7.3.4）".to_owned(),
                    );
                }
            }
        }
        // 成文日期: the last line that reads as a date.
        let date_i = body
            .iter()
            .rposition(|(_, l)| date_parts(&l.compact()).is_some());
        let Some(di) = date_i else {
            self.v("date.missing", "成文日期", 0, "没有找到成文日期".to_owned());
            return;
        };
        let (page, date) = (&body[di].0, &body[di].1);
        let page = *page;
        for (rule, m) in date_faults(&date.compact()) {
            self.v(rule, "成文日期", page, m);
        }
        let name = di
            .checked_sub(1)
            .map(|i| &body[i])
            .filter(|(p, l)| *p == page && near(date.base - l.base, PITCH))
            .map(|(_, l)| l.clone());
        // 7.3.5.5: no page with only the signature (此页无正文).
        let anchor_base = name.as_ref().map_or(date.base, |n| n.base);
        if page > 1
            && !body
                .iter()
                .any(|(p, l)| *p == page && l.base < anchor_base - 0.5 * PITCH)
        {
            self.v(
                "signature.alone",
                "发文机关署名",
                page,
                "发文机关署名和成文日期不应单独成页，应与正文（或附件说明）同页（GB/T 9704 7.3.5.5）"
                    .to_owned(),
            );
        }
        let images = pages
            .get(page - 1)
            .map(|p| p.images.clone())
            .unwrap_or_default();
        let sealed_ok = near(date.x1(), RIGHT - 4.0 * c)
            && name
                .as_ref()
                .is_none_or(|n| near(n.centre_x(), date.centre_x()));
        let unsealed_ok = match &name {
            Some(n) => {
                (near(n.x1(), RIGHT - 2.0 * c) && near(date.x0(), n.x0() + 2.0 * c))
                    || (near(date.x1(), RIGHT - 2.0 * c) && near(n.x1(), RIGHT - 2.0 * c))
            }
            None => near(date.x1(), RIGHT - 2.0 * c),
        };
        let ok = match kind {
            Kind::Order => near(date.x1(), RIGHT - 4.0 * c),
            _ if !images.is_empty() => sealed_ok,
            _ => sealed_ok || unsealed_ok,
        };
        if !ok {
            self.v("date.position", "成文日期", page, "成文日期位置不符：加盖印章时右空四字，发文机关署名以成文日期为准居中；不加盖印章时署名右空二字，日期首字比署名首字右移二字（GB/T 9704 7.3.5）".to_owned());
        }
        // 7.3.6: 附注 in parentheses two characters in, on the line below the date.
        if let Some((p, n)) = body.get(di + 1)
            && *p == page
            && n.compact().starts_with('（')
            && near(n.base - date.base, PITCH)
            && !near(n.x0(), LEFT + 2.0 * c)
        {
            self.v(
                "note.position",
                "附注",
                page,
                "附注应居左空二字加圆括号编排在成文日期下一行（GB/T 9704 7.3.6）".to_owned(),
            );
        }
        if kind == Kind::Minutes && !images.is_empty() {
            self.v(
                "minutes.seal",
                "印章",
                page,
                "纪要格式不加盖印章（GB/T 9704 10.3）".to_owned(),
            );
        }
        for img in images {
            let centre = img.x + img.w / 2.0;
            let anchor = name.as_ref().unwrap_or(date);
            if (centre - date.centre_x()).abs() > 2.0 * TOL {
                self.v("seal.position", "印章", page, format!("印章应居中下压发文机关署名和成文日期，实测偏离{:.1}mm（GB/T 9704 7.3.5.1）", centre - date.centre_x()));
            }
            let above = body
                .iter()
                .filter(|(p, l)| {
                    *p == page && l.base < anchor.base - 0.5 * PITCH && l.base < img.y + 0.5 * PITCH
                })
                .map(|(_, l)| l.bottom())
                .fold(f32::MIN, f32::max);
            if above > f32::MIN && (img.y - above > PITCH + TOL) {
                self.v(
                    "seal.position",
                    "印章",
                    page,
                    format!(
                        "印章顶端应上距正文一行之内，实测{:.1}mm（GB/T 9704 7.3.5.1）",
                        img.y - above
                    ),
                );
            }
            let ny = anchor.centre_y();
            if ny < img.y || date.centre_y() > img.y + img.h {
                self.v(
                    "seal.position",
                    "印章",
                    page,
                    "发文机关署名和成文日期应居印章之内（GB/T 9704 7.3.5.1）".to_owned(),
                );
            }
        }
    }

    pub(super) fn imprint(&mut self, last: usize, rules: &[Rule], page: &PageData) {
        if rules.is_empty() {
            return;
        }
        let mut rules = rules.to_vec();
        rules.sort_by(|a, b| a.y.total_cmp(&b.y));
        let (Some(first), Some(end)) = (rules.first().copied(), rules.last().copied()) else {
            return;
        };
        if !near(end.y, BOTTOM) {
            self.v(
                "imprint.last_rule",
                "版记",
                last,
                format!(
                    "版记的末条分隔线应与版心下边缘重合，实测相差{:.1}mm（GB/T 9704 7.4.1）",
                    end.y - BOTTOM
                ),
            );
        }
        for (i, r) in rules.iter().enumerate() {
            let thick = i == 0 || i + 1 == rules.len();
            let want = if thick { 0.35 } else { 0.25 };
            if (r.thickness - want).abs() > 0.08 {
                let what = if thick {
                    "首条和末条分隔线用粗线（0.35mm）"
                } else {
                    "中间的分隔线用细线（0.25mm）"
                };
                self.v(
                    "imprint.rule_width",
                    "版记",
                    last,
                    format!("{what}，实测{:.2}mm（GB/T 9704 7.4.1）", r.thickness),
                );
            }
            if !near(r.x0, LEFT) || !near(r.x1, RIGHT) {
                self.v(
                    "imprint.rule_width",
                    "版记",
                    last,
                    "版记中的分隔线应与版心等宽（GB/T 9704 7.4.1）".to_owned(),
                );
            }
        }
        let lines: Vec<Line> = page
            .lines
            .iter()
            .filter(|l| l.base > first.y && l.base < end.y)
            .cloned()
            .collect();
        let one = SIZE_4 * MM_PER_PT;
        for l in &lines {
            if (l.size - SIZE_4).abs() > 0.3 {
                self.v(
                    "imprint.size",
                    "版记",
                    last,
                    format!(
                        "版记应为4号字（14pt），实为{:.1}pt（GB/T 9704 7.4）",
                        l.size
                    ),
                );
            }
            let t = l.compact();
            if t.starts_with("抄送") {
                if !near(l.x0(), LEFT + one) {
                    self.v(
                        "imprint.cc",
                        "抄送机关",
                        last,
                        "抄送机关应左右各空一字编排（GB/T 9704 7.4.2）".to_owned(),
                    );
                }
                if !t.starts_with("抄送：") {
                    self.v(
                        "imprint.cc",
                        "抄送机关",
                        last,
                        "“抄送”二字后应加全角冒号（GB/T 9704 7.4.2）".to_owned(),
                    );
                }
            }
            if t.ends_with("印发") {
                let segs = l.segments();
                if let Some(d) = segs.last() {
                    if !near(d.x1(), RIGHT - one) {
                        self.v(
                            "imprint.printer",
                            "印发日期",
                            last,
                            "印发日期应右空一字（GB/T 9704 7.4.3）".to_owned(),
                        );
                    }
                    let dt = d.compact();
                    let dt = dt.trim_end_matches("印发");
                    for (rule, m) in date_faults(dt) {
                        self.v(rule, "印发日期", last, m);
                    }
                }
                if segs.len() > 1 && !near(l.x0(), LEFT + one) {
                    self.v(
                        "imprint.printer",
                        "印发机关",
                        last,
                        "印发机关应左空一字（GB/T 9704 7.4.3）".to_owned(),
                    );
                }
            }
        }
        if let Some(cc_last) = lines.iter().rfind(|l| !l.compact().ends_with("印发")) {
            let t = cc_last.compact();
            if !t.ends_with('。') {
                self.v(
                    "imprint.cc",
                    "抄送机关",
                    last,
                    "最后一个抄送机关名称后应标句号（GB/T 9704 7.4.2）".to_owned(),
                );
            }
        }
    }
}

/// Splits a date line into year, month and day text, when it reads as a date.
fn date_parts(t: &str) -> Option<(String, String, String)> {
    let (y, rest) = t.split_once('年')?;
    let (m, rest) = rest.split_once('月')?;
    let d = rest.strip_suffix('日')?;
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_digit() || is_chinese_numeral(c))
    };
    (ok(y) && ok(m) && ok(d) && y.chars().count() >= 2)
        .then(|| (y.to_owned(), m.to_owned(), d.to_owned()))
}

/// Faults of a date against 7.3.5.4: Arabic numerals, full year, no leading zeros.
pub(super) fn date_faults(t: &str) -> Vec<(&'static str, String)> {
    let Some((y, m, d)) = date_parts(t) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if t.chars().any(is_chinese_numeral) {
        out.push((
            "date.arabic",
            format!("日期“{t}”应使用阿拉伯数字（GB/T 9704 7.3.5.4）"),
        ));
        return out;
    }
    if y.len() != 4 {
        out.push((
            "date.year",
            format!("日期“{t}”的年份应标全称（GB/T 9704 7.3.5.4）"),
        ));
    }
    if m.starts_with('0') || d.starts_with('0') {
        out.push((
            "date.leading_zero",
            format!("日期“{t}”的月、日不编虚位（1不编为01，GB/T 9704 7.3.5.4）"),
        ));
    }
    out
}
