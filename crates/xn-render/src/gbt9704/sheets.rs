//! Processing sheets (稿纸 / 处理笺): the bordered forms on which an office records every step of
//! a document — 发文稿纸 with 签发 / 会签 / 核稿 / 拟稿 boxes, and 收文处理笺 with 拟办意见 /
//! 领导批示 / 办理结果 — each step's opinion, name and full date. The input is plain values;
//! the web layer maps a case's events to it.

use super::RenderError;
use super::fonts::{FontRole, FontSet};
use super::layout::{BLACK, Canvas, Ctx, Geometry, MM_PER_PT, Page, RED, Run, SIZE_4, spans};
use super::pdf;
use super::spec::date_text;
use chrono::NaiveDate;

/// One step of a case as printed on the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetStep {
    /// The step's name: 签发, 会签, 核稿, 拟稿, 拟办, 批示, 办理 … decides the box it goes in.
    pub step: String,
    /// The opinion (意见) written when acting.
    pub opinion: String,
    /// Who acted.
    pub person: String,
    /// When.
    pub date: NaiveDate,
}

/// The 发文稿纸 of an outgoing document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingSheet {
    /// The office whose sheet it is, e.g. 东川市人民政府办公室.
    pub office: String,
    /// 标题.
    pub title: String,
    /// 发文字号.
    pub number: Option<String>,
    /// 密级.
    pub classification: Option<String>,
    /// 紧急程度.
    pub urgency: Option<String>,
    /// 拟稿单位.
    pub drafting_unit: Option<String>,
    /// 主送机关.
    pub main_recipients: Vec<String>,
    /// 抄送机关.
    pub cc: Vec<String>,
    /// 附件.
    pub attachments: Vec<String>,
    /// 印发份数.
    pub copies: Option<u32>,
    /// Every step, in order.
    pub steps: Vec<SheetStep>,
}

/// The 收文处理笺 of an incoming document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncomingSheet {
    /// The office whose sheet it is.
    pub office: String,
    /// 来文标题.
    pub title: String,
    /// 来文单位.
    pub sender: String,
    /// 来文字号.
    pub number: Option<String>,
    /// 收文编号.
    pub serial: Option<String>,
    /// 收文日期.
    pub received: Option<NaiveDate>,
    /// 密级.
    pub classification: Option<String>,
    /// 紧急程度.
    pub urgency: Option<String>,
    /// 办理时限.
    pub deadline: Option<NaiveDate>,
    /// Every step, in order.
    pub steps: Vec<SheetStep>,
}

