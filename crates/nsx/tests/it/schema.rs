//! The SQLite and PostgreSQL migrations are kept in lockstep: the same migration files,
//! producing the same tables, columns, nullability and column kinds.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{Data, TestApp};
use nsx::db::Db;

/// (table → column → (kind, nullable)) with backend types folded into one vocabulary.
async fn describe(db: &Db) -> BTreeMap<String, BTreeMap<String, (String, bool)>> {
    let mut out: BTreeMap<String, BTreeMap<String, (String, bool)>> = BTreeMap::new();
    match db {
        Db::Sqlite(p) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
            )
            .fetch_all(p)
            .await
            .unwrap();
            for t in tables {
                let cols: Vec<(String, String, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(
                    format!("SELECT name, type, \"notnull\", pk FROM pragma_table_info('{t}')"),
                ))
                .fetch_all(p)
                .await
                .unwrap();
                for (c, ty, notnull, pk) in cols {
                    let kind = match ty.to_ascii_uppercase().as_str() {
                        "INTEGER" => "int",
                        "REAL" => "real",
                        "BOOLEAN" => "bool",
                        // UUIDs and byte strings are BLOBs in SQLite.
                        "BLOB" => "blob",
                        // Timestamps and JSON are TEXT in SQLite.
                        _ => "text",
                    };
                    out.entry(t.clone())
                        .or_default()
                        .insert(c, (kind.to_string(), notnull == 0 && pk == 0));
                }
            }
        }
        Db::Postgres(p) => {
            let cols: Vec<(String, String, String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text
                 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
            )
            .fetch_all(p)
            .await
            .unwrap();
            for (t, c, ty, nullable) in cols {
                let kind = match ty.as_str() {
                    "bigint" | "integer" => "int",
                    "double precision" | "real" => "real",
                    "boolean" => "bool",
                    "uuid" | "bytea" => "blob",
                    "text" | "timestamp with time zone" | "jsonb" => "text",
                    other => {
                        panic!("{t}.{c}: type {other} has no SQLite counterpart in this schema")
                    }
                };
                out.entry(t)
                    .or_default()
                    .insert(c, (kind.to_string(), nullable == "YES"));
            }
        }
    }
    out
}

#[test]
fn both_backends_have_the_same_migration_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |d: &str| {
        let mut v: Vec<String> = std::fs::read_dir(root.join(d))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrations_produce_the_same_schema() {
    let lite = TestApp::builder().data(Data::Empty).start().await;
    let lite_schema = describe(&lite.db).await;
    assert!(lite_schema.contains_key("occupations"));
    assert!(lite_schema.contains_key("users"));
    // Every O*NET file's columns exist in its table.
    for spec in nsx_core::onet::FILES {
        let cols = &lite_schema[spec.table];
        assert!(cols.contains_key("release"), "{} lacks release", spec.table);
        for c in spec.columns {
            assert!(
                cols.contains_key(c.db),
                "{}.{} missing for {}",
                spec.table,
                c.db,
                spec.file
            );
        }
        if let Some((d, _)) = spec.discriminator {
            assert!(cols.contains_key(d));
        }
    }
    let Some(pg) = TestApp::builder().data(Data::Empty).postgres() else {
        lite.finish().await;
        return;
    };
    let pg = pg.start().await;
    let pg_schema = describe(&pg.db).await;
    assert_eq!(
        lite_schema.keys().collect::<Vec<_>>(),
        pg_schema.keys().collect::<Vec<_>>(),
        "same tables"
    );
    for (table, cols) in &lite_schema {
        assert_eq!(cols, &pg_schema[table], "columns of {table} differ");
    }
    lite.finish().await;
    pg.finish().await;
}
