//! Finding the fonts GB/T 9704 names (仿宋_GB2312, 方正小标宋, 黑体, 楷体, 宋体) on this machine,
//! or free substitutes with a warning that names them. Only the name and OS/2 tables of each
//! font file are read while searching; the chosen files are read whole once.
//!
//! Search order: the configured folders first (licensed 方正 fonts are usually copied there),
//! then the system font folders.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The typefaces the standard uses, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FontRole {
    /// 仿宋 (仿宋_GB2312): body text, 3号 by default.
    FangSong,
    /// 小标宋: 发文机关标志 and 标题.
    XiaoBiaoSong,
    /// 黑体: 密级, 紧急程度, first-level headings, 纪要 labels.
    Hei,
    /// 楷体: 签发人 names, second-level headings.
    Kai,
    /// 宋体: page numbers (4号半角宋体).
    Song,
}

impl FontRole {
    /// Every role, in a fixed order.
    pub const ALL: [FontRole; 5] = [
        FontRole::FangSong,
        FontRole::XiaoBiaoSong,
        FontRole::Hei,
        FontRole::Kai,
        FontRole::Song,
    ];

    pub(crate) fn index(self) -> usize {
        match self {
            FontRole::FangSong => 0,
            FontRole::XiaoBiaoSong => 1,
            FontRole::Hei => 2,
            FontRole::Kai => 3,
            FontRole::Song => 4,
        }
    }

    /// The face the standard asks for, in Chinese.
    pub fn label(self) -> &'static str {
        match self {
            FontRole::FangSong => "仿宋_GB2312",
            FontRole::XiaoBiaoSong => "方正小标宋",
            FontRole::Hei => "黑体",
            FontRole::Kai => "楷体_GB2312",
            FontRole::Song => "宋体",
        }
    }

    /// Family names that are the real thing (compared without case, spaces and hyphens).
    fn wanted(self) -> &'static [&'static str] {
        match self {
            FontRole::FangSong => &[
                "仿宋_GB2312",
                "FangSong_GB2312",
                "方正仿宋_GBK",
                "方正仿宋简体",
                "FZFangSong-Z02S",
                "仿宋",
                "FangSong",
                "华文仿宋",
                "STFangsong",
            ],
            FontRole::XiaoBiaoSong => &[
                "方正小标宋简体",
                "方正小标宋_GBK",
                "FZXiaoBiaoSong-B05S",
                "FZXiaoBiaoSong-B05",
                "方正小标宋",
            ],
            FontRole::Hei => &[
                "黑体",
                "SimHei",
                "方正黑体_GBK",
                "方正黑体简体",
                "FZHei-B01S",
            ],
            FontRole::Kai => &[
                "楷体_GB2312",
                "KaiTi_GB2312",
                "方正楷体_GBK",
                "方正楷体简体",
                "FZKai-Z03S",
                "楷体",
                "KaiTi",
                "华文楷体",
                "STKaiti",
            ],
            FontRole::Song => &["宋体", "SimSun", "方正书宋_GBK", "方正书宋简体", "华文宋体"],
        }
    }

    /// Free substitutes (Debian: fonts-noto-cjk, fonts-arphic-gkai00mp, fonts-arphic-gbsn00lp)
    /// and the weight wanted from each.
    fn substitutes(self) -> &'static [(&'static str, u16)] {
        match self {
            FontRole::FangSong | FontRole::Song => &[
                ("Noto Serif CJK SC", 400),
                ("AR PL SungtiL GB", 400),
                ("Source Han Serif SC", 400),
            ],
            FontRole::XiaoBiaoSong => &[
                ("Noto Serif CJK SC", 700),
                ("Source Han Serif SC", 700),
                ("AR PL SungtiL GB", 400),
            ],
            FontRole::Hei => &[
                ("Noto Sans CJK SC", 400),
                ("Source Han Sans SC", 400),
                ("WenQuanYi Zen Hei", 400),
            ],
            FontRole::Kai => &[
                ("AR PL KaitiM GB", 400),
                ("AR PL UKai CN", 400),
                ("Noto Serif CJK SC", 400),
            ],
        }
    }
}

