//! The server as a whole: health checks, unknown routes, security headers, graceful errors.

use crate::common::TestApp;

async fn health_and_readiness(app: TestApp) {
    let (s, v) = app.get_json("/healthz").await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "ok");
    let (s, v) = app.get_json("/readyz").await;
    assert_eq!(s, 200);
    assert_eq!(v["status"], "ready");
    assert_eq!(v["database"], "ok");
    let expected = match app.backend() {
        nsx::db::Backend::Sqlite => "sqlite",
        nsx::db::Backend::Postgres => "postgres",
    };
    assert_eq!(v["backend"], expected);
    // With the database gone, readiness fails but liveness holds.
    app.db.close().await;
    let (s, v) = app.get_json("/readyz").await;
    assert_eq!(s, 503);
    assert_eq!(v["status"], "unavailable");
    let (s, _) = app.get_json("/healthz").await;
    assert_eq!(s, 200);
}

async fn unknown_routes_answer_in_kind(app: TestApp) {
    let r = app
        .client()
        .get(app.at("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["status"], 404);
    assert!(
        v["detail"]
            .as_str()
            .unwrap()
            .contains("/api/v1/no-such-thing")
    );
    let r = app
        .client()
        .get(app.at("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert!(r.headers().contains_key("x-request-id"));
    let body = r.text().await.unwrap();
    assert!(
        body.contains("<main id=\"main\""),
        "error pages keep the landmarks"
    );
    assert!(body.contains("/no/such/page"));
    app.finish().await;
}

async fn openapi_document_is_served(app: TestApp) {
    let (s, v) = app.get_json("/api/openapi.json").await;
    assert_eq!(s, 200);
    assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(v["info"]["title"], "National Skills Exchange API");
    let (s, body) = app.get("/api/docs").await;
    assert_eq!(s, 200);
    assert!(body.contains("NSX API reference"));
    let r = app
        .client()
        .get(app.at("/assets/nsx.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(r.text().await.unwrap().contains("@media print"));
    app.finish().await;
}

on_both_backends!(
    health_and_readiness,
    unknown_routes_answer_in_kind,
    openapi_document_is_served
);
