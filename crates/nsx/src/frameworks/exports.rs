//! Downloads of a framework version in exchange formats, under
//! `/exports/frameworks/{code}/{version}/{format}` (and `/exports/frameworks/{code}/{format}`
//! for the newest version): `case.json` (CASE 1.0 CFPackage), `rsd.json` (Open Skills
//! Network Rich Skill Descriptors, JSON-LD), `rsd.csv`, `ctdl.json` (CTDL-ASN JSON-LD)
//! and `csv` (one row per statement, for spreadsheets).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use nsx_core::frameworks::case as map;
use nsx_core::frameworks::{Citation, DurableLevel, Level, MasteryLevel, Section, Status};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{FrameworkView, StatementView, store};
use crate::error::{Error, Result};
use crate::state::AppState;

/// The formats a framework can be downloaded in.
pub const FORMATS: [&str; 5] = ["case.json", "rsd.json", "rsd.csv", "ctdl.json", "csv"];

/// The RSD CSV header row.
pub const RSD_CSV_HEADER: [&str; 12] = [
    "Canonical URL",
    "RSD Name",
    "Author",
    "Skill Statement",
    "Category",
    "Keywords",
    "Standards",
    "Occupation Major Groups",
    "O*NET Job Codes",
    "Alignment Name",
    "Alignment URL",
    "Status",
];

/// The framework CSV header row.
pub const CSV_HEADER: [&str; 13] = super::framework_csv::HEADER;

pub(crate) async fn latest(
    State(st): State<AppState>,
    Path((code, format)): Path<(String, String)>,
) -> Response {
    serve(&st, &code, None, &format).await
}

pub(crate) async fn versioned(
    State(st): State<AppState>,
    Path((code, version, format)): Path<(String, String, String)>,
) -> Response {
    let Ok(label) = version.parse() else {
        return (
            StatusCode::NOT_FOUND,
            format!("No version {version} of {code}."),
        )
            .into_response();
    };
    serve(&st, &code, Some(label), &format).await
}

