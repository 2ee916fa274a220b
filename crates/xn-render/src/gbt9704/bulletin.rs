//! 简报: an issue of an office's information periodical (《东川政务信息》) — the red title band
//! with the periodical's name, 第N期 and, under it, the 编印单位 and the date over a red rule;
//! then each item in order (its title in 黑体, the submitting unit, the text in 仿宋), and at
//! the foot of the last page the 报/送/发 distribution between two rules. The input is plain
//! values; the service maps an issue to it.

use super::RenderError;
use super::fonts::{FontRole, FontSet};
use super::layout::{BLACK, Bar, Canvas, Ctx, Geometry, MM_PER_PT, Page, RED, Run, SIZE_4, spans};
use super::pdf;
use super::spec::date_text;
use chrono::NaiveDate;

/// One item of an issue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulletinItem {
    /// Its title.
    pub title: String,
    /// The submitting unit, shown after the text as （…供稿）.
    pub source: String,
    /// Its text, paragraphs separated by line breaks.
    pub body: String,
}

/// An issue of a periodical.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bulletin {
    /// The periodical's name, e.g. 东川政务信息.
    pub name: String,
    /// 第N期 as printed, e.g. 2026年第12期.
    pub number: String,
    /// 编印单位.
    pub publisher: String,
    /// The issue's date.
    pub date: NaiveDate,
    /// 密级 as printed at the top left, when any item is classified.
    pub classification: Option<String>,
    /// The items, in order.
    pub items: Vec<BulletinItem>,
    /// 报: the leaders and offices it is reported to.
    pub report_to: String,
    /// 送: those it is sent to.
    pub send_to: String,
    /// 发: those it is issued to.
    pub issue_to: String,
}

const X0: f32 = 28.0;
const X1: f32 = 184.0;
const Y_TOP: f32 = 30.0;
const Y_END: f32 = 265.0;

struct Sheet<'a, 'b> {
    ctx: &'b mut Ctx<'a>,
    pages: Vec<Page>,
    y: f32,
}

impl Sheet<'_, '_> {
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Page::default());
        self.y = Y_TOP;
    }

    fn centred(&mut self, text: &str, role: FontRole, size: f32, color: super::layout::Rgb) {
        let sp = spans(text, role);
        let glyphs = self.ctx.shape(&sp);
        let w = Ctx::width(&glyphs, size, 0.0);
        let run = Run {
            glyphs: Ctx::place(&glyphs, (X0 + X1 - w) / 2.0, size, 0.0),
            baseline: self.y + super::layout::ASCENT * size * MM_PER_PT,
            size_pt: size,
            color,
            hscale: 1.0,
        };
        self.page().runs.push(run);
        self.y += size * MM_PER_PT * 1.4;
    }

    /// Lines of text from `x` over `w`, first line indented by `indent`.
    fn paragraph(&mut self, text: &str, role: FontRole, indent: f32) {
        let pitch = self.ctx.pitch;
        let lines = self.ctx.lines(
            &spans(text.trim(), role),
            (X0, X1 - X0),
            (indent, 0.0),
            SIZE_4,
            BLACK,
        );
        for mut r in lines {
            if self.y + pitch > Y_END {
                self.new_page();
            }
            r.baseline += self.y;
            self.page().runs.push(r);
            self.y += pitch;
        }
    }

    fn rule(&mut self, thickness: f32, color: super::layout::Rgb) {
        let y = self.y;
        self.page().bars.push(Bar {
            x0: X0,
            x1: X1,
            y,
            thickness,
            color,
        });
    }

    fn left_right(&mut self, left: &str, right: &str) {
        let b = self.ctx.band_baseline(SIZE_4);
        let l = self.ctx.run_at(
            &spans(left, FontRole::FangSong),
            X0,
            self.y + b,
            SIZE_4,
            BLACK,
        );
        let sp = spans(right, FontRole::FangSong);
        let w = self.ctx.text_width(&sp, SIZE_4);
        let r = self.ctx.run_at(&sp, X1 - w, self.y + b, SIZE_4, BLACK);
        let page = self.page();
        page.runs.push(l);
        page.runs.push(r);
        self.y += self.ctx.pitch;
    }
}

fn geometry() -> Geometry {
    Geometry {
        area_h_mm: 225.0,
        lines_per_page: 30,
        ..Geometry::default()
    }
}

/// Writes an issue as PDF.
pub fn bulletin(b: &Bulletin, fonts: &FontSet) -> Result<Vec<u8>, RenderError> {
    let g = geometry();
    let mut ctx = Ctx::new(&g, fonts);
    let mut s = Sheet {
        ctx: &mut ctx,
        pages: Vec::new(),
        y: Y_TOP,
    };
    s.page();
    if let Some(c) = b.classification.as_deref().filter(|c| !c.trim().is_empty()) {
        let bl = s.ctx.band_baseline(SIZE_4);
        let run = s.ctx.run_at(
            &spans(c.trim(), FontRole::Hei),
            X0,
            s.y - 8.0 + bl,
            SIZE_4,
            BLACK,
        );
        s.page().runs.push(run);
    }
    // The title band: the periodical's name in red, large, then its number.
    s.y += 6.0;
    s.centred(b.name.trim(), FontRole::XiaoBiaoSong, 36.0, RED);
    s.y += 2.0;
    s.centred(b.number.trim(), FontRole::FangSong, 16.0, BLACK);
    s.y += 4.0;
    s.left_right(b.publisher.trim(), &date_text(b.date));
    s.y += 1.0;
    s.rule(1.0, RED);
    s.y += 6.0;
    for (i, item) in b.items.iter().enumerate() {
        if s.y + 3.0 * s.ctx.pitch > Y_END {
            s.new_page();
        }
        if i > 0 {
            s.y += s.ctx.pitch / 2.0;
        }
        s.centred(item.title.trim(), FontRole::Hei, 16.0, BLACK);
        s.y += 1.0;
        for para in item.body.lines().filter(|l| !l.trim().is_empty()) {
            s.paragraph(para, FontRole::FangSong, 2.0 * SIZE_4 * MM_PER_PT);
        }
        if !item.source.trim().is_empty() {
            let text = format!("（{}供稿）", item.source.trim());
            let sp = spans(&text, FontRole::Kai);
            let w = s.ctx.text_width(&sp, SIZE_4);
            let bl = s.ctx.band_baseline(SIZE_4);
            if s.y + s.ctx.pitch > Y_END {
                s.new_page();
            }
            let run = s.ctx.run_at(&sp, X1 - w, s.y + bl, SIZE_4, BLACK);
            s.page().runs.push(run);
            s.y += s.ctx.pitch;
        }
    }
    // The distribution at the foot of the last page, between two rules.
    let foot: Vec<(&str, &str)> = [
        ("报", &b.report_to),
        ("送", &b.send_to),
        ("发", &b.issue_to),
    ]
    .into_iter()
    .filter(|(_, v)| !v.trim().is_empty())
    .map(|(k, v)| (k, v.as_str()))
    .collect();
    let needed = (foot.len().max(1) as f32 + 1.0) * s.ctx.pitch;
    if s.y + needed > Y_END {
        s.new_page();
    }
    s.y = Y_END - needed;
    s.rule(0.5, BLACK);
    s.y += 1.5;
    for (k, v) in foot {
        let text = format!("{k}：{}", v.trim());
        s.paragraph(&text, FontRole::FangSong, 0.0);
    }
    s.rule(0.5, BLACK);
    let canvas = Canvas { pages: s.pages };
    pdf::write(&canvas, fonts, None, &format!("{}{}", b.name, b.number)).map_err(RenderError::Pdf)
}