/// No usable font for a role.
#[derive(Debug, thiserror::Error)]
pub enum FontError {
    /// Neither the standard's face nor a substitute was found.
    #[error(
        "找不到{0}字体，也没有可替代的字体。请安装 fonts-noto-cjk、fonts-arphic-gkai00mp、fonts-arphic-gbsn00lp，或在字体目录中放入所需字体"
    )]
    Missing(&'static str),
    /// A chosen file could not be read.
    #[error("无法读取字体文件 {0}：{1}")]
    Read(PathBuf, std::io::Error),
}

/// One face found while searching.
#[derive(Debug, Clone)]
struct Candidate {
    path: PathBuf,
    index: u32,
    families: Vec<String>,
    weight: u16,
}

/// A loaded face: the file's bytes and the face's index in it.
#[derive(Debug, Clone)]
pub(crate) struct LoadedFace {
    pub(crate) data: Arc<Vec<u8>>,
    pub(crate) index: u32,
    /// The family name used in the PDF's font name and in messages.
    pub(crate) family: String,
}

/// The faces chosen for each role, and the warnings about substitutes.
#[derive(Debug, Clone)]
pub struct FontSet {
    pub(crate) faces: Vec<LoadedFace>,
    pub(crate) roles: [usize; 5],
    warnings: Vec<String>,
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The system font folders searched after the configured ones.
pub fn system_font_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![
        PathBuf::from("/usr/share/fonts"),
        PathBuf::from("/usr/local/share/fonts"),
        PathBuf::from("/Library/Fonts"),
        PathBuf::from("/System/Library/Fonts"),
        PathBuf::from("C:\\Windows\\Fonts"),
    ];
    if let Some(home) = std::env::var_os("HOME") {
        let home = PathBuf::from(home);
        dirs.push(home.join(".fonts"));
        dirs.push(home.join(".local/share/fonts"));
    }
    dirs
}

impl FontSet {
    /// Searches `dirs` (in order, before the system folders) and loads one face per role.
    pub fn discover(dirs: &[PathBuf]) -> Result<FontSet, FontError> {
        let mut all: Vec<PathBuf> = dirs.to_vec();
        all.extend(system_font_dirs());
        let mut candidates = Vec::new();
        for dir in &all {
            scan_dir(dir, 0, &mut candidates);
        }
        FontSet::choose(&candidates)
    }

    fn choose(candidates: &[Candidate]) -> Result<FontSet, FontError> {
        let mut chosen: Vec<(usize, String, bool)> = Vec::new();
        for role in FontRole::ALL {
            let wanted: Vec<String> = role.wanted().iter().map(|w| normalise(w)).collect();
            let found = wanted.iter().find_map(|w| {
                candidates
                    .iter()
                    .position(|c| c.families.iter().any(|f| normalise(f) == *w))
                    .map(|i| (i, w.clone()))
            });
            if let Some((i, _)) = found {
                let family = candidates[i].families.first().cloned().unwrap_or_default();
                chosen.push((i, family, false));
                continue;
            }
            let sub = role.substitutes().iter().find_map(|(name, weight)| {
                let n = normalise(name);
                candidates
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.families.iter().any(|f| normalise(f) == n))
                    .min_by_key(|(_, c)| c.weight.abs_diff(*weight))
                    .map(|(i, _)| (i, (*name).to_owned()))
            });
            match sub {
                Some((i, name)) => chosen.push((i, name, true)),
                None => return Err(FontError::Missing(role.label())),
            }
        }
        let mut files: HashMap<PathBuf, Arc<Vec<u8>>> = HashMap::new();
        let mut faces: Vec<LoadedFace> = Vec::new();
        let mut by_candidate: HashMap<usize, usize> = HashMap::new();
        let mut roles = [0usize; 5];
        let mut warnings = Vec::new();
        for (role, (ci, family, substitute)) in FontRole::ALL.iter().zip(chosen) {
            let c = &candidates[ci];
            if substitute {
                let weight = if c.weight >= 600 { " Bold" } else { "" };
                warnings.push(format!(
                    "未找到{}字体，以“{family}{weight}”代替",
                    role.label()
                ));
            }
            let slot = if let Some(&slot) = by_candidate.get(&ci) {
                slot
            } else {
                let data = match files.get(&c.path) {
                    Some(d) => d.clone(),
                    None => {
                        let d = Arc::new(
                            std::fs::read(&c.path)
                                .map_err(|e| FontError::Read(c.path.clone(), e))?,
                        );
                        files.insert(c.path.clone(), d.clone());
                        d
                    }
                };
                faces.push(LoadedFace {
                    data,
                    index: c.index,
                    family: format!("{family}{}", if c.weight >= 600 { " Bold" } else { "" }),
                });
                by_candidate.insert(ci, faces.len() - 1);
                faces.len() - 1
            };
            roles[role.index()] = slot;
        }
        Ok(FontSet {
            faces,
            roles,
            warnings,
        })
    }

    /// Warnings, in Chinese, naming each substitute in use (empty when every standard face
    /// was found).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The family used for a role (for messages).
    pub fn family(&self, role: FontRole) -> &str {
        self.faces
            .get(self.roles[role.index()])
            .map(|f| f.family.as_str())
            .unwrap_or("")
    }
}

