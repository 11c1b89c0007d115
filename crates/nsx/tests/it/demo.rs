//! `nsx demo` seeds a worked example once, through the ordinary services, and refuses a
//! database with real people's accounts unless forced.

use nsx::demo;
use nsx::frameworks::store;
use nsx_core::frameworks::Status;

use crate::accounts::make_user;
use crate::common::TestApp;

async fn the_demo_seeds_once_and_spares_real_databases(app: TestApp) {
    let report = demo::seed(&app.db, false).await.unwrap();
    assert_eq!(report.accounts.len(), 2);
    assert!(
        report
            .accounts
            .iter()
            .all(|a| a.password.as_ref().is_some_and(|p| p.len() == 16))
    );
    let versions = store::list_versions(&app.db, demo::DEMO_FRAMEWORK)
        .await
        .unwrap();
    let statuses: Vec<Status> = versions.iter().map(|v| v.status).collect();
    assert_eq!(
        statuses,
        vec![Status::InReview, Status::Published, Status::Superseded]
    );
    // The draft is open for input, with a survey and a dozen sample reviewers of every
    // stakeholder type.
    let (_, calls) = app.get_json("/api/v1/reviews").await;
    assert_eq!(calls["open"].as_array().unwrap().len(), 1, "{calls}");
    assert_eq!(calls["open"][0]["framework"], demo::DEMO_FRAMEWORK);
    assert_eq!(calls["open"][0]["questions"].as_array().unwrap().len(), 3);
    let id = calls["open"][0]["id"].as_str().unwrap().to_string();
    let (_, call) = app.get_json(&format!("/api/v1/reviews/{id}")).await;
    assert_eq!(call["reviewers"], 12, "{call}");
    // A second framework's call is concluded: every comment disposed of, the revision
    // published with the consultation's summary, the public report anonymized.
    assert_eq!(calls["closed"].as_array().unwrap().len(), 1, "{calls}");
    assert_eq!(
        calls["closed"][0]["framework"],
        demo::DEMO_REVIEWED_FRAMEWORK
    );
    let cid = calls["closed"][0]["id"].as_str().unwrap().to_string();
    let (_, r) = app.get_json(&format!("/api/v1/reviews/{cid}/report")).await;
    assert_eq!(r["published"], true, "{r}");
    assert_eq!(r["comments"].as_array().unwrap().len(), 5, "{r}");
    assert!(
        r["comments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| !c["disposition"].is_null())
    );
    assert_eq!(r["by_disposition"]["duplicate"], 1, "{r}");
    assert_eq!(r["standing"]["revision_status"], "published", "{r}");
    assert_eq!(r["standing"]["summary"]["respondents"], 4, "{r}");
    assert!(!r.to_string().contains(demo::DEMO_DOMAIN));
    let f = nsx::frameworks::editing::find_framework(&app.db, demo::DEMO_FRAMEWORK)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        f.occupations,
        demo::DEMO_OCCUPATIONS.map(String::from).to_vec()
    );
    assert_eq!(f.organization_name.as_deref(), Some(demo::DEMO_BODY));
    // The demo's work went through the audited services.
    let n: i64 = nsx::on_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_log WHERE actor = 'editor@demo.nsx.test'"
    ).fetch_one(p).await)
    .unwrap();
    assert!(n >= 8, "{n} audit entries");
    // Three suggestions wait in the queue, two of them proposing the same change.
    let groups: Vec<(String, i64)> = nsx::on_db!(&app.db, p => sqlx::query_as(
        "SELECT change_key, COUNT(*) FROM corrections WHERE status = 'open'
         GROUP BY change_key ORDER BY COUNT(*) DESC"
    ).fetch_all(p).await)
    .unwrap();
    let counts: Vec<i64> = groups.iter().map(|g| g.1).collect();
    assert_eq!(counts, vec![2, 1]);
    // The published versions can be read; the demo editor can sign in with the password.
    let published = &versions[1];
    let (st, html) = app.get(&published.url).await;
    assert_eq!(st, 200);
    assert!(html.contains("Safe isolation"));
    let pw = report.accounts[0].password.clone().unwrap();
    let r = app
        .client()
        .post(app.at("/sign-in"))
        .form(&[
            ("email", report.accounts[0].email.as_str()),
            ("password", pw.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);

    // Again: nothing new, and no passwords shown for accounts that exist.
    let again = demo::seed(&app.db, false).await.unwrap();
    assert!(again.accounts.iter().all(|a| a.password.is_none()));
    assert_eq!(
        store::list_versions(&app.db, demo::DEMO_FRAMEWORK)
            .await
            .unwrap()
            .len(),
        3
    );

    // A real person's account makes it refuse, unless forced.
    make_user(&app, "someone@example.org", &[]).await;
    let err = demo::seed(&app.db, false).await.unwrap_err();
    assert!(err.to_string().contains("--force"), "{err}");
    demo::seed(&app.db, true).await.unwrap();
    app.finish().await;
}

on_both_backends!(the_demo_seeds_once_and_spares_real_databases);
