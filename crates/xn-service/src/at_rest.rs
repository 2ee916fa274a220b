//! Data at rest (GB/T 22239-2019 8.1.4.7–8; GB/T 39786): document bodies, their versions and
//! every stored file (附件, scanned originals, printed PDFs, pictures) are kept SM4-encrypted,
//! each with an HMAC-SM3 that is checked before anything is decrypted. A changed byte, a value
//! moved from another row's place, or a value written by someone without the key is refused
//! (a logged internal error naming the place), never served.
//!
//! **Keys.** Two keys are derived with SM3 from the installation key (`Settings::seal_key`:
//! the key file `seal.key` or the configured `seal_key`, the one the 印章 and the audit chain
//! use, each under its own label): an SM4 key and an HMAC key. A stored value carries the first
//! four bytes of the installation key's SM3, so a value sealed under another key is reported as
//! such (docs/SECURITY.md says what a change of the installation key involves).
//!
//! **Format.** `XS1` ‖ key check (4) ‖ IV (16) ‖ SM4-CBC ciphertext (PKCS#7) ‖ tag (32), where
//! the tag is HMAC-SM3 over the label of the value's place (`blob:<hash>`,
//! `document:<id>:body` …), the format, the key check, the IV and the ciphertext
//! (encrypt-then-MAC). Text columns hold it as `sm4:` and Base64; empty text stays empty.
//! A file's row also keeps its name (the SM3 of the plain bytes), checked after decryption.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sm3::Digest;
use xn_store::Sealed;

use crate::{Result, ServiceError, Services};

mod opinions;

pub use opinions::{
    REFUSED_OPINION, column_label, extension_label, opinion_label, signed_off_label,
};

type HmacSm3 = Hmac<sm3::Sm3>;

const MAGIC: &[u8; 3] = b"XS1";
const TEXT_PREFIX: &str = "sm4:";
const CHECK_LEN: usize = 4;
const IV_LEN: usize = 16;
const TAG_LEN: usize = 32;
const HEAD_LEN: usize = MAGIC.len() + CHECK_LEN + IV_LEN;

/// The keys values at rest are sealed with.
#[derive(Clone)]
pub struct AtRest {
    enc: [u8; 16],
    mac: [u8; 32],
    check: [u8; CHECK_LEN],
}

impl std::fmt::Debug for AtRest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtRest")
            .field("check", &hex::encode(self.check))
            .finish_non_exhaustive()
    }
}

/// Why a stored value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not in the sealed format at all (written by someone without the key, or cut short).
    NotSealed,
    /// Sealed under another installation key.
    OtherKey,
    /// The tag does not hold: a byte changed, or the value belongs to another place.
    Tampered,
}

impl Refusal {
    fn describe(self) -> &'static str {
        match self {
            Refusal::NotSealed => "不是加密保存的格式",
            Refusal::OtherKey => "由另一把安装密钥加密",
            Refusal::Tampered => "校验值不符（内容被改动或被移到别处）",
        }
    }
}

impl AtRest {
    /// The keys derived from the installation key.
    pub fn new(installation_key: &[u8; 16]) -> AtRest {
        let derive = |label: &[u8]| -> [u8; 32] {
            let mut h = sm3::Sm3::new();
            h.update(label);
            h.update(installation_key);
            h.finalize().into()
        };
        let enc_full = derive(b"xiaoneng at rest sm4 v1\0");
        let mut enc = [0u8; 16];
        enc.copy_from_slice(&enc_full[..16]);
        let mut check = [0u8; CHECK_LEN];
        check.copy_from_slice(&sm3::Sm3::digest(installation_key)[..CHECK_LEN]);
        AtRest {
            enc,
            mac: derive(b"xiaoneng at rest hmac-sm3 v1\0"),
            check,
        }
    }

    fn tag(&self, label: &str, head: &[u8], cipher: &[u8]) -> HmacSm3 {
        let Ok(mut mac) = HmacSm3::new_from_slice(&self.mac) else {
            unreachable!("HMAC accepts every key length")
        };
        mac.update(&(label.len() as u64).to_be_bytes());
        mac.update(label.as_bytes());
        mac.update(head);
        mac.update(cipher);
        mac
    }

    /// Seals `plain` for the place `label`.
    pub fn seal(&self, label: &str, plain: &[u8]) -> Vec<u8> {
        let (iv, cipher) = crate::documents::seals::encrypt(&self.enc, plain);
        let mut out = Vec::with_capacity(HEAD_LEN + cipher.len() + TAG_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.check);
        out.extend_from_slice(&iv);
        let tag = self.tag(label, &out, &cipher).finalize().into_bytes();
        out.extend_from_slice(&cipher);
        out.extend_from_slice(&tag);
        out
    }

