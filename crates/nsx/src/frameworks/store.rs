//! Framework storage: reading every occupation's drafting inputs in a few big queries,
//! writing drafted versions in one transaction, and reading versions back.

#![allow(clippy::type_complexity)] // row tuples read straight from sqlx

use std::collections::{BTreeMap, HashMap};

use nsx_core::codes::OnetSocCode;
use nsx_core::evidence::{CodedTask, task_key};
use nsx_core::frameworks::draft::{
    CommodityInput, Draft, ElementInput, EvidencePack, JobExposure, OccupationInputs, TaskEvidence,
    TaskInput, TaskOrigin, UsageInput,
};
use nsx_core::frameworks::editorial::Catalog;
use nsx_core::frameworks::{
    Citation, DurableDomain, Level, Locator, Section, Source, Statement, Status, VersionLabel,
    framework_id, item_id, statement_id, version_id, version_path,
};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{FrameworkView, StatementView, VersionSummary};
use crate::db::{Backend, Db, Tx};
use crate::error::{Error, Result};
use crate::{on_db, on_tx};

/// An occupation the drafter will not draft, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// O*NET-SOC code.
    pub code: String,
    /// Why.
    pub reason: String,
}

use nsx_core::release::newest_per;

/// The product and tool names of every imported release, and their commodity titles:
/// what the linter checks examples against for cut-off names.
pub async fn catalog(db: &Db) -> Result<Catalog> {
    let rows: Vec<(String, Option<String>)> = on_db!(db, p => sqlx::query_as(
        "SELECT example, commodity_title FROM onet_technology_skills
         UNION SELECT example, commodity_title FROM onet_tools"
    )
    .fetch_all(p)
    .await)?;
    Ok(Catalog::new(
        rows.iter().map(|r| r.0.as_str()),
        rows.iter().filter_map(|r| r.1.as_deref()),
    ))
}

