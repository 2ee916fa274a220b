//! Official documents laid out as GB/T 9704-2012 《党政机关公文格式》 requires, and a checker
//! that measures a PDF against the same figures.
//!
//! - [`spec`]: the document to lay out ([`DocSpec`], read from TOML or built by another crate)
//!   and its validation.
//! - [`fonts`]: finding the standard's faces or free substitutes ([`FontSet`]).
//! - `layout`: where each element goes, with the standard's clause numbers beside each rule.
//! - `pdf`: writing the layout with pdf-writer and subset CID fonts.
//! - [`mod@check`]: reading a PDF back (lopdf) and reporting every violation by element and rule.
//! - [`sheets`]: 发文稿纸 and 收文处理笺.
//! - [`mod@bulletin`]: 简报, an issue of an information periodical.
//! - [`mod@summary`]: 年总结, a year summary with its charts.
//!
//! Nothing here touches the database or reads the clock.

pub mod bulletin;
pub mod check;
pub mod fonts;
mod layout;
mod pdf;
pub mod sheets;
pub mod spec;
pub mod summary;

pub use bulletin::{Bulletin, BulletinItem, bulletin};
pub use check::{MeasuredLine, MeasuredPage, MeasuredRule, Violation, check, measure};
pub use fonts::{FontError, FontRole, FontSet};
pub use layout::{
    Deviations, Geometry, RenderOptions, Rgb, heading_level, paragraphs, title_lines,
};
pub use sheets::{IncomingSheet, OutgoingSheet, SheetStep, incoming_sheet, outgoing_sheet};
pub use spec::{DocSpec, Format, SpecProblem};
pub use summary::{ChartKind, SummaryBlock, SummaryChart, YearSummary, year_summary};

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// Number of pages.
    pub pages: usize,
    /// Warnings in Chinese: substituted fonts, characters no font has.
    pub warnings: Vec<String>,
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The document has problems; each names its key.
    #[error("公文内容有误：{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("；"))]
    Invalid(Vec<SpecProblem>),
    /// The seal image could not be read.
    #[error("印章图像无法读取：{0}")]
    Seal(String),
    /// Writing the PDF failed (a font could not be embedded).
    #[error("生成 PDF 失败：{0}")]
    Pdf(String),
}

/// Lays out a document and writes it as PDF.
pub fn render(
    spec: &DocSpec,
    fonts: &FontSet,
    opts: &RenderOptions,
) -> Result<Rendered, RenderError> {
    if !opts.deviations.skip_validation {
        let problems = spec.validate();
        if !problems.is_empty() {
            return Err(RenderError::Invalid(problems));
        }
    }
    let image = match (&opts.seal_png, spec.seal) {
        (Some(png), true) => Some(pdf::decode_png(png).map_err(RenderError::Seal)?),
        _ => None,
    };
    let aspect = image
        .as_ref()
        .map(|i| i.height as f32 / i.width.max(1) as f32);
    let mut ctx = layout::Ctx::new(&opts.geometry, fonts);
    let canvas = layout::layout_document(&mut ctx, spec, &opts.deviations, aspect);
    let mut warnings: Vec<String> = fonts.warnings().to_vec();
    if !ctx.missing.is_empty() {
        let chars: String = ctx.missing.iter().collect();
        warnings.push(format!(
            "以下字符在所有字体中都没有字形，将显示为空白：{chars}"
        ));
    }
    let title = if spec.title.trim().is_empty() {
        spec.mark_text()
    } else {
        spec.title.replace('\n', "")
    };
    let pdf = pdf::write(&canvas, fonts, image.as_ref(), &title).map_err(RenderError::Pdf)?;
    Ok(Rendered {
        pages: canvas.pages.len(),
        pdf,
        warnings,
    })
}
