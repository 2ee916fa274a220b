//! Golden tests of the GB/T 9704-2012 renderer, measured from the PDFs it writes, and the
//! checker against deliberately broken documents. They need CJK fonts (fonts-noto-cjk,
//! fonts-arphic-gkai00mp): without them every test fails with the font error.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "helpers of this test binary fail the test with a message when a figure is wrong"
)]

use std::sync::OnceLock;
use xn_render::gbt9704::{
    DocSpec, FontSet, Format, Geometry, MeasuredLine, MeasuredPage, RenderOptions, Rgb, check,
    measure, render,
};

const TOP: f32 = 37.0;
const LEFT: f32 = 28.0;
const RIGHT: f32 = 184.0;
const BOTTOM: f32 = 262.0;
const PITCH: f32 = 225.0 / 22.0;
const MM_PER_PT: f32 = 25.4 / 72.0;

fn fonts() -> &'static FontSet {
    static FONTS: OnceLock<FontSet> = OnceLock::new();
    FONTS.get_or_init(|| FontSet::discover(&[]).expect("CJK fonts installed (see README)"))
}

fn cell() -> f32 {
    (156.0 - 16.0 * MM_PER_PT) / 27.0
}

fn assert_mm(what: &str, measured: f32, expected: f32) {
    assert!(
        (measured - expected).abs() <= 1.0,
        "{what}: measured {measured:.2} mm, expected {expected:.2} ± 1 mm"
    );
}

/// Plain text with no punctuation, so every full line keeps the grid untouched.
fn filler(n: usize, seed: usize) -> String {
    const T: &str = "各地各部门要切实加强组织领导认真落实工作责任确保各项任务按期完成推动全市经济社会高质量发展";
    T.chars().cycle().skip(seed).take(n).collect()
}

fn long_body(paragraphs: usize) -> String {
    (0..paragraphs)
        .map(|i| format!("{}。", filler(26 + 28 * 3 + 9, i)))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn file_spec() -> DocSpec {
    DocSpec {
        format: Format::File,
        kind: "通知".into(),
        issuer: "东川市人民政府办公室".into(),
        mark: None,
        number: Some("东政办发〔2026〕7号".into()),
        copy_no: Some("000123".into()),
        classification: None,
        secrecy_term: None,
        urgency: Some("特急".into()),
        signers: vec![],
        title: "东川市人民政府办公室关于做好2026年冬季安全生产工作的通知".into(),
        main_recipients: vec!["各县（区）人民政府".into(), "市政府各部门".into()],
        body: format!("一、总体要求\n\n{}", long_body(12)),
        attachments: vec!["重点任务分工表".into()],
        signature: None,
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
        note: None,
        cc: vec!["市委各部门".into(), "市人大常委会办公室".into()],
        printer: Some("东川市人民政府办公室".into()),
        print_date: chrono::NaiveDate::from_ymd_opt(2026, 11, 27),
        seal: false,
        attendees: vec![],
        absentees: vec![],
        observers: vec![],
    }
}

fn pdf_of(spec: &DocSpec, opts: &RenderOptions) -> Vec<u8> {
    render(spec, fonts(), opts).expect("renders").pdf
}

fn pages(pdf: &[u8]) -> Vec<MeasuredPage> {
    measure(pdf).expect("readable PDF")
}

fn line<'a>(page: &'a MeasuredPage, text: &str) -> &'a MeasuredLine {
    page.lines
        .iter()
        .find(|l| l.text.contains(text))
        .unwrap_or_else(|| {
            panic!(
                "no line with {text:?}: {:#?}",
                page.lines.iter().map(|l| &l.text).collect::<Vec<_>>()
            )
        })
}

fn page_number(page: &MeasuredPage) -> Option<&MeasuredLine> {
    page.lines
        .iter()
        .find(|l| l.top > BOTTOM && l.text.starts_with('—'))
}

fn body_lines(page: &MeasuredPage) -> Vec<&MeasuredLine> {
    page.lines
        .iter()
        .filter(|l| (l.size_pt - 16.0).abs() < 0.1 && l.bottom <= BOTTOM + 0.5)
        .collect()
}

