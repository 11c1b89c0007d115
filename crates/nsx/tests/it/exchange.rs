//! Exchange formats end to end: the CASE 1.0 read API over drafted fixture frameworks,
//! the CASE round trip (export → import into an empty database → export), and every
//! download validated against the published schema or PRODUCT.md's required fields.

use std::path::PathBuf;

use crate::common::{Data, TestApp, fixture_dir};
use nsx::db::{Backend, Db};
use nsx::frameworks::import_service::{self, Format, ImportOptions, Outcome};
use nsx::frameworks::{self, case, exports, store};
use nsx::import::progress::Silent;
use nsx::on_db;
use nsx_core::frameworks::VersionLabel;
use nsx_core::frameworks::case as map;
use serde_json::Value;

const CODE: &str = "17-3024.00";
const BASE: &str = "https://nsx.example";

fn label() -> VersionLabel {
    "v26.05".parse().unwrap()
}

/// Drafts every ready fixture occupation, as `nsx draft --all` does.
pub(crate) async fn draft_fixture(db: &Db) {
    let fx = fixture_dir().join("..");
    nsx::import::crosswalk::import(db, &[fx.join("crosswalks")], false, &Silent)
        .await
        .expect("crosswalks");
    nsx::import::evidence::import(db, &fx.join("evidence"), &Silent)
        .await
        .expect("evidence");
    let run = frameworks::draft_and_store(db, None, &label(), &Silent)
        .await
        .expect("draft");
    assert!(run.drafted >= 5);
}

/// The published schemas: `shared/standards` beside the checkout (or beside
/// `NSX_SHARED_DATA`). Without them the structural and required-field checks still run.
fn standards() -> Option<PathBuf> {
    let p = match std::env::var("NSX_SHARED_DATA") {
        Ok(data) => PathBuf::from(data).join("../standards"),
        Err(_) => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/standards"),
    };
    if p.join("case-v1p0-cfpackage-schema.json").exists() {
        Some(p)
    } else {
        eprintln!(
            "skipped CASE schema validation: {} holds no published schema",
            p.display()
        );
        None
    }
}

pub(crate) fn assert_case_schema(pkg: &Value) {
    let Some(dir) = standards() else { return };
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("case-v1p0-cfpackage-schema.json")).unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = v
        .iter_errors(pkg)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "CFPackage invalid: {errors:#?}");
}

