//! The occupation catalog: home, browse, occupation and sources pages, the `/api/v1`
//! occupation and source routes, bad input, ETag/304, compression, and two releases side
//! by side. Expected content is read from the fixture through the database, so a page
//! that drops a datum fails.

use std::path::Path;
use std::time::Duration;

use nsx::import::progress::Silent;
use nsx::on_db;
use serde_json::Value;

use crate::common::{TestApp, fixture_dir};

/// HTML-escapes text the way the templates do.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const CODE: &str = "17-3024.00";

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    on_db!(&app.db, p => sqlx::query_scalar(sql).fetch_one(p).await).unwrap()
}

async fn tasks_of(app: &TestApp, code: &str) -> Vec<(i64, String, Option<String>)> {
    on_db!(&app.db, p => sqlx::query_as(
        "SELECT task_id, task, task_type FROM onet_tasks WHERE code = $1 ORDER BY task_id"
    ).bind(code).fetch_all(p).await)
    .unwrap()
}

async fn titles_of(app: &TestApp, code: &str) -> (Vec<String>, Vec<String>) {
    let alt: Vec<String> = on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT title FROM onet_alternate_titles WHERE code = $1"
    ).bind(code).fetch_all(p).await)
    .unwrap();
    let rep: Vec<String> = on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT title FROM onet_reported_titles WHERE code = $1"
    ).bind(code).fetch_all(p).await)
    .unwrap();
    (alt, rep)
}

async fn home_shows_search_and_counts(app: TestApp) {
    let occupations = count(&app, "SELECT COUNT(*) FROM occupations").await;
    let ready = count(
        &app,
        "SELECT COUNT(*) FROM occupations WHERE framework_ready = TRUE",
    )
    .await;
    assert!(occupations > 0 && ready > 0 && ready < occupations);
    let (s, body) = app.get("/").await;
    assert_eq!(s, 200);
    // One search box, labelled, sending GET /search?q=.
    assert_eq!(body.matches("type=\"search\"").count(), 1, "{body}");
    assert!(body.contains("method=\"get\" action=\"/search\""));
    assert!(body.contains("<label for=\"home-q\">"));
    assert!(body.contains("id=\"home-q\" name=\"q\""));
    assert!(body.contains(&format!("id=\"count-occupations\">{occupations}<")));
    assert!(body.contains(&format!("id=\"count-ready\">{ready}<")));
    assert!(body.contains("id=\"count-releases\">1<"));
    assert!(body.contains("O*NET 30.1 Database"));
    // Browse links by group and zone, with their counts.
    assert!(body.contains("href=\"/occupations?major_group=17\">Architecture and Engineering</a>"));
    assert!(body.contains("href=\"/occupations?job_zone=3\""));
    // Landmarks and the attribution.
    assert!(body.contains("<main id=\"main\""));
    assert!(body.contains("Skip to main content"));
    assert!(body.contains("USDOL/ETA"));
    app.finish().await;
}

