//! Reading the pasted text of a State Council holiday notice into a year's data.
//!
//! An administrator pastes the notice (国务院办公厅关于YYYY年部分节假日安排的通知) and reviews
//! the result before loading it. The parser understands every style the notices have used
//! since 2004: the modern "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。",
//! 2004–2009's "将…两个公休日调至…" (the weekend days moved become working days), "—" and "～"
//! ranges, half-width brackets, dates reaching into the adjacent years, "与周末连休",
//! "X放假，Y补休", "放假1天，不调休" and the "（周X）" "（星期X）" "（农历…）" notes.
//!
//! It is literal: it returns the days the text names, no more (a 与周末连休 block is the
//! holiday itself; the shipped data also covers the weekend). A clause that carries a date but
//! is not understood is returned in [`ParsedNotice::unparsed`], never dropped, so the reviewer
//! sees it (the 2020 extension, "延长…春节假期至2月2日", is such a clause).
//!
//! Dates without a year are placed near the dates around them, using the weekday note when
//! there is one, because a notice for year Y writes "12月29日（星期六）上班" for Y-1.

mod place;
mod text;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

use super::data::{HolidaySpan, MakeupDay, Source, YearData};
use super::is_weekend;
use place::{Placed, place_clause};
use text::{Clause, Piece, RawDate, chinese_date, digits_end, heading_at, normalize, tokenize};

/// What a notice's text says.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedNotice {
    /// Days off, as runs of consecutive days named after their heading (一、元旦：).
    pub holidays: Vec<HolidaySpan>,
    /// Weekend days made working days.
    pub workdays: Vec<MakeupDay>,
    /// Clauses that carried dates but could not be understood, as written.
    pub unparsed: Vec<String>,
    /// The notice's title, when present.
    pub title: Option<String>,
    /// The notice's 文号, when present.
    pub number: Option<String>,
    /// The date the notice bears (the date under the signature), when present.
    pub published: Option<NaiveDate>,
}

impl ParsedNotice {
    /// The year's data as the notice gives it (not yet validated: call
    /// [`YearData::validate`] before loading it).
    pub fn into_year(self, year: i32) -> YearData {
        YearData {
            year,
            provisional: false,
            source: Source {
                title: self.title.unwrap_or_default(),
                number: self.number.unwrap_or_default(),
                published: self.published,
            },
            amendments: Vec::new(),
            holidays: self.holidays,
            workdays: self.workdays,
        }
    }
}

/// Parses the text of a notice for `year` (a single arrangement sentence works too).
pub fn parse_notice(year: i32, text: &str) -> ParsedNotice {
    let normalized = normalize(text);
    let compact: String = normalized.chars().filter(|c| *c != '\n').collect();
    let title = find_title(&compact);
    let number = find_number(&compact);
    let default_name = title.as_deref().and_then(name_from_title);
    let mut out = ParsedNotice {
        title,
        number,
        ..ParsedNotice::default()
    };

    let (preamble, items) = split_items(&normalized);
    // The preamble states rules ("国庆节自10月1日起放假调休7天"), not the arrangement.
    for clause in tokenize(preamble) {
        if clause.has_dates() && !clause.keywords().contains('起') {
            out.unparsed.push(clause.raw);
        }
    }
    for item in items {
        parse_item(year, &item, default_name.as_deref(), &mut out);
    }
    out.holidays.sort_by_key(|h| (h.from, h.to));
    out.workdays.sort_by_key(|w| w.date);
    out.workdays.dedup_by_key(|w| w.date);
    out
}

/// One numbered section of the notice (一、元旦：…).
struct Item<'a> {
    name: Option<String>,
    body: &'a str,
}

const KNOWN_NAMES: [&str; 7] = [
    "元旦",
    "春节",
    "清明节",
    "劳动节",
    "端午节",
    "中秋节",
    "国庆节",
];

/// Splits the text into the preamble and the numbered items; text without headings is one item.
fn split_items(text: &str) -> (&str, Vec<Item<'_>>) {
    let mut starts: Vec<(usize, usize)> = Vec::new();
    let mut previous: Option<char> = None;
    for (i, c) in text.char_indices() {
        if matches!(previous, None | Some('\n' | '。' | '；' | '：'))
            && let Some(len) = heading_at(&text[i..])
        {
            starts.push((i, i + len));
        }
        previous = Some(c);
    }
    if starts.is_empty() {
        return (
            "",
            vec![Item {
                name: None,
                body: text,
            }],
        );
    }
    let preamble = &text[..starts[0].0];
    let mut items = Vec::with_capacity(starts.len());
    for (k, (_, after_number)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(text.len(), |(next, _)| *next);
        let section = &text[*after_number..end];
        let (name, body) = split_heading_name(section);
        items.push(Item { name, body });
    }
    (preamble, items)
}

