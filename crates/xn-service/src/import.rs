//! Importing units and people from a sheet (xlsx or CSV), all or nothing.
//!
//! Every row is parsed and checked before anything is written; one bad row refuses the whole
//! file and the report names each bad row. A good file is written in one transaction. The
//! same batch writer loads the demo city.

use std::collections::{BTreeMap, HashSet};
use std::io::Cursor;

use calamine::{Reader, Xlsx};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::org::{Clearance, Permission, UnitKind, parse_issuer_code, parse_login, parse_name};
use xn_store::Tx;
use xn_store::org::{NewPerson, NewPost, NewUnit};

use crate::events::{Audit, record};
use crate::{Actor, Result, ServiceError, Services, ms, require};

/// One bad row of an import sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowError {
    /// The sheet (工作表) name, or 单位 / 人员 for CSV.
    pub sheet: String,
    /// The row number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    /// What is wrong.
    pub message: String,
}

/// What an import wrote.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportReport {
    /// Units created.
    pub units: usize,
    /// Persons created.
    pub persons: usize,
    /// Posts created.
    pub posts: usize,
    /// Initial passwords generated (login, name, password): shown to the administrator once.
    pub initial_passwords: Vec<InitialPassword>,
}

/// A generated initial password.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InitialPassword {
    /// Login.
    pub login: String,
    /// Name.
    pub name: String,
    /// The password, which must be changed at first sign-in.
    pub password: String,
}

/// Where a new unit or post hangs: a unit that exists, or one created earlier in the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitRef {
    /// An existing unit id.
    Existing(i64),
    /// The index of a unit in the batch.
    New(usize),
}

/// A unit to create in a batch.
#[derive(Debug, Clone)]
pub struct BatchUnit {
    /// Parent.
    pub parent: Option<UnitRef>,
    /// Values (its `parent_id` is filled in on write).
    pub unit: NewUnit,
}

/// A post to create in a batch.
#[derive(Debug, Clone)]
pub struct BatchPost {
    /// Unit.
    pub unit: UnitRef,
    /// Position id.
    pub position_id: i64,
    /// Title.
    pub title: Option<String>,
    /// Clearance.
    pub clearance: Clearance,
    /// Role ids.
    pub roles: Vec<i64>,
}

/// A person with posts to create in a batch.
#[derive(Debug, Clone)]
pub struct BatchPerson {
    /// The person.
    pub person: NewPerson,
    /// The posts.
    pub posts: Vec<BatchPost>,
}

/// A set of units and persons written together.
#[derive(Debug, Clone, Default)]
pub struct OrgBatch {
    /// Units, each parent before its children.
    pub units: Vec<BatchUnit>,
    /// Persons.
    pub persons: Vec<BatchPerson>,
}

/// Writes a batch inside the caller's transaction; returns the ids of the new units.
pub async fn write_batch(
    tx: &mut Tx,
    batch: &OrgBatch,
    now: DateTime<Utc>,
) -> Result<(Vec<i64>, usize)> {
    let mut unit_ids: Vec<i64> = Vec::with_capacity(batch.units.len());
    let resolve = |r: UnitRef, ids: &[i64]| -> Result<i64> {
        match r {
            UnitRef::Existing(id) => Ok(id),
            UnitRef::New(i) => ids.get(i).copied().ok_or_else(|| {
                ServiceError::Internal(anyhow::anyhow!(
                    "batch unit {i} referenced before it was created"
                ))
            }),
        }
    };
    for u in &batch.units {
        let mut new = u.unit.clone();
        new.parent_id = u.parent.map(|p| resolve(p, &unit_ids)).transpose()?;
        unit_ids.push(xn_store::org::insert_unit(tx, &new, ms(now)).await?);
    }
    let mut posts = 0;
    for p in &batch.persons {
        let person_id = xn_store::org::insert_person(tx, &p.person, ms(now)).await?;
        for post in &p.posts {
            let id = xn_store::org::insert_post(
                tx,
                &NewPost {
                    person_id,
                    unit_id: resolve(post.unit, &unit_ids)?,
                    position_id: post.position_id,
                    title: post.title.clone(),
                    clearance: post.clearance.code().to_owned(),
                },
                ms(now),
            )
            .await?;
            xn_store::org::set_post_roles(tx, id, &post.roles).await?;
            posts += 1;
        }
    }
    Ok((unit_ids, posts))
}

