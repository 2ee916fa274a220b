//! Process definitions (流程定义) as data: their TOML form and their validation.
//!
//! A definition is a graph of steps (环节). Shipped defaults live in `processes/*.toml`; an
//! administrator may store a unit's own version. Validation runs on load and names the file,
//! the step and the problem, in Chinese, because the reader is an administrator.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use super::Value;
use super::kinds::ItemKind;
use crate::org::BUILTIN_POSITIONS;

/// A process definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessDef {
    /// Stable key, e.g. `internal_request`: what items refer to.
    pub key: String,
    /// Its name in Chinese, e.g. 内部事项审批.
    pub name: String,
    /// The kind of item that runs it, e.g. `internal`.
    pub item_kind: ItemKind,
    /// The whole case's limit in working days, if any.
    #[serde(default)]
    pub deadline_days: Option<u32>,
    /// The escalation ladder for every deadline of the process.
    #[serde(default)]
    pub ladder: Ladder,
    /// The steps, the first of kind `start` being where a case begins.
    pub steps: Vec<StepDef>,
}

/// When warnings and cards fall, relative to a deadline (电子监察).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ladder {
    /// Working days before the deadline at which a due-soon warning is given (0: none).
    #[serde(default = "one")]
    pub due_soon_days: u32,
    /// Working days past the deadline after which a yellow card becomes a red card.
    #[serde(default = "three")]
    pub red_after_days: u32,
    /// For a limit in working hours: the working hours before it at which the due-soon warning
    /// is given instead (0: the day rule above). A four-hour limit never spans a whole working
    /// day before its end, so the day rule would give no warning.
    #[serde(default)]
    pub due_soon_hours: u32,
}

impl Default for Ladder {
    fn default() -> Ladder {
        Ladder {
            due_soon_days: 1,
            red_after_days: 3,
            due_soon_hours: 0,
        }
    }
}

fn one() -> u32 {
    1
}
fn three() -> u32 {
    3
}

/// What a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Where a case begins (the starter's own step, e.g. 拟稿).
    Start,
    /// Work for one or more posts, blocking until done.
    Task,
    /// 传阅 / 待阅: posts are asked to read; the flow goes on at once.
    Read,
    /// An exclusive gateway on item fields and the last decision.
    Exclusive,
    /// A parallel split: every branch is entered.
    Split,
    /// A parallel join: goes on once every incoming branch arrived.
    Join,
    /// 分送: one child case per recipient unit; goes on when all have closed.
    Fanout,
    /// The case ends.
    End,
}

impl StepKind {
    /// Whether a person acts at this step.
    pub fn is_human(self) -> bool {
        matches!(self, StepKind::Start | StepKind::Task | StepKind::Read)
    }
}

/// How the tasks of a task step complete it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// One holder; if the rule finds several, the first to act decides (like `any`).
    #[default]
    Single,
    /// 会签: every assignee acts.
    All,
    /// 或签: the first to act decides.
    Any,
    /// 依次: one after another, in order.
    Sequence,
    /// 按比例: done when a share of assignees acted.
    Ratio,
}

impl Mode {
    /// The mode's Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Single => "单人办理",
            Mode::All => "会签",
            Mode::Any => "或签",
            Mode::Sequence => "依次审批",
            Mode::Ratio => "按比例会签",
        }
    }
}

/// Where a case goes after a returned step is done again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterReturn {
    /// The returned-to step flows on normally.
    #[default]
    FlowOn,
    /// It jumps straight back to the step that returned it.
    BackToReturner,
    /// The returner chooses when returning.
    Choose,
}

/// The unit an assignee rule starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitAnchor {
    /// `starter` (the starting post's unit), `case` (the unit the case belongs to), or
    /// `field:<name>` (a unit id held in an item field, e.g. the lead unit).
    #[serde(default = "starter")]
    pub from: String,
    /// How many levels up the tree from there (1: the parent unit).
    #[serde(default)]
    pub up: u32,
    /// Then the child unit of this kind, e.g. `office` for "the parent unit's office".
    #[serde(default)]
    pub child: Option<String>,
}

fn starter() -> String {
    "starter".to_owned()
}

impl Default for UnitAnchor {
    fn default() -> UnitAnchor {
        UnitAnchor {
            from: starter(),
            up: 0,
            child: None,
        }
    }
}

/// Who holds a step (assignees by rule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum AssigneeRule {
    /// A named post.
    Post {
        /// The post's id.
        post: i64,
    },
    /// The posts of a position in a unit found relative to the case.
    Position {
        /// The position's code, e.g. `section_chief`.
        position: String,
        /// Which unit.
        #[serde(default)]
        unit: UnitAnchor,
    },
    /// The post that started the case.
    Starter,
    /// Posts listed in an item field.
    Field {
        /// The field's name.
        field: String,
    },
    /// Chosen by the previous actor from the posts another rule allows.
    Chosen {
        /// The allowed set.
        from: Box<AssigneeRule>,
    },
}

