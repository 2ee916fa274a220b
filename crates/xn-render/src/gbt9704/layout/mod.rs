//! The page layout of GB/T 9704-2012: where every element of a [`DocSpec`] goes, in
//! millimetres from the top-left corner of an A4 sheet. The result is a list of pages holding
//! positioned glyphs, rules and pictures; `pdf` writes it out. Clause numbers refer to the
//! standard.
//!
//! Conventions shared with the checker (`check`): a glyph's em box spans from 0.88 em above its
//! baseline to 0.12 em below it (the ideographic em box of CJK fonts); a line of text sits
//! vertically centred in its line band; the 28 × 22 grid is kept by the character pitch and the
//! line pitch (5.57 mm and 10.23 mm for 3号 type), never by shrinking the type.

use super::fonts::{FontRole, FontSet, Glyph, Shaper};

mod document;
mod foot;

pub(crate) use document::layout_document;

/// Millimetres per PostScript point.
pub const MM_PER_PT: f32 = 25.4 / 72.0;
/// A4 width (5.1).
pub const PAGE_W: f32 = 210.0;
/// A4 height (5.1).
pub const PAGE_H: f32 = 297.0;
/// Where the em box's top lies above the baseline, in em.
pub const ASCENT: f32 = 0.88;
/// 3号 (16 pt), 4号 (14 pt), 2号 (22 pt): the sizes the standard names (its table of sizes).
pub const SIZE_3: f32 = 16.0;
/// 4号.
pub const SIZE_4: f32 = 14.0;
/// 2号.
pub const SIZE_2: f32 = 22.0;
/// Characters that may not begin a line (Chinese line-breaking rules, 避头).
pub const NO_START: &str = "，。、；：？！）》」』】〕〉”’…—·%‰℃,.;:?!)]}";
/// Characters that may not end a line (避尾).
pub const NO_END: &str = "（《「『【〔〈“‘([{";

/// An RGB colour, components 0–1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

/// The red of marks, rules and seals.
pub const RED: Rgb = Rgb(0.9, 0.0, 0.0);
/// Black.
pub const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);

/// The figures of the layout. `Default` is the standard; the fields exist so that a test can
/// produce a deliberately wrong document for the checker, and they are never changed by the
/// command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// 天头, the top margin (5.2.1: 37 ± 1 mm).
    pub top_mm: f32,
    /// 订口, the left margin (5.2.1: 28 ± 1 mm).
    pub left_mm: f32,
    /// Type area width (5.2.1: 156 mm).
    pub area_w_mm: f32,
    /// Type area height (5.2.1: 225 mm).
    pub area_h_mm: f32,
    /// Lines per page (5.2.2: 22).
    pub lines_per_page: u32,
    /// Characters per line (5.2.2: 28).
    pub chars_per_line: u32,
    /// Body size in points (5.2.2 and 7.3.3: 3号).
    pub body_pt: f32,
    /// Title size in points (7.3.1: 2号).
    pub title_pt: f32,
    /// Distance of the mark's top edge below the type area's top for 文件 and 纪要
    /// (7.2.4, 10.3: 35 mm).
    pub mark_top_mm: f32,
    /// Colour of the mark (7.2.4: red).
    pub mark_color: Rgb,
    /// Gap between the 发文字号 and the red rule (7.2.7: 4 mm).
    pub red_rule_gap_mm: f32,
    /// Gap between the type area's bottom and the page number's dashes (7.5: 7 mm).
    pub page_number_gap_mm: f32,
    /// Odd pages right, even pages left (7.5); false puts every number on the right.
    pub page_numbers_alternate: bool,
    /// Dashes either side of the page number (7.5).
    pub page_number_dashes: bool,
    /// Whether the 版记's last rule sits on the bottom edge of the type area (7.4.1); false
    /// lets it follow the text.
    pub imprint_at_bottom: bool,
    /// Chinese line-breaking rules (no closing punctuation at a line's start).
    pub line_breaking_rules: bool,
    /// The colon after the last 主送机关 (7.3.2: a full-width colon).
    pub recipients_colon: String,
    /// Seal width in millimetres (the seal image keeps its aspect ratio).
    pub seal_mm: f32,
    /// Carry the last two body lines to a new page with the signature, so that it never stands
    /// alone (7.3.5.5).
    pub keep_signature_with_text: bool,
}

