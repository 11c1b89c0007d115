//! The in-memory tantivy index and the ranking on top of it.
//!
//! Two kinds of documents live in one index: one *title document* per way an occupation is
//! named (official, alternate, short, reported, registered-apprenticeship and CIP programme
//! titles), and one *content document* per occupation (description, tasks, technology).
//! tantivy finds candidates (BM25 over stems, fuzzy terms for unknown words, prefix terms for
//! suggestions); a small re-ranker then scores each candidate title by how much of the query
//! it covers and how much of the title the query covers, weighted by the kind of title, and
//! records why it matched. Occupations take their best title, a little credit for other
//! titles that match fully, and their content score.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use nsx_core::search::{
    CodeQuery, Slot, edit_distance, is_stopword, normalize, parse_code, parse_text, typo_budget,
};
use serde::Serialize;
use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{
    Language, LowerCaser, Stemmer, TextAnalyzer, TokenizerManager, WhitespaceTokenizer,
};
use tantivy::{Index, Searcher, TantivyDocument, Term};
use utoipa::ToSchema;

use super::Models;
use super::embeddings::{Embeddings, TitleVectors};
use super::neighbours::{Neighbours, Voting};
use super::semantic::{Lexicon, ProfileBuilder, Profiles, QueryTerm, Weights};
use crate::error::{Error, Result};
use std::sync::Arc;

/// How an occupation is named in a title document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TitleKind {
    /// The O*NET title.
    Official,
    /// An O*NET alternate title.
    Alternate,
    /// A registered-apprenticeship (RAPIDS) title.
    Apprenticeship,
    /// A title incumbents reported.
    Reported,
    /// The short form of an alternate title ("Robot Tech").
    Short,
    /// A CIP programme mapped to the occupation.
    Cip,
}

impl TitleKind {
    /// How much a title of this kind counts in its occupation's semantic profile.
    fn profile_weight(self) -> f32 {
        match self {
            TitleKind::Official => 2.0,
            TitleKind::Cip => 0.3,
            TitleKind::Short => 0.5,
            _ => 1.0,
        }
    }

    fn weight(self) -> f32 {
        match self {
            TitleKind::Official => 1.0,
            TitleKind::Alternate => 0.95,
            TitleKind::Apprenticeship => 0.94,
            TitleKind::Reported => 0.93,
            TitleKind::Short => 0.9,
            TitleKind::Cip => 0.8,
        }
    }
}

/// Why a result matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// The official title matched.
    OfficialTitle,
    /// An alternate title matched.
    AlternateTitle,
    /// A short title matched.
    ShortTitle,
    /// A reported title matched.
    ReportedTitle,
    /// A registered-apprenticeship title matched.
    Apprenticeship,
    /// A CIP programme mapped to the occupation matched (or its code was asked for).
    Cip,
    /// The code was asked for.
    Code,
    /// A word was read as a misspelling of a title word.
    Spelling,
    /// Shorthand was expanded ("tech" → "technician").
    Synonym,
    /// The description matched.
    Description,
    /// A task matched.
    Task,
    /// A technology the occupation uses matched.
    Technology,
    /// No title holds the query, but the occupation's titles and work share its meaning
    /// (the semantic layer).
    Meaning,
    /// No title holds the query, but titles of the occupation are spelt much like it
    /// (shared letters: "Shingler" and "Shingle Roofer").
    SimilarTitle,
}

/// One reason a result matched, ready to show.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Reason {
    /// What kind of match.
    pub kind: ReasonKind,
    /// What to show, e.g. "also called: Robotics Technician".
    pub text: String,
}

/// One ranked occupation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Hit {
    /// O*NET-SOC code.
    pub code: String,
    /// Official title.
    pub title: String,
    /// Job zone (1–5), when known.
    pub job_zone: Option<i64>,
    /// Relevance (higher is better; comparable within one query only).
    pub score: f32,
    /// How sure the ranking is that this is the occupation meant, 0–1: the result's share
    /// of a softmax over the scores of all results (the shares of all results add up to
    /// 1). Every result of a code query is 1; ask the user when the first result is low.
    pub confidence: f32,
    /// Why it matched, strongest first.
    pub matched: Vec<Reason>,
}

/// A ranked answer to a query.
#[derive(Debug, Clone, Default)]
pub struct Ranked {
    /// How many occupations matched (capped at [`MAX_RESULTS`]).
    pub total: usize,
    /// The requested window of them, best first.
    pub hits: Vec<Hit>,
    /// A respelled query when the best results rest on typo corrections.
    pub did_you_mean: Option<String>,
    /// Whether the query was read as a code.
    pub code_query: bool,
}

/// An as-you-type suggestion: a title and the occupation it leads to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestion {
    /// The title as people know it.
    pub label: String,
    /// The occupation's O*NET-SOC code.
    pub code: String,
    /// The occupation's official title.
    pub title: String,
    /// What kind of title the label is.
    pub kind: TitleKind,
}

/// The most occupations one query ranks.
pub const MAX_RESULTS: usize = 200;
const TITLE_CANDIDATES: usize = 600;
const CONTENT_CANDIDATES: usize = 300;
/// How much of the best semantic posterior an occupation needs before its result says it
/// matched by meaning.
const MEANING_REASON: f32 = 0.25;
/// What a title that says the whole query adds above the most that meaning and title
/// neighbours can add to a partial match (the lexical scores of two titles differ by less).
const WHOLE_TITLE: f32 = 0.5;
/// The least title neighbours' vote that counts: below it the query shares no more than
/// a common ending with the titles ("python" and "-tion").
const NEAR_FLOOR: f32 = 0.15;
/// The least vote of the titles nearest in meaning that counts.
const MEANT_FLOOR: f32 = 0.15;
/// The least cosine of the title nearest in meaning that a result names as its reason: in
/// the distilled table unrelated titles still reach 0.6 ("coder" and "Tool Room
/// Machinist"), near ones 0.7–0.9 ("lorry driver" and "Semi Truck Driver" 0.78).
const MEANING_COSINE: f32 = 0.7;
/// How much of the best title neighbours' vote an occupation needs before its result names
/// its closest title as a similar one.
const SIMILAR_REASON: f32 = 0.5;
/// The share of the softmax (at `temperature`) over all ranked scores that one score takes.
fn confidence(score: f32, best: f32, z: f32, temperature: f32) -> f32 {
    if z <= 0.0 {
        return 0.0;
    }
    let c = ((score - best) / temperature).exp() / z;
    (c * 1000.0).round() / 1000.0
}

/// Occupations the semantic layer may add to the candidates.
const SEMANTIC_CANDIDATES: usize = 50;

/// What the index is built from (read from the database by `load`).
#[derive(Debug, Default, Clone)]
pub struct Source {
    /// Occupations: code, title, description, job zone, SOC code.
    pub occupations: Vec<(String, String, String, Option<i64>, String)>,
    /// (code, title, short title)
    pub alternate_titles: Vec<(String, String, Option<String>)>,
    /// (code, title)
    pub reported_titles: Vec<(String, String)>,
    /// (code, title)
    pub apprenticeships: Vec<(String, String)>,
    /// (code, task)
    pub tasks: Vec<(String, String)>,
    /// (code, technology example)
    pub technology: Vec<(String, String)>,
    /// (code, detailed work activity)
    pub dwas: Vec<(String, String)>,
    /// (CIP code, CIP title, SOC code)
    pub cip: Vec<(String, String, String)>,
    /// Older codes: (2010 code, 2010 title, current code)
    pub old_codes: Vec<(String, Option<String>, String)>,
}

struct Occ {
    code: String,
    title: String,
    job_zone: Option<i64>,
    description: String,
    tasks: Vec<String>,
    technology: Vec<String>,
    /// Normalised copies of the three above, for explaining content matches.
    description_norm: String,
    tasks_norm: Vec<String>,
    technology_norm: Vec<String>,
}

struct TitleDoc {
    occ: u32,
    kind: TitleKind,
    text: String,
    words: Vec<String>,
    stems: Vec<String>,
    content_words: usize,
}

struct Fields {
    ord: Field,
    tw: Field,
    ts: Field,
    desc: Field,
    task: Field,
    tech: Field,
}

