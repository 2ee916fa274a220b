//! The conformance checker: reads a PDF (with lopdf), recovers every glyph's position, size
//! and colour, the rules drawn and the images placed, finds the elements of GB/T 9704-2012 by
//! their position and content, and reports each violation with a stable rule code and a
//! Chinese message. It relies on nothing the renderer leaves behind except what any PDF has, so
//! it also reads PDFs made elsewhere whose fonts carry a ToUnicode map.
//!
//! Positions are measured on the em box (0.88 em above the baseline to 0.12 em below), the
//! convention the layout uses; the tolerance is ±1 mm, as the standard allows for margins.

use super::layout::{MM_PER_PT, NO_END, NO_START, SIZE_2, SIZE_3, SIZE_4};
use super::spec::number_faults;
use read::{Line, PageData, Rule, extract, is_red};
use std::fmt;

mod foot;
mod read;

const TOP: f32 = 37.0;
const LEFT: f32 = 28.0;
const AREA_W: f32 = 156.0;
const AREA_H: f32 = 225.0;
const RIGHT: f32 = LEFT + AREA_W;
const BOTTOM: f32 = TOP + AREA_H;
const PITCH: f32 = AREA_H / 22.0;
const TOL: f32 = 1.0;

fn cell() -> f32 {
    (AREA_W - SIZE_3 * MM_PER_PT) / 27.0
}

/// One departure from the standard.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Stable rule code, e.g. `mark.position`, `number.di`, `grid.chars`.
    pub rule: &'static str,
    /// The element concerned, in Chinese (发文机关标志, 发文字号, 正文 …).
    pub element: &'static str,
    /// Page number, from 1; 0 for the document as a whole.
    pub page: usize,
    /// What is wrong, in Chinese, with the figures measured.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.page > 0 {
            write!(
                f,
                "第{}页 {}：{} [{}]",
                self.page, self.element, self.message, self.rule
            )
        } else {
            write!(f, "{}：{} [{}]", self.element, self.message, self.rule)
        }
    }
}

/// Checks a PDF against GB/T 9704-2012 and returns every violation found (empty when none).
pub fn check(pdf: &[u8]) -> Vec<Violation> {
    let pages = match extract(pdf) {
        Ok(p) => p,
        Err(e) => {
            return vec![Violation {
                rule: "pdf.unreadable",
                element: "文件",
                page: 0,
                message: format!("无法读取 PDF：{e}"),
            }];
        }
    };
    let mut c = Checker {
        out: Vec::new(),
        pages,
    };
    c.run();
    c.out
}

struct Checker {
    out: Vec<Violation>,
    pages: Vec<PageData>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Letter,
    Order,
    Minutes,
}

fn near(a: f32, b: f32) -> bool {
    (a - b).abs() <= TOL
}

impl Checker {
    fn v(&mut self, rule: &'static str, element: &'static str, page: usize, message: String) {
        // One report per rule and page is enough to act on.
        if self
            .out
            .iter()
            .any(|o| o.rule == rule && o.page == page && o.element == element)
        {
            return;
        }
        self.out.push(Violation {
            rule,
            element,
            page,
            message,
        });
    }

