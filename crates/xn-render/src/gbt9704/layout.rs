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
use super::spec::{DocSpec, Format, date_text};
use std::collections::HashSet;

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
}

/// Text, rules and pictures in mm, shared by the document and the processing sheets.
pub(crate) struct Canvas {
    pub(crate) pages: Vec<Page>,
}

/// The vertical list the body flows through.
enum VItem {
    /// One line band; runs' baselines are relative to the band top.
    Line(Vec<Run>),
    /// A blank line; dropped at the top of a page.
    Gap,
    /// Something that must stay whole; `carry` body lines go with it to a new page, so that a
    /// signature never stands alone (7.3.5.5).
    Block {
        height: f32,
        runs: Vec<Run>,
        pictures: Vec<Picture>,
        carry: usize,
    },
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
        || (prev.is_ascii_alphanumeric() && next.is_ascii_alphanumeric())
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
    let lines = n.div_ceil(max);
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
            if bad_break(&chars, b) {
                score -= 100.0;
            }
            if score > best.0 {
                best = (score, b);
            }
        }
        out.push(chars[start..best.1].iter().collect());
        start = best.1;
    }
    out
}

/// Deliberate departures from the standard, for producing documents the checker must reject.
/// Never set by the command line.
#[derive(Debug, Clone, Default)]
pub struct Deviations {
    /// Lay out even when [`DocSpec::validate`] finds problems (e.g. 第 in the number).
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

fn mark_size(ctx: &Ctx<'_>, text: &str, max_mm: f32) -> f32 {
    let n = text.chars().count().max(1) as f32;
    let fit = ctx.g.area_w_mm * 0.95 / n;
    max_mm.min(fit) / MM_PER_PT
}

/// Lays a document out. `has_seal_image` tells whether a seal picture will be drawn (its
/// aspect ratio is `seal_aspect`, height / width).
pub(crate) fn layout_document(
    ctx: &mut Ctx<'_>,
    spec: &DocSpec,
    dev: &Deviations,
    seal_aspect: Option<f32>,
) -> Canvas {
    let g = ctx.g.clone();
    let pitch = ctx.pitch;
    let body = g.body_pt;
    let body_mm = body * MM_PER_PT;
    let cell = ctx.cell(body);
    let left = ctx.left();
    let right = ctx.right();
    let mut head = Page::default();
    let band = ctx.band_baseline(body);

    // 7.2.1–7.2.3: 份号, 密级和保密期限, 紧急程度 from the first line down, flush left.
    let mut top_lines: Vec<Spans> = Vec::new();
    if let Some(c) = &spec.copy_no {
        top_lines.push(spans(c, FontRole::FangSong));
    }
    if let Some(c) = &spec.classification {
        let text = match &spec.secrecy_term {
            Some(t) => format!("{c}★{t}"),
            None => c.clone(),
        };
        top_lines.push(spans(&text, FontRole::Hei));
    }
    if let Some(u) = &spec.urgency {
        top_lines.push(spans(u, FontRole::Hei));
    }

    let mark = spec.mark_text();
    // `start` is where the flowing part (title, 主送, body) begins on page 1.
    let start;
    match spec.format {
        Format::File | Format::Minutes | Format::Order => {
            for (i, l) in top_lines.iter().enumerate() {
                let r = ctx.run_at(l, left, g.top_mm + i as f32 * pitch + band, body, BLACK);
                head.runs.push(r);
            }
            // 7.2.4 / 10.3: mark top 35 mm below the type area's top; 10.2: 20 mm for 命令.
            let offset = if spec.format == Format::Order {
                20.0
            } else {
                g.mark_top_mm
            };
            let mark_top = g.top_mm + offset;
            let size = mark_size(ctx, &mark, 15.0);
            let s_mm = size * MM_PER_PT;
            let text = spans(&mark, FontRole::XiaoBiaoSong);
            let glyphs = ctx.shape(&text);
            let w = Ctx::width(&glyphs, size, 0.0);
            head.runs.push(Run {
                glyphs: Ctx::place(&glyphs, left + (g.area_w_mm - w) / 2.0, size, 0.0),
                baseline: mark_top + ASCENT * s_mm,
                size_pt: size,
                color: g.mark_color,
            });
            // 7.2.5 / 10.2: 发文字号 (令号) two blank lines below the mark.
            let mut band_top = mark_top + s_mm + 2.0 * pitch;
            if !spec.signers.is_empty() {
                // 7.2.6: 签发人 right, one character in; two names a line.
                let label = spans("签发人：", FontRole::FangSong);
                let names: Vec<Spans> = spec
                    .signers
                    .iter()
                    .map(|n| spans(n.trim(), FontRole::Kai))
                    .collect();
                let name_w = names
                    .iter()
                    .map(|n| ctx.text_width(n, body))
                    .fold(0.0f32, f32::max);
                let per_line = if names.len() > 1 { 2 } else { 1 };
                let block_w = ctx.text_width(&label, body)
                    + cell
                    + per_line as f32 * name_w
                    + (per_line - 1) as f32 * cell;
                let x_label = right - cell - block_w;
                let x_names = x_label + ctx.text_width(&label, body) + cell;
                for (i, chunk) in names.chunks(2).enumerate() {
                    let y = band_top + i as f32 * pitch + band;
                    if i == 0 {
                        head.runs.push(ctx.run_at(&label, x_label, y, body, BLACK));
                    }
                    for (j, n) in chunk.iter().enumerate() {
                        let x = x_names + j as f32 * (name_w + cell);
                        head.runs.push(ctx.run_at(n, x, y, body, BLACK));
                    }
                }
                band_top += (names.len().div_ceil(2) - 1) as f32 * pitch;
                if let Some(n) = &spec.number {
                    // Upward documents: the number left, one character in, on the last
                    // signer's line.
                    let r = ctx.run_at(
                        &spans(n, FontRole::FangSong),
                        left + cell,
                        band_top + band,
                        body,
                        BLACK,
                    );
                    head.runs.push(r);
                }
            } else if let Some(n) = &spec.number {
                let text = spans(n, FontRole::FangSong);
                let w = ctx.text_width(&text, body);
                let r = ctx.run_at(
                    &text,
                    left + (g.area_w_mm - w) / 2.0,
                    band_top + band,
                    body,
                    BLACK,
                );
                head.runs.push(r);
            }
            if spec.format == Format::Order {
                // 10.2: the body two lines below the 令号; no red rule.
                start = band_top + pitch + 2.0 * pitch;
            } else {
                // 7.2.7: red rule 4 mm below the number, as wide as the type area.
                let number_bottom = band_top + (pitch + body_mm) / 2.0;
                let rule_y = number_bottom + g.red_rule_gap_mm;
                head.bars.push(Bar {
                    x0: left,
                    x1: right,
                    y: rule_y,
                    thickness: 0.5,
                    color: RED,
                });
                // 7.3.1: the title two lines below the red rule.
                start = rule_y + 2.0 * pitch;
            }
        }
        Format::Letter => {
            // 10.1: mark 30 mm from the paper's top, red double rules 170 mm long, 4 mm below
            // the mark (thick over thin) and 20 mm above the paper's bottom (thin over thick).
            let mark_top = 30.0 + (g.top_mm - 37.0);
            let size = mark_size(ctx, &mark, 12.0);
            let s_mm = size * MM_PER_PT;
            let text = spans(&mark, FontRole::XiaoBiaoSong);
            let glyphs = ctx.shape(&text);
            let w = Ctx::width(&glyphs, size, 0.0);
            head.runs.push(Run {
                glyphs: Ctx::place(&glyphs, left + (g.area_w_mm - w) / 2.0, size, 0.0),
                baseline: mark_top + ASCENT * s_mm,
                size_pt: size,
                color: g.mark_color,
            });
            let x0 = (PAGE_W - 170.0) / 2.0 + (g.left_mm - 28.0);
            let x1 = x0 + 170.0;
            let r1 = mark_top + s_mm + 4.0;
            head.bars.push(Bar {
                x0,
                x1,
                y: r1,
                thickness: 1.0,
                color: RED,
            });
            head.bars.push(Bar {
                x0,
                x1,
                y: r1 + 1.3,
                thickness: 0.35,
                color: RED,
            });
            let r2 = PAGE_H - 20.0;
            head.bars.push(Bar {
                x0,
                x1,
                y: r2 - 1.3,
                thickness: 0.35,
                color: RED,
            });
            head.bars.push(Bar {
                x0,
                x1,
                y: r2,
                thickness: 1.0,
                color: RED,
            });
            // The elements under the first double rule, 7/8 of a 3号 character below it.
            let first_top = r1 + 1.3 + 0.175 + 0.875 * body_mm;
            let rows = top_lines.len().max(1);
            for (i, l) in top_lines.iter().enumerate() {
                let y = first_top + i as f32 * pitch + ASCENT * body_mm;
                head.runs.push(ctx.run_at(l, left, y, body, BLACK));
            }
            if let Some(n) = &spec.number {
                let text = spans(n, FontRole::FangSong);
                let w = ctx.text_width(&text, body);
                let r = ctx.run_at(&text, right - w, first_top + ASCENT * body_mm, body, BLACK);
                head.runs.push(r);
            }
            // The title two lines below the last of these elements.
            let last_band_bottom =
                first_top + (rows - 1) as f32 * pitch + body_mm + (pitch - body_mm) / 2.0;
            start = last_band_bottom + 2.0 * pitch;
        }
    }

    let mut items: Vec<VItem> = Vec::new();
    // 7.3.1: title in 2号小标宋, centred, broken into a trapezoid or diamond.
    if !spec.title.trim().is_empty() {
        let max = (g.area_w_mm / (g.title_pt * MM_PER_PT)).floor() as usize;
        for line in title_lines(&spec.title, max) {
            let text = spans(&line, FontRole::XiaoBiaoSong);
            let glyphs = ctx.shape(&text);
            let w = Ctx::width(&glyphs, g.title_pt, 0.0);
            items.push(VItem::Line(vec![Run {
                glyphs: Ctx::place(&glyphs, left + (g.area_w_mm - w) / 2.0, g.title_pt, 0.0),
                baseline: ctx.band_baseline(g.title_pt),
                size_pt: g.title_pt,
                color: BLACK,
            }]));
        }
        // 7.3.2: 主送机关 one line below the title.
        items.push(VItem::Gap);
    }
    if !spec.main_recipients.is_empty() {
        let text = format!(
            "{}{}",
            spec.main_recipients
                .iter()
                .map(|r| r.trim())
                .collect::<Vec<_>>()
                .join("，"),
            g.recipients_colon
        );
        for r in ctx.lines(
            &spans(&text, FontRole::FangSong),
            (left, g.area_w_mm),
            (0.0, 0.0),
            body,
            BLACK,
        ) {
            items.push(VItem::Line(vec![r]));
        }
    }
    // 7.3.3: body paragraphs, two characters in.
    for p in paragraphs(&spec.body) {
        for r in ctx.lines(
            &paragraph_spans(&p),
            (left, g.area_w_mm),
            (2.0 * cell, 0.0),
            body,
            BLACK,
        ) {
            items.push(VItem::Line(vec![r]));
        }
    }
    // 7.3.4: 附件说明 one line below the body, two characters in; names aligned.
    if !spec.attachments.is_empty() {
        items.push(VItem::Gap);
        let label = spans("附件：", FontRole::FangSong);
        let label_w = ctx.text_width(&label, body) + ctx.tc(body);
        let many = spec.attachments.len() > 1;
        for (i, a) in spec.attachments.iter().enumerate() {
            let name = if many {
                format!("{}.{}", i + 1, a.trim())
            } else {
                a.trim().to_owned()
            };
            let name_x = left + 2.0 * cell + label_w;
            let num_w = if many {
                ctx.text_width(&spans(&format!("{}.", i + 1), FontRole::FangSong), body)
                    + ctx.tc(body)
            } else {
                0.0
            };
            let lines = ctx.lines(
                &spans(&name, FontRole::FangSong),
                (name_x, right - name_x),
                (0.0, num_w),
                body,
                BLACK,
            );
            for (j, r) in lines.into_iter().enumerate() {
                let mut runs = vec![r];
                if i == 0 && j == 0 {
                    let b = ctx.band_baseline(body);
                    runs.push(ctx.run_at(&label, left + 2.0 * cell, b, body, BLACK));
                }
                items.push(VItem::Line(runs));
            }
        }
    }
    // 10.3: 出席 / 请假 / 列席 one line below the body, label 3号黑体 two characters in.
    if spec.format == Format::Minutes {
        let lists = [
            ("出席", &spec.attendees),
            ("请假", &spec.absentees),
            ("列席", &spec.observers),
        ];
        let mut first = true;
        for (label, names) in lists {
            if names.is_empty() {
                continue;
            }
            if first {
                items.push(VItem::Gap);
                first = false;
            }
            let label = spans(&format!("{label}："), FontRole::Hei);
            let lw = ctx.text_width(&label, body) + ctx.tc(body);
            let x = left + 2.0 * cell + lw;
            let text = names
                .iter()
                .map(|n| n.trim())
                .collect::<Vec<_>>()
                .join("、");
            let lines = ctx.lines(
                &spans(&text, FontRole::FangSong),
                (x, right - x),
                (0.0, 0.0),
                body,
                BLACK,
            );
            for (j, r) in lines.into_iter().enumerate() {
                let mut runs = vec![r];
                if j == 0 {
                    let b = ctx.band_baseline(body);
                    runs.push(ctx.run_at(&label, left + 2.0 * cell, b, body, BLACK));
                }
                items.push(VItem::Line(runs));
            }
        }
    }

    // 7.3.5: 署名, 成文日期, 印章.
    let date = dev
        .date_text
        .clone()
        .unwrap_or_else(|| date_text(spec.date));
    let date_sp = spans(&date, FontRole::FangSong);
    let date_w = ctx.text_width(&date_sp, body);
    let name = spec
        .signature
        .clone()
        .unwrap_or_else(|| spec.issuer.clone());
    let b = ctx.band_baseline(body);
    match spec.format {
        Format::Order => {
            // 7.3.5.3: two lines below the body, the signer's name (签名章) four characters
            // from the right, the position two characters left of it; the date one blank line
            // below, four characters from the right.
            items.push(VItem::Gap);
            items.push(VItem::Gap);
            let mut parts: Vec<&str> = name.split_whitespace().collect();
            let person = parts.pop().unwrap_or("");
            let position = parts.join("");
            let person_sp = spans(person, FontRole::Kai);
            let pw = ctx.text_width(&person_sp, body);
            let px = right - 4.0 * cell - pw;
            let pos_sp = spans(&position, FontRole::FangSong);
            let posw = ctx.text_width(&pos_sp, body);
            let runs = vec![
                ctx.run_at(&pos_sp, px - 2.0 * cell - posw, b, body, BLACK),
                ctx.run_at(&person_sp, px, b, body, BLACK),
                ctx.run_at(
                    &date_sp,
                    right - 4.0 * cell - date_w,
                    2.0 * pitch + b,
                    body,
                    BLACK,
                ),
            ];
            items.push(VItem::Block {
                height: 3.0 * pitch,
                runs,
                pictures: Vec::new(),
                carry: 2,
            });
        }
        _ if spec.seal => {
            // 7.3.5.1: date four characters from the right; the name centred over the date;
            // the seal centred on both, their lines a little below its centre, its top within
            // one line of the text above. Without a seal image the space is kept for a seal
            // applied by hand.
            let name_sp = spans(name.trim(), FontRole::FangSong);
            let nw = ctx.text_width(&name_sp, body);
            let date_x = right - 4.0 * cell - date_w;
            let centre = date_x + date_w / 2.0;
            let mut runs = vec![
                ctx.run_at(&name_sp, centre - nw / 2.0, 2.0 * pitch + b, body, BLACK),
                ctx.run_at(&date_sp, date_x, 3.0 * pitch + b, body, BLACK),
            ];
            runs.retain(|r| !r.glyphs.is_empty());
            let mut pictures = Vec::new();
            if let Some(aspect) = seal_aspect {
                let w = g.seal_mm;
                let h = w * aspect;
                let cy = 3.0 * pitch - 0.25 * pitch;
                pictures.push(Picture {
                    x: centre - w / 2.0,
                    y: cy - h / 2.0,
                    w,
                    h,
                });
            }
            items.push(VItem::Block {
                height: 4.0 * pitch,
                runs,
                pictures,
                carry: 2,
            });
        }
        _ => {
            // 7.3.5.2: one line below the body, the name two characters from the right; the
            // date on the next line, its first character two to the right of the name's; a
            // longer date goes two characters from the right and the name with it.
            items.push(VItem::Gap);
            let has_name = spec.format != Format::Minutes || spec.signature.is_some();
            let name_sp = spans(name.trim(), FontRole::FangSong);
            let nw = if has_name {
                ctx.text_width(&name_sp, body)
            } else {
                0.0
            };
            let mut runs = Vec::new();
            let (name_x, date_x) = if nw >= date_w + 2.0 * cell {
                let nx = right - 2.0 * cell - nw;
                (nx, nx + 2.0 * cell)
            } else {
                (right - 2.0 * cell - nw, right - 2.0 * cell - date_w)
            };
            let mut height = pitch;
            if has_name {
                runs.push(ctx.run_at(&name_sp, name_x, b, body, BLACK));
                runs.push(ctx.run_at(&date_sp, date_x, pitch + b, body, BLACK));
                height += pitch;
            } else {
                runs.push(ctx.run_at(&date_sp, date_x, b, body, BLACK));
            }
            items.push(VItem::Block {
                height,
                runs,
                pictures: Vec::new(),
                carry: 2,
            });
        }
    }
    // 7.3.6: 附注 in parentheses, two characters in, on the line below the date.
    if let Some(note) = &spec.note {
        let text = format!("（{}）", note.trim());
        for r in ctx.lines(
            &spans(&text, FontRole::FangSong),
            (left, g.area_w_mm),
            (2.0 * cell, 0.0),
            body,
            BLACK,
        ) {
            items.push(VItem::Line(vec![r]));
        }
    }

    let placed = paginate(&items, start, g.top_mm, ctx.bottom(), pitch);
    let mut pages: Vec<Page> = Vec::with_capacity(placed.len());
    for (pi, page_items) in placed.iter().enumerate() {
        let mut page = if pi == 0 {
            std::mem::take(&mut head)
        } else {
            Page::default()
        };
        for &(i, top) in page_items {
            match &items[i] {
                VItem::Line(runs) => {
                    for r in runs {
                        let mut r = r.clone();
                        r.baseline += top;
                        page.runs.push(r);
                    }
                }
                VItem::Gap => {}
                VItem::Block { runs, pictures, .. } => {
                    for r in runs {
                        let mut r = r.clone();
                        r.baseline += top;
                        page.runs.push(r);
                    }
                    for p in pictures {
                        let mut p = *p;
                        p.y += top;
                        page.pictures.push(p);
                    }
                }
            }
        }
        pages.push(page);
    }
    let end_y = placed
        .last()
        .and_then(|p| p.last())
        .map(|&(i, top)| top + item_height(&items[i], pitch))
        .unwrap_or(start);
    imprint(ctx, spec, &mut pages, end_y);
    page_numbers(ctx, spec.format, &mut pages);
    Canvas { pages }
}

fn item_height(item: &VItem, pitch: f32) -> f32 {
    match item {
        VItem::Line(_) | VItem::Gap => pitch,
        VItem::Block { height, .. } => *height,
    }
}

/// Assigns items to pages: returns per page the items' indices and band tops.
fn paginate(
    items: &[VItem],
    start: f32,
    top: f32,
    bottom: f32,
    pitch: f32,
) -> Vec<Vec<(usize, f32)>> {
    let mut forced: HashSet<usize> = HashSet::new();
    'again: loop {
        let mut pages: Vec<Vec<(usize, f32)>> = vec![Vec::new()];
        let mut y = start;
        let mut first_page = true;
        for (i, item) in items.iter().enumerate() {
            let h = match item {
                VItem::Block { height, .. } => *height,
                _ => pitch,
            };
            let page_empty = pages.last().is_none_or(Vec::is_empty);
            if forced.contains(&i) && (first_page || !page_empty) {
                pages.push(Vec::new());
                y = top;
                first_page = false;
            }
            let page_empty = pages.last().is_none_or(Vec::is_empty);
            if matches!(item, VItem::Gap) && page_empty && !first_page {
                continue;
            }
            if y + h > bottom + 0.01 {
                if let VItem::Block { carry, .. } = item
                    && *carry > 0
                {
                    let lines: Vec<usize> = pages
                        .last()
                        .map(|p| {
                            p.iter()
                                .filter(|(j, _)| matches!(items[*j], VItem::Line(_)))
                                .map(|(j, _)| *j)
                                .collect()
                        })
                        .unwrap_or_default();
                    if lines.len() > *carry {
                        let j = lines[lines.len() - carry];
                        if forced.insert(j) {
                            continue 'again;
                        }
                    }
                }
                pages.push(Vec::new());
                y = top;
                first_page = false;
                if matches!(item, VItem::Gap) {
                    continue;
                }
            }
            if let Some(p) = pages.last_mut() {
                p.push((i, y));
            }
            y += h;
        }
        return pages;
    }
}

