//! Accounts end to end: sign up, sign in, sign out, wrong passwords, lockout and rate
//! limits, password reset through a real SMTP server, API tokens and CSRF.

use nsx::accounts::store::{self, NewUser};
use nsx::accounts::{User, password};
use nsx_core::accounts::Role;
use reqwest::StatusCode;

use crate::common::smtp::SmtpSink;
use crate::common::{Data, TestApp};

/// The password every test account uses.
pub const PASSWORD: &str = "correct horse battery";

/// Creates an account directly in the database.
pub async fn make_user(app: &TestApp, email: &str, roles: &[Role]) -> User {
    let hash = password::hash(PASSWORD.into()).await.expect("hash");
    store::create_user(
        &app.db,
        NewUser {
            email: email.to_string(),
            display_name: format!("Person {}", email.split('@').next().unwrap_or("x")),
            password_hash: hash,
            roles: roles.to_vec(),
            organization_id: None,
        },
    )
    .await
    .expect("create user")
}

/// Signs a new browser in and returns it.
pub async fn signed_in(app: &TestApp, email: &str) -> reqwest::Client {
    let c = app.client();
    let r = c
        .post(app.at("/sign-in"))
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "sign-in of {email} failed"
    );
    c
}

/// The `nsx_session=…` pair from a response's Set-Cookie, if any.
pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("nsx_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
}

