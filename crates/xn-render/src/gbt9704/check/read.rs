//! Reading a PDF for the checker: every glyph's position, size and colour (through the fonts'
//! widths and ToUnicode maps), the horizontal rules drawn (filled thin rectangles or stroked
//! lines) and the images placed, in mm from the page's top-left corner.

use super::super::layout::{ASCENT, MM_PER_PT};
use lopdf::{Document, Object, ObjectId};
use std::collections::HashMap;

/// A glyph as found in the PDF, in mm from the page's top-left corner.
#[derive(Debug, Clone, Copy)]
pub(super) struct Glyph {
    pub(super) ch: char,
    pub(super) x0: f32,
    pub(super) x1: f32,
    pub(super) base: f32,
    pub(super) size: f32,
    pub(super) color: (f32, f32, f32),
}

/// Glyphs on one baseline in one size, ordered by x.
#[derive(Debug, Clone)]
pub(super) struct Line {
    pub(super) glyphs: Vec<Glyph>,
    pub(super) base: f32,
    pub(super) size: f32,
}

impl Line {
    pub(super) fn text(&self) -> String {
        self.glyphs.iter().map(|g| g.ch).collect()
    }
    pub(super) fn compact(&self) -> String {
        self.glyphs
            .iter()
            .map(|g| g.ch)
            .filter(|c| !c.is_whitespace())
            .collect()
    }
    pub(super) fn x0(&self) -> f32 {
        self.glyphs.first().map_or(0.0, |g| g.x0)
    }
    pub(super) fn x1(&self) -> f32 {
        self.glyphs.last().map_or(0.0, |g| g.x1)
    }
    pub(super) fn s(&self) -> f32 {
        self.size * MM_PER_PT
    }
    pub(super) fn top(&self) -> f32 {
        self.base - ASCENT * self.s()
    }
    pub(super) fn bottom(&self) -> f32 {
        self.base + (1.0 - ASCENT) * self.s()
    }
    pub(super) fn centre_y(&self) -> f32 {
        self.base - (ASCENT - 0.5) * self.s()
    }
    pub(super) fn centre_x(&self) -> f32 {
        (self.x0() + self.x1()) / 2.0
    }
    pub(super) fn red(&self) -> bool {
        self.glyphs.iter().all(|g| is_red(g.color))
    }
    /// Pieces separated by a gap wider than one and a half characters.
    pub(super) fn segments(&self) -> Vec<Line> {
        let mut out: Vec<Line> = Vec::new();
        let gap = 1.5 * self.s();
        for g in &self.glyphs {
            match out.last_mut() {
                Some(l) if g.x0 - l.x1() < gap => l.glyphs.push(*g),
                _ => out.push(Line {
                    glyphs: vec![*g],
                    base: self.base,
                    size: self.size,
                }),
            }
        }
        out
    }
}

