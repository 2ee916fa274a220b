//! The flow engine driven as the service drives it: definitions validated, cases started, holders
//! found by a small resolver standing in for the organisation tree, actions applied.
//!
//! - definitions: the shipped ones parse; broken ones are refused naming the file, the step and
//!   the problem;
//! - the internal-request process end to end, its gateway, returns, withdrawals, transfers,
//!   delegations, proxies, pauses and extensions, against the shipped 2026 calendar (国庆 from
//!   10月1日 to 7日, 10月10日 a working Saturday);
//! - countersign modes, the benchmark's parallel split and join;
//! - the escalation ladder;
//! - properties: random actions by random posts never break the case's invariants.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "helpers of this test binary fail the test with a message when the engine misbehaves"
)]

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use xn_domain::calendar::{Calendar, OfficeHours};
use xn_domain::flow::engine::due_after;
use xn_domain::flow::ladder::{Rung, end_of, rungs, start_of};
use xn_domain::flow::{
    Acting, Action, AssigneeRule, CaseState, CaseStatus, Ctx, Fields, FlowError, FlowEvent, Ladder,
    Need, PostId, ProcessDef, ReturnTarget, Run, RunState, StepKind, TaskState, Value,
};

// ---------------------------------------------------------------------------------------------
// The world a case lives in: a definition, the calendar, the fields, a clock, a resolver.
// ---------------------------------------------------------------------------------------------

/// The 秘书 who starts internal requests.
const STARTER: PostId = 1;
/// The 科长 of the starter's section.
const CHIEF: PostId = 2;
/// The 主任 of the office above it.
const DIRECTOR: PostId = 3;

const INTERNAL_REQUEST: &str = include_str!("../../../processes/internal_request.toml");
const DOCUMENT_APPROVAL: &str = include_str!("../../../bench/document_approval.toml");

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// An instant given in UTC (Beijing is eight hours ahead).
fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .expect("valid test instant")
}

/// Monday 2026-09-28, 09:00 in Beijing: the last three working days before 国庆.
fn monday_morning() -> DateTime<Utc> {
    utc(2026, 9, 28, 1, 0)
}

/// Thursday 2026-10-08, 09:00 in Beijing: the first working day after 国庆.
fn after_national_day() -> DateTime<Utc> {
    utc(2026, 10, 8, 1, 0)
}

fn ints(posts: &[PostId]) -> Value {
    Value::List(posts.iter().map(|p| Value::Int(*p)).collect())
}

fn fields(pairs: &[(&str, &[PostId])]) -> Fields {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), ints(v)))
        .collect()
}

/// Stands in for the organisation tree.
fn resolve(fields: &Fields, starter: PostId, rule: &AssigneeRule) -> Vec<PostId> {
    match rule {
        AssigneeRule::Post { post } => vec![*post],
        AssigneeRule::Position { position, .. } => match position.as_str() {
            "section_chief" => vec![CHIEF],
            "director" => vec![DIRECTOR],
            other => panic!("the test organisation has no {other}"),
        },
        AssigneeRule::Starter => vec![starter],
        AssigneeRule::Field { field } => fields.get(field).map(Value::ints).unwrap_or_default(),
        AssigneeRule::Chosen { from } => resolve(fields, starter, from),
    }
}

struct World {
    def: ProcessDef,
    cal: Calendar,
    hours: OfficeHours,
    fields: Fields,
    now: DateTime<Utc>,
}

impl World {
    fn new(def: ProcessDef, fields: Fields) -> World {
        World {
            def,
            cal: Calendar::shipped(),
            hours: OfficeHours::default(),
            fields,
            now: monday_morning(),
        }
    }

    fn internal_request() -> World {
        World::new(
            parse("internal_request.toml", INTERNAL_REQUEST),
            Fields::new(),
        )
    }

    fn bench() -> World {
        World::new(
            parse("document_approval.toml", DOCUMENT_APPROVAL),
            fields(&[
                ("checker", &[21]),
                ("signer_a", &[22]),
                ("signer_b", &[23]),
                ("signer_c", &[24]),
                ("signer", &[25]),
                ("registrar", &[26]),
            ]),
        )
    }

    fn ctx(&self) -> Ctx<'_> {
        Ctx {
            def: &self.def,
            cal: &self.cal,
            hours: &self.hours,
            fields: &self.fields,
            now: self.now,
        }
    }

    /// Does what the service does after every action: finds the holders of new runs.
    fn fill(&self, st: &mut CaseState) -> Vec<FlowEvent> {
        let mut ev = Vec::new();
        loop {
            let needs = st.needs();
            if needs.is_empty() {
                return ev;
            }
            for (run, need) in needs {
                let posts = match need {
                    Need::Rule { rule } => resolve(&self.fields, st.starter, &rule),
                    Need::Chosen { allowed, picked } => {
                        let ok = resolve(&self.fields, st.starter, &allowed);
                        assert!(picked.iter().all(|p| ok.contains(p)), "picked {picked:?}");
                        picked
                    }
                    Need::Children { .. } => panic!("no fan-out in these tests"),
                };
                ev.extend(st.assign(&self.ctx(), run, &posts).expect("assign"));
            }
        }
    }

    fn start(&self) -> (CaseState, Vec<FlowEvent>) {
        let (mut st, mut ev) =
            CaseState::start(&self.ctx(), STARTER, &BTreeMap::new()).expect("the case starts");
        ev.extend(self.fill(&mut st));
        (st, ev)
    }

    fn act(
        &self,
        st: &mut CaseState,
        who: PostId,
        action: Action,
    ) -> Result<Vec<FlowEvent>, FlowError> {
        self.act_as(st, &Acting::post(who), action)
    }

    fn act_as(
        &self,
        st: &mut CaseState,
        who: &Acting,
        action: Action,
    ) -> Result<Vec<FlowEvent>, FlowError> {
        let mut ev = st.apply(&self.ctx(), who, &action)?;
        ev.extend(self.fill(st));
        Ok(ev)
    }

    /// The post completes its open task at the step.
    fn complete(
        &self,
        st: &mut CaseState,
        step: &str,
        post: PostId,
        decision: &str,
    ) -> Vec<FlowEvent> {
        let task = open_task(st, step, post);
        self.act(st, post, complete(task, decision))
            .unwrap_or_else(|e| panic!("{post} completes {step}: {e}"))
    }
}

fn parse(file: &str, text: &str) -> ProcessDef {
    ProcessDef::parse(file, text).unwrap_or_else(|e| panic!("{e}"))
}

fn complete(task: u32, decision: &str) -> Action {
    Action::Complete {
        task,
        decision: decision.to_owned(),
        opinion: "意见".to_owned(),
        choices: BTreeMap::new(),
    }
}

fn return_to(task: u32, target: ReturnTarget) -> Action {
    Action::Return {
        task,
        target,
        opinion: "请修改".to_owned(),
        jump_back: false,
    }
}

fn to_step(step: &str) -> ReturnTarget {
    ReturnTarget::Step {
        step: step.to_owned(),
    }
}

fn runs_of<'s>(st: &'s CaseState, step: &str) -> Vec<&'s Run> {
    st.runs.iter().filter(|r| r.step == step).collect()
}

fn active_run<'s>(st: &'s CaseState, step: &str) -> &'s Run {
    let active: Vec<&Run> = runs_of(st, step)
        .into_iter()
        .filter(|r| r.state == RunState::Active)
        .collect();
    assert_eq!(active.len(), 1, "one active run of {step}: {:#?}", st.runs);
    active[0]
}

/// The post's open task in the active run of the step.
fn open_task(st: &CaseState, step: &str, post: PostId) -> u32 {
    let run = active_run(st, step).no;
    st.tasks
        .iter()
        .find(|t| t.run == run && t.post == post && t.state == TaskState::Open)
        .unwrap_or_else(|| panic!("{post} has no open task at {step}: {:#?}", st.tasks))
        .no
}

/// The posts with an open task in the active run of the step.
fn open_posts(st: &CaseState, step: &str) -> Vec<PostId> {
    let run = active_run(st, step).no;
    st.tasks
        .iter()
        .filter(|t| t.run == run && t.state == TaskState::Open)
        .map(|t| t.post)
        .collect()
}

fn entered(ev: &[FlowEvent], step: &str) -> usize {
    ev.iter()
        .filter(|e| matches!(e, FlowEvent::StepEntered { step: s, .. } if s == step))
        .count()
}