async fn session_rows(app: &TestApp) -> i64 {
    nsx::on_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sessions").fetch_one(p).await)
        .expect("count sessions")
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn sign_up_sign_in_and_out(app: TestApp) {
    let c = app.client();
    let page = c.get(app.at("/sign-up")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for field in ["name", "email", "password", "password_confirm", "role"] {
        assert!(
            html.contains(&format!("<label for=\"{field}\">")),
            "label for {field}"
        );
    }

    // Invalid input: errors next to their fields, values kept, 422.
    let r = c
        .post(app.at("/sign-up"))
        .form(&[
            ("name", "Ada Lovelace"),
            ("email", "not-an-address"),
            ("password", "short"),
            ("password_confirm", "short"),
            ("role", "reviewer"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"Ada Lovelace\""), "the name is kept");
    assert!(
        html.contains("value=\"not-an-address\""),
        "the e-mail is kept"
    );
    assert!(html.contains("id=\"email-error\""));
    assert!(html.contains("aria-describedby=\"email-hint email-error\""));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("at least 10 characters"));
    assert!(
        !html.contains("value=\"short\""),
        "passwords are never echoed"
    );

    // Admin cannot be self-granted.
    let r = c
        .post(app.at("/sign-up"))
        .form(&[
            ("name", "Mallory"),
            ("email", "mallory@example.org"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("role", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(
        store::find_user_by_email(&app.db, "mallory@example.org")
            .await
            .unwrap()
            .is_none()
    );

    // A good sign-up creates the account and sends the visitor to sign in (the answer is
    // the same for a taken address, so it cannot start a session).
    let r = c
        .post(app.at("/sign-up"))
        .form(&[
            ("name", "Ada Lovelace"),
            ("email", "Ada@Example.org"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("role", "reviewer"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/sign-in?signed_up=1");
    assert!(session_cookie(&r).is_none());
    let r = c.get(app.at("/sign-in?signed_up=1")).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("your account is ready"));
    let r = c
        .post(app.at("/sign-in"))
        .form(&[("email", "ada@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account");
    let (user, hash) = store::find_user_by_email(&app.db, "ada@example.org")
        .await
        .unwrap()
        .expect("account stored with the e-mail lower-cased");
    assert!(hash.starts_with("$argon2id$"), "Argon2id hash stored");
    assert_eq!(user.roles, vec![Role::Reviewer]);
    let r = c.get(app.at("/account")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let html = r.text().await.unwrap();
    assert!(html.contains("ada@example.org"));
    assert!(html.contains("Ada Lovelace"));
    assert!(html.contains("Reviewer"));

    // The same e-mail cannot register twice (and the answer does not say so).
    let r = app
        .client()
        .post(app.at("/sign-up"))
        .form(&[
            ("name", "Other"),
            ("email", "ada@example.org"),
            ("password", "another password 7"),
            ("password_confirm", "another password 7"),
            ("role", "candidate"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/sign-in?signed_up=1");
    assert_eq!(store::count_users(&app.db).await.unwrap(), 1);

    // Signing out deletes the session row; the account page then asks to sign in.
    assert_eq!(session_rows(&app).await, 1);
    let r = c.post(app.at("/sign-out")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(session_rows(&app).await, 0);
    let r = c.get(app.at("/account")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/sign-in?next=%2Faccount");

    // Sign in again, going back where we were asked to.
    let r = c
        .post(app.at("/sign-in"))
        .form(&[
            ("email", "ada@example.org"),
            ("password", PASSWORD),
            ("next", "/account?from=test"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/account?from=test");
    let first = session_cookie(&r).expect("a session cookie");
    // An off-site `next` is ignored.
    let r = app
        .client()
        .post(app.at("/sign-in"))
        .form(&[
            ("email", "ada@example.org"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/account");

    // Signing in again rotates the session id: the old cookie stops working.
    let r = c
        .post(app.at("/sign-in"))
        .form(&[("email", "ada@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let second = session_cookie(&r).expect("a new session cookie");
    assert_ne!(first, second, "session id rotated on sign-in");
    let fresh = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = fresh
        .get(app.at("/account"))
        .header("cookie", &first)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "old session id is dead");
    let r = fresh
        .get(app.at("/account"))
        .header("cookie", &second)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    app.finish().await;
}

async fn wrong_password_is_refused(app: TestApp) {
    make_user(&app, "bo@example.org", &[Role::Candidate]).await;
    let c = app.client();
    let r = c
        .post(app.at("/sign-in"))
        .form(&[
            ("email", "bo@example.org"),
            ("password", "not the password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(session_cookie(&r).is_none());
    let wrong = r.text().await.unwrap();
    assert!(wrong.contains("The e-mail address or password is wrong."));
    assert!(wrong.contains("value=\"bo@example.org\""), "e-mail kept");
    // An unknown account gets the same answer.
    let r = c
        .post(app.at("/sign-in"))
        .form(&[
            ("email", "nobody@example.org"),
            ("password", "not the password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("The e-mail address or password is wrong.")
    );
    let r = c.get(app.at("/account")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "not signed in");
    app.finish().await;
}

async fn lockout_after_failures(app: TestApp) {
    // The per-account lock lives in the database (max_failed_sign_ins = 3 in this app).
    make_user(&app, "cy@example.org", &[]).await;
    make_user(&app, "di@example.org", &[]).await;
    let c = app.client();
    for _ in 0..3 {
        let r = c
            .post(app.at("/sign-in"))
            .form(&[
                ("email", "cy@example.org"),
                ("password", "guess guess guess"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    // Now even the right password is refused, with a clear 429.
    let r = c
        .post(app.at("/sign-in"))
        .form(&[("email", "cy@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("This account is locked after 3 failed sign-ins"),
        "{html}"
    );
    let failures: i64 = nsx::on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM sign_in_attempts WHERE email = 'cy@example.org' AND NOT succeeded")
        .fetch_one(p).await)
    .unwrap();
    assert_eq!(failures, 3);
    // Another account is not affected.
    signed_in(&app, "di@example.org").await;
    app.finish().await;
}

async fn per_address_rate_limit(app: TestApp) {
    // sign_in_per_minute = 4 in this app.
    make_user(&app, "ed@example.org", &[]).await;
    let c = app.client();
    for i in 0..4 {
        let email = format!("someone{i}@example.org");
        let r = c
            .post(app.at("/sign-in"))
            .form(&[("email", email.as_str()), ("password", "whatever it is")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    let r = c
        .post(app.at("/sign-in"))
        .form(&[("email", "ed@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts from your address")
    );
    app.finish().await;
}

fn reset_link(mail: &str) -> String {
    let re = regex::Regex::new(r"(/password-reset/[A-Za-z0-9_-]{20,})").unwrap();
    re.captures(mail)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| panic!("no reset link in:\n{mail}"))
}

async fn password_reset_by_email(app: TestApp, sink: SmtpSink) {
    let user = make_user(&app, "flo@example.org", &[Role::Editor]).await;
    let elsewhere = signed_in(&app, "flo@example.org").await;
    let c = app.client();
    let r = c.get(app.at("/password-reset")).send().await.unwrap();
    assert_eq!(r.status(), 200);

    // The answer is the same whether or not the account exists.
    let r = c
        .post(app.at("/password-reset"))
        .form(&[("email", "FLO@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let known = r.text().await.unwrap();
    let r = c
        .post(app.at("/password-reset"))
        .form(&[("email", "ghost@example.org")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let unknown = r.text().await.unwrap();
    assert_eq!(known, unknown);
    assert!(known.contains("If an account uses that address"));

    let mails = sink.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1, "no mail for an unknown address");
    let mail = &mails[0];
    assert_eq!(mail.to, vec!["flo@example.org".to_string()]);
    assert!(mail.data.contains("Subject: Reset your NSX password"));
    let link = reset_link(&mail.text());
    let token = link.trim_start_matches("/password-reset/");
    // Only a hash of the token is stored.
    let stored: Vec<String> =
        nsx::on_db!(&app.db, p => sqlx::query_scalar("SELECT token_hash FROM password_resets")
        .fetch_all(p).await)
        .unwrap();
    assert_eq!(stored, vec![store::token_hash(token)]);
    assert!(!stored.iter().any(|s| s == token));

    let r = c.get(app.at(&link)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("New password"));
    // A bad new password keeps the link usable.
    let r = c
        .post(app.at(&link))
        .form(&[
            ("password", "brand new secret 1"),
            ("password_confirm", "different"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("the two passwords differ"));
    let r = c
        .post(app.at(&link))
        .form(&[
            ("password", "brand new secret 1"),
            ("password_confirm", "brand new secret 1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/sign-in?reset=done");
    let r = elsewhere.get(app.at("/account")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "a reset signs the account out everywhere"
    );

    // The new password works, the old one does not.
    let r = app
        .client()
        .post(app.at("/sign-in"))
        .form(&[("email", "flo@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client()
        .post(app.at("/sign-in"))
        .form(&[
            ("email", "flo@example.org"),
            ("password", "brand new secret 1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // Single use.
    let r = c.get(app.at(&link)).send().await.unwrap();
    assert_eq!(r.status(), 410);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("expired or has already been used")
    );
    let r = c
        .post(app.at(&link))
        .form(&[
            ("password", "another new one 2"),
            ("password_confirm", "another new one 2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);

    // Expiry: a token past its time does nothing.
    let old = store::create_password_reset(&app.db, user.id, time::Duration::seconds(-1))
        .await
        .unwrap();
    let r = c
        .get(app.at(&format!("/password-reset/{old}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    let r = c
        .post(app.at(&format!("/password-reset/{old}")))
        .form(&[
            ("password", "another new one 2"),
            ("password_confirm", "another new one 2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 410);
    let r = app
        .client()
        .post(app.at("/sign-in"))
        .form(&[
            ("email", "flo@example.org"),
            ("password", "another new one 2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "the expired token changed nothing");
    app.finish().await;
}

async fn password_reset_sqlite() -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    let app = TestApp::builder()
        .data(Data::Empty)
        .config(move |c| {
            c.smtp.url = Some(url);
            c.smtp.from = "NSX <no-reply@nsx.test>".into();
        })
        .start()
        .await;
    (app, sink)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_by_email_sqlite() {
    let (app, sink) = password_reset_sqlite().await;
    password_reset_by_email(app, sink).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_reset_by_email_postgres() {
    let sink = SmtpSink::start().await;
    let url = sink.url.clone();
    if let Some(b) = TestApp::builder().postgres() {
        let app = b
            .data(Data::Empty)
            .config(move |c| {
                c.smtp.url = Some(url);
                c.smtp.from = "NSX <no-reply@nsx.test>".into();
            })
            .start()
            .await;
        password_reset_by_email(app, sink).await;
    }
}

async fn lockout_app(app: TestApp) {
    lockout_after_failures(app).await;
}

async fn api_tokens(app: TestApp) {
    make_user(&app, "gus@example.org", &[Role::Editor]).await;
    let c = signed_in(&app, "gus@example.org").await;
    // Create on the account page: shown once.
    let r = c
        .post(app.at("/account/tokens"))
        .form(&[("token_name", "LMS sync"), ("token_password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    let re = regex::Regex::new(r"nsx_[A-Za-z0-9_-]{20,}").unwrap();
    let token = re.find(&html).expect("token shown").as_str().to_string();
    let again = c
        .get(app.at("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("LMS sync"));
    assert!(!again.contains(&token), "the secret is shown only once");
    let hashes: Vec<String> =
        nsx::on_db!(&app.db, p => sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(p).await)
        .unwrap();
    assert_eq!(hashes, vec![store::token_hash(&token)], "stored hashed");

    // Use it from a client without cookies or Origin (an integration).
    let api = reqwest::Client::new();
    let r = api
        .get(app.at("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["email"], "gus@example.org");
    assert_eq!(me["roles"], serde_json::json!(["editor"]));

    // Create a second one through the API, then list.
    let r = api
        .post(app.at("/api/v1/tokens"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "HR export", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: serde_json::Value = r.json().await.unwrap();
    let second = created["token"].as_str().unwrap().to_string();
    let second_id = created["id"].as_str().unwrap().to_string();
    assert!(second.starts_with(created["prefix"].as_str().unwrap()));
    let r = api
        .get(app.at("/api/v1/tokens"))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap();
    let list: serde_json::Value = r.json().await.unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["HR export", "LMS sync"]);
    assert!(!list.to_string().contains(&token), "secrets never listed");

    // Field errors and bad JSON are 422 problems naming the field.
    let r = api
        .post(app.at("/api/v1/tokens"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "  ", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "name");
    let r = api
        .post(app.at("/api/v1/tokens"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    // Revoke the second through the API: it stops working at once.
    let r = api
        .delete(app.at(&format!("/api/v1/tokens/{second_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = api
        .get(app.at("/api/v1/me"))
        .bearer_auth(&second)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    assert!(r.headers().contains_key("www-authenticate"));
    // Revoking twice is a 404.
    let r = api
        .delete(app.at(&format!("/api/v1/tokens/{second_id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // Revoke the first on the account page.
    let id: uuid::Uuid = nsx::on_db!(&app.db, p => sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = 'LMS sync'")
        .fetch_one(p).await)
    .unwrap();
    let r = c
        .post(app.at(&format!("/account/tokens/{id}/revoke")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = api
        .get(app.at("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Nobody, and garbage, is 401 too.
    let r = api.get(app.at("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = api
        .get(app.at("/api/v1/me"))
        .bearer_auth("nsx_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // The session cookie works for the API as well.
    let r = c.get(app.at("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    app.finish().await;
}

async fn cross_origin_posts_are_refused(app: TestApp) {
    make_user(&app, "hal@example.org", &[]).await;
    let c = signed_in(&app, "hal@example.org").await;
    // A form posted from another site.
    let r = c
        .post(app.at("/account/tokens"))
        .header("origin", "http://evil.example")
        .form(&[("token_name", "stolen")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let r = c
        .post(app.at("/sign-out"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Under /api/ the refusal is a problem document.
    let r = c
        .post(app.at("/api/v1/tokens"))
        .header("origin", "http://evil.example")
        .json(&serde_json::json!({"name": "stolen"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let tokens: i64 =
        nsx::on_db!(&app.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens")
        .fetch_one(p).await)
        .unwrap();
    assert_eq!(tokens, 0, "nothing was created");
    // The same form from our own pages works.
    let r = c
        .post(app.at("/account/tokens"))
        .header("origin", app.url.as_str())
        .header("sec-fetch-site", "same-origin")
        .form(&[("token_name", "mine"), ("token_password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_describes_the_accounts_api() {
    let doc = serde_json::to_value(nsx::routes::openapi()).unwrap();
    for (path, method) in [
        ("/api/v1/me", "get"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens", "post"),
        ("/api/v1/tokens/{id}", "delete"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/{id}/roles", "post"),
        ("/api/v1/users/{id}/roles/{role}", "delete"),
        ("/api/v1/organizations", "get"),
        ("/api/v1/organizations", "post"),
    ] {
        let op = &doc["paths"][path][method];
        assert_eq!(
            op["tags"],
            serde_json::json!(["accounts"]),
            "{method} {path}"
        );
        assert!(
            op["responses"]["401"].is_object(),
            "{method} {path} documents 401"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

async fn change_password_on_the_account_page(app: TestApp) {
    make_user(&app, "kai@example.org", &[]).await;
    let here = signed_in(&app, "kai@example.org").await;
    let there = signed_in(&app, "kai@example.org").await;
    let r = here
        .post(app.at("/account/password"))
        .form(&[
            ("current_password", "not my password"),
            ("new_password", "a better secret 9"),
            ("new_password_confirm", "a better secret 9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"current_password-error\""));
    assert!(html.contains("this is not your current password"));
    let r = here
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
    assert_eq!(location(&r), "/account?done=password");
    let r = here
        .get(app.at("/account?done=password"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "this session stays");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Your password has been changed.")
    );
    let r = there.get(app.at("/account")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "other sessions end");
    let r = app
        .client()
        .post(app.at("/sign-in"))
        .form(&[
            ("email", "kai@example.org"),
            ("password", "a better secret 9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.finish().await;
}

on_both_backends!(
    change_password_on_the_account_page,
    sign_up_sign_in_and_out,
    wrong_password_is_refused,
    api_tokens,
    cross_origin_posts_are_refused
);

mod limits {
    use super::*;

    fn lockout_builder() -> crate::common::Builder {
        TestApp::builder()
            .data(Data::Empty)
            .config(|c| c.max_failed_sign_ins = 3)
    }

    fn rate_builder() -> crate::common::Builder {
        TestApp::builder()
            .data(Data::Empty)
            .config(|c| c.sign_in_per_minute = 4)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lockout_sqlite() {
        lockout_app(lockout_builder().start().await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lockout_postgres() {
        if let Some(b) = lockout_builder().postgres() {
            lockout_app(b.start().await).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rate_limit_sqlite() {
        per_address_rate_limit(rate_builder().start().await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rate_limit_postgres() {
        if let Some(b) = rate_builder().postgres() {
            per_address_rate_limit(b.start().await).await;
        }
    }
}