/// A table read from a sheet: its name and its rows of cells as text.
type Table = (String, Vec<Vec<String>>);

fn read_tables(filename: &str, bytes: &[u8]) -> Result<Vec<Table>> {
    let lower = filename.to_lowercase();
    if bytes.starts_with(b"PK") || lower.ends_with(".xlsx") {
        let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
            .map_err(|e| ServiceError::invalid("file", format!("无法读取 xlsx 文件：{e}")))?;
        let mut tables = Vec::new();
        for name in book.sheet_names() {
            let range = book.worksheet_range(&name).map_err(|e| {
                ServiceError::invalid("file", format!("无法读取工作表“{name}”：{e}"))
            })?;
            let rows = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string().trim().to_owned()).collect())
                .collect();
            tables.push((name, rows));
        }
        Ok(tables)
    } else {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|_| {
                ServiceError::invalid("file", "CSV 文件须为 UTF-8 编码（Excel 另存为“CSV UTF-8”）")
            })?;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec =
                rec.map_err(|e| ServiceError::invalid("file", format!("CSV 格式错误：{e}")))?;
            rows.push(rec.iter().map(|c| c.trim().to_owned()).collect());
        }
        Ok(vec![(String::new(), rows)])
    }
}

/// The column index of each header, by name.
struct Header(BTreeMap<String, usize>);