/// 7.4: the 版记 at the foot of the last page: 抄送机关 and 印发机关和印发日期 in 4号仿宋
/// between a thick first and last rule (0.35 mm) with a thin rule (0.25 mm) between them;
/// the last rule on the bottom edge of the type area. 10.1: a letter's 版记 has only the
/// 抄送机关, at the bottom of the type area, without rules.
fn imprint(ctx: &mut Ctx<'_>, spec: &DocSpec, pages: &mut Vec<Page>, end_y: f32) {
    let g = ctx.g.clone();
    let letter = spec.format == Format::Letter;
    let small = SIZE_4;
    let one = small * MM_PER_PT;
    let left = ctx.left() + one;
    let width = g.area_w_mm - 2.0 * one;
    let mut lines: Vec<Vec<Run>> = Vec::new();
    let mut cc_lines = 0;
    if !spec.cc.is_empty() {
        let label = spans("抄送：", FontRole::FangSong);
        let lw = ctx.text_width(&label, small) + ctx.tc(small);
        let text = format!(
            "{}。",
            spec.cc
                .iter()
                .map(|c| c.trim())
                .collect::<Vec<_>>()
                .join("，")
        );
        let rs = ctx.lines(
            &spans(&text, FontRole::FangSong),
            (left + lw, width - lw),
            (0.0, 0.0),
            small,
            BLACK,
        );
        for (j, r) in rs.into_iter().enumerate() {
            let mut runs = vec![r];
            if j == 0 {
                let b = ctx.band_baseline(small);
                runs.push(ctx.run_at(&label, left, b, small, BLACK));
            }
            lines.push(runs);
            cc_lines += 1;
        }
    }
    if !letter && (spec.printer.is_some() || spec.print_date.is_some()) {
        let b = ctx.band_baseline(small);
        let mut runs = Vec::new();
        if let Some(p) = &spec.printer {
            runs.push(ctx.run_at(&spans(p.trim(), FontRole::FangSong), left, b, small, BLACK));
        }
        if let Some(d) = spec.print_date {
            let text = spans(&format!("{}印发", date_text(d)), FontRole::FangSong);
            let w = ctx.text_width(&text, small);
            runs.push(ctx.run_at(&text, left + width - w, b, small, BLACK));
        }
        lines.push(runs);
    }
    if lines.is_empty() {
        return;
    }
    let pitch = ctx.pitch;
    let height = lines.len() as f32 * pitch;
    let bottom = ctx.bottom();
    let fits = end_y + height <= bottom + 0.01;
    if !fits {
        pages.push(Page::default());
    }
    let top = if g.imprint_at_bottom || !fits {
        bottom - height
    } else {
        end_y
    };
    let Some(page) = pages.last_mut() else {
        return;
    };
    for (i, runs) in lines.into_iter().enumerate() {
        for mut r in runs {
            r.baseline += top + i as f32 * pitch;
            page.runs.push(r);
        }
    }
    if letter {
        return;
    }
    let (x0, x1) = (ctx.left(), ctx.right());
    page.bars.push(Bar {
        x0,
        x1,
        y: top,
        thickness: 0.35,
        color: BLACK,
    });
    if cc_lines > 0 && spec.printer.is_some() {
        let y = top + cc_lines as f32 * pitch;
        page.bars.push(Bar {
            x0,
            x1,
            y,
            thickness: 0.25,
            color: BLACK,
        });
    }
    page.bars.push(Bar {
        x0,
        x1,
        y: top + height,
        thickness: 0.35,
        color: BLACK,
    });
}

