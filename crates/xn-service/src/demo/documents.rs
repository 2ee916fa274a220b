//! The demo city's year of documents: about two hundred 发文 of the city office and the
//! counties over the twelve months before the demo's reference date, each taken through the
//! real services — drafted, submitted, checked, signed off, numbered, printed and dispatched by
//! the posts that hold those steps, then signed for, registered, screened (a few sent back with
//! reasons), proposed, instructed and handled at every receiving unit, whose lead's result goes
//! back as the reply. A county's 请示 that the city handles gets its 批复.
//!
//! Every action runs at a simulated instant on a working day of the stored calendar (09:00 to
//! 17:30 Beijing time), all documents' actions in one global time order so that numbers, ledgers
//! and events read chronologically. Actions due after the reference date are not run: those
//! documents are still in progress, and a few have been left with a county past their deadline.
//! Everything is drawn from a fixed seed, so the demo is the same on every machine. This module
//! writes nothing itself: no SQL, no events of its own.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use xn_domain::calendar::Calendar;
use xn_domain::documents::Recipient;
use xn_domain::flow::Action;
use xn_domain::org::{Clearance, Permission};
use xn_store::org::{PostRow, UnitRow};

use crate::auth::{ActingPost, Actor};
use crate::documents::{DraftInput, SubmitInput};
use crate::{Result, Services};

/// Minutes of a working day in the simulation (09:00–17:30 Beijing time).
const DAY_MINUTES: u32 = 510;

/// A deterministic generator (the demo must look the same on every machine).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        // Knuth's MMIX LCG, upper bits; quality is irrelevant, determinism is the point.
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    /// A number in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u32, hi: u32) -> u32 {
        let span = u64::from(hi.saturating_sub(lo)) + 1;
        lo + u32::try_from(self.next() % span).unwrap_or(0)
    }
    /// True with `pct` per cent.
    fn chance(&mut self, pct: u32) -> bool {
        self.range(0, 99) < pct
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            return None;
        }
        let i = usize::try_from(self.next() % items.len() as u64).unwrap_or(0);
        items.get(i)
    }
}

/// A simulated instant: a working day and the minutes since 09:00 Beijing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct At {
    day: NaiveDate,
    minute: u32,
}

impl At {
    fn instant(self) -> DateTime<Utc> {
        let start = NaiveTime::from_hms_opt(1, 0, 0).unwrap_or_default(); // 09:00 +08:00
        Utc.from_utc_datetime(&self.day.and_time(start)) + Duration::minutes(i64::from(self.minute))
    }
}

/// Working-day arithmetic over the stored calendar.
struct Clock {
    cal: Arc<Calendar>,
}

impl Clock {
    /// The working day before `d`.
    fn previous_working(&self, d: NaiveDate) -> NaiveDate {
        let mut d = d.pred_opt().unwrap_or(d);
        for _ in 0..60 {
            if self.cal.is_working_day(d) {
                return d;
            }
            d = d.pred_opt().unwrap_or(d);
        }
        d
    }

    fn next_working(&self, mut d: NaiveDate) -> NaiveDate {
        for _ in 0..60 {
            if self.cal.is_working_day(d) {
                return d;
            }
            d = d.succ_opt().unwrap_or(d);
        }
        d
    }
    /// `at` moved on by `minutes` of working time.
    fn later(&self, at: At, minutes: u32) -> At {
        let (mut day, mut minute, mut left) = (at.day, at.minute, minutes);
        while minute + left >= DAY_MINUTES {
            left -= DAY_MINUTES - minute;
            minute = 0;
            day = self.next_working(day.succ_opt().unwrap_or(day));
        }
        At {
            day,
            minute: minute + left,
        }
    }
}

/// Who the demo's documents involve at one government (the city or a county).
#[derive(Debug, Clone, Default)]
struct Side {
    /// The government unit (人民政府), the main recipient of documents sent down to it.
    gov: i64,
    gov_name: String,
    /// Its general office.
    office: i64,
    office_name: String,
    short: String,
    /// Drafters: secretaries of the office's secretariat sections.
    drafters: Vec<i64>,
    /// The office's director.
    director: Option<i64>,
    /// The government's head (市长, 县长).
    head: Option<i64>,
    /// Section chiefs of the office other than the registry (会签, 承办).
    chiefs: Vec<i64>,
    /// Leaders of the government (批办).
    leaders: Vec<i64>,
}

