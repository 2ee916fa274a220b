//! Writes a sample 发文稿纸 and 收文处理笺: `cargo run -p xn-render --example processing_sheets
//! -- OUT_DIR`.

use chrono::NaiveDate;
use xn_render::gbt9704::{
    FontSet, IncomingSheet, OutgoingSheet, SheetStep, incoming_sheet, outgoing_sheet,
};

fn step(step: &str, opinion: &str, person: &str, day: u32) -> SheetStep {
    SheetStep {
        step: step.into(),
        opinion: opinion.into(),
        person: person.into(),
        date: NaiveDate::from_ymd_opt(2026, 11, day).unwrap_or_default(),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let fonts = FontSet::discover(&[])?;
    let out = OutgoingSheet {
        office: "东川市人民政府办公室".into(),
        title: "东川市人民政府办公室关于做好2026年冬季安全生产工作的通知".into(),
        number: Some("东政办发〔2026〕7号".into()),
        urgency: Some("特急".into()),
        drafting_unit: Some("秘书科".into()),
        main_recipients: vec!["各县（区）人民政府".into(), "市政府各部门".into()],
        cc: vec!["市委各部门".into()],
        attachments: vec!["重点任务分工表".into()],
        copies: Some(60),
        steps: vec![
            step("拟稿", "拟发此通知，请审核。", "张明", 20),
            step("核稿", "文字已核，请李主任审签。", "刘芳", 21),
            step("会签", "同意。", "市应急管理局 吴某", 22),
            step("签发", "同意印发。", "李某某", 24),
        ],
        ..OutgoingSheet::default()
    };
    std::fs::write(format!("{dir}/发文稿纸.pdf"), outgoing_sheet(&out, &fonts)?)?;
    let inc = IncomingSheet {
        office: "东川市人民政府办公室".into(),
        title: "关于做好冬季森林防火工作的通知".into(),
        sender: "省人民政府办公厅".into(),
        number: Some("省政办发〔2026〕40号".into()),
        serial: Some("收2026-0815".into()),
        received: NaiveDate::from_ymd_opt(2026, 11, 18),
        urgency: Some("加急".into()),
        deadline: NaiveDate::from_ymd_opt(2026, 11, 30),
        steps: vec![
            step(
                "拟办",
                "拟请王副市长阅示，转市林业局办理。",
                "秘书科 张明",
                18,
            ),
            step(
                "批示",
                "请市林业局抓好落实，确保不发生重大森林火灾。",
                "王某某",
                19,
            ),
            step(
                "办理",
                "已转市林业局，11月25日报送落实情况。",
                "督查科 刘芳",
                25,
            ),
        ],
        ..IncomingSheet::default()
    };
    std::fs::write(
        format!("{dir}/收文处理笺.pdf"),
        incoming_sheet(&inc, &fonts)?,
    )?;
    Ok(())
}
