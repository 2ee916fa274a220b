//! Benchmark of 综合查询 (see bench/README.md and bench/search.sh).
//!
//! Generates N documents with Chinese titles and bodies composed from vocabularies of
//! government documents (deterministic seed), loads them into `documents` in large
//! transactions, indexes them through [`xn_store::search::index_document`], then times
//! [`xn_store::search::search_documents`] — first page of 20 with the capped total — for queries
//! of 2, 3 and 4 characters, common and rare, and a naive `like '%…%'` scan for a few of them.
//!
//! ```text
//! search_bench --engine sqlite|postgres --docs N [--data-dir DIR] [--database-url URL]
//!              [--repeat R] [--seed S]
//! ```
//!
//! Prints `key=value` lines: `phase=…` for load and index, `query=…` per query, `summary …`
//! per query length, `like=…` for the baseline, `size …` for the database.

#![expect(clippy::print_stdout, reason = "a benchmark prints its figures")]

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use xn_store::Db;
use xn_store::search::{SearchQuery, SearchText, Total, index_document, search_documents};

mod probes;

struct Args {
    engine: String,
    docs: usize,
    data_dir: Option<String>,
    database_url: Option<String>,
    repeat: usize,
    seed: u64,
    queries_only: bool,
    /// Only the probes of this text (to look at one query).
    only: Option<String>,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        engine: "sqlite".into(),
        docs: 100_000,
        data_dir: None,
        database_url: None,
        repeat: 5,
        seed: 20_261_126,
        queries_only: false,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| anyhow!("{flag} needs a value"));
        match flag.as_str() {
            "--engine" => a.engine = value()?,
            "--docs" => a.docs = value()?.parse()?,
            "--data-dir" => a.data_dir = Some(value()?),
            "--database-url" => a.database_url = Some(value()?),
            "--repeat" => a.repeat = value()?.parse()?,
            "--seed" => a.seed = value()?.parse()?,
            "--queries-only" => a.queries_only = true,
            "--only" => a.only = Some(value()?),
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

// ---------------------------------------------------------------------------------------------
// A deterministic generator (SplitMix64): the same seed gives the same documents everywhere.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs.get(self.below(xs.len())).copied().unwrap_or("")
    }
    /// True with probability 1 / n.
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

const ISSUERS: [(&str, &str); 12] = [
    ("东州市人民政府办公室", "东政办发"),
    ("东州市人民政府", "东政发"),
    ("东州市应急管理局", "东应急发"),
    ("东州市发展和改革委员会", "东发改"),
    ("东州市农业农村局", "东农发"),
    ("东州市财政局", "东财预"),
    ("西山县人民政府办公室", "西政办发"),
    ("南湖区人民政府办公室", "南政办发"),
    ("北岭县人民政府办公室", "北政办发"),
    ("东州市生态环境局", "东环发"),
    ("东州市教育局", "东教发"),
    ("东州市卫生健康委员会", "东卫发"),
];

const TOPICS: &[&str] = &[
    "安全生产",
    "乡村振兴",
    "营商环境",
    "防汛抗旱",
    "森林防火",
    "疫情防控",
    "河长制",
    "招商引资",
    "数字政府建设",
    "政务服务",
    "义务教育",
    "医疗保障",
    "养老服务",
    "稳就业",
    "生态环境保护",
    "城市管理",
    "交通运输",
    "文明城市创建",
    "信访工作",
    "审计整改",
    "财政预算管理",
    "国有资产管理",
    "农村人居环境整治",
    "耕地保护",
    "粮食安全",
    "食品安全",
    "消防安全",
    "燃气安全",
    "安全隐患排查",
    "重点项目建设",
    "民生实事",
    "行政效能",
    "督查督办",
    "政务公开",
    "档案管理",
    "保密工作",
    "老旧小区改造",
    "污染防治",
    "秸秆禁烧",
    "冬春季疫病防控",
];

const ACTIONS: &[&str] = &[
    "进一步加强",
    "做好",
    "扎实推进",
    "全面落实",
    "深入开展",
    "切实抓好",
    "持续深化",
    "统筹推进",
    "规范",
    "加快推进",
];

