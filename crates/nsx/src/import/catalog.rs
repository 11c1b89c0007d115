//! The derived occupation catalog: one row per current occupation with its headline facts
//! and whether it has enough source data for a framework. Rebuilt inside every import's
//! transaction from the source tables, so it is never out of step with them.

use std::collections::HashMap;

use nsx_core::codes::OnetSocCode;
use nsx_core::occupations::{Readiness, SourceCounts, readiness};
use nsx_core::release::ReleaseId;
use time::OffsetDateTime;

use crate::db::Tx;
use crate::error::Result;
use crate::on_tx;

fn seq(release: &str) -> i64 {
    release.parse::<ReleaseId>().map(|r| r.seq()).unwrap_or(0)
}

/// Runs a `(code, key, release, n)` aggregate and keeps, per (code, key), the newest release's count.
async fn latest(tx: &mut Tx, sql: &'static str) -> Result<HashMap<(String, String), i64>> {
    let rows: Vec<(String, String, String, i64)> =
        on_tx!(tx, c => sqlx::query_as(sql).fetch_all(c).await)?;
    let mut best: HashMap<(String, String), (i64, i64)> = HashMap::new();
    for (code, key, release, n) in rows {
        let s = seq(&release);
        let e = best.entry((code, key)).or_insert((s, n));
        if s > e.0 {
            *e = (s, n);
        }
    }
    Ok(best.into_iter().map(|(k, (_, n))| (k, n)).collect())
}

fn sum_by_code(m: &HashMap<(String, String), i64>) -> HashMap<String, i64> {
    let mut out = HashMap::new();
    for ((code, _), n) in m {
        *out.entry(code.clone()).or_insert(0) += n;
    }
    out
}

/// Rebuilds the `occupations` table; returns (occupations, framework-ready occupations).
pub async fn rebuild(tx: &mut Tx) -> Result<(i64, i64)> {
    // The newest full release defines which occupations are current.
    let releases: Vec<String> = on_tx!(tx, c => sqlx::query_scalar("SELECT id FROM source_releases WHERE source = 'onet'")
        .fetch_all(c)
        .await)?;
    let Some(current) = releases.iter().max_by_key(|r| seq(r)).cloned() else {
        on_tx!(tx, c => sqlx::query("DELETE FROM occupations").execute(c).await.map(|r| r.rows_affected()))?;
        return Ok((0, 0));
    };
    let occs: Vec<(String, String, String)> = on_tx!(tx, c => sqlx::query_as(
        "SELECT code, title, description FROM onet_occupations WHERE release = $1 ORDER BY code",
    )
    .bind(&current)
    .fetch_all(c)
    .await)?;

    let tasks = sum_by_code(
        &latest(
            tx,
            "SELECT code, 'tasks', release, COUNT(*) FROM onet_tasks GROUP BY code, release",
        )
        .await?,
    );
    let rated = sum_by_code(
        &latest(
            tx,
            "SELECT code, domain, release, COUNT(DISTINCT element_id) FROM onet_ratings
             WHERE domain IN ('skills', 'knowledge', 'abilities', 'work_styles', 'work_activities')
             GROUP BY code, domain, release",
        )
        .await?,
    );
    let tech = sum_by_code(
        &latest(
            tx,
            "SELECT code, 'technology', release, COUNT(*) FROM onet_technology_skills GROUP BY code, release
             UNION ALL
             SELECT code, 'tools', release, COUNT(*) FROM onet_tools GROUP BY code, release",
        )
        .await?,
    );
    let titles = sum_by_code(
        &latest(
            tx,
            "SELECT code, 'alternate', release, COUNT(*) FROM onet_alternate_titles GROUP BY code, release
             UNION ALL
             SELECT code, 'reported', release, COUNT(*) FROM onet_reported_titles GROUP BY code, release",
        )
        .await?,
    );
    let zones_raw: Vec<(String, String, i64)> = on_tx!(tx, c => sqlx::query_as("SELECT code, release, job_zone FROM onet_job_zones")
        .fetch_all(c)
        .await)?;
    let mut zones: HashMap<String, (i64, i64)> = HashMap::new();
    for (code, release, zone) in zones_raw {
        let s = seq(&release);
        let e = zones.entry(code).or_insert((s, zone));
        if s > e.0 {
            *e = (s, zone);
        }
    }

    on_tx!(tx, c => sqlx::query("DELETE FROM occupations").execute(c).await.map(|r| r.rows_affected()))?;
    let now = OffsetDateTime::now_utc();
    let mut ready_count = 0;
    for (code, title, description) in &occs {
        let Ok(parsed) = code.parse::<OnetSocCode>() else {
            continue;
        };
        let counts = SourceCounts {
            tasks: tasks.get(code).copied().unwrap_or(0),
            rated_elements: rated.get(code).copied().unwrap_or(0),
            technologies: tech.get(code).copied().unwrap_or(0),
            titles: titles.get(code).copied().unwrap_or(0),
            has_job_zone: zones.contains_key(code),
        };
        let r = readiness(&counts);
        let (ready, reason) = match r {
            Readiness::Ready => {
                ready_count += 1;
                (true, None)
            }
            Readiness::NotReady { reason } => (false, Some(reason)),
        };
        on_tx!(tx, c => sqlx::query(
            "INSERT INTO occupations (code, title, description, release, soc_code, major_group, job_zone,
               task_count, rated_elements, technology_count, title_count, framework_ready, readiness_reason, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(code)
        .bind(title)
        .bind(description)
        .bind(&current)
        .bind(parsed.soc().as_str())
        .bind(parsed.major_group())
        .bind(zones.get(code).map(|z| z.1))
        .bind(counts.tasks)
        .bind(counts.rated_elements)
        .bind(counts.technologies)
        .bind(counts.titles)
        .bind(ready)
        .bind(reason)
        .bind(now)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    }
    Ok((occs.len() as i64, ready_count))
}