fn red_seal_png() -> Vec<u8> {
    let n = 200u32;
    let mut data = Vec::new();
    for y in 0..n {
        for x in 0..n {
            let (dx, dy) = (x as f32 - 99.5, y as f32 - 99.5);
            let r = (dx * dx + dy * dy).sqrt();
            let ink = (90.0..99.0).contains(&r) || r < 20.0;
            data.extend_from_slice(&[220, 0, 0, if ink { 255 } else { 0 }]);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, n, n);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&data).unwrap();
    }
    out
}

#[test]
fn a_file_document_has_every_figure_of_the_standard() {
    let pdf = pdf_of(&file_spec(), &RenderOptions::default());
    let ps = pages(&pdf);
    assert!(ps.len() >= 3, "expected several pages, got {}", ps.len());
    let p1 = &ps[0];
    // 7.2.1: 份号 top-left, first line.
    let copy = line(p1, "000123");
    assert_mm("份号 left", copy.x0, LEFT);
    assert_mm(
        "份号 line",
        (copy.top + copy.bottom) / 2.0,
        TOP + PITCH / 2.0,
    );
    // 7.2.4: mark red, centred, top 35 mm below the type area.
    let mark = line(p1, "东川市人民政府办公室文件");
    assert!(mark.red, "mark must be red");
    assert_mm("mark top", mark.top, TOP + 35.0);
    assert_mm("mark centre", (mark.x0 + mark.x1) / 2.0, 106.0);
    // 7.2.5: number two lines below the mark, centred.
    let number = line(p1, "东政办发〔2026〕7号");
    assert_mm(
        "number line",
        (number.top + number.bottom) / 2.0,
        mark.bottom + 2.5 * PITCH,
    );
    assert_mm("number centre", (number.x0 + number.x1) / 2.0, 106.0);
    // 7.2.7: red rule 4 mm below the number, as wide as the type area.
    let rule = p1.rules.iter().find(|r| r.red).expect("red rule");
    assert_mm("red rule", rule.y, number.bottom + 4.0);
    assert_mm("red rule left", rule.x0, LEFT);
    assert_mm("red rule right", rule.x1, RIGHT);
    // 7.3.1: title 22 pt, two lines below the rule, centred.
    let title: Vec<&MeasuredLine> = p1
        .lines
        .iter()
        .filter(|l| (l.size_pt - 22.0).abs() < 0.01)
        .collect();
    assert_eq!(title.len(), 2, "a long title breaks into two lines");
    assert_mm(
        "title line",
        (title[0].top + title[0].bottom) / 2.0,
        rule.y + 2.5 * PITCH,
    );
    for t in &title {
        assert_mm("title centre", (t.x0 + t.x1) / 2.0, 106.0);
    }
    // 7.3.2: 主送 one line below the title, flush left, full-width colon.
    let rec = line(p1, "各县（区）人民政府");
    assert_mm("主送 left", rec.x0, LEFT);
    assert!(rec.text.ends_with('：'));
    assert_mm(
        "主送 line",
        (rec.top + rec.bottom) / 2.0,
        (title[1].top + title[1].bottom) / 2.0 + 2.0 * PITCH,
    );
    // 7.3.3: body 16 pt, paragraphs two characters in.
    let heading = line(p1, "一、总体要求");
    assert_eq!(heading.size_pt, 16.0);
    assert_mm("paragraph indent", heading.x0, LEFT + 2.0 * cell());
    // 5.2.2: a full body page has 22 lines of 28 characters on the grid.
    let p2 = &ps[1];
    let lines = body_lines(p2);
    assert_eq!(lines.len(), 22, "lines on a full page");
    assert_mm(
        "first line of page 2",
        (lines[0].top + lines[0].bottom) / 2.0,
        TOP + PITCH / 2.0,
    );
    assert_mm(
        "last line of page 2",
        (lines[21].top + lines[21].bottom) / 2.0,
        BOTTOM - PITCH / 2.0,
    );
    let full: Vec<&&MeasuredLine> = lines.iter().filter(|l| (l.x0 - LEFT).abs() < 0.1).collect();
    assert!(full.len() > 10);
    for l in full.iter().filter(|l| !l.text.ends_with('。')) {
        assert_eq!(l.text.chars().count(), 28, "characters in {:?}", l.text);
        assert_mm("line end", l.x1, RIGHT);
    }
    // 7.5: page numbers 4号, 7 mm below the type area, odd right, even left, one character in.
    for (i, p) in ps.iter().enumerate() {
        let n = page_number(p).unwrap_or_else(|| panic!("page {} has a number", i + 1));
        assert_eq!(n.text, format!("—{}—", i + 1));
        assert_eq!(n.size_pt, 14.0);
        assert_mm("page number height", (n.top + n.bottom) / 2.0, BOTTOM + 7.0);
        if i % 2 == 0 {
            assert_mm("odd page number", n.x1, RIGHT - 14.0 * MM_PER_PT);
        } else {
            assert_mm("even page number", n.x0, LEFT + 14.0 * MM_PER_PT);
        }
    }
    // 7.3.5.2 without a seal: name two characters in from the right, date two further right.
    let last = ps.last().unwrap();
    let date = line(last, "2026年11月26日");
    let name = last
        .lines
        .iter()
        .rfind(|l| l.text == "东川市人民政府办公室" && (l.size_pt - 16.0).abs() < 0.1)
        .expect("署名");
    assert_mm("署名 right", name.x1, RIGHT - 2.0 * cell());
    assert_mm("成文日期 left", date.x0, name.x0 + 2.0 * cell());
    // 7.4.1: 版记 rules, the last on the type area's bottom edge.
    let black: Vec<_> = last.rules.iter().filter(|r| !r.red).collect();
    assert_eq!(black.len(), 3);
    assert_mm("last rule", black[2].y, BOTTOM);
    assert!((black[0].thickness - 0.35).abs() < 0.01 && (black[1].thickness - 0.25).abs() < 0.01);
    let printed = line(last, "2026年11月27日印发");
    assert_eq!(printed.size_pt, 14.0);
    // And the checker agrees.
    assert_eq!(check(&pdf), vec![]);
}