async fn browse_filters_by_group_and_zone(app: TestApp) {
    let (s, body) = app.get("/occupations").await;
    assert_eq!(s, 200);
    let all: Vec<(String, String)> = on_db!(&app.db, p => sqlx::query_as("SELECT code, title FROM occupations ORDER BY code").fetch_all(p).await).unwrap();
    for (code, title) in &all {
        assert!(
            body.contains(&format!("href=\"/occupations/{code}\"")),
            "{code}"
        );
        assert!(body.contains(&esc(title)), "{title}");
    }
    assert!(body.contains(&format!("of {} occupations", all.len())));
    assert!(body.contains("<label for=\"f-group\">"));
    assert!(body.contains("<label for=\"f-zone\">"));

    // By SOC major group.
    let (s, body) = app.get("/occupations?major_group=17&job_zone=").await;
    assert_eq!(s, 200);
    assert!(body.contains("Architecture and Engineering occupations"));
    assert!(body.contains("href=\"/occupations/17-3024.00\""));
    assert!(body.contains("href=\"/occupations/17-3024.01\""));
    assert!(!body.contains("href=\"/occupations/29-1141.00\""));
    assert!(body.contains("<option value=\"17\" selected>"));

    // By Job Zone.
    let zone2: Vec<String> = on_db!(&app.db, p => sqlx::query_scalar("SELECT code FROM occupations WHERE job_zone = 2").fetch_all(p).await).unwrap();
    assert!(!zone2.is_empty());
    let (s, body) = app.get("/occupations?job_zone=2").await;
    assert_eq!(s, 200);
    for c in &zone2 {
        assert!(body.contains(&format!("href=\"/occupations/{c}\"")));
    }
    assert!(!body.contains("href=\"/occupations/17-3024.00\""));

    // Framework readiness.
    let (_, body) = app.get("/occupations?ready=no").await;
    assert!(body.contains("href=\"/occupations/11-9199.00\""));
    assert!(!body.contains("href=\"/occupations/17-3024.00\""));

    // A page past the end is empty, not an error.
    let (s, body) = app.get("/occupations?page=2").await;
    assert_eq!(s, 200);
    assert!(body.contains("No occupations on this page"), "{body}");

    // Bad filters are HTML errors that say what is wrong.
    for bad in [
        "/occupations?major_group=99",
        "/occupations?job_zone=9",
        "/occupations?job_zone=abc",
        "/occupations?page=0",
        "/occupations?ready=maybe",
    ] {
        let r = app.client().get(app.at(bad)).send().await.unwrap();
        assert_eq!(r.status(), 422, "{bad}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let body = r.text().await.unwrap();
        assert!(body.contains("<main id=\"main\""), "{bad}");
    }
    app.finish().await;
}

async fn occupation_page_shows_everything_with_sources(app: TestApp) {
    // Optional sources linked to the occupation: CIP programmes and apprenticeships.
    let fx = fixture_dir().join("..");
    nsx::import::crosswalk::import(
        &app.db,
        &[
            fx.join("crosswalks/cip_soc.csv"),
            fx.join("crosswalks/cip_codes.csv"),
        ],
        false,
        &Silent,
    )
    .await
    .unwrap();
    nsx::import::apprenticeships::import(&app.db, &fx.join("apprenticeships.csv"), &Silent)
        .await
        .unwrap();

    let (s, body) = app.get(&format!("/occupations/{CODE}")).await;
    assert_eq!(s, 200, "{body}");
    let title: String = on_db!(&app.db, p => sqlx::query_scalar("SELECT title FROM occupations WHERE code = $1").bind(CODE).fetch_one(p).await).unwrap();
    assert!(body.contains(&esc(&title)));

    // Every task, with its anchor, its type and its locator.
    let tasks = tasks_of(&app, CODE).await;
    assert!(tasks.len() >= 4);
    for (id, text, ty) in &tasks {
        assert!(
            body.contains(&format!("<tr id=\"task-{id}\">")),
            "task {id}"
        );
        assert!(body.contains(&esc(text)), "{text}");
        assert!(
            body.contains(&format!("O*NET 30.1 · Task {id}")),
            "locator {id}"
        );
        if let Some(ty) = ty {
            assert!(body.contains(&format!(">{ty}</span>")));
        }
    }
    // Task ratings from the same release.
    let im: f64 = on_db!(&app.db, p => sqlx::query_scalar("SELECT data_value FROM onet_task_ratings WHERE code = $1 AND task_id = 90001 AND scale_id = 'IM'").bind(CODE).fetch_one(p).await).unwrap();
    assert!(body.contains("Importance is rated 1–5"));
    assert!(
        body.contains(&format!("<td class=\"num\">{im:.2}</td>")),
        "importance {im}"
    );
    // Alternate and reported titles.
    let (alt, rep) = titles_of(&app, CODE).await;
    assert!(!alt.is_empty() && !rep.is_empty());
    for t in alt.iter().chain(&rep) {
        assert!(body.contains(&esc(t)), "title {t}");
    }
    // Rated elements with anchors, by domain.
    let elements: Vec<(String, String, String)> = on_db!(&app.db, p => sqlx::query_as(
        "SELECT DISTINCT domain, element_id, element_name FROM onet_ratings
         WHERE code = $1 AND domain IN ('skills', 'knowledge', 'abilities', 'work_styles')"
    ).bind(CODE).fetch_all(p).await)
    .unwrap();
    assert!(elements.iter().any(|e| e.0 == "skills"));
    assert!(elements.iter().any(|e| e.0 == "work_styles"));
    for (_, id, name) in &elements {
        assert!(body.contains(&format!("<tr id=\"element-{id}\">")), "{id}");
        assert!(body.contains(&esc(name)), "{name}");
        assert!(body.contains(&format!("O*NET 30.1 · Element {id}")));
    }
    // Technology with its flags, and tools.
    let tech: Vec<(String, Option<bool>)> = on_db!(&app.db, p => sqlx::query_as(
        "SELECT example, hot_technology FROM onet_technology_skills WHERE code = $1"
    ).bind(CODE).fetch_all(p).await)
    .unwrap();
    assert!(tech.iter().any(|t| t.1 == Some(true)));
    for (ex, _) in &tech {
        assert!(body.contains(&esc(ex)), "{ex}");
    }
    assert!(body.contains("<span class=\"tag hot\">Hot</span>"));
    assert!(body.contains("<span class=\"tag\">In demand</span>"));
    let tools: Vec<String> = on_db!(&app.db, p => sqlx::query_scalar("SELECT example FROM onet_tools WHERE code = $1").bind(CODE).fetch_all(p).await).unwrap();
    for t in &tools {
        assert!(body.contains(&esc(t)), "{t}");
    }
    // Related occupations link to their pages with their titles.
    assert!(body.contains("<a href=\"/occupations/17-3024.01\">Robotics Technicians</a>"));
    // Job Zone meaning and the education levels.
    assert!(body.contains("Job Zone Three: Medium Preparation Needed"));
    assert!(body.contains(&esc("Associate's Degree")));
    assert!(body.contains("60%"));
    // CIP programmes and apprenticeships, with their sources.
    assert!(body.contains("15.0403"));
    assert!(body.contains("Electromechanical Technology/Technician"));
    assert!(body.contains("NCES CIP 2020–SOC 2018"));
    assert!(body.contains("1044HY"));
    assert!(body.contains("RAPIDS · RAPIDS 1044HY"));
    // Structure: table of contents, headings, attribution for the release shown.
    assert!(body.contains("<nav class=\"toc\" aria-label=\"On this page\">"));
    for id in [
        "tasks",
        "skills",
        "knowledge",
        "abilities",
        "work-styles",
        "technology",
        "tools",
        "titles",
        "preparation",
        "programs",
        "apprenticeships",
        "related",
        "sources",
    ] {
        assert!(body.contains(&format!("<section id=\"{id}\"")), "{id}");
        assert!(body.contains(&format!("href=\"#{id}\"")), "toc {id}");
    }
    assert_eq!(body.matches("<h1").count(), 1);
    assert!(
        body.contains("information from the O*NET 30.1 Database by the U.S. Department of Labor")
    );
    assert!(body.contains("National Center for Education Statistics"));

    // An occupation without tasks says so instead of showing an empty table.
    let (s, body) = app.get("/occupations/11-9199.00").await;
    assert_eq!(s, 200);
    assert!(body.contains("No task statements for this occupation"));
    assert!(body.contains("Not enough source data yet"));
    app.finish().await;
}

async fn unknown_and_malformed_codes(app: TestApp) {
    // Pages: HTML errors with the frame.
    let r = app
        .client()
        .get(app.at("/occupations/99-9999.00"))
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
    let body = r.text().await.unwrap();
    assert!(body.contains("<main id=\"main\""));
    assert!(body.contains("99-9999.00"));
    let r = app
        .client()
        .get(app.at("/occupations/not-a-code"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("17-3024.00"),
        "the error shows what a code looks like"
    );
    // A 6-digit SOC code leads to its base occupation.
    let r = app
        .client()
        .get(app.at("/occupations/17-3024"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/occupations/17-3024.00");

    // API: problem documents.
    let r = app
        .client()
        .get(app.at("/api/v1/occupations/not-a-code"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["status"], 422);
    assert_eq!(v["errors"][0]["field"], "code");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("NN-NNNN.NN")
    );
    let r = app
        .client()
        .get(app.at("/api/v1/occupations/99-9999.00"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    for (bad, field) in [
        ("/api/v1/occupations?job_zone=9", "job_zone"),
        ("/api/v1/occupations?major_group=99", "major_group"),
        ("/api/v1/occupations?limit=0", "limit"),
        ("/api/v1/occupations?limit=100000", "limit"),
        ("/api/v1/occupations?offset=-1", "offset"),
        ("/api/v1/occupations?job_zone=abc", "query"),
    ] {
        let r = app.client().get(app.at(bad)).send().await.unwrap();
        assert_eq!(r.status(), 422, "{bad}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{bad}"
        );
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["errors"][0]["field"], field, "{bad}: {v}");
    }
    app.finish().await;
}

async fn etag_304_and_gzip(app: TestApp) {
    let path = format!("/occupations/{CODE}");
    let r = app.client().get(app.at(&path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && !etag.starts_with("W/"),
        "strong: {etag}"
    );
    let first = r.text().await.unwrap();

    // Same page, same tag; If-None-Match answers 304 with no body.
    let r = app.client().get(app.at(&path)).send().await.unwrap();
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(r.text().await.unwrap(), first);
    let r = app
        .client()
        .get(app.at(&path))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
    assert!(r.text().await.unwrap().is_empty());
    let r = app
        .client()
        .get(app.at(&path))
        .header(
            "if-none-match",
            "\"something-else\", W/".to_string() + &etag,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304, "a list with the tag (weak form) matches");
    let r = app
        .client()
        .get(app.at(&path))
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // Other public pages carry tags too.
    for p in ["/", "/occupations", "/sources"] {
        let r = app.client().get(app.at(p)).send().await.unwrap();
        let tag = r.headers()["etag"].to_str().unwrap().to_string();
        let r = app
            .client()
            .get(app.at(p))
            .header("if-none-match", &tag)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 304, "{p}");
    }

    // Compression when asked for, none when not.
    let r = app
        .client()
        .get(app.at(&path))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip magic");
    assert!(bytes.len() < first.len());
    let r = app.client().get(app.at(&path)).send().await.unwrap();
    assert!(r.headers().get("content-encoding").is_none());
    let r = app
        .client()
        .get(app.at("/api/v1/occupations"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    app.finish().await;
}

async fn api_lists_and_details(app: TestApp) {
    let codes: Vec<String> = on_db!(&app.db, p => sqlx::query_scalar("SELECT code FROM occupations ORDER BY code").fetch_all(p).await).unwrap();
    let r = app
        .client()
        .get(app.at("/api/v1/occupations"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["x-total-count"].to_str().unwrap(),
        codes.len().to_string()
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["total"], codes.len() as i64);
    let got: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(got, codes.iter().map(String::as_str).collect::<Vec<_>>());

    // Paging.
    let (s, v) = app.get_json("/api/v1/occupations?limit=2&offset=2").await;
    assert_eq!(s, 200);
    assert_eq!(v["limit"], 2);
    assert_eq!(v["offset"], 2);
    let got: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(got, &codes[2..4]);

    // Filters.
    let (_, v) = app
        .get_json("/api/v1/occupations?major_group=17&job_zone=3")
        .await;
    assert_eq!(v["total"], 2);
    for o in v["items"].as_array().unwrap() {
        assert_eq!(o["major_group"], "17");
        assert_eq!(o["job_zone"], 3);
        assert_eq!(o["major_group_title"], "Architecture and Engineering");
    }
    let (_, v) = app
        .get_json("/api/v1/occupations?framework_ready=false")
        .await;
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["framework_ready"] == false && o["readiness_reason"].is_string())
    );

    // Detail: every task and title with its citation, and the sources.
    let (s, v) = app.get_json(&format!("/api/v1/occupations/{CODE}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["code"], CODE);
    assert_eq!(v["release"], "30.1");
    assert_eq!(v["citation"]["source"], "onet");
    let tasks = tasks_of(&app, CODE).await;
    let api_tasks = v["tasks"].as_array().unwrap();
    assert_eq!(api_tasks.len(), tasks.len());
    for (id, text, ty) in &tasks {
        let t = api_tasks
            .iter()
            .find(|t| t["task_id"] == *id)
            .expect("task");
        assert_eq!(t["statement"], text.as_str());
        assert_eq!(t["task_type"].as_str(), ty.as_deref());
        assert_eq!(t["citation"]["release"], "30.1");
        assert_eq!(t["citation"]["locator"], format!("Task {id}"));
    }
    // Core tasks first, each with its importance from Task Ratings.
    let first_supplemental = api_tasks.iter().position(|t| t["task_type"] != "Core");
    if let Some(i) = first_supplemental {
        assert!(api_tasks[i..].iter().all(|t| t["task_type"] != "Core"));
    }
    let im: f64 = on_db!(&app.db, p => sqlx::query_scalar("SELECT data_value FROM onet_task_ratings WHERE code = $1 AND task_id = 90001 AND scale_id = 'IM'").bind(CODE).fetch_one(p).await).unwrap();
    let t1 = api_tasks.iter().find(|t| t["task_id"] == 90001).unwrap();
    assert_eq!(t1["importance"].as_f64().unwrap(), im);
    let (alt, rep) = titles_of(&app, CODE).await;
    let api_alt: Vec<&str> = v["alternate_titles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    for t in &alt {
        assert!(api_alt.contains(&t.as_str()), "{t}");
    }
    assert_eq!(v["reported_titles"].as_array().unwrap().len(), rep.len());
    let skill = v["skills"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["element_id"] == "2.A.1.a")
        .expect("reading comprehension");
    assert!(skill["importance"].as_f64().is_some() && skill["level"].as_f64().is_some());
    let style = &v["work_styles"][0];
    assert!(style["impact"].as_f64().is_some(), "{style}");
    assert!(
        v["technology"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["hot"] == true)
    );
    assert_eq!(v["job_zone_detail"]["zone"], 3);
    assert!(
        v["related"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "17-3024.01" && r["title"] == "Robotics Technicians")
    );
    let sources = v["sources"].as_array().unwrap();
    assert!(
        sources
            .iter()
            .any(|s| s["source"] == "onet" && s["id"] == "30.1" && s["licence"] == "CC BY 4.0")
    );

    // Sources.
    let (s, v) = app.get_json("/api/v1/sources").await;
    assert_eq!(s, 200);
    assert_eq!(v["sources"][0]["source"], "onet");
    assert_eq!(v["sources"][0]["id"], "30.1");
    assert_eq!(v["sources"][0]["current"], true);
    assert!(
        v["sources"][0]["attribution"]
            .as_str()
            .unwrap()
            .contains("O*NET 30.1 Database")
    );
    assert!(
        v["onet_attribution"]
            .as_str()
            .unwrap()
            .contains("CC BY 4.0")
    );
    app.finish().await;
}

async fn sources_and_api_pages(app: TestApp) {
    let (s, body) = app.get("/sources").await;
    assert_eq!(s, 200);
    assert!(body.contains("O*NET 30.1 Database"));
    assert!(body.contains("December 2025 Release"));
    assert!(body.contains("CC BY 4.0"));
    assert!(body.contains("This product includes information from the O*NET 30.1 Database"));
    let (s, body) = app.get("/api").await;
    assert_eq!(s, 200);
    assert!(body.contains("href=\"/api/docs\""));
    assert!(body.contains("href=\"/api/openapi.json\""));
    assert!(body.contains("/api/v1/occupations/{code}"));
    app.finish().await;
}

fn copy_dir(from: &Path, to: &Path, transform: impl Fn(&str, String) -> String) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.path().is_file() {
            let name = e.file_name().to_string_lossy().to_string();
            let text = std::fs::read_to_string(e.path()).unwrap();
            std::fs::write(to.join(&name), transform(&name, text)).unwrap();
        }
    }
}

async fn newest_release_shown_older_noted(app: TestApp) {
    let path = format!("/occupations/{CODE}");
    let r = app.client().get(app.at(&path)).send().await.unwrap();
    let old_tag = r.headers()["etag"].to_str().unwrap().to_string();

    // Release 30.2 renames the occupation and drops Tools Used, which 30.1 keeps.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(), dir.path(), |name, t| match name {
        "Read Me.txt" => t.replace("30.1", "30.2"),
        "Occupation Data.txt" => t.replace(
            "Electro-Mechanical and Mechatronics Technologists and Technicians",
            "Mechatronics Technologists and Technicians",
        ),
        _ => t,
    });
    std::fs::remove_file(dir.path().join("Tools Used.txt")).unwrap();
    std::fs::remove_file(dir.path().join("Task Ratings.txt")).unwrap();
    let files = nsx::import::source::ReleaseFiles::open(dir.path()).unwrap();
    nsx::import::onet::import(&app.db, &files, &Default::default(), &Silent)
        .await
        .unwrap();

    // The cached page is dropped once the node sees the new data version.
    let mut body = String::new();
    let mut tag = old_tag.clone();
    for _ in 0..100 {
        let r = app.client().get(app.at(&path)).send().await.unwrap();
        tag = r.headers()["etag"].to_str().unwrap().to_string();
        body = r.text().await.unwrap();
        if tag != old_tag {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(tag, old_tag, "the page changed with the data");
    let r = app
        .client()
        .get(app.at(&path))
        .header("if-none-match", &old_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the old tag no longer matches");

    assert!(body.contains("<h1 id=\"occ-title\">Mechatronics Technologists and Technicians"));
    assert!(body.contains("O*NET 30.2 · Task 90001"));
    assert!(!body.contains("O*NET 30.1 · Task 90001"));
    // 30.2 has no task ratings; 30.1's are not mixed into 30.2's rows, and the page says so.
    assert!(body.contains("The release these tasks come from has no task ratings"));
    assert!(!body.contains("Importance is rated 1–5"));
    assert!(
        body.contains("also in older releases kept for citation: O*NET 30.1."),
        "{body}"
    );
    // Tools come from 30.1, the newest release that has them, and say so.
    assert!(body.contains("O*NET 30.1 · Tools Used"));
    assert!(body.contains("information from the O*NET 30.2 Database"));
    assert!(body.contains("information from the O*NET 30.1 Database"));

    let (_, v) = app.get_json(&format!("/api/v1/occupations/{CODE}")).await;
    assert_eq!(v["release"], "30.2");
    assert_eq!(v["older_releases"], serde_json::json!(["30.1"]));
    assert_eq!(v["tools"][0]["citation"]["release"], "30.1");
    let (_, v) = app.get_json("/api/v1/sources").await;
    assert_eq!(v["sources"][0]["id"], "30.2");
    assert_eq!(v["sources"][0]["current"], true);
    assert_eq!(v["sources"][1]["id"], "30.1");
    assert_eq!(v["sources"][1]["current"], false);
    let (_, body) = app.get("/").await;
    assert!(body.contains("id=\"count-releases\">2<"));
    app.finish().await;
}

/// Anonymous visitors share one rendered copy, answered in front of the router from the
/// second visit on; signed-in visitors never get it, and a data change replaces it.
async fn shared_pages_follow_viewers_and_data(app: TestApp) {
    let path = "/occupations/17-3024.00";
    let first = app.client().get(app.at(path)).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let tag = first.headers()["etag"].to_str().unwrap().to_string();
    let body = first.text().await.unwrap();
    let mut ids = std::collections::HashSet::new();
    for _ in 0..2 {
        let r = app.client().get(app.at(path)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let h = r.headers();
        // Answered from memory, and still with a request id of its own.
        assert!(ids.insert(h["x-request-id"].to_str().unwrap().to_string()));
        assert_eq!(h["etag"].to_str().unwrap(), tag);
        assert_eq!(h["cache-control"], "public, no-cache");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h["referrer-policy"], "same-origin");
        assert!(h["content-type"].to_str().unwrap().starts_with("text/html"));
        assert_eq!(r.text().await.unwrap(), body);
    }
    // A caller's own request id comes back, as it does from the full stack.
    let r = app
        .client()
        .get(app.at(path))
        .header("x-request-id", "trace-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-42");

    // The gzip copy has a tag of its own, and a client holding it gets 304.
    let gz = |inm: Option<&str>| {
        let mut rb = app
            .client()
            .get(app.at(path))
            .header("accept-encoding", "gzip");
        if let Some(t) = inm {
            rb = rb.header("if-none-match", t.to_string());
        }
        rb.send()
    };
    let r = gz(None).await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let gz_tag = r.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(gz_tag, tag);
    assert_eq!(gz(Some(&gz_tag)).await.unwrap().status(), 304);
    assert_eq!(gz(Some(&tag)).await.unwrap().status(), 200);

    // A signed-in visitor gets a page of their own, never the shared copy.
    crate::accounts::make_user(&app, "pat@example.org", &[]).await;
    let c = crate::accounts::signed_in(&app, "pat@example.org").await;
    let r = c.get(app.at(path)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "private, no-cache");
    let mine = r.text().await.unwrap();
    assert!(mine.contains("Sign out"));
    assert!(!body.contains("Sign out"));

    // New data reaches anonymous visitors once the data version moves.
    assert!(!body.contains("15.0403"));
    let crosswalks = fixture_dir().join("../crosswalks");
    nsx::import::crosswalk::import(&app.db, &[crosswalks], false, &Silent)
        .await
        .expect("crosswalk import");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (s, html) = app.get(path).await;
        assert_eq!(s, 200);
        if html.contains("15.0403") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the shared copy outlived the data"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.finish().await;
}

on_both_backends!(
    home_shows_search_and_counts,
    browse_filters_by_group_and_zone,
    occupation_page_shows_everything_with_sources,
    unknown_and_malformed_codes,
    etag_304_and_gzip,
    api_lists_and_details,
    sources_and_api_pages,
    newest_release_shown_older_noted,
    shared_pages_follow_viewers_and_data,
);
