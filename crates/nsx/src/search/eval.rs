//! An honest measure of job-title search: leave-one-out over O*NET's own alternate and
//! reported titles, plus a held-out set of informal titles, each scored by 6-digit SOC code,
//! with a plain SQLite FTS5 (bm25) ranker over the same title documents in the same run.
//!
//! Leave-one-out: a seeded sample of titles is split into folds; for each fold the index is
//! built from everything except that fold's titles, so neither the lexical ranker nor
//! anything learned from the titles has seen the title it is asked for. By default
//! ([`HoldOut::Everywhere`]) a held-out title leaves every occupation that lists it (O*NET
//! files some titles, "Machine Operator" say, under several occupations); the older measure
//! ([`HoldOut::Own`]) removed it from its own occupation only, so a title also filed
//! elsewhere was still found whole there — lookup, not search. A query is right at *k* when
//! the SOC code of the occupation it was drawn from is among the SOC codes of the first *k*
//! results; a second figure counts it right when any SOC code the catalog files the title
//! under is.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use nsx_core::search::normalize;
use serde::Serialize;
use sqlx::sqlite::{SqlitePool, SqlitePoolOptions};

use super::Models;
use super::index::{SearchIndex, Source, Tune};
use crate::error::{Error, Result};

/// One evaluation query and the 6-digit SOC codes that count as right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalQuery {
    /// The query as typed.
    pub query: String,
    /// Right answers, 6-digit SOC codes (`17-3024`).
    pub want: Vec<String>,
}

/// A title held out of the index: the occupation it belongs to and its normalised text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HeldOut {
    /// O*NET-SOC code of the occupation the title names.
    pub code: String,
    /// The title as O*NET writes it (the query).
    pub title: String,
    /// Its normalised form (what is removed from the index).
    pub norm: String,
}

/// How many titles of another seed's draw a tuning sample stays apart from (a draw's first
/// n titles are the same for every sample size, so this covers every sample up to it).
pub const APART: usize = 10_000;

/// Which documents a held-out title leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum HoldOut {
    /// The title (and the short form derived from it) leaves every occupation that lists
    /// it: the index has never seen the query.
    #[default]
    Everywhere,
    /// The title leaves only the occupation it was drawn from; the same title filed under
    /// another occupation stays in the index (the measure used before 2026-12-07).
    Own,
}

impl HoldOut {
    fn label(self) -> &'static str {
        match self {
            HoldOut::Everywhere => "each held out of every occupation that lists it",
            HoldOut::Own => "each held out of its own occupation only",
        }
    }
}

/// How the evaluation runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// How many titles to hold out in all.
    pub sample: usize,
    /// Seed of the sample (the same seed draws the same titles).
    pub seed: u64,
    /// How many indexes to build (titles are held out a fold at a time).
    pub folds: usize,
    /// Titles the first [`APART`] titles drawn with this seed hold are never drawn: a tuning
    /// sample kept apart from every evaluated sample of that seed up to that size
    /// (`--apart-from-seed 7`).
    pub apart_from: Option<u64>,
    /// Which documents a held-out title leaves.
    pub hold_out: HoldOut,
    /// Ranking constants other than the defaults (tuning runs only).
    pub tune: Tune,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sample: 2000,
            seed: 7,
            folds: 10,
            apart_from: None,
            hold_out: HoldOut::default(),
            tune: Tune::default(),
        }
    }
}

/// Accuracy of one ranker on one set.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Scores {
    /// Queries asked.
    pub n: usize,
    /// Right first result.
    pub top1: usize,
    /// Right answer among the first five distinct SOC codes.
    pub top5: usize,
    /// Queries answered with nothing at all.
    pub empty: usize,
}

impl Scores {
    /// Share right at 1.
    pub fn top1_rate(&self) -> f64 {
        ratio(self.top1, self.n)
    }

    /// Share right within 5.
    pub fn top5_rate(&self) -> f64 {
        ratio(self.top5, self.n)
    }

