//! Correction suggestions end to end: a visitor suggests through the form behind a
//! framework's link, others through the API; the owning organization's editors triage the
//! grouped queue (reject with a reason, accept, forward), an editor of another organization
//! is refused on every page and API route, each decision is audited exactly once and a
//! refused one not at all, the suggesters' e-mails wait in the outbox and reach a real SMTP
//! server when the job runner drains, and the CSV export counts the people behind each
//! distinct change. Then: a signed-in suggester's own list, who may read a suggestion, the
//! field rules and the hourly limits.

use nsx::accounts::store as accounts;
use nsx::frameworks::{self, editing};
use nsx::import::progress::Silent;
use nsx::on_db;
use nsx_core::accounts::{OrgKind, Role};
use nsx_core::frameworks::{Locator, VersionLabel};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use super::accounts::{make_user, signed_in};
use crate::common::TestApp;
use crate::common::smtp::SmtpSink;

const CODE: &str = "17-3024.00";
const TASK: i64 = 90001;

fn label() -> VersionLabel {
    "v26.05".parse().unwrap()
}

fn form_path() -> String {
    format!("/frameworks/{CODE}/v26.05/corrections/new")
}

/// The drafted framework, the id of a statement citing task 90001 (as its only citation
/// or with the index of that citation), and the task's text as stored.
struct Scene {
    statement: Uuid,
    citation: usize,
    task_text: String,
    owner: Uuid,
}

async fn scene(app: &TestApp) -> Scene {
    frameworks::draft_and_store(&app.db, Some(&[CODE.to_string()]), &label(), &Silent)
        .await
        .expect("draft");
    let v = frameworks::store::load_version(&app.db, CODE, Some(&label()))
        .await
        .unwrap()
        .expect("drafted");
    let (statement, citation) = v
        .statements
        .iter()
        .find_map(|s| {
            s.statement
                .citations
                .iter()
                .position(|c| c.locator == Locator::Task { task_id: TASK })
                .map(|i| (s.id, i))
        })
        .expect("a statement cites task 90001");
    let task_text: String =
        on_db!(&app.db, p => sqlx::query_scalar("SELECT task FROM onet_tasks WHERE task_id = $1")
        .bind(TASK)
        .fetch_one(p)
        .await)
        .unwrap();
    let owner = editing::find_framework(&app.db, CODE)
        .await
        .unwrap()
        .unwrap()
        .organization_id
        .expect("drafted frameworks belong to the standards body");
    Scene {
        statement,
        citation,
        task_text,
        owner,
    }
}

/// An editor of `org`, signed in.
async fn editor_of(app: &TestApp, email: &str, org: Uuid) -> reqwest::Client {
    let u = make_user(app, email, &[Role::Editor]).await;
    accounts::set_organization(&app.db, u.id, Some(org))
        .await
        .unwrap();
    signed_in(app, email).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    on_db!(&app.db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(p).await)
        .unwrap()
}

async fn triage_audits(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM audit_log WHERE action = 'correction.triage'",
    )
    .await
}

async fn statuses(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    on_db!(&app.db, p => sqlx::query_as(
        "SELECT suggester_email, status, reason FROM corrections ORDER BY suggester_email"
    )
    .fetch_all(p)
    .await)
    .unwrap()
}

