//! Dispositions of a call for input end to end, on SQLite and PostgreSQL: only the owner's
//! editors dispose of comments, conclude and publish; nothing is disposed of before the
//! close; concluding is refused while comments are unresolved; near-identical comments are
//! grouped and marked duplicates at once; each step is audited; reviewers read and answer
//! the dispositions of their own comments; the revision is published with the
//! consultation's summary; the public report never shows who said what.

use std::time::Duration;

use nsx_core::frameworks::VersionLabel;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::accounts::signed_in;
use crate::common::TestApp;
use crate::editorial::editor_of;
use crate::review::{api, count, framework_with_draft, in_secs, open_call, reviewer};

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let r = client.get(app.at(path)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

const CAMPAIGN: &str =
    "Add annual lockout and tagout refresher training for every technician on site.";

async fn comments_are_disposed_of_concluded_and_published(app: TestApp) {
    let (ed, code, label) =
        framework_with_draft(&app, "Disposition Council", "disp-ed@example.org").await;
    let other = editor_of(&app, "Other Board", "disp-other@example.org").await;
    let call = open_call(&app, &ed, &code, &label, in_secs(-5), in_secs(8)).await;
    let id = call["id"].as_str().unwrap().to_string();
    let (_, detail) = app.get_json(&format!("/api/v1/reviews/{id}")).await;
    let statements: Vec<String> = detail["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert!(statements.len() >= 2);

    // Three reviewers: an employer and a worker paste the same text; an educator comments,
    // proposes a statement and comments in general.
    let alice = reviewer(&app, "alice-disp@example.org").await;
    let bob = reviewer(&app, "bob-disp@example.org").await;
    let carl = reviewer(&app, "carl-disp@example.org").await;
    for (r, t, org) in [
        (&alice, "employer", "Acme Plant"),
        (&bob, "educator", "Valley College"),
        (&carl, "worker_learner", "Local 12"),
    ] {
        let (s, e) = api(
            &app,
            Some(&r.token),
            "POST",
            &format!("/api/v1/reviews/{id}/participation"),
            json!({"stakeholder_type": t, "sector": "31-33", "organization": org, "country": "US", "role": "Lead"}),
        )
        .await;
        assert_eq!(s, 200, "{e}");
    }
    let put = |token: String, body: Value| {
        let app = &app;
        let id = id.clone();
        async move {
            let (s, e) = api(
                app,
                Some(&token),
                "PUT",
                &format!("/api/v1/reviews/{id}/responses"),
                body,
            )
            .await;
            assert_eq!(s, 200, "{e}");
        }
    };
    put(alice.token.clone(), json!({"statements": [
        {"statement_id": statements[0], "stance": "change", "comment_type": "technical", "comment": CAMPAIGN, "rewrite": "Perform lockout and tagout on every energy source."},
        {"statement_id": statements[1], "stance": "keep", "comment_type": "editorial", "comment": "Fine, but shorten it."}
    ]})).await;
    put(carl.token.clone(), json!({"statements": [
        {"statement_id": statements[0], "stance": "change", "comment_type": "technical", "comment": format!("  {}!", CAMPAIGN.to_uppercase())}
    ]})).await;
    put(bob.token.clone(), json!({
        "statements": [{"statement_id": statements[1], "stance": "remove", "comment_type": "general", "comment": "Out of date."}],
        "general_comment": "A welcome first draft.",
        "proposals": [{"section": "technical", "level": "advanced", "text": "Commission a robotic cell.", "rationale": "Common in plants now."}]
    })).await;

    // Before the close nothing is disposed of and nothing concludes.
    let (s, board) = api(
        &app,
        Some(&ed.token),
        "GET",
        &format!("/api/v1/reviews/{id}/dispositions"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{board}");
    assert_eq!(board["standing"]["closed"], false);
    assert_eq!(board["comments"].as_array().unwrap().len(), 0);
    let (s, _) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/reviews/{id}/conclusion"),
        json!({}),
    )
    .await;
    assert_eq!(s, 409);

    // The call closes by itself.
    for _ in 0..120 {
        let (_, c) = app.get_json(&format!("/api/v1/reviews/{id}")).await;
        if c["phase"] == "closed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    // Only the owner's editors read and set dispositions.
    for token in [Some(other.token.as_str()), Some(alice.token.as_str())] {
        let (s, _) = api(
            &app,
            token,
            "GET",
            &format!("/api/v1/reviews/{id}/dispositions"),
            json!({}),
        )
        .await;
        assert_eq!(s, 403);
        let (s, _) = api(
            &app,
            token,
            "POST",
            &format!("/api/v1/reviews/{id}/conclusion"),
            json!({}),
        )
        .await;
        assert_eq!(s, 403);
    }
    let (s, _) = api(
        &app,
        None,
        "GET",
        &format!("/api/v1/reviews/{id}/dispositions"),
        json!({}),
    )
    .await;
    assert_eq!(s, 401);

    let (s, board) = api(
        &app,
        Some(&ed.token),
        "GET",
        &format!("/api/v1/reviews/{id}/dispositions"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{board}");
    let comments = board["comments"].as_array().unwrap().clone();
    // 4 statement comments, 1 proposal, 1 general comment.
    assert_eq!(comments.len(), 6, "{board}");
    assert_eq!(board["unresolved"], 6);
    let kinds: Vec<&str> = comments
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "statement").count(), 4);
    assert!(kinds.contains(&"proposal") && kinds.contains(&"general"));
    // Nothing in the board names a reviewer.
    let text = board.to_string();
    assert!(
        !text.contains("alice-disp") && !text.contains("Acme Plant"),
        "{text}"
    );
    // The pasted text is one group of two.
    let groups = board["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{board}");
    assert_eq!(groups[0].as_array().unwrap().len(), 2);
    let original = groups[0][0].as_str().unwrap().to_string();
    let copy = groups[0][1].as_str().unwrap().to_string();

    // Concluding is refused while anything is unresolved; the page says how many.
    let (s, e) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/reviews/{id}/conclusion"),
        json!({}),
    )
    .await;
    assert_eq!(s, 409, "{e}");
    assert!(
        e["detail"]
            .as_str()
            .unwrap()
            .contains("6 comments have no disposition yet"),
        "{e}"
    );
    let browser = signed_in(&app, "disp-ed@example.org").await;
    let (s, html) = page(&browser, &app, &format!("/calls/{id}/dispositions")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Unresolved: 6"), "{html}");
    assert!(html.contains(&format!("href=\"#c-{original}\"")));
    assert!(html.contains("Mark 1 as duplicates of #"));

    // A reason is required to refuse a comment; a comment cannot duplicate a duplicate.
    let others: Vec<String> = comments
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .filter(|c| *c != original && *c != copy)
        .collect();
    let (s, e) = api(&app, Some(&ed.token), "PUT", &format!("/api/v1/reviews/{id}/dispositions"),
        json!({"dispositions": [{"comment_id": others[0], "disposition": "not_accepted", "reason": " "}]})).await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "dispositions[0].reason");

    // Bulk: the copy is marked a duplicate of the original.
    let (s, b) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/reviews/{id}/dispositions/duplicates"),
        json!({"original": original, "duplicates": [copy]}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["unresolved"], 5);
    let (s, e) = api(&app, Some(&ed.token), "PUT", &format!("/api/v1/reviews/{id}/dispositions"),
        json!({"dispositions": [{"comment_id": others[0], "disposition": "duplicate", "duplicate_of": copy}]})).await;
    assert_eq!(s, 422, "{e}");

    // The revised draft starts from the reviewed version; the original comment motivates
    // a reworded statement in it.
    let (s, rev) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/reviews/{id}/revision"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{rev}");
    assert_eq!(rev["status"], "draft");
    let rev_label: VersionLabel = rev["version"].as_str().unwrap().parse().unwrap();
    let (_, content) = nsx::frameworks::service::content(&app.db, &code, &rev_label)
        .await
        .unwrap();
    let item = content.statements[0].item_id;
    let (s, e) = api(&app, Some(&ed.token), "POST", &format!("/api/v1/frameworks/{code}/versions/{rev_label}/edits"),
        json!({"edits": [{"op": "reword", "item_id": item, "subject": "Energy isolation", "performance": "Lock out every energy source with a personal padlock."}]})).await;
    assert_eq!(s, 200, "{e}");

    // Publishing before concluding is refused.
    let (s, _) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/reviews/{id}/revision/publication"),
        json!({}),
    )
    .await;
    assert_eq!(s, 409);

    let mut items = vec![
        json!({"comment_id": original, "disposition": "accepted_with_changes", "reason": "Reworded to name every energy source.", "motivated_item": item}),
    ];
    for (i, c) in others.iter().enumerate() {
        items.push(if i == 0 {
            json!({"comment_id": c, "disposition": "not_accepted", "reason": "Outside the scope of this standard."})
        } else {
            json!({"comment_id": c, "disposition": "accepted"})
        });
    }
    // Another organization's editor may not set them.
    let (s, _) = api(
        &app,
        Some(&other.token),
        "PUT",
        &format!("/api/v1/reviews/{id}/dispositions"),
        json!({"dispositions": items}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, b) = api(
        &app,
        Some(&ed.token),
        "PUT",
        &format!("/api/v1/reviews/{id}/dispositions"),
        json!({"dispositions": items}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["unresolved"], 0);
    let orig = b["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == original.as_str())
        .unwrap()
        .clone();
    assert_eq!(orig["edit_item_id"], item.to_string());
    assert!(orig["edit_statement"].as_str().is_some());

    // A forged cross-site form post is refused.
    let r = browser
        .post(app.at(&format!("/calls/{id}/conclude")))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM review_calls WHERE concluded_at IS NOT NULL"
        )
        .await,
        0
    );

    // Reviewers read nothing before the dispositions are published.
    let (s, m) = api(
        &app,
        Some(&alice.token),
        "GET",
        &format!("/api/v1/reviews/{id}/my-dispositions"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(m["published"], false);
    assert!(m["comments"].as_array().unwrap().is_empty());

    // Concluding (the editor's page form) publishes the dispositions; they no longer change.
    let r = browser
        .post(app.at(&format!("/calls/{id}/conclude")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (s, _) = api(
        &app,
        Some(&ed.token),
        "PUT",
        &format!("/api/v1/reviews/{id}/dispositions"),
        json!({"dispositions": [items[0]]}),
    )
    .await;
    assert_eq!(s, 409);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'review.disposition'"
        )
        .await,
        6
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'review.conclude'"
        )
        .await,
        1
    );
    // ... and, in the same transaction, queued the e-mail that tells every reviewer.
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT COUNT(*) FROM jobs WHERE dedupe_key = 'notify:dispositions_published:{id}'"
            )
        )
        .await,
        1
    );

    // Each reviewer reads their own comments and answers; editors see the objection.
    let (_, m) = api(
        &app,
        Some(&alice.token),
        "GET",
        &format!("/api/v1/reviews/{id}/my-dispositions"),
        json!({}),
    )
    .await;
    assert_eq!(m["published"], true);
    let mine = m["comments"].as_array().unwrap();
    assert_eq!(mine.len(), 2, "{m}");
    let refused = mine.iter().find(|c| c["disposition"] == "not_accepted");
    let alice_comment = mine[0]["id"].as_str().unwrap().to_string();
    let (s, _) = api(
        &app,
        Some(&bob.token),
        "PUT",
        &format!("/api/v1/reviews/{id}/my-dispositions"),
        json!({"comment_id": alice_comment, "verdict": "object"}),
    )
    .await;
    assert_eq!(s, 404, "not bob's comment");
    let (s, m) = api(
        &app,
        Some(&alice.token),
        "PUT",
        &format!("/api/v1/reviews/{id}/my-dispositions"),
        json!({"comment_id": alice_comment, "verdict": "object", "note": "Still too narrow."}),
    )
    .await;
    assert_eq!(s, 200, "{m}");
    let (_, b) = api(
        &app,
        Some(&ed.token),
        "GET",
        &format!("/api/v1/reviews/{id}/dispositions"),
        json!({}),
    )
    .await;
    assert_eq!(b["objections"].as_array().unwrap().len(), 1);
    assert_eq!(b["objections"][0], alice_comment.as_str());
    let (_, html) = page(&browser, &app, &format!("/calls/{id}/dispositions")).await;
    assert!(html.contains("Remaining objections") && html.contains("Still too narrow."));
    let _ = refused;

    // Publishing the revision: the reviewed draft is superseded, the revision carries the
    // consultation's summary, and the diff shows the change.
    let (s, _) = api(
        &app,
        Some(&other.token),
        "POST",
        &format!("/api/v1/reviews/{id}/revision/publication"),
        json!({}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, p) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/reviews/{id}/revision/publication"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["status"], "published");
    let published = p["version"].as_str().unwrap().to_string();
    let (_, v) = app
        .get_json(&format!("/api/v1/frameworks/{code}/versions/{label}"))
        .await;
    assert_eq!(v["version"]["status"], "superseded");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'review.publish_revision'"
        )
        .await,
        1
    );
    let (s, again) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/reviews/{id}/revision/publication"),
        json!({}),
    )
    .await;
    assert_eq!(s, 409, "{again}");
    let (s, html) = app.get(&format!("/frameworks/{code}/{published}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Revised after a call for input"), "{html}");
    assert!(
        html.contains("3 reviewers (employer 1, educator 1, worker or learner 1)")
            || html.contains("3 reviewers"),
        "{html}"
    );
    let (s, diff) = app
        .get(&format!(
            "/frameworks/{code}/diff?from={label}&to={published}"
        ))
        .await;
    assert_eq!(s, 200);
    assert!(
        diff.contains("padlock") && diff.contains("<ins>"),
        "diff shows the change"
    );

    // The public report: every comment, anonymized, with disposition and reason.
    let (s, r) = app.get_json(&format!("/api/v1/reviews/{id}/report")).await;
    assert_eq!(s, 200);
    assert_eq!(r["published"], true);
    assert_eq!(r["comments"].as_array().unwrap().len(), 6);
    assert!(r["standing"]["summary"]["accepted_share"].as_f64().unwrap() > 0.0);
    assert_eq!(r["standing"]["summary"]["comments"], 6);
    let (s, html) = app.get(&format!("/calls/{id}/report")).await;
    assert_eq!(s, 200);
    let (s, csv) = app.get(&format!("/calls/{id}/report.csv")).await;
    assert_eq!(s, 200);
    for out in [r.to_string(), html.clone(), csv.clone()] {
        for secret in [
            "alice-disp",
            "bob-disp",
            "carl-disp",
            "Acme Plant",
            "Valley College",
            "Local 12",
            "Still too narrow.",
        ] {
            assert!(!out.contains(secret), "{secret} leaked: {out}");
        }
    }
    assert!(html.contains("Outside the scope of this standard."));
    assert!(html.contains("Worker or learner") && html.contains("Employer"));
    assert!(csv.contains("not_accepted") && csv.contains("Outside the scope of this standard."));
    assert!(csv.lines().count() >= 7);
    // Alice's page shows the disposition and the published revision.
    let alice_browser = signed_in(&app, "alice-disp@example.org").await;
    let (s, html) = page(&alice_browser, &app, &format!("/calls/{id}/my-comments")).await;
    assert_eq!(s, 200);
    assert!(
        html.contains("Accepted with changes") && html.contains(&published),
        "{html}"
    );
    app.finish().await;
}

on_both_backends!(comments_are_disposed_of_concluded_and_published,);
