//! The organisation's use cases: the unit tree, persons, posts, roles and clearance.
//!
//! Duties follow 三员分立: the 系统管理员 (`org.admin`) builds the tree, adds persons and posts;
//! the 安全保密管理员 (`security.admin`) grants roles and clearance; nobody gets both duties in
//! one post.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use xn_domain::org::{ChainUnit, UnitChain};
use xn_domain::org::{
    Clearance, Permission, UnitKind, check_separation, parse_issuer_code, parse_login, parse_name,
};
use xn_store::Tx;
use xn_store::org::{NewPerson, NewPost, NewUnit, PostRow, UnitRow};

use crate::auth::ActingPost;
use crate::events::record;
use crate::{Actor, Result, ServiceError, Services, ms, require};

/// A unit as shown to people and integrations.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitView {
    /// Id.
    pub id: i64,
    /// Parent unit id.
    pub parent_id: Option<i64>,
    /// Kind code: government, office, section, bureau, other.
    pub kind: String,
    /// Kind in Chinese.
    pub kind_label: String,
    /// Full name (全称).
    pub name: String,
    /// Short name (简称).
    pub short_name: String,
    /// Issuer code (机关代字).
    pub issuer_code: Option<String>,
    /// Order among siblings.
    pub sort_order: i64,
    /// Depth in the tree (0 at the top), for indenting lists.
    pub depth: usize,
    /// Number of direct children.
    pub child_count: usize,
}

fn unit_view(u: &UnitRow, depth: usize, child_count: usize) -> UnitView {
    let kind = u.kind.parse::<UnitKind>().unwrap_or(UnitKind::Other);
    UnitView {
        id: u.id,
        parent_id: u.parent_id,
        kind: kind.code().to_owned(),
        kind_label: kind.label().to_owned(),
        name: u.name.clone(),
        short_name: u.short_name.clone(),
        issuer_code: u.issuer_code.clone(),
        sort_order: u.sort_order,
        depth,
        child_count,
    }
}

/// A unit to create or the new values of one (form and JSON alike).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UnitInput {
    /// Parent unit; absent for a top-level unit.
    #[serde(default, deserialize_with = "crate::org::empty_as_none")]
    pub parent_id: Option<i64>,
    /// Kind code or Chinese label.
    pub kind: String,
    /// Full name.
    pub name: String,
    /// Short name; the full name when empty.
    #[serde(default)]
    pub short_name: String,
    /// Issuer code (机关代字), e.g. 东政办.
    #[serde(default)]
    pub issuer_code: String,
    /// Order among siblings.
    #[serde(default, deserialize_with = "crate::org::empty_as_none")]
    pub sort_order: Option<i64>,
}

/// Reads an empty form field as `None` (browsers send `parent_id=` for "none").
pub fn empty_as_none<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr + Deserialize<'de>,
    T::Err: std::fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw<T> {
        Value(T),
        Text(String),
    }
    match Option::<Raw<T>>::deserialize(d)? {
        None => Ok(None),
        Some(Raw::Value(v)) => Ok(Some(v)),
        Some(Raw::Text(s)) if s.trim().is_empty() => Ok(None),
        Some(Raw::Text(s)) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
    }
}

impl UnitInput {
    /// Parses into a row to store, naming the field at fault.
    pub fn parse(&self) -> Result<NewUnit> {
        let kind: UnitKind = self
            .kind
            .parse()
            .map_err(|e: xn_domain::org::OrgError| ServiceError::invalid("kind", e.to_string()))?;
        let name = parse_name("单位全称", &self.name, 80)
            .map_err(|e| ServiceError::invalid("name", e.to_string()))?;
        let short_name = if self.short_name.trim().is_empty() {
            name.clone()
        } else {
            parse_name("单位简称", &self.short_name, 40)
                .map_err(|e| ServiceError::invalid("short_name", e.to_string()))?
        };
        let issuer_code = parse_issuer_code(&self.issuer_code)
            .map_err(|e| ServiceError::invalid("issuer_code", e.to_string()))?;
        Ok(NewUnit {
            parent_id: self.parent_id,
            kind: kind.code().to_owned(),
            name,
            short_name,
            issuer_code,
            sort_order: self.sort_order.unwrap_or(0),
        })
    }
}