struct Built {
    searcher: Searcher,
    ords: Vec<Column<u64>>,
    f: Fields,
    stemmer: TextAnalyzer,
    occs: Vec<Occ>,
    titles: Vec<TitleDoc>,
    by_code: BTreeMap<String, u32>,
    by_soc: HashMap<String, Vec<u32>>,
    cip: HashMap<String, (String, Vec<u32>)>,
    old_codes: HashMap<String, (Option<String>, Vec<u32>)>,
    profiles: Profiles,
    lexicon: Option<Arc<Lexicon>>,
    /// Title documents of each occupation.
    titles_of: Vec<Vec<u32>>,
    /// Letter n-gram vectors of the title documents.
    neighbours: Neighbours,
    /// Word-embedding vectors of the title documents, with their table (when configured).
    meaning: Option<(Arc<Embeddings>, TitleVectors)>,
    tune: Tune,
}

/// Ranking constants of the hybrid (chosen on a tuning sample of the leave-one-out
/// evaluation drawn apart from the evaluated one; see `docs/search.md`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tune {
    /// Weight of the semantic posterior beside the lexical score.
    pub beta: f32,
    /// Weight of the title neighbours' vote beside the lexical score.
    pub gamma: f32,
    /// How the title neighbours vote.
    pub voting: Voting,
    /// Weight of the vote of the titles nearest in meaning (word embeddings, when
    /// configured) beside the lexical score.
    pub delta: f32,
    /// How the titles nearest in meaning vote.
    pub meaning_voting: Voting,
    /// Temperature of the softmax that turns scores into confidences (chosen so that the
    /// first result's confidence tracks how often it is right).
    pub temperature: f32,
}

impl Default for Tune {
    fn default() -> Self {
        Tune {
            beta: 1.0,
            gamma: 1.0,
            voting: Voting::default(),
            delta: 1.0,
            meaning_voting: Voting { k: 50, decay: 0.5 },
            temperature: 0.12,
        }
    }
}

impl Tune {
    /// Reads `name=value` pairs separated by commas (`beta=1,gamma=0.5,k=50,decay=0.5`) over
    /// the defaults; for tuning runs of the evaluation.
    pub fn parse(text: &str) -> std::result::Result<Tune, String> {
        let mut t = Tune::default();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("{pair:?}: expected name=value"))?;
            let v: f32 = value
                .trim()
                .parse()
                .map_err(|_| format!("{pair:?}: {value:?} is not a number"))?;
            if !v.is_finite() || v < 0.0 {
                return Err(format!("{pair:?}: must be a number ≥ 0"));
            }
            match name.trim() {
                "beta" => t.beta = v,
                "gamma" => t.gamma = v,
                "k" => t.voting.k = (v as usize).clamp(1, 1000),
                "decay" => t.voting.decay = v.min(1.0),
                "delta" => t.delta = v,
                "meaning_k" => t.meaning_voting.k = (v as usize).clamp(1, 1000),
                "meaning_decay" => t.meaning_voting.decay = v.min(1.0),
                "temperature" => t.temperature = v.max(0.01),
                other => {
                    return Err(format!(
                        "{other:?}: unknown constant (beta, gamma, k, decay, delta, meaning_k, meaning_decay, temperature)"
                    ));
                }
            }
        }
        Ok(t)
    }
}

/// One built index (immutable; replaced whole when the data changes).
pub struct SearchIndex {
    version: i64,
    build_time: Duration,
    built: Option<Built>,
}

fn stem_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WhitespaceTokenizer::default())
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

fn word_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WhitespaceTokenizer::default())
        .filter(LowerCaser)
        .build()
}

fn stem_of(an: &mut TextAnalyzer, word: &str) -> String {
    let mut ts = an.token_stream(word);
    if ts.advance() {
        ts.token().text.clone()
    } else {
        word.to_string()
    }
}

/// Stems words once each while an index is built. The stemmed fields are indexed from text
/// stemmed here (with the plain word analyzer), so each distinct word goes through the
/// stemmer once instead of at every occurrence; the terms are the same ones
/// [`stem_analyzer`] would have made, since it stems whitespace-separated words one by one.
struct StemCache {
    stemmer: TextAnalyzer,
    memo: HashMap<String, String>,
}

impl StemCache {
    fn new() -> Self {
        StemCache {
            stemmer: stem_analyzer(),
            memo: HashMap::new(),
        }
    }

    fn stem(&mut self, word: &str) -> String {
        if let Some(s) = self.memo.get(word) {
            return s.clone();
        }
        let s = stem_of(&mut self.stemmer, word);
        self.memo.insert(word.to_string(), s.clone());
        s
    }

    /// The stems of a text's words, split where tantivy's whitespace tokenizer splits (ASCII
    /// whitespace), joined by single spaces.
    fn stem_text(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for w in text
            .split(|c: char| c.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
        {
            if !out.is_empty() {
                out.push(' ');
            }
            match self.memo.get(w) {
                Some(s) => out.push_str(s),
                None => {
                    let s = stem_of(&mut self.stemmer, w);
                    out.push_str(&s);
                    self.memo.insert(w.to_string(), s);
                }
            }
        }
        out
    }
}

fn terr(e: tantivy::TantivyError) -> Error {
    Error::Search(e.to_string())
}

fn clean_cip_title(t: &str) -> String {
    t.trim().trim_end_matches('.').trim().to_string()
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(i) if i > max / 2 => format!("{}…", &cut[..i]),
        _ => format!("{cut}…"),
    }
}

impl SearchIndex {
    /// An index with nothing in it.
    pub fn empty() -> Self {
        SearchIndex {
            version: -1,
            build_time: Duration::ZERO,
            built: None,
        }
    }

    /// The catalog data version the index was built from (-1 when never built).
    pub fn version(&self) -> i64 {
        self.version
    }

    /// How long building took.
    pub fn build_time(&self) -> Duration {
        self.build_time
    }

    /// How many documents it holds (title and content documents).
    pub fn doc_count(&self) -> u64 {
        self.built
            .as_ref()
            .map(|b| b.searcher.num_docs())
            .unwrap_or(0)
    }

    /// How many occupations it covers.
    pub fn occupation_count(&self) -> usize {
        self.built.as_ref().map(|b| b.occs.len()).unwrap_or(0)
    }

    /// Builds an index from source rows (CPU-bound; call off the async threads).
    pub fn build(src: Source, version: i64) -> Result<SearchIndex> {
        Self::build_with(src, version, Models::default())
    }

    /// Builds an index whose semantic layer also reads a lexical database (synonyms and
    /// broader terms of words O*NET's own data does not know) and word embeddings (titles
    /// near in meaning), when given.
    pub fn build_with(src: Source, version: i64, models: Models) -> Result<SearchIndex> {
        Self::build_tuned(src, version, models, Tune::default())
    }

