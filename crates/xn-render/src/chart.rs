//! Small charts as SVG, drawn on the server so they read without JavaScript and print: a
//! line of values over periods (trends, the small multiples of each county) and a bar per
//! value ([`bars`]). Each chart carries a `<title>` and a `<desc>` listing every value, so a screen
//! reader (and a search of the page) gets the numbers the picture shows.

use std::fmt::Write as _;

/// One point of a chart: its label (a period) and its value, if known.
#[derive(Debug, Clone)]
pub struct Point {
    /// Label under the axis (e.g. 10月).
    pub label: String,
    /// Value, if known.
    pub value: Option<f64>,
}

/// How a chart is drawn.
#[derive(Debug, Clone)]
pub struct LineChart<'a> {
    /// Accessible title.
    pub title: &'a str,
    /// Width and height in CSS pixels (the SVG scales to its box).
    pub size: (u32, u32),
    /// Values above this are drawn at the top (e.g. 100 for a rate); none: the largest value.
    pub max: Option<f64>,
    /// Suffix of a value in the description and the labels (e.g. %, 件).
    pub suffix: &'a str,
    /// Whether to print each point's label under the axis.
    pub axis_labels: bool,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// A line over the points; unknown values break the line. An empty or all-unknown series
/// draws the frame and says 「暂无数据」.
pub fn line(c: &LineChart<'_>, points: &[Point]) -> String {
    let (w, h) = (f64::from(c.size.0), f64::from(c.size.1));
    let (left, right, top) = (4.0, 4.0, 6.0);
    let bottom = if c.axis_labels { 16.0 } else { 4.0 };
    let known: Vec<f64> = points.iter().filter_map(|p| p.value).collect();
    let max = c
        .max
        .unwrap_or_else(|| known.iter().copied().fold(0.0, f64::max))
        .max(1.0);
    let desc: Vec<String> = points
        .iter()
        .map(|p| match p.value {
            Some(v) => format!("{}：{}{}", p.label, num(v), c.suffix),
            None => format!("{}：无数据", p.label),
        })
        .collect();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img"><title>{}</title><desc>{}</desc>"#,
        esc(c.title),
        esc(&desc.join("；"))
    );
    let plot_h = h - top - bottom;
    let _ = write!(
        s,
        r#"<line x1="{left}" y1="{y}" x2="{x2}" y2="{y}" class="axis"/>"#,
        y = top + plot_h,
        x2 = w - right
    );
    if known.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" class="empty">暂无数据</text></svg>"#,
            w / 2.0,
            top + plot_h / 2.0
        );
        return s;
    }
    let n = points.len().max(1);
    let step = if n > 1 {
        (w - left - right) / (n - 1) as f64
    } else {
        0.0
    };
    let at = |i: usize, v: f64| {
        let x = if n > 1 {
            left + step * i as f64
        } else {
            w / 2.0
        };
        let y = top + plot_h - (v.min(max) / max) * plot_h;
        (x, y)
    };
    let mut path = String::new();
    let mut pen_down = false;
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(v) => {
                let (x, y) = at(i, v);
                let _ = write!(path, "{}{x:.1},{y:.1} ", if pen_down { "L" } else { "M" });
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    let _ = write!(
        s,
        r#"<path d="{}" class="line" fill="none"/>"#,
        path.trim_end()
    );
    for (i, p) in points.iter().enumerate() {
        if let Some(v) = p.value {
            let (x, y) = at(i, v);
            let _ = write!(
                s,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="2.5" class="dot"><title>{}：{}{}</title></circle>"#,
                esc(&p.label),
                num(v),
                esc(c.suffix)
            );
        }
        if c.axis_labels {
            let (x, _) = at(i, 0.0);
            let anchor = if i == 0 {
                "start"
            } else if i + 1 == n {
                "end"
            } else {
                "middle"
            };
            let _ = write!(
                s,
                r#"<text x="{x:.1}" y="{}" text-anchor="{anchor}" class="tick">{}</text>"#,
                h - 3.0,
                esc(&p.label)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// A bar per point (months' counts, a year's work by area), with each value printed over its
/// bar; unknown values leave a gap. Drawn with the same settings as [`line()`]; an empty or
/// all-unknown series draws the frame and says 「暂无数据」.
pub fn bars(c: &LineChart<'_>, points: &[Point]) -> String {
    let (w, h) = (f64::from(c.size.0), f64::from(c.size.1));
    let (left, right, top) = (4.0, 4.0, 14.0);
    let bottom = if c.axis_labels { 16.0 } else { 4.0 };
    let known: Vec<f64> = points.iter().filter_map(|p| p.value).collect();
    let max = c
        .max
        .unwrap_or_else(|| known.iter().copied().fold(0.0, f64::max))
        .max(1.0);
    let desc: Vec<String> = points
        .iter()
        .map(|p| match p.value {
            Some(v) => format!("{}：{}{}", p.label, num(v), c.suffix),
            None => format!("{}：无数据", p.label),
        })
        .collect();
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img"><title>{}</title><desc>{}</desc>"#,
        esc(c.title),
        esc(&desc.join("；"))
    );
    let plot_h = h - top - bottom;
    let base = top + plot_h;
    let _ = write!(
        s,
        r#"<line x1="{left}" y1="{base}" x2="{x2}" y2="{base}" class="axis"/>"#,
        x2 = w - right
    );
    if known.is_empty() {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" class="empty">暂无数据</text></svg>"#,
            w / 2.0,
            top + plot_h / 2.0
        );
        return s;
    }
    let n = points.len().max(1) as f64;
    let slot = (w - left - right) / n;
    let bar_w = (slot * 0.6).max(1.0);
    for (i, p) in points.iter().enumerate() {
        let mid = left + slot * (i as f64 + 0.5);
        if let Some(v) = p.value {
            let bh = (v.max(0.0).min(max) / max) * plot_h;
            let _ = write!(
                s,
                r#"<rect x="{:.1}" y="{:.1}" width="{bar_w:.1}" height="{bh:.1}" class="bar"><title>{}：{}{}</title></rect>"#,
                mid - bar_w / 2.0,
                base - bh,
                esc(&p.label),
                num(v),
                esc(c.suffix)
            );
            let _ = write!(
                s,
                r#"<text x="{mid:.1}" y="{:.1}" text-anchor="middle" class="value">{}</text>"#,
                base - bh - 2.0,
                num(v)
            );
        }
        if c.axis_labels {
            let _ = write!(
                s,
                r#"<text x="{mid:.1}" y="{}" text-anchor="middle" class="tick">{}</text>"#,
                h - 3.0,
                esc(&p.label)
            );
        }
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(v: &[Option<f64>]) -> Vec<Point> {
        v.iter()
            .enumerate()
            .map(|(i, v)| Point {
                label: format!("{}月", i + 1),
                value: *v,
            })
            .collect()
    }

    #[test]
    fn a_line_names_every_value_and_breaks_at_unknown_ones() {
        let c = LineChart {
            title: "清河县 办理及时率",
            size: (120, 40),
            max: Some(100.0),
            suffix: "%",
            axis_labels: true,
        };
        let svg = line(&c, &pts(&[Some(90.0), None, Some(95.5), Some(100.0)]));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>清河县 办理及时率</title>"));
        assert!(svg.contains("1月：90%；2月：无数据；3月：95.5%；4月：100%"));
        // Two pieces: M at the first point, M again after the gap, then L.
        assert_eq!(svg.matches('M').count(), 2);
        assert_eq!(svg.matches("<circle").count(), 3);
        let empty = line(&c, &pts(&[None, None]));
        assert!(empty.contains("暂无数据"));
        assert!(line(&c, &[]).contains("暂无数据"));
        let hostile = line(
            &LineChart {
                title: "<script>",
                ..c
            },
            &pts(&[Some(1.0)]),
        );
        assert!(!hostile.contains("<script>"));
    }

    #[test]
    fn bars_name_every_value_and_draw_one_rect_each() {
        let c = LineChart {
            title: "黄牌、红牌（张）",
            size: (240, 80),
            max: None,
            suffix: "张",
            axis_labels: true,
        };
        let svg = bars(&c, &pts(&[Some(2.0), Some(0.0), None, Some(1.5)]));
        assert!(svg.contains("<desc>1月：2张；2月：0张；3月：无数据；4月：1.5张</desc>"));
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(bars(&c, &pts(&[None])).contains("暂无数据"));
    }
}
