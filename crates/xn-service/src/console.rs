//! Account operations from the server's console (`xiaoneng user …`). The password reset's
//! one-time link is made in `auth::reset` (`console_reset_password`).
//!
//! Whoever can run the binary on the server already holds the database, so these bypass the
//! role check; each is still recorded as an event marked `via: console`.

use chrono::{DateTime, Utc};
use serde_json::json;
use xn_domain::org::{Clearance, UnitKind, parse_login, parse_name};
use xn_store::org::{NewPerson, NewPost, NewUnit};

use crate::events::{Audit, record};
use crate::{Result, ServiceError, Services, ms};

const CONSOLE: Audit<'static> = Audit {
    person_id: None,
    post_id: None,
    ip: None,
};

/// A person to create from the console.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    /// Login.
    pub login: String,
    /// Name.
    pub name: String,
    /// Unit name.
    pub unit: String,
    /// Position name.
    pub position: String,
    /// Role code.
    pub role: String,
    /// Password, or `None` to generate one.
    pub password: Option<String>,
}

impl Services {
    pub(crate) async fn person_id_by_login(&self, login: &str) -> Result<i64> {
        let mut tx = self.db().begin().await?;
        let p = xn_store::org::find_person_by_login(&mut tx, &login.trim().to_ascii_lowercase())
            .await?;
        drop(tx);
        p.map(|p| p.id).ok_or(ServiceError::NotFound("登录名"))
    }

    /// Creates a person with one post; returns the generated password when none was given.
    pub async fn console_create_user(
        &self,
        u: &ConsoleUser,
        now: DateTime<Utc>,
    ) -> Result<Option<String>> {
        self.ensure_builtins().await?;
        let login =
            parse_login(&u.login).map_err(|e| ServiceError::invalid("login", e.to_string()))?;
        let name = parse_name("姓名", &u.name, 40)
            .map_err(|e| ServiceError::invalid("name", e.to_string()))?;
        let (password, generated) = match &u.password {
            Some(p) => {
                self.settings()
                    .password_policy
                    .check(p, &login)
                    .map_err(|m| ServiceError::invalid("password", m))?;
                (p.clone(), false)
            }
            None => (crate::password::initial_password(), true),
        };
        let position = xn_store::org::list_positions(self.db())
            .await?
            .into_iter()
            .find(|p| p.name == u.position)
            .ok_or_else(|| {
                ServiceError::invalid("position", format!("职务“{}”不存在", u.position))
            })?;
        let role = xn_store::org::list_roles(self.db())
            .await?
            .into_iter()
            .find(|r| r.code == u.role)
            .ok_or_else(|| {
                ServiceError::invalid(
                    "role",
                    format!(
                        "角色“{}”不存在（可选 staff、system_admin、security_admin、auditor）",
                        u.role
                    ),
                )
            })?;
        let units = xn_store::org::list_units(self.db()).await?;
        let hits: Vec<_> = units
            .iter()
            .filter(|x| x.name == u.unit || x.short_name == u.unit)
            .collect();
        let hash = self.hasher().hash(&password).await?;
        let mut tx = self.db().begin().await?;
        let unit_id = match hits.as_slice() {
            [one] => one.id,
            [] if units.is_empty() => {
                let name = parse_name("单位全称", &u.unit, 80)
                    .map_err(|e| ServiceError::invalid("unit", e.to_string()))?;
                xn_store::org::insert_unit(
                    &mut tx,
                    &NewUnit {
                        parent_id: None,
                        kind: UnitKind::Office.code().to_owned(),
                        short_name: name.clone(),
                        name,
                        issuer_code: None,
                        sort_order: 0,
                    },
                    ms(now),
                )
                .await?
            }
            [] => {
                return Err(ServiceError::invalid(
                    "unit",
                    format!("单位“{}”不存在", u.unit),
                ));
            }
            _ => {
                return Err(ServiceError::invalid(
                    "unit",
                    format!("单位“{}”有重名，请用全称", u.unit),
                ));
            }
        };
        let person_id = xn_store::org::insert_person(
            &mut tx,
            &NewPerson {
                login: login.clone(),
                name,
                phone: None,
                password_hash: hash,
                must_change_password: generated,
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
        let post_id = xn_store::org::insert_post(
            &mut tx,
            &NewPost {
                person_id,
                unit_id,
                position_id: position.id,
                title: None,
                clearance: Clearance::Public.code().to_owned(),
            },
            ms(now),
        )
        .await?;
        xn_store::org::set_post_roles(&mut tx, post_id, &[role.id]).await?;
        record(
            &mut tx,
            &CONSOLE,
            "org.person_created",
            Some(format!("person:{person_id}")),
            json!({"login": login, "role": role.code, "via": "console"}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(generated.then_some(password))
    }

    /// Locks (`true`) or unlocks an account from the console.
    pub async fn console_set_locked(
        &self,
        login: &str,
        locked: bool,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let id = self.person_id_by_login(login).await?;
        let mut tx = self.db().begin().await?;
        xn_store::org::set_locked(&mut tx, id, locked.then(|| ms(now)), true).await?;
        if locked {
            xn_store::auth::end_sessions_of_person(&mut tx, id, ms(now)).await?;
            xn_store::auth::revoke_tokens_of_person(&mut tx, id, ms(now)).await?;
        }
        let kind = if locked {
            "auth.locked_by_admin"
        } else {
            "auth.unlocked"
        };
        record(
            &mut tx,
            &CONSOLE,
            kind,
            Some(format!("person:{id}")),
            json!({"via": "console"}),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
