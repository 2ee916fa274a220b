//! 年总结 as files and as a document: the year of a person, section or office as a PDF with
//! the page's charts (drawn from the same points); the year's summary table as xlsx (each
//! person's twelve months' totals as numbers and the year's mean as a live formula); and the
//! office's annual summary (年度工作总结) drafted as a 报告 of the office to its government,
//! composed from the year's figures and the office's own summary text, which then goes
//! through 核稿, 签发 and numbering like any document.

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::documents::Recipient;
use xn_render::gbt9704::{ChartKind, SummaryBlock, SummaryChart, YearSummary, year_summary};
use xn_render::xlsx::{Cell, TypedSheet, column_letters, typed_workbook};
use xn_store::management::{self as store, SummaryWrite};

use super::Management;
use super::summaries::{CHARTS, YearSubject, YearView, chart_points};
use crate::documents::DraftInput;
use crate::files::AttachmentFile;
use crate::{Actor, Result, ServiceError, ms};

/// A line of the year's table: unit, person, post, the twelve months' totals, the mean.
type TableRow = (String, String, String, Vec<Option<f64>>, Option<f64>);

fn num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

fn opt(v: Option<f64>, suffix: &str) -> String {
    v.map_or_else(|| "—".to_owned(), |x| format!("{}{suffix}", num(x)))
}

/// The year's targets in words, one line each.
fn target_lines(y: &YearView) -> Vec<String> {
    y.targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            format!(
                "{}. {}（权重 {}%）：目标 {}，{}，{}。",
                i + 1,
                t.title,
                t.weight,
                t.target,
                if t.result.is_empty() {
                    "尚未填报完成情况".to_owned()
                } else {
                    format!("完成 {}", t.result)
                },
                t.status_label
            )
        })
        .collect()
}

/// The year's handling in words.
fn work_line(y: &YearView) -> String {
    let areas: Vec<String> = y
        .areas
        .iter()
        .map(|a| format!("{} {} 个环节（{} 件）", a.label, a.steps, a.items))
        .collect();
    format!(
        "全年到期办理环节 {} 个，按期办结 {} 个，按期办结率 {}；收到黄牌 {} 张、红牌 {} 张。办理环节分领域：{}。",
        y.due,
        y.on_time,
        opt(y.rate, "%"),
        y.yellow,
        y.red,
        if areas.is_empty() {
            "无".to_owned()
        } else {
            areas.join("，")
        }
    )
}

/// The months in words.
fn months_line(y: &YearView) -> String {
    let months: Vec<String> = y
        .months
        .iter()
        .map(|m| {
            format!(
                "{} {}{}",
                m.label,
                opt(m.total, " 分"),
                if m.running {
                    "（进行中）"
                } else if m.people > 0 && m.locked == m.people {
                    "（已锁定）"
                } else {
                    ""
                }
            )
        })
        .collect();
    format!(
        "已结束的 {} 个月考评平均得分 {}。各月：{}。",
        y.months_ended,
        opt(y.average, " 分"),
        months.join("，")
    )
}