impl Default for Geometry {
    fn default() -> Geometry {
        Geometry {
            top_mm: 37.0,
            left_mm: 28.0,
            area_w_mm: 156.0,
            area_h_mm: 225.0,
            lines_per_page: 22,
            chars_per_line: 28,
            body_pt: SIZE_3,
            title_pt: SIZE_2,
            mark_top_mm: 35.0,
            mark_color: RED,
            red_rule_gap_mm: 4.0,
            page_number_gap_mm: 7.0,
            page_numbers_alternate: true,
            page_number_dashes: true,
            imprint_at_bottom: true,
            line_breaking_rules: true,
            recipients_colon: "：".to_owned(),
            seal_mm: 42.0,
            keep_signature_with_text: true,
        }
    }
}

/// A glyph at its place: `x` is the left edge of its advance, in mm.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlacedGlyph {
    pub(crate) face: usize,
    pub(crate) gid: u16,
    pub(crate) ch: char,
    pub(crate) x: f32,
    pub(crate) adv: f32,
}

/// Glyphs on one baseline in one size and colour.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) glyphs: Vec<PlacedGlyph>,
    /// Baseline, mm from the page top (relative to the band top inside a [`VItem`]).
    pub(crate) baseline: f32,
    pub(crate) size_pt: f32,
    pub(crate) color: Rgb,
    /// Horizontal scaling (1 = none): long marks are narrowed, never set smaller than 9.5 mm.
    pub(crate) hscale: f32,
}

/// A horizontal rule: centre line `y`, from `x0` to `x1`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bar {
    pub(crate) x0: f32,
    pub(crate) x1: f32,
    pub(crate) y: f32,
    pub(crate) thickness: f32,
    pub(crate) color: Rgb,
}

/// An image placed with its top-left corner at (`x`, `y`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Picture {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) w: f32,
    pub(crate) h: f32,
}

/// One page's content.
#[derive(Debug, Clone, Default)]
pub(crate) struct Page {
    pub(crate) runs: Vec<Run>,
    pub(crate) bars: Vec<Bar>,
    pub(crate) pictures: Vec<Picture>,
    /// Stroked rectangles (x0, y0, x1, y1), 0.5 pt black: the processing sheets' cells.
    pub(crate) frames: Vec<[f32; 4]>,
    /// Stroked polylines: the year summary's line charts.
    pub(crate) strokes: Vec<Stroke>,
}

/// A polyline through points (mm from the top-left), stroked `width_pt` wide.
#[derive(Debug, Clone)]
pub(crate) struct Stroke {
    pub(crate) points: Vec<(f32, f32)>,
    pub(crate) width_pt: f32,
    pub(crate) color: Rgb,
}

/// Text, rules and pictures in mm, shared by the document and the processing sheets.
pub(crate) struct Canvas {
    pub(crate) pages: Vec<Page>,
}

pub(crate) struct Ctx<'a> {
    pub(crate) g: &'a Geometry,
    pub(crate) sh: Shaper<'a>,
    /// Line pitch in mm (type area height / lines per page).
    pub(crate) pitch: f32,
    pub(crate) missing: Vec<char>,
}

pub(crate) type Spans = Vec<(char, FontRole)>;

