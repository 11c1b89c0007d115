//! Limits that hold against a hostile or careless client: clients that never finish their
//! headers or sit idle, more connections than the cap, junk query parameters aimed at the
//! page cache, oversized bodies, repeated parameters, page numbers that overflow; and the
//! Content-Security-Policy every page carries.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{Builder, TestApp};

/// Runs each case on SQLite and PostgreSQL with a configuration change.
macro_rules! on_both_backends_with {
    ($tweak:ident; $($case:ident),* $(,)?) => {
        $(
            mod $case {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let b = $crate::common::TestApp::builder();
                    super::$case(super::tweaked(b, super::$tweak).start().await).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(b) = $crate::common::TestApp::builder().postgres() {
                        super::$case(super::tweaked(b, super::$tweak).start().await).await;
                    }
                }
            }
        )*
    };
}

fn tweaked(b: Builder, tweak: fn(&mut nsx::config::Config)) -> Builder {
    b.config(tweak)
}

fn short_timeouts(c: &mut nsx::config::Config) {
    c.http.header_read_timeout_secs = 1;
    c.http.keep_alive_secs = 1;
}

fn small_cap(c: &mut nsx::config::Config) {
    c.http.max_connections = 3;
    c.http.header_read_timeout_secs = 120;
    c.http.keep_alive_secs = 120;
}

fn small_page_cache(c: &mut nsx::config::Config) {
    c.page_cache_bytes = 256 * 1024;
}

/// Far longer than any timeout under test: a socket still open after this was never closed.
const NEVER: Duration = Duration::from_secs(60);