/// A route of an exclusive gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// The step to go to.
    pub to: String,
    /// The condition; none means "otherwise".
    #[serde(default)]
    pub when: Option<Condition>,
}

/// A condition on an item field (or `decision`, the last step's decision).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The field's name.
    pub field: String,
    /// The comparison.
    pub op: Op,
    /// The value compared with.
    pub value: Value,
}

/// A comparison of a condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less or equal.
    Le,
    /// The field (a list) contains the value, or the field equals one of the value (a list).
    In,
}

/// One step of a process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    /// Stable id within the process, e.g. `check`.
    pub id: String,
    /// Its name in Chinese, e.g. 核稿.
    pub name: String,
    /// What it is.
    pub kind: StepKind,
    /// The step after it (all kinds but split, exclusive and end).
    #[serde(default)]
    pub next: Option<String>,
    /// A split's branches.
    #[serde(default)]
    pub branches: Vec<String>,
    /// An exclusive gateway's routes, tried in order.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// How tasks complete the step.
    #[serde(default)]
    pub mode: Mode,
    /// For `mode = "ratio"`: the share of assignees that completes the step, in (0, 1].
    #[serde(default)]
    pub ratio: Option<f64>,
    /// Who holds it (task and read steps).
    #[serde(default)]
    pub assignee: Option<AssigneeRule>,
    /// The decisions an actor may give; the first is the default.
    #[serde(default)]
    pub decisions: Vec<String>,
    /// What the step asks the actor to write, as the opinion box is labelled (拟办意见, 批示,
    /// 承办结果, 核稿意见, 签发意见 …); without it the box is a plain 办理意见 or 说明.
    #[serde(default)]
    pub opinion: Option<String>,
    /// The step is a leader's decision on the item (批示, 签发): its open tasks are listed in the
    /// holder's 领导批示 block on the workbench.
    #[serde(default)]
    pub instruction: bool,
    /// A limit in working days from entering the step.
    #[serde(default)]
    pub deadline_days: Option<u32>,
    /// A limit in working hours from entering the step.
    #[serde(default)]
    pub deadline_hours: Option<u32>,
    /// Whether an actor here may return the case to an earlier step.
    #[serde(default = "yes")]
    pub returnable: bool,
    /// Where the case goes after a step this one returned to is done again.
    #[serde(default)]
    pub after_return: AfterReturn,
    /// Who approves an extension of this step's deadline (default: the starter).
    #[serde(default)]
    pub extension_approver: Option<AssigneeRule>,
    /// A fan-out's child process key.
    #[serde(default)]
    pub child_process: Option<String>,
    /// A fan-out's item field holding the recipient unit ids.
    #[serde(default)]
    pub recipients_field: Option<String>,
}

fn yes() -> bool {
    true
}

/// A definition that failed validation: which file, which step, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("流程定义 {file}{}：{problem}", step.as_ref().map(|s| format!(" 环节「{s}」")).unwrap_or_default())]
pub struct DefError {
    /// The file (or the stored definition's name).
    pub file: String,
    /// The step at fault, if one.
    pub step: Option<String>,
    /// The problem, in Chinese.
    pub problem: String,
}

/// The decisions given when a step names none.
pub const DEFAULT_DECISIONS: [&str; 2] = ["同意", "不同意"];

/// The decision of the start step (the starter submits), unless it names its own.
pub const SUBMIT_DECISION: &str = "提交";

/// The decision of a read task (传阅).
pub const READ_DECISION: &str = "阅";

/// Decisions that count as disagreement when a countersign aggregates its tasks.
pub const DISSENT: [&str; 2] = ["不同意", "退回"];