    fn add(&mut self, ranked_soc: &[String], want: &[String]) {
        self.n += 1;
        if ranked_soc.is_empty() {
            self.empty += 1;
        }
        if ranked_soc.first().is_some_and(|s| want.contains(s)) {
            self.top1 += 1;
        }
        if ranked_soc.iter().take(5).any(|s| want.contains(s)) {
            self.top5 += 1;
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The figures of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Titles held out and how many indexes were built.
    pub sample: usize,
    /// Folds (indexes built without their titles).
    pub folds: usize,
    /// Seed of the sample.
    pub seed: u64,
    /// Seed of the sample whose titles were kept out of this one, if any.
    pub apart_from: Option<u64>,
    /// Which documents each held-out title left.
    pub hold_out: HoldOut,
    /// NSX on the held-out O*NET titles.
    pub loo_nsx: Scores,
    /// SQLite FTS5 bm25 on the same held-out titles and the same documents.
    pub loo_fts5: Scores,
    /// NSX on the same queries, right when any SOC code the catalog files the title under
    /// is found (a title O*NET lists under several occupations names each of them).
    pub loo_nsx_any_soc: Scores,
    /// FTS5 scored the same way.
    pub loo_fts5_any_soc: Scores,
    /// NSX on the informal set (full index), when one was given.
    pub informal_nsx: Option<Scores>,
    /// FTS5 on the informal set.
    pub informal_fts5: Option<Scores>,
    /// NSX query time over every query asked, 50th and 99th percentile, microseconds.
    pub query_p50_us: u64,
    /// 99th percentile.
    pub query_p99_us: u64,
    /// Slowest index build of the run, milliseconds.
    pub max_build_ms: u64,
    /// Misses of NSX on the informal set: (query, first results' codes).
    pub informal_misses: Vec<(String, Vec<String>)>,
    /// Calibration of the first result's confidence on the leave-one-out queries: per
    /// tenth of confidence (0–0.1, …, 0.9–1), how many first results fell in it and how many
    /// of them were right.
    pub calibration: Vec<(usize, usize)>,
    /// The leave-one-out misses by kind (see [`MissKind`]), with counts.
    pub miss_kinds: Vec<(MissKind, usize)>,
    /// The first 50 leave-one-out misses of NSX: (title, its SOC code, first results).
    pub loo_misses: Vec<(String, String, Vec<String>)>,
}

/// Why a held-out title was missed, as far as the data tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissKind {
    /// The same title (after normalisation) names an occupation of another SOC code too:
    /// the catalog itself gives it more than one answer ("Machine Operator").
    TitleOfAnotherSoc,
    /// Its words are in no other title of the catalog.
    UnknownWords,
    /// It belongs to an "All Other" occupation (a catch-all of unlike jobs).
    AllOther,
    /// Anything else: mostly a sibling occupation sharing the title's words.
    Other,
}

impl MissKind {
    fn label(self) -> &'static str {
        match self {
            MissKind::TitleOfAnotherSoc => "the same title names another SOC code too",
            MissKind::UnknownWords => "its words are in no other title",
            MissKind::AllOther => "its occupation is an \"All Other\" one",
            MissKind::Other => "other (mostly a sibling occupation ranked first)",
        }
    }
}

/// Classifies misses: which SOC codes each normalised title names, and in how many
/// distinct titles each word appears.
struct MissReader {
    socs_of: HashMap<String, HashSet<String>>,
    titles_with: HashMap<String, usize>,
    all_other: HashSet<String>,
}

impl MissReader {
    fn new(src: &Source) -> Self {
        let mut socs_of: HashMap<String, HashSet<String>> = HashMap::new();
        let mut all_other = HashSet::new();
        let mut add = |code: &str, title: &str| {
            socs_of
                .entry(normalize(title))
                .or_default()
                .insert(soc6(code));
        };
        for o in &src.occupations {
            add(&o.0, &o.1);
            if o.1.trim_end().ends_with("All Other") {
                all_other.insert(o.0.clone());
            }
        }
        for (c, t, short) in &src.alternate_titles {
            add(c, t);
            if let Some(st) = short {
                add(c, st);
            }
        }
        for (c, t) in &src.reported_titles {
            add(c, t);
        }
        let mut titles_with: HashMap<String, usize> = HashMap::new();
        for t in socs_of.keys() {
            let words: HashSet<&str> = t.split(' ').collect();
            for w in words {
                *titles_with.entry(w.to_string()).or_default() += 1;
            }
        }
        MissReader {
            socs_of,
            titles_with,
            all_other,
        }
    }

