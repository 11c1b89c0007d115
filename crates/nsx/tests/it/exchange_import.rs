//! Importing frameworks end to end: CASE packages in the shapes other tools write, NSX's
//! framework CSV round trip, re-imports that draft a new version (or write nothing), the
//! owner rule on every path (service, page, API, command line), and errors that name the
//! field and item or the line and column.

use std::path::PathBuf;

use nsx::accounts::User;
use nsx::accounts::store;
use nsx::db::Db;
use nsx::frameworks::import_service::{self, Format, ImportOptions, Outcome};
use nsx::frameworks::{self, service, store as fw_store};
use nsx::on_db;
use nsx::service::Caller;
use nsx_core::accounts::{OrgKind, Role};
use nsx_core::frameworks::{Locator, Status};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::common::{Data, TestApp};

/// The CASE fixtures, written for these tests in the shapes other tools produce.
pub fn case_fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/case/{name}"))
}

pub fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(case_fixture(name)).expect("fixture")
}

/// An editor (with a password, so they can sign in) of `org`.
pub async fn user_in(app: &TestApp, email: &str, org: Option<Uuid>) -> User {
    let u = crate::accounts::make_user(app, email, &[Role::Editor]).await;
    store::set_organization(&app.db, u.id, org).await.unwrap();
    store::find_user(&app.db, u.id).await.unwrap().unwrap()
}

pub async fn org(app: &TestApp, name: &str) -> Uuid {
    store::create_org(&app.db, name, OrgKind::ALL[0], None)
        .await
        .unwrap()
        .id
}

async fn count(db: &Db, table: &str) -> i64 {
    on_db!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(p)
        .await)
    .unwrap()
}

async fn import(
    app: &TestApp,
    who: &Caller,
    format: Format,
    bytes: &[u8],
) -> nsx::error::Result<import_service::ImportReport> {
    import_service::import(&app.db, who, format, bytes, ImportOptions::default()).await
}

async fn packages_from_other_tools_import(app: TestApp) {
    let a = org(&app, "Midwest Skills Council").await;
    let editor = Caller::user(&user_in(&app, "ed@midwest.example", Some(a)).await, None);
    for (file, title, statements, code) in [
        (
            "structured.json",
            "Industrial Maintenance Technician Competencies",
            5,
            "industrial-maintenance-technician-competencies",
        ),
        (
            "plain-links.json",
            "Everyday Data Skills",
            5,
            "everyday-data-skills",
        ),
        (
            "case11-levels.json",
            "Front-of-House Service Standard",
            5,
            "front-of-house-service-standard",
        ),
    ] {
        let audits = count(&app.db, "audit_log").await;
        let r = import(&app, &editor, Format::Case, &read_fixture(file))
            .await
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(r.outcome, Outcome::Created, "{file}");
        assert_eq!(
            (r.title.as_str(), r.statements),
            (title, statements),
            "{file}"
        );
        assert_eq!(r.code, code, "{file}");
        assert_eq!(count(&app.db, "audit_log").await, audits + 1, "{file}");
        let f = nsx::frameworks::editing::find_framework(&app.db, &r.code)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(f.organization_id, Some(a));
        assert_eq!(f.origin, "case");
        let v = fw_store::load_version(&app.db, &r.code, Some(&r.label))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(v.version.status, Status::Draft);
        assert!(v.sources.iter().any(|s| s.key == "case"), "{file}");
        // Its CASE export is a valid package again.
        let pkg = frameworks::case::package_of(&app.db, "https://nsx.example", v.version.id)
            .await
            .unwrap()
            .unwrap();
        crate::exchange::assert_case_schema(&serde_json::to_value(&pkg).unwrap());
    }
    // The CASE 1.1 package keeps its label and its occupation when the catalog knows it.
    let v = fw_store::load_version(&app.db, "front-of-house-service-standard", None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.version.label.to_string(), "v25.02");
    app.finish().await;
}

