//! 规章制度: an office's rules (工作规则, 值班制度, 公文处理细则 …) as versioned texts with an
//! effective date and an owner post. The office's 主任 and 副主任 add a rule; they or its owner
//! publish a new version. Publishing asks every post doing the office's work in the office and
//! its sections to acknowledge reading it (and withdraws the unanswered asks of the older
//! version); each is told, sees the ask on its day plan and workbench, and acknowledges. The
//! owner and the office's leaders see who has and has not. A post of another office neither
//! sees nor acknowledges the rule (404, as for a missing one).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::management as rules;
use xn_store::management::{self as store, NewRuleVersion, RuleRow};

use super::beijing_time;
use super::{Management, Viewer, into_invalid, parse_day};
use crate::{Actor, Result, ServiceError, ms};

/// A rule in the office's list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RuleLine {
    /// Id.
    pub id: i64,
    /// The current version's title.
    pub title: String,
    /// The current version's number.
    pub version: i64,
    /// Its effective date.
    pub effective_on: String,
    /// The owner: name and post.
    pub owner: String,
    /// The viewer's answer to the current version: `pending`, `acknowledged`, or `not_asked`.
    pub my_status: String,
    /// For the owner and the office's leaders: how many acknowledged the current version.
    pub acknowledged: Option<i64>,
    /// For the owner and the office's leaders: how many were asked.
    pub asked: Option<i64>,
}

/// The office's rules.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RulesView {
    /// The rules.
    pub rules: Vec<RuleLine>,
    /// The viewer may add a rule (the office's 主任, 副主任).
    pub may_create: bool,
    /// The posts a rule may be given to (for the form): (post, label).
    pub owners: Vec<(i64, String)>,
}

/// One version as shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RuleVersionView {
    /// Number.
    pub version: i64,
    /// Title.
    pub title: String,
    /// The text.
    pub body: String,
    /// Effective date.
    pub effective_on: String,
    /// What changed.
    pub note: String,
    /// Who published it.
    pub published_by: String,
    /// When (Beijing).
    pub published_at: String,
}

/// A post's answer to a version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AckLine {
    /// Post.
    pub post_id: i64,
    /// The holder.
    pub person: String,
    /// The post.
    pub post_label: String,
    /// The unit.
    pub unit: String,
    /// When acknowledged (Beijing), if so.
    pub acknowledged_at: Option<String>,
}

/// Who has and has not acknowledged a version.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AckSummary {
    /// The version asked about.
    pub version: i64,
    /// Posts asked.
    pub asked: i64,
    /// Of them, acknowledged.
    pub acknowledged: i64,
    /// Every post asked, the acknowledged with their time.
    pub posts: Vec<AckLine>,
}

/// A rule with one of its versions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RuleView {
    /// Id.
    pub id: i64,
    /// The owner: name and post.
    pub owner: String,
    /// The owner post.
    pub owner_post_id: i64,
    /// The current version's number.
    pub current_version: i64,
    /// The version shown (the current one unless asked for another).
    pub shown: RuleVersionView,
    /// Every version, newest first (their texts left out).
    pub versions: Vec<RuleVersionView>,
    /// The viewer's answer to the current version: `pending`, `acknowledged`, `not_asked`.
    pub my_status: String,
    /// When the viewer acknowledged (Beijing).
    pub my_acknowledged_at: Option<String>,
    /// The viewer may publish a new version (the owner, the office's leaders).
    pub may_publish: bool,
    /// For the owner and the office's leaders: the current version's acknowledgements.
    pub acks: Option<AckSummary>,
}

/// A new rule.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RuleInput {
    /// Title.
    pub title: String,
    /// The text.
    pub body: String,
    /// Effective date, `YYYY-MM-DD`.
    pub effective_on: String,
    /// The owner post (a post of the office; default the author).
    #[serde(default)]
    pub owner_post_id: Option<i64>,
}

/// A new version of a rule.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct RuleVersionInput {
    /// Title (default the current one).
    #[serde(default)]
    pub title: Option<String>,
    /// The text.
    pub body: String,
    /// Effective date, `YYYY-MM-DD`.
    pub effective_on: String,
    /// What changed.
    #[serde(default)]
    pub note: String,
}

fn status_of(ack: Option<Option<i64>>) -> &'static str {
    match ack {
        None => "not_asked",
        Some(None) => "pending",
        Some(Some(_)) => "acknowledged",
    }
}