fn due_date(run: &Run) -> NaiveDate {
    run.due.as_ref().expect("the run has a deadline").date
}

// ---------------------------------------------------------------------------------------------
// 1. Definitions.
// ---------------------------------------------------------------------------------------------

const HEADER: &str = "key = \"t\"\nname = \"测试流程\"\nitem_kind = \"internal\"\n";

const DRAFT: &str = r#"
[[steps]]
id = "draft"
name = "拟稿"
kind = "start"
next = "check"
"#;

const END: &str = r#"
[[steps]]
id = "end"
name = "结束"
kind = "end"
"#;

fn task_step(id: &str, next: &str, extra: &str) -> String {
    format!(
        "\n[[steps]]\nid = \"{id}\"\nname = \"环节{id}\"\nkind = \"task\"\n\
         assignee = {{ rule = \"post\", post = 11 }}\nnext = \"{next}\"\n{extra}\n"
    )
}

/// Validates a definition that should be refused, giving the error's text.
fn refused(steps: &str) -> String {
    let err = ProcessDef::parse("测试.toml", &format!("{HEADER}{steps}"))
        .expect_err("the definition is refused");
    let text = err.to_string();
    assert!(text.contains("测试.toml"), "names the file: {text}");
    text
}

fn assert_names(text: &str, step: &str, keyword: &str) {
    assert!(
        text.contains(&format!("「{step}」")),
        "names {step}: {text}"
    );
    assert!(text.contains(keyword), "says {keyword}: {text}");
}

#[test]
fn the_shipped_definitions_parse() {
    let internal = parse("internal_request.toml", INTERNAL_REQUEST);
    assert_eq!(internal.key, "internal_request");
    assert_eq!(internal.start().map(|s| s.id.as_str()), Some("draft"));
    let bench = parse("document_approval.toml", DOCUMENT_APPROVAL);
    assert_eq!(bench.incoming("join"), 3);
    // Every file shipped in processes/ parses, not just the one known today.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../processes");
    for entry in std::fs::read_dir(dir).expect("processes/ exists") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).expect("readable");
            parse(&path.display().to_string(), &text);
        }
    }
}

#[test]
fn a_minimal_definition_is_valid() {
    let text = format!("{HEADER}{DRAFT}{}{END}", task_step("check", "end", ""));
    parse("测试.toml", &text);
}

#[test]
fn an_unreachable_step_is_named() {
    let text = refused(&format!(
        "{DRAFT}{}{}{END}",
        task_step("check", "end", ""),
        task_step("orphan", "end", "")
    ));
    assert_names(&text, "orphan", "不可达");
}

#[test]
fn a_join_without_a_split_is_named() {
    let steps = format!(
        "{}{}{}{}{END}",
        r#"
[[steps]]
id = "draft"
name = "拟稿"
kind = "start"
next = "gw"

[[steps]]
id = "gw"
name = "判断"
kind = "exclusive"
routes = [{ to = "a", when = { field = "x", op = "eq", value = 1 } }, { to = "b" }]
"#,
        task_step("a", "merge", ""),
        task_step("b", "merge", ""),
        "\n[[steps]]\nid = \"merge\"\nname = \"汇聚\"\nkind = \"join\"\nnext = \"end\"\n"
    );
    assert_names(&refused(&steps), "merge", "有汇聚无分支");
}

#[test]
fn an_unknown_position_is_named() {
    let steps = format!(
        "{DRAFT}{END}{}",
        r#"
[[steps]]
id = "check"
name = "审核"
kind = "task"
assignee = { rule = "position", position = "boss" }
next = "end"
"#
    );
    let text = refused(&steps);
    assert_names(&text, "check", "未知的职务");
    assert!(text.contains("boss"), "{text}");
}

#[test]
fn an_unknown_rule_tag_is_named() {
    let steps = format!(
        "{DRAFT}{END}{}",
        r#"
[[steps]]
id = "check"
name = "审核"
kind = "task"
assignee = { rule = "boss" }
next = "end"
"#
    );
    let text = refused(&steps);
    assert_names(&text, "check", "格式错误");
    assert!(text.contains("boss"), "{text}");
}

#[test]
fn a_missing_next_is_named() {
    let steps = format!(
        "{DRAFT}{END}{}",
        r#"
[[steps]]
id = "check"
name = "审核"
kind = "task"
assignee = { rule = "starter" }
"#
    );
    assert_names(&refused(&steps), "check", "缺少后续环节");
}

#[test]
fn a_dead_end_is_named() {
    let steps = format!(
        "{}{}{}{END}",
        r#"
[[steps]]
id = "draft"
name = "拟稿"
kind = "start"
next = "gw"

[[steps]]
id = "gw"
name = "判断"
kind = "exclusive"
routes = [{ to = "loop_a", when = { field = "x", op = "eq", value = 1 } }, { to = "end" }]
"#,
        task_step("loop_a", "loop_b", ""),
        task_step("loop_b", "loop_a", ""),
    );
    assert_names(&refused(&steps), "loop_a", "死路");
}

#[test]
fn a_ratio_out_of_range_is_named() {
    for ratio in ["1.5", "0.0", "-0.5"] {
        let steps = format!(
            "{DRAFT}{}{END}",
            task_step(
                "check",
                "end",
                &format!("mode = \"ratio\"\nratio = {ratio}")
            )
        );
        assert_names(&refused(&steps), "check", "ratio");
    }
    let missing = format!(
        "{DRAFT}{}{END}",
        task_step("check", "end", "mode = \"ratio\"")
    );
    assert_names(&refused(&missing), "check", "ratio");
}

#[test]
fn duplicate_step_ids_are_named() {
    let steps = format!(
        "{DRAFT}{}{}{END}",
        task_step("check", "end", ""),
        task_step("check", "end", "")
    );
    assert_names(&refused(&steps), "check", "重复");
}

#[test]
fn two_start_steps_are_named() {
    let steps = format!(
        "{DRAFT}{}{}{END}",
        "\n[[steps]]\nid = \"draft2\"\nname = \"再拟稿\"\nkind = \"start\"\nnext = \"check\"\n",
        task_step("check", "end", "")
    );
    assert_names(&refused(&steps), "draft2", "开始环节");
}

// ---------------------------------------------------------------------------------------------
// 2. The internal request, single mode, and its gateway.
// ---------------------------------------------------------------------------------------------

#[test]
fn internal_request_agreed_twice_closes() {
    let w = World::internal_request();
    let (mut st, ev) = w.start();
    assert!(matches!(
        ev[0],
        FlowEvent::CaseStarted { post: STARTER, .. }
    ));
    assert_eq!(st.status, CaseStatus::Running);
    // 5 working days from Monday 9月28日: 29, 30, 10月8, 9, 10 (a working Saturday).
    assert_eq!(st.due.as_ref().map(|d| d.date), Some(date(2026, 10, 10)));
    assert_eq!(runs_of(&st, "draft")[0].state, RunState::Done);
    assert_eq!(open_posts(&st, "check"), vec![CHIEF]);
    // 2 working days: 29, 30.
    assert_eq!(due_date(active_run(&st, "check")), date(2026, 9, 30));

    w.complete(&mut st, "check", CHIEF, "同意");
    assert_eq!(runs_of(&st, "check")[0].state, RunState::Done);
    assert_eq!(open_posts(&st, "approve"), vec![DIRECTOR]);

    let ev = w.complete(&mut st, "approve", DIRECTOR, "同意");
    assert_eq!(st.status, CaseStatus::Closed);
    assert_eq!(st.decision.as_deref(), Some("同意"));
    assert!(matches!(ev.last(), Some(FlowEvent::CaseClosed { decision: Some(d) }) if d == "同意"));
    assert!(st.blocking_runs(&w.def).next().is_none());
}

#[test]
fn a_stored_state_reads_back_the_same_with_or_without_its_empty_fields() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    w.complete(&mut st, "check", CHIEF, "同意");
    let compact = serde_json::to_string(&st).expect("serializes");
    assert!(
        !compact.contains("null"),
        "empty fields are left out: {compact}"
    );
    let back: CaseState = serde_json::from_str(&compact).expect("reads back");
    assert_eq!(back, st);
    // States stored before empty fields were left out spell them as null.
    let mut spelled = serde_json::to_value(&st).expect("to value");
    for run in spelled["runs"].as_array_mut().expect("runs") {
        for field in [
            "from",
            "left_at",
            "decision",
            "resume_to",
            "need",
            "extension",
        ] {
            run.as_object_mut()
                .expect("run")
                .entry(field)
                .or_insert(serde_json::Value::Null);
        }
    }
    spelled["paused_at"] = serde_json::Value::Null;
    let old: CaseState = serde_json::from_value(spelled).expect("reads the old form");
    assert_eq!(old, st);
}