    /// Opens what [`AtRest::seal`] wrote for the place `label`; the tag is checked first.
    pub fn open(&self, label: &str, stored: &[u8]) -> Result<Vec<u8>, Refusal> {
        if stored.len() < HEAD_LEN + TAG_LEN + IV_LEN || &stored[..MAGIC.len()] != MAGIC {
            return Err(Refusal::NotSealed);
        }
        if stored[MAGIC.len()..MAGIC.len() + CHECK_LEN] != self.check {
            return Err(Refusal::OtherKey);
        }
        let (head, rest) = stored.split_at(HEAD_LEN);
        let (cipher, tag) = rest.split_at(rest.len() - TAG_LEN);
        self.tag(label, head, cipher)
            .verify_slice(tag)
            .map_err(|_| Refusal::Tampered)?;
        let iv = &head[MAGIC.len() + CHECK_LEN..];
        crate::documents::seals::decrypt(&self.enc, iv, cipher).ok_or(Refusal::Tampered)
    }

    /// Seals text for a text column (empty stays empty).
    pub fn seal_text(&self, label: &str, plain: &str) -> Sealed {
        if plain.is_empty() {
            return Sealed::default();
        }
        let bytes = self.seal(label, plain.as_bytes());
        Sealed(format!(
            "{TEXT_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ))
    }

    /// Opens a text column's value.
    pub fn open_text(&self, label: &str, stored: &Sealed) -> Result<String, Refusal> {
        if stored.0.is_empty() {
            return Ok(String::new());
        }
        let b64 = stored
            .0
            .strip_prefix(TEXT_PREFIX)
            .ok_or(Refusal::NotSealed)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|_| Refusal::NotSealed)?;
        String::from_utf8(self.open(label, &bytes)?).map_err(|_| Refusal::Tampered)
    }
}

/// The place label of a document's current body.
pub fn body_label(document_id: i64) -> String {
    format!("document:{document_id}:body")
}

/// The place label of a saved version's body.
pub fn version_label(document_id: i64, no: i64) -> String {
    format!("document:{document_id}:version:{no}")
}

/// The place label of a stored file.
pub fn blob_label(hash: &str) -> String {
    format!("blob:{hash}")
}

impl Services {
    /// The at-rest keys; an installation without a key cannot keep bodies or files.
    pub(crate) fn at_rest(&self) -> Result<&AtRest> {
        self.inner.at_rest.as_ref().ok_or_else(|| {
            ServiceError::Internal(anyhow::anyhow!(
                "no installation key (seal_key): document bodies and files cannot be kept encrypted"
            ))
        })
    }

    /// A refused value: logged with its place and reason, answered as an internal error.
    pub(crate) fn refused_at_rest(&self, label: &str, why: Refusal) -> ServiceError {
        tracing::error!(
            place = label,
            reason = why.describe(),
            "a stored value failed its integrity check and was not served"
        );
        ServiceError::Internal(anyhow::anyhow!(
            "stored value at {label} refused: {}",
            why.describe()
        ))
    }

    /// Seals text for `label`.
    pub(crate) fn seal_text(&self, label: &str, plain: &str) -> Result<Sealed> {
        Ok(self.at_rest()?.seal_text(label, plain))
    }

    /// Opens text stored for `label`, refusing (and logging) a value that fails its check.
    pub(crate) fn open_text(&self, label: &str, stored: &Sealed) -> Result<String> {
        match self.at_rest()?.open_text(label, stored) {
            Ok(t) => Ok(t),
            Err(why) => Err(self.refused_at_rest(label, why)),
        }
    }

    /// A document's current body, opened.
    pub(crate) fn document_body(&self, id: i64, body: &Sealed) -> Result<String> {
        self.open_text(&body_label(id), body)
    }

    /// A saved version's body, opened.
    pub(crate) fn version_body(&self, v: &xn_store::documents::VersionRow) -> Result<String> {
        self.open_text(&version_label(v.document_id, v.no), &v.body)
    }

    /// Saves the next version of a document's text (sealed at its places) and makes it
    /// current; returns its number.
    #[expect(clippy::too_many_arguments, reason = "one version row")]
    pub(crate) async fn save_version(
        &self,
        tx: &mut xn_store::Tx,
        id: i64,
        title: &str,
        body: &str,
        post_id: i64,
        person_id: i64,
        note: Option<&str>,
        at: i64,
    ) -> Result<i64> {
        let keys = self.at_rest()?;
        let sealed = |no: i64| {
            (
                keys.seal_text(&body_label(id), body),
                keys.seal_text(&version_label(id, no), body),
            )
        };
        Ok(
            xn_store::documents::save_version(tx, id, title, sealed, post_id, person_id, note, at)
                .await?,
        )
    }

    /// Sets the body of a document that keeps no versions (a 收文's text), sealed.
    pub(crate) async fn set_document_body(
        &self,
        tx: &mut xn_store::Tx,
        id: i64,
        body: &str,
    ) -> Result<()> {
        let sealed = self.seal_text(&body_label(id), body)?;
        Ok(xn_store::documents::set_body(tx, id, &sealed).await?)
    }

    /// Stores a file's bytes under their SM3 `hash` (once), sealed.
    pub(crate) async fn put_file(
        &self,
        tx: &mut xn_store::Tx,
        hash: &str,
        bytes: &[u8],
        at: i64,
    ) -> Result<()> {
        let sealed = self.at_rest()?.seal(&blob_label(hash), bytes);
        xn_store::documents::put_blob(tx, hash, &sealed, bytes.len(), at).await?;
        Ok(())
    }

