//! Titles, bodies and opinions of the demo's documents: templates filled from small
//! vocabularies of the topics a city office writes about. No I/O.

use chrono::{Datelike, NaiveDate};

use super::{Rng, Route, Side};

pub(super) struct Text {
    pub(super) kind: &'static str,
    pub(super) title: String,
    pub(super) body: String,
    pub(super) copy: Vec<&'static str>,
    pub(super) note: Option<String>,
}

/// (topic of a notice, what to do, who leads)
const TOPICS: &[(&str, &str)] = &[
    ("做好元旦春节期间安全生产工作", "安全生产"),
    ("开展城镇燃气安全专项整治", "燃气安全"),
    ("做好防汛抗旱工作", "防汛抗旱"),
    ("加强森林防灭火工作", "森林防灭火"),
    ("做好高温天气防范应对工作", "高温防范"),
    ("开展政务服务“好差评”工作", "政务服务"),
    ("做好政府信息公开工作年度报告编制工作", "政务公开"),
    ("进一步优化营商环境", "营商环境"),
    ("做好冬季供暖保障工作", "供暖保障"),
    ("开展安全生产大检查", "安全检查"),
    ("做好农民工工资支付保障工作", "欠薪治理"),
    ("做好秋冬季大气污染防治工作", "大气污染防治"),
    ("规范政府网站和政务新媒体管理", "政务新媒体"),
    ("提升12345政务服务便民热线工单办理质量", "热线办理"),
    ("做好第四次全国文物普查相关工作", "文物普查"),
    ("加强校园及周边安全管理", "校园安全"),
    ("做好耕地保护和粮食生产工作", "耕地保护"),
    ("推进“高效办成一件事”", "高效办成一件事"),
    ("做好重要民生商品保供稳价工作", "保供稳价"),
    ("开展自建房安全专项整治", "自建房整治"),
    ("加强公文处理规范化建设", "公文处理"),
    ("做好市政府重点工作督查督办", "督查督办"),
    ("做好信访积案化解工作", "信访化解"),
    ("做好地质灾害防治工作", "地质灾害防治"),
];

const REQUESTS: &[&str] = &[
    "申请拨付防汛抢险救灾资金",
    "申请调整城乡居民医疗保险财政补助资金",
    "恳请支持农村公路提档升级项目",
    "申请纳入全市城乡供水一体化试点",
    "申请追加自建房安全整治专项经费",
    "申请将工业园区污水处理厂扩建项目列入市重点项目",
    "申请调整县城控制性详细规划",
    "恳请协调解决中小学教师编制缺口",
    "申请举办特色农产品展销会",
    "申请延长高标准农田建设项目工期",
];

const REPORTS: &[&str] = &[
    "安全生产工作情况",
    "防汛抗旱工作情况",
    "政务服务“好差评”工作开展情况",
    "优化营商环境工作推进情况",
    "农民工工资支付保障工作情况",
    "市政府督办事项办理情况",
    "冬季供暖保障工作情况",
    "信访积案化解工作进展情况",
    "耕地保护和粮食生产工作情况",
];

const LETTERS: &[&str] = &[
    "商请协助做好跨县界河道联合巡查工作",
    "商请联合开展边界森林防火检查",
    "商请提供招商引资项目对接资料",
    "商请协助核查流动人口信息",
    "商请交流政务服务事项标准化经验",
    "商请协同做好交界地区道路养护工作",
];

const SENTENCES: &[&str] = &[
    "各地要切实提高政治站位，把这项工作摆上重要议事日程，主要负责同志亲自研究部署。",
    "要坚持问题导向，聚焦薄弱环节，逐项建立问题清单、责任清单和整改清单。",
    "要强化部门协同，形成工作合力，确保各项任务落到实处。",
    "要加强督促检查，对工作推进不力、问题整改不到位的，予以通报批评。",
    "要严格落实值班值守制度，保持通信畅通，遇有重要情况及时报告。",
    "要广泛开展宣传引导，及时回应群众关切，营造良好社会氛围。",
    "各县（区）要结合实际制定具体实施方案，明确时间节点和责任人。",
    "要加强资金保障，统筹用好各类资金，提高资金使用效益。",
    "要建立健全长效机制，推动工作常态化、制度化、规范化。",
    "市政府办公室将适时组织督查，督查结果纳入年度综合考核。",
];

