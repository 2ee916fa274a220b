//! The audit chain (留痕防篡改, GB/T 22239-2019 8.1.4.3): every event sealed into one chain per
//! installation, so that a changed, removed or inserted event shows.
//!
//! A seal is an HMAC-SM3 over the previous seal's hash, the seal's place in the chain and every
//! column of the event, each field tagged and length-prefixed (so no two different events encode
//! alike). The key is derived from the installation's key (`Settings::seal_key`, the key file or
//! the configured one), so someone who can write the database but does not hold the key cannot
//! forge a chain over a changed event. Events are sealed shortly after they commit, by the
//! server's timer loop ([`Services::seal_events`]), in the order the sealer sees them; the
//! database refuses to update or delete events and seals (migration 0021).
//!
//! [`Services::verify_audit_chain`] recomputes the chain from its start and names the first
//! link that does not hold (`xiaoneng audit verify`); [`verify_links`] is the pure part.

use hmac::{Hmac, KeyInit, Mac};
use sm3::Digest;
use xn_store::audit_chain::{self as store, ChainEvent, SealedRow};

use crate::{Result, ServiceError, Services};

type HmacSm3 = Hmac<sm3::Sm3>;

/// The hash before the first seal.
pub const GENESIS: [u8; 32] = [0; 32];

/// Events sealed per transaction.
const SEAL_BATCH: i64 = 1_000;

/// The chain's key, derived from the installation's key (kept apart from its use for seals).
pub fn chain_key(installation_key: &[u8; 16]) -> [u8; 32] {
    let mut h = sm3::Sm3::new();
    h.update(b"xiaoneng audit chain v1\0");
    h.update(installation_key);
    h.finalize().into()
}

fn field(mac: &mut HmacSm3, tag: u8, value: Option<&[u8]>) {
    mac.update(&[tag]);
    match value {
        None => mac.update(&[0]),
        Some(b) => {
            mac.update(&[1]);
            mac.update(&(b.len() as u64).to_be_bytes());
            mac.update(b);
        }
    }
}

/// The hash of a link: the previous hash, the place, the event.
pub fn link(key: &[u8; 32], prev: &[u8], seq: i64, e: &ChainEvent) -> Vec<u8> {
    let Ok(mut mac) = HmacSm3::new_from_slice(key) else {
        // HMAC takes a key of any length.
        unreachable!("HMAC accepts every key length")
    };
    field(&mut mac, b'p', Some(prev));
    field(&mut mac, b'q', Some(&seq.to_be_bytes()));
    field(&mut mac, b'i', Some(&e.id.to_be_bytes()));
    field(&mut mac, b'a', Some(&e.at.to_be_bytes()));
    field(&mut mac, b'k', Some(e.kind.as_bytes()));
    field(
        &mut mac,
        b'r',
        e.actor_person_id
            .map(i64::to_be_bytes)
            .as_ref()
            .map(|b| &b[..]),
    );
    field(
        &mut mac,
        b'o',
        e.actor_post_id
            .map(i64::to_be_bytes)
            .as_ref()
            .map(|b| &b[..]),
    );
    field(&mut mac, b's', e.subject.as_deref().map(str::as_bytes));
    field(&mut mac, b'd', Some(e.detail.as_bytes()));
    field(&mut mac, b'n', e.ip.as_deref().map(str::as_bytes));
    mac.finalize().into_bytes().to_vec()
}

/// The first link of a chain that does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    /// Its place in the chain.
    pub seq: i64,
    /// The event it seals.
    pub event_id: i64,
    /// What is wrong, in Chinese.
    pub reason: &'static str,
}

