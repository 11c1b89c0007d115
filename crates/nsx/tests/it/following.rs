//! Following, invitations and notification e-mails end to end, on SQLite and PostgreSQL,
//! with the e-mails read at a real local SMTP sink: an anonymous visitor follows a framework
//! and confirms by the e-mailed link; a signed-in user follows an occupation with one
//! click; an editor invites by a pasted list (all or nothing, bad lines named); when the
//! call opens each of them gets exactly one e-mail with the call's public link, an
//! unsubscribe link that works without signing in and a `List-Unsubscribe` header; running
//! the notification again sends nothing; the closing reminder reaches reviewers with
//! unanswered statements; the dispositions notice reaches every reviewer once.

use std::time::Duration;

use nsx_core::ids::CallId;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::accounts::{make_user, signed_in};
use crate::common::smtp::{Mail, SmtpSink};
use crate::common::{Data, TestApp};
use crate::editorial::editor_of;
use crate::review::{api, count, framework_with_draft, in_secs, open_call, reviewer};

const OCCUPATION: &str = "17-3024.00";

async fn app_with_mail(pg: bool) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let b = TestApp::builder().data(Data::Fixture).config(move |c| {
        c.smtp.url = Some(url);
        c.smtp.from = "NSX <no-reply@nsx.test>".into();
    });
    let b = if pg { b.postgres()? } else { b };
    Some((b.start().await, sink))
}

/// The first link in a message that contains `marker`, as a path on the app.
pub fn link(mail: &Mail, marker: &str) -> String {
    let text = mail.text();
    let at = text
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {text}"));
    let start = text[..at].rfind("http").expect("absolute link");
    let end = text[at..]
        .find(|c: char| c.is_whitespace() || c == '>')
        .map(|e| at + e)
        .unwrap_or(text.len());
    let url = &text[start..end];
    let path_at = url.find(marker).unwrap();
    url[path_at..].to_string()
}

fn mails_to<'a>(mails: &'a [Mail], to: &str) -> Vec<&'a Mail> {
    mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t.contains(to)))
        .collect()
}

/// Waits until the sink holds `n` messages, then a little longer to catch any extra.
async fn exactly(sink: &SmtpSink, n: usize) -> Vec<Mail> {
    sink.wait_for(n).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let m = sink.messages();
    assert_eq!(
        m.len(),
        n,
        "expected exactly {n} e-mails, got {:#?}",
        m.iter()
            .map(|m| (&m.to, m.data.lines().find(|l| l.starts_with("Subject"))))
            .collect::<Vec<_>>()
    );
    m
}