pub(super) const CHECK_OK: &[&str] = &[
    "核稿无误，请主任签发",
    "文字已核，格式规范，请领导审签",
    "已核，拟同意印发",
    "核稿无误",
];
pub(super) const CHECK_BACK: &[&str] = &[
    "主送机关表述不规范，请修改后再报",
    "第二部分内容与上月通知重复，请精简",
    "报送时限不明确，请补充具体日期",
    "标题文种与内容不符，请斟酌修改",
];
pub(super) const COUNTERSIGN: &[&str] = &["同意", "无意见", "同意，建议明确牵头单位", "会签同意"];
pub(super) const SIGNOFF: &[&str] = &["同意印发", "同意", "同意，请抓紧印发", "同意发出"];
pub(super) const SCREEN_OK: &[&str] = &[
    "来文要素齐全，属我单位办理事项",
    "已初审，请主任拟办",
    "来文规范，转拟办",
];
/// Why a county sends the city's document back.
pub(super) const RETURN_DOWN: &[&str] = &[
    "附件缺失：正文所列附件2未随文送达，请补发",
    "主送机关有误：本县不属于该项工作的实施范围，请核实后改送",
    "成文日期与印发日期不一致，请核实后重新印发",
    "版记缺少印发机关和印发日期，请补正后重发",
];
/// Why the city sends a county's document back.
pub(super) const RETURN_UP: &[&str] = &[
    "主送机关有误：此事项应主送市发展改革委，请改送",
    "文种使用不当：请示应一文一事，请拆分后重新报送",
    "未经本级政府审签：请示应由县人民政府主要负责同志签发",
    "附件缺失：正文所列附件未随文报送，请补齐后重新报送",
];
pub(super) const INSTRUCT: &[&str] = &[
    "请按要求抓好落实，按时报送情况",
    "同意拟办意见，请认真组织实施",
    "请相关股室牵头，结合实际抓好贯彻落实",
    "此件很重要，请高度重视，确保按期完成",
    "阅。请办公室跟踪督办",
];

pub(super) fn propose_tail(r: &mut Rng, route: Route) -> &'static str {
    let options: &[&str] = match route {
        Route::Up => &[
            "建议由综合科研究提出办理意见",
            "建议征求市财政局意见后答复",
            "建议由督查科会同有关部门研究",
        ],
        _ => &[
            "建议由督查股牵头抓好落实",
            "建议由综合股牵头，信息股配合",
            "建议按通知要求按时报送",
        ],
    };
    r.pick(options).copied().unwrap_or("建议抓好落实")
}

pub(super) fn handled(r: &mut Rng, route: Route, title: &str) -> String {
    let topic = title
        .split("关于")
        .nth(1)
        .map(|t| {
            t.trim_end_matches("的通知")
                .trim_end_matches("的通报")
                .trim_end_matches("的请示")
                .trim_end_matches("的报告")
                .trim_end_matches("的函")
                .trim_end_matches("的批复")
                .trim_end_matches("的实施意见")
        })
        .unwrap_or("有关工作");
    match route {
        Route::Up => {
            let o: &[&str] = &[
                "经研究，拟原则同意，已起草批复代拟稿",
                "已会同市财政局研究，拟按标准予以支持，批复另发",
                "经研究，同意所请，请办公室按程序办理批复",
            ];
            r.pick(o).copied().unwrap_or("已办理").to_owned()
        }
        Route::Reply => format!("已按批复要求组织实施{topic}相关工作"),
        Route::Across => "已复函，明确我县联络人及配合事项".to_owned(),
        Route::Down => {
            let n = r.range(3, 40);
            let m = r.range(1, n);
            let o = [
                format!(
                    "已完成{topic}相关工作，共排查问题{n}个，已整改{m}个，其余限期整改，情况已按时报送"
                ),
                format!(
                    "已召开专题会议传达部署，制定工作方案，{topic}各项任务已分解落实到责任单位"
                ),
                format!("已按要求落实，{n}个乡镇全部完成自查，相关情况已报市政府办公室"),
            ];
            r.pick(&o).cloned().unwrap_or_default()
        }
    }
}

