//! The importers, end to end against real databases: every O*NET file kind, both line
//! endings, missing files, malformed rows (database unchanged), idempotent re-import, two
//! releases side by side, supplements, zips, and the CSV sources.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{Data, TestApp, fixture_dir};
use nsx::db::Db;
use nsx::import::onet::{OnetOptions, import};
use nsx::import::progress::Silent;
use nsx::import::source::ReleaseFiles;
use nsx::on_db;

/// Row counts of every table the O*NET import writes, plus derived tables.
async fn counts(db: &Db) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    let mut tables = nsx_core::onet::tables();
    tables.extend(["occupations", "source_releases", "aei_task_matches"]);
    for t in tables {
        let n: i64 = on_db!(db, p => sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
            .fetch_one(p)
            .await)
        .unwrap();
        out.insert(t.to_string(), n);
    }
    out
}

/// A content fingerprint of the source tables (order-independent).
async fn fingerprint(db: &Db) -> Vec<String> {
    let mut rows: Vec<String> = on_db!(db, p => sqlx::query_scalar(
        "SELECT release || '|' || code || '|' || title || '|' || description FROM onet_occupations
         UNION ALL SELECT release || '|' || code || '|' || CAST(task_id AS TEXT) || '|' || task FROM onet_tasks
         UNION ALL SELECT release || '|' || domain || '|' || code || '|' || element_id || '|' || scale_id || '|' || CAST(data_value AS TEXT) FROM onet_ratings"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    rows.sort();
    rows
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

async fn import_dir(
    db: &Db,
    dir: &Path,
) -> Result<nsx::import::onet::OnetReport, nsx::error::Error> {
    let files = ReleaseFiles::open(dir)?;
    import(db, &files, &OnetOptions::default(), &Silent).await
}

async fn every_file_kind_is_imported(app: TestApp) {
    let c = counts(&app.db).await;
    for spec in nsx_core::onet::FILES {
        let n = c[spec.table];
        assert!(n > 0, "{} -> {} is empty", spec.file, spec.table);
    }
    assert_eq!(c["onet_occupations"], 9);
    assert_eq!(c["occupations"], 9);
    // Tasks of the fixture: 8 + 5 + 5 + 4 + 5 + 9 + 10 + 10.
    assert_eq!(c["onet_tasks"], 56);
    let skills: i64 = on_db!(&app.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM onet_ratings WHERE domain = 'skills'").fetch_one(p).await).unwrap();
    assert_eq!(skills, 8 * 12 * 2);
    // Typed values: N/A becomes NULL, flags become booleans, numbers numbers.
    let (ci, suppress): (Option<f64>, Option<bool>) = on_db!(&app.db, p => sqlx::query_as(
        "SELECT lower_ci, recommend_suppress FROM onet_ratings WHERE domain = 'education' AND code = '17-3024.00' AND category = 3"
    ).fetch_one(p).await).unwrap();
    assert_eq!(ci, None);
    assert_eq!(suppress, Some(false));
    let hot: bool = on_db!(&app.db, p => sqlx::query_scalar(
        "SELECT hot_technology FROM onet_technology_skills WHERE example = 'Autodesk AutoCAD'"
    ).fetch_one(p).await)
    .unwrap();
    assert!(hot);
    // The catalog knows who has enough data for a framework, and why not.
    let (ready, reason): (bool, Option<String>) = on_db!(&app.db, p => sqlx::query_as(
        "SELECT framework_ready, readiness_reason FROM occupations WHERE code = '11-9199.00'"
    ).fetch_one(p).await)
    .unwrap();
    assert!(!ready);
    assert!(reason.unwrap().contains("no task statements"));
    let ready: i64 = on_db!(&app.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM occupations WHERE framework_ready").fetch_one(p).await).unwrap();
    assert_eq!(ready, 8);
    app.finish().await;
}

async fn lf_and_crlf_give_the_same_rows(app: TestApp) {
    let crlf = fingerprint(&app.db).await;
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(), dir.path(), |_, t| t.replace("\r\n", "\n"));
    assert!(
        !std::fs::read_to_string(dir.path().join("Task Statements.txt"))
            .unwrap()
            .contains('\r')
    );
    import_dir(&app.db, dir.path()).await.expect("LF import");
    assert_eq!(fingerprint(&app.db).await, crlf);
    app.finish().await;
}

async fn missing_files_are_reported_not_fatal(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(), dir.path(), |_, t| t);
    for f in ["Skills.txt", "Task Ratings.txt", "Work Context.txt"] {
        std::fs::remove_file(dir.path().join(f)).unwrap();
    }
    std::fs::write(dir.path().join("Notes.txt"), "not O*NET").unwrap();
    let r = import_dir(&app.db, dir.path())
        .await
        .expect("import without some files");
    assert!(r.missing.contains(&"Skills.txt".to_string()));
    assert!(r.missing.contains(&"Task Ratings.txt".to_string()));
    assert_eq!(r.unknown, vec!["Notes.txt".to_string()]);
    assert!(r.warnings.iter().any(|w| w.contains("Notes.txt")));
    let c = counts(&app.db).await;
    assert_eq!(
        c["onet_task_ratings"], 0,
        "the release was replaced without its ratings"
    );
    // Occupation Data is the one required file.
    std::fs::remove_file(dir.path().join("Occupation Data.txt")).unwrap();
    let err = import_dir(&app.db, dir.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("Occupation Data.txt is missing"), "{err}");
    app.finish().await;
}

async fn malformed_rows_abort_and_change_nothing(app: TestApp) {
    let before_counts = counts(&app.db).await;
    let before = fingerprint(&app.db).await;
    let version = app.db.data_version("catalog").await.unwrap();
    let cases = [
        (
            "Task Statements.txt",
            4,
            "Task ID",
            "17-3024.00\tnot-a-number\tSome task.\tCore\t40\t08/2023\tIncumbent",
        ),
        (
            "Job Zones.txt",
            3,
            "O*NET-SOC Code",
            "17-3024\t3\t08/2023\tAnalyst",
        ),
        (
            "Skills.txt",
            6,
            "Data Value",
            "17-3024.00\t2.A.1.a\tReading Comprehension\tIM\thigh\t8\t0.1\t1\t2\tN\tn/a\t08/2023\tAnalyst",
        ),
        (
            "Alternate Titles.txt",
            2,
            "row",
            "17-3024.00\tonly two fields",
        ),
    ];
    for (file, line, field, bad) in cases {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture_dir(), dir.path(), |name, t| {
            if name == file {
                // Change the release so a partial write would be visible, and break one line.
                let mut lines: Vec<String> = t.split("\r\n").map(str::to_string).collect();
                lines[line - 1] = bad.to_string();
                lines.join("\r\n")
            } else if name == "Read Me.txt" {
                t.replace("30.1", "30.2")
            } else {
                t
            }
        });
        let err = import_dir(&app.db, dir.path())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("{file}:{line}: {field}: ")),
            "error for {file} should name file, line and field: {err}"
        );
        assert_eq!(
            counts(&app.db).await,
            before_counts,
            "{file}: row counts changed"
        );
        assert_eq!(
            fingerprint(&app.db).await,
            before,
            "{file}: content changed"
        );
        assert_eq!(app.db.data_version("catalog").await.unwrap(), version);
    }
    app.finish().await;
}

