//! Writing a laid-out [`Canvas`] as PDF with pdf-writer: each face used becomes a subset CID
//! font (Identity-H, widths, ToUnicode so that text can be searched and checked), text is
//! placed glyph by glyph with TJ adjustments, rules are filled rectangles, the seal an image
//! with its alpha as a soft mask. Content streams and fonts are deflated.

use super::fonts::FontSet;
use super::layout::{Canvas, MM_PER_PT, PAGE_H, PAGE_W};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;
use std::io::Write;

/// A decoded image: 8-bit RGB samples and an optional 8-bit alpha channel.
#[derive(Debug, Clone)]
pub(crate) struct RgbImage {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) rgb: Vec<u8>,
    pub(crate) alpha: Option<Vec<u8>>,
}

/// Decodes a PNG into RGB (+ alpha).
pub(crate) fn decode_png(bytes: &[u8]) -> Result<RgbImage, String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| "图像过大".to_owned())?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let buf = &buf[..info.buffer_size()];
    let px = (info.width as usize) * (info.height as usize);
    let mut rgb = Vec::with_capacity(px * 3);
    let mut alpha = Vec::new();
    match info.color_type {
        png::ColorType::Rgb => rgb.extend_from_slice(buf),
        png::ColorType::Rgba => {
            for p in buf.chunks_exact(4) {
                rgb.extend_from_slice(&p[..3]);
                alpha.push(p[3]);
            }
        }
        png::ColorType::Grayscale => {
            for &v in buf {
                rgb.extend_from_slice(&[v, v, v]);
            }
        }
        png::ColorType::GrayscaleAlpha => {
            for p in buf.chunks_exact(2) {
                rgb.extend_from_slice(&[p[0], p[0], p[0]]);
                alpha.push(p[1]);
            }
        }
        png::ColorType::Indexed => return Err("不支持的调色板图像".to_owned()),
    }
    Ok(RgbImage {
        width: info.width,
        height: info.height,
        rgb,
        alpha: if alpha.is_empty() { None } else { Some(alpha) },
    })
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    // Writing into a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

fn x(mm: f32) -> f32 {
    mm / MM_PER_PT
}

fn y(mm: f32) -> f32 {
    (PAGE_H - mm) / MM_PER_PT
}

struct Refs(i32);

impl Refs {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// Per face: the glyphs used (old gid → new gid) and the character each stands for.
struct UsedFace {
    remapper: subsetter::GlyphRemapper,
    chars: BTreeMap<u16, char>,
    widths: BTreeMap<u16, f32>,
}

/// Writes the canvas as a PDF. `image` is drawn wherever the canvas has a picture.
pub(crate) fn write(
    canvas: &Canvas,
    fonts: &FontSet,
    image: Option<&RgbImage>,
    title: &str,
) -> Result<Vec<u8>, String> {
    let mut used: BTreeMap<usize, UsedFace> = BTreeMap::new();
    for page in &canvas.pages {
        for run in &page.runs {
            for g in &run.glyphs {
                let u = used.entry(g.face).or_insert_with(|| UsedFace {
                    remapper: subsetter::GlyphRemapper::new(),
                    chars: BTreeMap::new(),
                    widths: BTreeMap::new(),
                });
                let new = u.remapper.remap(g.gid);
                u.chars.entry(new).or_insert(g.ch);
                u.widths.entry(new).or_insert(g.adv * 1000.0);
            }
        }
    }

    let mut pdf = Pdf::new();
    pdf.set_version(1, 7);
    let mut refs = Refs(0);
    let catalog = refs.next();
    let tree = refs.next();
    let info = refs.next();
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("xiaoneng (GB/T 9704-2012)"));

