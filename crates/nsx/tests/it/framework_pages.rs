//! Framework pages and the frameworks API on both backends: every section in the seed's
//! order, citation chips pointing at existing occupation rows, correction links, the index
//! filters and statement search, ETag/304, compression, problem documents, a snapshot of
//! one rendered page, and a real browser following a chip and printing.

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
    // Each correction link names what it corrects, so a list of links reads unambiguously.
    let named = html
        .matches("aria-label=\"Suggest a correction to: ")
        .count();
    assert_eq!(named, v.statements.len());
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
    assert_eq!(by_label, html);
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
    index_filters_and_search,
    api_routes,
    index_pages_in_sql_by_the_current_rule,
);

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
async fn browser_follows_a_chip_and_prints() {
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

    // Printing: the frame and the correction links go, chips show their addresses,
    // sections start on a new page.
    let display =
        |sel: &str| format!("return getComputedStyle(document.querySelector('{sel}')).display;");
    let before = c.execute(&display(".site-header"), vec![]).await.unwrap();
    assert_ne!(before, "none");
    b.emulate_media("print").await;
    assert_eq!(
        c.execute(&display(".site-header"), vec![]).await.unwrap(),
        "none"
    );
    assert_eq!(
        c.execute(&display(".fw-correct"), vec![]).await.unwrap(),
        "none"
    );
    assert_eq!(
        c.execute(&display(".fw-toc"), vec![]).await.unwrap(),
        "none"
    );
    let after = c
        .execute(
            "return getComputedStyle(document.querySelector('a.chip[href*=\"#task-\"]'), '::after').content;",
            vec![],
        )
        .await
        .unwrap();
    assert!(after.as_str().unwrap().contains("/occupations/"), "{after}");
    let brk = c
        .execute(
            "return getComputedStyle(document.getElementById('mastery')).breakBefore;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(brk, "page");
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
    b.close().await;
    app.finish().await;
}