const KINDS: [(&str, &str); 7] = [
    ("通知", "notice"),
    ("意见", "opinion"),
    ("请示", "request"),
    ("报告", "report"),
    ("批复", "reply"),
    ("函", "letter"),
    ("通报", "circular"),
];

const PLANS: &[&str] = &[
    "实施方案",
    "工作方案",
    "管理办法",
    "考核细则",
    "专项行动方案",
    "应急预案",
];

const OPENINGS: &[&str] = &[
    "各县（市、区）人民政府，市政府各部门、各直属机构：",
    "各乡镇人民政府、街道办事处，县直各单位：",
    "市人民政府：",
    "各有关单位：",
];

/// Body sentences; {t} is the document's topic, {u} a unit, {d} a number of days.
const SENTENCES: &[&str] = &[
    "为深入贯彻落实党中央、国务院和省委、省政府关于{t}的决策部署，经市政府同意，现就有关事项通知如下。",
    "各地各部门要充分认识做好{t}工作的重要性和紧迫性，切实把思想和行动统一到上级要求上来。",
    "要坚持问题导向和目标导向，聚焦{t}中的突出问题，建立工作台账，明确责任单位和完成时限。",
    "{u}要切实履行牵头责任，会同有关部门制定具体措施，确保各项任务按期完成。",
    "请各单位于{d}个工作日内将贯彻落实情况书面报送市政府办公室，同时报送电子文档。",
    "市政府督查室将适时对{t}工作开展专项督查，对工作不力、进展缓慢的单位予以通报。",
    "要加强组织领导，主要负责同志亲自抓、负总责，分管负责同志具体抓，形成一级抓一级、层层抓落实的工作格局。",
    "要强化资金保障，统筹整合各类资金，提高资金使用效益，严禁挤占挪用。",
    "要加强宣传引导，充分利用广播电视、报刊网络等媒体，营造全社会共同关注{t}的良好氛围。",
    "对落实不到位、造成严重后果的，依法依规严肃追究有关单位和人员的责任。",
    "本通知自印发之日起施行，此前有关规定与本通知不一致的，以本通知为准。",
    "今年以来，在市委、市政府的坚强领导下，全市{t}工作取得了阶段性成效，但仍存在一些薄弱环节。",
    "一是思想认识还不到位，个别单位存在松懈麻痹思想；二是工作推进不平衡，部分乡镇进展较慢。",
    "下一步，我们将进一步压实责任，细化措施，加大督办力度，推动{t}工作再上新台阶。",
    "特此请示，妥否，请批示。",
    "经研究，原则同意你单位关于{t}的意见，请按照有关规定抓好组织实施。",
    "要建立健全长效机制，定期分析研判形势，及时发现和解决苗头性、倾向性问题。",
    "要严格落实值班值守制度，保持通信畅通，遇有重大情况及时报告，不得迟报、漏报、瞒报。",
    "各牵头单位要每月{d}日前报送工作进展情况，市政府办公室汇总后向市政府报告。",
    "要坚持以人民为中心的发展思想，着力解决群众急难愁盼问题，不断增强人民群众的获得感。",
    "{u}会同财政、审计等部门对有关情况进行了认真核实，现将核实情况报告如下。",
    "请{u}按照职责分工认真研究办理，并将办理结果于{d}日内函复我办。",
];

const UNITS: &[&str] = &[
    "市应急管理局",
    "市发展改革委",
    "市农业农村局",
    "市财政局",
    "市生态环境局",
    "市住房城乡建设局",
    "市交通运输局",
    "市市场监管局",
    "市水利局",
    "市自然资源局",
    "各县（市、区）人民政府",
    "市政府督查室",
];

/// Rare names: each appears in about one document in ten thousand.
const RARE: &[&str] = &[
    "白鹭湖湿地公园",
    "青龙峡水库",
    "云杉坪林场",
    "凤鸣山隧道",
    "金沙滩码头",
    "翠屏山景区",
    "玉带河综合治理",
    "紫荆花园小区",
];

