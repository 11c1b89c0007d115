//! Framework pages and the frameworks API on both backends: every section in the seed's
//! order, citation chips pointing at existing occupation rows, correction links, the index
//! filters and statement search, ETag/304, compression, problem documents, a snapshot of
//! one rendered page, the level matrix and the filters, and a real browser following a chip,
//! printing and filtering.

use crate::common::browser::Browser;
use crate::common::{TestApp, fixture_dir};
use nsx::db::Db;
use nsx::frameworks::{self, store};
use nsx::import::progress::Silent;
use nsx::on_db;
use nsx_core::frameworks::VersionLabel;

const CODE: &str = "17-3024.00";

/// The section ids of a framework page, in the order they must appear.
const SECTIONS: &[&str] = &[
    "overview",
    "glance",
    "context",
    "mastery",
    "ai-usage",
    "evidence",
    "durable",
    "anchors",
    "titles",
    "apprenticeships",
    "skills",
    "knowledge",
    "abilities",
    "work-styles",
    "technology",
    "tasks",
    "cip",
    "sources",
];

fn label() -> VersionLabel {
    "v26.05".parse().unwrap()
}

async fn import_extras(db: &Db, evidence: bool) {
    let fx = fixture_dir().join("..");
    nsx::import::crosswalk::import(db, &[fx.join("crosswalks")], false, &Silent)
        .await
        .expect("crosswalks");
    nsx::import::apprenticeships::import(db, &fx.join("apprenticeships.csv"), &Silent)
        .await
        .expect("apprenticeships");
    if evidence {
        nsx::import::evidence::import(db, &fx.join("evidence"), &Silent)
            .await
            .expect("evidence");
    }
}

/// Imports the extra sources and drafts every ready occupation, as `nsx draft --all` does.
async fn drafted(app: &TestApp, evidence: bool) {
    import_extras(&app.db, evidence).await;
    let run = frameworks::draft_and_store(&app.db, None, &label(), &Silent)
        .await
        .expect("draft");
    assert!(run.drafted >= 5);
}

/// Positions of `id="…"` for each section; panics if one is missing.
fn positions(html: &str) -> Vec<usize> {
    SECTIONS
        .iter()
        .map(|id| {
            html.find(&format!("id=\"{id}\""))
                .unwrap_or_else(|| panic!("section #{id} missing"))
        })
        .collect()
}

fn hrefs_with_class<'a>(html: &'a str, class: &str) -> Vec<&'a str> {
    let needle = format!("class=\"{class}\" href=\"");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

async fn task_exists(db: &Db, code: &str, task_id: i64) -> bool {
    let n: i64 = on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM onet_tasks WHERE code = $1 AND task_id = $2")
        .bind(code).bind(task_id).fetch_one(p).await)
    .unwrap();
    n > 0
}

async fn emerging_tasks_exist(db: &Db, code: &str) -> bool {
    let n: i64 = on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM onet_emerging_tasks WHERE code = $1")
        .bind(code).fetch_one(p).await)
    .unwrap();
    n > 0
}

async fn element_exists(db: &Db, code: &str, element_id: &str) -> bool {
    let n: i64 = on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM onet_ratings WHERE code = $1 AND element_id = $2")
        .bind(code).bind(element_id).fetch_one(p).await)
    .unwrap();
    n > 0
}

/// Checks every chip of a rendered version; returns the task, element and evidence chips.
async fn check_chips(
    app: &TestApp,
    v: &frameworks::FrameworkView,
    html: &str,
) -> (usize, usize, usize) {
    let code = &v.version.code;
    let chips = hrefs_with_class(html, "chip");
    let cites: usize = v
        .statements
        .iter()
        .map(|s| s.statement.citations.len())
        .sum();
    assert_eq!(chips.len(), cites, "{code}: one chip per citation");
    let (mut tasks, mut elements, mut evidence) = (0, 0, 0);
    for h in &chips {
        if let Some(t) = h.strip_prefix(&format!("/occupations/{code}#task-")) {
            assert!(task_exists(&app.db, code, t.parse().unwrap()).await, "{h}");
            tasks += 1;
        } else if *h == format!("/occupations/{code}#emerging-tasks") {
            // The occupation page lists its emerging tasks under that anchor.
            assert!(emerging_tasks_exist(&app.db, code).await, "{h}");
            tasks += 1;
        } else if let Some(e) = h.strip_prefix(&format!("/occupations/{code}#element-")) {
            assert!(element_exists(&app.db, code, e).await, "{h}");
            elements += 1;
        } else if let Some(a) = h.strip_prefix('#') {
            assert!(html.contains(&format!("id=\"{a}\"")), "{h}");
            evidence += 1;
        } else {
            assert_eq!(*h, format!("/occupations/{code}#technology"));
        }
    }
    (tasks, elements, evidence)
}