/// A person as shown to administrators (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonView {
    /// Id.
    pub id: i64,
    /// Login name.
    pub login: String,
    /// Full name.
    pub name: String,
    /// Mobile phone.
    pub phone: Option<String>,
    /// Whether the account is locked.
    pub locked: bool,
    /// Failed sign-ins in a row.
    pub failed_attempts: i64,
    /// Whether the next sign-in must change the password.
    pub must_change_password: bool,
}

/// Whether the actor may see account security state and clearances: administrators only.
fn reveals_security(actor: &Actor) -> bool {
    actor.has(Permission::SecurityAdmin) || actor.has(Permission::OrgAdmin)
}

/// A person as shown; the account's security state (lock, failures, password change) is filled
/// in only when `reveal` holds (for administrators).
fn person_view(p: &xn_store::org::PersonRow, reveal: bool) -> PersonView {
    PersonView {
        id: p.id,
        login: p.login.clone(),
        name: p.name.clone(),
        phone: p.phone.clone(),
        locked: reveal && p.locked_at.is_some(),
        failed_attempts: if reveal { p.failed_attempts } else { 0 },
        must_change_password: reveal && p.must_change_password != 0,
    }
}

/// A person to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PersonInput {
    /// Login name (letters, digits, `._-`).
    pub login: String,
    /// Full name.
    pub name: String,
    /// Mobile phone.
    #[serde(default)]
    pub phone: String,
    /// Initial password; one is generated when empty.
    #[serde(default)]
    pub password: String,
}

/// A post as shown, with its roles.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostView {
    /// Id.
    pub id: i64,
    /// Holder.
    pub person_id: i64,
    /// Holder's name.
    pub person_name: String,
    /// Unit.
    pub unit_id: i64,
    /// Unit's name.
    pub unit_name: String,
    /// Position.
    pub position_id: i64,
    /// Position's name.
    pub position_name: String,
    /// Title.
    pub title: Option<String>,
    /// Clearance code.
    pub clearance: String,
    /// Clearance in Chinese.
    pub clearance_label: String,
    /// Role names.
    pub roles: Vec<String>,
}

/// A post to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PostInput {
    /// Holder.
    pub person_id: i64,
    /// Unit.
    pub unit_id: i64,
    /// Position.
    pub position_id: i64,
    /// Optional title, e.g. 分管副主任.
    #[serde(default)]
    pub title: String,
}

/// A position.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PositionView {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
}

/// A role with its permissions.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoleView {
    /// Id.
    pub id: i64,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Permission codes.
    pub permissions: Vec<String>,
}

pub(crate) fn acting_post(p: &PostRow) -> ActingPost {
    ActingPost {
        id: p.id,
        unit_id: p.unit_id,
        unit_name: p.unit_name.clone(),
        unit_short_name: p.unit_short_name.clone(),
        position_name: p.position_name.clone(),
        title: p.title.clone(),
        clearance: p.clearance.parse().unwrap_or(Clearance::Public),
    }
}

