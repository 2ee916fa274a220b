//! The month's evaluation sheet as xlsx: one row per person with each factor's weight and
//! score as numbers, the leader's rating, and the total as a live formula
//! (`ROUND((weight × score + …)/100 + rating, 2)`, its computed value cached), so an office
//! that keeps its spreadsheet sees the same numbers as the page; and the units rolled up.

use chrono::{DateTime, Utc};
use xn_domain::management::Factor;
use xn_render::xlsx::{Cell, TypedSheet, column_letters, typed_workbook};

use super::Management;
use crate::files::AttachmentFile;
use crate::{Actor, Result, ServiceError};

impl Management<'_> {
    /// The month's sheet of everyone the viewer reads.
    pub async fn month_xlsx(
        &self,
        actor: &Actor,
        month: &str,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        let view = self.month(actor, month, now).await?;
        let mut header: Vec<String> = vec!["单位".into(), "姓名".into(), "岗位".into()];
        for f in Factor::ALL {
            header.push(format!("{}权重", f.label()));
            header.push(format!("{}得分", f.label()));
        }
        let rating_col = 3 + 2 * Factor::ALL.len();
        header.push("领导评价".into());
        header.push("合计".into());
        header.push("状态".into());
        let mut rows = Vec::with_capacity(view.rows.len());
        for (i, r) in view.rows.iter().enumerate() {
            let n = i + 2;
            let mut cells = vec![
                Cell::Text(r.unit.clone()),
                Cell::Text(r.person.clone()),
                Cell::Text(r.post_label.clone()),
            ];
            let mut terms = Vec::new();
            for (k, (w, s)) in r.weights.iter().zip(&r.scores).enumerate() {
                #[expect(clippy::cast_precision_loss, reason = "weights are small")]
                cells.push(Cell::Number(*w as f64));
                cells.push(Cell::Number(*s));
                let wc = column_letters(3 + 2 * k);
                let sc = column_letters(4 + 2 * k);
                terms.push(format!("{wc}{n}*{sc}{n}"));
            }
            #[expect(clippy::cast_precision_loss, reason = "the rating is small")]
            cells.push(Cell::Number(r.rating as f64));
            cells.push(Cell::Formula {
                formula: format!(
                    "ROUND(({})/100+{}{n},2)",
                    terms.join("+"),
                    column_letters(rating_col)
                ),
                value: r.total,
            });
            cells.push(Cell::Text(
                if r.locked { "已锁定" } else { "未锁定" }.to_owned(),
            ));
            rows.push(cells);
        }
        let mut unit_header = vec!["单位".to_owned(), "人数".to_owned()];
        unit_header.extend(Factor::ALL.iter().map(|f| format!("{}（平均）", f.label())));
        unit_header.push("平均合计".into());
        unit_header.push("已锁定人数".into());
        let unit_rows = view
            .units
            .iter()
            .map(|u| {
                #[expect(clippy::cast_precision_loss, reason = "head counts are small")]
                let mut cells = vec![Cell::Text(u.name.clone()), Cell::Number(u.people as f64)];
                cells.extend(u.scores.iter().map(|s| Cell::Number(*s)));
                cells.push(Cell::Number(u.total));
                #[expect(clippy::cast_precision_loss, reason = "head counts are small")]
                cells.push(Cell::Number(u.locked as f64));
                cells
            })
            .collect();
        let bytes = typed_workbook(&[
            TypedSheet {
                name: "月度考评".into(),
                header,
                rows,
            },
            TypedSheet {
                name: "单位汇总".into(),
                header: unit_header,
                rows: unit_rows,
            },
        ])
        .map_err(|e| ServiceError::Internal(e.into()))?;
        Ok(AttachmentFile {
            name: format!("月度考评-{}.xlsx", view.month),
            mime: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".into(),
            bytes,
        })
    }
}
