//! `nsx db …`, `nsx backup` and `nsx restore`.

use std::io::{BufRead, IsTerminal};
use std::path::Path;

use anyhow::{Context, bail};

use super::{DbCommand, progress};
use crate::app;
use crate::config::Config;
use crate::db::Db;

/// Runs a `db` subcommand.
pub(super) async fn run(config: &Config, cmd: DbCommand) -> anyhow::Result<()> {
    let db = Db::connect(&config.database_url, 2)
        .await
        .context("opening the database")?;
    match cmd {
        DbCommand::Migrate => {
            db.migrate().await?;
            println!(
                "The schema is up to date ({} migrations).",
                db.known_migrations().len()
            );
        }
        DbCommand::Status => {
            db.migrate().await?;
            println!(
                "Backend: {:?} ({})",
                db.backend(),
                crate::db::redact_url(&config.database_url)
            );
            for (v, d) in db.known_migrations() {
                println!("  migration {v}: {d}");
            }
            let rows: Vec<(String, String, String)> = crate::on_db!(&db, p => sqlx::query_as(
                "SELECT source, id, title FROM source_releases ORDER BY source, seq, id"
            )
            .fetch_all(p)
            .await)?;
            for (s, id, t) in rows {
                println!("  source {s} {id}: {t}");
            }
        }
    }
    Ok(())
}

/// `nsx backup FILE`.
pub(super) async fn backup(config: &Config, file: &Path) -> anyhow::Result<()> {
    let db = app::open_db(config).await.context("opening the database")?;
    let n = crate::backup::backup(&db, file, progress().as_ref()).await?;
    println!("Wrote {} rows to {}.", n, file.display());
    Ok(())
}

/// `nsx restore FILE`: asks first unless `yes`.
pub(super) async fn restore(config: &Config, file: &Path, yes: bool) -> anyhow::Result<()> {
    if !yes {
        if !std::io::stdin().is_terminal() {
            bail!("restore replaces everything in the database; pass --yes to confirm");
        }
        eprint!(
            "Restore replaces everything in {}. Type 'restore' to go on: ",
            crate::db::redact_url(&config.database_url)
        );
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if line.trim() != "restore" {
            bail!("not restored");
        }
    }
    let db = app::open_db(config).await.context("opening the database")?;
    let n = crate::backup::restore(&db, file, progress().as_ref()).await?;
    println!("Restored {} rows from {}.", n, file.display());
    Ok(())
}
