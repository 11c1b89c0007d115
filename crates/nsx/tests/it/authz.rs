//! The authorization walk: every route of the route table, called by an anonymous visitor,
//! by a signed-in user without rights and by one with them, page and API alike. A route
//! added without an access rule, or a handler that lets the wrong person through, fails
//! here.

use std::collections::BTreeSet;

use nsx::accounts::{User, store};
use nsx::frameworks::service::{self, NewFramework};
use nsx::routes::RouteSpec;
use nsx::service::{Caller, principal_of};
use nsx_core::accounts::Role;
use nsx_core::policy::{self, Access, Action, Decision};
use reqwest::{Method, StatusCode};

use crate::accounts::{make_user, signed_in};
use crate::common::TestApp;
use crate::editorial::editor_of;

struct Who {
    name: &'static str,
    user: Option<User>,
    token: Option<String>,
    browser: reqwest::Client,
}

struct Fixture {
    framework: String,
    version: String,
    org: String,
    plain_user: String,
}

fn fill(path: &str, f: &Fixture) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map(|e| start + e)
            .unwrap_or(rest.len() - 1);
        let name = &rest[start + 1..end];
        let before = &out;
        let value = match name {
            "code" if before.contains("/occupations") => "17-3024.00".to_string(),
            "code" => f.framework.clone(),
            "version" => f.version.clone(),
            "format" => "csv".to_string(),
            "token" => "not-a-real-token".to_string(),
            "file" => "nsx.css".to_string(),
            "role" => "reviewer".to_string(),
            "kind" => "framework".to_string(),
            "id" if before.contains("/organizations") => f.org.clone(),
            "id" if before.contains("/users") => f.plain_user.clone(),
            "id" => "0192f3c4-0000-7000-8000-000000000000".to_string(),
            other => panic!("the walk does not know the path parameter {{{other}}} of {path}"),
        };
        out.push_str(&value);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

async fn call(app: &TestApp, who: &Who, spec: &RouteSpec, path: &str) -> reqwest::Response {
    call_with(
        app,
        who,
        spec,
        path,
        serde_json::json!({}),
        &[("walk", "1")],
    )
    .await
}

/// A valid request body for the framework routes, so that only authorization can refuse.
fn valid_body(path: &str) -> (serde_json::Value, Vec<(&'static str, &'static str)>) {
    use serde_json::json;
    if path.ends_with("/details") {
        (
            json!({"title": "Renamed by a stranger"}),
            vec![("title", "Renamed by a stranger")],
        )
    } else if path.ends_with("/edits") || path.ends_with("/edit") {
        (
            json!({"edits": [{"op": "set_context", "context": "Changed by a stranger."}]}),
            vec![("op", "context"), ("context", "Changed by a stranger.")],
        )
    } else if path.ends_with("/status") {
        (json!({"status": "in_review"}), vec![("to", "in_review")])
    } else {
        (json!({}), vec![])
    }
}

async fn call_with(
    app: &TestApp,
    who: &Who,
    spec: &RouteSpec,
    path: &str,
    json: serde_json::Value,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let method = Method::from_bytes(spec.method.as_str().as_bytes()).unwrap();
    let req = if spec.api {
        let c = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut r = c.request(method.clone(), app.at(path));
        if let Some(t) = &who.token {
            r = r.bearer_auth(t);
        }
        if method != Method::GET && method != Method::DELETE {
            r = r.json(&json);
        }
        r
    } else {
        let mut r = who.browser.request(method.clone(), app.at(path));
        if method == Method::POST {
            r = r.form(form);
        }
        r
    };
    req.send().await.unwrap()
}

fn expected(who: &Who, access: Access) -> Decision {
    policy::gate(who.user.as_ref().map(principal_of).as_ref(), access)
}