impl Management<'_> {
    /// The year as a PDF: the same figures and charts as the page.
    pub async fn year_pdf(
        &self,
        actor: &Actor,
        q: &YearSubject,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        let y = self.year(actor, q, now).await?;
        let mut blocks = Vec::new();
        if !y.has_data {
            blocks.push(SummaryBlock::Paragraph(format!(
                "{} 年度没有数据。",
                y.year
            )));
        } else {
            blocks.push(SummaryBlock::Heading("一、年度目标完成情况".into()));
            let lines = target_lines(&y);
            blocks.push(SummaryBlock::Paragraph(if lines.is_empty() {
                "本年度没有分解到此的目标。".into()
            } else {
                lines.join("\n")
            }));
            blocks.push(SummaryBlock::Heading("二、月度考评".into()));
            blocks.push(SummaryBlock::Paragraph(months_line(&y)));
            blocks.push(SummaryBlock::Heading("三、办理及时率、亮牌和工作量".into()));
            blocks.push(SummaryBlock::Paragraph(work_line(&y)));
            let points = chart_points(&y.months, &y.areas);
            for ((title, suffix, max, bar), pts) in CHARTS.iter().zip(points) {
                blocks.push(SummaryBlock::Chart(SummaryChart {
                    title: (*title).to_owned(),
                    kind: if *bar {
                        ChartKind::Bars
                    } else {
                        ChartKind::Line
                    },
                    max: *max,
                    suffix: (*suffix).to_owned(),
                    points: pts,
                }));
            }
            if !y.people.is_empty() {
                blocks.push(SummaryBlock::Heading("四、人员年度考评".into()));
                blocks.push(SummaryBlock::Paragraph(
                    y.people
                        .iter()
                        .map(|p| {
                            format!(
                                "{} {}（{}）：平均 {}，年度总结{}。",
                                p.unit,
                                p.person,
                                p.post_label,
                                opt(p.average, " 分"),
                                p.summary
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n"),
                ));
            }
        }
        if !y.summary.body.trim().is_empty() {
            let headings = blocks
                .iter()
                .filter(|b| matches!(b, SummaryBlock::Heading(_)))
                .count();
            let numeral = ["一", "二", "三", "四", "五"]
                .get(headings)
                .copied()
                .unwrap_or("六");
            blocks.push(SummaryBlock::Heading(format!("{numeral}、年度总结")));
            blocks.push(SummaryBlock::Paragraph(y.summary.body.clone()));
        }
        let doc = YearSummary {
            title: format!("{}年度工作总结", y.year),
            subject: format!("{}（{}）", y.name, y.kind_label),
            note: if y.running {
                format!("年度进行中，数据截至 {}", y.as_of)
            } else {
                format!("{} 年全年", y.year)
            },
            blocks,
        };
        let fonts = crate::documents::print::fonts()?;
        let pdf = tokio::task::spawn_blocking(move || year_summary(&doc, &fonts))
            .await
            .map_err(|e| ServiceError::Internal(e.into()))?
            .map_err(|e| ServiceError::Conflict {
                code: "management.render",
                message: format!("年度总结排版失败：{e}"),
            })?;
        Ok(AttachmentFile {
            name: format!("年度总结-{}-{}.pdf", y.year, y.name),
            mime: "application/pdf".into(),
            bytes: pdf,
        })
    }

    /// The year's summary table as xlsx: each person of the unit shown (or the person) with
    /// the twelve months' totals as numbers and the year's mean as a live formula over the
    /// ended months.
    pub async fn year_xlsx(
        &self,
        actor: &Actor,
        q: &YearSubject,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        let y = self.year(actor, q, now).await?;
        let mut header = vec!["单位".to_owned(), "姓名".to_owned(), "岗位".to_owned()];
        header.extend((1..=12).map(|m| format!("{m}月")));
        header.push("年度平均".into());
        let ended = usize::try_from(y.months_ended).unwrap_or(0);
        let rows: Vec<TableRow> = if y.people.is_empty() {
            let totals = (0..12)
                .map(|i| y.months.get(i).and_then(|m| m.total))
                .collect();
            vec![(
                y.name.clone(),
                String::new(),
                y.kind_label.clone(),
                totals,
                y.average,
            )]
        } else {
            y.people
                .iter()
                .map(|p| {
                    (
                        p.unit.clone(),
                        p.person.clone(),
                        p.post_label.clone(),
                        p.totals.clone(),
                        p.average,
                    )
                })
                .collect()
        };
        let mut out = Vec::with_capacity(rows.len());
        for (i, (unit, person, post, totals, average)) in rows.into_iter().enumerate() {
            let n = i + 2;
            let mut cells = vec![Cell::Text(unit), Cell::Text(person), Cell::Text(post)];
            for t in &totals {
                cells.push(t.map_or_else(|| Cell::Text(String::new()), Cell::Number));
            }
            cells.push(match (ended, average) {
                (1.., Some(a)) => Cell::Formula {
                    formula: format!(
                        "ROUND(AVERAGE({}{n}:{}{n}),2)",
                        column_letters(3),
                        column_letters(2 + ended)
                    ),
                    value: a,
                },
                _ => Cell::Text(String::new()),
            });
            out.push(cells);
        }
        let bytes = typed_workbook(&[TypedSheet {
            name: format!("{}年度汇总", y.year),
            header,
            rows: out,
        }])
        .map_err(|e| ServiceError::Internal(e.into()))?;
        Ok(AttachmentFile {
            name: format!("年度汇总-{}-{}.xlsx", y.year, y.name),
            mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            bytes,
        })
    }

    /// Drafts the office's annual summary (年度工作总结) as a 报告 of the office to its
    /// government, composed from the year's figures and the office's own summary text (its
    /// 主任 or 副主任). `drafter`, a person of one of the office's sections whom the leader
    /// oversees, is made the document's 拟稿人 (交办: they polish it and submit it for 核稿 to
    /// their chief, as the outgoing flow wants) and told; without one the leader is. Once per
    /// year; answers the document's id.
    pub async fn draft_year_document(
        &self,
        actor: &Actor,
        year: i64,
        drafter: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let v = self.viewer(actor).await?;
        let office = Self::office_led(&v).map_err(|_| {
            ServiceError::Forbidden("年度工作总结由办公室（厅）主任、副主任起草".into())
        })?;
        let q = YearSubject {
            year: Some(year),
            post: None,
            unit: Some(office),
        };
        let y = self.year(actor, &q, now).await?;
        if let Some(d) = y.document_id {
            return Err(ServiceError::Conflict {
                code: "management.year_document_drafted",
                message: format!("{year} 年度工作总结已起草（公文 {d}），请在办文中修改"),
            });
        }
        if !y.has_data && y.summary.body.trim().is_empty() {
            return Err(ServiceError::invalid(
                "year",
                format!("{year} 年度没有数据，也没有填写办公室年度总结，无法生成"),
            ));
        }
        let government = store::parent_of(self.svc.db(), office).await?;
        let main = match government {
            Some(g) => vec![Recipient {
                unit_id: None,
                name: xn_store::org::find_unit(self.svc.db(), g).await?.name,
            }],
            None => Vec::new(),
        };
        let mut body = vec![format!(
            "现将本办公室 {year} 年度工作情况报告如下{}。",
            if y.running {
                format!("（数据截至 {}）", y.as_of)
            } else {
                String::new()
            }
        )];
        body.push("一、年度目标完成情况".into());
        let lines = target_lines(&y);
        if lines.is_empty() {
            body.push("本年度未制定目标。".into());
        } else {
            body.push(format!("本年度共确定目标 {} 项。", lines.len()));
            body.extend(lines);
        }
        body.push("二、办文办事情况".into());
        body.push(work_line(&y));
        body.push("三、月度考评情况".into());
        body.push(months_line(&y));
        let text = y.summary.body.trim();
        if !text.is_empty() {
            body.push("四、工作总结".into());
            body.extend(text.lines().map(str::to_owned));
        }
        body.push("特此报告。".into());
        let input = DraftInput {
            kind: "report".into(),
            title: format!("关于{year}年度工作情况的报告"),
            main_recipients: main,
            signature: Some(y.name.clone()),
            seal: true,
            body: body.join("\n"),
            version_note: Some(format!("由{year}年度总结数据生成")),
            ..DraftInput::default()
        };
        let writer = match drafter {
            Some(post) => {
                let s = self.person(&v, post).await?;
                if s.office_id != office || s.unit_id == office || !Self::oversees(&v, &s) {
                    return Err(ServiceError::invalid(
                        "drafter_post",
                        "拟稿人应为本办公室各科室的工作人员",
                    ));
                }
                Some(
                    self.svc
                        .actor_for(
                            s.person_id,
                            Some(s.post_id),
                            None,
                            &crate::auth::Client::default(),
                            now,
                        )
                        .await?,
                )
            }
            None => None,
        };
        let id = self
            .svc
            .documents()
            .draft(writer.as_ref().unwrap_or(actor), &input, now)
            .await?;
        let mut tx = self.svc.db().begin().await?;
        if let Some(post) = drafter {
            crate::meetings::tell(
                &mut tx,
                &[post],
                "management.year_document_drafted",
                &format!("document:{id}"),
                &format!("请完善《{}》并提交核稿", input.title),
                now,
            )
            .await?;
        }
        if store::summary_tx(&mut tx, year, "unit", office)
            .await?
            .is_none()
        {
            store::save_summary(
                &mut tx,
                &SummaryWrite {
                    year,
                    subject: "unit",
                    subject_id: office,
                    body: "",
                    submit: false,
                    author_post_id: v.post,
                },
                ms(now),
            )
            .await?;
        }
        let row = store::summary_tx(&mut tx, year, "unit", office)
            .await?
            .ok_or(ServiceError::NotFound("年度总结"))?;
        store::set_summary_document(&mut tx, row.id, id, ms(now)).await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.year_document_drafted",
            Some(format!("document:{id}")),
            json!({"year": year, "office": office, "document": id, "drafter": drafter}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