pub(super) fn is_red(c: (f32, f32, f32)) -> bool {
    c.0 >= 0.6 && c.1 <= 0.3 && c.2 <= 0.3
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Rule {
    pub(super) x0: f32,
    pub(super) x1: f32,
    pub(super) y: f32,
    pub(super) thickness: f32,
    pub(super) color: (f32, f32, f32),
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Image {
    pub(super) x: f32,
    pub(super) y: f32,
    pub(super) w: f32,
    pub(super) h: f32,
}

#[derive(Debug, Default)]
pub(super) struct PageData {
    pub(super) lines: Vec<Line>,
    pub(super) rules: Vec<Rule>,
    pub(super) images: Vec<Image>,
}

struct FontInfo {
    two_byte: bool,
    widths: HashMap<u32, f32>,
    default_width: f32,
    unicode: HashMap<u32, char>,
}

#[derive(Clone, Copy)]
struct Gs {
    ctm: [f32; 6],
    fill: (f32, f32, f32),
    stroke: (f32, f32, f32),
    line_width: f32,
}

fn mul(a: [f32; 6], b: [f32; 6]) -> [f32; 6] {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn apply(m: [f32; 6], x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

fn num(o: &Object) -> f32 {
    match o {
        Object::Integer(i) => *i as f32,
        Object::Real(r) => *r,
        _ => 0.0,
    }
}

fn deref<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

fn read_font(doc: &Document, dict: &lopdf::Dictionary) -> FontInfo {
    let subtype = dict
        .get(b"Subtype")
        .ok()
        .and_then(|o| o.as_name().ok())
        .unwrap_or(b"");
    let mut info = FontInfo {
        two_byte: subtype == b"Type0",
        widths: HashMap::new(),
        default_width: 1000.0,
        unicode: HashMap::new(),
    };
    if info.two_byte {
        let desc = dict
            .get(b"DescendantFonts")
            .ok()
            .map(|o| deref(doc, o))
            .and_then(|o| o.as_array().ok())
            .and_then(|a| a.first())
            .map(|o| deref(doc, o))
            .and_then(|o| o.as_dict().ok());
        if let Some(cid) = desc {
            if let Ok(dw) = cid.get(b"DW") {
                info.default_width = num(deref(doc, dw));
            }
            if let Some(w) = cid
                .get(b"W")
                .ok()
                .map(|o| deref(doc, o))
                .and_then(|o| o.as_array().ok())
            {
                let mut i = 0;
                while i < w.len() {
                    let first = num(deref(doc, &w[i])) as u32;
                    match w.get(i + 1).map(|o| deref(doc, o)) {
                        Some(Object::Array(ws)) => {
                            for (k, v) in ws.iter().enumerate() {
                                info.widths.insert(first + k as u32, num(deref(doc, v)));
                            }
                            i += 2;
                        }
                        Some(last) => {
                            let last = num(last) as u32;
                            let v = w.get(i + 2).map_or(0.0, |o| num(deref(doc, o)));
                            for c in first..=last.min(first + 65535) {
                                info.widths.insert(c, v);
                            }
                            i += 3;
                        }
                        None => break,
                    }
                }
            }
        }
    } else {
        let first = dict.get(b"FirstChar").map_or(0.0, |o| num(deref(doc, o))) as u32;
        if let Some(w) = dict
            .get(b"Widths")
            .ok()
            .map(|o| deref(doc, o))
            .and_then(|o| o.as_array().ok())
        {
            for (k, v) in w.iter().enumerate() {
                info.widths.insert(first + k as u32, num(deref(doc, v)));
            }
        }
        info.default_width = 500.0;
    }
    if let Some(Object::Stream(s)) = dict.get(b"ToUnicode").ok().map(|o| deref(doc, o)) {
        let data = s
            .decompressed_content()
            .unwrap_or_else(|_| s.content.clone());
        parse_to_unicode(&data, &mut info.unicode);
    }
    info
}

fn hex_value(h: &[u8]) -> u32 {
    h.iter().fold(0u32, |acc, &c| {
        let d = (c as char).to_digit(16).unwrap_or(0);
        acc.wrapping_mul(16).wrapping_add(d)
    })
}

fn hex_char(h: &[u8]) -> Option<char> {
    // UTF-16BE: take the first code unit (and a surrogate pair when present).
    let units: Vec<u16> = h
        .chunks(4)
        .map(|c| u16::try_from(hex_value(c)).unwrap_or(0))
        .collect();
    char::decode_utf16(units).next().and_then(Result::ok)
}

fn parse_to_unicode(data: &[u8], map: &mut HashMap<u32, char>) {
    #[derive(PartialEq)]
    enum Tok<'a> {
        Hex(&'a [u8]),
        Word(&'a [u8]),
        Open,
        Close,
    }
    let mut toks = Vec::new();
    let mut i = 0;
    while i < data.len() {
        let c = data[i];
        if c == b'<' && data.get(i + 1) != Some(&b'<') {
            let start = i + 1;
            let end = data[start..]
                .iter()
                .position(|&b| b == b'>')
                .map_or(data.len(), |p| start + p);
            let hex: &[u8] = &data[start..end];
            toks.push(Tok::Hex(hex));
            i = end + 1;
        } else if c == b'[' {
            toks.push(Tok::Open);
            i += 1;
        } else if c == b']' {
            toks.push(Tok::Close);
            i += 1;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else {
            let start = i;
            while i < data.len() && !data[i].is_ascii_whitespace() && !b"<[]".contains(&data[i]) {
                i += 1;
            }
            toks.push(Tok::Word(&data[start..i]));
            if i == start {
                i += 1;
            }
        }
    }
    let mut k = 0;
    let mut mode = 0;
    while k < toks.len() {
        match &toks[k] {
            Tok::Word(b"beginbfchar") => mode = 1,
            Tok::Word(b"beginbfrange") => mode = 2,
            Tok::Word(b"endbfchar") | Tok::Word(b"endbfrange") => mode = 0,
            Tok::Hex(src) if mode == 1 => {
                if let Some(Tok::Hex(dst)) = toks.get(k + 1)
                    && let Some(ch) = hex_char(dst)
                {
                    map.insert(hex_value(src), ch);
                }
                k += 1;
            }
            Tok::Hex(lo) if mode == 2 => {
                let lo = hex_value(lo);
                let Some(Tok::Hex(hi)) = toks.get(k + 1) else {
                    k += 1;
                    continue;
                };
                let hi = hex_value(hi).min(lo + 65535);
                match toks.get(k + 2) {
                    Some(Tok::Hex(dst)) => {
                        if let Some(base) = hex_char(dst) {
                            for (off, code) in (lo..=hi).enumerate() {
                                if let Some(ch) = char::from_u32(base as u32 + off as u32) {
                                    map.insert(code, ch);
                                }
                            }
                        }
                        k += 2;
                    }
                    Some(Tok::Open) => {
                        let mut j = k + 3;
                        let mut code = lo;
                        while let Some(Tok::Hex(dst)) = toks.get(j) {
                            if let Some(ch) = hex_char(dst) {
                                map.insert(code, ch);
                            }
                            code += 1;
                            j += 1;
                        }
                        k = j;
                    }
                    _ => k += 1,
                }
            }
            _ => {}
        }
        k += 1;
    }
}

pub(super) fn extract(pdf: &[u8]) -> Result<Vec<PageData>, String> {
    let doc = Document::load_mem(pdf).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (_, page_id) in doc.get_pages() {
        out.push(read_page(&doc, page_id)?);
    }
    Ok(out)
}

fn read_page(doc: &Document, page_id: ObjectId) -> Result<PageData, String> {
    let page_dict = doc.get_dictionary(page_id).map_err(|e| e.to_string())?;
    let page_h = page_dict
        .get(b"MediaBox")
        .ok()
        .map(|o| deref(doc, o))
        .and_then(|o| o.as_array().ok())
        .and_then(|a| a.get(3).map(num))
        .unwrap_or(842.0);
    let mut fonts: HashMap<Vec<u8>, FontInfo> = HashMap::new();
    if let Ok(map) = doc.get_page_fonts(page_id) {
        for (name, dict) in map {
            fonts.insert(name, read_font(doc, dict));
        }
    }
    let content = doc.get_page_content(page_id);
    let ops = lopdf::content::Content::decode(&content).map_err(|e| e.to_string())?;
    let to_mm = |x: f32, y: f32| (x * MM_PER_PT, (page_h - y) * MM_PER_PT);
    let mut data = PageData::default();
    let mut glyphs: Vec<Glyph> = Vec::new();
    let mut gs = Gs {
        ctm: [1.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        fill: (0.0, 0.0, 0.0),
        stroke: (0.0, 0.0, 0.0),
        line_width: 1.0,
    };
    let mut stack: Vec<Gs> = Vec::new();
    let mut tm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mut tlm = tm;
    let (mut font, mut size, mut tc, mut tw, mut tz, mut tl) =
        (Vec::new(), 0.0f32, 0.0f32, 0.0f32, 1.0f32, 0.0f32);
    let mut path: Vec<(f32, f32, f32, f32)> = Vec::new();
    let mut segs: Vec<((f32, f32), (f32, f32))> = Vec::new();
    let mut cur = (0.0f32, 0.0f32);
    let rgb_of = |ops: &[Object]| -> Option<(f32, f32, f32)> {
        match ops.len() {
            1 => {
                let g = num(&ops[0]);
                Some((g, g, g))
            }
            3 => Some((num(&ops[0]), num(&ops[1]), num(&ops[2]))),
            4 => {
                let (c, m, y, k) = (num(&ops[0]), num(&ops[1]), num(&ops[2]), num(&ops[3]));
                Some((
                    (1.0 - c) * (1.0 - k),
                    (1.0 - m) * (1.0 - k),
                    (1.0 - y) * (1.0 - k),
                ))
            }
            _ => None,
        }
    };
    for op in &ops.operations {
        let a = &op.operands;
        match op.operator.as_str() {
            "q" => stack.push(gs),
            "Q" => {
                if let Some(g) = stack.pop() {
                    gs = g;
                }
            }
            "cm" if a.len() == 6 => {
                let m = [
                    num(&a[0]),
                    num(&a[1]),
                    num(&a[2]),
                    num(&a[3]),
                    num(&a[4]),
                    num(&a[5]),
                ];
                gs.ctm = mul(m, gs.ctm);
            }
            "rg" | "g" | "k" | "sc" | "scn" => {
                if let Some(c) = rgb_of(a) {
                    gs.fill = c;
                }
            }
            "RG" | "G" | "K" | "SC" | "SCN" => {
                if let Some(c) = rgb_of(a) {
                    gs.stroke = c;
                }
            }
            "w" if !a.is_empty() => gs.line_width = num(&a[0]),
            "re" if a.len() == 4 => path.push((num(&a[0]), num(&a[1]), num(&a[2]), num(&a[3]))),
            "m" if a.len() == 2 => cur = (num(&a[0]), num(&a[1])),
            "l" if a.len() == 2 => {
                let p = (num(&a[0]), num(&a[1]));
                segs.push((cur, p));
                cur = p;
            }
            "f" | "F" | "f*" | "B" | "B*" | "b" | "b*" => {
                for (x, y, w, h) in path.drain(..) {
                    let (x0, y0) = apply(gs.ctm, x, y);
                    let (x1, y1) = apply(gs.ctm, x + w, y + h);
                    let (mx0, my0) = to_mm(x0.min(x1), y0.max(y1));
                    let (mx1, my1) = to_mm(x0.max(x1), y0.min(y1));
                    let thick = my1 - my0;
                    if thick < 3.0 && mx1 - mx0 > 20.0 {
                        data.rules.push(Rule {
                            x0: mx0,
                            x1: mx1,
                            y: (my0 + my1) / 2.0,
                            thickness: thick,
                            color: gs.fill,
                        });
                    }
                }
                segs.clear();
            }
            "S" | "s" => {
                let scale = (gs.ctm[3].abs()).max(1e-6);
                for ((ax, ay), (bx, by)) in segs.drain(..) {
                    let (x0, y0) = apply(gs.ctm, ax, ay);
                    let (x1, y1) = apply(gs.ctm, bx, by);
                    if (y0 - y1).abs() < 0.5 && (x1 - x0).abs() * MM_PER_PT > 20.0 {
                        let (mx0, my) = to_mm(x0.min(x1), y0);
                        let (mx1, _) = to_mm(x0.max(x1), y0);
                        data.rules.push(Rule {
                            x0: mx0,
                            x1: mx1,
                            y: my,
                            thickness: gs.line_width * scale * MM_PER_PT,
                            color: gs.stroke,
                        });
                    }
                }
                path.clear();
            }
            "n" => {
                path.clear();
                segs.clear();
            }
            "BT" => {
                tm = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
                tlm = tm;
            }
            "Tf" if a.len() == 2 => {
                font = a[0].as_name().map(<[u8]>::to_vec).unwrap_or_default();
                size = num(&a[1]);
            }
            "Tc" if !a.is_empty() => tc = num(&a[0]),
            "Tw" if !a.is_empty() => tw = num(&a[0]),
            "Tz" if !a.is_empty() => tz = num(&a[0]) / 100.0,
            "TL" if !a.is_empty() => tl = num(&a[0]),
            "Td" | "TD" if a.len() == 2 => {
                if op.operator == "TD" {
                    tl = -num(&a[1]);
                }
                tlm = mul([1.0, 0.0, 0.0, 1.0, num(&a[0]), num(&a[1])], tlm);
                tm = tlm;
            }
            "Tm" if a.len() == 6 => {
                tlm = [
                    num(&a[0]),
                    num(&a[1]),
                    num(&a[2]),
                    num(&a[3]),
                    num(&a[4]),
                    num(&a[5]),
                ];
                tm = tlm;
            }
            "T*" => {
                tlm = mul([1.0, 0.0, 0.0, 1.0, 0.0, -tl], tlm);
                tm = tlm;
            }
            "Tj" | "'" | "\"" | "TJ" => {
                if op.operator == "'" || op.operator == "\"" {
                    tlm = mul([1.0, 0.0, 0.0, 1.0, 0.0, -tl], tlm);
                    tm = tlm;
                }
                let Some(f) = fonts.get(&font) else {
                    continue;
                };
                let items: Vec<&Object> = match op.operator.as_str() {
                    "TJ" => a
                        .first()
                        .and_then(|o| o.as_array().ok())
                        .map(|v| v.iter().collect())
                        .unwrap_or_default(),
                    _ => a.last().into_iter().collect(),
                };
                for item in items {
                    match item {
                        Object::String(bytes, _) => {
                            let codes: Vec<u32> = if f.two_byte {
                                bytes
                                    .chunks(2)
                                    .map(|c| {
                                        c.iter().fold(0u32, |acc, &b| acc * 256 + u32::from(b))
                                    })
                                    .collect()
                            } else {
                                bytes.iter().map(|&b| u32::from(b)).collect()
                            };
                            for code in codes {
                                let w = f.widths.get(&code).copied().unwrap_or(f.default_width)
                                    / 1000.0;
                                let m = mul(tm, gs.ctm);
                                let (x0, y0) = apply(m, 0.0, 0.0);
                                let adv = (w * size
                                    + tc
                                    + if !f.two_byte && code == 32 { tw } else { 0.0 })
                                    * tz;
                                let (x1, _) = apply(m, w * size * tz, 0.0);
                                let eff = size * m[3].abs();
                                let ch = f.unicode.get(&code).copied().or_else(|| {
                                    if f.two_byte {
                                        None
                                    } else {
                                        char::from_u32(code)
                                    }
                                });
                                if let Some(ch) = ch {
                                    let (mx0, my) = to_mm(x0, y0);
                                    let (mx1, _) = to_mm(x1, y0);
                                    glyphs.push(Glyph {
                                        ch,
                                        x0: mx0,
                                        x1: mx1,
                                        base: my,
                                        size: eff,
                                        color: gs.fill,
                                    });
                                }
                                tm = mul([1.0, 0.0, 0.0, 1.0, adv, 0.0], tm);
                            }
                        }
                        other => {
                            let adj = num(other);
                            tm = mul([1.0, 0.0, 0.0, 1.0, -adj / 1000.0 * size * tz, 0.0], tm);
                        }
                    }
                }
            }
            "Do" if !a.is_empty() => {
                let (x0, y0) = apply(gs.ctm, 0.0, 0.0);
                let (x1, y1) = apply(gs.ctm, 1.0, 1.0);
                let (mx0, my0) = to_mm(x0.min(x1), y0.max(y1));
                let (mx1, my1) = to_mm(x0.max(x1), y0.min(y1));
                data.images.push(Image {
                    x: mx0,
                    y: my0,
                    w: mx1 - mx0,
                    h: my1 - my0,
                });
            }
            _ => {}
        }
    }
    // Group glyphs into lines: same baseline (±0.3 mm) and size (±0.3 pt).
    let mut lines: Vec<Line> = Vec::new();
    for g in glyphs {
        match lines
            .iter_mut()
            .find(|l| (l.base - g.base).abs() < 0.3 && (l.size - g.size).abs() < 0.3)
        {
            Some(l) => l.glyphs.push(g),
            None => lines.push(Line {
                glyphs: vec![g],
                base: g.base,
                size: g.size,
            }),
        }
    }
    for l in &mut lines {
        l.glyphs.sort_by(|a, b| a.x0.total_cmp(&b.x0));
        l.glyphs.retain(|g| !g.ch.is_whitespace());
    }
    lines.retain(|l| !l.glyphs.is_empty());
    lines.sort_by(|a, b| a.base.total_cmp(&b.base));
    data.lines = lines;
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_unicode_maps_are_read() {
        let mut map = HashMap::new();
        parse_to_unicode(
            b"begincmap 2 beginbfchar <0001> <4E1C> <0002> <5DDD> endbfchar 1 beginbfrange <0010> <0012> <0030> endbfrange",
            &mut map,
        );
        assert_eq!(map.get(&1), Some(&'东'));
        assert_eq!(map.get(&0x11), Some(&'1'));
    }
}