async fn every_route_answers_each_viewer_as_its_access_says(app: TestApp) {
    // The people: nobody, a user with no role, an editor of the framework's owner, an admin.
    let owner = editor_of(&app, "Walk Council", "walk-editor@example.org").await;
    let plain = make_user(&app, "walk-plain@example.org", &[]).await;
    let admin = make_user(&app, "walk-admin@example.org", &[Role::Admin]).await;
    let (framework, version) = service::create(
        &app.db,
        &Caller::user(&owner.user, None),
        NewFramework {
            title: "Walk framework".into(),
            code: Some("walk-framework".into()),
            ..NewFramework::default()
        },
    )
    .await
    .unwrap();
    let org = store::find_user(&app.db, owner.user.id)
        .await
        .unwrap()
        .unwrap()
        .organization_id
        .unwrap();
    let fixture = Fixture {
        framework: framework.code.clone(),
        version: version.label.to_string(),
        org: org.to_string(),
        plain_user: plain.id.to_string(),
    };
    let mut people = vec![Who {
        name: "anonymous",
        user: None,
        token: None,
        browser: app.client(),
    }];
    for (name, user, email) in [
        ("no rights", plain.clone(), "walk-plain@example.org"),
        (
            "editor of the owner",
            owner.user.clone(),
            "walk-editor@example.org",
        ),
        ("administrator", admin.clone(), "walk-admin@example.org"),
    ] {
        let (_, token) = store::create_token(&app.db, user.id, "walk").await.unwrap();
        people.push(Who {
            name,
            browser: signed_in(&app, email).await,
            user: Some(user),
            token: Some(token),
        });
    }

    let specs = nsx::routes::specs();
    // Every API operation of the OpenAPI document is in the table, and the other way round.
    let doc = serde_json::to_value(nsx::routes::openapi()).unwrap();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), p.clone()))
        })
        .collect();
    let tabled: BTreeSet<(String, String)> = specs
        .iter()
        .filter(|s| s.api)
        .map(|s| (s.method.to_string(), s.path.clone()))
        .collect();
    assert_eq!(documented, tabled);
    // No route is listed twice.
    let unique: BTreeSet<(String, String)> = specs
        .iter()
        .map(|s| (s.method.to_string(), s.path.clone()))
        .collect();
    assert_eq!(unique.len(), specs.len());

    let mut checked = 0;
    // Sign-out ends the session it is called with, so it goes last.
    let mut order: Vec<&RouteSpec> = specs.iter().filter(|s| s.path != "/sign-out").collect();
    order.extend(specs.iter().filter(|s| s.path == "/sign-out"));
    for who in &people {
        for spec in &order {
            let path = fill(&spec.path, &fixture);
            let r = call(&app, who, spec, &path).await;
            let status = r.status();
            let what = format!("{} {} {} as {}", spec.method, path, spec.access, who.name);
            assert!(!status.is_server_error(), "{what}: {status}");
            match expected(who, spec.access) {
                Decision::Allow => assert!(
                    status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN,
                    "{what}: expected to be let through, got {status}"
                ),
                Decision::SignIn if spec.api => {
                    assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}")
                }
                Decision::SignIn => {
                    assert_eq!(status, StatusCode::SEE_OTHER, "{what}");
                    let to = r.headers()["location"].to_str().unwrap();
                    assert!(to.starts_with("/sign-in?next="), "{what}: {to}");
                }
                Decision::Deny(_) => assert_eq!(status, StatusCode::FORBIDDEN, "{what}"),
            }
            checked += 1;
        }
    }
    assert!(checked >= specs.len() * 4);

    // Past the gate, the handlers ask the policy about the resource: an editor of another
    // organization may edit frameworks in general but not this one, on every route that
    // names it.
    let stranger = editor_of(&app, "Stranger Council", "walk-stranger@example.org").await;
    let stranger = Who {
        name: "editor of another organization",
        browser: signed_in(&app, "walk-stranger@example.org").await,
        user: Some(stranger.user),
        token: Some(stranger.token),
    };
    for spec in specs.iter().filter(|s| {
        s.path.contains("{code}")
            && matches!(
                s.access,
                Access::Action(Action::EditFramework | Action::PublishFramework)
            )
    }) {
        let path = fill(&spec.path, &fixture);
        let (json, form) = valid_body(&path);
        let r = call_with(&app, &stranger, spec, &path, json, &form).await;
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "{} {path} as {}",
            spec.method,
            stranger.name
        );
    }
    // And nothing changed.
    let d = service::detail(&app.db, "walk-framework").await.unwrap();
    assert_eq!(d.framework.title, "Walk framework");
    assert!(
        d.versions
            .iter()
            .all(|v| v.status == nsx_core::frameworks::Status::Draft)
    );
    app.finish().await;
}

on_both_backends!(every_route_answers_each_viewer_as_its_access_says);