    /// A stored file's bytes, checked (tag, then the SM3 of the plain bytes against its name).
    pub(crate) async fn file_bytes(&self, hash: &str) -> Result<Vec<u8>> {
        let stored = xn_store::documents::get_blob(self.db(), hash).await?;
        self.open_file(hash, &stored)
    }

    fn open_file(&self, hash: &str, stored: &[u8]) -> Result<Vec<u8>> {
        let label = blob_label(hash);
        let plain = match self.at_rest()?.open(&label, stored) {
            Ok(p) => p,
            Err(why) => return Err(self.refused_at_rest(&label, why)),
        };
        if hex::encode(sm3::Sm3::digest(&plain)) != hash {
            return Err(self.refused_at_rest(&label, Refusal::Tampered));
        }
        Ok(plain)
    }
}

/// The newest migration that began keeping more at rest sealed (0055: bodies, versions and
/// files; 0056: opinions). The start that applies it seals what earlier builds kept in plain.
pub const SEALED_SINCE_MIGRATION: i64 = 56;

/// What [`Services::seal_legacy_at_rest`] sealed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LegacySealed {
    /// Stored files.
    pub files: usize,
    /// Documents' current bodies.
    pub bodies: usize,
    /// Saved versions.
    pub versions: usize,
    /// Opinions: tasks' and 签发意见.
    pub opinions: usize,
    /// Cases' engine states holding those opinions.
    pub states: usize,
}

/// Rows read per statement while sealing.
const LEGACY_BATCH: i64 = 200;

impl Services {
    /// Seals, in one transaction, every body, file and opinion an earlier build stored in plain. Run by
    /// the server only at the start that applied [`SEALED_SINCE_MIGRATION`] (the upgrade
    /// itself), so a plain value written into the database later is refused on reading, never
    /// sealed; `xiaoneng at-rest seal-legacy` runs it by hand if that start was cut short.
    pub async fn seal_legacy_at_rest(&self) -> Result<LegacySealed> {
        use xn_store::documents as store;
        let keys = self.at_rest()?.clone();
        let mut done = LegacySealed::default();
        let mut tx = self.db().begin().await?;
        loop {
            let batch = store::unsealed_blobs(&mut tx, LEGACY_BATCH).await?;
            if batch.is_empty() {
                break;
            }
            for (hash, bytes) in batch {
                store::seal_blob(&mut tx, &hash, &keys.seal(&blob_label(&hash), &bytes)).await?;
                done.files += 1;
            }
        }
        let mut after = 0;
        loop {
            let batch = store::plain_bodies(&mut tx, after, LEGACY_BATCH).await?;
            let Some(last) = batch.last().map(|b| b.0) else {
                break;
            };
            for (id, body) in batch {
                store::set_body(&mut tx, id, &keys.seal_text(&body_label(id), &body)).await?;
                done.bodies += 1;
            }
            after = last;
        }
        let mut after = (0, 0);
        loop {
            let batch = store::plain_versions(&mut tx, after, LEGACY_BATCH).await?;
            let Some(last) = batch.last().map(|v| (v.0, v.1)) else {
                break;
            };
            for (id, no, body) in batch {
                let sealed = keys.seal_text(&version_label(id, no), &body);
                store::set_version_body(&mut tx, id, no, &sealed).await?;
                done.versions += 1;
            }
            after = last;
        }
        self.seal_legacy_opinions(&mut tx, &keys, &mut done).await?;
        tx.commit().await?;
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_opens_only_at_its_place_under_its_key_and_unchanged() {
        let k = AtRest::new(b"0123456789abcdef");
        let sealed = k.seal("blob:x", b"hello");
        assert_ne!(&sealed[HEAD_LEN..HEAD_LEN + 5], b"hello");
        assert_eq!(k.open("blob:x", &sealed).unwrap(), b"hello");
        assert_eq!(k.open("blob:y", &sealed), Err(Refusal::Tampered));
        let other = AtRest::new(b"fedcba9876543210");
        assert_eq!(other.open("blob:x", &sealed), Err(Refusal::OtherKey));
        assert_eq!(k.open("blob:x", b"hello"), Err(Refusal::NotSealed));
        for i in 0..sealed.len() {
            let mut t = sealed.clone();
            t[i] ^= 0x01;
            assert!(
                k.open("blob:x", &t).is_err(),
                "byte {i} flipped was not detected"
            );
        }
        let text = k.seal_text("document:1:body", "正文");
        assert!(text.0.starts_with("sm4:"));
        assert_eq!(k.open_text("document:1:body", &text).unwrap(), "正文");
        assert_eq!(
            k.open_text("document:2:body", &text),
            Err(Refusal::Tampered)
        );
        assert_eq!(k.seal_text("document:1:body", ""), Sealed::default());
        assert_eq!(
            k.open_text("document:1:body", &Sealed("正文".into())),
            Err(Refusal::NotSealed)
        );
    }
}