const X0: f32 = 20.0;
const X1: f32 = 190.0;
const LABEL_W: f32 = 30.0;
const Y_END: f32 = 277.0;

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

    fn ensure(&mut self, h: f32) {
        if self.y + h > Y_END {
            self.pages.push(Page::default());
            self.y = 20.0;
        }
    }

    fn text_lines(&mut self, text: &str, role: FontRole, x: f32, w: f32) -> Vec<Run> {
        if text.trim().is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for para in text.lines().filter(|l| !l.trim().is_empty()) {
            out.extend(self.ctx.lines(
                &spans(para.trim(), role),
                (x, w),
                (0.0, 0.0),
                SIZE_4,
                BLACK,
            ));
        }
        out
    }

    /// A row of label/value cells sharing the width equally.
    fn field_row(&mut self, cells: &[(&str, String)]) {
        let pitch = self.ctx.pitch;
        let n = cells.len().max(1) as f32;
        let cw = (X1 - X0) / n;
        let mut blocks = Vec::new();
        for (i, (label, value)) in cells.iter().enumerate() {
            let cx = X0 + i as f32 * cw;
            let lines = self.text_lines(
                value,
                FontRole::FangSong,
                cx + LABEL_W + 2.0,
                cw - LABEL_W - 4.0,
            );
            blocks.push((cx, *label, lines));
        }
        let rows = blocks.iter().map(|b| b.2.len()).max().unwrap_or(1).max(1);
        let h = rows as f32 * pitch + 3.0;
        self.ensure(h);
        let y = self.y;
        for (cx, label, lines) in blocks {
            let lb = self.ctx.run_at(
                &spans(label, FontRole::Hei),
                cx + 2.0,
                y + 1.5 + self.ctx.band_baseline(SIZE_4),
                SIZE_4,
                BLACK,
            );
            let page = self.page();
            page.runs.push(lb);
            for (k, mut r) in lines.into_iter().enumerate() {
                r.baseline += y + 1.5 + k as f32 * pitch;
                page.runs.push(r);
            }
            page.frames.push([cx, y, cx + LABEL_W, y + h]);
            page.frames.push([cx + LABEL_W, y, cx + cw, y + h]);
        }
        self.y += h;
    }

    /// A box holding the steps of one kind: each opinion, then name and date on the right.
    fn step_box(&mut self, label: &str, steps: &[&SheetStep], min_h: f32) {
        let pitch = self.ctx.pitch;
        let x = X0 + LABEL_W + 3.0;
        let w = X1 - x - 3.0;
        let mut lines: Vec<Run> = Vec::new();
        for s in steps {
            lines.extend(self.text_lines(&s.opinion, FontRole::Kai, x, w));
            let sign = format!("{}　{}", s.person.trim(), date_text(s.date));
            let sp = spans(&sign, FontRole::FangSong);
            let sw = self.ctx.text_width(&sp, SIZE_4);
            let b = self.ctx.band_baseline(SIZE_4);
            lines.push(self.ctx.run_at(&sp, X1 - 3.0 - sw, b, SIZE_4, BLACK));
        }
        let h = (lines.len() as f32 * pitch + 4.0).max(min_h);
        self.ensure(h);
        let y = self.y;
        let label_sp: Vec<(char, FontRole)> = spans(label, FontRole::Hei);
        let lw = self.ctx.text_width(&label_sp, SIZE_4);
        let lb = self.ctx.run_at(
            &label_sp,
            X0 + (LABEL_W - lw) / 2.0,
            y + h / 2.0 + (super::layout::ASCENT - 0.5) * SIZE_4 * MM_PER_PT,
            SIZE_4,
            BLACK,
        );
        let page = self.page();
        page.runs.push(lb);
        for (k, mut r) in lines.into_iter().enumerate() {
            r.baseline += y + 2.0 + k as f32 * pitch;
            page.runs.push(r);
        }
        page.frames.push([X0, y, X0 + LABEL_W, y + h]);
        page.frames.push([X0 + LABEL_W, y, X1, y + h]);
        self.y += h;
    }

    fn heading(&mut self, text: &str) {
        let size = 22.0;
        let sp = spans(text, FontRole::XiaoBiaoSong);
        let glyphs = self.ctx.shape(&sp);
        let w = Ctx::width(&glyphs, size, 0.0);
        let run = Run {
            glyphs: Ctx::place(&glyphs, (X0 + X1 - w) / 2.0, size, 0.0),
            baseline: self.y + super::layout::ASCENT * size * MM_PER_PT,
            size_pt: size,
            color: RED,
            hscale: 1.0,
        };
        self.page().runs.push(run);
        self.y += size * MM_PER_PT + 8.0;
    }
}

fn sheet_geometry() -> Geometry {
    // 4号 text on 7.5 mm lines.
    Geometry {
        area_h_mm: 225.0,
        lines_per_page: 30,
        ..Geometry::default()
    }
}

fn matches(step: &str, names: &[&str]) -> bool {
    names.iter().any(|n| step.contains(n))
}

/// The steps no box took that have something to record: a step done without an opinion (its
/// only decision was its own verb: 登记编号, 印制完成, 签收 …) is not filed as one.
fn unplaced<'s>(steps: &'s [SheetStep], placed: &[bool]) -> Vec<&'s SheetStep> {
    steps
        .iter()
        .enumerate()
        .filter(|(i, st)| !placed[*i] && !st.opinion.trim().is_empty())
        .map(|(_, st)| st)
        .collect()
}

fn finish(pages: Vec<Page>, fonts: &FontSet, title: &str) -> Result<Vec<u8>, RenderError> {
    let canvas = Canvas { pages };
    pdf::write(&canvas, fonts, None, title).map_err(RenderError::Pdf)
}