fn scan_dir(dir: &Path, depth: u32, out: &mut Vec<Candidate>) {
    if depth > 6 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            scan_dir(&path, depth + 1, out);
            continue;
        }
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if matches!(ext.as_str(), "ttf" | "otf" | "ttc" | "otc") {
            // An unreadable or malformed file is simply not a candidate.
            let _ = read_candidates(&path, out);
        }
    }
}

fn be_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

fn be_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes([
        *b.get(at)?,
        *b.get(at + 1)?,
        *b.get(at + 2)?,
        *b.get(at + 3)?,
    ]))
}

fn read_at(file: &mut File, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut buf = vec![0; len];
    file.read_exact(&mut buf)?;
    Ok(buf)
}

/// Reads the faces of one file: names and weight only.
fn read_candidates(path: &Path, out: &mut Vec<Candidate>) -> std::io::Result<()> {
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "font header");
    let mut file = File::open(path)?;
    let head = read_at(&mut file, 0, 12)?;
    let offsets: Vec<u32> = if &head[..4] == b"ttcf" {
        let n = be_u32(&head, 8).ok_or_else(bad)?.min(64);
        let table = read_at(&mut file, 12, 4 * n as usize)?;
        (0..n as usize)
            .filter_map(|i| be_u32(&table, 4 * i))
            .collect()
    } else {
        vec![0]
    };
    for (index, offset) in offsets.into_iter().enumerate() {
        let sfnt = read_at(&mut file, u64::from(offset), 12)?;
        let tables = be_u16(&sfnt, 4).ok_or_else(bad)?;
        let dir = read_at(&mut file, u64::from(offset) + 12, 16 * usize::from(tables))?;
        let mut name = None;
        let mut os2 = None;
        let mut cff2 = false;
        for t in 0..usize::from(tables) {
            let rec = &dir[16 * t..16 * t + 16];
            let off = be_u32(rec, 8).ok_or_else(bad)?;
            let len = be_u32(rec, 12).ok_or_else(bad)?;
            match &rec[..4] {
                b"name" => name = Some((off, len)),
                b"OS/2" => os2 = Some((off, len)),
                b"CFF2" => cff2 = true,
                _ => {}
            }
        }
        // subsetter cannot embed CFF2 outlines.
        let (Some((noff, nlen)), false) = (name, cff2) else {
            continue;
        };
        let ndata = read_at(&mut file, u64::from(noff), nlen.min(1 << 20) as usize)?;
        let Some(table) = ttf_parser::name::Table::parse(&ndata) else {
            continue;
        };
        let mut families = Vec::new();
        for n in table.names {
            if matches!(n.name_id, 1 | 4 | 16)
                && let Some(s) = n.to_string()
                && !families.contains(&s)
            {
                families.push(s);
            }
        }
        let weight = match os2 {
            Some((off, len)) if len >= 6 => {
                let d = read_at(&mut file, u64::from(off), 6)?;
                be_u16(&d, 4).unwrap_or(400)
            }
            _ => 400,
        };
        // Prefer the typographic family (name 16) as the first name when present.
        if let Some(pos) = table
            .names
            .into_iter()
            .find(|n| n.name_id == 16)
            .and_then(|n| n.to_string())
            .and_then(|s| families.iter().position(|f| *f == s))
        {
            families.swap(0, pos);
        }
        out.push(Candidate {
            path: path.to_owned(),
            index: u32::try_from(index).unwrap_or(0),
            families,
            weight,
        });
    }
    Ok(())
}

