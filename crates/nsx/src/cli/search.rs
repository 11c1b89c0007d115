//! `nsx search`: searching, rebuilding the index and evaluating search quality.

use anyhow::Context;

use super::SearchArgs;
use crate::app;
use crate::config::Config;

/// Runs `nsx search`.
pub(super) async fn run(config: &Config, args: SearchArgs) -> anyhow::Result<()> {
    let db = app::open_db(config).await.context("opening the database")?;
    if args.eval {
        let informal = match &args.informal {
            Some(p) => crate::search::eval::parse_eval_file(
                &std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?,
                &p.display().to_string(),
            )?,
            None => Vec::new(),
        };
        let src = crate::search::load(&db).await?;
        let opts = crate::search::eval::Options {
            sample: args.sample,
            seed: args.seed,
            folds: args.folds,
            apart_from: args.apart_from_seed,
            hold_out: args.hold_out,
            tune: crate::search::index::Tune::parse(args.tune.as_deref().unwrap_or(""))
                .map_err(|e| anyhow::anyhow!("--tune: {e}"))?,
        };
        let models =
            crate::search::Models::open(config.wordnet.as_deref(), config.embeddings.as_deref());
        eprintln!("{}", models.describe());
        let report = crate::search::eval::run(&src, &informal, &opts, models).await?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print!("{}", report.to_text());
        }
        return Ok(());
    }
    let models =
        crate::search::Models::open(config.wordnet.as_deref(), config.embeddings.as_deref());
    let index = crate::search::build_from_db_with(&db, models).await?;
    if args.rebuild_only {
        println!(
            "Built the search index: {} occupations, {} documents, data version {} ({:.2} s).",
            index.occupation_count(),
            index.doc_count(),
            index.version(),
            index.build_time().as_secs_f64()
        );
        return Ok(());
    }
    let query = args.query.unwrap_or_default();
    let started = std::time::Instant::now();
    let ranked = index.search(&query, 0, args.limit)?;
    let took = started.elapsed();
    let hits: Vec<_> = ranked.hits.iter().collect();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "query": query,
                "total": ranked.total,
                "did_you_mean": ranked.did_you_mean,
                "took_us": took.as_micros() as u64,
                "results": hits,
            }))?
        );
        return Ok(());
    }
    if let Some(d) = &ranked.did_you_mean {
        println!("Did you mean: {d}");
    }
    if hits.is_empty() {
        println!("No occupations match {query:?}.");
    }
    for (i, h) in hits.iter().enumerate() {
        println!(
            "{:>2}. {}  {}  (score {:.3})",
            i + 1,
            h.code,
            h.title,
            h.score
        );
        for m in &h.matched {
            println!("      {}", m.text);
        }
    }
    println!(
        "{} match{} in {:.2} ms.",
        ranked.total,
        if ranked.total == 1 { "" } else { "es" },
        took.as_secs_f64() * 1000.0
    );
    Ok(())
}
