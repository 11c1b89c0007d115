//! The editorial workflow end to end: organizations own frameworks, their editors create,
//! edit and publish versions through the API, the pages and the service; nobody else can;
//! published versions never change; every change leaves exactly one audit entry and a
//! refused one leaves none; the drafter spares what editors changed.

use nsx::accounts::User;
use nsx::accounts::store;
use nsx::frameworks::{self, service};
use nsx::import::progress::Silent;
use nsx::service::Caller;
use nsx_core::accounts::{OrgKind, Role};
use nsx_core::frameworks::edit::Edit;
use nsx_core::frameworks::{Status, VersionLabel};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::accounts::{make_user, signed_in};
use crate::common::TestApp;

/// An editor of a new organization, with an API token.
pub struct Editor {
    /// The account.
    pub user: User,
    /// Bearer token.
    pub token: String,
    /// The organization.
    pub org: uuid::Uuid,
}

/// Makes an organization and an editor in it.
pub async fn editor_of(app: &TestApp, org_name: &str, email: &str) -> Editor {
    let org = store::create_org(&app.db, org_name, OrgKind::StandardsBody, None)
        .await
        .expect("org");
    let user = make_user(app, email, &[Role::Editor]).await;
    store::set_organization(&app.db, user.id, Some(org.id))
        .await
        .expect("set org");
    let user = store::find_user(&app.db, user.id).await.unwrap().unwrap();
    let (_, token) = store::create_token(&app.db, user.id, "tests")
        .await
        .unwrap();
    Editor {
        user,
        token,
        org: org.id,
    }
}

async fn audit_count(app: &TestApp) -> i64 {
    nsx::on_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_log").fetch_one(p).await)
        .unwrap()
}