#[test]
fn internal_request_disagreed_at_check_goes_straight_to_the_end() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    let ev = w.complete(&mut st, "check", CHIEF, "不同意");
    assert!(
        ev.iter().any(
            |e| matches!(e, FlowEvent::Routed { step, to } if step == "route" && to == "closed")
        )
    );
    assert_eq!(st.status, CaseStatus::Closed);
    assert_eq!(st.decision.as_deref(), Some("不同意"));
    assert!(runs_of(&st, "approve").is_empty());
}

#[test]
fn an_unknown_decision_is_refused() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    let before = st.clone();
    let task = open_task(&st, "check", CHIEF);
    let err = w.act(&mut st, CHIEF, complete(task, "随便")).unwrap_err();
    assert!(matches!(err, FlowError::Invalid(_)), "{err:?}");
    assert_eq!(st, before);
}

// ---------------------------------------------------------------------------------------------
// 3. Returns.
// ---------------------------------------------------------------------------------------------

/// draft → a (11) → b (12) → c (13) → end; `c_after` is c's `after_return`.
fn three_steps(c_after: &str) -> World {
    let text = format!(
        "{HEADER}{}{}{}{}{END}",
        "\n[[steps]]\nid = \"draft\"\nname = \"拟稿\"\nkind = \"start\"\nnext = \"a\"\n",
        "\n[[steps]]\nid = \"a\"\nname = \"甲\"\nkind = \"task\"\nassignee = { rule = \"post\", post = 11 }\nnext = \"b\"\ndeadline_days = 2\n",
        "\n[[steps]]\nid = \"b\"\nname = \"乙\"\nkind = \"task\"\nassignee = { rule = \"post\", post = 12 }\nnext = \"c\"\n",
        format_args!(
            "\n[[steps]]\nid = \"c\"\nname = \"丙\"\nkind = \"task\"\nassignee = {{ rule = \"post\", post = 13 }}\nnext = \"end\"\nafter_return = \"{c_after}\"\n"
        ),
    );
    World::new(parse("三步.toml", &text), Fields::new())
}

#[test]
fn return_to_previous_reopens_the_step_before_for_its_holder() {
    let w = three_steps("flow_on");
    let (mut st, _) = w.start();
    w.complete(&mut st, "a", 11, "同意");
    let task = open_task(&st, "b", 12);
    let ev = w
        .act(&mut st, 12, return_to(task, ReturnTarget::Previous))
        .unwrap();
    assert!(ev.iter().any(|e| matches!(e,
        FlowEvent::Returned { from_step, to_step, jump_back: false, .. } if from_step == "b" && to_step == "a")));
    assert_eq!(runs_of(&st, "b")[0].state, RunState::Returned);
    assert_eq!(st.task(task).unwrap().state, TaskState::Returned);
    assert_eq!(runs_of(&st, "a").len(), 2);
    assert_eq!(open_posts(&st, "a"), vec![11]);
    // Done again, it flows on to b (b flows on).
    w.complete(&mut st, "a", 11, "同意");
    assert_eq!(open_posts(&st, "b"), vec![12]);
    assert_eq!(runs_of(&st, "b").len(), 2);
}

#[test]
fn back_to_returner_jumps_straight_back_to_the_returning_step() {
    let w = three_steps("back_to_returner");
    let (mut st, _) = w.start();
    w.complete(&mut st, "a", 11, "同意");
    w.complete(&mut st, "b", 12, "同意");
    let task = open_task(&st, "c", 13);
    let ev = w.act(&mut st, 13, return_to(task, to_step("a"))).unwrap();
    assert!(ev.iter().any(|e| matches!(e,
        FlowEvent::StepEntered { step, resume_to: Some(r), .. } if step == "a" && r == "c")));
    assert_eq!(active_run(&st, "a").resume_to.as_deref(), Some("c"));
    w.complete(&mut st, "a", 11, "同意");
    // Straight back to c: b is not done again.
    assert_eq!(runs_of(&st, "b").len(), 1);
    assert_eq!(open_posts(&st, "c"), vec![13]);
    w.complete(&mut st, "c", 13, "同意");
    assert_eq!(st.status, CaseStatus::Closed);
}

#[test]
fn flow_on_goes_through_the_steps_in_between_again() {
    let w = three_steps("flow_on");
    let (mut st, _) = w.start();
    w.complete(&mut st, "a", 11, "同意");
    w.complete(&mut st, "b", 12, "同意");
    let task = open_task(&st, "c", 13);
    w.act(&mut st, 13, return_to(task, to_step("a"))).unwrap();
    assert_eq!(active_run(&st, "a").resume_to, None);
    w.complete(&mut st, "a", 11, "同意");
    assert_eq!(runs_of(&st, "b").len(), 2);
    assert_eq!(open_posts(&st, "b"), vec![12]);
    assert!(
        runs_of(&st, "c")
            .iter()
            .all(|r| r.state != RunState::Active)
    );
}

#[test]
fn internal_request_returned_draft_comes_back_to_the_chief_on_resubmission() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    let task = open_task(&st, "check", CHIEF);
    w.act(&mut st, CHIEF, return_to(task, ReturnTarget::Previous))
        .unwrap();
    assert_eq!(open_posts(&st, "draft"), vec![STARTER]);
    // The starter resubmits: the start step's decision is 提交, not 同意 / 不同意.
    let draft = open_task(&st, "draft", STARTER);
    let err = w
        .act(&mut st, STARTER, complete(draft, "不同意"))
        .unwrap_err();
    assert!(matches!(err, FlowError::Invalid(_)), "{err:?}");
    w.act(&mut st, STARTER, complete(draft, "")).unwrap();
    assert_eq!(st.task(draft).unwrap().decision.as_deref(), Some("提交"));
    assert_eq!(open_posts(&st, "check"), vec![CHIEF]);
}

#[test]
fn a_return_to_a_step_never_done_is_refused() {
    let w = three_steps("flow_on");
    let (mut st, _) = w.start();
    w.complete(&mut st, "a", 11, "同意");
    let before = st.clone();
    let task = open_task(&st, "b", 12);
    let err = w
        .act(&mut st, 12, return_to(task, to_step("c")))
        .unwrap_err();
    assert!(
        matches!(&err, FlowError::State(m) if m.contains("尚未办理过")),
        "{err:?}"
    );
    let err = w
        .act(&mut st, 12, return_to(task, to_step("nowhere")))
        .unwrap_err();
    assert!(matches!(err, FlowError::Invalid(_)), "{err:?}");
    let err = w
        .act(&mut st, 12, return_to(task, to_step("b")))
        .unwrap_err();
    assert!(matches!(err, FlowError::Invalid(_)), "{err:?}");
    assert_eq!(st, before);
}

#[test]
fn a_return_needs_a_reason() {
    let w = three_steps("flow_on");
    let (mut st, _) = w.start();
    w.complete(&mut st, "a", 11, "同意");
    let task = open_task(&st, "b", 12);
    let action = Action::Return {
        task,
        target: ReturnTarget::Previous,
        opinion: "  ".to_owned(),
        jump_back: false,
    };
    assert!(matches!(
        w.act(&mut st, 12, action),
        Err(FlowError::Invalid(_))
    ));
}

// ---------------------------------------------------------------------------------------------
// 4. Re-entry re-arms the deadline.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_returned_to_step_gets_a_deadline_counted_from_the_return() {
    let mut w = World::internal_request();
    let (mut st, _) = w.start();
    assert_eq!(due_date(active_run(&st, "check")), date(2026, 9, 30));
    w.complete(&mut st, "check", CHIEF, "同意");
    w.now = after_national_day();
    let task = open_task(&st, "approve", DIRECTOR);
    w.act(&mut st, DIRECTOR, return_to(task, ReturnTarget::Previous))
        .unwrap();
    let again = active_run(&st, "check");
    assert_eq!(again.entered_at, after_national_day());
    // From Thursday 10月8日: Friday 9日, Saturday 10日 (a make-up working day).
    assert_eq!(due_date(again), date(2026, 10, 10));
    assert_eq!(due_date(runs_of(&st, "check")[0]), date(2026, 9, 30));
    // The internal request jumps back to the director once the chief is done again.
    assert_eq!(again.resume_to.as_deref(), Some("approve"));
    w.complete(&mut st, "check", CHIEF, "同意");
    assert_eq!(runs_of(&st, "route").len(), 1);
    assert_eq!(open_posts(&st, "approve"), vec![DIRECTOR]);
}

