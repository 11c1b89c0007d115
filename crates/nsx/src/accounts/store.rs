//! Account queries, identical on SQLite and PostgreSQL.

use nsx_core::accounts::{OrgKind, Role};
use sha2::{Digest, Sha256};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Organization, User};
use crate::db::{Db, Ts, Tx};
use crate::error::{Error, Result};
use crate::{on_db, on_tx};

#[derive(FromRow)]
struct UserRow {
    id: Uuid,
    email: String,
    display_name: String,
    organization_id: Option<Uuid>,
    disabled: bool,
    created_at: OffsetDateTime,
}

#[derive(FromRow)]
struct OrgRow {
    id: Uuid,
    name: String,
    kind: String,
    sector: Option<String>,
    created_at: OffsetDateTime,
}

impl TryFrom<OrgRow> for Organization {
    type Error = Error;
    fn try_from(r: OrgRow) -> Result<Self> {
        Ok(Organization {
            id: r.id,
            name: r.name,
            kind: r
                .kind
                .parse()
                .map_err(|e: nsx_core::accounts::UnknownName| Error::Internal(e.to_string()))?,
            sector: r.sector,
            created_at: r.created_at,
        })
    }
}

/// What a new account needs.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Normalised e-mail.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// An Argon2id PHC string.
    pub password_hash: String,
    /// Roles granted at creation.
    pub roles: Vec<Role>,
    /// Organization, if any.
    pub organization_id: Option<Uuid>,
}

async fn roles_of(db: &Db, id: Uuid) -> Result<Vec<Role>> {
    let names: Vec<String> = on_db!(db, p => sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
        .bind(id)
        .fetch_all(p)
        .await)?;
    let mut roles: Vec<Role> = names.iter().filter_map(|n| n.parse().ok()).collect();
    roles.sort();
    Ok(roles)
}

async fn complete(db: &Db, row: UserRow) -> Result<User> {
    let roles = roles_of(db, row.id).await?;
    Ok(User {
        id: row.id,
        email: row.email,
        display_name: row.display_name,
        organization_id: row.organization_id,
        disabled: row.disabled,
        roles,
        created_at: row.created_at,
    })
}

/// Completes a page of users with their roles in one query (not one per user).
async fn complete_all(db: &Db, rows: Vec<UserRow>) -> Result<Vec<User>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=rows.len()).map(|i| format!("${i}")).collect();
    // Only placeholders are formatted in; the ids are bound.
    let sql = format!(
        "SELECT user_id, role FROM user_roles WHERE user_id IN ({}) ORDER BY role",
        marks.join(", ")
    );
    let held: Vec<(Uuid, String)> = on_db!(db, p => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
        for r in &rows {
            q = q.bind(r.id);
        }
        q.fetch_all(p).await
    })?;
    let mut by_user: std::collections::HashMap<Uuid, Vec<Role>> = std::collections::HashMap::new();
    for (user, role) in held {
        if let Ok(r) = role.parse() {
            by_user.entry(user).or_default().push(r);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut roles = by_user.remove(&row.id).unwrap_or_default();
            roles.sort();
            User {
                id: row.id,
                email: row.email,
                display_name: row.display_name,
                organization_id: row.organization_id,
                disabled: row.disabled,
                roles,
                created_at: row.created_at,
            }
        })
        .collect())
}

/// Creates a user with roles in one transaction; a taken e-mail is a field error.
pub async fn create_user(db: &Db, new: NewUser) -> Result<User> {
    let mut tx = db.begin().await?;
    let id = create_user_in(&mut tx, &new).await?;
    tx.commit().await?;
    find_user(db, id)
        .await?
        .ok_or_else(|| Error::Internal("the new user vanished".into()))
}