async fn reimport_is_idempotent(app: TestApp) {
    let c1 = counts(&app.db).await;
    let f1 = fingerprint(&app.db).await;
    import_dir(&app.db, &fixture_dir()).await.unwrap();
    import_dir(&app.db, &fixture_dir()).await.unwrap();
    assert_eq!(counts(&app.db).await, c1);
    assert_eq!(fingerprint(&app.db).await, f1);
    app.finish().await;
}

async fn two_releases_side_by_side(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(), dir.path(), |name, t| match name {
        "Read Me.txt" => t.replace("30.1", "30.2"),
        "Occupation Data.txt" => t.replace(
            "Robotics Technicians",
            "Robotics and Automation Technicians",
        ),
        _ => t,
    });
    let r = import_dir(&app.db, dir.path()).await.unwrap();
    assert_eq!(r.release, "30.2");
    let releases: Vec<String> = on_db!(&app.db, p => sqlx::query_scalar("SELECT DISTINCT release FROM onet_tasks ORDER BY release").fetch_all(p).await).unwrap();
    assert_eq!(releases, ["30.1", "30.2"]);
    // The catalog follows the newest release; the older one stays citable.
    let title: String = on_db!(&app.db, p => sqlx::query_scalar("SELECT title FROM occupations WHERE code = '17-3024.01'").fetch_one(p).await).unwrap();
    assert_eq!(title, "Robotics and Automation Technicians");
    let old: String = on_db!(&app.db, p => sqlx::query_scalar("SELECT title FROM onet_occupations WHERE code = '17-3024.01' AND release = '30.1'").fetch_one(p).await).unwrap();
    assert_eq!(old, "Robotics Technicians");
    app.finish().await;
}