/// "元旦：1月1日…" → (元旦, "1月1日…"); a section without a short name keeps its whole text.
fn split_heading_name(section: &str) -> (Option<String>, &str) {
    for (count, (i, c)) in section.char_indices().enumerate() {
        if count > 24 {
            break;
        }
        match c {
            '：' | '\n' => {
                let name = canonical_name(&section[..i]);
                if name.is_empty() {
                    break;
                }
                return (Some(name), &section[i + c.len_utf8()..]);
            }
            '，' | '。' | '；' => break,
            c if c.is_ascii_digit() => break,
            _ => {}
        }
    }
    (None, section)
}

/// The holiday's usual name: 2004–2008 notices call 劳动节 “五一” and 国庆节 “十一”.
fn canonical_name(raw: &str) -> String {
    let name: String = raw
        .chars()
        .filter(|c| !"“”\"'‘’「」《》".contains(*c))
        .collect();
    match name.as_str() {
        "五一" | "五一国际劳动节" | "国际劳动节" | "五一劳动节" => {
            "劳动节".to_owned()
        }
        "十一" | "国庆" => "国庆节".to_owned(),
        "新年" => "元旦".to_owned(),
        _ => name,
    }
}

/// The notice's title: from 国务院(办公厅)关于 to the first 通知.
fn find_title(compact: &str) -> Option<String> {
    let start = ["国务院办公厅关于", "国务院关于"]
        .iter()
        .filter_map(|p| compact.find(p))
        .min()?;
    let rest = &compact[start..];
    let end = rest.find("通知")? + "通知".len();
    let title = &rest[..end];
    (title.chars().count() <= 80 && !title.contains(['。', '，', '；'])).then(|| title.to_owned())
}

/// The 文号: issuer code, 〔year〕, serial number, 号 (国办发明电〔2025〕7号).
fn find_number(compact: &str) -> Option<String> {
    let chars: Vec<char> = compact.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c != '〔' {
            continue;
        }
        let year_end = digits_end(&chars, i + 1);
        if year_end - (i + 1) != 4 || chars.get(year_end) != Some(&'〕') {
            continue;
        }
        let serial_end = digits_end(&chars, year_end + 1);
        if serial_end == year_end + 1 || chars.get(serial_end) != Some(&'号') {
            continue;
        }
        // The issuer code is the ideographs before 〔; text run into it from the line before
        // (…的通知国办发明电) is cut at the 国 that starts every State Council code.
        let mut start = i;
        while start > 0 && i - start < 8 && is_ideograph(chars[start - 1]) {
            start -= 1;
        }
        let issuer = &chars[start..i];
        let from = issuer.iter().rposition(|c| *c == '国').unwrap_or(0);
        if issuer.is_empty() {
            continue;
        }
        return Some(chars[start + from..=serial_end].iter().collect());
    }
    None
}

fn is_ideograph(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// The holiday a single-purpose notice is about, from its title: 关于调整2019年劳动节假期安排
/// gives 劳动节; 关于…纪念日调休放假的通知 gives the commemoration's name.
fn name_from_title(title: &str) -> Option<String> {
    if let Some(p) = title.find("关于")
        && let Some(core) = title[p + "关于".len()..].strip_suffix("调休放假的通知")
        && !core.is_empty()
    {
        return Some(core.to_owned());
    }
    let found: Vec<&str> = KNOWN_NAMES
        .iter()
        .copied()
        .filter(|n| title.contains(n))
        .collect();
    match found.as_slice() {
        [one] => Some((*one).to_owned()),
        _ => None,
    }
}

/// What a clause says about its dates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Meaning {
    /// 放假, 调休, 补休: the days are off.
    Off,
    /// 上班: weekend days among them are make-up working days.
    Work,
    /// 将A公休日调至B: A is worked (unless it is inside the block), B is off.
    Move,
    /// An explanation (为法定节假日, 照常公休, 自…起…): nothing new.
    Aside,
    /// The date under the signature.
    Signature,
    /// Not understood.
    Unknown,
}

