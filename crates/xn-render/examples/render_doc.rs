//! Renders a DOC.toml to PDF (the library's way, without the `xiaoneng` binary) and times it.
//!
//! `cargo run -p xn-render --release --example render_doc -- DOC.toml OUT.pdf [RUNS]`
//! prints the font start-up time and, for RUNS renderings of the same document, each time and
//! the median.

use std::time::Instant;
use xn_render::gbt9704::{DocSpec, FontSet, RenderOptions, check, render};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        eprintln!("用法：render_doc DOC.toml OUT.pdf [次数]");
        std::process::exit(2);
    };
    let runs: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(1);
    let text = std::fs::read_to_string(input)?;
    let spec = DocSpec::from_toml(&text).map_err(|p| {
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let t0 = Instant::now();
    let fonts = FontSet::discover(&[])?;
    let startup = t0.elapsed();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let out = render(&spec, &fonts, &RenderOptions::default())?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(out);
    }
    let Some(out) = last else { return Ok(()) };
    std::fs::write(output, &out.pdf)?;
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let t = Instant::now();
    let violations = check(&out.pdf);
    let check_ms = t.elapsed().as_secs_f64() * 1000.0;
    println!(
        "pages={} bytes={} startup_ms={:.1} render_ms_median={:.2} render_ms_all={:?} check_ms={:.1} violations={}",
        out.pages,
        out.pdf.len(),
        startup.as_secs_f64() * 1000.0,
        median,
        times
            .iter()
            .map(|t| (t * 100.0).round() / 100.0)
            .collect::<Vec<_>>(),
        check_ms,
        violations.len()
    );
    for v in &violations {
        println!("{v}");
    }
    for w in &out.warnings {
        eprintln!("警告：{w}");
    }
    Ok(())
}