async fn supplements_and_release_labels(app: TestApp) {
    // A folder with a supplement_X.Y sub-folder imports both, the supplement under its own label.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture_dir(), dir.path(), |_, t| t);
    let sup = dir.path().join("supplement_29.3");
    std::fs::create_dir(&sup).unwrap();
    std::fs::copy(
        fixture_dir().join("Knowledge.txt"),
        sup.join("Knowledge.txt"),
    )
    .unwrap();
    let r = import_dir(&app.db, dir.path()).await.unwrap();
    assert_eq!(r.supplements.len(), 1);
    assert_eq!(r.supplements[0].release, "29.3");
    let n: i64 = on_db!(&app.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM onet_ratings WHERE release = '29.3' AND domain = 'knowledge'").fetch_one(p).await).unwrap();
    assert_eq!(n, 8 * 5 * 2);
    // Without a Read Me the release must be given.
    let bare = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture_dir().join("Occupation Data.txt"),
        bare.path().join("Occupation Data.txt"),
    )
    .unwrap();
    let err = import_dir(&app.db, bare.path())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("--release"), "{err}");
    let files = ReleaseFiles::open(bare.path()).unwrap();
    let opts = OnetOptions {
        release: Some("28.0".parse().unwrap()),
        supplement: false,
    };
    let r = import(&app.db, &files, &opts, &Silent).await.unwrap();
    assert_eq!(r.release, "28.0");
    app.finish().await;
}

