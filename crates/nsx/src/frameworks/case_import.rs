//! `nsx import case`: a CASE 1.0 `CFPackage` becomes a framework version in NSX, in one
//! transaction. NSX's own packages come back with the same identifiers, texts, citations
//! and timestamps, so export → import → export gives the same package.

use nsx_core::frameworks::case::{self as map, CaseFramework, CfPackage, PackageError};
use nsx_core::frameworks::draft::EvidencePack;
use nsx_core::frameworks::{framework_id, statement_id, version_path};
use serde::Serialize;
use uuid::Uuid;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::on_tx;

/// What an import wrote.
#[derive(Debug, Clone, Serialize)]
pub struct CaseImport {
    /// Code of the framework.
    pub code: String,
    /// Version label.
    pub label: String,
    /// Version id (the CFDocument identifier).
    pub version_id: Uuid,
    /// Statements written.
    pub statements: usize,
    /// Citations written.
    pub citations: usize,
}

/// Parses a package, with `field: message` errors.
pub fn parse_package(json: &str) -> std::result::Result<CfPackage, PackageError> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| PackageError {
        field: "(document)".into(),
        message: format!("not JSON: {e}"),
    })?;
    check_required(&v)?;
    serde_json::from_value(v).map_err(|e| PackageError {
        field: "(package)".into(),
        message: e.to_string(),
    })
}

/// Checks the fields the CASE schema requires, naming the first one missing.
fn check_required(v: &serde_json::Value) -> std::result::Result<(), PackageError> {
    let err = |field: String, message: &str| PackageError {
        field,
        message: message.into(),
    };
    let obj = v
        .as_object()
        .ok_or_else(|| err("(package)".into(), "must be a JSON object"))?;
    let doc = obj
        .get("CFDocument")
        .ok_or_else(|| err("CFDocument".into(), "is required"))?;
    let need = |o: &serde_json::Value, path: &str, fields: &[&str]| {
        let m = o
            .as_object()
            .ok_or_else(|| err(path.to_string(), "must be an object"))?;
        for f in fields {
            match m.get(*f) {
                None | Some(serde_json::Value::Null) => {
                    return Err(err(format!("{path}.{f}"), "is required"));
                }
                Some(_) => {}
            }
        }
        Ok(())
    };
    need(
        doc,
        "CFDocument",
        &[
            "identifier",
            "uri",
            "creator",
            "title",
            "lastChangeDateTime",
        ],
    )?;
    if let Some(items) = obj.get("CFItems") {
        let a = items
            .as_array()
            .ok_or_else(|| err("CFItems".into(), "must be an array"))?;
        for (i, it) in a.iter().enumerate() {
            need(
                it,
                &format!("CFItems[{i}]"),
                &["identifier", "fullStatement", "uri", "lastChangeDateTime"],
            )?;
        }
    }
    if let Some(assocs) = obj.get("CFAssociations") {
        let a = assocs
            .as_array()
            .ok_or_else(|| err("CFAssociations".into(), "must be an array"))?;
        for (i, it) in a.iter().enumerate() {
            need(
                it,
                &format!("CFAssociations[{i}]"),
                &[
                    "identifier",
                    "associationType",
                    "uri",
                    "originNodeURI",
                    "destinationNodeURI",
                    "lastChangeDateTime",
                ],
            )?;
        }
    }
    Ok(())
}

fn empty_evidence() -> EvidencePack {
    EvidencePack {
        tasks_total: 0,
        tasks_with_evidence: 0,
        tasks_observed: 0,
        usage_share_pct: None,
        mean_penetration: None,
        job_exposure: None,
        top_tasks: Vec::new(),
        citations: Vec::new(),
        note: Some("Imported from a CASE package; no AI-usage evidence pack.".into()),
    }
}

/// Reads a package file's text and imports it.
pub async fn import_json(db: &Db, json: &str) -> Result<CaseImport> {
    let pkg = parse_package(json).map_err(|e| Error::Import(e.to_string()))?;
    let fw = map::from_package(&pkg).map_err(|e| Error::Import(e.to_string()))?;
    write(db, &fw).await
}