#[test]
fn a_long_mark_is_narrowed_not_shrunk_below_the_checkers_reach() {
    let mut spec = file_spec();
    spec.mark = Some("中共东川市委办公室东川市人民政府办公室文件".into());
    let pdf = pdf_of(&spec, &RenderOptions::default());
    let p1 = &pages(&pdf)[0];
    let mark = line(p1, "中共东川市委办公室东川市人民政府办公室文件");
    assert_mm("mark top", mark.top, TOP + 35.0);
    assert!(
        mark.x0 >= LEFT && mark.x1 <= RIGHT,
        "mark within the type area: {mark:?}"
    );
    assert!(mark.size_pt >= 9.5 / MM_PER_PT - 0.1);
    assert_eq!(check(&pdf), vec![]);
}

#[test]
fn an_upward_document_puts_the_number_left_on_the_last_signers_line() {
    let mut spec = file_spec();
    spec.kind = "请示".into();
    spec.signers = vec!["王某某".into(), "李某".into(), "赵某某".into()];
    spec.main_recipients = vec!["东川市人民政府".into()];
    let pdf = pdf_of(&spec, &RenderOptions::default());
    let p1 = &pages(&pdf)[0];
    let number = line(p1, "东政办发〔2026〕7号");
    assert_mm("number left", number.x0, LEFT + cell());
    let last_signer = line(p1, "赵某某");
    assert!((last_signer.top - number.top).abs() < 0.1, "same line");
    let label = line(p1, "签发人：");
    assert!(label.x1 <= RIGHT - cell() + 1.0);
    assert_eq!(check(&pdf), vec![]);
}

#[test]
fn a_sealed_document_centres_the_seal_over_name_and_date() {
    let mut spec = file_spec();
    spec.seal = true;
    let opts = RenderOptions {
        seal_png: Some(red_seal_png()),
        ..RenderOptions::default()
    };
    let pdf = pdf_of(&spec, &opts);
    let ps = pages(&pdf);
    let page = ps
        .iter()
        .find(|p| !p.images.is_empty())
        .expect("a page with the seal");
    let seal = page.images[0];
    let date = line(page, "2026年11月26日");
    assert_mm("date four characters in", date.x1, RIGHT - 4.0 * cell());
    assert_mm(
        "seal centre",
        seal.x + seal.w / 2.0,
        (date.x0 + date.x1) / 2.0,
    );
    assert_mm("seal width", seal.w, 42.0);
    assert!(seal.y < date.top && seal.y + seal.h > date.bottom);
    assert_eq!(check(&pdf), vec![]);
}