/// What kind of document a plan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// From the city office down to counties.
    Down,
    /// A county's 请示 or 报告 up to the city office.
    Up,
    /// A county's 函 to another county.
    Across,
    /// The city's 批复 to a county's 请示.
    Reply,
}

struct Plan {
    route: Route,
    /// Index into the sides (0: the city).
    from: usize,
    drafter: i64,
    signer: i64,
    countersign: Vec<i64>,
    input: DraftInput,
    /// Whether the checker first sends it back for changes.
    redraft: bool,
    /// Whether it lingers (at 签发, or with a receiving unit's handler) past its deadline.
    slow: bool,
    /// Whether its 承办 at the receiving unit is still waiting today, weeks past its deadline.
    stuck: bool,
}

#[derive(Debug, Clone, Copy)]
enum Job {
    /// A plan's draft, not yet created.
    Draft(usize),
    /// A plan's draft, created, not yet submitted.
    Submit(usize, i64),
    /// A 发文 case moving (plan, document, case).
    Out(usize, i64, i64),
    /// A 收文 case moving (plan, receiving side, incoming document, case).
    In(usize, usize, i64, i64),
}

struct Sim<'a> {
    svc: &'a Services,
    clock: Clock,
    rng: Rng,
    end: DateTime<Utc>,
    sides: Vec<Side>,
    plans: Vec<Plan>,
    queue: BinaryHeap<Reverse<(At, u64, usize)>>,
    jobs: Vec<Job>,
    seq: u64,
    actors: HashMap<i64, Actor>,
    positions: HashMap<i64, String>,
    unit_of_post: HashMap<i64, i64>,
    /// Plans whose 收文 at the city was handled: the 请示 answered by a 批复.
    answered: Vec<usize>,
}

impl Services {
    /// Adds the year of documents to a freshly loaded demo city (see the module's docs).
    pub async fn load_demo_documents(&self, now: DateTime<Utc>) -> Result<()> {
        self.ensure_processes(now).await?;
        self.load_demo_seals(now).await?;
        let cal = self.calendar().await?;
        let mut sim = Sim {
            svc: self,
            clock: Clock { cal },
            rng: Rng(20_261_127),
            end: now,
            sides: Vec::new(),
            plans: Vec::new(),
            queue: BinaryHeap::new(),
            jobs: Vec::new(),
            seq: 0,
            actors: HashMap::new(),
            positions: HashMap::new(),
            unit_of_post: HashMap::new(),
            answered: Vec::new(),
        };
        sim.organisation().await?;
        if sim.sides.len() < 3 {
            return Ok(());
        }
        sim.plan_year(now);
        sim.run().await?;
        sim.stuck_in_a_county(now).await
    }
}

fn beijing_date(t: DateTime<Utc>) -> NaiveDate {
    (t + Duration::hours(8)).date_naive()
}