fn assert_status_info(v: &Value, minor: &str) {
    assert_eq!(v["imsx_codeMajor"], "failure", "{v}");
    assert_eq!(v["imsx_severity"], "error");
    assert!(
        v["imsx_description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert_eq!(
        v["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"],
        minor
    );
}

async fn case_api_serves_drafted_frameworks(app: TestApp) {
    draft_fixture(&app.db).await;
    let n = store::latest_versions(&app.db, None).await.unwrap().len();
    let c = app.client();
    let p = "/ims/case/v1p0";

    // Listing with X-Total-Count, limit and offset.
    let r = c
        .get(app.at(&format!("{p}/CFDocuments?limit=2&offset=1")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["x-total-count"].to_str().unwrap(),
        n.to_string()
    );
    let v: Value = r.json().await.unwrap();
    let docs = v["CFDocuments"].as_array().unwrap();
    assert_eq!(docs.len(), 2.min(n - 1));
    let (_, all) = app
        .get_json(&format!("{p}/CFDocuments?sort=title&orderBy=desc"))
        .await;
    let titles: Vec<&str> = all["CFDocuments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), n);
    let mut sorted = titles.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(titles, sorted);
    let (_, asc) = app
        .get_json(&format!("{p}/CFDocuments?sort=identifier"))
        .await;
    let ids: Vec<&str> = asc["CFDocuments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["identifier"].as_str().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));

    // Bad parameters.
    let (s, v) = app.get_json(&format!("{p}/CFDocuments?sort=colour")).await;
    assert_eq!(s, 400);
    assert_status_info(&v, "invalid_sort_field");
    let (s, v) = app
        .get_json(&format!("{p}/CFDocuments?orderBy=sideways"))
        .await;
    assert_eq!(s, 400);
    assert_status_info(&v, "invalid_selection_field");
    let (s, v) = app.get_json(&format!("{p}/CFDocuments?limit=-3")).await;
    assert_eq!(s, 400);
    assert_status_info(&v, "invalid_selection_field");
    let (s, v) = app
        .get_json(&format!("{p}/CFDocuments?fields=identifier,colour"))
        .await;
    assert_eq!(s, 400);
    assert_status_info(&v, "invalid_selection_field");

    // `fields` selects the properties returned.
    let (s, v) = app
        .get_json(&format!("{p}/CFDocuments?fields=identifier,title"))
        .await;
    assert_eq!(s, 200);
    for d in v["CFDocuments"].as_array().unwrap() {
        let mut keys: Vec<&str> = d.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        keys.sort();
        assert_eq!(keys, ["identifier", "title"], "{d}");
    }

    // One document and its package.
    let vid = nsx_core::frameworks::version_id(CODE, &label()).to_string();
    let (s, doc) = app.get_json(&format!("{p}/CFDocuments/{vid}")).await;
    assert_eq!(s, 200);
    assert_eq!(doc["identifier"], vid.as_str());
    assert_eq!(doc["subject"][0], CODE);
    let (s, pkg) = app.get_json(&format!("{p}/CFPackages/{vid}")).await;
    assert_eq!(s, 200);
    assert_case_schema(&pkg);
    let view = store::load_version(&app.db, CODE, Some(&label()))
        .await
        .unwrap()
        .unwrap();
    let items = pkg["CFItems"].as_array().unwrap();
    let statements: Vec<&Value> = items
        .iter()
        .filter(|i| i["CFItemType"] == "Statement")
        .collect();
    assert_eq!(statements.len(), view.statements.len());
    let first = &view.statements[0];
    let it = items
        .iter()
        .find(|i| i["identifier"] == first.item_id.to_string().as_str())
        .expect("statement item");
    assert_eq!(it["fullStatement"], first.statement.full_text().as_str());
    // Levels and domains are items joined by isChildOf up to the document.
    let assocs = pkg["CFAssociations"].as_array().unwrap();
    let parent_of = |id: &str| {
        assocs
            .iter()
            .find(|a| a["associationType"] == "isChildOf" && a["originNodeURI"]["identifier"] == id)
            .map(|a| {
                a["destinationNodeURI"]["identifier"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
    };
    let level = parent_of(&first.item_id.to_string()).expect("statement has a level");
    let level_item = items
        .iter()
        .find(|i| i["identifier"] == level.as_str())
        .unwrap();
    assert_eq!(level_item["CFItemType"], "Level");
    let section = parent_of(&level).unwrap();
    assert_eq!(parent_of(&section).unwrap(), vid);
    assert!(
        items.iter().any(|i| i["CFItemType"] == "Domain"),
        "durable domains are items"
    );
    // Citations point at source items carrying the locator.
    let cite = assocs
        .iter()
        .find(|a| {
            a["associationType"] == "isRelatedTo"
                && a["originNodeURI"]["identifier"] == first.item_id.to_string().as_str()
        })
        .expect("a citation association");
    let src = items
        .iter()
        .find(|i| i["identifier"] == cite["destinationNodeURI"]["identifier"])
        .unwrap();
    assert_eq!(src["CFItemType"], "Source reference");
    assert_eq!(
        src["humanCodingScheme"],
        first.statement.citations[0].locator.short().as_str()
    );

    // Every object endpoint.
    let item_id = first.item_id.to_string();
    let (s, v) = app.get_json(&format!("{p}/CFItems/{item_id}")).await;
    assert_eq!((s, v["identifier"].as_str()), (200, Some(item_id.as_str())));
    let (s, v) = app.get_json(&format!("{p}/CFItems/{level}")).await;
    assert_eq!((s, v["CFItemType"].as_str()), (200, Some("Level")));
    let (s, v) = app
        .get_json(&format!("{p}/CFItemAssociations/{item_id}"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["CFItem"]["identifier"], item_id.as_str());
    assert!(v["CFAssociations"].as_array().unwrap().len() >= 2);
    let aid = cite["identifier"].as_str().unwrap();
    let (s, v) = app.get_json(&format!("{p}/CFAssociations/{aid}")).await;
    assert_eq!((s, v["identifier"].as_str()), (200, Some(aid)));
    let defs = &pkg["CFDefinitions"];
    for (path, key, set) in [
        ("CFItemTypes", "CFItemTypes", true),
        ("CFLicenses", "CFLicenses", false),
        ("CFSubjects", "CFSubjects", true),
        ("CFConcepts", "CFConcepts", true),
    ] {
        let id = defs[key][0]["identifier"].as_str().unwrap();
        let (s, v) = app.get_json(&format!("{p}/{path}/{id}")).await;
        assert_eq!(s, 200, "{path}");
        let got = if set { &v[key][0] } else { &v };
        assert_eq!(got["identifier"], id, "{path}");
    }
    for path in [
        "CFDocuments",
        "CFPackages",
        "CFItems",
        "CFItemAssociations",
        "CFAssociations",
        "CFItemTypes",
        "CFLicenses",
        "CFSubjects",
        "CFConcepts",
        "CFRubrics",
    ] {
        let (s, v) = app
            .get_json(&format!("{p}/{path}/00000000-0000-4000-8000-000000000000"))
            .await;
        assert_eq!(s, 404, "{path}");
        assert_status_info(&v, "unknownobject");
    }

    // Stable identifiers across a re-draft.
    frameworks::draft_and_store(&app.db, None, &label(), &Silent)
        .await
        .unwrap();
    let again = case::package_of(
        &app.db,
        BASE,
        nsx_core::frameworks::version_id(CODE, &label()),
    )
    .await
    .unwrap()
    .unwrap();
    let ids_of = |p: &map::CfPackage| {
        (
            p.items
                .iter()
                .map(|i| i.identifier.clone())
                .collect::<Vec<_>>(),
            p.associations
                .iter()
                .map(|a| a.identifier.clone())
                .collect::<Vec<_>>(),
        )
    };
    let before: map::CfPackage = serde_json::from_value(pkg.clone()).unwrap();
    assert_eq!(ids_of(&before), ids_of(&again));
    app.finish().await;
}

pub(crate) async fn empty_like(app: &TestApp) -> TestApp {
    let b = TestApp::builder().data(Data::Empty);
    match app.backend() {
        Backend::Sqlite => b.start().await,
        Backend::Postgres => b.postgres().expect("postgres").start().await,
    }
}

/// An editor of the exchange's own standards body (which may keep O*NET-SOC codes).
async fn standards_body_editor(app: &TestApp) -> nsx::service::Caller {
    let body = nsx::frameworks::service::standards_body(&app.db, &app.state.config.standards_body)
        .await
        .unwrap();
    let user = crate::exchange_import::user_in(app, "body.editor@example.org", Some(body)).await;
    nsx::service::Caller::user(&user, None)
}

/// A package with its timestamps (which are the importing exchange's own) set aside.
fn without_times(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| k.as_str() != "lastChangeDateTime")
                .map(|(k, v)| (k.clone(), without_times(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_times).collect()),
        other => other.clone(),
    }
}

/// Where two JSON values first differ, as a path and both sides.
fn first_difference(a: &Value, b: &Value, at: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys()) {
                let (l, r) = (x.get(k), y.get(k));
                if l != r {
                    return match (l, r) {
                        (Some(l), Some(r)) => first_difference(l, r, &format!("{at}.{k}")),
                        _ => format!("{at}.{k}: {l:?} / {r:?}"),
                    };
                }
            }
            String::new()
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find(|(_, (l, r))| l != r)
            .map(|(i, (l, r))| first_difference(l, r, &format!("{at}[{i}]")))
            .unwrap_or_default(),
        _ => format!("{at}: {a} / {b}"),
    }
}

async fn case_round_trip_is_exact(app: TestApp) {
    draft_fixture(&app.db).await;
    let empty = empty_like(&app).await;
    let editor = standards_body_editor(&empty).await;
    let versions = store::latest_versions(&app.db, None).await.unwrap();
    for v in &versions {
        let out = case::package_of(&app.db, BASE, v.id)
            .await
            .unwrap()
            .unwrap();
        let json = serde_json::to_string_pretty(&out).unwrap();
        let r = import_service::import(
            &empty.db,
            &editor,
            Format::Case,
            json.as_bytes(),
            ImportOptions::default(),
        )
        .await
        .expect("import");
        assert_eq!(r.outcome, Outcome::Created);
        assert_eq!(r.version_id, v.id);
        assert_eq!(r.code, v.code);
        assert_eq!(r.statements as i64, v.statement_count);
        let back = case::package_of(&empty.db, BASE, v.id)
            .await
            .unwrap()
            .unwrap();
        let a = without_times(&serde_json::to_value(&out).unwrap());
        let b = without_times(&serde_json::to_value(&back).unwrap());
        assert!(
            a == b,
            "round trip of {}: {}",
            v.code,
            first_difference(&a, &b, "")
        );
    }
    // Importing the same package again finds it unchanged and writes nothing.
    let out = case::package_of(&app.db, BASE, versions[0].id)
        .await
        .unwrap()
        .unwrap();
    let before = count(&empty.db, "framework_versions").await;
    let audit = count(&empty.db, "audit_log").await;
    let r = import_service::import(
        &empty.db,
        &editor,
        Format::Case,
        serde_json::to_string(&out).unwrap().as_bytes(),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(r.outcome, Outcome::Unchanged);
    assert_eq!(r.label, versions[0].label);
    assert!(
        r.summary().contains("nothing was written"),
        "{}",
        r.summary()
    );
    assert_eq!(count(&empty.db, "framework_versions").await, before);
    assert_eq!(count(&empty.db, "audit_log").await, audit);
    empty.finish().await;
    app.finish().await;
}

async fn count(db: &Db, table: &str) -> i64 {
    on_db!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(p)
        .await)
    .unwrap()
}

async fn exports_validate(app: TestApp) {
    draft_fixture(&app.db).await;
    let view = store::load_version(&app.db, CODE, Some(&label()))
        .await
        .unwrap()
        .unwrap();
    let n = view.statements.len();
    let c = app.client();
    let get = |path: String| {
        let c = c.clone();
        let url = app.at(&path);
        async move {
            let r = c.get(url).send().await.unwrap();
            let status = r.status().as_u16();
            let disp = r
                .headers()
                .get("content-disposition")
                .map(|h| h.to_str().unwrap().to_string())
                .unwrap_or_default();
            (status, disp, r.bytes().await.unwrap())
        }
    };
    for f in exports::FORMATS {
        let (s, disp, body) = get(format!("/exports/frameworks/{CODE}/v26.05/{f}")).await;
        assert_eq!(s, 200, "{f}");
        assert!(disp.contains(&format!("nsx-{CODE}-v26.05.{f}")), "{disp}");
        let (s, _, latest) = get(format!("/exports/frameworks/{CODE}/{f}")).await;
        assert_eq!(s, 200);
        assert_eq!(latest, body, "latest alias of {f}");
    }
    let (s, _, _) = get(format!("/exports/frameworks/{CODE}/v26.05/pdf")).await;
    assert_eq!(s, 404);
    let (s, _, _) = get("/exports/frameworks/99-9999.99/csv".into()).await;
    assert_eq!(s, 404);

    // CASE package: the published schema.
    let (_, _, body) = get(format!("/exports/frameworks/{CODE}/v26.05/case.json")).await;
    assert_case_schema(&serde_json::from_slice(&body).unwrap());

    // RSD JSON-LD: PRODUCT.md's required fields on every descriptor.
    let (_, _, body) = get(format!("/exports/frameworks/{CODE}/v26.05/rsd.json")).await;
    let rsd: Value = serde_json::from_slice(&body).unwrap();
    let skills = rsd["skills"].as_array().unwrap();
    assert_eq!(skills.len(), n);
    for s in skills {
        assert_eq!(s["type"], "RichSkillDescriptor");
        for f in [
            "skillName",
            "skillStatement",
            "keywords",
            "categories",
            "standards",
            "alignments",
            "occupations",
            "collections",
            "status",
        ] {
            assert!(!s[f].is_null(), "RSD lacks {f}: {s}");
        }
        assert!(s["skillName"].as_str().is_some_and(|x| !x.is_empty()));
        let occ = s["occupations"].as_array().unwrap();
        assert!(occ.iter().any(|o| o["code"] == CODE));
        assert!(occ.iter().any(|o| o["code"] == "17-3024"));
        assert!(!s["alignments"].as_array().unwrap().is_empty());
    }
    assert_eq!(
        skills[0]["skillStatement"],
        view.statements[0].statement.performance.as_str()
    );

    // RSD CSV: the header row, one row per statement.
    let (_, _, body) = get(format!("/exports/frameworks/{CODE}/v26.05/rsd.csv")).await;
    let mut rd = csv::Reader::from_reader(&body[..]);
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, exports::RSD_CSV_HEADER.to_vec());
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), n);
    assert_eq!(&rows[0][1], view.statements[0].statement.subject.as_str());
    assert_eq!(&rows[0][8], CODE);

    // Framework CSV.
    let (_, _, body) = get(format!("/exports/frameworks/{CODE}/v26.05/csv")).await;
    let mut rd = csv::Reader::from_reader(&body[..]);
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, exports::CSV_HEADER.to_vec());
    assert_eq!(rd.records().count(), n);

    // CTDL-ASN: framework, a competency per statement, progression models of four levels.
    let (_, _, body) = get(format!("/exports/frameworks/{CODE}/v26.05/ctdl.json")).await;
    let ctdl: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        ctdl["@context"],
        "https://credreg.net/ctdlasn/schema/context/json"
    );
    let graph = ctdl["@graph"].as_array().unwrap();
    let of = |t: &str| graph.iter().filter(|g| g["@type"] == t).collect::<Vec<_>>();
    assert_eq!(of("ceasn:CompetencyFramework").len(), 1);
    let comps = of("ceasn:Competency");
    assert_eq!(comps.len(), n);
    let models = of("asn:ProgressionModel");
    assert_eq!(models.len(), 2);
    for m in &models {
        assert_eq!(m["skos:hasTopConcept"].as_array().unwrap().len(), 4);
    }
    let levels = of("asn:ProgressionLevel");
    assert_eq!(levels.len(), 8);
    let ctid = regex_ctid();
    for g in graph {
        let id = g["ceterms:ctid"].as_str().unwrap();
        assert!(ctid(id), "{id}");
    }
    for c in comps {
        assert!(
            c["ceasn:competencyText"]["en-US"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let lvl = &c["asn:hasProgressionLevel"];
        assert!(levels.iter().any(|l| &l["@id"] == lvl), "{lvl}");
    }
    app.finish().await;
}

fn regex_ctid() -> impl Fn(&str) -> bool {
    |s: &str| {
        s.strip_prefix("ce-")
            .is_some_and(|u| uuid::Uuid::parse_str(u).is_ok() && u.len() == 36)
    }
}

/// Every URL under `base` in a JSON document.
fn urls_in(v: &Value, base: &str, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::String(s) if s.starts_with(base) => {
            out.insert(s.split('#').next().unwrap_or(s).to_string());
        }
        Value::Array(a) => a.iter().for_each(|x| urls_in(x, base, out)),
        Value::Object(m) => m.values().for_each(|x| urls_in(x, base, out)),
        _ => {}
    }
}

async fn every_published_identifier_resolves(app: TestApp) {
    use futures::StreamExt;
    draft_fixture(&app.db).await;
    let base = app.url.clone();
    let mut urls = std::collections::BTreeSet::new();
    for f in ["case.json", "ctdl.json", "rsd.json"] {
        let (s, v) = app
            .get_json(&format!("/exports/frameworks/{CODE}/v26.05/{f}"))
            .await;
        assert_eq!(s, 200, "{f}");
        urls_in(&v, &base, &mut urls);
    }
    let (_, csv) = app
        .get(&format!("/exports/frameworks/{CODE}/v26.05/rsd.csv"))
        .await;
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    for r in rd.records() {
        urls.insert(r.unwrap()[0].to_string());
    }
    let kinds = ["/ims/case/", "/ctdl/", "/rsd/"];
    let identifiers = urls
        .iter()
        .filter(|u| kinds.iter().any(|k| u.starts_with(&format!("{base}{k}"))))
        .count();
    assert!(identifiers > 100, "only {identifiers} identifiers");
    for k in kinds {
        assert!(
            urls.iter().any(|u| u.starts_with(&format!("{base}{k}"))),
            "no {k} identifier"
        );
    }
    let client = reqwest::Client::new();
    let checks = futures::stream::iter(urls.iter().cloned())
        .map(|url| {
            let client = client.clone();
            let base = base.clone();
            async move {
                let case = url.starts_with(&format!("{base}/ims/case/"));
                let mut problems = Vec::new();
                if !url.starts_with(&format!("{base}/frameworks/"))
                    && url.trim_end_matches('/') != base
                {
                    // The data: CASE JSON, or the JSON-LD of CTDL-ASN and RSD.
                    let want = if case {
                        "application/json"
                    } else {
                        "application/ld+json"
                    };
                    let r = client
                        .get(&url)
                        .header("accept", want)
                        .send()
                        .await
                        .unwrap();
                    let ctype = r
                        .headers()
                        .get("content-type")
                        .map(|h| h.to_str().unwrap().to_string())
                        .unwrap_or_default();
                    let status = r.status().as_u16();
                    let body: Value = r.json().await.unwrap_or(Value::Null);
                    if status != 200 || !ctype.starts_with(want) {
                        problems.push(format!("{url} as {want}: {status} {ctype}"));
                    } else if !case && body["@id"] != url.as_str() && body["id"] != url.as_str() {
                        problems.push(format!("{url} answers another object: {body}"));
                    } else if case && !body.to_string().contains(url.rsplit('/').next().unwrap()) {
                        problems.push(format!("{url} answers another object"));
                    }
                }
                // The page, for a browser.
                let r = client
                    .get(&url)
                    .header("accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
                    .send()
                    .await
                    .unwrap();
                let ctype = r
                    .headers()
                    .get("content-type")
                    .map(|h| h.to_str().unwrap().to_string())
                    .unwrap_or_default();
                if r.status() != 200 || !ctype.starts_with("text/html") {
                    problems.push(format!("{url} as text/html: {} {ctype}", r.status()));
                }
                problems
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    let problems: Vec<String> = checks.into_iter().flatten().collect();
    assert!(
        problems.is_empty(),
        "{} of {} URLs fail: {:#?}",
        problems.len(),
        urls.len(),
        &problems[..problems.len().min(10)]
    );
    // A statement's CASE URI and RSD identifier lead a browser to its place on the page.
    let view = store::load_version(&app.db, CODE, Some(&label()))
        .await
        .unwrap()
        .unwrap();
    let s = &view.statements[0];
    let no_follow = app.client();
    for url in [
        format!("{base}/ims/case/v1p0/CFItems/{}", s.item_id),
        format!("{base}/rsd/skills/{}", s.item_id),
        format!("{base}/ctdl/ce-{}", s.id),
    ] {
        let r = no_follow
            .get(&url)
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{url}");
        assert_eq!(
            r.headers()["location"].to_str().unwrap(),
            format!("/frameworks/{CODE}/v26.05#s-{}", s.id),
            "{url}"
        );
    }
    // Unknown identifiers: 404 in either form.
    let (s, _) = app
        .get_json("/ctdl/ce-00000000-0000-4000-8000-000000000000")
        .await;
    assert_eq!(s, 404);
    let (s, _) = app.get("/rsd/skills/not-a-uuid").await;
    assert_eq!(s, 404);
    app.finish().await;
}

on_both_backends!(
    every_published_identifier_resolves,
    case_api_serves_drafted_frameworks,
    case_round_trip_is_exact,
    exports_validate
);
