//! Account queries, identical on SQLite and PostgreSQL.

use nsx_core::accounts::{OrgKind, Role};
use sha2::{Digest, Sha256};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Organization, User};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::on_db;

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

const USER_COLUMNS: &str = "id, email, display_name, organization_id, disabled, created_at";

/// Creates a user with roles in one transaction; a taken e-mail is a field error.
pub async fn create_user(db: &Db, new: NewUser) -> Result<User> {
    let id = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    let mut tx = db.begin().await?;
    let inserted = crate::on_tx!(&mut tx, c => sqlx::query(
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
        crate::on_tx!(&mut tx, c => sqlx::query("INSERT INTO user_roles (user_id, role, granted_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(role.as_str())
            .bind(now)
            .execute(c)
            .await.map(|r| r.rows_affected()))?;
    }
    tx.commit().await?;
    find_user(db, id)
        .await?
        .ok_or_else(|| Error::Internal("the new user vanished".into()))
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
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(complete(db, r).await?);
    }
    Ok(out)
}

/// Counts users.
pub async fn count_users(db: &Db) -> Result<i64> {
    Ok(on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await)?)
}

/// Grants a role (no-op if held).
pub async fn grant_role(db: &Db, user: Uuid, role: Role) -> Result<()> {
    let now = OffsetDateTime::now_utc();
    on_db!(db, p => sqlx::query("INSERT INTO user_roles (user_id, role, granted_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, role) DO NOTHING")
        .bind(user)
        .bind(role.as_str())
        .bind(now)
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

/// Revokes a role (no-op if not held).
pub async fn revoke_role(db: &Db, user: Uuid, role: Role) -> Result<()> {
    on_db!(db, p => sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role = $2")
        .bind(user)
        .bind(role.as_str())
        .execute(p)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
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

/// Creates an organization.
pub async fn create_org(
    db: &Db,
    name: &str,
    kind: OrgKind,
    sector: Option<&str>,
) -> Result<Organization> {
    let id = Uuid::now_v7();
    let now = OffsetDateTime::now_utc();
    let r = on_db!(db, p => sqlx::query("INSERT INTO organizations (id, name, kind, sector, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(name)
        .bind(kind.as_str())
        .bind(sector)
        .bind(now)
        .execute(p)
        .await.map(|r| r.rows_affected()));
    if let Err(e) = r {
        let e = Error::from(e);
        return Err(if e.is_unique_violation() {
            Error::invalid("name", "an organization with this name already exists")
        } else {
            e
        });
    }
    Ok(Organization {
        id,
        name: name.to_string(),
        kind,
        sector: sector.map(str::to_string),
        created_at: now,
    })
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

#[allow(dead_code)]
const _: &str = USER_COLUMNS;