    // Fonts.
    let mut font_refs: BTreeMap<usize, Ref> = BTreeMap::new();
    for (&face_i, u) in &used {
        let Some(face) = fonts.faces.get(face_i) else {
            continue;
        };
        let parsed = ttf_parser::Face::parse(&face.data, face.index).map_err(|e| e.to_string())?;
        let subset =
            subsetter::subset(&face.data, face.index, &u.remapper).map_err(|e| format!("{e:?}"))?;
        let raw = ttf_parser::RawFace::parse(&subset, 0).map_err(|e| e.to_string())?;
        let cff = raw.table(ttf_parser::Tag::from_bytes(b"CFF "));
        let ps_name: String = parsed
            .names()
            .into_iter()
            .find(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .and_then(|n| n.to_string())
            .unwrap_or_else(|| "CJK".to_owned())
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let tag: String = (0..6)
            .map(|i| char::from(b'A' + ((face_i * 7 + i * 3) % 26) as u8))
            .collect();
        let base = format!("{tag}+{ps_name}");
        let type0 = refs.next();
        let cid = refs.next();
        let desc = refs.next();
        let file = refs.next();
        let cmap_ref = refs.next();
        font_refs.insert(face_i, type0);

        pdf.type0_font(type0)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap_ref);
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let mut cidf = pdf.cid_font(cid);
        cidf.subtype(if cff.is_some() {
            CidFontType::Type0
        } else {
            CidFontType::Type2
        })
        .base_font(Name(base.as_bytes()))
        .system_info(system)
        .font_descriptor(desc)
        .default_width(1000.0);
        if cff.is_none() {
            cidf.cid_to_gid_map_predefined(Name(b"Identity"));
        }
        {
            let mut w = cidf.widths();
            for (&gid, &width) in &u.widths {
                w.consecutive(gid, [width]);
            }
        }
        cidf.finish();
        let upem = f32::from(parsed.units_per_em().max(1));
        let s = |v: i16| f32::from(v) * 1000.0 / upem;
        let bb = parsed.global_bounding_box();
        let mut d = pdf.font_descriptor(desc);
        d.name(Name(base.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                s(bb.x_min),
                s(bb.y_min),
                s(bb.x_max),
                s(bb.y_max),
            ))
            .italic_angle(0.0)
            .ascent(s(parsed.ascender()))
            .descent(s(parsed.descender()))
            .cap_height(s(parsed.capital_height().unwrap_or(parsed.ascender())))
            .stem_v(80.0);
        if cff.is_some() {
            d.font_file3(file);
        } else {
            d.font_file2(file);
        }
        d.finish();
        match cff {
            Some(cff) => {
                let data = deflate(cff);
                pdf.stream(file, &data)
                    .filter(Filter::FlateDecode)
                    .pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
            }
            None => {
                let data = deflate(&subset);
                pdf.stream(file, &data).filter(Filter::FlateDecode);
            }
        }
        let mut cmap = UnicodeCmap::new(Name(b"Xn-UCS"), system);
        for (&gid, &ch) in &u.chars {
            cmap.pair(gid, ch);
        }
        let cmap_data = cmap.finish().into_vec();
        pdf.cmap(cmap_ref, &cmap_data);
    }

    // The seal image.
    let image_ref = match image {
        Some(img) => {
            let r = refs.next();
            let mask = img.alpha.as_ref().map(|_| refs.next());
            let data = deflate(&img.rgb);
            let mut x = pdf.image_xobject(r, &data);
            x.width(i32::try_from(img.width).unwrap_or(i32::MAX))
                .height(i32::try_from(img.height).unwrap_or(i32::MAX))
                .color_space_name(Name(b"DeviceRGB"))
                .bits_per_component(8);
            x.filter(Filter::FlateDecode);
            if let Some(m) = mask {
                x.s_mask(m);
            }
            x.finish();
            if let (Some(m), Some(alpha)) = (mask, &img.alpha) {
                let data = deflate(alpha);
                let mut s = pdf.image_xobject(m, &data);
                s.width(i32::try_from(img.width).unwrap_or(i32::MAX))
                    .height(i32::try_from(img.height).unwrap_or(i32::MAX))
                    .color_space_name(Name(b"DeviceGray"))
                    .bits_per_component(8);
                s.filter(Filter::FlateDecode);
                s.finish();
            }
            Some(r)
        }
        None => None,
    };

