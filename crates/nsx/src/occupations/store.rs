//! Catalog queries: the derived `occupations` table for lists and counts, the raw `onet_*`
//! tables (every row keyed by release) for an occupation's full record, and the source
//! releases with their licences.
//!
//! When several releases hold rows for one occupation, each kind of data is read from the
//! newest release that has any for it, and every datum cites the release it came from.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use nsx_core::codes::OnetSocCode;
use nsx_core::occupations::{job_zone_label, major_group_title};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::model::*;
use crate::db::Db;
use crate::error::{Error, Result};
use crate::on_db;

/// Largest page a list returns.
pub const MAX_LIMIT: i64 = 200;

use nsx_core::release::{newest, rank};

/// Filters for occupation lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// 2-digit SOC major group.
    pub major_group: Option<String>,
    /// Job Zone 1–5.
    pub job_zone: Option<i64>,
    /// Only occupations with (or without) enough data for a framework.
    pub framework_ready: Option<bool>,
}

#[derive(sqlx::FromRow)]
struct OccRow {
    code: String,
    title: String,
    description: String,
    release: String,
    soc_code: String,
    major_group: String,
    job_zone: Option<i64>,
    task_count: i64,
    framework_ready: bool,
    readiness_reason: Option<String>,
}

const OCC_COLUMNS: &str = "code, title, description, release, soc_code, major_group, job_zone, task_count, framework_ready, readiness_reason";

impl From<OccRow> for OccupationSummary {
    fn from(r: OccRow) -> Self {
        OccupationSummary {
            url: format!("/occupations/{}", r.code),
            major_group_title: major_group_title(&r.major_group)
                .unwrap_or("Unknown group")
                .to_string(),
            job_zone_label: r.job_zone.map(|z| job_zone_label(z).to_string()),
            code: r.code,
            title: r.title,
            description: r.description,
            release: r.release,
            soc_code: r.soc_code,
            major_group: r.major_group,
            job_zone: r.job_zone,
            task_count: r.task_count,
            framework_ready: r.framework_ready,
            readiness_reason: r.readiness_reason,
        }
    }
}

/// Headline counts.
pub async fn stats(db: &Db) -> Result<CatalogStats> {
    let occupations: i64 =
        on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM occupations").fetch_one(p).await)?;
    let framework_ready: i64 = on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM occupations WHERE framework_ready = $1").bind(true).fetch_one(p).await)?;
    let onet_releases: i64 = on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM source_releases WHERE source IN ('onet', 'onet_supplement')").fetch_one(p).await)?;
    Ok(CatalogStats {
        occupations,
        framework_ready,
        onet_releases,
    })
}

/// One page of occupations matching the filters, ordered by code.
pub async fn list(db: &Db, f: &ListFilter, limit: i64, offset: i64) -> Result<OccupationList> {
    let limit = limit.clamp(1, MAX_LIMIT);
    let offset = offset.max(0);
    let filter = "WHERE ($1 IS NULL OR major_group = $1) AND ($2 IS NULL OR job_zone = $2) AND ($3 IS NULL OR framework_ready = $3)";
    let count_sql = format!("SELECT COUNT(*) FROM occupations {filter}");
    let total: i64 = on_db!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(count_sql))
        .bind(&f.major_group)
        .bind(f.job_zone)
        .bind(f.framework_ready)
        .fetch_one(p)
        .await)?;
    let sql =
        format!("SELECT {OCC_COLUMNS} FROM occupations {filter} ORDER BY code LIMIT $4 OFFSET $5");
    let rows: Vec<OccRow> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&f.major_group)
        .bind(f.job_zone)
        .bind(f.framework_ready)
        .bind(limit)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    Ok(OccupationList {
        total,
        limit,
        offset,
        items: rows.into_iter().map(Into::into).collect(),
    })
}