async fn framework_page_in_order_with_chips(app: TestApp) {
    drafted(&app, true).await;
    let (status, html) = app.get(&format!("/frameworks/{CODE}")).await;
    assert_eq!(status, 200, "{html}");
    let pos = positions(&html);
    assert!(
        pos.windows(2).all(|w| w[0] < w[1]),
        "sections out of order: {pos:?}"
    );
    // Header facts.
    assert!(html.contains("Electro-Mechanical"));
    assert!(html.contains(">v26.05<") && html.contains(">Draft<"));
    assert!(html.contains("Job Zone"));
    // Headings in order: one h1, never skipping a level.
    let levels: Vec<u8> = html
        .match_indices("<h")
        .filter_map(|(i, _)| {
            let c = html.as_bytes()[i + 2];
            c.is_ascii_digit().then_some(c - b'0')
        })
        .collect();
    assert_eq!(levels.iter().filter(|l| **l == 1).count(), 1);
    assert_eq!(levels[0], 1);
    assert!(
        levels.windows(2).all(|w| w[1] <= w[0] + 1),
        "heading levels skip: {levels:?}"
    );
    // Every chip links to a row inside NSX that exists, on every drafted framework.
    let v = store::load_version(&app.db, CODE, None)
        .await
        .unwrap()
        .unwrap();
    let (tasks, elements, _) = check_chips(&app, &v, &html).await;
    assert!(tasks > 0 && elements > 0, "{tasks} {elements}");
    let mut evidence_chips = 0;
    let mut evidence_cites = 0;
    for other in store::latest_versions(&app.db, None).await.unwrap() {
        let o = store::load_version(&app.db, &other.code, None)
            .await
            .unwrap()
            .unwrap();
        let (_, page) = app.get(&other.url).await;
        evidence_chips += check_chips(&app, &o, &page).await.2;
        evidence_cites += o
            .statements
            .iter()
            .flat_map(|s| &s.statement.citations)
            .filter(|c| matches!(c.locator, nsx_core::frameworks::Locator::Evidence { .. }))
            .count();
    }
    assert_eq!(evidence_chips, evidence_cites);
    assert!(html.contains("title=\"Source: O*NET "));
    // A correction link on every statement, and each one answers.
    let corrections = html.matches("/corrections/new?statement=").count();
    assert_eq!(corrections, v.statements.len());
    // Each correction link is an icon whose accessible name says which statement it
    // corrects, so a list of links reads unambiguously; the words are not repeated on screen.
    let named = html
        .matches("aria-label=\"Suggest a correction to statement ")
        .count();
    assert_eq!(named, v.statements.len());
    assert!(!html.contains(">Suggest a correction</a>"), "no text links");
    assert!(html.contains("/corrections/new?anchor=task-"));
    let s = &v.statements[0];
    let (st, page) = app
        .get(&format!(
            "/frameworks/{CODE}/v26.05/corrections/new?statement={}",
            s.id
        ))
        .await;
    assert_eq!(st, 200);
    assert!(page.contains(&s.statement.subject.replace('&', "&amp;")));
    assert!(
        page.contains(&format!(
            "<form method=\"post\" action=\"/frameworks/{CODE}/v26.05/corrections/new\""
        )),
        "the link leads to the suggestion form"
    );
    let (st, _) = app
        .get(&format!(
            "/frameworks/{CODE}/v26.05/corrections/new?statement={}",
            uuid::Uuid::nil()
        ))
        .await;
    assert_eq!(st, 404);
    // Anchors: count shown, cited tasks marked.
    assert!(html.contains(" anchors</span>"));
    assert!(html.contains("fw-cited"));
    // The stable version URL shows the same version.
    let (st, by_label) = app.get(&format!("/frameworks/{CODE}/v26.05")).await;
    assert_eq!(st, 200);
    // The same page, its filter form aimed at its own address.
    assert_eq!(
        by_label.replace(
            &format!("action=\"/frameworks/{CODE}/v26.05\""),
            &format!("action=\"/frameworks/{CODE}\"")
        ),
        html
    );
    // Unknown and malformed.
    let (st, missing) = app.get(&format!("/frameworks/{CODE}/v99.01")).await;
    assert_eq!(st, 404);
    assert!(missing.contains("has no version v99.01"), "{missing}");
    assert!(missing.contains(&format!("href=\"/frameworks/{CODE}/v26.05\"")));
    assert_eq!(app.get("/frameworks/99-9999.99").await.0, 404);
    assert_eq!(app.get(&format!("/frameworks/{CODE}/latest")).await.0, 422);
    assert_eq!(app.get("/frameworks/Not_A_Code").await.0, 422);
    assert_eq!(app.get("/frameworks/no-such-framework").await.0, 404);
    app.finish().await;
}