    /// Every SOC code the catalog files the held-out title under (its own first).
    fn socs_of_title(&self, h: &HeldOut) -> Vec<String> {
        let own = soc6(&h.code);
        let mut out = vec![own.clone()];
        if let Some(s) = self.socs_of.get(&h.norm) {
            let mut rest: Vec<String> = s.iter().filter(|x| **x != own).cloned().collect();
            rest.sort();
            out.extend(rest);
        }
        out
    }

    fn kind(&self, h: &HeldOut) -> MissKind {
        let soc = soc6(&h.code);
        if self
            .socs_of
            .get(&h.norm)
            .is_some_and(|s| s.iter().any(|x| *x != soc))
        {
            return MissKind::TitleOfAnotherSoc;
        }
        let known = h
            .norm
            .split(' ')
            .filter(|w| !nsx_core::search::is_stopword(w))
            .any(|w| self.titles_with.get(w).copied().unwrap_or(0) > 1);
        if !known {
            return MissKind::UnknownWords;
        }
        if self.all_other.contains(&h.code) {
            return MissKind::AllOther;
        }
        MissKind::Other
    }
}

/// The 6-digit SOC code of an O*NET-SOC code (`17-3024.01` → `17-3024`).
pub fn soc6(code: &str) -> String {
    code.get(..7).unwrap_or(code).to_string()
}

/// Distinct SOC codes in rank order.
pub fn distinct_soc(codes: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    codes
        .into_iter()
        .map(|c| soc6(&c))
        .filter(|s| seen.insert(s.clone()))
        .collect()
}

/// Reads an evaluation file: `query<TAB>code,code…` per line, `#` comments. Codes may be
/// 6-digit SOC or O*NET-SOC (read as their SOC code).
pub fn parse_eval_file(text: &str, origin: &str) -> Result<Vec<EvalQuery>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        let query = cols.next().unwrap_or("").trim().to_string();
        let codes = cols.next().unwrap_or("").trim();
        if query.is_empty() || codes.is_empty() {
            return Err(Error::Internal(format!(
                "{origin}:{}: expected a query, a tab and one or more codes",
                i + 1
            )));
        }
        let mut want = Vec::new();
        for c in codes.split(',').map(str::trim) {
            let ok = c.len() >= 7
                && c.as_bytes()[2] == b'-'
                && c[..2].bytes().all(|b| b.is_ascii_digit())
                && c[3..7].bytes().all(|b| b.is_ascii_digit());
            if !ok {
                return Err(Error::Internal(format!(
                    "{origin}:{}: {c:?} is not a SOC code such as 17-3024",
                    i + 1
                )));
            }
            let s = soc6(c);
            if !want.contains(&s) {
                want.push(s);
            }
        }
        out.push(EvalQuery { query, want });
    }
    Ok(out)
}

/// A small, seeded generator (SplitMix64), so a seed draws the same sample everywhere.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Draws `n` distinct titles from the alternate and reported titles (never one that is its
/// occupation's official title), in a seeded random order.
pub fn sample_titles(src: &Source, n: usize, seed: u64) -> Vec<HeldOut> {
    let official: HashMap<&str, String> = src
        .occupations
        .iter()
        .map(|o| (o.0.as_str(), normalize(&o.1)))
        .collect();
    let mut seen = HashSet::new();
    let mut all = Vec::new();
    let titles = src
        .alternate_titles
        .iter()
        .map(|(c, t, _)| (c, t))
        .chain(src.reported_titles.iter().map(|(c, t)| (c, t)));
    for (code, title) in titles {
        let norm = normalize(title);
        let Some(off) = official.get(code.as_str()) else {
            continue;
        };
        if norm.is_empty() || *off == norm || !seen.insert((code.clone(), norm.clone())) {
            continue;
        }
        all.push(HeldOut {
            code: code.clone(),
            title: title.clone(),
            norm,
        });
    }
    all.sort_by(|a, b| (&a.code, &a.norm).cmp(&(&b.code, &b.norm)));
    // Fisher–Yates with the seeded generator.
    let mut rng = SplitMix(seed);
    for i in (1..all.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        all.swap(i, j);
    }
    all.truncate(n);
    all
}

