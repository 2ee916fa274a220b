//! Idempotency keys of flow requests: the client's key with the request's fingerprint, claimed
//! before an action runs and stored with its answer after it.
//!
//! Holds only the handling of the key around an operation; the operation itself is in
//! `start.rs` and `act.rs`, the SQL in `xn_store::flow`. Kept in one place because a start and
//! an action, on the direct path and in a batch, go through the same claim and the same store.

use chrono::{DateTime, Utc};

use super::batch::Work;
use super::{ActionOutcome, ActorRef};
use crate::{Result, ServiceError, Services, ms};

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

impl Services {
    /// The stored answer of a request already made with this key, for a use case that checks
    /// its own state before it reaches the flow (a document submitted once is refused a second
    /// submission, but its retry is answered as the first was). A key used for another request
    /// is a conflict.
    pub(crate) async fn answered(
        &self,
        actor: &crate::Actor,
        idem: Option<&IdempotencyKey>,
    ) -> Result<Option<ActionOutcome>> {
        let Some(k) = idem else { return Ok(None) };
        let mut tx = self.db().begin_read().await?;
        let found =
            xn_store::flow::find_idempotency_key(&mut tx, actor.person_id, k.key.as_str()).await?;
        tx.commit().await?;
        match found {
            Some((hash, _)) if hash != k.fingerprint => Err(ServiceError::Conflict {
                code: "idempotency.mismatch",
                message: "该 Idempotency-Key 已用于另一个请求".into(),
            }),
            Some((_, response)) => Ok(serde_json::from_str(&response).ok()),
            None => Ok(None),
        }
    }

    pub(super) async fn claim_idem(
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

    pub(super) async fn store_idem(
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
}