    let mut page_refs = Vec::new();
    for page in &canvas.pages {
        let page_ref = refs.next();
        let content_ref = refs.next();
        page_refs.push(page_ref);
        let mut c = Content::new();
        for bar in &page.bars {
            c.set_fill_rgb(bar.color.0, bar.color.1, bar.color.2);
            c.rect(
                x(bar.x0),
                y(bar.y + bar.thickness / 2.0),
                x(bar.x1 - bar.x0),
                bar.thickness / MM_PER_PT,
            );
            c.fill_nonzero();
        }
        if !page.frames.is_empty() {
            c.set_stroke_rgb(0.0, 0.0, 0.0);
            c.set_line_width(0.6);
            for f in &page.frames {
                c.rect(x(f[0]), y(f[3]), x(f[2] - f[0]), (f[3] - f[1]) / MM_PER_PT);
            }
            c.stroke();
        }
        for st in &page.strokes {
            let mut pts = st.points.iter();
            if let Some(&(x0, y0)) = pts.next() {
                c.set_stroke_rgb(st.color.0, st.color.1, st.color.2);
                c.set_line_width(st.width_pt);
                c.move_to(x(x0), y(y0));
                for &(px, py) in pts {
                    c.line_to(x(px), y(py));
                }
                c.stroke();
            }
        }
        for p in &page.pictures {
            if let Some(_r) = image_ref {
                c.save_state();
                c.transform([x(p.w), 0.0, 0.0, p.h / MM_PER_PT, x(p.x), y(p.y + p.h)]);
                c.x_object(Name(b"Seal"));
                c.restore_state();
            }
        }
        for run in &page.runs {
            if run.glyphs.is_empty() {
                continue;
            }
            c.set_fill_rgb(run.color.0, run.color.1, run.color.2);
            c.begin_text();
            if (run.hscale - 1.0).abs() > 1e-4 {
                c.set_horizontal_scaling(run.hscale * 100.0);
            }
            let s_mm = run.size_pt * MM_PER_PT * run.hscale;
            let mut i = 0;
            while i < run.glyphs.len() {
                let face = run.glyphs[i].face;
                let mut j = i;
                while j < run.glyphs.len() && run.glyphs[j].face == face {
                    j += 1;
                }
                let Some(u) = used.get(&face) else {
                    i = j;
                    continue;
                };
                let fname = format!("F{face}");
                c.set_font(Name(fname.as_bytes()), run.size_pt);
                c.set_text_matrix([1.0, 0.0, 0.0, 1.0, x(run.glyphs[i].x), y(run.baseline)]);
                let mut show = c.show_positioned();
                let mut items = show.items();
                for k in i..j {
                    let g = run.glyphs[k];
                    if k > i {
                        let prev = run.glyphs[k - 1];
                        let extra = g.x - prev.x - prev.adv * s_mm;
                        if extra.abs() > 1e-4 {
                            items.adjust(-extra / s_mm * 1000.0);
                        }
                    }
                    let new = u.remapper.get(g.gid).unwrap_or(0);
                    items.show(Str(&new.to_be_bytes()));
                }
                items.finish();
                show.finish();
                i = j;
            }
            if (run.hscale - 1.0).abs() > 1e-4 {
                c.set_horizontal_scaling(100.0);
            }
            c.end_text();
        }
        let data = deflate(&c.finish().into_vec());
        pdf.stream(content_ref, &data).filter(Filter::FlateDecode);
        let mut pg = pdf.page(page_ref);
        pg.parent(tree)
            .media_box(Rect::new(0.0, 0.0, x(PAGE_W), x(PAGE_H)))
            .contents(content_ref);
        let mut res = pg.resources();
        {
            let mut f = res.fonts();
            for (face, r) in &font_refs {
                let n = format!("F{face}");
                f.pair(Name(n.as_bytes()), *r);
            }
        }
        if let Some(r) = image_ref {
            res.x_objects().pair(Name(b"Seal"), r);
        }
        res.finish();
        pg.finish();
    }
    let count = i32::try_from(page_refs.len()).unwrap_or(i32::MAX);
    pdf.pages(tree).kids(page_refs).count(count);
    Ok(pdf.finish())
}
