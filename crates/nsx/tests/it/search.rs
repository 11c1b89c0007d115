//! Occupation search end to end: code queries, typos, job-title shorthand, why each result
//! matched, suggestions, bad input, the page, and the index following the data version.
//! `eval_job_titles_on_full_data` measures ranking quality on the real O*NET release
//! (only when the shared data is present).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{TestApp, shared_data};
use nsx::import::progress::Silent;

fn crosswalk_fixtures() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/crosswalks");
    vec![dir]
}

async fn search(app: &TestApp, q: &str) -> Value {
    let enc: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
    let (status, v) = app.get_json(&format!("/api/v1/search?q={enc}")).await;
    assert_eq!(status, 200, "search {q:?}: {v}");
    v
}

fn codes(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["code"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn reasons(v: &Value, i: usize) -> Vec<(String, String)> {
    v["results"][i]["matched"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|m| {
                    (
                        m["kind"].as_str().unwrap_or("").to_string(),
                        m["text"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn code_queries_are_answered_exactly(app: TestApp) {
    let v = search(&app, "17-3024.01").await;
    assert_eq!(codes(&v), vec!["17-3024.01"]);
    assert_eq!(v["code_query"], true);
    assert_eq!(reasons(&v, 0)[0].0, "code");
    // A SOC code finds every O*NET occupation under it, in code order.
    for q in ["17-3024", "173024", "SOC 17-3024"] {
        let v = search(&app, q).await;
        assert_eq!(codes(&v), vec!["17-3024.00", "17-3024.01"], "{q}");
    }
    assert_eq!(codes(&search(&app, "17302400").await), vec!["17-3024.00"]);
    // A code prefix lists the codes it starts.
    let v = search(&app, "17-30").await;
    assert_eq!(codes(&v), vec!["17-3024.00", "17-3024.01"]);
    // An unknown code answers nothing rather than something unrelated.
    assert!(codes(&search(&app, "99-9999.00").await).is_empty());
    app.finish().await;
}

async fn job_titles_people_use_find_the_occupation(app: TestApp) {
    // (query, expected first result)
    let cases = [
        ("robot tech", "17-3024.01"),
        ("maintenance mechanic", "49-9041.00"),
        ("mechatronics technician", "17-3024.00"),
        ("RN", "29-1141.00"),
        ("staff nurse", "29-1141.00"),
        ("software dev", "15-1252.00"),
        ("app dev", "15-1252.00"),
        ("CNC machinist", "51-4041.00"),
        ("operations mgr", "11-9199.00"),
        ("Robotics Technicians", "17-3024.01"),
    ];
    for (q, want) in cases {
        let v = search(&app, q).await;
        assert_eq!(
            codes(&v).first().map(String::as_str),
            Some(want),
            "{q:?} gave {v}"
        );
    }
    app.finish().await;
}

async fn typos_are_tolerated_and_explained(app: TestApp) {
    let v = search(&app, "robotics techncian").await;
    assert_eq!(
        codes(&v).first().map(String::as_str),
        Some("17-3024.01"),
        "{v}"
    );
    let why = reasons(&v, 0);
    assert!(
        why.iter()
            .any(|(k, t)| k == "spelling" && t.contains("technician")),
        "{why:?}"
    );
    assert_eq!(v["did_you_mean"], "robotics technician");
    let v = search(&app, "machinst").await;
    assert_eq!(
        codes(&v).first().map(String::as_str),
        Some("51-4041.00"),
        "{v}"
    );
    let v = search(&app, "mecatronics technician").await;
    assert_eq!(
        codes(&v).first().map(String::as_str),
        Some("17-3024.00"),
        "{v}"
    );
    app.finish().await;
}

async fn each_hit_says_why_it_matched(app: TestApp) {
    let v = search(&app, "machinists").await;
    assert_eq!(codes(&v)[0], "51-4041.00");
    assert_eq!(
        reasons(&v, 0)[0],
        ("official_title".into(), "official title".into())
    );

    let v = search(&app, "robot tech").await;
    let why = reasons(&v, 0);
    assert!(
        why.iter()
            .any(|(k, t)| (k == "short_title" && t.contains("Robot Tech"))
                || (k == "alternate_title" && t.contains("Robotics Technician"))),
        "{why:?}"
    );

    let v = search(&app, "maintenance mechanic").await;
    assert!(reasons(&v, 0).contains(&(
        "alternate_title".into(),
        "also called: Maintenance Mechanic".into()
    )));

    let v = search(&app, "field service technician").await;
    assert_eq!(codes(&v)[0], "17-3024.00", "{v}");
    assert!(
        reasons(&v, 0)
            .iter()
            .any(|(k, t)| k == "reported_title" && t.contains("Field Service Technician"))
    );

    // Words found only in the occupation's content: technology and tasks.
    let v = search(&app, "python").await;
    assert_eq!(codes(&v)[0], "15-1252.00", "{v}");
    // Every result says why it is there (a title spelt a little like the query, here).
    for (i, _) in codes(&v).iter().enumerate() {
        assert!(!reasons(&v, i).is_empty(), "{v}");
    }
    assert!(
        reasons(&v, 0)
            .iter()
            .any(|(k, t)| k == "technology" && t.contains("Python"))
    );
    let v = search(&app, "lathes").await;
    assert_eq!(codes(&v)[0], "51-4041.00");
    assert!(
        reasons(&v, 0)
            .iter()
            .any(|(k, _)| k == "task" || k == "description")
    );

    // Shorthand expansion is stated.
    let v = search(&app, "RN").await;
    assert!(
        reasons(&v, 0)
            .iter()
            .any(|(k, _)| k == "synonym" || k == "short_title"),
        "{v}"
    );
    app.finish().await;
}

async fn pagination_and_timing(app: TestApp) {
    let all = search(&app, "technician").await;
    let total = all["total"].as_u64().unwrap();
    assert!(total >= 2, "{all}");
    let (s, page2) = app
        .get_json("/api/v1/search?q=technician&limit=1&offset=1")
        .await;
    assert_eq!(s, 200);
    assert_eq!(page2["total"].as_u64(), Some(total));
    assert_eq!(codes(&page2), vec![codes(&all)[1].clone()]);
    assert!(page2["took_us"].is_u64());
    let r = app
        .client()
        .get(app.at("/api/v1/search?q=robot"))
        .send()
        .await
        .unwrap();
    let timing = r.headers()["server-timing"].to_str().unwrap().to_string();
    assert!(timing.starts_with("search;dur="), "{timing}");
    app.finish().await;
}

async fn suggestions_as_you_type(app: TestApp) {
    let (s, v) = app.get_json("/api/v1/suggest?q=robo").await;
    assert_eq!(s, 200, "{v}");
    let list = v["suggestions"].as_array().unwrap();
    assert!(!list.is_empty(), "{v}");
    assert!(
        list.iter()
            .all(|x| x["code"].as_str().unwrap().starts_with("17-3024")),
        "{v}"
    );
    assert!(
        list.iter()
            .any(|x| x["label"] == "Robotics Technician" && x["code"] == "17-3024.01"),
        "{v}"
    );
    // Earlier words are whole words (with shorthand), the last one a prefix.
    let (_, v) = app.get_json("/api/v1/suggest?q=maintenance%20me").await;
    assert_eq!(v["suggestions"][0]["label"], "Maintenance Mechanic", "{v}");
    assert_eq!(v["suggestions"][0]["code"], "49-9041.00");
    // Codes as they are typed.
    let (_, v) = app.get_json("/api/v1/suggest?q=17-3024.0").await;
    assert_eq!(v["suggestions"].as_array().unwrap().len(), 2, "{v}");
    // The OpenSearch form for browsers.
    let r = app
        .client()
        .get(app.at("/api/v1/search/suggest?q=robo&format=opensearch"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-type"],
        "application/x-suggestions+json"
    );
    let v: Value = r.json().await.unwrap();
    assert_eq!(v[0], "robo");
    assert!(!v[1].as_array().unwrap().is_empty());
    app.finish().await;
}

async fn bad_input_is_a_problem_document(app: TestApp) {
    for path in [
        "/api/v1/search",
        "/api/v1/search?q=",
        "/api/v1/search?q=%20%20",
        "/api/v1/search?q=nurse&limit=0",
        "/api/v1/search?q=nurse&limit=101",
        "/api/v1/search?q=nurse&limit=abc",
        "/api/v1/search?q=nurse&offset=-1",
        "/api/v1/suggest?q=",
        "/api/v1/suggest?q=nu&limit=50",
    ] {
        let r = app.client().get(app.at(path)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 422, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["status"], 422);
        assert!(v["errors"][0]["field"].is_string(), "{path}: {v}");
    }
    let long = "a".repeat(300);
    let (s, _) = app.get_json(&format!("/api/v1/search?q={long}")).await;
    assert_eq!(s, 422);
    app.finish().await;
}

async fn the_page_works_without_javascript(app: TestApp) {
    let (s, html) = app.get("/search?q=robot+tech").await;
    assert_eq!(s, 200);
    assert!(html.contains("role=\"search\""));
    assert!(html.contains("<label for=\"search-q\""));
    assert!(html.contains("value=\"robot tech\""));
    assert!(html.contains("role=\"status\""));
    assert!(html.contains("href=\"/occupations/17-3024.01\""));
    assert!(html.contains("Robotics Technicians"));
    assert!(html.contains("class=\"why\""));
    assert!(html.contains("occupations match") || html.contains("occupation match"));
    // Robotics first.
    let first = html.find("/occupations/17-3024.01").unwrap();
    let other = html.find("/occupations/29-1141.00").unwrap_or(usize::MAX);
    assert!(first < other);

    let (s, html) = app.get("/search").await;
    assert_eq!(s, 200);
    assert!(html.contains("Type a job title"));
    assert!(html.contains("href=\"/search?q=robot+tech\""));

    let (s, html) = app.get("/search?q=zzqqxxw").await;
    assert_eq!(s, 200);
    assert!(html.contains("No occupations match"));
    assert!(html.contains("browse every occupation"));

    let (s, html) = app.get("/search?q=robotics+techncian").await;
    assert_eq!(s, 200);
    assert!(html.contains("Did you mean"), "{html}");

    let (s, html) = app.get("/search?q=technician&page=abc").await;
    assert_eq!(s, 200);
    assert!(html.contains("page number is not valid"));

    // Escaping: the query is shown as text.
    let (_, html) = app.get("/search?q=%3Cscript%3Ex").await;
    assert!(!html.contains("<script>x"));
    app.finish().await;
}

async fn the_index_follows_the_data_version(app: TestApp) {
    // No CIP mapping yet.
    assert!(codes(&search(&app, "CIP 15.0403").await).is_empty());
    let before = search(&app, "robot").await["index_version"]
        .as_i64()
        .unwrap();
    // Another node (or this one) imports the crosswalks: the data version moves and the
    // refresher rebuilds the index.
    nsx::import::crosswalk::import(&app.db, &crosswalk_fixtures(), false, &Silent)
        .await
        .expect("crosswalk import");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let v = search(&app, "CIP 15.0403").await;
        if !codes(&v).is_empty() {
            assert_eq!(codes(&v), vec!["17-3024.00", "17-3024.01"]);
            assert_eq!(reasons(&v, 0)[0].0, "cip");
            assert!(reasons(&v, 0)[0].1.contains("Electromechanical Technology"));
            assert!(v["index_version"].as_i64().unwrap() > before);
            break;
        }
        assert!(Instant::now() < deadline, "the index was not rebuilt");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // CIP titles are searchable words too, and old codes lead to new ones.
    let v = search(&app, "industrial mechanics and maintenance technology").await;
    assert_eq!(codes(&v)[0], "49-9041.00", "{v}");
    let v = search(&app, "15-1132.00").await;
    assert_eq!(codes(&v), vec!["15-1252.00"]);
    assert!(reasons(&v, 0)[0].1.contains("2010"));
    app.finish().await;
}

async fn results_carry_a_confidence(app: TestApp) {
    let v = search(&app, "robotics technicians").await;
    let list = v["results"].as_array().unwrap();
    assert!(!list.is_empty(), "{v}");
    let conf: Vec<f64> = list
        .iter()
        .map(|r| r["confidence"].as_f64().unwrap())
        .collect();
    assert!(conf.iter().all(|c| (0.0..=1.0).contains(c)), "{conf:?}");
    // Shares of one softmax: the first is the largest and they add up to at most 1.
    assert!(conf.windows(2).all(|w| w[0] >= w[1]), "{conf:?}");
    assert!(conf.iter().sum::<f64>() <= 1.001, "{conf:?}");
    assert!(
        conf[0] > 0.5,
        "an exact official title is a sure answer: {conf:?}"
    );
    // An exact code is certain.
    let v = search(&app, "17-3024.01").await;
    assert_eq!(v["results"][0]["confidence"], 1.0);
    app.finish().await;
}

/// The leave-one-out harness on the small fixture: titles held out of the index are still
/// found by their occupation, and a ranker that answers nothing scores nothing.
async fn the_evaluation_harness_scores_held_out_titles(app: TestApp) {
    use nsx::search::eval;
    let src = nsx::search::load(&app.db).await.unwrap();
    let informal = eval::parse_eval_file(
        "robot repair person\t17-3024\nhospital nurse\t29-1141\n",
        "inline",
    )
    .unwrap();
    let opts = eval::Options {
        sample: 100,
        seed: 3,
        folds: 4,
        ..eval::Options::default()
    };
    let r = eval::run(&src, &informal, &opts, nsx::search::Models::default())
        .await
        .unwrap();
    eprintln!("{}", r.to_text());
    assert!(r.sample >= 10, "{r:?}");
    assert_eq!(r.loo_nsx.n, r.sample);
    assert_eq!(r.loo_fts5.n, r.sample);
    // Fails if the ranker returns nothing (or nonsense): most held-out titles of the
    // fixture share words with their occupation's other titles.
    assert!(r.loo_nsx.top5_rate() >= 0.6, "{}", r.to_text());
    assert!(r.loo_nsx.top5 >= r.loo_nsx.top1);
    // The default holds each title out of every occupation; counting any SOC code the
    // catalog files the title under can only add right answers, never lose one.
    assert_eq!(r.hold_out, eval::HoldOut::Everywhere);
    assert_eq!(r.loo_nsx_any_soc.n, r.sample);
    assert!(r.loo_nsx_any_soc.top5 >= r.loo_nsx.top5, "{}", r.to_text());
    assert!(r.loo_nsx_any_soc.top1 >= r.loo_nsx.top1, "{}", r.to_text());
    assert_eq!(r.informal_nsx.as_ref().map(|s| s.n), Some(2));
    assert!(
        r.informal_nsx.as_ref().unwrap().top5 >= 1,
        "{}",
        r.to_text()
    );
    app.finish().await;
}

/// Each result on the page says whether its occupation has a framework, and links to it.
async fn results_say_which_occupations_have_a_framework(app: TestApp) {
    let (s, html) = app.get("/search?q=technician").await;
    assert_eq!(s, 200);
    assert!(html.contains("no skills framework yet"));
    assert!(!html.contains("class=\"has-framework\""));
    let label: nsx_core::frameworks::VersionLabel = "v26.05".parse().unwrap();
    nsx::frameworks::draft_and_store(&app.db, None, &label, &Silent)
        .await
        .expect("draft");
    let drafted: Vec<String> = nsx::frameworks::store::latest_versions(&app.db, None)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.code)
        .collect();
    let (_, html) = app.get("/search?q=technician").await;
    let items: Vec<&str> = html.split("<li>").skip(1).collect();
    let mut with = 0;
    for item in &items {
        let Some(at) = item.find("href=\"/occupations/") else {
            continue;
        };
        let code = &item[at + 19..at + 29];
        if drafted.iter().any(|c| c == code) {
            with += 1;
            assert!(
                item.contains(&format!(
                    "class=\"has-framework\" href=\"/frameworks/{code}\""
                )),
                "{item}"
            );
        } else {
            assert!(item.contains("no skills framework yet"), "{item}");
        }
    }
    assert!(with > 0, "some result has a framework");
    app.finish().await;
}

on_both_backends!(
    results_say_which_occupations_have_a_framework,
    results_carry_a_confidence,
    the_evaluation_harness_scores_held_out_titles,
    code_queries_are_answered_exactly,
    job_titles_people_use_find_the_occupation,
    typos_are_tolerated_and_explained,
    each_hit_says_why_it_matched,
    pagination_and_timing,
    suggestions_as_you_type,
    bad_input_is_a_problem_document,
    the_page_works_without_javascript,
    the_index_follows_the_data_version,
);

/// A lexical database that cannot be read is a warning: the server starts and search
/// answers from the catalog alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_lexical_database_leaves_search_working() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.noun"), "not wordnet\n").unwrap();
    let broken = dir.path().display().to_string();
    for setting in [broken, "/nonexistent/wordnet".into(), "off".into()] {
        assert!(
            nsx::search::open_lexicon(Some(&setting)).is_none(),
            "{setting}"
        );
        search_still_works(move |c| c.wordnet = Some(setting)).await;
    }
}

/// A word-embedding table that is missing or cannot be read is a warning: the server
/// starts and search answers without it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_word_embeddings_leave_search_working() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("words.txt"), "robot\n").unwrap();
    std::fs::write(dir.path().join("vectors.safetensors"), b"not a table").unwrap();
    let broken = dir.path().display().to_string();
    for setting in [broken, "/nonexistent/embeddings".into(), "off".into()] {
        assert!(
            nsx::search::open_embeddings(Some(&setting)).is_none(),
            "{setting}"
        );
        search_still_works(move |c| c.embeddings = Some(setting)).await;
    }
}

/// Starts a server with `tweak` and checks a title query still finds its occupation.
async fn search_still_works(tweak: impl FnOnce(&mut nsx::config::Config) + Send + 'static) {
    let app = TestApp::builder().config(tweak).start().await;
    let v = search(&app, "robot tech").await;
    assert_eq!(codes(&v)[0], "17-3024.01", "{v}");
    app.finish().await;
}

/// With a real word-embedding table (`NSX_TEST_EMBEDDINGS`, made by
/// `scripts/add-embeddings`; `.ci/run` makes one), a word no title, task or profile of the
/// fixture holds finds the occupation whose titles mean the same, and says so; without the
/// table it does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn word_embeddings_find_titles_by_meaning() {
    let Ok(table) = std::env::var("NSX_TEST_EMBEDDINGS") else {
        eprintln!("skipped: NSX_TEST_EMBEDDINGS names no word-embedding table");
        return;
    };
    assert!(
        nsx::search::open_embeddings(Some(&table)).is_some(),
        "NSX_TEST_EMBEDDINGS={table} cannot be read"
    );
    let cases = [("lorry", "53-3032.00"), ("cuisine", "35-1011.00")];
    let plain = TestApp::builder()
        .config(|c| c.embeddings = Some("off".into()))
        .start()
        .await;
    for (q, want) in cases {
        let v = search(&plain, q).await;
        assert!(codes(&v).first().is_none_or(|c| c != want), "{q}: {v}");
    }
    plain.finish().await;
    let app = TestApp::builder()
        .config(move |c| c.embeddings = Some(table))
        .start()
        .await;
    for (q, want) in cases {
        let v = search(&app, q).await;
        assert_eq!(codes(&v)[0], want, "{q}: {v}");
        let why = v["results"][0]["matched"].to_string();
        assert!(why.contains("similar in meaning to"), "{q}: {why}");
    }
    // A whole title still comes first, and is not called a match by meaning.
    let v = search(&app, "robotics technician").await;
    assert_eq!(codes(&v)[0], "17-3024.01", "{v}");
    assert!(
        !v["results"][0]["matched"]
            .to_string()
            .contains("similar in meaning"),
        "{v}"
    );
    app.finish().await;
}

/// Top-3 accuracy over `tests/fixtures/search_eval.tsv` must stay at or above this.
const EVAL_TOP3_THRESHOLD: f64 = 0.95;

/// Ranking quality on the real O*NET release: job titles as people type them (not O*NET's
/// official titles), each with the occupation(s) that count as right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eval_job_titles_on_full_data() {
    let Some(data) = shared_data() else {
        eprintln!("skipped: no shared data");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("eval.db").display());
    let db = nsx::db::Db::connect(&url, 4).await.unwrap();
    db.migrate().await.unwrap();
    let files = nsx::import::source::ReleaseFiles::open(&data.join("onet")).unwrap();
    nsx::import::onet::import(&db, &files, &Default::default(), &Silent)
        .await
        .unwrap();
    let mut crosswalks = vec![data.join("onet_crosswalks")];
    crosswalks.push(data.join("cip_soc_crosswalk/CIP2020_SOC2018_Crosswalk.csv"));
    crosswalks.push(data.join("cip_soc_crosswalk/CIPCode2020.csv"));
    crosswalks.retain(|p| p.exists());
    nsx::import::crosswalk::import(&db, &crosswalks, false, &Silent)
        .await
        .unwrap();
    let index = nsx::search::build_from_db(&db).await.unwrap();
    eprintln!(
        "index: {} occupations, {} documents, built in {:.2} s",
        index.occupation_count(),
        index.doc_count(),
        index.build_time().as_secs_f64()
    );

    let eval = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search_eval.tsv"),
    )
    .unwrap();
    let mut n = 0;
    let mut top1 = 0;
    let mut top3 = 0;
    let mut misses = Vec::new();
    let mut times = Vec::new();
    for line in eval.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        let q = cols.next().unwrap();
        let want: Vec<&str> = cols.next().unwrap_or("").split(',').collect();
        let t = Instant::now();
        let r = index.search(q, 0, 10).unwrap();
        times.push(t.elapsed());
        let got: Vec<&str> = r.hits.iter().take(3).map(|h| h.code.as_str()).collect();
        n += 1;
        if got.first().is_some_and(|c| want.contains(c)) {
            top1 += 1;
        } else if got.iter().any(|c| want.contains(c)) {
            eprintln!("not first: {q:?} wants {want:?}; got {got:?}");
        }
        if got.iter().any(|c| want.contains(c)) {
            top3 += 1;
        } else {
            let shown: Vec<String> = r
                .hits
                .iter()
                .take(3)
                .map(|h| format!("{} {}", h.code, h.title))
                .collect();
            misses.push(format!("{q:?} wants {want:?}; got {shown:?}"));
        }
    }
    times.sort();
    let p = |f: f64| times[((times.len() as f64 * f) as usize).min(times.len() - 1)];
    for m in &misses {
        eprintln!("miss: {m}");
    }
    let acc3 = top3 as f64 / n as f64;
    eprintln!(
        "search eval: {n} queries, top-1 {:.1}%, top-3 {:.1}% ({} misses); p50 {:?}, p99 {:?} (this build)",
        100.0 * top1 as f64 / n as f64,
        100.0 * acc3,
        misses.len(),
        p(0.5),
        p(0.99)
    );
    assert!(
        acc3 >= EVAL_TOP3_THRESHOLD,
        "top-3 accuracy {:.1}% is under {:.0}%",
        100.0 * acc3,
        100.0 * EVAL_TOP3_THRESHOLD
    );
    db.close().await;
}
