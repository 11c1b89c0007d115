//! Account administration rules, shared by the admin pages, the JSON API and the command
//! line: roles, account status, organization membership and organizations. Each change is
//! one transaction with its audit entry; the rules that keep the exchange administrable
//! (an administrator always remains, nobody locks themselves out) hold on every path.

use nsx_core::accounts::{OrgKind, Role};
use nsx_core::policy::{Action, Resource};
use serde_json::json;
use uuid::Uuid;

use super::store;
use super::{Organization, User};
use crate::audit::{self, Change};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::service::Caller;

/// The user as stored, read inside the transaction (roles included).
async fn user_in(tx: &mut Tx, id: Uuid) -> Result<User> {
    #[derive(sqlx::FromRow)]
    struct Row {
        email: String,
        display_name: String,
        organization_id: Option<Uuid>,
        disabled: bool,
        created_at: time::OffsetDateTime,
    }
    let row: Option<Row> = crate::on_tx!(tx, c => sqlx::query_as(
        "SELECT email, display_name, organization_id, disabled, created_at FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    let row = row.ok_or_else(|| Error::not_found("the user"))?;
    let names: Vec<String> = crate::on_tx!(tx, c => sqlx::query_scalar(
        "SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role",
    )
    .bind(id)
    .fetch_all(c)
    .await)?;
    let mut roles: Vec<Role> = names.iter().filter_map(|n| n.parse().ok()).collect();
    roles.sort();
    Ok(User {
        id,
        email: row.email,
        display_name: row.display_name,
        organization_id: row.organization_id,
        disabled: row.disabled,
        roles,
        created_at: row.created_at,
    })
}

fn role_names(u: &User) -> Vec<&'static str> {
    u.roles.iter().map(|r| r.as_str()).collect()
}

/// Serialises changes that could leave the exchange without an administrator: on
/// PostgreSQL every such change first locks the administrators' role rows, so two
/// concurrent revocations cannot each see the other's administrator still in place. (SQLite
/// runs one writer at a time already.)
async fn lock_administrators(tx: &mut Tx) -> Result<()> {
    if let Tx::Postgres(c) = tx {
        sqlx::query("SELECT user_id FROM user_roles WHERE role = 'admin' FOR UPDATE")
            .fetch_all(&mut **c)
            .await?;
    }
    Ok(())
}

/// Refuses a change that would leave no enabled administrator.
async fn keep_an_administrator(tx: &mut Tx) -> Result<()> {
    if store::count_with_role_in(tx, Role::Admin).await? == 0 {
        return Err(Error::Conflict(
            "this would leave the exchange without an enabled administrator; grant the role to \
             someone else first"
                .into(),
        ));
    }
    Ok(())
}

/// Grants and revokes roles in one change. A user acting on themselves cannot drop their own
/// administrator role, and no path (page, API or CLI) may remove the last enabled
/// administrator.
pub async fn change_roles(
    db: &Db,
    caller: &Caller,
    user: Uuid,
    grant: &[Role],
    revoke: &[Role],
) -> Result<User> {
    caller.require(Action::AdministerAccounts, &Resource::Site)?;
    if caller.user_id().is_some_and(|me| me.0 == user) && revoke.contains(&Role::Admin) {
        return Err(Error::Conflict(
            "you cannot remove your own Administrator role; ask another administrator".into(),
        ));
    }
    let mut tx = db.begin().await?;
    if revoke.contains(&Role::Admin) {
        lock_administrators(&mut tx).await?;
    }
    let before = user_in(&mut tx, user).await?;
    let mut changed = false;
    for r in grant {
        changed |= store::grant_role_in(&mut tx, user, *r).await?;
    }
    for r in revoke {
        changed |= store::revoke_role_in(&mut tx, user, *r).await?;
    }
    if revoke.contains(&Role::Admin) {
        keep_an_administrator(&mut tx).await?;
    }
    let after = user_in(&mut tx, user).await?;
    if changed {
        audit::record(
            &mut tx,
            caller,
            Change::new("account.roles", "user", user)
                .before(json!({"email": before.email, "roles": role_names(&before)}))
                .after(json!({"email": after.email, "roles": role_names(&after)})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

/// Disables or enables an account; disabling ends its sessions. Nobody disables their own
/// account, and the last enabled administrator cannot be disabled.
pub async fn set_disabled(db: &Db, caller: &Caller, user: Uuid, disabled: bool) -> Result<User> {
    caller.require(Action::AdministerAccounts, &Resource::Site)?;
    if disabled && caller.user_id().is_some_and(|me| me.0 == user) {
        return Err(Error::Conflict(
            "you cannot disable your own account".into(),
        ));
    }
    let mut tx = db.begin().await?;
    if disabled {
        lock_administrators(&mut tx).await?;
    }
    let before = user_in(&mut tx, user).await?;
    store::set_disabled_in(&mut tx, user, disabled).await?;
    if disabled && before.has_role(Role::Admin) {
        keep_an_administrator(&mut tx).await?;
    }
    if before.disabled != disabled {
        audit::record(
            &mut tx,
            caller,
            Change::new(
                if disabled {
                    "account.disable"
                } else {
                    "account.enable"
                },
                "user",
                user,
            )
            .before(json!({"email": before.email, "disabled": before.disabled}))
            .after(json!({"email": before.email, "disabled": disabled})),
        )
        .await?;
    }
    tx.commit().await?;
    if disabled {
        super::session_store::end_user_sessions(db, user, None).await?;
    }
    let mut after = before;
    after.disabled = disabled;
    Ok(after)
}

/// Places a user in an organization, or in none.
pub async fn set_organization(
    db: &Db,
    caller: &Caller,
    user: Uuid,
    organization: Option<Uuid>,
) -> Result<User> {
    caller.require(Action::AdministerAccounts, &Resource::Site)?;
    let mut tx = db.begin().await?;
    let before = user_in(&mut tx, user).await?;
    store::set_organization_in(&mut tx, user, organization).await?;
    if before.organization_id != organization {
        audit::record(
            &mut tx,
            caller,
            Change::new("account.organization", "user", user)
                .before(json!({"email": before.email, "organization_id": before.organization_id}))
                .after(json!({"email": before.email, "organization_id": organization})),
        )
        .await?;
    }
    tx.commit().await?;
    let mut after = before;
    after.organization_id = organization;
    Ok(after)
}

/// An organization's fields as typed into a form or an API body.
#[derive(Debug, Clone, Default)]
pub struct OrganizationInput {
    /// Name (unique).
    pub name: String,
    /// Organization type (`standards_body`, `employer`, …).
    pub kind: String,
    /// Sector, optional.
    pub sector: Option<String>,
}

/// A checked organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedOrganization {
    /// Name, trimmed.
    pub name: String,
    /// Type.
    pub kind: OrgKind,
    /// Sector, trimmed; `None` when blank.
    pub sector: Option<String>,
}

impl OrganizationInput {
    /// Checks every field, collecting every error.
    pub fn check(&self) -> Result<CheckedOrganization> {
        let mut errors = Vec::new();
        let name = nsx_core::accounts::check_org_name(&self.name)
            .map_err(|e| errors.push(e))
            .ok();
        let kind = self
            .kind
            .parse::<OrgKind>()
            .map_err(|e| errors.push(nsx_core::accounts::FieldError::new("kind", e.to_string())))
            .ok();
        let sector = self
            .sector
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if sector.is_some_and(|s| s.chars().count() > 200 || s.chars().any(char::is_control)) {
            errors.push(nsx_core::accounts::FieldError::new(
                "sector",
                "use at most 200 characters",
            ));
        }
        match (name, kind) {
            (Some(name), Some(kind)) if errors.is_empty() => Ok(CheckedOrganization {
                name,
                kind,
                sector: sector.map(str::to_string),
            }),
            _ => Err(Error::Invalid(errors)),
        }
    }
}

fn org_json(o: &Organization) -> serde_json::Value {
    json!({"name": o.name, "kind": o.kind.as_str(), "sector": o.sector})
}

/// Creates an organization.
pub async fn create_organization(
    db: &Db,
    caller: &Caller,
    input: &OrganizationInput,
) -> Result<Organization> {
    caller.require(Action::AdministerAccounts, &Resource::Site)?;
    let c = input.check()?;
    let mut tx = db.begin().await?;
    let org = store::create_org_in(&mut tx, &c.name, c.kind, c.sector.as_deref()).await?;
    audit::record(
        &mut tx,
        caller,
        Change::new("organization.create", "organization", org.id).after(org_json(&org)),
    )
    .await?;
    tx.commit().await?;
    Ok(org)
}

/// Changes an organization's name, type and sector.
pub async fn update_organization(
    db: &Db,
    caller: &Caller,
    id: Uuid,
    input: &OrganizationInput,
) -> Result<Organization> {
    caller.require(Action::AdministerAccounts, &Resource::Site)?;
    let c = input.check()?;
    let mut tx = db.begin().await?;
    let before = store::find_org_in(&mut tx, id)
        .await?
        .ok_or_else(|| Error::not_found("the organization"))?;
    let after = store::update_org_in(&mut tx, id, &c.name, c.kind, c.sector.as_deref()).await?;
    if org_json(&before) != org_json(&after) {
        audit::record(
            &mut tx,
            caller,
            Change::new("organization.update", "organization", id)
                .before(org_json(&before))
                .after(org_json(&after)),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organization_needs_a_name_and_a_known_type() {
        let bad = OrganizationInput {
            name: " ".into(),
            kind: "guild".into(),
            sector: Some("x".repeat(201)),
        };
        let Err(Error::Invalid(errors)) = bad.check() else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "kind", "sector"]);
        let good = OrganizationInput {
            name: "  Skills Council ".into(),
            kind: "standards_body".into(),
            sector: Some("  ".into()),
        };
        let c = good.check().expect("valid");
        assert_eq!(c.name, "Skills Council");
        assert_eq!(c.kind, OrgKind::StandardsBody);
        assert_eq!(c.sector, None);
    }
}
