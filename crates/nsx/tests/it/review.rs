//! Calls for input end to end, on SQLite and PostgreSQL: an editor of the owner opens a
//! draft for review with times in the call's zone; nobody else may; the version is frozen
//! while the call runs; the call opens and closes by itself (scheduled jobs); reviewers
//! confirm their address, join, respond section by section (one row per statement, two
//! tabs never duplicate or lose an answer), answer the survey, propose, leave; nothing is
//! accepted outside the window; results and the CSV export show what they should to whom.

use std::time::Duration;

use nsx::frameworks;
use nsx::import::progress::Silent;
use nsx::service::Caller;
use nsx_core::accounts::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::accounts::{make_user, signed_in};
use crate::common::TestApp;
use crate::editorial::{Editor, editor_of};

const SOURCE: &str = "17-3024.00";

/// An editor's own framework, copied from a drafted one, with its draft label.
pub async fn framework_with_draft(
    app: &TestApp,
    org: &str,
    email: &str,
) -> (Editor, String, String) {
    let label = frameworks::current_label();
    frameworks::draft_and_store(&app.db, Some(&[SOURCE.to_string()]), &label, &Silent)
        .await
        .expect("draft");
    let ed = editor_of(app, org, email).await;
    let (f, v) = frameworks::service::create(
        &app.db,
        &Caller::user(&ed.user, None),
        frameworks::service::NewFramework {
            title: "Mechatronics review".into(),
            code: Some(format!("mech-{}", email.split('@').next().unwrap())),
            occupations: vec![SOURCE.into()],
            copy_of: Some(SOURCE.into()),
            ..Default::default()
        },
    )
    .await
    .expect("framework");
    (ed, f.code, v.label.to_string())
}