/// Rewords one statement of the structured fixture and adds one.
fn changed_structured() -> Vec<u8> {
    let mut pkg: Value = serde_json::from_slice(&read_fixture("structured.json")).unwrap();
    let items = pkg["CFItems"].as_array_mut().unwrap();
    let chain = items
        .iter_mut()
        .find(|i| {
            i["fullStatement"]
                .as_str()
                .unwrap()
                .starts_with("Inspect a roller chain")
        })
        .unwrap();
    chain["fullStatement"] =
        "Inspect a roller chain for stretch and wear, then set its tension.".into();
    let mut new = chain.clone();
    new["identifier"] = "0e5d3c2b-1a09-4f8e-9d7c-6b5a49382716".into();
    new["uri"] =
        "https://standards.example.org/ims/case/v1p0/CFItems/0e5d3c2b-1a09-4f8e-9d7c-6b5a49382716"
            .into();
    new["fullStatement"] = "Lubricate an open gear train on the schedule the maker sets.".into();
    items.push(new);
    serde_json::to_vec(&pkg).unwrap()
}

async fn reimport_drafts_a_new_version_and_spares_published_ones(app: TestApp) {
    let a = org(&app, "Midwest Skills Council").await;
    let editor = Caller::user(&user_in(&app, "ed@midwest.example", Some(a)).await, None);
    let first = import(
        &app,
        &editor,
        Format::Case,
        &read_fixture("structured.json"),
    )
    .await
    .unwrap();
    // The same package again: nothing written.
    let versions = count(&app.db, "framework_versions").await;
    let audits = count(&app.db, "audit_log").await;
    let again = import(
        &app,
        &editor,
        Format::Case,
        &read_fixture("structured.json"),
    )
    .await
    .unwrap();
    assert_eq!(again.outcome, Outcome::Unchanged);
    assert_eq!(again.label, first.label);
    assert_eq!(count(&app.db, "framework_versions").await, versions);
    assert_eq!(count(&app.db, "audit_log").await, audits);
    // Publish the first version, then import a changed package.
    service::transition(
        &app.db,
        &editor,
        &first.code,
        &first.label,
        Status::InReview,
    )
    .await
    .unwrap();
    let published = service::transition(
        &app.db,
        &editor,
        &first.code,
        &first.label,
        Status::Published,
    )
    .await
    .unwrap();
    let before = fw_store::load_version(&app.db, &first.code, Some(&published.label))
        .await
        .unwrap()
        .unwrap();
    let r = import(&app, &editor, Format::Case, &changed_structured())
        .await
        .unwrap();
    assert_eq!(r.outcome, Outcome::Drafted);
    assert_eq!(r.code, first.code);
    assert_eq!(r.previous, Some(published.label));
    assert_ne!(r.label, published.label);
    assert_eq!(r.statements, 6);
    assert_eq!(count(&app.db, "audit_log").await, audits + 3);
    let new = fw_store::load_version(&app.db, &first.code, Some(&r.label))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(new.version.status, Status::Draft);
    assert_eq!(new.version.based_on, Some(published.id));
    // The reworded statement kept its item id; the new one is there.
    let old_chain = before
        .statements
        .iter()
        .find(|s| {
            s.statement
                .performance
                .starts_with("Inspect a roller chain")
        })
        .unwrap();
    let new_chain = new
        .statements
        .iter()
        .find(|s| s.item_id == old_chain.item_id)
        .unwrap();
    assert!(new_chain.statement.performance.contains("stretch and wear"));
    assert!(
        new.statements
            .iter()
            .any(|s| s.statement.performance.starts_with("Lubricate"))
    );
    // The published version is exactly as it was.
    let after = fw_store::load_version(&app.db, &first.code, Some(&published.label))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::to_value(&after.statements).unwrap(),
        serde_json::to_value(&before.statements).unwrap()
    );
    assert_eq!(after.version.status, Status::Published);
    // Importing the changed package again writes nothing; the draft is what it equals.
    let same = import(&app, &editor, Format::Case, &changed_structured())
        .await
        .unwrap();
    assert_eq!((same.outcome, same.label), (Outcome::Unchanged, r.label));
    app.finish().await;
}