    fn run(&mut self) {
        let pages = std::mem::take(&mut self.pages);
        if pages.is_empty() {
            self.v("pdf.empty", "文件", 0, "PDF 没有页面".to_owned());
            return;
        }
        let last = pages.len();
        // The 版记 region of the last page: between its black rules as wide as the type area.
        let imprint_rules: Vec<Rule> = pages[last - 1]
            .rules
            .iter()
            .filter(|r| !is_red(r.color) && r.x1 - r.x0 > AREA_W - 10.0)
            .copied()
            .collect();
        let imprint_top = imprint_rules.iter().map(|r| r.y).fold(f32::MAX, f32::min);
        let imprint_bottom = imprint_rules.iter().map(|r| r.y).fold(f32::MIN, f32::max);
        // A letter's 版记 has no rules (10.1): its 抄送 lines at the foot of the last page.
        let cc_top = pages[last - 1]
            .lines
            .iter()
            .filter(|l| (l.size - SIZE_4).abs() < 0.3 && l.compact().starts_with("抄送"))
            .map(|l| l.base - 0.1)
            .fold(f32::MAX, f32::min);
        let in_imprint = |page: usize, l: &Line| {
            page == last
                && ((l.base > imprint_top && l.base < imprint_bottom + 0.5)
                    || (imprint_rules.is_empty()
                        && l.base >= cc_top
                        && (l.size - SIZE_4).abs() < 0.3))
        };

        // Page 1: the head.
        let p1 = &pages[0];
        let mark = p1
            .lines
            .iter()
            .filter(|l| l.size > SIZE_2 + 2.0 && l.top() < 120.0)
            .max_by(|a, b| a.size.total_cmp(&b.size))
            .cloned();
        let long_red: Vec<Rule> = p1
            .rules
            .iter()
            .filter(|r| is_red(r.color) && (r.x1 - r.x0 - 170.0).abs() <= 3.0)
            .copied()
            .collect();
        let kind = match &mark {
            _ if long_red.len() >= 2 => Kind::Letter,
            Some(m) if m.compact().ends_with('令') => Kind::Order,
            Some(m) if m.compact().ends_with("纪要") => Kind::Minutes,
            _ => Kind::File,
        };
        let mut head_end = TOP;
        let mut number_line: Option<Line> = None;
        match &mark {
            None => self.v(
                "mark.missing",
                "发文机关标志",
                1,
                "首页没有找到发文机关标志（大于2号字的红色标志）".to_owned(),
            ),
            Some(m) => {
                if !m.red() {
                    self.v(
                        "mark.color",
                        "发文机关标志",
                        1,
                        "发文机关标志应为红色（GB/T 9704 7.2.4）".to_owned(),
                    );
                }
                let (expected, clause, what) = match kind {
                    Kind::Letter => (30.0, "10.1", "上边缘至上页边应为30mm"),
                    Kind::Order => (TOP + 20.0, "10.2", "上边缘至版心上边缘应为20mm"),
                    Kind::Minutes => (TOP + 35.0, "10.3", "上边缘至版心上边缘应为35mm"),
                    Kind::File => (TOP + 35.0, "7.2.4", "上边缘至版心上边缘应为35mm"),
                };
                if !near(m.top(), expected) {
                    self.v(
                        "mark.position",
                        "发文机关标志",
                        1,
                        format!(
                            "{what}，实测上边缘距上页边{:.1}mm（应为{expected:.1}mm，GB/T 9704 {clause}）",
                            m.top()
                        ),
                    );
                }
                if (m.centre_x() - (LEFT + AREA_W / 2.0)).abs() > TOL {
                    self.v(
                        "mark.centre",
                        "发文机关标志",
                        1,
                        format!(
                            "发文机关标志应居中，实测中心偏离版心中线{:.1}mm",
                            m.centre_x() - 106.0
                        ),
                    );
                }
                head_end = m.bottom();
            }
        }
        // 份号, 密级, 紧急程度 above the mark (7.2.1–7.2.3).
        let tops: Vec<Line> = p1
            .lines
            .iter()
            .filter(|l| {
                (l.size - SIZE_3).abs() < 1.0 && mark.as_ref().is_some_and(|m| l.base < m.top())
            })
            .cloned()
            .collect();
        for (i, l) in tops.iter().enumerate() {
            let t = l.compact();
            if t.chars().all(|c| c.is_ascii_digit()) {
                if t.len() != 6 {
                    self.v(
                        "copy_no.format",
                        "份号",
                        1,
                        format!("份号“{t}”应为6位阿拉伯数字（GB/T 9704 7.2.1）"),
                    );
                }
                if i != 0 || !near(l.x0(), LEFT) {
                    self.v(
                        "copy_no.position",
                        "份号",
                        1,
                        "份号应顶格编排在版心左上角第一行（GB/T 9704 7.2.1）".to_owned(),
                    );
                }
            }
            if kind != Kind::Letter && !near(l.x0(), LEFT) {
                self.v(
                    "head.position",
                    "版头",
                    1,
                    format!("“{t}”应顶格编排（左边缘{:.1}mm）", l.x0()),
                );
            }
        }

        // The red rule and the number (7.2.5, 7.2.7) or the letter's double rules (10.1).
        let red_rule = p1
            .rules
            .iter()
            .filter(|r| {
                r.x1 - r.x0 > 100.0
                    && (r.x1 - r.x0 - 170.0).abs() > 3.0
                    && r.y > head_end
                    && r.y < 160.0
            })
            .min_by(|a, b| a.y.total_cmp(&b.y))
            .copied();
        match kind {
            Kind::File | Kind::Minutes => match red_rule {
                None => self.v(
                    "red_rule.missing",
                    "版头分隔线",
                    1,
                    "发文字号之下应有一条与版心等宽的红色分隔线（GB/T 9704 7.2.7）".to_owned(),
                ),
                Some(r) => {
                    if !is_red(r.color) {
                        self.v(
                            "red_rule.color",
                            "版头分隔线",
                            1,
                            "版头中的分隔线应为红色（GB/T 9704 7.2.7）".to_owned(),
                        );
                    }
                    if !near(r.x0, LEFT) || !near(r.x1 - r.x0, AREA_W) {
                        self.v(
                            "red_rule.width",
                            "版头分隔线",
                            1,
                            format!("分隔线应与版心等宽（156mm），实测{:.1}mm", r.x1 - r.x0),
                        );
                    }
                    number_line = p1
                        .lines
                        .iter()
                        .filter(|l| {
                            (l.size - SIZE_3).abs() < 1.0 && l.base < r.y && l.base > head_end
                        })
                        .max_by(|a, b| a.base.total_cmp(&b.base))
                        .cloned();
                    if let Some(n) = &number_line
                        && !near(r.y, n.bottom() + 4.0)
                    {
                        self.v(
                            "red_rule.position",
                            "版头分隔线",
                            1,
                            format!(
                                "分隔线应在发文字号之下4mm处，实测{:.1}mm（GB/T 9704 7.2.7）",
                                r.y - n.bottom()
                            ),
                        );
                    }
                    head_end = r.y;
                }
            },
            Kind::Order => {
                number_line = p1
                    .lines
                    .iter()
                    .filter(|l| (l.size - SIZE_3).abs() < 1.0 && l.base > head_end)
                    .min_by(|a, b| a.base.total_cmp(&b.base))
                    .cloned();
                if let Some(n) = &number_line {
                    head_end = n.bottom();
                }
            }
            Kind::Letter => {
                if let Some(m) = &mark {
                    let upper: Vec<&Rule> = long_red.iter().filter(|r| r.y < 100.0).collect();
                    let lower: Vec<&Rule> = long_red.iter().filter(|r| r.y > 250.0).collect();
                    let ok_upper =
                        upper.len() >= 2 && upper.iter().any(|r| near(r.y, m.bottom() + 4.0));
                    let ok_lower = lower.len() >= 2 && lower.iter().any(|r| near(r.y, 277.0));
                    let centred = long_red.iter().all(|r| near(r.x0, 20.0));
                    if !ok_upper || !ok_lower || !centred {
                        self.v("letter.rules", "信函红色双线", 1, "信函格式应在发文机关标志下4mm处和距下页边20mm处各印一条长170mm、居中的红色双线（GB/T 9704 10.1）".to_owned());
                    }
                    head_end = upper.iter().map(|r| r.y).fold(head_end, f32::max);
                }
                number_line = p1
                    .lines
                    .iter()
                    .filter(|l| {
                        (l.size - SIZE_3).abs() < 1.0
                            && l.base > head_end
                            && l.base < head_end + 3.0 * PITCH
                            && l.text().contains('号')
                    })
                    .min_by(|a, b| a.base.total_cmp(&b.base))
                    .cloned();
            }
        }
        if let Some(n) = &number_line {
            let segs = n.segments();
            let upward = p1
                .lines
                .iter()
                .any(|l| l.base > head_end - 3.0 * PITCH && l.text().contains("签发人"));
            // 7.2.6: 签发人 right, one character in, on the number's first line.
            if let Some(signers) = p1
                .lines
                .iter()
                .find(|l| l.base > head_end - 3.0 * PITCH && l.text().contains("签发人"))
            {
                // Names of unequal length share columns, so the line may end a little short.
                let end = signers.x1();
                if end > RIGHT - cell() + TOL
                    || end < RIGHT - 3.0 * cell()
                    || !signers.compact().contains("签发人：")
                {
                    self.v(
                        "signers.position",
                        "签发人",
                        1,
                        "“签发人”后加全角冒号，签发人姓名居右空一字编排（GB/T 9704 7.2.6）"
                            .to_owned(),
                    );
                }
            }
            let num = segs
                .iter()
                .find(|s| {
                    !s.text().contains("签发人")
                        && (s.text().contains('号')
                            || s.text().contains('〔')
                            || s.text().contains('['))
                })
                .cloned();
            if let Some(num) = num {
                let text = num.compact();
                if kind != Kind::Order && kind != Kind::Minutes {
                    for (rule, message) in number_faults(&text) {
                        self.v(rule, "发文字号", 1, message);
                    }
                }
                if kind == Kind::Minutes && (text.contains('〔') || text.contains('[')) {
                    for (rule, message) in number_faults(&text) {
                        self.v(rule, "发文字号", 1, message);
                    }
                }
                let ok_x = match kind {
                    Kind::Letter => near(num.x1(), RIGHT),
                    _ if upward => near(num.x0(), LEFT + cell()),
                    _ => near(num.centre_x(), LEFT + AREA_W / 2.0),
                };
                if !ok_x {
                    let rule = match kind {
                        Kind::Letter => "发文字号应顶格居版心右边缘（GB/T 9704 10.1）",
                        _ if upward => "上行文的发文字号应居左空一字（GB/T 9704 7.2.5）",
                        _ => "发文字号应居中排布（GB/T 9704 7.2.5）",
                    };
                    self.v("number.position", "发文字号", 1, rule.to_owned());
                }
                if let (Some(m), Kind::File | Kind::Minutes | Kind::Order) = (&mark, kind)
                    && !upward
                {
                    let expected = m.bottom() + 2.0 * PITCH + PITCH / 2.0;
                    if !near(num.centre_y(), expected) {
                        self.v("number.position", "发文字号", 1, format!("发文字号应在发文机关标志下空二行，实测偏差{:.1}mm（GB/T 9704 7.2.5）", num.centre_y() - expected));
                    }
                }
            }
        }

        // The flowing part: title, 主送, body.
        let title: Vec<Line> = p1
            .lines
            .iter()
            .filter(|l| l.base > head_end && l.size > SIZE_3 + 2.0 && l.size < SIZE_2 + 2.0)
            .cloned()
            .collect();
        let mut flow_start = head_end;
        if let Some(first) = title.first() {
            for l in &title {
                if (l.size - SIZE_2).abs() > 0.3 {
                    self.v(
                        "title.size",
                        "标题",
                        1,
                        format!(
                            "标题应为2号字（22pt），实为{:.1}pt（GB/T 9704 7.3.1）",
                            l.size
                        ),
                    );
                }
                if (l.centre_x() - (LEFT + AREA_W / 2.0)).abs() > TOL {
                    self.v(
                        "title.centre",
                        "标题",
                        1,
                        "标题应居中排布（GB/T 9704 7.3.1）".to_owned(),
                    );
                }
            }
            if let (Some(r), Kind::File | Kind::Minutes) = (red_rule, kind) {
                let expected = r.y + 2.0 * PITCH + PITCH / 2.0;
                if !near(first.centre_y(), expected) {
                    self.v(
                        "title.position",
                        "标题",
                        1,
                        format!(
                            "标题应在红色分隔线下空二行，实测偏差{:.1}mm（GB/T 9704 7.3.1）",
                            first.centre_y() - expected
                        ),
                    );
                }
            }
            flow_start = title.last().map_or(flow_start, Line::bottom);
        }
        let body_lines = |page: usize, p: &PageData, from: f32| -> Vec<Line> {
            p.lines
                .iter()
                .filter(|l| {
                    l.base > from
                        && l.top() < BOTTOM + 2.0
                        && l.size > 11.0
                        && l.size < SIZE_3 + 4.0
                })
                .filter(|l| !in_imprint(page, l))
                .cloned()
                .collect()
        };
        let first_body = body_lines(1, &pages[0], flow_start);
        // 7.3.2: 主送机关 flush left one line below the title, ending with a full-width colon.
        let mut block: Vec<&Line> = Vec::new();
        if !title.is_empty() {
            for l in &first_body {
                if !near(l.x0(), LEFT) {
                    break;
                }
                block.push(l);
                let t = l.compact();
                if t.ends_with('：') || t.ends_with(':') {
                    break;
                }
            }
            if let Some(last_r) = block.last() {
                let t = last_r.compact();
                let next_indented = first_body
                    .get(block.len())
                    .is_some_and(|n| n.x0() > LEFT + 1.5 * cell());
                if !t.ends_with('：') && next_indented {
                    self.v("recipients.colon", "主送机关", 1, format!("主送机关最后一个机关名称后应标全角冒号“：”，实为“{}”（GB/T 9704 7.3.2）", t.chars().last().unwrap_or(' ')));
                }
                if let Some(tl) = title.last() {
                    let expected = tl.centre_y() + 2.0 * PITCH;
                    if !near(block[0].centre_y(), expected) {
                        self.v(
                            "recipients.position",
                            "主送机关",
                            1,
                            "主送机关应编排于标题下空一行位置（GB/T 9704 7.3.2）".to_owned(),
                        );
                    }
                }
            }
        }

        // 7.3.3: the first page must show body text.
        if first_body.len() <= block.len() {
            self.v(
                "body.first_page",
                "正文",
                1,
                "公文首页必须显示正文（GB/T 9704 7.3.3）".to_owned(),
            );
        }

        // Every page: page numbers, body size, margins, grid, line breaks.
        let mut all_body: Vec<(usize, Line)> = Vec::new();
        for (pi, page_data) in pages.iter().enumerate() {
            let page = pi + 1;
            let from = if pi == 0 { flow_start } else { 0.0 };
            let lines = body_lines(page, page_data, from);
            let lines: Vec<Line> = lines
                .into_iter()
                .filter(|l| l.top() < BOTTOM + 1.0)
                .collect();
            self.page_number(kind, page, page_data);
            for l in &lines {
                if (l.size - SIZE_3).abs() > 0.2 {
                    self.v(
                        "body.size",
                        "正文",
                        page,
                        format!(
                            "正文应为3号字（16pt），实为{:.1}pt（GB/T 9704 7.3.3）",
                            l.size
                        ),
                    );
                }
                if l.x1() > RIGHT + TOL {
                    self.v(
                        "margin.right",
                        "版心",
                        page,
                        format!(
                            "文字超出版心右边缘{:.1}mm（版心宽156mm，GB/T 9704 5.2.1）",
                            l.x1() - RIGHT
                        ),
                    );
                }
                if let Some(f) = l.glyphs.first()
                    && NO_START.contains(f.ch)
                {
                    self.v(
                        "line_break.start",
                        "正文",
                        page,
                        format!(
                            "行首出现标点“{}”（行首不应出现句号、逗号等点号和后半括号）",
                            f.ch
                        ),
                    );
                }
            }
            // Text left of the type area, or a full line that does not start at its edge.
            let min_x = lines.iter().map(Line::x0).fold(f32::MAX, f32::min);
            let full_off = lines
                .iter()
                .find(|l| l.x1() - l.x0() > AREA_W - TOL && !near(l.x0(), LEFT))
                .map(Line::x0);
            let min_x = if min_x < LEFT - TOL {
                min_x
            } else {
                full_off.unwrap_or(LEFT)
            };
            if !near(min_x, LEFT) {
                self.v(
                    "margin.left",
                    "版心",
                    page,
                    format!("订口（左白边）应为28mm，实测{min_x:.1}mm（GB/T 9704 5.2.1）"),
                );
            }
            if pi > 0
                && let Some(first) = lines.first()
                && !near(first.centre_y(), TOP + PITCH / 2.0)
            {
                self.v(
                    "margin.top",
                    "版心",
                    page,
                    format!(
                        "天头（上白边）应为37mm，实测首行位置相差{:.1}mm（GB/T 9704 5.2.1）",
                        first.centre_y() - TOP - PITCH / 2.0
                    ),
                );
            }
            if pi == 0
                && mark.is_none()
                && lines
                    .first()
                    .is_some_and(|f| !near(f.centre_y(), TOP + PITCH / 2.0))
            {
                self.v(
                    "margin.top",
                    "版心",
                    page,
                    "天头（上白边）应为37mm（GB/T 9704 5.2.1）".to_owned(),
                );
            }
            // 5.2.2: 22 lines a page on a grid of 225/22 mm.
            let body16: Vec<&Line> = lines
                .iter()
                .filter(|l| (l.size - SIZE_3).abs() < 1.0)
                .collect();
            if pi > 0 && body16.len() > 22 {
                self.v(
                    "grid.lines",
                    "正文",
                    page,
                    format!("每面应排22行，实为{}行（GB/T 9704 5.2.2）", body16.len()),
                );
            }
            for w in body16.windows(2) {
                let d = w[1].base - w[0].base;
                let k = (d / PITCH).round();
                if k < 1.0 || (d - k * PITCH).abs() > 0.3 {
                    self.v("grid.lines", "正文", page, format!("行距应为版心高度的1/22（{PITCH:.2}mm），实测{d:.2}mm（GB/T 9704 5.2.2）"));
                    break;
                }
            }
            // 5.2.2: 28 characters a full line.
            for (i, l) in body16.iter().enumerate() {
                let cjk = l.glyphs.iter().all(|g| !g.ch.is_ascii());
                if !cjk || !near(l.x1(), RIGHT) || l.x1() < RIGHT - 0.5 {
                    continue;
                }
                let expected = if near(l.x0(), LEFT) {
                    28
                } else if near(l.x0(), LEFT + 2.0 * cell()) {
                    26
                } else {
                    continue;
                };
                let n = l.glyphs.len();
                // The line that follows, on the next page when this one ends a page.
                let next = body16
                    .get(i + 1)
                    .map(|n| n.compact())
                    .or_else(|| {
                        pages.get(pi + 1).and_then(|p| {
                            p.lines
                                .iter()
                                .find(|n| (n.size - SIZE_3).abs() < 1.0 && n.top() < BOTTOM)
                                .map(Line::compact)
                        })
                    })
                    .unwrap_or_default();
                let mut nc = next.chars();
                let (n0, n1) = (nc.next(), nc.next());
                let adjusted = n0.is_some_and(|c| NO_END.contains(c) || c.is_ascii_graphic())
                    || n1.is_some_and(|c| NO_START.contains(c));
                if n > expected || (n < expected && !(adjusted && n + 3 >= expected)) {
                    self.v(
                        "grid.chars",
                        "正文",
                        page,
                        format!(
                            "每行应排28个字，“{}”一行排了{}个字（GB/T 9704 5.2.2）",
                            l.compact(),
                            n + 28 - expected
                        ),
                    );
                }
            }
            all_body.extend(lines.into_iter().map(|l| (page, l)));
        }

        self.attachments_and_dates(kind, &all_body, &pages);
        self.imprint(last, &imprint_rules, &pages[last - 1]);
    }
}

