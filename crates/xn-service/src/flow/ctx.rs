//! What an action is about, as the flow core hands it to the areas: who acts, the case, a new
//! case's input and an action's outcome. These sit below both the flow core and the area
//! registry, so that the registry (`crate::areas`) can name them without an import cycle.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use xn_domain::flow::Fields;
use xn_domain::org::Permission;

use xn_store::Tx;
use xn_store::area_writes::AreaWrite;

use super::batch::{CommittedRead, Work, needs_direct};
use crate::files::CheckedFile;
use crate::{Actor, Result, ServiceError};

/// Who acts, as the writer needs it (owned).
#[derive(Debug, Clone)]
pub(crate) struct ActorRef {
    pub(crate) person_id: i64,
    pub(crate) post_id: i64,
    pub(crate) ip: Option<String>,
    pub(crate) flow_admin: bool,
}

impl ActorRef {
    pub(crate) fn of(actor: &Actor) -> Result<ActorRef> {
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        Ok(ActorRef {
            person_id: actor.person_id,
            post_id: post.id,
            ip: actor.ip.clone(),
            flow_admin: actor.has(Permission::FlowAdmin),
        })
    }

    /// The actor as the record names it.
    pub(crate) fn audit(&self) -> crate::events::Audit<'_> {
        crate::events::Audit {
            person_id: Some(self.person_id),
            post_id: Some(self.post_id),
            ip: self.ip.as_deref(),
        }
    }
}

/// A new case.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct StartCase {
    /// The process key, e.g. `internal_request`.
    pub process: String,
    /// The title.
    pub title: String,
    /// The body text.
    #[serde(default)]
    pub body: String,
    /// Item fields (for gateways and assignee rules).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub fields: Fields,
    /// Holders picked for steps whose rule is `chosen`.
    #[serde(default)]
    pub choices: BTreeMap<String, Vec<i64>>,
    /// Files already checked and stored, written with the case in the start's transaction
    /// (`Services::start_case_with_files` sets them; a request never carries them).
    #[serde(skip)]
    pub attachments: Vec<CheckedFile>,
}

/// What an action did.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ActionOutcome {
    /// The case.
    pub case_id: i64,
    /// Its version after the action.
    pub version: i64,
    /// running / paused / closed.
    pub status: String,
    /// The events recorded, by kind.
    pub events: Vec<String>,
    /// Open tasks after the action: (task id, step name, holder post id).
    pub open_tasks: Vec<OpenTask>,
}

/// An open task in an outcome.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpenTask {
    /// Task id.
    pub id: i64,
    /// Its number within the case (what case actions name).
    pub no: u32,
    /// Step.
    pub step: String,
    /// Holder.
    pub post_id: i64,
}

/// What rules are resolved against.
#[derive(Debug, Clone)]
pub(crate) struct CaseCtx {
    pub(crate) id: i64,
    pub(crate) unit_id: i64,
    pub(crate) starter: i64,
    pub(crate) fields: Arc<Fields>,
    /// The area's row the case belongs to (a document, a supervision item), as the server
    /// recorded it on the case when the area started it (`cases.link_id`).
    pub(crate) link: Option<i64>,
}

/// What an area's hook works through inside a flow action: reads, and writes that are made at
/// once on the direct path or carried with the batch and made in its transaction right after
/// the flow's own rows (`xn_store::area_writes`). A hook whose work needs the transaction
/// itself (laying out a PDF, starting other cases) asks for it with [`AreaTx::direct`]; the
/// writer routes such actions to the direct path before computing them (`crate::areas::batched`).
pub(crate) struct AreaTx<'a, 't> {
    work: &'a mut Work<'t>,
}

impl<'a, 't> AreaTx<'a, 't> {
    pub(crate) fn new(work: &'a mut Work<'t>) -> AreaTx<'a, 't> {
        AreaTx { work }
    }

    /// Whether the writes are carried with a batch (reads then see what was committed before
    /// the batch, not what earlier actions of the batch wrote).
    pub(crate) fn batched(&self) -> bool {
        self.work.buffered()
    }

    /// A transaction to read through.
    pub(crate) async fn read(&mut self) -> Result<&mut Tx> {
        self.work.tx().await
    }

    /// Where the hook reads rows that flow actions do not change ([`CommittedRead`]).
    pub(crate) async fn committed(&mut self) -> Result<CommittedRead<'_>> {
        self.work.committed().await
    }

    /// Makes a write now (direct path) or with the batch.
    pub(crate) async fn write(&mut self, w: AreaWrite) -> Result<()> {
        if self.work.buffered() {
            self.work.push_area(w);
            Ok(())
        } else {
            xn_store::area_writes::apply(self.work.tx().await?, &w).await?;
            Ok(())
        }
    }

    /// The action's own transaction, for work that cannot be carried as values; in a batch,
    /// the action goes to the direct path instead.
    pub(crate) fn direct(&mut self) -> Result<&mut Tx> {
        if self.work.buffered() {
            return Err(needs_direct());
        }
        self.work.direct_tx()
    }
}