/// Walks seals in chain order from `prev` (the hash before `rows[0]`, whose place must be
/// `next_seq`). Answers the last hash and the next place, or the first broken link.
pub fn verify_links(
    key: &[u8; 32],
    mut prev: Vec<u8>,
    mut next_seq: i64,
    rows: &[SealedRow],
) -> std::result::Result<(Vec<u8>, i64), Broken> {
    for r in rows {
        let broken = |reason| Broken {
            seq: r.seq,
            event_id: r.event_id,
            reason,
        };
        if r.seq != next_seq {
            return Err(Broken {
                seq: next_seq,
                event_id: r.event_id,
                reason: "链上缺少一环（封存记录被删除）",
            });
        }
        let Some(e) = &r.event else {
            return Err(broken("被封存的事件已不存在（被删除）"));
        };
        if e.id != r.event_id {
            return Err(broken("封存记录指向的事件被替换"));
        }
        let h = link(key, &prev, r.seq, e);
        if h != r.hash {
            return Err(broken("事件内容或封存值被改动"));
        }
        prev = h;
        next_seq += 1;
    }
    Ok((prev, next_seq))
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Links checked (up to the first broken one).
    pub checked: i64,
    /// Events not sealed yet (the newest are sealed within seconds; old ones are a finding).
    pub unsealed: i64,
    /// The oldest unsealed events' ids.
    pub oldest_unsealed: Vec<i64>,
    /// The first link that does not hold.
    pub broken: Option<Broken>,
}

impl Services {
    fn audit_chain_key(&self) -> Result<[u8; 32]> {
        self.settings()
            .seal_key
            .as_ref()
            .map(chain_key)
            .ok_or_else(|| ServiceError::Conflict {
                code: "audit.no_key",
                message: "未配置安装密钥（seal_key），无法封存或校验审计链".into(),
            })
    }

    /// Seals every committed event not sealed yet; answers how many were sealed.
    pub async fn seal_events(&self) -> Result<u64> {
        let key = self.audit_chain_key()?;
        let mut sealed = 0u64;
        loop {
            let mut tx = self.db().begin().await?;
            store::lock(&mut tx).await?;
            let (mut seq, last_event, mut prev) = match store::last_seal(&mut tx).await? {
                Some((seq, event, hash)) => (seq, event, hash),
                None => (0, 0, GENESIS.to_vec()),
            };
            let from = (last_event - store::LATE_WINDOW).max(0);
            let events = store::unsealed(&mut tx, from, SEAL_BATCH).await?;
            if events.is_empty() {
                return Ok(sealed);
            }
            let mut seals = Vec::with_capacity(events.len());
            for e in &events {
                seq += 1;
                let h = link(&key, &prev, seq, e);
                seals.push((seq, e.id, h.clone()));
                prev = h;
            }
            store::append(&mut tx, &seals).await?;
            tx.commit().await?;
            sealed += seals.len() as u64;
            if (events.len() as i64) < SEAL_BATCH {
                return Ok(sealed);
            }
        }
    }

    /// Recomputes the chain from its start (`xiaoneng audit verify`).
    pub async fn verify_audit_chain(&self) -> Result<Verification> {
        let key = self.audit_chain_key()?;
        let mut tx = self.db().begin_read().await?;
        let (mut prev, mut next) = (GENESIS.to_vec(), 1i64);
        let mut broken = None;
        loop {
            let rows = store::sealed_rows(&mut tx, next - 1, 5_000).await?;
            if rows.is_empty() {
                break;
            }
            match verify_links(&key, prev, next, &rows) {
                Ok((p, n)) => (prev, next) = (p, n),
                Err(b) => {
                    // The links before it hold.
                    next = b.seq;
                    broken = Some(b);
                    break;
                }
            }
        }
        let (unsealed, oldest_unsealed) = store::unsealed_count(&mut tx).await?;
        tx.commit().await?;
        Ok(Verification {
            checked: next - 1,
            unsealed,
            oldest_unsealed,
            broken,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64) -> ChainEvent {
        ChainEvent {
            id,
            at: 1_700_000_000_000 + id,
            kind: "flow.completed".into(),
            actor_person_id: Some(3),
            actor_post_id: None,
            subject: Some(format!("case:{id}")),
            detail: r#"{"opinion":"同意"}"#.into(),
            ip: None,
        }
    }

    #[test]
    fn a_field_moved_between_columns_changes_the_hash() {
        let key = chain_key(b"0123456789abcdef");
        let a = event(1);
        let mut b = a.clone();
        // The same bytes in another column must not hash alike.
        b.actor_person_id = None;
        b.actor_post_id = Some(3);
        assert_ne!(link(&key, &GENESIS, 1, &a), link(&key, &GENESIS, 1, &b));
        let other = chain_key(b"fedcba9876543210");
        assert_ne!(link(&key, &GENESIS, 1, &a), link(&other, &GENESIS, 1, &a));
    }
}