async fn another_organization_cannot_update_a_framework(app: TestApp) {
    let a = org(&app, "Midwest Skills Council").await;
    let b = org(&app, "Coastal Trades Board").await;
    let ed_a = Caller::user(&user_in(&app, "a@midwest.example", Some(a)).await, None);
    let ed_b = Caller::user(&user_in(&app, "b@coastal.example", Some(b)).await, None);
    let first = import(&app, &ed_a, Format::Case, &read_fixture("structured.json"))
        .await
        .unwrap();
    let versions = count(&app.db, "framework_versions").await;
    let audits = count(&app.db, "audit_log").await;
    let e = import(&app, &ed_b, Format::Case, &changed_structured())
        .await
        .unwrap_err();
    assert!(matches!(e, nsx::error::Error::Forbidden(_)), "{e}");
    assert!(e.to_string().contains("Midwest Skills Council"), "{e}");
    let e = import_service::import(
        &app.db,
        &ed_b,
        Format::Case,
        &changed_structured(),
        ImportOptions {
            into: Some(first.code.clone()),
            ..ImportOptions::default()
        },
    )
    .await
    .unwrap_err();
    assert!(matches!(e, nsx::error::Error::Forbidden(_)), "{e}");
    assert_eq!(count(&app.db, "framework_versions").await, versions);
    assert_eq!(count(&app.db, "audit_log").await, audits);
    // With a code of its own, B makes a framework of its own from the same document.
    let own = import_service::import(
        &app.db,
        &ed_b,
        Format::Case,
        &changed_structured(),
        ImportOptions {
            code: Some("coastal-maintenance".into()),
            ..ImportOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (own.outcome, own.code.as_str()),
        (Outcome::Created, "coastal-maintenance")
    );
    // Someone with no organization, and a non-editor, cannot import at all.
    let loner = Caller::user(&user_in(&app, "c@nowhere.example", None).await, None);
    let e = import(
        &app,
        &loner,
        Format::Case,
        &read_fixture("plain-links.json"),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, nsx::error::Error::Forbidden(_)), "{e}");
    app.finish().await;
}