/// 7.5: page numbers in 4号半角宋体 with a dash either side, the dashes 7 mm below the type
/// area; odd pages right and even pages left, one character in. 10.1: none on a letter's first
/// page.
fn page_numbers(ctx: &mut Ctx<'_>, format: Format, pages: &mut [Page]) {
    let g = ctx.g.clone();
    let size = SIZE_4;
    let s = size * MM_PER_PT;
    // The dash sits at the em box's middle: 0.38 em above the baseline.
    let baseline = ctx.bottom() + g.page_number_gap_mm + (ASCENT - 0.5) * s;
    let (left, right) = (ctx.left(), ctx.right());
    for (i, page) in pages.iter_mut().enumerate() {
        let n = i + 1;
        if format == Format::Letter && n == 1 {
            continue;
        }
        let text = if g.page_number_dashes {
            format!("— {n} —")
        } else {
            n.to_string()
        };
        let sp = spans(&text, FontRole::Song);
        let glyphs = ctx.shape(&sp);
        let w = Ctx::width(&glyphs, size, 0.0);
        let x = if n % 2 == 1 || !g.page_numbers_alternate {
            right - s - w
        } else {
            left + s
        };
        page.runs.push(Run {
            glyphs: Ctx::place(&glyphs, x, size, 0.0),
            baseline,
            size_pt: size,
            color: BLACK,
        });
    }
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
        let lines = title_lines("关于做好\n冬季安全生产工作的通知", 20);
        assert_eq!(lines, vec!["关于做好", "冬季安全生产工作的通知"]);
    }
}