/// The titles an evaluation holds out: the seeded sample, without any title the other
/// seed's first [`APART`] titles hold when `apart_from` is set.
pub fn draw(src: &Source, opts: &Options) -> Vec<HeldOut> {
    let Some(other) = opts.apart_from else {
        return sample_titles(src, opts.sample, opts.seed);
    };
    let apart: HashSet<(String, String)> = sample_titles(src, APART, other)
        .into_iter()
        .map(|h| (h.code, h.norm))
        .collect();
    let mut held = sample_titles(src, usize::MAX, opts.seed);
    held.retain(|h| !apart.contains(&(h.code.clone(), h.norm.clone())));
    held.truncate(opts.sample);
    held
}

/// The source without the held-out titles: the alternate or reported title itself and the
/// short form O*NET derived from it (a held-out short form is dropped from its row), from
/// the title's own occupation or, with [`HoldOut::Everywhere`], from every occupation
/// (registered-apprenticeship titles worded the same included). Official titles stay: they are never drawn, and every occupation keeps its name.
pub fn without(src: &Source, held: &[HeldOut], mode: HoldOut) -> Source {
    let out: HashSet<(&str, &str)> = held
        .iter()
        .map(|h| (h.code.as_str(), h.norm.as_str()))
        .collect();
    let anywhere: HashSet<&str> = held.iter().map(|h| h.norm.as_str()).collect();
    let gone = |code: &str, title: &str| {
        let norm = normalize(title);
        match mode {
            HoldOut::Own => out.contains(&(code, norm.as_str())),
            HoldOut::Everywhere => anywhere.contains(norm.as_str()),
        }
    };
    let mut s = src.clone();
    s.alternate_titles = src
        .alternate_titles
        .iter()
        .filter(|(c, t, _)| !gone(c, t))
        .map(|(c, t, short)| {
            let short = short.clone().filter(|st| !gone(c, st));
            (c.clone(), t.clone(), short)
        })
        .collect();
    let kept = |titles: &[(String, String)]| -> Vec<(String, String)> {
        titles
            .iter()
            .filter(|(c, t)| !gone(c, t))
            .cloned()
            .collect()
    };
    s.reported_titles = kept(&src.reported_titles);
    if mode == HoldOut::Everywhere {
        // A registered-apprenticeship title worded the same is the same title.
        s.apprenticeships = kept(&src.apprenticeships);
    }
    s
}

/// Anything that ranks occupations for a query: O*NET-SOC codes, best first.
pub trait Ranker {
    /// Ranked O*NET-SOC (or SOC) codes for a query.
    fn rank(&self, query: &str) -> Vec<String>;
}

impl Ranker for SearchIndex {
    fn rank(&self, query: &str) -> Vec<String> {
        self.search(query, 0, 30)
            .map(|r| r.hits.into_iter().map(|h| h.code).collect())
            .unwrap_or_default()
    }
}

/// Scores a ranker on a set of queries.
pub fn score(ranker: &dyn Ranker, set: &[EvalQuery]) -> Scores {
    let mut s = Scores::default();
    for q in set {
        s.add(&distinct_soc(ranker.rank(&q.query)), &q.want);
    }
    s
}

/// The baseline: SQLite FTS5 with the porter tokenizer over the title documents (official,
/// alternate, short and reported titles), queried as an OR of the query's words and ranked
/// by bm25 — what a plain full-text search over the same titles gives.
pub struct Fts5 {
    pool: SqlitePool,
    handle: tokio::runtime::Handle,
}

impl Fts5 {
    /// An empty in-memory FTS5 table.
    pub async fn new() -> Result<Fts5> {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await?;
        sqlx::query(
            "CREATE VIRTUAL TABLE t USING fts5(code UNINDEXED, title, tokenize = 'porter unicode61')",
        )
        .execute(&pool)
        .await?;
        Ok(Fts5 {
            pool,
            handle: tokio::runtime::Handle::current(),
        })
    }