/// Reads the drafting inputs of every framework-ready occupation (or of `codes`), in a
/// handful of whole-table queries; returns the inputs sorted by code and the occupations
/// left out with their reasons.
pub async fn load_inputs(
    db: &Db,
    codes: Option<&[String]>,
) -> Result<(Vec<OccupationInputs>, Vec<Skipped>)> {
    type OccRow = (String, String, String, Option<i64>, bool, Option<String>);
    let occs: Vec<OccRow> = on_db!(db, p => sqlx::query_as(
        "SELECT code, title, release, job_zone, framework_ready, readiness_reason FROM occupations ORDER BY code"
    )
    .fetch_all(p)
    .await)?;
    let mut skipped = Vec::new();
    let wanted: Option<std::collections::BTreeSet<&str>> =
        codes.map(|c| c.iter().map(|s| s.as_str()).collect());
    if let Some(w) = &wanted {
        for c in w {
            if !occs.iter().any(|o| o.0 == *c) {
                skipped.push(Skipped {
                    code: c.to_string(),
                    reason: "not in the occupation catalog (import O*NET first, or check the code)"
                        .into(),
                });
            }
        }
    }
    let mut chosen = Vec::new();
    for o in occs {
        if wanted.as_ref().is_some_and(|w| !w.contains(o.0.as_str())) {
            continue;
        }
        if !o.4 {
            skipped.push(Skipped {
                code: o.0.clone(),
                reason: o
                    .5
                    .clone()
                    .unwrap_or_else(|| "not enough source data".into()),
            });
            continue;
        }
        chosen.push(o);
    }
    if chosen.is_empty() {
        return Ok((Vec::new(), skipped));
    }

    let tasks: Vec<(String, i64, String, Option<String>, String, Option<i64>)> = on_db!(db, p => sqlx::query_as(
        "SELECT code, task_id, task, task_type, release, file_line FROM onet_tasks"
    )
    .fetch_all(p)
    .await)?;
    let tasks = newest_per(tasks, |r| r.0.clone(), |r| &r.4);
    // Each task's Detailed Work Activities, in DWA ID order, from the task's release.
    let dwa_rows: Vec<(String, i64, String, String, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT td.code, td.task_id, td.release, td.dwa_id, d.dwa_title
           FROM onet_task_dwas td
           JOIN onet_dwas d ON d.dwa_id = td.dwa_id AND d.release = td.release"
    )
    .fetch_all(p)
    .await)?;
    let mut dwas: HashMap<(String, i64, String), Vec<(String, String)>> = HashMap::new();
    for (code, task_id, release, dwa_id, title) in dwa_rows {
        dwas.entry((code, task_id, release))
            .or_default()
            .push((dwa_id, title));
    }
    for v in dwas.values_mut() {
        v.sort();
        v.dedup();
    }
    // Emerging tasks (new work and newer wordings of listed tasks), newest release per
    // occupation, numbered -1, -2, … in text order so the numbering is the same on every
    // backend.
    let emerging: Vec<(String, String, Option<String>, Option<i64>, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT code, task, category, original_task_id, release FROM onet_emerging_tasks"
    )
    .fetch_all(p)
    .await)?;
    let mut emerging = newest_per(emerging, |r| r.0.clone(), |r| &r.4);
    for rows in emerging.values_mut() {
        rows.sort_by(|a, b| (&a.1, a.3).cmp(&(&b.1, b.3)));
        rows.dedup_by(|a, b| a.1 == b.1);
    }
    let ratings: Vec<(String, i64, f64, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT code, task_id, data_value, release FROM onet_task_ratings WHERE scale_id = 'IM'"
    )
    .fetch_all(p)
    .await)?;
    let ratings = newest_per(ratings, |r| r.0.clone(), |r| &r.3);
    let elements: Vec<(String, String, String, String, String, f64, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT code, domain, element_id, element_name, scale_id, data_value, release FROM onet_ratings
         WHERE domain IN ('skills', 'knowledge', 'work_styles', 'work_activities')
           AND scale_id IN ('IM', 'WI')
           AND (not_relevant IS NULL OR not_relevant = FALSE)
           AND (recommend_suppress IS NULL OR recommend_suppress = FALSE)"
    )
    .fetch_all(p)
    .await)?;
    let elements = newest_per(elements, |r| (r.0.clone(), r.1.clone()), |r| &r.6);
    let mut elements_by_code: HashMap<String, Vec<ElementInput>> = HashMap::new();
    for ((code, _), rows) in elements {
        let v = elements_by_code.entry(code).or_default();
        for r in rows {
            v.push(ElementInput {
                domain: r.1,
                element_id: r.2,
                name: r.3,
                scale: r.4,
                value: r.5,
                release: r.6,
            });
        }
    }
    type ComRow = (
        String,
        String,
        Option<i64>,
        Option<String>,
        String,
        bool,
        String,
    );
    let commodities: Vec<ComRow> = on_db!(db, p => sqlx::query_as(
        "SELECT code, 'technology', commodity_code, commodity_title, example,
                COALESCE(hot_technology, FALSE) OR COALESCE(in_demand, FALSE), release
           FROM onet_technology_skills
         UNION ALL
         SELECT code, 'tool', commodity_code, commodity_title, example, FALSE, release FROM onet_tools"
    )
    .fetch_all(p)
    .await)?;
    let commodities = newest_per(commodities, |r| (r.0.clone(), r.1.clone()), |r| &r.6);
    // How many occupations report each example: the signal after Hot Technology and In
    // Demand for which examples a framework names.
    let mut reach: HashMap<String, usize> = HashMap::new();
    for rows in commodities.values() {
        for r in rows {
            *reach.entry(r.4.clone()).or_default() += 1;
        }
    }
    let mut flagged: std::collections::HashSet<(String, String, i64, String)> =
        std::collections::HashSet::new();
    let mut com_by_code: HashMap<String, BTreeMap<(String, i64), CommodityInput>> = HashMap::new();
    for ((code, _), rows) in commodities {
        let m = com_by_code.entry(code.clone()).or_default();
        for r in rows {
            let (Some(cc), Some(title)) = (r.2, r.3) else {
                continue;
            };
            let e = m
                .entry((r.1.clone(), cc))
                .or_insert_with(|| CommodityInput {
                    table: r.1.clone(),
                    commodity_code: cc,
                    title,
                    examples: Vec::new(),
                    hot: false,
                    release: r.6.clone(),
                });
            e.hot |= r.5;
            if r.5 {
                flagged.insert((code.clone(), r.1.clone(), cc, r.4.clone()));
            }
            e.examples.push(r.4);
        }
    }
    let evidence: Vec<(
        String,
        i64,
        Option<String>,
        Option<f64>,
        Option<String>,
        Option<f64>,
    )> = on_db!(db, p => sqlx::query_as(
        "SELECT code, task_id, usage_release, usage_pct, penetration_release, penetration FROM aei_task_matches"
    )
    .fetch_all(p)
    .await)?;
    let mut ev_by_code: HashMap<String, Vec<TaskEvidence>> = HashMap::new();
    for r in evidence {
        ev_by_code.entry(r.0).or_default().push(TaskEvidence {
            task_id: r.1,
            usage_release: r.2,
            usage_pct: r.3,
            penetration_release: r.4,
            penetration: r.5,
        });
    }
    let exposure: Vec<(String, f64, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT soc_code, observed_exposure, release FROM aei_job_exposure"
    )
    .fetch_all(p)
    .await)?;
    let mut exp_by_soc: HashMap<String, JobExposure> = HashMap::new();
    for (soc, v, rel) in exposure {
        let e = exp_by_soc.entry(soc.clone()).or_insert(JobExposure {
            soc_code: soc,
            value: v,
            release: rel.clone(),
        });
        if rel > e.release {
            e.value = v;
            e.release = rel;
        }
    }

    let usage = occupation_usage(db, &tasks).await?;

    let mut inputs = Vec::with_capacity(chosen.len());
    for (code, title, release, job_zone, _, _) in chosen {
        let rated: HashMap<i64, (f64, String)> = ratings
            .get(&code)
            .map(|rs| rs.iter().map(|r| (r.1, (r.2, r.3.clone()))).collect())
            .unwrap_or_default();
        let mut ts: Vec<TaskInput> = tasks
            .get(&code)
            .map(|rs| {
                rs.iter()
                    .map(|r| TaskInput {
                        task_id: r.1,
                        text: r.2.clone(),
                        core: r.3.as_deref() == Some("Core"),
                        position: r.5,
                        dwas: dwas
                            .get(&(code.clone(), r.1, r.4.clone()))
                            .map(|v| v.iter().map(|d| d.1.clone()).collect())
                            .unwrap_or_default(),
                        importance: rated.get(&r.1).map(|x| x.0),
                        release: r.4.clone(),
                        rating_release: rated.get(&r.1).map(|x| x.1.clone()),
                        origin: TaskOrigin::Listed,
                    })
                    .collect()
            })
            .unwrap_or_default();
        if let Some(rows) = emerging.get(&code) {
            for (i, r) in rows.iter().enumerate() {
                let revises =
                    r.3.filter(|_| r.2.as_deref() == Some("Revision"))
                        .filter(|id| ts.iter().any(|t| t.task_id == *id));
                ts.push(TaskInput {
                    task_id: -(i as i64) - 1,
                    text: r.1.clone(),
                    core: false,
                    position: None,
                    dwas: Vec::new(),
                    importance: None,
                    release: r.4.clone(),
                    rating_release: None,
                    origin: TaskOrigin::Emerging { revises },
                });
            }
        }
        ts.sort_by_key(|t| t.task_id);
        let mut els = elements_by_code.remove(&code).unwrap_or_default();
        els.sort_by(|a, b| {
            (&a.domain, &a.element_id, &a.scale).cmp(&(&b.domain, &b.element_id, &b.scale))
        });
        let coms: Vec<CommodityInput> = com_by_code
            .remove(&code)
            .map(|m| {
                m.into_values()
                    .map(|mut c| {
                        c.examples.sort();
                        c.examples.dedup();
                        let key = |e: &String| {
                            (
                                !flagged.contains(&(
                                    code.clone(),
                                    c.table.clone(),
                                    c.commodity_code,
                                    e.clone(),
                                )),
                                std::cmp::Reverse(reach.get(e).copied().unwrap_or(0)),
                            )
                        };
                        c.examples.sort_by_cached_key(key);
                        c
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut ev = ev_by_code.remove(&code).unwrap_or_default();
        ev.sort_by_key(|e| e.task_id);
        let exposure = code
            .parse::<OnetSocCode>()
            .ok()
            .and_then(|c| exp_by_soc.get(c.soc().as_str()).cloned());
        inputs.push(OccupationInputs {
            usage: usage.get(&code).cloned(),
            code,
            title,
            job_zone,
            release,
            tasks: ts,
            elements: els,
            commodities: coms,
            evidence: ev,
            exposure,
        });
    }
    Ok((inputs, skipped))
}

/// Every occupation's share of the newest usage evidence, added up over its current tasks
/// and, through the O*NET-SOC 2010→2019 crosswalk, over the 2010 task lists the evidence
/// was collected against (the rule is [`nsx_core::evidence::occupation_usage`]).
async fn occupation_usage<T>(
    db: &Db,
    tasks: &HashMap<String, Vec<(String, i64, String, T, String, Option<i64>)>>,
) -> Result<HashMap<String, UsageInput>> {
    let rows: Vec<(String, String, f64)> = on_db!(db, p => sqlx::query_as(
        "SELECT release, task_norm, pct FROM aei_task_usage"
    )
    .fetch_all(p)
    .await)?;
    let Some(release) = rows.iter().map(|r| r.0.clone()).max() else {
        return Ok(HashMap::new());
    };
    let usage: HashMap<String, f64> = rows
        .into_iter()
        .filter(|r| r.0 == release)
        .map(|r| (r.1, r.2))
        .collect();
    let legacy: Vec<(String, i64, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT code_2010, task_id, task_norm FROM aei_legacy_tasks"
    )
    .fetch_all(p)
    .await)?;
    let cross: Vec<(String, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT from_code, to_code FROM code_crosswalks WHERE kind = 'onet2010_onet2019'"
    )
    .fetch_all(p)
    .await)?;
    let mut forward: HashMap<String, Vec<String>> = HashMap::new();
    for (from, to) in cross {
        forward.entry(from).or_default().push(to);
    }
    let keyed: Vec<(&str, i64, String)> = tasks
        .values()
        .flatten()
        .map(|r| (r.0.as_str(), r.1, task_key(&r.2)))
        .collect();
    let current: Vec<CodedTask<'_>> = keyed
        .iter()
        .map(|(code, task_id, key)| CodedTask {
            code,
            task_id: *task_id,
            key,
        })
        .collect();
    let legacy: Vec<CodedTask<'_>> = legacy
        .iter()
        .map(|(code, task_id, key)| CodedTask {
            code,
            task_id: *task_id,
            key,
        })
        .collect();
    Ok(
        nsx_core::evidence::occupation_usage(&usage, &current, &legacy, &forward)
            .into_iter()
            .map(|(code, u)| {
                (
                    code,
                    UsageInput {
                        share_pct: u.share_pct,
                        tasks: u.tasks,
                        codes_2010: u.codes_2010,
                        release: release.clone(),
                    },
                )
            })
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------
// Bulk writes

/// A value bound into a bulk insert.
pub(crate) enum B {
    Id(Uuid),
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    OptReal(Option<f64>),
    Time(OffsetDateTime),
}

const MAX_PARAMS: usize = 16_000;

fn placeholders(rows: usize, cols: usize, backend: Backend) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    let mut p = 1;
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            match backend {
                Backend::Sqlite => s.push('?'),
                Backend::Postgres => {
                    s.push('$');
                    s.push_str(&p.to_string());
                    p += 1;
                }
            }
        }
        s.push(')');
    }
    s
}

