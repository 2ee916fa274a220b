//! `xiaoneng render` and `xiaoneng check`: official documents from the command line, without a
//! server or a database. `render` reads a DOC.toml, lays it out by GB/T 9704-2012 and writes the
//! PDF, then checks it; `check` measures any PDF against the standard. Both exit non-zero on a
//! problem and list every one of them.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use xn_render::gbt9704::{DocSpec, FontSet, RenderOptions, check, render};

/// Options of `render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The document description (TOML; see docs/examples/).
    #[arg(value_name = "DOC.toml")]
    pub input: PathBuf,
    /// Where to write the PDF. Default: DOC.pdf beside the input.
    #[arg(short, long, value_name = "OUT.pdf")]
    pub output: Option<PathBuf>,
    /// The issuer's seal (PNG, red on a transparent background), used when the document says
    /// seal = true. Without it the space for a seal applied by hand is kept.
    #[arg(long, value_name = "SEAL.png")]
    pub seal: Option<PathBuf>,
    /// A folder with licensed fonts (仿宋_GB2312, 方正小标宋 …), searched before the system's.
    #[arg(long, value_name = "DIR", env = "XIAONENG_FONT_DIR")]
    pub font_dir: Option<PathBuf>,
}

/// Options of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The PDF to check.
    #[arg(value_name = "OUT.pdf")]
    pub input: PathBuf,
}

/// Renders a DOC.toml to PDF; fails when the file has problems or the PDF violates the
/// standard.
pub fn run_render(args: &RenderArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.input)
        .with_context(|| format!("无法读取 {}", args.input.display()))?;
    let spec = DocSpec::from_toml(&text).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        anyhow::anyhow!(
            "{} 有 {} 处问题：\n{}",
            args.input.display(),
            problems.len(),
            list.join("\n")
        )
    })?;
    let dirs: Vec<PathBuf> = args.font_dir.iter().cloned().collect();
    let fonts = FontSet::discover(&dirs)?;
    let seal_png = match &args.seal {
        Some(p) => Some(std::fs::read(p).with_context(|| format!("无法读取印章 {}", p.display()))?),
        None => None,
    };
    let opts = RenderOptions {
        seal_png,
        ..RenderOptions::default()
    };
    let out = render(&spec, &fonts, &opts)?;
    for w in &out.warnings {
        eprintln!("警告：{w}");
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| args.input.with_extension("pdf"));
    std::fs::write(&output, &out.pdf).with_context(|| format!("无法写入 {}", output.display()))?;
    println!("已生成 {}（{} 页）。", output.display(), out.pages);
    report(&output, &out.pdf)
}

/// Checks a PDF against GB/T 9704-2012.
pub fn run_check(args: &CheckArgs) -> anyhow::Result<()> {
    let pdf =
        std::fs::read(&args.input).with_context(|| format!("无法读取 {}", args.input.display()))?;
    report(&args.input, &pdf)
}

fn report(path: &Path, pdf: &[u8]) -> anyhow::Result<()> {
    let violations = check(pdf);
    if violations.is_empty() {
        println!("{}：符合 GB/T 9704-2012 的各项检查。", path.display());
        return Ok(());
    }
    for v in &violations {
        println!("{v}");
    }
    anyhow::bail!(
        "{} 有 {} 处不符合 GB/T 9704-2012",
        path.display(),
        violations.len()
    )
}