async fn api(
    app: &TestApp,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let c = reqwest::Client::new();
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = c.request(m, app.at(path)).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn this_month() -> VersionLabel {
    frameworks::current_label()
}

async fn editors_author_edit_and_publish(app: TestApp) {
    let a = editor_of(&app, "Maintenance Skills Council", "ed-a@example.org").await;
    let b = editor_of(&app, "Other Council", "ed-b@example.org").await;

    // Create a framework spanning two occupations.
    let before = audit_count(&app).await;
    let (st, created) = api(
        &app,
        Some(&a.token),
        "POST",
        "/api/v1/frameworks",
        json!({"title": "Industrial Maintenance and Mechatronics", "occupations": ["49-9041.00", "17-3024.00"],
               "context": "Installing, maintaining and repairing automated industrial equipment."}),
    )
    .await;
    assert_eq!(st, 201, "{created}");
    assert_eq!(audit_count(&app).await, before + 1);
    let code = created["framework"]["code"].as_str().unwrap().to_string();
    assert_eq!(code, "industrial-maintenance-and-mechatronics");
    assert_eq!(
        created["framework"]["occupations"],
        json!(["49-9041.00", "17-3024.00"])
    );
    assert_eq!(created["framework"]["organization_id"], json!(a.org));
    let label = created["version"]["version"].as_str().unwrap().to_string();
    assert_eq!(label, this_month().to_string());

    // Add statements citing O*NET rows; the exchange quotes the rows itself.
    let edits_path = format!("/api/v1/frameworks/{code}/versions/{label}/edits");
    let add = json!({"edits": [
        {"op": "add_statement", "section": "technical", "domain": null, "level": {"scale": "mastery", "level": "emerging"},
         "subject": "Electromechanical assemblies", "performance": "check how assemblies perform with test instruments under supervision",
         "position": null, "citations": [{"source": "onet", "release": "30.1", "locator": {"kind": "task", "task_id": 90001}, "text": "", "value": null}]},
        {"op": "add_statement", "section": "technical", "domain": null, "level": {"scale": "mastery", "level": "advanced"},
         "subject": "Controller software", "performance": "set the standard for loading and verifying controller software across lines",
         "position": null, "citations": [{"source": "onet", "release": "30.1", "locator": {"kind": "task", "task_id": 90002}, "text": "", "value": null}]}
    ]});
    let before = audit_count(&app).await;
    let (st, out) = api(&app, Some(&a.token), "POST", &edits_path, add.clone()).await;
    assert_eq!(st, 200, "{out}");
    assert_eq!(
        audit_count(&app).await,
        before + 1,
        "one audit entry for one change"
    );
    let added: Vec<String> = out["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(added.len(), 2);
    let (s, v) = app
        .get_json(&format!("/api/v1/frameworks/{code}/versions/{label}"))
        .await;
    assert_eq!(s, 200, "{v}");
    let st0 = &v["statements"][0];
    assert_eq!(
        st0["citations"][0]["text"],
        "Check how electromechanical assemblies perform using oscilloscopes, voltmeters and bridges."
    );

    // A citation of a row the catalog does not hold is refused, naming the field; nothing
    // changes and nothing is audited.
    let before = audit_count(&app).await;
    let bad = json!({"edits": [{"op": "add_citation", "item_id": added[0],
        "citation": {"source": "onet", "release": "30.1", "locator": {"kind": "task", "task_id": 424242}, "text": "", "value": null}}]});
    let (st, p) = api(&app, Some(&a.token), "POST", &edits_path, bad).await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "citation");
    assert_eq!(audit_count(&app).await, before);

    // Reword and move, all or nothing: the second edit names no statement, so the first is
    // not kept either.
    let both = json!({"edits": [
        {"op": "reword", "item_id": added[0], "subject": "Electromechanical assemblies", "performance": "test assemblies with oscilloscopes and meters under direct supervision"},
        {"op": "remove_statement", "item_id": "00000000-0000-0000-0000-000000000000"}
    ]});
    let (st, p) = api(&app, Some(&a.token), "POST", &edits_path, both).await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(p["errors"][0]["field"], "edits[1].item_id");
    let (_, v) = app
        .get_json(&format!("/api/v1/frameworks/{code}/versions/{label}"))
        .await;
    assert!(
        v["statements"][0]["performance"]
            .as_str()
            .unwrap()
            .starts_with("check how")
    );
    let mv = json!({"edits": [{"op": "move", "item_id": added[1], "section": "technical", "domain": null,
        "level": {"scale": "mastery", "level": "proficient"}, "position": 1}]});
    let (st, _) = api(&app, Some(&a.token), "POST", &edits_path, mv).await;
    assert_eq!(st, 200);

    // Nobody else may change it: another organization's editor, an anonymous caller.
    let (st, _) = api(&app, Some(&b.token), "POST", &edits_path, add.clone()).await;
    assert_eq!(st, 403);
    let (st, _) = api(&app, None, "POST", &edits_path, add.clone()).await;
    assert_eq!(st, 401);
    let status_path = format!("/api/v1/frameworks/{code}/versions/{label}/status");
    let (st, _) = api(
        &app,
        Some(&b.token),
        "POST",
        &status_path,
        json!({"status": "in_review"}),
    )
    .await;
    assert_eq!(st, 403);

    // Publishing needs a review first; a version in review is frozen.
    let (st, p) = api(
        &app,
        Some(&a.token),
        "POST",
        &status_path,
        json!({"status": "published"}),
    )
    .await;
    assert_eq!(st, 409, "{p}");
    let (st, _) = api(
        &app,
        Some(&a.token),
        "POST",
        &status_path,
        json!({"status": "in_review"}),
    )
    .await;
    assert_eq!(st, 200);
    let (st, _) = api(&app, Some(&a.token), "POST", &edits_path, add.clone()).await;
    assert_eq!(st, 409);
    let before = audit_count(&app).await;
    let (st, published) = api(
        &app,
        Some(&a.token),
        "POST",
        &status_path,
        json!({"status": "published"}),
    )
    .await;
    assert_eq!(st, 200, "{published}");
    assert_eq!(published["status"], "published");
    assert_eq!(audit_count(&app).await, before + 1);

    // A published version never changes, by the API or the service.
    let (st, _) = api(&app, Some(&a.token), "POST", &edits_path, add.clone()).await;
    assert_eq!(st, 409);
    let caller = Caller::user(&a.user, None);
    let l: VersionLabel = label.parse().unwrap();
    let err = service::edit(
        &app.db,
        &caller,
        &code,
        &l,
        vec![Edit::SetContext {
            context: "changed".into(),
        }],
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("never changes"), "{err}");

    // A second publication in the same month gets the next label; the first is superseded
    // and stays readable at its own address.
    let (st, d2) = api(
        &app,
        Some(&a.token),
        "POST",
        &format!("/api/v1/frameworks/{code}/drafts"),
        json!({}),
    )
    .await;
    assert_eq!(st, 201, "{d2}");
    let label2 = d2["version"].as_str().unwrap().to_string();
    assert_eq!(label2, this_month().with_seq(2).to_string());
    let (st, _) = api(
        &app,
        Some(&a.token),
        "POST",
        &format!("/api/v1/frameworks/{code}/drafts"),
        json!({}),
    )
    .await;
    assert_eq!(st, 409, "one draft at a time");
    let edits2 = format!("/api/v1/frameworks/{code}/versions/{label2}/edits");
    let (st, _) = api(
        &app,
        Some(&a.token),
        "POST",
        &edits2,
        json!({"edits": [{"op": "set_context", "context": "Revised after review."}]}),
    )
    .await;
    assert_eq!(st, 200);
    let status2 = format!("/api/v1/frameworks/{code}/versions/{label2}/status");
    for s in ["in_review", "published"] {
        let (st, _) = api(&app, Some(&a.token), "POST", &status2, json!({"status": s})).await;
        assert_eq!(st, 200);
    }
    let versions = frameworks::store::list_versions(&app.db, &code)
        .await
        .unwrap();
    let statuses: Vec<(String, Status)> = versions
        .iter()
        .map(|v| (v.label.to_string(), v.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (label2.clone(), Status::Published),
            (label.clone(), Status::Superseded)
        ]
    );
    let (st, old) = app.get(&format!("/frameworks/{code}/{label}")).await;
    assert_eq!(st, 200);
    assert!(old.contains("Electromechanical assemblies"));
    let (_, current) = app
        .get_json(&format!("/api/v1/frameworks/{code}/versions/{label2}"))
        .await;
    assert_eq!(current["context"], "Revised after review.");
    app.finish().await;
}

async fn editing_pages_keep_what_was_typed(app: TestApp) {
    let a = editor_of(&app, "Page Council", "pages@example.org").await;
    let c = signed_in(&app, "pages@example.org").await;
    // Create through the form.
    let r = c
        .post(app.at("/frameworks"))
        .form(&[
            ("title", "Plant Maintenance"),
            ("code", ""),
            ("description", ""),
            ("occupations", "49-9041.00"),
            ("copy_of", ""),
            ("context", "Keeping plants running."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("/frameworks/plant-maintenance/v"), "{loc}");
    let edit_path = loc.split('?').next().unwrap().to_string();
    // A bad form comes back with what was typed and the error.
    let r = c
        .post(app.at(&edit_path))
        .form(&[
            ("op", "add"),
            ("placement", "technical:-:emerging"),
            ("subject", "Conveyor belts"),
            ("performance", "align conveyor belts as instructed"),
            ("cite_kind", "task"),
            ("cite_ref", "not-a-number"),
            ("position", ""),
        ])
        .send()
        .await
        .unwrap();
    let status = r.status();
    let html = r.text().await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("not an O*NET task ID"), "the error is shown");
    assert!(
        html.contains("value=\"Conveyor belts\""),
        "the subject typed is kept"
    );
    assert!(
        html.contains("align conveyor belts as instructed"),
        "the performance typed is kept"
    );
    // The same form, corrected, is saved.
    let r = c
        .post(app.at(&edit_path))
        .form(&[
            ("op", "add"),
            ("placement", "technical:-:emerging"),
            ("subject", "Conveyor belts"),
            ("performance", "align conveyor belts as instructed"),
            ("cite_kind", "task"),
            ("cite_ref", "90004"),
            ("position", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = c
        .get(app.at(&edit_path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Conveyor belts"));
    assert!(html.contains("task 90004"));
    // Another organization's editor is refused; an anonymous visitor is sent to sign in.
    editor_of(&app, "Else Council", "else@example.org").await;
    let other = signed_in(&app, "else@example.org").await;
    let r = other.get(app.at(&edit_path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app.client().get(app.at(&edit_path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/sign-in?next=")
    );
    // The workspace lists the framework.
    let html = c
        .get(app.at("/workspace"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Plant Maintenance"));
    let _ = a;
    app.finish().await;
}

async fn redrafting_spares_what_editors_changed(app: TestApp) {
    let label = this_month();
    frameworks::draft_and_store(&app.db, None, &label, &Silent)
        .await
        .unwrap();
    // Drafted frameworks belong to the exchange's standards body.
    let f = frameworks::editing::find_framework(&app.db, "17-3024.00")
        .await
        .unwrap()
        .unwrap();
    let body = service::standards_body(&app.db, service::DEFAULT_STANDARDS_BODY)
        .await
        .unwrap();
    assert_eq!(f.organization_id, Some(body));
    assert_eq!(f.occupations, vec!["17-3024.00".to_string()]);
    // An editor of the standards body changes the draft.
    let user = make_user(&app, "house@example.org", &[Role::Editor]).await;
    store::set_organization(&app.db, user.id, Some(body))
        .await
        .unwrap();
    let user = store::find_user(&app.db, user.id).await.unwrap().unwrap();
    let caller = Caller::user(&user, None);
    service::edit(
        &app.db,
        &caller,
        "17-3024.00",
        &label,
        vec![Edit::SetContext {
            context: "Edited by the council.".into(),
        }],
    )
    .await
    .unwrap();
    // Drafting again leaves it alone and says why.
    let run = frameworks::draft_and_store(&app.db, None, &label, &Silent)
        .await
        .unwrap();
    let skip = run
        .skipped
        .iter()
        .find(|s| s.code == "17-3024.00")
        .expect("skipped");
    assert!(
        skip.reason.contains("changed by an editor"),
        "{}",
        skip.reason
    );
    let v = frameworks::store::load_version(&app.db, "17-3024.00", Some(&label))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v.context, "Edited by the council.");
    // Other frameworks were redrafted.
    assert!(run.drafted > 0);
    // The drafter is not an editor of anyone's framework: an editor of another
    // organization cannot touch the standards body's drafts.
    let other = editor_of(&app, "Elsewhere", "elsewhere@example.org").await;
    let err = service::edit(
        &app.db,
        &Caller::user(&other.user, None),
        "17-3024.00",
        &label,
        vec![Edit::SetContext {
            context: "x".into(),
        }],
    )
    .await
    .unwrap_err();
    assert!(matches!(err, nsx::error::Error::Forbidden(_)), "{err}");
    app.finish().await;
}

on_both_backends!(
    editors_author_edit_and_publish,
    editing_pages_keep_what_was_typed,
    redrafting_spares_what_editors_changed
);

async fn audit_log_is_append_only_filterable_and_exported(app: TestApp) {
    let a = editor_of(&app, "Audit Council", "audited@example.org").await;
    let caller = Caller::user(&a.user, Some("req-audit-1".into()));
    let (f, v) = service::create(
        &app.db,
        &caller,
        service::NewFramework {
            title: "Audited framework".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    service::edit(
        &app.db,
        &caller,
        &f.code,
        &v.label,
        vec![Edit::SetContext {
            context: "First words.".into(),
        }],
    )
    .await
    .unwrap();
    // The database refuses to change or remove entries.
    let update = nsx::on_db!(&app.db, p => sqlx::query("UPDATE audit_log SET actor = 'someone else'").execute(p).await.map(|r| r.rows_affected()));
    assert!(update.is_err(), "UPDATE of the audit log must fail");
    let delete = nsx::on_db!(&app.db, p => sqlx::query("DELETE FROM audit_log").execute(p).await.map(|r| r.rows_affected()));
    assert!(delete.is_err(), "DELETE from the audit log must fail");
    // Administrators filter it and export it.
    let admin = make_user(&app, "auditor@example.org", &[Role::Admin]).await;
    let (_, token) = store::create_token(&app.db, admin.id, "audit")
        .await
        .unwrap();
    let r = reqwest::Client::new()
        .get(app.at("/api/v1/audit?actor=audited@example.org&action=framework.edit"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["x-total-count"], "1");
    let body: Value = r.json().await.unwrap();
    let e = &body["items"][0];
    assert_eq!(e["object_id"], format!("{}/{}", f.code, v.label));
    assert_eq!(e["request_id"], "req-audit-1");
    assert_eq!(e["after"]["edits"][0], "context edited");
    let r = reqwest::Client::new()
        .get(app.at("/api/v1/audit?from=2026-13-01"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let c = signed_in(&app, "auditor@example.org").await;
    let html = c
        .get(app.at("/admin/audit?object_type=framework"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("framework.create"));
    assert!(!html.contains("framework.edit"), "filtered by object type");
    let csv = c
        .get(app.at("/admin/audit.csv?actor=audited@example.org"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "header and two entries: {csv}");
    assert!(lines[0].starts_with("id,at,actor,"));
    app.finish().await;
}

on_both_backends!(audit_log_is_append_only_filterable_and_exported);

/// In headless Chromium, without any script of ours: an editor signs in, rewords a statement
/// of the draft, submits and publishes it from the manage page, and the changelog's diff
/// shows the new words as inserted and the old ones as deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_edits_publishes_and_reads_the_diff_in_a_browser() {
    use crate::common::browser::Browser;
    use fantoccini::Locator as By;
    use nsx_core::frameworks::edit::Placement;
    use nsx_core::frameworks::{Citation, Level, Locator, MasteryLevel, Section};

    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::builder().start().await;
    let ed = editor_of(&app, "Browser Skills Council", "ed-browser@example.org").await;
    let caller = Caller::user(&ed.user, None);
    // A first version, published, with one statement; then a draft from it.
    let (f, v1) = service::create(
        &app.db,
        &caller,
        service::NewFramework {
            title: "Mechatronics Maintenance".into(),
            occupations: vec!["17-3024.00".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    service::edit(
        &app.db,
        &caller,
        &f.code,
        &v1.label,
        vec![Edit::AddStatement {
            placement: Placement {
                section: Section::Technical,
                domain: None,
                level: Level::Mastery(MasteryLevel::Developing),
            },
            subject: "Test instruments".into(),
            performance: "check assemblies with meters under supervision".into(),
            position: None,
            citations: vec![Citation {
                source: "onet".into(),
                release: "30.1".into(),
                locator: Locator::Task { task_id: 90001 },
                text: String::new(),
                value: None,
            }],
        }],
    )
    .await
    .unwrap();
    for to in [Status::InReview, Status::Published] {
        service::transition(&app.db, &caller, &f.code, &v1.label, to)
            .await
            .unwrap();
    }
    let v2 = service::start_draft(&app.db, &caller, &f.code, None)
        .await
        .unwrap();
    let code = f.code.to_string();
    let (from, to) = (v1.label.to_string(), v2.label.to_string());

    let c = &b.client;
    let wait_until = |pred: Box<dyn Fn(&url::Url) -> bool + Send>| async move {
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

    // Sign in, and land on the manage page.
    c.goto(&app.at(&format!("/sign-in?next=/frameworks/{code}/manage")))
        .await
        .unwrap();
    c.find(By::Id("email"))
        .await
        .unwrap()
        .send_keys("ed-browser@example.org")
        .await
        .unwrap();
    c.find(By::Id("password"))
        .await
        .unwrap()
        .send_keys(crate::accounts::PASSWORD)
        .await
        .unwrap();
    click_on(c, By::Css("form[action='/sign-in'] button[type='submit']")).await;
    let manage = format!("/frameworks/{code}/manage");
    let m = manage.clone();
    let url = wait_until(Box::new(move |u| u.path() == m)).await;
    assert_eq!(url.path(), manage);

    // Open the draft's editor and reword the statement.
    c.find(By::XPath(&format!(
        "//a[@href='/frameworks/{code}/{to}/edit']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let edit_path = format!("/frameworks/{code}/{to}/edit");
    let e = edit_path.clone();
    wait_until(Box::new(move |u| u.path() == e)).await;
    click_on(c, By::Css("li[id^='s-'] details summary")).await;
    let perf = c
        .find(By::Css("li[id^='s-'] textarea[name='performance']"))
        .await
        .unwrap();
    perf.clear().await.unwrap();
    perf.send_keys("check assemblies with oscilloscopes and record the readings")
        .await
        .unwrap();
    click_on(
        c,
        By::XPath("//li[starts-with(@id,'s-')]//button[normalize-space()='Save wording']"),
    )
    .await;
    c.wait()
        .for_element(By::XPath(
            "//li[starts-with(@id,'s-')]/p[contains(., 'oscilloscopes')]",
        ))
        .await
        .unwrap();

    // Submit for review, then publish, from the manage page.
    for status in ["in_review", "published"] {
        c.goto(&app.at(&manage)).await.unwrap();
        c.find(By::XPath(&format!(
            "//form[@action='/frameworks/{code}/{to}/status'][input[@value='{status}']]//button"
        )))
        .await
        .unwrap_or_else(|e| panic!("no {status} button: {e}"))
        .click()
        .await
        .unwrap();
        // The form posts and redirects back to the same page: wait for the status itself.
        let want = if status == "in_review" {
            Status::InReview
        } else {
            Status::Published
        };
        for _ in 0..100 {
            let now = frameworks::store::list_versions(&app.db, &code)
                .await
                .unwrap()
                .into_iter()
                .find(|v| v.label.to_string() == to)
                .map(|v| v.status);
            if now == Some(want) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    let versions = frameworks::store::list_versions(&app.db, &code)
        .await
        .unwrap();
    let published = versions.iter().find(|v| v.label.to_string() == to).unwrap();
    assert_eq!(published.status, Status::Published);
    assert_eq!(
        versions
            .iter()
            .find(|v| v.label.to_string() == from)
            .unwrap()
            .status,
        Status::Superseded
    );

    // The changelog links to the diff, which shows the rewording word by word.
    c.goto(&app.at(&format!("/frameworks/{code}/changes")))
        .await
        .unwrap();
    click_on(c, By::LinkText(&format!("Changes from {from} to {to}"))).await;
    let url = wait_until(Box::new(|u| u.path().ends_with("/diff"))).await;
    assert_eq!(url.query(), Some(format!("from={from}&to={to}").as_str()));
    let words = |sel: &'static str| async move {
        let mut all = String::new();
        for e in c.find_all(By::Css(sel)).await.unwrap() {
            all.push_str(&e.text().await.unwrap());
            all.push(' ');
        }
        all
    };
    let inserted = words("ins").await;
    assert!(inserted.contains("oscilloscopes"), "{inserted}");
    let deleted = words("del").await;
    assert!(deleted.contains("meters"), "{deleted}");
    b.close().await;
    app.finish().await;
}

async fn click_on(c: &fantoccini::Client, sel: fantoccini::Locator<'_>) {
    c.find(sel).await.unwrap().click().await.unwrap();
}