/// Rows per lend of the SQLite handle: the connection's worker waits while rows go in, and
/// the task yields between lends.
const SQLITE_ROWS_PER_LEND: usize = 4096;

/// Inserts `rows` into `table` inside the open transaction; returns the rows changed. On
/// SQLite, row by row through one prepared statement on the transaction's own connection
/// (as the importer does, see `import::sqlite_rows`), values bound in place as sqlx would
/// bind them (a UUID as its 16 bytes, a time as RFC 3339 text); on PostgreSQL, multi-row
/// statements under the bind-parameter limit.
pub(crate) async fn insert_rows(
    tx: &mut Tx,
    table: &'static str,
    columns: &[&'static str],
    suffix: &'static str,
    rows: Vec<Vec<B>>,
) -> Result<u64> {
    if let Tx::Sqlite(t) = tx {
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {} {suffix}",
            columns.join(", "),
            placeholders(1, columns.len(), Backend::Sqlite)
        );
        let mut written = 0;
        for chunk in rows.chunks(SQLITE_ROWS_PER_LEND) {
            let mut handle = t.lock_handle().await?;
            written += sqlite_insert(handle.as_raw_handle(), &sql, table, columns.len(), chunk)?;
        }
        return Ok(written);
    }
    let per = (MAX_PARAMS / columns.len()).clamp(1, 1000);
    let backend = tx.backend();
    let mut written = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<B>> = rows.by_ref().take(per).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {} {suffix}",
            columns.join(", "),
            placeholders(chunk.len(), columns.len(), backend)
        );
        written += on_tx!(tx, c => {
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for row in chunk {
                for v in row {
                    q = match v {
                        B::Id(u) => q.bind(u),
                        B::Text(s) => q.bind(s),
                        B::OptText(s) => q.bind(s),
                        B::Int(i) => q.bind(i),
                        B::OptInt(i) => q.bind(i),
                        B::OptReal(f) => q.bind(f),
                        B::Time(t) => q.bind(t),
                    };
                }
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(written)
}

/// Steps `sql` (one row's insert) once per row on the lent SQLite handle.
fn sqlite_insert(
    db: std::ptr::NonNull<libsqlite3_sys::sqlite3>,
    sql: &str,
    table: &str,
    width: usize,
    rows: &[Vec<B>],
) -> Result<u64> {
    use crate::import::sqlite_rows::{Bind, Insert};
    let mut insert = Insert::prepare_sql(db, sql, table)?;
    if insert.params() != width {
        return Err(Error::Internal(format!(
            "the insert into {table} takes {} values, not {width}",
            insert.params()
        )));
    }
    let mut written = 0;
    let mut times: Vec<String> = Vec::new();
    for row in rows {
        if row.len() != width {
            return Err(Error::Internal(format!(
                "a row for {table} has {} values, not {width}",
                row.len()
            )));
        }
        // Times as sqlx writes them into SQLite.
        times.clear();
        for v in row {
            if let B::Time(t) = v {
                times.push(
                    t.format(&time::format_description::well_known::Rfc3339)
                        .map_err(|e| Error::Internal(format!("a time for {table}: {e}")))?,
                );
            }
        }
        let mut next_time = times.iter();
        let mut binds: Vec<Bind<'_>> = Vec::with_capacity(width);
        for v in row {
            binds.push(match v {
                B::Id(u) => Bind::Blob(u.as_bytes()),
                B::Text(s) | B::OptText(Some(s)) => Bind::Text(s),
                B::Int(i) | B::OptInt(Some(i)) => Bind::Int(*i),
                B::OptReal(Some(f)) => Bind::Real(*f),
                B::OptText(None) | B::OptInt(None) | B::OptReal(None) => Bind::Null,
                B::Time(_) => match next_time.next() {
                    Some(t) => Bind::Text(t),
                    None => return Err(Error::Internal("a time went missing".into())),
                },
            });
        }
        written += insert.run(table, &binds)?;
    }
    Ok(written)
}

async fn delete_versions(tx: &mut Tx, ids: &[Uuid]) -> Result<()> {
    let backend = tx.backend();
    for chunk in ids.chunks(1000) {
        let ph = placeholders(1, chunk.len(), backend);
        for (table, col) in [
            ("citations", "version_id"),
            ("statements", "version_id"),
            ("framework_versions", "id"),
        ] {
            let sql = format!("DELETE FROM {table} WHERE {col} IN {ph}");
            on_tx!(tx, c => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for id in chunk {
                    q = q.bind(*id);
                }
                q.execute(c).await.map(|r| r.rows_affected())
            })?;
        }
    }
    Ok(())
}

/// What writing a batch of drafts did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WriteReport {
    /// Draft versions written (new or replaced).
    pub written: usize,
    /// Of those, drafts that replaced an earlier draft of the same label.
    pub replaced: usize,
    /// Occupations whose version of this label is no longer a draft, left untouched.
    pub kept: Vec<Skipped>,
    /// Statements written.
    pub statements: u64,
    /// Citations written.
    pub citations: u64,
}

