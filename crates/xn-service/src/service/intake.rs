//! How a request comes in: the public form (no sign-in: an arithmetic challenge, limits per
//! address and per phone, every field bounded) and the office's own registration of a call, a
//! letter, a visit or a request passed down or up.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::calendar::business_date;
use xn_domain::service::{self as domain, Channel, Urgency};
use xn_store::service::{self as store, NewRequest};

use super::{DispatcherCap, Service, bounded, digest};
use crate::events::Audit;
use crate::files::{CheckedFile, check_file};
use crate::{Result, ServiceError, ms};

/// The most files a request carries.
pub const MAX_REQUEST_FILES: usize = 5;

/// How long a challenge may be answered (minutes).
const CHALLENGE_MINUTES: i64 = 30;

/// The public form's arithmetic challenge: answer `question` and send `token` back with it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Challenge {
    /// Sent back with the answer (used once).
    pub token: String,
    /// e.g. 「7 + 5 = ?」
    pub question: String,
}

/// A request from the public form.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct PublicInput {
    /// The government addressed (empty: the first one, the city's).
    #[serde(default)]
    pub government: Option<i64>,
    /// Category id.
    pub category: i64,
    /// 姓名 (not needed when anonymous).
    #[serde(default)]
    pub name: String,
    /// 匿名.
    #[serde(default)]
    pub anonymous: bool,
    /// 联系电话: needed to follow the request, also when anonymous.
    pub phone: String,
    /// 发生地点.
    #[serde(default)]
    pub location: String,
    /// 诉求内容.
    pub description: String,
    /// The challenge's token…
    pub challenge: String,
    /// …and its answer.
    pub answer: String,
}

/// A request the office registers (电话, 来信, 来访, 上级转办, 基层请示, 领导交办).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = service::RegisterInput)]
pub struct RegisterInput {
    /// Channel code (not `web`).
    #[schema(value_type = String, example = "phone")]
    pub channel: Channel,
    /// Category id.
    pub category: i64,
    /// 姓名.
    #[serde(default)]
    pub name: String,
    /// 匿名.
    #[serde(default)]
    pub anonymous: bool,
    /// 联系电话.
    #[serde(default)]
    pub phone: String,
    /// 发生地点.
    #[serde(default)]
    pub location: String,
    /// 诉求内容.
    pub description: String,
    /// 紧急程度.
    #[serde(default)]
    #[schema(value_type = String, example = "normal")]
    pub urgency: Urgency,
}

/// What a submission answers: the tracking code.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = service::Submitted)]
pub struct Submitted {
    /// The request's id (the office's).
    #[serde(skip)]
    pub id: i64,
    /// 查询码: with the phone, follows the request.
    pub code: String,
}

/// A checked request, before it is stored.
struct Checked {
    government: i64,
    category: i64,
    name: String,
    anonymous: bool,
    phone: String,
    location: String,
    description: String,
}

