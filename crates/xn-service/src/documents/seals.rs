//! Seal images (印章) of issuing units: uploaded by the security administrator, checked to be a
//! PNG by their content, stored encrypted with SM4-CBC (GB/T 32907-2016) under the
//! installation's seal key with a random IV per image, and decrypted only to be placed on a
//! document at 印制. No page or API ever hands out the image itself.
//!
//! The key is `Settings::seal_key` (xn-web reads it from the configuration, or from a key file
//! it creates in the data directory on first start). Each stored image records the first bytes
//! of the key's SM3, so an image stored under another key is reported as such, not as garbage.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::Serialize;
use sm3::Digest;
use utoipa::ToSchema;
use xn_domain::org::Permission;
use xn_render::gbt9704::{DocSpec, Format, RenderOptions};
use xn_store::Tx;
use xn_store::documents::{self as store, SealRow};

use super::{AttachmentFile, Documents, audit};
use crate::{Actor, Result, ServiceError, Services, events, from_ms, ms, require};

/// The largest seal image accepted (2 MiB).
pub const MAX_SEAL_BYTES: usize = 2 * 1024 * 1024;

type Enc = cbc::Encryptor<sm4::Sm4>;
type Dec = cbc::Decryptor<sm4::Sm4>;

/// An issuing unit and its seal, as the seal page shows it (never the image).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SealStatus {
    /// The unit.
    pub unit_id: i64,
    /// Its name.
    pub unit_name: String,
    /// Its 机关代字.
    pub issuer_code: String,
    /// Whether it has a seal image.
    pub has_seal: bool,
    /// The current image's id.
    pub seal_id: Option<i64>,
    /// Its size in bytes.
    pub size: Option<i64>,
    /// When it was uploaded.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub uploaded_at: Option<DateTime<Utc>>,
    /// How many images were stored over time (replacements keep the earlier ones).
    pub versions: i64,
}

/// The seal key: the configured one (32 hex digits), else the key file `seal.key` in the data
/// directory, created with a random key (and mode 0600 on Unix) when it does not exist yet.
/// Several servers sharing one PostgreSQL database must be given the same key.
pub fn load_or_create_seal_key(
    configured: Option<&str>,
    data_dir: &std::path::Path,
) -> std::result::Result<[u8; 16], String> {
    let parse = |text: &str, from: &str| -> std::result::Result<[u8; 16], String> {
        hex::decode(text.trim())
            .ok()
            .and_then(|b| <[u8; 16]>::try_from(b.as_slice()).ok())
            .ok_or_else(|| format!("{from} 中的印章密钥应为 32 位十六进制数字"))
    };
    if let Some(k) = configured.filter(|k| !k.trim().is_empty()) {
        return parse(k, "配置项 seal_key");
    }
    let path = data_dir.join("seal.key");
    match std::fs::read_to_string(&path) {
        Ok(text) => parse(&text, &path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Written whole to a file of its own, then linked into place: a server starting at
            // the same moment either wins the link or reads the complete key of the one that did.
            std::fs::create_dir_all(data_dir)
                .map_err(|e| format!("无法创建数据目录 {}：{e}", data_dir.display()))?;
            let mut key = [0u8; 16];
            rand::rng().fill_bytes(&mut key);
            let tmp = data_dir.join(format!("seal.key.{}", hex::encode(&key[..4])));
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let written = opts.open(&tmp).and_then(|mut f| {
                std::io::Write::write_all(&mut f, format!("{}\n", hex::encode(key)).as_bytes())?;
                f.sync_all()
            });
            if let Err(e) = written {
                let _ = std::fs::remove_file(&tmp);
                return Err(format!("无法写入印章密钥文件 {}：{e}", tmp.display()));
            }
            let linked = std::fs::hard_link(&tmp, &path);
            let _ = std::fs::remove_file(&tmp);
            match linked {
                Ok(()) => Ok(key),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(&path)
                        .map_err(|e| format!("无法读取印章密钥文件 {}：{e}", path.display()))?;
                    parse(&text, &path.display().to_string())
                }
                Err(e) => Err(format!("无法创建印章密钥文件 {}：{e}", path.display())),
            }
        }
        Err(e) => Err(format!("无法读取印章密钥文件 {}：{e}", path.display())),
    }
}

pub(crate) fn key_check(key: &[u8; 16]) -> String {
    hex::encode(&sm3::Sm3::digest(key)[..4])
}

