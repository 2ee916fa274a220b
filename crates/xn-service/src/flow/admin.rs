//! Process definitions (shipped and per unit) and proxies (委托).

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::flow::ProcessDef;
use xn_domain::org::Permission;
use xn_store::flow::NewProcess;

use crate::areas;
use crate::events::record;
use crate::{Actor, Result, ServiceError, Services, from_ms, ms, require};

/// A stored process definition, as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProcessSummary {
    /// Id.
    pub id: i64,
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Version.
    pub version: i64,
    /// Item kind.
    pub item_kind: String,
    /// The unit it applies to; `None` for the shipped default.
    pub unit_id: Option<i64>,
    /// `shipped` or `unit`.
    pub origin: String,
    /// Stored at.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: DateTime<Utc>,
    /// The TOML.
    pub source: String,
    /// Steps: (id, name, kind).
    pub steps: Vec<(String, String, String)>,
}

/// A proxy, as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProxyView {
    /// Id.
    pub id: i64,
    /// The post acted for.
    pub principal: String,
    /// The post acting.
    pub proxy: String,
    /// From.
    #[schema(value_type = String, format = DateTime)]
    pub starts_at: DateTime<Utc>,
    /// Until.
    #[schema(value_type = String, format = DateTime)]
    pub ends_at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Active at the time asked.
    pub active: bool,
    /// Given by the viewer's post (may be revoked by it).
    pub mine: bool,
}

