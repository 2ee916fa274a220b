//! `xiaoneng doctor`: checks what a server needs before and while it runs — the configuration,
//! the database and its schema, the installation key, the fonts official documents are set in,
//! the disk, the clock and the mail server — and explains each problem in Chinese and English.
//! It changes nothing: it creates no database and migrates none.

use std::path::Path;
use std::time::Duration;

use crate::config::Config;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Fine.
    Ok,
    /// Works, but should be seen to.
    Warn,
    /// Will not work.
    Fail,
}

/// One check's outcome, said in both languages.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The outcome.
    pub verdict: Verdict,
    /// What was checked, in Chinese.
    pub what: &'static str,
    /// The finding, in Chinese.
    pub zh: String,
    /// The finding, in English.
    pub en: String,
}

fn finding(
    verdict: Verdict,
    what: &'static str,
    zh: impl Into<String>,
    en: impl Into<String>,
) -> Finding {
    Finding {
        verdict,
        what,
        zh: zh.into(),
        en: en.into(),
    }
}

/// Free space below which the disk check fails, and below which it warns.
const DISK_FAIL: u64 = 1 << 30;
const DISK_WARN: u64 = 5 << 30;

/// Runs every check on `config` (already loaded; `loaded` says from where) and answers the
/// findings in order.
pub async fn check(config: &Config, loaded: &str) -> Vec<Finding> {
    let mut out = vec![finding(
        Verdict::Ok,
        "配置",
        format!("已读取（{loaded}）"),
        format!("configuration read ({loaded})"),
    )];
    out.extend(check_settings(config));
    out.extend(check_database(config).await);
    out.push(check_key(config));
    out.push(check_fonts());
    out.push(check_disk(config));
    out.extend(check_mail(config).await);
    out
}

fn check_settings(config: &Config) -> Vec<Finding> {
    let mut out = Vec::new();
    let local = config.addr.starts_with("127.") || config.addr.starts_with("localhost");
    if !local && !config.secure_cookies {
        out.push(finding(
            Verdict::Warn,
            "配置",
            format!(
                "监听 {}，但未设置 secure_cookies：请在前面以 HTTPS 反向代理（并转发 X-Forwarded-Proto），或设置 secure_cookies = true",
                config.addr
            ),
            format!(
                "listening on {} without secure_cookies: serve it behind an HTTPS reverse proxy that sends X-Forwarded-Proto, or set secure_cookies = true",
                config.addr
            ),
        ));
    }
    if config.notify.public_url.trim().is_empty() && !local {
        out.push(finding(
            Verdict::Warn,
            "配置",
            "未设置 [notify] public_url：邮件和工作群消息中的链接将指向监听地址，经代理访问时可能打不开",
            "[notify] public_url is not set: links in mail and robot messages point at the listening address, which people behind a proxy may not reach",
        ));
    }
    out
}