impl ProcessDef {
    /// Parses and validates a definition. `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<ProcessDef, DefError> {
        let def: ProcessDef = toml::from_str(text).map_err(|e| DefError {
            file: file.to_owned(),
            step: failing_step(text, e.message()),
            problem: format!("格式错误：{}", e.message()),
        })?;
        def.validate(file)?;
        Ok(def)
    }

    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// The start step (validation guarantees exactly one).
    pub fn start(&self) -> Option<&StepDef> {
        self.steps.iter().find(|s| s.kind == StepKind::Start)
    }

    /// The steps a step leads to.
    pub fn successors(step: &StepDef) -> Vec<&str> {
        match step.kind {
            StepKind::Split => step.branches.iter().map(String::as_str).collect(),
            StepKind::Exclusive => step.routes.iter().map(|r| r.to.as_str()).collect(),
            StepKind::End => Vec::new(),
            _ => step.next.iter().map(String::as_str).collect(),
        }
    }

    /// How many edges lead into a step.
    pub fn incoming(&self, id: &str) -> usize {
        self.steps
            .iter()
            .map(|s| Self::successors(s).iter().filter(|t| **t == id).count())
            .sum()
    }

    /// The decisions allowed at a step.
    pub fn decisions(step: &StepDef) -> Vec<String> {
        if step.kind == StepKind::Read {
            return vec![READ_DECISION.to_owned()];
        }
        if step.decisions.is_empty() && step.kind == StepKind::Start {
            vec![SUBMIT_DECISION.to_owned()]
        } else if step.decisions.is_empty() {
            DEFAULT_DECISIONS.iter().map(|d| (*d).to_owned()).collect()
        } else {
            step.decisions.clone()
        }
    }

    /// Checks the whole graph; the first problem found is returned.
    pub fn validate(&self, file: &str) -> Result<(), DefError> {
        let err = |step: Option<&str>, problem: String| DefError {
            file: file.to_owned(),
            step: step.map(str::to_owned),
            problem,
        };
        if self.key.trim().is_empty()
            || !self
                .key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(err(None, "key 须为字母、数字或下划线".into()));
        }
        if self.name.trim().is_empty() {
            return Err(err(None, "缺少流程名称 name".into()));
        }
        let mut ids = BTreeSet::new();
        for s in &self.steps {
            if s.id.trim().is_empty() {
                return Err(err(None, "有环节缺少 id".into()));
            }
            if !ids.insert(s.id.as_str()) {
                return Err(err(Some(&s.id), "环节 id 重复".into()));
            }
            if s.name.trim().is_empty() {
                return Err(err(Some(&s.id), "缺少环节名称 name".into()));
            }
        }
        let starts: Vec<&StepDef> = self
            .steps
            .iter()
            .filter(|s| s.kind == StepKind::Start)
            .collect();
        if starts.len() != 1 {
            return Err(err(
                starts.get(1).map(|s| s.id.as_str()),
                format!("须有且只有一个开始环节（现有 {} 个）", starts.len()),
            ));
        }
        if !self.steps.iter().any(|s| s.kind == StepKind::End) {
            return Err(err(None, "缺少结束环节".into()));
        }
        for s in &self.steps {
            self.validate_step(s).map_err(|p| err(Some(&s.id), p))?;
        }
        // Every step is reachable from the start.
        let start = starts[0].id.as_str();
        let reach = self.reachable_from(start);
        for s in &self.steps {
            if !reach.contains(s.id.as_str()) {
                return Err(err(Some(&s.id), "从开始环节无法到达（不可达环节）".into()));
            }
        }
        // Every step can reach an end.
        for s in &self.steps {
            let from_here = self.reachable_from(&s.id);
            if !from_here
                .iter()
                .any(|id| self.step(id).is_some_and(|t| t.kind == StepKind::End))
            {
                return Err(err(Some(&s.id), "无法到达任何结束环节（死路）".into()));
            }
        }
        // A join needs several incoming branches and a split upstream.
        for s in self.steps.iter().filter(|s| s.kind == StepKind::Join) {
            if self.incoming(&s.id) < 2 {
                return Err(err(
                    Some(&s.id),
                    "汇聚环节须有至少两条进入的分支（有汇聚无分支）".into(),
                ));
            }
            let has_split = self
                .steps
                .iter()
                .filter(|t| t.kind == StepKind::Split)
                .any(|t| self.reachable_from(&t.id).contains(s.id.as_str()));
            if !has_split {
                return Err(err(
                    Some(&s.id),
                    "汇聚环节之前没有并行分支环节（有汇聚无分支）".into(),
                ));
            }
        }
        for s in self.steps.iter().filter(|s| s.kind == StepKind::Split) {
            let joined = self
                .reachable_from(&s.id)
                .iter()
                .any(|id| self.step(id).is_some_and(|t| t.kind == StepKind::Join));
            if !joined {
                return Err(err(Some(&s.id), "并行分支之后没有汇聚环节".into()));
            }
        }
        Ok(())
    }

    fn validate_step(&self, s: &StepDef) -> Result<(), String> {
        let known = |id: &str| -> Result<(), String> {
            if self.step(id).is_some() {
                Ok(())
            } else {
                Err(format!("指向不存在的环节「{id}」"))
            }
        };
        match s.kind {
            StepKind::End => {
                if s.next.is_some() || !s.branches.is_empty() || !s.routes.is_empty() {
                    return Err("结束环节不能有后续环节".into());
                }
            }
            StepKind::Split => {
                if s.branches.len() < 2 {
                    return Err("并行分支环节须有至少两个分支 branches".into());
                }
                for b in &s.branches {
                    known(b)?;
                }
            }
            StepKind::Exclusive => {
                if s.routes.is_empty() {
                    return Err("条件分支环节须有路由 routes".into());
                }
                for r in &s.routes {
                    known(&r.to)?;
                    if let Some(c) = &r.when
                        && c.field.trim().is_empty()
                    {
                        return Err("条件缺少字段名 field".into());
                    }
                }
                if !s.routes.iter().any(|r| r.when.is_none()) {
                    return Err("条件分支环节须有一条无条件的默认路由".into());
                }
            }
            _ => {
                let next = s.next.as_deref().ok_or("缺少后续环节 next")?;
                known(next)?;
                if next == s.id {
                    return Err("后续环节不能是自身".into());
                }
            }
        }
        if matches!(s.kind, StepKind::Task | StepKind::Read) {
            let rule = s.assignee.as_ref().ok_or("缺少办理人规则 assignee")?;
            check_rule(rule)?;
        } else if s.assignee.is_some() && s.kind != StepKind::Start {
            return Err("只有办理和传阅环节可以设置办理人规则".into());
        }
        if let Some(rule) = &s.extension_approver {
            check_rule(rule)?;
        }
        if s.mode == Mode::Ratio {
            match s.ratio {
                Some(r) if r > 0.0 && r <= 1.0 => {}
                _ => return Err("按比例会签须设置 ratio，取值大于 0 且不超过 1".into()),
            }
        } else if s.ratio.is_some() {
            return Err("只有按比例会签（mode = \"ratio\"）可以设置 ratio".into());
        }
        if s.deadline_days.is_some() && s.deadline_hours.is_some() {
            return Err("deadline_days 与 deadline_hours 只能设置一个".into());
        }
        if s.kind == StepKind::Fanout {
            let child = s.child_process.as_deref().unwrap_or("");
            if child.trim().is_empty() {
                return Err("分送环节须设置子流程 child_process".into());
            }
            if s.recipients_field
                .as_deref()
                .unwrap_or("")
                .trim()
                .is_empty()
            {
                return Err("分送环节须设置收文单位字段 recipients_field".into());
            }
        }
        if s.kind == StepKind::Task && s.decisions.iter().any(|d| d.trim().is_empty()) {
            return Err("决定 decisions 不能为空字符串".into());
        }
        Ok(())
    }

    /// The steps reachable from a step, itself included.
    pub(crate) fn reachable_from(&self, from: &str) -> BTreeSet<&str> {
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from([from]);
        while let Some(id) = queue.pop_front() {
            let Some(step) = self.step(id) else { continue };
            if !seen.insert(step.id.as_str()) {
                continue;
            }
            for next in Self::successors(step) {
                queue.push_back(next);
            }
        }
        seen
    }
}

