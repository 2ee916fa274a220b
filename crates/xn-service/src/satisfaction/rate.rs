//! The ratings: a leader's on a closed 督办件 they instructed, a county's or bureau's on a 收文
//! the office handled for it to the end, and the higher office's evaluation entered by the
//! office's 主任 or 副主任.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::calendar::business_date;
use xn_domain::satisfaction::{self as rules, Rating};
use xn_store::satisfaction::{self as store, NewRating, RateableRow};

use super::{Satisfaction, month_of, parse_month};
use crate::{Actor, Result, ServiceError, ms};

/// A rating given (`POST /api/v1/satisfaction/ratings`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct RateInput {
    /// `supervision` (a 督办件, rated by the instructing leader) or `document` (a 收文, rated
    /// by the sending county or bureau).
    #[serde(default)]
    pub item_kind: String,
    /// The item's id.
    #[serde(default)]
    pub item_id: i64,
    /// `satisfied`, `basically` or `unsatisfied` (or 满意, 基本满意, 不满意).
    #[serde(default)]
    pub result: String,
    /// An optional comment, up to 500 characters.
    #[serde(default)]
    pub comment: String,
}

/// A rating recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rated {
    /// The rating's id.
    pub id: i64,
    /// `grassroots` or `leader`.
    pub source: String,
    /// The result code.
    pub result: String,
    /// The month it counts in (Beijing).
    pub month: String,
}

/// The higher office's evaluation of a month (`POST /api/v1/satisfaction/higher`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct HigherInput {
    /// `YYYY-MM`, not after the present month.
    #[serde(default)]
    pub month: String,
    /// 0–100.
    #[serde(default)]
    pub score: Option<i64>,
    /// The higher office's words, up to 500 characters.
    #[serde(default)]
    pub comment: String,
}