pub(crate) fn spans(text: &str, role: FontRole) -> Spans {
    text.chars().map(|c| (c, role)).collect()
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(g: &'a Geometry, fonts: &'a FontSet) -> Ctx<'a> {
        Ctx {
            g,
            sh: Shaper::new(fonts),
            pitch: g.area_h_mm / g.lines_per_page.max(1) as f32,
            missing: Vec::new(),
        }
    }

    fn left(&self) -> f32 {
        self.g.left_mm
    }

    fn right(&self) -> f32 {
        self.g.left_mm + self.g.area_w_mm
    }

    fn bottom(&self) -> f32 {
        self.g.top_mm + self.g.area_h_mm
    }

    /// Character pitch in mm for a size: the type area's width holds `chars_per_line`
    /// characters of the body size edge to edge (5.2.2). Other sizes set solid.
    pub(crate) fn cell(&self, size_pt: f32) -> f32 {
        if (size_pt - self.g.body_pt).abs() < 0.01 {
            let n = self.g.chars_per_line.max(2) as f32;
            (self.g.area_w_mm - size_pt * MM_PER_PT) / (n - 1.0)
        } else {
            size_pt * MM_PER_PT
        }
    }

    /// Baseline offset from a band's top for text of `size_pt`, centred in the band.
    pub(crate) fn band_baseline(&self, size_pt: f32) -> f32 {
        let s = size_pt * MM_PER_PT;
        (self.pitch - s) / 2.0 + ASCENT * s
    }

    pub(crate) fn shape(&mut self, text: &[(char, FontRole)]) -> Vec<(char, Glyph)> {
        text.iter()
            .map(|&(c, role)| {
                let g = self.sh.glyph(role, c);
                if g.gid == 0 && !c.is_whitespace() && !self.missing.contains(&c) {
                    self.missing.push(c);
                }
                (c, g)
            })
            .collect()
    }

    /// Width in mm of glyphs set at `size_pt` with extra spacing `tc` (mm) between them.
    pub(crate) fn width(glyphs: &[(char, Glyph)], size_pt: f32, tc: f32) -> f32 {
        let s = size_pt * MM_PER_PT;
        let sum: f32 = glyphs.iter().map(|(_, g)| g.adv * s).sum();
        sum + tc * glyphs.len().saturating_sub(1) as f32
    }

    pub(crate) fn place(
        glyphs: &[(char, Glyph)],
        x0: f32,
        size_pt: f32,
        tc: f32,
    ) -> Vec<PlacedGlyph> {
        let s = size_pt * MM_PER_PT;
        let mut x = x0;
        glyphs
            .iter()
            .map(|&(ch, g)| {
                let p = PlacedGlyph {
                    face: g.face,
                    gid: g.gid,
                    ch,
                    x,
                    adv: g.adv,
                };
                x += g.adv * s + tc;
                p
            })
            .collect()
    }

    /// Natural spacing (mm) between glyphs of a size on the grid.
    pub(crate) fn tc(&self, size_pt: f32) -> f32 {
        self.cell(size_pt) - size_pt * MM_PER_PT
    }

    /// One run of text starting at `x0`.
    pub(crate) fn run_at(
        &mut self,
        text: &[(char, FontRole)],
        x0: f32,
        baseline: f32,
        size_pt: f32,
        color: Rgb,
    ) -> Run {
        let glyphs = self.shape(text);
        let tc = self.tc(size_pt);
        Run {
            glyphs: Ctx::place(&glyphs, x0, size_pt, tc),
            baseline,
            size_pt,
            color,
            hscale: 1.0,
        }
    }

    /// Width of text at a size on the grid.
    pub(crate) fn text_width(&mut self, text: &[(char, FontRole)], size_pt: f32) -> f32 {
        let glyphs = self.shape(text);
        Ctx::width(&glyphs, size_pt, self.tc(size_pt))
    }

    /// Breaks text into lines within `(x_left, width)`, the first indented by `first_indent`
    /// and later ones by `hang`, justifying every line but the last, and keeping the
    /// line-breaking rules. Returns runs with baselines relative to their band tops.
    pub(crate) fn lines(
        &mut self,
        text: &[(char, FontRole)],
        (x_left, width): (f32, f32),
        (first_indent, hang): (f32, f32),
        size_pt: f32,
        color: Rgb,
    ) -> Vec<Run> {
        let glyphs = self.shape(text);
        let s = size_pt * MM_PER_PT;
        let tc = self.tc(size_pt);
        let chars: Vec<char> = glyphs.iter().map(|(c, _)| *c).collect();
        let baseline = self.band_baseline(size_pt);
        let mut out = Vec::new();
        let mut start = 0;
        let n = glyphs.len();
        while start < n {
            let indent = if out.is_empty() { first_indent } else { hang };
            let avail = width - indent;
            let mut w = 0.0;
            let mut k = start;
            while k < n {
                let add = glyphs[k].1.adv * s + if k > start { tc } else { 0.0 };
                if w + add > avail + 0.01 {
                    break;
                }
                w += add;
                k += 1;
            }
            if k == start {
                k = start + 1;
            }
            let mut end = k;
            if end < n && self.g.line_breaking_rules {
                let mut e = end;
                while e > start + 1 && bad_break(&chars, e) {
                    e -= 1;
                }
                if !bad_break(&chars, e) {
                    end = e;
                }
            }
            let line = &glyphs[start..end];
            let natural = Ctx::width(line, size_pt, tc);
            let spacing = if end < n && line.len() > 1 && natural < avail - 0.05 {
                let sum: f32 = line.iter().map(|(_, g)| g.adv * s).sum();
                (avail - sum) / (line.len() - 1) as f32
            } else {
                tc
            };
            out.push(Run {
                glyphs: Ctx::place(line, x_left + indent, size_pt, spacing),
                baseline,
                size_pt,
                color,
                hscale: 1.0,
            });
            start = end;
        }
        out
    }
}

