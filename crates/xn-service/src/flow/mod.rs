//! The flow engine's use cases: start a case, act on it, urge, and the timers behind the
//! escalation ladder.
//!
//! Every action reads the same way: authorize, lock the case, check its version, let the pure
//! engine (`xn_domain::flow`) compute the new state, find the holders of newly entered steps,
//! then write the state, the task projection, the timers and the events in the same
//! transaction. Actions go through a group-commit writer (`writer.rs`): durable before
//! acknowledged, several per commit under load. The writer computes a batch in memory and
//! writes each table once (`batch.rs`); what a batch cannot carry runs on the direct path, where
//! every write goes straight into the transaction.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::calendar::{Calendar, OfficeHours};
use xn_domain::flow::ladder::rungs;
use xn_domain::flow::{
    Acting, Action, AssigneeRule, CaseState, CaseStatus, Ctx, FlowError, FlowEvent, Need,
    ProcessDef, RunState, Task, Value,
};
use xn_domain::org::Permission;
use xn_store::Tx;
use xn_store::flow::{EventWrite, NewCase, TaskWrite};

use crate::areas::{self, StartedBy};
use crate::{Actor, Result, ServiceError, Services, ms, require};

pub mod admin;
mod batch;
mod ctx;
pub(crate) mod stored;
pub mod timers;
pub mod views;
mod writer;

use batch::{CaseInfo, Loaded, Work};
pub use ctx::{ActionOutcome, OpenTask, StartCase};
pub(crate) use ctx::{ActorRef, CaseCtx};
pub(crate) use timers::Fired;

pub use views::*;

/// Caches and the writer of the flow engine, held by the services.
#[derive(Default)]
pub(crate) struct FlowState {
    defs: RwLock<HashMap<i64, Arc<ProcessDef>>>,
    calendar: RwLock<Option<(Instant, Arc<Calendar>)>>,
    writer: OnceLock<writer::Writer>,
    cases: Mutex<batch::CaseCache>,
}

/// How long the calendar read for deadlines is reused before it is read again (a change saved
/// on this server clears it at once).
const CALENDAR_TTL: Duration = Duration::from_secs(10);

/// An idempotency key of a request, with the request's fingerprint.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    /// The client's key.
    pub key: String,
    /// A fingerprint of the request (method, path, body), to refuse a reused key.
    pub fingerprint: String,
}

impl IdempotencyKey {
    /// A key for a request described by `request` (method, path and body): the fingerprint is
    /// its SM3 hash.
    pub fn new(key: &str, request: &str) -> IdempotencyKey {
        use sm3::Digest;
        IdempotencyKey {
            key: key.trim().to_owned(),
            fingerprint: hex::encode(sm3::Sm3::digest(request.as_bytes())),
        }
    }
}

/// A change to a case's timers, as an action makes it.
#[derive(Debug, Clone)]
pub(crate) enum JobOp {
    /// Cancel the pending timers of a run (`None`: of every run).
    Cancel { run: Option<i64> },
    /// Arm (or move) a rung of a run (0: the case's own deadline).
    Arm {
        run: i64,
        rung: &'static str,
        at: i64,
    },
}

/// What the writer runs.
#[derive(Clone)]
pub(crate) enum Op {
    Start {
        actor: ActorRef,
        input: StartCase,
        by: StartedBy,
        idem: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    },
    Act {
        actor: ActorRef,
        case_id: i64,
        expected_version: Option<i64>,
        action: Action,
        idem: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    },
}

fn flow_error(e: FlowError) -> ServiceError {
    match e {
        FlowError::State(m) => ServiceError::Conflict {
            code: "flow.state",
            message: m,
        },
        FlowError::NotHolder(m) => ServiceError::Forbidden(m),
        FlowError::Invalid(m) => ServiceError::Invalid {
            field: None,
            message: m,
        },
        FlowError::Definition(m) => ServiceError::Conflict {
            code: "flow.definition",
            message: m,
        },
    }
}

fn stale(current: i64, expected: i64) -> ServiceError {
    ServiceError::Conflict {
        code: "flow.stale",
        message: format!(
            "该事项已被他人更新（您看到的是第 {expected} 版，现在是第 {current} 版），请刷新后再办理"
        ),
    }
}

impl Services {
    pub(crate) fn flow_writer(&self) -> &writer::Writer {
        self.inner
            .flow
            .writer
            .get_or_init(|| writer::Writer::start(Arc::downgrade(&self.inner), self.db()))
    }

    /// A case state this server wrote last, under its version (a guess to be checked).
    pub(crate) fn flow_cache_get(&self, id: i64) -> Option<Loaded> {
        self.inner.flow.cases.lock().ok()?.get_entry(id)
    }

    /// Remembers case states just committed.
    pub(crate) fn flow_cache_put(&self, entries: impl IntoIterator<Item = (i64, Loaded)>) {
        if let Ok(mut cache) = self.inner.flow.cases.lock() {
            for (id, loaded) in entries {
                cache.put_entry(id, loaded);
            }
        }
    }

    /// Forgets case states that may be stale.
    pub(crate) fn flow_cache_forget(&self, ids: impl IntoIterator<Item = i64>) {
        if let Ok(mut cache) = self.inner.flow.cases.lock() {
            cache.forget(ids);
        }
    }

    /// The calendar for counting deadlines (cached briefly).
    pub(crate) async fn flow_calendar(&self) -> Result<Arc<Calendar>> {
        if let Ok(guard) = self.inner.flow.calendar.read()
            && let Some((at, cal)) = guard.as_ref()
            && at.elapsed() < CALENDAR_TTL
        {
            return Ok(Arc::clone(cal));
        }
        let cal = self.calendar().await?;
        if let Ok(mut guard) = self.inner.flow.calendar.write() {
            *guard = Some((Instant::now(), Arc::clone(&cal)));
        }
        Ok(cal)
    }

    /// Forgets the cached calendar (after a save).
    pub(crate) fn forget_flow_calendar(&self) {
        if let Ok(mut guard) = self.inner.flow.calendar.write() {
            *guard = None;
        }
    }

