//! Two `serve` processes on one database behave as one site: accounts and sessions made on
//! one node are seen on the other, and signing out on one ends the session on both.

use nsx::accounts::store;
use nsx_core::accounts::Role;
use reqwest::StatusCode;

use super::accounts::{PASSWORD, session_cookie};
use crate::common::{Data, TestApp};

fn bare() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn nodes_share_accounts_and_sessions(a: TestApp) {
    let b = TestApp::builder()
        .database_url(&a.database_url)
        .data(Data::Empty)
        .start()
        .await;
    assert_ne!(a.url, b.url);

    // Sign up on node A.
    let r = bare()
        .post(a.at("/sign-up"))
        .form(&[
            ("name", "June Node"),
            ("email", "june@example.org"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("role", "candidate"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = bare()
        .post(a.at("/sign-in"))
        .form(&[("email", "june@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&r).expect("session cookie from node A");

    // The session established on A is honoured on B.
    let r = bare()
        .get(b.at("/account"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("june@example.org"));
    let r = bare()
        .get(b.at("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["roles"], serde_json::json!(["candidate"]));

    // The account made on A signs in on B.
    let r = bare()
        .post(b.at("/sign-in"))
        .form(&[("email", "june@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie_b = session_cookie(&r).expect("session cookie from node B");

    // A role granted by an admin on B shows on A at once.
    let admin = store::create_user(
        &b.db,
        store::NewUser {
            email: "admin@example.org".into(),
            display_name: "Admin".into(),
            password_hash: nsx::accounts::password::hash(PASSWORD.into())
                .await
                .unwrap(),
            roles: vec![Role::Admin],
            organization_id: None,
        },
    )
    .await
    .unwrap();
    let (_, admin_token) = store::create_token(&b.db, admin.id, "ops").await.unwrap();
    let june = store::find_user_by_email(&a.db, "june@example.org")
        .await
        .unwrap()
        .unwrap()
        .0;
    let r = bare()
        .post(b.at(&format!("/api/v1/users/{}/roles", june.id)))
        .bearer_auth(&admin_token)
        .json(&serde_json::json!({"role": "reviewer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = bare()
        .get(a.at("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let me: serde_json::Value = r.json().await.unwrap();
    assert_eq!(me["roles"], serde_json::json!(["reviewer", "candidate"]));
    // The token made through B works on A.
    let r = bare()
        .get(a.at("/api/v1/users"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Signing out on B ends that session on A too.
    let r = bare()
        .get(a.at("/account"))
        .header("cookie", &cookie_b)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = bare()
        .post(b.at("/sign-out"))
        .header("cookie", &cookie_b)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = bare()
        .get(a.at("/account"))
        .header("cookie", &cookie_b)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signed out everywhere");
    // The other session is untouched.
    let r = bare()
        .get(a.at("/account"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    b.finish().await;
    a.finish().await;
}

mod nodes_share_accounts_and_sessions {
    use crate::common::{Data, TestApp};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let a = TestApp::builder().data(Data::Empty).start().await;
        super::nodes_share_accounts_and_sessions(a).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(b) = TestApp::builder().data(Data::Empty).postgres() {
            super::nodes_share_accounts_and_sessions(b.start().await).await;
        }
    }
}
