//! How a case's engine state is kept in `cases.state`: its JSON, compressed (LZ4).
//!
//! A state is read and written whole by the engine and by nothing else (views read the task
//! projection and the events), so its stored form only has to be small and cheap. Compressed,
//! the state of a closed six-task case takes about 600 bytes instead of about 2,300: several
//! cases share a database page, and an action rewrites a quarter of the bytes it did. On SQLite
//! that was the largest part of every batch's commit (see docs/ARCHITECTURE.md, "The flow
//! engine").
//!
//! Three forms read, told apart by their first byte:
//! - `0x04`: the current form, a tag byte, the JSON's length (four bytes, little-endian) and an
//!   LZ4 block;
//! - `0x78`: a zlib stream, written from migration 0015 until LZ4 replaced it (LZ4 takes a
//!   third of the time to compress and a tenth to expand, for about 15 % more bytes);
//! - `{`: the JSON itself, in rows older than 0015.
//!
//! Older forms are rewritten in the current one the next time their case moves. To look at a
//! stored state by hand: `xiaoneng case-state <id>`.

use std::cell::RefCell;

use flate2::{Decompress, FlushDecompress, Status};
use xn_domain::flow::CaseState;

use crate::{Result, ServiceError};

thread_local! {
    // One decompressor per thread, reset between uses: a new one allocates its tables afresh.
    static INFLATE: RefCell<Decompress> = RefCell::new(Decompress::new(true));
}

/// The first byte of the current form.
const LZ4_TAG: u8 = 0x04;

/// The most bytes a stored state may expand to.
const MAX_STATE: usize = 64 << 20;

fn internal(what: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(anyhow::anyhow!("case state: {what}: {e}"))
}

/// The stored form of a state.
pub fn encode(state: &CaseState) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(state).map_err(|e| internal("serialize", e))?;
    Ok(compress(&json))
}

/// A state from its stored form (any of the three).
pub fn decode(bytes: &[u8]) -> Result<CaseState> {
    let json = json_of(bytes)?;
    serde_json::from_slice(&json).map_err(|e| internal("parse", e))
}

/// The JSON text of a stored state.
pub(crate) fn json_of(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    match bytes.first() {
        Some(b'{') => Ok(std::borrow::Cow::Borrowed(bytes)),
        Some(&LZ4_TAG) => expand(bytes.get(1..).unwrap_or_default()).map(std::borrow::Cow::Owned),
        _ => inflate(bytes).map(std::borrow::Cow::Owned),
    }
}

fn compress(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + 4 + lz4_flex::block::get_maximum_output_size(json.len()));
    out.push(LZ4_TAG);
    out.extend_from_slice(&lz4_flex::block::compress_prepend_size(json));
    out
}

fn expand(block: &[u8]) -> Result<Vec<u8>> {
    // The declared length is checked before anything is allocated for it.
    let declared = block
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| internal("expand", "truncated"))?;
    if usize::try_from(declared).ok().is_none_or(|n| n > MAX_STATE) {
        return Err(internal("expand", "too large"));
    }
    lz4_flex::block::decompress_size_prepended(block).map_err(|e| internal("expand", e))
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
    use flate2::{Compress, Compression, FlushCompress};

    use super::*;

    fn sample() -> Vec<u8> {
        let mut s = String::from("{\"status\":\"running\",\"runs\":[");
        for i in 0..200 {
            s.push_str(&format!("{{\"no\":{i},\"step\":\"审核{i}\"}},"));
        }
        s.push_str("{}]}");
        s.into_bytes()
    }

    /// A zlib stream, as states were stored from migration 0015 until LZ4.
    fn deflate(input: &[u8]) -> Vec<u8> {
        let mut z = Compress::new(Compression::fast(), true);
        let mut out = Vec::with_capacity(input.len() + 1024);
        while z.compress_vec(input, &mut out, FlushCompress::Finish).ok() != Some(Status::StreamEnd)
        {
            out.reserve(out.capacity());
        }
        out
    }

    #[test]
    fn compresses_and_reads_back() -> Result<()> {
        let json = sample();
        let packed = compress(&json);
        assert!(
            packed.len() * 3 < json.len(),
            "{} of {}",
            packed.len(),
            json.len()
        );
        assert_eq!(packed.first(), Some(&LZ4_TAG));
        assert_eq!(json_of(&packed)?.as_ref(), json.as_slice());
        Ok(())
    }

    #[test]
    fn reads_the_older_forms() -> Result<()> {
        let json = sample();
        assert_eq!(json_of(&json)?.as_ref(), json.as_slice());
        let zlib = deflate(&json);
        assert_eq!(zlib.first(), Some(&0x78));
        // Twice on the same thread: the reset decompressor starts afresh.
        for _ in 0..2 {
            assert_eq!(json_of(&zlib)?.as_ref(), json.as_slice());
        }
        Ok(())
    }

    #[test]
    fn reads_back_what_does_not_compress() -> Result<()> {
        let noise: Vec<u8> = (0..20_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert_eq!(
            expand(compress(&noise).get(1..).unwrap_or_default())?,
            noise
        );
        // A zlib stream that outgrows the first output buffer.
        assert_eq!(inflate(&deflate(&noise))?, noise);
        Ok(())
    }

    #[test]
    fn refuses_a_state_that_expands_past_any_state() {
        let bomb = deflate(&vec![b' '; MAX_STATE + 1]);
        assert!(bomb.len() < 1 << 20);
        assert!(inflate(&bomb).is_err());
        let mut lz4 = compress(&vec![b' '; 1024]);
        // The declared length, past the limit: refused before anything is allocated for it.
        lz4.splice(
            1..5,
            u32::try_from(MAX_STATE + 1)
                .unwrap_or(u32::MAX)
                .to_le_bytes(),
        );
        assert!(json_of(&lz4).is_err());
    }

    #[test]
    fn refuses_a_damaged_state() {
        let mut zlib = deflate(&sample());
        zlib.truncate(zlib.len() / 2);
        assert!(inflate(&zlib).is_err());
        assert!(decode(b"\x78\x01garbage").is_err());
        let mut lz4 = compress(&sample());
        lz4.truncate(lz4.len() / 2);
        assert!(json_of(&lz4).is_err());
        assert!(decode(&[LZ4_TAG, 1, 0]).is_err());
        assert!(decode(&[LZ4_TAG, 9, 0, 0, 0, 0xff]).is_err());
    }
}
