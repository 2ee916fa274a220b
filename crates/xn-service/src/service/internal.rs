//! 内部办事: the office's own staff, and the leaders it serves, ask its 内务 and 后勤 for a car,
//! a meeting room and reception, supplies, a repair, the seal or a duty roster. Such a request
//! is a service request of channel `internal` from a category of the internal catalogue, and
//! goes round the same loop: the office's dispatchers accept it and dispatch it to a post of
//! the office (its 内务 or 后勤), which signs, works and answers it on the same limits (the
//! internal categories mostly in working hours), and the one who asked rates it. Its rating is
//! not 群众满意: it is the office's service to its own people, and counts in the lead post's
//! and unit's figures like any request they handle.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::calendar::business_date;
use xn_domain::org::{Permission, UnitKind};
use xn_domain::service::{Channel, Urgency, VisitResult};
use xn_store::service::{self as store, CategoryRow, NewRequest};

use super::intake::{Submitted, checked_files, new_code};
use super::{Service, bounded};
use crate::{Actor, Result, ServiceError, ms, require};

/// A request of the office's own staff.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct InternalInput {
    /// Category id (of the internal catalogue).
    pub category: i64,
    /// 地点 (where the car is needed, the room, what is broken).
    #[serde(default)]
    pub location: String,
    /// 事由和要求.
    pub description: String,
    /// 紧急程度.
    #[serde(default)]
    #[schema(value_type = String, example = "normal")]
    pub urgency: Urgency,
}

impl Service<'_> {
    /// The internal catalogue: 用车, 会议室和接待, 物品领用, 维修, 印章使用, 值班安排 (and what
    /// the office adds).
    pub async fn internal_categories(&self) -> Result<Vec<CategoryRow>> {
        Ok(store::categories(self.svc.db())
            .await?
            .into_iter()
            .filter(|c| c.scope == "internal")
            .collect())
    }

    /// The government whose office serves the actor's 内部办事: the actor works in a
    /// government's office (or a section of it) or is one of its leaders. Anyone else (a
    /// bureau's staff, who have their own office) is refused.
    pub async fn internal_government(&self, actor: &Actor) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.svc.db().begin_read().await?;
        let chain = self.svc.unit_chain(&mut tx, post.unit_id).await?;
        let government = chain.government().map(|g| g.id);
        let office = match government {
            Some(g) => store::office_of_government(&mut tx, g).await?,
            None => None,
        };
        drop(tx);
        // The government's own posts (its leaders) and its office's (any section of it); a
        // bureau, a township or a centre under the government has an office of its own.
        let served = chain.unit().is_some_and(|u| u.kind == UnitKind::Government)
            || office.is_some_and(|o| chain.contains(o));
        match government {
            Some(g) if served => Ok(g),
            _ => Err(ServiceError::Forbidden(
                "内部办事由政府领导和政府办公室（厅）工作人员提出".into(),
            )),
        }
    }

    /// 申请: a request to the office's 内务 and 后勤, waiting for 受理 like any other.
    pub async fn apply(
        &self,
        actor: &Actor,
        input: &InternalInput,
        files: &[(&str, &[u8])],
        now: DateTime<Utc>,
    ) -> Result<Submitted> {
        let government = self.internal_government(actor).await?;
        let post = actor.post_id().unwrap_or_default();
        if !self
            .internal_categories()
            .await?
            .iter()
            .any(|c| c.id == input.category)
        {
            return Err(ServiceError::invalid("category", "请选择办事类别"));
        }
        let location = bounded("location", "地点", &input.location, 0, 100)?;
        let description = bounded("description", "事由和要求", &input.description, 4, 2000)?;
        let files = checked_files(files)?;
        let name = store::holder_name(self.svc.db(), post).await?;
        let today = business_date(now);
        let code = new_code();
        let mut tx = self.svc.db().begin().await?;
        let id = store::insert_request(
            &mut tx,
            &NewRequest {
                code: &code,
                government_id: government,
                channel: Channel::Internal.code(),
                category_id: input.category,
                anonymous: false,
                requester_name: &name,
                phone: "",
                phone_hash: "",
                location: &location,
                description: &description,
                urgency: input.urgency.code(),
                received_on: &today.to_string(),
                source_hash: "",
                registered_by: None,
                requester_post: Some(post),
            },
            ms(now),
        )
        .await?;
        self.store_files(&mut tx, id, files, now).await?;
        store::progress(&mut tx, id, "已提交", "申请已提交，等待受理", ms(now)).await?;
        let dispatchers = self.svc.service_dispatchers(&mut tx, government).await?;
        crate::meetings::tell(
            &mut tx,
            &dispatchers,
            "service.applied",
            &format!("service:{id}"),
            &format!("{name} 提出内部办事申请，请受理"),
            now,
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "service.applied",
            Some(format!("service:{id}")),
            json!({"channel": "internal", "category": input.category}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Submitted { id, code })
    }

    /// 评价 by the one who asked: completes the 回访 in the name of the dispatcher post holding
    /// it, the opinion saying the requester gave it (as on the public tracking page).
    pub async fn rate_own(
        &self,
        actor: &Actor,
        id: i64,
        result: VisitResult,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let (r, _) = self.reachable(actor, id).await?;
        // The asker may also be a dispatcher (a 副主任 asking for a car): the row decides.
        if r.requester_post_id.is_none() || r.requester_post_id != actor.post_id() {
            return Err(ServiceError::Forbidden("只有申请人可以评价".into()));
        }
        let case = r.case_id.ok_or_else(not_rating)?;
        self.rate_by_requester(r.id, case, result, reason, NOT_RATING, now)
            .await
    }
}

const NOT_RATING: &str = "该申请当前不在评价环节";

fn not_rating() -> ServiceError {
    ServiceError::Conflict {
        code: "service.state",
        message: NOT_RATING.into(),
    }
}