    /// Builds an index with other ranking constants (for tuning runs of the evaluation).
    pub fn build_tuned(
        src: Source,
        version: i64,
        models: Models,
        tune: Tune,
    ) -> Result<SearchIndex> {
        let started = Instant::now();
        let Models {
            lexicon,
            embeddings,
        } = models;
        let mut occs: Vec<Occ> = Vec::with_capacity(src.occupations.len());
        let mut by_code = BTreeMap::new();
        let mut by_soc: HashMap<String, Vec<u32>> = HashMap::new();
        for (code, title, description, job_zone, soc) in src.occupations {
            let i = occs.len() as u32;
            by_code.insert(code.clone(), i);
            by_soc.entry(soc).or_default().push(i);
            occs.push(Occ {
                code,
                title,
                job_zone,
                description_norm: normalize(&description),
                description,
                tasks: Vec::new(),
                technology: Vec::new(),
                tasks_norm: Vec::new(),
                technology_norm: Vec::new(),
            });
        }
        for (code, task) in src.tasks {
            if let Some(&i) = by_code.get(&code) {
                let o = &mut occs[i as usize];
                o.tasks_norm.push(normalize(&task));
                o.tasks.push(task);
            }
        }
        for (code, t) in src.technology {
            if let Some(&i) = by_code.get(&code) {
                let o = &mut occs[i as usize];
                if !o.technology.contains(&t) {
                    o.technology_norm.push(normalize(&t));
                    o.technology.push(t);
                }
            }
        }

        let mut stems = StemCache::new();
        let mut titles: Vec<TitleDoc> = Vec::new();
        let mut seen: HashMap<(u32, String), usize> = HashMap::new();
        let mut add = |occ: u32, kind: TitleKind, text: String, titles: &mut Vec<TitleDoc>| {
            let norm = normalize(&text);
            if norm.is_empty() {
                return;
            }
            if let Some(&j) = seen.get(&(occ, norm.clone())) {
                let prev: &mut TitleDoc = &mut titles[j];
                if kind < prev.kind {
                    prev.kind = kind;
                    prev.text = text;
                }
                return;
            }
            // "…, Except Legal, Medical, and Executive" names what the title is not: those
            // words are neither indexed nor counted.
            let words: Vec<String> = norm
                .split(' ')
                .take_while(|w| *w != "except")
                .map(str::to_string)
                .collect();
            if words.is_empty() {
                return;
            }
            let word_stems = words.iter().map(|w| stems.stem(w)).collect();
            let content_words = words.iter().filter(|w| !is_stopword(w)).count().max(1);
            seen.insert((occ, norm), titles.len());
            titles.push(TitleDoc {
                occ,
                kind,
                text,
                words,
                stems: word_stems,
                content_words,
            });
        };
        for (i, o) in occs.iter().enumerate() {
            add(i as u32, TitleKind::Official, o.title.clone(), &mut titles);
        }
        for (code, title, short) in src.alternate_titles {
            if let Some(&i) = by_code.get(&code) {
                add(i, TitleKind::Alternate, title, &mut titles);
                if let Some(s) = short.filter(|s| !s.trim().is_empty()) {
                    add(i, TitleKind::Short, s, &mut titles);
                }
            }
        }
        for (code, title) in src.apprenticeships {
            if let Some(&i) = by_code.get(&code) {
                add(i, TitleKind::Apprenticeship, title, &mut titles);
            }
        }
        for (code, title) in src.reported_titles {
            if let Some(&i) = by_code.get(&code) {
                add(i, TitleKind::Reported, title, &mut titles);
            }
        }
        let mut cip: HashMap<String, (String, Vec<u32>)> = HashMap::new();
        for (cip_code, cip_title, soc) in src.cip {
            let title = clean_cip_title(&cip_title);
            if title.eq_ignore_ascii_case("no match") {
                continue;
            }
            let Some(list) = by_soc.get(&soc) else {
                continue;
            };
            let e = cip
                .entry(cip_code.clone())
                .or_insert_with(|| (title.clone(), Vec::new()));
            for &i in list {
                if !e.1.contains(&i) {
                    e.1.push(i);
                }
                add(i, TitleKind::Cip, title.clone(), &mut titles);
            }
        }
        let mut old_codes: HashMap<String, (Option<String>, Vec<u32>)> = HashMap::new();
        for (from, from_title, to) in src.old_codes {
            if let Some(&i) = by_code.get(&to) {
                let e = old_codes
                    .entry(from)
                    .or_insert_with(|| (from_title, Vec::new()));
                if !e.1.contains(&i) {
                    e.1.push(i);
                }
            }
        }

        // The semantic layer's profiles: every title's words, and the content's.
        let mut pb = ProfileBuilder::new(occs.len(), Weights::default());
        for t in &titles {
            let content: Vec<String> = t
                .words
                .iter()
                .zip(&t.stems)
                .filter(|(w, _)| !is_stopword(w))
                .map(|(_, s)| s.clone())
                .collect();
            pb.title(t.occ, &content, t.kind.profile_weight());
        }
        let content_stems = |stems: &mut StemCache, text: &str| -> Vec<String> {
            text.split(' ')
                .filter(|w| !w.is_empty() && !is_stopword(w))
                .map(|w| stems.stem(w))
                .collect()
        };
        for (i, o) in occs.iter().enumerate() {
            pb.content(i as u32, &content_stems(&mut stems, &o.description_norm));
            for t in &o.tasks_norm {
                pb.content(i as u32, &content_stems(&mut stems, t));
            }
        }
        for (code, dwa) in &src.dwas {
            if let Some(&i) = by_code.get(code) {
                pb.content(i, &content_stems(&mut stems, &normalize(dwa)));
            }
        }
        let profiles = pb.build();
        let mut titles_of: Vec<Vec<u32>> = vec![Vec::new(); occs.len()];
        for (j, t) in titles.iter().enumerate() {
            titles_of[t.occ as usize].push(j as u32);
        }
        // CIP programme titles name fields of study, not jobs: they do not vote.
        let neighbours = Neighbours::build(
            titles
                .iter()
                .map(|t| (t.kind != TitleKind::Cip).then_some((t.occ, t.words.as_slice()))),
        );
        let meaning = embeddings.map(|table| {
            let vectors = TitleVectors::build(
                &table,
                titles
                    .iter()
                    .map(|t| (t.kind != TitleKind::Cip).then_some((t.occ, t.words.as_slice()))),
            );
            (table, vectors)
        });

        // The tantivy index.
        let mut sb = Schema::builder();
        let text = |tok: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tok)
                    .set_index_option(IndexRecordOption::WithFreqs),
            )
        };
        let f = Fields {
            ord: sb.add_u64_field("ord", FAST),
            tw: sb.add_text_field("tw", text("nsx_word")),
            // Stemmed fields: given text already stemmed by `StemCache`.
            ts: sb.add_text_field("ts", text("nsx_word")),
            desc: sb.add_text_field("desc", text("nsx_word")),
            task: sb.add_text_field("task", text("nsx_word")),
            tech: sb.add_text_field("tech", text("nsx_word")),
        };
        let tokenizers = TokenizerManager::default();
        tokenizers.register("nsx_word", word_analyzer());
        let index = Index::builder()
            .schema(sb.build())
            .tokenizers(tokenizers)
            .create_in_ram()
            .map_err(terr)?;
        // One indexing thread, so documents keep their order and every node ranks ties
        // alike; the budget is well above what the whole index needs (one segment).
        let mut writer = index
            .writer_with_num_threads::<TantivyDocument>(1, 100_000_000)
            .map_err(terr)?;
        for (j, t) in titles.iter().enumerate() {
            let mut d = TantivyDocument::default();
            d.add_u64(f.ord, j as u64);
            d.add_text(f.tw, t.words.join(" "));
            d.add_text(f.ts, t.stems.join(" "));
            writer.add_document(d).map_err(terr)?;
        }
        let base = titles.len() as u64;
        for (i, o) in occs.iter().enumerate() {
            let mut d = TantivyDocument::default();
            d.add_u64(f.ord, base + i as u64);
            d.add_text(f.desc, stems.stem_text(&o.description_norm));
            for t in &o.tasks_norm {
                d.add_text(f.task, stems.stem_text(t));
            }
            for t in &o.technology_norm {
                d.add_text(f.tech, stems.stem_text(t));
            }
            writer.add_document(d).map_err(terr)?;
        }
        writer.commit().map_err(terr)?;
        drop(writer);
        let reader = index.reader().map_err(terr)?;
        let searcher = reader.searcher();
        let mut ords = Vec::new();
        for sr in searcher.segment_readers() {
            ords.push(sr.fast_fields().u64("ord").map_err(terr)?);
        }
        Ok(SearchIndex {
            version,
            build_time: started.elapsed(),
            built: Some(Built {
                searcher,
                ords,
                f,
                stemmer: stem_analyzer(),
                occs,
                titles,
                by_code,
                by_soc,
                cip,
                old_codes,
                profiles,
                lexicon,
                titles_of,
                neighbours,
                meaning,
                tune,
            }),
        })
    }

    /// Ranks occupations for a query (a code or words) and returns the window
    /// `offset..offset + limit` of them with why each matched.
    pub fn search(&self, query: &str, offset: usize, limit: usize) -> Result<Ranked> {
        let Some(b) = &self.built else {
            return Ok(Ranked::default());
        };
        if let Some(cq) = parse_code(query) {
            let hits = b.code_hits(&cq);
            return Ok(Ranked {
                total: hits.len(),
                hits: hits.into_iter().skip(offset).take(limit).collect(),
                did_you_mean: None,
                code_query: true,
            });
        }
        b.text_search(query, offset, limit)
    }

    /// Title suggestions for a partly typed query (the last word may be unfinished).
    pub fn suggest(&self, query: &str, limit: usize) -> Result<Vec<Suggestion>> {
        let Some(b) = &self.built else {
            return Ok(Vec::new());
        };
        if let Some(cq) = parse_code(query) {
            return Ok(b
                .code_hits(&cq)
                .into_iter()
                .take(limit)
                .map(|h| Suggestion {
                    label: format!("{} {}", h.code, h.title),
                    code: h.code,
                    title: h.title,
                    kind: TitleKind::Official,
                })
                .collect());
        }
        b.suggest(query, limit)
    }
}

/// How one query word may match a title word.
#[derive(Debug, Clone)]
struct QWord {
    word: String,
    stem: String,
    fuzzy: u8,
    prefix: bool,
}

#[derive(Debug, Clone)]
struct QAlt {
    words: Vec<QWord>,
    expansion: bool,
}

