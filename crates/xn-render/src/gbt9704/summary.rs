//! 年总结: a person's, section's or office's year summary as PDF — the title in 小标宋, whose
//! year it is, then the caller's blocks in order: headings (黑体), paragraphs (仿宋) and charts
//! drawn as vector lines and bars from the same points as the page's SVG
//! ([`crate::chart`]), each value printed over its point so the numbers are in the text.

use super::RenderError;
use super::fonts::{FontRole, FontSet};
use super::layout::{
    BLACK, Bar, Canvas, Ctx, Geometry, MM_PER_PT, Page, Rgb, SIZE_4, Stroke, spans,
};
use super::pdf;
use crate::chart::Point;

/// How a chart is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// A line through the points (rates).
    Line,
    /// A bar per point (counts).
    Bars,
}

/// A chart of the summary.
#[derive(Debug, Clone)]
pub struct SummaryChart {
    /// Its title, printed over it.
    pub title: String,
    /// Line or bars.
    pub kind: ChartKind,
    /// The top of the scale (100 for a rate); none: the largest value.
    pub max: Option<f64>,
    /// Suffix of a value (%, 张, 个).
    pub suffix: String,
    /// The points.
    pub points: Vec<Point>,
}

/// One block of the summary, in order.
#[derive(Debug, Clone)]
pub enum SummaryBlock {
    /// A heading (一、…).
    Heading(String),
    /// A paragraph, indented two characters.
    Paragraph(String),
    /// A chart.
    Chart(SummaryChart),
}

/// A year summary to print.
#[derive(Debug, Clone)]
pub struct YearSummary {
    /// The title (2026年度工作总结).
    pub title: String,
    /// Whose: the office, section or person.
    pub subject: String,
    /// A line under it (年度进行中，数据截至…; 打印时间).
    pub note: String,
    /// The blocks.
    pub blocks: Vec<SummaryBlock>,
}

const X0: f32 = 28.0;
const X1: f32 = 184.0;
const Y_TOP: f32 = 30.0;
const Y_END: f32 = 270.0;
const CHART_H: f32 = 58.0;
const BLUE: Rgb = Rgb(0.1, 0.3, 0.6);
const GREY: Rgb = Rgb(0.6, 0.6, 0.6);

struct Sheet<'a, 'b> {
    ctx: &'b mut Ctx<'a>,
    pages: Vec<Page>,
    y: f32,
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

impl Sheet<'_, '_> {
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn room(&mut self, h: f32) {
        if self.y + h > Y_END {
            self.pages.push(Page::default());
            self.y = Y_TOP;
        }
    }

