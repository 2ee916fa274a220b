//! Backup and restore of an installation (`xiaoneng backup --to FILE`, `xiaoneng restore FILE`).
//!
//! A backup is one zip file: the database as of one moment (SQLite: the file `VACUUM INTO`
//! wrote; PostgreSQL: each table's rows as `COPY` text under `tables/`, all read in one
//! snapshot), the seal key of the data directory when there is one, and `manifest.json` naming
//! every member with its size and SM3 hash, the engine and the schema version. It is written
//! under a temporary name and renamed only when complete, readable by its owner only: it holds
//! every record and the key that opens the seals.
//!
//! A restore reads the manifest and checks every member against it before it writes anything,
//! and refuses a damaged, partial or foreign file naming what is wrong. It goes only into an
//! empty data directory (SQLite) or a database without tables (PostgreSQL), never over an
//! installation.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sm3::Digest;
use xn_store::Db;
use xn_store::backup::DumpSink;

use crate::{Result, ServiceError};

/// What `manifest.json` says a backup is.
const FORMAT: &str = "xiaoneng-backup";
/// The layout of this build's backups.
const LAYOUT: u32 = 1;
/// The SQLite database's member.
const SQLITE_MEMBER: &str = "xiaoneng.db";
/// The seal key's member and file name.
const SEAL_KEY: &str = "seal.key";
/// The database file of a data directory.
pub const DATABASE_FILE: &str = "xiaoneng.db";

/// A backup's table of contents.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    /// Always `xiaoneng-backup`.
    pub format: String,
    /// The layout (1).
    pub layout: u32,
    /// `sqlite` or `postgres`.
    pub engine: String,
    /// The newest migration the database had.
    pub schema_version: i64,
    /// When the backup was taken (UTC).
    pub taken_at: DateTime<Utc>,
    /// The build that took it.
    pub build: String,
    /// Every other member, in order.
    pub members: Vec<Member>,
}

/// One file of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    /// Its name in the zip.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The SM3 hash of its bytes (hex).
    pub sm3: String,
    /// Rows, for a table's member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
}

fn failed(what: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("{what}: {e}"))
}

fn refused(message: String) -> ServiceError {
    ServiceError::Conflict {
        code: "backup.refused",
        message,
    }
}

/// A file only its owner reads (0600 on Unix).
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// The path beside `path` with a suffix added to its name.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Writes zip members while hashing them.
struct Writer {
    zip: zip::ZipWriter<File>,
    members: Vec<Member>,
    current: Option<(Member, sm3::Sm3)>,
}

impl Writer {
    fn begin(&mut self, name: &str) -> std::io::Result<()> {
        self.end();
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(true)
            .unix_permissions(0o600);
        self.zip
            .start_file(name, opts)
            .map_err(std::io::Error::other)?;
        self.current = Some((
            Member {
                name: name.to_owned(),
                bytes: 0,
                sm3: String::new(),
                rows: None,
            },
            sm3::Sm3::new(),
        ));
        Ok(())
    }

    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if let Some((m, h)) = self.current.as_mut() {
            m.bytes += bytes.len() as u64;
            h.update(bytes);
        }
        self.zip.write_all(bytes)
    }

    fn end(&mut self) {
        if let Some((mut m, h)) = self.current.take() {
            m.sm3 = hex::encode(h.finalize());
            self.members.push(m);
        }
    }

    fn copy_file(&mut self, name: &str, path: &Path) -> std::io::Result<()> {
        self.begin(name)?;
        let mut f = File::open(path)?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            self.write(&buf[..n])?;
        }
        self.end();
        Ok(())
    }
}

impl DumpSink for Writer {
    fn table(&mut self, name: &str) -> std::io::Result<()> {
        let n = self.members.len() + usize::from(self.current.is_some());
        self.begin(&format!("tables/{n:04}-{name}.copy"))
    }

    fn chunk(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write(bytes)
    }
}

