//! Benchmark of the path a 发文 takes (see bench/README.md and bench/flow.sh).
//!
//! The shipped `outgoing_document` process (processes/outgoing_document.toml) in the demo
//! city, driven through the service calls the pages and the API make, by the demo logins the
//! integration tests use: 王晓东 (`mishu`, 秘书一科) drafts a notice to 清河县人民政府 and
//! submits it without countersigning (`create_draft`, `submit_document`: POST
//! /api/v1/documents and its submit); then 核稿 by 林海燕 (`kezhang`, 同意, 核稿无误), 签发 by
//! 周志远 (`zhuren`, 同意, 同意印发), 复核 (复核无误) and 登记 (登记编号, the 文号 is allocated)
//! by 李文静 (`wenshu`, 文电科), each a `Services::act` with `Action::Complete`, as POST
//! /api/v1/tasks/{id}/complete makes it. 印制 and 核发 are left out. Each acting person is
//! signed in with the demo password and resolved by `authenticate_session`, as a page request
//! is: the permissions are those of the post's roles.
//!
//! Phase 1 drafts and submits N documents, one after another, and finds the 核稿 task of each
//! (`case_detail` as the checker sees it); not timed. Phase 2 completes 核稿, 签发, 复核 and 登记 of every
//! document with K concurrent actors, each taking the next document from a shared counter and
//! completing its four tasks in order: four completions per document. Every completion returns
//! once committed and synced. Prints `engine=xiaoneng-documents-<K> completions_per_s=<x>
//! peak_rss_mb=<y>`.
//!
//! ```text
//! documents_bench --actors K --documents N [--engine sqlite|postgres] [--data-dir DIR]
//!                 [--database-url URL]
//! ```

#[expect(
    dead_code,
    reason = "its actors sign in; the synthetic actor is for benchmarks that make their own posts"
)]
mod bench_support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context, anyhow, bail};
use bench_support::{Phase2, cpu_ms, now};
use xn_domain::documents::Recipient;
use xn_domain::flow::Action;
use xn_service::auth::Client;
use xn_service::documents::{DraftInput, SubmitInput};
use xn_service::{Actor, Services};

/// The unit the notice is sent to (主送).
const RECIPIENT: &str = "清河县人民政府";