// ---------------------------------------------------------------------------------------------
// 5. Modes.
// ---------------------------------------------------------------------------------------------

const SIGNERS: [PostId; 4] = [31, 32, 33, 34];

/// draft → sign (the mode, held by SIGNERS) → after (99) → end.
fn mode_world(mode: &str) -> World {
    let ratio = if mode == "ratio" { "ratio = 0.5" } else { "" };
    let text = format!(
        "{HEADER}{}{}{}{END}",
        "\n[[steps]]\nid = \"draft\"\nname = \"拟稿\"\nkind = \"start\"\nnext = \"sign\"\n",
        format_args!(
            "\n[[steps]]\nid = \"sign\"\nname = \"会签\"\nkind = \"task\"\nmode = \"{mode}\"\n{ratio}\nassignee = {{ rule = \"field\", field = \"signers\" }}\nnext = \"after\"\n"
        ),
        "\n[[steps]]\nid = \"after\"\nname = \"之后\"\nkind = \"task\"\nassignee = { rule = \"post\", post = 99 }\nnext = \"end\"\n",
    );
    World::new(parse("模式.toml", &text), fields(&[("signers", &SIGNERS)]))
}

fn cancelled(ev: &[FlowEvent]) -> Vec<PostId> {
    ev.iter()
        .filter_map(|e| match e {
            FlowEvent::TaskCancelled { post, .. } => Some(*post),
            _ => None,
        })
        .collect()
}

#[test]
fn all_mode_finishes_only_when_every_signer_completed() {
    let w = mode_world("all");
    let (mut st, _) = w.start();
    assert_eq!(open_posts(&st, "sign"), SIGNERS.to_vec());
    w.complete(&mut st, "sign", 31, "同意");
    w.complete(&mut st, "sign", 32, "不同意");
    w.complete(&mut st, "sign", 33, "同意");
    assert_eq!(active_run(&st, "sign").state, RunState::Active);
    assert!(runs_of(&st, "after").is_empty());
    w.complete(&mut st, "sign", 34, "同意");
    let sign = runs_of(&st, "sign")[0];
    assert_eq!(sign.state, RunState::Done);
    // One dissent makes the countersign's decision.
    assert_eq!(sign.decision.as_deref(), Some("不同意"));
    assert_eq!(open_posts(&st, "after"), vec![99]);
}

#[test]
fn any_mode_finishes_at_the_first_and_cancels_the_rest() {
    let w = mode_world("any");
    let (mut st, _) = w.start();
    let ev = w.complete(&mut st, "sign", 33, "同意");
    assert_eq!(runs_of(&st, "sign")[0].state, RunState::Done);
    assert_eq!(cancelled(&ev), vec![31, 32, 34]);
    assert_eq!(open_posts(&st, "after"), vec![99]);
}

#[test]
fn sequence_mode_opens_signers_one_after_another() {
    let w = mode_world("sequence");
    let (mut st, _) = w.start();
    assert_eq!(open_posts(&st, "sign"), vec![31]);
    let run = active_run(&st, "sign").no;
    let waiting = st
        .tasks
        .iter()
        .filter(|t| t.run == run && t.state == TaskState::Waiting)
        .count();
    assert_eq!(waiting, 3);
    let second = st
        .tasks
        .iter()
        .find(|t| t.run == run && t.post == 32)
        .unwrap()
        .no;
    let err = w.act(&mut st, 32, complete(second, "同意")).unwrap_err();
    assert!(
        matches!(&err, FlowError::State(m) if m.contains("还没有轮到")),
        "{err:?}"
    );
    for (i, post) in SIGNERS.iter().enumerate() {
        assert_eq!(open_posts(&st, "sign"), vec![*post], "turn {i}");
        w.complete(&mut st, "sign", *post, "同意");
    }
    assert_eq!(runs_of(&st, "sign")[0].state, RunState::Done);
    assert_eq!(open_posts(&st, "after"), vec![99]);
}

#[test]
fn ratio_half_of_four_finishes_at_the_second_and_cancels_the_rest() {
    let w = mode_world("ratio");
    let (mut st, _) = w.start();
    w.complete(&mut st, "sign", 31, "同意");
    assert_eq!(active_run(&st, "sign").state, RunState::Active);
    let ev = w.complete(&mut st, "sign", 33, "同意");
    assert_eq!(runs_of(&st, "sign")[0].state, RunState::Done);
    assert_eq!(cancelled(&ev), vec![32, 34]);
    assert_eq!(open_posts(&st, "after"), vec![99]);
}

// ---------------------------------------------------------------------------------------------
// 6. The join fires exactly once.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_bench_join_fires_exactly_once() {
    let w = World::bench();
    let (mut st, mut ev) = w.start();
    ev.extend(w.complete(&mut st, "check", 21, "同意"));
    for step in ["sign_a", "sign_b", "sign_c"] {
        assert_eq!(entered(&ev, step), 1);
    }
    ev.extend(w.complete(&mut st, "sign_b", 23, "同意"));
    ev.extend(w.complete(&mut st, "sign_a", 22, "同意"));
    assert!(runs_of(&st, "join").is_empty());
    assert!(runs_of(&st, "sign_off").is_empty());
    ev.extend(w.complete(&mut st, "sign_c", 24, "同意"));
    let arrivals: Vec<(u32, u32)> = ev
        .iter()
        .filter_map(|e| match e {
            FlowEvent::JoinArrived {
                arrived, needed, ..
            } => Some((*arrived, *needed)),
            _ => None,
        })
        .collect();
    assert_eq!(arrivals, vec![(1, 3), (2, 3), (3, 3)]);
    assert_eq!(runs_of(&st, "join").len(), 1);
    assert_eq!(runs_of(&st, "sign_off").len(), 1);
    assert_eq!(entered(&ev, "sign_off"), 1);
    assert!(st.joins.is_empty());
    w.complete(&mut st, "sign_off", 25, "同意");
    w.complete(&mut st, "number", 26, "同意");
    assert_eq!(st.status, CaseStatus::Closed);
    let done = st
        .tasks
        .iter()
        .filter(|t| t.state == TaskState::Done)
        .count();
    assert_eq!(done, 7, "the submission and six tasks");
}

#[test]
fn a_return_from_after_the_join_into_a_branch_fires_the_join_again() {
    let w = World::bench();
    let (mut st, _) = w.start();
    w.complete(&mut st, "check", 21, "同意");
    for (step, post) in [("sign_a", 22), ("sign_b", 23), ("sign_c", 24)] {
        w.complete(&mut st, step, post, "同意");
    }
    let task = open_task(&st, "sign_off", 25);
    w.act(&mut st, 25, return_to(task, to_step("sign_a")))
        .unwrap();
    // Only 甲 does it again; 乙 and 丙 stay arrived.
    assert_eq!(open_posts(&st, "sign_a"), vec![22]);
    assert_eq!(runs_of(&st, "sign_b").len(), 1);
    assert_eq!(st.joins.get("join").map(Vec::len), Some(2));
    w.complete(&mut st, "sign_a", 22, "同意");
    assert_eq!(runs_of(&st, "join").len(), 2);
    assert_eq!(open_posts(&st, "sign_off"), vec![25]);
    // The same through 退回上一步 (the last branch to arrive).
    let task = open_task(&st, "sign_off", 25);
    w.act(&mut st, 25, return_to(task, ReturnTarget::Previous))
        .unwrap();
    assert_eq!(open_posts(&st, "sign_a"), vec![22]);
    w.complete(&mut st, "sign_a", 22, "同意");
    assert_eq!(open_posts(&st, "sign_off"), vec![25]);
    w.complete(&mut st, "sign_off", 25, "同意");
    w.complete(&mut st, "number", 26, "同意");
    assert_eq!(st.status, CaseStatus::Closed);
}