#[test]
fn a_letter_has_its_mark_30_mm_from_the_top_and_red_double_rules() {
    let mut spec = file_spec();
    spec.format = Format::Letter;
    spec.kind = "函".into();
    spec.number = Some("东政办函〔2026〕15号".into());
    spec.body = long_body(12);
    let pdf = pdf_of(&spec, &RenderOptions::default());
    let ps = pages(&pdf);
    let p1 = &ps[0];
    let mark = line(p1, "东川市人民政府办公室");
    assert!(mark.red);
    assert_mm("mark top", mark.top, 30.0);
    let reds: Vec<_> = p1.rules.iter().filter(|r| r.red).collect();
    assert_eq!(reds.len(), 4);
    for r in &reds {
        assert_mm("rule length", r.x1 - r.x0, 170.0);
        assert_mm("rule centred", r.x0, 20.0);
    }
    assert_mm("upper double rule", reds[0].y, mark.bottom + 4.0);
    assert_mm("lower double rule", reds[3].y, 277.0);
    assert!(
        page_number(p1).is_none(),
        "no page number on a letter's first page"
    );
    let n2 = page_number(&ps[1]).expect("page 2 numbered");
    assert_mm("even page number", n2.x0, LEFT + 14.0 * MM_PER_PT);
    let number = line(p1, "东政办函〔2026〕15号");
    assert_mm("number right", number.x1, RIGHT);
    assert_eq!(check(&pdf), vec![]);
}

#[test]
fn an_order_has_its_mark_20_mm_down_and_the_order_number_two_lines_below() {
    let mut spec = file_spec();
    spec.format = Format::Order;
    spec.kind = "命令".into();
    spec.issuer = "东川市人民政府".into();
    spec.number = Some("第12号".into());
    spec.title = String::new();
    spec.main_recipients = vec![];
    spec.attachments = vec![];
    spec.body = "《东川市城市管理办法》已经2026年11月20日市人民政府第35次常务会议通过，现予公布，自2027年1月1日起施行。".into();
    spec.signature = Some("市长 王某某".into());
    let pdf = pdf_of(&spec, &RenderOptions::default());
    let ps = pages(&pdf);
    let p1 = &ps[0];
    let mark = line(p1, "东川市人民政府令");
    assert!(mark.red);
    assert_mm("mark top", mark.top, TOP + 20.0);
    let number = line(p1, "第12号");
    assert_mm(
        "令号 line",
        (number.top + number.bottom) / 2.0,
        mark.bottom + 2.5 * PITCH,
    );
    assert_mm("令号 centre", (number.x0 + number.x1) / 2.0, 106.0);
    let body = line(p1, "东川市城市管理办法");
    assert_mm("body two lines below", body.top - number.top, 3.0 * PITCH);
    let date = line(ps.last().unwrap(), "2026年11月26日");
    assert_mm("date four characters in", date.x1, RIGHT - 4.0 * cell());
    assert_eq!(check(&pdf), vec![]);
}

#[test]
fn minutes_list_attendees_with_a_black_label_and_carry_no_seal() {
    let mut spec = file_spec();
    spec.format = Format::Minutes;
    spec.kind = "纪要".into();
    spec.mark = Some("东川市人民政府常务会议纪要".into());
    spec.number = Some("第35期".into());
    spec.title = String::new();
    spec.main_recipients = vec![];
    spec.attachments = vec![];
    spec.body = "2026年11月20日，市长王某某主持召开市人民政府第35次常务会议。\n\n一、原则通过《东川市城市管理办法》".into();
    spec.attendees = vec!["王某某".into(), "李某".into(), "赵某某".into()];
    spec.absentees = vec!["孙某".into()];
    let pdf = pdf_of(&spec, &RenderOptions::default());
    let p1 = &pages(&pdf)[0];
    let mark = line(p1, "东川市人民政府常务会议纪要");
    assert_mm("mark top", mark.top, TOP + 35.0);
    let attend = line(p1, "出席：");
    assert_mm("出席 two characters in", attend.x0, LEFT + 2.0 * cell());
    let absent = line(p1, "请假：");
    assert_mm("请假 next line", absent.top - attend.top, PITCH);
    assert!(p1.images.is_empty());
    assert_eq!(check(&pdf), vec![]);
}

/// One deliberately broken document and the rule it must trip.
struct Broken {
    name: &'static str,
    spec: DocSpec,
    opts: RenderOptions,
    rule: &'static str,
}