async fn page_without_ai_evidence_says_so(app: TestApp) {
    drafted(&app, false).await;
    let (status, html) = app.get(&format!("/frameworks/{CODE}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("No AI-usage statements in this version"));
    assert!(html.contains("there is no AI-usage evidence for this occupation"));
    assert!(html.contains("<dt>Tasks with AI-usage figures</dt><dd>0 "));
    positions(&html);
    app.finish().await;
}

async fn etag_304_and_gzip(app: TestApp) {
    drafted(&app, true).await;
    let c = app.client();
    let url = app.at(&format!("/frameworks/{CODE}"));
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert!(
        etag.starts_with('"') && !etag.starts_with("W/"),
        "strong: {etag}"
    );
    let body = r.text().await.unwrap();
    // Served again (from the cache) with the same validator.
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(r.text().await.unwrap(), body);
    let r = c
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert!(r.bytes().await.unwrap().is_empty());
    let r = c
        .get(&url)
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let gz = r.bytes().await.unwrap();
    assert_eq!(&gz[..2], &[0x1f, 0x8b]);
    assert!(gz.len() < body.len() / 2, "{} vs {}", gz.len(), body.len());
    app.finish().await;
}

/// The framework page as browsers fetch it: a brotli copy made once the page is cached,
/// served to `Accept-Encoding: gzip, br` with its own tag, `Vary`, `HEAD` and `304` alike, and
/// decompressing to the very page; the weights of `Accept-Encoding` are honoured.
async fn brotli_copy_for_browsers(app: TestApp) {
    drafted(&app, true).await;
    let c = app.client();
    let url = app.at(&format!("/frameworks/{CODE}"));
    let r = c.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-encoding").is_none());
    let plain_tag = r.headers()["etag"].to_str().unwrap().to_string();
    let page = r.bytes().await.unwrap();
    // The copy is made in the background once the page is cached; until then browsers get
    // gzip. Wait for it (milliseconds; a minute at most).
    let browser = |req: reqwest::RequestBuilder| req.header("accept-encoding", "gzip, deflate, br");
    let mut got = None;
    for _ in 0..600 {
        let r = browser(c.get(&url)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let coding = r.headers()["content-encoding"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(coding == "br" || coding == "gzip", "{coding}");
        if coding == "br" {
            got = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let r = got.expect("a brotli copy");
    let vary = r.headers()["vary"].to_str().unwrap().to_lowercase();
    assert!(vary.contains("accept-encoding"), "{vary}");
    let br_tag = r.headers()["etag"].to_str().unwrap().to_string();
    assert!(
        br_tag.starts_with('"') && br_tag.ends_with("-br\""),
        "{br_tag}"
    );
    assert_ne!(br_tag, plain_tag);
    let coded = r.bytes().await.unwrap();
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut &coded[..], &mut unpacked).expect("a brotli stream");
    assert_eq!(unpacked, page, "the brotli copy is the page");

    // gzip has its own tag; brotli's copy is the smaller.
    let r = c
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let gz_tag = r.headers()["etag"].to_str().unwrap().to_string();
    assert!(gz_tag != br_tag && gz_tag != plain_tag, "{gz_tag}");
    let gz = r.bytes().await.unwrap();
    assert!(
        coded.len() < gz.len(),
        "br {} vs gzip {}",
        coded.len(),
        gz.len()
    );

    // Weights: brotli refused or ranked lower gets gzip; identity preferred gets the page.
    for (ae, want) in [
        ("br;q=0, gzip", Some("gzip")),
        ("br;q=0.4, gzip;q=0.9", Some("gzip")),
        ("gzip;q=0.4, br;q=0.9", Some("br")),
        ("identity, br;q=0.5", None),
    ] {
        let r = c
            .get(&url)
            .header("accept-encoding", ae)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{ae}");
        let coding = r
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_string());
        assert_eq!(coding.as_deref(), want, "{ae}");
    }

    // HEAD: the same headers as GET, no body.
    let r = browser(c.head(&url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "br");
    assert_eq!(r.headers()["etag"].to_str().unwrap(), br_tag);
    if let Some(len) = r.headers().get("content-length") {
        assert_eq!(len.to_str().unwrap(), coded.len().to_string());
    }
    assert!(r.bytes().await.unwrap().is_empty());

    // 304 on the brotli tag, for a client that would get brotli (GET and HEAD) …
    for req in [c.get(&url), c.head(&url)] {
        let r = browser(req)
            .header("if-none-match", &br_tag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304);
        assert_eq!(r.headers()["etag"].to_str().unwrap(), br_tag);
        assert!(r.bytes().await.unwrap().is_empty());
    }
    // … but not for one that would get another representation.
    let r = c
        .get(&url)
        .header("accept-encoding", "gzip")
        .header("if-none-match", &br_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let r = c
        .get(&url)
        .header("if-none-match", &br_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap(), page);

    // The listener answers the page's own address from memory, in front of the router;
    // `?level=` (the same page, under an address the page cache never learns) goes
    // through the router and the whole middleware stack each time. Both answers carry the
    // same status, headers (but the date and the request id) and bytes.
    let routed_url = format!("{url}?level=");
    let variants: [&[(&str, &str)]; 6] = [
        &[],
        &[("accept-encoding", "gzip")],
        &[("accept-encoding", "gzip, deflate, br")],
        &[
            ("accept-encoding", "gzip, deflate, br"),
            ("if-none-match", &br_tag),
        ],
        &[("accept-encoding", "gzip"), ("if-none-match", &br_tag)],
        &[("if-none-match", &plain_tag)],
    ];
    for headers in variants {
        let fetch = |u: &str| {
            let mut req = c.get(u);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.send()
        };
        let (memory, routed) = (
            fetch(&url).await.unwrap(),
            fetch(&routed_url).await.unwrap(),
        );
        assert_eq!(memory.status(), routed.status(), "{headers:?}");
        let seen = |r: &reqwest::Response| {
            let mut h: Vec<(String, String)> = r
                .headers()
                .iter()
                .filter(|(k, _)| *k != "date" && *k != "x-request-id")
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
                .collect();
            h.sort();
            h
        };
        assert_eq!(seen(&memory), seen(&routed), "{headers:?}");
        assert!(memory.headers().contains_key("x-request-id"));
        assert_eq!(
            memory.bytes().await.unwrap(),
            routed.bytes().await.unwrap(),
            "{headers:?}"
        );
    }
    app.finish().await;
}

async fn index_filters_and_search(app: TestApp) {
    drafted(&app, true).await;
    let latest = store::latest_versions(&app.db, None).await.unwrap();
    let r = app
        .client()
        .get(app.at("/frameworks"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    let html = r.text().await.unwrap();
    let r = app
        .client()
        .get(app.at("/frameworks"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    for v in &latest {
        assert!(html.contains(&format!("href=\"{}\"", v.url)), "{}", v.code);
    }
    assert!(html.contains(&format!("{} frameworks", latest.len())));
    // SOC major group.
    let (_, html) = app.get("/frameworks?group=17").await;
    assert!(html.contains(CODE));
    assert!(
        latest
            .iter()
            .filter(|v| !v.code.starts_with("17"))
            .all(|v| !html.contains(&v.url))
    );
    // Job Zone.
    let zone = latest
        .iter()
        .find(|v| v.code == CODE)
        .unwrap()
        .job_zone
        .unwrap();
    let (_, html) = app.get(&format!("/frameworks?zone={zone}")).await;
    assert!(html.contains(CODE));
    for v in latest.iter().filter(|v| v.job_zone != Some(zone)) {
        assert!(!html.contains(&v.url), "{}", v.code);
    }
    // Status: nothing is published yet.
    let (_, html) = app.get("/frameworks?status=published").await;
    assert!(html.contains("No framework matches"));
    let (_, html) = app.get("/frameworks?status=draft&group=").await;
    assert!(html.contains(CODE));
    // Statement search over the newest versions.
    let v = store::load_version(&app.db, CODE, None)
        .await
        .unwrap()
        .unwrap();
    let word = v.statements[0]
        .statement
        .subject
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let (_, html) = app
        .get(&format!("/frameworks?q={}", urlencode(&word)))
        .await;
    assert!(html.contains(CODE), "searching {word}");
    assert!(html.contains("fw-hits"));
    let (_, html) = app.get("/frameworks?q=qqzzxxunfindable").await;
    assert!(html.contains("No framework matches"));
    // Bad filters are refused.
    assert_eq!(app.get("/frameworks?group=99").await.0, 422);
    assert_eq!(app.get("/frameworks?zone=9").await.0, 422);
    assert_eq!(app.get("/frameworks?status=gone").await.0, 422);
    app.finish().await;
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn api_routes(app: TestApp) {
    drafted(&app, true).await;
    let latest = store::latest_versions(&app.db, None).await.unwrap();
    let (st, list) = app.get_json("/api/v1/frameworks").await;
    assert_eq!(st, 200);
    assert_eq!(list["total"], latest.len());
    assert_eq!(list["items"].as_array().unwrap().len(), latest.len());
    let (_, page) = app.get_json("/api/v1/frameworks?limit=2&offset=1").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["code"], list["items"][1]["code"]);
    let (_, g) = app.get_json("/api/v1/frameworks?group=17").await;
    assert!(
        g["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["code"].as_str().unwrap().starts_with("17-"))
    );
    assert!(g["total"].as_u64().unwrap() >= 1);

    let (st, fw) = app.get_json(&format!("/api/v1/frameworks/{CODE}")).await;
    assert_eq!(st, 200);
    assert_eq!(fw["version"]["version"], "v26.05");
    assert_eq!(fw["version"]["url"], format!("/frameworks/{CODE}/v26.05"));
    let statements = fw["statements"].as_array().unwrap();
    assert!(!statements.is_empty());
    assert!(
        statements
            .iter()
            .all(|s| !s["citations"].as_array().unwrap().is_empty())
    );
    assert_eq!(fw["version"]["statement_count"], statements.len());

    let (st, versions) = app
        .get_json(&format!("/api/v1/frameworks/{CODE}/versions"))
        .await;
    assert_eq!(st, 200);
    assert_eq!(versions[0]["version"], "v26.05");
    let (st, one) = app
        .get_json(&format!("/api/v1/frameworks/{CODE}/versions/v26.05"))
        .await;
    assert_eq!(st, 200);
    assert_eq!(one["statements"], fw["statements"]);

    let id = statements[3]["id"].as_str().unwrap();
    let (st, s) = app.get_json(&format!("/api/v1/statements/{id}")).await;
    assert_eq!(st, 200);
    assert_eq!(s["statement"]["subject"], statements[3]["subject"]);
    assert_eq!(s["version"]["code"], CODE);

    for (path, status) in [
        ("/api/v1/frameworks/99-9999.99".to_string(), 404),
        (format!("/api/v1/frameworks/{CODE}/versions/v99.01"), 404),
        ("/api/v1/frameworks/99-9999.99/versions".to_string(), 404),
        (format!("/api/v1/statements/{}", uuid::Uuid::nil()), 404),
        ("/api/v1/statements/not-a-uuid".to_string(), 422),
        (format!("/api/v1/frameworks/{CODE}/versions/v26"), 422),
        ("/api/v1/frameworks?job_zone=7".to_string(), 422),
        ("/api/v1/frameworks?limit=0".to_string(), 422),
    ] {
        let r = app.client().get(app.at(&path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let p: serde_json::Value = r.json().await.unwrap();
        assert_eq!(p["status"], status);
    }
    // Described in the OpenAPI document under its tag.
    let (_, doc) = app.get_json("/api/openapi.json").await;
    for p in [
        "/api/v1/frameworks",
        "/api/v1/frameworks/{code}",
        "/api/v1/frameworks/{code}/versions",
        "/api/v1/frameworks/{code}/versions/{version}",
        "/api/v1/statements/{id}",
    ] {
        assert_eq!(doc["paths"][p]["get"]["tags"][0], "frameworks", "{p}");
    }
    assert!(
        doc["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "frameworks")
    );
    app.finish().await;
}

/// The index filters and pages in the database; every page agrees with the one rule for
/// a framework's current version ([`store::current_of`]) applied in Rust: published first,
/// then the newest label (`v26.06.10` after `v26.06.2`), discarded versions never.
async fn index_pages_in_sql_by_the_current_rule(app: TestApp) {
    use nsx::frameworks::queries::{self, IndexFilter};
    use nsx_core::frameworks::Status;

    drafted(&app, true).await;
    let codes: Vec<String> = on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT DISTINCT code FROM framework_versions ORDER BY code"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert!(codes.len() >= 5);
    for l in ["v26.06", "v26.06.2", "v26.06.10"] {
        let l: VersionLabel = l.parse().unwrap();
        frameworks::draft_and_store(&app.db, Some(&codes[..4]), &l, &Silent)
            .await
            .unwrap();
    }
    let set = |code: &str, label: &str, status: &str| {
        let (code, label, status) = (code.to_string(), label.to_string(), status.to_string());
        let db = app.db.clone();
        async move {
            on_db!(&db, p => sqlx::query(
                "UPDATE framework_versions SET status = $1 WHERE code = $2 AND label = $3"
            )
            .bind(&status)
            .bind(&code)
            .bind(&label)
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
            .unwrap();
        }
    };
    // 0: published v26.05 stays current beside newer drafts.
    set(&codes[0], "v26.05", "published").await;
    // 1: the newest label is discarded; the next newest is current.
    set(&codes[1], "v26.06.10", "discarded").await;
    // 2: two published; the newer one is current.
    set(&codes[2], "v26.05", "published").await;
    set(&codes[2], "v26.06", "published").await;
    set(&codes[2], "v26.06.2", "in_review").await;
    // 3: a newest draft (v26.06.10 sorts after v26.06.2).
    // 4: every version discarded: not listed.
    set(&codes[4], "v26.05", "discarded").await;

    let mut current = Vec::new();
    for c in &codes {
        let versions = store::list_versions(&app.db, c).await.unwrap();
        if let Some(v) = store::current_of(&versions) {
            current.push(v.clone());
        }
    }
    let label_of = |i: usize| {
        current
            .iter()
            .find(|v| v.code == codes[i])
            .map(|v| (v.label.to_string(), v.status))
    };
    assert_eq!(label_of(0), Some(("v26.05".into(), Status::Published)));
    assert_eq!(label_of(1), Some(("v26.06.2".into(), Status::Draft)));
    assert_eq!(label_of(2), Some(("v26.06".into(), Status::Published)));
    assert_eq!(label_of(3), Some(("v26.06.10".into(), Status::Draft)));
    assert_eq!(label_of(4), None);
    let latest = store::latest_versions(&app.db, None).await.unwrap();
    let ids = |vs: &[frameworks::VersionSummary]| vs.iter().map(|v| v.id).collect::<Vec<_>>();
    assert_eq!(ids(&latest), ids(&current));
    let some = store::latest_versions(&app.db, Some(&codes[..3]))
        .await
        .unwrap();
    assert_eq!(ids(&some), ids(&current[..3]));

    // A word of a statement of the current version of code 3, and one of only an older one.
    let texts = |v: &frameworks::VersionSummary| {
        let db = app.db.clone();
        let id = v.id;
        async move {
            store::statements_of(&db, &[id])
                .await
                .unwrap()
                .remove(&id)
                .unwrap_or_default()
                .into_iter()
                .map(|s| {
                    format!("{} {}", s.statement.subject, s.statement.performance).to_lowercase()
                })
                .collect::<Vec<_>>()
        }
    };
    let mut statement_texts = std::collections::HashMap::new();
    for v in &current {
        statement_texts.insert(v.id, texts(v).await);
    }
    let word = statement_texts[&current[3].id][0]
        .split_whitespace()
        .find(|w| w.len() > 4)
        .unwrap()
        .to_string();
    let zone = current[0].job_zone;
    let group = codes[0][..2].to_string();

    let filters = [
        IndexFilter::default(),
        IndexFilter {
            group: Some(group.clone()),
            ..Default::default()
        },
        IndexFilter {
            job_zone: zone,
            ..Default::default()
        },
        IndexFilter {
            status: Some(Status::Published),
            ..Default::default()
        },
        IndexFilter {
            status: Some(Status::Draft),
            ..Default::default()
        },
        IndexFilter {
            status: Some(Status::InReview),
            ..Default::default()
        },
        IndexFilter {
            q: Some(format!("  {}  ", word.to_uppercase())),
            ..Default::default()
        },
        IndexFilter {
            q: Some(format!("{word} qqzzxxunfindable")),
            ..Default::default()
        },
        IndexFilter {
            q: Some("100%_\\".into()),
            ..Default::default()
        },
        IndexFilter {
            status: Some(Status::Draft),
            job_zone: zone,
            q: Some(word.clone()),
            ..Default::default()
        },
    ];
    for filter in filters {
        let words: Vec<String> = filter
            .q
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let expected: Vec<String> = current
            .iter()
            .filter(|v| {
                filter
                    .group
                    .as_deref()
                    .is_none_or(|g| v.code.starts_with(g))
            })
            .filter(|v| filter.job_zone.is_none_or(|z| v.job_zone == Some(z)))
            .filter(|v| filter.status.is_none_or(|s| v.status == s))
            .filter(|v| {
                words.is_empty()
                    || statement_texts[&v.id]
                        .iter()
                        .any(|t| words.iter().all(|w| t.contains(w.as_str())))
            })
            .map(|v| format!("{} {}", v.code, v.label))
            .collect();
        let mut seen = Vec::new();
        let mut offset = 0;
        loop {
            let page = queries::index(
                &app.db,
                &IndexFilter {
                    limit: 2,
                    offset,
                    ..filter.clone()
                },
            )
            .await
            .unwrap();
            assert_eq!(page.total, expected.len(), "{filter:?}");
            assert!(page.items.len() <= 2);
            if page.items.is_empty() {
                break;
            }
            seen.extend(page.items.iter().map(|v| format!("{} {}", v.code, v.label)));
            offset += 2;
        }
        assert_eq!(seen, expected, "{filter:?}");
    }

    // The API answers the same pages, with the total in X-Total-Count.
    let r = app
        .client()
        .get(app.at("/api/v1/frameworks?status=draft&limit=1&offset=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let drafts: Vec<_> = current
        .iter()
        .filter(|v| v.status == Status::Draft)
        .collect();
    assert_eq!(
        r.headers()["x-total-count"],
        drafts.len().to_string().as_str()
    );
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["items"][0]["code"], drafts[1].code.as_str());
    assert_eq!(body["items"][0]["version"], drafts[1].label.to_string());
    app.finish().await;
}

/// The mapping source's link, followed as a browser would from the framework page, reaches a
/// page that lists the mapping table (a relative link used to land on `/frameworks/docs/…`).
async fn durable_mapping_link_resolves(app: TestApp) {
    drafted(&app, false).await;
    let page = format!("/frameworks/{CODE}");
    let (status, html) = app.get(&page).await;
    assert_eq!(status, 200);
    let li = &html[html
        .find("id=\"source-nsx-durable-map\"")
        .expect("mapping source")..];
    let href = &li[li.find("href=\"").unwrap() + 6..];
    let href = &href[..href.find('"').unwrap()];
    let base = url::Url::parse(&app.at(&page)).unwrap();
    let target = base.join(href).unwrap();
    let (status, body) = app.get(target.path()).await;
    assert_eq!(status, 200, "{target}");
    assert!(body.contains("<h1>Durable-skills mapping</h1>"));
    assert!(body.contains("Active Listening"));
    app.finish().await;
}

/// An occupation's page links to its framework; a real occupation without one gets a page
/// (404) that says why, and a code that is no occupation stays a plain 404.
async fn occupation_and_framework_link_each_other(app: TestApp) {
    drafted(&app, false).await;
    let (status, html) = app.get(&format!("/occupations/{CODE}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!("<a href=\"/frameworks/{CODE}\">")),
        "occupation page links to its framework"
    );
    let (_, body) = app
        .get_json("/api/v1/occupations?framework_ready=false")
        .await;
    let without = body["items"][0]["code"]
        .as_str()
        .expect("a not-ready occupation");
    let reason = body["items"][0]["readiness_reason"].as_str().unwrap();
    let (status, html) = app.get(&format!("/occupations/{without}")).await;
    assert_eq!(status, 200);
    assert!(!html.contains(&format!("href=\"/frameworks/{without}\"")));
    let (status, html) = app.get(&format!("/frameworks/{without}")).await;
    assert_eq!(status, 404);
    assert!(html.contains("id=\"no-framework-reason\""), "{html}");
    assert!(html.contains(reason), "the page gives the reason");
    assert!(html.contains(&format!("href=\"/occupations/{without}\"")));
    let (status, html) = app.get("/frameworks/99-9999.99").await;
    assert_eq!(status, 404);
    assert!(!html.contains("no-framework-reason"));
    app.finish().await;
}

/// The text of an anchor section's empty-list note.
fn empty_note<'a>(html: &'a str, section: &str) -> &'a str {
    let at = html
        .find(&format!("<section id=\"{section}\""))
        .expect(section);
    let sec = &html[at..];
    let sec = &sec[..sec.find("</section>").unwrap()];
    let p = sec.find("<p class=\"muted\">").expect("an empty-list note") + 17;
    &sec[p..p + sec[p..].find("</p>").unwrap()]
}

/// A source file that was never imported is reported as such; one that was imported but
/// holds nothing for the occupation still reads "None recorded".
async fn never_imported_is_not_none_recorded(app: TestApp) {
    // No apprenticeship list, and the release's abilities ratings taken out.
    on_db!(&app.db, p => sqlx::query("DELETE FROM onet_ratings WHERE domain = $1").bind("abilities").execute(p).await.map(|_| ()))
        .unwrap();
    frameworks::draft_and_store(&app.db, None, &label(), &Silent)
        .await
        .expect("draft");
    let (status, html) = app.get(&format!("/frameworks/{CODE}")).await;
    assert_eq!(status, 200);
    for section in ["apprenticeships", "abilities"] {
        let note = empty_note(&html, section);
        assert!(
            note.starts_with("Not in the imported release"),
            "{section}: {note}"
        );
    }
    // With the list imported, an occupation it has no programme for has none recorded.
    import_extras(&app.db, false).await;
    frameworks::draft_and_store(&app.db, None, &label(), &Silent)
        .await
        .expect("draft");
    let listed = ["17-3024.00", "17-3024.01", "49-9041.00"];
    let other = store::latest_versions(&app.db, None)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.code)
        .find(|c| !listed.contains(&c.as_str()))
        .expect("a framework with no apprenticeship");
    let (status, html) = app.get(&format!("/frameworks/{other}")).await;
    assert_eq!(status, 200);
    assert_eq!(empty_note(&html, "apprenticeships"), "None recorded.");
    assert!(empty_note(&html, "abilities").starts_with("Not in the imported release"));
    app.finish().await;
}

on_both_backends!(
    never_imported_is_not_none_recorded,
    durable_mapping_link_resolves,
    occupation_and_framework_link_each_other,
    framework_page_in_order_with_chips,
    page_without_ai_evidence_says_so,
    etag_304_and_gzip,
    brotli_copy_for_browsers,
    index_filters_and_search,
    api_routes,
    index_pages_in_sql_by_the_current_rule,
);

/// HTML-escapes text the way the templates do.
fn esc(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The part of a page between two markers (the first after `from`, up to `to`).
fn between<'a>(html: &'a str, from: &str, to: &str) -> &'a str {
    let start = html.find(from).unwrap_or_else(|| panic!("{from} missing"));
    let rest = &html[start..];
    &rest[..rest
        .find(to)
        .unwrap_or_else(|| panic!("{to} missing after {from}"))]
}

/// The ids of the statements a page lists in full.
fn listed_statements(html: &str) -> Vec<&str> {
    html.match_indices("<li id=\"s-")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            &rest[..36]
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framework_page_matrix_icons_and_filters() {
    use nsx_core::frameworks::{Level, MasteryLevel, Section};
    let app = TestApp::builder().start().await;
    drafted(&app, true).await;
    let v = store::load_version(&app.db, CODE, None)
        .await
        .unwrap()
        .unwrap();
    let (status, html) = app.get(&format!("/frameworks/{CODE}")).await;
    assert_eq!(status, 200);

    // The matrix comes first: every statement is linked from exactly one cell of it, and
    // the full statements follow.
    let glance = between(&html, "id=\"glance\"", "id=\"context\"");
    assert!(html.find("id=\"glance\"") < html.find("id=\"mastery\""));
    assert_eq!(glance.matches("<table class=\"fw-matrix\">").count(), 2);
    assert_eq!(glance.matches("<caption>").count(), 2);
    for col in [
        "Emerging",
        "Developing",
        "Proficient",
        "Advanced",
        "Applying",
        "Exceeding",
    ] {
        assert!(
            glance.contains(&format!("<th scope=\"col\">{col}</th>")),
            "column {col}"
        );
    }
    for s in &v.statements {
        assert_eq!(
            glance.matches(&format!("href=\"#s-{}\"", s.id)).count(),
            1,
            "matrix link to {}",
            s.statement.subject
        );
        assert!(html.contains(&format!("<li id=\"s-{}\"", s.id)));
    }
    // One row per distinct subject of each group, each a row header.
    let distinct = |section: Section| {
        let mut subjects: Vec<&str> = v
            .statements
            .iter()
            .filter(|s| s.statement.section == section)
            .map(|s| s.statement.subject.as_str())
            .collect();
        subjects.sort();
        subjects.dedup();
        subjects.len()
    };
    let technical = between(glance, ">Technical</th>", "</tbody>");
    assert_eq!(
        technical.matches("<th scope=\"row\">").count(),
        distinct(Section::Technical)
    );
    assert!(glance.contains("scope=\"rowgroup\""));
    // The cell of a subject at a level names both.
    let first = v
        .statements
        .iter()
        .find(|s| s.statement.section == Section::Technical)
        .unwrap();
    assert!(
        glance.contains(&format!(
            "href=\"#s-{}\" aria-label=\"{}: Emerging 1\">1</a>",
            first.id,
            esc(&first.statement.subject)
        )),
        "{glance}"
    );

    // One icon per statement, each named for its statement.
    let icons = html
        .matches(
            "class=\"fw-correct\" href=\"/frameworks/17-3024.00/v26.05/corrections/new?statement=",
        )
        .count();
    assert_eq!(icons, v.statements.len());
    assert!(html.contains(&format!(
        "aria-label=\"Suggest a correction to statement Emerging 1: {}\"><span aria-hidden=\"true\">",
        esc(&first.statement.subject)
    )));

    // The filter form: a GET form on the page itself, labelled lists, nothing selected.
    assert!(html.contains(&format!(
        "<form class=\"fw-filters fw-page-filters\" method=\"get\" action=\"/frameworks/{CODE}\">"
    )));
    assert!(html.contains("<label for=\"f-level\">") && html.contains("<label for=\"f-domain\">"));
    assert!(!html.contains(" selected>"));
    assert!(!html.contains("fw-filter-note"));

    // Level and domain: only the advanced technical statements are listed.
    let (status, adv) = app
        .get(&format!(
            "/frameworks/{CODE}?level=advanced&domain=technical"
        ))
        .await;
    assert_eq!(status, 200, "{adv}");
    assert!(
        adv.contains("Showing Advanced statements in Technical."),
        "{adv}"
    );
    assert!(adv.contains(&format!(
        "<a href=\"/frameworks/{CODE}\">Show all statements</a>"
    )));
    assert!(adv.contains("<option value=\"advanced\" selected>"));
    assert!(adv.contains("<option value=\"technical\" selected>"));
    let want: Vec<String> = v
        .statements
        .iter()
        .filter(|s| {
            s.statement.section == Section::Technical
                && s.statement.level == Level::Mastery(MasteryLevel::Advanced)
        })
        .map(|s| s.id.to_string())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(listed_statements(&adv), want);
    let adv_glance = between(&adv, "id=\"glance\"", "id=\"context\"");
    assert_eq!(adv_glance.matches("<table class=\"fw-matrix\">").count(), 1);
    assert!(!adv_glance.contains("<th scope=\"col\">Emerging</th>"));
    assert!(
        adv.contains("id=\"durable\"")
            && adv.contains("Not shown: the page is filtered to show Advanced")
    );

    // One durable domain, at every level: its statements keep their numbers.
    let (status, comm) = app
        .get(&format!("/frameworks/{CODE}?domain=communication"))
        .await;
    assert_eq!(status, 200);
    let want: Vec<String> = v
        .statements
        .iter()
        .filter(|s| s.statement.domain == Some(nsx_core::frameworks::DurableDomain::Communication))
        .map(|s| s.id.to_string())
        .collect();
    assert!(!want.is_empty());
    assert_eq!(listed_statements(&comm), want);
    assert!(comm.contains("id=\"durable-communication\""));
    assert!(!comm.contains("id=\"durable-leadership\""));
    // A level alone, named on the durable scale; values are read case- and dash-blind.
    let (status, exc) = app
        .get(&format!(
            "/frameworks/{CODE}/v26.05?level=Exceeding&domain=critical-thinking"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(
        exc.contains("Showing Exceeding statements in Critical Thinking."),
        "{exc}"
    );
    assert!(exc.contains(&format!(
        "<a href=\"/frameworks/{CODE}/v26.05\">Show all statements</a>"
    )));
    let ct: Vec<_> = v
        .statements
        .iter()
        .filter(|s| {
            s.statement.domain == Some(nsx_core::frameworks::DurableDomain::CriticalThinking)
        })
        .collect();
    let mut shown = 0;
    for (i, s) in ct.iter().enumerate() {
        let li = format!("<li id=\"s-{}\" value=\"{}\">", s.id, i + 1);
        if s.statement.level.rank() == 3 {
            assert!(exc.contains(&li), "{li} keeps its number");
            shown += 1;
        } else {
            assert!(!exc.contains(&format!("id=\"s-{}\"", s.id)));
        }
    }
    assert!(shown > 0);

    // Empty values are the unfiltered page.
    let (status, all) = app.get(&format!("/frameworks/{CODE}?level=&domain=")).await;
    assert_eq!(status, 200);
    assert_eq!(all, html);

    // Unknown values: a 422 page naming the parameter, never a 500.
    for (query, field, value) in [
        ("level=expert", "level", "expert"),
        ("domain=cooking", "domain", "cooking"),
        (
            "level=advanced&domain=%3Cscript%3E",
            "domain",
            "&#60;script&#62;",
        ),
    ] {
        let (status, page) = app.get(&format!("/frameworks/{CODE}?{query}")).await;
        assert_eq!(status, 422, "{query}: {page}");
        assert!(
            page.contains(&format!("<strong>{field}</strong>")),
            "{query}: {page}"
        );
        assert!(page.contains(value), "{query}: {page}");
        assert!(!page.contains("<script>"));
    }
    let (status, _) = app
        .get(&format!("/frameworks/{CODE}?level=advanced&level=emerging"))
        .await;
    assert_eq!(status, 422);
    let long = "x".repeat(5000);
    let (status, page) = app.get(&format!("/frameworks/{CODE}?level={long}")).await;
    assert_eq!(status, 422);
    assert!(page.len() < 10_000, "the value is not echoed in full");

    // Filtered pages do not replace the unfiltered one in the cache.
    let (_, again) = app.get(&format!("/frameworks/{CODE}")).await;
    assert_eq!(again, html);
    let (_, adv_again) = app
        .get(&format!(
            "/frameworks/{CODE}?level=advanced&domain=technical"
        ))
        .await;
    assert_eq!(adv_again, adv);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn framework_page_snapshot() {
    let app = TestApp::builder().start().await;
    drafted(&app, true).await;
    let (_, html) = app.get(&format!("/frameworks/{CODE}/v26.05")).await;
    let start = html.find("<article").unwrap();
    let end = html.find("</article>").unwrap() + "</article>".len();
    // Statement ids are UUID v5 of stable names, so the article is stable as a whole.
    insta::assert_snapshot!("framework_page_17_3024_00", &html[start..end]);
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_follows_a_chip_prints_and_filters() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::builder().start().await;
    drafted(&app, true).await;
    let c = &b.client;
    c.goto(&app.at(&format!("/frameworks/{CODE}")))
        .await
        .unwrap();
    let ids = c
        .execute(
            "return Array.from(document.querySelectorAll('[id]')).map(e => e.id);",
            vec![],
        )
        .await
        .unwrap();
    let ids: Vec<String> = serde_json::from_value(ids).unwrap();
    let pos: Vec<usize> = SECTIONS
        .iter()
        .map(|s| {
            ids.iter()
                .position(|i| i == s)
                .unwrap_or_else(|| panic!("#{s} missing"))
        })
        .collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");

    // Printing: the frame, the filter form and the correction icons go; chips print as
    // their short reference rather than an address; sections follow on without page breaks;
    // list numbers stay inside the printed area.
    let display =
        |sel: &str| format!("return getComputedStyle(document.querySelector('{sel}')).display;");
    let before = c.execute(&display(".site-header"), vec![]).await.unwrap();
    assert_ne!(before, "none");
    assert_ne!(
        c.execute(&display(".fw-page-filters"), vec![])
            .await
            .unwrap(),
        "none"
    );
    b.emulate_media("print").await;
    for sel in [".site-header", ".fw-correct", ".fw-toc", ".fw-page-filters"] {
        assert_eq!(
            c.execute(&display(sel), vec![]).await.unwrap(),
            "none",
            "{sel} in print"
        );
    }
    assert_ne!(
        c.execute(&display(".fw-matrix"), vec![]).await.unwrap(),
        "none",
        "the matrix prints"
    );
    let chip = c
        .execute(
            "const a = document.querySelector('a.chip[href*=\"#task-\"]'); \
             return [a.textContent, getComputedStyle(a, '::after').content];",
            vec![],
        )
        .await
        .unwrap();
    let text = chip[0].as_str().unwrap();
    let after = chip[1].as_str().unwrap();
    assert!(text.starts_with("task "), "{text}");
    assert!(!after.contains("/occupations/"), "{after}");
    let brk = c
        .execute(
            "return ['mastery', 'durable', 'anchors'].map(id => getComputedStyle(document.getElementById(id)).breakBefore);",
            vec![],
        )
        .await
        .unwrap();
    for b in brk.as_array().unwrap() {
        assert_ne!(b, "page", "{brk}");
    }
    let inside = c
        .execute(
            "const ol = document.querySelector('.fw-statements'); const s = getComputedStyle(ol); \
             return parseFloat(s.paddingLeft) >= 2 * parseFloat(s.fontSize) || s.listStylePosition === 'inside';",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(inside, true, "list markers inside the printed area");
    b.emulate_media("").await;

    // Following a task chip lands on the occupation page at that task.
    let chip = c
        .find(fantoccini::Locator::Css("a.chip[href*='#task-']"))
        .await
        .unwrap();
    let href = chip.attr("href").await.unwrap().unwrap();
    let name = chip.attr("title").await.unwrap().unwrap();
    assert!(name.starts_with("Source: O*NET"), "{name}");
    chip.click().await.unwrap();
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), format!("/occupations/{CODE}"));
    let fragment = href.split('#').nth(1).unwrap();
    assert_eq!(Some(fragment), url.fragment());
    assert!(fragment.starts_with("task-"), "{href}");
    // The chip's target exists on the occupation page and is shown.
    let task = c
        .find(fantoccini::Locator::Id(fragment))
        .await
        .unwrap_or_else(|e| panic!("#{fragment} missing on the occupation page: {e}"));
    assert!(task.is_displayed().await.unwrap(), "#{fragment} hidden");
    assert!(
        !task.text().await.unwrap().trim().is_empty(),
        "#{fragment} empty"
    );

    // The filter form works without script: choose, submit, and the server filters.
    c.goto(&app.at(&format!("/frameworks/{CODE}")))
        .await
        .unwrap();
    c.find(fantoccini::Locator::Css("#f-level"))
        .await
        .unwrap()
        .select_by_value("advanced")
        .await
        .unwrap();
    c.find(fantoccini::Locator::Css("#f-domain"))
        .await
        .unwrap()
        .select_by_value("technical")
        .await
        .unwrap();
    c.find(fantoccini::Locator::Css(
        ".fw-page-filters button[type=submit]",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let mut url = c.current_url().await.unwrap();
    for _ in 0..50 {
        if url.query().is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        url = c.current_url().await.unwrap();
    }
    assert_eq!(url.path(), format!("/frameworks/{CODE}"));
    assert_eq!(url.query(), Some("level=advanced&domain=technical"));
    let note = c
        .find(fantoccini::Locator::Css(".fw-filter-note"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(note.contains("Advanced statements in Technical"), "{note}");
    assert!(
        c.find(fantoccini::Locator::Id("mastery-emerging"))
            .await
            .is_err()
    );
    assert!(
        c.find(fantoccini::Locator::Id("mastery-advanced"))
            .await
            .is_ok()
    );
    // "Show all" goes back to the whole page.
    c.find(fantoccini::Locator::LinkText("Show all statements"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut url = c.current_url().await.unwrap();
    for _ in 0..50 {
        if url.query().is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        url = c.current_url().await.unwrap();
    }
    assert_eq!(url.query(), None);
    assert!(
        c.find(fantoccini::Locator::Id("mastery-emerging"))
            .await
            .is_ok()
    );
    b.close().await;
    app.finish().await;
}