pub(crate) async fn serve(
    st: &AppState,
    code: &str,
    label: Option<nsx_core::frameworks::VersionLabel>,
    format: &str,
) -> Response {
    if !FORMATS.contains(&format) {
        return (
            StatusCode::NOT_FOUND,
            format!(
                "No export format {format:?}; use one of {}.",
                FORMATS.join(", ")
            ),
        )
            .into_response();
    }
    let v = match store::load_version(&st.db, code, label.as_ref()).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return (
                StatusCode::NOT_FOUND,
                format!("No framework {code} with that version."),
            )
                .into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "export failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    match render(&v, &st.config.public_url(), format) {
        Ok((ctype, body)) => {
            let name = format!("nsx-{}-{}.{format}", v.version.code, v.version.label);
            (
                [
                    (header::CONTENT_TYPE, ctype.to_string()),
                    (header::CONTENT_DISPOSITION, attachment(&name)),
                ],
                body,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "export failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A `Content-Disposition` value naming a download. Codes and labels are checked when they
/// enter the exchange; the name is still reduced to safe characters here, so that no value
/// can break out of the quoted string.
pub fn attachment(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("attachment; filename=\"{safe}\"")
}

/// Renders a version in a format: content type and body.
pub fn render(v: &FrameworkView, base: &str, format: &str) -> Result<(&'static str, Vec<u8>)> {
    let js = |v: &Value| serde_json::to_vec_pretty(v).map_err(|e| Error::Internal(e.to_string()));
    Ok(match format {
        "case.json" => (
            "application/json",
            serde_json::to_vec_pretty(&map::package(&super::case::case_framework(v), base))
                .map_err(|e| Error::Internal(e.to_string()))?,
        ),
        "rsd.json" => ("application/ld+json", js(&rsd_json(v, base))?),
        "ctdl.json" => ("application/ld+json", js(&ctdl_json(v, base))?),
        "rsd.csv" => ("text/csv; charset=utf-8", rsd_csv(v, base)?),
        "csv" => ("text/csv; charset=utf-8", super::framework_csv::write(v)?),
        other => return Err(Error::NotFound(format!("no export format {other:?}"))),
    })
}

fn root(base: &str) -> &str {
    base.trim_end_matches('/')
}

fn rsd_status(s: Status) -> &'static str {
    match s {
        Status::Draft | Status::InReview => "draft",
        Status::Published => "published",
        Status::Superseded | Status::Discarded => "archived",
    }
}

fn category(s: &StatementView) -> String {
    match (s.statement.section, s.statement.domain) {
        (Section::Durable, Some(d)) => format!("Durable skills: {}", d.label()),
        (Section::Durable, None) => "Durable skills".into(),
        (Section::Technical, _) => "Technical competencies".into(),
        (Section::AiUsage, _) => "AI usage".into(),
    }
}

fn citation_name(c: &Citation) -> String {
    format!(
        "{} {} {}: {}",
        c.source,
        c.release,
        c.locator.short(),
        c.text
    )
}

fn citation_url(c: &Citation) -> String {
    match &c.locator {
        nsx_core::frameworks::Locator::Element { element_id, .. } if c.source == "onet" => {
            format!("https://www.onetonline.org/find/descriptor/result/{element_id}")
        }
        _ => String::new(),
    }
}

fn soc_of(code: &str) -> String {
    code.split('.').next().unwrap_or(code).to_string()
}

fn skill_uri(base: &str, s: &StatementView) -> String {
    format!("{}/ims/case/v1p0/CFItems/{}", root(base), s.item_id)
}

/// The identifier of a Rich Skill Descriptor: resolves to the newest version holding the
/// statement's item (see `resolve`).
pub fn rsd_skill_uri(base: &str, item_id: Uuid) -> String {
    format!("{}/rsd/skills/{item_id}", root(base))
}

/// The identifier of a version's RSD collection.
pub fn rsd_collection_uri(base: &str, version_id: Uuid) -> String {
    format!("{}/rsd/collections/{version_id}", root(base))
}

/// One Rich Skill Descriptor per statement, in a collection for the version.
pub fn rsd_json(v: &FrameworkView, base: &str) -> Value {
    let code = &v.version.code;
    let collection_uri = rsd_collection_uri(base, v.version.id);
    let collection = json!({
        "id": collection_uri,
        "uuid": v.version.id.to_string(),
        "name": format!("{} ({code}) {}", v.version.title, v.version.label),
    });
    let occupations = json!([
        { "frameworkName": "o*net", "code": code, "name": v.version.title, "id": format!("https://www.onetonline.org/link/summary/{code}") },
        { "frameworkName": "bls", "code": soc_of(code), "name": v.version.title },
    ]);
    let author = json!({ "name": "NSX", "id": root(base) });
    let status = rsd_status(v.version.status);
    let skills: Vec<Value> = v
        .statements
        .iter()
        .map(|s| {
            let st = &s.statement;
            let alignments: Vec<Value> = st
                .citations
                .iter()
                .map(|c| {
                    let mut a = json!({
                        "skillName": citation_name(c),
                        "frameworkName": format!("{} {}", c.source, c.release),
                        "code": c.locator.short(),
                    });
                    let url = citation_url(c);
                    if !url.is_empty() {
                        a["id"] = json!(url);
                    }
                    a
                })
                .collect();
            let mut keywords = vec![
                st.subject.clone(),
                st.level.label().to_string(),
                code.clone(),
            ];
            if let Some(d) = st.domain {
                keywords.push(d.label().to_string());
            }
            json!({
                "@context": "https://rsd.openskillsnetwork.org/context-v1.json",
                "id": rsd_skill_uri(base, s.item_id),
                "type": "RichSkillDescriptor",
                "uuid": s.item_id.to_string(),
                "skillName": st.subject,
                "skillStatement": st.performance,
                "status": status,
                "author": author,
                "publisher": author,
                "creator": author,
                "categories": [category(s)],
                "keywords": keywords,
                "standards": [{ "name": format!("NSX {} framework {code} {}", v.version.title, v.version.label), "id": format!("{}{}", root(base), v.version.url), "code": st.location() }],
                "alignments": alignments,
                "occupations": occupations,
                "collections": [collection],
                "creationDate": time_str(v.version.drafted_at),
                "updateDate": time_str(v.version.updated_at),
            })
        })
        .collect();
    json!({
        "@context": "https://rsd.openskillsnetwork.org/context-v1.json",
        "id": collection_uri,
        "type": "Collection",
        "uuid": v.version.id.to_string(),
        "name": collection["name"],
        "author": author,
        "status": status,
        "skills": skills,
    })
}

fn time_str(t: time::OffsetDateTime) -> String {
    map::case_time(t)
}

fn csv_bytes(header: &[&str], rows: Vec<Vec<String>>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)
        .map_err(|e| Error::Internal(e.to_string()))?;
    for r in rows {
        w.write_record(&r)
            .map_err(|e| Error::Internal(e.to_string()))?;
    }
    w.into_inner().map_err(|e| Error::Internal(e.to_string()))
}

/// The RSDs as CSV (the Open Skills Network spreadsheet columns).
pub fn rsd_csv(v: &FrameworkView, base: &str) -> Result<Vec<u8>> {
    let code = &v.version.code;
    let rows = v
        .statements
        .iter()
        .map(|s| {
            let st = &s.statement;
            vec![
                rsd_skill_uri(base, s.item_id),
                st.subject.clone(),
                "NSX".into(),
                st.performance.clone(),
                category(s),
                [st.subject.as_str(), st.level.label(), code.as_str()].join("; "),
                format!("NSX {code} {} {}", v.version.label, st.location()),
                code.get(..2).unwrap_or(code).to_string(),
                code.clone(),
                st.citations
                    .iter()
                    .map(citation_name)
                    .collect::<Vec<_>>()
                    .join("; "),
                st.citations
                    .iter()
                    .map(citation_url)
                    .filter(|u| !u.is_empty())
                    .collect::<Vec<_>>()
                    .join("; "),
                rsd_status(v.version.status).into(),
            ]
        })
        .collect();
    csv_bytes(&RSD_CSV_HEADER, rows)
}

/// A progression model: key, title and its levels (key, label, definition).
type Scale<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str, String)>);