/// Takes a backup of the installation whose database is `db` and whose data directory (for its
/// seal key) is `data_dir`, into the new file `to`, while it runs.
pub async fn take(db: &Db, data_dir: &Path, to: &Path, now: DateTime<Utc>) -> Result<Manifest> {
    if to.exists() {
        return Err(refused(format!("{} 已存在，不会覆盖", to.display())));
    }
    let partial = beside(to, ".partial");
    let _ = std::fs::remove_file(&partial);
    let file = private_file(&partial).map_err(|e| failed("无法创建备份文件", e))?;
    let result = write_archive(db, data_dir, &partial, file, now).await;
    match result {
        Ok(manifest) => {
            std::fs::rename(&partial, to).map_err(|e| failed("无法完成备份文件", e))?;
            Ok(manifest)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

async fn write_archive(
    db: &Db,
    data_dir: &Path,
    partial: &Path,
    file: File,
    now: DateTime<Utc>,
) -> Result<Manifest> {
    let mut w = Writer {
        zip: zip::ZipWriter::new(file),
        members: Vec::new(),
        current: None,
    };
    let schema_version = db.schema_version().await?;
    let engine = match db.engine() {
        xn_store::Engine::Sqlite => {
            let copy = beside(partial, ".db");
            let _ = std::fs::remove_file(&copy);
            let made = db.snapshot_sqlite(&copy).await;
            let copied = match made {
                Ok(()) => w
                    .copy_file(SQLITE_MEMBER, &copy)
                    .map_err(|e| failed("无法写入备份", e)),
                Err(e) => Err(e.into()),
            };
            let _ = std::fs::remove_file(&copy);
            copied?;
            "sqlite"
        }
        xn_store::Engine::Postgres => {
            let counts = db.dump_postgres(&mut w).await?;
            w.end();
            for (m, (_, rows)) in w
                .members
                .iter_mut()
                .filter(|m| m.name.starts_with("tables/"))
                .zip(&counts)
            {
                m.rows = Some(*rows);
            }
            "postgres"
        }
    };
    let key = data_dir.join(SEAL_KEY);
    if key.is_file() {
        w.copy_file(SEAL_KEY, &key)
            .map_err(|e| failed("无法写入备份", e))?;
    }
    w.end();
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        layout: LAYOUT,
        engine: engine.to_owned(),
        schema_version,
        taken_at: now,
        build: env!("CARGO_PKG_VERSION").to_owned(),
        members: w.members.clone(),
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(|e| failed("清单", e))?;
    let opts = zip::write::SimpleFileOptions::default().unix_permissions(0o600);
    w.zip
        .start_file("manifest.json", opts)
        .map_err(|e| failed("无法写入备份", e))?;
    w.zip
        .write_all(&text)
        .map_err(|e| failed("无法写入备份", e))?;
    let file = w.zip.finish().map_err(|e| failed("无法写入备份", e))?;
    file.sync_all().map_err(|e| failed("无法写入备份", e))?;
    Ok(manifest)
}

/// Reads a backup's manifest and checks every member against it: present, of its size and
/// hash, and nothing unlisted. Nothing is written.
pub fn verify(from: &Path) -> Result<Manifest> {
    let file = File::open(from)
        .map_err(|e| refused(format!("无法打开备份文件 {}：{e}", from.display())))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|_| {
        refused("备份文件不完整或已损坏（不是完整的备份包），未恢复任何数据".to_owned())
    })?;
    let manifest: Manifest = {
        let mut m = zip
            .by_name("manifest.json")
            .map_err(|_| refused("备份文件缺少清单（manifest.json），未恢复任何数据".to_owned()))?;
        let mut text = Vec::new();
        m.read_to_end(&mut text)
            .map_err(|_| refused("备份清单已损坏，未恢复任何数据".to_owned()))?;
        serde_json::from_slice(&text)
            .map_err(|_| refused("备份清单无法读取，未恢复任何数据".to_owned()))?
    };
    if manifest.format != FORMAT || manifest.layout != LAYOUT {
        return Err(refused(format!(
            "不是本系统可读的备份（格式 {} 第 {} 版），未恢复任何数据",
            manifest.format, manifest.layout
        )));
    }
    let listed = manifest.members.len() + 1;
    if zip.len() != listed {
        return Err(refused(format!(
            "备份包有 {} 个文件，清单列出 {listed} 个，未恢复任何数据",
            zip.len()
        )));
    }
    for m in &manifest.members {
        let mut f = zip.by_name(&m.name).map_err(|_| {
            refused(format!(
                "备份文件缺少 {}，备份不完整，未恢复任何数据",
                m.name
            ))
        })?;
        let mut h = sm3::Sm3::new();
        let mut n = 0u64;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let k = f
                .read(&mut buf)
                .map_err(|_| refused(format!("备份中的 {} 已损坏，未恢复任何数据", m.name)))?;
            if k == 0 {
                break;
            }
            n += k as u64;
            h.update(&buf[..k]);
        }
        if n != m.bytes || hex::encode(h.finalize()) != m.sm3 {
            return Err(refused(format!(
                "备份中的 {} 与清单不符（校验值不同），备份已损坏，未恢复任何数据",
                m.name
            )));
        }
    }
    Ok(manifest)
}

/// Extracts one member to a new private file.
fn extract(zip: &mut zip::ZipArchive<File>, name: &str, to: &Path) -> Result<()> {
    let mut f = zip.by_name(name).map_err(|e| failed("无法读取备份", e))?;
    let mut out = private_file(to).map_err(|e| failed("无法写入", e))?;
    std::io::copy(&mut f, &mut out).map_err(|e| failed("无法写入", e))?;
    out.sync_all().map_err(|e| failed("无法写入", e))?;
    Ok(())
}

/// Where a backup is restored.
pub enum Target<'a> {
    /// An SQLite installation: a data directory without a database.
    Sqlite {
        /// The data directory.
        data_dir: &'a Path,
    },
    /// A PostgreSQL database without tables; the seal key goes to `data_dir`.
    Postgres {
        /// The database.
        db: &'a Db,
        /// The data directory (for the seal key).
        data_dir: &'a Path,
    },
}

