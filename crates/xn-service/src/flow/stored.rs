//! How a case's engine state is kept in `cases.state`: its JSON, deflated (a zlib stream).
//!
//! A state is read and written whole by the engine and by nothing else (views read the task
//! projection and the events), so its stored form only has to be small and cheap. Deflated, the
//! state of a closed six-task case takes about 490 bytes instead of about 2,300: several cases
//! share a database page, and an action rewrites a fifth of the bytes it did. On SQLite that was
//! the largest part of every batch's commit (see docs/ARCHITECTURE.md, "The flow engine").
//!
//! Rows written before migration 0015 hold the JSON itself; they read as they are (a zlib stream
//! starts with 0x78, JSON with `{`) and are deflated the next time their case moves. To look at
//! a stored state by hand: `xiaoneng case-state <id>`.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use xn_domain::flow::CaseState;

use crate::{Result, ServiceError};

thread_local! {
    // One (de)compressor per thread, reset between uses: a new one allocates its tables afresh.
    static DEFLATE: RefCell<Compress> = RefCell::new(Compress::new(Compression::fast(), true));
    static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(true));
}

/// The most bytes a stored state may inflate to.
const MAX_STATE: usize = 64 << 20;

fn internal(what: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("case state: {what}: {e}"))
}

/// The stored form of a state.
pub(crate) fn encode(state: &CaseState) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(state).map_err(|e| internal("serialize", e))?;
    deflate(&json)
}

/// A state from its stored form (deflated JSON, or the JSON itself in rows older than 0015).
pub(crate) fn decode(bytes: &[u8]) -> Result<CaseState> {
    let json = json_of(bytes)?;
    serde_json::from_slice(&json).map_err(|e| internal("parse", e))
}

/// The JSON text of a stored state.
pub(crate) fn json_of(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    if bytes.first() == Some(&b'{') {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    inflate(bytes).map(std::borrow::Cow::Owned)
}

fn deflate(input: &[u8]) -> Result<Vec<u8>> {
    DEFLATE.with(|cell| {
        let mut z = cell.borrow_mut();
        z.reset();
        let mut out = Vec::with_capacity(input.len() / 3 + 64);
        loop {
            let read = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
            let rest = input.get(read..).unwrap_or_default();
            let status = z
                .compress_vec(rest, &mut out, FlushCompress::Finish)
                .map_err(|e| internal("deflate", e))?;
            if status == Status::StreamEnd {
                return Ok(out);
            }
            out.reserve(out.capacity().max(256));
        }
    })
}

fn inflate(input: &[u8]) -> Result<Vec<u8>> {
    INFLATE.with(|cell| {
        let mut z = cell.borrow_mut();
        z.reset(true);
        let mut out = Vec::with_capacity(input.len() * 6);
        loop {
            let read = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
            let rest = input.get(read..).unwrap_or_default();
            let before = (z.total_in(), z.total_out());
            let status = z
                .decompress_vec(rest, &mut out, FlushDecompress::Finish)
                .map_err(|e| internal("inflate", e))?;
            // A state is a few kilobytes; a stream that inflates past this is damaged, and the
            // buffer never grows much beyond it.
            if out.len() > MAX_STATE {
                return Err(internal("inflate", "too large"));
            }
            match status {
                Status::StreamEnd => return Ok(out),
                // No progress with room left: the stream is cut short.
                _ if (z.total_in(), z.total_out()) == before && out.len() < out.capacity() => {
                    return Err(internal("inflate", "truncated"));
                }
                _ => {
                    let room = (MAX_STATE + 1 - out.len()).clamp(1, out.capacity().max(1024));
                    out.reserve_exact(room);
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut s = String::from("{\"status\":\"running\",\"runs\":[");
        for i in 0..200 {
            s.push_str(&format!("{{\"no\":{i},\"step\":\"审核{i}\"}},"));
        }
        s.push_str("{}]}");
        s.into_bytes()
    }

    #[test]
    fn deflates_and_reads_back() -> Result<()> {
        let json = sample();
        let packed = deflate(&json)?;
        assert!(
            packed.len() * 3 < json.len(),
            "{} of {}",
            packed.len(),
            json.len()
        );
        assert_eq!(packed.first(), Some(&0x78));
        // Twice on the same thread: the reset (de)compressors start afresh.
        for _ in 0..2 {
            assert_eq!(json_of(&packed)?.as_ref(), json.as_slice());
        }
        Ok(())
    }

    #[test]
    fn reads_json_stored_before_deflating() -> Result<()> {
        let json = sample();
        assert_eq!(json_of(&json)?.as_ref(), json.as_slice());
        Ok(())
    }

    #[test]
    fn grows_past_its_first_guess() -> Result<()> {
        // Incompressible input outgrows the first output buffer.
        let noise: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let packed = deflate(&noise)?;
        assert_eq!(inflate(&packed)?, noise);
        Ok(())
    }

    #[test]
    fn refuses_a_stream_that_inflates_past_any_state() -> Result<()> {
        let bomb = deflate(&vec![b' '; MAX_STATE + 1])?;
        assert!(bomb.len() < 1 << 20);
        assert!(inflate(&bomb).is_err());
        Ok(())
    }

    #[test]
    fn refuses_a_damaged_state() {
        let mut packed = deflate(&sample()).unwrap_or_default();
        packed.truncate(packed.len() / 2);
        assert!(inflate(&packed).is_err());
        assert!(decode(b"\x78\x01garbage").is_err());
    }
}
