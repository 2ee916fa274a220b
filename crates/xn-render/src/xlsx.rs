//! Writing xlsx workbooks with rust_xlsxwriter: a bold, frozen header row, columns sized to
//! their Chinese content, text cells only (values are written computed; no formulas).

use rust_xlsxwriter::{Format, Workbook, XlsxError};

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

#[cfg(test)]
mod tests {
    use super::*;

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