impl Service<'_> {
    /// A new challenge for the public form.
    pub async fn challenge(&self, now: DateTime<Utc>) -> Result<Challenge> {
        let (a, b, token) = {
            let mut rng = rand::rng();
            let a: i64 = rng.random_range(2..=19);
            let b: i64 = rng.random_range(2..=9);
            let bytes: [u8; 16] = rng.random();
            (a, b, hex::encode(bytes))
        };
        let mut tx = self.svc.db().begin().await?;
        let expires = ms(now + Duration::minutes(CHALLENGE_MINUTES));
        store::insert_challenge(&mut tx, &token, a + b, expires).await?;
        tx.commit().await?;
        Ok(Challenge {
            token,
            question: format!("{a} + {b} = ?"),
        })
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "the form's fields, shared by the public form and the registration"
    )]
    async fn check(
        &self,
        government: Option<i64>,
        category: i64,
        name: &str,
        anonymous: bool,
        phone: &str,
        phone_required: bool,
        location: &str,
        description: &str,
    ) -> Result<Checked> {
        let governments = store::governments(self.svc.db()).await?;
        let government = match government {
            None => governments
                .first()
                .map(|g| g.0)
                .ok_or(ServiceError::NotFound("受理机关"))?,
            Some(g) if governments.iter().any(|x| x.0 == g) => g,
            Some(_) => return Err(ServiceError::invalid("government", "请选择受理机关")),
        };
        let categories = store::categories(self.svc.db()).await?;
        if !categories
            .iter()
            .any(|c| c.id == category && c.scope == "public")
        {
            return Err(ServiceError::invalid("category", "请选择诉求类别"));
        }
        let name = if anonymous {
            String::new()
        } else {
            bounded("name", "姓名", name, 1, 20)?
        };
        let phone = match (phone.trim().is_empty(), phone_required) {
            (true, true) => return Err(ServiceError::invalid("phone", "请填写联系电话")),
            (true, false) => String::new(),
            (false, _) => domain::normalize_phone(phone).ok_or_else(|| {
                ServiceError::invalid("phone", "联系电话应为 5–20 位数字（可含空格和短横）")
            })?,
        };
        Ok(Checked {
            government,
            category,
            name,
            anonymous,
            phone,
            location: bounded("location", "发生地点", location, 0, 100)?,
            description: bounded("description", "诉求内容", description, 10, 2000)?,
        })
    }

    /// 网上提交: a request from the public form. Refused, with nothing stored, when the
    /// challenge is wrong or used, or when the address or the phone is over its limit
    /// (`Settings::service_public`).
    pub async fn submit(
        &self,
        input: &PublicInput,
        files: &[(&str, &[u8])],
        address: &str,
        now: DateTime<Utc>,
    ) -> Result<Submitted> {
        let c = self
            .check(
                input.government,
                input.category,
                &input.name,
                input.anonymous,
                &input.phone,
                true,
                &input.location,
                &input.description,
            )
            .await?;
        let files = checked_files(files)?;
        let limits = self.svc.settings().service_public;
        let mut tx = self.svc.db().begin().await?;
        let answer = store::take_challenge(&mut tx, input.challenge.trim(), ms(now)).await?;
        // The challenge is used whatever the answer: a wrong answer needs a new one.
        tx.commit().await?;
        let given: Option<i64> = input.answer.trim().parse().ok();
        if answer.is_none() || answer != given {
            return Err(ServiceError::invalid(
                "answer",
                "验证题答案不正确或已过期，请重新作答",
            ));
        }
        let source = digest(address);
        let phone_hash = digest(&c.phone);
        let mut tx = self.svc.db().begin().await?;
        let recent =
            store::submitted_since(&mut tx, false, &source, ms(now - Duration::minutes(1))).await?;
        if recent >= i64::from(limits.per_address_per_minute) {
            return Err(ServiceError::TooFrequent(
                "提交过于频繁，请一分钟后再试".into(),
            ));
        }
        let today = business_date(now);
        let day_start =
            xn_domain::calendar::hours::from_shanghai_local(today.and_time(chrono::NaiveTime::MIN));
        let by_phone = store::submitted_since(&mut tx, true, &phone_hash, ms(day_start)).await?;
        if by_phone >= i64::from(limits.per_phone_per_day) {
            return Err(ServiceError::TooFrequent(
                "该电话号码今天提交的诉求已达上限，请明天再试或拨打热线".into(),
            ));
        }
        let code = new_code();
        let id = store::insert_request(
            &mut tx,
            &NewRequest {
                code: &code,
                government_id: c.government,
                channel: Channel::Web.code(),
                category_id: c.category,
                anonymous: c.anonymous,
                requester_name: &c.name,
                phone: if c.anonymous { "" } else { &c.phone },
                phone_hash: &phone_hash,
                location: &c.location,
                description: &c.description,
                urgency: Urgency::Normal.code(),
                received_on: &today.to_string(),
                source_hash: &source,
                registered_by: None,
                requester_post: None,
            },
            ms(now),
        )
        .await?;
        self.store_files(&mut tx, id, files, now).await?;
        store::progress(&mut tx, id, "已提交", "您的诉求已提交，等待受理", ms(now)).await?;
        crate::events::record(
            &mut tx,
            &Audit {
                person_id: None,
                post_id: None,
                ip: None,
            },
            "service.submitted",
            Some(format!("service:{id}")),
            json!({"channel": "web", "category": c.category}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Submitted { id, code })
    }

    /// 登记: a dispatcher registers a request that came by phone, letter, visit or from above
    /// or below, for their own government.
    pub async fn register(
        &self,
        cap: &DispatcherCap<'_>,
        input: &RegisterInput,
        files: &[(&str, &[u8])],
        now: DateTime<Utc>,
    ) -> Result<Submitted> {
        if input.channel == Channel::Web {
            return Err(ServiceError::invalid(
                "channel",
                "网页诉求由群众在公众页面提交，请选择其他来源渠道",
            ));
        }
        if input.channel == Channel::Internal {
            return Err(ServiceError::invalid(
                "channel",
                "内部办事由工作人员在「内部办事申请」中提出，请选择其他来源渠道",
            ));
        }
        let c = self
            .check(
                Some(cap.government),
                input.category,
                &input.name,
                input.anonymous,
                &input.phone,
                false,
                &input.location,
                &input.description,
            )
            .await?;
        let files = checked_files(files)?;
        let today = business_date(now);
        let code = new_code();
        let phone_hash = if c.phone.is_empty() {
            String::new()
        } else {
            digest(&c.phone)
        };
        let mut tx = self.svc.db().begin().await?;
        let id = store::insert_request(
            &mut tx,
            &NewRequest {
                code: &code,
                government_id: c.government,
                channel: input.channel.code(),
                category_id: c.category,
                anonymous: c.anonymous,
                requester_name: &c.name,
                phone: if c.anonymous { "" } else { &c.phone },
                phone_hash: &phone_hash,
                location: &c.location,
                description: &c.description,
                urgency: input.urgency.code(),
                received_on: &today.to_string(),
                source_hash: "",
                registered_by: Some(cap.post),
                requester_post: None,
            },
            ms(now),
        )
        .await?;
        self.store_files(&mut tx, id, files, now).await?;
        store::progress(
            &mut tx,
            id,
            "已登记",
            &format!("您的诉求已由{}登记，等待受理", input.channel.label()),
            ms(now),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &cap.actor.audit(),
            "service.registered",
            Some(format!("service:{id}")),
            json!({"channel": input.channel.code(), "category": c.category}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Submitted { id, code })
    }

    pub(super) async fn store_files(
        &self,
        tx: &mut xn_store::Tx,
        id: i64,
        files: Vec<(CheckedFile, &[u8])>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        for (seq, (f, bytes)) in files.into_iter().enumerate() {
            self.svc.put_file(tx, &f.hash, bytes, ms(now)).await?;
            let seq = i64::try_from(seq).unwrap_or(i64::MAX);
            store::insert_file(tx, id, seq + 1, &f.name, f.mime, f.size, &f.hash).await?;
        }
        Ok(())
    }
}

/// The files of a request (photos of the pothole, a scanned letter), checked before anything
/// is stored: at most [`MAX_REQUEST_FILES`], each of a type offices exchange.
pub(super) fn checked_files<'a>(
    files: &[(&str, &'a [u8])],
) -> Result<Vec<(CheckedFile, &'a [u8])>> {
    if files.len() > MAX_REQUEST_FILES {
        return Err(ServiceError::invalid(
            "file",
            format!("附件最多 {MAX_REQUEST_FILES} 个"),
        ));
    }
    files
        .iter()
        .map(|(name, bytes)| Ok((check_file(name, bytes)?, *bytes)))
        .collect()
}

/// A fresh tracking code.
pub(super) fn new_code() -> String {
    let bytes: [u8; domain::CODE_LEN] = rand::rng().random();
    domain::tracking_code(&bytes)
}