/// How many occupations each SOC major group and each Job Zone has.
pub async fn facets(db: &Db) -> Result<(Vec<Facet>, Vec<Facet>)> {
    let groups: Vec<(String, i64)> = on_db!(db, p => sqlx::query_as(
        "SELECT major_group, COUNT(*) FROM occupations GROUP BY major_group ORDER BY major_group"
    ).fetch_all(p).await)?;
    let zones: Vec<(Option<i64>, i64)> = on_db!(db, p => sqlx::query_as(
        "SELECT job_zone, COUNT(*) FROM occupations WHERE job_zone IS NOT NULL GROUP BY job_zone ORDER BY job_zone"
    ).fetch_all(p).await)?;
    let groups = groups
        .into_iter()
        .map(|(g, n)| Facet {
            label: major_group_title(&g).unwrap_or("Unknown group").to_string(),
            value: g,
            count: n,
        })
        .collect();
    let zones = zones
        .into_iter()
        .filter_map(|(z, n)| {
            z.map(|z| Facet {
                value: z.to_string(),
                label: job_zone_label(z).to_string(),
                count: n,
            })
        })
        .collect();
    Ok((groups, zones))
}

/// One occupation's headline facts.
pub async fn find(db: &Db, code: &OnetSocCode) -> Result<Option<OccupationSummary>> {
    let sql = format!("SELECT {OCC_COLUMNS} FROM occupations WHERE code = $1");
    let row: Option<OccRow> = on_db!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code.as_str()).fetch_optional(p).await)?;
    Ok(row.map(Into::into))
}

#[derive(sqlx::FromRow)]
struct RatingRow {
    release: String,
    domain: String,
    element_id: String,
    element_name: String,
    scale_id: String,
    category: Option<i64>,
    data_value: f64,
    recommend_suppress: Option<bool>,
    not_relevant: Option<bool>,
}