async fn zip_archives_import_like_folders(app: TestApp) {
    let before = fingerprint(&app.db).await;
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("db_30_1_text.zip");
    {
        let f = std::fs::File::create(&zip_path).unwrap();
        let mut z = zip::ZipWriter::new(f);
        let opts: zip::write::SimpleFileOptions = zip::write::SimpleFileOptions::default();
        for e in std::fs::read_dir(fixture_dir()).unwrap() {
            let e = e.unwrap();
            let name = format!("db_30_1_text/{}", e.file_name().to_string_lossy());
            z.start_file(name, opts).unwrap();
            std::io::Write::write_all(&mut z, &std::fs::read(e.path()).unwrap()).unwrap();
        }
        z.finish().unwrap();
    }
    let r = import_dir(&app.db, &zip_path).await.unwrap();
    assert_eq!(r.release, "30.1");
    assert_eq!(fingerprint(&app.db).await, before);
    let err = import_dir(&app.db, &dir.path().join("nope.zip"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no such folder or file"), "{err}");
    app.finish().await;
}

async fn csv_sources_import(app: TestApp) {
    let fx = fixture_dir().join("..");
    let reports = nsx::import::crosswalk::import(&app.db, &[fx.join("crosswalks")], false, &Silent)
        .await
        .unwrap();
    let kinds: Vec<&str> = reports.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "cip2020_programs",
            "cip2020_soc2018",
            "onet2010_onet2019",
            "onet2019_soc2018"
        ]
    );
    let cip = reports
        .iter()
        .find(|r| r.kind == "cip2020_soc2018")
        .unwrap();
    assert_eq!(
        (cip.rows, cip.skipped),
        (4, 1),
        "the NO MATCH row is skipped"
    );
    let def: String = on_db!(&app.db, p => sqlx::query_scalar("SELECT definition FROM cip_programs WHERE code = '15.0403'").fetch_one(p).await).unwrap();
    assert!(def.contains('\n'), "quoted newlines survive");
    // `import cip` refuses an O*NET-SOC crosswalk.
    let err = nsx::import::crosswalk::import(
        &app.db,
        &[fx.join("crosswalks/onet_2019_to_soc.csv")],
        true,
        &Silent,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("nsx import crosswalk"), "{err}");

    let s = nsx::import::evidence::import(&app.db, &fx.join("evidence"), &Silent)
        .await
        .unwrap();
    assert_eq!(s.releases.len(), 2);
    assert!(
        s.releases
            .iter()
            .any(|r| r.ignored.contains(&"wage_data.csv".to_string()))
    );
    // Text matches, and the reworded task reached through the 2010 code and its task ID.
    type Match = (String, i64, Option<f64>, Option<f64>, String);
    let rows: Vec<Match> = on_db!(&app.db, p => sqlx::query_as(
        "SELECT code, task_id, usage_pct, penetration, method FROM aei_task_matches ORDER BY code, task_id"
    ).fetch_all(p).await).unwrap();
    assert!(rows.contains(&(
        "15-1252.00".into(),
        90501,
        Some(2.5),
        Some(0.6),
        "task_text".into()
    )));
    assert!(rows.contains(&(
        "15-1252.00".into(),
        90503,
        Some(0.4),
        None,
        "legacy_task_id".into()
    )));
    assert!(rows.contains(&(
        "29-1141.00".into(),
        90402,
        None,
        Some(0.05),
        "task_text".into()
    )));
    let exposure: f64 = on_db!(&app.db, p => sqlx::query_scalar("SELECT observed_exposure FROM aei_job_exposure WHERE soc_code = '15-1252'").fetch_one(p).await).unwrap();
    assert_eq!(exposure, 0.55);

    let r = nsx::import::apprenticeships::import(&app.db, &fx.join("apprenticeships.csv"), &Silent)
        .await
        .unwrap();
    assert_eq!(r.rows, 4);
    assert_eq!(r.unknown_codes, ["99-9999.00"]);
    // A bad code is refused with its location, and the earlier list is kept.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "RAPIDS code,Title,O*NET-SOC code\n1,Welder,51-4121.06\n2,Baker,51-30\n",
    )
    .unwrap();
    let err = nsx::import::apprenticeships::import(&app.db, &bad, &Silent)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "bad.csv:3: O*NET-SOC code: \"51-30\" is not a valid O*NET-SOC code: expected NN-NNNN.NN, e.g. 17-3024.00"
    );
    let n: i64 = on_db!(&app.db, p => sqlx::query_scalar("SELECT COUNT(*) FROM apprenticeships").fetch_one(p).await).unwrap();
    assert_eq!(n, 4);
    app.finish().await;
}

async fn empty_database_has_no_catalog(app: TestApp) {
    let c = counts(&app.db).await;
    assert_eq!(c["occupations"], 0);
    assert!(nsx::app::is_empty(&app.db).await.unwrap());
    app.finish().await;
}