/// Orders units as a tree, depth-first, each parent before its children.
fn tree_order(rows: &[UnitRow]) -> Vec<UnitView> {
    let mut children: BTreeMap<Option<i64>, Vec<&UnitRow>> = BTreeMap::new();
    for u in rows {
        children.entry(u.parent_id).or_default().push(u);
    }
    for kids in children.values_mut() {
        kids.sort_by_key(|u| (u.sort_order, u.id));
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut stack: Vec<(&UnitRow, usize)> = children
        .get(&None)
        .map(|v| v.iter().rev().map(|u| (*u, 0)).collect())
        .unwrap_or_default();
    while let Some((u, depth)) = stack.pop() {
        let kids = children.get(&Some(u.id)).map(Vec::as_slice).unwrap_or(&[]);
        out.push(unit_view(u, depth, kids.len()));
        stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
    }
    out
}

impl Services {
    /// The whole unit tree, depth-first.
    pub async fn unit_tree(&self, actor: &Actor) -> Result<Vec<UnitView>> {
        require(actor, Permission::OrgRead)?;
        let rows = xn_store::org::list_units(self.db()).await?;
        Ok(tree_order(&rows))
    }

    /// The units a document may be addressed to (`xn_domain::org::issues_documents`), in tree
    /// order: what the recipient pickers offer and what a draft is checked against.
    pub async fn recipient_units(&self, actor: &Actor) -> Result<Vec<UnitView>> {
        Ok(self
            .unit_tree(actor)
            .await?
            .into_iter()
            .filter(|u| {
                u.kind
                    .parse()
                    .is_ok_and(|k| xn_domain::org::issues_documents(k, u.issuer_code.as_deref()))
            })
            .collect())
    }

    /// One unit with its children and the posts at it.
    pub async fn unit_detail(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(UnitView, Vec<UnitView>, Vec<UnitView>, Vec<PostView>)> {
        require(actor, Permission::OrgRead)?;
        let rows = xn_store::org::list_units(self.db()).await?;
        let tree = tree_order(&rows);
        let Some(unit) = tree.iter().find(|u| u.id == id).cloned() else {
            return Err(ServiceError::NotFound("单位"));
        };
        let children = tree
            .iter()
            .filter(|u| u.parent_id == Some(id))
            .cloned()
            .collect();
        let mut ancestors = Vec::new();
        let mut cur = unit.parent_id;
        while let Some(pid) = cur {
            let Some(p) = tree.iter().find(|u| u.id == pid) else {
                break;
            };
            ancestors.push(p.clone());
            cur = p.parent_id;
        }
        ancestors.reverse();
        let posts = xn_store::org::list_posts_of_unit(self.db(), id).await?;
        let posts = self.post_views(&posts, reveals_security(actor)).await?;
        Ok((unit, ancestors, children, posts))
    }

    /// Posts as shown; clearances are filled in only when `reveal` holds (for administrators).
    async fn post_views(&self, posts: &[PostRow], reveal: bool) -> Result<Vec<PostView>> {
        let roles: BTreeMap<i64, String> = xn_store::org::list_roles(self.db())
            .await?
            .into_iter()
            .map(|r| (r.id, r.name))
            .collect();
        let mut out = Vec::with_capacity(posts.len());
        for p in posts {
            let role_ids = xn_store::org::list_post_roles(self.db(), p.id).await?;
            let clearance: Clearance = p.clearance.parse().unwrap_or(Clearance::Public);
            out.push(PostView {
                id: p.id,
                person_id: p.person_id,
                person_name: p.person_name.clone(),
                unit_id: p.unit_id,
                unit_name: p.unit_name.clone(),
                position_id: p.position_id,
                position_name: p.position_name.clone(),
                title: p.title.clone(),
                clearance: if reveal {
                    clearance.code().to_owned()
                } else {
                    String::new()
                },
                clearance_label: if reveal {
                    clearance.label().to_owned()
                } else {
                    "—".to_owned()
                },
                roles: role_ids
                    .iter()
                    .filter_map(|id| roles.get(id).cloned())
                    .collect(),
            });
        }
        Ok(out)
    }

    /// Creates a unit (系统管理员).
    pub async fn create_unit(
        &self,
        actor: &Actor,
        input: &UnitInput,
        now: DateTime<Utc>,
    ) -> Result<UnitView> {
        require(actor, Permission::OrgAdmin)?;
        let new = input.parse()?;
        if let Some(pid) = new.parent_id {
            xn_store::org::find_unit(self.db(), pid)
                .await
                .map_err(ServiceError::missing_input("parent_id", "上级单位不存在"))?;
        }
        let mut tx = self.db().begin().await?;
        let id = xn_store::org::insert_unit(&mut tx, &new, ms(now))
            .await
            .map_err(unit_conflict)?;
        record(
            &mut tx,
            &actor.audit(),
            "org.unit_created",
            Some(format!("unit:{id}")),
            json!({"name": new.name, "parent_id": new.parent_id}),
            now,
        )
        .await?;
        tx.commit().await?;
        let row = xn_store::org::find_unit(self.db(), id).await?;
        Ok(unit_view(&row, 0, 0))
    }

    /// Changes a unit (系统管理员). A unit cannot move under itself or its descendants.
    pub async fn update_unit(
        &self,
        actor: &Actor,
        id: i64,
        input: &UnitInput,
        now: DateTime<Utc>,
    ) -> Result<UnitView> {
        require(actor, Permission::OrgAdmin)?;
        let new = input.parse()?;
        // The tree is read and checked inside the transaction that changes it, with the tree
        // locked, so two concurrent moves cannot together make a cycle.
        let mut tx = self.db().begin().await?;
        xn_store::org::lock_unit_tree(&mut tx).await?;
        let rows = xn_store::org::list_units_tx(&mut tx).await?;
        if !rows.iter().any(|u| u.id == id) {
            return Err(ServiceError::NotFound("单位"));
        }
        if let Some(pid) = new.parent_id {
            if !rows.iter().any(|u| u.id == pid) {
                return Err(ServiceError::invalid("parent_id", "上级单位不存在"));
            }
            // Walk up from the new parent; the walk is bounded by the number of units.
            let mut cur = Some(pid);
            for _ in 0..=rows.len() {
                let Some(c) = cur else { break };
                if c == id {
                    return Err(ServiceError::invalid(
                        "parent_id",
                        "不能把单位移到它自己或它的下级单位之下",
                    ));
                }
                cur = rows.iter().find(|u| u.id == c).and_then(|u| u.parent_id);
            }
        }
        xn_store::org::update_unit(&mut tx, id, &new)
            .await
            .map_err(unit_conflict)?;
        record(
            &mut tx,
            &actor.audit(),
            "org.unit_updated",
            Some(format!("unit:{id}")),
            json!({"name": new.name, "parent_id": new.parent_id, "issuer_code": new.issuer_code}),
            now,
        )
        .await?;
        tx.commit().await?;
        let row = xn_store::org::find_unit(self.db(), id).await?;
        Ok(unit_view(&row, 0, 0))
    }

    /// A page of persons matching `q`, after id `after`.
    pub async fn list_persons(
        &self,
        actor: &Actor,
        q: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<PersonView>> {
        require(actor, Permission::OrgRead)?;
        let rows =
            xn_store::org::list_persons(self.db(), q.trim(), after, limit.clamp(1, 200)).await?;
        let reveal = reveals_security(actor);
        Ok(rows.iter().map(|p| person_view(p, reveal)).collect())
    }

    /// One person with the posts held.
    pub async fn person_detail(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(PersonView, Vec<PostView>)> {
        require(actor, Permission::OrgRead)?;
        let p = xn_store::org::find_person(self.db(), id)
            .await
            .map_err(ServiceError::missing("人员"))?;
        let posts = xn_store::org::list_posts_of_person(self.db(), id).await?;
        let reveal = reveals_security(actor);
        Ok((
            person_view(&p, reveal),
            self.post_views(&posts, reveal).await?,
        ))
    }

    /// Creates a person (系统管理员). Returns the view and the initial password when one was
    /// generated (shown once).
    pub async fn create_person(
        &self,
        actor: &Actor,
        input: &PersonInput,
        now: DateTime<Utc>,
    ) -> Result<(PersonView, Option<String>)> {
        require(actor, Permission::OrgAdmin)?;
        let login =
            parse_login(&input.login).map_err(|e| ServiceError::invalid("login", e.to_string()))?;
        let name = parse_name("姓名", &input.name, 40)
            .map_err(|e| ServiceError::invalid("name", e.to_string()))?;
        let phone = parse_phone(&input.phone)?;
        let (password, generated) = if input.password.is_empty() {
            (crate::password::initial_password(), true)
        } else {
            self.settings()
                .password_policy
                .check(&input.password, &login)
                .map_err(|m| ServiceError::invalid("password", m))?;
            (input.password.clone(), false)
        };
        let hash = self.hasher().hash(&password).await?;
        let mut tx = self.db().begin().await?;
        let id = xn_store::org::insert_person(
            &mut tx,
            &NewPerson {
                login: login.clone(),
                name: name.clone(),
                phone,
                password_hash: hash,
                must_change_password: true,
            },
            ms(now),
        )
        .await
        .map_err(|e| match e {
            xn_store::StoreError::Conflict(_) => ServiceError::Conflict {
                code: "person.login_taken",
                message: format!("登录名“{login}”已被使用"),
            },
            other => other.into(),
        })?;
        record(
            &mut tx,
            &actor.audit(),
            "org.person_created",
            Some(format!("person:{id}")),
            json!({"login": login, "name": name}),
            now,
        )
        .await?;
        tx.commit().await?;
        let p = xn_store::org::find_person(self.db(), id).await?;
        Ok((person_view(&p, true), generated.then_some(password)))
    }

    /// Gives a person a post (系统管理员). A new post carries no role: every role, 工作人员
    /// included, and the clearance are the security administrator's to grant. A post for a
    /// person holding an administrator's duty is made at the console.
    pub async fn create_post(
        &self,
        actor: &Actor,
        input: &PostInput,
        now: DateTime<Utc>,
    ) -> Result<PostView> {
        require(actor, Permission::OrgAdmin)?;
        xn_store::org::find_person(self.db(), input.person_id)
            .await
            .map_err(ServiceError::missing_input("person_id", "人员不存在"))?;
        xn_store::org::find_unit(self.db(), input.unit_id)
            .await
            .map_err(ServiceError::missing_input("unit_id", "单位不存在"))?;
        let positions = xn_store::org::list_positions(self.db()).await?;
        if !positions.iter().any(|p| p.id == input.position_id) {
            return Err(ServiceError::invalid("position_id", "职务不存在"));
        }
        self.refuse_admin_account(input.person_id).await?;
        let title = input.title.trim();
        let title = (!title.is_empty()).then(|| title.to_owned());
        let mut tx = self.db().begin().await?;
        let id = xn_store::org::insert_post(
            &mut tx,
            &NewPost {
                person_id: input.person_id,
                unit_id: input.unit_id,
                position_id: input.position_id,
                title,
                clearance: Clearance::Public.code().to_owned(),
            },
            ms(now),
        )
        .await?;
        record(&mut tx, &actor.audit(), "org.post_created", Some(format!("post:{id}")),
            json!({"person_id": input.person_id, "unit_id": input.unit_id, "position_id": input.position_id}), now).await?;
        tx.commit().await?;
        let row = xn_store::org::find_post(self.db(), id).await?;
        Ok(self.post_views(&[row], true).await?.remove(0))
    }

    /// Ends a post (系统管理员). Its history stays.
    pub async fn end_post(&self, actor: &Actor, id: i64, now: DateTime<Utc>) -> Result<()> {
        require(actor, Permission::OrgAdmin)?;
        let post = xn_store::org::find_post(self.db(), id)
            .await
            .map_err(ServiceError::missing("身份"))?;
        self.refuse_admin_account(post.person_id).await?;
        let mut tx = self.db().begin().await?;
        xn_store::org::deactivate_post(&mut tx, id)
            .await
            .map_err(ServiceError::missing("身份"))?;
        record(
            &mut tx,
            &actor.audit(),
            "org.post_ended",
            Some(format!("post:{id}")),
            json!({}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Refuses a change made from the pages or the API to the posts of a person who holds an
    /// administrator's duty (三员): no administrator changes another's account, or gives
    /// himself a post, alone; such changes are made at the server's console.
    async fn refuse_admin_account(&self, person_id: i64) -> Result<()> {
        if self.is_three_admin(person_id).await? {
            return Err(ServiceError::Forbidden(
                "管理员（三员）的身份和授权不能由一名管理员单独变更，请在服务器控制台办理".into(),
            ));
        }
        Ok(())
    }

    /// Sets the roles and clearance of a post (安全保密管理员), refusing a mix of the three
    /// administrators' duties.
    pub async fn set_post_access(
        &self,
        actor: &Actor,
        post_id: i64,
        role_ids: &[i64],
        clearance: &str,
        now: DateTime<Utc>,
    ) -> Result<PostView> {
        require(actor, Permission::SecurityAdmin)?;
        let target = xn_store::org::find_post(self.db(), post_id)
            .await
            .map_err(ServiceError::missing("身份"))?;
        // 三员分立: nobody grants roles or clearance to any post of their own, or they could
        // switch into an auditor's post and audit themselves.
        if target.person_id == actor.person_id {
            return Err(ServiceError::invalid(
                "roles",
                "不能为本人担任的身份授权，请由另一位安全保密管理员办理",
            ));
        }
        self.refuse_admin_account(target.person_id).await?;
        let clearance: Clearance = clearance.parse().map_err(|e: xn_domain::org::OrgError| {
            ServiceError::invalid("clearance", e.to_string())
        })?;
        let roles = self.list_roles(actor).await?;
        let mut perms = BTreeSet::new();
        for id in role_ids {
            let Some(r) = roles.iter().find(|r| r.id == *id) else {
                return Err(ServiceError::invalid("roles", "角色不存在"));
            };
            perms.extend(
                r.permissions
                    .iter()
                    .filter_map(|c| Permission::from_code(c)),
            );
        }
        let perms: Vec<Permission> = perms.into_iter().collect();
        check_separation(&perms).map_err(|m| ServiceError::invalid("roles", m))?;
        xn_store::org::find_post(self.db(), post_id)
            .await
            .map_err(ServiceError::missing("身份"))?;
        let mut tx = self.db().begin().await?;
        xn_store::org::set_post_roles(&mut tx, post_id, role_ids).await?;
        xn_store::org::set_post_clearance(&mut tx, post_id, clearance.code()).await?;
        record(
            &mut tx,
            &actor.audit(),
            "org.post_roles_set",
            Some(format!("post:{post_id}")),
            json!({"roles": role_ids, "clearance": clearance.code()}),
            now,
        )
        .await?;
        tx.commit().await?;
        let row = xn_store::org::find_post(self.db(), post_id).await?;
        Ok(self.post_views(&[row], true).await?.remove(0))
    }

    /// Every position.
    pub async fn list_positions(&self, actor: &Actor) -> Result<Vec<PositionView>> {
        require(actor, Permission::OrgRead)?;
        Ok(xn_store::org::list_positions(self.db())
            .await?
            .into_iter()
            .map(|p| PositionView {
                id: p.id,
                code: p.code,
                name: p.name,
            })
            .collect())
    }

    /// Every role with its permissions.
    pub async fn list_roles(&self, actor: &Actor) -> Result<Vec<RoleView>> {
        require(actor, Permission::OrgRead)?;
        let perms = xn_store::org::list_role_permissions(self.db()).await?;
        Ok(xn_store::org::list_roles(self.db())
            .await?
            .into_iter()
            .map(|r| RoleView {
                permissions: perms
                    .iter()
                    .filter(|(id, _)| *id == r.id)
                    .map(|(_, p)| p.clone())
                    .collect(),
                id: r.id,
                code: r.code,
                name: r.name,
            })
            .collect())
    }

    pub(crate) async fn role_id(&self, code: &str) -> Result<i64> {
        xn_store::org::list_roles(self.db())
            .await?
            .into_iter()
            .find(|r| r.code == code)
            .map(|r| r.id)
            .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("built-in role {code} missing")))
    }
}

fn unit_conflict(e: xn_store::StoreError) -> ServiceError {
    match e {
        xn_store::StoreError::Conflict(what) if what.contains("issuer") => ServiceError::Conflict {
            code: "unit.issuer_code_taken",
            message: "机关代字已被其他单位使用".to_owned(),
        },
        xn_store::StoreError::Conflict(_) => ServiceError::Conflict {
            code: "unit.name_taken",
            message: "同一上级单位下已有同名单位".to_owned(),
        },
        other => other.into(),
    }
}

/// A mobile or office phone: digits, spaces and `-+`, at most 20 characters; empty is none.
pub fn parse_phone(s: &str) -> Result<Option<String>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if s.len() > 20
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+'))
    {
        return Err(ServiceError::invalid(
            "phone",
            "电话只能包含数字、空格、“-”和“+”",
        ));
    }
    Ok(Some(s.to_owned()))
}

impl Services {
    /// A unit and every unit above it, nearest first (one query), for the rules that ask which
    /// office or government a unit belongs to.
    pub(crate) async fn unit_chain(&self, tx: &mut Tx, unit: i64) -> Result<UnitChain> {
        chain_of(xn_store::org::unit_chain(tx, unit).await?)
    }
}

/// A unit's chain as stored (nearest first) as the domain reads it; no rows: no such unit.
pub(crate) fn chain_of(rows: Vec<xn_store::org::ChainRow>) -> Result<UnitChain> {
    if rows.is_empty() {
        return Err(ServiceError::NotFound("单位"));
    }
    rows.into_iter()
        .map(|r| {
            Ok(ChainUnit {
                id: r.id,
                kind: r.kind.parse().map_err(|_| {
                    ServiceError::Internal(anyhow::anyhow!(
                        "unit {} has an unknown kind {}",
                        r.id,
                        r.kind
                    ))
                })?,
                name: r.name,
                issuer_code: r.issuer_code,
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(UnitChain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, parent: Option<i64>, name: &str, order: i64) -> UnitRow {
        UnitRow {
            id,
            parent_id: parent,
            kind: "office".into(),
            name: name.into(),
            short_name: name.into(),
            issuer_code: None,
            sort_order: order,
        }
    }

    #[test]
    fn the_tree_lists_each_parent_before_its_children_in_sort_order() {
        let rows = vec![
            row(1, None, "市政府", 0),
            row(3, Some(1), "乙", 2),
            row(2, Some(1), "甲", 1),
            row(4, Some(2), "甲科", 0),
        ];
        let names: Vec<(String, usize)> = tree_order(&rows)
            .into_iter()
            .map(|u| (u.name, u.depth))
            .collect();
        assert_eq!(
            names,
            vec![
                ("市政府".into(), 0),
                ("甲".into(), 1),
                ("甲科".into(), 2),
                ("乙".into(), 1)
            ]
        );
    }
}