    /// A stored definition, parsed once per process (versions never change).
    pub(crate) async fn process_def(&self, id: i64) -> Result<Arc<ProcessDef>> {
        if let Ok(guard) = self.inner.flow.defs.read()
            && let Some(def) = guard.get(&id)
        {
            return Ok(Arc::clone(def));
        }
        let row = xn_store::flow::find_process(self.db(), id).await?;
        let def = ProcessDef::parse(
            &format!("{}（第 {} 版）", row.key, row.version),
            &row.source,
        )
        .map_err(|e| ServiceError::Internal(anyhow::anyhow!("{e}")))?;
        let def = Arc::new(def);
        if let Ok(mut guard) = self.inner.flow.defs.write() {
            guard.insert(id, Arc::clone(&def));
        }
        Ok(def)
    }

    /// Starts a case of a generic process (内部事项, a unit's own process) for the acting post;
    /// durable when it returns. The processes of an area (发文, 收文, 督办事项 …) are refused
    /// here: their cases are started by the area's service, which writes the area's row with
    /// them.
    pub async fn start_case(
        &self,
        actor: &Actor,
        input: StartCase,
        idem: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        self.start_as(actor, input, StartedBy::Generic, idem, now)
            .await
    }

    /// Starts a case of an area's process for the area's service, for its row `link` (a
    /// document), through the writer like any start.
    pub(crate) async fn start_area_case(
        &self,
        actor: &Actor,
        input: StartCase,
        link: Option<i64>,
        idem: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        self.start_as(actor, input, StartedBy::Area { link }, idem, now)
            .await
    }

    async fn start_as(
        &self,
        actor: &Actor,
        input: StartCase,
        by: StartedBy,
        idem: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        require(actor, Permission::FlowWork)?;
        let actor = ActorRef::of(actor)?;
        self.flow_writer()
            .run(Op::Start {
                actor,
                input,
                by,
                idem,
                now,
            })
            .await
    }

    /// Applies an action to a case; durable when it returns. With `expected_version`, a case
    /// that moved since the actor saw it is a conflict.
    pub async fn act(
        &self,
        actor: &Actor,
        case_id: i64,
        expected_version: Option<i64>,
        action: Action,
        idem: Option<IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        require(actor, Permission::FlowWork)?;
        if matches!(action, Action::Handover { .. } | Action::ChildClosed { .. }) {
            return Err(ServiceError::invalid("action", "该操作不能直接提交"));
        }
        let actor = ActorRef::of(actor)?;
        self.flow_writer()
            .run(Op::Act {
                actor,
                case_id,
                expected_version,
                action,
                idem,
                now,
            })
            .await
    }

    /// A case's stored engine state as indented JSON, for inspection from the console (it is
    /// stored compressed).
    pub async fn case_state_json(&self, case_id: i64) -> Result<String> {
        let row = xn_store::flow::find_case(self.db(), case_id)
            .await
            .map_err(|e| match e {
                xn_store::StoreError::NotFound => ServiceError::NotFound("事项"),
                other => other.into(),
            })?;
        let value: serde_json::Value = serde_json::from_slice(&stored::json_of(&row.state)?)
            .map_err(|e| ServiceError::Internal(e.into()))?;
        serde_json::to_string_pretty(&value).map_err(|e| ServiceError::Internal(e.into()))
    }

    /// The case and number of a task, for actions addressed by task id.
    pub async fn task_ref(&self, task_id: i64) -> Result<(i64, u32)> {
        let t = xn_store::flow::find_task(self.db(), task_id)
            .await
            .map_err(ServiceError::missing("待办"))?;
        Ok((t.case_id, crate::exact("a task's number", t.task_no)?))
    }

    /// Runs one queued operation inside the writer's transaction.
    pub(crate) async fn run_op(&self, w: &mut Work<'_>, op: &Op) -> Result<ActionOutcome> {
        match op {
            Op::Start {
                actor,
                input,
                by,
                idem,
                now,
            } => {
                let now = *now;
                if let Some(stored) = self.claim_idem(w, actor, idem.as_ref(), now).await? {
                    return Ok(stored);
                }
                let out = self.start_in(w, actor, None, input, *by, None, now).await?;
                self.store_idem(w, actor, idem.as_ref(), &out).await?;
                Ok(out)
            }
            Op::Act {
                actor,
                case_id,
                expected_version,
                action,
                idem,
                now,
            } => {
                let now = *now;
                if let Some(stored) = self.claim_idem(w, actor, idem.as_ref(), now).await? {
                    return Ok(stored);
                }
                let out = self
                    .act_in(w, actor, *case_id, *expected_version, action, now)
                    .await?;
                self.store_idem(w, actor, idem.as_ref(), &out).await?;
                Ok(out)
            }
        }
    }

    async fn claim_idem(
        &self,
        w: &mut Work<'_>,
        actor: &ActorRef,
        idem: Option<&IdempotencyKey>,
        now: DateTime<Utc>,
    ) -> Result<Option<ActionOutcome>> {
        let Some(k) = idem else { return Ok(None) };
        if k.key.is_empty() || k.key.len() > 200 {
            return Err(ServiceError::invalid(
                "Idempotency-Key",
                "Idempotency-Key 须为 1–200 个字符",
            ));
        }
        let found = if w.buffered() {
            // The batch writes the key with its answer once the batch is computed.
            w.find_key(actor.person_id, &k.key, &k.fingerprint, ms(now))
                .await?
        } else {
            xn_store::flow::claim_idempotency_key(
                w.tx().await?,
                actor.person_id,
                &k.key,
                &k.fingerprint,
                ms(now),
            )
            .await?
        };
        match found {
            None => Ok(None),
            Some((hash, _)) if hash != k.fingerprint => Err(ServiceError::Conflict {
                code: "idempotency.mismatch",
                message: "该 Idempotency-Key 已用于另一个请求".into(),
            }),
            Some((_, response)) => {
                serde_json::from_str(&response)
                    .map(Some)
                    .map_err(|_| ServiceError::Conflict {
                        code: "idempotency.pending",
                        message: "该 Idempotency-Key 的请求尚未完成".into(),
                    })
            }
        }
    }

