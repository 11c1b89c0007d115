//! `nsx draft` and `nsx lint`.

use anyhow::{Context, bail};

use super::{DraftArgs, LintArgs, progress};
use crate::app;
use crate::config::Config;

/// `nsx draft`: drafts a version for every ready occupation or for the given codes.
pub(super) async fn draft(config: &Config, args: DraftArgs) -> anyhow::Result<()> {
    let db = app::open_db(config).await.context("opening the database")?;
    let label = match &args.version {
        Some(v) => v
            .parse::<nsx_core::frameworks::VersionLabel>()
            .map_err(|e| anyhow::anyhow!("--version: {e}"))?,
        None => crate::frameworks::current_label(),
    };
    let codes = (!args.all).then_some(args.codes.as_slice());
    let p = progress();
    let run = crate::frameworks::draft_and_store(&db, codes, &label, p.as_ref()).await?;
    println!(
        "Drafted {} framework(s) as {} ({} statements, {} citations) in {:.1} s.",
        run.drafted, run.label, run.statements, run.citations, run.seconds
    );
    if !run.skipped.is_empty() {
        println!("Skipped {}:", run.skipped.len());
        for (reason, codes) in run.skipped_by_reason() {
            let shown: Vec<&str> = codes.iter().take(8).map(|s| s.as_str()).collect();
            let more = if codes.len() > 8 {
                format!(" and {} more", codes.len() - 8)
            } else {
                String::new()
            };
            println!("  {} × {reason}: {}{more}", codes.len(), shown.join(", "));
        }
    }
    if run.lint_errors > 0 {
        bail!(
            "the drafts have {} lint error(s); run `nsx lint`",
            run.lint_errors
        );
    }
    Ok(())
}

/// `nsx lint`: checks the current version of every framework or of the given codes.
pub(super) async fn lint(config: &Config, args: LintArgs) -> anyhow::Result<()> {
    for code in &args.codes {
        code.parse::<nsx_core::codes::OnetSocCode>()
            .with_context(|| format!("{code:?} is not an O*NET-SOC code (e.g. 17-3024.00)"))?;
    }
    let db = app::open_db(config).await.context("opening the database")?;
    let codes = (!args.codes.is_empty()).then_some(args.codes.as_slice());
    let (n, findings) = crate::frameworks::lint_stored(&db, codes).await?;
    let errors = findings
        .iter()
        .filter(|f| f.finding.severity == nsx_core::frameworks::lint::Severity::Error)
        .count();
    if args.report {
        print!("{}", crate::frameworks::lint_report(&findings));
    } else {
        for f in &findings {
            if args.warnings || f.finding.severity == nsx_core::frameworks::lint::Severity::Error {
                println!("{f}");
            }
        }
    }
    println!(
        "Checked {n} framework(s): {errors} error(s), {} warning(s).",
        findings.len() - errors
    );
    if n == 0 && !args.codes.is_empty() {
        bail!(
            "no framework for {}: `nsx draft {}` drafts one",
            args.codes.join(", "),
            args.codes.join(" ")
        );
    }
    if n == 0 {
        bail!("no frameworks to check: run `nsx draft --all` first");
    }
    if errors > 0 {
        bail!("{errors} lint error(s)");
    }
    Ok(())
}