/// The id of the step a format error is in: the first step that fails to read on its own with
/// the same message (an unknown `rule`, a misspelt key). None when the error is elsewhere.
fn failing_step(text: &str, message: &str) -> Option<String> {
    let table: toml::Table = toml::from_str(text).ok()?;
    let steps = table.get("steps")?.as_array()?;
    steps.iter().find_map(|s| {
        let e = s.clone().try_into::<StepDef>().err()?;
        (e.message() == message).then(|| {
            s.get("id")
                .and_then(toml::Value::as_str)
                .unwrap_or("?")
                .to_owned()
        })
    })
}

fn check_rule(rule: &AssigneeRule) -> Result<(), String> {
    match rule {
        AssigneeRule::Post { post } if *post <= 0 => Err("办理人规则 post 须为岗位编号".into()),
        AssigneeRule::Position { position, unit } => {
            if !BUILTIN_POSITIONS
                .iter()
                .any(|(code, _, _)| code == position)
            {
                return Err(format!("未知的职务「{position}」（办理人规则）"));
            }
            check_anchor(unit)
        }
        AssigneeRule::Field { field } if field.trim().is_empty() => {
            Err("办理人规则 field 缺少字段名".into())
        }
        AssigneeRule::Chosen { from } => {
            if matches!(**from, AssigneeRule::Chosen { .. }) {
                return Err("办理人规则 chosen 不能嵌套".into());
            }
            check_rule(from)
        }
        _ => Ok(()),
    }
}

fn check_anchor(a: &UnitAnchor) -> Result<(), String> {
    let from_ok = a.from == "starter"
        || a.from == "case"
        || a.from
            .strip_prefix("field:")
            .is_some_and(|f| !f.trim().is_empty());
    if !from_ok {
        return Err(format!(
            "未知的单位来源「{}」（可用 starter、case、field:字段名）",
            a.from
        ));
    }
    if let Some(kind) = &a.child
        && kind.parse::<crate::org::UnitKind>().is_err()
    {
        return Err(format!("未知的单位类型「{kind}」"));
    }
    Ok(())
}

/// A map of item fields, as the gateway conditions and assignee rules see them.
pub type Fields = BTreeMap<String, Value>;
