//! Account administration rules, shared by the admin pages, the JSON API and the command
//! line: roles, account status, organization membership and organizations. Each change is
//! one transaction with its audit entry; the rules that keep the exchange administrable
//! (an administrator always remains, nobody locks themselves out) hold on every path.

use nsx_core::accounts::{OrgKind, Role};
use nsx_core::policy::{Action, Resource};
use serde_json::json;
use uuid::Uuid;

use nsx_core::accounts::FieldError;
use time::OffsetDateTime;

use super::password::Hashing;
use super::store;
use super::{Organization, User};
use crate::audit::{self, Change};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::service::Caller;
use crate::state::AppState;

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

// ---------------------------------------------------------------------------------------
// Password checks under the sign-in lock, shared by the sign-in and account pages and the
// token API.

/// The window (and lock time) for failed sign-ins to one account.
pub const LOCKOUT_WINDOW: time::Duration = time::Duration::minutes(15);

/// Whole minutes (rounded up) until `until`.
pub(crate) fn minutes_left(until: OffsetDateTime) -> i64 {
    let secs = (until - OffsetDateTime::now_utc()).whole_seconds().max(0);
    (secs + 59) / 60
}

/// Why a password check was not made.
pub enum Refusal {
    /// The account is locked until the moment given, after this many failures.
    Locked(OffsetDateTime, u32),
    /// The server had no free turn to hash within the wait.
    Busy(String),
}

/// Checks a password for an account under the account's lock, which holds under
/// concurrency and across nodes: the attempt takes its place in the database counter
/// (one atomic statement) *before* Argon2 runs, so of any number of attempts arriving
/// together at most `max_failed_sign_ins` are checked; the rest are refused unchecked.
/// `stored` is `None` for an unknown account (a dummy check keeps the timing alike).
/// Returns whether the password is right and how many attempts the window now holds; the
/// caller clears the count (`store::clear`) when the attempt really succeeds.
pub async fn guarded_check(
    state: &AppState,
    email: &str,
    password: &str,
    stored: Option<String>,
) -> Result<std::result::Result<(bool, i64), Refusal>> {
    let max = state.config.max_failed_sign_ins;
    let claim = store::claim(
        &state.db,
        store::ACCOUNT_SCOPE,
        email,
        LOCKOUT_WINDOW,
        Some(i64::from(max)),
    )
    .await?;
    if claim.number > i64::from(max) {
        return Ok(Err(Refusal::Locked(
            claim.window_start + LOCKOUT_WINDOW,
            max,
        )));
    }
    let hashing = Hashing::of(state);
    let checked = match stored {
        Some(hash) => hashing.verify(password.to_string(), hash).await,
        None => hashing
            .burn_time(password.to_string())
            .await
            .map(|()| false),
    };
    match checked {
        Ok(right) => Ok(Ok((right, claim.number))),
        Err(Error::TooManyRequests(m)) => {
            // Nothing was checked: give the place back.
            store::release(&state.db, store::ACCOUNT_SCOPE, email).await?;
            Ok(Err(Refusal::Busy(m)))
        }
        Err(e) => Err(e),
    }
}

/// What a locked account is told.
pub(crate) fn locked_message(until: OffsetDateTime, max: u32) -> String {
    format!(
        "This account is locked after {max} failed sign-ins. Try again in {} minutes, or reset your password.",
        minutes_left(until)
    )
}

/// Re-confirms a signed-in user's password (before a password change or a new API token),
/// under the same lock as sign-in, so a borrowed session cannot guess it faster. A wrong
/// password is a field error on `field`; a lock or a busy server is 429.
pub async fn confirm_password(
    state: &AppState,
    user: &User,
    password: &str,
    field: &str,
) -> Result<()> {
    if password.is_empty() {
        return Err(Error::invalid(field, "enter your current password"));
    }
    let stored = store::password_hash_of(&state.db, user.id)
        .await?
        .ok_or_else(|| Error::not_found("the account"))?;
    match guarded_check(state, &user.email, password, Some(stored)).await? {
        Ok((true, _)) => {
            store::clear(&state.db, store::ACCOUNT_SCOPE, &user.email).await?;
            Ok(())
        }
        Ok((false, _)) => Err(Error::invalid(field, "this is not your current password")),
        Err(Refusal::Locked(until, max)) => Err(Error::TooManyRequests(locked_message(until, max))),
        Err(Refusal::Busy(m)) => Err(Error::TooManyRequests(m)),
    }
}

/// Checks an API token's name: 1–100 characters.
pub fn check_token_name(name: &str, field: &str) -> Result<String, FieldError> {
    let t = name.trim();
    if t.is_empty() || t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "name the token (1 to 100 characters), e.g. the system that will use it",
        ));
    }
    Ok(t.to_string())
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
