//! Sign-in hardening: lockout that holds under concurrency (one node and two nodes on one
//! database), bounded password hashing, tokens that die with the password, the `next`
//! check, control characters refused at the edge, the sign-up limit and its even answer,
//! hashed session ids, private backups and disabled accounts that look like wrong passwords.

use nsx::accounts::password::Hashing;
use nsx::accounts::store;
use nsx_core::accounts::Role;
use reqwest::StatusCode;

use super::accounts::{PASSWORD, make_user, session_cookie, signed_in};
use crate::common::{Builder, Data, TestApp};

fn bare() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    nsx::on_db!(&app.db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await).unwrap()
}

/// Passwords checked for an e-mail, as the sign-in log records them.
async fn checked_in_log(app: &TestApp, email: &str) -> i64 {
    nsx::on_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM sign_in_attempts WHERE email = $1")
        .bind(email)
        .fetch_one(p).await)
    .unwrap()
}

/// The limit the concurrent tests use.
const LIMIT: u32 = 10;

/// Lockout at 10, no per-address limit in the way, waits long enough that no check is
/// dropped for want of a turn (the burst is about the lock, not the hashing bound).
fn burst_config(b: Builder) -> Builder {
    b.data(Data::Empty).config(|c| {
        c.max_failed_sign_ins = LIMIT;
        c.sign_in_per_minute = 100_000;
        c.password_wait_ms = 120_000;
    })
}