/// Citation columns: kind, task id, element id, scale, commodity code, ref.
pub(crate) type LocatorCols = (
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
);

/// How a locator is spread over the citation table's columns.
pub(crate) fn locator_cols(l: &Locator) -> LocatorCols {
    match l {
        Locator::Task { task_id } => ("task".into(), Some(*task_id), None, None, None, None),
        Locator::EmergingTask { revises } => {
            ("emerging_task".into(), *revises, None, None, None, None)
        }
        Locator::Element { element_id, scale } => (
            "element".into(),
            None,
            Some(element_id.clone()),
            Some(scale.clone()),
            None,
            None,
        ),
        Locator::Commodity {
            commodity_code,
            table,
        } => (
            "commodity".into(),
            None,
            None,
            None,
            Some(*commodity_code),
            Some(table.clone()),
        ),
        Locator::Evidence {
            measure,
            task_id,
            soc_code,
        } => (
            format!("evidence:{measure}"),
            *task_id,
            None,
            None,
            None,
            soc_code.clone(),
        ),
        Locator::CaseItem { uri } => (
            "case_item".into(),
            None,
            None,
            None,
            None,
            Some(uri.clone()),
        ),
    }
}

pub(crate) fn locator_from(
    kind: &str,
    task_id: Option<i64>,
    element_id: Option<String>,
    scale: Option<String>,
    commodity_code: Option<i64>,
    r: Option<String>,
) -> Result<Locator> {
    Ok(match kind {
        "task" => Locator::Task {
            task_id: task_id
                .ok_or_else(|| Error::Internal("task citation without a task".into()))?,
        },
        "emerging_task" => Locator::EmergingTask { revises: task_id },
        "element" => Locator::Element {
            element_id: element_id.unwrap_or_default(),
            scale: scale.unwrap_or_default(),
        },
        "commodity" => Locator::Commodity {
            commodity_code: commodity_code.unwrap_or_default(),
            table: r.unwrap_or_default(),
        },
        "case_item" => Locator::CaseItem {
            uri: r.unwrap_or_default(),
        },
        k => match k.strip_prefix("evidence:") {
            Some(m) => Locator::Evidence {
                measure: m.to_string(),
                task_id,
                soc_code: r,
            },
            None => return Err(Error::Internal(format!("unknown citation kind {k:?}"))),
        },
    })
}