impl Management<'_> {
    /// A rule the viewer reads (one of its own office's), or 404.
    async fn readable_rule(&self, v: &Viewer, id: i64) -> Result<RuleRow> {
        store::find_rule(self.svc.db(), id)
            .await?
            .filter(|r| v.scope.office() == Some(r.office_unit_id))
            .ok_or(ServiceError::NotFound("规章制度"))
    }

    /// Whether the viewer manages a rule: its owner, or a leader of its office.
    fn manages_rule(v: &Viewer, r: &RuleRow) -> bool {
        v.post == r.owner_post_id || v.scope.leads_office()
    }

    /// The office's rules, with the viewer's own answers.
    pub async fn rules(&self, actor: &Actor) -> Result<RulesView> {
        let v = self.viewer(actor).await?;
        let Some(office) = v.scope.office() else {
            return Ok(RulesView {
                rules: Vec::new(),
                may_create: false,
                owners: Vec::new(),
            });
        };
        let db = self.svc.db();
        let mut out = Vec::new();
        for r in store::rules_of_office(db, office).await? {
            let mine = store::my_ack(db, r.id, r.current_version, v.post).await?;
            let (acknowledged, asked) = if Self::manages_rule(&v, &r) {
                let acks = store::rule_acks(db, r.id, r.current_version).await?;
                let done = acks.iter().filter(|a| a.acknowledged_at.is_some()).count();
                (
                    Some(i64::try_from(done).unwrap_or(i64::MAX)),
                    Some(i64::try_from(acks.len()).unwrap_or(i64::MAX)),
                )
            } else {
                (None, None)
            };
            out.push(RuleLine {
                id: r.id,
                title: r.title.clone(),
                version: r.current_version,
                effective_on: r.effective_on.clone(),
                owner: format!("{}（{}）", r.owner_name, r.owner_label),
                my_status: status_of(mine).to_owned(),
                acknowledged,
                asked,
            });
        }
        let owners = if v.scope.leads_office() {
            store::staff_of_offices(db, &[office])
                .await?
                .into_iter()
                .map(|s| {
                    (
                        s.post_id,
                        format!("{} · {} {}", s.unit_name, s.post_label, s.person_name),
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(RulesView {
            rules: out,
            may_create: v.scope.leads_office(),
            owners,
        })
    }

    /// A rule with its current version, or version `version`.
    pub async fn rule(&self, actor: &Actor, id: i64, version: Option<i64>) -> Result<RuleView> {
        let v = self.viewer(actor).await?;
        let r = self.readable_rule(&v, id).await?;
        let db = self.svc.db();
        let versions: Vec<RuleVersionView> = store::rule_versions(db, id)
            .await?
            .into_iter()
            .map(|x| RuleVersionView {
                version: x.version,
                title: x.title,
                body: x.body,
                effective_on: x.effective_on,
                note: x.note,
                published_by: x.published_by,
                published_at: beijing_time(x.published_at),
            })
            .collect();
        let want = version.unwrap_or(r.current_version);
        let shown = versions
            .iter()
            .find(|x| x.version == want)
            .cloned()
            .ok_or(ServiceError::NotFound("规章制度的这一版本"))?;
        let mine = store::my_ack(db, id, r.current_version, v.post).await?;
        let acks = if Self::manages_rule(&v, &r) {
            let rows = store::rule_acks(db, id, r.current_version).await?;
            let posts: Vec<AckLine> = rows
                .into_iter()
                .map(|a| AckLine {
                    post_id: a.post_id,
                    person: a.person_name,
                    post_label: a.post_label,
                    unit: a.unit_name,
                    acknowledged_at: a.acknowledged_at.map(beijing_time),
                })
                .collect();
            Some(AckSummary {
                version: r.current_version,
                asked: i64::try_from(posts.len()).unwrap_or(i64::MAX),
                acknowledged: i64::try_from(
                    posts.iter().filter(|a| a.acknowledged_at.is_some()).count(),
                )
                .unwrap_or(i64::MAX),
                posts,
            })
        } else {
            None
        };
        Ok(RuleView {
            id,
            owner: format!("{}（{}）", r.owner_name, r.owner_label),
            owner_post_id: r.owner_post_id,
            current_version: r.current_version,
            shown,
            versions: versions
                .into_iter()
                .map(|x| RuleVersionView {
                    body: String::new(),
                    ..x
                })
                .collect(),
            my_status: status_of(mine).to_owned(),
            my_acknowledged_at: mine.flatten().map(beijing_time),
            may_publish: Self::manages_rule(&v, &r),
            acks,
        })
    }

    /// Publishes a version and asks the office's posts to acknowledge it; each is told.
    async fn publish_version(
        &self,
        actor: &Actor,
        office: i64,
        version: &NewRuleVersion<'_>,
        tx: &mut xn_store::Tx,
        now: DateTime<Utc>,
    ) -> Result<usize> {
        let posts: Vec<i64> = store::staff_of_offices(self.svc.db(), &[office])
            .await?
            .into_iter()
            .map(|s| s.post_id)
            .collect();
        store::insert_version(tx, version, &posts, ms(now)).await?;
        crate::events::record(
            tx,
            &actor.audit(),
            "management.rule_published",
            Some(format!("rule:{}", version.rule_id)),
            json!({"version": version.version, "title": version.title,
                   "effective_on": version.effective_on, "asked": posts.len()}),
            now,
        )
        .await?;
        crate::meetings::tell(
            tx,
            &posts,
            "management.rule_published",
            &format!("rule:{}", version.rule_id),
            &format!(
                "请阅知《{}》第 {} 版（{} 起施行）",
                version.title, version.version, version.effective_on
            ),
            now,
        )
        .await?;
        Ok(posts.len())
    }

    /// Adds a rule of the viewer's office (its 主任, 副主任) with its first version.
    pub async fn create_rule(
        &self,
        actor: &Actor,
        input: &RuleInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let v = self.viewer(actor).await?;
        let office = Self::office_led(&v).map_err(|_| {
            ServiceError::Forbidden("只有办公室（厅）主任、副主任可以制定规章制度".into())
        })?;
        let title = rules::check_rule_title(&input.title).map_err(into_invalid)?;
        let body = rules::check_rule_body(&input.body).map_err(into_invalid)?;
        let effective = parse_day("effective_on", &input.effective_on)?;
        let owner = input.owner_post_id.unwrap_or(v.post);
        if !store::staff_of_offices(self.svc.db(), &[office])
            .await?
            .iter()
            .any(|s| s.post_id == owner)
        {
            return Err(ServiceError::invalid(
                "owner_post_id",
                "负责岗位应为本办公室（厅）的岗位",
            ));
        }
        let mut tx = self.svc.db().begin().await?;
        let id = store::insert_rule(&mut tx, office, &title, owner, v.post, ms(now)).await?;
        self.publish_version(
            actor,
            office,
            &NewRuleVersion {
                rule_id: id,
                version: 1,
                title: &title,
                body: &body,
                effective_on: &effective.to_string(),
                note: "",
                by: v.post,
            },
            &mut tx,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Publishes a new version of a rule (its owner, the office's leaders); answers its
    /// number. Every post of the office is asked again.
    pub async fn publish_rule(
        &self,
        actor: &Actor,
        id: i64,
        input: &RuleVersionInput,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let v = self.viewer(actor).await?;
        let r = self.readable_rule(&v, id).await?;
        if !Self::manages_rule(&v, &r) {
            return Err(ServiceError::Forbidden(
                "只有制度的负责岗位或办公室（厅）主任、副主任可以发布新版本".into(),
            ));
        }
        let title = match input.title.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => rules::check_rule_title(t).map_err(into_invalid)?,
            _ => r.title.clone(),
        };
        let body = rules::check_rule_body(&input.body).map_err(into_invalid)?;
        let effective = parse_day("effective_on", &input.effective_on)?;
        let note = input.note.trim();
        if note.chars().count() > 500 {
            return Err(ServiceError::invalid("note", "修订说明不超过 500 字"));
        }
        let mut tx = self.svc.db().begin().await?;
        let current = store::lock_rule(&mut tx, id, ms(now)).await?;
        let version = current + 1;
        self.publish_version(
            actor,
            r.office_unit_id,
            &NewRuleVersion {
                rule_id: id,
                version,
                title: &title,
                body: &body,
                effective_on: &effective.to_string(),
                note,
                by: v.post,
            },
            &mut tx,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// The acting post acknowledges reading a rule's current version.
    pub async fn acknowledge_rule(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<()> {
        let v = self.viewer(actor).await?;
        let r = self.readable_rule(&v, id).await?;
        let mut tx = self.svc.db().begin().await?;
        if !store::acknowledge(&mut tx, id, r.current_version, v.post, ms(now)).await? {
            return Err(ServiceError::Conflict {
                code: "management.rule_not_pending",
                message: "当前身份没有待阅知的这一版本（已阅知或未被要求阅知）".into(),
            });
        }
        crate::events::record(
            &mut tx,
            &actor.audit(),
            "management.rule_acknowledged",
            Some(format!("rule:{id}")),
            json!({"version": r.current_version}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The rules the acting post is still asked to acknowledge (its workbench's list):
    /// (rule, version, title).
    pub async fn rules_to_acknowledge(&self, actor: &Actor) -> Result<Vec<(i64, i64, String)>> {
        let v = self.viewer(actor).await?;
        Ok(store::pending_acks(self.svc.db(), &[v.post])
            .await?
            .into_iter()
            .map(|(_, a)| (a.rule_id, a.version, a.title))
            .collect())
    }
}