fn ctid(id: Uuid) -> String {
    format!("ce-{id}")
}

fn lang(s: &str) -> Value {
    json!({ "en-US": s })
}

/// The JSON-LD context of CTDL-ASN documents.
pub const CTDL_CONTEXT: &str = "https://credreg.net/ctdlasn/schema/context/json";

/// The identifier of a CTDL node (`ce-` and a UUID: a version for the framework, a
/// statement row for a competency, a progression model or level).
pub fn ctdl_uri(base: &str, id: Uuid) -> String {
    format!("{}/ctdl/{}", root(base), ctid(id))
}

/// The id of one of the two progression models every NSX framework uses.
pub fn progression_model_id(name: &str) -> Uuid {
    Uuid::new_v5(
        &nsx_core::frameworks::ID_NAMESPACE,
        format!("ctdl:progression-model:{name}").as_bytes(),
    )
}

/// The id of a level of a progression model.
pub fn progression_level_id(name: &str, level: &str) -> Uuid {
    Uuid::new_v5(
        &nsx_core::frameworks::ID_NAMESPACE,
        format!("ctdl:progression-level:{name}:{level}").as_bytes(),
    )
}

/// The two progression models (mastery levels, durable-skill levels) and their four levels
/// each: the same nodes in every framework, so each resolves on its own.
pub fn progression_nodes(base: &str) -> Vec<Value> {
    let node = |id: Uuid| ctdl_uri(base, id);
    let scales: [Scale; 2] = [
        (
            "mastery",
            "Mastery levels",
            MasteryLevel::ALL
                .iter()
                .map(|m| (m.as_str(), m.label(), m.role().to_string()))
                .collect(),
        ),
        (
            "durable",
            "Durable-skill levels",
            DurableLevel::ALL
                .iter()
                .map(|d| (d.as_str(), d.label(), d.label().to_string()))
                .collect(),
        ),
    ];
    let mut graph = Vec::new();
    for (name, title, levels) in scales {
        let m = progression_model_id(name);
        let level_uris: Vec<String> = levels
            .iter()
            .map(|l| node(progression_level_id(name, l.0)))
            .collect();
        graph.push(json!({
            "@id": node(m),
            "@type": "asn:ProgressionModel",
            "ceterms:ctid": ctid(m),
            "ceasn:name": lang(title),
            "ceasn:description": lang(&format!("The four {} of NSX frameworks, lowest first.", title.to_lowercase())),
            "ceasn:inLanguage": ["en-US"],
            "skos:hasTopConcept": level_uris,
        }));
        for (i, (key, label, def)) in levels.iter().enumerate() {
            let id = progression_level_id(name, key);
            let mut l = json!({
                "@id": node(id),
                "@type": "asn:ProgressionLevel",
                "ceterms:ctid": ctid(id),
                "skos:prefLabel": lang(label),
                "skos:definition": lang(def),
                "skos:inScheme": node(m),
                "skos:notation": (i + 1).to_string(),
            });
            if i + 1 < level_uris.len() {
                l["asn:precedes"] = json!(level_uris[i + 1]);
            }
            graph.push(l);
        }
    }
    graph
}

