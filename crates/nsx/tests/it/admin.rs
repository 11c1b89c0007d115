//! Administration: who may reach every admin page and admin API route (anonymous, each
//! role, admin), what administrators can do, and the first admin made on the command line.

use nsx::accounts::store;
use nsx_core::accounts::{OrgKind, Role};
use reqwest::{Method, StatusCode};

use super::accounts::{PASSWORD, make_user, signed_in};
use crate::common::{Data, TestApp};

/// Every admin page and form: (method, path). `{user}` and `{org}` are filled in.
const ADMIN_PAGES: &[(&str, &str)] = &[
    ("GET", "/admin"),
    ("GET", "/admin/users"),
    ("GET", "/admin/users?q=target"),
    ("GET", "/admin/users/{user}"),
    ("POST", "/admin/users/{user}/roles"),
    ("POST", "/admin/users/{user}/status"),
    ("POST", "/admin/users/{user}/organization"),
    ("GET", "/admin/organizations"),
    ("POST", "/admin/organizations"),
    ("GET", "/admin/organizations/{org}"),
    ("POST", "/admin/organizations/{org}"),
];

/// Every admin API route.
const ADMIN_API: &[(&str, &str)] = &[
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users/{user}/roles"),
    ("DELETE", "/api/v1/users/{user}/roles/reviewer"),
    ("GET", "/api/v1/organizations"),
    ("POST", "/api/v1/organizations"),
];

fn form_for(path: &str, n: usize) -> Vec<(&'static str, String)> {
    if path.ends_with("/roles") {
        vec![("role", "reviewer".into()), ("action", "grant".into())]
    } else if path.ends_with("/status") {
        vec![("action", "enable".into())]
    } else if path.ends_with("/organization") {
        vec![("organization_id", String::new())]
    } else if path.starts_with("/admin/organizations") {
        vec![
            ("name", format!("Org number {n}")),
            ("kind", "employer".into()),
            ("sector", "Manufacturing".into()),
        ]
    } else {
        Vec::new()
    }
}

fn json_for(path: &str, n: usize) -> serde_json::Value {
    if path.ends_with("/roles") {
        serde_json::json!({"role": "reviewer"})
    } else {
        serde_json::json!({"name": format!("API org {n}"), "kind": "educator"})
    }
}

fn fill(path: &str, user: &str, org: &str) -> String {
    path.replace("{user}", user).replace("{org}", org)
}

async fn call(
    c: &reqwest::Client,
    app: &TestApp,
    method: &str,
    path: &str,
    n: usize,
    api: bool,
) -> reqwest::Response {
    let m = Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = c.request(m.clone(), app.at(path));
    if m == Method::POST {
        req = if api {
            req.json(&json_for(path, n))
        } else {
            req.form(&form_for(path, n))
        };
    }
    req.send().await.unwrap()
}