/// Writes the 发文稿纸 as PDF.
pub fn outgoing_sheet(sheet: &OutgoingSheet, fonts: &FontSet) -> Result<Vec<u8>, RenderError> {
    let g = sheet_geometry();
    let mut ctx = Ctx::new(&g, fonts);
    let mut s = Sheet {
        ctx: &mut ctx,
        pages: Vec::new(),
        y: 20.0,
    };
    s.heading(&format!("{}发文稿纸", sheet.office.trim()));
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    // The 文号 on a row of its own: on half a row it would break before 号.
    s.field_row(&[("文　　号", opt(&sheet.number))]);
    s.field_row(&[
        ("密　　级", opt(&sheet.classification)),
        ("紧急程度", opt(&sheet.urgency)),
    ]);
    s.field_row(&[("拟稿单位", opt(&sheet.drafting_unit))]);
    let boxes: [(&str, &[&str], f32); 4] = [
        ("签　　发", &["签发"], 45.0),
        ("会　　签", &["会签"], 30.0),
        ("核　　稿", &["核稿", "审核", "复核"], 25.0),
        ("拟　　稿", &["拟稿"], 18.0),
    ];
    let mut placed = vec![false; sheet.steps.len()];
    for (label, names, min_h) in boxes {
        let steps: Vec<&SheetStep> = sheet
            .steps
            .iter()
            .enumerate()
            .filter(|(i, st)| !placed[*i] && matches(&st.step, names))
            .map(|(_, st)| st)
            .collect();
        for (i, st) in sheet.steps.iter().enumerate() {
            if matches(&st.step, names) {
                placed[i] = true;
            }
        }
        s.step_box(label, &steps, min_h);
    }
    let others = unplaced(&sheet.steps, &placed);
    if !others.is_empty() {
        s.step_box("其他环节", &others, 15.0);
    }
    s.field_row(&[("标　　题", sheet.title.clone())]);
    s.field_row(&[("主送机关", sheet.main_recipients.join("，"))]);
    s.field_row(&[("抄送机关", sheet.cc.join("，"))]);
    s.field_row(&[("附　　件", sheet.attachments.join("；"))]);
    s.field_row(&[(
        "印发份数",
        sheet.copies.map(|c| c.to_string()).unwrap_or_default(),
    )]);
    let pages = s.pages;
    finish(pages, fonts, &format!("发文稿纸：{}", sheet.title))
}

/// Writes the 收文处理笺 as PDF.
pub fn incoming_sheet(sheet: &IncomingSheet, fonts: &FontSet) -> Result<Vec<u8>, RenderError> {
    let g = sheet_geometry();
    let mut ctx = Ctx::new(&g, fonts);
    let mut s = Sheet {
        ctx: &mut ctx,
        pages: Vec::new(),
        y: 20.0,
    };
    s.heading(&format!("{}收文处理笺", sheet.office.trim()));
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    let date = |d: &Option<NaiveDate>| d.map(date_text).unwrap_or_default();
    s.field_row(&[
        ("来文单位", sheet.sender.clone()),
        ("来文字号", opt(&sheet.number)),
    ]);
    s.field_row(&[
        ("收文编号", opt(&sheet.serial)),
        ("收文日期", date(&sheet.received)),
    ]);
    s.field_row(&[
        ("密　　级", opt(&sheet.classification)),
        ("紧急程度", opt(&sheet.urgency)),
    ]);
    s.field_row(&[("办理时限", date(&sheet.deadline))]);
    s.field_row(&[("标　　题", sheet.title.clone())]);
    // 初审 is the registry's view before the 拟办; 传阅 is circled where leaders write.
    let boxes: [(&str, &[&str], f32); 3] = [
        ("拟办意见", &["初审", "拟办"], 28.0),
        ("领导批示", &["批示", "批办", "阅示", "传阅"], 45.0),
        ("办理结果", &["办理", "承办", "答复", "办结", "结果"], 30.0),
    ];
    let mut placed = vec![false; sheet.steps.len()];
    for (label, names, min_h) in boxes {
        let steps: Vec<&SheetStep> = sheet
            .steps
            .iter()
            .enumerate()
            .filter(|(i, st)| !placed[*i] && matches(&st.step, names))
            .map(|(_, st)| st)
            .collect();
        for (i, st) in sheet.steps.iter().enumerate() {
            if matches(&st.step, names) {
                placed[i] = true;
            }
        }
        s.step_box(label, &steps, min_h);
    }
    let others = unplaced(&sheet.steps, &placed);
    if !others.is_empty() {
        s.step_box("其他环节", &others, 15.0);
    }
    let pages = s.pages;
    finish(pages, fonts, &format!("收文处理笺：{}", sheet.title))
}