/// Writes a framework version read from a package, in one transaction. A version with
/// the same identifier or the same code and label must not exist yet.
pub async fn write(db: &Db, fw: &CaseFramework) -> Result<CaseImport> {
    let label = fw.label.to_string();
    let mut tx = db.begin().await?;
    let clash: Option<(Uuid,)> = on_tx!(&mut tx, c => sqlx::query_as(
        "SELECT id FROM framework_versions WHERE id = $1 OR (code = $2 AND label = $3)"
    )
    .bind(fw.version_id)
    .bind(&fw.code)
    .bind(&label)
    .fetch_optional(c)
    .await)?;
    if clash.is_some() {
        return Err(Error::Conflict(format!(
            "CFDocument.identifier: version {label} of {} ({}) is already in NSX",
            fw.code, fw.version_id
        )));
    }
    for s in &fw.sources {
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO sources (source_key, release, name, publisher, url, licence, attribution) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (source_key, release) DO UPDATE SET name = excluded.name, publisher = excluded.publisher, url = excluded.url, licence = excluded.licence, attribution = excluded.attribution"
        )
        .bind(&s.key).bind(&s.release).bind(&s.name).bind(&s.publisher).bind(&s.url).bind(&s.licence).bind(&s.attribution)
        .execute(c).await.map(|r| r.rows_affected()))?;
    }
    let fid = framework_id(&fw.code);
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO frameworks (id, code, title, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at"
    )
    .bind(fid).bind(&fw.code).bind(&fw.title).bind(fw.changed).bind(fw.changed)
    .execute(c).await.map(|r| r.rows_affected()))?;
    let onet_release = fw
        .sources
        .iter()
        .find(|s| s.key == "onet")
        .map(|s| s.release.clone())
        .unwrap_or_default();
    let keys: Vec<(String, String)> = fw
        .sources
        .iter()
        .map(|s| (s.key.clone(), s.release.clone()))
        .collect();
    let evidence = to_json(&empty_evidence())?;
    let gaps = to_json(&Vec::<String>::new())?;
    let keys = to_json(&keys)?;
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO framework_versions (id, framework_id, code, label, status, title, job_zone, onet_release, context, url, evidence, gaps, source_keys, statement_count, drafted_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    )
    .bind(fw.version_id).bind(fid).bind(&fw.code).bind(&label).bind(fw.status.as_str()).bind(&fw.title)
    .bind(&onet_release).bind(&fw.context).bind(version_path(&fw.code, &fw.label))
    .bind(&evidence).bind(&gaps).bind(&keys).bind(fw.statements.len() as i64)
    .bind(fw.changed).bind(fw.changed)
    .execute(c).await.map(|r| r.rows_affected()))?;
    let mut citations = 0;
    for (item, s) in &fw.statements {
        let sid = statement_id(fw.version_id, *item);
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO statements (id, version_id, item_id, section, domain, level, ord, subject, performance) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )
        .bind(sid).bind(fw.version_id).bind(*item).bind(s.section.as_str())
        .bind(s.domain.map(|d| d.as_str().to_string())).bind(s.level.as_str())
        .bind(s.order as i64).bind(&s.subject).bind(&s.performance)
        .execute(c).await.map(|r| r.rows_affected()))?;
        for (i, ct) in s.citations.iter().enumerate() {
            let (kind, task_id, element_id, scale, cc, r) = super::store::locator_cols(&ct.locator);
            on_tx!(&mut tx, c => sqlx::query(
                "INSERT INTO citations (statement_id, version_id, ord, source, release, kind, task_id, element_id, scale, commodity_code, ref, cited_text, value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            )
            .bind(sid).bind(fw.version_id).bind(i as i64 + 1).bind(&ct.source).bind(&ct.release)
            .bind(&kind).bind(task_id).bind(&element_id).bind(&scale).bind(cc).bind(&r)
            .bind(&ct.text).bind(ct.value)
            .execute(c).await.map(|r| r.rows_affected()))?;
            citations += 1;
        }
    }
    tx.bump_data_version("catalog").await?;
    tx.commit().await?;
    Ok(CaseImport {
        code: fw.code.clone(),
        label,
        version_id: fw.version_id,
        statements: fw.statements.len(),
        citations,
    })
}

fn to_json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.to_string()))
}