fn broken_documents() -> Vec<Broken> {
    let base = file_spec;
    let geo = |f: &dyn Fn(&mut Geometry)| {
        let mut o = RenderOptions::default();
        f(&mut o.geometry);
        o
    };
    let lax = || {
        let mut o = RenderOptions::default();
        o.deviations.skip_validation = true;
        o
    };
    let with_number = |n: &str| {
        let mut s = base();
        s.number = Some(n.into());
        s
    };
    let with_date = |d: &str| {
        let mut o = RenderOptions::default();
        o.deviations.date_text = Some(d.into());
        o
    };
    let punct_body = {
        let mut s = base();
        // The comma is the 27th character: without the line-breaking rules it opens line 2.
        s.body = format!("{}，{}", filler(26, 0), long_body(1));
        s
    };
    let minutes_sealed = {
        let mut s = base();
        s.format = Format::Minutes;
        s.kind = "纪要".into();
        s.mark = Some("东川市人民政府常务会议纪要".into());
        s.seal = true;
        s
    };
    vec![
        Broken {
            name: "订口 25 mm",
            spec: base(),
            opts: geo(&|g| g.left_mm = 25.0),
            rule: "margin.left",
        },
        Broken {
            name: "天头 30 mm",
            spec: base(),
            opts: geo(&|g| g.top_mm = 30.0),
            rule: "margin.top",
        },
        Broken {
            name: "1999 年版标志位置（25 mm）",
            spec: base(),
            opts: geo(&|g| g.mark_top_mm = 25.0),
            rule: "mark.position",
        },
        Broken {
            name: "发文字号带“第”",
            spec: with_number("东政办发〔2026〕第7号"),
            opts: lax(),
            rule: "number.di",
        },
        Broken {
            name: "发文字号编虚位",
            spec: with_number("东政办发〔2026〕07号"),
            opts: lax(),
            rule: "number.leading_zero",
        },
        Broken {
            name: "发文字号用方括号",
            spec: with_number("东政办发[2026]7号"),
            opts: lax(),
            rule: "number.brackets",
        },
        Broken {
            name: "发文字号年份不全",
            spec: with_number("东政办发〔26〕7号"),
            opts: lax(),
            rule: "number.year",
        },
        Broken {
            name: "汉字成文日期",
            spec: base(),
            opts: with_date("二〇二六年十一月二十六日"),
            rule: "date.arabic",
        },
        Broken {
            name: "日期编虚位",
            spec: base(),
            opts: with_date("2026年01月05日"),
            rule: "date.leading_zero",
        },
        Broken {
            name: "主送机关后无冒号",
            spec: base(),
            opts: geo(&|g| g.recipients_colon = String::new()),
            rule: "recipients.colon",
        },
        Broken {
            name: "主送机关后半角冒号",
            spec: base(),
            opts: geo(&|g| g.recipients_colon = ":".into()),
            rule: "recipients.colon",
        },
        Broken {
            name: "黑色发文机关标志",
            spec: base(),
            opts: geo(&|g| g.mark_color = Rgb(0.0, 0.0, 0.0)),
            rule: "mark.color",
        },
        Broken {
            name: "正文缩小为15pt",
            spec: base(),
            opts: geo(&|g| g.body_pt = 15.0),
            rule: "body.size",
        },
        Broken {
            name: "标题20pt",
            spec: base(),
            opts: geo(&|g| g.title_pt = 20.0),
            rule: "title.size",
        },
        Broken {
            name: "每面23行",
            spec: base(),
            opts: geo(&|g| g.lines_per_page = 23),
            rule: "grid.lines",
        },
        Broken {
            name: "每行29字",
            spec: base(),
            opts: geo(&|g| g.chars_per_line = 29),
            rule: "grid.chars",
        },
        Broken {
            name: "页码都在右侧",
            spec: base(),
            opts: geo(&|g| g.page_numbers_alternate = false),
            rule: "page_number.side",
        },
        Broken {
            name: "页码无一字线",
            spec: base(),
            opts: geo(&|g| g.page_number_dashes = false),
            rule: "page_number.format",
        },
        Broken {
            name: "页码距版心12mm",
            spec: base(),
            opts: geo(&|g| g.page_number_gap_mm = 12.0),
            rule: "page_number.position",
        },
        Broken {
            name: "版记末条线未压版心下边缘",
            spec: base(),
            opts: geo(&|g| g.imprint_at_bottom = false),
            rule: "imprint.last_rule",
        },
        Broken {
            name: "红色分隔线距字号8mm",
            spec: base(),
            opts: geo(&|g| g.red_rule_gap_mm = 8.0),
            rule: "red_rule.position",
        },
        Broken {
            name: "行首标点",
            spec: punct_body,
            opts: geo(&|g| g.line_breaking_rules = false),
            rule: "line_break.start",
        },
        Broken {
            name: "印章顶端距正文超过一行",
            spec: {
                let mut s = base();
                s.seal = true;
                s
            },
            opts: RenderOptions {
                seal_png: Some(red_seal_png()),
                geometry: Geometry {
                    seal_mm: 15.0,
                    ..Geometry::default()
                },
                ..RenderOptions::default()
            },
            rule: "seal.position",
        },
        Broken {
            name: "署名和日期单独成页",
            spec: {
                let mut s = base();
                s.body = body_of(2);
                s.note = Some("此件公开发布".into());
                s
            },
            opts: geo(&|g| g.keep_signature_with_text = false),
            rule: "signature.alone",
        },
        Broken {
            name: "纪要加盖印章",
            spec: minutes_sealed,
            opts: RenderOptions {
                seal_png: Some(red_seal_png()),
                ..lax()
            },
            rule: "minutes.seal",
        },
    ]
}

