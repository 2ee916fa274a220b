//! The `xiaoneng` binary: parses the command line and runs the command. The one place that
//! reads the system clock is [`xn_web::Clock::System`].

use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;
use xn_service::Services;
use xn_web::cli::{AuditCommand, Cli, Command, DbArgs, EfficiencyCommand, ServeArgs, UserCommand};
use xn_web::config::Config;
use xn_web::{AppState, Clock};

fn main() -> std::process::ExitCode {
    let filter = EnvFilter::try_from_env("XIAONENG_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // XIAONENG_LOG_FORMAT=json: one JSON object per line, with the fields of the spans it was
    // written in (a request's method, path and request_id), for a log collector.
    if std::env::var("XIAONENG_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
    let cli = Cli::parse();
    let runtime = match xn_service::runtime(engine_of(&cli)) {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：无法启动运行时：{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The database engine the command will open, which sizes the runtime
/// ([`xn_store::Engine::runtime_threads`]). A configuration that cannot be read is reported
/// later, by the command itself.
fn engine_of(cli: &Cli) -> xn_store::Engine {
    let db = match &cli.command {
        Some(Command::Serve(a) | Command::Demo(a)) => Some(&a.db),
        Some(
            Command::Migrate(db)
            | Command::Doctor(db)
            | Command::SealLegacy(db)
            | Command::GrantRuntime { db, .. }
            | Command::CaseState { db, .. }
            | Command::User { db, .. }
            | Command::Audit { db, .. }
            | Command::Efficiency { db, .. }
            | Command::Backup { db, .. }
            | Command::Restore { db, .. }
            | Command::MoveToPostgres { db },
        ) => Some(db),
        Some(Command::Calendar { .. } | Command::Render(_) | Command::Check(_)) | None => None,
    };
    let mut config = Config::load(cli.config.as_deref()).unwrap_or_default();
    if let Some(db) = db {
        apply_db(&mut config, db);
    }
    xn_store::Engine::of_url(config.database_url.as_deref())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Calendar { action }) = cli.command {
        // Before the configuration: `days` and `add` need neither it nor a database.
        return xn_web::calendar_cli::run(action, cli.config.as_deref(), open).await;
    }
    match &cli.command {
        // Neither needs the configuration nor a database.
        Some(Command::Render(args)) => return xn_web::render_cli::run_render(args),
        Some(Command::Check(args)) => return xn_web::render_cli::run_check(args),
        _ => {}
    }
    let mut config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) if matches!(cli.command, Some(Command::Doctor(_))) => {
            xn_web::doctor::report(&[xn_web::doctor::Finding {
                verdict: xn_web::doctor::Verdict::Fail,
                what: "配置",
                zh: e.to_string(),
                en: format!("the configuration cannot be read: {e}"),
            }]);
            anyhow::bail!("检查未通过 / some checks failed")
        }
        Err(e) => return Err(e),
    };
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(config, args).await,
        Command::Demo(mut args) => {
            args.demo = true;
            serve(config, args).await
        }
        Command::Doctor(db) => {
            apply_db(&mut config, &db);
            let loaded = match cli.config.as_deref() {
                Some(f) => f.display().to_string(),
                None if std::path::Path::new("xiaoneng.toml").exists() => {
                    "xiaoneng.toml".to_owned()
                }
                None => "默认设置与环境变量 / defaults and environment".to_owned(),
            };
            let findings = xn_web::doctor::check(&config, &loaded).await;
            if xn_web::doctor::report(&findings) {
                Ok(())
            } else {
                anyhow::bail!("检查未通过 / some checks failed")
            }
        }
        Command::Migrate(db) => {
            apply_db(&mut config, &db);
            let services = open(&config).await?;
            println!("数据库已是最新结构。");
            services.db().close().await;
            Ok(())
        }
        Command::SealLegacy(db) => {
            apply_db(&mut config, &db);
            let services = open(&config).await?;
            let r = services.seal_legacy_at_rest().await;
            services.db().close().await;
            let done = r.map_err(|e| anyhow::anyhow!("加密保存失败：{e}"))?;
            println!(
                "已加密保存：附件等文件 {} 个，正文 {} 件，历次稿本 {} 份，意见 {} 条（涉及 {} 个事项）",
                done.files, done.bodies, done.versions, done.opinions, done.states
            );
            Ok(())
        }
        Command::GrantRuntime { role, db } => {
            apply_db(&mut config, &db);
            let services = open(&config).await?;
            let r = services.db().grant_runtime(&role).await;
            services.db().close().await;
            r.map_err(|e| anyhow::anyhow!("授权失败：{e}"))?;
            println!(
                "已授权角色 {role}：可读写各表，审计事件及其封存值只能读取和追加，不能迁移。服务器请以该角色连接数据库。"
            );
            Ok(())
        }
        Command::Calendar { action } => {
            xn_web::calendar_cli::run(action, cli.config.as_deref(), open).await
        }
        Command::CaseState { id, db } => {
            apply_db(&mut config, &db);
            let services = open(&config).await?;
            let json = services
                .case_state_json(id)
                .await
                .map_err(|e| anyhow::anyhow!("事项 {id}：{e}"))?;
            println!("{json}");
            services.db().close().await;
            Ok(())
        }
        Command::Audit { action, db } => {
            apply_db(&mut config, &db);
            let services = open(&config).await?;
            let r = audit(&services, &action).await;
            services.db().close().await;
            r
        }
        Command::Efficiency { action, db } => {
            apply_db(&mut config, &db);
            let services = open(&config).await?;
            let r = efficiency(&services, &action).await;
            services.db().close().await;
            r
        }
        Command::Render(args) => xn_web::render_cli::run_render(&args),
        Command::Check(args) => xn_web::render_cli::run_check(&args),
        Command::Backup { to, db } => {
            apply_db(&mut config, &db);
            backup(&config, &to).await
        }
        Command::Restore { from, db } => {
            apply_db(&mut config, &db);
            restore(&config, &from).await
        }
        Command::MoveToPostgres { db } => {
            apply_db(&mut config, &db);
            move_to_postgres(&config).await
        }
        Command::User { action, db } => {
            apply_db(&mut config, &db);
            let services = open(&config).await?;
            let now = Clock::System.now();
            match action {
                UserCommand::Create {
                    login,
                    name,
                    unit,
                    position,
                    role,
                    password,
                } => {
                    let user = xn_service::console::ConsoleUser {
                        login: login.clone(),
                        name,
                        unit,
                        position,
                        role,
                        password,
                    };
                    match services.console_create_user(&user, now).await? {
                        Some(pw) => println!("已创建 {login}。初始口令：{pw}（首次登录须修改）"),
                        None => println!("已创建 {login}。"),
                    }
                }
                UserCommand::ResetPassword { login } => {
                    let link = services.console_reset_password(&login, now).await?;
                    let until = xn_web::pages::beijing_time(link.expires_at.timestamp_millis());
                    println!(
                        "{login} 的一次性口令重置链接（请只交给本人；{until} 前可用一次，原口令在使用前仍有效）：\n本系统地址{}",
                        link.path
                    );
                }
                UserCommand::ResetFactor { login } => {
                    services.console_reset_factor(&login, now).await?;
                    println!("{login} 的动态口令已重置，本人下次登录时须重新启用。");
                }
                UserCommand::Lock { login } => {
                    services.console_set_locked(&login, true, now).await?;
                    println!("{login} 已锁定。");
                }
                UserCommand::Unlock { login } => {
                    services.console_set_locked(&login, false, now).await?;
                    println!("{login} 已解锁。");
                }
            }
            services.db().close().await;
            Ok(())
        }
    }
}

fn apply_db(config: &mut Config, db: &DbArgs) {
    if let Some(d) = &db.data_dir {
        config.data_dir = d.clone();
    }
    if let Some(u) = &db.database_url {
        config.database_url = Some(u.clone());
    }
}

/// `xiaoneng audit …`.
async fn efficiency(services: &Services, action: &EfficiencyCommand) -> anyhow::Result<()> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the console command runs at the present instant"
    )]
    let now = chrono::Utc::now();
    match action {
        EfficiencyCommand::Close => {
            let n = services
                .efficiency()
                .close_periods(now)
                .await
                .map_err(|e| anyhow::anyhow!("计算失败：{e}"))?;
            println!("已计算并保存 {n} 个期间的效能数据");
            Ok(())
        }
        EfficiencyCommand::Recompute { from, to, apply } => {
            let r = services
                .efficiency()
                .recompute(*from, *to, *apply, now)
                .await
                .map_err(|e| anyhow::anyhow!("重新计算失败：{e}"))?;
            for d in &r.differences {
                println!(
                    "{} 单位 {}{}：{} 保存为 {}，重新计算为 {}",
                    d.period,
                    d.unit_id,
                    if d.post_id == 0 {
                        String::new()
                    } else {
                        format!(" 岗位 {}", d.post_id)
                    },
                    d.figure,
                    d.stored,
                    d.computed
                );
            }
            if !r.other_rules.is_empty() {
                println!(
                    "以下期间按旧版计算规则保存，差异可能来自规则变化：{}",
                    r.other_rules.join("、")
                );
            }
            println!(
                "已核对 {} 个期间、{} 行：{}{}",
                r.periods,
                r.rows,
                if r.differences.is_empty() {
                    "一致".to_owned()
                } else {
                    format!("{} 处不一致", r.differences.len())
                },
                if r.applied {
                    "；已用重新计算的结果替换保存的数据"
                } else {
                    ""
                }
            );
            if r.differences.is_empty() || r.applied {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "效能数据与事实不一致：{} 处",
                    r.differences.len()
                ))
            }
        }
    }
}

