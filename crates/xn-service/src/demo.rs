//! The demo city: 东川市, a fictional prefecture-level city with its general office and
//! sections, eight counties with their offices, six bureaus and about two hundred people in
//! realistic posts. Loaded only into an empty database, through the same batch writer the
//! sheet import uses, so what the demo shows is what the system really does.
//!
//! Every demo account has the password [`DEMO_PASSWORD`]; the logins worth trying are in
//! [`DEMO_LOGINS`].

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::org::{Clearance, UnitKind};
use xn_store::org::{NewPerson, NewUnit};

use crate::events::record;
use crate::import::{BatchPerson, BatchPost, BatchUnit, OrgBatch, UnitRef};
use crate::{Result, ServiceError, Services};

pub(crate) mod documents;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "Xiaoneng@2026";

/// The second factor's secret (base32) of the demo's three administrators, documented in the
/// README so that the demo can be tried with any authenticator app. Never for a real office.
pub const DEMO_FACTOR_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// The demo accounts enrolled with [`DEMO_FACTOR_SECRET`]: the three administrators, who must
/// give a second factor.
pub const DEMO_FACTOR_LOGINS: [&str; 3] = ["sysadmin", "secadmin", "auditor"];

/// The logins printed when the demo starts: (login, who).
pub const DEMO_LOGINS: [(&str, &str); 15] = [
    ("mishu", "市政府办公室秘书一科 秘书"),
    (
        "xinxi",
        "市政府办公室信息科 科长（信息签收、筛选、采用与刊物）",
    ),
    (
        "kezhang",
        "市政府办公室秘书一科 科长（兼督查科副科长，可切换身份）",
    ),
    ("zhuren", "市政府办公室 主任"),
    (
        "wenshu",
        "市政府办公室文电科 文书（复核、登记、印制、核发）",
    ),
    ("qinghe.mishu", "清河县人民政府办公室 秘书"),
    (
        "qinghe.wenshu",
        "清河县人民政府办公室秘书股 文书（签收、登记收文）",
    ),
    ("qinghe.guzhang", "清河县人民政府办公室秘书股 股长（初审）"),
    ("qinghe.zhuren", "清河县人民政府办公室 主任（拟办）"),
    ("qinghe.xianzhang", "清河县人民政府 县长（批办）"),
    ("sysadmin", "系统管理员"),
    ("secadmin", "安全保密管理员"),
    ("auditor", "安全审计员"),
    ("shizhang", "东川市人民政府 市长"),
    (
        "houqin",
        "市政府办公室行政科 后勤（内部办事：用车、维修、物品）",
    ),
];

const SURNAMES: &str = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文";
const GIVEN: &str = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉鹏飞宇浩然子涵梓萱雨欣晨阳志远海燕晓东丹俊峰婷雪梅立新德庆春秋凤瑞琳佳怡宏亮振华嘉慧博思";

/// A deterministic name generator (the demo must look the same on every machine).
struct Names {
    state: u64,
    surnames: Vec<char>,
    given: Vec<char>,
}

impl Names {
    fn new() -> Names {
        Names {
            state: 20_261_126,
            surnames: SURNAMES.chars().collect(),
            given: GIVEN.chars().collect(),
        }
    }
    fn next(&mut self) -> usize {
        // Knuth's MMIX LCG; quality is irrelevant, determinism is the point.
        self.state = self
            .state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.state >> 33).unwrap_or(0)
    }
    fn name(&mut self) -> String {
        let mut s = String::new();
        let i = self.next() % self.surnames.len();
        s.push(self.surnames[i]);
        let i = self.next() % self.given.len();
        s.push(self.given[i]);
        if !self.next().is_multiple_of(3) {
            let i = self.next() % self.given.len();
            s.push(self.given[i]);
        }
        s
    }
}

struct Builder {
    batch: OrgBatch,
    names: Names,
    hash: String,
    positions: Vec<(String, i64)>,
    staff: i64,
    serial: usize,
}

