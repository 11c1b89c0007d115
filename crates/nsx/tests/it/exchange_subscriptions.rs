//! CASE subscriptions over real HTTP: one exchange follows a framework that a second
//! exchange (started in the test) publishes, and a small local HTTP server stands in for
//! servers that send no validators, too much, or nothing in time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use nsx::db::Db;
use nsx::frameworks::import_service::{self, Format, ImportOptions};
use nsx::frameworks::subscriptions::{self, Checked, NewSubscription};
use nsx::frameworks::{service, store as fw_store};
use nsx::on_db;
use nsx::service::Caller;
use nsx_core::frameworks::edit::Edit;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use crate::common::{Data, TestApp};
use crate::editorial::editor_of;
use crate::exchange_import::read_fixture;

async fn count(db: &Db, sql: &str) -> i64 {
    on_db!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(p)
        .await)
    .unwrap()
}

/// An exchange that may fetch from this machine, with jobs run by the test (`drain`).
async fn follower(pg: bool) -> Option<TestApp> {
    let b = TestApp::builder().data(Data::Empty).config(|c| {
        c.subscriptions.allow_private_addresses = true;
        c.subscriptions.timeout_secs = 2;
        c.subscriptions.max_bytes = 200_000;
        c.jobs.enabled = false;
    });
    if pg {
        Some(b.postgres()?.start().await)
    } else {
        Some(b.start().await)
    }
}

async fn drain(app: &TestApp) -> usize {
    nsx::app::job_runner(app.state.clone())
        .drain()
        .await
        .unwrap()
}