async fn follow_invite_open_unsubscribe(app: TestApp, sink: SmtpSink) {
    let (ed, code, label) = framework_with_draft(&app, "Follow Council", "fo-ed@example.org").await;

    // Anonymous: an address, then the confirmation link (double opt-in).
    let anon = app.client();
    let r = anon
        .post(app.at("/follow"))
        .form(&[
            ("kind", "framework"),
            ("code", code.as_str()),
            ("email", "not an address"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = anon
        .post(app.at("/follow"))
        .form(&[
            ("kind", "framework"),
            ("code", code.as_str()),
            ("email", "Anna@Example.org"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Check your inbox"));
    let mails = sink.wait_for(1).await;
    assert_eq!(mails[0].to, vec!["anna@example.org".to_string()]);
    let confirm = link(&mails[0], "/follow/confirm/");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM follows WHERE confirmed_at IS NOT NULL"
        )
        .await,
        0,
        "nothing is confirmed before the link is followed"
    );
    let (s, page) = app.get(&confirm).await;
    assert_eq!(s, 200);
    assert!(page.contains("Confirm"), "{page}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM follows WHERE confirmed_at IS NOT NULL"
        )
        .await,
        0,
        "opening the link alone confirms nothing"
    );
    let r = anon.post(app.at(&confirm)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("You follow"));
    let r = anon.post(app.at(&confirm)).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "a confirmation link works once"
    );

    // Signed in: one click, and the follow shows in the API.
    make_user(&app, "olga@example.org", &[]).await;
    let olga = signed_in(&app, "olga@example.org").await;
    let r = olga
        .post(app.at("/follow"))
        .form(&[("kind", "occupation"), ("code", OCCUPATION)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("You follow"));
    let r = olga.get(app.at("/account/follows")).send().await.unwrap();
    assert!(r.text().await.unwrap().contains(OCCUPATION));
    // A framework nobody has cannot be followed.
    let r = olga
        .post(app.at("/follow"))
        .form(&[("kind", "framework"), ("code", "no-such-framework")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'follow.%'"
        )
        .await
            >= 3,
        "follows are audited"
    );

    // The framework and occupation pages carry the follow forms.
    let (_, page) = app.get(&format!("/frameworks/{code}")).await;
    assert!(
        page.contains(r#"action="/follow""#) && page.contains(r#"name="email""#),
        "anonymous follow form"
    );
    let page = olga
        .get(app.at(&format!("/occupations/{OCCUPATION}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"action="/unfollow""#),
        "signed-in follow box"
    );

    // An editor invites by a pasted list before the call opens: all or nothing.
    let other = editor_of(&app, "Other Council", "fo-other@example.org").await;
    let edb = signed_in(&app, "fo-ed@example.org").await;
    let call = open_call(&app, &ed, &code, &label, in_secs(6), in_secs(3 * 86400)).await;
    let id = call["id"].as_str().unwrap().to_string();
    let (s, e) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/reviews/{id}/invitations"),
        json!({"emails": ["ivy@example.org", "oops", "anna@example.org"]}),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(e.to_string().contains("line 2"), "{e}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM review_invitations").await,
        0
    );
    let r = edb
        .post(app.at(&format!("/calls/{id}/invitations")))
        .form(&[(
            "emails",
            "ivy@example.org\nAnna <anna@example.org>; IVY@example.org",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("2 invited"), "{page}");
    assert!(
        page.contains(&format!("{}/calls/{id}", app.url)),
        "the page shows the public link"
    );
    // Other organizations' editors neither see nor add invitations.
    let (s, _) = api(
        &app,
        Some(&other.token),
        "GET",
        &format!("/api/v1/reviews/{id}/invitations"),
        Value::Null,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = api(
        &app,
        Some(&other.token),
        "POST",
        &format!("/api/v1/reviews/{id}/invitations"),
        json!({"emails": ["x@example.org"]}),
    )
    .await;
    assert_eq!(s, 403);
    let (s, list) = api(
        &app,
        Some(&ed.token),
        "GET",
        &format!("/api/v1/reviews/{id}/invitations"),
        Value::Null,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|i| i["status"] == "invited" && i["emailed_at"].is_null())
    );

    // The call opens by itself: anna (invited and following: one e-mail), ivy (invited),
    // olga (follows the occupation). The confirmation was the first e-mail.
    let mails = exactly(&sink, 4).await;
    for who in ["anna@example.org", "ivy@example.org", "olga@example.org"] {
        let m = mails_to(&mails, who);
        assert_eq!(
            m.len(),
            if who == "anna@example.org" { 2 } else { 1 },
            "{who}"
        );
        let m = m.last().unwrap();
        let text = m.text();
        assert!(text.contains(&format!("{}/calls/{id}", app.url)), "{text}");
        let unsub = link(m, "/unsubscribe/");
        assert!(
            m.data
                .contains(&format!("List-Unsubscribe: <{}{unsub}>", app.url)),
            "{}",
            m.data
        );
        assert!(
            m.data
                .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        );
    }
    assert!(
        mails_to(&mails, "anna@example.org")[1]
            .text()
            .contains("invited")
    );
    assert!(
        mails_to(&mails, "olga@example.org")[0]
            .text()
            .contains("which you follow")
    );
    // Running the notification again sends nothing: one row per event and recipient.
    let again = nsx::following::notify::send_call_opened(&app.state, id.parse::<CallId>().unwrap())
        .await
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM notifications_sent").await,
        3
    );
    let (_, list) = api(
        &app,
        Some(&ed.token),
        "GET",
        &format!("/api/v1/reviews/{id}/invitations"),
        Value::Null,
    )
    .await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|i| i["emailed_at"].is_string()),
        "{list}"
    );

    // Inviting to the open call e-mails at once; inviting again does not.
    let (s, done) = api(
        &app,
        Some(&ed.token),
        "POST",
        &format!("/api/v1/reviews/{id}/invitations"),
        json!({"emails": ["late@example.org", "ivy@example.org"]}),
    )
    .await;
    assert_eq!(s, 201, "{done}");
    assert_eq!(done["added"], json!(["late@example.org"]));
    assert_eq!(done["already"], json!(["ivy@example.org"]));
    assert_eq!(done["emailed"], 1);
    let mails = exactly(&sink, 5).await;
    let late = mails_to(&mails, "late@example.org");
    assert_eq!(late.len(), 1);

    // Unsubscribing needs no sign-in; a forged token is refused; a GET alone changes nothing.
    let olga_unsub = link(mails_to(&mails, "olga@example.org")[0], "/unsubscribe/");
    let (s, _) = app.get(&format!("{olga_unsub}x")).await;
    assert!((400..500).contains(&s), "a damaged token is refused ({s})");
    let forged = {
        let (head, _) = olga_unsub.rsplit_once('.').unwrap();
        let (_, tail) = link(late[0], "/unsubscribe/")
            .rsplit_once('.')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .unwrap();
        format!("{head}.{tail}")
    };
    let (s, _) = app.get(&forged).await;
    assert!(
        (400..500).contains(&s),
        "another link's signature does not fit ({s})"
    );
    let (s, page) = app.get(&olga_unsub).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("olga@example.org") && page.contains(OCCUPATION),
        "{page}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM follows WHERE email = 'olga@example.org'"
        )
        .await,
        1
    );
    let r = app
        .client()
        .post(app.at(&olga_unsub))
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Unsubscribed"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM follows WHERE email = 'olga@example.org'"
        )
        .await,
        0
    );
    // An invitee's link stops the e-mails about that call.
    let ivy_unsub = link(mails_to(&mails, "ivy@example.org")[0], "/unsubscribe/");
    let r = app.client().post(app.at(&ivy_unsub)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM email_suppressions WHERE email = 'ivy@example.org'"
        )
        .await,
        1
    );
    app.finish().await;
}

