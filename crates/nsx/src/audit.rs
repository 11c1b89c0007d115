//! The audit log: every state change, who made it, when, what it was before and after, and
//! the request that made it. Entries are written by services inside the transaction that
//! makes the change, so a change that fails leaves no entry and one that commits always
//! leaves exactly one. The log is append-only: this module has no update or delete, and the
//! database refuses both (triggers in the schema).

use serde::Serialize;
use serde_json::Value;
use time::{Date, OffsetDateTime, Time};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::db::{Db, Ts, Tx};
use crate::error::{Error, Result};
use crate::paging::{PageRequest, Paginated};
use crate::service::Caller;
use crate::{on_db, on_tx};

/// A state change to record.
#[derive(Debug, Clone)]
pub struct Change {
    /// What happened, `object.verb` (e.g. `framework.publish`).
    pub action: &'static str,
    /// The kind of object changed (e.g. `framework_version`).
    pub object_type: &'static str,
    /// Its id or code.
    pub object_id: String,
    /// What it was before (`None` when created).
    pub before: Option<Value>,
    /// What it is after (`None` when removed).
    pub after: Option<Value>,
}

impl Change {
    /// A change with no before/after yet.
    pub fn new(action: &'static str, object_type: &'static str, object_id: impl ToString) -> Self {
        Change {
            action,
            object_type,
            object_id: object_id.to_string(),
            before: None,
            after: None,
        }
    }

    /// Sets the state before the change.
    pub fn before(mut self, v: impl Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }

    /// Sets the state after the change.
    pub fn after(mut self, v: impl Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

/// Writes one entry inside the caller's transaction.
pub async fn record(tx: &mut Tx, caller: &Caller, change: Change) -> Result<Uuid> {
    let id = Uuid::now_v7();
    let now = Ts::now();
    let before = change.before.as_ref().map(Value::to_string);
    let after = change.after.as_ref().map(Value::to_string);
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO audit_log (id, at, actor_id, actor, action, object_type, object_id, before_json, after_json, request_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id)
    .bind(now)
    .bind(caller.user_id().map(|u| u.0))
    .bind(&caller.actor)
    .bind(change.action)
    .bind(change.object_type)
    .bind(&change.object_id)
    .bind(before)
    .bind(after)
    .bind(&caller.request_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(id)
}

/// One entry of the log.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    /// Entry id (time-ordered).
    pub id: Uuid,
    /// When the change was made.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The acting user, when a user acted.
    pub actor_id: Option<Uuid>,
    /// Who acted: an e-mail address, `anonymous`, or `system:<part>`.
    pub actor: String,
    /// What happened, `object.verb`.
    pub action: String,
    /// The kind of object changed.
    pub object_type: String,
    /// Its id or code.
    pub object_id: String,
    /// The object before the change.
    pub before: Option<Value>,
    /// The object after the change.
    pub after: Option<Value>,
    /// The request that made the change.
    pub request_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: Uuid,
    at: OffsetDateTime,
    actor_id: Option<Uuid>,
    actor: String,
    action: String,
    object_type: String,
    object_id: String,
    before_json: Option<String>,
    after_json: Option<String>,
    request_id: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        AuditEntry {
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            actor: r.actor,
            action: r.action,
            object_type: r.object_type,
            object_id: r.object_id,
            before: parse(r.before_json),
            after: parse(r.after_json),
            request_id: r.request_id,
        }
    }
}

/// Which entries to list; every field is optional and they combine with AND.
#[derive(Debug, Clone, Default, serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Actor (exact e-mail address, `anonymous` or `system:…`).
    pub actor: Option<String>,
    /// Object type (e.g. `framework_version`).
    pub object_type: Option<String>,
    /// Object id or code.
    pub object_id: Option<String>,
    /// Action (e.g. `framework.publish`).
    pub action: Option<String>,
    /// First day included (`YYYY-MM-DD`, UTC).
    pub from: Option<String>,
    /// Last day included (`YYYY-MM-DD`, UTC).
    pub to: Option<String>,
}

struct Bounds {
    actor: Option<String>,
    object_type: Option<String>,
    object_id: Option<String>,
    action: Option<String>,
    from: Option<Ts>,
    to: Option<Ts>,
}

fn day(field: &str, s: &str) -> Result<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.trim(), &fmt)
        .map_err(|_| Error::invalid(field, format!("{s:?} is not a date like 2026-12-31")))
}