/// Writes drafted versions under `label` in one transaction. A draft of the same label is
/// replaced (same ids, same content for the same inputs); a version of that label that has
/// left draft status is never touched.
pub async fn write_drafts(db: &Db, label: &VersionLabel, drafts: &[Draft]) -> Result<WriteReport> {
    let label_s = label.to_string();
    let mut report = WriteReport::default();
    let mut tx = db.begin().await?;
    let owner = super::service::standards_body_in(&mut tx, None).await?;
    let existing: Vec<(String, String, bool)> = on_tx!(&mut tx, c => sqlx::query_as(
        "SELECT code, status, edited_at IS NOT NULL FROM framework_versions WHERE label = $1"
    )
    .bind(&label_s)
    .fetch_all(c)
    .await)?;
    let edited: std::collections::HashSet<String> = existing
        .iter()
        .filter(|(_, _, e)| *e)
        .map(|(c, _, _)| c.clone())
        .collect();
    let existing: HashMap<String, String> = existing.into_iter().map(|(c, s, _)| (c, s)).collect();
    let mut todo: Vec<&Draft> = Vec::new();
    for d in drafts {
        match existing.get(&d.code).map(|s| s.parse::<Status>()) {
            Some(Ok(s)) if !s.is_replaceable() => report.kept.push(Skipped {
                code: d.code.clone(),
                reason: format!(
                    "{label_s} is {} and is never overwritten",
                    s.label().to_lowercase()
                ),
            }),
            Some(_) if edited.contains(&d.code) => report.kept.push(Skipped {
                code: d.code.clone(),
                reason: format!(
                    "{label_s} was changed by an editor and is never overwritten by the drafter"
                ),
            }),
            Some(_) => {
                report.replaced += 1;
                todo.push(d);
            }
            None => todo.push(d),
        }
    }
    let replace_ids: Vec<Uuid> = todo
        .iter()
        .filter(|d| existing.contains_key(&d.code))
        .map(|d| version_id(&d.code, label))
        .collect();
    delete_versions(&mut tx, &replace_ids).await?;

    let now = OffsetDateTime::now_utc();
    // Sources.
    let mut sources: BTreeMap<(String, String), Source> = BTreeMap::new();
    for d in &todo {
        for s in &d.sources {
            sources
                .entry((s.key.clone(), s.release.clone()))
                .or_insert_with(|| s.clone());
        }
    }
    let rows: Vec<Vec<B>> = sources
        .into_values()
        .map(|s| {
            vec![
                B::Text(s.key),
                B::Text(s.release),
                B::Text(s.name),
                B::Text(s.publisher),
                B::Text(s.url),
                B::Text(s.licence),
                B::Text(s.attribution),
            ]
        })
        .collect();
    insert_rows(
        &mut tx,
        "sources",
        &["source_key", "release", "name", "publisher", "url", "licence", "attribution"],
        "ON CONFLICT (source_key, release) DO UPDATE SET name = excluded.name, publisher = excluded.publisher, url = excluded.url, licence = excluded.licence, attribution = excluded.attribution",
        rows,
    )
    .await?;
    // Frameworks.
    let rows: Vec<Vec<B>> = todo
        .iter()
        .map(|d| {
            vec![
                B::Id(framework_id(&d.code)),
                B::Text(d.code.clone()),
                B::Text(d.title.clone()),
                B::Time(now),
                B::Time(now),
                B::Id(owner),
            ]
        })
        .collect();
    insert_rows(
        &mut tx,
        "frameworks",
        &["id", "code", "title", "created_at", "updated_at", "organization_id"],
        "ON CONFLICT (id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at, organization_id = COALESCE(frameworks.organization_id, excluded.organization_id)",
        rows,
    )
    .await?;
    let rows: Vec<Vec<B>> = todo
        .iter()
        .map(|d| {
            vec![
                B::Id(framework_id(&d.code)),
                B::Text(d.code.clone()),
                B::Int(1),
            ]
        })
        .collect();
    insert_rows(
        &mut tx,
        "framework_occupations",
        &["framework_id", "occupation_code", "ord"],
        "ON CONFLICT (framework_id, occupation_code) DO NOTHING",
        rows,
    )
    .await?;
    // Versions, statements, citations.
    let mut vrows = Vec::with_capacity(todo.len());
    let mut srows = Vec::new();
    let mut crows = Vec::new();
    for d in &todo {
        let vid = version_id(&d.code, label);
        let source_keys: Vec<(String, String)> = d
            .sources
            .iter()
            .map(|s| (s.key.clone(), s.release.clone()))
            .collect();
        vrows.push(vec![
            B::Id(vid),
            B::Id(framework_id(&d.code)),
            B::Text(d.code.clone()),
            B::Text(label_s.clone()),
            B::Text(Status::Draft.as_str().into()),
            B::Text(d.title.clone()),
            B::OptInt(d.job_zone),
            B::Text(d.onet_release.clone()),
            B::Text(d.context.clone()),
            B::Text(version_path(&d.code, label)),
            B::Text(
                serde_json::to_string(&d.evidence).map_err(|e| Error::Internal(e.to_string()))?,
            ),
            B::Text(serde_json::to_string(&d.gaps).map_err(|e| Error::Internal(e.to_string()))?),
            B::Text(
                serde_json::to_string(&source_keys).map_err(|e| Error::Internal(e.to_string()))?,
            ),
            B::Int(d.statements.len() as i64),
            B::Time(now),
            B::Time(now),
        ]);
        for s in &d.statements {
            let level = s.level.as_str();
            let item_key = match s.domain {
                Some(dm) => format!("{}:{}", dm.as_str(), s.subject),
                None => s.subject.clone(),
            };
            let item = item_id(&d.code, s.section, level, &item_key);
            let sid = statement_id(vid, item);
            srows.push(vec![
                B::Id(sid),
                B::Id(vid),
                B::Id(item),
                B::Text(s.section.as_str().into()),
                B::OptText(s.domain.map(|x| x.as_str().to_string())),
                B::Text(level.into()),
                B::Int(s.order as i64),
                B::Text(s.subject.clone()),
                B::Text(s.performance.clone()),
            ]);
            for (i, c) in s.citations.iter().enumerate() {
                let (kind, task_id, element_id, scale, cc, r) = locator_cols(&c.locator);
                crows.push(vec![
                    B::Id(sid),
                    B::Id(vid),
                    B::Int(i as i64 + 1),
                    B::Text(c.source.clone()),
                    B::Text(c.release.clone()),
                    B::Text(kind),
                    B::OptInt(task_id),
                    B::OptText(element_id),
                    B::OptText(scale),
                    B::OptInt(cc),
                    B::OptText(r),
                    B::Text(c.text.clone()),
                    B::OptReal(c.value),
                ]);
            }
        }
    }
    report.written = vrows.len();
    insert_rows(
        &mut tx,
        "framework_versions",
        &[
            "id",
            "framework_id",
            "code",
            "label",
            "status",
            "title",
            "job_zone",
            "onet_release",
            "context",
            "url",
            "evidence",
            "gaps",
            "source_keys",
            "statement_count",
            "drafted_at",
            "updated_at",
        ],
        "",
        vrows,
    )
    .await?;
    report.statements = insert_rows(
        &mut tx,
        "statements",
        &[
            "id",
            "version_id",
            "item_id",
            "section",
            "domain",
            "level",
            "ord",
            "subject",
            "performance",
        ],
        "",
        srows,
    )
    .await?;
    report.citations = insert_rows(
        &mut tx,
        "citations",
        &[
            "statement_id",
            "version_id",
            "ord",
            "source",
            "release",
            "kind",
            "task_id",
            "element_id",
            "scale",
            "commodity_code",
            "ref",
            "cited_text",
            "value",
        ],
        "",
        crows,
    )
    .await?;
    tx.bump_data_version("catalog").await?;
    tx.commit().await?;
    Ok(report)
}