async fn check_database(config: &Config) -> Vec<Finding> {
    // An SQLite address is checked as a file: opening it would create it.
    let sqlite_file = config.database_url.as_deref().and_then(|u| {
        u.strip_prefix("sqlite://")
            .or_else(|| u.strip_prefix("sqlite:"))
            .map(|p| std::path::PathBuf::from(p.split('?').next().unwrap_or(p)))
    });
    if let Some(path) = &sqlite_file
        && !path.exists()
    {
        return vec![finding(
            Verdict::Warn,
            "数据库",
            format!(
                "{} 尚不存在：首次运行 xiaoneng serve 时创建",
                path.display()
            ),
            format!(
                "{} does not exist yet: the first `xiaoneng serve` creates it",
                path.display()
            ),
        )];
    }
    let db = match &config.database_url {
        Some(url) => {
            match tokio::time::timeout(Duration::from_secs(10), xn_store::Db::open_url(url)).await {
                Ok(Ok(db)) => db,
                Ok(Err(e)) => {
                    return vec![finding(
                        Verdict::Fail,
                        "数据库",
                        format!("无法连接 PostgreSQL：{e}。请检查 database_url、网络和口令"),
                        format!(
                            "cannot connect to PostgreSQL: {e}; check database_url, the network and the password"
                        ),
                    )];
                }
                Err(_) => {
                    return vec![finding(
                        Verdict::Fail,
                        "数据库",
                        "10 秒内未能连接 PostgreSQL：请检查 database_url 中的地址、端口和口令，以及网络",
                        "could not connect to PostgreSQL within 10 seconds: check the host, port and password in database_url, and the network",
                    )];
                }
            }
        }
        None => {
            let path = config.data_dir.join("xiaoneng.db");
            if !path.exists() {
                return vec![finding(
                    Verdict::Warn,
                    "数据库",
                    format!(
                        "{} 尚不存在：首次运行 xiaoneng serve 时创建",
                        path.display()
                    ),
                    format!(
                        "{} does not exist yet: the first `xiaoneng serve` creates it",
                        path.display()
                    ),
                )];
            }
            match xn_store::Db::open_sqlite(&path).await {
                Ok(db) => db,
                Err(e) => {
                    return vec![finding(
                        Verdict::Fail,
                        "数据库",
                        format!("无法打开 {}：{e}", path.display()),
                        format!("cannot open {}: {e}", path.display()),
                    )];
                }
            }
        }
    };
    let mut out = Vec::new();
    let newest = xn_store::backup::newest_migration(db.engine());
    match db.schema_version().await {
        Ok(v) if v == newest => out.push(finding(
            Verdict::Ok,
            "数据库",
            format!("可以连接，结构为本版本的最新（{v}）"),
            format!("reachable, schema current ({v})"),
        )),
        Ok(v) if v < newest => out.push(finding(
            Verdict::Warn,
            "数据库",
            format!("结构为 {v}，本版本为 {newest}：启动服务或运行 xiaoneng migrate 时升级（请先备份）"),
            format!("schema {v}, this build's is {newest}: `serve` or `xiaoneng migrate` upgrades it (back up first)"),
        )),
        Ok(v) => out.push(finding(
            Verdict::Fail,
            "数据库",
            format!("结构为 {v}，比本版本（{newest}）更新：请使用更新的 xiaoneng"),
            format!("schema {v} is newer than this build's ({newest}): run a newer xiaoneng"),
        )),
        Err(_) => out.push(finding(
            Verdict::Warn,
            "数据库",
            "数据库中没有本系统的结构（空库，或不是本系统的库）：启动服务时建立结构",
            "the database holds no schema of this system (empty, or another system's): `serve` creates it",
        )),
    }
    out.push(check_clock(&db).await);
    db.close().await;
    out
}

async fn check_clock(db: &xn_store::Db) -> Finding {
    #[expect(
        clippy::disallowed_methods,
        reason = "the check compares this machine's clock"
    )]
    let here = chrono::Utc::now().timestamp_millis();
    if let Ok(Some(there)) = db.server_clock_ms().await
        && (here - there).abs() > 5_000
    {
        return finding(
            Verdict::Warn,
            "时钟",
            format!(
                "本机时钟与数据库服务器相差 {:.1} 秒：期限、黄牌和审计记录都依赖时钟，请为两台机器配置 NTP",
                (here - there) as f64 / 1000.0
            ),
            format!(
                "this machine's clock is {:.1} s off the database server's: deadlines, cards and the audit trail depend on it; set up NTP on both",
                (here - there) as f64 / 1000.0
            ),
        );
    }
    if let Ok(Some(newest)) = db.newest_event_ms().await
        && newest > here + 60_000
    {
        return finding(
            Verdict::Fail,
            "时钟",
            "本机时钟早于数据库中最近一条记录的时间：时钟被调回过，请校准后再启动",
            "this machine's clock is behind the newest recorded event: the clock went back; correct it before serving",
        );
    }
    finding(Verdict::Ok, "时钟", "时钟正常", "clock consistent")
}

fn check_key(config: &Config) -> Finding {
    let configured = config
        .seal_key
        .as_deref()
        .is_some_and(|k| !k.trim().is_empty());
    let file = config.data_dir.join("seal.key");
    match (configured, file.exists(), config.database_url.is_some()) {
        (true, _, _) => finding(
            Verdict::Ok,
            "密钥",
            "已配置 seal_key",
            "seal_key configured",
        ),
        (false, true, false) => finding(
            Verdict::Ok,
            "密钥",
            format!("使用 {}（请随备份妥善保存）", file.display()),
            format!("using {} (keep it with the backups)", file.display()),
        ),
        (false, false, false) => finding(
            Verdict::Warn,
            "密钥",
            format!(
                "{} 尚不存在：首次启动时生成，请随备份妥善保存",
                file.display()
            ),
            format!(
                "{} does not exist yet: the first start makes it; keep it with the backups",
                file.display()
            ),
        ),
        (false, _, true) => finding(
            Verdict::Warn,
            "密钥",
            "使用 PostgreSQL 但未设置 seal_key：多台服务器必须使用同一密钥（XIAONENG_SEAL_KEY），否则彼此无法读取加密内容",
            "PostgreSQL without seal_key: every server must be given the same key (XIAONENG_SEAL_KEY), or they cannot read each other's encrypted data",
        ),
    }
}