impl AuditFilter {
    fn bounds(&self) -> Result<Bounds> {
        let clean = |s: &Option<String>| {
            s.as_ref()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let from = match clean(&self.from) {
            Some(s) => Some(Ts(day("from", &s)?.with_time(Time::MIDNIGHT).assume_utc())),
            None => None,
        };
        let to = match clean(&self.to) {
            Some(s) => {
                let d = day("to", &s)?;
                let next = d
                    .next_day()
                    .ok_or_else(|| Error::invalid("to", "the date is out of range"))?;
                Some(Ts(next.with_time(Time::MIDNIGHT).assume_utc()))
            }
            None => None,
        };
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            return Err(Error::invalid("to", "the last day comes before the first"));
        }
        Ok(Bounds {
            actor: clean(&self.actor),
            object_type: clean(&self.object_type),
            object_id: clean(&self.object_id),
            action: clean(&self.action),
            from,
            to,
        })
    }
}

const WHERE: &str = "($1 IS NULL OR actor = $1) AND ($2 IS NULL OR object_type = $2)
     AND ($3 IS NULL OR object_id = $3) AND ($4 IS NULL OR action = $4)
     AND ($5 IS NULL OR at >= $5) AND ($6 IS NULL OR at < $6)";

/// Entries matching a filter, newest first, one page at a time.
pub async fn list(
    db: &Db,
    filter: &AuditFilter,
    page: PageRequest,
) -> Result<Paginated<AuditEntry>> {
    let b = filter.bounds()?;
    let total: i64 = on_db!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM audit_log WHERE {WHERE}"
    )))
    .bind(&b.actor)
    .bind(&b.object_type)
    .bind(&b.object_id)
    .bind(&b.action)
    .bind(b.from)
    .bind(b.to)
    .fetch_one(p)
    .await)?;
    let rows: Vec<AuditRow> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, at, actor_id, actor, action, object_type, object_id, before_json, after_json, request_id
         FROM audit_log WHERE {WHERE} ORDER BY at DESC, id DESC LIMIT $7 OFFSET $8"
    )))
    .bind(&b.actor)
    .bind(&b.object_type)
    .bind(&b.object_id)
    .bind(&b.action)
    .bind(b.from)
    .bind(b.to)
    .bind(page.limit)
    .bind(page.offset)
    .fetch_all(p)
    .await)?;
    Ok(Paginated::new(
        rows.into_iter().map(AuditEntry::from).collect(),
        total,
        page,
    ))
}

/// Every entry matching a filter as CSV (oldest first), for export.
pub async fn export_csv(db: &Db, filter: &AuditFilter) -> Result<String> {
    let b = filter.bounds()?;
    let rows: Vec<AuditRow> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, at, actor_id, actor, action, object_type, object_id, before_json, after_json, request_id
         FROM audit_log WHERE {WHERE} ORDER BY at, id"
    )))
    .bind(&b.actor)
    .bind(&b.object_type)
    .bind(&b.object_id)
    .bind(&b.action)
    .bind(b.from)
    .bind(b.to)
    .fetch_all(p)
    .await)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    w.write_record([
        "id",
        "at",
        "actor",
        "actor_id",
        "action",
        "object_type",
        "object_id",
        "before",
        "after",
        "request_id",
    ])
    .map_err(csv_err)?;
    for r in rows {
        let at =
            r.at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
        w.write_record([
            r.id.to_string(),
            at,
            r.actor,
            r.actor_id.map(|u| u.to_string()).unwrap_or_default(),
            r.action,
            r.object_type,
            r.object_id,
            r.before_json.unwrap_or_default(),
            r.after_json.unwrap_or_default(),
            r.request_id.unwrap_or_default(),
        ])
        .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}

/// How many entries concern one object (tests and pages use it).
pub async fn count_for(db: &Db, object_type: &str, object_id: &str) -> Result<i64> {
    Ok(on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE object_type = $1 AND object_id = $2"
    )
    .bind(object_type)
    .bind(object_id)
    .fetch_one(p)
    .await)?)
}

/// Lifts the append-only guard for the rest of a transaction: only `nsx restore`, which
/// replaces the whole database with a backup, uses it, and puts the guard back with
/// [`resume_append_only`] before it commits.
pub async fn suspend_append_only(tx: &mut Tx) -> Result<()> {
    let stmts: &[&str] = match tx.backend() {
        crate::db::Backend::Postgres => &["ALTER TABLE audit_log DISABLE TRIGGER USER"],
        crate::db::Backend::Sqlite => &[
            "DROP TRIGGER IF EXISTS audit_log_no_update",
            "DROP TRIGGER IF EXISTS audit_log_no_delete",
        ],
    };
    for s in stmts {
        on_tx!(tx, c => sqlx::query(*s).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// Puts the append-only guard back (see [`suspend_append_only`]).
pub async fn resume_append_only(tx: &mut Tx) -> Result<()> {
    let stmts: &[&str] = match tx.backend() {
        crate::db::Backend::Postgres => &["ALTER TABLE audit_log ENABLE TRIGGER USER"],
        crate::db::Backend::Sqlite => &[
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
             BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
             BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        ],
    };
    for s in stmts {
        on_tx!(tx, c => sqlx::query(*s).execute(c).await.map(|r| r.rows_affected()))?;
    }
    Ok(())
}