/// Creates a user with roles inside the caller's transaction; returns the new id. A taken
/// e-mail is a field error (on PostgreSQL the transaction is then spoilt: roll it back).
pub async fn create_user_in(tx: &mut crate::db::Tx, new: &NewUser) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    let inserted = crate::on_tx!(tx, c => sqlx::query(
        "INSERT INTO users (id, email, display_name, password_hash, organization_id, disabled, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, FALSE, $6, $6)",
    )
    .bind(id)
    .bind(&new.email)
    .bind(&new.display_name)
    .bind(&new.password_hash)
    .bind(new.organization_id)
    .bind(now)
    .execute(c)
    .await.map(|r| r.rows_affected()));
    if let Err(e) = inserted {
        let e = Error::from(e);
        return Err(if e.is_unique_violation() {
            Error::invalid(
                "email",
                "an account with this e-mail address already exists",
            )
        } else {
            e
        });
    }
    for role in &new.roles {
        crate::on_tx!(tx, c => sqlx::query("INSERT INTO user_roles (user_id, role, granted_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(role.as_str())
            .bind(now)
            .execute(c)
            .await.map(|r| r.rows_affected()))?;
    }
    Ok(id)
}

/// Finds a user by id.
pub async fn find_user(db: &Db, id: Uuid) -> Result<Option<User>> {
    let sql = "SELECT id, email, display_name, organization_id, disabled, created_at FROM users WHERE id = $1";
    let row: Option<UserRow> =
        on_db!(db, p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)?;
    match row {
        Some(r) => Ok(Some(complete(db, r).await?)),
        None => Ok(None),
    }
}

/// Finds a user and their password hash by (normalised) e-mail.
pub async fn find_user_by_email(db: &Db, email: &str) -> Result<Option<(User, String)>> {
    #[derive(FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: String,
    }
    let sql = "SELECT id, email, display_name, organization_id, disabled, created_at, password_hash FROM users WHERE email = $1";
    let row: Option<Row> =
        on_db!(db, p => sqlx::query_as(sql).bind(email).fetch_optional(p).await)?;
    match row {
        Some(r) => Ok(Some((complete(db, r.user).await?, r.password_hash))),
        None => Ok(None),
    }
}

/// Lists users, newest first.
pub async fn list_users(db: &Db, limit: i64, offset: i64) -> Result<Vec<User>> {
    let sql = "SELECT id, email, display_name, organization_id, disabled, created_at FROM users ORDER BY created_at DESC, email LIMIT $1 OFFSET $2";
    let rows: Vec<UserRow> =
        on_db!(db, p => sqlx::query_as(sql).bind(limit).bind(offset).fetch_all(p).await)?;
    complete_all(db, rows).await
}

/// Counts users.
pub async fn count_users(db: &Db) -> Result<i64> {
    Ok(on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await)?)
}

/// Grants a role (no-op if held).
pub async fn grant_role(db: &Db, user: Uuid, role: Role) -> Result<()> {
    let mut tx = db.begin().await?;
    grant_role_in(&mut tx, user, role).await?;
    tx.commit().await
}