impl Satisfaction<'_> {
    /// Rates a closed item once: a 督办件 by the leader whose instruction it came from (领导满意),
    /// a 收文 handled to the end by the drafter or signer of the county's or bureau's document
    /// it came from (基层满意). Someone who may not rate it is told it does not exist unless
    /// it is their unit's item (403); an open item or one rated already answers 409.
    pub async fn rate(
        &self,
        actor: &Actor,
        input: &RateInput,
        now: DateTime<Utc>,
    ) -> Result<Rated> {
        crate::require(actor, xn_domain::org::Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let (source, kind) = match input.item_kind.as_str() {
            "supervision" => ("leader", "supervision"),
            "document" => ("grassroots", "document"),
            _ => {
                return Err(ServiceError::invalid(
                    "item_kind",
                    "只能评价督办件（supervision）或收文（document）",
                ));
            }
        };
        let result = Rating::from_code(input.result.trim())
            .or_else(|| Rating::from_label(input.result.trim()))
            .ok_or_else(|| ServiceError::invalid("result", "请选择满意、基本满意或不满意"))?;
        let comment =
            rules::comment(&input.comment).map_err(|m| ServiceError::invalid("comment", m))?;
        let item = store::rateable(self.svc.db(), kind, input.item_id)
            .await?
            .ok_or(ServiceError::NotFound("事项"))?;
        if kind == "document" && !self.sent_by_grassroots(&item).await? {
            return Err(ServiceError::NotFound("事项"));
        }
        let rater = item.rater_a == Some(post.id) || item.rater_b == Some(post.id);
        if !rater {
            if post.unit_id == item.from_unit || post.unit_id == item.rated_unit {
                return Err(ServiceError::Forbidden(match source {
                    "leader" => "只有作出批示的领导可以评价此督办件".into(),
                    _ => "只有来文的拟稿人或签发人可以评价此收文".into(),
                }));
            }
            return Err(ServiceError::NotFound("事项"));
        }
        if !post
            .clearance
            .may_see(crate::meetings::clearance_of(&item.classification))
        {
            return Err(ServiceError::NotFound("事项"));
        }
        if !item.closed {
            return Err(ServiceError::Conflict {
                code: "satisfaction.not_closed",
                message: "事项办结后才能评价".into(),
            });
        }
        let month = month_of(business_date(now));
        let mut tx = self.svc.db().begin().await?;
        let id = store::insert_rating(
            &mut tx,
            &NewRating {
                source,
                item_kind: kind,
                item_id: item.item_id,
                rater_post: post.id,
                rater_unit: post.unit_id,
                rated_unit: item.rated_unit,
                rated_post: item.rated_post,
                result: result.code(),
                comment: &comment,
                month: &month,
            },
            ms(now),
        )
        .await?
        .ok_or_else(|| ServiceError::Conflict {
            code: "satisfaction.already_rated",
            message: "此事项已评价，不能再次评价".into(),
        })?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "satisfaction.rated",
            Some(format!("{kind}:{}", item.item_id)),
            json!({"source": source, "result": result.code(), "comment": comment,
                   "rated_unit": item.rated_unit, "month": month}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Rated {
            id,
            source: source.to_owned(),
            result: result.code().to_owned(),
            month,
        })
    }

    /// Whether the acting post may rate an item now (closed, unrated, and theirs to rate): the
    /// item's page offers the rating then.
    pub async fn may_rate(&self, actor: &Actor, item_kind: &str, item_id: i64) -> Result<bool> {
        let Some(post) = actor.post.as_ref() else {
            return Ok(false);
        };
        let Some(item) = store::rateable(self.svc.db(), item_kind, item_id).await? else {
            return Ok(false);
        };
        Ok(item.closed
            && item.result.is_none()
            && (item.rater_a == Some(post.id) || item.rater_b == Some(post.id))
            && (item_kind != "document" || self.sent_by_grassroots(&item).await?))
    }

    /// Whether a 收文 came from the grassroots: its sender is under the receiving unit's
    /// government but outside the receiving office (a county's office, a bureau).
    pub(super) async fn sent_by_grassroots(&self, item: &RateableRow) -> Result<bool> {
        let db = self.svc.db();
        let receiver = store::chain(db, item.rated_unit).await?;
        let sender = store::chain(db, item.from_unit).await?;
        let Some(gov) = receiver.iter().find(|u| u.kind == "government") else {
            return Ok(false);
        };
        let office = receiver.iter().find(|u| u.kind == "office").map(|u| u.id);
        Ok(sender.iter().any(|u| u.id == gov.id)
            && !sender
                .iter()
                .any(|u| Some(u.id) == office || u.id == item.rated_unit)
            && sender.first().map(|u| u.id) != Some(gov.id))
    }

    /// Enters the higher office's evaluation of the acting office for a month (replacing
    /// what was entered for it), by the office's 主任 or 副主任. An ended month already stored
    /// is stored again with it.
    pub async fn enter_higher(
        &self,
        actor: &Actor,
        input: &HigherInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        crate::require(actor, xn_domain::org::Permission::FlowWork)?;
        let post = actor
            .post
            .as_ref()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let s = xn_store::efficiency::standing(self.svc.db(), post.id).await?;
        if s.unit_kind != "office" || !matches!(s.position.as_str(), "director" | "deputy_director")
        {
            return Err(ServiceError::Forbidden(
                "上级评价由办公室主任或副主任录入".into(),
            ));
        }
        let (month, _, _) = parse_month(&input.month)?;
        if month > month_of(business_date(now)) {
            return Err(ServiceError::invalid("month", "不能录入以后月份的上级评价"));
        }
        let score = input
            .score
            .filter(|s| (0..=100).contains(s))
            .ok_or_else(|| ServiceError::invalid("score", "上级评价分应为 0–100 的整数"))?;
        let comment =
            rules::comment(&input.comment).map_err(|m| ServiceError::invalid("comment", m))?;
        let mut tx = self.svc.db().begin().await?;
        let id = store::put_higher(
            &mut tx,
            s.unit_id,
            &month,
            score,
            &comment,
            (post.id, ms(now)),
        )
        .await?;
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "satisfaction.higher_entered",
            Some(format!("satisfaction_higher:{id}")),
            json!({"office": s.unit_id, "month": month, "score": score, "comment": comment}),
            now,
        )
        .await?;
        tx.commit().await?;
        if store::months_stored(self.svc.db()).await?.contains(&month) {
            self.store_month(&month, now).await?;
        }
        Ok(id)
    }
}