fn meaning(clause: &Clause) -> Meaning {
    let words = clause.keywords();
    let dates: Vec<&RawDate> = clause
        .pieces
        .iter()
        .filter_map(|p| {
            if let Piece::Date(d) = p {
                Some(d)
            } else {
                None
            }
        })
        .collect();
    let bare = words.replace("国务院办公厅", "").replace("国务院", "");
    if bare.is_empty()
        && let [date] = dates.as_slice()
        && date.year.is_some()
        && !clause.pieces.contains(&Piece::Range)
    {
        return Meaning::Signature;
    }
    if words.contains("调至") || words.contains("调到") {
        Meaning::Move
    } else if words.contains("上班") || words.contains("补班") {
        if words.contains('起') {
            Meaning::Aside
        } else {
            Meaning::Work
        }
    } else if words.contains("照常公休")
        || words.contains("为公休")
        || (words.contains("法定") && !words.contains("放假"))
    {
        Meaning::Aside
    } else if ["放假", "补休", "调休", "休息", "公休"]
        .iter()
        .any(|k| words.contains(k))
    {
        if words.contains('起') {
            Meaning::Aside
        } else {
            Meaning::Off
        }
    } else {
        Meaning::Unknown
    }
}

/// Names a block without a heading by the fixed-date holiday it contains, if any.
fn name_by_date(off: &BTreeSet<NaiveDate>) -> Option<&'static str> {
    off.iter().find_map(|d| match (d.month(), d.day()) {
        (1, 1) => Some("元旦"),
        (5, 1) => Some("劳动节"),
        (10, 1) => Some("国庆节"),
        _ => None,
    })
}

fn parse_item(year: i32, item: &Item<'_>, default_name: Option<&str>, out: &mut ParsedNotice) {
    // Merge clauses that are only dates into the clause after them.
    let mut clauses: Vec<Clause> = Vec::new();
    let mut pending: Option<Clause> = None;
    for clause in tokenize(item.body) {
        let clause = match pending.take() {
            Some(mut first) => {
                first.raw.push('，');
                first.raw.push_str(&clause.raw);
                first.pieces.extend(clause.pieces);
                first
            }
            None => clause,
        };
        if clause.only_dates() {
            pending = Some(clause);
        } else {
            clauses.push(clause);
        }
    }
    clauses.extend(pending);

    let mut last = None;
    let mut off = BTreeSet::new();
    let mut moved_from: Vec<NaiveDate> = Vec::new();
    let mut worked: Vec<(Vec<NaiveDate>, String)> = Vec::new();
    for clause in clauses {
        if !clause.has_dates() {
            if let Some(date) = chinese_date(&clause.keywords()) {
                out.published = Some(date);
            }
            continue;
        }
        let meaning = meaning(&clause);
        let Some(placed) = place_clause(&clause, year, &mut last) else {
            out.unparsed.push(clause.raw);
            continue;
        };
        match meaning {
            Meaning::Off => off.extend(placed.iter().flat_map(Placed::days)),
            Meaning::Move => {
                for p in &placed {
                    if p.moved_to {
                        off.extend(p.days());
                    } else {
                        moved_from.extend(p.days());
                    }
                }
            }
            Meaning::Work => {
                worked.push((placed.iter().flat_map(Placed::days).collect(), clause.raw));
            }
            Meaning::Signature => out.published = placed.first().map(|p| p.from),
            Meaning::Aside => {}
            Meaning::Unknown => out.unparsed.push(clause.raw),
        }
    }

    // A weekend rest moved away is worked, unless the block covers it anyway (2007's 18日).
    let mut workdays: BTreeSet<NaiveDate> = moved_from
        .into_iter()
        .filter(|d| !off.contains(d) && is_weekend(*d))
        .collect();
    for (days, raw) in worked {
        if days.iter().any(|d| off.contains(d)) {
            out.unparsed.push(raw);
            continue;
        }
        // A weekday named as worked (照常上班) is an ordinary working day, not a make-up day.
        workdays.extend(days.into_iter().filter(|d| is_weekend(*d)));
    }
    if off.is_empty() && workdays.is_empty() {
        return;
    }
    let name = item
        .name
        .clone()
        .or_else(|| default_name.map(str::to_owned))
        .or_else(|| name_by_date(&off).map(str::to_owned))
        .unwrap_or_default();
    let mut run: Option<(NaiveDate, NaiveDate)> = None;
    for day in off {
        run = match run {
            Some((from, to)) if to.succ_opt() == Some(day) => Some((from, day)),
            Some((from, to)) => {
                out.holidays.push(HolidaySpan {
                    name: name.clone(),
                    from,
                    to,
                });
                Some((day, day))
            }
            None => Some((day, day)),
        };
    }
    if let Some((from, to)) = run {
        out.holidays.push(HolidaySpan {
            name: name.clone(),
            from,
            to,
        });
    }
    out.workdays
        .extend(workdays.into_iter().map(|date| MakeupDay {
            date,
            name: name.clone(),
        }));
}