#[test]
fn the_checker_flags_every_broken_document_with_the_right_rule() {
    let cases = broken_documents();
    assert!(cases.len() >= 15);
    let mut missed = Vec::new();
    for case in &cases {
        let pdf = pdf_of(&case.spec, &case.opts);
        let found = check(&pdf);
        if !found.iter().any(|v| v.rule == case.rule) {
            missed.push(format!(
                "{}: expected {}, got {:?}",
                case.name,
                case.rule,
                found.iter().map(|v| v.rule).collect::<Vec<_>>()
            ));
        }
    }
    assert!(missed.is_empty(), "missed:\n{}", missed.join("\n"));
}

#[test]
fn the_checker_passes_every_correct_document() {
    let mut specs = vec![file_spec()];
    for example in ["wenjian", "xinhan", "mingling", "jiyao", "qingshi"] {
        let path = format!(
            "{}/../../docs/examples/{example}.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        specs.push(DocSpec::from_toml(&text).unwrap_or_else(|p| panic!("{path}: {p:?}")));
    }
    let mixed = format!("{}/tests/data/mixed_text.toml", env!("CARGO_MANIFEST_DIR"));
    specs.push(DocSpec::from_toml(&std::fs::read_to_string(&mixed).unwrap()).unwrap());
    let mut short = file_spec();
    short.body = "现将有关事项通知如下。".into();
    short.cc = vec![];
    specs.push(short);
    for spec in specs {
        let pdf = pdf_of(&spec, &RenderOptions::default());
        assert_eq!(check(&pdf), vec![], "{}", spec.title);
    }
}

/// n paragraphs alternating a heading-led one and a plain one.
fn body_of(n: usize) -> String {
    (0..n)
        .map(|i| {
            if i % 2 == 0 {
                "（一）压实工作责任。各县（区）人民政府要落实属地管理责任，主要负责同志要亲自研究部署，2026年12月前完成。".to_owned()
            } else {
                format!("{}，{}。", filler(30, i), filler(40, i + 3))
            }
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn documents_of_every_length_keep_the_signature_with_text_and_the_imprint_at_the_foot() {
    for n in 1..=16 {
        let mut spec = file_spec();
        spec.body = body_of(n);
        spec.seal = n % 2 == 1;
        spec.note = Some("此件公开发布".into());
        let pdf = pdf_of(&spec, &RenderOptions::default());
        assert_eq!(check(&pdf), vec![], "{n} paragraphs");
        let ps = pages(&pdf);
        let last = ps.last().unwrap();
        let rules: Vec<_> = last.rules.iter().filter(|r| !r.red).collect();
        assert_mm("版记 last rule", rules.last().unwrap().y, BOTTOM);
        let date_page = ps
            .iter()
            .position(|p| p.lines.iter().any(|l| l.text == "2026年11月26日"))
            .unwrap();
        // The signature's page also holds text of the body or the 附件说明 (7.3.5.5).
        let text_above = ps[date_page]
            .lines
            .iter()
            .filter(|l| (l.size_pt - 16.0).abs() < 0.1 && l.bottom <= BOTTOM)
            .filter(|l| {
                !["2026年11月26日", "东川市人民政府办公室", "（此件公开发布）"]
                    .contains(&l.text.as_str())
            })
            .count();
        assert!(
            text_above > 0,
            "{n} paragraphs: signature alone on page {}: {:?}",
            date_page + 1,
            ps[date_page]
                .lines
                .iter()
                .map(|l| &l.text)
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_malformed_file_lists_every_problem_with_its_key() {
    let problems = DocSpec::from_toml(
        r#"
format = "文件"
kind = "通知"
issuer = "东川市人民政府办公室"
number = "东政办发[2026]第07号"
copy_no = "123"
classification = "内部"
urgency = "急"
date = "二〇二六年十一月二十六日"
title = "关于某事的通知"
main_recipients = ["各县区："]
seal = "yes"
"#,
    )
    .unwrap_err();
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    for key in [
        "number",
        "copy_no",
        "classification",
        "urgency",
        "date",
        "body",
        "main_recipients",
        "seal",
    ] {
        assert!(keys.contains(&key), "{key} not reported: {problems:?}");
    }
    assert!(problems.iter().all(|p| !p.message.is_empty()));
}

fn step(step: &str, opinion: &str, person: &str, day: u32) -> xn_render::gbt9704::SheetStep {
    xn_render::gbt9704::SheetStep {
        step: step.into(),
        opinion: opinion.into(),
        person: person.into(),
        date: chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
    }
}

#[test]
fn the_outgoing_sheet_shows_every_step_in_its_box() {
    use xn_render::gbt9704::{OutgoingSheet, outgoing_sheet};
    let sheet = OutgoingSheet {
        office: "东川市人民政府办公室".into(),
        title: "关于做好2026年冬季安全生产工作的通知".into(),
        number: Some("东政办发〔2026〕7号".into()),
        urgency: Some("特急".into()),
        drafting_unit: Some("秘书科".into()),
        main_recipients: vec!["各县（区）人民政府".into()],
        copies: Some(60),
        steps: vec![
            step("拟稿", "拟发此通知，请审核。", "张明", 20),
            step("核稿", "文字已核，请李主任审签。", "刘芳", 21),
            step("会签", "同意。", "市应急管理局 吴某", 22),
            step("签发", "同意印发。", "李某某", 24),
        ],
        ..OutgoingSheet::default()
    };
    let pdf = outgoing_sheet(&sheet, fonts()).unwrap();
    let ps = pages(&pdf);
    let p1 = &ps[0];
    line(p1, "东川市人民政府办公室发文稿纸");
    let sign = line(p1, "同意印发。");
    let draft = line(p1, "拟发此通知，请审核。");
    assert!(sign.top < draft.top, "签发 above 拟稿");
    line(p1, "李某某2026年11月24日");
    line(p1, "刘芳2026年11月21日");
    line(p1, "市应急管理局吴某2026年11月22日");
}

#[test]
fn the_incoming_sheet_shows_proposal_instruction_and_result() {
    use xn_render::gbt9704::{IncomingSheet, incoming_sheet};
    let sheet = IncomingSheet {
        office: "东川市人民政府办公室".into(),
        title: "关于做好冬季森林防火工作的通知".into(),
        sender: "省人民政府办公厅".into(),
        number: Some("省政办发〔2026〕40号".into()),
        received: chrono::NaiveDate::from_ymd_opt(2026, 11, 18),
        steps: vec![
            step(
                "拟办",
                "拟请王副市长阅示，转市林业局办理。",
                "秘书科 张明",
                18,
            ),
            step("批示", "请市林业局抓好落实。", "王某某", 19),
            step(
                "办理",
                "已转市林业局，11月25日报送落实情况。",
                "督查科 刘芳",
                25,
            ),
        ],
        ..IncomingSheet::default()
    };
    let pdf = incoming_sheet(&sheet, fonts()).unwrap();
    let p1 = &pages(&pdf)[0];
    let proposal = line(p1, "拟请王副市长阅示");
    let instruction = line(p1, "请市林业局抓好落实。");
    let result = line(p1, "已转市林业局");
    assert!(proposal.top < instruction.top && instruction.top < result.top);
    line(p1, "拟办意见");
    line(p1, "领导批示");
    line(p1, "办理结果");
}

#[test]
fn the_outgoing_sheet_keeps_the_number_whole_and_files_no_verbs_as_opinions() {
    use xn_render::gbt9704::{OutgoingSheet, outgoing_sheet};
    let sheet = OutgoingSheet {
        office: "东川市人民政府办公室".into(),
        title: "关于做好2027年元旦春节期间安全生产工作的通知".into(),
        number: Some("东政办发〔2026〕116号".into()),
        classification: Some("非密".into()),
        urgency: Some("加急".into()),
        drafting_unit: Some("东川市人民政府办公室秘书一科".into()),
        main_recipients: vec!["各县（区）人民政府".into(), "市政府各部门".into()],
        cc: vec!["市委办公室".into()],
        steps: vec![
            step("拟稿", "", "张明", 20),
            step("核稿", "同意", "刘芳", 21),
            step("签发", "同意印发。", "李某某", 24),
            step("复核", "", "刘芳", 24),
            // Done without an opinion, their only decision their own verb: not opinions.
            step("登记", "", "王文书", 25),
            step("印制", "", "王文书", 25),
            step("核发", "", "王文书", 25),
        ],
        ..OutgoingSheet::default()
    };
    let pdf = outgoing_sheet(&sheet, fonts()).unwrap();
    let ps = pages(&pdf);
    assert_eq!(ps.len(), 1);
    let p1 = &ps[0];
    line(p1, "东政办发〔2026〕116号");
    line(p1, "东川市人民政府办公室秘书一科");
    line(p1, "各县（区）人民政府，市政府各部门");
    line(p1, "市委办公室");
    line(p1, "张明2026年11月20日");
    let text: String = p1.lines.iter().map(|l| l.text.clone()).collect();
    assert!(!text.contains("其他环节"), "{text}");
    assert!(!text.contains("王文书"), "{text}");
}

#[test]
fn the_incoming_sheet_of_a_whole_case_fits_one_page() {
    use xn_render::gbt9704::{IncomingSheet, incoming_sheet};
    let sheet = IncomingSheet {
        office: "东川市人民政府办公室".into(),
        title: "关于进一步做好2027年元旦春节期间困难群众生活保障和安全生产工作的紧急通知".into(),
        sender: "省人民政府办公厅".into(),
        number: Some("省政办明电〔2026〕116号".into()),
        serial: Some("收〔2026〕70号".into()),
        received: chrono::NaiveDate::from_ymd_opt(2026, 11, 18),
        classification: Some("非密".into()),
        urgency: Some("特急".into()),
        deadline: chrono::NaiveDate::from_ymd_opt(2026, 12, 25),
        steps: vec![
            step("签收", "", "王文书", 18),
            step("登记", "", "王文书", 18),
            step("初审", "通过，请拟办。", "王文书", 18),
            step(
                "拟办",
                "拟请王副市长阅示，转市民政局、市应急管理局按职责抓好落实，12月20日前报送落实情况。",
                "秘书一科 张明",
                19,
            ),
            step(
                "批办",
                "同意。请市民政局牵头，市应急管理局配合，节前完成困难群众走访慰问，确保安全稳定。",
                "王某某",
                20,
            ),
            step("传阅", "阅", "李某某", 20),
            step("传阅", "阅", "赵某某", 21),
            step("传阅", "阅", "孙某某", 21),
            step(
                "承办",
                "已转市民政局、市应急管理局办理，两局于12月18日报送落实情况，已呈王副市长阅。",
                "秘书一科 张明",
                23,
            ),
        ],
    };
    let pdf = incoming_sheet(&sheet, fonts()).unwrap();
    let ps = pages(&pdf);
    assert_eq!(ps.len(), 1, "the 收文处理笺 runs onto a second page");
    let p1 = &ps[0];
    line(p1, "2026年12月25日");
    let screen = line(p1, "通过，请拟办。");
    let proposal = line(p1, "拟请王副市长阅示");
    let read = line(p1, "李某某2026年11月20日");
    let result = line(p1, "已转市民政局");
    assert!(screen.top < proposal.top && proposal.top < read.top && read.top < result.top);
    let text: String = p1.lines.iter().map(|l| l.text.clone()).collect();
    assert!(!text.contains("其他环节"), "{text}");
}
