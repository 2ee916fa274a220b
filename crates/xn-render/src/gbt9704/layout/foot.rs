//! The foot of a document: the 版记 on its last page and the page numbers.

use super::{ASCENT, BLACK, Bar, Ctx, MM_PER_PT, Page, Run, SIZE_4, spans};
use crate::gbt9704::fonts::FontRole;
use crate::gbt9704::spec::{DocSpec, Format, date_text};

/// 7.4: the 版记 at the foot of the last page: 抄送机关 and 印发机关和印发日期 in 4号仿宋
/// between a thick first and last rule (0.35 mm) with a thin rule (0.25 mm) between them;
/// the last rule on the bottom edge of the type area. 10.1: a letter's 版记 has only the
/// 抄送机关, at the bottom of the type area, without rules.
pub(super) fn imprint(ctx: &mut Ctx<'_>, spec: &DocSpec, pages: &mut Vec<Page>, end_y: f32) {
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
pub(super) fn page_numbers(ctx: &mut Ctx<'_>, format: Format, pages: &mut [Page]) {
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
            hscale: 1.0,
        });
    }
}