#[cfg(test)]
mod tests {
    use super::text::weekday_in;
    use super::*;
    use chrono::Weekday;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn span(name: &str, from: NaiveDate, to: NaiveDate) -> HolidaySpan {
        HolidaySpan {
            name: name.into(),
            from,
            to,
        }
    }

    fn work(name: &str, d: NaiveDate) -> MakeupDay {
        MakeupDay {
            date: d,
            name: name.into(),
        }
    }

    #[test]
    fn the_example_of_the_brief_is_read_with_names_from_the_headings() {
        let text = "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。\n\
                    二、春节：2月15日（农历腊月二十八）至23日（农历正月初七）放假调休，共9天。\
                    2月14日（周六）、2月28日（周六）上班。";
        let parsed = parse_notice(2026, text);
        assert_eq!(
            parsed.holidays,
            vec![
                span("元旦", date(2026, 1, 1), date(2026, 1, 3)),
                span("春节", date(2026, 2, 15), date(2026, 2, 23)),
            ]
        );
        assert_eq!(
            parsed.workdays,
            vec![
                work("元旦", date(2026, 1, 4)),
                work("春节", date(2026, 2, 14)),
                work("春节", date(2026, 2, 28)),
            ]
        );
        assert!(parsed.unparsed.is_empty(), "{:?}", parsed.unparsed);
    }

    #[test]
    fn title_number_and_signature_date_are_found_across_line_breaks() {
        let text = "国务院办公厅关于2026年\n部分节假日安排的通知\n\n国办发明电〔2025〕7号\n\n\
                    各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n\
                    经国务院批准，现将2026年元旦放假调休日期的具体安排通知如下。\n\
                    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。\n\
                    节假日期间，各地区、各部门要妥善安排好值班工作。\n\n国务院办公厅\n2025年11月4日";
        let parsed = parse_notice(2026, text);
        assert_eq!(
            parsed.title.as_deref(),
            Some("国务院办公厅关于2026年部分节假日安排的通知")
        );
        assert_eq!(parsed.number.as_deref(), Some("国办发明电〔2025〕7号"));
        assert_eq!(parsed.published, Some(date(2025, 11, 4)));
        assert!(parsed.unparsed.is_empty(), "{:?}", parsed.unparsed);
        let year = parsed.into_year(2026);
        assert_eq!(year.source.number, "国办发明电〔2025〕7号");
        assert!(year.validate().is_ok());
    }

    #[test]
    fn half_width_brackets_in_the_number_are_accepted() {
        let parsed = parse_notice(2019, "国办发明电[2019]3号");
        assert_eq!(parsed.number.as_deref(), Some("国办发明电〔2019〕3号"));
    }

    #[test]
    fn an_old_signature_in_chinese_numerals_is_read() {
        let parsed = parse_notice(
            2007,
            "一、元旦：1月1日—3日放假，共3天。\n国务院办公厅\n二〇〇六年十二月十四日",
        );
        assert_eq!(parsed.published, Some(date(2006, 12, 14)));
        assert_eq!(chinese_date("二○○九年十二月七日"), Some(date(2009, 12, 7)));
        assert_eq!(
            chinese_date("二〇二五年十一月四日"),
            Some(date(2025, 11, 4))
        );
    }

    #[test]
    fn a_date_cut_by_a_line_wrap_is_rejoined() {
        let parsed = parse_notice(
            2009,
            "二、春节：1月25日至31日放假，共7天。1月24日（星期六）、2月1\n日（星期日）上班。",
        );
        assert_eq!(
            parsed.workdays,
            vec![
                work("春节", date(2009, 1, 24)),
                work("春节", date(2009, 2, 1))
            ]
        );
    }

    #[test]
    fn a_december_date_without_year_is_placed_before_the_new_year() {
        let parsed = parse_notice(
            2019,
            "一、元旦：12月30日至1月1日放假，共3天。12月29日（星期六）上班。",
        );
        assert_eq!(
            parsed.holidays,
            vec![span("元旦", date(2018, 12, 30), date(2019, 1, 1))]
        );
        assert_eq!(parsed.workdays, vec![work("元旦", date(2018, 12, 29))]);
    }