/// [`grant_role`] inside a transaction; whether the role was newly granted.
pub async fn grant_role_in(tx: &mut Tx, user: Uuid, role: Role) -> Result<bool> {
    let now = OffsetDateTime::now_utc();
    let n = on_tx!(tx, c => sqlx::query("INSERT INTO user_roles (user_id, role, granted_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, role) DO NOTHING")
        .bind(user)
        .bind(role.as_str())
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Revokes a role (no-op if not held).
pub async fn revoke_role(db: &Db, user: Uuid, role: Role) -> Result<()> {
    let mut tx = db.begin().await?;
    revoke_role_in(&mut tx, user, role).await?;
    tx.commit().await
}

/// [`revoke_role`] inside a transaction; whether the role was held.
pub async fn revoke_role_in(tx: &mut Tx, user: Uuid, role: Role) -> Result<bool> {
    let n = on_tx!(tx, c => sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role = $2")
        .bind(user)
        .bind(role.as_str())
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Replaces a user's password hash.
pub async fn set_password_hash(db: &Db, user: Uuid, hash: &str) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let n = on_db!(db, p => sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(user)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(Error::not_found("the user"));
    }
    Ok(())
}

/// Replaces a user's password and, in the same transaction, revokes every live API token
/// and ends every session but `keep` (the session that made the change, if any): whoever
/// held the old password, a session or a token made with it loses access.
pub async fn change_password(
    db: &Db,
    user: Uuid,
    hash: &str,
    keep: Option<tower_sessions::session::Id>,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let now = OffsetDateTime::now_utc();
    let n = crate::on_tx!(&mut tx, c => sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(user)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(Error::not_found("the user"));
    }
    let tokens = revoke_all_tokens_in(&mut tx, user).await?;
    let sessions = super::session_store::end_user_sessions_in(&mut tx, user, keep).await?;
    crate::audit::record(
        &mut tx,
        &crate::service::Caller::system("password-change"),
        crate::audit::Change::new("user.password_change", "user", user)
            .after(serde_json::json!({ "tokens_revoked": tokens, "sessions_ended": sessions })),
    )
    .await?;
    tx.commit().await
}

/// Creates an organization.
pub async fn create_org(
    db: &Db,
    name: &str,
    kind: OrgKind,
    sector: Option<&str>,
) -> Result<Organization> {
    let mut tx = db.begin().await?;
    let org = create_org_in(&mut tx, name, kind, sector).await?;
    tx.commit().await?;
    Ok(org)
}

/// [`create_org`] inside a transaction; a taken name is a field error.
pub async fn create_org_in(
    tx: &mut Tx,
    name: &str,
    kind: OrgKind,
    sector: Option<&str>,
) -> Result<Organization> {
    let id = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    let r = on_tx!(tx, c => sqlx::query("INSERT INTO organizations (id, name, kind, sector, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(name)
        .bind(kind.as_str())
        .bind(sector)
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected()));
    if let Err(e) = r {
        return Err(name_taken(Error::from(e)));
    }
    Ok(Organization {
        id,
        name: name.to_string(),
        kind,
        sector: sector.map(str::to_string),
        created_at: now,
    })
}

/// A unique-name violation as the field error a form shows; other errors unchanged.
fn name_taken(e: Error) -> Error {
    if e.is_unique_violation() {
        Error::invalid("name", "an organization with this name already exists")
    } else {
        e
    }
}

/// Lists organizations by name.
pub async fn list_orgs(db: &Db) -> Result<Vec<Organization>> {
    let rows: Vec<OrgRow> = on_db!(db, p => sqlx::query_as("SELECT id, name, kind, sector, created_at FROM organizations ORDER BY name")
        .fetch_all(p)
        .await)?;
    rows.into_iter().map(Organization::try_from).collect()
}

/// Hashes a secret token for storage (tokens are random, so a fast hash is enough).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Resolves an API token to its (enabled) user and records its use.
pub async fn user_for_token(db: &Db, token: &str) -> Result<Option<User>> {
    if !token.starts_with("nsx_") || token.len() > 200 {
        return Ok(None);
    }
    let h = token_hash(token);
    let user_id: Option<Uuid> = on_db!(db, p => sqlx::query_scalar(
        "SELECT user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(&h)
    .fetch_optional(p)
    .await)?;
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    let now = OffsetDateTime::now_utc();
    on_db!(db, p => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(&h)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
    Ok(find_user(db, user_id).await?.filter(|u| !u.disabled))
}

/// The `LIKE` pattern for users whose e-mail or name contains `q`.
fn user_pattern(q: &str) -> String {
    format!(
        "%{}%",
        q.to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// Counts the users [`search_users`] finds (all users for an empty `q`).
pub async fn count_matching_users(db: &Db, q: &str) -> Result<i64> {
    let q = q.trim();
    if q.is_empty() {
        return count_users(db).await;
    }
    let pattern = user_pattern(q);
    Ok(on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE LOWER(email) LIKE $1 ESCAPE '\\' OR LOWER(display_name) LIKE $1 ESCAPE '\\'"
    )
    .bind(&pattern)
    .fetch_one(p)
    .await)?)
}

/// Finds users whose e-mail or name contains `q` (case-insensitive), newest first.
pub async fn search_users(db: &Db, q: &str, limit: i64, offset: i64) -> Result<Vec<User>> {
    let q = q.trim();
    if q.is_empty() {
        return list_users(db, limit, offset).await;
    }
    let pattern = user_pattern(q);
    let sql = "SELECT id, email, display_name, organization_id, disabled, created_at FROM users
               WHERE LOWER(email) LIKE $1 ESCAPE '\\' OR LOWER(display_name) LIKE $1 ESCAPE '\\'
               ORDER BY created_at DESC, email LIMIT $2 OFFSET $3";
    let rows: Vec<UserRow> = on_db!(db, p => sqlx::query_as(sql)
        .bind(&pattern)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    complete_all(db, rows).await
}

/// Counts the users holding a role.
pub async fn count_with_role(db: &Db, role: Role) -> Result<i64> {
    Ok(
        on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.role = $1 AND NOT u.disabled")
        .bind(role.as_str())
        .fetch_one(p)
        .await)?,
    )
}

/// [`count_with_role`] inside a transaction, locking nothing: callers that must keep a
/// count true until they commit take the rows' locks with their own update first.
pub async fn count_with_role_in(tx: &mut Tx, role: Role) -> Result<i64> {
    Ok(
        on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM user_roles r JOIN users u ON u.id = r.user_id WHERE r.role = $1 AND NOT u.disabled")
        .bind(role.as_str())
        .fetch_one(c)
        .await)?,
    )
}

/// Enables or disables an account (no audit entry: administrators go through
/// `accounts::service::set_disabled`).
pub async fn set_disabled(db: &Db, user: Uuid, disabled: bool) -> Result<()> {
    let mut tx = db.begin().await?;
    set_disabled_in(&mut tx, user, disabled).await?;
    tx.commit().await
}

/// [`set_disabled`] inside a transaction.
pub async fn set_disabled_in(tx: &mut Tx, user: Uuid, disabled: bool) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let n = on_tx!(tx, c => sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(disabled)
        .bind(now)
        .bind(user)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(Error::not_found("the user"));
    }
    Ok(())
}

/// Places a user in an organization (or none).
pub async fn set_organization(db: &Db, user: Uuid, org: Option<Uuid>) -> Result<()> {
    let mut tx = db.begin().await?;
    set_organization_in(&mut tx, user, org).await?;
    tx.commit().await
}

/// [`set_organization`] inside a transaction.
pub async fn set_organization_in(tx: &mut Tx, user: Uuid, org: Option<Uuid>) -> Result<()> {
    if let Some(o) = org
        && find_org_in(tx, o).await?.is_none()
    {
        return Err(Error::invalid(
            "organization_id",
            "there is no such organization",
        ));
    }
    let now = OffsetDateTime::now_utc();
    let n = on_tx!(tx, c => sqlx::query("UPDATE users SET organization_id = $1, updated_at = $2 WHERE id = $3")
        .bind(org)
        .bind(now)
        .bind(user)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(Error::not_found("the user"));
    }
    Ok(())
}

/// Changes a user's display name.
pub async fn set_display_name(db: &Db, user: Uuid, name: &str) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    on_db!(db, p => sqlx::query("UPDATE users SET display_name = $1, updated_at = $2 WHERE id = $3")
        .bind(name)
        .bind(now)
        .bind(user)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The stored password hash of a user.
pub async fn password_hash_of(db: &Db, user: Uuid) -> Result<Option<String>> {
    Ok(
        on_db!(db, p => sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user)
        .fetch_optional(p)
        .await)?,
    )
}

/// Finds an organization by id.
pub async fn find_org(db: &Db, id: Uuid) -> Result<Option<Organization>> {
    let row: Option<OrgRow> = on_db!(db, p => sqlx::query_as("SELECT id, name, kind, sector, created_at FROM organizations WHERE id = $1")
        .bind(id)
        .fetch_optional(p)
        .await)?;
    row.map(Organization::try_from).transpose()
}

/// [`find_org`] inside a transaction.
pub async fn find_org_in(tx: &mut Tx, id: Uuid) -> Result<Option<Organization>> {
    let row: Option<OrgRow> = on_tx!(tx, c => sqlx::query_as("SELECT id, name, kind, sector, created_at FROM organizations WHERE id = $1")
        .bind(id)
        .fetch_optional(c)
        .await)?;
    row.map(Organization::try_from).transpose()
}

/// Changes an organization's name, type and sector.
pub async fn update_org_in(
    tx: &mut Tx,
    id: Uuid,
    name: &str,
    kind: OrgKind,
    sector: Option<&str>,
) -> Result<Organization> {
    let r = on_tx!(tx, c => sqlx::query("UPDATE organizations SET name = $1, kind = $2, sector = $3 WHERE id = $4")
        .bind(name)
        .bind(kind.as_str())
        .bind(sector)
        .bind(id)
        .execute(c)
        .await.map(|r| r.rows_affected()));
    match r {
        Ok(0) => return Err(Error::not_found("the organization")),
        Ok(_) => {}
        Err(e) => return Err(name_taken(Error::from(e))),
    }
    find_org_in(tx, id)
        .await?
        .ok_or_else(|| Error::not_found("the organization"))
}

/// Counts organizations.
pub async fn count_orgs(db: &Db) -> Result<i64> {
    Ok(
        on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM organizations").fetch_one(p).await)?,
    )
}

// ---------------------------------------------------------------------------------------
// Secrets: API tokens and password-reset tokens.

/// A fresh random secret (192 bits), URL-safe.
pub fn random_secret() -> String {
    use base64::Engine;
    use rand::Rng;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An API token as listed (never the secret itself).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema, FromRow)]
pub struct ApiToken {
    /// Stable id (used to revoke).
    pub id: Uuid,
    /// What the owner called it.
    pub name: String,
    /// The token's first characters, to recognise it.
    pub prefix: String,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was last used, if ever.
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// When it was revoked, if it was.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// Creates an API token for a user (no limit on how many: for the command line and
/// set-up); returns the listing and the secret (shown once).
pub async fn create_token(db: &Db, user: Uuid, name: &str) -> Result<(ApiToken, String)> {
    create_token_limited(db, user, name, u32::MAX).await
}

/// Creates an API token for a user, who may hold at most `max_live` live tokens; returns
/// the listing and the secret (shown once). Over the limit is a `Conflict`. The count and
/// the insert are one statement, after a lock on the user's row on PostgreSQL, so tokens
/// created at once on several nodes cannot pass the limit.
pub async fn create_token_limited(
    db: &Db,
    user: Uuid,
    name: &str,
    max_live: u32,
) -> Result<(ApiToken, String)> {
    let secret = format!("nsx_{}", random_secret());
    let prefix: String = secret.chars().take(12).collect();
    let id = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    if let crate::db::Tx::Postgres(t) = &mut tx {
        sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(user)
            .fetch_optional(&mut **t)
            .await?;
    }
    let n = crate::on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at)
         SELECT $1, $2, $3, $4, $5, $6
         WHERE (SELECT COUNT(*) FROM api_tokens WHERE user_id = $2 AND revoked_at IS NULL) < $7")
        .bind(id)
        .bind(user)
        .bind(name)
        .bind(token_hash(&secret))
        .bind(&prefix)
        .bind(now)
        .bind(i64::from(max_live))
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    if n == 1 {
        crate::audit::record(
            &mut tx,
            &crate::service::Caller::system("api-token"),
            crate::audit::Change::new("api_token.create", "api_token", id)
                .after(serde_json::json!({ "user_id": user, "name": name, "prefix": prefix })),
        )
        .await?;
    }
    tx.commit().await?;
    if n == 0 {
        return Err(Error::Conflict(format!(
            "you already hold {max_live} live API tokens, the most allowed; revoke one you no longer need first"
        )));
    }
    Ok((
        ApiToken {
            id,
            name: name.to_string(),
            prefix,
            created_at: now,
            last_used_at: None,
            revoked_at: None,
        },
        secret,
    ))
}

/// Revokes every live API token of a user inside the caller's transaction; returns how many.
pub async fn revoke_all_tokens_in(tx: &mut crate::db::Tx, user: Uuid) -> Result<u64> {
    let now = OffsetDateTime::now_utc();
    Ok(
        crate::on_tx!(tx, c => sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(user)
        .execute(c)
        .await.map(|r| r.rows_affected()))?,
    )
}

/// A user's tokens, newest first (revoked ones included, marked).
pub async fn list_tokens(db: &Db, user: Uuid) -> Result<Vec<ApiToken>> {
    Ok(
        on_db!(db, p => sqlx::query_as("SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC")
        .bind(user)
        .fetch_all(p)
        .await)?,
    )
}

/// Revokes one of a user's tokens; `NotFound` when the user has no such live token. The
/// audit entry is written in the same transaction.
pub async fn revoke_token(db: &Db, user: Uuid, id: Uuid) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let n = crate::on_tx!(&mut tx, c => sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(id)
        .bind(user)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(Error::not_found("the API token"));
    }
    crate::audit::record(
        &mut tx,
        &crate::service::Caller::system("api-token"),
        crate::audit::Change::new("api_token.revoke", "api_token", id)
            .before(serde_json::json!({ "user_id": user, "revoked": false }))
            .after(serde_json::json!({ "user_id": user, "revoked": true })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Stores a password-reset token (hashed) valid for `valid_for`; returns the secret.
pub async fn create_password_reset(
    db: &Db,
    user: Uuid,
    valid_for: time::Duration,
) -> Result<String> {
    let mut tx = db.begin().await?;
    let secret = create_password_reset_in(&mut tx, user, valid_for).await?;
    tx.commit().await?;
    Ok(secret)
}

/// [`create_password_reset`] inside the caller's transaction (with the e-mail that carries it).
pub async fn create_password_reset_in(
    tx: &mut crate::db::Tx,
    user: Uuid,
    valid_for: time::Duration,
) -> Result<String> {
    let secret = random_secret();
    let now = OffsetDateTime::now_utc();
    crate::on_tx!(tx, c => sqlx::query("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash(&secret))
        .bind(user)
        .bind(now)
        .bind(now + valid_for)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    Ok(secret)
}

/// The user a reset token belongs to, when it is unused and unexpired (does not use it).
pub async fn peek_password_reset(db: &Db, secret: &str) -> Result<Option<Uuid>> {
    let now = OffsetDateTime::now_utc();
    Ok(
        on_db!(db, p => sqlx::query_scalar("SELECT user_id FROM password_resets WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2")
        .bind(token_hash(secret))
        .bind(now)
        .fetch_optional(p)
        .await)?,
    )
}

/// Sets a new password with a reset token, in one transaction: uses the token (and every
/// other open reset of the user), stores the hash, revokes every API token, ends every
/// session and lifts a sign-in lock (control of the mailbox is proven). Returns the user,
/// or `None` when the token is spent or expired (here or on another node), changing nothing.
pub async fn reset_password(db: &Db, secret: &str, hash: &str) -> Result<Option<User>> {
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let user: Option<Uuid> = crate::on_tx!(&mut tx, c => sqlx::query_scalar(
        "UPDATE password_resets SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id")
        .bind(now)
        .bind(token_hash(secret))
        .fetch_optional(c)
        .await)?;
    let Some(user) = user else {
        tx.rollback().await?;
        return Ok(None);
    };
    crate::on_tx!(&mut tx, c => sqlx::query("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(user)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    let email: String = crate::on_tx!(&mut tx, c => sqlx::query_scalar(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3 RETURNING email")
        .bind(hash)
        .bind(now)
        .bind(user)
        .fetch_one(c)
        .await)?;
    let tokens = revoke_all_tokens_in(&mut tx, user).await?;
    let sessions = super::session_store::end_user_sessions_in(&mut tx, user, None).await?;
    crate::audit::record(
        &mut tx,
        &crate::service::Caller::system("password-reset"),
        crate::audit::Change::new("user.password_reset", "user", user)
            .after(serde_json::json!({ "tokens_revoked": tokens, "sessions_ended": sessions })),
    )
    .await?;
    crate::on_tx!(&mut tx, c => sqlx::query("DELETE FROM auth_counters WHERE scope = $1 AND subject = $2")
        .bind(ACCOUNT_SCOPE)
        .bind(&email)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    tx.commit().await?;
    find_user(db, user).await
}

/// How many reset e-mails a user was sent since a moment.
pub async fn count_password_resets_since(
    db: &Db,
    user: Uuid,
    since: OffsetDateTime,
) -> Result<i64> {
    Ok(
        on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND created_at > $2")
        .bind(user)
        .bind(since)
        .fetch_one(p)
        .await)?,
    )
}

// ---------------------------------------------------------------------------------------
// Sign-in throttling, in the database so every node enforces the same limits.

/// Records the outcome of a sign-in whose password was checked (the log; the limits are
/// enforced by [`claim`] before the check).
pub async fn record_sign_in(db: &Db, email: &str, ip: Option<&str>, succeeded: bool) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    on_db!(db, p => sqlx::query("INSERT INTO sign_in_attempts (email, ip, succeeded, at) VALUES ($1, $2, $3, $4)")
        .bind(email)
        .bind(ip)
        .bind(succeeded)
        .bind(now)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// The counter of sign-ins from one client address.
pub const SIGN_IN_IP_SCOPE: &str = "sign_in_ip";
/// The counter of unproven sign-ins to one account (by e-mail): the lockout.
pub const ACCOUNT_SCOPE: &str = "sign_in_account";
/// The counter of sign-ups from one client address.
pub const SIGN_UP_IP_SCOPE: &str = "sign_up_ip";

/// A place taken in a counter: this request's number in the current window, and when the
/// window began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// 1 for the first request of the window, 2 for the next…
    pub number: i64,
    /// When the current window began (it ends `window` later).
    pub window_start: OffsetDateTime,
}

/// Takes the next place in a counter, atomically: one `INSERT … ON CONFLICT DO UPDATE …
/// RETURNING`, which SQLite runs under its write lock and PostgreSQL under a row lock, so
/// of many requests arriving together (on any number of nodes) each gets its own number.
/// A window older than `window` starts again at 1. When `restart_at` is given, the window
/// also starts afresh (from now, keeping the count) on the claim with that number: this is
/// how the account lock lasts `window` from the last attempt that was allowed.
pub async fn claim(
    db: &Db,
    scope: &str,
    subject: &str,
    window: time::Duration,
    restart_at: Option<i64>,
) -> Result<Claim> {
    let now = Ts::now();
    let cutoff = Ts(now.0 - window);
    let restart = restart_at.unwrap_or(0);
    let (number, window_start): (i64, OffsetDateTime) = on_db!(db, p => sqlx::query_as(
        "INSERT INTO auth_counters (scope, subject, hits, window_start) VALUES ($1, $2, 1, $3)
         ON CONFLICT (scope, subject) DO UPDATE SET
           hits = CASE WHEN auth_counters.window_start <= $4 THEN 1 ELSE auth_counters.hits + 1 END,
           window_start = CASE
             WHEN auth_counters.window_start <= $4 THEN $3
             WHEN auth_counters.hits + 1 = $5 THEN $3
             ELSE auth_counters.window_start END
         RETURNING hits, window_start")
        .bind(scope)
        .bind(subject)
        .bind(now)
        .bind(cutoff)
        .bind(restart)
        .fetch_one(p)
        .await)?;
    Ok(Claim {
        number,
        window_start,
    })
}

/// Gives back a place taken with [`claim`] that was not used (the request was turned away
/// before it did anything).
pub async fn release(db: &Db, scope: &str, subject: &str) -> Result<()> {
    on_db!(db, p => sqlx::query("UPDATE auth_counters SET hits = hits - 1 WHERE scope = $1 AND subject = $2 AND hits > 0")
        .bind(scope)
        .bind(subject)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Clears a counter (a successful sign-in ends the count of failures).
pub async fn clear(db: &Db, scope: &str, subject: &str) -> Result<()> {
    on_db!(db, p => sqlx::query("DELETE FROM auth_counters WHERE scope = $1 AND subject = $2")
        .bind(scope)
        .bind(subject)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Deletes attempt records and counters older than a moment.
pub async fn prune_sign_ins(db: &Db, before: OffsetDateTime) -> Result<u64> {
    let log = on_db!(db, p => sqlx::query("DELETE FROM sign_in_attempts WHERE at < $1")
        .bind(before)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
    let counters = on_db!(db, p => sqlx::query("DELETE FROM auth_counters WHERE window_start < $1")
        .bind(Ts(before))
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
    Ok(log + counters)
}