/// Sends `n` sign-ins at once, spread over the given servers; returns the statuses.
async fn burst(urls: &[String], email: &str, n: usize) -> Vec<u16> {
    let mut tasks = Vec::new();
    for i in 0..n {
        let url = format!("{}/sign-in", urls[i % urls.len()]);
        let email = email.to_string();
        tasks.push(tokio::spawn(async move {
            bare()
                .post(url)
                .form(&[("email", email.as_str()), ("password", "wrong wrong wrong")])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

async fn concurrent_wrong_passwords_check_exactly_the_limit(app: TestApp) {
    let email = "target@example.org";
    make_user(&app, email, &[Role::Editor]).await;
    let before = Hashing::of(&app.state).checked();
    let statuses = burst(std::slice::from_ref(&app.url), email, 200).await;
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    let locked = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(wrong, LIMIT as usize, "{statuses:?}");
    assert_eq!(locked, 200 - LIMIT as usize, "{statuses:?}");
    // Exactly the limit of passwords went through Argon2, by the node's counter and by
    // the log of checked attempts.
    assert_eq!(Hashing::of(&app.state).checked() - before, u64::from(LIMIT));
    assert_eq!(checked_in_log(&app, email).await, i64::from(LIMIT));
    // The right password is refused while the account is locked, unchecked.
    let r = bare()
        .post(app.at("/sign-in"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(session_cookie(&r).is_none());
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("This account is locked after 10 failed sign-ins")
    );
    assert_eq!(Hashing::of(&app.state).checked() - before, u64::from(LIMIT));
    app.finish().await;
}

async fn two_nodes_share_the_lock(a: TestApp) {
    let b = TestApp::builder()
        .database_url(&a.database_url)
        .data(Data::Empty)
        .config(|c| {
            c.max_failed_sign_ins = LIMIT;
            c.sign_in_per_minute = 100_000;
            c.password_wait_ms = 120_000;
        })
        .start()
        .await;
    let email = "shared@example.org";
    make_user(&a, email, &[]).await;
    let (a0, b0) = (
        Hashing::of(&a.state).checked(),
        Hashing::of(&b.state).checked(),
    );
    let statuses = burst(&[a.url.clone(), b.url.clone()], email, 200).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        LIMIT as usize,
        "{statuses:?}"
    );
    let checked = (Hashing::of(&a.state).checked() - a0) + (Hashing::of(&b.state).checked() - b0);
    assert_eq!(checked, u64::from(LIMIT), "both nodes together");
    assert_eq!(checked_in_log(&a, email).await, i64::from(LIMIT));
    for node in [&a, &b] {
        let r = bare()
            .post(node.at("/sign-in"))
            .form(&[("email", email), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 429, "locked on {}", node.url);
    }
    b.finish().await;
    a.finish().await;
}

async fn per_address_limit_holds_under_concurrency(app: TestApp) {
    // 5 sign-ins a minute from one address; 40 arrive at once, each for another account.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let url = app.at("/sign-in");
        tasks.push(tokio::spawn(async move {
            let email = format!("nobody{i}@example.org");
            bare()
                .post(url)
                .form(&[("email", email.as_str()), ("password", "wrong wrong wrong")])
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 35);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sign_in_attempts").await,
        5
    );
    app.finish().await;
}

async fn disabled_account_answers_as_a_wrong_password(app: TestApp) {
    let u = make_user(&app, "off@example.org", &[]).await;
    store::set_disabled(&app.db, u.id, true).await.unwrap();
    let attempt = |password: &'static str| {
        let url = app.at("/sign-in");
        async move {
            let r = bare()
                .post(url)
                .form(&[("email", "off@example.org"), ("password", password)])
                .send()
                .await
                .unwrap();
            let status = r.status();
            let cookie = session_cookie(&r);
            (status, cookie, r.text().await.unwrap())
        }
    };
    let (s_wrong, c_wrong, wrong) = attempt("not the password").await;
    let (s_right, c_right, right) = attempt(PASSWORD).await;
    assert_eq!(s_wrong, 401);
    assert_eq!(s_right, s_wrong, "same status for the right password");
    assert_eq!(right, wrong, "same page for the right password");
    assert!(c_wrong.is_none() && c_right.is_none());
    app.finish().await;
}

async fn tokens_need_the_password_and_die_with_it(app: TestApp) {
    let user = make_user(&app, "tok@example.org", &[]).await;
    let c = signed_in(&app, "tok@example.org").await;
    // The account page asks for the password.
    let r = c
        .post(app.at("/account/tokens"))
        .form(&[("token_name", "sync")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("id=\"token_password-error\"")
    );
    let r = c
        .post(app.at("/account/tokens"))
        .form(&[("token_name", "sync"), ("token_password", "not it at all")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("this is not your current password")
    );
    let r = c
        .post(app.at("/account/tokens"))
        .form(&[("token_name", "sync"), ("token_password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    let re = regex::Regex::new(r"nsx_[A-Za-z0-9_-]{20,}").unwrap();
    let first = re.find(&html).unwrap().as_str().to_string();
    // So does the API, even for a caller holding a token; the scheme is case-insensitive.
    let api = reqwest::Client::new();
    let r = api
        .post(app.at("/api/v1/tokens"))
        .header("authorization", format!("bearer {first}"))
        .json(&serde_json::json!({"name": "second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "password");
    let r = api
        .post(app.at("/api/v1/tokens"))
        .header("authorization", format!("BEARER {first}"))
        .json(&serde_json::json!({"name": "second", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let second = r.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    // Each token shows when it was last used.
    let list: serde_json::Value = api
        .get(app.at("/api/v1/tokens"))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let used: Vec<bool> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["last_used_at"].is_string())
        .collect();
    assert_eq!(used, vec![true, true], "{list}");
    let page = c
        .get(app.at("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<td>never</td>"), "last use shown");

    // Changing the password revokes every token.
    let r = c
        .post(app.at("/account/password"))
        .form(&[
            ("current_password", PASSWORD),
            ("new_password", "a better secret 9"),
            ("new_password_confirm", "a better secret 9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for t in [&first, &second] {
        let r = api
            .get(app.at("/api/v1/me"))
            .bearer_auth(t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "token revoked by the password change");
    }

    // A reset revokes them too.
    let (_, third) = store::create_token(&app.db, user.id, "third")
        .await
        .unwrap();
    let secret = store::create_password_reset(&app.db, user.id, time::Duration::hours(1))
        .await
        .unwrap();
    let r = bare()
        .post(app.at(&format!("/password-reset/{secret}")))
        .form(&[
            ("password", "reset secret 12345"),
            ("password_confirm", "reset secret 12345"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = api
        .get(app.at("/api/v1/me"))
        .bearer_auth(&third)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "token revoked by the reset");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL"
        )
        .await,
        0
    );
    // Each change is in the audit log.
    let actions: Vec<String> = nsx::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE object_type IN ('user', 'api_token') ORDER BY at")
        .fetch_all(p).await)
    .unwrap();
    for a in [
        "api_token.create",
        "user.password_change",
        "user.password_reset",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    app.finish().await;
}

async fn tokens_per_user_are_limited(app: TestApp) {
    // max_api_tokens = 2 in this app.
    make_user(&app, "lim@example.org", &[]).await;
    let c = signed_in(&app, "lim@example.org").await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let c = c.clone();
        let url = app.at("/api/v1/tokens");
        tasks.push(tokio::spawn(async move {
            c.post(url)
                .json(&serde_json::json!({"name": format!("t{i}"), "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        4,
        "{statuses:?}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL"
        )
        .await,
        2
    );
    // Revoking one makes room for another; the revocation is audited once, and revoking
    // it again is a 404 that writes nothing.
    let tokens: serde_json::Value = c
        .get(app.at("/api/v1/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = tokens[0]["id"].as_str().unwrap().to_string();
    for expected in [204, 404] {
        let r = c
            .delete(app.at(&format!("/api/v1/tokens/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), expected);
    }
    let revokes: i64 = nsx::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'api_token.revoke' AND object_id = $1")
        .bind(&id)
        .fetch_one(p)
        .await)
    .unwrap();
    assert_eq!(revokes, 1);
    let r = c
        .post(app.at("/api/v1/tokens"))
        .json(&serde_json::json!({"name": "again", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    app.finish().await;
}

/// Changes that read before they write, sent at once with tokens (each request also records
/// its token's use): none may fail with a locked database (SQLite) or any other 5xx.
async fn concurrent_role_changes_all_succeed(app: TestApp) {
    let admin = make_user(&app, "rc-admin@example.org", &[Role::Admin]).await;
    let target = make_user(&app, "rc-target@example.org", &[]).await;
    let (_, token) = store::create_token(&app.db, admin.id, "rc").await.unwrap();
    let client = bare();
    let mut tasks = Vec::new();
    for i in 0..40 {
        let c = client.clone();
        let token = token.clone();
        let (grant, url) = match i % 3 {
            0 => (true, app.at(&format!("/api/v1/users/{}/roles", target.id))),
            1 => (
                false,
                app.at(&format!("/api/v1/users/{}/roles/reviewer", target.id)),
            ),
            _ => (true, app.at(&format!("/api/v1/users/{}/roles", target.id))),
        };
        let role = if i % 3 == 0 { "reviewer" } else { "editor" };
        tasks.push(tokio::spawn(async move {
            let r = if grant {
                c.post(url).json(&serde_json::json!({ "role": role }))
            } else {
                c.delete(url)
            };
            let r = r.bearer_auth(&token).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap_or_default())
        }));
    }
    for t in tasks {
        let (status, body) = t.await.unwrap();
        assert_eq!(status, 200, "{body}");
    }
    app.finish().await;
}

async fn next_is_a_same_origin_path_or_refused(app: TestApp) {
    make_user(&app, "nx@example.org", &[]).await;
    let sign_in = |next: &'static str| {
        let url = app.at("/sign-in");
        async move {
            bare()
                .post(url)
                .form(&[
                    ("email", "nx@example.org"),
                    ("password", PASSWORD),
                    ("next", next),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    // Control characters: a clean 400, before any session exists.
    for next in [
        "/\t/evil.example/",
        "/x\r\nSet-Cookie: a=b",
        "/\u{7f}x",
        "/a\nb",
    ] {
        let r = sign_in(next).await;
        assert_eq!(r.status(), 400, "{next:?}");
        assert!(session_cookie(&r).is_none(), "{next:?}");
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sign_in_attempts").await,
        0
    );
    let (status, _) = app.get("/sign-in?next=%2F%0D%0Aevil").await;
    assert_eq!(status, 400);
    // Other hosts, however written, fall back to the account page.
    for next in [
        "//evil.example/",
        "/\\evil.example/",
        "https://evil.example/",
        "/.//evil.example/",
        "/%2e%2e//evil.example/x",
        "evil.example",
    ] {
        let r = sign_in(next).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        let to = location(&r);
        assert!(
            to.starts_with('/') && !to.starts_with("//") && !to.contains('\\'),
            "{next:?} went to {to:?}"
        );
        let resolved = url::Url::parse("http://nsx.test/")
            .unwrap()
            .join(&to)
            .unwrap();
        assert_eq!(resolved.host_str(), Some("nsx.test"), "{next:?} -> {to:?}");
    }
    // A path of this site is kept.
    let r = sign_in("/frameworks?q=nurse").await;
    assert_eq!(location(&r), "/frameworks?q=nurse");
    app.finish().await;
}

async fn control_characters_are_refused_at_the_edge(app: TestApp) {
    let admin = make_user(&app, "root@example.org", &[Role::Admin]).await;
    let (_, token) = store::create_token(&app.db, admin.id, "t").await.unwrap();
    let admin_browser = signed_in(&app, "root@example.org").await;
    let c = bare();
    // Forms.
    for (path, form) in [
        (
            "/sign-in",
            vec![("email", "a\0b@example.org"), ("password", "x")],
        ),
        (
            "/sign-up",
            vec![
                ("name", "Nul\0Name"),
                ("email", "new@example.org"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        ),
        ("/password-reset", vec![("email", "x\0@example.org")]),
    ] {
        let r = c.post(app.at(path)).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 422, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains("control character"), "{path}: {html}");
    }
    // Query strings and paths, pages and API, anonymous and signed in.
    for path in [
        "/frameworks?q=a%00b",
        "/search?q=%00",
        "/api/v1/search?q=a%00",
        "/password-reset/abc%00def",
        "/exports/frameworks/15-1252%00/json",
    ] {
        let r = c.get(app.at(path)).send().await.unwrap();
        assert_eq!(r.status(), 422, "{path}");
    }
    let r = admin_browser
        .get(app.at("/admin/users?q=%00"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = c
        .get(app.at("/api/v1/users?q=x%00"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "q");
    // JSON bodies name the field by its path.
    let r = c
        .post(app.at("/api/v1/organizations"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Org\u{0}", "kind": "employer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "name");
    assert!(!p.to_string().to_lowercase().contains("database"), "{p}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM organizations WHERE name LIKE 'Org%'"
        )
        .await,
        0
    );
    app.finish().await;
}

async fn sign_up_answers_alike_and_is_limited(app: TestApp) {
    // sign_ups_per_hour = 3 in this app.
    make_user(&app, "known@example.org", &[]).await;
    let sign_up = |email: &'static str| {
        let url = app.at("/sign-up");
        async move {
            bare()
                .post(url)
                .form(&[
                    ("name", "Some One"),
                    ("email", email),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                    ("role", "reviewer"),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let known = sign_up("known@example.org").await;
    let fresh = sign_up("fresh@example.org").await;
    assert_eq!(known.status(), fresh.status());
    assert_eq!(known.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&known), location(&fresh));
    assert!(session_cookie(&known).is_none() && session_cookie(&fresh).is_none());
    assert_eq!(known.text().await.unwrap(), fresh.text().await.unwrap());
    assert!(
        store::find_user_by_email(&app.db, "fresh@example.org")
            .await
            .unwrap()
            .is_some()
    );
    // Both addresses were written to, through the outbox.
    let mails: Vec<String> = nsx::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT CAST(payload AS TEXT) FROM jobs WHERE kind = 'email' ORDER BY created_at")
        .fetch_all(p).await)
    .unwrap();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(mails[0].contains("known@example.org") && mails[0].contains("already has one"));
    assert!(mails[1].contains("fresh@example.org") && mails[1].contains("is ready"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.sign_up'"
        )
        .await,
        1
    );
    // The third sign-up from this address still passes; the fourth is refused.
    assert_eq!(
        sign_up("third@example.org").await.status(),
        StatusCode::SEE_OTHER
    );
    let r = sign_up("fourth@example.org").await;
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("too many accounts were created from your address")
    );
    assert!(
        store::find_user_by_email(&app.db, "fourth@example.org")
            .await
            .unwrap()
            .is_none()
    );
    app.finish().await;
}

async fn sessions_are_stored_hashed_and_backups_are_private(app: TestApp) {
    make_user(&app, "sess@example.org", &[Role::Admin]).await;
    let r = bare()
        .post(app.at("/sign-in"))
        .form(&[("email", "sess@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let cookie = session_cookie(&r).unwrap();
    let id = cookie.trim_start_matches("nsx_session=").to_string();
    let stored: Vec<String> =
        nsx::on_db!(&app.db, p => sqlx::query_scalar("SELECT id_hash FROM sessions")
        .fetch_all(p).await)
        .unwrap();
    assert_eq!(stored, vec![store::token_hash(&id)]);
    // The session still works.
    let r = bare()
        .get(app.at("/account"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A backup holds no cookie and only its owner may read it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nsx-backup.db");
    nsx::backup::backup(&app.db, &file, &nsx::import::progress::Silent)
        .await
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "backup mode {mode:o}");
    }
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !bytes.windows(id.len()).any(|w| w == id.as_bytes()),
        "the session id is not in the backup"
    );
    app.finish().await;
}

async fn reset_mail_goes_through_the_outbox(app: TestApp) {
    make_user(&app, "box@example.org", &[]).await;
    let r = bare()
        .post(app.at("/password-reset"))
        .form(&[("email", "box@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // No relay is configured, yet the message is not lost: it waits in the outbox.
    let mails: Vec<String> = nsx::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT CAST(payload AS TEXT) FROM jobs WHERE kind = 'email'")
        .fetch_all(p).await)
    .unwrap();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("box@example.org") && mails[0].contains("/password-reset/"));
    app.finish().await;
}

on_both_backends!(
    disabled_account_answers_as_a_wrong_password,
    tokens_need_the_password_and_die_with_it,
    concurrent_role_changes_all_succeed,
    next_is_a_same_origin_path_or_refused,
    control_characters_are_refused_at_the_edge,
    sessions_are_stored_hashed_and_backups_are_private,
    reset_mail_goes_through_the_outbox
);

macro_rules! configured {
    ($name:ident, $case:ident, $tweak:expr) => {
        mod $name {
            use crate::common::{Data, TestApp};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let b = TestApp::builder().data(Data::Empty).config($tweak);
                super::$case(b.start().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(b) = TestApp::builder()
                    .data(Data::Empty)
                    .config($tweak)
                    .postgres()
                {
                    super::$case(b.start().await).await;
                }
            }
        }
    };
}

configured!(
    per_address_limit,
    per_address_limit_holds_under_concurrency,
    |c: &mut nsx::config::Config| {
        c.sign_in_per_minute = 5;
        c.password_wait_ms = 120_000;
    }
);
configured!(
    token_limit,
    tokens_per_user_are_limited,
    |c: &mut nsx::config::Config| c.max_api_tokens = 2
);
configured!(
    sign_up_limit,
    sign_up_answers_alike_and_is_limited,
    |c: &mut nsx::config::Config| {
        c.sign_ups_per_hour = 3;
        c.jobs.enabled = false;
    }
);

mod concurrent_sign_in {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = burst_config(TestApp::builder()).start().await;
        concurrent_wrong_passwords_check_exactly_the_limit(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(b) = TestApp::builder().postgres() {
            concurrent_wrong_passwords_check_exactly_the_limit(burst_config(b).start().await).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_nodes_sqlite() {
        let app = burst_config(TestApp::builder()).start().await;
        two_nodes_share_the_lock(app).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_nodes_postgres() {
        if let Some(b) = TestApp::builder().postgres() {
            two_nodes_share_the_lock(burst_config(b).start().await).await;
        }
    }
}