/// Restores a verified backup into an empty target. Answers its manifest. The database is left
/// at the backup's schema version: opening it with this build migrates it as any upgrade does.
pub async fn restore(from: &Path, target: Target<'_>) -> Result<Manifest> {
    let manifest = verify(from)?;
    let newest_schema = xn_store::backup::newest_migration(match target {
        Target::Sqlite { .. } => xn_store::Engine::Sqlite,
        Target::Postgres { .. } => xn_store::Engine::Postgres,
    });
    if manifest.schema_version > newest_schema {
        return Err(refused(format!(
            "备份来自更新的版本（数据库结构第 {} 版，本程序只到第 {newest_schema} 版），请用相同或更新的程序恢复",
            manifest.schema_version
        )));
    }
    let file = File::open(from).map_err(|e| failed("无法打开备份文件", e))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| failed("无法读取备份", e))?;
    let has_key = manifest.members.iter().any(|m| m.name == SEAL_KEY);
    let data_dir = match &target {
        Target::Sqlite { data_dir } | Target::Postgres { data_dir, .. } => *data_dir,
    };
    private_dir(data_dir)?;
    if has_key && data_dir.join(SEAL_KEY).exists() {
        return Err(refused(format!(
            "数据目录 {} 已有印章密钥（seal.key），不会覆盖；请恢复到空目录",
            data_dir.display()
        )));
    }
    match target {
        Target::Sqlite { data_dir } => {
            if manifest.engine != "sqlite" {
                return Err(refused(
                    "这是 PostgreSQL 安装的备份，请用 --database-url 恢复到空的 PostgreSQL 数据库"
                        .to_owned(),
                ));
            }
            let db_file = data_dir.join(DATABASE_FILE);
            if db_file.exists() {
                return Err(refused(format!(
                    "数据目录 {} 已有数据库，不会覆盖；请恢复到空目录",
                    data_dir.display()
                )));
            }
            let partial = beside(&db_file, ".restoring");
            let _ = std::fs::remove_file(&partial);
            extract(&mut zip, SQLITE_MEMBER, &partial)?;
            std::fs::rename(&partial, &db_file).map_err(|e| failed("无法写入", e))?;
        }
        Target::Postgres { db, .. } => {
            if manifest.engine != "postgres" {
                return Err(refused(
                    "这是 SQLite 安装的备份，请用 --data-dir 恢复到空的数据目录".to_owned(),
                ));
            }
            if db.has_tables().await? {
                return Err(refused(
                    "目标数据库已有数据表，不会覆盖；请恢复到新建的空数据库".to_owned(),
                ));
            }
            db.migrate_to(manifest.schema_version).await?;
            let tables: Vec<&Member> = manifest
                .members
                .iter()
                .filter(|m| m.name.starts_with("tables/"))
                .collect();
            let scratch = tempfile_dir(data_dir)?;
            let mut i = 0;
            let restored = db
                .restore_postgres(|| {
                    let Some(m) = tables.get(i) else {
                        return Ok(None);
                    };
                    i += 1;
                    let table = m
                        .name
                        .trim_start_matches("tables/")
                        .trim_end_matches(".copy")
                        .split_once('-')
                        .map(|(_, t)| t.to_owned())
                        .unwrap_or_default();
                    let path = scratch.join(format!("{i}.copy"));
                    let _ = std::fs::remove_file(&path);
                    let mut f = zip.by_name(&m.name).map_err(std::io::Error::other)?;
                    let mut out = private_file(&path)?;
                    std::io::copy(&mut f, &mut out)?;
                    drop(out);
                    let reader = File::open(&path)?;
                    std::fs::remove_file(&path)?;
                    Ok(Some((table, Box::new(reader) as Box<dyn Read + Send>)))
                })
                .await;
            let _ = std::fs::remove_dir_all(&scratch);
            let counts = restored?;
            for (m, (table, n)) in tables.iter().zip(&counts) {
                if m.rows.is_some_and(|r| r != *n) {
                    return Err(refused(format!(
                        "表 {table} 恢复了 {n} 行，备份清单为 {} 行",
                        m.rows.unwrap_or_default()
                    )));
                }
            }
        }
    }
    if has_key {
        let partial = beside(&data_dir.join(SEAL_KEY), ".restoring");
        let _ = std::fs::remove_file(&partial);
        extract(&mut zip, SEAL_KEY, &partial)?;
        std::fs::rename(&partial, data_dir.join(SEAL_KEY)).map_err(|e| failed("无法写入", e))?;
    }
    Ok(manifest)
}

/// A private scratch directory inside the data directory.
fn tempfile_dir(data_dir: &Path) -> Result<PathBuf> {
    let dir = data_dir.join(format!(".restore-{}", std::process::id()));
    private_dir(&dir)?;
    Ok(dir)
}

/// A directory only its owner reads (0700 on Unix), made with its parents when missing.
fn private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| failed(&format!("无法创建目录 {}", dir.display()), e))
}
