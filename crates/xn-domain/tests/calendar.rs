//! The working-day calendar checked against independent sources.
//!
//! - `fixtures/holiday-notice-sentences.json`: 49 sentences of the notices from 2007 to 2025
//!   with the dates each sets, from the holiday-cn project (MIT, see the .LICENSE file). The
//!   notice parser must return exactly those dates, and the shipped calendar must agree.
//! - The arrangement text of every notice from 2004 to 2026 (and the three notices that changed
//!   a year), quoted below: parsed, it must give the shipped calendar day for day. The text and
//!   the data files were typed separately, so a typo in either fails here.
//! - A table of day counts per year, so a changed data file cannot pass unnoticed.
//! - The traps that break real deadlines: working Sundays, 国庆 and 中秋 together, the 2020
//!   extension, 除夕 coming and going, and a deadline running into an unpublished year.
#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "helpers of this test binary fail the test with a message when data is wrong"
)]

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::BTreeSet;
use xn_domain::calendar::{
    Calendar, DayKind, HolidaySpan, MakeupDay, YearData, parse_notice, shipped_years,
};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

fn off_days(holidays: &[HolidaySpan]) -> BTreeSet<NaiveDate> {
    holidays.iter().flat_map(HolidaySpan::days).collect()
}

fn make_up_days(workdays: &[MakeupDay]) -> BTreeSet<NaiveDate> {
    workdays.iter().map(|w| w.date).collect()
}

#[derive(Deserialize)]
struct Sentence {
    year: i32,
    description: String,
    expected: Vec<Expected>,
}