async fn reminders_and_dispositions(app: TestApp, sink: SmtpSink) {
    let (ed, code, label) = framework_with_draft(&app, "Remind Council", "rm-ed@example.org").await;
    let call = open_call(&app, &ed, &code, &label, in_secs(-5), in_secs(3 * 86400)).await;
    let id = call["id"].as_str().unwrap().to_string();
    let call_id: CallId = id.parse().unwrap();
    // Two reviewers join; one answers a statement, one leaves.
    let rita = reviewer(&app, "rita@example.org").await;
    let leo = reviewer(&app, "leo@example.org").await;
    for r in [&rita, &leo] {
        let (s, e) = api(&app, Some(&r.token), "POST", &format!("/api/v1/reviews/{id}/participation"),
            json!({"stakeholder_type": "employer", "organization": "Acme", "country": "US", "role": "Lead"})).await;
        assert_eq!(s, 200, "{e}");
    }
    let (s, _) = api(
        &app,
        Some(&leo.token),
        "DELETE",
        &format!("/api/v1/reviews/{id}/participation"),
        Value::Null,
    )
    .await;
    assert_eq!(s, 200);
    let n = nsx::following::notify::send_closing_soon(&app.state, call_id)
        .await
        .unwrap();
    assert_eq!(
        n, 1,
        "only reviewers still taking part with unanswered statements"
    );
    assert_eq!(
        nsx::following::notify::send_closing_soon(&app.state, call_id)
            .await
            .unwrap(),
        0
    );
    let mails = exactly(&sink, 1).await;
    assert_eq!(mails[0].to, vec!["rita@example.org".to_string()]);
    assert!(
        mails[0].text().contains("answered 0 of"),
        "{}",
        mails[0].text()
    );
    assert!(mails[0].data.contains("List-Unsubscribe: <"));

    // The dispositions notice: every reviewer once, however often it is asked for.
    nsx::following::notify::notify_dispositions_published(&app.db, call_id)
        .await
        .unwrap();
    nsx::following::notify::notify_dispositions_published(&app.db, call_id)
        .await
        .unwrap();
    let mails = exactly(&sink, 2).await;
    assert!(mails[1].text().contains("published"), "{}", mails[1].text());
    assert_eq!(mails[1].to, vec!["rita@example.org".to_string()]);
    assert_eq!(
        nsx::following::notify::send_dispositions_published(&app.state, call_id)
            .await
            .unwrap(),
        0
    );
    // Someone who unsubscribed from the call gets nothing more about it.
    let unsub = link(&mails[1], "/unsubscribe/");
    let r = app.client().post(app.at(&unsub)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    sqlx_exec(&app, "DELETE FROM notifications_sent").await;
    assert_eq!(
        nsx::following::notify::send_closing_soon(&app.state, call_id)
            .await
            .unwrap(),
        0
    );
    app.finish().await;
}

async fn sqlx_exec(app: &TestApp, sql: &str) {
    nsx::on_db!(&app.db, p => sqlx::query(sqlx::AssertSqlSafe(sql.to_string())).execute(p).await.map(|r| r.rows_affected()))
        .unwrap();
}

async fn follow_api(app: TestApp, _sink: SmtpSink) {
    let u = make_user(&app, "api-fo@example.org", &[]).await;
    let (_, token) = nsx::accounts::store::create_token(&app.db, u.id, "t")
        .await
        .unwrap();
    nsx::frameworks::draft_and_store(
        &app.db,
        Some(&[OCCUPATION.to_string()]),
        &nsx::frameworks::current_label(),
        &nsx::import::progress::Silent,
    )
    .await
    .unwrap();
    let (s, _) = api(&app, None, "GET", "/api/v1/follows", Value::Null).await;
    assert_eq!(s, 401);
    let (s, f) = api(
        &app,
        Some(&token),
        "POST",
        "/api/v1/follows",
        json!({"kind": "occupation", "code": OCCUPATION}),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    assert_eq!(f["confirmed"], true);
    let (s, f) = api(
        &app,
        Some(&token),
        "POST",
        "/api/v1/follows",
        json!({"kind": "framework", "code": OCCUPATION}),
    )
    .await;
    assert_eq!(s, 201, "{f}");
    let (s, _) = api(
        &app,
        Some(&token),
        "POST",
        "/api/v1/follows",
        json!({"kind": "planet", "code": "x"}),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = api(
        &app,
        Some(&token),
        "POST",
        "/api/v1/follows",
        json!({"kind": "framework", "code": "nope"}),
    )
    .await;
    assert_eq!(s, 404);
    let (s, mine) = api(&app, Some(&token), "GET", "/api/v1/follows", Value::Null).await;
    assert_eq!(s, 200);
    assert_eq!(mine.as_array().unwrap().len(), 2, "{mine}");
    let (s, _) = api(
        &app,
        Some(&token),
        "DELETE",
        &format!("/api/v1/follows/occupation/{OCCUPATION}"),
        Value::Null,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = api(
        &app,
        Some(&token),
        "DELETE",
        &format!("/api/v1/follows/occupation/{OCCUPATION}"),
        Value::Null,
    )
    .await;
    assert_eq!(s, 404);
    let (_, mine) = api(&app, Some(&token), "GET", "/api/v1/follows", Value::Null).await;
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(mine[0]["kind"], "framework");
    app.finish().await;
}

macro_rules! with_mail {
    ($($case:ident),* $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let (app, sink) = super::app_with_mail(false).await.expect("sqlite");
                    super::$case(app, sink).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some((app, sink)) = super::app_with_mail(true).await {
                        super::$case(app, sink).await;
                    }
                }
            }
        )*
    };
}

with_mail!(
    follow_invite_open_unsubscribe,
    reminders_and_dispositions,
    follow_api
);

/// In a real headless Chromium, with plain forms only: an anonymous visitor follows a
/// framework from its page and confirms by the e-mailed link; the call opens and the
/// e-mail arrives; the editor invites two reviewers by a pasted list and sees them listed;
/// the unsubscribe link of the e-mail works without signing in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn following_and_inviting_in_a_browser() {
    use fantoccini::Locator;
    let Some(b) = crate::common::browser::Browser::start().await else {
        return;
    };
    let (app, sink) = app_with_mail(false).await.expect("app");
    let (ed, code, label) =
        framework_with_draft(&app, "Browser Follow Council", "bf-ed@example.org").await;

    // Anonymous: the follow box of the framework page, then the confirmation link.
    b.client
        .goto(&app.at(&format!("/frameworks/{code}")))
        .await
        .unwrap();
    b.client
        .find(Locator::Id("follow-email"))
        .await
        .unwrap()
        .send_keys("bea@example.org")
        .await
        .unwrap();
    click(
        &b,
        ".follow-box form[action='/follow'] button[type='submit']",
    )
    .await;
    wait_text(&b, "Check your inbox").await;
    let mails = sink.wait_for(1).await;
    let confirm = link(&mails[0], "/follow/confirm/");
    b.client.goto(&app.at(&confirm)).await.unwrap();
    click(&b, "main form button[type='submit']").await;
    wait_text(&b, "You follow").await;

    // The call opens: the follower's e-mail arrives with the call's link.
    let call = open_call(&app, &ed, &code, &label, in_secs(-5), in_secs(3 * 86400)).await;
    let id = call["id"].as_str().unwrap().to_string();
    let mails = sink.wait_for(2).await;
    let opened = mails_to(&mails, "bea@example.org");
    assert_eq!(opened.len(), 2);
    assert!(opened[1].text().contains(&format!("/calls/{id}")));

    // The editor invites by a pasted list.
    b.client.delete_all_cookies().await.unwrap();
    b.client.goto(&app.at("/sign-in")).await.unwrap();
    b.client
        .find(Locator::Id("email"))
        .await
        .unwrap()
        .send_keys("bf-ed@example.org")
        .await
        .unwrap();
    b.client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(crate::accounts::PASSWORD)
        .await
        .unwrap();
    click(&b, "form[action='/sign-in'] button[type='submit']").await;
    for _ in 0..100 {
        if b.client.current_url().await.unwrap().path() != "/sign-in" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.client
        .goto(&app.at(&format!("/calls/{id}")))
        .await
        .unwrap();
    click(&b, &format!("a[href='/calls/{id}/invitations']")).await;
    let src = wait_text(&b, "Invite by e-mail").await;
    assert!(
        src.contains(&format!("{}/calls/{id}", app.url)),
        "the public link is shown"
    );
    b.client
        .find(Locator::Id("emails"))
        .await
        .unwrap()
        .send_keys("cal@example.org\nDee <dee@example.org>")
        .await
        .unwrap();
    click(&b, "form[action$='/invitations'] button[type='submit']").await;
    let src = wait_text(&b, "2 invited").await;
    assert!(src.contains("cal@example.org") && src.contains("dee@example.org"));
    let mails = sink.wait_for(4).await;
    assert_eq!(mails_to(&mails, "cal@example.org").len(), 1);
    assert_eq!(mails_to(&mails, "dee@example.org").len(), 1);

    // The follower's unsubscribe link, signed out.
    b.client.delete_all_cookies().await.unwrap();
    let unsub = link(mails_to(&mails, "bea@example.org")[1], "/unsubscribe/");
    b.client.goto(&app.at(&unsub)).await.unwrap();
    click(&b, "main form button[type='submit']").await;
    wait_text(&b, "Unsubscribed").await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM follows WHERE email = 'bea@example.org'"
        )
        .await,
        0
    );
    b.close().await;
    app.finish().await;
}

async fn click(b: &crate::common::browser::Browser, css: &str) {
    b.client
        .find(fantoccini::Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits (up to 10 s) until the page holds `needle`; returns the page.
async fn wait_text(b: &crate::common::browser::Browser, needle: &str) -> String {
    let mut src = String::new();
    for _ in 0..100 {
        src = b.client.source().await.unwrap_or_default();
        if src.contains(needle) {
            return src;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never showed {needle:?}: {src}");
}