struct GenDoc {
    unit: usize,
    kind: &'static str,
    title: String,
    number: String,
    issuer: &'static str,
    year: i64,
    seq: i64,
    body: String,
    written_on: String,
    classification: &'static str,
    status: &'static str,
    created_at: i64,
}

fn fill(template: &str, topic: &str, rng: &mut Rng) -> String {
    let unit = rng.pick(UNITS);
    let days = 3 + rng.below(28);
    template
        .replace("{t}", topic)
        .replace("{u}", unit)
        .replace("{d}", &days.to_string())
}

fn generate(i: usize, n: usize, rng: &mut Rng, seqs: &mut [i64]) -> GenDoc {
    let unit = rng.below(ISSUERS.len());
    let (_, issuer) = ISSUERS[unit];
    let (kind_label, kind) = KINDS[rng.below(KINDS.len())];
    let topic = rng.pick(TOPICS);
    let rare = rng.one_in(10_000).then(|| rng.pick(RARE));
    let subject = match rare {
        Some(r) if rng.one_in(2) => format!("{r}{topic}"),
        _ => topic.to_owned(),
    };
    let title = match rng.below(4) {
        0 => format!(
            "关于印发《东州市{subject}{}》的{kind_label}",
            rng.pick(PLANS)
        ),
        1 => format!("关于{subject}工作情况的{kind_label}"),
        _ => format!("关于{}{subject}工作的{kind_label}", rng.pick(ACTIONS)),
    };
    // Two years of documents, oldest first: the id order is the order of registration.
    let day = (i * 730 / n.max(1)) as i64;
    let year = 2025 + day / 365;
    let seq_slot = unit * 2 + (year - 2025) as usize;
    let seq = match seqs.get_mut(seq_slot) {
        Some(s) => {
            *s += 1;
            *s
        }
        None => 1,
    };
    let number = format!("{issuer}〔{year}〕{seq}号");
    let target = 200 + rng.below(601);
    let mut body = String::from(rng.pick(OPENINGS));
    let mut chars = body.chars().count();
    let mut k = 0;
    while chars < target {
        let s = if k > 0 && k % 4 == 0 {
            let heading = ["一、", "二、", "三、", "四、", "五、"][(k / 4 - 1) % 5];
            format!("{heading}{}", fill(rng.pick(SENTENCES), topic, rng))
        } else {
            fill(rng.pick(SENTENCES), topic, rng)
        };
        chars += s.chars().count();
        body.push_str(&s);
        k += 1;
        if k == 3
            && let Some(r) = rare
        {
            let s = format!("{r}的有关工作由属地政府负责。");
            chars += s.chars().count();
            body.push_str(&s);
        }
    }
    let written_on = format!("{year}-{:02}-{:02}", 1 + (day % 365) / 31, 1 + day % 28);
    let classification = match rng.below(50) {
        0 => "secret",
        1 => "confidential",
        _ => "public",
    };
    let status = ["draft", "signed_off", "registered", "dispatched", "closed"][rng.below(5)];
    GenDoc {
        unit,
        kind,
        title,
        number,
        issuer,
        year,
        seq,
        body,
        written_on,
        classification,
        status,
        created_at: 1_735_660_800_000 + day * 86_400_000 + (i as i64 % 86_400) * 1_000,
    }
}

/// The N documents of the seed, in order.
fn generate_all(a: &Args) -> Vec<GenDoc> {
    let mut rng = Rng(a.seed);
    let mut seqs = vec![0i64; ISSUERS.len() * 2];
    (0..a.docs)
        .map(|i| generate(i, a.docs, &mut rng, &mut seqs))
        .collect()
}

