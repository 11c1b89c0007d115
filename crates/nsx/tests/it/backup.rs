//! Backup and restore: a consistent snapshot from either backend into one SQLite file, and a
//! transactional restore into either backend.

use crate::common::{Data, TestApp};
use nsx::accounts::store::{self, NewUser};
use nsx::db::Db;
use nsx::import::progress::Silent;
use nsx::on_db;
use nsx_core::accounts::Role;

async fn snapshot(db: &Db) -> Vec<String> {
    // Typed reads formatted in Rust, so both backends print values the same way.
    let occ: Vec<(String, String, bool)> =
        on_db!(db, p => sqlx::query_as("SELECT code, title, framework_ready FROM occupations").fetch_all(p).await).unwrap();
    let ratings: Vec<(String, String, String, String, String, f64)> =
        on_db!(db, p => sqlx::query_as(
        "SELECT release, domain, code, element_id, scale_id, data_value FROM onet_ratings"
    )
    .fetch_all(p)
    .await)
        .unwrap();
    let mut rows: Vec<String> = on_db!(db, p => sqlx::query_scalar(
        "SELECT 'task|' || release || '|' || code || '|' || CAST(task_id AS TEXT) || '|' || task FROM onet_tasks
         UNION ALL SELECT 'user|' || email || '|' || display_name FROM users
         UNION ALL SELECT 'release|' || source || '|' || id FROM source_releases
         UNION ALL SELECT 'audit|' || action || '|' || object_id FROM audit_log WHERE action <> 'database.restore'"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    rows.extend(occ.into_iter().map(|(c, t, r)| format!("occ|{c}|{t}|{r}")));
    rows.extend(
        ratings
            .into_iter()
            .map(|r| format!("rating|{}|{}|{}|{}|{}|{}", r.0, r.1, r.2, r.3, r.4, r.5)),
    );
    rows.sort();
    rows
}

/// Asserts two snapshots are equal, printing only the differences.
fn same(a: &[String], b: &[String], what: &str) {
    let only_a: Vec<_> = a.iter().filter(|x| !b.contains(x)).take(10).collect();
    let only_b: Vec<_> = b.iter().filter(|x| !a.contains(x)).take(10).collect();
    assert!(
        only_a.is_empty() && only_b.is_empty() && a.len() == b.len(),
        "{what}: {} vs {} rows; only before: {only_a:?}; only after: {only_b:?}",
        a.len(),
        b.len()
    );
}

async fn add_user(db: &Db) {
    store::create_user(
        db,
        NewUser {
            email: "ada@example.org".into(),
            display_name: "Ada".into(),
            password_hash: nsx::accounts::password::hash("correct horse battery".into())
                .await
                .unwrap(),
            roles: vec![Role::Editor, Role::Reviewer],
            organization_id: None,
        },
    )
    .await
    .unwrap();
    // An audit entry, so that restoring replaces a log that refuses updates and deletes.
    let mut tx = db.begin().await.unwrap();
    nsx::audit::record(
        &mut tx,
        &nsx::service::Caller::system("system:test"),
        nsx::audit::Change::new("user.create", "user", "ada@example.org"),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn backup_and_restore_round_trip(app: TestApp) {
    add_user(&app.db).await;
    let before = snapshot(&app.db).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nsx-backup.db");
    let n = nsx::backup::backup(&app.db, &file, &Silent).await.unwrap();
    assert!(n > 500, "rows written: {n}");
    // A second backup to the same name is refused rather than overwriting.
    let err = nsx::backup::backup(&app.db, &file, &Silent)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists"), "{err}");

    // Restore into an empty SQLite exchange…
    let fresh = TestApp::builder().data(Data::Empty).start().await;
    nsx::backup::restore(&fresh.db, &file, &Silent)
        .await
        .unwrap();
    same(&before, &snapshot(&fresh.db).await, "restored into SQLite");
    let (u, _) = store::find_user_by_email(&fresh.db, "ada@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.roles, vec![Role::Editor, Role::Reviewer]);
    fresh.finish().await;

    // …and into an empty PostgreSQL exchange (the same file moves between backends).
    if let Some(b) = TestApp::builder().data(Data::Empty).postgres() {
        let pg = b.start().await;
        nsx::backup::restore(&pg.db, &file, &Silent).await.unwrap();
        same(&before, &snapshot(&pg.db).await, "restored into PostgreSQL");
        // Restoring over existing data replaces it rather than adding to it.
        nsx::backup::restore(&pg.db, &file, &Silent).await.unwrap();
        same(&before, &snapshot(&pg.db).await, "restored twice");
        pg.finish().await;
    }
    app.finish().await;
}

async fn a_broken_backup_changes_nothing(app: TestApp) {
    let before = snapshot(&app.db).await;
    let dir = tempfile::tempdir().unwrap();
    // Not a database at all.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a backup").unwrap();
    let err = nsx::backup::restore(&app.db, &junk, &Silent)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("backup"), "{err}");
    // A real backup with an orphan row that violates a foreign key: the restore fails half-way
    // and must roll back everything it had already replaced.
    let file = dir.path().join("orphan.db");
    let source = TestApp::builder().start().await;
    nsx::backup::backup(&source.db, &file, &Silent)
        .await
        .unwrap();
    source.finish().await;
    {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        sqlx::query("PRAGMA foreign_keys = OFF")
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query("INSERT INTO user_roles (user_id, role, granted_at) VALUES (x'00000000000000000000000000000001', 'admin', '2026-01-01T00:00:00Z')")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    }
    let err = nsx::backup::restore(&app.db, &file, &Silent).await;
    assert!(err.is_err(), "an orphan row must fail the restore");
    same(&before, &snapshot(&app.db).await, "after a failed restore");
    let missing = nsx::backup::restore(&app.db, &dir.path().join("none.db"), &Silent)
        .await
        .unwrap_err()
        .to_string();
    assert!(missing.contains("no such backup file"), "{missing}");
    app.finish().await;
}

/// Rows in every table of a backup file.
async fn rows_in_file(file: &std::path::Path) -> u64 {
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let mut n = 0u64;
    for t in tables {
        let k: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
            .fetch_one(&mut c)
            .await
            .unwrap();
        n += k as u64;
    }
    n
}

async fn the_reported_row_count_is_the_snapshots(app: TestApp) {
    // Writes keep arriving while the backup runs; the count it reports must be the rows
    // the file holds, not the live database's count a moment later.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let db = app.db.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let mut tx = db.begin().await.unwrap();
                nsx::audit::record(
                    &mut tx,
                    &nsx::service::Caller::system("system:test"),
                    nsx::audit::Change::new("test.write", "test", format!("w{i}")),
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
                i += 1;
                tokio::task::yield_now().await;
            }
            i
        })
    };
    let dir = tempfile::tempdir().unwrap();
    for round in 0..3 {
        let file = dir.path().join(format!("b{round}.db"));
        let n = nsx::backup::backup(&app.db, &file, &Silent).await.unwrap();
        assert_eq!(n, rows_in_file(&file).await, "round {round}");
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(written > 0, "the writer ran");
    app.finish().await;
}

on_both_backends!(
    backup_and_restore_round_trip,
    a_broken_backup_changes_nothing,
    the_reported_row_count_is_the_snapshots
);
