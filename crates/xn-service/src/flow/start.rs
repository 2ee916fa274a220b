//! Starting a case: the public start, an area's start through the writer or inside the area's
//! own transaction, and the start itself (the process a unit uses, the first state, the holders
//! of the first steps).
//!
//! Holds no action on a case already started (`act.rs`), no resolution of holders
//! (`assign.rs`) and no write of rows (`persist.rs`): a start computes its first state here and
//! is written there like any action.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use xn_domain::calendar::{Calendar, OfficeHours};
use xn_domain::flow::{CaseState, Ctx, FlowEvent, ProcessDef};
use xn_domain::org::Permission;
use xn_store::Tx;
use xn_store::flow::NewCase;

use super::batch::{self, CaseInfo, Loaded, Work};
use super::idempotency::IdempotencyKey;
use super::persist::{outcome, start_events};
use super::{ActionOutcome, ActorRef, AreaTx, CaseCtx, Op, StartCase, flow_error, stored};
use crate::areas::{self, StartedBy};
use crate::{Actor, Result, ServiceError, Services, ms, require};

impl Services {
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

    /// The process a unit uses for a key: the nearest unit up the tree with its own version,
    /// else the shipped default.
    async fn process_for(
        &self,
        key: &str,
        unit_id: i64,
        tx: &mut Tx,
    ) -> Result<xn_store::flow::ProcessRow> {
        // Read through the action's own transaction: a read through another connection of the
        // pool, while this transaction may hold SQLite's write lock, could wait for a
        // connection that every other writer holds while it waits for the lock.
        let chain: Vec<i64> = self
            .unit_chain(tx, unit_id)
            .await?
            .0
            .iter()
            .map(|u| u.id)
            .collect();
        let rows = xn_store::flow::latest_processes_tx(tx, key, &chain).await?;
        // The nearest unit's version, else the shipped default (listed last).
        chain
            .iter()
            .find_map(|u| rows.iter().find(|(r, _)| *r == Some(*u)))
            .or_else(|| rows.iter().find(|(r, _)| r.is_none()))
            .map(|(_, row)| row.clone())
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
        let title = checked_content(&input.title, &input.body)?;
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
        if w.buffered() && (!areas::batched(def.item_kind, None) || !input.attachments.is_empty()) {
            // The lane routes these to the direct path before computing them (`batch::prepare`);
            // this guards a start reaching a batch by another way. A start with files writes
            // their rows beside the case's, on the direct path.
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
                    link_id: link,
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
                        link,
                    }),
                    state: Arc::clone(&state),
                    task_ids: Arc::default(),
                },
                now,
            );
            let (version, ids) = self
                .persist_start(
                    w, &def, &cal, &case, &empty, &state, &first, actor, now, title,
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
                link_id: link,
            },
            ms(now),
        )
        .await?;
        self.add_start_files(w.tx().await?, case_id, &input.attachments, actor, now)
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
            .persist_start(
                w, &def, &cal, &case, &empty, &state, &first, actor, now, title,
            )
            .await?;
        self.after_close(w, &case, &state, actor, now, parent.map(|(p, _, _)| p))
            .await?;
        Ok(outcome(case_id, version, &state, &first, &ids))
    }

    /// Writes a new case's first state (its row exists) and lets its area act on the start.
    #[expect(clippy::too_many_arguments, reason = "one start's parts")]
    async fn persist_start(
        &self,
        w: &mut Work<'_>,
        def: &Arc<ProcessDef>,
        cal: &Calendar,
        case: &CaseCtx,
        empty: &CaseState,
        state: &Arc<CaseState>,
        first: &[FlowEvent],
        actor: &ActorRef,
        now: DateTime<Utc>,
        title: &str,
    ) -> Result<(i64, HashMap<i64, i64>)> {
        let written = self
            .persist(
                w,
                def,
                cal,
                case,
                1,
                empty,
                state,
                first,
                actor,
                now,
                Some(title),
            )
            .await?;
        self.on_area_flow(&mut AreaTx::new(w), def.item_kind, case, first, actor, now)
            .await?;
        Ok(written)
    }
}

/// A case's title (trimmed) and body as a start or a revision takes them, or the field at fault
/// with its message.
pub(super) fn checked_content<'a>(title: &'a str, body: &str) -> Result<&'a str> {
    let title = title.trim();
    if title.is_empty() {
        return Err(ServiceError::invalid("title", "请填写标题"));
    }
    if title.chars().count() > 200 {
        return Err(ServiceError::invalid("title", "标题不能超过 200 字"));
    }
    if body.chars().count() > 50_000 {
        return Err(ServiceError::invalid("body", "正文不能超过 5 万字"));
    }
    Ok(title)
}