/// The ids of the issuers' units, in the order of [`ISSUERS`].
async fn unit_ids(db: &Db) -> anyhow::Result<Vec<i64>> {
    let mut out = Vec::new();
    for (_, code) in ISSUERS {
        let id: i64 = xn_store::with_db!(db, c => sqlx::query_scalar(
            "select id from units where issuer_code = $1 order by id limit 1")
            .bind(code).fetch_one(c).await)?;
        out.push(id);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------

fn secs(t: Instant) -> f64 {
    t.elapsed().as_secs_f64()
}

/// Units (one per issuer), a person, a position and a post, for the foreign keys.
async fn world(db: &Db) -> anyhow::Result<(Vec<i64>, i64)> {
    let mut tx = db.begin().await?;
    let mut units = Vec::new();
    for (name, code) in ISSUERS {
        let id: i64 = xn_store::with_tx!(tx, c => sqlx::query_scalar(
            "insert into units (kind, name, short_name, issuer_code, created_at)
             values ('government', $1, $1, $2, 0) returning id")
            .bind(name).bind(code).fetch_one(c).await)?;
        units.push(id);
    }
    let person: i64 = xn_store::with_tx!(tx, c => sqlx::query_scalar(
        "insert into persons (login, name, password_hash, created_at)
         values ('bench', '测试', 'x', 0) returning id")
        .fetch_one(c).await)?;
    let position: i64 = xn_store::with_tx!(tx, c => sqlx::query_scalar(
        "insert into positions (code, name, rank) values ('bench_clerk', '测试岗位', 1) returning id")
        .fetch_one(c).await)?;
    let first = units.first().copied().context("no unit")?;
    let post: i64 = xn_store::with_tx!(tx, c => sqlx::query_scalar(
        "insert into posts (person_id, unit_id, position_id, created_at) values ($1, $2, $3, 0)
         returning id")
        .bind(person).bind(first).bind(position).fetch_one(c).await)?;
    tx.commit().await?;
    Ok((units, post))
}

const BATCH: usize = 200;
const TX_DOCS: usize = 20_000;

async fn load(db: &Db, docs: &[GenDoc], units: &[i64], post: i64) -> anyhow::Result<()> {
    for chunk in docs.chunks(TX_DOCS) {
        let mut tx = db.begin().await?;
        for batch in chunk.chunks(BATCH) {
            let mut sql = String::from(
                "insert into documents (direction, unit_id, kind, title, issuer_code, number_year,
                 number_seq, doc_number, classification, written_on, body, status,
                 created_post_id, created_at, updated_at) values ",
            );
            for (i, _) in batch.iter().enumerate() {
                let b = i * 13;
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "('outgoing', ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9,
                    b + 10,
                    b + 11,
                    b + 12,
                    b + 13,
                    b + 13
                ));
            }
            xn_store::with_tx!(tx, c => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for d in batch {
                    q = q
                        .bind(units.get(d.unit).copied().unwrap_or(post))
                        .bind(d.kind)
                        .bind(d.title.as_str())
                        .bind(d.issuer)
                        .bind(d.year)
                        .bind(d.seq)
                        .bind(d.number.as_str())
                        .bind(d.classification)
                        .bind(d.written_on.as_str())
                        .bind(d.body.as_str())
                        .bind(d.status)
                        .bind(post)
                        .bind(d.created_at);
                }
                q.execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        tx.commit().await?;
    }
    Ok(())
}

async fn index(db: &Db, docs: &[GenDoc], first_id: i64) -> anyhow::Result<()> {
    for (c, chunk) in docs.chunks(TX_DOCS).enumerate() {
        let mut tx = db.begin().await?;
        for (i, d) in chunk.iter().enumerate() {
            let id = first_id + (c * TX_DOCS + i) as i64;
            let text = SearchText {
                title: &d.title,
                number: &d.number,
                body: &d.body,
                opinions: "",
            };
            index_document(&mut tx, id, &text).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

async fn exec(db: &Db, sql: &str) -> anyhow::Result<()> {
    xn_store::with_db!(db, c => sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted
        .get(rank.saturating_sub(1).min(sorted.len() - 1))
        .copied()
        .unwrap_or(f64::NAN)
}

/// The filter sets each probe may run with: none, the scope every person's search has (one
/// office's documents within a clearance), and that scope narrowed further by the page's
/// filters (文种 and year).
const FILTERS: [&str; 3] = ["none", "scope", "narrow"];

/// Whether a generated document passes each filter set of [`FILTERS`].
fn passes(d: &GenDoc) -> Vec<bool> {
    let scope = d.unit == 0 && d.classification != "confidential";
    vec![true, scope, scope && d.kind == "notice" && d.year == 2026]
}

/// The query of a probe with its filter set.
fn query_of(text: &str, filter: usize, units: &[i64]) -> SearchQuery {
    let mut q = SearchQuery {
        text: text.to_owned(),
        limit: 20,
        ..SearchQuery::default()
    };
    if filter >= 1 {
        q.unit_ids = Some(units.first().copied().into_iter().collect());
        q.clearance = Some(xn_domain::org::Clearance::Secret);
    }
    if filter >= 2 {
        q.kind = Some("notice".to_owned());
        q.written_from = Some("2026-01-01".to_owned());
        q.written_to = Some("2026-12-31".to_owned());
    }
    q
}

/// Generates the documents again (same seed) and chooses the probes from them.
fn discover(a: &Args) -> anyhow::Result<Vec<probes::Probe>> {
    let t = Instant::now();
    let docs = generate_all(a);
    let mut vocab: Vec<&str> = Vec::new();
    vocab.extend(ISSUERS.iter().map(|(n, _)| *n));
    vocab.extend(TOPICS.iter().copied());
    vocab.extend(ACTIONS.iter().copied());
    vocab.extend(KINDS.iter().map(|(k, _)| *k));
    vocab.extend(PLANS.iter().copied());
    vocab.extend(OPENINGS.iter().copied());
    vocab.extend(SENTENCES.iter().copied());
    vocab.extend(UNITS.iter().copied());
    vocab.extend(RARE.iter().copied());
    let patterns = probes::with_reversals(probes::candidates(&vocab));
    let texts: Vec<(String, Vec<bool>)> = docs
        .iter()
        .map(|d| (format!("{}\n{}\n{}", d.title, d.number, d.body), passes(d)))
        .collect();
    drop(docs);
    let counts = probes::count(
        &patterns,
        FILTERS.len(),
        texts.iter().map(|(t, p)| (t.as_str(), p.clone())),
    )?;
    let chosen = probes::choose(&patterns, &counts, a.docs, xn_store::search::THRESHOLDS);
    println!(
        "phase=probes candidates={} probes={} seconds={:.1}",
        patterns.len(),
        chosen.len(),
        secs(t)
    );
    Ok(chosen)
}

/// Whether a reported total agrees with the truth: an exact total must equal it, a lower
/// bound must not exceed it, an estimate is reported with its error.
fn check(total: &Total, truth: usize) -> String {
    let truth = i64::try_from(truth).unwrap_or(i64::MAX);
    match *total {
        Total::Exact(n) if n == truth => "ok".to_owned(),
        Total::AtLeast(n) if truth >= n => "ok".to_owned(),
        Total::About(n) => format!(
            "about_error_pct={:.0}",
            (n - truth) as f64 * 100.0 / truth.max(1) as f64
        ),
        _ => "WRONG".to_owned(),
    }
}

async fn measure(
    db: &Db,
    engine: &str,
    repeat: usize,
    probes: &[probes::Probe],
    units: &[i64],
) -> anyhow::Result<()> {
    type Key = (&'static str, usize, String);
    let mut by_class: std::collections::BTreeMap<Key, Vec<f64>> = Default::default();
    let mut by_filter: std::collections::BTreeMap<&'static str, Vec<f64>> = Default::default();
    let mut wrong = 0;
    // One warm-up pass so that every engine answers from the page cache, then the timed runs.
    for p in probes {
        search_documents(db, &query_of(&p.text, p.filter, units)).await?;
    }
    for p in probes {
        let sq = query_of(&p.text, p.filter, units);
        let filter = FILTERS.get(p.filter).copied().unwrap_or("?");
        let mut samples = Vec::new();
        let mut total = Total::Exact(0);
        for _ in 0..repeat.max(1) {
            let t = Instant::now();
            let page = search_documents(db, &sq).await?;
            samples.push(secs(t) * 1000.0);
            total = page.total;
        }
        samples.sort_by(f64::total_cmp);
        let verdict = check(&total, p.truth);
        if verdict == "WRONG" {
            wrong += 1;
        }
        println!(
            "engine={engine} query={} len={} class={} filter={filter} total={total} truth={} check={verdict} median_ms={:.2} max_ms={:.2}",
            p.text,
            p.len,
            p.class,
            p.truth,
            percentile(&samples, 50.0),
            samples.last().copied().unwrap_or(f64::NAN)
        );
        by_filter.entry(filter).or_default().extend(&samples);
        by_class
            .entry((filter, p.len, p.class.clone()))
            .or_default()
            .extend(samples);
    }
    for ((filter, len, class), mut s) in by_class {
        s.sort_by(f64::total_cmp);
        println!(
            "summary engine={engine} filter={filter} len={len} class={class} samples={} p50_ms={:.2} p95_ms={:.2} max_ms={:.2}",
            s.len(),
            percentile(&s, 50.0),
            percentile(&s, 95.0),
            s.last().copied().unwrap_or(f64::NAN)
        );
    }
    for (filter, mut s) in by_filter {
        s.sort_by(f64::total_cmp);
        println!(
            "overall engine={engine} filter={filter} samples={} p50_ms={:.2} p95_ms={:.2} max_ms={:.2}",
            s.len(),
            percentile(&s, 50.0),
            percentile(&s, 95.0),
            s.last().copied().unwrap_or(f64::NAN)
        );
    }
    println!("check engine={engine} wrong_totals={wrong}");
    Ok(())
}

/// The naive way: `like '%…%'` over title and body, first page of 20 and the exact count.
async fn like_baseline(db: &Db, engine: &str) -> anyhow::Result<()> {
    for q in ["督办", "白鹭", "安全生产", "白鹭湖湿"] {
        let pattern = format!("%{q}%");
        let t = Instant::now();
        let ids: Vec<i64> = xn_store::with_db!(db, c => sqlx::query_scalar(
            "select id from documents where title like $1 or body like $1 order by id desc limit 20")
            .bind(&pattern).fetch_all(c).await)?;
        let page_ms = secs(t) * 1000.0;
        let t = Instant::now();
        let total: i64 = xn_store::with_db!(db, c => sqlx::query_scalar(
            "select count(*) from documents where title like $1 or body like $1")
            .bind(&pattern).fetch_one(c).await)?;
        let count_ms = secs(t) * 1000.0;
        println!(
            "like engine={engine} query={q} page_rows={} total={total} page_ms={page_ms:.1} count_ms={count_ms:.1} both_ms={:.1}",
            ids.len(),
            page_ms + count_ms
        );
    }
    Ok(())
}

async fn sizes(db: &Db, engine: &str, data_dir: Option<&PathBuf>) -> anyhow::Result<()> {
    match db {
        Db::Sqlite(_) => {
            let pages: i64 = xn_store::with_db!(db, c => sqlx::query_scalar("pragma page_count").fetch_one(c).await)?;
            let page_size: i64 = xn_store::with_db!(db, c => sqlx::query_scalar("pragma page_size").fetch_one(c).await)?;
            println!(
                "size engine={engine} database_mb={:.0}",
                (pages * page_size) as f64 / 1e6
            );
            if let Some(dir) = data_dir {
                let mut total = 0u64;
                for e in std::fs::read_dir(dir)? {
                    total += e?.metadata()?.len();
                }
                println!("size engine={engine} files_mb={:.0}", total as f64 / 1e6);
            }
        }
        Db::Postgres(p) => {
            for rel in [
                "documents",
                "document_search",
                "document_search_head",
                "document_search_whole",
            ] {
                let bytes: i64 = sqlx::query_scalar("select pg_total_relation_size($1::regclass)")
                    .bind(rel)
                    .fetch_one(p)
                    .await?;
                println!(
                    "size engine={engine} relation={rel} mb={:.0}",
                    bytes as f64 / 1e6
                );
            }
            let bytes: i64 = sqlx::query_scalar("select pg_database_size(current_database())")
                .fetch_one(p)
                .await?;
            println!("size engine={engine} database_mb={:.0}", bytes as f64 / 1e6);
        }
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let data_dir = a.data_dir.as_ref().map(PathBuf::from);
    let db = match a.engine.as_str() {
        "sqlite" => {
            let dir = data_dir
                .clone()
                .context("--data-dir is needed for sqlite")?;
            std::fs::create_dir_all(&dir)?;
            Db::open_sqlite(&dir.join("search.db")).await?
        }
        "postgres" => {
            let url = a
                .database_url
                .as_deref()
                .context("--database-url is needed for postgres")?;
            Db::open_postgres(url, None).await?
        }
        other => bail!("unknown engine {other}"),
    };
    let engine = a.engine.as_str();
    db.migrate().await?;
    if !a.queries_only {
        build(&db, &a, engine, data_dir.as_ref()).await?;
    }
    let mut probes = discover(&a)?;
    if let Some(only) = &a.only {
        probes.retain(|p| &p.text == only);
    }
    let units = unit_ids(&db).await?;
    measure(&db, engine, a.repeat, &probes, &units).await?;
    like_baseline(&db, engine).await?;
    db.close().await;
    Ok(())
}

/// Generates, loads and indexes the documents, printing the time of each phase and the sizes.
async fn build(db: &Db, a: &Args, engine: &str, data_dir: Option<&PathBuf>) -> anyhow::Result<()> {
    let db = db.clone();
    let (units, post) = world(&db).await?;

    let t = Instant::now();
    let docs = generate_all(a);
    let chars: usize = docs.iter().map(|d| d.body.chars().count()).sum();
    println!(
        "phase=generate engine={engine} docs={} body_chars_avg={:.0} seconds={:.1}",
        docs.len(),
        chars as f64 / docs.len().max(1) as f64,
        secs(t)
    );

    let t = Instant::now();
    load(&db, &docs, &units, post).await?;
    println!("phase=load engine={engine} seconds={:.1}", secs(t));
    let first_id: i64 = xn_store::with_db!(&db, c => sqlx::query_scalar("select min(id) from documents").fetch_one(c).await)?;
    sizes(&db, engine, data_dir).await?;

    // Index: through the store's index_document, in transactions of TX_DOCS documents. On
    // PostgreSQL the GIN indexes are dropped first and built once at the end, as a bulk
    // re-index would do; on SQLite FTS5 builds its index as rows arrive.
    if let Db::Postgres(_) = db {
        exec(
            &db,
            "drop index document_search_head; drop index document_search_whole",
        )
        .await?;
    }
    let t = Instant::now();
    index(&db, &docs, first_id).await?;
    let rows_s = secs(t);
    println!("phase=index_rows engine={engine} seconds={rows_s:.1}");
    drop(docs);
    if let Db::Postgres(p) = &db {
        let t = Instant::now();
        let mut c = p.acquire().await?;
        sqlx::raw_sql(
            "set maintenance_work_mem = '1GB';
             create index document_search_head on document_search using gin (head);
             create index document_search_whole on document_search using gin (whole);",
        )
        .execute(&mut *c)
        .await?;
        drop(c);
        let gin_s = secs(t);
        println!("phase=index_gin engine={engine} seconds={gin_s:.1}");
        let t = Instant::now();
        exec(&db, "vacuum analyze documents").await?;
        exec(&db, "vacuum analyze document_search").await?;
        println!(
            "phase=vacuum_analyze engine={engine} seconds={:.1}",
            secs(t)
        );
        println!(
            "phase=index_total engine={engine} seconds={:.1}",
            rows_s + gin_s
        );
    } else {
        println!("phase=index_total engine={engine} seconds={rows_s:.1}");
    }
    sizes(&db, engine, data_dir).await?;
    Ok(())
}