/// Whether a line may not end before index `e`.
fn bad_break(chars: &[char], e: usize) -> bool {
    let (Some(&prev), Some(&next)) = (chars.get(e.wrapping_sub(1)), chars.get(e)) else {
        return false;
    };
    NO_START.contains(next)
        || NO_END.contains(prev)
        || (prev.is_ascii_graphic() && next.is_ascii_graphic())
}

/// Heading level of a paragraph by its marker (7.3.3): 一、 （一） 1. （1）.
pub fn heading_level(p: &str) -> Option<u8> {
    let cn = |c: char| "一二三四五六七八九十".contains(c);
    let mut it = p.chars().peekable();
    match it.peek().copied() {
        Some(c) if cn(c) => {
            let rest: String = p.chars().skip_while(|&c| cn(c)).take(1).collect();
            (rest == "、").then_some(1)
        }
        Some('（') | Some('(') => {
            let inner: Vec<char> = p
                .chars()
                .skip(1)
                .take_while(|c| *c != '）' && *c != ')')
                .collect();
            if inner.is_empty() || inner.len() > 3 {
                None
            } else if inner.iter().all(|&c| cn(c)) {
                Some(2)
            } else if inner.iter().all(char::is_ascii_digit) {
                Some(4)
            } else {
                None
            }
        }
        Some(c) if c.is_ascii_digit() => {
            let rest: String = p.chars().skip_while(char::is_ascii_digit).take(1).collect();
            (rest == "." || rest == "．").then_some(3)
        }
        _ => None,
    }
}

