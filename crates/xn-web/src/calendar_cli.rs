//! `xiaoneng calendar …`: the working-day calendar from the command line.
//!
//! `days` and `add` answer from the years shipped in the binary and need neither a server nor
//! a database (scripts and other systems can use them as they are). `export` prints a year's
//! TOML, from the database when one is named and from the shipped data otherwise; `import`
//! validates a year file and saves it into the database with the same recomputation of open
//! deadlines as the page. Messages are in Chinese; a bad argument exits non-zero.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use xn_domain::calendar::Calendar;
use xn_service::Services;
use xn_service::calendar::{check_year, fmt_date_zh, parse_date, parse_working_days};

use crate::cli::DbArgs;
use crate::config::Config;

/// The calendar commands.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print every day from --from to --to as CSV (date,workday,name), using the shipped data.
    Days {
        /// First day, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        /// Last day (included), YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        to: String,
    },
    /// Print the deadline N working days after --from (the day of receipt does not count).
    Add {
        /// The day of receipt, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: String,
        /// N working days.
        #[arg(long, value_name = "N")]
        days: String,
        /// Also print how the date was reached (on a second line).
        #[arg(long)]
        explain: bool,
    },
    /// Print a year's data as TOML: from the database when --data-dir or --database-url is
    /// given, else as shipped.
    Export {
        /// The year.
        #[arg(long)]
        year: String,
        /// Write to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Where the data lives.
        #[command(flatten)]
        db: DbArgs,
    },
    /// Validate a year file (TOML, as exported) and save it into the database; open deadlines
    /// it moves are recomputed and their holders notified.
    Import {
        /// The year file.
        file: PathBuf,
        /// Where the data lives.
        #[command(flatten)]
        db: DbArgs,
    },
}

/// Runs a calendar command. `open` opens and migrates the configured database (the binary's
/// own start-up routine); it is called only by `export` with a database and by `import`.
pub async fn run(
    action: CalendarCommand,
    config_file: Option<&Path>,
    open: impl AsyncFn(&Config) -> anyhow::Result<Services>,
) -> anyhow::Result<()> {
    match action {
        CalendarCommand::Days { from, to } => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            quiet_pipe(write_days_csv(&Calendar::shipped(), &from, &to, &mut out))
        }
        CalendarCommand::Add {
            from,
            days,
            explain,
        } => {
            let (date, explanation) = add(&Calendar::shipped(), &from, &days)?;
            println!("{date}");
            if explain {
                println!("{explanation}");
            }
            Ok(())
        }
        CalendarCommand::Export { year, out, db } => {
            let year = parse_year(&year)?;
            let text = if db.data_dir.is_some() || db.database_url.is_some() {
                let services = open(&config_with(config_file, &db)?).await?;
                let cal = services
                    .calendar()
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                services.db().close().await;
                cal.year(year)
                    .map(|d| d.to_toml())
                    .ok_or_else(|| anyhow::anyhow!("数据库中没有 {year} 年的日历数据"))?
            } else {
                Calendar::shipped()
                    .year(year)
                    .map(|d| d.to_toml())
                    .ok_or_else(|| anyhow::anyhow!("本版本未附带 {year} 年的日历数据"))?
            };
            match out {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("无法写入 {}", path.display())),
                None => quiet_pipe(std::io::stdout().lock().write_all(text.as_bytes())),
            }
        }
        CalendarCommand::Import { file, db } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("无法读取 {}", file.display()))?;
            let services = open(&config_with(config_file, &db)?).await?;
            let now = crate::Clock::System.now();
            let result = services.console_import_calendar(&text, now).await;
            services.db().close().await;
            let report = result.map_err(|e| anyhow::anyhow!("{}：{e}", file.display()))?;
            println!(
                "已保存 {} 年工作日历。重新计算了 {} 个在办期限。",
                report.year,
                report.recomputed.len()
            );
            for c in &report.recomputed {
                println!(
                    "  {}：{} → {}",
                    c.subject,
                    fmt_date_zh(c.old_date),
                    fmt_date_zh(c.new_date)
                );
            }
            Ok(())
        }
    }
}

/// Writes `date,workday,name` for every day from `from` to `to` (both `YYYY-MM-DD`).
///
/// # Errors
/// A malformed date or a reversed range, in Chinese; or a failed write.
pub fn write_days_csv(
    cal: &Calendar,
    from: &str,
    to: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let from = parse_date("from", "开始日期 --from", from).map_err(|e| anyhow::anyhow!("{e}"))?;
    let to = parse_date("to", "结束日期 --to", to).map_err(|e| anyhow::anyhow!("{e}"))?;
    let days = cal.days(from, to).map_err(|e| anyhow::anyhow!("{e}"))?;
    out.write_all(b"date,workday,name\n")?;
    for day in days {
        let name = match &day.kind {
            xn_domain::calendar::DayKind::Holiday { name } => csv_field(name),
            _ => String::new(),
        };
        writeln!(out, "{},{},{}", day.date, u8::from(day.is_working()), name)?;
    }
    out.flush()?;
    Ok(())
}

/// The deadline `days` working days after `from`, and its explanation.
///
/// # Errors
/// A malformed date or number, in Chinese.
pub fn add(cal: &Calendar, from: &str, days: &str) -> anyhow::Result<(String, String)> {
    let from = parse_date("from", "受理日 --from", from).map_err(|e| anyhow::anyhow!("{e}"))?;
    let n = parse_working_days("days", days).map_err(|e| anyhow::anyhow!("{e}"))?;
    let d = cal.add_working_days(from, n);
    Ok((d.date.to_string(), d.explanation))
}

fn parse_year(text: &str) -> anyhow::Result<i32> {
    let year: i32 = text
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("年份「{}」无效，应为四位数字，如 2026", text.trim()))?;
    check_year(year).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(year)
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The configuration with the command's database options applied.
fn config_with(config_file: Option<&Path>, db: &DbArgs) -> anyhow::Result<Config> {
    let mut config = Config::load(config_file)?;
    if let Some(d) = &db.data_dir {
        config.data_dir = d.clone();
    }
    if let Some(u) = &db.database_url {
        config.database_url = Some(u.clone());
    }
    Ok(config)
}

/// A reader that closed the pipe early (`| head`) is not an error.
fn quiet_pipe<E: Into<anyhow::Error>>(r: Result<(), E>) -> anyhow::Result<()> {
    match r.map_err(Into::into) {
        Err(e)
            if e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe) =>
        {
            Ok(())
        }
        other => other,
    }
}