/// A line of text measured from a PDF, in mm from the page's top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredLine {
    /// The characters, without spaces.
    pub text: String,
    /// Left edge of the first glyph.
    pub x0: f32,
    /// Right edge of the last glyph.
    pub x1: f32,
    /// Top of the em box.
    pub top: f32,
    /// Bottom of the em box.
    pub bottom: f32,
    /// Font size in points.
    pub size_pt: f32,
    /// Whether every glyph is red.
    pub red: bool,
}

/// A horizontal rule measured from a PDF.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredRule {
    /// Left end.
    pub x0: f32,
    /// Right end.
    pub x1: f32,
    /// Centre line.
    pub y: f32,
    /// Thickness.
    pub thickness: f32,
    /// Whether it is red.
    pub red: bool,
}

/// An image measured from a PDF: top-left corner and size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasuredImage {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

/// What a page of a PDF holds, as the checker sees it.
#[derive(Debug, Clone, Default)]
pub struct MeasuredPage {
    /// Text lines, top to bottom.
    pub lines: Vec<MeasuredLine>,
    /// Horizontal rules.
    pub rules: Vec<MeasuredRule>,
    /// Images.
    pub images: Vec<MeasuredImage>,
}

/// Measures a PDF's pages: the same reading the checker does, for tests and tools.
pub fn measure(pdf: &[u8]) -> Result<Vec<MeasuredPage>, String> {
    Ok(extract(pdf)?
        .into_iter()
        .map(|p| MeasuredPage {
            lines: p
                .lines
                .iter()
                .map(|l| MeasuredLine {
                    text: l.compact(),
                    x0: l.x0(),
                    x1: l.x1(),
                    top: l.top(),
                    bottom: l.bottom(),
                    size_pt: l.size,
                    red: l.red(),
                })
                .collect(),
            rules: p
                .rules
                .iter()
                .map(|r| MeasuredRule {
                    x0: r.x0,
                    x1: r.x1,
                    y: r.y,
                    thickness: r.thickness,
                    red: is_red(r.color),
                })
                .collect(),
            images: p
                .images
                .iter()
                .map(|i| MeasuredImage {
                    x: i.x,
                    y: i.y,
                    w: i.w,
                    h: i.h,
                })
                .collect(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::foot::date_faults;

    #[test]
    fn dates_in_hanzi_or_with_leading_zeros_are_faults() {
        assert!(date_faults("2026年11月26日").is_empty());
        assert_eq!(date_faults("二〇二六年十一月二十六日")[0].0, "date.arabic");
        assert_eq!(date_faults("2026年01月05日")[0].0, "date.leading_zero");
        assert_eq!(date_faults("26年1月5日")[0].0, "date.year");
    }
}