impl Sim<'_> {
    /// Finds the city and the counties, their offices and the posts the documents need.
    async fn organisation(&mut self) -> Result<()> {
        let db = self.svc.db();
        self.positions = xn_store::org::list_positions(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.code))
            .collect();
        let units = xn_store::org::list_units(db).await?;
        let children = |id: i64| -> Vec<&UnitRow> {
            let mut v: Vec<&UnitRow> = units.iter().filter(|u| u.parent_id == Some(id)).collect();
            v.sort_by_key(|u| (u.sort_order, u.id));
            v
        };
        let mut govs: Vec<&UnitRow> = units.iter().filter(|u| u.kind == "government").collect();
        govs.sort_by_key(|u| (u.parent_id.is_some(), u.sort_order, u.id));
        for gov in govs {
            let Some(office) = children(gov.id).into_iter().find(|u| u.kind == "office") else {
                continue;
            };
            let mut side = Side {
                gov: gov.id,
                gov_name: gov.name.clone(),
                office: office.id,
                office_name: office.name.clone(),
                short: gov.name.trim_end_matches("人民政府").to_owned(),
                ..Side::default()
            };
            for p in self.posts_of(gov.id).await? {
                if self.code_of(&p) == "leader" {
                    if side.head.is_none() {
                        side.head = Some(p.id);
                    }
                    side.leaders.push(p.id);
                }
            }
            for p in self.posts_of(office.id).await? {
                if self.code_of(&p) == "director" && side.director.is_none() {
                    side.director = Some(p.id);
                }
            }
            for s in children(office.id) {
                let registry = s.name.contains("文电") || s.name.ends_with("秘书股");
                for p in self.posts_of(s.id).await? {
                    let code = self.code_of(&p);
                    if code == "secretary" && (s.name.contains("秘书")) {
                        side.drafters.push(p.id);
                    }
                    if code == "section_chief" && !registry && !s.name.contains("人事") {
                        side.chiefs.push(p.id);
                    }
                }
            }
            if side.drafters.is_empty() || side.director.is_none() || side.head.is_none() {
                continue;
            }
            // The demo logins draft first: mishu and each county's {pinyin}.mishu.
            self.sides.push(side);
        }
        Ok(())
    }

    async fn posts_of(&mut self, unit: i64) -> Result<Vec<PostRow>> {
        let posts = xn_store::org::list_posts_of_unit(self.svc.db(), unit).await?;
        for p in &posts {
            self.unit_of_post.insert(p.id, p.unit_id);
        }
        Ok(posts.into_iter().filter(|p| p.active != 0).collect())
    }

    fn code_of(&self, p: &PostRow) -> &str {
        self.positions
            .get(&p.position_id)
            .map_or("", String::as_str)
    }

    /// The acting identity of a post's holder, built once.
    async fn actor(&mut self, post_id: i64) -> Result<Actor> {
        if let Some(a) = self.actors.get(&post_id) {
            return Ok(a.clone());
        }
        let db = self.svc.db();
        let post = xn_store::org::find_post(db, post_id).await?;
        let person = xn_store::org::find_person(db, post.person_id).await?;
        let permissions = xn_store::org::list_post_permissions(db, post_id)
            .await?
            .iter()
            .filter_map(|c| Permission::from_code(c))
            .collect();
        let actor = Actor {
            person_id: person.id,
            person_name: person.name,
            login: person.login,
            post: Some(ActingPost {
                id: post.id,
                unit_id: post.unit_id,
                unit_name: post.unit_name.clone(),
                unit_short_name: post.unit_short_name.clone(),
                position_name: post.position_name.clone(),
                title: post.title.clone(),
                clearance: post.clearance.parse().unwrap_or(Clearance::Public),
            }),
            permissions,
            csrf_token: String::new(),
            must_change_password: false,
            must_enrol_factor: false,
            admin_elsewhere: false,
            post_count: 1,
            session: None,
            ip: None,
        };
        self.actors.insert(post_id, actor.clone());
        Ok(actor)
    }

    fn push(&mut self, at: At, job: Job) {
        self.jobs.push(job);
        self.seq += 1;
        self.queue
            .push(Reverse((at, self.seq, self.jobs.len() - 1)));
    }

    /// Draws the year's documents: on each working day of the twelve months before `now`,
    /// none to three new drafts.
    fn plan_year(&mut self, now: DateTime<Utc>) {
        let today = beijing_date(now);
        let mut day = self.clock.next_working(today - Duration::days(365));
        while day <= today {
            let n = match self.rng.range(0, 99) {
                0..=43 => 0,
                44..=85 => 1,
                86..=97 => 2,
                _ => 3,
            };
            for _ in 0..n {
                let recent = (today - day).num_days() < 40;
                let at = At {
                    day,
                    minute: self.rng.range(0, 420),
                };
                let route = match self.rng.range(0, 99) {
                    0..=57 => Route::Down,
                    58..=91 => Route::Up,
                    _ => Route::Across,
                };
                let plan = self.plan(route, None, day, recent);
                self.plans.push(plan);
                self.push(at, Job::Draft(self.plans.len() - 1));
            }
            day = self.clock.next_working(day.succ_opt().unwrap_or(day));
        }
    }

    /// After the year: one notice to 清河县 a month ago whose 承办 there has waited since,
    /// weeks past its 10 working days (the efficiency monitor's red card in a county). Made
    /// with its own random sequence, so the year before it does not change.
    async fn stuck_in_a_county(&mut self, now: DateTime<Utc>) -> Result<()> {
        let Some(side) = self
            .sides
            .iter()
            .position(|s| s.gov_name == "清河县人民政府")
        else {
            return Ok(());
        };
        let mut day = beijing_date(now);
        for _ in 0..20 {
            day = self.clock.previous_working(day);
        }
        self.rng = Rng(20_261_206);
        let mut plan = self.plan(Route::Down, None, day, true);
        let Some(s) = self.sides.get(side) else {
            return Ok(());
        };
        plan.input.main_recipients = vec![Recipient {
            unit_id: Some(s.gov),
            name: s.gov_name.clone(),
        }];
        plan.slow = false;
        plan.redraft = false;
        plan.stuck = true;
        self.plans.push(plan);
        let at = At { day, minute: 60 };
        self.push(at, Job::Draft(self.plans.len() - 1));
        self.run().await
    }

    /// One document: its kind, title, text, recipients and the posts that move it.
    fn plan(&mut self, route: Route, answer: Option<usize>, day: NaiveDate, recent: bool) -> Plan {
        let counties = self.sides.len() - 1;
        let from = match route {
            Route::Down | Route::Reply => 0,
            Route::Up | Route::Across => {
                1 + self.rng.range(0, u32::try_from(counties - 1).unwrap_or(0)) as usize
            }
        };
        let to: Vec<usize> = match route {
            Route::Down => {
                if self.rng.chance(45) {
                    (1..=counties).collect()
                } else {
                    let k = self.rng.range(2, 5) as usize;
                    let mut all: Vec<usize> = (1..=counties).collect();
                    let mut out = Vec::new();
                    for _ in 0..k.min(all.len()) {
                        let i =
                            self.rng.range(0, u32::try_from(all.len() - 1).unwrap_or(0)) as usize;
                        out.push(all.remove(i));
                    }
                    out.sort_unstable();
                    out
                }
            }
            Route::Up => vec![0],
            Route::Reply => vec![answer.map_or(1, |p| self.plans.get(p).map_or(1, |p| p.from))],
            Route::Across => {
                let mut other =
                    1 + self.rng.range(0, u32::try_from(counties - 1).unwrap_or(0)) as usize;
                if other == from {
                    other = if from == counties { 1 } else { from + 1 };
                }
                vec![other]
            }
        };
        let side = self.sides.get(from).cloned().unwrap_or_default();
        // The demo logins draft most of their office's documents.
        let drafter = if self.rng.chance(60) {
            side.drafters.first().copied()
        } else {
            self.rng.pick(&side.drafters).copied()
        }
        .unwrap_or_default();
        let text = texts::compose(
            &mut self.rng,
            route,
            &self.sides,
            from,
            &to,
            answer
                .and_then(|p| self.plans.get(p))
                .map(|p| p.input.title.as_str()),
            day,
        );
        let upward = route == Route::Up;
        let signer = if upward && text.kind == "request" {
            side.head
        } else {
            side.director
        }
        .unwrap_or_default();
        let countersign = if route == Route::Down && self.rng.chance(15) {
            self.rng.pick(&side.chiefs).copied().into_iter().collect()
        } else {
            Vec::new()
        };
        let names: Vec<Recipient> = to
            .iter()
            .filter_map(|i| self.sides.get(*i))
            .map(|s| {
                let (id, name) = if route == Route::Up || route == Route::Across {
                    (s.office, s.office_name.clone())
                } else {
                    (s.gov, s.gov_name.clone())
                };
                Recipient {
                    unit_id: Some(id),
                    name,
                }
            })
            .collect();
        let input = DraftInput {
            kind: text.kind.to_owned(),
            title: text.title,
            urgency: self.rng.chance(8).then(|| "urgent".to_owned()),
            main_recipients: names,
            copy_recipients: text
                .copy
                .iter()
                .map(|n| Recipient {
                    unit_id: None,
                    name: (*n).to_owned(),
                })
                .collect(),
            seal: text.kind != "minutes",
            body: text.body,
            note: text.note,
            version_note: Some("初稿".to_owned()),
            ..DraftInput::default()
        };
        Plan {
            route,
            from,
            drafter,
            signer,
            countersign,
            input,
            redraft: self.rng.chance(8),
            slow: recent && self.rng.chance(25),
            stuck: false,
        }
    }

    async fn run(&mut self) -> Result<()> {
        while let Some(Reverse((at, _, job))) = self.queue.pop() {
            let when = at.instant();
            if when > self.end {
                // Not yet: this document is still in progress at the reference date.
                continue;
            }
            let Some(job) = self.jobs.get(job).copied() else {
                continue;
            };
            match job {
                Job::Draft(plan) => self.draft(plan, at).await?,
                Job::Submit(plan, doc) => self.submit(plan, doc, at).await?,
                Job::Out(plan, doc, case) => self.step_out(plan, doc, case, at).await?,
                Job::In(plan, side, doc, case) => self.step_in(plan, side, doc, case, at).await?,
            }
        }
        Ok(())
    }

    async fn draft(&mut self, plan: usize, at: At) -> Result<()> {
        let Some(p) = self.plans.get(plan) else {
            return Ok(());
        };
        let (drafter, mut input) = (p.drafter, p.input.clone());
        let actor = self.actor(drafter).await?;
        if input.kind == "request" || input.kind == "report" {
            let signer = self.plans.get(plan).map_or(0, |p| p.signer);
            input.signers = vec![self.actor(signer).await?.person_name];
        }
        let doc = self
            .svc
            .documents()
            .draft(&actor, &input, at.instant())
            .await?;
        let next = self.clock.later(at, self.rng.range(20, 150));
        self.push(next, Job::Submit(plan, doc));
        Ok(())
    }

    async fn submit(&mut self, plan: usize, doc: i64, at: At) -> Result<()> {
        let Some(p) = self.plans.get(plan) else {
            return Ok(());
        };
        let input = SubmitInput {
            signoff_post: p.signer,
            countersign_posts: p.countersign.clone(),
        };
        let actor = self.actor(p.drafter).await?;
        let case = self
            .svc
            .documents()
            .submit(&actor, doc, &input, None, at.instant())
            .await?;
        let next = self.clock.later(at, self.rng.range(30, 300));
        self.push(next, Job::Out(plan, doc, case));
        Ok(())
    }

    /// Completes one open task of a case; false when none is open (the case has ended).
    async fn complete(
        &mut self,
        case: i64,
        at: At,
        decide: impl FnOnce(&mut Self, &str, i64) -> (String, String, BTreeMap<String, Vec<i64>>),
    ) -> Result<Option<String>> {
        let tasks = xn_store::flow::tasks_of_case(self.svc.db(), case).await?;
        // In a 会签 or a shared 承办 the lead's task comes first: the others act before it.
        let Some(task) = tasks
            .iter()
            .filter(|t| t.state == "open" && t.kind == "task")
            .max_by_key(|t| t.task_no)
        else {
            return Ok(None);
        };
        let (step, post, no) = (task.step_id.clone(), task.post_id, task.task_no);
        let (decision, opinion, choices) = decide(self, &step, post);
        let actor = self.actor(post).await?;
        self.svc
            .act(
                &actor,
                case,
                None,
                Action::Complete {
                    task: u32::try_from(no).unwrap_or(0),
                    decision,
                    opinion,
                    choices,
                },
                None,
                at.instant(),
            )
            .await?;
        Ok(Some(step))
    }

    async fn step_out(&mut self, plan: usize, doc: i64, case: i64, at: At) -> Result<()> {
        let (redraft, slow, route) = self
            .plans
            .get(plan)
            .map_or((false, false, Route::Down), |p| {
                (p.redraft, p.slow, p.route)
            });
        let done = self
            .complete(case, at, |sim, step, _| {
                let r = &mut sim.rng;
                let none = BTreeMap::new();
                match step {
                    "check" if redraft => {
                        if let Some(p) = sim.plans.get_mut(plan) {
                            p.redraft = false;
                        }
                        let why = *r.pick(texts::CHECK_BACK).unwrap_or(&"请修改后再报");
                        ("不同意".into(), why.into(), none)
                    }
                    "check" => (
                        "同意".into(),
                        (*r.pick(texts::CHECK_OK).unwrap_or(&"同意")).into(),
                        none,
                    ),
                    "draft_again" => ("提交".into(), "已按核稿意见修改".into(), none),
                    "countersign" => (
                        "同意".into(),
                        (*r.pick(texts::COUNTERSIGN).unwrap_or(&"同意")).into(),
                        none,
                    ),
                    "signoff" => {
                        // A leader in a hurry writes only 同意 (one draw in seven, as before).
                        if r.chance(15) {
                            ("同意".into(), "同意".into(), none)
                        } else {
                            (
                                "同意".into(),
                                (*r.pick(texts::SIGNOFF).unwrap_or(&"同意")).into(),
                                none,
                            )
                        }
                    }
                    "recheck" => ("复核无误".into(), String::new(), none),
                    "register" => ("登记编号".into(), String::new(), none),
                    "print" => ("印制完成".into(), String::new(), none),
                    "dispatch" => ("核发".into(), String::new(), none),
                    _ => ("同意".into(), String::new(), none),
                }
            })
            .await?;
        let Some(step) = done else {
            return Ok(());
        };
        if step == "dispatch" {
            // Delivered: each recipient's 收文 starts moving.
            for x in xn_store::documents::exchanges(self.svc.db(), doc).await? {
                let Some(incoming) = x.incoming_document_id else {
                    continue;
                };
                let row = xn_store::documents::find_document(self.svc.db(), incoming).await?;
                let Some(in_case) = row.case_id else {
                    continue;
                };
                let side = self
                    .sides
                    .iter()
                    .position(|s| s.gov == x.recipient_unit_id || s.office == x.recipient_unit_id)
                    .unwrap_or(0);
                let next = self.clock.later(at, self.rng.range(10, 400));
                self.push(next, Job::In(plan, side, incoming, in_case));
            }
            return Ok(());
        }
        let to_signoff = step == "countersign" || (step == "check" && !redraft);
        let minutes = match step.as_str() {
            // The next step is 签发, and a few recent documents have waited there for weeks.
            _ if slow && to_signoff && route != Route::Reply => {
                self.rng.range(20, 40) * DAY_MINUTES
            }
            "check" | "draft_again" => self.rng.range(60, 700),
            "countersign" => self.rng.range(120, 900),
            "signoff" => self.rng.range(30, 400),
            "recheck" | "register" => self.rng.range(10, 120),
            "print" => self.rng.range(30, 300),
            _ => self.rng.range(60, 900),
        };
        let next = self.clock.later(at, minutes);
        self.push(next, Job::Out(plan, doc, case));
        Ok(())
    }

    async fn step_in(
        &mut self,
        plan: usize,
        side: usize,
        doc: i64,
        case: i64,
        at: At,
    ) -> Result<()> {
        let (route, slow, stuck, title) = self
            .plans
            .get(plan)
            .map_or((Route::Down, false, false, String::new()), |p| {
                (p.route, p.slow, p.stuck, p.input.title.clone())
            });
        let s = self.sides.get(side).cloned().unwrap_or_default();
        let returned = self.rng.chance(4) && route != Route::Reply && !stuck;
        let done = self
            .complete(case, at, |sim, step, _| {
                let r = &mut sim.rng;
                let none = BTreeMap::new();
                match step {
                    "signfor" => ("签收".into(), String::new(), none),
                    "register" => ("登记".into(), String::new(), none),
                    "screen" if returned => {
                        let reasons = if route == Route::Up {
                            texts::RETURN_UP
                        } else {
                            texts::RETURN_DOWN
                        };
                        (
                            "退文".into(),
                            (*r.pick(reasons).unwrap_or(&"请核实后重新报送")).into(),
                            none,
                        )
                    }
                    "screen" => (
                        "通过".into(),
                        (*r.pick(texts::SCREEN_OK).unwrap_or(&"属我单位办理事项")).into(),
                        none,
                    ),
                    "propose" => {
                        let leader = if route == Route::Down || r.chance(40) {
                            s.leaders
                                .get(1 + r.range(0, 2) as usize)
                                .or(s.head.as_ref())
                        } else {
                            s.head.as_ref()
                        };
                        let mut c = BTreeMap::new();
                        c.insert("instruct".into(), leader.copied().into_iter().collect());
                        let who = if leader == s.head.as_ref() {
                            if side == 0 { "市长" } else { "县长" }
                        } else if side == 0 {
                            "分管副市长"
                        } else {
                            "分管副县长"
                        };
                        (
                            "拟办".into(),
                            format!("拟请{who}阅示。{}", texts::propose_tail(r, route)),
                            c,
                        )
                    }
                    "instruct" => {
                        let mut handlers = Vec::new();
                        if let Some(l) = r.pick(&s.chiefs) {
                            handlers.push(*l);
                        }
                        if r.chance(35)
                            && let Some(a) = r.pick(&s.chiefs)
                            && !handlers.contains(a)
                        {
                            handlers.push(*a);
                        }
                        let mut c = BTreeMap::new();
                        c.insert("handle".into(), handlers);
                        (
                            "批示".into(),
                            (*r.pick(texts::INSTRUCT).unwrap_or(&"请抓好落实")).into(),
                            c,
                        )
                    }
                    "handle" => ("办结".into(), texts::handled(r, route, &title), none),
                    _ => ("同意".into(), String::new(), none),
                }
            })
            .await?;
        let Some(step) = done else {
            return Ok(());
        };
        let minutes = match step.as_str() {
            "signfor" => self.rng.range(5, 90),
            "register" => self.rng.range(30, 400),
            "screen" | "propose" => self.rng.range(60, 900),
            // The next step is 承办: days, and past the deadline for a few; one is still
            // waiting today.
            "instruct" if stuck => 120 * DAY_MINUTES,
            "instruct" if slow && route != Route::Reply && self.rng.chance(60) => {
                self.rng.range(25, 45) * DAY_MINUTES
            }
            "instruct" if self.rng.chance(7) => self.rng.range(11, 16) * DAY_MINUTES,
            "instruct" => self.rng.range(1, 8) * DAY_MINUTES + self.rng.range(0, 400),
            "handle" => self.rng.range(20, 300),
            _ => self.rng.range(60, 600),
        };
        let finished = step == "handle" || (step == "screen" && returned);
        if !finished || step == "handle" {
            let next = self.clock.later(at, minutes);
            self.push(next, Job::In(plan, side, doc, case));
        }
        // A 请示 handled at the city is answered by a 批复 a few days later.
        if step == "handle" && route == Route::Up && side == 0 && !self.answered.contains(&plan) {
            let is_request = self
                .plans
                .get(plan)
                .is_some_and(|p| p.input.kind == "request");
            if is_request {
                self.answered.push(plan);
                let next = self.clock.later(at, self.rng.range(1, 4) * DAY_MINUTES);
                let reply = self.plan(Route::Reply, Some(plan), next.day, false);
                self.plans.push(reply);
                self.push(next, Job::Draft(self.plans.len() - 1));
            }
        }
        Ok(())
    }
}