async fn meaningless_packages_are_refused_and_write_nothing(app: TestApp) {
    let a = org(&app, "Midwest Skills Council").await;
    let editor = Caller::user(&user_in(&app, "ed@midwest.example", Some(a)).await, None);
    let mut pkg: Value = serde_json::from_slice(&read_fixture("structured.json")).unwrap();
    let id = pkg["CFItems"][7]["identifier"]
        .as_str()
        .unwrap()
        .to_string();
    pkg["CFItems"][7]
        .as_object_mut()
        .unwrap()
        .remove("fullStatement");
    let before = count(&app.db, "frameworks").await;
    let e = import(
        &app,
        &editor,
        Format::Case,
        &serde_json::to_vec(&pkg).unwrap(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("CFItems[7] (identifier {id}): fullStatement: missing")
    );
    let e = import(
        &app,
        &editor,
        Format::Case,
        b"{\"CFDocument\": {\"identifier\": \"x\"}}",
    )
    .await
    .unwrap_err();
    assert_eq!(e.to_string(), "CFDocument.title: missing");
    assert_eq!(count(&app.db, "frameworks").await, before);
    app.finish().await;
}

/// An editor of the exchange's own standards body.
async fn body_editor(app: &TestApp) -> Caller {
    let body = service::standards_body(&app.db, &app.state.config.standards_body)
        .await
        .unwrap();
    Caller::user(&user_in(app, "body@nsx.example", Some(body)).await, None)
}

/// The statement columns of a framework CSV (what a round trip keeps).
fn statement_columns(csv: &[u8]) -> Vec<Vec<String>> {
    let mut rd = csv::Reader::from_reader(csv);
    rd.records()
        .map(|r| r.unwrap().iter().take(10).map(String::from).collect())
        .collect()
}

async fn framework_csv_round_trips(app: TestApp) {
    crate::exchange::draft_fixture(&app.db).await;
    let code = "17-3024.00";
    let (s, csv) = app.get(&format!("/exports/frameworks/{code}/csv")).await;
    assert_eq!(s, 200);
    let csv = csv.into_bytes();
    // Into an empty exchange: the same statements, levels, domains and citations.
    let empty = crate::exchange::empty_like(&app).await;
    let editor = body_editor(&empty).await;
    let r = import(&empty, &editor, Format::Csv, &csv).await.unwrap();
    assert_eq!((r.outcome, r.code.as_str()), (Outcome::Created, code));
    let (s, again) = empty.get(&format!("/exports/frameworks/{code}/csv")).await;
    assert_eq!(s, 200);
    assert_eq!(statement_columns(again.as_bytes()), statement_columns(&csv));
    let first = fw_store::load_version(&empty.db, code, None)
        .await
        .unwrap()
        .unwrap();
    assert!(
        first
            .statements
            .iter()
            .flat_map(|s| &s.statement.citations)
            .any(|c| matches!(c.locator, Locator::Element { .. }) && c.value.is_some()),
        "element citations keep their figures"
    );
    assert!(first.sources.iter().any(|s| s.key == "onet"));
    // Into the exchange it came from: unchanged; then a changed row drafts a new version.
    let here = body_editor(&app).await;
    let r = import(&app, &here, Format::Csv, &csv).await.unwrap();
    assert_eq!(r.outcome, Outcome::Unchanged);
    let text = String::from_utf8(csv.clone()).unwrap();
    let view = fw_store::load_version(&app.db, code, None)
        .await
        .unwrap()
        .unwrap();
    let old = &view.statements[0].statement.performance;
    let changed = text.replacen(old.as_str(), "check the work against the drawing", 1);
    let r = import(&app, &here, Format::Csv, changed.as_bytes())
        .await
        .unwrap();
    assert_eq!(r.outcome, Outcome::Drafted);
    assert_eq!(r.previous, Some(view.version.label));
    // Errors name line and column.
    let bad = text.replacen(",technical,", ",technicality,", 1);
    let e = import(&app, &here, Format::Csv, bad.as_bytes())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("2:2 (section): "), "{e}");
    empty.finish().await;
    app.finish().await;
}