/// Problems that only show in a whole file (line endings, repeated rows, rows about unknown
/// occupations, bytes that are not UTF-8) and problems inside a supplement folder stop the
/// import at their file and line, and change nothing.
async fn whole_file_problems_stop_the_import_at_their_line(app: TestApp) {
    let before_counts = counts(&app.db).await;
    let before = fingerprint(&app.db).await;
    let tasks = std::fs::read_to_string(fixture_dir().join("Task Statements.txt")).unwrap();
    let task_lines: Vec<&str> = tasks.trim_end().split("\r\n").collect();
    let appended = task_lines.len() + 1;
    type Breaker = Box<dyn Fn(&Path)>;
    let cases: Vec<(Breaker, String)> = vec![
        (
            Box::new(|dir: &Path| {
                let p = dir.join("Job Zones.txt");
                let t = std::fs::read_to_string(&p).unwrap();
                std::fs::write(&p, t.replace("\r\n", "\r")).unwrap();
            }),
            "Job Zones.txt:1: line endings: ".into(),
        ),
        (
            Box::new(move |dir: &Path| {
                let p = dir.join("Task Statements.txt");
                let t = std::fs::read_to_string(&p).unwrap();
                let second = t.split("\r\n").nth(1).unwrap().to_string();
                std::fs::write(&p, format!("{}\r\n{second}\r\n", t.trim_end())).unwrap();
            }),
            format!("Task Statements.txt:{appended}: row: repeats line 2"),
        ),
        (
            Box::new(|dir: &Path| {
                let p = dir.join("Task Statements.txt");
                let t = std::fs::read_to_string(&p).unwrap();
                std::fs::write(
                    &p,
                    format!(
                        "{}\r\n99-9999.99\t90999\tGuess the weather.\tCore\t40\t08/2023\tIncumbent\r\n",
                        t.trim_end()
                    ),
                )
                .unwrap();
            }),
            format!("Task Statements.txt:{appended}: O*NET-SOC Code: 99-9999.99"),
        ),
        (
            Box::new(|dir: &Path| {
                let p = dir.join("Alternate Titles.txt");
                let t = std::fs::read(&p).unwrap();
                // A Latin-1 byte in the third line.
                let third = t
                    .iter()
                    .enumerate()
                    .filter(|(_, b)| **b == b'\n')
                    .nth(1)
                    .map(|(i, _)| i + 1)
                    .unwrap();
                let mut bytes = t[..third].to_vec();
                bytes.push(0xE9);
                bytes.extend_from_slice(&t[third..]);
                std::fs::write(&p, bytes).unwrap();
            }),
            "Alternate Titles.txt:3: text: ".into(),
        ),
        (
            Box::new(|dir: &Path| {
                let sup = dir.join("supplement_29.3");
                std::fs::create_dir(&sup).unwrap();
                let t = std::fs::read_to_string(fixture_dir().join("Knowledge.txt")).unwrap();
                let mut lines: Vec<String> = t.split("\r\n").map(str::to_string).collect();
                lines[2] = "17-3024.00\tonly two fields".into();
                std::fs::write(sup.join("Knowledge.txt"), lines.join("\r\n")).unwrap();
            }),
            "supplement_29.3/Knowledge.txt:3: row: ".into(),
        ),
    ];
    for (breaker, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixture_dir(), dir.path(), |name, t| {
            if name == "Read Me.txt" {
                t.replace("30.1", "30.2")
            } else {
                t
            }
        });
        breaker(dir.path());
        let err = import_dir(&app.db, dir.path())
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&expected),
            "expected {expected:?}, got: {err}"
        );
        assert_eq!(counts(&app.db).await, before_counts, "{expected}");
        assert_eq!(fingerprint(&app.db).await, before, "{expected}");
    }
    app.finish().await;
}

on_both_backends!(
    every_file_kind_is_imported,
    lf_and_crlf_give_the_same_rows,
    missing_files_are_reported_not_fatal,
    malformed_rows_abort_and_change_nothing,
    reimport_is_idempotent,
    two_releases_side_by_side,
    supplements_and_release_labels,
    zip_archives_import_like_folders,
    csv_sources_import,
    whole_file_problems_stop_the_import_at_their_line,
);

#[tokio::test]
async fn empty_database_sqlite() {
    empty_database_has_no_catalog(TestApp::builder().data(Data::Empty).start().await).await;
}