#[test]
fn a_return_from_a_branch_to_before_the_split_redoes_every_branch() {
    let w = World::bench();
    let (mut st, _) = w.start();
    w.complete(&mut st, "check", 21, "同意");
    w.complete(&mut st, "sign_b", 23, "同意");
    let task = open_task(&st, "sign_a", 22);
    w.act(&mut st, 22, return_to(task, ReturnTarget::Previous))
        .unwrap();
    assert_eq!(open_posts(&st, "check"), vec![21]);
    assert!(st.joins.is_empty());
    assert_eq!(runs_of(&st, "sign_c")[0].state, RunState::Cancelled);
    w.complete(&mut st, "check", 21, "同意");
    for (step, post) in [("sign_a", 22), ("sign_b", 23), ("sign_c", 24)] {
        w.complete(&mut st, step, post, "同意");
    }
    assert_eq!(runs_of(&st, "sign_off").len(), 1);
}

#[test]
fn a_return_into_a_parallel_sibling_is_refused() {
    let w = World::bench();
    let (mut st, _) = w.start();
    w.complete(&mut st, "check", 21, "同意");
    w.complete(&mut st, "sign_a", 22, "同意");
    let before = st.clone();
    let task = open_task(&st, "sign_c", 24);
    let err = w
        .act(&mut st, 24, return_to(task, to_step("sign_a")))
        .unwrap_err();
    assert!(matches!(err, FlowError::State(_)), "{err:?}");
    assert_eq!(st, before);
}

// ---------------------------------------------------------------------------------------------
// 7. Withdraw.
// ---------------------------------------------------------------------------------------------

#[test]
fn withdraw_while_the_next_step_is_untouched_goes_back_to_the_withdrawer() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    let done = open_task(&st, "check", CHIEF);
    w.complete(&mut st, "check", CHIEF, "同意");
    let approve = active_run(&st, "approve").no;
    let ev = w
        .act(&mut st, CHIEF, Action::Withdraw { task: done })
        .unwrap();
    assert!(ev.iter().any(|e| matches!(e,
        FlowEvent::Withdrawn { task, runs, .. } if *task == done && runs.contains(&approve))));
    assert_eq!(st.run(approve).unwrap().state, RunState::Withdrawn);
    assert!(
        st.tasks
            .iter()
            .filter(|t| t.run == approve)
            .all(|t| t.state == TaskState::Cancelled)
    );
    assert_eq!(runs_of(&st, "check").len(), 2);
    assert_eq!(open_posts(&st, "check"), vec![CHIEF]);
    // A second withdrawal of the same task is refused.
    let before = st.clone();
    assert!(
        w.act(&mut st, CHIEF, Action::Withdraw { task: done })
            .is_err()
    );
    assert_eq!(st, before);
}

#[test]
fn withdraw_is_refused_once_the_next_step_was_acted_on() {
    let w = World::bench();
    let (mut st, _) = w.start();
    let done = open_task(&st, "check", 21);
    w.complete(&mut st, "check", 21, "同意");
    w.complete(&mut st, "sign_a", 22, "同意");
    let before = st.clone();
    let err = w
        .act(&mut st, 21, Action::Withdraw { task: done })
        .unwrap_err();
    assert!(
        matches!(&err, FlowError::State(m) if m.contains("已办理")),
        "{err:?}"
    );
    assert_eq!(st, before);
}

#[test]
fn withdraw_is_only_for_the_one_who_acted() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    let done = open_task(&st, "check", CHIEF);
    w.complete(&mut st, "check", CHIEF, "同意");
    let err = w
        .act(&mut st, DIRECTOR, Action::Withdraw { task: done })
        .unwrap_err();
    assert!(matches!(err, FlowError::NotHolder(_)), "{err:?}");
}

#[test]
fn a_branch_waiting_at_the_join_may_be_withdrawn_and_the_join_still_fires_once() {
    let w = World::bench();
    let (mut st, _) = w.start();
    w.complete(&mut st, "check", 21, "同意");
    let a = open_task(&st, "sign_a", 22);
    w.complete(&mut st, "sign_a", 22, "同意");
    w.act(&mut st, 22, Action::Withdraw { task: a }).unwrap();
    assert!(st.joins.get("join").is_none_or(Vec::is_empty));
    // Withdrawing the same completion again would put a second 甲 on the way.
    assert!(w.act(&mut st, 22, Action::Withdraw { task: a }).is_err());
    w.complete(&mut st, "sign_b", 23, "同意");
    w.complete(&mut st, "sign_c", 24, "同意");
    assert!(runs_of(&st, "sign_off").is_empty());
    w.complete(&mut st, "sign_a", 22, "同意");
    assert_eq!(runs_of(&st, "join").len(), 1);
    assert_eq!(runs_of(&st, "sign_off").len(), 1);
}

#[test]
fn a_branch_that_arrived_before_the_join_fired_cannot_be_withdrawn() {
    let w = World::bench();
    let (mut st, _) = w.start();
    w.complete(&mut st, "check", 21, "同意");
    let a = open_task(&st, "sign_a", 22);
    let c = open_task(&st, "sign_c", 24);
    w.complete(&mut st, "sign_a", 22, "同意");
    w.complete(&mut st, "sign_b", 23, "同意");
    w.complete(&mut st, "sign_c", 24, "同意");
    let before = st.clone();
    for (post, task) in [(22, a), (24, c)] {
        let err = w.act(&mut st, post, Action::Withdraw { task }).unwrap_err();
        assert!(
            matches!(&err, FlowError::State(m) if m.contains("汇聚")),
            "{err:?}"
        );
        assert_eq!(st, before);
    }
}

// ---------------------------------------------------------------------------------------------
// 8. Transfer, delegate, add and remove signers, proxies, handover.
// ---------------------------------------------------------------------------------------------

#[test]
fn transfer_hands_the_task_over_for_good() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    let task = open_task(&st, "check", CHIEF);
    let ev = w
        .act(
            &mut st,
            CHIEF,
            Action::Transfer {
                task,
                to: 7,
                opinion: "请7号办理".to_owned(),
            },
        )
        .unwrap();
    assert!(matches!(
        ev[0],
        FlowEvent::Transferred {
            from: CHIEF,
            to: 7,
            ..
        }
    ));
    assert_eq!(st.task(task).unwrap().state, TaskState::Transferred);
    assert_eq!(open_posts(&st, "check"), vec![7]);
    assert!(matches!(
        w.act(&mut st, CHIEF, complete(task, "同意")),
        Err(FlowError::NotHolder(_) | FlowError::State(_))
    ));
    w.complete(&mut st, "check", 7, "同意");
    assert_eq!(open_posts(&st, "approve"), vec![DIRECTOR]);
}

#[test]
fn a_delegated_task_comes_back_to_its_owner() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    let task = open_task(&st, "check", CHIEF);
    w.act(
        &mut st,
        CHIEF,
        Action::Delegate {
            task,
            to: 8,
            opinion: "请先核一下".to_owned(),
        },
    )
    .unwrap();
    assert_eq!(st.task(task).unwrap().state, TaskState::Delegated);
    assert_eq!(open_posts(&st, "check"), vec![8]);
    let ev = w.complete(&mut st, "check", 8, "同意");
    assert!(matches!(ev.last(), Some(FlowEvent::DelegationReturned { task: t, .. }) if *t == task));
    assert_eq!(st.task(task).unwrap().state, TaskState::Open);
    assert_eq!(active_run(&st, "check").state, RunState::Active);
    assert!(runs_of(&st, "approve").is_empty());
    w.complete(&mut st, "check", CHIEF, "同意");
    assert_eq!(open_posts(&st, "approve"), vec![DIRECTOR]);
}

#[test]
fn an_added_signer_must_also_sign() {
    let w = mode_world("all");
    let (mut st, _) = w.start();
    let run = active_run(&st, "sign").no;
    let ev = w
        .act(&mut st, STARTER, Action::AddSigner { run, post: 35 })
        .unwrap();
    assert!(matches!(ev[0], FlowEvent::SignerAdded { post: 35, .. }));
    // Adding one who already holds a task is refused.
    assert!(matches!(
        w.act(&mut st, STARTER, Action::AddSigner { run, post: 31 }),
        Err(FlowError::Invalid(_))
    ));
    for post in SIGNERS {
        w.complete(&mut st, "sign", post, "同意");
    }
    assert_eq!(open_posts(&st, "sign"), vec![35]);
    w.complete(&mut st, "sign", 35, "同意");
    assert_eq!(open_posts(&st, "after"), vec![99]);
}

