//! Writing xlsx workbooks with rust_xlsxwriter: a bold, frozen header row, columns sized to
//! their Chinese content. [`workbook`] writes text cells only; [`typed_workbook`] writes
//! numbers and live formulas too, each formula with its computed result cached (a reader that
//! does not calculate still sees the value).

use rust_xlsxwriter::{Format, Formula, Workbook, XlsxError};

/// A failure to write a workbook.
#[derive(Debug, thiserror::Error)]
#[error("xlsx: {0}")]
pub struct RenderError(#[from] XlsxError);

/// One worksheet: its name, header and rows of text.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// Worksheet name (at most 31 characters).
    pub name: String,
    /// Column headers.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

/// Display width of text in Excel's units: CJK characters count double.
fn width(s: &str) -> f64 {
    s.chars()
        .map(|c| if c.is_ascii() { 1.0 } else { 2.1 })
        .sum()
}

/// Writes sheets into one workbook and returns its bytes.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, RenderError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("#EEF1F5");
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(&sheet.name)?;
        let mut widths: Vec<f64> = sheet.header.iter().map(|h| width(h)).collect();
        for (c, h) in sheet.header.iter().enumerate() {
            ws.write_string_with_format(0, u16::try_from(c).unwrap_or(u16::MAX), h, &bold)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                ws.write_string(r, u16::try_from(c).unwrap_or(u16::MAX), cell)?;
                if let Some(w) = widths.get_mut(c) {
                    *w = w.max(width(cell));
                } else {
                    widths.push(width(cell));
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(u16::try_from(c).unwrap_or(u16::MAX), (w + 2.0).min(60.0))?;
        }
        ws.set_freeze_panes(1, 0)?;
    }
    Ok(book.save_to_buffer()?)
}

/// A cell of a [`TypedSheet`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A live formula (without the leading `=`) and its computed result.
    Formula {
        /// The formula, e.g. `ROUND((D2*E2)/100,2)`.
        formula: String,
        /// What it computes to.
        value: f64,
    },
}

/// A worksheet of typed cells.
#[derive(Debug, Clone, Default)]
pub struct TypedSheet {
    /// Worksheet name (at most 31 characters).
    pub name: String,
    /// Column headers.
    pub header: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<Cell>>,
}

/// The letters of a 0-based column (0 → A, 26 → AA), for formulas.
pub fn column_letters(col: usize) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// Writes typed sheets into one workbook and returns its bytes.
pub fn typed_workbook(sheets: &[TypedSheet]) -> Result<Vec<u8>, RenderError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("#EEF1F5");
    for sheet in sheets {
        let ws = book.add_worksheet();
        ws.set_name(&sheet.name)?;
        let mut widths: Vec<f64> = sheet.header.iter().map(|h| width(h)).collect();
        for (c, h) in sheet.header.iter().enumerate() {
            ws.write_string_with_format(0, u16::try_from(c).unwrap_or(u16::MAX), h, &bold)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                let col = u16::try_from(c).unwrap_or(u16::MAX);
                let w = match cell {
                    Cell::Text(t) => {
                        ws.write_string(r, col, t)?;
                        width(t)
                    }
                    Cell::Number(n) => {
                        ws.write_number(r, col, *n)?;
                        8.0
                    }
                    Cell::Formula { formula, value } => {
                        ws.write_formula(
                            r,
                            col,
                            Formula::new(format!("={formula}")).set_result(value.to_string()),
                        )?;
                        8.0
                    }
                };
                if let Some(x) = widths.get_mut(c) {
                    *x = x.max(w);
                } else {
                    widths.push(w);
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            ws.set_column_width(u16::try_from(c).unwrap_or(u16::MAX), (w + 2.0).min(60.0))?;
        }
        ws.set_freeze_panes(1, 0)?;
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_spreadsheets_do() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
    }

    #[test]
    fn a_typed_sheet_keeps_its_formula_and_its_result() {
        let bytes = typed_workbook(&[TypedSheet {
            name: "考评".into(),
            header: vec!["权重".into(), "得分".into(), "合计".into()],
            rows: vec![vec![
                Cell::Number(40.0),
                Cell::Number(50.0),
                Cell::Formula {
                    formula: "A2*B2/100".into(),
                    value: 20.0,
                },
            ]],
        }])
        .unwrap();
        assert!(bytes.starts_with(b"PK"));
    }

    #[test]
    fn a_workbook_is_a_zip_with_every_sheet() {
        let bytes = workbook(&[
            Sheet {
                name: "单位".into(),
                header: vec!["单位全称".into()],
                rows: vec![vec!["东川市人民政府".into()]],
            },
            Sheet {
                name: "人员".into(),
                header: vec!["姓名".into()],
                rows: vec![],
            },
        ])
        .unwrap();
        assert!(bytes.starts_with(b"PK"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("xl/worksheets/sheet2.xml"));
    }
}