// ---------------------------------------------------------------------------------------
// Reads

/// A `framework_versions` row with its framework's owner.
#[derive(sqlx::FromRow)]
pub(crate) struct VersionRow {
    id: Uuid,
    framework_id: Uuid,
    code: String,
    label: String,
    status: String,
    title: String,
    job_zone: Option<i64>,
    onet_release: String,
    context: String,
    url: String,
    evidence: String,
    gaps: String,
    source_keys: String,
    statement_count: i64,
    drafted_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    organization_id: Option<Uuid>,
    edited_at: Option<OffsetDateTime>,
    published_at: Option<OffsetDateTime>,
    former_label: Option<String>,
    based_on: Option<Uuid>,
}

/// The columns of [`VersionRow`], for `FROM framework_versions v JOIN frameworks f`.
pub(crate) const VERSION_COLS: &str = "v.id, v.framework_id, v.code, v.label, v.status, v.title, v.job_zone, v.onet_release, v.context, v.url, v.evidence, v.gaps, v.source_keys, v.statement_count, v.drafted_at, v.updated_at, f.organization_id, v.edited_at, v.published_at, v.former_label, v.based_on";

/// The tables [`VERSION_COLS`] reads.
pub(crate) const VERSION_FROM: &str =
    "framework_versions v JOIN frameworks f ON f.id = v.framework_id";