    /// Replaces the documents with the titles of `src`.
    pub async fn load(&self, src: &Source) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM t").execute(&mut *tx).await?;
        let mut docs: Vec<(&str, &str)> = Vec::new();
        for o in &src.occupations {
            docs.push((&o.0, &o.1));
        }
        for (c, t, s) in &src.alternate_titles {
            docs.push((c, t));
            if let Some(s) = s.as_deref().filter(|s| !s.trim().is_empty()) {
                docs.push((c, s));
            }
        }
        for (c, t) in &src.reported_titles {
            docs.push((c, t));
        }
        for (c, t) in docs {
            sqlx::query("INSERT INTO t (code, title) VALUES ($1, $2)")
                .bind(c)
                .bind(t)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn query(&self, q: &str) -> Result<Vec<String>> {
        let words: Vec<String> = normalize(q)
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{}\"", w.replace('"', "")))
            .collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT code FROM t WHERE t MATCH $1 ORDER BY bm25(t) LIMIT 200")
                .bind(words.join(" OR "))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

impl Ranker for Fts5 {
    fn rank(&self, query: &str) -> Vec<String> {
        tokio::task::block_in_place(|| self.handle.block_on(self.query(query))).unwrap_or_default()
    }
}

/// Runs the evaluation: leave-one-out by folds over a seeded sample of `src`'s titles, and
/// the informal set (if any) against an index of everything. Needs a multi-threaded tokio
/// runtime (the FTS5 baseline is asked from blocking code).
pub async fn run(
    src: &Source,
    informal: &[EvalQuery],
    opts: &Options,
    models: Models,
) -> Result<Report> {
    let held = draw(src, opts);
    if held.is_empty() {
        return Err(Error::Internal(
            "no alternate or reported titles to hold out: import an O*NET release first".into(),
        ));
    }
    let folds = opts.folds.clamp(1, held.len());
    let fts = Fts5::new().await?;
    let mut report = Report {
        sample: held.len(),
        folds,
        seed: opts.seed,
        apart_from: opts.apart_from,
        hold_out: opts.hold_out,
        calibration: vec![(0, 0); 10],
        ..Report::default()
    };
    let mut times: Vec<Duration> = Vec::new();
    let reader = MissReader::new(src);
    let mut kinds: HashMap<MissKind, usize> = HashMap::new();
    for f in 0..folds {
        let fold: Vec<HeldOut> = held.iter().skip(f).step_by(folds).cloned().collect();
        let part = without(src, &fold, opts.hold_out);
        fts.load(&part).await?;
        let index = build(part, models.clone(), opts.tune).await?;
        report.max_build_ms = report
            .max_build_ms
            .max(index.build_time().as_millis() as u64);
        for h in &fold {
            let want = vec![soc6(&h.code)];
            let t = Instant::now();
            let ranked = index.search(&h.title, 0, 30).unwrap_or_default();
            times.push(t.elapsed());
            let got = distinct_soc(ranked.hits.iter().map(|h| h.code.clone()));
            if let Some(first) = ranked.hits.first() {
                let bin = ((first.confidence * 10.0) as usize).min(9);
                report.calibration[bin].0 += 1;
                if got.first().is_some_and(|s| want.contains(s)) {
                    report.calibration[bin].1 += 1;
                }
            }
            let missed = !got.iter().take(5).any(|c| want.contains(c));
            if missed {
                *kinds.entry(reader.kind(h)).or_default() += 1;
            }
            if missed && report.loo_misses.len() < 50 {
                report.loo_misses.push((
                    h.title.clone(),
                    want[0].clone(),
                    got.iter().take(5).cloned().collect(),
                ));
            }
            let fts_got = distinct_soc(fts.rank(&h.title));
            report.loo_nsx.add(&got, &want);
            report.loo_fts5.add(&fts_got, &want);
            let any = reader.socs_of_title(h);
            report.loo_nsx_any_soc.add(&got, &any);
            report.loo_fts5_any_soc.add(&fts_got, &any);
        }
    }
    let mut kinds: Vec<(MissKind, usize)> = kinds.into_iter().collect();
    kinds.sort();
    report.miss_kinds = kinds;
    if !informal.is_empty() {
        fts.load(src).await?;
        let index = build(src.clone(), models.clone(), opts.tune).await?;
        let mut s = Scores::default();
        for q in informal {
            let t = Instant::now();
            let got = distinct_soc(index.rank(&q.query));
            times.push(t.elapsed());
            s.add(&got, &q.want);
            if !got.iter().take(5).any(|c| q.want.contains(c)) {
                report
                    .informal_misses
                    .push((q.query.clone(), got.into_iter().take(5).collect()));
            }
        }
        report.informal_nsx = Some(s);
        report.informal_fts5 = Some(score(&fts, informal));
    }
    times.sort();
    let pct = |p: f64| {
        times
            .get(((times.len() as f64 * p) as usize).min(times.len().saturating_sub(1)))
            .map(|d| d.as_micros() as u64)
            .unwrap_or(0)
    };
    report.query_p50_us = pct(0.5);
    report.query_p99_us = pct(0.99);
    Ok(report)
}

async fn build(src: Source, models: Models, tune: Tune) -> Result<SearchIndex> {
    tokio::task::spawn_blocking(move || SearchIndex::build_tuned(src, 0, models, tune))
        .await
        .map_err(|e| Error::Internal(format!("search index build: {e}")))?
}

impl Report {
    /// The figures as text, one line each.
    pub fn to_text(&self) -> String {
        let line = |name: &str, s: &Scores| {
            format!(
                "{name:<44} top-1 {:>5.1} %   top-5 {:>5.1} %   (n={}, empty {})\n",
                100.0 * s.top1_rate(),
                100.0 * s.top5_rate(),
                s.n,
                s.empty
            )
        };
        let apart = self
            .apart_from
            .map(|s| format!(", none of seed {s}'s"))
            .unwrap_or_default();
        let mut out = format!(
            "leave-one-out: {} O*NET alternate/reported titles (seed {}{apart}), {}, {} folds\n",
            self.sample,
            self.seed,
            self.hold_out.label(),
            self.folds
        );
        out += "right = the 6-digit SOC of the occupation the title was drawn from\n";
        out += &line("  nsx", &self.loo_nsx);
        out += &line("  sqlite FTS5 bm25, same title documents", &self.loo_fts5);
        out += "right = any 6-digit SOC the catalog files the title under\n";
        out += &line("  nsx", &self.loo_nsx_any_soc);
        out += &line(
            "  sqlite FTS5 bm25, same title documents",
            &self.loo_fts5_any_soc,
        );
        if let (Some(n), Some(f)) = (&self.informal_nsx, &self.informal_fts5) {
            out += &format!("informal held-out titles: {}\n", n.n);
            out += &line("  nsx", n);
            out += &line("  sqlite FTS5 bm25, same title documents", f);
        }
        if !self.miss_kinds.is_empty() {
            out += "leave-one-out misses of nsx (not in the first five), by kind:\n";
            for (k, n) in &self.miss_kinds {
                out += &format!("  {n:>5}  {}\n", k.label());
            }
        }
        if self.calibration.iter().any(|c| c.0 > 0) {
            out += "confidence of the first result vs how often it is right (leave-one-out):\n";
            for (i, (n, right)) in self.calibration.iter().enumerate() {
                if *n > 0 {
                    out += &format!(
                        "  {:.1}–{:.1}: {n:>5} queries, right {:>5.1} %\n",
                        i as f64 / 10.0,
                        (i + 1) as f64 / 10.0,
                        100.0 * ratio(*right, *n)
                    );
                }
            }
        }
        out += &format!(
            "nsx query time p50 {} us, p99 {} us; slowest index build {} ms\n",
            self.query_p50_us, self.query_p99_us, self.max_build_ms
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src() -> Source {
        Source {
            occupations: vec![
                (
                    "17-3024.01".into(),
                    "Robotics Technicians".into(),
                    String::new(),
                    Some(3),
                    "17-3024".into(),
                ),
                (
                    "29-1141.00".into(),
                    "Registered Nurses".into(),
                    String::new(),
                    Some(3),
                    "29-1141".into(),
                ),
            ],
            alternate_titles: vec![
                (
                    "17-3024.01".into(),
                    "Robotics Technician".into(),
                    Some("Robot Tech".into()),
                ),
                (
                    "17-3024.01".into(),
                    "Robotic Systems Technician".into(),
                    None,
                ),
                ("29-1141.00".into(), "Staff Nurse".into(), None),
                ("29-1141.00".into(), "Registered Nurses".into(), None),
            ],
            reported_titles: vec![
                ("29-1141.00".into(), "Staff Nurse".into()),
                ("29-1141.00".into(), "Charge Nurse".into()),
            ],
            ..Source::default()
        }
    }

    #[test]
    fn the_sample_is_seeded_distinct_and_never_an_official_title() {
        let a = sample_titles(&src(), 10, 1);
        let b = sample_titles(&src(), 10, 1);
        assert_eq!(a, b);
        // "Staff Nurse" is both alternate and reported: drawn once; "Registered Nurses" is
        // the official title: never drawn.
        assert_eq!(a.len(), 4);
        assert!(a.iter().all(|h| h.norm != "registered nurses"));
        assert_eq!(sample_titles(&src(), 2, 1).len(), 2);
    }

    #[test]
    fn held_out_titles_leave_no_document_behind() {
        let held = vec![
            HeldOut {
                code: "29-1141.00".into(),
                title: "Staff Nurse".into(),
                norm: "staff nurse".into(),
            },
            HeldOut {
                code: "17-3024.01".into(),
                title: "Robotics Technician".into(),
                norm: "robotics technician".into(),
            },
        ];
        let s = without(&src(), &held, HoldOut::Own);
        assert!(!s.alternate_titles.iter().any(|t| t.1 == "Staff Nurse"));
        assert!(!s.reported_titles.iter().any(|t| t.1 == "Staff Nurse"));
        // The short form derived from the held-out title goes with it.
        assert!(
            !s.alternate_titles
                .iter()
                .any(|t| t.1 == "Robotics Technician")
        );
        assert!(!s.alternate_titles.iter().any(|t| t.2.is_some()));
        assert_eq!(s.reported_titles.len(), 1);
    }

    #[test]
    fn a_title_held_out_everywhere_leaves_every_occupation_that_lists_it() {
        let mut s = src();
        // "Staff Nurse" is filed under a second occupation too, and is an apprenticeship.
        s.alternate_titles
            .push(("17-3024.01".into(), "Staff Nurse".into(), None));
        s.apprenticeships
            .push(("29-1141.00".into(), "Staff nurse".into()));
        let held = vec![HeldOut {
            code: "29-1141.00".into(),
            title: "Staff Nurse".into(),
            norm: "staff nurse".into(),
        }];
        let own = without(&s, &held, HoldOut::Own);
        assert!(
            own.alternate_titles
                .iter()
                .any(|t| t.0 == "17-3024.01" && t.1 == "Staff Nurse"),
            "held out of its own occupation only, the other copy stays"
        );
        let every = without(&s, &held, HoldOut::Everywhere);
        assert!(!every.alternate_titles.iter().any(|t| t.1 == "Staff Nurse"));
        assert!(!every.reported_titles.iter().any(|t| t.1 == "Staff Nurse"));
        assert!(every.apprenticeships.is_empty());
        // Other titles and every official title stay.
        assert_eq!(every.occupations, s.occupations);
        assert!(
            every
                .alternate_titles
                .iter()
                .any(|t| t.1 == "Robotic Systems Technician")
        );
        // Both occupations count as right in the second figure, the drawn one first.
        let r = MissReader::new(&s);
        assert_eq!(
            r.socs_of_title(&held[0]),
            vec!["29-1141".to_string(), "17-3024".to_string()]
        );
        let alone = HeldOut {
            code: "29-1141.00".into(),
            title: "Charge Nurse".into(),
            norm: "charge nurse".into(),
        };
        assert_eq!(r.socs_of_title(&alone), vec!["29-1141".to_string()]);
    }

    #[test]
    fn a_tuning_sample_stays_apart_from_the_evaluated_one() {
        let opts = |seed, apart_from| Options {
            sample: 2,
            seed,
            apart_from,
            ..Options::default()
        };
        let eval = draw(&src(), &opts(1, None));
        assert_eq!(eval, sample_titles(&src(), 2, 1));
        let tune = draw(&src(), &opts(5, Some(1)));
        // Four titles in all: seed 1's draw holds every one of them, so nothing is left.
        assert!(tune.is_empty(), "{tune:?}");
        let mut s = src();
        for i in 0..(APART + 50) {
            s.reported_titles
                .push(("29-1141.00".into(), format!("Nurse {i}")));
        }
        let eval = draw(&s, &opts(1, None));
        let tune = draw(
            &s,
            &Options {
                sample: 40,
                ..opts(5, Some(1))
            },
        );
        assert_eq!(tune.len(), 40);
        assert!(tune.iter().all(|t| !eval.contains(t)));
        let far: Vec<HeldOut> = sample_titles(&s, APART, 1);
        assert!(tune.iter().all(|t| !far.contains(t)));
    }

    #[test]
    fn misses_are_read_by_kind() {
        let mut s = src();
        s.occupations.push((
            "43-9199.00".into(),
            "Office and Administrative Support Workers, All Other".into(),
            String::new(),
            Some(2),
            "43-9199".into(),
        ));
        s.alternate_titles
            .push(("43-9199.00".into(), "Staff Nurse".into(), None));
        s.alternate_titles
            .push(("43-9199.00".into(), "Robotic Clerk".into(), None));
        s.alternate_titles
            .push(("43-9199.00".into(), "Zyxt Sorter".into(), None));
        let r = MissReader::new(&s);
        let h = |code: &str, title: &str| HeldOut {
            code: code.into(),
            title: title.into(),
            norm: normalize(title),
        };
        assert_eq!(
            r.kind(&h("29-1141.00", "Staff Nurse")),
            MissKind::TitleOfAnotherSoc
        );
        assert_eq!(
            r.kind(&h("43-9199.00", "Zyxt Sorter")),
            MissKind::UnknownWords
        );
        assert_eq!(
            r.kind(&h("43-9199.00", "Robotic Clerk")),
            MissKind::AllOther
        );
        assert_eq!(r.kind(&h("29-1141.00", "Charge Nurse")), MissKind::Other);
    }

    struct Nothing;
    impl Ranker for Nothing {
        fn rank(&self, _: &str) -> Vec<String> {
            Vec::new()
        }
    }

    struct Fixed(Vec<&'static str>);
    impl Ranker for Fixed {
        fn rank(&self, _: &str) -> Vec<String> {
            self.0.iter().map(|s| s.to_string()).collect()
        }
    }

    #[test]
    fn scoring_counts_by_six_digit_soc() {
        let set = vec![EvalQuery {
            query: "robot tech".into(),
            want: vec!["17-3024".into()],
        }];
        let s = score(&Nothing, &set);
        assert_eq!((s.n, s.top1, s.top5, s.empty), (1, 0, 0, 1));
        // Two detailed occupations of one SOC code count once.
        let r = Fixed(vec![
            "29-1141.00",
            "29-1141.01",
            "11-1011.00",
            "11-1011.03",
            "13-1011.00",
            "15-1252.00",
            "17-3024.01",
        ]);
        let s = score(&r, &set);
        assert_eq!((s.top1, s.top5), (0, 1), "the fifth distinct SOC code");
        let r = Fixed(vec![
            "29-1141.00",
            "11-1011.00",
            "13-1011.00",
            "15-1252.00",
            "43-4051.00",
            "17-3024.01",
        ]);
        let s = score(&r, &set);
        assert_eq!((s.top1, s.top5), (0, 0), "the sixth is too far");
        let s = score(&Fixed(vec!["17-3024.01"]), &set);
        assert_eq!((s.top1, s.top5, s.empty), (1, 1, 0));
    }

    #[test]
    fn eval_files_are_checked() {
        let set = parse_eval_file("# c\nrobot tech\t17-3024.01,17-3024\n", "x").unwrap();
        assert_eq!(set[0].want, vec!["17-3024".to_string()]);
        let e = parse_eval_file("robot tech\n", "f.tsv").unwrap_err();
        assert!(e.to_string().contains("f.tsv:1"), "{e}");
        let e = parse_eval_file("robot tech\t17x3024\n", "f.tsv").unwrap_err();
        assert!(e.to_string().contains("17x3024"), "{e}");
    }
}