/// Splits the body into paragraphs: blank lines separate them; line breaks inside one are
/// joined (Chinese needs no space between lines).
pub fn paragraphs(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in body.lines() {
        let t = line.trim();
        if t.is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else {
            let joins_ascii = cur
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric())
                && t.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
            if joins_ascii {
                cur.push(' ');
            }
            cur.push_str(t);
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The roles of a paragraph's characters: a heading's own sentence (up to its first 。) takes
/// its level's face — 黑体 for 一、, 楷体 for （一）, 仿宋 for 1. and （1） (7.3.3).
fn paragraph_spans(p: &str) -> Spans {
    let role = match heading_level(p) {
        Some(1) => FontRole::Hei,
        Some(2) => FontRole::Kai,
        _ => FontRole::FangSong,
    };
    let mut in_heading = role != FontRole::FangSong;
    p.chars()
        .map(|c| {
            let r = if in_heading { role } else { FontRole::FangSong };
            if c == '。' {
                in_heading = false;
            }
            (c, r)
        })
        .collect()
}

/// Title lines (7.3.1): the author's own line breaks are kept; otherwise a long title is broken
/// into lines of balanced length, preferring breaks after 关于, 印发, 转发, punctuation and
/// before 的通知-like endings, never inside a number, so that lines form a trapezoid or diamond.
pub fn title_lines(title: &str, max: usize) -> Vec<String> {
    let given: Vec<String> = title
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if given.len() > 1 {
        return given;
    }
    let chars: Vec<char> = title.trim().chars().collect();
    let n = chars.len();
    let max = max.max(2);
    if n <= max {
        return vec![chars.into_iter().collect()];
    }
    // One more line rather than a break inside a word the rules forbid.
    let fewest = n.div_ceil(max);
    let mut first = None;
    for lines in fewest..=(fewest + 2).min(n) {
        let (out, clean) = balanced_lines(&chars, max, lines);
        if clean {
            return out;
        }
        first.get_or_insert(out);
    }
    first.unwrap_or_default()
}

/// `chars` broken into `lines` lines of at most `max`, balanced; and whether every break is
/// one the rules allow.
fn balanced_lines(chars: &[char], max: usize, lines: usize) -> (Vec<String>, bool) {
    let n = chars.len();
    let mut clean = true;
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..lines {
        let left = lines - i;
        if left == 1 {
            out.push(chars[start..].iter().collect());
            break;
        }
        let remaining = n - start;
        let ideal = remaining as f32 / left as f32;
        let lo = start + (remaining.saturating_sub(max * (left - 1))).max(1);
        let hi = (start + max).min(n - 1);
        let mut best = (f32::MIN, hi);
        for b in lo..=hi {
            let len = (b - start) as f32;
            let mut score = -(len - ideal).abs();
            // A trapezoid: the upper line no longer than the next.
            if len <= ideal + 0.01 {
                score += 0.5;
            }
            let before: String = chars[start..b].iter().collect();
            let after: String = chars[b..].iter().collect();
            if before.ends_with("关于") || before.ends_with("印发") || before.ends_with("转发")
            {
                score += 3.0;
            }
            if after.starts_with("的通知")
                || after.starts_with("的意见")
                || after.starts_with("的决定")
                || after.starts_with("的报告")
                || after.starts_with("的请示")
                || after.starts_with("的批复")
                || after.starts_with("的函")
            {
                score += 2.0;
            }
            if "、，".contains(chars[b - 1]) {
                score += 2.0;
            }
            // Book-title marks and brackets enclose a name: break around them, not inside.
            if after.starts_with('《') || after.starts_with('（') {
                score += 2.5;
            }
            if before.ends_with('》') || before.ends_with('）') {
                score += 2.0;
            }
            if chars.get(b + 1).is_some_and(|c| "（《".contains(*c)) {
                score -= 2.0;
            }
            if bad_break(chars, b) || splits_a_quantity(chars, b) {
                score -= 100.0;
            }
            if score > best.0 {
                best = (score, b);
            }
        }
        if best.0 < -50.0 {
            clean = false;
        }
        out.push(chars[start..best.1].iter().collect());
        start = best.1;
    }
    (out, clean)
}

/// Whether a title break before `chars[b]` separates a number from the word it counts
/// (2027 | 年, 3 | 个): a reader takes "2027年" as one word.
fn splits_a_quantity(chars: &[char], b: usize) -> bool {
    let (Some(&prev), Some(&next)) = (chars.get(b.wrapping_sub(1)), chars.get(b)) else {
        return false;
    };
    let digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    digit(prev) && (digit(next) || "年月日号时届次期个项件万亿元%％".contains(next))
}

/// Deliberate departures from the standard, for producing documents the checker must reject.
/// Never set by the command line.
#[derive(Debug, Clone, Default)]
pub struct Deviations {
    /// Lay out even when [`DocSpec::validate`](crate::gbt9704::DocSpec::validate) finds problems (e.g. 第 in the number).
    pub skip_validation: bool,
    /// Print this instead of the 成文日期 (e.g. a date in 汉字).
    pub date_text: Option<String>,
}

/// What a caller may add to a document.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// The layout's figures (the standard's by default).
    pub geometry: Geometry,
    /// The issuer's seal as a PNG (red, transparent background), placed by 7.3.5.1 when the
    /// document says `seal = true`.
    pub seal_png: Option<Vec<u8>>,
    /// Departures from the standard, for tests of the checker.
    pub deviations: Deviations,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_recognised_by_their_markers() {
        assert_eq!(heading_level("一、总体要求"), Some(1));
        assert_eq!(heading_level("十二、其他"), Some(1));
        assert_eq!(heading_level("（三）加强领导。"), Some(2));
        assert_eq!(heading_level("2.细化分工"), Some(3));
        assert_eq!(heading_level("（4）按月报送"), Some(4));
        assert_eq!(heading_level("一是要提高认识"), None);
        assert_eq!(heading_level("2026年"), None);
    }

    #[test]
    fn paragraphs_are_separated_by_blank_lines() {
        let p = paragraphs("第一段\n续行\n\n\n第二段\n");
        assert_eq!(p, vec!["第一段续行".to_owned(), "第二段".to_owned()]);
    }

    #[test]
    fn a_title_never_breaks_inside_a_number_or_between_it_and_its_word() {
        let title = "东川市人民政府办公室关于做好2027年元旦春节期间安全生产工作的通知";
        for max in 14..=30 {
            let lines = title_lines(title, max);
            assert_eq!(lines.concat(), title);
            for pair in lines.windows(2) {
                let end = pair[0].chars().last().unwrap_or(' ');
                let start = pair[1].chars().next().unwrap_or(' ');
                assert!(
                    !(end.is_ascii_digit() && (start.is_ascii_digit() || start == '年')),
                    "max {max}: {lines:?}"
                );
            }
        }
    }

    #[test]
    fn a_long_title_breaks_after_guanyu_or_before_de_tongzhi() {
        let lines = title_lines(
            "东川市人民政府办公室关于印发东川市2026年政务公开工作要点的通知",
            20,
        );
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.chars().count() <= 20), "{lines:?}");
        assert!(
            lines[0].chars().count() <= lines[1].chars().count(),
            "{lines:?}"
        );
        let lines = title_lines(
            "东川市人民政府关于印发《东川市“十五五”数字政府建设规划（2026—2030年）》的通知",
            20,
        );
        assert_eq!(lines.len(), 3);
        assert!(lines[1].ends_with("规划"), "{lines:?}");
        let lines = title_lines("关于做好\n冬季安全生产工作的通知", 20);
        assert_eq!(lines, vec!["关于做好", "冬季安全生产工作的通知"]);
    }
}