/// CTDL-ASN JSON-LD: the framework, a competency per statement and two progression
/// models (mastery levels, durable-skill levels) of four levels each. Every `@id` resolves
/// under `/ctdl/`.
pub fn ctdl_json(v: &FrameworkView, base: &str) -> Value {
    let b = root(base);
    let code = &v.version.code;
    let fw_ctid = ctid(v.version.id);
    let node = |id: Uuid| ctdl_uri(base, id);
    let fw_uri = node(v.version.id);
    let ns = v.version.id;
    let mut graph: Vec<Value> = Vec::new();
    let mut comps: Vec<String> = Vec::new();
    let mut nodes: Vec<Value> = Vec::new();
    for s in &v.statements {
        let st = &s.statement;
        // The statement's row id (the competency is that statement of that version).
        let cid = nsx_core::frameworks::statement_id(ns, s.item_id);
        let uri = node(cid);
        comps.push(uri.clone());
        let (scale, lvl) = match st.level {
            Level::Mastery(m) => ("mastery", m.as_str()),
            Level::Durable(d) => ("durable", d.as_str()),
        };
        let mut c = json!({
            "@id": uri,
            "@type": "ceasn:Competency",
            "ceterms:ctid": ctid(cid),
            "ceasn:competencyLabel": lang(&st.subject),
            "ceasn:competencyText": lang(&st.performance),
            "ceasn:competencyCategory": lang(&category(s)),
            "ceasn:codedNotation": st.location(),
            "ceasn:listID": st.order.to_string(),
            "ceasn:isPartOf": fw_uri,
            "ceasn:isTopChildOf": fw_uri,
            "asn:hasProgressionLevel": node(progression_level_id(scale, lvl)),
            "ceasn:exactAlignment": [skill_uri(base, s)],
            "ceasn:inLanguage": ["en-US"],
        });
        if !st.citations.is_empty() {
            c["ceasn:comment"] = json!({
                "en-US": st.citations.iter().map(citation_name).collect::<Vec<_>>()
            });
        }
        nodes.push(c);
    }
    graph.push(json!({
        "@id": fw_uri,
        "@type": "ceasn:CompetencyFramework",
        "ceterms:ctid": fw_ctid,
        "ceasn:name": lang(&format!("{} ({code}) competency framework {}", v.version.title, v.version.label)),
        "ceasn:description": lang(&v.context),
        "ceasn:inLanguage": ["en-US"],
        "ceasn:publisherName": lang("NSX"),
        "ceasn:creator": [b],
        "ceasn:publicationStatusType": format!("https://purl.org/ctdlasn/vocabs/publicationStatus/{}", match v.version.status {
            Status::Published => "Published",
            Status::Superseded => "Deprecated",
            _ => "Draft",
        }),
        "ceasn:dateModified": time_str(v.version.updated_at),
        "ceasn:license": "https://creativecommons.org/licenses/by/4.0/",
        "ceasn:source": [format!("{b}{}", v.version.url)],
        "ceasn:occupationType": [{ "@type": "ceterms:CredentialAlignmentObject", "ceterms:codedNotation": code, "ceterms:frameworkName": lang("O*NET-SOC"), "ceterms:targetNodeName": lang(&v.version.title) }],
        "ceasn:hasTopChild": comps,
        "asn:hasProgressionModel": [node(progression_model_id("mastery")), node(progression_model_id("durable"))],
    }));
    graph.extend(nodes);
    graph.extend(progression_nodes(base));
    json!({
        "@context": CTDL_CONTEXT,
        "@id": fw_uri,
        "@graph": graph,
    })
}

#[cfg(test)]
mod tests {
    use super::attachment;

    #[test]
    fn download_names_cannot_break_out_of_the_header() {
        for hostile in [
            "nsx-\"><script>x</script>-v1.csv",
            "nsx-a\r\nSet-Cookie: x=1.csv",
            "nsx-ü\\\";.json",
        ] {
            let v = attachment(hostile);
            let inner = v
                .strip_prefix("attachment; filename=\"")
                .and_then(|r| r.strip_suffix('"'))
                .unwrap_or_else(|| panic!("{v}"));
            assert!(
                inner
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')),
                "{v}"
            );
            assert!(axum::http::HeaderValue::from_str(&v).is_ok(), "{v}");
        }
    }
}