    fn centred(&mut self, text: &str, role: FontRole, size: f32) {
        let sp = spans(text, role);
        let w = self.ctx.text_width(&sp, size).min(X1 - X0);
        let run = self.ctx.run_at(
            &sp,
            (X0 + X1 - w) / 2.0,
            self.y + super::layout::ASCENT * size * MM_PER_PT,
            size,
            BLACK,
        );
        self.page().runs.push(run);
        self.y += size * MM_PER_PT * 1.5;
    }

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
            self.room(pitch);
            r.baseline += self.y;
            self.page().runs.push(r);
            self.y += pitch;
        }
    }

    /// Small text at a point, centred on `x` when `centre`.
    fn label(&mut self, text: &str, x: f32, baseline: f32, size: f32, centre: bool) {
        let sp = spans(text, FontRole::Song);
        let w = self.ctx.text_width(&sp, size);
        let x0 = if centre { x - w / 2.0 } else { x };
        let run = self.ctx.run_at(&sp, x0, baseline, size, BLACK);
        self.page().runs.push(run);
    }

    fn chart(&mut self, c: &SummaryChart) {
        self.room(CHART_H);
        let top = self.y;
        self.label(&c.title, X0, top + 4.5, 11.0, false);
        let (plot_top, base) = (top + 12.0, top + CHART_H - 10.0);
        let plot_h = base - plot_top;
        self.page()
            .frames
            .push([X0, top + 7.0, X1, top + CHART_H - 3.0]);
        self.page().bars.push(Bar {
            x0: X0 + 2.0,
            x1: X1 - 2.0,
            y: base,
            thickness: 0.3,
            color: GREY,
        });
        let known: Vec<f64> = c.points.iter().filter_map(|p| p.value).collect();
        if known.is_empty() {
            self.label(
                "暂无数据",
                (X0 + X1) / 2.0,
                plot_top + plot_h / 2.0,
                10.0,
                true,
            );
            self.y = top + CHART_H + 2.0;
            return;
        }
        let max = c
            .max
            .unwrap_or_else(|| known.iter().copied().fold(0.0, f64::max))
            .max(1.0);
        let n = c.points.len().max(1);
        #[expect(clippy::cast_precision_loss, reason = "a dozen points")]
        let slot = (X1 - X0 - 4.0) / n as f32;
        #[expect(clippy::cast_possible_truncation, reason = "a chart's scale")]
        let at = |i: usize, v: f64| -> (f32, f32) {
            #[expect(clippy::cast_precision_loss, reason = "a dozen points")]
            let x = X0 + 2.0 + slot * (i as f32 + 0.5);
            let y = base - ((v.max(0.0).min(max) / max) as f32) * plot_h;
            (x, y)
        };
        let mut piece: Vec<(f32, f32)> = Vec::new();
        let mut pieces = Vec::new();
        for (i, p) in c.points.iter().enumerate() {
            let (x, _) = at(i, 0.0);
            self.label(&p.label, x, base + 4.5, 8.0, true);
            let Some(v) = p.value else {
                if !piece.is_empty() {
                    pieces.push(std::mem::take(&mut piece));
                }
                continue;
            };
            let (x, y) = at(i, v);
            match c.kind {
                ChartKind::Bars => {
                    let h = base - y;
                    if h > 0.05 {
                        self.page().bars.push(Bar {
                            x0: x - slot * 0.3,
                            x1: x + slot * 0.3,
                            y: base - h / 2.0,
                            thickness: h,
                            color: BLUE,
                        });
                    }
                }
                ChartKind::Line => {
                    piece.push((x, y));
                    self.page().bars.push(Bar {
                        x0: x - 0.7,
                        x1: x + 0.7,
                        y,
                        thickness: 1.4,
                        color: BLUE,
                    });
                }
            }
            self.label(&format!("{}{}", num(v), c.suffix), x, y - 1.5, 7.0, true);
        }
        if !piece.is_empty() {
            pieces.push(piece);
        }
        for points in pieces.into_iter().filter(|p| p.len() > 1) {
            self.page().strokes.push(Stroke {
                points,
                width_pt: 1.2,
                color: BLUE,
            });
        }
        self.y = top + CHART_H + 2.0;
    }
}

/// Writes a year summary as PDF.
pub fn year_summary(s: &YearSummary, fonts: &FontSet) -> Result<Vec<u8>, RenderError> {
    let g = Geometry {
        area_h_mm: 225.0,
        lines_per_page: 30,
        ..Geometry::default()
    };
    let mut ctx = Ctx::new(&g, fonts);
    let mut sh = Sheet {
        ctx: &mut ctx,
        pages: Vec::new(),
        y: Y_TOP,
    };
    sh.page();
    sh.centred(s.title.trim(), FontRole::XiaoBiaoSong, 22.0);
    sh.centred(s.subject.trim(), FontRole::Kai, 14.0);
    if !s.note.trim().is_empty() {
        sh.centred(s.note.trim(), FontRole::FangSong, 10.5);
    }
    sh.y += 3.0;
    for b in &s.blocks {
        match b {
            SummaryBlock::Heading(h) => {
                sh.room(3.0 * sh.ctx.pitch);
                sh.y += 1.5;
                sh.paragraph(h, FontRole::Hei, 0.0);
            }
            SummaryBlock::Paragraph(p) => {
                for para in p.lines().filter(|l| !l.trim().is_empty()) {
                    sh.paragraph(para, FontRole::FangSong, 2.0 * SIZE_4 * MM_PER_PT);
                }
            }
            SummaryBlock::Chart(c) => sh.chart(c),
        }
    }
    let canvas = Canvas { pages: sh.pages };
    pdf::write(&canvas, fonts, None, &format!("{}{}", s.subject, s.title)).map_err(RenderError::Pdf)
}