fn check_fonts() -> Finding {
    match xn_render::gbt9704::FontSet::discover(&[]) {
        Ok(_) => finding(
            Verdict::Ok,
            "字体",
            "公文用字体齐备",
            "the fonts official documents are set in are present",
        ),
        Err(e) => finding(
            Verdict::Fail,
            "字体",
            format!(
                "缺少公文用中文字体（{e}），无法生成版式文件：Debian 上请安装 fonts-arphic-gbsn00lp fonts-arphic-gkai00mp fonts-noto-cjk"
            ),
            format!(
                "the Chinese fonts documents are set in are missing ({e}), so no print file can be made: on Debian install fonts-arphic-gbsn00lp fonts-arphic-gkai00mp fonts-noto-cjk"
            ),
        ),
    }
}

fn check_disk(config: &Config) -> Finding {
    let mut dir: &Path = &config.data_dir;
    while !dir.exists() {
        match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => dir = p,
            _ => {
                dir = Path::new(".");
                break;
            }
        }
    }
    let Ok(st) = rustix::fs::statvfs(dir) else {
        return finding(
            Verdict::Warn,
            "磁盘",
            format!("无法读取 {} 所在磁盘的剩余空间", dir.display()),
            format!(
                "cannot read the free space of the disk holding {}",
                dir.display()
            ),
        );
    };
    let free = st.f_bavail.saturating_mul(st.f_frsize);
    let gib = |b: u64| format!("{:.1}", b as f64 / f64::from(1u32 << 30));
    let verdict = if free < DISK_FAIL {
        Verdict::Fail
    } else if free < DISK_WARN {
        Verdict::Warn
    } else {
        Verdict::Ok
    };
    let (zh, en) = match verdict {
        Verdict::Ok => (
            format!("{} 所在磁盘剩余 {} GiB", dir.display(), gib(free)),
            format!(
                "{} GiB free on the disk holding {}",
                gib(free),
                dir.display()
            ),
        ),
        _ => (
            format!(
                "{} 所在磁盘仅剩 {} GiB：数据库、附件和备份需要空间，请清理或扩容",
                dir.display(),
                gib(free)
            ),
            format!(
                "only {} GiB free on the disk holding {}: the database, files and backups need room; free some or add a disk",
                gib(free),
                dir.display()
            ),
        ),
    };
    finding(verdict, "磁盘", zh, en)
}

async fn check_mail(config: &Config) -> Vec<Finding> {
    if !config.notify.mail.configured() {
        return vec![finding(
            Verdict::Ok,
            "邮件",
            "未设置邮件服务器：消息不经邮件发送",
            "no mail server set: messages are not sent by mail",
        )];
    }
    let transports = match crate::outbound::Transports::new(&config.notify) {
        Ok(t) => t,
        Err(e) => {
            return vec![finding(
                Verdict::Fail,
                "邮件",
                format!("邮件设置有误：{e}"),
                format!("the mail settings are wrong: {e}"),
            )];
        }
    };
    let host = config.notify.mail.host.clone().unwrap_or_default();
    match transports.test_mail().await {
        Ok(()) => vec![finding(
            Verdict::Ok,
            "邮件",
            format!("可以连接邮件服务器 {host}:{}", config.notify.mail.port),
            format!("the mail server {host}:{} answers", config.notify.mail.port),
        )],
        Err(e) => vec![finding(
            Verdict::Fail,
            "邮件",
            format!("无法连接邮件服务器 {host}:{}：{e}", config.notify.mail.port),
            format!(
                "cannot reach the mail server {host}:{}: {e}",
                config.notify.mail.port
            ),
        )],
    }
}

/// Prints the findings; answers whether none failed.
pub fn report(findings: &[Finding]) -> bool {
    for f in findings {
        let tag = match f.verdict {
            Verdict::Ok => "[通过 OK  ]",
            Verdict::Warn => "[注意 WARN]",
            Verdict::Fail => "[错误 FAIL]",
        };
        println!("{tag} {}：{}", f.what, f.zh);
        println!("{}{}", " ".repeat(12), f.en);
    }
    let failed = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Fail)
        .count();
    let warned = findings
        .iter()
        .filter(|f| f.verdict == Verdict::Warn)
        .count();
    if failed == 0 {
        println!(
            "检查完毕：{warned} 项需要注意，没有错误。 / Done: {warned} warnings, no failures."
        );
    } else {
        println!(
            "检查完毕：{failed} 项错误，{warned} 项需要注意。 / Done: {failed} failures, {warned} warnings."
        );
    }
    failed == 0
}