struct Args {
    engine: String,
    actors: usize,
    documents: usize,
    data_dir: Option<String>,
    database_url: Option<String>,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        engine: "sqlite".into(),
        actors: 1,
        documents: 1000,
        data_dir: None,
        database_url: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| anyhow!("{flag} needs a value"));
        match flag.as_str() {
            "--engine" => a.engine = value()?,
            "--actors" => a.actors = value()?.parse()?,
            "--documents" => a.documents = value()?.parse()?,
            "--data-dir" => a.data_dir = Some(value()?),
            "--database-url" => a.database_url = Some(value()?),
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// The people of the 发文 path, each acting in the post the process addresses.
struct People {
    drafter: Actor,
    checker: Actor,
    signer: Actor,
    clerk: Actor,
}

#[derive(Clone, Copy)]
enum Who {
    Checker,
    Signer,
    Clerk,
}

impl People {
    fn get(&self, who: Who) -> &Actor {
        match who {
            Who::Checker => &self.checker,
            Who::Signer => &self.signer,
            Who::Clerk => &self.clerk,
        }
    }
}

/// One completion of phase 2: the step, who completes it, the decision and the opinion.
struct Step {
    id: &'static str,
    who: Who,
    decision: &'static str,
    opinion: &'static str,
}

/// 核稿 → 签发 → 复核 → 登记, as the integration tests take a document to its number.
const STEPS: [Step; 4] = [
    Step {
        id: "check",
        who: Who::Checker,
        decision: "同意",
        opinion: "核稿无误",
    },
    Step {
        id: "signoff",
        who: Who::Signer,
        decision: "同意",
        opinion: "同意印发",
    },
    Step {
        id: "recheck",
        who: Who::Clerk,
        decision: "复核无误",
        opinion: "",
    },
    Step {
        id: "register",
        who: Who::Clerk,
        decision: "登记编号",
        opinion: "",
    },
];

/// The step a document waits at once phase 2 is done with it.
const AFTER: &str = "print";

/// Signs a demo login in and resolves its session into an actor, as a page request does. A
/// person with several posts acts in the one in `unit` (switched to, as the header does).
async fn sign_in(services: &Services, login: &str, unit: Option<i64>) -> anyhow::Result<Actor> {
    let client = Client::default();
    let e = |e: xn_service::ServiceError| anyhow!("{login}: {e}");
    let signed = services
        .sign_in(login, xn_service::demo::DEMO_PASSWORD, &client, now())
        .await
        .map_err(e)?;
    let mut actor = services
        .authenticate_session(&signed.token, &client, now())
        .await
        .map_err(e)?;
    if signed.must_choose_post {
        let posts = services.my_posts(&actor).await.map_err(e)?;
        let post = posts
            .iter()
            .find(|p| Some(p.unit_id) == unit)
            .with_context(|| format!("{login} holds no post in unit {unit:?}"))?;
        services
            .switch_post(&actor, post.id, now())
            .await
            .map_err(e)?;
        actor = services
            .authenticate_session(&signed.token, &client, now())
            .await
            .map_err(e)?;
    }
    if actor.post.is_none() {
        bail!("{login} acts in no post");
    }
    Ok(actor)
}

/// The demo city with its shipped processes, and the people of the path.
async fn setup(services: &Services) -> anyhow::Result<People> {
    services
        .load_demo_city(now())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    services
        .ensure_processes(now())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let drafter = sign_in(services, "mishu", None).await?;
    let section = drafter.post.as_ref().map(|p| p.unit_id);
    Ok(People {
        checker: sign_in(services, "kezhang", section).await?,
        signer: sign_in(services, "zhuren", None).await?,
        clerk: sign_in(services, "wenshu", None).await?,
        drafter,
    })
}

/// The notice of the integration tests (`notice` in crates/xn-web/tests/integration/
/// documents.rs), to one county.
fn notice(to: Recipient) -> DraftInput {
    DraftInput {
        kind: "notice".into(),
        title: "东川市人民政府办公室关于做好冬季安全生产工作的通知".into(),
        main_recipients: vec![to],
        body: "各县（区）人民政府：\n为切实做好今冬明春安全生产工作，现将有关事项通知如下。\n一、压实安全责任\n（一）落实属地责任。\n1.各县区于12月10日前报送排查情况。".into(),
        seal: true,
        ..DraftInput::default()
    }
}

/// A submitted document, waiting at 核稿.
#[derive(Clone, Copy)]
struct Submitted {
    document: i64,
    case: i64,
    check_task: u32,
}

/// Drafts and submits one document; finds its 核稿 task as the checker's case page does.
async fn draft_and_submit(
    services: &Services,
    people: &People,
    to: &Recipient,
) -> anyhow::Result<Submitted> {
    let e = |e: xn_service::ServiceError| anyhow!("{e}: {e:?}");
    let document = services
        .documents()
        .draft(&people.drafter, &notice(to.clone()), now())
        .await
        .map_err(e)?;
    let submit = SubmitInput {
        signoff_post: people.signer.post_id().context("signer's post")?,
        countersign_posts: Vec::new(),
    };
    let case = services
        .documents()
        .submit(&people.drafter, document, &submit, None, now())
        .await
        .map_err(e)?;
    let detail = services
        .case_detail(&people.checker, case, now())
        .await
        .map_err(e)?;
    let check_task = detail
        .my_tasks
        .first()
        .map(|t| t.task_no)
        .with_context(|| format!("case {case}: no 核稿 task for the checker"))?;
    Ok(Submitted {
        document,
        case,
        check_task,
    })
}

/// Completes 核稿, 签发, 复核 and 登记 of one document; answers the completions made.
async fn to_register(
    services: &Services,
    people: &People,
    doc: Submitted,
) -> anyhow::Result<usize> {
    let mut task = doc.check_task;
    for (i, step) in STEPS.iter().enumerate() {
        let action = Action::Complete {
            task,
            decision: step.decision.into(),
            opinion: step.opinion.into(),
            choices: BTreeMap::new(),
        };
        let out = services
            .act(people.get(step.who), doc.case, None, action, None, now())
            .await
            .map_err(|e| anyhow!("case {}, {}: {e}", doc.case, step.id))?;
        // The next task is the one the next step's person holds (复核 and 登记 are offered to
        // every clerk of 文电科; the first to act takes it).
        let (next, holder) = match STEPS.get(i + 1) {
            Some(s) => (s.id, people.get(s.who).post_id()),
            None => (AFTER, people.clerk.post_id()),
        };
        task = out
            .open_tasks
            .iter()
            .find(|t| t.step == next && Some(t.post_id) == holder)
            .map(|t| t.no)
            .with_context(|| {
                format!(
                    "case {}: after {} no {next} task for its holder",
                    doc.case, step.id
                )
            })?;
    }
    Ok(STEPS.len())
}

/// The runtime is the server's (`xn_service::runtime`): on SQLite one core is left to the
/// writer thread.
fn main() -> anyhow::Result<()> {
    let a = args()?;
    xn_service::runtime(bench_support::engine(&a.engine))?.block_on(bench(a))
}

async fn bench(a: Args) -> anyhow::Result<()> {
    let services =
        bench_support::open_services(&a.engine, a.data_dir.as_deref(), a.database_url.as_deref())
            .await?;
    let people = Arc::new(setup(&services).await?);
    let to = xn_store::org::list_units(services.db())
        .await?
        .into_iter()
        .find(|u| u.name == RECIPIENT)
        .map(|u| Recipient {
            unit_id: Some(u.id),
            name: u.name,
        })
        .with_context(|| format!("no unit {RECIPIENT}"))?;

    // Phase 1: N documents drafted and submitted, each waiting at 核稿. One drafter, one
    // document after another: drafts and submissions from many tasks at once can take every
    // connection of the SQLite pool, each waiting in BEGIN IMMEDIATE, while a submission's
    // start holds the write lock and waits for a connection to read its process through (see
    // bench/README.md, 2026-12-04); they then fail after the busy timeout.
    let mut documents = Vec::with_capacity(a.documents);
    for _ in 0..a.documents {
        documents.push(draft_and_submit(&services, &people, &to).await?);
    }
    let documents = Arc::new(documents);

    // Phase 2: 核稿, 签发, 复核 and 登记 of every document, by K concurrent actors. The line
    // says when it starts (a profiler attached then sees phase 2 alone).
    eprintln!("# phase 2: {} actors", a.actors.max(1));
    let counter = Arc::new(AtomicUsize::new(0));
    let completions = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let cpu0 = cpu_ms();
    let mut joins = Vec::new();
    for _ in 0..a.actors.max(1) {
        let (services, people, documents, counter, completions) = (
            services.clone(),
            Arc::clone(&people),
            Arc::clone(&documents),
            Arc::clone(&counter),
            Arc::clone(&completions),
        );
        joins.push(tokio::spawn(async move {
            while let Some(doc) = documents.get(counter.fetch_add(1, Ordering::Relaxed)) {
                let done = to_register(&services, &people, *doc).await?;
                completions.fetch_add(done, Ordering::Relaxed);
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for j in joins {
        j.await??;
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_ms().saturating_sub(cpu0);
    let done = completions.load(Ordering::Relaxed);
    let expected = a.documents * STEPS.len();
    if done != expected {
        bail!("completed {done} tasks, expected {expected}");
    }
    // Every document registered, each with a number of its own.
    let mut numbers = BTreeSet::new();
    for doc in documents.iter() {
        let row = xn_store::documents::find_document(services.db(), doc.document).await?;
        let number = row
            .doc_number
            .with_context(|| format!("document {} has no number", row.id))?;
        if row.status != "numbered" {
            bail!("document {} is {}", row.id, row.status);
        }
        numbers.insert(number);
    }
    if numbers.len() != a.documents {
        bail!("{} numbers for {} documents", numbers.len(), a.documents);
    }
    Phase2 {
        name: match a.engine.as_str() {
            "sqlite" => format!("xiaoneng-documents-{}", a.actors),
            other => format!("xiaoneng-documents-{other}-{}", a.actors),
        },
        items: format!("{} documents", a.documents),
        done,
        secs,
        cpu_ms: cpu,
    }
    .print();
    Ok(())
}