pub(crate) fn summary_of(r: &VersionRow) -> Result<VersionSummary> {
    Ok(VersionSummary {
        id: r.id,
        framework_id: r.framework_id,
        code: r.code.clone(),
        label: r.label.parse().map_err(bad)?,
        status: r.status.parse().map_err(bad)?,
        title: r.title.clone(),
        job_zone: r.job_zone,
        onet_release: r.onet_release.clone(),
        url: r.url.clone(),
        statement_count: r.statement_count,
        drafted_at: r.drafted_at,
        updated_at: r.updated_at,
        organization_id: r.organization_id,
        edited_at: r.edited_at,
        published_at: r.published_at,
        former_label: r.former_label.clone(),
        based_on: r.based_on,
    })
}

async fn version_rows(db: &Db, code: &str) -> Result<Vec<VersionRow>> {
    Ok(on_db!(db, p => sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {VERSION_COLS} FROM {VERSION_FROM} WHERE v.code = $1"
    )))
    .bind(code)
    .fetch_all(p)
    .await)?)
}

/// Every version of a framework, newest label first.
pub async fn list_versions(db: &Db, code: &str) -> Result<Vec<VersionSummary>> {
    let rows = version_rows(db, code).await?;
    let mut out = rows.iter().map(summary_of).collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|v| std::cmp::Reverse(v.label));
    Ok(out)
}

/// The version a framework's plain address shows: the newest published one, or when none
/// is published yet, the newest that is not discarded. This is the one rule;
/// [`CURRENT_FROM`] says the same in SQL (published first, then the newest label), for
/// queries that page over current versions.
pub fn current_of(versions: &[VersionSummary]) -> Option<&VersionSummary> {
    versions
        .iter()
        .filter(|v| v.status != Status::Discarded)
        .max_by_key(|v| (v.status == Status::Published, v.label))
}

/// A version label (`vYY.MM` or `vYY.MM.N`, as [`VersionLabel`] writes it) as an integer
/// that sorts as the labels do: `YY·100000 + MM·1000 + N` (N is 1 without a suffix).
const LABEL_ORDER: &str = "(CAST(SUBSTR(cv.label, 2, 2) AS INTEGER) * 100000 \
     + CAST(SUBSTR(cv.label, 5, 2) AS INTEGER) * 1000 \
     + CAST(CASE WHEN LENGTH(cv.label) > 6 THEN SUBSTR(cv.label, 8) ELSE '1' END AS INTEGER))";

/// The tables [`VERSION_COLS`] reads, with `v.current_rank` = 1 on each framework code's
/// current version (the rule of [`current_of`]: discarded versions left out, published
/// before anything else, then the newest label). Filter with `WHERE v.current_rank = 1`.
pub(crate) static CURRENT_FROM: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "(SELECT cv.*, ROW_NUMBER() OVER (PARTITION BY cv.code ORDER BY \
         CASE WHEN cv.status = 'published' THEN 1 ELSE 0 END DESC, {LABEL_ORDER} DESC) AS current_rank \
         FROM framework_versions cv WHERE cv.status <> 'discarded') v \
         JOIN frameworks f ON f.id = v.framework_id"
    )
});

/// `ORDER BY` text sorting framework codes by bytes on both backends (as Rust sorts them).
pub(crate) fn code_order(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "v.code",
        Backend::Postgres => r#"v.code COLLATE "C""#,
    }
}

/// The current version (see [`current_of`]) of every framework (or of `codes`), sorted by
/// code.
pub async fn latest_versions(db: &Db, codes: Option<&[String]>) -> Result<Vec<VersionSummary>> {
    let base = format!(
        "SELECT {VERSION_COLS} FROM {} WHERE v.current_rank = 1",
        *CURRENT_FROM
    );
    let order = code_order(db.backend());
    let Some(codes) = codes else {
        let sql = format!("{base} ORDER BY {order}");
        let rows: Vec<VersionRow> =
            on_db!(db, p => sqlx::query_as(AssertSqlSafe(sql)).fetch_all(p).await)?;
        return rows.iter().map(summary_of).collect();
    };
    let mut out = Vec::new();
    for chunk in codes.chunks(1000) {
        let ph = placeholders(1, chunk.len(), db.backend());
        let sql = format!("{base} AND v.code IN {ph}");
        let rows: Vec<VersionRow> = on_db!(db, p => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql));
            for c in chunk {
                q = q.bind(c.clone());
            }
            q.fetch_all(p).await
        })?;
        for r in &rows {
            out.push(summary_of(r)?);
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out.dedup_by(|a, b| a.id == b.id);
    Ok(out)
}

/// A `statements` row, as `SELECT id, version_id, item_id, section, domain, level, ord,
/// subject, performance` reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct StatementRow {
    id: Uuid,
    version_id: Uuid,
    item_id: Uuid,
    section: String,
    domain: Option<String>,
    level: String,
    ord: i64,
    subject: String,
    performance: String,
}

/// A `citations` row, as `SELECT statement_id, ord, source, release, kind, task_id,
/// element_id, scale, commodity_code, ref, cited_text, value` reads it.
#[derive(sqlx::FromRow)]
pub(crate) struct CitationRow {
    statement_id: Uuid,
    ord: i64,
    source: String,
    release: String,
    kind: String,
    task_id: Option<i64>,
    element_id: Option<String>,
    scale: Option<String>,
    commodity_code: Option<i64>,
    #[sqlx(rename = "ref")]
    reference: Option<String>,
    cited_text: String,
    value: Option<f64>,
}