    #[test]
    fn the_2020_extension_is_not_guessed_but_handed_to_the_reviewer() {
        let text = "国务院办公厅关于延长2020年春节假期的通知\n国办发明电〔2020〕1号\n\
                    一、延长2020年春节假期至2月2日（农历正月初九，星期日），2月3日（星期一）起正常上班。";
        let parsed = parse_notice(2020, text);
        assert!(parsed.holidays.is_empty());
        assert!(parsed.workdays.is_empty());
        assert_eq!(
            parsed.unparsed,
            vec!["延长2020年春节假期至2月2日（农历正月初九，星期日）".to_owned()]
        );
        assert_eq!(parsed.number.as_deref(), Some("国办发明电〔2020〕1号"));
    }

    #[test]
    fn rules_in_the_preamble_are_not_taken_for_the_arrangement() {
        let text = "经党中央、国务院批准，自2025年1月1日起，全体公民放假的假日增加2天。\
                    国庆节自10月1日起放假调休7天。\n一、元旦：1月1日（周三）放假1天，不调休。";
        let parsed = parse_notice(2025, text);
        assert_eq!(
            parsed.holidays,
            vec![span("元旦", date(2025, 1, 1), date(2025, 1, 1))]
        );
        assert!(parsed.unparsed.is_empty(), "{:?}", parsed.unparsed);
    }

    #[test]
    fn a_notice_about_one_holiday_takes_its_name_from_the_title() {
        let text = "国务院关于中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日调休放假的通知\n\
                    国发明电〔2015〕1号\n各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n\
                    2015年是中国人民抗日战争暨世界反法西斯战争胜利70周年。为使全国人民广泛参与中央及各地区\
                    各部门举行的纪念活动，2015年9月3日全国放假1天。为方便公众安排假日期间生产生活，特作如下调休：\
                    9月3日至5日调休放假，共3天。其中9月3日（星期四）放假，9月4日（星期五）调休，9月6日（星期日）上班。\n\
                    国务院\n2015年5月13日";
        let parsed = parse_notice(2015, text);
        let name = "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日";
        assert_eq!(
            parsed.holidays,
            vec![span(name, date(2015, 9, 3), date(2015, 9, 5))]
        );
        assert_eq!(parsed.workdays, vec![work(name, date(2015, 9, 6))]);
        assert_eq!(parsed.number.as_deref(), Some("国发明电〔2015〕1号"));
        assert_eq!(parsed.published, Some(date(2015, 5, 13)));
        assert!(parsed.unparsed.is_empty(), "{:?}", parsed.unparsed);
    }

    #[test]
    fn a_clause_with_a_date_and_no_known_verb_is_reported() {
        let parsed = parse_notice(2026, "一、元旦：1月1日至3日放假。1月4日另行通知。");
        assert_eq!(parsed.unparsed, vec!["1月4日另行通知".to_owned()]);
    }

    #[test]
    fn an_impossible_date_is_reported_not_dropped() {
        let parsed = parse_notice(2026, "一、春节：2月30日放假。");
        assert_eq!(parsed.unparsed, vec!["2月30日放假".to_owned()]);
        assert!(parsed.holidays.is_empty());
    }

    #[test]
    fn a_worked_day_inside_the_block_is_reported_as_a_contradiction() {
        let parsed = parse_notice(2026, "一、元旦：1月1日至4日放假。1月4日（周日）上班。");
        assert_eq!(parsed.unparsed, vec!["1月4日（周日）上班".to_owned()]);
    }

    #[test]
    fn old_heading_names_are_made_the_usual_ones() {
        let parsed = parse_notice(
            2007,
            "三、“五一”：5月1日—7日放假，共7天。四、“十一”：10月1日—7日放假，共7天。",
        );
        let names: Vec<&str> = parsed.holidays.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["劳动节", "国庆节"]);
    }

    #[test]
    fn weekday_notes_are_read_in_every_spelling() {
        assert_eq!(weekday_in("星期六"), Some(Weekday::Sat));
        assert_eq!(weekday_in("农历除夕、周二"), Some(Weekday::Tue));
        assert_eq!(weekday_in("农历正月初九，星期日"), Some(Weekday::Sun));
        assert_eq!(weekday_in("星期天"), Some(Weekday::Sun));
        assert_eq!(weekday_in("与周末连休"), None);
    }
}