impl Header {
    fn new(row: &[String]) -> Header {
        Header(
            row.iter()
                .enumerate()
                .map(|(i, h)| (h.trim().to_owned(), i))
                .collect(),
        )
    }
    fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
    fn get<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.0
            .get(name)
            .and_then(|i| row.get(*i))
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// Column names of the unit sheet.
pub const UNIT_COLUMNS: [&str; 6] = [
    "单位全称",
    "单位简称",
    "单位类型",
    "上级单位",
    "机关代字",
    "排序",
];
/// Column names of the person sheet.
pub const PERSON_COLUMNS: [&str; 6] = ["姓名", "登录名", "手机", "所在单位", "职务", "职务名称"];

impl Services {
    /// Imports a sheet of units (columns [`UNIT_COLUMNS`]) and/or persons ([`PERSON_COLUMNS`]).
    /// An xlsx file may hold both as two sheets; units are imported first so persons may name
    /// them. All or nothing.
    pub async fn import_sheet(
        &self,
        actor: &Actor,
        filename: &str,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<ImportReport> {
        require(actor, Permission::OrgAdmin)?;
        if bytes.is_empty() {
            return Err(ServiceError::invalid("file", "请选择要导入的文件"));
        }
        let tables = read_tables(filename, bytes)?;
        let mut errors = Vec::new();
        let mut unit_tables = Vec::new();
        let mut person_tables = Vec::new();
        for (name, rows) in tables {
            let Some(first) = rows.first() else { continue };
            let h = Header::new(first);
            if h.has("单位全称") {
                unit_tables.push((
                    if name.is_empty() {
                        "单位".to_owned()
                    } else {
                        name
                    },
                    h,
                    rows,
                ));
            } else if h.has("登录名") {
                person_tables.push((
                    if name.is_empty() {
                        "人员".to_owned()
                    } else {
                        name
                    },
                    h,
                    rows,
                ));
            } else if rows.iter().any(|r| r.iter().any(|c| !c.is_empty())) {
                errors.push(RowError {
                    sheet: name,
                    row: 1,
                    message: format!(
                        "无法识别表头：单位表须含“{}”等列，人员表须含“{}”等列",
                        UNIT_COLUMNS.join("、"),
                        PERSON_COLUMNS.join("、")
                    ),
                });
            }
        }
        if unit_tables.is_empty() && person_tables.is_empty() && errors.is_empty() {
            return Err(ServiceError::invalid("file", "文件中没有数据"));
        }

        let existing = xn_store::org::list_units(self.db()).await?;
        let positions = xn_store::org::list_positions(self.db()).await?;
        let mut batch = OrgBatch::default();
        // Names a later row may use for a unit: existing units and those earlier in the file.
        let mut new_names: BTreeMap<String, usize> = BTreeMap::new();
        let mut seen_codes: HashSet<String> = existing
            .iter()
            .filter_map(|u| u.issuer_code.clone())
            .collect();
        let find_unit = |name: &str,
                         new_names: &BTreeMap<String, usize>|
         -> std::result::Result<UnitRef, String> {
            if let Some(i) = new_names.get(name) {
                return Ok(UnitRef::New(*i));
            }
            let hits: Vec<_> = existing
                .iter()
                .filter(|u| u.name == name || u.short_name == name)
                .collect();
            match hits.as_slice() {
                [one] => Ok(UnitRef::Existing(one.id)),
                [] => Err(format!(
                    "单位“{name}”不存在（须为已有单位或本文件中前面各行的单位）"
                )),
                _ => Err(format!("单位“{name}”有重名，请使用全称")),
            }
        };

        for (sheet, h, rows) in &unit_tables {
            for (i, row) in rows.iter().enumerate().skip(1) {
                if row.iter().all(String::is_empty) {
                    continue;
                }
                let at = |message: String| RowError {
                    sheet: sheet.clone(),
                    row: i + 1,
                    message,
                };
                let parsed = (|| -> std::result::Result<BatchUnit, String> {
                    let name = parse_name("单位全称", h.get(row, "单位全称"), 80)
                        .map_err(|e| e.to_string())?;
                    let short = h.get(row, "单位简称");
                    let short_name = if short.is_empty() {
                        name.clone()
                    } else {
                        parse_name("单位简称", short, 40).map_err(|e| e.to_string())?
                    };
                    let kind: UnitKind = h
                        .get(row, "单位类型")
                        .parse()
                        .map_err(|e: xn_domain::org::OrgError| e.to_string())?;
                    let issuer_code =
                        parse_issuer_code(h.get(row, "机关代字")).map_err(|e| e.to_string())?;
                    if let Some(code) = &issuer_code
                        && !seen_codes.insert(code.clone())
                    {
                        return Err(format!("机关代字“{code}”已被其他单位使用"));
                    }
                    let order = h.get(row, "排序");
                    let sort_order = if order.is_empty() {
                        0
                    } else {
                        order
                            .parse::<i64>()
                            .map_err(|_| format!("排序“{order}”须为整数"))?
                    };
                    let parent_name = h.get(row, "上级单位");
                    let parent = if parent_name.is_empty() {
                        None
                    } else {
                        Some(find_unit(parent_name, &new_names)?)
                    };
                    if new_names.contains_key(&name) {
                        return Err(format!("单位“{name}”在文件中重复"));
                    }
                    let clash = existing.iter().any(|u| {
                        u.name == name
                            && parent
                                .is_some_and(|p| p == UnitRef::Existing(u.parent_id.unwrap_or(0)))
                    });
                    if clash {
                        return Err(format!("上级单位下已有“{name}”"));
                    }
                    Ok(BatchUnit {
                        parent,
                        unit: NewUnit {
                            parent_id: None,
                            kind: kind.code().to_owned(),
                            name,
                            short_name,
                            issuer_code,
                            sort_order,
                        },
                    })
                })();
                match parsed {
                    Ok(u) => {
                        new_names.insert(u.unit.name.clone(), batch.units.len());
                        if u.unit.short_name != u.unit.name {
                            new_names
                                .entry(u.unit.short_name.clone())
                                .or_insert(batch.units.len());
                        }
                        batch.units.push(u);
                    }
                    Err(m) => errors.push(at(m)),
                }
            }
        }

        let mut logins: HashSet<String> = HashSet::new();
        let mut passwords = Vec::new();
        for (sheet, h, rows) in &person_tables {
            for (i, row) in rows.iter().enumerate().skip(1) {
                if row.iter().all(String::is_empty) {
                    continue;
                }
                let at = |message: String| RowError {
                    sheet: sheet.clone(),
                    row: i + 1,
                    message,
                };
                let parsed = (|| -> std::result::Result<(String, String, Option<String>, BatchPost), String> {
                    let name = parse_name("姓名", h.get(row, "姓名"), 40).map_err(|e| e.to_string())?;
                    let login = parse_login(h.get(row, "登录名")).map_err(|e| e.to_string())?;
                    if !logins.insert(login.clone()) {
                        return Err(format!("登录名“{login}”在文件中重复"));
                    }
                    let phone = crate::org::parse_phone(h.get(row, "手机")).map_err(|e| e.to_string())?;
                    let unit_name = h.get(row, "所在单位");
                    if unit_name.is_empty() { return Err("所在单位不能为空".to_owned()); }
                    let unit = find_unit(unit_name, &new_names)?;
                    let pos_name = h.get(row, "职务");
                    let position = positions.iter().find(|p| p.name == pos_name).ok_or_else(|| format!(
                        "职务“{pos_name}”不存在，可选：{}", positions.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join("、")))?;
                    let title = h.get(row, "职务名称");
                    Ok((login, name, phone, BatchPost { unit, position_id: position.id,
                        title: (!title.is_empty()).then(|| title.to_owned()), clearance: Clearance::Public, roles: Vec::new() }))
                })();
                match parsed {
                    Ok((login, name, phone, post)) => passwords.push((login, name, phone, post)),
                    Err(m) => errors.push(at(m)),
                }
            }
        }
        // Logins already taken in the database.
        for (login, ..) in &passwords {
            let mut tx = self.db().begin().await?;
            let taken = xn_store::org::find_person_by_login(&mut tx, login)
                .await?
                .is_some();
            drop(tx);
            if taken {
                let (sheet, row) = person_tables
                    .iter()
                    .find_map(|(s, h, rows)| {
                        rows.iter()
                            .position(|r| h.get(r, "登录名").eq_ignore_ascii_case(login))
                            .map(|i| (s.clone(), i + 1))
                    })
                    .unwrap_or_default();
                errors.push(RowError {
                    sheet,
                    row,
                    message: format!("登录名“{login}”已被使用"),
                });
            }
        }
        if !errors.is_empty() {
            errors.sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
            return Err(ServiceError::BadRows(errors));
        }

        let mut initial_passwords = Vec::new();
        for (login, name, phone, post) in passwords {
            let password = crate::password::initial_password();
            let hash = self.hasher().hash(&password).await?;
            batch.persons.push(BatchPerson {
                person: NewPerson {
                    login: login.clone(),
                    name: name.clone(),
                    phone,
                    password_hash: hash,
                    must_change_password: true,
                },
                posts: vec![post],
            });
            initial_passwords.push(InitialPassword {
                login,
                name,
                password,
            });
        }
        let mut tx = self.db().begin().await?;
        let (_, posts) = write_batch(&mut tx, &batch, now).await?;
        let report = ImportReport {
            units: batch.units.len(),
            persons: batch.persons.len(),
            posts,
            initial_passwords,
        };
        record(
            &mut tx,
            &Audit { ..actor.audit() },
            "org.imported",
            None,
            json!({"file": filename, "units": report.units, "persons": report.persons}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }
}