pub(crate) fn bad(e: nsx_core::frameworks::FrameworkError) -> Error {
    Error::Internal(e.0)
}

/// Statements of many versions with their citations, keyed by version id, in display order.
pub async fn statements_of(
    db: &Db,
    versions: &[Uuid],
) -> Result<HashMap<Uuid, Vec<StatementView>>> {
    if versions.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = db.backend();
    let mut srows: Vec<StatementRow> = Vec::new();
    let mut crows: Vec<CitationRow> = Vec::new();
    for chunk in versions.chunks(1000) {
        let ph = placeholders(1, chunk.len(), backend);
        let sql = format!(
            "SELECT id, version_id, item_id, section, domain, level, ord, subject, performance FROM statements WHERE version_id IN {ph}"
        );
        let mut part: Vec<StatementRow> = on_db!(db, p => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(p).await
        })?;
        srows.append(&mut part);
        let sql = format!(
            "SELECT statement_id, ord, source, release, kind, task_id, element_id, scale, commodity_code, ref, cited_text, value FROM citations WHERE version_id IN {ph}"
        );
        let mut part: Vec<CitationRow> = on_db!(db, p => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql));
            for id in chunk {
                q = q.bind(*id);
            }
            q.fetch_all(p).await
        })?;
        crows.append(&mut part);
    }
    assemble_statements(srows, crows)
}

/// Puts statement and citation rows together, keyed by version id, in display order.
pub(crate) fn assemble_statements(
    srows: Vec<StatementRow>,
    mut crows: Vec<CitationRow>,
) -> Result<HashMap<Uuid, Vec<StatementView>>> {
    let mut out: HashMap<Uuid, Vec<StatementView>> = HashMap::new();
    crows.sort_by_key(|c| (c.statement_id, c.ord));
    let mut cites: HashMap<Uuid, Vec<Citation>> = HashMap::new();
    for c in crows {
        let locator = locator_from(
            &c.kind,
            c.task_id,
            c.element_id,
            c.scale,
            c.commodity_code,
            c.reference,
        )?;
        cites.entry(c.statement_id).or_default().push(Citation {
            source: c.source,
            release: c.release,
            locator,
            text: c.cited_text,
            value: c.value,
        });
    }
    for r in srows {
        let section: Section = r.section.parse().map_err(bad)?;
        let domain: Option<DurableDomain> = r
            .domain
            .as_deref()
            .map(str::parse)
            .transpose()
            .map_err(bad)?;
        let level = Level::parse(section, &r.level).map_err(bad)?;
        out.entry(r.version_id).or_default().push(StatementView {
            id: r.id,
            item_id: r.item_id,
            statement: Statement {
                section,
                domain,
                level,
                order: r.ord as u32,
                subject: r.subject,
                performance: r.performance,
                citations: cites.remove(&r.id).unwrap_or_default(),
            },
        });
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| {
            let (x, y) = (&a.statement, &b.statement);
            (x.section, x.domain, x.level, x.order).cmp(&(y.section, y.domain, y.level, y.order))
        });
    }
    Ok(out)
}

/// One version with everything a page or an export needs: statements with their resolved
/// citations, the evidence pack, gaps and sources. `label` `None` means the newest.
pub async fn load_version(
    db: &Db,
    code: &str,
    label: Option<&VersionLabel>,
) -> Result<Option<FrameworkView>> {
    let rows = version_rows(db, code).await?;
    let row = match label {
        Some(l) => rows
            .into_iter()
            .find(|r| r.label.parse::<VersionLabel>().ok().as_ref() == Some(l)),
        None => {
            let all = rows.iter().map(summary_of).collect::<Result<Vec<_>>>()?;
            let id = current_of(&all).map(|v| v.id);
            rows.into_iter().find(|r| Some(r.id) == id)
        }
    };
    let Some(row) = row else { return Ok(None) };
    let summary = summary_of(&row)?;
    let evidence: EvidencePack = serde_json::from_str(&row.evidence)
        .map_err(|e| Error::Internal(format!("evidence pack: {e}")))?;
    let gaps: Vec<String> =
        serde_json::from_str(&row.gaps).map_err(|e| Error::Internal(format!("gaps: {e}")))?;
    let keys: Vec<(String, String)> = serde_json::from_str(&row.source_keys)
        .map_err(|e| Error::Internal(format!("sources: {e}")))?;
    let all_sources: Vec<(String, String, String, String, String, String, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT source_key, release, name, publisher, url, licence, attribution FROM sources"
    )
    .fetch_all(p)
    .await)?;
    let sources = keys
        .iter()
        .filter_map(|(k, r)| {
            all_sources
                .iter()
                .find(|s| &s.0 == k && &s.1 == r)
                .map(|s| Source {
                    key: s.0.clone(),
                    release: s.1.clone(),
                    name: s.2.clone(),
                    publisher: s.3.clone(),
                    url: s.4.clone(),
                    licence: s.5.clone(),
                    attribution: s.6.clone(),
                })
        })
        .collect();
    let statements = statements_of(db, &[summary.id])
        .await?
        .remove(&summary.id)
        .unwrap_or_default();
    Ok(Some(FrameworkView {
        version: summary,
        context: row.context,
        statements,
        evidence,
        gaps,
        sources,
    }))
}

/// Number of framework versions stored.
pub async fn count_versions(db: &Db) -> Result<i64> {
    Ok(
        on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM framework_versions").fetch_one(p).await)?,
    )
}