async fn every_admin_route_is_guarded(app: TestApp) {
    let target = make_user(&app, "target@example.org", &[]).await;
    let org = store::create_org(&app.db, "Guarded Org", OrgKind::Employer, None)
        .await
        .unwrap();
    let (user, org) = (target.id.to_string(), org.id.to_string());
    let mut n = 0;

    // Anonymous: pages send you to sign in, the API answers 401 problems.
    let anon = app.client();
    for (m, p) in ADMIN_PAGES {
        let path = fill(p, &user, &org);
        let r = call(&anon, &app, m, &path, n, false).await;
        n += 1;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "anonymous {m} {path}");
        let loc = r.headers()["location"].to_str().unwrap();
        assert!(loc.starts_with("/sign-in?next="), "{m} {path} -> {loc}");
    }
    for (m, p) in ADMIN_API {
        let path = fill(p, &user, &org);
        let r = call(&anon, &app, m, &path, n, true).await;
        n += 1;
        assert_eq!(r.status(), 401, "anonymous {m} {path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }

    // Every role except admin: 403, by session and by API token.
    for role in Role::ALL.into_iter().filter(|r| *r != Role::Admin) {
        let email = format!("{}@example.org", role.as_str());
        let u = make_user(&app, &email, &[role]).await;
        let c = signed_in(&app, &email).await;
        for (m, p) in ADMIN_PAGES {
            let path = fill(p, &user, &org);
            let r = call(&c, &app, m, &path, n, false).await;
            n += 1;
            assert_eq!(r.status(), 403, "{role} {m} {path}");
        }
        let (_, token) = store::create_token(&app.db, u.id, "probe").await.unwrap();
        let api = reqwest::Client::new();
        for (m, p) in ADMIN_API {
            let path = fill(p, &user, &org);
            let mm = Method::from_bytes(m.as_bytes()).unwrap();
            let mut req = api.request(mm.clone(), app.at(&path)).bearer_auth(&token);
            if mm == Method::POST {
                req = req.json(&json_for(&path, n));
            }
            let r = req.send().await.unwrap();
            n += 1;
            assert_eq!(r.status(), 403, "{role} API {m} {path}");
            assert_eq!(r.headers()["content-type"], "application/problem+json");
        }
    }
    // Nothing changed.
    let t = store::find_user(&app.db, target.id).await.unwrap().unwrap();
    assert!(t.roles.is_empty());
    // Besides the exchange's own standards body (made at start), only the test's own.
    let orgs = store::list_orgs(&app.db).await.unwrap();
    assert_eq!(
        orgs.iter()
            .filter(|o| o.name != "National Skills Exchange")
            .count(),
        1
    );

    // Admin: pages 200, forms redirect after doing their work, the API answers.
    make_user(&app, "root@example.org", &[Role::Admin]).await;
    let c = signed_in(&app, "root@example.org").await;
    for (m, p) in ADMIN_PAGES {
        let path = fill(p, &user, &org);
        let r = call(&c, &app, m, &path, n, false).await;
        n += 1;
        let expect = if *m == "GET" { 200 } else { 303 };
        assert_eq!(r.status(), expect, "admin {m} {path}");
    }
    for (m, p) in ADMIN_API {
        let path = fill(p, &user, &org);
        let r = call(&c, &app, m, &path, n, true).await;
        n += 1;
        let expect = if *m == "POST" && p.ends_with("organizations") {
            201
        } else {
            200
        };
        assert_eq!(r.status(), expect, "admin {m} {path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
    }
    app.finish().await;
}

async fn admins_manage_users_and_organizations(app: TestApp) {
    let admin = make_user(&app, "boss@example.org", &[Role::Admin]).await;
    let ivy = make_user(&app, "ivy@example.org", &[Role::Candidate]).await;
    let c = signed_in(&app, "boss@example.org").await;

    // The header shows the admin link; the overview counts.
    let html = c
        .get(app.at("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"/admin/users\""));
    assert!(html.contains("<span class=\"n\">2</span>"), "two users");

    // Search.
    let html = c
        .get(app.at("/admin/users?q=IVY"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("ivy@example.org"));
    assert!(!html.contains("boss@example.org"));

    // Organizations: invalid input is shown beside the fields, values kept.
    let r = c
        .post(app.at("/admin/organizations"))
        .form(&[("name", "X"), ("kind", "club"), ("sector", "Energy")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"name-error\""));
    assert!(html.contains("id=\"kind-error\""));
    assert!(html.contains("aria-describedby=\"kind-error\""));
    assert!(html.contains("value=\"Energy\""));
    let r = c
        .post(app.at("/admin/organizations"))
        .form(&[
            ("name", "Midwest Assessment Center"),
            ("kind", "assessment_center"),
            ("sector", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let orgs: Vec<_> = store::list_orgs(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.name != "National Skills Exchange")
        .collect();
    assert_eq!(orgs.len(), 1);
    assert_eq!(orgs[0].kind, OrgKind::AssessmentCenter);
    let org = orgs[0].id;
    // A duplicate name is a field error.
    let r = c
        .post(app.at("/admin/organizations"))
        .form(&[
            ("name", "Midwest Assessment Center"),
            ("kind", "employer"),
            ("sector", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already exists"));
    // Edit.
    let r = c
        .post(app.at(&format!("/admin/organizations/{org}")))
        .form(&[
            ("name", "Midwest Testing Center"),
            ("kind", "company"),
            ("sector", "Automotive"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let o = store::find_org(&app.db, org).await.unwrap().unwrap();
    assert_eq!(o.name, "Midwest Testing Center");
    assert_eq!(o.kind, OrgKind::Company);
    assert_eq!(o.sector.as_deref(), Some("Automotive"));

    // Roles and organization.
    let base = format!("/admin/users/{}", ivy.id);
    for (path, form) in [
        (
            format!("{base}/roles"),
            vec![("role", "proctor".to_string()), ("action", "grant".into())],
        ),
        (
            format!("{base}/roles"),
            vec![
                ("role", "candidate".to_string()),
                ("action", "revoke".into()),
            ],
        ),
        (
            format!("{base}/organization"),
            vec![("organization_id", org.to_string())],
        ),
    ] {
        let r = c.post(app.at(&path)).form(&form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
    }
    let u = store::find_user(&app.db, ivy.id).await.unwrap().unwrap();
    assert_eq!(u.roles, vec![Role::Proctor]);
    assert_eq!(u.organization_id, Some(org));
    let html = c
        .get(app.at(&base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Revoke Proctor"));
    assert!(html.contains("Grant Candidate"));

    // Disabling ends the user's session and API token; enabling restores sign-in.
    let ivy_browser = signed_in(&app, "ivy@example.org").await;
    let (_, ivy_token) = store::create_token(&app.db, ivy.id, "t").await.unwrap();
    let r = c
        .post(app.at(&format!("{base}/status")))
        .form(&[("action", "disable")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = ivy_browser.get(app.at("/account")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "session ended");
    let r = reqwest::Client::new()
        .get(app.at("/api/v1/me"))
        .bearer_auth(&ivy_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401, "token stops working");
    let r = app
        .client()
        .post(app.at("/sign-in"))
        .form(&[("email", "ivy@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    // Answered as a wrong password is, so a guesser learns nothing.
    assert_eq!(r.status(), 401);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("The e-mail address or password is wrong.")
    );
    let r = c
        .post(app.at(&format!("{base}/status")))
        .form(&[("action", "enable")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    signed_in(&app, "ivy@example.org").await;

    // An admin cannot lock themselves out.
    let me = format!("/admin/users/{}", admin.id);
    let r = c
        .post(app.at(&format!("{me}/status")))
        .form(&[("action", "disable")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = c
        .delete(app.at(&format!("/api/v1/users/{}/roles/admin", admin.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    // The API: list with search, grant and revoke, organizations with field errors.
    let r = c.get(app.at("/api/v1/users?q=ivy")).send().await.unwrap();
    let users: serde_json::Value = r.json().await.unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["email"], "ivy@example.org");
    let r = c
        .post(app.at(&format!("/api/v1/users/{}/roles", ivy.id)))
        .json(&serde_json::json!({"role": "certification_admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let u: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        u["roles"],
        serde_json::json!(["certification_admin", "proctor"])
    );
    let r = c
        .delete(app.at(&format!("/api/v1/users/{}/roles/proctor", ivy.id)))
        .send()
        .await
        .unwrap();
    let u: serde_json::Value = r.json().await.unwrap();
    assert_eq!(u["roles"], serde_json::json!(["certification_admin"]));
    let r = c
        .post(app.at(&format!("/api/v1/users/{}/roles", ivy.id)))
        .json(&serde_json::json!({"role": "overlord"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "role");
    let r = c
        .post(app.at(&format!("/api/v1/users/{}/roles", uuid::Uuid::now_v7())))
        .json(&serde_json::json!({"role": "editor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = c
        .post(app.at("/api/v1/organizations"))
        .json(&serde_json::json!({"name": "", "kind": "guild"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["name", "kind"]);
    let r = c
        .post(app.at("/api/v1/organizations"))
        .json(&serde_json::json!({"name": "State Skills Board", "kind": "standards body", "sector": "Public"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let o: serde_json::Value = r.json().await.unwrap();
    assert_eq!(o["kind"], "standards_body");
    let r = c.get(app.at("/api/v1/organizations")).send().await.unwrap();
    let list: serde_json::Value = r.json().await.unwrap();
    // The two made here and the exchange's own standards body.
    assert_eq!(list.as_array().unwrap().len(), 3);
    app.finish().await;
}

async fn first_admin_from_the_command_line(app: TestApp) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nsx"));
    for (k, _) in std::env::vars() {
        if k.starts_with("NSX_") {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .env("NSX_LOG", "warn")
        .args([
            "--database-url",
            &app.database_url,
            "user",
            "add",
            "first@example.org",
            "--name",
            "First Admin",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run nsx");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{PASSWORD}").unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let c = signed_in(&app, "first@example.org").await;
    let r = c.get(app.at("/admin/users")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("first@example.org"));
    app.finish().await;
}

fn builder() -> crate::common::Builder {
    // Many sign-ins from one address in a few seconds: lift the per-address limit.
    TestApp::builder()
        .data(Data::Empty)
        .config(|c| c.sign_in_per_minute = 10_000)
}

macro_rules! admin_cases {
    ($($case:ident),*) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$case(super::builder().start().await).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(b) = super::builder().postgres() {
                        super::$case(b.start().await).await;
                    }
                }
            }
        )*
    };
}

admin_cases!(
    every_admin_route_is_guarded,
    admins_manage_users_and_organizations,
    first_admin_from_the_command_line
);