impl Builder {
    fn unit(
        &mut self,
        parent: Option<usize>,
        kind: UnitKind,
        name: &str,
        short: &str,
        code: &str,
    ) -> usize {
        let order = self
            .batch
            .units
            .iter()
            .filter(|u| u.parent == parent.map(UnitRef::New))
            .count();
        self.batch.units.push(BatchUnit {
            parent: parent.map(UnitRef::New),
            unit: NewUnit {
                parent_id: None,
                kind: kind.code().to_owned(),
                name: name.to_owned(),
                short_name: short.to_owned(),
                issuer_code: (!code.is_empty()).then(|| code.to_owned()),
                sort_order: i64::try_from(order).unwrap_or(0) * 10,
            },
        });
        self.batch.units.len() - 1
    }

    fn position(&self, code: &str) -> i64 {
        self.positions
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, id)| *id)
            .unwrap_or(0)
    }

    fn person(
        &mut self,
        login: Option<&str>,
        name: Option<&str>,
        posts: &[(usize, &str, Option<&str>)],
        roles: &[i64],
        clearance: Clearance,
    ) {
        self.serial += 1;
        let login = login
            .map(str::to_owned)
            .unwrap_or_else(|| format!("dc{:04}", self.serial));
        let name = name.map(str::to_owned).unwrap_or_else(|| self.names.name());
        let posts = posts
            .iter()
            .map(|(unit, pos, title)| BatchPost {
                unit: UnitRef::New(*unit),
                position_id: self.position(pos),
                title: title.map(str::to_owned),
                clearance,
                roles: if roles.is_empty() {
                    vec![self.staff]
                } else {
                    roles.to_vec()
                },
            })
            .collect();
        self.batch.persons.push(BatchPerson {
            person: NewPerson {
                login,
                name,
                phone: Some(format!("1390{:07}", 5_550_000 + self.serial)),
                password_hash: self.hash.clone(),
                must_change_password: false,
            },
            posts,
        });
    }

    /// A section with a chief (signing in as `chief_login` when given), a deputy and `staff`
    /// clerks of the given position.
    fn staff_section(
        &mut self,
        unit: usize,
        staff: usize,
        position: &str,
        chief_login: Option<&str>,
    ) {
        self.person(
            chief_login,
            None,
            &[(unit, "section_chief", None)],
            &[],
            Clearance::Secret,
        );
        self.person(
            None,
            None,
            &[(unit, "deputy_section_chief", None)],
            &[],
            Clearance::Secret,
        );
        for _ in 0..staff {
            self.person(
                None,
                None,
                &[(unit, position, None)],
                &[],
                Clearance::Public,
            );
        }
    }
}

const COUNTIES: [(&str, &str, &str); 8] = [
    ("清河县", "清", "qinghe"),
    ("柳林县", "柳", "liulin"),
    ("石门县", "石", "shimen"),
    ("白水县", "白", "baishui"),
    ("云溪县", "云", "yunxi"),
    ("南岭县", "南", "nanling"),
    ("安平县", "安", "anping"),
    ("东川市青山区", "青", "qingshan"),
];

const BUREAUS: [(&str, &str, &str); 6] = [
    ("东川市发展和改革委员会", "市发展改革委", "东发改"),
    ("东川市教育局", "市教育局", "东教"),
    ("东川市财政局", "市财政局", "东财"),
    ("东川市自然资源和规划局", "市自然资源规划局", "东自然资源"),
    ("东川市住房和城乡建设局", "市住房城乡建设局", "东建"),
    ("东川市卫生健康委员会", "市卫生健康委", "东卫健"),
];

impl Services {
    /// Loads the demo city into an empty database with a year of its history (documents
    /// between the city office and the counties, see `demo/documents.rs`). Refuses a database
    /// that has people in it.
    pub async fn load_demo(&self, now: DateTime<Utc>) -> Result<()> {
        self.load_demo_city(now).await?;
        // The city's history, area by area, each through the real services.
        self.load_demo_documents(now).await?;
        Ok(())
    }