#[test]
fn adding_a_signer_to_a_single_step_is_refused() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    let run = active_run(&st, "check").no;
    let err = w
        .act(&mut st, CHIEF, Action::AddSigner { run, post: 9 })
        .unwrap_err();
    assert!(matches!(err, FlowError::State(_)), "{err:?}");
}

#[test]
fn removing_the_last_pending_signer_completes_the_run() {
    let w = mode_world("all");
    let (mut st, _) = w.start();
    let last = open_task(&st, "sign", 34);
    for post in [31, 32, 33] {
        w.complete(&mut st, "sign", post, "同意");
    }
    let done = st
        .tasks
        .iter()
        .find(|t| t.post == 31 && t.state == TaskState::Done)
        .unwrap()
        .no;
    assert!(matches!(
        w.act(&mut st, STARTER, Action::RemoveSigner { task: done }),
        Err(FlowError::State(_))
    ));
    let ev = w
        .act(&mut st, STARTER, Action::RemoveSigner { task: last })
        .unwrap();
    assert!(matches!(ev[0], FlowEvent::SignerRemoved { post: 34, .. }));
    assert_eq!(st.task(last).unwrap().state, TaskState::Removed);
    assert_eq!(runs_of(&st, "sign")[0].state, RunState::Done);
    assert_eq!(open_posts(&st, "after"), vec![99]);
}

#[test]
fn removing_the_open_signer_of_a_sequence_opens_the_next() {
    let w = mode_world("sequence");
    let (mut st, _) = w.start();
    let first = open_task(&st, "sign", 31);
    w.act(&mut st, STARTER, Action::RemoveSigner { task: first })
        .unwrap();
    assert_eq!(open_posts(&st, "sign"), vec![32]);
}

#[test]
fn a_proxy_acts_for_the_holder_and_is_recorded() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    let task = open_task(&st, "check", CHIEF);
    let stranger = w.act(&mut st, 41, complete(task, "同意")).unwrap_err();
    assert!(matches!(stranger, FlowError::NotHolder(_)), "{stranger:?}");
    let proxy = Acting {
        post: 40,
        proxy_for: vec![CHIEF],
    };
    let ev = w.act_as(&mut st, &proxy, complete(task, "同意")).unwrap();
    assert!(ev.iter().any(|e| matches!(
        e,
        FlowEvent::TaskCompleted {
            post: CHIEF,
            acted_by: Some(40),
            ..
        }
    )));
    let t = st.task(task).unwrap();
    assert_eq!((t.post, t.acted_by), (CHIEF, Some(40)));
    assert_eq!(open_posts(&st, "approve"), vec![DIRECTOR]);
    // The proxy who acted may withdraw; the holder, who did not, may not.
    let mut other = st.clone();
    assert!(matches!(
        w.act(&mut other, CHIEF, Action::Withdraw { task }),
        Err(FlowError::NotHolder(_))
    ));
    w.act(&mut st, 40, Action::Withdraw { task }).unwrap();
    assert_eq!(open_posts(&st, "check"), vec![CHIEF]);
}

#[test]
fn handover_moves_every_pending_task_of_the_post() {
    let mut w = World::bench();
    w.fields.insert("signer_a".to_owned(), Value::Int(50));
    w.fields.insert("signer_b".to_owned(), Value::Int(50));
    let (mut st, _) = w.start();
    w.complete(&mut st, "check", 21, "同意");
    let ev = w
        .act(&mut st, 1, Action::Handover { from: 50, to: 51 })
        .unwrap();
    assert_eq!(
        ev.iter()
            .filter(|e| matches!(
                e,
                FlowEvent::HandedOver {
                    from: 50,
                    to: 51,
                    ..
                }
            ))
            .count(),
        2
    );
    assert!(!st.tasks.iter().any(|t| t.post == 50));
    assert_eq!(open_posts(&st, "sign_a"), vec![51]);
    assert_eq!(open_posts(&st, "sign_b"), vec![51]);
    // Done tasks stay with whoever did them.
    assert!(
        st.tasks
            .iter()
            .any(|t| t.post == 21 && t.state == TaskState::Done)
    );
}

// ---------------------------------------------------------------------------------------------
// 9. Pause, resume, extensions.
// ---------------------------------------------------------------------------------------------

fn pause() -> Action {
    Action::Pause {
        reason: "等待材料".to_owned(),
    }
}

#[test]
fn a_paused_case_refuses_everything_but_resume_and_handover() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    assert!(matches!(
        w.act(&mut st, STARTER, Action::Resume),
        Err(FlowError::State(_))
    ));
    assert!(matches!(
        w.act(
            &mut st,
            STARTER,
            Action::Pause {
                reason: " ".to_owned()
            }
        ),
        Err(FlowError::Invalid(_))
    ));
    w.act(&mut st, STARTER, pause()).unwrap();
    assert_eq!(st.status, CaseStatus::Paused);
    let before = st.clone();
    let task = open_task(&st, "check", CHIEF);
    for action in [
        complete(task, "同意"),
        return_to(task, ReturnTarget::Previous),
        Action::Transfer {
            task,
            to: 7,
            opinion: String::new(),
        },
        pause(),
    ] {
        let err = w.act(&mut st, CHIEF, action).unwrap_err();
        assert!(matches!(err, FlowError::State(_)), "{err:?}");
        assert_eq!(st, before);
    }
    w.act(&mut st, STARTER, Action::Resume).unwrap();
    assert_eq!(st.status, CaseStatus::Running);
    w.complete(&mut st, "check", CHIEF, "同意");
}

#[test]
fn resume_moves_deadlines_by_the_working_days_paused() {
    let mut w = World::internal_request();
    let (mut st, _) = w.start();
    assert_eq!(due_date(active_run(&st, "check")), date(2026, 9, 30));
    w.act(&mut st, STARTER, pause()).unwrap();
    w.now = after_national_day();
    let ev = w.act(&mut st, STARTER, Action::Resume).unwrap();
    // Paused Monday 9月28日, resumed Thursday 10月8日: 29, 30 and 8 went by.
    assert!(matches!(ev[0], FlowEvent::Resumed { working_days: 3 }));
    // 9月30日 + 3: 10月8日, 9日, 10日 (a working Saturday).
    let due = active_run(&st, "check").due.clone().unwrap();
    assert_eq!(due.date, date(2026, 10, 10));
    assert_eq!(due.at, end_of(date(2026, 10, 10)));
    // The case: 10月10日 + 3: 12日, 13日, 14日.
    assert_eq!(st.due.as_ref().map(|d| d.date), Some(date(2026, 10, 14)));
}

#[test]
fn resume_on_the_day_paused_moves_nothing() {
    let mut w = World::internal_request();
    let (mut st, _) = w.start();
    w.act(&mut st, STARTER, pause()).unwrap();
    w.now = utc(2026, 9, 28, 6, 0);
    let ev = w.act(&mut st, STARTER, Action::Resume).unwrap();
    assert!(matches!(ev[0], FlowEvent::Resumed { working_days: 0 }));
    assert_eq!(due_date(active_run(&st, "check")), date(2026, 9, 30));
}

fn request_extension(st: &CaseState, w: &World, days: u32) -> (CaseState, u32) {
    let mut st = st.clone();
    let task = open_task(&st, "check", CHIEF);
    w.act(
        &mut st,
        CHIEF,
        Action::RequestExtension {
            task,
            days,
            reason: "材料未齐".to_owned(),
        },
    )
    .unwrap();
    let run = active_run(&st, "check").no;
    assert!(st.run(run).unwrap().extension.is_some());
    (st, run)
}

#[test]
fn an_approved_extension_moves_the_deadline_by_working_days() {
    let w = World::internal_request();
    let (st, _) = w.start();
    let (mut st, run) = request_extension(&st, &w, 2);
    let ev = w
        .act(
            &mut st,
            STARTER,
            Action::DecideExtension {
                run,
                approve: true,
                opinion: "同意延期".to_owned(),
            },
        )
        .unwrap();
    // 9月30日 + 2 across 国庆: 10月8日, 9日.
    assert!(
        matches!(&ev[0], FlowEvent::ExtensionDecided { approved: true, before: Some(b), after: Some(a), .. }
        if *b == date(2026, 9, 30) && *a == date(2026, 10, 9))
    );
    let r = st.run(run).unwrap();
    assert_eq!(due_date(r), date(2026, 10, 9));
    assert!(r.extension.is_none());
}