impl Services {
    /// Stores each shipped definition whose text is new (a new version; running cases keep
    /// theirs). Run at every start; answers the keys stored.
    pub async fn ensure_processes(&self, now: DateTime<Utc>) -> Result<Vec<String>> {
        let mut stored = Vec::new();
        let mut tx = self.db().begin().await?;
        for (file, text) in areas::all_shipped_processes() {
            let def = ProcessDef::parse(file, text)
                .and_then(|d| {
                    d.check_contract(file, areas::contract(d.item_kind))
                        .map(|()| d)
                })
                .map_err(|e| ServiceError::Internal(anyhow::anyhow!("{e}")))?;
            if xn_store::flow::latest_shipped_source(&mut tx, &def.key)
                .await?
                .as_deref()
                == Some(text)
            {
                continue;
            }
            xn_store::flow::insert_process(
                &mut tx,
                &NewProcess {
                    key: &def.key,
                    unit_id: None,
                    name: &def.name,
                    item_kind: def.item_kind.code(),
                    source: text,
                    origin: "shipped",
                    created_by: None,
                },
                ms(now),
            )
            .await?;
            stored.push(def.key);
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// Installs a definition from outside the shipped set (the command line and the benchmark
    /// use this): validated, stored as a new shipped-level version when its text is new.
    pub async fn install_process(&self, file: &str, text: &str, now: DateTime<Utc>) -> Result<i64> {
        let def = ProcessDef::parse(file, text)
            .and_then(|d| {
                d.check_contract(file, areas::contract(d.item_kind))
                    .map(|()| d)
            })
            .map_err(|e| ServiceError::invalid("source", e.to_string()))?;
        let mut tx = self.db().begin().await?;
        if xn_store::flow::latest_shipped_source(&mut tx, &def.key)
            .await?
            .as_deref()
            != Some(text)
        {
            xn_store::flow::insert_process(
                &mut tx,
                &NewProcess {
                    key: &def.key,
                    unit_id: None,
                    name: &def.name,
                    item_kind: def.item_kind.code(),
                    source: text,
                    origin: "shipped",
                    created_by: None,
                },
                ms(now),
            )
            .await?;
        }
        tx.commit().await?;
        let row = xn_store::flow::latest_process(self.db(), &def.key, None)
            .await?
            .ok_or(ServiceError::NotFound("流程"))?;
        Ok(row.id)
    }

    /// Every stored definition.
    pub async fn list_processes(&self, actor: &Actor) -> Result<Vec<ProcessSummary>> {
        require(actor, Permission::FlowWork).or_else(|_| require(actor, Permission::FlowAdmin))?;
        let rows = xn_store::flow::list_processes(self.db()).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let steps = ProcessDef::parse(&r.key, &r.source)
                    .map(|d| {
                        d.steps
                            .iter()
                            .map(|s| {
                                (
                                    s.id.clone(),
                                    s.name.clone(),
                                    format!("{:?}", s.kind).to_lowercase(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                ProcessSummary {
                    id: r.id,
                    key: r.key,
                    name: r.name,
                    version: r.version,
                    item_kind: r.item_kind,
                    unit_id: r.unit_id,
                    origin: r.origin,
                    created_at: from_ms(r.created_at),
                    source: r.source,
                    steps,
                }
            })
            .collect())
    }

    /// Stores a unit's own version of a process (an administrator overrides the default for
    /// a unit and everything under it). Validation errors name the step and the problem. The
    /// version keeps the default's kind of item, and every step and decision that kind's area
    /// acts on (its step contract): a renamed 登记 is refused, naming it, rather than stored to
    /// number nothing.
    pub async fn save_unit_process(
        &self,
        actor: &Actor,
        unit_id: i64,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        require(actor, Permission::FlowAdmin)?;
        const FILE: &str = "上传的流程定义";
        let def = ProcessDef::parse(FILE, text)
            .map_err(|e| ServiceError::invalid("source", e.to_string()))?;
        let Some(default) = xn_store::flow::latest_process(self.db(), &def.key, None).await? else {
            return Err(ServiceError::invalid(
                "source",
                format!("没有默认流程「{}」，单位只能覆盖已有流程", def.key),
            ));
        };
        if default.item_kind != def.item_kind.code() {
            return Err(ServiceError::invalid(
                "source",
                format!(
                    "流程「{}」的事项类型须与默认流程相同（{}），不能改为「{}」",
                    def.key,
                    areas::label_of_code(&default.item_kind),
                    areas::label(def.item_kind)
                ),
            ));
        }
        def.check_contract(FILE, areas::contract(def.item_kind))
            .map_err(|e| ServiceError::invalid("source", e.to_string()))?;
        xn_store::org::find_unit(self.db(), unit_id)
            .await
            .map_err(ServiceError::missing_input("unit", "单位不存在"))?;
        let mut tx = self.db().begin().await?;
        let (id, version) = xn_store::flow::insert_process(
            &mut tx,
            &NewProcess {
                key: &def.key,
                unit_id: Some(unit_id),
                name: &def.name,
                item_kind: def.item_kind.code(),
                source: text,
                origin: "unit",
                created_by: Some(actor.person_id),
            },
            ms(now),
        )
        .await?;
        record(
            &mut tx,
            &actor.audit(),
            "flow.process_saved",
            Some(format!("process:{id}")),
            json!({"key": def.key, "unit": unit_id, "version": version}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok((id, version))
    }

    /// Gives a proxy: `proxy_post` may act for the actor's post between two instants (委托).
    pub async fn create_proxy(
        &self,
        actor: &Actor,
        proxy_post: i64,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        require(actor, Permission::FlowWork)?;
        let principal = actor
            .post_id()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        if proxy_post == principal {
            return Err(ServiceError::invalid("proxy", "不能委托给自己"));
        }
        if ends_at <= starts_at {
            return Err(ServiceError::invalid("ends_at", "结束时间须晚于开始时间"));
        }
        if ends_at <= now {
            return Err(ServiceError::invalid("ends_at", "结束时间已过"));
        }
        if (ends_at - starts_at).num_days() > 366 {
            return Err(ServiceError::invalid("ends_at", "委托期限不能超过一年"));
        }
        let mut tx = self.db().begin().await?;
        match xn_store::flow::post_unit(&mut tx, proxy_post).await? {
            Some((_, active)) if active != 0 => {}
            _ => return Err(ServiceError::invalid("proxy", "受托岗位不存在或已停用")),
        }
        let id = xn_store::flow::insert_proxy(
            &mut tx,
            principal,
            proxy_post,
            ms(starts_at),
            ms(ends_at),
            reason.trim(),
            actor.person_id,
            ms(now),
        )
        .await?;
        record(&mut tx, &actor.audit(), "flow.proxy_given", Some(format!("post:{principal}")), json!({"proxy": proxy_post, "from": starts_at, "until": ends_at, "reason": reason.trim()}), now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Proxies given by or to the acting post.
    pub async fn my_proxies(&self, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<ProxyView>> {
        let Some(post) = actor.post_id() else {
            return Ok(Vec::new());
        };
        let rows = xn_store::flow::proxies_of_post(self.db(), post).await?;
        let mut ids: Vec<i64> = rows
            .iter()
            .flat_map(|r| [r.principal_post_id, r.proxy_post_id])
            .collect();
        ids.dedup();
        let names = self.post_names(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|r| ProxyView {
                id: r.id,
                principal: names.get(&r.principal_post_id).cloned().unwrap_or_default(),
                proxy: names.get(&r.proxy_post_id).cloned().unwrap_or_default(),
                starts_at: from_ms(r.starts_at),
                ends_at: from_ms(r.ends_at),
                reason: r.reason,
                active: r.revoked_at.is_none() && r.starts_at <= ms(now) && r.ends_at > ms(now),
                mine: r.principal_post_id == post && r.revoked_at.is_none(),
            })
            .collect())
    }

    /// Ends a proxy the acting post gave.
    pub async fn revoke_proxy(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<()> {
        // Giving and ending a proxy are the same business work: a token without `flow.work`
        // ends none.
        require(actor, Permission::FlowWork)?;
        let post = actor
            .post_id()
            .ok_or_else(|| ServiceError::Forbidden("请先选择身份".into()))?;
        let mut tx = self.db().begin().await?;
        if !xn_store::flow::revoke_proxy(&mut tx, id, post, ms(now)).await? {
            return Err(ServiceError::NotFound("委托"));
        }
        record(
            &mut tx,
            &actor.audit(),
            "flow.proxy_revoked",
            Some(format!("post:{post}")),
            json!({"proxy": id}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