/// Titles, bodies and opinions: templates filled from small vocabularies.
mod texts;

impl Services {
    /// Gives every issuing unit of the demo city a seal image, uploaded by the demo's security
    /// administrator through the real service (stored SM4-encrypted like any seal). The image
    /// is drawn here: a red ring around a five-pointed star, the shape of an official seal,
    /// without lettering (the demo city is fictional).
    async fn load_demo_seals(&self, now: DateTime<Utc>) -> Result<()> {
        let Some((person, post)) =
            xn_store::supervision::demo_post(self.db(), "secadmin", "信息科").await?
        else {
            return Ok(());
        };
        let admin = self
            .actor_for(
                person,
                Some(post),
                None,
                &crate::auth::Client::default(),
                now,
            )
            .await?;
        let png = demo_seal_png()?;
        for u in xn_store::org::list_units(self.db()).await? {
            if u.kind
                .parse()
                .is_ok_and(|k| xn_domain::org::issues_documents(k, u.issuer_code.as_deref()))
            {
                self.documents()
                    .upload_seal(&admin, u.id, &png, now)
                    .await?;
            }
        }
        Ok(())
    }
}

/// A 240-pixel red seal: a ring and a five-pointed star on a transparent ground.
fn demo_seal_png() -> Result<Vec<u8>> {
    let n: u32 = 240;
    let c = f64::from(n) / 2.0 - 0.5;
    // The star's ten corners, outer radius 48, inner 19, pointing up.
    let corners: Vec<(f64, f64)> = (0..10)
        .map(|i| {
            let r = if i % 2 == 0 { 48.0 } else { 19.0 };
            let a = std::f64::consts::PI * (f64::from(i) / 5.0) - std::f64::consts::FRAC_PI_2;
            (c + r * a.cos(), c + r * a.sin())
        })
        .collect();
    let inside_star = |x: f64, y: f64| {
        let mut inside = false;
        let mut j = corners.len() - 1;
        for i in 0..corners.len() {
            let (xi, yi) = corners[i];
            let (xj, yj) = corners[j];
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
            j = i;
        }
        inside
    };
    let mut data = Vec::with_capacity((n * n * 4) as usize);
    for y in 0..n {
        for x in 0..n {
            let (fx, fy) = (f64::from(x), f64::from(y));
            let r = ((fx - c).powi(2) + (fy - c).powi(2)).sqrt();
            let ink = (108.0..118.0).contains(&r) || inside_star(fx, fy);
            data.extend_from_slice(&[214, 0, 0, if ink { 255 } else { 0 }]);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, n, n);
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        let mut w = enc
            .write_header()
            .map_err(|e| crate::ServiceError::Internal(e.into()))?;
        w.write_image_data(&data)
            .map_err(|e| crate::ServiceError::Internal(e.into()))?;
    }
    Ok(out)
}
