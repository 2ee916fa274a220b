//! The document itself: the head of each format (文件, 信函, 命令, 纪要), then the flowing part
//! (title, 主送, body, 附件说明, attendance lists, signature, date, seal, 附注) broken into pages.

use super::foot::{imprint, page_numbers};
use super::{
    ASCENT, BLACK, Bar, Canvas, Ctx, Deviations, MM_PER_PT, PAGE_H, PAGE_W, Page, Picture, RED,
    Run, Spans, paragraph_spans, paragraphs, spans, title_lines,
};
use crate::gbt9704::fonts::FontRole;
use crate::gbt9704::spec::{DocSpec, Format, date_text};
use std::collections::HashSet;

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

/// The 发文机关标志 as a run whose em box starts at `top`: centred, at most `max_mm` high; a
/// long name is narrowed rather than set below 9.5 mm. Returns the run and its bottom edge.
fn mark_run(ctx: &mut Ctx<'_>, mark: &str, top: f32, max_mm: f32) -> (Run, f32) {
    let n = mark.chars().count().max(1) as f32;
    let fit = ctx.g.area_w_mm * 0.95 / n;
    let s_mm = max_mm.min(fit).max(9.5);
    let size = s_mm / MM_PER_PT;
    let hscale = (fit / s_mm).min(1.0);
    let glyphs = ctx.shape(&spans(mark, FontRole::XiaoBiaoSong));
    let w = Ctx::width(&glyphs, size, 0.0) * hscale;
    let mut placed = Ctx::place(
        &glyphs,
        ctx.g.left_mm + (ctx.g.area_w_mm - w) / 2.0,
        size,
        0.0,
    );
    let x0 = placed.first().map_or(0.0, |g| g.x);
    for g in &mut placed {
        g.x = x0 + (g.x - x0) * hscale;
    }
    let run = Run {
        glyphs: placed,
        baseline: top + ASCENT * s_mm,
        size_pt: size,
        color: ctx.g.mark_color,
        hscale,
    };
    (run, top + s_mm)
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
            let (run, mark_bottom) = mark_run(ctx, &mark, mark_top, 15.0);
            head.runs.push(run);
            // 7.2.5 / 10.2: 发文字号 (令号) two blank lines below the mark.
            let mut band_top = mark_bottom + 2.0 * pitch;
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
            let (run, mark_bottom) = mark_run(ctx, &mark, mark_top, 12.0);
            head.runs.push(run);
            let x0 = (PAGE_W - 170.0) / 2.0 + (g.left_mm - 28.0);
            let x1 = x0 + 170.0;
            let r1 = mark_bottom + 4.0;
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
                hscale: 1.0,
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
                carry: if g.keep_signature_with_text { 2 } else { 0 },
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
                carry: if g.keep_signature_with_text { 2 } else { 0 },
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
                carry: if g.keep_signature_with_text { 2 } else { 0 },
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