/// Glyph lookup over the chosen faces, parsed once per render.
pub(crate) struct Shaper<'a> {
    faces: Vec<Option<ttf_parser::Face<'a>>>,
    upem: Vec<f32>,
    roles: [usize; 5],
}

/// A character resolved to a face and glyph.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glyph {
    pub(crate) face: usize,
    pub(crate) gid: u16,
    /// Advance in em.
    pub(crate) adv: f32,
}

impl<'a> Shaper<'a> {
    pub(crate) fn new(set: &'a FontSet) -> Shaper<'a> {
        let faces: Vec<Option<ttf_parser::Face<'a>>> = set
            .faces
            .iter()
            .map(|f| ttf_parser::Face::parse(&f.data, f.index).ok())
            .collect();
        let upem = faces
            .iter()
            .map(|f| {
                f.as_ref()
                    .map_or(1000.0, |f| f32::from(f.units_per_em().max(1)))
            })
            .collect();
        Shaper {
            faces,
            upem,
            roles: set.roles,
        }
    }

    /// The glyph for a character in a role's face, falling back to the other faces.
    pub(crate) fn glyph(&self, role: FontRole, ch: char) -> Glyph {
        let first = self.roles[role.index()];
        let order = std::iter::once(first).chain(self.roles.iter().copied());
        for face in order {
            let Some(f) = self.faces.get(face).and_then(Option::as_ref) else {
                continue;
            };
            if let Some(g) = f.glyph_index(ch) {
                let adv = f
                    .glyph_hor_advance(g)
                    .map_or(1.0, |a| f32::from(a) / self.upem[face]);
                return Glyph {
                    face,
                    gid: g.0,
                    adv,
                };
            }
        }
        Glyph {
            face: first,
            gid: 0,
            adv: if ch.is_ascii() { 0.5 } else { 1.0 },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(dir: &Path, file: &str, family: &str, weight: u16) -> Candidate {
        let path = dir.join(file);
        std::fs::write(&path, file.as_bytes()).unwrap();
        Candidate {
            path,
            index: 0,
            families: vec![family.to_owned()],
            weight,
        }
    }

    #[test]
    fn the_standard_face_wins_and_each_substitute_is_named_in_a_warning() {
        let dir = std::env::temp_dir().join(format!("xn-fonts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let found = vec![
            candidate(&dir, "serif.ttc", "Noto Serif CJK SC", 400),
            candidate(&dir, "serif-bold.ttc", "Noto Serif CJK SC", 700),
            candidate(&dir, "sans.ttc", "Noto Sans CJK SC", 400),
            candidate(&dir, "kai.ttf", "AR PL KaitiM GB", 400),
            candidate(&dir, "fangsong.ttf", "仿宋_GB2312", 400),
        ];
        let set = FontSet::choose(&found).unwrap();
        assert_eq!(set.family(FontRole::FangSong), "仿宋_GB2312");
        assert_eq!(set.family(FontRole::XiaoBiaoSong), "Noto Serif CJK SC Bold");
        assert_eq!(set.family(FontRole::Hei), "Noto Sans CJK SC");
        assert_eq!(set.family(FontRole::Kai), "AR PL KaitiM GB");
        let warnings = set.warnings().join("\n");
        assert!(!warnings.contains("仿宋"), "{warnings}");
        for name in ["方正小标宋", "黑体", "楷体_GB2312", "宋体"] {
            assert!(warnings.contains(name), "{name} missing from {warnings}");
        }
        // The regular and bold serif files are read once each, however many roles use them.
        assert_eq!(set.faces.len(), 5);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn no_font_at_all_is_an_error_naming_the_face() {
        let err = FontSet::choose(&[]).unwrap_err();
        assert!(err.to_string().contains("仿宋_GB2312"), "{err}");
    }
}