/// One JSON API request, with an optional bearer token: (status, body or null).
pub async fn api(
    app: &TestApp,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let c = reqwest::Client::new();
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = c.request(m, app.at(path));
    if method != "GET" && method != "DELETE" {
        req = req.json(&body);
    }
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn rfc(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// An RFC 3339 instant `s` seconds from now.
pub fn in_secs(s: i64) -> String {
    rfc(time::OffsetDateTime::now_utc() + time::Duration::seconds(s))
}

/// Opens a call through the API with instants; returns the call.
pub async fn open_call(
    app: &TestApp,
    ed: &Editor,
    code: &str,
    label: &str,
    opens: String,
    closes: String,
) -> Value {
    let (s, call) = api(
        app,
        Some(&ed.token),
        "POST",
        "/api/v1/reviews",
        json!({
            "framework": code, "version": label,
            "invitation": "Please review the first draft of these standards.",
            "contact_name": "Standards office", "contact_email": "standards@example.org",
            "stakeholder_types": ["employer", "educator", "worker_learner"],
            "time_zone": "America/Chicago",
            "opens_at": opens, "closes_at": closes,
            "questions": [
                {"prompt": "Which best describes your workplace?", "kind": "single", "options": ["Plant", "Office", "School"], "required": true},
                {"prompt": "Which topics are missing?", "kind": "multiple", "options": ["Safety", "Robotics", "Data"]},
                {"prompt": "How useful is the draft overall?", "kind": "rating"},
                {"prompt": "Anything else?", "kind": "text"}
            ],
            "thresholds": {"remove_share": 0.25, "change_share": 0.5, "importance_floor": 2.5, "min_group": 1}
        }),
    )
    .await;
    assert_eq!(s, 201, "{call}");
    call
}

async fn wait_for_state(app: &TestApp, id: &str, want: &str) {
    for _ in 0..240 {
        let (_, c) = app.get_json(&format!("/api/v1/reviews/{id}")).await;
        if c["state"] == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("call {id} never reached {want}");
}

async fn wait_for_phase(app: &TestApp, id: &str, want: &str) {
    for _ in 0..240 {
        let (_, c) = app.get_json(&format!("/api/v1/reviews/{id}")).await;
        if c["phase"] == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("call {id} never reached phase {want}");
}

/// Runs a `SELECT COUNT(*)` on the app's database.
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    nsx::on_db!(&app.db, p => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(p).await).unwrap()
}

/// A verified reviewer with a browser and an API token.
pub struct Reviewer {
    /// Signed-in browser.
    pub browser: reqwest::Client,
    /// API token.
    pub token: String,
}

/// Makes a reviewer whose address is confirmed.
pub async fn reviewer(app: &TestApp, email: &str) -> Reviewer {
    let user = make_user(app, email, &[]).await;
    nsx::accounts::verification::mark_verified(&app.db, user.id)
        .await
        .unwrap();
    let (_, token) = nsx::accounts::store::create_token(&app.db, user.id, "t")
        .await
        .unwrap();
    Reviewer {
        browser: signed_in(app, email).await,
        token,
    }
}

async fn only_editors_of_the_owner_open_calls_and_calls_run_on_time(app: TestApp) {
    let (ed, code, label) =
        framework_with_draft(&app, "Review Council", "rev-ed@example.org").await;
    let other = editor_of(&app, "Other Council", "rev-other@example.org").await;
    let plain = make_user(&app, "rev-plain@example.org", &[]).await;
    let (_, plain_token) = nsx::accounts::store::create_token(&app.db, plain.id, "t")
        .await
        .unwrap();

    // Local times are read in the call's zone: 09:00 in Chicago in December is 15:00 UTC.
    let (s, e) = api(&app, Some(&ed.token), "POST", "/api/v1/reviews", json!({
        "framework": code, "version": label, "invitation": "x", "contact_name": "x",
        "contact_email": "x@example.org", "stakeholder_types": ["employer"],
        "time_zone": "America/Chicago", "opens_at": "2036-12-05T09:00", "closes_at": "2036-12-04T09:00"
    })).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "closes_at", "{e}");
    let (s, e) = api(
        &app,
        Some(&ed.token),
        "POST",
        "/api/v1/reviews",
        json!({
            "framework": code, "version": label, "invitation": "", "contact_name": "x",
            "contact_email": "not-an-address", "stakeholder_types": ["bosses"],
            "time_zone": "Mars/Base", "opens_at": "soon", "closes_at": "later",
            "questions": [{"prompt": "Pick", "kind": "single", "options": ["only one"]}]
        }),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["field"].as_str().unwrap())
        .collect();
    for f in [
        "invitation",
        "contact_email",
        "stakeholder_types",
        "time_zone",
        "opens_at",
        "closes_at",
        "questions[0].options",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }

    // Nobody but the owner's editors may open a call.
    let body = json!({
        "framework": code, "version": label, "invitation": "Review please", "contact_name": "Office",
        "contact_email": "office@example.org", "stakeholder_types": ["employer"],
        "time_zone": "UTC", "opens_at": in_secs(3), "closes_at": in_secs(3600)
    });
    let (s, _) = api(
        &app,
        Some(&other.token),
        "POST",
        "/api/v1/reviews",
        body.clone(),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = api(
        &app,
        Some(&plain_token),
        "POST",
        "/api/v1/reviews",
        body.clone(),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = api(&app, None, "POST", "/api/v1/reviews", body.clone()).await;
    assert_eq!(s, 401);
    let before = count(&app, "SELECT COUNT(*) FROM review_calls").await;
    assert_eq!(before, 0);

    // The owner's editor opens it with local times; it is upcoming, the version frozen.
    let zone_open = time::OffsetDateTime::now_utc() + time::Duration::seconds(4);
    let chicago = time::UtcOffset::from_hms(-6, 0, 0).unwrap();
    let local = |t: time::OffsetDateTime| {
        let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
        t.to_offset(chicago).format(&f).unwrap()
    };
    let mut body = body.clone();
    body["time_zone"] = json!("America/Chicago");
    body["opens_at"] = json!(local(zone_open));
    body["closes_at"] = json!(local(zone_open + time::Duration::seconds(8)));
    let is_dst = jiff::tz::TimeZone::get("America/Chicago")
        .unwrap()
        .to_offset(jiff::Timestamp::now())
        .seconds()
        == -5 * 3600;
    let (s, call) = api(&app, Some(&ed.token), "POST", "/api/v1/reviews", body).await;
    assert_eq!(s, 201, "{call}");
    let id = call["id"].as_str().unwrap().to_string();
    if !is_dst {
        let opens: time::OffsetDateTime = time::OffsetDateTime::parse(
            call["opens_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert_eq!(
            opens.unix_timestamp(),
            zone_open.unix_timestamp(),
            "read in the call's zone"
        );
        assert!(
            call["opens_local"].as_str().unwrap().ends_with("CST"),
            "{call}"
        );
    }
    assert_eq!(call["state"], "scheduled");
    assert_eq!(call["phase"], "upcoming");
    let (_, v) = app
        .get_json(&format!("/api/v1/frameworks/{code}/versions/{label}"))
        .await;
    assert_eq!(v["version"]["status"], "in_review");
    // A second call on the same version is refused.
    let (s, e) = api(
        &app,
        Some(&ed.token),
        "POST",
        "/api/v1/reviews",
        json!({
            "framework": code, "version": label, "invitation": "again", "contact_name": "Office",
            "contact_email": "office@example.org", "stakeholder_types": ["employer"],
            "time_zone": "UTC", "opens_at": in_secs(3), "closes_at": in_secs(3600)
        }),
    )
    .await;
    assert_eq!(s, 409, "{e}");

    // Frozen: no edit, no status change while the call runs.
    let (s, e) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/frameworks/{code}/versions/{label}/edits"),
        json!({"edits": [{"op": "set_context", "context": "Changed during review."}]}),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    let (s, e) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/frameworks/{code}/versions/{label}/status"),
        json!({"status": "draft"}),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    assert!(
        e["detail"].as_str().unwrap().contains("call for input"),
        "{e}"
    );

    // Listed as upcoming; the framework page announces it.
    let (_, l) = app.get_json("/api/v1/reviews").await;
    assert_eq!(l["upcoming"][0]["id"], id.as_str(), "{l}");
    let (s, page) = app.get("/calls").await;
    assert_eq!(s, 200);
    assert!(page.contains("Mechatronics review"));
    let (_, filtered) = app.get_json("/api/v1/reviews?family=11").await;
    assert!(
        filtered["upcoming"].as_array().unwrap().is_empty(),
        "another family"
    );
    let (_, filtered) = app.get_json("/api/v1/reviews?family=17").await;
    assert_eq!(filtered["upcoming"].as_array().unwrap().len(), 1);
    let (s, _) = app.get_json("/api/v1/reviews?family=99").await;
    assert_eq!(s, 422);
    let (_, fw) = app.get(&format!("/frameworks/{code}")).await;
    assert!(
        fw.contains("Call for input announced"),
        "framework page shows the call"
    );

    // It opens and closes by itself.
    wait_for_state(&app, &id, "open").await;
    let (_, fw) = app.get(&format!("/frameworks/{code}")).await;
    assert!(fw.contains("Call for input open"));
    let (_, l) = app.get_json("/api/v1/reviews").await;
    assert_eq!(l["open"][0]["id"], id.as_str());
    wait_for_state(&app, &id, "closed").await;
    let (_, l) = app.get_json("/api/v1/reviews").await;
    assert_eq!(l["closed"][0]["id"], id.as_str());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('review.opened', 'review.closed')"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'review.open_call'"
        )
        .await,
        1
    );
    // After the close the editors may move the version on.
    let (s, e) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/frameworks/{code}/versions/{label}/status"),
        json!({"status": "draft"}),
    )
    .await;
    assert_eq!(s, 200, "{e}");
    app.finish().await;
}

async fn statement_ids(app: &TestApp, id: &str) -> Vec<(String, String)> {
    let (_, c) = app.get_json(&format!("/api/v1/reviews/{id}")).await;
    c["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["statement"]["section"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn reviewers_join_respond_and_leave(app: TestApp) {
    let (ed, code, label) = framework_with_draft(&app, "Review Council", "rv-ed@example.org").await;
    let call = open_call(&app, &ed, &code, &label, in_secs(-5), in_secs(3600)).await;
    let id = call["id"].as_str().unwrap().to_string();
    assert_eq!(call["phase"], "open");
    let statements = statement_ids(&app, &id).await;
    let technical: Vec<&str> = statements
        .iter()
        .filter(|s| s.1 == "technical")
        .map(|s| s.0.as_str())
        .collect();
    let durable = statements
        .iter()
        .find(|s| s.1 == "durable")
        .map(|s| s.0.clone())
        .expect("a durable statement");
    assert!(technical.len() >= 2);

    // An unconfirmed address cannot join; the confirmation link goes through the outbox.
    let anna = make_user(&app, "anna@example.org", &[]).await;
    let browser = signed_in(&app, "anna@example.org").await;
    let profile = [
        ("stakeholder_type", "employer"),
        ("sector", "31-33"),
        ("organization", "Acme Plant"),
        ("country", "us"),
        ("role", "Maintenance lead"),
    ];
    let r = browser
        .post(app.at(&format!("/calls/{id}/join")))
        .form(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (_, page) = {
        let r = browser
            .get(app.at(&format!("/calls/{id}")))
            .send()
            .await
            .unwrap();
        (r.status(), r.text().await.unwrap())
    };
    assert!(page.contains("Send me a confirmation link"));
    let r = browser
        .post(app.at(&format!("/calls/{id}/verify-email")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let payload: String = nsx::on_db!(&app.db, p => sqlx::query_scalar::<_, String>(
        "SELECT payload FROM jobs WHERE kind = 'email' ORDER BY created_at DESC LIMIT 1").fetch_one(p).await).unwrap();
    let mail: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(mail["to"], "anna@example.org");
    let body = mail["body"].as_str().unwrap();
    let link = body
        .lines()
        .find(|l| l.contains("/verify-email/"))
        .unwrap()
        .trim();
    let path = &link[link.find("/verify-email/").unwrap()..];
    let (s, _) = app.get(path).await;
    assert_eq!(s, 200);
    let (s, _) = app.get(path).await;
    assert_eq!(s, 404, "a link works once");

    // A stakeholder type the call does not invite is refused, naming the field.
    let r = browser
        .post(app.at(&format!("/calls/{id}/join")))
        .form(&[("stakeholder_type", "government"), ("country", "US")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("this call invites"));
    let r = browser
        .post(app.at(&format!("/calls/{id}/join")))
        .form(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM reviewer_profiles").await,
        1,
        "profile kept"
    );

    // Respond to the technical section without JavaScript.
    let page = browser
        .get(app.at(&format!("/calls/{id}/respond")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Save technical statements"));
    let shown = |page: &str, sid: &str| -> String {
        let key = format!("name=\"statements.{sid}.shown\" value=\"");
        let at = page.find(&key).unwrap() + key.len();
        page[at..at + 16].to_string()
    };
    let (t0, t1) = (technical[0], technical[1]);
    let form = vec![
        ("part".to_string(), "technical".to_string()),
        (format!("statements.{t0}.shown"), shown(&page, t0)),
        (format!("statements.{t0}.stance"), "remove".into()),
        (format!("statements.{t0}.importance"), "2".into()),
        (format!("statements.{t0}.frequency"), "1".into()),
        (format!("statements.{t0}.comment_type"), "technical".into()),
        (
            format!("statements.{t0}.comment"),
            "Nobody does this any more.".into(),
        ),
        (format!("statements.{t0}.rewrite"), "".into()),
        (format!("statements.{t1}.shown"), shown(&page, t1)),
        (format!("statements.{t1}.importance"), "".into()),
    ];
    let r = browser
        .post(app.at(&format!("/calls/{id}/respond")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("done=technical")
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM review_responses").await,
        1,
        "untouched statements are not stored"
    );

    // Bad input is refused with the field named, and the form keeps what was typed.
    let bad = vec![
        ("part".to_string(), "technical".to_string()),
        (format!("statements.{t1}.importance"), "9".into()),
        (
            format!("statements.{t1}.comment"),
            "Needs a comment type".into(),
        ),
    ];
    let r = browser
        .post(app.at(&format!("/calls/{id}/respond")))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert!(text.contains("is not a rating from 1 to 5"));
    assert!(text.contains("Needs a comment type"));
    // Frequency is for technical statements only.
    let (s, e) = api(
        &app,
        None,
        "PUT",
        &format!("/api/v1/reviews/{id}/responses"),
        json!({}),
    )
    .await;
    assert_eq!(s, 401, "{e}");
    let anna_token = nsx::accounts::store::create_token(&app.db, anna.id, "t")
        .await
        .unwrap()
        .1;
    let (s, e) = api(
        &app,
        Some(&anna_token),
        "PUT",
        &format!("/api/v1/reviews/{id}/responses"),
        json!({"statements": [{"statement_id": durable, "frequency": 3}]}),
    )
    .await;
    assert_eq!(s, 422, "{e}");

    // Two tabs: a stale tab saving the same section does not undo what the other saved,
    // and both tabs changing the same statement leave one row (the later answer).
    let stale = page.clone();
    let tab_b = vec![
        ("part".to_string(), "technical".to_string()),
        (format!("statements.{t0}.shown"), shown(&stale, t0)),
        (format!("statements.{t1}.shown"), shown(&stale, t1)),
        (format!("statements.{t1}.stance"), "keep".into()),
        (format!("statements.{t1}.importance"), "5".into()),
    ];
    let r = browser
        .post(app.at(&format!("/calls/{id}/respond")))
        .form(&tab_b)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, mine) = api(
        &app,
        Some(&anna_token),
        "GET",
        &format!("/api/v1/reviews/{id}/responses"),
        json!({}),
    )
    .await;
    assert_eq!(
        mine["responses"][t0]["stance"], "remove",
        "the stale tab kept t0: {mine}"
    );
    assert_eq!(mine["responses"][t1]["stance"], "keep");
    let mut handles = Vec::new();
    for stance in ["change", "keep", "remove", "change", "keep", "change"] {
        let app = app.clone();
        let token = anna_token.clone();
        let id = id.clone();
        let t1 = t1.to_string();
        handles.push(tokio::spawn(async move {
            api(
                &app,
                Some(&token),
                "PUT",
                &format!("/api/v1/reviews/{id}/responses"),
                json!({"statements": [{"statement_id": t1, "stance": stance, "importance": 4}]}),
            )
            .await
            .0
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), 200);
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM review_responses").await,
        2,
        "one row per statement"
    );

    // Survey: required questions must be answered; values must be options.
    let r = browser
        .post(app.at(&format!("/calls/{id}/respond")))
        .form(&[("part", "survey"), ("q1", "Safety")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("this question must be answered")
    );
    let r = browser
        .post(app.at(&format!("/calls/{id}/respond")))
        .form(&[
            ("part", "survey"),
            ("q0", "Plant"),
            ("q1", "Safety"),
            ("q1", "Data"),
            ("q2", "4"),
            ("q3", "Good start"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = browser
        .post(app.at(&format!("/calls/{id}/respond")))
        .form(&[
            ("part", "proposal"),
            ("proposal.level", "technical/developing"),
            (
                "proposal.text",
                "Programmable controllers — diagnose ladder logic faults",
            ),
            ("proposal.rationale", "Common on every line"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = browser
        .post(app.at(&format!("/calls/{id}/respond")))
        .form(&[
            ("part", "general"),
            ("general_comment", "Clear and useful overall."),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // A second reviewer, educator.
    let bob = reviewer(&app, "bob@example.org").await;
    let (s, e) = api(&app, Some(&bob.token), "POST", &format!("/api/v1/reviews/{id}/participation"),
        json!({"stakeholder_type": "educator", "sector": "61", "organization": "Tech College", "country": "CA", "role": "Instructor"})).await;
    assert_eq!(s, 200, "{e}");
    let (s, e) = api(&app, Some(&bob.token), "PUT", &format!("/api/v1/reviews/{id}/responses"),
        json!({"statements": [{"statement_id": t0, "stance": "keep", "importance": 5, "frequency": 4}],
               "answers": {"0": ["School"]}})).await;
    assert_eq!(s, 200, "{e}");
    // Reviewers see only their own responses.
    let (_, mine) = api(
        &app,
        Some(&bob.token),
        "GET",
        &format!("/api/v1/reviews/{id}/responses"),
        json!({}),
    )
    .await;
    assert_eq!(mine["responses"].as_object().unwrap().len(), 1);
    assert!(mine["proposals"].as_array().unwrap().is_empty());
    // Results: editors only, never identities; flags follow the thresholds.
    let (s, _) = api(
        &app,
        Some(&bob.token),
        "GET",
        &format!("/api/v1/reviews/{id}/results"),
        json!({}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = (
        browser
            .get(app.at(&format!("/calls/{id}/results")))
            .send()
            .await
            .unwrap()
            .status(),
        (),
    );
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, res) = api(
        &app,
        Some(&ed.token),
        "GET",
        &format!("/api/v1/reviews/{id}/results"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{res}");
    assert_eq!(res["respondents"], 2);
    assert_eq!(res["by_type"]["Employer"], 1);
    assert_eq!(res["by_type"]["Educator"], 1);
    let st0 = res["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == t0)
        .unwrap();
    assert_eq!(st0["overall"]["respondents"], 2);
    assert_eq!(st0["overall"]["remove"], 1);
    assert_eq!(st0["by_type"]["employer"]["remove"], 1);
    assert!(
        st0["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "remove"),
        "{st0}"
    );
    assert!(
        !res.to_string().contains("anna@example.org"),
        "no identities in results"
    );
    let q0 = &res["survey"][0];
    assert_eq!(q0["answered"], 2);
    let html = reqwest::Client::builder().build().unwrap();
    let editor_browser = signed_in(&app, "rv-ed@example.org").await;
    let page = editor_browser
        .get(app.at(&format!("/calls/{id}/results")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<svg class=\"chart\""));
    assert!(page.contains("Flag:"));
    drop(html);
    // CSV: identities for the owner's editors.
    let csv = editor_browser
        .get(app.at(&format!("/calls/{id}/results.csv")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("reviewer,name,email"));
    assert!(csv.contains("anna@example.org"));
    assert!(csv.contains("Nobody does this any more."));
    assert!(csv.contains("proposal"));

    // Leaving withdraws every answer from the results.
    let r = browser
        .post(app.at(&format!("/calls/{id}/leave")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, res) = api(
        &app,
        Some(&ed.token),
        "GET",
        &format!("/api/v1/reviews/{id}/results"),
        json!({}),
    )
    .await;
    assert_eq!(res["respondents"], 1);
    let st0 = res["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == t0)
        .unwrap();
    assert_eq!(st0["overall"]["respondents"], 1);
    assert_eq!(st0["overall"]["remove"], 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM review_responses").await,
        1
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM review_proposals").await,
        0
    );
    let (s, e) = api(
        &app,
        Some(&anna_token),
        "PUT",
        &format!("/api/v1/reviews/{id}/responses"),
        json!({"statements": [{"statement_id": t0, "stance": "keep"}]}),
    )
    .await;
    assert_eq!(s, 403, "a reviewer who left must rejoin first: {e}");
    app.finish().await;
}

async fn nothing_is_accepted_outside_the_window(app: TestApp) {
    let (ed, code, label) =
        framework_with_draft(&app, "Window Council", "win-ed@example.org").await;
    let call = open_call(&app, &ed, &code, &label, in_secs(-2), in_secs(4)).await;
    let id = call["id"].as_str().unwrap().to_string();
    let statements = statement_ids(&app, &id).await;
    let carl = reviewer(&app, "carl@example.org").await;
    let (s, e) = api(
        &app,
        Some(&carl.token),
        "POST",
        &format!("/api/v1/reviews/{id}/participation"),
        json!({"stakeholder_type": "worker_learner", "country": "DE"}),
    )
    .await;
    assert_eq!(s, 200, "{e}");
    let (s, _) = api(
        &app,
        Some(&carl.token),
        "PUT",
        &format!("/api/v1/reviews/{id}/responses"),
        json!({"statements": [{"statement_id": statements[0].0, "stance": "keep"}]}),
    )
    .await;
    assert_eq!(s, 200);
    // After the close, by the server's clock, whatever the client sends.
    wait_for_phase(&app, &id, "closed").await;
    let (s, e) = api(
        &app,
        Some(&carl.token),
        "PUT",
        &format!("/api/v1/reviews/{id}/responses"),
        json!({"statements": [{"statement_id": statements[0].0, "stance": "remove"}]}),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("closed on"), "{e}");
    let r = carl
        .browser
        .post(app.at(&format!("/calls/{id}/respond")))
        .form(&[("part", "general"), ("general_comment", "late")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("answers are no longer accepted")
    );
    let (s, _) = api(
        &app,
        Some(&carl.token),
        "DELETE",
        &format!("/api/v1/reviews/{id}/participation"),
        json!({}),
    )
    .await;
    assert_eq!(s, 409, "no leaving after the close");
    let (_, mine) = api(
        &app,
        Some(&carl.token),
        "GET",
        &format!("/api/v1/reviews/{id}/responses"),
        json!({}),
    )
    .await;
    assert_eq!(mine["responses"][&statements[0].0]["stance"], "keep");

    // Before the opening.
    let (ed2, code2, label2) =
        framework_with_draft(&app, "Later Council", "later-ed@example.org").await;
    let later = open_call(&app, &ed2, &code2, &label2, in_secs(3600), in_secs(7200)).await;
    let lid = later["id"].as_str().unwrap();
    let (s, e) = api(
        &app,
        Some(&carl.token),
        "POST",
        &format!("/api/v1/reviews/{lid}/participation"),
        json!({"stakeholder_type": "employer", "country": "DE"}),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("opens on"));
    // A cross-site form post is refused.
    let r = carl
        .browser
        .post(app.at(&format!("/calls/{id}/respond")))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("part", "general"), ("general_comment", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let _ = Role::Admin;
    app.finish().await;
}

on_both_backends!(
    only_editors_of_the_owner_open_calls_and_calls_run_on_time,
    reviewers_join_respond_and_leave,
    nothing_is_accepted_outside_the_window,
);