    async fn store_idem(
        &self,
        w: &mut Work<'_>,
        actor: &ActorRef,
        idem: Option<&IdempotencyKey>,
        out: &ActionOutcome,
    ) -> Result<()> {
        if let Some(k) = idem
            && !w.buffered()
        {
            let text = serde_json::to_string(out).map_err(|e| ServiceError::Internal(e.into()))?;
            xn_store::flow::store_idempotent_response(
                w.tx().await?,
                actor.person_id,
                &k.key,
                &text,
            )
            .await?;
        }
        Ok(())
    }

    /// The process a unit uses for a key: the nearest unit up the tree with its own version,
    /// else the shipped default.
    async fn process_for(
        &self,
        key: &str,
        unit_id: i64,
        tx: &mut Tx,
    ) -> Result<xn_store::flow::ProcessRow> {
        let mut unit = Some(unit_id);
        let mut depth = 0;
        while let Some(u) = unit {
            if let Some(row) = xn_store::flow::latest_process(self.db(), key, Some(u)).await? {
                return Ok(row);
            }
            unit = xn_store::flow::parent_unit(tx, u).await?;
            depth += 1;
            if depth > 64 {
                break;
            }
        }
        xn_store::flow::latest_process(self.db(), key, None)
            .await?
            .ok_or_else(|| ServiceError::invalid("process", format!("没有流程「{key}」")))
    }

