//! The whole cycle of a call for input in a real headless Chromium, with plain forms only:
//! the editor opens a call through the form; an employer responds from two tabs at once
//! and an educator responds too; the call closes by itself; the editor reads the results,
//! starts the revision, gives every comment a disposition, concludes and publishes; the
//! diff page shows the change; the employer reads the disposition of their comment; the
//! public report shows it without the reviewer's identity. Skipped without chromedriver
//! unless `NSX_REQUIRE_BROWSER=1`.

use std::time::Duration;

use fantoccini::Locator;
use nsx_core::frameworks::VersionLabel;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::common::browser::Browser;

async fn wait_for_url(b: &Browser, done: impl Fn(&url::Url) -> bool) -> url::Url {
    let mut url = b.client.current_url().await.unwrap();
    for _ in 0..150 {
        if done(&url) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        url = b.client.current_url().await.unwrap();
    }
    url
}

async fn sign_in_as(b: &Browser, app: &TestApp, email: &str) {
    b.client.delete_all_cookies().await.unwrap();
    b.client.goto(&app.at("/sign-in")).await.unwrap();
    for (id, v) in [("email", email), ("password", crate::accounts::PASSWORD)] {
        b.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(v)
            .await
            .unwrap();
    }
    b.client
        .find(Locator::Css(
            "form[action='/sign-in'] button[type='submit']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_url(b, |u| u.path() != "/sign-in").await;
}

async fn source(b: &Browser) -> String {
    b.client.source().await.unwrap()
}

/// Fills one statement of the technical section (in the current tab) without submitting.
async fn fill(b: &Browser, nth: usize, comment: &str, rewrite: &str) -> String {
    b.eval(&format!(
        "const fs = document.querySelector('form input[name=part][value=technical]').form.querySelectorAll('fieldset.statement-response');
         const sid = fs[{nth}].id;
         document.querySelector(`input[type=radio][value=change][name='${{sid}}.stance']`).checked = true;
         document.querySelector(`[name='${{sid}}.comment_type']`).value = 'technical';
         document.querySelector(`[name='${{sid}}.comment']`).value = {comment:?};
         document.querySelector(`[name='${{sid}}.rewrite']`).value = {rewrite:?};
         return sid;"
    ))
    .await
    .as_str()
    .unwrap()
    .to_string()
}

async fn save_technical(b: &Browser) {
    b.eval("document.querySelector('form:has(input[name=part][value=technical]) button[type=submit]').click(); return true;")
        .await;
    wait_for_url(b, |u| {
        u.query().is_some_and(|q| q.contains("done=technical"))
    })
    .await;
}

const ASKED: &str = "Name every energy source that must be isolated.";
const REWRITE: &str = "Isolate every energy source with a personal padlock before work.";
const SECOND: &str = "Add the inspection interval.";
const EDUCATOR: &str = "Out of date for current programmes.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_for_input_from_opening_to_published_revision_in_a_browser() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::builder().start().await;
    let (ed, code, label) =
        crate::review::framework_with_draft(&app, "Cycle Council", "cy-ed@example.org").await;
    let emp = crate::review::reviewer(&app, "cy-emp@example.org").await;
    let edu = crate::review::reviewer(&app, "cy-edu@example.org").await;

    // The editor opens the call through the form; it closes 45 seconds from now.
    sign_in_as(&b, &app, "cy-ed@example.org").await;
    b.client
        .goto(&app.at(&format!("/frameworks/{code}/{label}/call")))
        .await
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    let opens = (now - time::Duration::minutes(1)).format(&f).unwrap();
    let close_at = now + time::Duration::seconds(45);
    let closes = close_at.format(&f).unwrap();
    b.eval(&format!(
        "document.getElementById('invitation').value = 'Please review this draft.';
         document.getElementById('time_zone').value = 'UTC';
         document.getElementById('opens_at').value = '{opens}';
         document.getElementById('closes_at').value = '{closes}';
         for (const t of ['employer', 'educator']) document.getElementById('type-' + t).checked = true;
         document.querySelector(\"form[action$='/call'] button[type='submit']\").click(); return true;"
    ))
    .await;
    let url = wait_for_url(&b, |u| {
        u.path().starts_with("/calls/") && u.query().is_some_and(|q| q.contains("done=opened"))
    })
    .await;
    assert!(
        url.path().starts_with("/calls/"),
        "{url} {}",
        source(&b).await
    );
    let call_path = url.path().to_string();
    let id = call_path.trim_start_matches("/calls/").to_string();

    // The employer joins in the browser and responds from two tabs at once: both tabs load
    // the page, the second saves one statement, then the first (stale) saves another. Both
    // answers are kept.
    sign_in_as(&b, &app, "cy-emp@example.org").await;
    b.client.goto(&app.at(&call_path)).await.unwrap();
    b.eval(&format!(
        "document.getElementById('stakeholder_type').value = 'employer';
         document.getElementById('sector').value = '31-33';
         document.getElementById('organization').value = 'Acme Plant';
         document.getElementById('country').value = 'US';
         document.querySelector(\"form[action='{call_path}/join'] button[type='submit']\").click(); return true;"
    ))
    .await;
    wait_for_url(&b, |u| u.path().ends_with("/respond")).await;
    let first_tab = b.client.window().await.unwrap();
    let second = b.client.new_window(true).await.unwrap();
    b.client.switch_to_window(second.handle).await.unwrap();
    b.client
        .goto(&app.at(&format!("{call_path}/respond")))
        .await
        .unwrap();
    b.client.switch_to_window(first_tab.clone()).await.unwrap();
    b.client
        .goto(&app.at(&format!("{call_path}/respond")))
        .await
        .unwrap();
    // (Both tabs now show the page as it was before either saved.)
    let handles = b.client.windows().await.unwrap();
    let other_tab = handles.into_iter().find(|h| *h != first_tab).unwrap();
    b.client.switch_to_window(other_tab.clone()).await.unwrap();
    fill(&b, 1, SECOND, "").await;
    save_technical(&b).await;
    b.client.switch_to_window(first_tab.clone()).await.unwrap();
    fill(&b, 0, ASKED, REWRITE).await;
    save_technical(&b).await;
    b.client.switch_to_window(other_tab).await.unwrap();
    b.client.close_window().await.unwrap();
    b.client.switch_to_window(first_tab).await.unwrap();
    let c = reqwest::Client::new();
    let mine: Value = c
        .get(app.at(&format!("/api/v1/reviews/{id}/responses")))
        .bearer_auth(&emp.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let comments: Vec<&str> = mine["responses"]
        .as_object()
        .unwrap()
        .values()
        .map(|r| r["comment"].as_str().unwrap())
        .collect();
    assert_eq!(comments.len(), 2, "{mine}");
    assert!(
        comments.contains(&ASKED) && comments.contains(&SECOND),
        "{mine}"
    );

    // The educator responds too (through the API).
    let (_, detail) = app.get_json(&format!("/api/v1/reviews/{id}")).await;
    let first_statement = detail["statements"][0]["id"].as_str().unwrap().to_string();
    let r = c
        .post(app.at(&format!("/api/v1/reviews/{id}/participation")))
        .bearer_auth(&edu.token)
        .json(&json!({"stakeholder_type": "educator", "sector": "61", "organization": "Valley College", "country": "CA"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .put(app.at(&format!("/api/v1/reviews/{id}/responses")))
        .bearer_auth(&edu.token)
        .json(&json!({"statements": [{"statement_id": first_statement, "stance": "remove", "comment_type": "general", "comment": EDUCATOR}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // The call closes by itself (the scheduled job moves its state).
    for _ in 0..400 {
        let (_, c) = app.get_json(&format!("/api/v1/reviews/{id}")).await;
        if c["state"] == "closed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let (_, after) = app.get_json(&format!("/api/v1/reviews/{id}")).await;
    assert_eq!(after["state"], "closed", "{after}");

    // The editor reads the results, then resolves every comment.
    sign_in_as(&b, &app, "cy-ed@example.org").await;
    b.client
        .goto(&app.at(&format!("{call_path}/results")))
        .await
        .unwrap();
    assert!(source(&b).await.contains("Reviewers taking part: 2."));
    b.client
        .goto(&app.at(&format!("{call_path}/dispositions")))
        .await
        .unwrap();
    let src = source(&b).await;
    assert!(src.contains("Unresolved: 3"), "{src}");
    assert!(!src.contains("<script"), "the page needs no JavaScript");
    // Concluding now is refused, saying how many remain.
    b.eval("document.querySelector(\"form[action$='/conclude'] button\").click(); return true;")
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let src = source(&b).await;
    assert!(src.contains("3 comments have no disposition yet"), "{src}");
    // The revised draft, started from the reviewed version and edited through the
    // editorial workflow.
    b.eval("document.querySelector(\"form[action$='/revise'] button\").click(); return true;")
        .await;
    wait_for_url(&b, |u| {
        u.query().is_some_and(|q| q.contains("done=revision"))
    })
    .await;
    let (_, board) = {
        let r = c
            .get(app.at(&format!("/api/v1/reviews/{id}/dispositions")))
            .bearer_auth(&ed.token)
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    let rev_label: VersionLabel = board["standing"]["revision"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (_, content) = nsx::frameworks::service::content(&app.db, &code, &rev_label)
        .await
        .unwrap();
    let target = board["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["text"] == ASKED)
        .unwrap()["statement"]
        .as_str()
        .unwrap()
        .to_string();
    let item = content
        .statements
        .iter()
        .find(|s| s.statement.location() == target)
        .unwrap()
        .item_id;
    let r = c
        .post(app.at(&format!("/api/v1/frameworks/{code}/versions/{rev_label}/edits")))
        .bearer_auth(&ed.token)
        .json(&json!({"edits": [{"op": "reword", "item_id": item, "subject": "Energy isolation", "performance": REWRITE}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    b.client
        .goto(&app.at(&format!("{call_path}/dispositions")))
        .await
        .unwrap();
    for _ in 0..3 {
        let done = b
            .eval(&format!(
                "const a = document.querySelector('article.comment.unresolved'); if (!a) return null;
                 const text = a.querySelector('blockquote').textContent;
                 const sel = a.querySelector('select[name=disposition]');
                 if (text.includes({EDUCATOR:?})) {{ sel.value = 'not_accepted'; a.querySelector('textarea[name=reason]').value = 'Still taught in most programmes.'; }}
                 else if (text.includes({ASKED:?})) {{ sel.value = 'accepted_with_changes'; a.querySelector('textarea[name=reason]').value = 'Reworded to name each energy source.'; a.querySelector('select[name=motivated_item]').value = '{item}'; }}
                 else {{ sel.value = 'accepted'; }}
                 a.querySelector('button[type=submit]').click(); return a.id;"
            ))
            .await;
        let anchor = done.as_str().expect("an unresolved comment").to_string();
        wait_for_url(&b, |u| u.fragment() == Some(anchor.as_str())).await;
    }
    let src = source(&b).await;
    assert!(src.contains("Unresolved: 0"), "{src}");
    b.eval("document.querySelector(\"form[action$='/conclude'] button\").click(); return true;")
        .await;
    wait_for_url(&b, |u| {
        u.query().is_some_and(|q| q.contains("done=concluded"))
    })
    .await;
    b.eval("document.querySelector(\"form[action$='/publish'] button\").click(); return true;")
        .await;
    wait_for_url(&b, |u| {
        u.query().is_some_and(|q| q.contains("done=published"))
    })
    .await;
    let src = source(&b).await;
    assert!(src.contains("Published on"), "{src}");

    // The diff from the reviewed draft shows the change.
    let diff = b
        .eval("return document.querySelector(\"a[href*='/diff?from=']\").getAttribute('href');")
        .await;
    b.client
        .goto(&app.at(diff.as_str().unwrap()))
        .await
        .unwrap();
    assert!(
        source(&b).await.contains("padlock"),
        "the diff shows the reworded statement"
    );

    // The employer reads what became of their comment.
    sign_in_as(&b, &app, "cy-emp@example.org").await;
    b.client
        .goto(&app.at(&format!("{call_path}/my-comments")))
        .await
        .unwrap();
    let src = source(&b).await;
    assert!(
        src.contains("Accepted with changes")
            && src.contains("Reworded to name each energy source."),
        "{src}"
    );

    // The public report shows it, anonymized, and prints.
    b.client.delete_all_cookies().await.unwrap();
    b.client
        .goto(&app.at(&format!("{call_path}/report")))
        .await
        .unwrap();
    let src = source(&b).await;
    assert!(
        src.contains(ASKED) && src.contains("Accepted with changes") && src.contains("Employer")
    );
    assert!(src.contains("Still taught in most programmes."));
    for secret in ["cy-emp", "cy-edu", "Acme Plant", "Valley College"] {
        assert!(!src.contains(secret), "{secret} in the public report");
    }
    b.emulate_media("print").await;
    let print = b
        .eval("return [getComputedStyle(document.querySelector('header.site-header')).display, getComputedStyle(document.querySelector('table.report')).display];")
        .await;
    assert_eq!(print[0], "none");
    assert_ne!(print[1], "none", "the report prints");
    b.emulate_media("").await;
    b.close().await;
    app.finish().await;
}