async fn audit(services: &Services, action: &AuditCommand) -> anyhow::Result<()> {
    match action {
        AuditCommand::Seal => {
            let n = services
                .seal_events()
                .await
                .map_err(|e| anyhow::anyhow!("封存失败：{e}"))?;
            println!("已封存 {n} 条事件");
            Ok(())
        }
        AuditCommand::Verify => {
            let v = services
                .verify_audit_chain()
                .await
                .map_err(|e| anyhow::anyhow!("校验失败：{e}"))?;
            if v.unsealed > 0 {
                println!(
                    "尚未封存的事件 {} 条（最早的编号：{}）",
                    v.unsealed,
                    v.oldest_unsealed
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join("、")
                );
            }
            match v.broken {
                None => {
                    println!("审计链完整：已校验 {} 环", v.checked);
                    Ok(())
                }
                Some(b) => {
                    println!(
                        "审计链在第 {} 环断开（事件编号 {}）：{}；此前 {} 环完整",
                        b.seq, b.event_id, b.reason, v.checked
                    );
                    std::process::exit(1);
                }
            }
        }
    }
}

/// `xiaoneng backup`: the configured installation, as it runs, into a new file.
async fn backup(config: &Config, to: &std::path::Path) -> anyhow::Result<()> {
    let db = match &config.database_url {
        Some(url) => xn_store::Db::open_url(url)
            .await
            .with_context(|| "无法连接数据库".to_owned())?,
        None => {
            let path = config.data_dir.join(xn_service::backup::DATABASE_FILE);
            if !path.is_file() {
                anyhow::bail!("{} 中没有数据库，无可备份", config.data_dir.display());
            }
            xn_store::Db::open_sqlite(&path)
                .await
                .with_context(|| format!("无法打开 {}", path.display()))?
        }
    };
    let taken = xn_service::backup::take(&db, &config.data_dir, to, Clock::System.now()).await;
    db.close().await;
    let m = taken.map_err(|e| anyhow::anyhow!("{e}"))?;
    let bytes: u64 = m.members.iter().map(|x| x.bytes).sum();
    println!(
        "已备份到 {}：{} 数据库（结构第 {} 版），{} 个文件共 {} 字节，清单含每个文件的 SM3 校验值。",
        to.display(),
        if m.engine == "sqlite" {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        m.schema_version,
        m.members.len(),
        bytes
    );
    Ok(())
}

/// `xiaoneng restore`: a checked backup into an empty data directory or database.
async fn restore(config: &Config, from: &std::path::Path) -> anyhow::Result<()> {
    // The data directory is made by the restore, once the backup has been checked.
    let manifest = match &config.database_url {
        Some(url) if url.starts_with("sqlite://") => {
            anyhow::bail!("恢复到 SQLite 请用 --data-dir 指定一个空的数据目录");
        }
        Some(url) => {
            let db = xn_store::Db::open_url(url)
                .await
                .with_context(|| "无法连接数据库".to_owned())?;
            let done = xn_service::backup::restore(
                from,
                xn_service::backup::Target::Postgres {
                    db: &db,
                    data_dir: &config.data_dir,
                },
            )
            .await;
            db.close().await;
            done
        }
        None => {
            xn_service::backup::restore(
                from,
                xn_service::backup::Target::Sqlite {
                    data_dir: &config.data_dir,
                },
            )
            .await
        }
    }
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Brought up to this build's schema as any upgrade is.
    let services = open(config).await?;
    services.db().close().await;
    println!(
        "已从 {} 恢复（{} 备份于 {}，{} 个文件校验无误），数据库已升级到本程序的结构。",
        from.display(),
        if manifest.engine == "sqlite" {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        xn_domain::calendar::hours::to_shanghai_local(manifest.taken_at).format("%Y-%m-%d %H:%M"),
        manifest.members.len()
    );
    Ok(())
}

/// `xiaoneng move-to-postgres`: the SQLite installation of the data directory into an empty
/// PostgreSQL database, then its search index built there.
async fn move_to_postgres(config: &Config) -> anyhow::Result<()> {
    let url = match &config.database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => url,
        _ => anyhow::bail!(
            "请用 --database-url 指定空的目标 PostgreSQL 数据库，例如 postgres://xiaoneng@127.0.0.1/xiaoneng"
        ),
    };
    // The bodies, files and opinions are sealed with the installation's key: without it the
    // search index cannot be built, and the servers would make a key of their own.
    let has_key = config
        .seal_key
        .as_deref()
        .is_some_and(|k| !k.trim().is_empty())
        || config.data_dir.join("seal.key").is_file();
    let has_database = config
        .data_dir
        .join(xn_service::backup::DATABASE_FILE)
        .is_file();
    if has_database && !has_key {
        anyhow::bail!(
            "{} 中没有印章密钥 seal.key，配置中也没有 seal_key：请在安装的工作目录中运行，或用 --data-dir 指向原数据目录",
            config.data_dir.display()
        );
    }
    let target = xn_store::Db::open_url(url)
        .await
        .with_context(|| "无法连接目标数据库".to_owned())?;
    println!(
        "正在把 {} 的 SQLite 数据迁移到 PostgreSQL（请确认服务已停止）……",
        config.data_dir.display()
    );
    let moved = xn_service::moving::to_postgres(&config.data_dir, &target, &mut |m| {
        if m.rows > 0 {
            println!("  {}：{} 行，校验值 {}", m.table, m.rows, m.digest);
        }
    })
    .await;
    let report = match moved {
        Ok(r) => r,
        Err(e) => {
            target.close().await;
            anyhow::bail!("迁移未完成：{e}");
        }
    };
    let rows: u64 = report.tables.iter().map(|m| m.rows).sum();
    println!(
        "数据已迁移：{} 张表共 {rows} 行（数据库结构第 {} 版），逐表核对行数与校验值无误。正在重建检索索引……",
        report.tables.len(),
        report.schema_version
    );
    // The index is built with the installation's seal key (bodies are sealed at rest); what a
    // server loads at its start is left to the first start.
    let services = services_on(config, target)?;
    let documents = services.documents();
    let indexed = async {
        let n = documents.index_queued().await?;
        Ok::<_, xn_service::ServiceError>(n + documents.index_backlog(usize::MAX).await?)
    }
    .await;
    services.db().close().await;
    let indexed = indexed.map_err(|e| {
        anyhow::anyhow!("数据已迁移完毕，但检索索引未能建完（服务启动后会在后台续建）：{e}")
    })?;
    println!(
        "已迁移完毕，已为 {indexed} 件公文重建检索索引。\n\
         今后请以 --database-url 指向该 PostgreSQL 数据库、--data-dir 仍指向 {} 启动各服务（印章密钥 seal.key 在其中）；原 SQLite 文件保留未动。",
        config.data_dir.display()
    );
    Ok(())
}

/// Creates the data directory for its owner only (mode 0700 on Unix); one that exists is left
/// as it is, with a warning when others may read it (it may be shared on purpose).
fn create_data_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        if let Ok(m) = std::fs::metadata(dir) {
            if m.permissions().mode() & 0o077 != 0 {
                tracing::warn!(dir = %dir.display(), "the data directory may be read by others; 0700 is advised");
            }
            return Ok(());
        }
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Opens and migrates the configured database and builds the services.
/// The services of the configuration on `db`, with the installation's seal key, and nothing
/// loaded into the database.
fn services_on(config: &Config, db: xn_store::Db) -> anyhow::Result<Services> {
    let mut settings = config.settings();
    settings.seal_key = Some(
        xn_service::documents::load_or_create_seal_key(
            config.seal_key.as_deref(),
            &config.data_dir,
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    Services::new(db, settings).map_err(|e| anyhow::anyhow!("{e}"))
}

async fn open(config: &Config) -> anyhow::Result<Services> {
    let db = match &config.database_url {
        Some(url) => xn_store::Db::open_url(url)
            .await
            .with_context(|| "无法连接数据库".to_owned())?,
        None => {
            create_data_dir(&config.data_dir)
                .with_context(|| format!("无法创建数据目录 {}", config.data_dir.display()))?;
            let path = config.data_dir.join("xiaoneng.db");
            xn_store::Db::open_sqlite(&path)
                .await
                .with_context(|| format!("无法打开 {}", path.display()))?
        }
    };
    // A database without the migrations table is new (version 0). One already at this build's
    // schema is not migrated: a server running as a role that does not own the tables
    // (`grant-runtime`) may not, and needs not.
    let schema_before = db.schema_version().await.unwrap_or(0);
    if schema_before != xn_store::backup::newest_migration(db.engine()) {
        db.migrate().await.context(
            "数据库迁移失败（以不拥有数据表的角色运行时，请先以数据表所有者运行 xiaoneng migrate）",
        )?;
    }
    let services = services_on(config, db)?;
    services
        .ensure_builtins()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    services
        .ensure_calendar(Clock::System.now())
        .await
        .map_err(|e| anyhow::anyhow!("载入工作日历失败：{e}"))?;
    services
        .ensure_processes(Clock::System.now())
        .await
        .map_err(|e| anyhow::anyhow!("载入流程定义失败：{e}"))?;
    if schema_before > 0 && schema_before < xn_service::at_rest::SEALED_SINCE_MIGRATION {
        // This start upgraded the database: what earlier builds stored in plain is sealed now.
        let done = services
            .seal_legacy_at_rest()
            .await
            .map_err(|e| anyhow::anyhow!("加密保存已有正文、附件和意见失败：{e}"))?;
        tracing::info!(
            files = done.files,
            bodies = done.bodies,
            versions = done.versions,
            opinions = done.opinions,
            states = done.states,
            "sealed the bodies, files and opinions an earlier build stored in plain"
        );
    }
    services
        .arm_missing_service_urges()
        .await
        .map_err(|e| anyhow::anyhow!("安排服务事项催办失败：{e}"))?;
    Ok(services)
}

async fn serve(mut config: Config, args: ServeArgs) -> anyhow::Result<()> {
    apply_db(&mut config, &args.db);
    if let Some(a) = &args.addr {
        config.addr = a.clone();
    }
    let services = open(&config).await?;
    if args.demo {
        match services.load_demo(Clock::System.now()).await {
            Ok(()) => {
                println!("已载入演示数据：东川市（市政府办公室及各科、8 个县区、6 个部门）。");
                let items = services
                    .load_supervision_history(Clock::System.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("载入督查演示数据失败：{e}"))?;
                println!("已载入近一年的督办事项 {items} 项（含进展报送、黄牌红牌与销号）。");
                let meetings = services
                    .load_demo_meetings(Clock::System.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("载入会议演示数据失败：{e}"))?;
                println!(
                    "已载入近一年的会议 {meetings} 个（每周市长办公会议、每月常务会议及其纪要和议定事项督办；前后十周的专题会议、视频会议）。"
                );
                let engagements = services
                    .load_demo_schedule(Clock::System.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("载入领导日程演示数据失败：{e}"))?;
                println!(
                    "已载入市长前后十周的日程 {engagements} 项（调研、活动、外出，由秘书一科秘书管理）。"
                );
                let requests = services
                    .load_demo_service(Clock::System.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("载入服务事项演示数据失败：{e}"))?;
                println!(
                    "已载入近一年的服务事项 {requests} 件（群众诉求含退单、延期、超期、重办与回访；近两个月的内部办事含用车、维修、用印）。"
                );
                let (targets, reports) =
                    services
                        .load_demo_management(Clock::System.now())
                        .await
                        .map_err(|e| anyhow::anyhow!("载入管理演示数据失败：{e}"))?;
                println!(
                    "已载入年度目标 {targets} 项（分解到科室、县区和岗位）和近八周的周报告 {reports} 份，上上月考评已锁定。"
                );
                let (materials, sessions) = services
                    .load_demo_study(Clock::System.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("载入学习演示数据失败：{e}"))?;
                println!(
                    "已载入近一年的学习材料 {materials} 份、学习会和分析会 {sessions} 次（含签到、心得、向基层学习和面向县区的培训）。"
                );
                let items = services
                    .load_demo_information(Clock::System.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("载入信息演示数据失败：{e}"))?;
                println!(
                    "已载入近两个月各县区报送的政务信息 {items} 条（含突发事件快报、迟报、采用与《东川政务信息》各期）。"
                );
                let topics = services
                    .load_demo_research(Clock::System.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("载入调研演示数据失败：{e}"))?;
                println!(
                    "已载入近一年的调研课题 {topics} 个（含走访座谈、调研报告、领导批示、转督办与成果转化）。"
                );
                let complaints = services
                    .load_demo_complaints(Clock::System.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("载入效能投诉演示数据失败：{e}"))?;
                println!("已载入效能投诉 {complaints} 件（成立并整改、不成立、核查中各一件）。");
                let (ratings, evaluations) = services
                    .load_demo_satisfaction(Clock::System.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("载入满意度演示数据失败：{e}"))?;
                println!(
                    "已载入领导和县区对已办结事项的满意度评价 {ratings} 条、近半年的上级评价 {evaluations} 条。"
                );
                let scan = services
                    .efficiency()
                    .scan_alerts(Clock::System.now())
                    .await
                    .map_err(|e| anyhow::anyhow!("效能预警扫描失败：{e}"))?;
                println!("已按预警规则扫描一次，发出效能预警 {} 条。", scan.raised);
            }
            Err(xn_service::ServiceError::Conflict { .. }) => {
                println!("数据库中已有数据，沿用现有数据。")
            }
            Err(e) => return Err(anyhow::anyhow!("载入演示数据失败：{e}")),
        }
        println!("演示账号（口令均为 {}）：", xn_service::demo::DEMO_PASSWORD);
        for (login, who) in xn_service::demo::DEMO_LOGINS {
            println!("  {login:<14} {who}");
        }
        println!(
            "三员账号登录时还须输入动态口令（TOTP），演示密钥：{}（仅供演示）",
            xn_service::demo::DEMO_FACTOR_SECRET
        );
    }
    let addr: SocketAddr = config
        .addr
        .parse()
        .with_context(|| format!("监听地址无效：{}", config.addr))?;
    let state = AppState {
        services: services.clone(),
        clock: Clock::System,
        secure_cookies: config.secure_cookies,
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("无法监听 {addr}"))?;
    let (stop, stopping) = xn_web::stopping::channel();
    let owner = xn_web::timers::owner_name();
    let mut loops = vec![
        tokio::spawn(xn_web::timers::run(
            services.clone(),
            Clock::System,
            xn_web::timers::TimerSettings {
                lease: chrono::TimeDelta::seconds(i64::from(config.timer_lease_secs.max(1))),
                poll: std::time::Duration::from_millis(config.timer_poll_ms.max(50)),
            },
            owner.clone(),
            stopping.clone(),
        )),
        tokio::spawn(xn_web::timers::close_efficiency_periods(
            services.clone(),
            Clock::System,
            stopping.clone(),
        )),
        tokio::spawn(xn_web::efficiency_scan::run(
            services.clone(),
            Clock::System,
            xn_web::efficiency_scan::EVERY,
            stopping.clone(),
        )),
    ];
    // Mail and messengers: the same lease as the timers; a round at each timer poll.
    let transports = xn_web::outbound::Transports::new(&config.notify)?;
    if let Some(host) = &config.notify.mail.host {
        println!("消息推送：邮件经 {host}:{} 发送", config.notify.mail.port);
    }
    loops.push(tokio::spawn(xn_web::outbound::run(
        services.clone(),
        transports,
        Clock::System,
        chrono::TimeDelta::seconds(i64::from(config.timer_lease_secs.max(1))),
        std::time::Duration::from_millis(config.timer_poll_ms.max(50)),
        owner.clone(),
        stopping.clone(),
    )));
    if let Some(dir) = &config.backup.dir {
        let at = config.backup.time()?;
        println!(
            "每日 {} （北京时间）备份到 {}，保留 {} 份",
            config.backup.at,
            dir.display(),
            config.backup.keep
        );
        loops.push(tokio::spawn(xn_web::scheduled_backup::run(
            services.db().clone(),
            config.data_dir.clone(),
            config.backup.clone(),
            at,
            Clock::System,
            stopping.clone(),
        )));
    }
    println!("效能已启动：http://{addr}/");
    axum::serve(
        listener,
        xn_web::app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown())
    .await?;
    // Requests in flight are answered; the background loops finish the round they are in.
    println!("正在停止：请求已处理完毕，等待后台任务结束……");
    stop.stop();
    let aborts: Vec<_> = loops
        .iter()
        .map(tokio::task::JoinHandle::abort_handle)
        .collect();
    let all = async {
        for l in loops {
            if let Err(e) = l.await {
                tracing::warn!(error = %e, "a background task ended abnormally");
            }
        }
    };
    if tokio::time::timeout(STOP_GRACE, all).await.is_err() {
        tracing::warn!(
            seconds = STOP_GRACE.as_secs(),
            "background tasks did not end in time; stopped"
        );
        for a in aborts {
            a.abort();
        }
    }
    match services.release_timer_leases(&owner).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(leases = n, "timer leases given back"),
        Err(e) => tracing::warn!(error = %e, "giving back timer leases failed; they expire"),
    }
    match services.notify().release(&owner).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(messages = n, "message leases given back"),
        Err(e) => tracing::warn!(error = %e, "giving back message leases failed; they expire"),
    }
    services.db().close().await;
    drop(services);
    println!("效能已停止。");
    Ok(())
}

/// How long a stopping server waits for its background loops to finish their round (a sweep
/// of timers, a scan, a backup being written) before it stops them where they are.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