    /// Loads the demo city's organisation alone (units, people, posts, roles), without its
    /// history: what tests start from.
    pub async fn load_demo_city(&self, now: DateTime<Utc>) -> Result<()> {
        if xn_store::org::count_persons(self.db()).await? > 0 {
            return Err(ServiceError::Conflict {
                code: "demo.not_empty",
                message: "数据库中已有人员，演示数据只能载入空数据库".to_owned(),
            });
        }
        self.ensure_builtins().await?;
        let positions = xn_store::org::list_positions(self.db())
            .await?
            .into_iter()
            .map(|p| (p.code, p.id))
            .collect();
        let mut b = Builder {
            batch: OrgBatch::default(),
            names: Names::new(),
            hash: self.hasher().hash(DEMO_PASSWORD).await?,
            positions,
            staff: self.role_id("staff").await?,
            serial: 0,
        };
        let sys = self.role_id("system_admin").await?;
        let sec = self.role_id("security_admin").await?;
        let aud = self.role_id("auditor").await?;

        let gov = b.unit(
            None,
            UnitKind::Government,
            "东川市人民政府",
            "东川市政府",
            "东政",
        );
        let office = b.unit(
            Some(gov),
            UnitKind::Office,
            "东川市人民政府办公室",
            "市政府办公室",
            "东政办",
        );
        let sections = [
            ("秘书一科", 5, "secretary"),
            ("秘书二科", 4, "secretary"),
            ("综合科", 4, "staff"),
            ("督查科", 4, "staff"),
            ("信息科", 3, "staff"),
            ("调研科", 3, "staff"),
            ("文电科", 3, "clerk"),
            ("行政科", 4, "logistics"),
            ("人事科", 2, "staff"),
        ];
        let mut section_ids = Vec::new();
        for (name, _, _) in sections {
            section_ids.push(b.unit(Some(office), UnitKind::Section, name, name, ""));
        }
        // Leaders of the city and of its office.
        b.person(
            Some("shizhang"),
            Some("陈立新"),
            &[(gov, "leader", Some("市长"))],
            &[],
            Clearance::Confidential,
        );
        b.person(
            None,
            None,
            &[(gov, "leader", Some("常务副市长"))],
            &[],
            Clearance::Confidential,
        );
        b.person(
            None,
            None,
            &[(gov, "leader", Some("副市长"))],
            &[],
            Clearance::Confidential,
        );
        b.person(
            None,
            None,
            &[(gov, "leader", Some("副市长"))],
            &[],
            Clearance::Confidential,
        );
        b.person(
            None,
            None,
            &[(gov, "leader", Some("秘书长"))],
            &[],
            Clearance::Confidential,
        );
        b.person(
            Some("zhuren"),
            Some("周志远"),
            &[(office, "director", Some("主任"))],
            &[],
            Clearance::Confidential,
        );
        b.person(
            None,
            None,
            &[(office, "deputy_director", Some("副主任"))],
            &[],
            Clearance::Confidential,
        );
        b.person(
            None,
            None,
            &[(office, "deputy_director", Some("副主任（分管督查、信息）"))],
            &[],
            Clearance::Confidential,
        );
        b.person(
            None,
            None,
            &[(office, "deputy_director", Some("副主任（分管后勤）"))],
            &[],
            Clearance::Secret,
        );
        // The demo logins of the office's sections.
        b.person(
            Some("kezhang"),
            Some("林海燕"),
            &[
                (section_ids[0], "section_chief", None),
                (section_ids[3], "deputy_section_chief", Some("副科长（兼）")),
            ],
            &[],
            Clearance::Secret,
        );
        b.person(
            Some("mishu"),
            Some("王晓东"),
            &[(section_ids[0], "secretary", None)],
            &[],
            Clearance::Secret,
        );
        for (i, (_, staff, position)) in sections.iter().enumerate() {
            if i == 0 {
                for _ in 0..*staff {
                    b.person(
                        None,
                        None,
                        &[(section_ids[0], position, None)],
                        &[],
                        Clearance::Secret,
                    );
                }
            } else {
                // 信息科's chief is a demo login: the information section's desk.
                let chief = (i == 4).then_some("xinxi");
                b.staff_section(section_ids[i], *staff, position, chief);
            }
        }
        // The clerk of 文电科 who rechecks, numbers, prints and dispatches documents.
        b.person(
            Some("wenshu"),
            Some("李文静"),
            &[(section_ids[6], "clerk", Some("文书"))],
            &[],
            Clearance::Secret,
        );
        // The three separated administrators sit in 信息科; their posts do no business work.
        b.person(
            Some("sysadmin"),
            Some("郑宇"),
            &[(section_ids[4], "staff", Some("系统管理员"))],
            &[sys],
            Clearance::Secret,
        );
        b.person(
            Some("secadmin"),
            Some("何丽"),
            &[(section_ids[4], "staff", Some("安全保密管理员"))],
            &[sec],
            Clearance::Secret,
        );
        b.person(
            Some("auditor"),
            Some("孔敏"),
            &[(section_ids[4], "staff", Some("安全审计员"))],
            &[aud],
            Clearance::Secret,
        );

        for (name, short, code) in BUREAUS {
            let bureau = b.unit(Some(gov), UnitKind::Bureau, name, short, code);
            let bo = b.unit(
                Some(bureau),
                UnitKind::Section,
                "办公室",
                &format!("{short}办公室"),
                "",
            );
            b.person(
                None,
                None,
                &[(bureau, "leader", Some("局长"))],
                &[],
                Clearance::Secret,
            );
            b.person(
                None,
                None,
                &[(bo, "director", None)],
                &[],
                Clearance::Secret,
            );
            b.person(
                None,
                None,
                &[(bo, "secretary", None)],
                &[],
                Clearance::Public,
            );
            b.person(None, None, &[(bo, "clerk", None)], &[], Clearance::Public);
        }

        for (county, abbr, pinyin) in COUNTIES {
            let is_district = county.ends_with('区');
            let short = county.trim_start_matches("东川市");
            let cgov = b.unit(
                Some(gov),
                UnitKind::Government,
                &format!("{county}人民政府"),
                &format!("{short}政府"),
                &format!("{abbr}政"),
            );
            let coffice = b.unit(
                Some(cgov),
                UnitKind::Office,
                &format!("{county}人民政府办公室"),
                &format!("{short}政府办"),
                &format!("{abbr}政办"),
            );
            let secs: Vec<usize> = ["秘书股", "综合股", "督查股", "信息股", "行政股"]
                .iter()
                .map(|s| {
                    b.unit(
                        Some(coffice),
                        UnitKind::Section,
                        s,
                        &format!("{short}{s}"),
                        "",
                    )
                })
                .collect();
            let xianzhang = format!("{pinyin}.xianzhang");
            b.person(
                Some(&xianzhang),
                None,
                &[(
                    cgov,
                    "leader",
                    Some(if is_district { "区长" } else { "县长" }),
                )],
                &[],
                Clearance::Confidential,
            );
            b.person(
                None,
                None,
                &[(
                    cgov,
                    "leader",
                    Some(if is_district {
                        "副区长"
                    } else {
                        "副县长"
                    }),
                )],
                &[],
                Clearance::Secret,
            );
            let zhuren = format!("{pinyin}.zhuren");
            b.person(
                Some(&zhuren),
                None,
                &[(coffice, "director", None)],
                &[],
                Clearance::Secret,
            );
            b.person(
                None,
                None,
                &[(coffice, "deputy_director", None)],
                &[],
                Clearance::Secret,
            );
            let mishu = format!("{pinyin}.mishu");
            let mishu_name = if pinyin == "qinghe" {
                Some("赵雨欣")
            } else {
                None
            };
            b.person(
                Some(&mishu),
                mishu_name,
                &[(secs[0], "secretary", None)],
                &[],
                Clearance::Public,
            );
            let wenshu = format!("{pinyin}.wenshu");
            b.person(
                Some(&wenshu),
                (pinyin == "qinghe").then_some("钱文华"),
                &[(secs[0], "clerk", Some("文书"))],
                &[],
                Clearance::Secret,
            );
            let guzhang = format!("{pinyin}.guzhang");
            b.person(
                Some(&guzhang),
                None,
                &[(secs[0], "section_chief", Some("股长"))],
                &[],
                Clearance::Secret,
            );
            b.person(
                None,
                None,
                &[(secs[1], "staff", None)],
                &[],
                Clearance::Public,
            );
            b.person(
                None,
                None,
                &[(secs[2], "section_chief", Some("股长"))],
                &[],
                Clearance::Public,
            );
            b.person(
                None,
                None,
                &[(secs[2], "staff", None)],
                &[],
                Clearance::Public,
            );
            b.person(
                None,
                None,
                &[(secs[3], "staff", None)],
                &[],
                Clearance::Public,
            );
            b.person(
                None,
                None,
                &[(secs[1], "clerk", None)],
                &[],
                Clearance::Public,
            );
            b.person(
                None,
                None,
                &[(secs[3], "section_chief", Some("股长"))],
                &[],
                Clearance::Public,
            );
            b.person(
                None,
                None,
                &[(secs[4], "logistics", None)],
                &[],
                Clearance::Public,
            );
            b.person(
                None,
                None,
                &[(secs[4], "clerk", None)],
                &[],
                Clearance::Public,
            );
        }
        // 行政科's 后勤 who takes the office's own 办事 (用车, 维修, 物品领用): a demo login, made
        // last so that every other post keeps its place.
        b.person(
            Some("houqin"),
            Some("赵志强"),
            &[(section_ids[7], "logistics", None)],
            &[],
            Clearance::Public,
        );

        let mut tx = self.db().begin().await?;
        let (_, posts) = crate::import::write_batch(&mut tx, &b.batch, now).await?;
        // 文电科 handles the city office's documents, 秘书股 each county office's.
        xn_store::documents::flag_registries(&mut tx, &["文电科", "秘书股"]).await?;
        xn_store::supervision::flag_sections(&mut tx, &["督查科", "督查股"]).await?;
        xn_store::information::flag_sections(&mut tx, &["信息科", "信息股"]).await?;
        record(
            &mut tx,
            &crate::events::Audit::CONSOLE,
            "demo.loaded",
            None,
            json!({"units": b.batch.units.len(), "persons": b.batch.persons.len(), "posts": posts}),
            now,
        )
        .await?;
        tx.commit().await?;
        // The administrators must give a second factor: the demo's are enrolled with the
        // documented secret, so the demo can be tried.
        let secret = demo_factor_secret()?;
        for login in DEMO_FACTOR_LOGINS {
            let id = self.person_id_by_login(login).await?;
            self.enrol_factor_with_secret(id, &secret, now).await?;
        }
        Ok(())
    }
}

/// The bytes of [`DEMO_FACTOR_SECRET`].
fn demo_factor_secret() -> Result<Vec<u8>> {
    totp_rs::Secret::try_from_base32(DEMO_FACTOR_SECRET)
        .map(|s| s.as_bytes().to_vec())
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("demo factor secret: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_names_are_the_same_on_every_run() {
        let a: Vec<String> = {
            let mut n = Names::new();
            (0..5).map(|_| n.name()).collect()
        };
        let b: Vec<String> = {
            let mut n = Names::new();
            (0..5).map(|_| n.name()).collect()
        };
        assert_eq!(a, b);
        assert!(a.iter().all(|s| (2..=3).contains(&s.chars().count())));
    }
}