/// Reads until the server closes the socket; `false` if it is still open after [`NEVER`].
async fn closed_by_server(s: &mut TcpStream) -> bool {
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(NEVER, s.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

fn addr(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_string()
}

async fn slow_and_silent_clients_are_disconnected(app: TestApp) {
    let mut sockets = Vec::new();
    for i in 0..12 {
        let mut s = TcpStream::connect(addr(&app)).await.unwrap();
        if i % 2 == 0 {
            // A head that never ends (no blank line).
            s.write_all(b"GET / HTTP/1.1\r\nHost: nsx\r\nX-Slow: 1\r\n")
                .await
                .unwrap();
        }
        sockets.push(s);
    }
    for (i, s) in sockets.iter_mut().enumerate() {
        assert!(closed_by_server(s).await, "socket {i} was never closed");
    }
    // The server still answers complete requests.
    let (status, _) = app.get("/healthz").await;
    assert_eq!(status, 200);
    app.finish().await;
}

async fn idle_keep_alive_connections_are_closed(app: TestApp) {
    let mut s = TcpStream::connect(addr(&app)).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: nsx\r\n\r\n")
        .await
        .unwrap();
    // The whole answer arrives, and the connection is kept alive until it sits idle.
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("\"ok\"") {
        let n = tokio::time::timeout(NEVER, s.read(&mut buf))
            .await
            .expect("an answer")
            .unwrap();
        assert!(n > 0, "closed before answering");
        got.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
    assert!(
        closed_by_server(&mut s).await,
        "the idle connection stayed open"
    );
    app.finish().await;
}

async fn connections_beyond_the_cap_wait(app: TestApp) {
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(addr(&app)).await.unwrap());
    }
    // All slots are held: a fourth client is not served while they are.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let r = client.get(app.at("/healthz")).send().await;
    assert!(
        r.is_err(),
        "served beyond the cap: {:?}",
        r.map(|r| r.status())
    );
    // Freeing the slots lets clients in again.
    drop(held);
    let client = reqwest::Client::builder().timeout(NEVER).build().unwrap();
    let r = client.get(app.at("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    app.finish().await;
}

async fn junk_parameters_do_not_fill_the_page_cache(app: TestApp) {
    let page = "/occupations/17-3024.00";
    let (s, _) = app.get(page).await;
    assert_eq!(s, 200);
    let (before, _) = app.state.pages.usage();
    for i in 0..60 {
        let (s, _) = app.get(&format!("{page}?junk={i}&utm_source=x{i}")).await;
        assert_eq!(s, 200);
        let (s, _) = app.get(&format!("/occupations?page=1&junk={i}")).await;
        assert_eq!(s, 200);
    }
    let (after, _) = app.state.pages.usage();
    assert!(
        after <= before + 4,
        "junk URLs added cache entries: {before} before, {after} after"
    );
    // The real page is still served from memory, with the same tag.
    let r = app.client().get(app.at(page)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    app.finish().await;
}

async fn the_page_cache_stays_within_its_bytes(app: TestApp) {
    let codes: Vec<String> = nsx::on_db!(&app.db, p => sqlx::query_scalar("SELECT code FROM occupations ORDER BY code").fetch_all(p).await).unwrap();
    assert!(!codes.is_empty());
    for round in 0..3 {
        for code in &codes {
            let (s, _) = app.get(&format!("/occupations/{code}")).await;
            assert_eq!(s, 200, "round {round}");
        }
        for page in ["/", "/occupations", "/sources", "/frameworks"] {
            let (s, _) = app.get(page).await;
            assert_eq!(s, 200);
        }
    }
    let (entries, bytes) = app.state.pages.usage();
    assert!(entries > 0, "nothing cached");
    assert!(
        bytes <= 256 * 1024,
        "{bytes} bytes cached in {entries} entries"
    );
    app.finish().await;
}

async fn every_page_sends_a_content_security_policy(app: TestApp) {
    let policy = nsx::web::page_cache::CONTENT_SECURITY_POLICY;
    for path in [
        "/",
        "/",
        "/occupations",
        "/occupations/17-3024.00",
        "/search?q=robot",
        "/sign-in",
        "/no/such/page",
        "/api/v1/occupations",
        "/assets/nsx.css",
    ] {
        let r = app.client().get(app.at(path)).send().await.unwrap();
        let csp = r
            .headers()
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no Content-Security-Policy"))
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(csp, policy, "{path}");
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    }
    // The API reference loads one pinned release of its script, checked by its hash, and
    // its policy allows that script and no other.
    let r = app.client().get(app.at("/api/docs")).send().await.unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let body = r.text().await.unwrap();
    let script = nsx::web::openapi::SCALAR_SCRIPT;
    assert!(script.contains("@scalar/api-reference@1."), "{script}");
    assert!(
        body.contains(&format!(
            "<script src=\"{script}\" integrity=\"{}\" crossorigin=\"anonymous\">",
            nsx::web::openapi::SCALAR_INTEGRITY
        )),
        "{body}"
    );
    assert!(
        !body.contains("src=\"https://cdn.jsdelivr.net/npm/@scalar/api-reference\""),
        "an unpinned script"
    );
    assert!(csp.contains(&format!("script-src {script};")), "{csp}");
    app.finish().await;
}

async fn oversized_bodies_and_bad_queries_get_problem_documents(app: TestApp) {
    // The body's announced length is refused before any of it is read (a client writing
    // the whole body would race the early answer).
    let announce = |path: &str, ctype: &str| {
        format!(
            "POST {path} HTTP/1.1\r\nHost: nsx\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            nsx::web::error::MAX_BODY_BYTES + 1024
        )
    };
    let answer = |request: String| {
        let a = addr(&app);
        async move {
            let mut s = TcpStream::connect(a).await.unwrap();
            s.write_all(request.as_bytes()).await.unwrap();
            let mut out = Vec::new();
            let _ = tokio::time::timeout(NEVER, s.read_to_end(&mut out)).await;
            String::from_utf8_lossy(&out).to_string()
        }
    };
    // On the API: a problem document.
    let r = answer(announce("/api/v1/tokens", "application/json")).await;
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    let lower = r.to_ascii_lowercase();
    assert!(
        lower.contains("content-type: application/problem+json"),
        "{r}"
    );
    assert!(lower.contains("x-request-id:"), "{r}");
    assert!(r.contains("\"status\":413") && r.contains("8 MB"), "{r}");
    // On a page: the error page.
    let r = answer(announce("/sign-in", "application/x-www-form-urlencoded")).await;
    assert!(r.starts_with("HTTP/1.1 413"), "{r}");
    assert!(
        r.to_ascii_lowercase().contains("content-type: text/html"),
        "{r}"
    );
    assert!(r.contains("<main id=\"main\""), "{r}");
    // Repeated and malformed parameters.
    for path in [
        "/api/v1/occupations?limit=5&limit=6",
        "/api/v1/frameworks?offset=x",
        "/api/v1/search?q=robot&q=weld",
    ] {
        let r = app.client().get(app.at(path)).send().await.unwrap();
        assert_eq!(r.status(), 422, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["status"], 422, "{path}");
    }
    let r = app
        .client()
        .get(app.at("/ims/case/v1p0/CFDocuments?limit=1&limit=2"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["imsx_codeMajor"], "failure", "{v}");
    // A method the address does not answer.
    let r = app
        .client()
        .delete(app.at("/api/v1/occupations"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    app.finish().await;
}

async fn page_numbers_past_any_list_are_refused(app: TestApp) {
    for path in [
        "/frameworks?page=18446744073709551615",
        "/frameworks?page=9223372036854775807",
        "/occupations?page=18446744073709551615",
        "/search?q=robot&page=18446744073709551615",
    ] {
        let r = app.client().get(app.at(path)).send().await.unwrap();
        let status = r.status().as_u16();
        assert!(status == 422 || status == 200, "{path}: answered {status}");
    }
    let r = app
        .client()
        .get(app.at("/frameworks?page=18446744073709551615"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("page"));
    app.finish().await;
}

on_both_backends_with!(short_timeouts;
    slow_and_silent_clients_are_disconnected,
    idle_keep_alive_connections_are_closed,
);

on_both_backends_with!(small_cap; connections_beyond_the_cap_wait);

on_both_backends_with!(small_page_cache; the_page_cache_stays_within_its_bytes);

on_both_backends!(
    junk_parameters_do_not_fill_the_page_cache,
    every_page_sends_a_content_security_policy,
    oversized_bodies_and_bad_queries_get_problem_documents,
    page_numbers_past_any_list_are_refused,
);