#[test]
fn a_refused_extension_leaves_the_deadline() {
    let w = World::internal_request();
    let (st, _) = w.start();
    let (mut st, run) = request_extension(&st, &w, 2);
    w.act(
        &mut st,
        STARTER,
        Action::DecideExtension {
            run,
            approve: false,
            opinion: "不同意延期".to_owned(),
        },
    )
    .unwrap();
    let r = st.run(run).unwrap();
    assert_eq!(due_date(r), date(2026, 9, 30));
    assert!(r.extension.is_none());
    // Nothing left to decide.
    assert!(matches!(
        w.act(
            &mut st,
            STARTER,
            Action::DecideExtension {
                run,
                approve: true,
                opinion: String::new()
            }
        ),
        Err(FlowError::State(_))
    ));
}

#[test]
fn an_extension_pending_when_the_step_is_done_lapses() {
    let w = World::internal_request();
    let (st, _) = w.start();
    let (mut st, run) = request_extension(&st, &w, 2);
    w.complete(&mut st, "check", CHIEF, "同意");
    assert!(st.run(run).unwrap().extension.is_none());
    assert!(matches!(
        w.act(
            &mut st,
            STARTER,
            Action::DecideExtension {
                run,
                approve: true,
                opinion: String::new()
            }
        ),
        Err(FlowError::State(_))
    ));
    assert_eq!(due_date(st.run(run).unwrap()), date(2026, 9, 30));
}

// ---------------------------------------------------------------------------------------------
// 10. Stale and duplicate actions.
// ---------------------------------------------------------------------------------------------

#[test]
fn completing_a_done_task_again_fails_and_changes_nothing() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    let task = open_task(&st, "check", CHIEF);
    w.complete(&mut st, "check", CHIEF, "同意");
    let before = st.clone();
    let err = w.act(&mut st, CHIEF, complete(task, "同意")).unwrap_err();
    assert!(matches!(err, FlowError::State(_)), "{err:?}");
    assert_eq!(st, before);
    let err = w.act(&mut st, CHIEF, complete(9999, "同意")).unwrap_err();
    assert!(matches!(err, FlowError::Invalid(_)), "{err:?}");
    assert_eq!(st, before);
}

#[test]
fn a_closed_case_refuses_actions() {
    let w = World::internal_request();
    let (mut st, _) = w.start();
    let task = open_task(&st, "check", CHIEF);
    w.complete(&mut st, "check", CHIEF, "不同意");
    assert_eq!(st.status, CaseStatus::Closed);
    let before = st.clone();
    for action in [pause(), Action::Withdraw { task }, complete(task, "同意")] {
        assert!(matches!(
            w.act(&mut st, CHIEF, action),
            Err(FlowError::State(_))
        ));
        assert_eq!(st, before);
    }
}

// ---------------------------------------------------------------------------------------------
// The escalation ladder.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_ladder_skips_national_day() {
    let cal = Calendar::shipped();
    let hours = OfficeHours::default();
    // Entered Tuesday 9月29日 09:00; 2 working days: 9月30日, then 国庆, then 10月8日.
    let entered = utc(2026, 9, 29, 1, 0);
    let due = due_after(&cal, &hours, entered, Some(2), None).unwrap();
    assert_eq!(due.date, date(2026, 10, 8));
    let ladder = Ladder {
        due_soon_days: 1,
        red_after_days: 3,
        due_soon_hours: 0,
    };
    let got = rungs(&due, &ladder, &cal, entered);
    assert_eq!(
        got,
        vec![
            // One working day before 10月8日 is 9月30日: 国庆 does not count.
            (Rung::DueSoon, start_of(date(2026, 9, 30))),
            (Rung::Yellow, end_of(date(2026, 10, 8))),
            // 9日, 10日 (a working Saturday), 12日.
            (Rung::Red, end_of(date(2026, 10, 12))),
        ]
    );
    assert_eq!(start_of(date(2026, 9, 30)), utc(2026, 9, 29, 16, 0));
    assert_eq!(end_of(date(2026, 10, 12)), utc(2026, 10, 12, 16, 0));
}

#[test]
fn the_ladder_gives_no_due_soon_already_past_at_entry() {
    let cal = Calendar::shipped();
    let hours = OfficeHours::default();
    // Entered 9月30日: due 1 working day later is 10月8日; its due-soon day is 9月30日 itself,
    // whose start is before the entry.
    let entered = utc(2026, 9, 30, 1, 0);
    let due = due_after(&cal, &hours, entered, Some(1), None).unwrap();
    assert_eq!(due.date, date(2026, 10, 8));
    let got = rungs(&due, &Ladder::default(), &cal, entered);
    assert_eq!(
        got.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
        vec![Rung::Yellow, Rung::Red]
    );
    assert!(got.windows(2).all(|w| w[0].1 <= w[1].1));
}

// ---------------------------------------------------------------------------------------------
// 11. Properties.
// ---------------------------------------------------------------------------------------------

/// draft → cs (会签, 3) → seq (依次, 3) → rat (half of 4) → gw: 不同意 goes back to seq.
fn modes_world() -> World {
    let text = format!(
        "{HEADER}{}{}{}{}{}{END}",
        "\n[[steps]]\nid = \"draft\"\nname = \"拟稿\"\nkind = \"start\"\nnext = \"cs\"\n",
        "\n[[steps]]\nid = \"cs\"\nname = \"会签\"\nkind = \"task\"\nmode = \"all\"\nassignee = { rule = \"field\", field = \"cs\" }\nnext = \"seq\"\ndeadline_days = 3\n",
        "\n[[steps]]\nid = \"seq\"\nname = \"依次\"\nkind = \"task\"\nmode = \"sequence\"\nassignee = { rule = \"field\", field = \"seq\" }\nnext = \"rat\"\n",
        "\n[[steps]]\nid = \"rat\"\nname = \"比例\"\nkind = \"task\"\nmode = \"ratio\"\nratio = 0.5\nassignee = { rule = \"field\", field = \"rat\" }\nnext = \"gw\"\n",
        "\n[[steps]]\nid = \"gw\"\nname = \"判断\"\nkind = \"exclusive\"\nroutes = [{ to = \"seq\", when = { field = \"decision\", op = \"eq\", value = \"不同意\" } }, { to = \"end\" }]\n",
    );
    World::new(
        parse("模式.toml", &text),
        fields(&[
            ("cs", &[31, 32, 33]),
            ("seq", &[41, 42, 43]),
            ("rat", &[51, 52, 53, 54]),
        ]),
    )
}

/// Every post that holds something in either process, and one stranger.
const POOL: [PostId; 18] = [
    1, 21, 22, 23, 24, 25, 26, 31, 32, 33, 41, 42, 43, 51, 52, 53, 54, 60,
];

#[derive(Debug, Clone)]
enum Op {
    Complete(usize),
    ReturnPrevious,
    Withdraw,
    Transfer(usize),
    Delegate(usize),
    AddSigner(usize),
    RemoveSigner,
    Handover(usize),
    Pause,
    Resume,
}

/// An action on the task at `task` (modulo the number of tasks), by its holder or another post.
#[derive(Debug, Clone)]
struct Move {
    op: Op,
    task: usize,
    by_holder: bool,
    by: usize,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => any::<usize>().prop_map(Op::Complete),
        2 => Just(Op::ReturnPrevious),
        2 => Just(Op::Withdraw),
        1 => any::<usize>().prop_map(Op::Transfer),
        1 => any::<usize>().prop_map(Op::Delegate),
        1 => any::<usize>().prop_map(Op::AddSigner),
        1 => Just(Op::RemoveSigner),
        1 => any::<usize>().prop_map(Op::Handover),
        1 => Just(Op::Pause),
        1 => Just(Op::Resume),
    ]
}

fn moves() -> impl Strategy<Value = Vec<Move>> {
    prop::collection::vec(
        (
            op(),
            any::<usize>(),
            prop::bool::weighted(0.8),
            any::<usize>(),
        )
            .prop_map(|(op, task, by_holder, by)| Move {
                op,
                task,
                by_holder,
                by,
            }),
        1..60,
    )
}