    /// Starts an area's case inside the caller's transaction (the direct path), for areas that
    /// create cases as part of their own action (a document's delivery creates 收文 cases; 立项
    /// opens a supervision item's case), for the area's row `link` when it exists already.
    /// `owner`, when given, is the post the case belongs to as its starter (a 收文 delivered to
    /// a unit belongs to that unit's registry clerk), while the events still name `actor`, who
    /// did it.
    #[expect(
        clippy::too_many_arguments,
        reason = "one start, as the area asks for it"
    )]
    pub(crate) async fn start_in_tx(
        &self,
        tx: &mut Tx,
        actor: &ActorRef,
        owner: Option<i64>,
        input: &StartCase,
        link: Option<i64>,
        parent: Option<(i64, i64, i64)>,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        Box::pin(self.start_in(
            &mut batch::Work::direct(tx),
            actor,
            owner,
            input,
            StartedBy::Area { link },
            parent,
            now,
        ))
        .await
    }

    /// Applies an action inside a caller's transaction (the direct path), for areas whose own
    /// action moves a case (a supervision item's new lead post takes over its open work).
    pub(crate) async fn act_in_tx(
        &self,
        tx: &mut Tx,
        actor: &ActorRef,
        case_id: i64,
        action: &Action,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        Box::pin(self.act_in(
            &mut batch::Work::direct(tx),
            actor,
            case_id,
            None,
            action,
            now,
        ))
        .await
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one start, as the writer or an area asks"
    )]
    pub(crate) async fn start_in(
        &self,
        w: &mut Work<'_>,
        actor: &ActorRef,
        owner: Option<i64>,
        input: &StartCase,
        by: StartedBy,
        parent: Option<(i64, i64, i64)>,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        // The case's starter: its owner when given, else whoever starts it.
        let starter = owner.unwrap_or(actor.post_id);
        let title = input.title.trim();
        if title.is_empty() {
            return Err(ServiceError::invalid("title", "请填写标题"));
        }
        if title.chars().count() > 200 {
            return Err(ServiceError::invalid("title", "标题不能超过 200 字"));
        }
        if input.body.chars().count() > 50_000 {
            return Err(ServiceError::invalid("body", "正文不能超过 5 万字"));
        }
        let (starter_unit, _) = xn_store::flow::post_unit(w.tx().await?, starter)
            .await?
            .ok_or(ServiceError::NotFound("身份"))?;
        // A fan-out child belongs to its recipient unit.
        let unit_id = parent.map_or(starter_unit, |(_, _, unit)| unit);
        let row = self
            .process_for(&input.process, unit_id, w.tx().await?)
            .await?;
        let def = self.process_def(row.id).await?;
        let link = match by {
            StartedBy::Area { link } => link,
            StartedBy::Generic if areas::generic_start(def.item_kind) => None,
            StartedBy::Generic => {
                return Err(ServiceError::Forbidden(format!(
                    "「{}」是{}的流程，只能在{}中发起",
                    def.name,
                    areas::label(def.item_kind),
                    areas::label(def.item_kind),
                )));
            }
        };
        if w.buffered() && !areas::batched(def.item_kind) {
            // Routed to the direct path before the lane takes it (see the writer); kept as the
            // guard for a start reaching a batch anyway.
            return Err(batch::needs_direct());
        }
        let cal = self.flow_calendar().await?;
        let hours = OfficeHours::default();
        let ctx = Ctx {
            def: &def,
            cal: &cal,
            hours: &hours,
            fields: &input.fields,
            now,
        };
        let (mut state, mut events) =
            CaseState::start(&ctx, starter, &input.choices).map_err(flow_error)?;
        let fields_json =
            serde_json::to_string(&input.fields).map_err(|e| ServiceError::Internal(e.into()))?;
        let fields = Arc::new(input.fields.clone());
        if w.buffered() {
            // The batch computes everything before the row exists, so a refusal leaves no row
            // behind. Holders are resolved without the case's id (only a fan-out needs it, and
            // a fan-out runs on the direct path).
            let case = CaseCtx {
                id: 0,
                unit_id,
                starter,
                fields: Arc::clone(&fields),
                link,
            };
            events.extend(
                self.resolve_needs(w, &ctx, &case, &mut state, actor, now)
                    .await?,
            );
            let first = start_events(&state, events, starter);
            let state_bytes = stored::encode(&state)?;
            let case_id = xn_store::flow::insert_case_with_state(
                w.tx().await?,
                &NewCase {
                    process_id: row.id,
                    item_kind: def.item_kind.code(),
                    title,
                    body: &input.body,
                    fields: &fields_json,
                    unit_id,
                    starter_post_id: starter,
                    parent_case_id: parent.map(|(p, _, _)| p),
                    parent_run: parent.map(|(_, r, _)| r),
                    status: state.status.code(),
                    state: &state_bytes,
                    due_date: state.due.as_ref().map(|d| d.date.to_string()),
                },
                ms(now),
            )
            .await?;
            let case = CaseCtx {
                id: case_id,
                ..case
            };
            let empty = CaseState {
                runs: Vec::new(),
                tasks: Vec::new(),
                ..state.clone()
            };
            let state = Arc::new(state);
            w.started(
                case_id,
                Loaded {
                    version: 1,
                    info: Arc::new(CaseInfo {
                        process_id: row.id,
                        unit_id,
                        starter,
                        parent_case_id: parent.map(|(p, _, _)| p),
                        fields,
                    }),
                    state: Arc::clone(&state),
                    task_ids: Arc::default(),
                },
                now,
            );
            let (version, ids) = self
                .persist(
                    w,
                    &def,
                    &cal,
                    &case,
                    1,
                    &empty,
                    &state,
                    &first,
                    actor,
                    now,
                    Some(title),
                )
                .await?;
            return Ok(outcome(case_id, version, &state, &first, &ids));
        }
        let initial = stored::encode(&state)?;
        let case_id = xn_store::flow::insert_case(
            w.tx().await?,
            &NewCase {
                process_id: row.id,
                item_kind: def.item_kind.code(),
                title,
                body: &input.body,
                fields: &fields_json,
                unit_id,
                starter_post_id: starter,
                parent_case_id: parent.map(|(p, _, _)| p),
                parent_run: parent.map(|(_, r, _)| r),
                status: state.status.code(),
                state: &initial,
                due_date: state.due.as_ref().map(|d| d.date.to_string()),
            },
            ms(now),
        )
        .await?;
        let case = CaseCtx {
            id: case_id,
            unit_id,
            starter,
            fields,
            link,
        };
        events.extend(
            self.resolve_needs(w, &ctx, &case, &mut state, actor, now)
                .await?,
        );
        let empty = CaseState {
            runs: Vec::new(),
            tasks: Vec::new(),
            ..state.clone()
        };
        let first = start_events(&state, events, starter);
        let state = Arc::new(state);
        let (version, ids) = self
            .persist(
                w,
                &def,
                &cal,
                &case,
                1,
                &empty,
                &state,
                &first,
                actor,
                now,
                Some(title),
            )
            .await?;
        self.on_area_flow(w.tx().await?, def.item_kind, &case, &first, actor, now)
            .await?;
        self.after_close(w, &case, &state, actor, now, parent.map(|(p, _, _)| p))
            .await?;
        Ok(outcome(case_id, version, &state, &first, &ids))
    }

    async fn act_in(
        &self,
        w: &mut Work<'_>,
        actor: &ActorRef,
        case_id: i64,
        expected: Option<i64>,
        action: &Action,
        now: DateTime<Utc>,
    ) -> Result<ActionOutcome> {
        let row = w.load(self, case_id, expected).await?;
        if let Some(v) = expected
            && v != row.version
        {
            return Err(stale(row.version, v));
        }
        let def = self.process_def(row.info.process_id).await?;
        if w.buffered() && !areas::batched(def.item_kind) {
            // Routed to the direct path before the lane takes it (see the writer); kept as the
            // guard for an action reaching a batch anyway.
            return Err(batch::needs_direct());
        }
        let cal = self.flow_calendar().await?;
        let hours = OfficeHours::default();
        let before = Arc::clone(&row.state);
        let case = CaseCtx {
            id: case_id,
            unit_id: row.info.unit_id,
            starter: row.info.starter,
            fields: Arc::clone(&row.info.fields),
            link: None,
        };
        self.authorize_action(w, actor, &case, &before, &def, action)
            .await?;
        // Proxies matter only when the actor does not hold the task itself.
        let own = action_task(action)
            .and_then(|n| before.task(n))
            .is_some_and(|t| t.post == actor.post_id);
        let proxy_for = if own {
            Vec::new()
        } else {
            xn_store::flow::principals_of_tx(w.tx().await?, actor.post_id, ms(now)).await?
        };
        let acting = Acting {
            post: actor.post_id,
            proxy_for,
        };
        let ctx = Ctx {
            def: &def,
            cal: &cal,
            hours: &hours,
            fields: &row.info.fields,
            now,
        };
        let mut state = (*before).clone();
        let mut events = state.apply(&ctx, &acting, action).map_err(flow_error)?;
        events.extend(
            self.resolve_needs(w, &ctx, &case, &mut state, actor, now)
                .await?,
        );
        let state = Arc::new(state);
        let (version, ids) = self
            .persist(
                w,
                &def,
                &cal,
                &case,
                row.version,
                &before,
                &state,
                &events,
                actor,
                now,
                None,
            )
            .await?;
        self.on_area_flow(w.tx().await?, def.item_kind, &case, &events, actor, now)
            .await?;
        if before.status != CaseStatus::Closed {
            self.after_close(w, &case, &state, actor, now, row.info.parent_case_id)
                .await?;
        }
        Ok(outcome(case_id, version, &state, &events, &ids))
    }

    /// Who may take case-level actions: pausing and resuming (the starter or a flow
    /// administrator), adding and removing signers (a holder in that run, or the starter),
    /// deciding an extension (the step's approver, by default the starter).
    async fn authorize_action(
        &self,
        w: &mut Work<'_>,
        actor: &ActorRef,
        case: &CaseCtx,
        state: &CaseState,
        def: &ProcessDef,
        action: &Action,
    ) -> Result<()> {
        let starter = actor.post_id == case.starter;
        let holds_in_run = |run: u32| {
            state
                .tasks
                .iter()
                .any(|t| t.run == run && t.post == actor.post_id && t.state.is_pending())
        };
        match action {
            Action::Pause { .. } | Action::Resume if !(starter || actor.flow_admin) => Err(
                ServiceError::Forbidden("只有发起人可以挂起或恢复事项".into()),
            ),
            Action::AddSigner { run, .. } if !(starter || holds_in_run(*run)) => Err(
                ServiceError::Forbidden("只有发起人或本环节办理人可以加签".into()),
            ),
            Action::RemoveSigner { task } => {
                let run = state.task(*task).map(|t| t.run).unwrap_or(0);
                if starter || holds_in_run(run) {
                    Ok(())
                } else {
                    Err(ServiceError::Forbidden(
                        "只有发起人或本环节办理人可以减签".into(),
                    ))
                }
            }
            Action::DecideExtension { run, .. } => {
                let step = state.run(*run).and_then(|r| def.step(&r.step));
                let approvers = match step.and_then(|s| s.extension_approver.clone()) {
                    Some(rule) => self.resolve_rule(w.tx().await?, &rule, case).await?,
                    None => vec![case.starter],
                };
                if approvers.contains(&actor.post_id) || actor.flow_admin {
                    Ok(())
                } else {
                    Err(ServiceError::Forbidden("您不是该环节延期的审批人".into()))
                }
            }
            _ => Ok(()),
        }
    }

    /// Finds holders for every run that needs them, and spawns fan-out children.
    async fn resolve_needs(
        &self,
        w: &mut Work<'_>,
        ctx: &Ctx<'_>,
        case: &CaseCtx,
        state: &mut CaseState,
        actor: &ActorRef,
        now: DateTime<Utc>,
    ) -> Result<Vec<FlowEvent>> {
        let mut events = Vec::new();
        for (run, need) in state.needs() {
            match need {
                Need::Rule { rule } => {
                    let posts = match rule_in_memory(&rule, case) {
                        Some(posts) => posts,
                        None => self.resolve_rule(w.tx().await?, &rule, case).await?,
                    };
                    events.extend(state.assign(ctx, run, &posts).map_err(flow_error)?);
                }
                Need::Chosen { allowed, picked } => {
                    let allowed_posts = match rule_in_memory(&allowed, case) {
                        Some(posts) => posts,
                        None => self.resolve_rule(w.tx().await?, &allowed, case).await?,
                    };
                    if let Some(bad) = picked.iter().find(|p| !allowed_posts.contains(p)) {
                        return Err(ServiceError::invalid(
                            "choices",
                            format!("所选办理人（岗位 {bad}）不在可选范围内"),
                        ));
                    }
                    events.extend(state.assign(ctx, run, &picked).map_err(flow_error)?);
                }
                Need::Children { process, units } => {
                    if w.buffered() {
                        // Children are rows whose ids the parent's state records.
                        return Err(batch::needs_direct());
                    }
                    let mut children = Vec::new();
                    for unit in units {
                        let title = format!(
                            "{}（分送）",
                            self.case_title(w.tx().await?, case.id)
                                .await
                                .unwrap_or_default()
                        );
                        let input = StartCase {
                            process: process.clone(),
                            title,
                            body: String::new(),
                            fields: (*case.fields).clone(),
                            choices: BTreeMap::new(),
                        };
                        let child = Box::pin(self.start_in(
                            w,
                            actor,
                            None,
                            &input,
                            StartedBy::Generic,
                            Some((case.id, i64::from(run), unit)),
                            now,
                        ))
                        .await?;
                        children.push((child.case_id, unit));
                    }
                    events.extend(state.link_children(run, &children).map_err(flow_error)?);
                }
            }
        }
        Ok(events)
    }

    async fn case_title(&self, tx: &mut Tx, case_id: i64) -> Result<String> {
        Ok(xn_store::flow::lock_case(tx, case_id)
            .await
            .map(|r| r.title)
            .unwrap_or_default())
    }

    /// The posts an assignee rule names for a case.
    pub(crate) async fn resolve_rule(
        &self,
        tx: &mut Tx,
        rule: &AssigneeRule,
        case: &CaseCtx,
    ) -> Result<Vec<i64>> {
        if let Some(posts) = rule_in_memory(rule, case) {
            return Ok(posts);
        }
        Ok(match rule {
            AssigneeRule::Post { post } => match xn_store::flow::post_unit(tx, *post).await? {
                Some((_, active)) if active != 0 => vec![*post],
                _ => Vec::new(),
            },
            // Answered in memory above.
            AssigneeRule::Starter | AssigneeRule::Field { .. } => Vec::new(),
            AssigneeRule::Chosen { from } => Box::pin(self.resolve_rule(tx, from, case)).await?,
            AssigneeRule::Position { position, unit } => {
                let start = if unit.from == "starter" {
                    xn_store::flow::post_unit(tx, case.starter)
                        .await?
                        .map(|(u, _)| u)
                } else if unit.from == "case" {
                    Some(case.unit_id)
                } else if let Some(f) = unit.from.strip_prefix("field:") {
                    case.fields.get(f).and_then(|v| v.ints().first().copied())
                } else {
                    None
                };
                let mut at = start;
                for _ in 0..unit.up {
                    at = match at {
                        Some(u) => xn_store::flow::parent_unit(tx, u).await?,
                        None => None,
                    };
                }
                if let (Some(u), Some(kind)) = (at, unit.child.as_deref()) {
                    at = xn_store::flow::child_unit_of_kind(tx, u, kind).await?;
                }
                match at {
                    Some(u) => xn_store::flow::posts_with_position(tx, u, position).await?,
                    None => Vec::new(),
                }
            }
        })
    }

    /// Writes a case's new state: the row (version-checked), the changed tasks, the timers of
    /// the changed runs, and the events. On the batch path they are buffered instead, and the
    /// task ids come with the batch's write.
    #[expect(
        clippy::too_many_arguments,
        reason = "one write of everything an action changed"
    )]
    async fn persist(
        &self,
        w: &mut Work<'_>,
        def: &Arc<ProcessDef>,
        cal: &Calendar,
        case: &CaseCtx,
        version: i64,
        before: &CaseState,
        after: &Arc<CaseState>,
        events: &[FlowEvent],
        actor: &ActorRef,
        now: DateTime<Utc>,
        first: Option<&str>,
    ) -> Result<(i64, HashMap<i64, i64>)> {
        let tasks = changed_tasks(before, after);
        let jobs = job_ops(def, cal, before, after, now, first.is_some());
        let row = event_row(events, first);
        if w.buffered() {
            let new_version = if first.is_some() { 1 } else { version + 1 };
            w.buffer(
                case.id,
                new_version,
                def,
                after,
                tasks,
                jobs,
                row,
                (actor.person_id, actor.post_id, actor.ip.as_deref()),
                now,
            )?;
            return Ok((new_version, HashMap::new()));
        }
        let state_bytes = stored::encode(after)?;
        let new_version = if first.is_some() {
            // Just inserted at version 1: write the resolved state.
            xn_store::flow::write_initial_state(
                w.tx().await?,
                case.id,
                &state_bytes,
                after.status.code(),
                after.due.as_ref().map(|d| d.date.to_string()),
            )
            .await?;
            1
        } else {
            xn_store::flow::update_case(
                w.tx().await?,
                case.id,
                version,
                &state_bytes,
                after.status.code(),
                after.due.as_ref().map(|d| d.date.to_string()),
                ms(now),
            )
            .await
            .map_err(|e| match e {
                xn_store::StoreError::Conflict(_) => stale(version + 1, version),
                other => other.into(),
            })?
        };
        let rows: Vec<TaskWrite<'_>> = tasks
            .iter()
            .filter_map(|&i| after.tasks.get(i))
            .map(|t| task_row(def, after, case.id, t))
            .collect();
        let mut ids: HashMap<i64, i64> = xn_store::flow::write_tasks(w.tx().await?, &rows)
            .await?
            .into_iter()
            .collect();
        // The outcome lists every open task with its id, those this action left alone too.
        if after.tasks.iter().any(|t| {
            t.state == xn_domain::flow::TaskState::Open && !ids.contains_key(&i64::from(t.no))
        }) {
            for (_, no, id) in xn_store::flow::task_ids(w.tx().await?, &[case.id]).await? {
                ids.insert(no, id);
            }
        }
        for op in jobs {
            match op {
                JobOp::Cancel { run } => {
                    xn_store::flow::cancel_jobs(w.tx().await?, case.id, run).await?;
                }
                JobOp::Arm { run, rung, at } => {
                    xn_store::flow::arm_job(w.tx().await?, case.id, run, rung, at).await?;
                }
            }
        }
        let subject = format!("case:{}", case.id);
        let rows: Vec<EventWrite<'_>> = row
            .iter()
            .map(|(kind, detail)| EventWrite {
                at: ms(now),
                kind,
                actor_person_id: Some(actor.person_id),
                actor_post_id: Some(actor.post_id),
                subject: &subject,
                detail,
                ip: actor.ip.as_deref(),
            })
            .collect();
        if !rows.is_empty() {
            xn_store::flow::insert_events(w.tx().await?, &rows).await?;
        }
        Ok((new_version, ids))
    }

    /// When a fan-out child closes, its parent hears of it in the same transaction.
    async fn after_close(
        &self,
        w: &mut Work<'_>,
        case: &CaseCtx,
        state: &CaseState,
        actor: &ActorRef,
        now: DateTime<Utc>,
        parent: Option<i64>,
    ) -> Result<()> {
        if state.status != CaseStatus::Closed {
            return Ok(());
        }
        let Some(parent_id) = parent else {
            return Ok(());
        };
        let prow = w.load(self, parent_id, None).await?;
        let Some(run) = prow
            .state
            .runs
            .iter()
            .find(|r| r.children.iter().any(|c| c.case_id == case.id))
            .map(|r| r.no)
        else {
            return Ok(());
        };
        let outcome = state.decision.clone().unwrap_or_else(|| "已办结".into());
        let system = ActorRef {
            flow_admin: true,
            ..actor.clone()
        };
        Box::pin(self.act_in(
            w,
            &system,
            parent_id,
            None,
            &Action::ChildClosed {
                run,
                case_id: case.id,
                outcome,
            },
            now,
        ))
        .await?;
        Ok(())
    }

    /// Urges the holder of a task (催办): recorded, counted on the task, delivered to the
    /// holder's notifications. Does not change the case (its version stays).
    pub async fn urge(
        &self,
        actor: &Actor,
        task_id: i64,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        require(actor, Permission::FlowWork)?;
        let me = ActorRef::of(actor)?;
        let message = message.trim();
        if message.is_empty() {
            return Err(ServiceError::invalid("message", "请填写催办内容"));
        }
        if message.chars().count() > 500 {
            return Err(ServiceError::invalid("message", "催办内容不能超过 500 字"));
        }
        let task = xn_store::flow::find_task(self.db(), task_id)
            .await
            .map_err(ServiceError::missing("待办"))?;
        if !matches!(task.state.as_str(), "open" | "waiting" | "delegated") {
            return Err(ServiceError::Conflict {
                code: "flow.state",
                message: "该待办已办理，无需催办".into(),
            });
        }
        if task.starter_post_id != me.post_id
            && !self.participated(me.post_id, task.case_id).await?
        {
            return Err(ServiceError::Forbidden("只有发起人或经办人可以催办".into()));
        }
        let mut tx = self.db().begin().await?;
        xn_store::flow::mark_urged(&mut tx, task_id, ms(now)).await?;
        let text = format!(
            "「{}」的「{}」被催办：{message}",
            task.title, task.step_name
        );
        xn_store::notifications::insert_notification(
            &mut tx,
            &xn_store::notifications::NewNotification {
                post_id: task.post_id,
                kind: "flow.urged",
                subject: Some(&format!("case:{}", task.case_id)),
                message: &text,
            },
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &crate::events::Audit { person_id: Some(me.person_id), post_id: Some(me.post_id), ip: me.ip.as_deref() },
            "flow.urged",
            Some(format!("case:{}", task.case_id)),
            json!({"task": task.task_no, "step": task.step_id, "post": task.post_id, "message": message}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn participated(&self, post: i64, case_id: i64) -> Result<bool> {
        let tasks = xn_store::flow::tasks_of_case(self.db(), case_id).await?;
        Ok(tasks
            .iter()
            .any(|t| t.post_id == post || t.acted_by_post_id == Some(post)))
    }

    /// Moves all pending work of one post to another in one recorded action (工作交接).
    pub async fn handover(
        &self,
        actor: &Actor,
        from: i64,
        to: i64,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        require(actor, Permission::FlowAdmin)?;
        let me = ActorRef::of(actor)?;
        if from == to {
            return Err(ServiceError::invalid("to", "交接双方不能是同一岗位"));
        }
        let mut tx = self.db().begin().await?;
        match xn_store::flow::post_unit(&mut tx, to).await? {
            Some((_, active)) if active != 0 => {}
            _ => return Err(ServiceError::invalid("to", "接手岗位不存在或已停用")),
        }
        if xn_store::flow::post_unit(&mut tx, from).await?.is_none() {
            return Err(ServiceError::invalid("from", "交出岗位不存在"));
        }
        let cases = xn_store::flow::cases_with_pending_tasks_of(&mut tx, from).await?;
        let system = ActorRef {
            flow_admin: true,
            ..me.clone()
        };
        let mut moved = 0;
        let mut w = Work::direct(&mut tx);
        for case_id in &cases {
            let out = self
                .act_in(
                    &mut w,
                    &system,
                    *case_id,
                    None,
                    &Action::Handover { from, to },
                    now,
                )
                .await?;
            moved += out
                .events
                .iter()
                .filter(|e| e.as_str() == "flow.handed_over")
                .count();
        }
        crate::events::record(
            &mut tx,
            &crate::events::Audit {
                person_id: Some(me.person_id),
                post_id: Some(me.post_id),
                ip: me.ip.as_deref(),
            },
            "flow.handover",
            Some(format!("post:{from}")),
            json!({"from": from, "to": to, "cases": cases, "tasks": moved}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(moved)
    }
}

/// The posts a rule names when the case alone answers it (the starter, a field), without
/// reading the organisation.
fn rule_in_memory(rule: &AssigneeRule, case: &CaseCtx) -> Option<Vec<i64>> {
    match rule {
        AssigneeRule::Starter => Some(vec![case.starter]),
        AssigneeRule::Field { field } => {
            Some(case.fields.get(field).map(Value::ints).unwrap_or_default())
        }
        AssigneeRule::Chosen { from } => rule_in_memory(from, case),
        AssigneeRule::Post { .. } | AssigneeRule::Position { .. } => None,
    }
}

/// The task an action is about, if it names one.
fn action_task(action: &Action) -> Option<u32> {
    match action {
        Action::Complete { task, .. }
        | Action::Return { task, .. }
        | Action::Transfer { task, .. }
        | Action::Delegate { task, .. }
        | Action::RequestExtension { task, .. }
        | Action::Withdraw { task } => Some(*task),
        _ => None,
    }
}

/// The events of a start: `CaseStarted` first, and once.
fn start_events(state: &CaseState, events: Vec<FlowEvent>, starter: i64) -> Vec<FlowEvent> {
    let mut first = events;
    first.insert(
        0,
        FlowEvent::CaseStarted {
            post: starter,
            due: state.due.as_ref().map(|d| d.date),
        },
    );
    let mut seen = false;
    first.retain(|e| {
        if matches!(e, FlowEvent::CaseStarted { .. }) {
            if seen {
                return false;
            }
            seen = true;
        }
        true
    });
    first
}

/// The tasks whose projection an action rewrites (indices into `after.tasks`): new and changed
/// tasks, and tasks of runs whose deadline moved. An open task the action left alone is not
/// rewritten: the outcome learns its id from the cache or a read (a rewrite cost an update of
/// `tasks(post_id, state)` as well).
fn changed_tasks(before: &CaseState, after: &CaseState) -> Vec<usize> {
    let moved: Vec<u32> = after
        .runs
        .iter()
        .filter(|r| before.run(r.no).is_some_and(|o| o.due != r.due))
        .map(|r| r.no)
        .collect();
    after
        .tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| before.task(t.no) != Some(*t) || moved.contains(&t.run))
        .map(|(i, _)| i)
        .collect()
}

/// The timer changes of an action. Closing or pausing cancels every timer (resuming re-arms
/// them); otherwise a run entered or moved arms its rungs, a run left cancels its own.
fn job_ops(
    def: &ProcessDef,
    cal: &Calendar,
    before: &CaseState,
    after: &CaseState,
    now: DateTime<Utc>,
    first: bool,
) -> Vec<JobOp> {
    let mut ops = Vec::new();
    let stopped = (after.status == CaseStatus::Closed && before.status != CaseStatus::Closed)
        || (after.status == CaseStatus::Paused && before.status != CaseStatus::Paused);
    if stopped {
        ops.push(JobOp::Cancel { run: None });
    } else if after.status == CaseStatus::Running {
        let resumed = before.status == CaseStatus::Paused;
        for run in &after.runs {
            let old = before.run(run.no);
            let changed = old.is_none_or(|o| o.state != run.state || o.due != run.due);
            if !(changed || resumed) {
                continue;
            }
            if run.state == RunState::Active {
                if let Some(due) = &run.due {
                    for (rung, at) in rungs(due, &def.ladder, cal, run.entered_at) {
                        ops.push(JobOp::Arm {
                            run: i64::from(run.no),
                            rung: rung.code(),
                            at: ms(at),
                        });
                    }
                }
            } else if old.is_some_and(|o| o.state == RunState::Active) {
                ops.push(JobOp::Cancel {
                    run: Some(i64::from(run.no)),
                });
            }
        }
        if (before.due != after.due || resumed || first)
            && let Some(due) = &after.due
        {
            let entered = after.runs.first().map_or(now, |r| r.entered_at);
            for (rung, at) in rungs(due, &def.ladder, cal, entered) {
                ops.push(JobOp::Arm {
                    run: 0,
                    rung: rung.code(),
                    at: ms(at),
                });
            }
        }
    }
    ops
}

/// The one event row of an action: the kind of its first event (the action itself: a start, a
/// completion, a return…) and that event's details, followed under `then` by what the engine
/// did in consequence (steps done and entered, holders assigned, the case closed…), in order.
/// A start's details carry the title. `None` when the action changed nothing worth recording.
fn event_row(events: &[FlowEvent], first: Option<&str>) -> Option<(&'static str, String)> {
    let (head, then) = events.split_first()?;
    // Straight to text: every event is a JSON object, and the row's object is the first one's
    // (less its kind, which the row's own column holds) with the others appended, without a
    // tree of values in between.
    let json = serde_json::to_string(head).unwrap_or_else(|_| "{}".to_owned());
    let tag = format!("{{\"kind\":\"{}\"", head.kind().trim_start_matches("flow."));
    let mut detail = match json.strip_prefix(&tag) {
        Some(rest) => format!("{{{}", rest.strip_prefix(',').unwrap_or(rest)),
        None => json,
    };
    if !detail.ends_with('}') {
        return None;
    }
    detail.pop();
    let opened = detail.len() > 1;
    let mut sep = if opened { "," } else { "" };
    if let (Some(title), FlowEvent::CaseStarted { .. }) = (first, head) {
        detail.push_str(sep);
        detail.push_str("\"title\":");
        detail.push_str(&serde_json::to_string(title).ok()?);
        sep = ",";
    }
    if !then.is_empty() {
        detail.push_str(sep);
        detail.push_str("\"then\":");
        detail.push_str(&serde_json::to_string(then).ok()?);
    }
    detail.push('}');
    Some((head.kind(), detail))
}

fn task_row<'a>(
    def: &'a ProcessDef,
    state: &'a CaseState,
    case_id: i64,
    task: &'a Task,
) -> TaskWrite<'a> {
    let run = state.run(task.run);
    let step_id = run.map(|r| r.step.as_str()).unwrap_or_default();
    let step_name = def.step(step_id).map_or(step_id, |s| s.name.as_str());
    let due = run.and_then(|r| r.due.as_ref());
    TaskWrite {
        case_id,
        task_no: i64::from(task.no),
        run_no: i64::from(task.run),
        step_id,
        step_name,
        kind: task.kind.code(),
        post_id: task.post,
        state: task.state.code(),
        due_date: due.map(|d| d.date.to_string()),
        due_at: due.map(|d| ms(d.at)),
        decision: task.decision.as_deref(),
        opinion: task.opinion.as_deref(),
        acted_by_post_id: task.acted_by,
        created_at: ms(task.created_at),
        acted_at: task.acted_at.map(ms),
        id: None,
    }
}

fn outcome(
    case_id: i64,
    version: i64,
    state: &CaseState,
    events: &[FlowEvent],
    ids: &HashMap<i64, i64>,
) -> ActionOutcome {
    let open_tasks = state
        .tasks
        .iter()
        .filter(|t| t.state == xn_domain::flow::TaskState::Open)
        .map(|t| OpenTask {
            id: ids.get(&i64::from(t.no)).copied().unwrap_or(0),
            no: t.no,
            step: state.run(t.run).map(|r| r.step.clone()).unwrap_or_default(),
            post_id: t.post,
        })
        .collect();
    ActionOutcome {
        case_id,
        version,
        status: state.status.code().to_owned(),
        events: events.iter().map(|e| e.kind().to_owned()).collect(),
        open_tasks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(row: Option<(&'static str, String)>) -> (&'static str, serde_json::Value) {
        let (kind, detail) = row.unwrap_or(("", String::new()));
        (kind, serde_json::from_str(&detail).unwrap_or_default())
    }

    #[test]
    fn an_action_is_one_row_with_its_consequences_under_then() {
        let events = [
            FlowEvent::TaskCompleted {
                task: 2,
                step: "check".into(),
                post: 7,
                acted_by: None,
                decision: "同意".into(),
                opinion: String::new(),
            },
            FlowEvent::StepDone {
                run: 2,
                step: "check".into(),
                decision: Some("同意".into()),
            },
            FlowEvent::CaseClosed { decision: None },
        ];
        let (kind, d) = parsed(event_row(&events, None));
        assert_eq!(kind, "flow.task_completed");
        // The row's kind is its column; what is absent or empty is left out.
        assert_eq!(
            d,
            json!({"task": 2, "step": "check", "post": 7, "decision": "同意", "then": [
                {"kind": "step_done", "run": 2, "step": "check", "decision": "同意"},
                {"kind": "case_closed"},
            ]})
        );
        assert_eq!(event_row(&[], None), None);
    }

    #[test]
    fn a_start_carries_its_title_and_a_bare_event_stays_an_object() {
        let started = [FlowEvent::CaseStarted { post: 3, due: None }];
        let (kind, d) = parsed(event_row(&started, Some("购置打印机")));
        assert_eq!(kind, "flow.case_started");
        assert_eq!(d, json!({"post": 3, "title": "购置打印机"}));
        let closed = [FlowEvent::CaseClosed { decision: None }];
        assert_eq!(
            event_row(&closed, Some("标题")),
            Some(("flow.case_closed", "{}".to_owned()))
        );
        let (_, d) = parsed(event_row(
            &[
                FlowEvent::CaseClosed { decision: None },
                FlowEvent::CaseClosed { decision: None },
            ],
            None,
        ));
        assert_eq!(d, json!({"then": [{"kind": "case_closed"}]}));
    }
}