#[derive(Deserialize)]
struct Expected {
    date: NaiveDate,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

fn sentences() -> Vec<Sentence> {
    serde_json::from_str(include_str!("fixtures/holiday-notice-sentences.json"))
        .expect("fixture parses")
}

#[test]
fn the_parser_reads_every_fixture_sentence_exactly() {
    let sentences = sentences();
    assert_eq!(sentences.len(), 49);
    for s in &sentences {
        let parsed = parse_notice(s.year, &s.description);
        let want_off: BTreeSet<NaiveDate> = s
            .expected
            .iter()
            .filter(|e| e.is_off_day)
            .map(|e| e.date)
            .collect();
        let want_work: BTreeSet<NaiveDate> = s
            .expected
            .iter()
            .filter(|e| !e.is_off_day)
            .map(|e| e.date)
            .collect();
        assert_eq!(
            off_days(&parsed.holidays),
            want_off,
            "days off of {}",
            s.description
        );
        assert_eq!(
            make_up_days(&parsed.workdays),
            want_work,
            "days worked of {}",
            s.description
        );
        assert!(
            parsed.unparsed.is_empty(),
            "{}: {:?}",
            s.description,
            parsed.unparsed
        );
    }
}

#[test]
fn the_shipped_calendar_agrees_with_every_fixture_date() {
    let calendar = Calendar::shipped();
    for s in sentences() {
        for e in &s.expected {
            let day = calendar.day(e.date);
            if e.is_off_day {
                assert!(
                    !day.is_working(),
                    "{} should be off ({})",
                    e.date,
                    s.description
                );
                // The fixture's days off are named holidays, not plain weekends.
                assert!(
                    matches!(day.kind, DayKind::Holiday { .. }),
                    "{} is {:?}",
                    e.date,
                    day.kind
                );
            } else {
                assert!(
                    matches!(day.kind, DayKind::MakeUpWorkday { .. }),
                    "{} should be a make-up working day ({})",
                    e.date,
                    s.description
                );
            }
        }
    }
}

/// The arrangement part of each year's notice, as published.
const NOTICES: &[(i32, &str)] = &[
    (2004, "一、元旦：1月1日放假。
二、春节：1月22日———28日（即农历大年初一至初七）放假，共7天。其中，22日、23日、24日为法定假日，1月25日（星期日）照常公休，将1月17日（星期六）、18日（星期日）、24日（星期六）三个公休日调至1月26日（星期一）、27日（星期二）、28日（星期三），1月17日、18日上班。
三、“五一”：5月1日———7日放假，共7天。其中，1日、2日、3日为法定假日，将5月1日（星期六）、2日（星期日）两个公休日调至5月4日（星期二）、5日（星期三），5月8日（星期六）、5月9日（星期日）两个公休日调至5月6日（星期四）、7日（星期五），5月8日、9日上班。
四、“十一”：10月1日———7日放假，共7天。其中，1日、2日、3日为法定假日，将10月2日（星期六）、3日（星期日）两个公休日调至10月4日（星期一）、5日（星期二），10月9日（星期六）、10日（星期日）两个公休日调至10月6日（星期三）、7日（星期四），10月9日、10日上班。"),
    (2005, "一、元旦：1月1日～3日放假，共3天。其中1月1日为法定假日，将1月1日(星期六)公休日调至1月3日(星期一)，1月2日(星期日)照常公休。
二、春节：2月9日～15日(农历大年初一至初七)放假，共7天。其中，9日、10日、11日为法定假日，2月12日(星期六)、13日(星期日)照常公休，将2月5日(星期六)、6日(星期日)两个公休日调至2月14日(星期一)、15日(星期二)，2月5日、6日上班。
三、“五一”：5月1日～7日放假，共7天。其中，1日、2日、3日为法定假日，将4月30日(星期六)、5月1日(星期日)、8日(星期日)三个公休日调至5月4日(星期三)、5日(星期四)、6日(星期五)，5月7日(星期六)照常公休，4月30日、5月8日上班。
四、“十一”：10月1日～7日放假，共7天。其中，1日、2日、3日为法定假日，将10月1日(星期六)、2日(星期日)两个公休日调至10月4日(星期二)、5日(星期三)，10月8日(星期六)、9日(星期日)两个公休日调至10月6日(星期四)、7日(星期五)，10月8日、9日上班。"),
    (2006, "一、元旦：1月1日—3日放假，共3天。其中1月1日为法定假日，将12月31日（星期六）、1月1日（星期日）两个公休日调至1月2日（星期一）、3日（星期二），12月31日（星期六）上班。
二、春节：1月29日—2月4日（即农历大年初一至初七）放假，共7天。其中，29日、30日、31日为法定假日，将1月28日（星期六）、29日（星期日）、2月5日（星期日）三个公休日调至2月1日（星期三）、2日（星期四）、3日（星期五），2月4日（星期六）照常公休，1月28日、2月5日上班。
三、“五一”：5月1日—7日放假，共7天。其中，1日、2日、3日为法定假日，将4月29日（星期六）、30日（星期日）两个公休日调至5月4日（星期四）、5日（星期五），5月6日（星期六）、7日（星期日）照常公休，4月29日、30日上班。
四、“十一”：10月1日—7日放假，共7天。其中，1日、2日、3日为法定假日，将9月30日（星期六）、10月1日（星期日）、8日（星期日）三个公休日调至10月4日（星期三）、5日（星期四）、6日（星期五），10月7日（星期六）照常公休，9月30日、10月8日上班。"),
    (2007, "一、元旦：1月1日—3日放假，共3天。其中1月1日为法定假日，将2006年12月30日（星期六）、31日（星期日）两个公休日分别调至2007年1月2日、3日，2006年12月30日（星期六）、31日（星期日）上班。
二、春节：2月18日—24日（即农历大年初一至初七）放假，共7天。其中18日、19日、20日为法定假日，将17日（星期六）、18日（星期日）、25日（星期日）三个公休日分别调至21日（星期三）、22日（星期四）、23日（星期五）；24日（星期六）照常公休，17日、25日上班。
三、“五一”：5月1日—7日放假，共7天。其中，1日、2日、3日为法定假日，将4月28日（星期六）、29日（星期日）两个公休日调至5月4日（星期五）、7日（星期一）；5月5日（星期六）、6日（星期日）照常公休，4月28日、29日上班。
四、“十一”：10月1日—7日放假，共7天。其中，1日、2日、3日为法定假日，将9月29日（星期六）、30日（星期日）两个公休日调至10月4日（星期四）、5日（星期五）；10月6日（星期六）、7日（星期日）照常公休，9月29日、30日上班。"),
    (2008, "一、元旦：2007年12月30日—2008年1月1日放假，共3天。其中：1月1日（星期二）为法定节假日，12月30日（星期日）为公休日，12月29日（星期六）公休日调至12月31日（星期一），12月29日（星期六）上班。
二、春节：2月6日—12日（即农历除夕至正月初六）放假，共7天。其中，2月6日（除夕）、2月7日（春节）、2月8日（正月初二）为法定节假日，2月9日（星期六）、2月10日（星期日）照常公休，将2月2日（星期六）、2月3日（星期日）两个公休日调至2月11日（星期一）、2月12日（星期二），2月2日（星期六）、2月3日（星期日）上班。
三、清明节：4月4日—6日放假，共3天。其中：4月4日（清明节），为法定节假日，4月5日（星期六）、4月6日（星期日）照常公休。
四、“五一”国际劳动节：5月1日—3日放假，共3天。其中，5月1日为法定节假日，5月3日（星期六）为公休日，5月4日（星期日）公休日调至5月2日（星期五），5月4日（星期日）上班。
五、端午节：6月7日—9日放假，共3天。其中：6月7日（星期六）照常公休，6月8日（农历五月初五，端午节）为法定节假日，6月8日（星期日）公休日调至6月9日（星期一）。
六、中秋节：9月13日—15日放假，共3天。其中，9月13日（星期六）为公休日，9月14日（农历八月十五，中秋节）为法定节假日，9月14日（星期日）公休日调至9月15日（星期一）。
七、国庆节：9月29日—10月5日放假，共7天。其中，10月1日、2日、3日为法定节假日，9月27日（星期六）、9月28日（星期日）两个公休日调至9月29日（星期一）、30日（星期二），10月4日（星期六）、5日（星期日）照常公休。"),
    (2009, "一、元旦：1月1日至3日放假，共3天。其中，1月1日（星期四、新年）为法定节假日，1月3日（星期六）为公休日。1月4日（星期日）公休日调至1月2日（星期五）。1月4日（星期日）上班。
二、春节：1月25日至31日放假，共7天。其中，1月25日（星期日、农历除夕）、1月26日（星期一、农历正月初一）、1月27日（星期二、农历正月初二）为法定节假日，1月31日（星期六）照常公休；1月25日（星期日）公休日调至1月28日（星期三），1月24日（星期六）、2月1日（星期日）两个公休日调至1月29日（星期四）、1月30日（星期五）。1月24日（星期六）、2月1日（星期日）上班。
三、清明节：4月4日至6日放假，共3天。其中，4月4日（星期六、农历清明当日）为法定节假日，4月5日（星期日）照常公休。4月4日（星期六）公休日调至4月6日（星期一）。
四、劳动节：5月1日至3日放假，共3天。其中，5月1日（星期五、“五一”国际劳动节）为法定节假日，5月2日（星期六）、5月3日（星期日）照常公休。
五、端午节：5月28日至30日放假，共3天。其中，5月28日（星期四、农历端午当日）为法定节假日，5月30日（星期六）照常公休；5月31日（星期日）公休日调至5月29日（星期五）。5月31日（星期日）上班。
六、国庆节、中秋节：10月1日至8日放假，共8天。其中，10月1日（星期四）、10月2日（星期五）、10月3日（星期六）为国庆节法定节假日，10月4日（星期日）照常公休；10月3日（星期六）公休日及中秋节分别调至10月5日（星期一）、10月6日（星期二），9月27日（星期日）、10月10日（星期六）公休日调至10月7日（星期三）、10月8日（星期四）。9月27日（星期日）、10月10日（星期六）上班。"),
    (2010, "一、元旦：1月1日至3日放假公休，共3天。
二、春节：2月13日至19日放假调休，共7天。2月20日（星期六）、21日（星期日）上班。
三、清明节：4月3日至5日放假公休，共3天。
四、劳动节：5月1日至3日放假公休，共3天。
五、端午节：6月14日至16日放假调休，共3天。6月12日（星期六）、13日（星期日）上班。
六、中秋节：9月22日至24日放假调休，共3天。9月19日（星期日）、25日（星期六）上班。
七、国庆节：10月1日至7日放假调休，共7天。9月26日（星期日）、10月9日（星期六）上班。"),
    (2011, "一、元旦：1月1日至3日放假公休，共3天。
二、春节：2月2日（农历除夕）至8日放假调休，共7天。1月30日（星期日）、2月12日（星期六）上班。
三、清明节：4月3日至5日放假调休，共3天。4月2日（星期六）上班。
四、劳动节：4月30日至5月2日放假公休，共3天。
五、端午节：6月4日至6日放假公休，共3天。
六、中秋节：9月10日至12日放假公休，共3天。
七、国庆节：10月1日至7日放假调休，共7天。10月8日（星期六）、10月9日（星期日）上班。"),
    (2012, "一、元旦：2012年1月1日至3日放假调休，共3天。2011年12月31日（星期六）上班。
二、春节：1月22日至28日放假调休，共7天。1月21日（星期六）、1月29日（星期日）上班。
三、清明节：4月2日至4日放假调休，共3天。3月31日（星期六）、4月1日（星期日）上班。
四、劳动节：4月29日至5月1日放假调休，共3天。4月28日（星期六）上班。
五、端午节：6月22日至24日放假公休，共3天。
六、中秋节、国庆节：9月30日至10月7日放假调休，共8天。9月29日（星期六）上班。"),
    (2013, "一、元旦：1月1日至3日放假调休，共3天。1月5日（星期六）、1月6日（星期日）上班。
二、春节：2月9日至15日放假调休，共7天。2月16日（星期六）、2月17日（星期日）上班。
三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。
四、劳动节：4月29日至5月1日放假调休，共3天。4月27日（星期六）、4月28日（星期日）上班。
五、端午节：6月10日至12日放假调休，共3天。6月8日（星期六）、6月9日（星期日）上班。
六、中秋节：9月19日至21日放假调休，共3天。9月22日（星期日）上班。
七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。"),
    (2014, "一、元旦：1月1日放假1天。
二、春节：1月31日至2月6日放假调休，共7天。1月26日（星期日）、2月8日（星期六）上班。
三、清明节：4月5日放假，4月7日（星期一）补休。
四、劳动节：5月1日至3日放假调休，共3天。5月4日（星期日）上班。
五、端午节：6月2日放假，与周末连休。
六、中秋节：9月8日放假，与周末连休。
七、国庆节：10月1日至7日放假调休，共7天。9月28日（星期日）、10月11日（星期六）上班。"),
    (2015, "一、元旦：1月1日至3日放假调休，共3天。1月4日（星期日）上班。
二、春节：2月18日至24日放假调休，共7天。2月15日（星期日）、2月28日（星期六）上班。
三、清明节：4月5日放假，4月6日（星期一）补休。
四、劳动节：5月1日放假，与周末连休。
五、端午节：6月20日放假，6月22日（星期一）补休。
六、中秋节：9月27日放假。
七、国庆节：10月1日至7日放假调休，共7天。10月10日（星期六）上班。"),
    (2016, "一、元旦：1月1日放假，与周末连休。
二、春节：2月7日至13日放假调休，共7天。2月6日（星期六）、2月14日（星期日）上班。
三、清明节：4月4日放假，与周末连休。
四、劳动节：5月1日放假，5月2日（星期一）补休。
五、端午节：6月9日至11日放假调休，共3天。6月12日（星期日）上班。
六、中秋节：9月15日至17日放假调休，共3天。9月18日（星期日）上班。
七、国庆节：10月1日至7日放假调休，共7天。10月8日（星期六）、10月9日（星期日）上班。"),
    (2017, "一、元旦：1月1日放假，1月2日（星期一）补休。
二、春节：1月27日至2月2日放假调休，共7天。1月22日（星期日）、2月4日（星期六）上班。
三、清明节：4月2日至4日放假调休，共3天。4月1日（星期六）上班。
四、劳动节：5月1日放假，与周末连休。
五、端午节：5月28日至30日放假调休，共3天。5月27日（星期六）上班。
六、中秋节、国庆节：10月1日至8日放假调休，共8天。9月30日（星期六）上班。"),
    (2018, "一、元旦：1月1日放假，与周末连休。
二、春节：2月15日至21日放假调休，共7天。2月11日（星期日）、2月24日（星期六）上班。
三、清明节：4月5日至7日放假调休，共3天。4月8日（星期日）上班。
四、劳动节：4月29日至5月1日放假调休，共3天。4月28日（星期六）上班。
五、端午节：6月18日放假，与周末连休。
六、中秋节：9月24日放假，与周末连休。
七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期六）、9月30日（星期日）上班。"),
    (2019, "一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。
二、春节：2月4日至10日放假调休，共7天。2月2日（星期六）、2月3日（星期日）上班。
三、清明节：4月5日放假，与周末连休。
四、劳动节：5月1日放假。
五、端午节：6月7日放假，与周末连休。
六、中秋节：9月13日放假，与周末连休。
七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。"),
    (2020, "一、元旦：2020年1月1日放假，共1天。
二、春节：1月24日至30日放假调休，共7天。1月19日（星期日）、2月1日（星期六）上班。
三、清明节：4月4日至6日放假调休，共3天。
四、劳动节：5月1日至5日放假调休，共5天。4月26日（星期日）、5月9日（星期六）上班。
五、端午节：6月25日至27日放假调休，共3天。6月28日（星期日）上班。
六、国庆节、中秋节：10月1日至8日放假调休，共8天。9月27日（星期日）、10月10日（星期六）上班。"),
    (2021, "一、元旦：2021年1月1日至3日放假，共3天。
二、春节：2月11日至17日放假调休，共7天。2月7日（星期日）、2月20日（星期六）上班。
三、清明节：4月3日至5日放假调休，共3天。
四、劳动节：5月1日至5日放假调休，共5天。4月25日（星期日）、5月8日（星期六）上班。
五、端午节：6月12日至14日放假，共3天。
六、中秋节：9月19日至21日放假调休，共3天。9月18日（星期六）上班。
七、国庆节：10月1日至7日放假调休，共7天。9月26日（星期日）、10月9日（星期六）上班。"),
    (2022, "一、元旦：2022年1月1日至3日放假，共3天。
二、春节：1月31日至2月6日放假调休，共7天。1月29日（星期六）、1月30日（星期日）上班。
三、清明节：4月3日至5日放假调休，共3天。4月2日（星期六）上班。
四、劳动节：4月30日至5月4日放假调休，共5天。4月24日（星期日）、5月7日（星期六）上班。
五、端午节：6月3日至5日放假，共3天。
六、中秋节：9月10日至12日放假，共3天。
七、国庆节：10月1日至7日放假调休，共7天。10月8日（星期六）、10月9日（星期日）上班。"),
    (2023, "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。
二、春节：1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班。
三、清明节：4月5日放假，共1天。
四、劳动节：4月29日至5月3日放假调休，共5天。4月23日（星期日）、5月6日（星期六）上班。
五、端午节：6月22日至24日放假调休，共3天。6月25日（星期日）上班。
六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（星期六）、10月8日（星期日）上班。"),
    (2024, "一、元旦：1月1日放假，与周末连休。
二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。
三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。
四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日）、5月11日（星期六）上班。
五、端午节：6月10日放假，与周末连休。
六、中秋节：9月15日至17日放假调休，共3天。9月14日（星期六）上班。
七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。"),
    (2025, "一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。"),
    (2026, "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。"),
];

const VICTORY_DAY_2015: &str = "国务院关于中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日调休放假的通知
国发明电〔2015〕1号
2015年是中国人民抗日战争暨世界反法西斯战争胜利70周年。为使全国人民广泛参与中央及各地区各部门举行的纪念活动，2015年9月3日全国放假1天。为方便公众安排假日期间生产生活，特作如下调休：9月3日至5日调休放假，共3天。其中9月3日（星期四）放假，9月4日（星期五）调休，9月6日（星期日）上班。";

const LABOUR_DAY_2019: &str = "国务院办公厅关于调整2019年劳动节假期安排的通知
国办发明电〔2019〕3号
经国务院批准，现将调整2019年劳动节放假安排通知如下。
一、2019年5月1日至4日放假调休，共4天。4月28日（星期日）、5月5日（星期日）上班。
二、各地区、各部门要抓紧做好本地区、本领域的劳动节假期调整落实工作。";

const SPRING_FESTIVAL_2020: &str = "国务院办公厅关于延长2020年春节假期的通知
国办发明电〔2020〕1号
一、延长2020年春节假期至2月2日（农历正月初九，星期日），2月3日（星期一）起正常上班。";

/// Every year as its notice text says, later notices applied.
fn years_from_notice_text() -> Vec<YearData> {
    NOTICES
        .iter()
        .map(|(year, text)| {
            let parsed = parse_notice(*year, text);
            assert!(parsed.unparsed.is_empty(), "{year}: {:?}", parsed.unparsed);
            let mut data = parsed.into_year(*year);
            match year {
                2015 => {
                    let victory = parse_notice(2015, VICTORY_DAY_2015);
                    data.holidays.extend(victory.holidays);
                    data.workdays.extend(victory.workdays);
                }
                2019 => {
                    let labour = parse_notice(2019, LABOUR_DAY_2019);
                    assert_eq!(labour.holidays.len(), 1);
                    data.holidays.retain(|h| h.name != "劳动节");
                    data.workdays.retain(|w| w.name != "劳动节");
                    data.holidays.extend(labour.holidays);
                    data.workdays.extend(labour.workdays);
                }
                2020 => {
                    // The extension is one clause the parser leaves to a person: apply it here.
                    let extension = parse_notice(2020, SPRING_FESTIVAL_2020);
                    assert_eq!(extension.unparsed.len(), 1);
                    for h in &mut data.holidays {
                        if h.name == "春节" {
                            h.to = date(2020, 2, 2);
                        }
                    }
                    data.workdays.retain(|w| w.date != date(2020, 2, 1));
                }
                _ => {}
            }
            data.validate()
                .unwrap_or_else(|e| panic!("{year} as parsed: {e}"));
            data
        })
        .collect()
}

#[test]
fn every_shipped_year_matches_its_notice_text_day_for_day() {
    let shipped = Calendar::shipped();
    let from_text = Calendar::new(years_from_notice_text());
    for day in date(2003, 12, 1)
        .iter_days()
        .take_while(|d| *d <= date(2026, 12, 31))
    {
        let (ours, theirs) = (shipped.day(day), from_text.day(day));
        assert_eq!(
            ours.is_working(),
            theirs.is_working(),
            "{day}: {ours:?} / {theirs:?}"
        );
        // Where the notice names the day, the shipped data gives it the same name.
        if let Some(name) = theirs.kind.holiday_name() {
            assert_eq!(ours.kind.holiday_name(), Some(name), "{day}");
        }
        // Where the shipped data covers more (the weekend of a 与周末连休 block), it is a weekend.
        if matches!(ours.kind, DayKind::Holiday { .. })
            && !matches!(theirs.kind, DayKind::Holiday { .. })
        {
            assert!(
                matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
                "{day}"
            );
        }
    }
}

#[test]
fn every_shipped_year_has_exactly_its_notices_make_up_days() {
    let shipped = shipped_years();
    for (ours, theirs) in shipped.iter().zip(years_from_notice_text()) {
        assert_eq!(ours.year, theirs.year);
        assert_eq!(
            make_up_days(&ours.workdays),
            make_up_days(&theirs.workdays),
            "{}",
            ours.year
        );
    }
}

/// (year, days covered by holiday spans, make-up working days), counted from the notices:
/// the days of each block as announced (共N天), a 与周末连休 block counted with its weekend.
const COUNTS: &[(i32, i64, usize)] = &[
    (2004, 22, 6),
    (2005, 24, 6),
    (2006, 24, 7),
    (2007, 24, 8),
    (2008, 29, 6),
    (2009, 27, 6),
    (2010, 29, 8),
    (2011, 29, 5),
    (2012, 27, 7),
    (2013, 29, 12),
    (2014, 27, 5),
    (2015, 30, 5),
    (2016, 29, 6),
    (2017, 27, 5),
    (2018, 29, 6),
    (2019, 30, 7),
    (2020, 30, 6),
    (2021, 31, 7),
    (2022, 31, 7),
    (2023, 27, 7),
    (2024, 32, 8),
    (2025, 28, 5),
    (2026, 33, 6),
];

#[test]
fn each_year_has_the_counted_number_of_days_off_and_make_up_days() {
    let shipped = shipped_years();
    assert_eq!(shipped.len(), COUNTS.len());
    for (data, (year, days_off, worked)) in shipped.iter().zip(COUNTS) {
        assert_eq!(data.year, *year);
        assert_eq!(data.holiday_day_count(), *days_off, "days off in {year}");
        assert_eq!(data.workdays.len(), *worked, "make-up days in {year}");
    }
}

#[test]
fn the_sundays_that_are_working_days_are_working_days() {
    let calendar = Calendar::shipped();
    for day in [date(2016, 10, 9), date(2026, 1, 4), date(2026, 9, 20)] {
        assert_eq!(day.weekday(), Weekday::Sun);
        assert!(calendar.is_working_day(day), "{day}");
        assert!(matches!(
            calendar.day(day).kind,
            DayKind::MakeUpWorkday { .. }
        ));
    }
}

#[test]
fn new_years_eve_was_off_until_2013_not_from_2014_to_2024_and_off_again_from_2025() {
    let calendar = Calendar::shipped();
    // 除夕 of each year from 2008.
    let eves = [
        (2008, 2, 6),
        (2009, 1, 25),
        (2010, 2, 13),
        (2011, 2, 2),
        (2012, 1, 22),
        (2013, 2, 9),
        (2014, 1, 30),
        (2015, 2, 18),
        (2016, 2, 7),
        (2017, 1, 27),
        (2018, 2, 15),
        (2019, 2, 4),
        (2020, 1, 24),
        (2021, 2, 11),
        (2022, 1, 31),
        (2023, 1, 21),
        (2024, 2, 9),
        (2025, 1, 28),
        (2026, 2, 16),
    ];
    for (y, m, d) in eves {
        let eve = calendar.day(date(y, m, d));
        // The eve was a statutory day 2008–2013 and again from 2025, always inside the block
        // then; from 2014 to 2024 it was off only when the block happened to start on it.
        if (2008..=2013).contains(&y) || y >= 2025 {
            assert!(!eve.is_working(), "除夕 {y} should be off");
        }
    }
    // The two eves that were working days.
    assert!(calendar.is_working_day(date(2014, 1, 30)));
    assert!(calendar.is_working_day(date(2024, 2, 9)));
}

#[test]
fn the_2020_spring_festival_runs_to_february_2nd_and_1st_february_is_not_worked() {
    let calendar = Calendar::shipped();
    assert!(!calendar.is_working_day(date(2020, 2, 1)));
    assert!(!calendar.is_working_day(date(2020, 2, 2)));
    assert!(calendar.is_working_day(date(2020, 1, 19)));
    assert_eq!(
        calendar.day(date(2020, 2, 1)).kind,
        DayKind::Holiday {
            name: "春节".into()
        }
    );
    let deadline = calendar.add_working_days(date(2020, 1, 23), 1);
    assert_eq!(deadline.date, date(2020, 2, 3));
    assert_eq!(
        deadline.explanation,
        "受理日 1月23日；春节 1月24日–2月2日 不计；第1个工作日 2月3日"
    );
    let year = calendar.year(2020).expect("2020 loaded");
    assert_eq!(year.amendments[0].number, "国办发明电〔2020〕1号");
}

#[test]
fn a_deadline_across_national_day_and_mid_autumn_2023() {
    let deadline = Calendar::shipped().add_working_days(date(2023, 9, 28), 5);
    assert_eq!(deadline.date, date(2023, 10, 11));
    assert!(!deadline.provisional);
    assert_eq!(
        deadline.explanation,
        "受理日 9月28日；中秋节、国庆节 9月29日–10月6日 不计；10月7日、10月8日 调休上班 计入；第5个工作日 10月11日"
    );
}

#[test]
fn a_deadline_that_lands_on_a_make_up_saturday() {
    let calendar = Calendar::shipped();
    let deadline = calendar.add_working_days(date(2026, 2, 13), 1);
    assert_eq!(deadline.date, date(2026, 2, 14));
    assert_eq!(
        deadline.explanation,
        "受理日 2月13日；2月14日 调休上班 计入；第1个工作日 2月14日"
    );
    let after_the_break = calendar.add_working_days(date(2026, 2, 13), 2);
    assert_eq!(after_the_break.date, date(2026, 2, 24));
    assert_eq!(
        after_the_break.explanation,
        "受理日 2月13日；2月14日 调休上班 计入；春节 2月15日–23日 不计；第2个工作日 2月24日"
    );
}

#[test]
fn a_deadline_into_an_unpublished_year_is_provisional() {
    let deadline = Calendar::shipped().add_working_days(date(2026, 12, 28), 10);
    assert!(deadline.provisional);
    assert_eq!(deadline.date, date(2027, 1, 11));
    assert_eq!(
        deadline.explanation,
        "受理日 12月28日；第10个工作日 2027年1月11日（含暂定年份，按周末推算）"
    );
}

#[test]
fn a_deadline_across_the_turn_of_2019_names_the_december_days() {
    let deadline = Calendar::shipped().add_working_days(date(2018, 12, 28), 2);
    assert_eq!(deadline.date, date(2019, 1, 2));
    assert_eq!(
        deadline.explanation,
        "受理日 12月28日；12月29日 调休上班 计入；元旦 12月30日–2019年1月1日 不计；第2个工作日 2019年1月2日"
    );
}

#[test]
fn the_days_of_the_2015_victory_day_are_named_after_it() {
    let calendar = Calendar::shipped();
    let name = "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日";
    assert_eq!(
        calendar.day(date(2015, 9, 3)).kind,
        DayKind::Holiday { name: name.into() }
    );
    assert_eq!(
        calendar.day(date(2015, 9, 6)).kind,
        DayKind::MakeUpWorkday { name: name.into() }
    );
}

#[test]
fn a_full_notice_pasted_from_the_gazette_loads_as_the_shipped_year() {
    let text = "国务院办公厅关于2012年\n部分节假日安排的通知\n国办发明电〔2011〕45号\n\n\
        各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n\
        根据国务院《关于修改〈全国年节及纪念日放假办法〉的决定》，为便于各地区、各部门及早合理安排节假日旅游、\
        交通运输、生产经营等有关工作，经国务院批准，现将2012年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节\
        放假调休日期的具体安排通知如下。\n"
        .to_owned()
        + NOTICES.iter().find(|(y, _)| *y == 2012).map(|(_, t)| *t).unwrap_or_default()
        + "\n节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件发生，要按规定及时报告\
        并妥善处置，确保人民群众祥和平安度过节日假期。\n\n国务院办公厅\n二〇一一年十二月五日";
    let parsed = parse_notice(2012, &text);
    assert!(parsed.unparsed.is_empty(), "{:?}", parsed.unparsed);
    let year = parsed.into_year(2012);
    let shipped = Calendar::shipped();
    assert_eq!(Some(&year), shipped.year(2012));
}