/// Encrypts with SM4-CBC and PKCS#7 padding under a fresh random IV; returns (IV, ciphertext).
pub(crate) fn encrypt(key: &[u8; 16], plain: &[u8]) -> ([u8; 16], Vec<u8>) {
    let mut iv = [0u8; 16];
    rand::rng().fill_bytes(&mut iv);
    let enc = Enc::new(&(*key).into(), &iv.into());
    (iv, enc.encrypt_padded_vec::<Pkcs7>(plain))
}

/// Decrypts what [`encrypt`] wrote.
pub(crate) fn decrypt(key: &[u8; 16], iv: &[u8], cipher: &[u8]) -> Option<Vec<u8>> {
    let iv: [u8; 16] = iv.try_into().ok()?;
    Dec::new(&(*key).into(), &iv.into())
        .decrypt_padded_vec::<Pkcs7>(cipher)
        .ok()
}

/// Width and height of a PNG, read from its content; `None` if it is not one.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if infer::get(bytes).map(|t| t.mime_type()) != Some("image/png") {
        return None;
    }
    let reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .ok()?;
    let info = reader.info();
    Some((info.width, info.height))
}

impl Services {
    fn seal_key(&self) -> Result<[u8; 16]> {
        self.settings()
            .seal_key
            .ok_or_else(|| ServiceError::Conflict {
                code: "seals.no_key",
                message: "服务器未配置印章密钥，不能保存或使用印章".into(),
            })
    }

    /// The decrypted seal image of a unit and its id, if it has one.
    pub(crate) async fn seal_png_tx(
        &self,
        tx: &mut Tx,
        unit_id: i64,
    ) -> Result<Option<(i64, Vec<u8>)>> {
        let Some(row) = store::current_seal_tx(tx, unit_id).await? else {
            return Ok(None);
        };
        let key = self.seal_key()?;
        if row.key_check != key_check(&key) {
            return Err(ServiceError::Conflict {
                code: "seals.wrong_key",
                message:
                    "印章图像是用另一把印章密钥加密的：请检查服务器的印章密钥配置，或重新上传印章"
                        .into(),
            });
        }
        let iv = hex::decode(&row.iv).unwrap_or_default();
        let plain = decrypt(&key, &iv, &row.ciphertext)
            .filter(|p| hex::encode(sm3::Sm3::digest(p)) == row.plain_sm3)
            .ok_or_else(|| ServiceError::Conflict {
                code: "seals.corrupt",
                message: "印章图像无法解密或已损坏，请安全保密管理员重新上传".into(),
            })?;
        Ok(Some((row.id, plain)))
    }
}