fn period(day: NaiveDate) -> String {
    let m = day.month();
    match m {
        1 => format!("{}年第四季度", day.year() - 1),
        4 => format!("{}年第一季度", day.year()),
        7 => format!("{}年上半年", day.year()),
        10 => format!("{}年第三季度", day.year()),
        _ => format!("{}年{}月份", day.year(), if m == 1 { 12 } else { m - 1 }),
    }
}

fn body(r: &mut Rng, opening: &str, headings: &[&str], closing: &str) -> String {
    let mut out = vec![opening.to_owned()];
    let nums = ["一、", "二、", "三、", "四、"];
    for (i, h) in headings.iter().enumerate() {
        out.push(format!("{}{h}", nums.get(i).unwrap_or(&"")));
        for j in 0..r.range(1, 2) {
            let s = r.pick(SENTENCES).copied().unwrap_or_default();
            out.push(format!(
                "（{}）{s}",
                ["一", "二"].get(j as usize).unwrap_or(&"一")
            ));
        }
    }
    out.push(closing.to_owned());
    out.join("\n")
}

/// The kind, title and text of one document.
pub(super) fn compose(
    r: &mut Rng,
    route: Route,
    sides: &[Side],
    from: usize,
    to: &[usize],
    answering: Option<&str>,
    day: NaiveDate,
) -> Text {
    let me = sides.get(from).cloned().unwrap_or_default();
    let addressee = |all: bool| -> String {
        if all {
            "各县（区）人民政府：".to_owned()
        } else {
            let names: Vec<String> = to
                .iter()
                .filter_map(|i| sides.get(*i))
                .map(|s| s.gov_name.clone())
                .collect();
            format!("{}：", names.join("、"))
        }
    };
    let all = to.len() + 1 >= sides.len();
    let deadline = format!("{}月{}日", (day.month() % 12) + 1, r.range(5, 25));
    match route {
        Route::Down => {
            let (topic, short) = r
                .pick(TOPICS)
                .copied()
                .unwrap_or(("做好有关工作", "有关工作"));
            let k = r.range(0, 99);
            let (kind, title, body_text, copy) = if k < 60 {
                (
                    "notice",
                    format!("{}关于{topic}的通知", me.office_name),
                    body(
                        r,
                        &format!(
                            "{}\n为{topic}，经市人民政府同意，现将有关事项通知如下。",
                            addressee(all)
                        ),
                        &["总体要求", "重点任务", "工作要求"],
                        &format!("请各县（区）于{deadline}前将{short}工作开展情况报市政府办公室。"),
                    ),
                    vec!["市委办公室", "市人大常委会办公室", "市政协办公室"],
                )
            } else if k < 78 {
                let p = period(day);
                (
                    "circular",
                    format!("{}关于{p}{short}工作情况的通报", me.office_name),
                    body(
                        r,
                        &format!("{}\n现将{p}全市{short}工作情况通报如下。", addressee(all)),
                        &["基本情况", "存在问题", "下一步工作要求"],
                        "请各地对照通报问题，认真抓好整改。",
                    ),
                    vec!["市委办公室"],
                )
            } else if k < 86 {
                (
                    "opinion",
                    format!("{}关于{topic}的实施意见", me.office_name),
                    body(
                        r,
                        &format!(
                            "{}\n为{topic}，结合我市实际，提出如下意见。",
                            addressee(all)
                        ),
                        &["指导思想", "主要目标", "重点任务", "保障措施"],
                        "本意见自印发之日起施行。",
                    ),
                    vec!["市委办公室", "市人大常委会办公室"],
                )
            } else if k < 94 {
                (
                    "letter",
                    format!(
                        "{}关于征求《东川市{short}工作方案（征求意见稿）》意见的函",
                        me.office_name
                    ),
                    body(
                        r,
                        &addressee(all),
                        &["征求意见事项"],
                        &format!("请于{deadline}前将书面意见反馈市政府办公室，逾期视为无意见。"),
                    ),
                    Vec::new(),
                )
            } else {
                (
                    "minutes",
                    format!("全市{short}工作推进会议纪要"),
                    body(
                        r,
                        &format!(
                            "{}，副市长主持召开全市{short}工作推进会议，研究部署有关工作。现纪要如下。",
                            format_args!("{}年{}月{}日", day.year(), day.month(), day.day())
                        ),
                        &["会议听取的情况", "会议议定的事项"],
                        "会议要求，各地各部门按照职责分工抓好落实。",
                    ),
                    Vec::new(),
                )
            };
            Text {
                kind,
                title,
                body: body_text,
                copy,
                note: Some("联系人：秘书一科，电话：0000-1234567".to_owned()),
            }
        }
        Route::Up => {
            let city = sides
                .first()
                .map_or("东川市人民政府办公室".to_owned(), |s| {
                    s.office_name.clone()
                });
            if r.chance(55) {
                let what = r.pick(REQUESTS).copied().unwrap_or("申请有关事项");
                Text {
                    kind: "request",
                    title: format!("{}关于{what}的请示", me.office_name),
                    body: body(
                        r,
                        &format!("{city}：\n为做好有关工作，现就{what}事宜请示如下。"),
                        &["基本情况", "存在困难", "请示事项"],
                        "妥否，请批示。",
                    ),
                    copy: Vec::new(),
                    note: Some(format!("联系人：{}秘书股，电话：0000-7654321", me.short)),
                }
            } else {
                let what = r.pick(REPORTS).copied().unwrap_or("有关工作情况");
                let p = period(day);
                Text {
                    kind: "report",
                    title: format!("{}关于{p}{what}的报告", me.office_name),
                    body: body(
                        r,
                        &format!("{city}：\n按照市政府办公室要求，现将我县{p}{what}报告如下。"),
                        &["工作开展情况", "存在的问题", "下一步打算"],
                        "特此报告。",
                    ),
                    copy: Vec::new(),
                    note: None,
                }
            }
        }
        Route::Across => {
            let what = r.pick(LETTERS).copied().unwrap_or("商请协助有关工作");
            let them = to
                .first()
                .and_then(|i| sides.get(*i))
                .map_or(String::new(), |s| s.office_name.clone());
            Text {
                kind: "letter",
                title: format!("{}关于{what}的函", me.office_name),
                body: body(
                    r,
                    &format!("{them}：\n为加强两县协作，现就{what}事宜函商如下。"),
                    &["协作事项"],
                    "请予支持为盼。",
                ),
                copy: Vec::new(),
                note: None,
            }
        }
        Route::Reply => {
            let asked = answering.unwrap_or("有关事项的请示");
            let county = to
                .first()
                .and_then(|i| sides.get(*i))
                .cloned()
                .unwrap_or_default();
            let subject = asked
                .split("关于")
                .nth(1)
                .unwrap_or(asked)
                .trim_end_matches("的请示")
                .replace("申请", "")
                .replace("恳请支持", "支持")
                .replace("恳请协调解决", "协调解决");
            Text {
                kind: "reply",
                title: format!("{}关于同意{}{subject}的批复", me.office_name, county.short),
                body: body(
                    r,
                    &format!(
                        "{}：\n你县《{asked}》收悉。经市人民政府同意，现批复如下。",
                        county.gov_name
                    ),
                    &["同意所请事项", "有关要求"],
                    "此复。",
                ),
                copy: Vec::new(),
                note: None,
            }
        }
    }
}