#[derive(Debug, Clone)]
struct QSlot {
    word: String,
    alts: Vec<QAlt>,
    weight: f32,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum How {
    Exact,
    Stem,
    Prefix,
    Fuzzy(u8),
}

/// The outcome of matching a query against one title.
#[derive(Debug, Clone, Default)]
struct TitleMatch {
    score: f32,
    qcov: f32,
    /// The title says the query: every query word matched it as typed, by its stem or by
    /// shorthand (not by a typo), and the query accounts for every word of the title.
    whole: bool,
    /// (slot word, title word, distance) for typo corrections.
    fuzzy: Vec<(String, String, u8)>,
    /// (slot word, expansion) for shorthand used.
    synonyms: Vec<(String, String)>,
}

fn word_match(q: &QWord, words: &[String], stems: &[String]) -> Option<(f32, usize, How)> {
    let mut best: Option<(f32, usize, How)> = None;
    let mut consider = |c: (f32, usize, How)| {
        if best.is_none_or(|b| c.0 > b.0) {
            best = Some(c);
        }
    };
    for (j, w) in words.iter().enumerate() {
        if *w == q.word {
            return Some((1.0, j, How::Exact));
        }
        if stems[j] == q.stem {
            consider((0.97, j, How::Stem));
        } else if q.prefix && w.starts_with(&q.word) {
            consider((0.88, j, How::Prefix));
        } else if q.fuzzy > 0
            && let Some(d) = edit_distance(&q.word, w, q.fuzzy)
        {
            consider((
                0.8 - 0.08 * f32::from(d.saturating_sub(1)),
                j,
                How::Fuzzy(d),
            ));
        }
    }
    best
}

/// How well one alternative of a slot matched: quality, (title position, how) per word, and
/// which alternative.
type AltMatch = (f32, Vec<(usize, How)>, usize);

fn match_title(slots: &[QSlot], t: &TitleDoc) -> TitleMatch {
    let mut used = vec![false; t.words.len()];
    let mut num = 0.0f32;
    let mut den = 0.0f32;
    let mut m = TitleMatch::default();
    let mut every_word = true;
    for s in slots {
        den += s.weight;
        let mut best: Option<AltMatch> = None;
        for (ai, a) in s.alts.iter().enumerate() {
            let mut q = 1.0f32;
            let mut pos = Vec::with_capacity(a.words.len());
            let mut ok = true;
            for w in &a.words {
                match word_match(w, &t.words, &t.stems) {
                    Some((wq, j, how)) => {
                        q = q.min(wq);
                        pos.push((j, how));
                    }
                    None => {
                        ok = false;
                        break;
                    }
                }
            }
            if !ok {
                continue;
            }
            if a.expansion {
                q *= 0.95;
            }
            if best.as_ref().is_none_or(|b| q > b.0) {
                best = Some((q, pos, ai));
            }
        }
        every_word &= best.as_ref().is_some_and(|b| b.0 >= 0.9);
        if let Some((q, pos, ai)) = best {
            num += s.weight * q;
            for (j, how) in pos {
                used[j] = true;
                if let How::Fuzzy(d) = how {
                    m.fuzzy.push((s.word.clone(), t.words[j].clone(), d));
                }
            }
            if s.alts[ai].expansion {
                let words: Vec<&str> = s.alts[ai].words.iter().map(|w| w.word.as_str()).collect();
                m.synonyms.push((s.word.clone(), words.join(" ")));
            }
        }
    }
    let matched_title_words = t
        .words
        .iter()
        .zip(&used)
        .filter(|(w, u)| **u && !is_stopword(w))
        .count();
    let qcov = if den > 0.0 { num / den } else { 0.0 };
    let tcov = matched_title_words as f32 / t.content_words as f32;
    // Official and CIP titles often list several jobs ("… Technologists and Technicians"),
    // so covering all of their words matters less than for other titles.
    let a = match t.kind {
        TitleKind::Official | TitleKind::Cip => 0.85,
        _ => 0.7,
    };
    let mut score = t.kind.weight() * (a * qcov + (1.0 - a) * tcov.min(1.0));
    if qcov > 0.999 && matched_title_words >= t.content_words {
        score += 0.05;
    }
    m.score = score;
    m.qcov = qcov;
    m.whole = every_word && !slots.is_empty() && matched_title_words >= t.content_words;
    m
}

impl Built {
    fn idf(&self, df: u64) -> f32 {
        let n = self.titles.len() as f32;
        (1.0 + n / (df as f32 + 1.0)).ln().clamp(0.5, 12.0)
    }

    fn df(&self, field: Field, text: &str) -> u64 {
        self.searcher
            .doc_freq(&Term::from_field_text(field, text))
            .unwrap_or(0)
    }

    fn ord(&self, addr: tantivy::DocAddress) -> Option<u64> {
        self.ords
            .get(addr.segment_ord as usize)
            .and_then(|c| c.first(addr.doc_id))
    }

    /// Prepares the query's slots: stems, typo budgets for unknown words, weights.
    fn prepare(&self, slots: &[Slot], prefix_last: bool) -> Vec<QSlot> {
        let mut stemmer = self.stemmer.clone();
        let n = slots.len();
        slots
            .iter()
            .enumerate()
            .map(|(si, s)| {
                let is_prefix = prefix_last && si + 1 == n;
                let mut max_df = 0u64;
                let mut orig_df = 0u64;
                let alts: Vec<QAlt> = s
                    .alternatives
                    .iter()
                    .enumerate()
                    .map(|(ai, words)| QAlt {
                        expansion: s.is_expansion(ai),
                        words: words
                            .iter()
                            .map(|w| {
                                let stem = stem_of(&mut stemmer, w);
                                let df = self.df(self.f.ts, &stem).max(self.df(self.f.tw, w));
                                // A word found in no title but in descriptions, tasks or
                                // technology is a real word, not a typo.
                                let in_content = df == 0
                                    && [self.f.desc, self.f.task, self.f.tech]
                                        .iter()
                                        .any(|f| self.df(*f, &stem) > 0);
                                if ai == 0 {
                                    orig_df = df;
                                }
                                if words.len() == 1 {
                                    max_df = max_df.max(df);
                                }
                                let known = df > 0 || in_content;
                                QWord {
                                    word: w.clone(),
                                    stem,
                                    fuzzy: if known || is_prefix {
                                        0
                                    } else {
                                        typo_budget(w.chars().count())
                                    },
                                    prefix: is_prefix && ai == 0,
                                }
                            })
                            .collect(),
                    })
                    .collect();
                let df = if orig_df > 0 && s.alternatives.len() == 1 {
                    orig_df
                } else if max_df > 0 {
                    max_df
                } else {
                    orig_df.max(1)
                };
                QSlot {
                    word: s.word.clone(),
                    alts,
                    weight: self.idf(df),
                }
            })
            .collect()
    }

    /// The query's words as the semantic profiles know them: each word's stem; for a word
    /// the profiles do not know, the words of its first shorthand expansion or, with a
    /// lexical database, its synonyms and broader terms; and for two words the database
    /// knows as one name ("private eye"), that name's synonyms and broader terms too.
    /// Also returns how each word was read through the database, for the reasons.
    fn profile_terms(&self, qs: &[QSlot]) -> (Vec<QueryTerm>, Vec<(String, String)>) {
        let mut out = Vec::new();
        let mut read_as = Vec::new();
        let mut stemmer = self.stemmer.clone();
        let mut related_terms = |phrase: &str, weight: f32, out: &mut Vec<QueryTerm>| {
            let Some(lx) = &self.lexicon else {
                return None;
            };
            let rel = lx.related(phrase);
            let mut first = None;
            for (names, w) in [(&rel.synonyms, weight), (&rel.broader, weight * 0.5)] {
                let mut stems: Vec<String> = Vec::new();
                for name in names.iter().take(4) {
                    let norm = normalize(name);
                    let these: Vec<String> = norm
                        .split(' ')
                        .filter(|x| !x.is_empty() && !is_stopword(x))
                        .map(|x| stem_of(&mut stemmer, x))
                        .filter(|st| self.profiles.knows(st))
                        .collect();
                    if !these.is_empty() && first.is_none() {
                        first = Some(norm.clone());
                    }
                    for st in these {
                        if !stems.contains(&st) {
                            stems.push(st);
                        }
                    }
                }
                for st in &stems {
                    out.push(QueryTerm {
                        stem: st.clone(),
                        weight: w / stems.len() as f32,
                    });
                }
            }
            first
        };
        for (i, s) in qs.iter().enumerate() {
            let Some(first) = s.alts.first().and_then(|a| a.words.first()) else {
                continue;
            };
            if let Some(next) = qs.get(i + 1) {
                let phrase = format!("{} {}", s.word, next.word);
                if let Some(r) = related_terms(&phrase, 1.0, &mut out) {
                    read_as.push((phrase, r));
                }
            }
            if self.profiles.knows(&first.stem) {
                out.push(QueryTerm {
                    stem: first.stem.clone(),
                    weight: 1.0,
                });
                continue;
            }
            if s.alts.len() > 1 {
                let words = &s.alts[1].words;
                for w in words {
                    out.push(QueryTerm {
                        stem: w.stem.clone(),
                        weight: 1.0 / words.len() as f32,
                    });
                }
                continue;
            }
            match related_terms(&s.word, 1.0, &mut out) {
                Some(r) => read_as.push((s.word.clone(), r)),
                None => out.push(QueryTerm {
                    stem: first.stem.clone(),
                    weight: 1.0,
                }),
            }
        }
        (out, read_as)
    }