impl Documents<'_> {
    /// Stores (or replaces) the seal image of an issuing unit; returns its id. Security
    /// administrator only; the PNG is checked by content and stored SM4-encrypted.
    pub async fn upload_seal(
        &self,
        actor: &Actor,
        unit_id: i64,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::SecurityAdmin)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        if bytes.is_empty() {
            return Err(ServiceError::invalid("file", "请选择印章图像文件"));
        }
        if bytes.len() > MAX_SEAL_BYTES {
            return Err(ServiceError::invalid("file", "印章图像不能超过 2 MB"));
        }
        let (width, height) = png_size(bytes).ok_or_else(|| {
            ServiceError::invalid(
                "file",
                "印章图像须为 PNG 格式（红色印模、透明背景），按文件内容判断，不看扩展名",
            )
        })?;
        if !(100..=4000).contains(&width) || !(100..=4000).contains(&height) {
            return Err(ServiceError::invalid(
                "file",
                format!("印章图像应为 100–4000 像素见方，此图为 {width}×{height}"),
            ));
        }
        let key = self.svc.seal_key()?;
        let (iv, ciphertext) = encrypt(&key, bytes);
        let plain_sm3 = hex::encode(sm3::Sm3::digest(bytes));
        let mut tx = self.svc.db().begin().await?;
        let (_, _, unit_name, code) = xn_store::org::unit_brief(&mut tx, unit_id)
            .await
            .map_err(ServiceError::missing("单位"))?;
        if code.as_deref().is_none_or(str::is_empty) {
            return Err(ServiceError::invalid(
                "unit",
                format!("{unit_name}没有机关代字，不是发文机关，不能设置印章"),
            ));
        }
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let id = store::insert_seal(
            &mut tx,
            &SealRow {
                id: 0,
                unit_id,
                ciphertext,
                iv: hex::encode(iv),
                key_check: key_check(&key),
                plain_sm3: plain_sm3.clone(),
                plain_size: size,
                width: i64::from(width),
                height: i64::from(height),
                post_id: post.id,
                created_at: ms(now),
            },
        )
        .await?;
        events::record(
            &mut tx,
            &audit(actor),
            "documents.seal_uploaded",
            Some(format!("unit:{unit_id}")),
            serde_json::json!({ "seal_id": id, "sm3": plain_sm3, "size": size,
                "width": width, "height": height }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every issuing unit and whether it has a seal (security administrator only).
    pub async fn seals(&self, actor: &Actor) -> Result<Vec<SealStatus>> {
        require(actor, Permission::SecurityAdmin)?;
        Ok(store::seal_overview(self.svc.db())
            .await?
            .into_iter()
            .map(
                |(unit_id, unit_name, issuer_code, seal_id, size, at, versions)| SealStatus {
                    unit_id,
                    unit_name,
                    issuer_code,
                    has_seal: seal_id.is_some(),
                    seal_id,
                    size,
                    uploaded_at: at.map(from_ms),
                    versions,
                },
            )
            .collect())
    }

    /// A sample document of the unit with its seal placed, for the security administrator to
    /// see that the image sits right (the image itself is never served).
    pub async fn seal_preview(
        &self,
        actor: &Actor,
        unit_id: i64,
        now: DateTime<Utc>,
    ) -> Result<AttachmentFile> {
        require(actor, Permission::SecurityAdmin)?;
        let mut tx = self.svc.db().begin().await?;
        let (_, _, unit_name, _) = xn_store::org::unit_brief(&mut tx, unit_id)
            .await
            .map_err(ServiceError::missing("单位"))?;
        let png = self
            .svc
            .seal_png_tx(&mut tx, unit_id)
            .await?
            .ok_or(ServiceError::NotFound("印章"))?;
        tx.commit().await?;
        let today = xn_domain::flow::engine::business_date(now);
        let spec = DocSpec {
            format: Format::File,
            kind: "通知".into(),
            issuer: unit_name.clone(),
            title: "印章位置样张".into(),
            main_recipients: vec!["（样张）".into()],
            body: "本页为印章位置样张，仅供安全保密管理员核对印章图像的大小和位置，不是公文。"
                .into(),
            date: today,
            seal: true,
            ..DocSpec::default()
        };
        let fonts = super::print::fonts()?;
        let opts = RenderOptions {
            seal_png: Some(png.1),
            ..RenderOptions::default()
        };
        let rendered =
            tokio::task::spawn_blocking(move || xn_render::gbt9704::render(&spec, &fonts, &opts))
                .await
                .map_err(|e| ServiceError::Internal(e.into()))?
                .map_err(|e| ServiceError::invalid("seal", e.to_string()))?;
        Ok(AttachmentFile {
            name: format!("印章样张-{unit_name}.pdf"),
            mime: "application/pdf".into(),
            bytes: rendered.pdf,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{decrypt, encrypt, load_or_create_seal_key};

    #[test]
    fn the_key_file_is_created_once_and_read_back() {
        let dir = std::env::temp_dir().join(format!("xn-seal-key-{}", std::process::id()));
        let first = load_or_create_seal_key(None, &dir).unwrap();
        assert_eq!(load_or_create_seal_key(None, &dir).unwrap(), first);
        assert_eq!(
            load_or_create_seal_key(Some("000102030405060708090a0b0c0d0e0f"), &dir).unwrap(),
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        );
        assert!(load_or_create_seal_key(Some("xyz"), &dir).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn an_image_comes_back_only_under_its_key() {
        let key = [7u8; 16];
        let plain = b"\x89PNG\r\n\x1a\n not really an image, but bytes".to_vec();
        let (iv, c) = encrypt(&key, &plain);
        assert_ne!(c, plain);
        assert_eq!(decrypt(&key, &iv, &c), Some(plain.clone()));
        let (iv2, c2) = encrypt(&key, &plain);
        assert_ne!((iv, &c), (iv2, &c2), "a fresh IV each time");
        assert_ne!(decrypt(&[8u8; 16], &iv, &c), Some(plain));
    }
}
