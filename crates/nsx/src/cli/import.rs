//! `nsx import …`: source data and frameworks.

use anyhow::{Context, bail};
use nsx_core::release::ReleaseId;

use super::users::find_by_email;
use super::{ImportAs, ImportCommand, progress};
use crate::app;
use crate::config::Config;
use crate::db::Db;
use crate::frameworks::import_service::{Format, ImportOptions};

/// Runs an `import` subcommand.
pub(super) async fn run(config: &Config, cmd: ImportCommand) -> anyhow::Result<()> {
    let db = app::open_db(config).await.context("opening the database")?;
    let p = progress();
    match cmd {
        ImportCommand::Onet {
            source,
            release,
            supplement,
        } => {
            let release = release
                .map(|r| r.parse::<ReleaseId>())
                .transpose()
                .map_err(|e| anyhow::anyhow!("--release: {e}"))?;
            let path = app::resolve_onet_source(&source, &config.data_dir, p.as_ref()).await?;
            let files = crate::import::source::ReleaseFiles::open(&path)?;
            let opts = crate::import::onet::OnetOptions {
                release,
                supplement,
            };
            let r = crate::import::onet::import(&db, &files, &opts, p.as_ref()).await?;
            println!(
                "Imported O*NET {}{}: {} rows in {} files ({:.1} s).",
                r.release,
                r.published
                    .as_deref()
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default(),
                r.rows(),
                r.files.len() + r.supplements.iter().map(|s| s.files.len()).sum::<usize>(),
                r.seconds
            );
            for s in &r.supplements {
                println!(
                    "  with supplement {}: {} rows ({})",
                    s.release,
                    s.rows(),
                    s.files
                        .iter()
                        .map(|f| f.file.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            if !r.missing.is_empty() {
                println!("  Not in this release: {}", r.missing.join(", "));
            }
            for w in r
                .warnings
                .iter()
                .chain(r.supplements.iter().flat_map(|s| s.warnings.iter()))
            {
                println!("  Note: {w}");
            }
            println!(
                "Catalog: {} occupations, {} with enough source data for a framework.",
                r.occupations, r.framework_ready
            );
        }
        ImportCommand::Cip { files } => {
            for r in crate::import::crosswalk::import(&db, &files, true, p.as_ref()).await? {
                println!(
                    "Imported {} ({}): {} rows, {} skipped.",
                    r.file, r.kind, r.rows, r.skipped
                );
            }
        }
        ImportCommand::Crosswalk { files } => {
            for r in crate::import::crosswalk::import(&db, &files, false, p.as_ref()).await? {
                println!(
                    "Imported {} ({}): {} rows, {} skipped.",
                    r.file, r.kind, r.rows, r.skipped
                );
            }
        }
        ImportCommand::Evidence { dir } => {
            let s = crate::import::evidence::import(&db, &dir, p.as_ref()).await?;
            for r in &s.releases {
                let files: Vec<String> =
                    r.files.iter().map(|(f, n)| format!("{f} ({n})")).collect();
                println!("Imported evidence {}: {}", r.release, files.join(", "));
                if !r.ignored.is_empty() {
                    println!("  Not used: {}", r.ignored.join(", "));
                }
            }
            println!("{} current O*NET tasks carry evidence.", s.matched_tasks);
        }
        ImportCommand::Apprenticeships { file } => {
            let r = crate::import::apprenticeships::import(&db, &file, p.as_ref()).await?;
            println!("Imported {} registered apprenticeships.", r.rows);
            if !r.unknown_codes.is_empty() {
                println!(
                    "  Not in the current catalog: {}",
                    r.unknown_codes.join(", ")
                );
            }
        }
        ImportCommand::Case { file, target } => {
            import_framework(&db, Format::Case, &file, target).await?;
        }
        ImportCommand::FrameworkCsv { file, target } => {
            import_framework(&db, Format::Csv, &file, target).await?;
        }
    }
    Ok(())
}

/// `nsx import case|framework-csv FILE --as EMAIL`: the import service, acting as a user.
async fn import_framework(
    db: &Db,
    format: Format,
    file: &std::path::Path,
    target: ImportAs,
) -> anyhow::Result<()> {
    let user = find_by_email(db, &target.as_user).await?;
    if user.disabled {
        bail!("the account {} is disabled", user.email);
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let caller = crate::service::Caller::user(&user, None);
    let options = ImportOptions {
        into: target.into,
        code: target.code,
        title: target.title,
        organization_id: None,
    };
    let r = crate::frameworks::import_service::import(db, &caller, format, &bytes, options)
        .await
        .with_context(|| format!("{}", file.display()))?;
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    println!("{}", r.summary());
    Ok(())
}