async fn import_page_and_api(app: TestApp) {
    let a = org(&app, "Midwest Skills Council").await;
    let b = org(&app, "Coastal Trades Board").await;
    user_in(&app, "ed@midwest.example", Some(a)).await;
    user_in(&app, "ed@coastal.example", Some(b)).await;
    crate::accounts::make_user(&app, "reader@example.org", &[]).await;

    // Anonymous visitors are sent to sign in; readers may not import.
    let anon = app.client();
    let r = anon.get(app.at("/frameworks/import")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let reader = crate::accounts::signed_in(&app, "reader@example.org").await;
    let r = reader
        .get(app.at("/frameworks/import"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // An editor uploads a file (multipart, as a browser without JavaScript sends it).
    let c = crate::accounts::signed_in(&app, "ed@midwest.example").await;
    let r = c.get(app.at("/frameworks/import")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("enctype=\"multipart/form-data\""));
    let mut body = b"--nsxform\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\nauto\r\n--nsxform\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plain-links.json\"\r\nContent-Type: application/json\r\n\r\n".to_vec();
    body.extend(read_fixture("plain-links.json"));
    body.extend(b"\r\n--nsxform--\r\n");
    let r = c
        .post(app.at("/frameworks/import"))
        .header("content-type", "multipart/form-data; boundary=nsxform")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Imported a new framework everyday-data-skills"),
        "{html}"
    );
    assert!(
        html.contains("/frameworks/everyday-data-skills/v"),
        "{html}"
    );
    // The new framework's page shows the imported statements, each citing its CASE item.
    let (s, page) = app.get("/frameworks/everyday-data-skills").await;
    assert_eq!(s, 200);
    assert!(page.contains("Build a pivot table"), "{page}");
    assert!(page.contains("CASE item"), "{page}");
    // A code the file proposes is checked before it becomes a URL and a header value.
    let mut hostile: Value = serde_json::from_slice(&read_fixture("plain-links.json")).unwrap();
    hostile["CFDocument"]["identifier"] = "5c0b2f4e-1d3a-4e6b-8f9a-0b1c2d3e4f50".into();
    hostile["CFDocument"]["title"] = "Spreadsheet basics".into();
    hostile["CFDocument"]["subject"] = "nsx-\"><script>x</script>".into();
    let r = c
        .post(app.at("/frameworks/import"))
        .form(&[("text", hostile.to_string().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .client()
        .get(app.at("/exports/frameworks/spreadsheet-basics/csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"nsx-spreadsheet-basics-v"),
        "{disposition}"
    );

    // Pasted text with an error: shown on the page, what was typed kept.
    let mut pkg: Value = serde_json::from_slice(&read_fixture("structured.json")).unwrap();
    pkg["CFAssociations"][0]["associationType"] = "isAuntOf".into();
    let pasted = serde_json::to_string(&pkg).unwrap();
    let r = c
        .post(app.at("/frameworks/import"))
        .form(&[
            ("text", pasted.as_str()),
            ("format", "case"),
            ("title", "Kept"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("is not a CASE association type"), "{html}");
    assert!(html.contains("CFAssociations[0]"), "{html}");
    assert!(html.contains("value=\"Kept\""));
    assert!(html.contains("isAuntOf"), "the pasted text is kept");

    // The API: JSON body, then the same again (unchanged), then text/csv.
    let token = |email: &'static str| {
        let app = app.clone();
        async move {
            let u = store::find_user_by_email(&app.db, email)
                .await
                .unwrap()
                .unwrap()
                .0;
            store::create_token(&app.db, u.id, "import")
                .await
                .unwrap()
                .1
        }
    };
    let ta = token("ed@midwest.example").await;
    let api = reqwest::Client::new();
    let r = api
        .post(app.at("/api/v1/frameworks/import"))
        .bearer_auth(&ta)
        .header("content-type", "application/json")
        .body(read_fixture("structured.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["outcome"], "created");
    assert_eq!(
        loc,
        format!(
            "/api/v1/frameworks/{}/versions/{}",
            v["code"].as_str().unwrap(),
            v["label"].as_str().unwrap()
        )
    );
    let r = api
        .post(app.at("/api/v1/frameworks/import"))
        .bearer_auth(&ta)
        .header("content-type", "application/json")
        .body(read_fixture("structured.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["outcome"], "unchanged");
    // Another organization's editor is refused, with a problem document.
    let tb = token("ed@coastal.example").await;
    let r = api
        .post(app.at("/api/v1/frameworks/import"))
        .bearer_auth(&tb)
        .header("content-type", "application/json")
        .body(changed_structured())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    // Anonymous: 401. A CSV with a bad line: 422 naming line and column.
    let r = api
        .post(app.at("/api/v1/frameworks/import"))
        .header("content-type", "application/json")
        .body(read_fixture("structured.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = api
        .post(app.at("/api/v1/frameworks/import?title=Panels"))
        .bearer_auth(&ta)
        .header("content-type", "text/csv")
        .body("section,level,subject,performance,citations\ntechnical,emerging,Panels,Wire panels,onet 30.1 | task 1 | Wire.\ntechnical,master,Panels,Test panels,onet 30.1 | task 2 | Test.\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "3:2 (level)", "{p}");
    let r = api
        .post(app.at("/api/v1/frameworks/import?title=Panel%20work"))
        .bearer_auth(&ta)
        .header("content-type", "text/csv")
        .body("section,level,subject,performance,citations\ntechnical,emerging,Panels,Wire panels,onet 30.1 | task 1 | Wire.\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["code"].as_str(), v["title"].as_str()),
        (Some("panel-work"), Some("Panel work"))
    );
    app.finish().await;
}

on_both_backends!(
    packages_from_other_tools_import,
    reimport_drafts_a_new_version_and_spares_published_ones,
    another_organization_cannot_update_a_framework,
    meaningless_packages_are_refused_and_write_nothing,
    framework_csv_round_trips,
    import_page_and_api
);

fn nsx(db: &str, args: &[&str]) -> (bool, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_nsx"))
        .arg("--database-url")
        .arg(db)
        .args(args)
        .env("NSX_LOG", "warn")
        .output()
        .unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_line_imports_as_a_user_under_the_same_policy() {
    let app = TestApp::builder().data(Data::Empty).start().await;
    let a = org(&app, "Midwest Skills Council").await;
    let b = org(&app, "Coastal Trades Board").await;
    user_in(&app, "a@midwest.example", Some(a)).await;
    user_in(&app, "b@coastal.example", Some(b)).await;
    let db = app.database_url.clone();
    let file = case_fixture("structured.json");
    let file = file.to_str().unwrap();
    let (ok, out) = nsx(&db, &["import", "case", file, "--as", "a@midwest.example"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("Imported a new framework industrial-maintenance-technician-competencies"),
        "{out}"
    );
    assert!(out.contains("warning: "), "{out}");
    let (ok, out) = nsx(&db, &["import", "case", file, "--as", "a@midwest.example"]);
    assert!(ok && out.contains("Unchanged"), "{out}");
    // Another organization's editor is refused exactly as on the web.
    let changed = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(changed.path(), changed_structured()).unwrap();
    let before = count(&app.db, "framework_versions").await;
    let (ok, out) = nsx(
        &db,
        &[
            "import",
            "case",
            changed.path().to_str().unwrap(),
            "--as",
            "b@coastal.example",
        ],
    );
    assert!(!ok, "{out}");
    assert!(out.contains("which you may not edit"), "{out}");
    assert_eq!(count(&app.db, "framework_versions").await, before);
    let (ok, out) = nsx(&db, &["import", "case", file, "--as", "nobody@example.org"]);
    assert!(!ok && out.contains("no account"), "{out}");
    // Malformed packages: the field and the item, nothing written.
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        bad.path(),
        r#"{"CFDocument": {"identifier": "6f1b7c2e-0000-4000-8000-000000000001", "uri": "https://x.example/d", "creator": "X", "lastChangeDateTime": "2026-01-01T00:00:00Z"}, "CFItems": []}"#,
    )
    .unwrap();
    let (ok, out) = nsx(
        &db,
        &[
            "import",
            "case",
            bad.path().to_str().unwrap(),
            "--as",
            "a@midwest.example",
        ],
    );
    assert!(!ok && out.contains("CFDocument.title: missing"), "{out}");
    // The framework CSV, exported and imported back by the command line.
    let (s, csv) = app
        .get("/exports/frameworks/industrial-maintenance-technician-competencies/csv")
        .await;
    assert_eq!(s, 200);
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), csv.replace("Ladder diagrams", "Wiring diagrams")).unwrap();
    let (ok, out) = nsx(
        &db,
        &[
            "import",
            "framework-csv",
            f.path().to_str().unwrap(),
            "--as",
            "a@midwest.example",
        ],
    );
    assert!(ok && out.contains("Drafted"), "{out}");
    let (ok, out) = nsx(
        &db,
        &[
            "import",
            "framework-csv",
            f.path().to_str().unwrap(),
            "--as",
            "b@coastal.example",
        ],
    );
    assert!(!ok && out.contains("which you may not edit"), "{out}");
    app.finish().await;
}