    /// The occupation's title that shares the most of the query's profile words (for the
    /// "similar in meaning to" reason), if any shares one.
    fn closest_title(&self, occ: u32, terms: &[QueryTerm]) -> Option<&TitleDoc> {
        let mut best: Option<(f32, &TitleDoc)> = None;
        for &j in self.titles_of.get(occ as usize)? {
            let t = &self.titles[j as usize];
            if t.kind == TitleKind::Cip {
                continue;
            }
            let shared: f32 = terms
                .iter()
                .filter(|q| t.stems.contains(&q.stem))
                .map(|q| q.weight)
                .sum::<f32>()
                / (t.content_words as f32).sqrt();
            if shared > 0.0 && best.is_none_or(|b| shared > b.0 + 1e-6) {
                best = Some((shared, t));
            }
        }
        best.map(|b| b.1)
    }

    /// Title terms beginning with `prefix`, most frequent first.
    fn prefix_terms(&self, prefix: &str, max: usize) -> Vec<String> {
        let mut found: HashMap<String, u64> = HashMap::new();
        let mut upper = prefix.as_bytes().to_vec();
        upper.push(0xFF);
        for sr in self.searcher.segment_readers() {
            let Ok(inv) = sr.inverted_index(self.f.tw) else {
                continue;
            };
            let Ok(mut stream) = inv.terms().range().ge(prefix).lt(&upper).into_stream() else {
                continue;
            };
            let mut scanned = 0;
            while let Some((k, ti)) = stream.next() {
                scanned += 1;
                if let Ok(s) = std::str::from_utf8(k) {
                    *found.entry(s.to_string()).or_default() += u64::from(ti.doc_freq);
                }
                if scanned > 5000 {
                    break;
                }
            }
        }
        let mut v: Vec<(String, u64)> = found.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        v.into_iter().take(max).map(|(s, _)| s).collect()
    }