fn elements(rows: Vec<RatingRow>) -> Vec<RatedElement> {
    let rows = newest(rows, |r| &r.release);
    let mut by_id: BTreeMap<String, RatedElement> = BTreeMap::new();
    for r in rows {
        let e = by_id
            .entry(r.element_id.clone())
            .or_insert_with(|| RatedElement {
                citation: Citation::onet(&r.release, Some(format!("Element {}", r.element_id))),
                element_id: r.element_id.clone(),
                name: r.element_name.clone(),
                importance: None,
                level: None,
                impact: None,
                distinctiveness: None,
                not_relevant: false,
                suppressed: false,
            });
        match r.scale_id.as_str() {
            "IM" => e.importance = Some(r.data_value),
            "LV" => {
                e.level = Some(r.data_value);
                e.not_relevant |= r.not_relevant.unwrap_or(false);
            }
            "WI" => e.impact = Some(r.data_value),
            "DR" => e.distinctiveness = Some(r.data_value),
            _ => {}
        }
        e.suppressed |= r.recommend_suppress.unwrap_or(false);
    }
    let mut out: Vec<RatedElement> = by_id.into_values().collect();
    let key = |e: &RatedElement| e.importance.or(e.impact).unwrap_or(f64::MIN);
    out.sort_by(|a, b| {
        key(b)
            .total_cmp(&key(a))
            .then_with(|| b.level.unwrap_or(0.0).total_cmp(&a.level.unwrap_or(0.0)))
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

/// Everything the catalog holds about one occupation, or `None` if it is not in the catalog.
pub async fn detail(db: &Db, code: &OnetSocCode) -> Result<Option<OccupationDetail>> {
    let Some(summary) = find(db, code).await? else {
        return Ok(None);
    };
    let c = code.as_str();

    let older_releases: Vec<String> = on_db!(db, p => sqlx::query_scalar(
        "SELECT release FROM onet_occupations WHERE code = $1 AND release <> $2"
    ).bind(c).bind(&summary.release).fetch_all(p).await)?;
    let mut older_releases: Vec<String> = older_releases
        .into_iter()
        .filter(|r| rank(r) < rank(&summary.release))
        .collect();
    older_releases.sort_by_key(|r| std::cmp::Reverse(rank(r)));

    // Job Zone, with its meaning from the same release where possible.
    let zones: Vec<(String, i64)> = on_db!(db, p => sqlx::query_as(
        "SELECT release, job_zone FROM onet_job_zones WHERE code = $1"
    ).bind(c).fetch_all(p).await)?;
    let job_zone_detail = match newest(zones, |z| &z.0).into_iter().next() {
        None => None,
        Some((release, zone)) => {
            type RefRow = (
                String,
                String,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            );
            let refs: Vec<RefRow> = on_db!(db, p => sqlx::query_as(
                "SELECT release, name, experience, education, job_training, examples, svp_range
                 FROM onet_job_zone_reference WHERE job_zone = $1"
            ).bind(zone).fetch_all(p).await)?;
            let r = refs
                .iter()
                .find(|r| r.0 == release)
                .or_else(|| refs.iter().max_by_key(|r| rank(&r.0)))
                .cloned();
            Some(JobZone {
                zone,
                label: job_zone_label(zone).to_string(),
                name: r.as_ref().map(|r| r.1.clone()),
                experience: r.as_ref().and_then(|r| r.2.clone()),
                education: r.as_ref().and_then(|r| r.3.clone()),
                job_training: r.as_ref().and_then(|r| r.4.clone()),
                examples: r.as_ref().and_then(|r| r.5.clone()),
                svp_range: r.as_ref().and_then(|r| r.6.clone()),
                citation: Citation::onet(&release, Some(format!("Job Zone {zone}"))),
            })
        }
    };

    // Ratings: skills, knowledge, abilities, work styles, education.
    let ratings: Vec<RatingRow> = on_db!(db, p => sqlx::query_as(
        "SELECT release, domain, element_id, element_name, scale_id, category, data_value, recommend_suppress, not_relevant
         FROM onet_ratings WHERE code = $1 AND domain IN ('skills', 'knowledge', 'abilities', 'work_styles', 'education')"
    ).bind(c).fetch_all(p).await)?;
    let mut by_domain: HashMap<String, Vec<RatingRow>> = HashMap::new();
    for r in ratings {
        by_domain.entry(r.domain.clone()).or_default().push(r);
    }
    let mut take = |d: &str| by_domain.remove(d).unwrap_or_default();
    let skills = elements(take("skills"));
    let knowledge = elements(take("knowledge"));
    let abilities = elements(take("abilities"));
    let work_styles = elements(take("work_styles"));
    let edu_rows = newest(
        take("education")
            .into_iter()
            .filter(|r| r.scale_id == "RL" && r.element_id == "2.D.1")
            .collect(),
        |r| &r.release,
    );
    let education = if edu_rows.is_empty() {
        Vec::new()
    } else {
        let cats: Vec<(String, i64, String)> = on_db!(db, p => sqlx::query_as(
            "SELECT release, category, description FROM onet_categories
             WHERE source = 'education' AND scale_id = 'RL'"
        ).fetch_all(p).await)?;
        let mut out: Vec<EducationLevel> = edu_rows
            .iter()
            .filter_map(|r| {
                let cat = r.category?;
                let description = cats
                    .iter()
                    .filter(|x| x.1 == cat)
                    .max_by_key(|x| (x.0 == r.release, rank(&x.0)))
                    .map(|x| x.2.clone())
                    .unwrap_or_else(|| format!("Category {cat}"));
                Some(EducationLevel {
                    category: cat,
                    description,
                    percent: r.data_value,
                    citation: Citation::onet(
                        &r.release,
                        Some(format!("Element 2.D.1 · category {cat}")),
                    ),
                })
            })
            .collect();
        out.sort_by_key(|e| e.category);
        out
    };

    // Tasks with their ratings.
    type TaskRow = (String, i64, String, Option<String>);
    let task_rows: Vec<TaskRow> = on_db!(db, p => sqlx::query_as(
        "SELECT release, task_id, task, task_type FROM onet_tasks WHERE code = $1"
    ).bind(c).fetch_all(p).await)?;
    let task_rows = newest(task_rows, |t| &t.0);
    let task_ratings: Vec<(String, i64, String, f64)> = on_db!(db, p => sqlx::query_as(
        "SELECT release, task_id, scale_id, data_value FROM onet_task_ratings
         WHERE code = $1 AND scale_id IN ('IM', 'RT')"
    ).bind(c).fetch_all(p).await)?;
    // Ratings are shown only from the release the statements come from, so each task cites
    // one release for everything on its row.
    let task_release = task_rows.first().map(|t| t.0.clone());
    let task_ratings: Vec<_> = task_ratings
        .into_iter()
        .filter(|r| Some(&r.0) == task_release.as_ref())
        .collect();
    let mut tasks: Vec<Task> = task_rows
        .into_iter()
        .map(|(release, task_id, statement, task_type)| {
            let rating = |scale: &str| {
                task_ratings
                    .iter()
                    .find(|r| r.1 == task_id && r.2 == scale)
                    .map(|r| r.3)
            };
            Task {
                importance: rating("IM"),
                relevance: rating("RT"),
                citation: Citation::onet(&release, Some(format!("Task {task_id}"))),
                task_id,
                statement,
                task_type,
            }
        })
        .collect();
    tasks.sort_by(|a, b| {
        let core = |t: &Task| t.task_type.as_deref() != Some("Core");
        core(a)
            .cmp(&core(b))
            .then_with(|| {
                b.importance
                    .unwrap_or(0.0)
                    .total_cmp(&a.importance.unwrap_or(0.0))
            })
            .then_with(|| a.task_id.cmp(&b.task_id))
    });

    type EmergingRow = (String, String, Option<String>, Option<i64>);
    let emerging: Vec<EmergingRow> = on_db!(db, p => sqlx::query_as(
        "SELECT release, task, category, original_task_id FROM onet_emerging_tasks WHERE code = $1 ORDER BY task"
    ).bind(c).fetch_all(p).await)?;
    let emerging_tasks = newest(emerging, |e| &e.0)
        .into_iter()
        .map(
            |(release, statement, category, original_task_id)| EmergingTask {
                citation: Citation::onet(
                    &release,
                    Some(match original_task_id {
                        Some(id) => format!("Emerging task (revises task {id})"),
                        None => "Emerging task".into(),
                    }),
                ),
                statement,
                category,
                original_task_id,
            },
        )
        .collect();

    // Technology and tools.
    type TechRow = (
        String,
        String,
        Option<i64>,
        Option<String>,
        Option<bool>,
        Option<bool>,
    );
    let tech: Vec<TechRow> = on_db!(db, p => sqlx::query_as(
        "SELECT release, example, commodity_code, commodity_title, hot_technology, in_demand
         FROM onet_technology_skills WHERE code = $1"
    ).bind(c).fetch_all(p).await)?;
    let mut technology: Vec<Technology> = newest(tech, |t| &t.0)
        .into_iter()
        .map(
            |(release, example, commodity_code, commodity_title, hot, in_demand)| Technology {
                citation: Citation::onet(
                    &release,
                    Some(match commodity_code {
                        Some(cc) => format!("Technology Skills · UNSPSC {cc}"),
                        None => "Technology Skills".into(),
                    }),
                ),
                example,
                commodity_code,
                commodity_title,
                hot: hot.unwrap_or(false),
                in_demand: in_demand.unwrap_or(false),
            },
        )
        .collect();
    technology.sort_by(|a, b| {
        (b.hot, b.in_demand)
            .cmp(&(a.hot, a.in_demand))
            .then_with(|| a.example.cmp(&b.example))
    });
    type ToolRow = (String, String, Option<i64>, Option<String>);
    let tool_rows: Vec<ToolRow> = on_db!(db, p => sqlx::query_as(
        "SELECT release, example, commodity_code, commodity_title FROM onet_tools WHERE code = $1 ORDER BY example"
    ).bind(c).fetch_all(p).await)?;
    let tools = newest(tool_rows, |t| &t.0)
        .into_iter()
        .map(|(release, example, commodity_code, commodity_title)| Tool {
            citation: Citation::onet(
                &release,
                Some(match commodity_code {
                    Some(cc) => format!("Tools Used · UNSPSC {cc}"),
                    None => "Tools Used".into(),
                }),
            ),
            example,
            commodity_code,
            commodity_title,
        })
        .collect();

    // Titles.
    type AltRow = (String, String, Option<String>, Option<String>);
    let alts: Vec<AltRow> = on_db!(db, p => sqlx::query_as(
        "SELECT release, title, short_title, sources FROM onet_alternate_titles WHERE code = $1 ORDER BY title"
    ).bind(c).fetch_all(p).await)?;
    let alternate_titles = newest(alts, |t| &t.0)
        .into_iter()
        .map(|(release, title, short_title, sources)| AlternateTitle {
            citation: Citation::onet(&release, Some("Alternate Titles".into())),
            title,
            short_title,
            sources,
        })
        .collect();
    let reported: Vec<(String, String, Option<bool>)> = on_db!(db, p => sqlx::query_as(
        "SELECT release, title, shown_in_my_next_move FROM onet_reported_titles WHERE code = $1 ORDER BY title"
    ).bind(c).fetch_all(p).await)?;
    let reported_titles = newest(reported, |t| &t.0)
        .into_iter()
        .map(|(release, title, shown)| ReportedTitle {
            citation: Citation::onet(&release, Some("Sample of Reported Titles".into())),
            title,
            shown_in_my_next_move: shown.unwrap_or(false),
        })
        .collect();

    // Related occupations.
    type RelRow = (String, String, Option<String>, Option<i64>, Option<String>);
    let rel: Vec<RelRow> = on_db!(db, p => sqlx::query_as(
        "SELECT r.release, r.related_code, r.tier, r.idx, o.title
         FROM onet_related_occupations r LEFT JOIN occupations o ON o.code = r.related_code
         WHERE r.code = $1 ORDER BY r.idx, r.related_code"
    ).bind(c).fetch_all(p).await)?;
    let related = newest(rel, |r| &r.0)
        .into_iter()
        .map(|(release, code, tier, index, title)| RelatedOccupation {
            citation: Citation::onet(&release, Some("Related Occupations".into())),
            code,
            title,
            tier,
            index,
        })
        .collect();

    // Education programmes through the CIP–SOC crosswalk, and apprenticeships.
    let cips: Vec<(String, String, Option<String>)> = on_db!(db, p => sqlx::query_as(
        "SELECT s.edition, s.cip_code, COALESCE(pr.title, s.cip_title)
         FROM cip_soc s LEFT JOIN cip_programs pr ON pr.edition = s.edition AND pr.code = s.cip_code
         WHERE s.soc_code = $1 ORDER BY s.cip_code"
    ).bind(&summary.soc_code).fetch_all(p).await)?;
    let cip_programs = cips
        .into_iter()
        .filter(|(_, code, _)| code != "99.9999")
        .map(|(edition, cip_code, title)| CipProgram {
            citation: Citation {
                source: "cip".into(),
                release: edition,
                locator: Some(format!("CIP {cip_code} ↔ SOC {}", summary.soc_code)),
            },
            title: title
                .unwrap_or_default()
                .trim()
                .trim_end_matches('.')
                .to_string(),
            cip_code,
        })
        .collect();
    let apps: Vec<(String, String)> = on_db!(db, p => sqlx::query_as(
        "SELECT rapids_code, title FROM apprenticeships WHERE code = $1 ORDER BY rapids_code"
    ).bind(c).fetch_all(p).await)?;
    let apprenticeships = apps
        .into_iter()
        .map(|(rapids_code, title)| Apprenticeship {
            citation: Citation {
                source: "rapids".into(),
                release: "current".into(),
                locator: Some(format!("RAPIDS {rapids_code}")),
            },
            rapids_code,
            title,
        })
        .collect();

    let mut d = OccupationDetail {
        citation: Citation::onet(&summary.release, Some(format!("Occupation {c}"))),
        summary,
        job_zone_detail,
        education,
        tasks,
        emerging_tasks,
        skills,
        knowledge,
        abilities,
        work_styles,
        technology,
        tools,
        alternate_titles,
        reported_titles,
        related,
        cip_programs,
        apprenticeships,
        older_releases,
        sources: Vec::new(),
    };
    d.sources = sources_cited(db, &d).await?;
    Ok(Some(d))
}

/// The source releases an occupation's record cites.
async fn sources_cited(db: &Db, d: &OccupationDetail) -> Result<Vec<SourceRelease>> {
    let mut onet: BTreeSet<String> = BTreeSet::new();
    onet.insert(d.citation.release.clone());
    let mut add = |c: &Citation| {
        if c.source == "onet" && !onet.contains(&c.release) {
            onet.insert(c.release.clone());
        }
    };
    d.job_zone_detail.iter().for_each(|z| add(&z.citation));
    d.education.iter().for_each(|x| add(&x.citation));
    d.tasks.iter().for_each(|x| add(&x.citation));
    d.emerging_tasks.iter().for_each(|x| add(&x.citation));
    for list in [&d.skills, &d.knowledge, &d.abilities, &d.work_styles] {
        list.iter().for_each(|x| add(&x.citation));
    }
    d.technology.iter().for_each(|x| add(&x.citation));
    d.tools.iter().for_each(|x| add(&x.citation));
    d.alternate_titles.iter().for_each(|x| add(&x.citation));
    d.reported_titles.iter().for_each(|x| add(&x.citation));
    d.related.iter().for_each(|x| add(&x.citation));
    let all = sources(db).await?;
    Ok(all
        .into_iter()
        .filter(|s| match s.source.as_str() {
            "onet" | "onet_supplement" => onet.contains(&s.id),
            "crosswalk" => s.id.starts_with("cip") && !d.cip_programs.is_empty(),
            "rapids" => !d.apprenticeships.is_empty(),
            _ => false,
        })
        .collect())
}

/// Licence name, licence URL and attribution text for a source release.
pub fn licence(source: &str, id: &str) -> (String, Option<String>, String) {
    const ONET_LICENCE: &str = "https://www.onetcenter.org/license_db.html";
    match source {
        "onet" | "onet_supplement" => {
            let mut text = format!(
                "This product includes information from the O*NET {id} Database by the U.S. Department of Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license. O*NET\u{ae} is a trademark of USDOL/ETA."
            );
            if source == "onet_supplement" {
                text.push_str(
                    " Supplement files may have been reformatted from the original distribution.",
                );
            }
            ("CC BY 4.0".into(), Some(ONET_LICENCE.into()), text)
        }
        "crosswalk" if id.starts_with("cip") => (
            "U.S. government work (public domain in the U.S.)".into(),
            Some("https://nces.ed.gov/ipeds/cipcode/".into()),
            "National Center for Education Statistics, CIP 2020 to SOC 2018 Crosswalk.".into(),
        ),
        "crosswalk" => (
            "CC BY 4.0".into(),
            Some("https://www.onetcenter.org/taxonomy.html".into()),
            "This product includes information from the O*NET-SOC taxonomy crosswalks by the U.S. Department of Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license. O*NET\u{ae} is a trademark of USDOL/ETA.".into(),
        ),
        "aei" => (
            "CC BY (data)".into(),
            Some("https://huggingface.co/datasets/Anthropic/EconomicIndex".into()),
            "Anthropic Economic Index (Handa, K. et al., 2025, arXiv:2503.04761). Its task text comes from O*NET (USDOL/ETA, CC BY 4.0).".into(),
        ),
        "rapids" => (
            "U.S. government work (public domain in the U.S.)".into(),
            Some("https://www.apprenticeship.gov/".into()),
            "Registered apprenticeship occupations (RAPIDS), U.S. Department of Labor, Office of Apprenticeship.".into(),
        ),
        _ => ("See the source".into(), None, String::new()),
    }
}

/// Every imported source release, O*NET first, newest first within a source.
pub async fn sources(db: &Db) -> Result<Vec<SourceRelease>> {
    type Row = (String, String, i64, String, Option<String>, OffsetDateTime);
    let rows: Vec<Row> = on_db!(db, p => sqlx::query_as(
        "SELECT source, id, seq, title, published, imported_at FROM source_releases"
    ).fetch_all(p).await)?;
    let mut max_seq: HashMap<String, i64> = HashMap::new();
    for r in &rows {
        let e = max_seq.entry(r.0.clone()).or_insert(r.2);
        *e = (*e).max(r.2);
    }
    let order = |s: &str| match s {
        "onet" => 0,
        "onet_supplement" => 1,
        "crosswalk" => 2,
        "rapids" => 3,
        "aei" => 4,
        _ => 5,
    };
    let mut out: Vec<SourceRelease> = rows
        .into_iter()
        .map(|(source, id, seq, title, published, imported_at)| {
            let (licence, licence_url, attribution) = licence(&source, &id);
            SourceRelease {
                current: max_seq.get(&source).is_some_and(|m| *m == seq),
                source_name: source_name(&source).to_string(),
                imported_at: imported_at
                    .format(&Rfc3339)
                    .unwrap_or_else(|_| imported_at.to_string()),
                source,
                id,
                title,
                published,
                licence,
                licence_url,
                attribution,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        order(&a.source)
            .cmp(&order(&b.source))
            .then_with(|| rank(&b.id).cmp(&rank(&a.id)))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(out)
}

/// Validates a major group code against SOC 2018.
pub fn parse_major_group(v: &str) -> Result<String> {
    if major_group_title(v).is_some() {
        Ok(v.to_string())
    } else {
        Err(Error::invalid(
            "major_group",
            format!("{v:?} is not a SOC 2018 major group (two digits such as 17)"),
        ))
    }
}

/// Validates a Job Zone (1–5).
pub fn parse_job_zone(v: i64) -> Result<i64> {
    if (1..=5).contains(&v) {
        Ok(v)
    } else {
        Err(Error::invalid(
            "job_zone",
            format!("{v} is not a Job Zone (1 to 5)"),
        ))
    }
}