async fn suggest_and_triage(app: TestApp, sink: SmtpSink) {
    let sc = scene(&app).await;
    let visitor = app.client();

    // The link on the framework page leads to a real form, pre-filled with the row.
    let link = format!(
        "{}?statement={}&citation={}",
        form_path(),
        sc.statement,
        sc.citation
    );
    let r = visitor.get(app.at(&link)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("<form method=\"post\""), "{html}");
    assert!(html.contains("Task Statements.txt"));
    assert!(html.contains(&TASK.to_string()));
    assert!(html.contains(&sc.task_text));
    assert!(
        html.contains("name=\"email\""),
        "anonymous visitors give an address"
    );

    // A failed submission shows what was typed, each error beside its field.
    let typed_problem = "The task names instruments <b>nobody</b> uses";
    let r = visitor
        .post(app.at(&form_path()))
        .form(&[
            ("statement", sc.statement.to_string()),
            ("citation", sc.citation.to_string()),
            ("problem", typed_problem.to_string()),
            ("proposed_value", String::new()),
            ("evidence", String::new()),
            ("name", "Vic Visitor".into()),
            ("email", "not an address".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("The task names instruments &#60;b&#62;nobody&#60;/b&#62; uses")
            || html.contains("The task names instruments &lt;b&gt;nobody&lt;/b&gt; uses"),
        "{html}"
    );
    for field in ["proposed_value-error", "evidence-error", "email-error"] {
        assert!(html.contains(field), "{field} missing");
    }
    assert!(!html.contains("problem-error"));
    assert!(html.contains("value=\"Vic Visitor\""));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM corrections").await, 0);

    // A valid one is recorded and confirmed.
    let proposed =
        "Check how electromechanical assemblies perform using oscilloscopes and multimeters.";
    let r = visitor
        .post(app.at(&form_path()))
        .form(&[
            ("statement", sc.statement.to_string()),
            ("citation", sc.citation.to_string()),
            (
                "problem",
                "Bridges are no longer used for this check.".into(),
            ),
            ("proposed_value", proposed.to_string()),
            ("evidence", "Current service manuals of two makers.".into()),
            ("name", "Vic Visitor".into()),
            ("email", "Vic@Example.org".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/corrections/submitted");
    let html = visitor
        .get(app.at("/corrections/submitted"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Thank you"), "{html}");
    assert!(html.contains(proposed));
    assert!(html.contains("vic@example.org"));

    // A second person proposes the same change through the API, spelled differently.
    let api = app.client();
    let body = |email: &str, name: &str, proposed: &str| {
        json!({
            "framework": CODE, "version": "v26.05",
            "statement_id": sc.statement, "citation": sc.citation,
            "problem": "Outdated instruments", "proposed_value": proposed,
            "evidence": "Field experience", "email": email, "name": name,
        })
    };
    let r = api
        .post(app.at("/api/v1/corrections"))
        .json(&body(
            "wen@example.org",
            "Wen",
            &format!("  {}  ", proposed.to_uppercase().trim_end_matches('.')),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let wen: Value = r.json().await.unwrap();
    assert_eq!(wen["status"], "open");
    assert_eq!(wen["row"]["file"], "Task Statements.txt");
    assert_eq!(wen["row"]["row_id"], TASK.to_string());
    assert_eq!(wen["row"]["occupation_code"], CODE);
    assert_eq!(wen["row"]["current_value"], sc.task_text.as_str());
    assert_eq!(
        location,
        format!("/api/v1/corrections/{}", wen["id"].as_str().unwrap())
    );
    // The same address cannot pile up the same change.
    let r = api
        .post(app.at("/api/v1/corrections"))
        .json(&body("wen@example.org", "Wen", proposed))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // Another change to the same row, from the source-anchor link, and one more.
    let anchor = json!({
        "framework": CODE, "version": "v26.05", "anchor": format!("task-{TASK}"),
        "problem": "Missing the logic analyser", "proposed_value": "Check assemblies with logic analysers.",
        "evidence": "Plant practice", "email": "xia@example.org", "name": "Xia",
    });
    let r = api
        .post(app.at("/api/v1/corrections"))
        .json(&anchor)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let r = api
        .post(app.at("/api/v1/corrections"))
        .json(&body(
            "yan@example.org",
            "Yan",
            "Check assemblies with scopes.",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let yan: Value = r.json().await.unwrap();
    assert_eq!(count(&app, "SELECT COUNT(*) FROM corrections").await, 4);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'correction.suggest'"
        )
        .await,
        4
    );

    // Who may see the queue: not anonymous visitors, not editors of another organization.
    let r = visitor.get(app.at("/corrections")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/sign-in?next=")
    );
    let r = visitor
        .get(app.at("/api/v1/corrections"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let other_org = accounts::create_org(&app.db, "Other Body", OrgKind::StandardsBody, None)
        .await
        .unwrap();
    let outsider = editor_of(&app, "otto@example.org", other_org.id).await;
    let wen_id = wen["id"].as_str().unwrap();
    for (method, path) in [
        ("GET", format!("/corrections/{wen_id}")),
        ("GET", format!("/corrections?framework={CODE}")),
        ("GET", format!("/corrections/export.csv?framework={CODE}")),
        ("POST", format!("/corrections/{wen_id}/triage")),
        ("GET", format!("/api/v1/corrections/{wen_id}")),
        ("GET", format!("/api/v1/corrections?framework={CODE}")),
        ("POST", format!("/api/v1/corrections/{wen_id}/triage")),
    ] {
        let req = if method == "GET" {
            outsider.get(app.at(&path))
        } else if path.starts_with("/api/") {
            outsider
                .post(app.at(&path))
                .json(&json!({"decision": "accept"}))
        } else {
            outsider.post(app.at(&path)).form(&[("decision", "accept")])
        };
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
    // Their own queue holds nothing of another organization's.
    let r = outsider
        .get(app.at("/api/v1/corrections"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-total-count"], "0");
    assert_eq!(
        triage_audits(&app).await,
        0,
        "refused decisions leave no entry"
    );

    // The owner's editor sees three distinct changes; Vic's and Wen's are one group of two.
    let editor = editor_of(&app, "edna@example.org", sc.owner).await;
    let r = editor
        .get(app.at("/api/v1/corrections"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-total-count"], "3");
    let q: Value = r.json().await.unwrap();
    let first = &q["items"][0];
    assert_eq!(first["suggesters"], 2, "{q:#}");
    assert_eq!(first["suggestions"].as_array().unwrap().len(), 2);
    assert_eq!(first["proposed_value"], proposed);
    let html = editor
        .get(app.at("/corrections"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-count=\"2\""), "{html}");
    assert!(html.contains("Vic Visitor") && html.contains("Wen"));

    // The export: one row per distinct change, with the number of people behind it.
    let r = editor
        .get(app.at("/corrections/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = r.text().await.unwrap();
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let head: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    for col in [
        "O*NET-SOC Code",
        "File",
        "Element or Task ID",
        "Current Value",
        "Proposed Value",
        "Evidence",
        "Suggesters",
    ] {
        assert!(head.iter().any(|h| h == col), "{col} in {head:?}");
    }
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 3);
    let grouped = rows
        .iter()
        .find(|r| &r[col("Proposed Value")] == proposed)
        .expect("the grouped change");
    assert_eq!(&grouped[col("Suggesters")], "2");
    assert_eq!(&grouped[col("O*NET-SOC Code")], CODE);
    assert_eq!(&grouped[col("File")], "Task Statements.txt");
    assert_eq!(&grouped[col("Element or Task ID")], TASK.to_string());
    assert_eq!(&grouped[col("Current Value")], sc.task_text.as_str());
    assert!(grouped[col("Evidence")].contains("service manuals"));
    assert!(grouped[col("Evidence")].contains("Field experience"));

    // A rejection needs a reason: refused, nothing changes, nothing is audited.
    let r = editor
        .post(app.at(&format!("/corrections/{wen_id}/triage")))
        .form(&[
            ("decision", "reject"),
            ("reason", "  "),
            ("back", "/corrections"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("reason-error"));
    let r = editor
        .post(app.at(&format!("/api/v1/corrections/{wen_id}/triage")))
        .json(&json!({"decision": "reject"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(triage_audits(&app).await, 0);
    assert!(statuses(&app).await.iter().all(|s| s.1 == "open"));

    // Rejected with a reason: both suggesters of the change, one audit entry, two e-mails.
    let reason = "Bridges are still named in the current standard for this check.";
    let r = editor
        .post(app.at(&format!("/corrections/{wen_id}/triage")))
        .form(&[
            ("decision", "reject"),
            ("reason", reason),
            ("back", "/corrections?status=open"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        "/corrections?status=open&done=rejected&n=2"
    );
    assert_eq!(triage_audits(&app).await, 1);
    let st = statuses(&app).await;
    for who in ["vic@example.org", "wen@example.org"] {
        let s = st.iter().find(|s| s.0 == who).unwrap();
        assert_eq!((s.1.as_str(), s.2.as_deref()), ("rejected", Some(reason)));
    }
    let outbox: Vec<String> = on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT payload FROM jobs WHERE kind = 'email' ORDER BY created_at"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(outbox.len(), 2, "{outbox:?}");
    for who in ["vic@example.org", "wen@example.org"] {
        let mail = outbox
            .iter()
            .map(|p| serde_json::from_str::<Value>(p).unwrap())
            .find(|m| m["to"] == who)
            .unwrap_or_else(|| panic!("no e-mail to {who}"));
        assert!(mail["subject"].as_str().unwrap().contains("not accepted"));
        assert!(mail["body"].as_str().unwrap().contains(reason));
    }
    // Deciding again is a conflict and leaves no second entry.
    let r = editor
        .post(app.at(&format!("/api/v1/corrections/{wen_id}/triage")))
        .json(&json!({"decision": "accept"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(triage_audits(&app).await, 1);

    // Accepted through the API, and the last one forwarded to the source's maintainer.
    let q: Value = editor
        .get(app.at("/api/v1/corrections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let xia = q["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["suggestions"].as_array().unwrap().clone())
        .find(|s| s["suggester_email"] == "xia@example.org")
        .expect("Xia's suggestion is open")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = editor
        .post(app.at(&format!("/api/v1/corrections/{xia}/triage")))
        .json(&json!({"decision": "accept", "reason": "Thanks, corrected in the next version."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["status"], "accepted");
    assert_eq!(out["notified"], 1);
    let yan_id = yan["id"].as_str().unwrap();
    let r = editor
        .post(app.at(&format!("/corrections/{yan_id}/triage")))
        .form(&[("decision", "forward")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(triage_audits(&app).await, 3);
    let r = editor
        .get(app.at("/corrections/export.csv?status=forwarded"))
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("Check assemblies with scopes."));
    let r = editor
        .get(app.at("/api/v1/corrections"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-total-count"], "0", "nothing is left open");

    // The runner sends the outbox to the relay: four suggesters, four messages.
    nsx::app::job_runner(app.state.clone())
        .drain()
        .await
        .unwrap();
    let mails = sink.wait_for(4).await;
    let to_vic = mails
        .iter()
        .find(|m| m.to == ["vic@example.org"])
        .expect("Vic is told");
    assert!(
        to_vic.text().contains("did not accept"),
        "{}",
        to_vic.text()
    );
    assert!(to_vic.text().contains("Bridges are still named"));
    assert!(
        mails
            .iter()
            .any(|m| m.to == ["xia@example.org"] && m.text().contains("accepted your suggestion"))
    );
    assert!(
        mails
            .iter()
            .any(|m| m.to == ["yan@example.org"] && m.text().contains("forwarded"))
    );
    // Each job is marked done once its message is sent (the sink may see it first).
    let mut pending = -1;
    for _ in 0..100 {
        pending = count(
            &app,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'email' AND status <> 'done'",
        )
        .await;
        if pending == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(pending, 0, "every e-mail job is done");
    app.finish().await;
}

async fn suggest_and_triage_sqlite_app() -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = TestApp::builder()
        .config(move |c| {
            c.smtp.url = Some(url);
            c.smtp.from = "NSX <no-reply@nsx.test>".into();
        })
        .start()
        .await;
    (app, sink)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggest_and_triage_sqlite() {
    let (app, sink) = suggest_and_triage_sqlite_app().await;
    suggest_and_triage(app, sink).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggest_and_triage_postgres() {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    if let Some(b) = TestApp::builder().postgres() {
        let app = b
            .config(move |c| {
                c.smtp.url = Some(url);
                c.smtp.from = "NSX <no-reply@nsx.test>".into();
            })
            .start()
            .await;
        suggest_and_triage(app, sink).await;
    }
}

async fn suggesters_rules_and_limits(app: TestApp) {
    let sc = scene(&app).await;
    make_user(&app, "sue@example.org", &[]).await;
    let sue = signed_in(&app, "sue@example.org").await;
    // A rated element's link names its file, scale and rating.
    let html = app
        .get(&format!("{}?anchor=element-2.A.2.a", form_path()))
        .await
        .1;
    assert!(html.contains("Skills.txt"), "{html}");
    assert!(html.contains("Critical Thinking (IM 4.20)"), "{html}");
    assert_eq!(
        app.get(&format!("{}?anchor=element-9.Z.9", form_path()))
            .await
            .0,
        404
    );
    // Signed in, the form asks nothing about who you are.
    let link = format!("{}?anchor=task-{TASK}", form_path());
    let html = sue
        .get(app.at(&link))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("name=\"email\""));
    assert!(html.contains("Person sue"));
    let r = sue
        .post(app.at(&form_path()))
        .form(&[
            ("anchor", format!("task-{TASK}")),
            ("problem", "Word missing".to_string()),
            (
                "proposed_value",
                format!("{} Record the results.", sc.task_text),
            ),
            ("evidence", "Shop manual, chapter 4".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = sue
        .get(app.at("/account/corrections"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Record the results."), "{html}");
    assert!(html.contains("Waiting for triage"));
    let mine: Value = sue
        .get(app.at("/api/v1/me/corrections"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["total"], 1);
    let id = mine["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(mine["items"][0]["suggester_email"], "sue@example.org");
    // Its author reads it; other people do not.
    assert_eq!(
        sue.get(app.at(&format!("/api/v1/corrections/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        sue.get(app.at(&format!("/corrections/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    make_user(&app, "tim@example.org", &[]).await;
    let tim = signed_in(&app, "tim@example.org").await;
    assert_eq!(
        tim.get(app.at(&format!("/api/v1/corrections/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        app.client()
            .get(app.at(&format!("/api/v1/corrections/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        tim.get(app.at("/corrections"))
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "a user without the editor role has no queue"
    );
    // The author is not a triager.
    assert_eq!(
        sue.post(app.at(&format!("/api/v1/corrections/{id}/triage")))
            .json(&json!({"decision": "accept"}))
            .send()
            .await
            .unwrap()
            .status(),
        403
    );

    // Field rules: control characters, lengths, unknown rows, all named.
    let api = app.client();
    let base = json!({
        "framework": CODE, "version": "v26.05", "anchor": format!("task-{TASK}"),
        "problem": "p", "proposed_value": "v", "evidence": "e",
        "email": "ann@example.org", "name": "Ann",
    });
    let bad = |patch: Value| {
        let mut b = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (patch, field, status) in [
        (json!({"name": "Ann\u{7}"}), "name", 422),
        (
            json!({"proposed_value": "two\nlines"}),
            "proposed_value",
            422,
        ),
        (json!({"problem": "x".repeat(2001)}), "problem", 422),
        (json!({"evidence": "\u{202E}reversed"}), "evidence", 422),
        (json!({"email": "ann"}), "email", 422),
        (json!({"anchor": "task-abc"}), "anchor", 422),
        (json!({"version": "v2"}), "version", 422),
    ] {
        let r = api
            .post(app.at("/api/v1/corrections"))
            .json(&bad(patch.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{patch}");
        let p: Value = r.json().await.unwrap();
        assert!(
            p["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{patch}: {p}"
        );
    }
    let r = api
        .post(app.at("/api/v1/corrections"))
        .json(&bad(json!({"anchor": "task-424242"})))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Hourly limits, counted in the database: two per address, four per client.
    for (i, email) in ["lim@example.org", "lim@example.org"].iter().enumerate() {
        let r = api
            .post(app.at("/api/v1/corrections"))
            .json(&bad(
                json!({"email": email, "proposed_value": format!("value {i}")}),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let r = api
        .post(app.at("/api/v1/corrections"))
        .json(&bad(
            json!({"email": "lim@example.org", "proposed_value": "value 3"}),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Sue's and two of lim's came from this client; one more is allowed, then none.
    let r = api
        .post(app.at("/api/v1/corrections"))
        .json(&bad(
            json!({"email": "other@example.org", "proposed_value": "value 4"}),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = visitor_form(&app, &sc).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text().await.unwrap().contains("too many suggestions"));
    // An hour later the window has passed, and the old addresses are forgotten.
    let earlier = nsx::db::Ts(time::OffsetDateTime::now_utc() - time::Duration::hours(2));
    on_db!(&app.db, p => sqlx::query("UPDATE corrections SET created_at = $1")
        .bind(earlier)
        .execute(p)
        .await
        .map(|r| r.rows_affected()))
    .unwrap();
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM corrections WHERE client_ip IS NOT NULL"
        )
        .await,
        4
    );
    let r = visitor_form(&app, &sc).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM corrections WHERE client_ip IS NOT NULL"
        )
        .await,
        1,
        "only the new suggestion keeps its client address"
    );
    app.finish().await;
}

/// A form submission from a new visitor.
async fn visitor_form(app: &TestApp, sc: &Scene) -> reqwest::Response {
    app.client()
        .post(app.at(&form_path()))
        .form(&[
            ("statement", sc.statement.to_string()),
            ("citation", sc.citation.to_string()),
            ("problem", "p".into()),
            ("proposed_value", "value 5".into()),
            ("evidence", "e".into()),
            ("name", "Late".into()),
            ("email", "late@example.org".into()),
        ])
        .send()
        .await
        .unwrap()
}

async fn limited(b: crate::common::Builder) -> TestApp {
    b.config(|c| {
        c.corrections.per_email_per_hour = 2;
        c.corrections.per_client_per_hour = 4;
    })
    .start()
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggesters_rules_and_limits_sqlite() {
    suggesters_rules_and_limits(limited(TestApp::builder()).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggesters_rules_and_limits_postgres() {
    if let Some(b) = TestApp::builder().postgres() {
        suggesters_rules_and_limits(limited(b).await).await;
    }
}

/// In headless Chromium, without any script of ours: a visitor follows a statement's
/// "Suggest a correction" link, gets an error for a missing field with what was typed kept,
/// sends the suggestion; an editor of the owner signs in and rejects it from the queue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_suggests_and_an_editor_triages_in_a_browser() {
    use crate::common::browser::Browser;
    use fantoccini::Locator as By;

    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::builder().start().await;
    let sc = scene(&app).await;
    let editor = make_user(&app, "brenda@example.org", &[Role::Editor]).await;
    accounts::set_organization(&app.db, editor.id, Some(sc.owner))
        .await
        .unwrap();
    let c = &b.client;
    let wait_for = |pred: fn(&url::Url) -> bool| async move {
        let mut url = c.current_url().await.unwrap();
        for _ in 0..100 {
            if pred(&url) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            url = c.current_url().await.unwrap();
        }
        url
    };

    // The visitor follows the first statement's link.
    c.goto(&app.at(&format!("/frameworks/{CODE}/v26.05")))
        .await
        .unwrap();
    c.find(By::Css("a.fw-correct[href*='statement=']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = wait_for(|u| u.path().ends_with("/corrections/new")).await;
    assert!(url.path().ends_with("/corrections/new"), "{url}");
    if let Ok(radio) = c
        .find(By::Css("input[name='citation'][type='radio']"))
        .await
    {
        radio.click().await.unwrap();
    }
    c.find(By::Id("problem"))
        .await
        .unwrap()
        .send_keys("The row names the wrong instrument.")
        .await
        .unwrap();
    let proposed = c.find(By::Id("proposed_value")).await.unwrap();
    proposed.clear().await.unwrap();
    proposed
        .send_keys("Check assemblies with oscilloscopes.")
        .await
        .unwrap();
    c.find(By::Id("name"))
        .await
        .unwrap()
        .send_keys("Bea Browser")
        .await
        .unwrap();
    c.find(By::Id("email"))
        .await
        .unwrap()
        .send_keys("bea@example.org")
        .await
        .unwrap();
    // Evidence left out: the form comes back with the error beside the field.
    c.find(By::Css("form[method='post'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let err = c
        .wait()
        .for_element(By::Id("evidence-error"))
        .await
        .unwrap();
    assert!(err.text().await.unwrap().contains("cannot be empty"));
    let kept = c
        .find(By::Id("problem"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("The row names the wrong instrument."));
    assert_eq!(
        c.find(By::Id("evidence"))
            .await
            .unwrap()
            .attr("aria-invalid")
            .await
            .unwrap()
            .as_deref(),
        Some("true")
    );
    c.find(By::Id("evidence"))
        .await
        .unwrap()
        .send_keys("The maker's service manual.")
        .await
        .unwrap();
    c.find(By::Css("form[method='post'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = wait_for(|u| u.path() == "/corrections/submitted").await;
    assert_eq!(url.path(), "/corrections/submitted");
    let h1 = c.find(By::Css("h1")).await.unwrap().text().await.unwrap();
    assert!(h1.contains("Thank you"), "{h1}");

    // The editor signs in and rejects it from the queue, with a reason.
    c.goto(&app.at("/sign-in?next=/corrections")).await.unwrap();
    c.find(By::Id("email"))
        .await
        .unwrap()
        .send_keys("brenda@example.org")
        .await
        .unwrap();
    c.find(By::Id("password"))
        .await
        .unwrap()
        .send_keys(super::accounts::PASSWORD)
        .await
        .unwrap();
    c.find(By::Css("form[action='/sign-in'] button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = wait_for(|u| u.path() == "/corrections").await;
    assert_eq!(url.path(), "/corrections", "{url}");
    let group = c.find(By::Css("article.correction-group")).await.unwrap();
    assert!(
        group
            .text()
            .await
            .unwrap()
            .contains("Check assemblies with oscilloscopes.")
    );
    group
        .find(By::Css("input[name='decision'][value='reject']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    group
        .find(By::Css("textarea[name='reason']"))
        .await
        .unwrap()
        .send_keys("Oscilloscopes are already named in the row.")
        .await
        .unwrap();
    group
        .find(By::Css("form.triage button[type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = wait_for(|u| u.query().is_some_and(|q| q.contains("done=rejected"))).await;
    assert!(url.query().unwrap_or("").contains("done=rejected"), "{url}");
    let notice = c
        .find(By::Css("p.notice.ok"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(notice.contains("rejected"), "{notice}");
    assert_eq!(
        statuses(&app).await,
        vec![(
            "bea@example.org".to_string(),
            "rejected".to_string(),
            Some("Oscilloscopes are already named in the row.".to_string())
        )]
    );
    b.close().await;
    app.finish().await;
}