    fn title_query(&self, slots: &[QSlot]) -> Box<dyn Query> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut seen = HashSet::new();
        for s in slots {
            for a in &s.alts {
                let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for w in &a.words {
                    if w.prefix && w.word.chars().count() < 2 {
                        // One letter: too many words start with it to search for them; the
                        // other words find the candidates and the re-ranker checks it.
                        continue;
                    }
                    let q: Box<dyn Query> = if w.prefix {
                        let mut terms: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                        for t in self.prefix_terms(&w.word, 40) {
                            terms.push((
                                Occur::Should,
                                Box::new(TermQuery::new(
                                    Term::from_field_text(self.f.tw, &t),
                                    IndexRecordOption::WithFreqs,
                                )),
                            ));
                        }
                        terms.push((
                            Occur::Should,
                            Box::new(TermQuery::new(
                                Term::from_field_text(self.f.ts, &w.stem),
                                IndexRecordOption::WithFreqs,
                            )),
                        ));
                        Box::new(BooleanQuery::new(terms))
                    } else if w.fuzzy > 0 {
                        Box::new(BoostQuery::new(
                            Box::new(FuzzyTermQuery::new(
                                Term::from_field_text(self.f.tw, &w.word),
                                w.fuzzy,
                                true,
                            )),
                            0.5,
                        ))
                    } else {
                        Box::new(TermQuery::new(
                            Term::from_field_text(self.f.ts, &w.stem),
                            IndexRecordOption::WithFreqs,
                        ))
                    };
                    must.push((Occur::Must, q));
                }
                let key: Vec<String> = a.words.iter().map(|w| w.stem.clone()).collect();
                if !seen.insert(key) {
                    continue;
                }
                if must.len() == 1 {
                    let (_, q) = must.pop().expect("one clause");
                    clauses.push((Occur::Should, q));
                } else if !must.is_empty() {
                    clauses.push((Occur::Should, Box::new(BooleanQuery::new(must))));
                }
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn content_query(&self, slots: &[QSlot]) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut seen = HashSet::new();
        for s in slots {
            for a in &s.alts {
                for w in &a.words {
                    if w.prefix || !seen.insert(w.stem.clone()) {
                        continue;
                    }
                    for (field, boost) in
                        [(self.f.desc, 1.5), (self.f.task, 1.0), (self.f.tech, 1.2)]
                    {
                        clauses.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(
                                Box::new(TermQuery::new(
                                    Term::from_field_text(field, &w.stem),
                                    IndexRecordOption::WithFreqs,
                                )),
                                boost,
                            )),
                        ));
                    }
                }
            }
        }
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }

    /// Candidate titles with their match, best first.
    fn title_matches(&self, slots: &[QSlot]) -> Result<Vec<(u32, TitleMatch)>> {
        let q = self.title_query(slots);
        let top = self
            .searcher
            .search(&q, &TopDocs::with_limit(TITLE_CANDIDATES).order_by_score())
            .map_err(terr)?;
        let mut out = Vec::with_capacity(top.len());
        for (_, addr) in top {
            let Some(ord) = self.ord(addr) else { continue };
            let Some(t) = self.titles.get(ord as usize) else {
                continue;
            };
            let m = match_title(slots, t);
            if m.qcov > 0.0 {
                out.push((ord as u32, m));
            }
        }
        out.sort_by(|a, b| b.1.score.total_cmp(&a.1.score));
        Ok(out)
    }

    fn text_search(&self, query: &str, offset: usize, limit: usize) -> Result<Ranked> {
        let slots = parse_text(query);
        if slots.is_empty() {
            return Ok(Ranked::default());
        }
        let qs = self.prepare(&slots, false);
        let titles = self.title_matches(&qs)?;

        // Content scores, normalised to the best one.
        let mut content: HashMap<u32, f32> = HashMap::new();
        if let Some(cq) = self.content_query(&qs) {
            let top = self
                .searcher
                .search(
                    &cq,
                    &TopDocs::with_limit(CONTENT_CANDIDATES).order_by_score(),
                )
                .map_err(terr)?;
            let max = top.first().map(|t| t.0).unwrap_or(1.0).max(1e-6);
            let base = self.titles.len() as u64;
            for (s, addr) in top {
                if let Some(ord) = self.ord(addr)
                    && ord >= base
                {
                    content.insert((ord - base) as u32, s / max);
                }
            }
        }

        struct Acc {
            best: f32,
            whole: bool,
            best_title: u32,
            full: u32,
            official_q: f32,
            titles: Vec<u32>,
        }
        let mut per: HashMap<u32, Acc> = HashMap::new();
        for (ti, m) in &titles {
            let occ = self.titles[*ti as usize].occ;
            let a = per.entry(occ).or_insert(Acc {
                best: m.score,
                whole: false,
                best_title: *ti,
                full: 0,
                official_q: 0.0,
                titles: Vec::new(),
            });
            if m.qcov > 0.999 {
                a.full += 1;
            }
            a.whole |= m.whole;
            if self.titles[*ti as usize].kind == TitleKind::Official {
                a.official_q = a.official_q.max(m.qcov);
            }
            if a.titles.len() < 3 && m.score >= a.best * 0.85 {
                a.titles.push(*ti);
            }
        }
        let matches: HashMap<u32, &TitleMatch> = titles.iter().map(|(t, m)| (*t, m)).collect();

        // The semantic layer: the posterior over occupations from their word profiles,
        // relative to the most likely one, scaled by the share of the query it knew.
        let (terms, read_as) = self.profile_terms(&qs);
        let (post, share) = self.profiles.posterior(&terms);
        let pmax = post.first().map(|p| p.1).unwrap_or(0.0);
        let sem: HashMap<u32, f32> = if pmax > 0.0 {
            post.iter()
                .take(SEMANTIC_CANDIDATES)
                .map(|(o, p)| (*o, share * p / pmax))
                .filter(|(_, v)| *v > 0.01)
                .collect()
        } else {
            HashMap::new()
        };

        // Title neighbours: the titles spelt most like the query vote for their
        // occupations, relative to the best-voted one.
        let qwords: Vec<String> = slots.iter().map(|s| s.word.clone()).collect();
        let near: HashMap<u32, (f32, u32)> = if self.tune.gamma > 0.0 {
            self.neighbours
                .vote(&qwords, self.tune.voting)
                .into_iter()
                .take(SEMANTIC_CANDIDATES)
                .filter(|(_, v, _)| *v >= NEAR_FLOOR)
                .map(|(o, v, t)| (o, (v, t)))
                .collect()
        } else {
            HashMap::new()
        };

        // Titles nearest in meaning (word embeddings): the same vote, over what the words
        // mean rather than how they are spelt.
        // Each occupation: (vote, its nearest title, that title's cosine).
        let meant: HashMap<u32, (f32, u32, f32)> = match &self.meaning {
            Some((table, vectors)) if self.tune.delta > 0.0 => {
                let voting = self.tune.meaning_voting;
                let nearest = vectors.nearest(table, &qwords, voting.k);
                let cosine: HashMap<u32, f32> = nearest.iter().copied().collect();
                super::neighbours::vote(nearest, voting.decay, |t| vectors.occupation(t))
                    .into_iter()
                    .take(SEMANTIC_CANDIDATES)
                    .filter(|(_, v, _)| *v >= MEANT_FLOOR)
                    .map(|(o, v, t)| (o, (v, t, cosine.get(&t).copied().unwrap_or(0.0))))
                    .collect()
            }
            _ => HashMap::new(),
        };

        let mut scored: Vec<(u32, f32)> = Vec::new();
        let occs_with_any: HashSet<u32> = per
            .keys()
            .copied()
            .chain(content.keys().copied())
            .chain(sem.keys().copied())
            .chain(near.keys().copied())
            .chain(meant.keys().copied())
            .collect();
        for occ in occs_with_any {
            let c = content.get(&occ).copied().unwrap_or(0.0);
            let sm = self.tune.beta * sem.get(&occ).copied().unwrap_or(0.0)
                + self.tune.gamma * near.get(&occ).map(|n| n.0).unwrap_or(0.0)
                + self.tune.delta * meant.get(&occ).map(|n| n.0).unwrap_or(0.0);
            let s = sm
                + match per.get(&occ) {
                    // The best title, a little for other titles that match fully and for an
                    // official title that matches too, then the content.
                    Some(a) => {
                        // A title that says the whole query puts its occupation above
                        // every partial match, whatever meaning and neighbours add to those.
                        let whole = if a.whole {
                            WHOLE_TITLE + self.tune.beta + self.tune.gamma + self.tune.delta
                        } else {
                            0.0
                        };
                        whole
                            + a.best
                            + (0.02 * (1.0 + a.full as f32).ln()).min(0.05)
                            + 0.08 * a.official_q
                            + 0.1 * c
                    }
                    None => 0.5 * c,
                };
            scored.push((occ, s));
        }
        scored.sort_by(|a, b| {
            b.1.total_cmp(&a.1).then_with(|| {
                self.occs[a.0 as usize]
                    .code
                    .cmp(&self.occs[b.0 as usize].code)
            })
        });
        scored.truncate(MAX_RESULTS);

        // The closest correction of each misspelt word among all the candidate titles.
        let mut corrections: HashMap<&str, (u8, &str)> = HashMap::new();
        for (_, m) in &titles {
            for (q, t, d) in &m.fuzzy {
                let e = corrections.entry(q.as_str()).or_insert((*d, t.as_str()));
                if *d < e.0 {
                    *e = (*d, t.as_str());
                }
            }
        }
        let mut did_you_mean = None;
        if let Some((occ, _)) = scored.first()
            && let Some(a) = per.get(occ)
            && matches
                .get(&a.best_title)
                .is_some_and(|m| !m.fuzzy.is_empty())
        {
            let fixed: Vec<&str> = slots
                .iter()
                .map(|s| {
                    corrections
                        .get(s.word.as_str())
                        .map(|c| c.1)
                        .unwrap_or(s.word.as_str())
                })
                .collect();
            did_you_mean = Some(fixed.join(" "));
        }

        let total = scored.len();
        let best = scored.first().map(|s| s.1).unwrap_or(0.0);
        let z: f32 = scored
            .iter()
            .map(|s| ((s.1 - best) / self.tune.temperature).exp())
            .sum();
        let hits = scored
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|(occ, score)| {
                let o = &self.occs[occ as usize];
                let mut matched = Vec::new();
                if let Some(a) = per.get(&occ) {
                    let mut shown = a.titles.clone();
                    // The official title first when it is among the reasons.
                    shown.sort_by_key(|ti| self.titles[*ti as usize].kind != TitleKind::Official);
                    for ti in &shown {
                        let t = &self.titles[*ti as usize];
                        matched.push(self.title_reason(t));
                    }
                    if let Some(m) = matches.get(&a.best_title) {
                        let mut told = HashSet::new();
                        for (q, t, _) in &m.fuzzy {
                            let t = corrections.get(q.as_str()).map(|c| c.1).unwrap_or(t);
                            if told.insert(q) {
                                matched.push(Reason {
                                    kind: ReasonKind::Spelling,
                                    text: format!("did you mean “{t}” (for “{q}”)?"),
                                });
                            }
                        }
                        for (q, e) in &m.synonyms {
                            matched.push(Reason {
                                kind: ReasonKind::Synonym,
                                text: format!("“{q}” read as “{e}”"),
                            });
                        }
                    }
                }
                // Ranked by meaning rather than by a title holding the query: say so, with
                // the title of the occupation closest to the query's words.
                let whole_title = per.get(&occ).is_some_and(|a| {
                    a.whole || matches.get(&a.best_title).is_some_and(|m| m.qcov > 0.999)
                });
                if !whole_title && sem.get(&occ).copied().unwrap_or(0.0) >= MEANING_REASON {
                    if let Some(t) = self.closest_title(occ, &terms)
                        && !matched.iter().any(|r| r.text.ends_with(t.text.as_str()))
                    {
                        matched.push(Reason {
                            kind: ReasonKind::Meaning,
                            text: format!("similar in meaning to: {}", t.text),
                        });
                    }
                    for (w, r) in &read_as {
                        matched.push(Reason {
                            kind: ReasonKind::Synonym,
                            text: format!("“{w}” read as “{r}” (lexical database)"),
                        });
                    }
                }
                // The title nearest in meaning, when its vote is strong and it is close
                // itself, unless a reason by meaning is given already.
                if !whole_title
                    && let Some(&(v, t, cos)) = meant.get(&occ)
                    && v >= SIMILAR_REASON
                    && cos >= MEANING_COSINE
                    && let Some(t) = self.titles.get(t as usize)
                    && !matched
                        .iter()
                        .any(|r| r.kind == ReasonKind::Meaning || r.text.ends_with(t.text.as_str()))
                {
                    matched.push(Reason {
                        kind: ReasonKind::Meaning,
                        text: format!("similar in meaning to: {}", t.text),
                    });
                }
                // Named when the vote is strong, or when nothing else explains the result.
                if !whole_title
                    && let Some(&(v, t)) = near.get(&occ)
                    && (v >= SIMILAR_REASON || (matched.is_empty() && !content.contains_key(&occ)))
                    && let Some(t) = self.titles.get(t as usize)
                    && !matched.iter().any(|r| r.text.ends_with(t.text.as_str()))
                {
                    matched.push(Reason {
                        kind: ReasonKind::SimilarTitle,
                        text: format!("similar title: {}", t.text),
                    });
                }
                // Nothing else explains the result: its title nearest in meaning does.
                if matched.is_empty()
                    && !content.contains_key(&occ)
                    && let Some(&(_, t, _)) = meant.get(&occ)
                    && let Some(t) = self.titles.get(t as usize)
                {
                    matched.push(Reason {
                        kind: ReasonKind::Meaning,
                        text: format!("similar in meaning to: {}", t.text),
                    });
                }
                if content.contains_key(&occ) {
                    matched.extend(self.content_reasons(o, &qs, matched.is_empty()));
                }
                Hit {
                    code: o.code.clone(),
                    title: o.title.clone(),
                    job_zone: o.job_zone,
                    score: (score * 1000.0).round() / 1000.0,
                    confidence: confidence(score, best, z, self.tune.temperature),
                    matched,
                }
            })
            .collect();
        Ok(Ranked {
            total,
            hits,
            did_you_mean,
            code_query: false,
        })
    }

    fn title_reason(&self, t: &TitleDoc) -> Reason {
        match t.kind {
            TitleKind::Official => Reason {
                kind: ReasonKind::OfficialTitle,
                text: "official title".into(),
            },
            TitleKind::Alternate => Reason {
                kind: ReasonKind::AlternateTitle,
                text: format!("also called: {}", t.text),
            },
            TitleKind::Short => Reason {
                kind: ReasonKind::ShortTitle,
                text: format!("short title: {}", t.text),
            },
            TitleKind::Reported => Reason {
                kind: ReasonKind::ReportedTitle,
                text: format!("reported title: {}", t.text),
            },
            TitleKind::Apprenticeship => Reason {
                kind: ReasonKind::Apprenticeship,
                text: format!("registered apprenticeship: {}", t.text),
            },
            TitleKind::Cip => {
                let code = self
                    .cip
                    .iter()
                    .find(|(_, (title, occs))| *title == t.text && occs.contains(&t.occ))
                    .map(|(c, _)| c.as_str())
                    .unwrap_or("");
                Reason {
                    kind: ReasonKind::Cip,
                    text: format!("CIP {code} {}", t.text).replace("  ", " "),
                }
            }
        }
    }

    /// The best task, technology and description matches, found by word stems.
    fn content_reasons(&self, o: &Occ, qs: &[QSlot], need_one: bool) -> Vec<Reason> {
        let stems: Vec<&str> = qs
            .iter()
            .flat_map(|s| s.alts.iter())
            .flat_map(|a| a.words.iter())
            .filter(|w| w.stem.len() >= 3)
            .map(|w| w.stem.as_str())
            .collect();
        if stems.is_empty() {
            return Vec::new();
        }
        let hits = |norm: &str| -> usize {
            stems
                .iter()
                .filter(|s| norm.split(' ').any(|w| w.starts_with(*s)))
                .count()
        };
        let best = |norms: &[String]| -> Option<(usize, usize)> {
            norms
                .iter()
                .enumerate()
                .map(|(i, t)| (i, hits(t)))
                .filter(|(_, n)| *n > 0)
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        };
        let mut out = Vec::new();
        if let Some((i, _)) = best(&o.technology_norm) {
            out.push(Reason {
                kind: ReasonKind::Technology,
                text: format!("technology: {}", o.technology[i]),
            });
        }
        if let Some((i, _)) = best(&o.tasks_norm) {
            out.push(Reason {
                kind: ReasonKind::Task,
                text: format!("task: {}", truncate(&o.tasks[i], 160)),
            });
        }
        if (out.is_empty() || need_one) && hits(&o.description_norm) > 0 {
            out.push(Reason {
                kind: ReasonKind::Description,
                text: format!("description: {}", truncate(&o.description, 160)),
            });
        }
        out
    }

    fn code_hit(&self, occ: u32, reason: Reason) -> Hit {
        let o = &self.occs[occ as usize];
        Hit {
            code: o.code.clone(),
            title: o.title.clone(),
            job_zone: o.job_zone,
            score: 1.0,
            confidence: 1.0,
            matched: vec![reason],
        }
    }

    fn code_hits(&self, cq: &CodeQuery) -> Vec<Hit> {
        let mut out = Vec::new();
        match cq {
            CodeQuery::Onet(code) => {
                if let Some(&i) = self.by_code.get(code) {
                    out.push(self.code_hit(
                        i,
                        Reason {
                            kind: ReasonKind::Code,
                            text: format!("O*NET-SOC code {code}"),
                        },
                    ));
                }
                if let Some((title, occs)) = self.old_codes.get(code) {
                    for &i in occs {
                        if out
                            .iter()
                            .any(|h: &Hit| h.code == self.occs[i as usize].code)
                        {
                            continue;
                        }
                        let t = title
                            .as_deref()
                            .map(|t| format!(" ({t})"))
                            .unwrap_or_default();
                        out.push(self.code_hit(
                            i,
                            Reason {
                                kind: ReasonKind::Code,
                                text: format!("replaces the 2010 O*NET-SOC code {code}{t}"),
                            },
                        ));
                    }
                }
                if out.is_empty() {
                    // An unknown detail code: offer its SOC family.
                    return self.code_hits(&CodeQuery::Soc(code[..7].to_string()));
                }
            }
            CodeQuery::Soc(soc) => {
                let mut list = self.by_soc.get(soc).cloned().unwrap_or_default();
                list.sort_by(|a, b| {
                    self.occs[*a as usize]
                        .code
                        .cmp(&self.occs[*b as usize].code)
                });
                for i in list {
                    out.push(self.code_hit(
                        i,
                        Reason {
                            kind: ReasonKind::Code,
                            text: format!("SOC code {soc}"),
                        },
                    ));
                }
                if out.is_empty() {
                    return self.code_hits(&CodeQuery::Prefix(soc.clone()));
                }
            }
            CodeQuery::Cip(cip) => {
                let mut entries: Vec<(&String, &(String, Vec<u32>))> = self
                    .cip
                    .iter()
                    .filter(|(c, _)| *c == cip || (cip.len() == 5 && c.starts_with(cip.as_str())))
                    .collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                for (c, (title, occs)) in entries {
                    for &i in occs {
                        if out
                            .iter()
                            .any(|h: &Hit| h.code == self.occs[i as usize].code)
                        {
                            continue;
                        }
                        out.push(self.code_hit(
                            i,
                            Reason {
                                kind: ReasonKind::Cip,
                                text: format!("CIP {c} {title}"),
                            },
                        ));
                    }
                }
            }
            CodeQuery::Prefix(p) => {
                for (code, &i) in self.by_code.range(p.clone()..) {
                    if !code.starts_with(p.as_str()) || out.len() >= MAX_RESULTS {
                        break;
                    }
                    out.push(self.code_hit(
                        i,
                        Reason {
                            kind: ReasonKind::Code,
                            text: format!("code starts with {p}"),
                        },
                    ));
                }
            }
        }
        out
    }

    fn suggest(&self, query: &str, limit: usize) -> Result<Vec<Suggestion>> {
        let slots = parse_text(query);
        if slots.is_empty() {
            return Ok(Vec::new());
        }
        let unfinished = !query.ends_with(|c: char| c.is_whitespace());
        let qs = self.prepare(&slots, unfinished);
        let titles = self.title_matches(&qs)?;
        let mut out: Vec<Suggestion> = Vec::new();
        let mut seen = HashSet::new();
        // A suggestion must account for every word typed.
        for (ti, m) in titles.iter().filter(|(_, m)| m.qcov >= 0.75) {
            let t = &self.titles[*ti as usize];
            if t.kind == TitleKind::Cip {
                continue;
            }
            let key = t.words.join(" ");
            if !seen.insert(key) {
                continue;
            }
            let _ = m;
            let o = &self.occs[t.occ as usize];
            out.push(Suggestion {
                label: t.text.clone(),
                code: o.code.clone(),
                title: o.title.clone(),
                kind: t.kind,
            });
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn occ(
        code: &str,
        title: &str,
        description: &str,
    ) -> (String, String, String, Option<i64>, String) {
        (
            code.into(),
            title.into(),
            description.into(),
            Some(2),
            code[..7].into(),
        )
    }

    fn src() -> Source {
        Source {
            occupations: vec![
                occ(
                    "33-9021.00",
                    "Private Detectives and Investigators",
                    "Gather facts for clients.",
                ),
                occ(
                    "53-3054.00",
                    "Taxi Drivers",
                    "Drive a car to carry passengers for fares.",
                ),
                occ(
                    "53-4041.00",
                    "Subway and Streetcar Operators",
                    "Operate trains on city rail lines.",
                ),
                occ(
                    "43-5032.00",
                    "Dispatchers",
                    "Schedule and send out vehicles and crews.",
                ),
            ],
            alternate_titles: vec![
                ("33-9021.00".into(), "Private Investigator".into(), None),
                ("33-9021.00".into(), "Detective".into(), None),
                ("53-3054.00".into(), "Cab Driver".into(), None),
                ("53-4041.00".into(), "Trolley Operator".into(), None),
                ("53-4041.00".into(), "Light Rail Operator".into(), None),
                ("53-4041.00".into(), "Rail Transit Operator".into(), None),
                ("43-5032.00".into(), "Transit Dispatcher".into(), None),
                ("43-5032.00".into(), "Truck Dispatcher".into(), None),
            ],
            tasks: vec![
                ("53-4041.00".into(), "Operate trolley and rail cars.".into()),
                (
                    "43-5032.00".into(),
                    "Dispatch transit vehicles by radio.".into(),
                ),
            ],
            ..Source::default()
        }
    }

    fn first(r: &Ranked) -> &str {
        r.hits.first().map(|h| h.code.as_str()).unwrap_or("")
    }

    #[test]
    fn an_exact_title_wins_and_is_sure() {
        let ix = SearchIndex::build(src(), 1).unwrap();
        let r = ix.search("trolley operator", 0, 10).unwrap();
        assert_eq!(first(&r), "53-4041.00");
        assert!(r.hits[0].confidence > 0.5, "{:?}", r.hits);
        assert!(
            r.hits[0]
                .matched
                .iter()
                .all(|m| m.kind != ReasonKind::Meaning),
            "a whole title is not a match by meaning: {:?}",
            r.hits[0].matched
        );
        let sum: f32 = r.hits.iter().map(|h| h.confidence).sum();
        assert!(sum <= 1.001, "{sum}");
    }

    #[test]
    fn words_no_single_title_holds_meet_on_the_occupations_profile() {
        let ix = SearchIndex::build(src(), 1).unwrap();
        // No title says "trolley rail"; the streetcar operators' titles say both.
        let r = ix.search("rail trolley", 0, 10).unwrap();
        assert_eq!(first(&r), "53-4041.00", "{:?}", r.hits);
        // "radio" is in no title at all, only in the dispatchers' work.
        let r = ix.search("transit radio", 0, 10).unwrap();
        assert_eq!(first(&r), "43-5032.00", "{:?}", r.hits);
    }

    #[test]
    fn a_word_no_title_holds_meets_the_titles_spelt_like_it() {
        let ix = SearchIndex::build(src(), 1).unwrap();
        // "cabdriver" is in no title and no task; "Cab Driver" shares its letters.
        let r = ix.search("cabdriver", 0, 10).unwrap();
        assert_eq!(first(&r), "53-3054.00", "{:?}", r.hits);
        let why = &r.hits[0].matched;
        assert!(
            why.iter().any(
                |m| m.kind == ReasonKind::SimilarTitle && m.text == "similar title: Cab Driver"
            ),
            "{why:?}"
        );
        // Without the neighbours' vote nothing finds it.
        let off = Tune {
            gamma: 0.0,
            ..Tune::default()
        };
        let ix = SearchIndex::build_tuned(src(), 1, Models::default(), off).unwrap();
        assert!(ix.search("cabdriver", 0, 10).unwrap().hits.is_empty());
    }

    #[test]
    fn a_whole_title_outranks_an_occupation_with_many_titles_spelt_alike() {
        let mut s = src();
        // Many dispatcher titles that look like "rail dispatcher", none that is it.
        for t in [
            "Rail Dispatcher Clerk",
            "Railroad Dispatcher",
            "Rail Yard Dispatcher",
            "Rail Traffic Dispatcher",
        ] {
            s.alternate_titles
                .push(("43-5032.00".into(), t.into(), None));
        }
        s.alternate_titles
            .push(("53-4041.00".into(), "Rail Dispatcher".into(), None));
        let ix = SearchIndex::build(s, 1).unwrap();
        let r = ix.search("rail dispatcher", 0, 10).unwrap();
        assert_eq!(first(&r), "53-4041.00", "{:?}", r.hits);
        assert!(
            r.hits[0]
                .matched
                .iter()
                .all(|m| m.kind != ReasonKind::SimilarTitle),
            "a whole title is not a similar one: {:?}",
            r.hits[0].matched
        );
    }

    #[test]
    fn tuning_constants_are_read_and_checked() {
        let t = Tune::parse("gamma=0.3, k=20,decay=0.7").unwrap();
        assert_eq!(t.gamma, 0.3);
        assert_eq!(t.voting.k, 20);
        assert_eq!(t.voting.decay, 0.7);
        assert_eq!(t.beta, Tune::default().beta);
        assert_eq!(Tune::parse("").unwrap(), Tune::default());
        assert!(Tune::parse("gamma").unwrap_err().contains("name=value"));
        assert!(Tune::parse("gamma=x").unwrap_err().contains("not a number"));
        assert!(Tune::parse("gamma=-1").is_err());
        assert!(Tune::parse("epsilon=1").unwrap_err().contains("unknown"));
        let t = Tune::parse("delta=0.5,meaning_k=20,meaning_decay=0.3").unwrap();
        assert_eq!(t.delta, 0.5);
        assert_eq!(t.meaning_voting.k, 20);
        assert_eq!(t.meaning_voting.decay, 0.3);
    }

    #[test]
    fn word_embeddings_find_titles_near_in_meaning_and_say_so() {
        let dir = tempfile::tempdir().unwrap();
        super::super::embeddings::fixture::write(
            dir.path(),
            &[
                ("gumshoe", vec![1.0, 0.0, 0.0, 0.0]),
                ("detective", vec![0.95, 0.1, 0.0, 0.0]),
                ("investigator", vec![0.8, 0.2, 0.1, 0.0]),
                ("private", vec![0.3, 0.3, 0.3, 0.3]),
                ("trolley", vec![0.0, 1.0, 0.0, 0.0]),
                ("operator", vec![0.0, 0.3, 0.9, 0.0]),
                ("cab", vec![0.0, 0.2, 0.0, 1.0]),
                ("driver", vec![0.0, 0.0, 0.3, 0.9]),
            ],
        );
        let table = Arc::new(Embeddings::load(dir.path()).unwrap());
        let plain = SearchIndex::build(src(), 1).unwrap();
        assert!(plain.search("gumshoe", 0, 10).unwrap().hits.is_empty());
        let ix = SearchIndex::build_with(
            src(),
            1,
            Models {
                lexicon: None,
                embeddings: Some(table),
            },
        )
        .unwrap();
        let r = ix.search("gumshoe", 0, 10).unwrap();
        assert_eq!(first(&r), "33-9021.00", "{:?}", r.hits);
        assert!(
            r.hits[0]
                .matched
                .iter()
                .any(|m| m.kind == ReasonKind::Meaning
                    && m.text == "similar in meaning to: Detective"),
            "{:?}",
            r.hits[0].matched
        );
        // A whole title still wins, and is not called a match by meaning.
        let r = ix.search("cab driver", 0, 10).unwrap();
        assert_eq!(first(&r), "53-3054.00", "{:?}", r.hits);
        assert!(
            r.hits[0]
                .matched
                .iter()
                .all(|m| m.kind != ReasonKind::Meaning)
        );
        // With the weight at zero the table is not asked.
        let off = Tune::parse("delta=0").unwrap();
        let ix = SearchIndex::build_tuned(
            src(),
            1,
            Models {
                lexicon: None,
                embeddings: Some(Arc::new(Embeddings::load(dir.path()).unwrap())),
            },
            off,
        )
        .unwrap();
        assert!(ix.search("gumshoe", 0, 10).unwrap().hits.is_empty());
    }

    #[test]
    fn a_lexical_database_reads_unknown_words_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        super::super::semantic::lexicon_fixture::write(dir.path());
        let lx = Arc::new(Lexicon::load(dir.path()).unwrap());
        // Without it, "gumshoe" and "cabbie" are unknown words.
        let plain = SearchIndex::build(src(), 1).unwrap();
        assert!(plain.search("gumshoe", 0, 10).unwrap().hits.is_empty());
        let ix = SearchIndex::build_with(
            src(),
            1,
            Models {
                lexicon: Some(lx),
                embeddings: None,
            },
        )
        .unwrap();
        let r = ix.search("gumshoe", 0, 10).unwrap();
        assert_eq!(first(&r), "33-9021.00", "{:?}", r.hits);
        let why = &r.hits[0].matched;
        assert!(
            why.iter()
                .any(|m| m.kind == ReasonKind::Meaning
                    && m.text.starts_with("similar in meaning to: ")),
            "{why:?}"
        );
        assert!(
            why.iter()
                .any(|m| m.kind == ReasonKind::Synonym && m.text.contains("“gumshoe” read as")),
            "{why:?}"
        );
        let r = ix.search("cabbie", 0, 10).unwrap();
        assert_eq!(first(&r), "53-3054.00", "{:?}", r.hits);
    }
}