fn pick(i: usize) -> PostId {
    POOL[i % POOL.len()]
}

/// The action a move means in the current state, and who does it.
fn action_of(w: &World, st: &CaseState, m: &Move) -> (PostId, Action) {
    let t = &st.tasks[m.task % st.tasks.len()];
    let who = if m.by_holder { t.post } else { pick(m.by) };
    let action = match &m.op {
        Op::Complete(d) => {
            let step = st
                .run(t.run)
                .and_then(|r| w.def.step(&r.step))
                .expect("a task's step");
            let mut allowed = ProcessDef::decisions(step);
            allowed.push("胡乱".to_owned());
            complete(t.no, &allowed[d % allowed.len()])
        }
        Op::ReturnPrevious => return_to(t.no, ReturnTarget::Previous),
        Op::Withdraw => Action::Withdraw { task: t.no },
        Op::Transfer(to) => Action::Transfer {
            task: t.no,
            to: pick(*to),
            opinion: "转".to_owned(),
        },
        Op::Delegate(to) => Action::Delegate {
            task: t.no,
            to: pick(*to),
            opinion: "委派".to_owned(),
        },
        Op::AddSigner(post) => Action::AddSigner {
            run: t.run,
            post: pick(*post),
        },
        Op::RemoveSigner => Action::RemoveSigner { task: t.no },
        Op::Handover(to) => Action::Handover {
            from: t.post,
            to: pick(*to),
        },
        Op::Pause => pause(),
        Op::Resume => Action::Resume,
    };
    (who, action)
}

/// The case's invariants; `joined` counts the join firings seen in the events so far.
fn invariants(w: &World, st: &CaseState, joined: usize) -> Result<(), String> {
    let blocking: Vec<&Run> = st.blocking_runs(&w.def).collect();
    // (a) closed, or every blocking run is waiting on an open task or on holders to be found
    // (paused or not), and there is at least one.
    if st.status == CaseStatus::Closed {
        if !blocking.is_empty() {
            return Err("a closed case has active runs".into());
        }
    } else {
        if blocking.is_empty() {
            return Err("a running case has nothing to do: stuck".into());
        }
        for r in &blocking {
            let kind = w.def.step(&r.step).map(|s| s.kind);
            if !matches!(kind, Some(StepKind::Start | StepKind::Task)) {
                return Err(format!("run {} of {} stayed active", r.no, r.step));
            }
            let open = st
                .tasks
                .iter()
                .any(|t| t.run == r.no && t.state == TaskState::Open);
            if !open && r.need.is_none() {
                return Err(format!("run {} of {} has no open task", r.no, r.step));
            }
        }
    }
    // (b) pending tasks only in active runs.
    for t in st.tasks.iter().filter(|t| t.state.is_pending()) {
        let active = st.run(t.run).is_some_and(|r| r.state == RunState::Active);
        if !active {
            return Err(format!(
                "task {} is {:?} in a run not active",
                t.no, t.state
            ));
        }
    }
    // (c) tokens are conserved: one place in the sequential part, or every branch exactly
    // once, running or arrived at the join; the join ran once per full set of arrivals.
    let steps_of = |nos: &[u32]| -> Vec<String> {
        nos.iter()
            .filter_map(|no| st.run(*no).map(|r| r.step.clone()))
            .collect()
    };
    let mut places: Vec<String> = blocking.iter().map(|r| r.step.clone()).collect();
    let branches = ["sign_a", "sign_b", "sign_c"];
    let in_branches = places.iter().any(|p| branches.contains(&p.as_str()))
        || st.joins.values().any(|a| !a.is_empty());
    if in_branches && st.status != CaseStatus::Closed {
        for arrivals in st.joins.values() {
            places.extend(steps_of(arrivals));
        }
        places.sort();
        if places != branches {
            return Err(format!(
                "branches and arrivals {places:?}, joins {:?}",
                st.joins
            ));
        }
    } else if places.len() > 1 {
        return Err(format!("several places at once: {places:?}"));
    }
    let join_runs = runs_of(st, "join").len();
    if join_runs != joined {
        return Err(format!("{join_runs} join runs for {joined} full arrivals"));
    }
    // The state survives being stored.
    let json = serde_json::to_string(st).map_err(|e| e.to_string())?;
    let back: CaseState = serde_json::from_str(&json).map_err(|e| e.to_string())?;
    if &back != st {
        return Err("the state does not survive JSON".into());
    }
    Ok(())
}

fn full_arrivals(ev: &[FlowEvent]) -> usize {
    ev.iter()
        .filter(
            |e| matches!(e, FlowEvent::JoinArrived { arrived, needed, .. } if arrived >= needed),
        )
        .count()
}

fn run_moves(mut w: World, moves: &[Move]) -> Result<(), TestCaseError> {
    let (mut st, ev) = w.start();
    let mut joined = full_arrivals(&ev);
    prop_assert_eq!(invariants(&w, &st, joined), Ok(()));
    for m in moves {
        if st.status == CaseStatus::Closed {
            break;
        }
        w.now += chrono::TimeDelta::hours(5);
        let (who, action) = action_of(&w, &st, m);
        let before = st.clone();
        match w.act(&mut st, who, action.clone()) {
            Ok(ev) => {
                joined += full_arrivals(&ev);
                for e in &ev {
                    if let FlowEvent::JoinArrived {
                        arrived, needed, ..
                    } = e
                    {
                        prop_assert!(arrived <= needed, "{:?}", e);
                    }
                }
            }
            // (d) a refused action changes nothing.
            Err(_) => prop_assert_eq!(&st, &before),
        }
        prop_assert_eq!(
            invariants(&w, &st, joined),
            Ok(()),
            "after {:?} by {}",
            action,
            who
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_actions_keep_the_bench_case_sound(moves in moves()) {
        run_moves(World::bench(), &moves)?;
    }

    #[test]
    fn random_actions_keep_a_countersign_case_sound(moves in moves()) {
        run_moves(modes_world(), &moves)?;
    }
}

/// The same random walk, steered towards progress: mostly the holder completing, so cases
/// get deep into the process (and close) far more often than with uniform moves.
fn progressing_moves() -> impl Strategy<Value = Vec<Move>> {
    prop::collection::vec(
        (
            prop_oneof![
                12 => (0usize..2).prop_map(Op::Complete),
                2 => Just(Op::ReturnPrevious),
                2 => Just(Op::Withdraw),
                1 => any::<usize>().prop_map(Op::Transfer),
                1 => any::<usize>().prop_map(Op::AddSigner),
                1 => Just(Op::RemoveSigner),
            ],
            any::<usize>(),
        )
            .prop_map(|(op, task)| Move {
                op,
                task,
                by_holder: true,
                by: 0,
            }),
        1..120,
    )
}

/// Points a move at a pending task (the tasks still to be done), when there is one.
fn towards_pending(st: &CaseState, m: &Move) -> Move {
    let pending: Vec<usize> = st
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.state == TaskState::Open)
        .map(|(i, _)| i)
        .collect();
    let mut m = m.clone();
    if !pending.is_empty() && !matches!(m.op, Op::Withdraw) {
        m.task = pending[m.task % pending.len()];
    }
    m
}

fn run_progressing(mut w: World, moves: &[Move]) -> Result<bool, TestCaseError> {
    let (mut st, ev) = w.start();
    let mut joined = full_arrivals(&ev);
    for m in moves {
        if st.status == CaseStatus::Closed {
            break;
        }
        w.now += chrono::TimeDelta::hours(3);
        let m = towards_pending(&st, m);
        let (who, action) = action_of(&w, &st, &m);
        let before = st.clone();
        match w.act(&mut st, who, action.clone()) {
            Ok(ev) => joined += full_arrivals(&ev),
            Err(_) => prop_assert_eq!(&st, &before),
        }
        prop_assert_eq!(
            invariants(&w, &st, joined),
            Ok(()),
            "after {:?} by {}",
            action,
            who
        );
    }
    Ok(st.status == CaseStatus::Closed)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn progressing_actions_keep_the_bench_case_sound(moves in progressing_moves()) {
        run_progressing(World::bench(), &moves)?;
    }

    #[test]
    fn progressing_actions_keep_a_countersign_case_sound(moves in progressing_moves()) {
        run_progressing(modes_world(), &moves)?;
    }
}