async fn follows_another_exchange(pg: bool) {
    let Some(local) = follower(pg).await else {
        return;
    };
    let remote = TestApp::builder().data(Data::Empty).start().await;
    // The remote exchange publishes a framework imported there.
    let author = editor_of(&remote, "Midwest Skills Council", "author@midwest.example").await;
    let author_caller = Caller::user(&author.user, None);
    let made = import_service::import(
        &remote.db,
        &author_caller,
        Format::Case,
        &read_fixture("structured.json"),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    let url = remote.at(&format!("/ims/case/v1p0/CFPackages/{}", made.version_id));

    // An editor here follows it through the API.
    let ed = editor_of(&local, "Coastal Trades Board", "ed@coastal.example").await;
    let api = reqwest::Client::new();
    let r = api
        .post(local.at("/api/v1/subscriptions"))
        .bearer_auth(&ed.token)
        .json(&json!({"url": url, "every_minutes": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let sub: Value = r.json().await.unwrap();
    let id: Uuid = sub["id"].as_str().unwrap().parse().unwrap();
    assert!(sub["framework"].is_null());
    assert_eq!(
        count(
            &local.db,
            "SELECT COUNT(*) FROM job_schedules WHERE kind = 'case-subscription'"
        )
        .await,
        1
    );

    // The scheduled job's first run makes the framework, owned here by the follower.
    assert_eq!(drain(&local).await, 1);
    let s = subscriptions::get(&local.db, &Caller::user(&ed.user, None), id)
        .await
        .unwrap();
    assert_eq!(s.last_error, None);
    let code = s
        .framework
        .clone()
        .expect("the first check made the framework");
    assert!(
        s.last_outcome
            .as_deref()
            .unwrap()
            .starts_with("Imported a new framework")
    );
    let f = nsx::frameworks::editing::find_framework(&local.db, &code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(f.organization_id, Some(ed.org));
    let versions = || async { fw_store::list_versions(&local.db, &code).await.unwrap() };
    assert_eq!(versions().await.len(), 1);

    // Checking again: the remote answers 304 to the validators sent; nothing is written.
    let browser = crate::accounts::signed_in(&local, "ed@coastal.example").await;
    let r = browser
        .post(local.at(&format!("/frameworks/subscriptions/{id}/check")))
        .form(&[("go", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    drain(&local).await;
    let s = subscriptions::get(&local.db, &Caller::user(&ed.user, None), id)
        .await
        .unwrap();
    assert_eq!(
        s.last_outcome.as_deref(),
        Some("not modified since the last check")
    );
    assert_eq!(s.checks, 2);
    assert_eq!(versions().await.len(), 1);

    // The remote editor rewords a statement of the draft: the next check drafts a version.
    let view = fw_store::load_version(&remote.db, &made.code, Some(&made.label))
        .await
        .unwrap()
        .unwrap();
    let target = &view.statements[0];
    service::edit(
        &remote.db,
        &author_caller,
        &made.code,
        &made.label,
        vec![Edit::Reword {
            item_id: target.item_id,
            subject: target.statement.subject.clone(),
            performance:
                "Check a roller chain for stretch, wear and missing pins, then set its tension."
                    .into(),
        }],
    )
    .await
    .unwrap();
    let c = subscriptions::check(&local.state, id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&c, Checked::Changed(o) if o.starts_with("Drafted")),
        "{c:?}"
    );
    let vs = versions().await;
    assert_eq!(vs.len(), 2);
    let newest = fw_store::load_version(&local.db, &code, Some(&vs[0].label))
        .await
        .unwrap()
        .unwrap();
    assert!(
        newest.statements.iter().any(
            |s| s.item_id == target.item_id && s.statement.performance.contains("missing pins")
        )
    );
    // And with no further change, no further version.
    let c = subscriptions::check(&local.state, id)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(c, Checked::Unchanged(_)), "{c:?}");
    assert_eq!(versions().await.len(), 2);

    // A URL that answers 404: the error is recorded and shown on the subscription's page.
    let missing = remote.at("/ims/case/v1p0/CFPackages/00000000-0000-4000-8000-000000000000");
    let bad = subscriptions::subscribe(
        &local.db,
        &Caller::user(&ed.user, None),
        NewSubscription {
            url: missing,
            framework: Some(code.clone()),
            every_minutes: Some(5),
            organization_id: None,
        },
    )
    .await
    .unwrap();
    let c = subscriptions::check(&local.state, bad.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&c, Checked::Failed(e) if e.contains("404")),
        "{c:?}"
    );
    let html = browser
        .get(local.at(&format!("/frameworks/subscriptions/{}", bad.id)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("The last check failed"), "{html}");
    assert!(html.contains("404"), "{html}");
    let list = browser
        .get(local.at("/frameworks/subscriptions"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("Failed: ") && list.contains(&code), "{list}");
    assert_eq!(versions().await.len(), 2);

    // Another organization's editor can neither see nor remove it; its own editor can.
    let other = editor_of(&local, "Inland Council", "ed@inland.example").await;
    let r = api
        .get(local.at(&format!("/api/v1/subscriptions/{id}")))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = api
        .get(local.at("/api/v1/subscriptions"))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap(), json!([]));
    let r = api
        .delete(local.at(&format!("/api/v1/subscriptions/{id}")))
        .bearer_auth(&other.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = api
        .delete(local.at(&format!("/api/v1/subscriptions/{id}")))
        .bearer_auth(&ed.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        count(
            &local.db,
            &format!("SELECT COUNT(*) FROM job_schedules WHERE name = 'case-subscription:{id}'")
        )
        .await,
        0
    );
    assert_eq!(versions().await.len(), 2, "the framework stays");
    // Bad input on the page: shown on the page, nothing added.
    let r = browser
        .post(local.at("/frameworks/subscriptions"))
        .form(&[("url", "ftp://example.org/pkg"), ("every_minutes", "30")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("http:// or https://"));
    remote.finish().await;
    local.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_follows_another_exchange_sqlite() {
    follows_another_exchange(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_follows_another_exchange_postgres() {
    follows_another_exchange(true).await;
}

/// A small HTTP server: `/pkg` serves the body it holds (no validators), `/big` more
/// than the cap, `/slow` nothing for five seconds.
async fn fixture_server(body: Arc<Mutex<Vec<u8>>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&head);
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                let payload = match path.as_str() {
                    "/pkg" => body.lock().unwrap().clone(),
                    "/big" => vec![b' '; 300_000],
                    "/slow" => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        Vec::new()
                    }
                    _ => {
                        let _ = sock
                            .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                            .await;
                        return;
                    }
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    payload.len()
                );
                let _ = sock.write_all(head.as_bytes()).await;
                let _ = sock.write_all(&payload).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_cap_size_and_time_and_compare_content() {
    let local = follower(false).await.unwrap();
    let ed = editor_of(&local, "Coastal Trades Board", "ed@coastal.example").await;
    let caller = Caller::user(&ed.user, None);
    let body = Arc::new(Mutex::new(read_fixture("plain-links.json")));
    let base = fixture_server(body.clone()).await;
    let sub = |path: &str| {
        let url = format!("{base}{path}");
        let db = local.db.clone();
        let caller = caller.clone();
        async move {
            subscriptions::subscribe(
                &db,
                &caller,
                NewSubscription {
                    url,
                    ..NewSubscription::default()
                },
            )
            .await
            .unwrap()
            .id
        }
    };
    // No validators: the same bytes again are recognised by their hash.
    let pkg = sub("/pkg").await;
    let c = subscriptions::check(&local.state, pkg)
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(&c, Checked::Changed(_)), "{c:?}");
    let c = subscriptions::check(&local.state, pkg)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        c,
        Checked::Unchanged("unchanged since the last check".into())
    );
    // A changed package whose content NSX already holds (only a timestamp moved): the
    // import finds it unchanged and writes nothing.
    let mut v: Value = serde_json::from_slice(&body.lock().unwrap()).unwrap();
    v["CFDocument"]["lastChangeDateTime"] = "2024-01-01T00:00:00Z".into();
    *body.lock().unwrap() = serde_json::to_vec(&v).unwrap();
    let versions = count(&local.db, "SELECT COUNT(*) FROM framework_versions").await;
    let c = subscriptions::check(&local.state, pkg)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&c, Checked::Unchanged(o) if o.starts_with("Unchanged")),
        "{c:?}"
    );
    assert_eq!(
        count(&local.db, "SELECT COUNT(*) FROM framework_versions").await,
        versions
    );

    // Too big, too slow: refused, recorded, nothing written.
    let big = sub("/big").await;
    let c = subscriptions::check(&local.state, big)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&c, Checked::Failed(e) if e.contains("larger than the 200000 bytes")),
        "{c:?}"
    );
    let slow = sub("/slow").await;
    let c = subscriptions::check(&local.state, slow)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&c, Checked::Failed(e) if e.contains("did not answer within 2 seconds")),
        "{c:?}"
    );
    let s = subscriptions::get(&local.db, &caller, slow).await.unwrap();
    assert!(s.last_error.unwrap().contains("did not answer"));
    assert_eq!(
        count(&local.db, "SELECT COUNT(*) FROM framework_versions").await,
        versions
    );
    local.finish().await;

    // With the default configuration, addresses on this machine are out of reach.
    let guarded = TestApp::builder()
        .data(Data::Empty)
        .config(|c| c.jobs.enabled = false)
        .start()
        .await;
    let ed = editor_of(&guarded, "Coastal Trades Board", "ed@coastal.example").await;
    let s = subscriptions::subscribe(
        &guarded.db,
        &Caller::user(&ed.user, None),
        NewSubscription {
            url: format!("{base}/pkg"),
            ..NewSubscription::default()
        },
    )
    .await
    .unwrap();
    let c = subscriptions::check(&guarded.state, s.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&c, Checked::Failed(e) if e.contains("private or local address")),
        "{c:?}"
    );
    guarded.finish().await;
}
