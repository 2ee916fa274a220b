//! One's own sessions (我的会话) and the limit on how many one account holds at once
//! (`[sign_in] max_sessions`): signing in beyond it ends the oldest.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::Actor;
use crate::events::{Audit, record};
use crate::{Result, ServiceError, Services, ms};

/// A live session of one's own, as 我的会话 lists it.
#[derive(Debug, Clone)]
pub struct SessionLine {
    /// When it began (epoch ms).
    pub created_at: i64,
    /// Its last request (epoch ms, to the minute).
    pub last_seen_at: i64,
    /// Client address at sign-in.
    pub ip: Option<String>,
    /// Client user agent at sign-in.
    pub user_agent: Option<String>,
    /// Whether it is the session asking.
    pub current: bool,
}

impl Services {
    /// Ends the oldest live sessions of a person so that, with the one being opened, no more
    /// than `max_sessions` remain. Called inside the sign-in's transaction, before the new
    /// session counts as live.
    pub(crate) async fn limit_sessions(
        &self,
        tx: &mut xn_store::Tx,
        who: &Audit<'_>,
        person_id: i64,
        opened: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let max = self.settings().sign_in_policy.max_sessions;
        if max == 0 {
            return Ok(());
        }
        // The others, oldest first; the one being opened always stays.
        let others: Vec<_> = xn_store::auth::live_sessions_of_person(tx, person_id)
            .await?
            .into_iter()
            .filter(|s| s.token_hash != opened)
            .collect();
        let keep = usize::try_from(max - 1).unwrap_or(usize::MAX);
        if others.len() <= keep {
            return Ok(());
        }
        let excess = others.len() - keep;
        let mut ended = 0u64;
        for s in others.iter().take(excess) {
            if xn_store::auth::end_session(tx, &s.token_hash, ms(now)).await? {
                ended += 1;
            }
        }
        if ended > 0 {
            record(
                tx,
                who,
                "auth.session_limit",
                Some(format!("person:{person_id}")),
                json!({"ended": ended, "max_sessions": max}),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// One's own live sessions, oldest first.
    pub async fn my_sessions(&self, actor: &Actor) -> Result<Vec<SessionLine>> {
        let mut tx = self.db().begin().await?;
        let rows = xn_store::auth::live_sessions_of_person(&mut tx, actor.person_id).await?;
        drop(tx);
        Ok(rows
            .into_iter()
            .map(|s| SessionLine {
                current: actor.session.as_deref() == Some(s.token_hash.as_str()),
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                ip: s.ip,
                user_agent: s.user_agent,
            })
            .collect())
    }

    /// Ends every session of one's own but the one asking (结束其他会话); answers how many.
    pub async fn end_other_sessions(&self, actor: &Actor, now: DateTime<Utc>) -> Result<u64> {
        let Some(keep) = &actor.session else {
            return Err(ServiceError::Forbidden("接口令牌不能结束会话".to_owned()));
        };
        let mut tx = self.db().begin().await?;
        let n = xn_store::auth::end_other_sessions(&mut tx, actor.person_id, keep, ms(now)).await?;
        record(
            &mut tx,
            &actor.audit(),
            "auth.sessions_ended",
            Some(format!("person:{}", actor.person_id)),
            json!({"ended": n}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}
