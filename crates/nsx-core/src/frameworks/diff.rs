//! The difference between two versions of a framework, as data that can be shown and
//! applied.
//!
//! [`diff`] compares two versions' [`Content`] (the context paragraph and the statements
//! with their stable item ids) and returns a [`Diff`]: the context paragraph's word-level
//! change, and one [`Change`] per statement of either version. [`apply`] turns the older
//! version into the newer one with it, checking that the diff really starts from the
//! version it is given; `apply(a, &diff(a, b)) == b` for any two versions.
//!
//! # How statements are paired
//!
//! 1. **Same item id.** A statement keeps its item id when an editor rewords or moves it,
//!    so two statements with the same item id are one statement, whatever else changed.
//! 2. **Near-identical text.** A statement left over in the older version and one left
//!    over in the newer version of the *same section* are paired when their word sets
//!    (lower-cased letters and digits, as the linter's near-duplicate rule reads them)
//!    share at least [`PAIR_SIMILARITY`] of their distinct words (Jaccard index). This
//!    catches statements whose item id changed without an editor, e.g. the drafter
//!    placing the same subject at another level. Statements with the very same subject
//!    and performance are paired first, in order; then candidate pairs are taken most
//!    similar first (ties in the older version's order, then the newer one's), each
//!    statement in at most one pair.
//!
//! Whatever is left over is added (only in the newer version) or removed (only in the
//! older one).
//!
//! # What counts as a change
//!
//! - **Moved**: the statement changed section, durable-skill domain or level, or its
//!   place among the statements that stayed at its level changed. Statements whose
//!   number only shifted because others were added or removed around them are not
//!   moved; of the statements that stayed at one level, the longest run that kept its
//!   relative order is unmoved and the rest are moved (the fewest moves that explain the
//!   new order). A move is never reported as a removal plus an addition.
//! - **Reworded**: the subject or the performance text changed; the change carries a
//!   word-level diff of both.
//! - **Moved and reworded**: both.
//! - Citations added or removed are reported on the statement, whatever its kind
//!   ([`Change::citations_changed`]).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use similar::{Algorithm, ChangeTag};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Citation, DurableDomain, Level, Section, Statement};

/// Share of distinct words two statements must have in common (Jaccard index) to be
/// paired as one statement when their item ids differ.
pub const PAIR_SIMILARITY: f64 = super::lint::NEAR_DUPLICATE;

/// A statement with its stable item id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = DiffItem)]
pub struct Item {
    /// Item id: the same for one statement in every version.
    pub item_id: Uuid,
    /// Content, place and citations.
    #[serde(flatten)]
    pub statement: Statement,
}

/// What of a version a diff compares: the context paragraph and the statements, in
/// display order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = DiffContent)]
pub struct Content {
    /// The "context covered" paragraph.
    pub context: String,
    /// Statements with their item ids.
    pub items: Vec<Item>,
}

/// What a piece of a word-level diff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = DiffOp)]
pub enum Op {
    /// In both versions.
    Equal,
    /// Only in the newer version.
    Insert,
    /// Only in the older version.
    Delete,
}

/// A run of text that is the same, inserted or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DiffSegment)]
pub struct Segment {
    /// Same, inserted or deleted.
    pub op: Op,
    /// The words, with the spaces and punctuation between them.
    pub text: String,
}

/// The older text of a word-level diff (equal and deleted runs).
pub fn old_text(segments: &[Segment]) -> String {
    side(segments, Op::Delete)
}

/// The newer text of a word-level diff (equal and inserted runs).
pub fn new_text(segments: &[Segment]) -> String {
    side(segments, Op::Insert)
}

fn side(segments: &[Segment], own: Op) -> String {
    segments
        .iter()
        .filter(|s| s.op == Op::Equal || s.op == own)
        .map(|s| s.text.as_str())
        .collect()
}

/// Whether a word-level diff has any insertion or deletion.
pub fn has_changes(segments: &[Segment]) -> bool {
    segments.iter().any(|s| s.op != Op::Equal)
}

/// A citation kept, added or removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = DiffCitationChange)]
pub struct CitationChange {
    /// `equal` (kept), `insert` (added) or `delete` (removed).
    pub op: Op,
    /// The citation.
    #[serde(flatten)]
    pub citation: Citation,
}

/// What happened to one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ChangeKind)]
pub enum Kind {
    /// Only in the newer version.
    Added,
    /// Only in the older version.
    Removed,
    /// Same text, another section, domain or level, or another place in its level.
    Moved,
    /// Same place, new subject or performance text.
    Reworded,
    /// Moved and reworded.
    MovedAndReworded,
    /// Same text, same place (its number may shift when statements before it come or go).
    Unchanged,
}

impl Kind {
    /// Every kind, in the order pages list them.
    pub const ALL: [Kind; 6] = [
        Kind::Added,
        Kind::Removed,
        Kind::Moved,
        Kind::Reworded,
        Kind::MovedAndReworded,
        Kind::Unchanged,
    ];

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Added => "Added",
            Kind::Removed => "Removed",
            Kind::Moved => "Moved",
            Kind::Reworded => "Reworded",
            Kind::MovedAndReworded => "Moved and reworded",
            Kind::Unchanged => "Unchanged",
        }
    }

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::Moved => "moved",
            Kind::Reworded => "reworded",
            Kind::MovedAndReworded => "moved_and_reworded",
            Kind::Unchanged => "unchanged",
        }
    }

    fn of(moved: bool, reworded: bool) -> Kind {
        match (moved, reworded) {
            (true, true) => Kind::MovedAndReworded,
            (true, false) => Kind::Moved,
            (false, true) => Kind::Reworded,
            (false, false) => Kind::Unchanged,
        }
    }
}

/// How the two sides of a change were found to be one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = DiffPairing)]
pub enum Pairing {
    /// Both sides have the same item id.
    ItemId,
    /// The item ids differ; the texts are near-identical (see [`PAIR_SIMILARITY`]).
    SimilarText,
}

/// Where a statement sits in one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[schema(as = DiffPlace)]
pub struct Place {
    /// Item id in that version.
    pub item_id: Uuid,
    /// Section.
    pub section: Section,
    /// Durable-skill domain (durable section only).
    pub domain: Option<DurableDomain>,
    /// Level.
    pub level: Level,
    /// 1-based number within its section, domain and level.
    pub order: u32,
}

impl Place {
    fn of(item: &Item) -> Place {
        let s = &item.statement;
        Place {
            item_id: item.item_id,
            section: s.section,
            domain: s.domain,
            level: s.level,
            order: s.order,
        }
    }

    /// The section, domain and level: the group whose statements are numbered together.
    pub fn group(&self) -> (Section, Option<DurableDomain>, Level) {
        (self.section, self.domain, self.level)
    }

    /// A file-like location, as [`Statement::location`] writes it.
    pub fn location(&self) -> String {
        match self.domain {
            Some(d) => format!(
                "{}/{}/{}#{}",
                self.section.as_str(),
                d.as_str(),
                self.level.as_str(),
                self.order
            ),
            None => format!(
                "{}/{}#{}",
                self.section.as_str(),
                self.level.as_str(),
                self.order
            ),
        }
    }
}

/// The words and citations of a changed statement, both sides in one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = DiffDetail)]
pub struct Detail {
    /// Word-level diff of the subject.
    pub subject: Vec<Segment>,
    /// Word-level diff of the performance.
    pub performance: Vec<Segment>,
    /// Citations in order, each kept, added or removed.
    pub citations: Vec<CitationChange>,
}

impl Detail {
    /// Citations added.
    pub fn citations_added(&self) -> impl Iterator<Item = &Citation> {
        self.citations
            .iter()
            .filter(|c| c.op == Op::Insert)
            .map(|c| &c.citation)
    }

    /// Citations removed.
    pub fn citations_removed(&self) -> impl Iterator<Item = &Citation> {
        self.citations
            .iter()
            .filter(|c| c.op == Op::Delete)
            .map(|c| &c.citation)
    }

    fn old_citations(&self) -> Vec<Citation> {
        self.citations
            .iter()
            .filter(|c| c.op != Op::Insert)
            .map(|c| c.citation.clone())
            .collect()
    }

    fn new_citations(&self) -> Vec<Citation> {
        self.citations
            .iter()
            .filter(|c| c.op != Op::Delete)
            .map(|c| c.citation.clone())
            .collect()
    }
}

/// One statement of either version and what happened to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = StatementChange)]
pub struct Change {
    /// Added, removed, moved, reworded, moved and reworded, or unchanged.
    pub kind: Kind,
    /// How the two sides were paired (absent for added and removed statements).
    pub pairing: Option<Pairing>,
    /// Where the statement was in the older version (absent when added).
    pub before: Option<Place>,
    /// Where it is in the newer version (absent when removed).
    pub after: Option<Place>,
    /// Whether a citation was added or removed.
    pub citations_changed: bool,
    /// Its words and citations, both sides; absent for an unchanged statement with the
    /// same citations (its content is the older version's).
    pub detail: Option<Detail>,
}

impl Change {
    /// Whether anything about the statement changed (text, place or citations).
    pub fn is_change(&self) -> bool {
        self.kind != Kind::Unchanged || self.citations_changed
    }

    /// The place pages group the change under: where it is now, or where it was.
    pub fn place(&self) -> Option<&Place> {
        self.after.as_ref().or(self.before.as_ref())
    }
}

/// How many statements changed in each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ChangeCounts)]
pub struct Counts {
    /// Statements only in the newer version.
    pub added: usize,
    /// Statements only in the older version.
    pub removed: usize,
    /// Moved, same text.
    pub moved: usize,
    /// Reworded, same place.
    pub reworded: usize,
    /// Moved and reworded.
    pub moved_and_reworded: usize,
    /// Same text, same place.
    pub unchanged: usize,
    /// Statements (of any kind but added and removed) whose citations changed.
    pub citations_changed: usize,
    /// Whether the context paragraph changed.
    pub context_changed: bool,
}

impl Counts {
    /// Whether the two versions differ at all.
    pub fn any(&self) -> bool {
        self.added + self.removed + self.moved + self.reworded + self.moved_and_reworded > 0
            || self.citations_changed > 0
            || self.context_changed
    }

    /// The count of one kind.
    pub fn of(&self, kind: Kind) -> usize {
        match kind {
            Kind::Added => self.added,
            Kind::Removed => self.removed,
            Kind::Moved => self.moved,
            Kind::Reworded => self.reworded,
            Kind::MovedAndReworded => self.moved_and_reworded,
            Kind::Unchanged => self.unchanged,
        }
    }
}

/// The difference between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Diff {
    /// Word-level diff of the context paragraph; absent when it is the same.
    pub context: Option<Vec<Segment>>,
    /// Every statement of either version: the newer version's in its order, each removed
    /// statement after the statement that preceded it in the older version.
    pub changes: Vec<Change>,
    /// How many statements changed in each way.
    pub counts: Counts,
}

/// Why a diff could not be applied: it does not start from the version it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ApplyError(pub String);

// ---------------------------------------------------------------------------------------
// Diffing

/// The word-level diff of two texts; one equal run when they are the same.
pub fn words(old: &str, new: &str) -> Vec<Segment> {
    if old == new {
        return if old.is_empty() {
            Vec::new()
        } else {
            vec![Segment {
                op: Op::Equal,
                text: old.to_string(),
            }]
        };
    }
    let mut out: Vec<Segment> = Vec::new();
    for (tag, text) in similar::utils::diff_words(Algorithm::Patience, old, new) {
        let op = match tag {
            ChangeTag::Equal => Op::Equal,
            ChangeTag::Insert => Op::Insert,
            ChangeTag::Delete => Op::Delete,
        };
        if text.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(text),
            _ => out.push(Segment {
                op,
                text: text.to_string(),
            }),
        }
    }
    fold_replacements(out)
}

/// Joins word-by-word replacements into one: `<del>test</del><ins>new</ins> <del>tools
/// </del><ins>meters</ins>` becomes `<del>test tools</del><ins>new meters</ins>`. A run of
/// changes separated only by spaces, holding both deletions and insertions, becomes one
/// deletion and one insertion, each with the spaces; both sides' texts stay the same.
fn fold_replacements(segs: Vec<Segment>) -> Vec<Segment> {
    let blank = |s: &Segment| s.op == Op::Equal && s.text.chars().all(char::is_whitespace);
    let mut out: Vec<Segment> = Vec::with_capacity(segs.len());
    let mut i = 0;
    while i < segs.len() {
        if segs[i].op == Op::Equal {
            out.push(segs[i].clone());
            i += 1;
            continue;
        }
        // A run: changes, with blank equal runs between changes.
        let mut end = i + 1;
        while end < segs.len() {
            if segs[end].op != Op::Equal {
                end += 1;
            } else if blank(&segs[end]) && end + 1 < segs.len() && segs[end + 1].op != Op::Equal {
                end += 2;
            } else {
                break;
            }
        }
        let run = &segs[i..end];
        let both = run.iter().any(|s| s.op == Op::Delete) && run.iter().any(|s| s.op == Op::Insert);
        if both && run.iter().any(|s| s.op == Op::Equal) {
            let side = |own: Op| -> String {
                run.iter()
                    .filter(|s| s.op == own || s.op == Op::Equal)
                    .map(|s| s.text.as_str())
                    .collect()
            };
            out.push(Segment {
                op: Op::Delete,
                text: side(Op::Delete),
            });
            out.push(Segment {
                op: Op::Insert,
                text: side(Op::Insert),
            });
        } else {
            out.extend(run.iter().cloned());
        }
        i = end;
    }
    out
}

fn all(op: Op, text: &str) -> Vec<Segment> {
    if text.is_empty() {
        Vec::new()
    } else {
        vec![Segment {
            op,
            text: text.to_string(),
        }]
    }
}

/// The citation lists of both sides merged: the longest common run kept, the rest added
/// or removed. Lists are short (a handful per statement), so a plain table does.
fn citations(old: &[Citation], new: &[Citation]) -> Vec<CitationChange> {
    let (n, m) = (old.len(), new.len());
    // lcs[i][j]: longest common subsequence of old[i..] and new[j..].
    let mut lcs = vec![0u16; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if old[i] == new[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let mut out = Vec::with_capacity(n.max(m));
    let (mut i, mut j) = (0, 0);
    let push = |out: &mut Vec<CitationChange>, op, c: &Citation| {
        out.push(CitationChange {
            op,
            citation: c.clone(),
        })
    };
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            push(&mut out, Op::Equal, &old[i]);
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[at(i, j + 1)] >= lcs[at(i + 1, j)]) {
            push(&mut out, Op::Insert, &new[j]);
            j += 1;
        } else {
            push(&mut out, Op::Delete, &old[i]);
            i += 1;
        }
    }
    out
}

fn detail_of(a: &Statement, b: &Statement) -> Detail {
    Detail {
        subject: words(&a.subject, &b.subject),
        performance: words(&a.performance, &b.performance),
        citations: citations(&a.citations, &b.citations),
    }
}

fn one_sided(s: &Statement, op: Op) -> Detail {
    Detail {
        subject: all(op, &s.subject),
        performance: all(op, &s.performance),
        citations: s
            .citations
            .iter()
            .map(|c| CitationChange {
                op,
                citation: c.clone(),
            })
            .collect(),
    }
}

/// Lower-cased words of statements as bit sets over one shared dictionary.
struct WordSets {
    dict: HashMap<String, u32>,
    buf: String,
}

impl WordSets {
    fn new() -> Self {
        WordSets {
            dict: HashMap::new(),
            buf: String::new(),
        }
    }

    /// The distinct words of a statement as dictionary numbers.
    fn of(&mut self, s: &Statement) -> Vec<u32> {
        let mut out = Vec::new();
        for text in [&s.subject, &s.performance] {
            for w in text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
            {
                self.buf.clear();
                self.buf.extend(w.chars().flat_map(char::to_lowercase));
                let next = self.dict.len() as u32;
                let id = match self.dict.get(self.buf.as_str()) {
                    Some(id) => *id,
                    None => {
                        self.dict.insert(self.buf.clone(), next);
                        next
                    }
                };
                out.push(id);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Bit sets of the given word lists, all the dictionary's width.
    fn bits(&self, lists: &[Vec<u32>]) -> Vec<Bits> {
        let width = self.dict.len().div_ceil(64);
        lists
            .iter()
            .map(|l| {
                let mut b = vec![0u64; width];
                for w in l {
                    b[*w as usize / 64] |= 1 << (w % 64);
                }
                Bits {
                    count: l.len() as u32,
                    bits: b,
                }
            })
            .collect()
    }
}

/// A word set as bits, with its size.
struct Bits {
    count: u32,
    bits: Vec<u64>,
}

/// Jaccard index of two word sets.
fn jaccard(a: &Bits, b: &Bits) -> f64 {
    if a.count == 0 && b.count == 0 {
        return 1.0;
    }
    let both: u32 = a
        .bits
        .iter()
        .zip(&b.bits)
        .map(|(x, y)| (x & y).count_ones())
        .sum();
    both as f64 / (a.count + b.count - both) as f64
}

/// Pairs the statements left over after pairing by item id (see the module
/// documentation): identical texts first, then near-identical ones by word similarity.
fn pair_by_text(
    a: &[Item],
    b: &[Item],
    a_partner: &mut [Option<(usize, Pairing)>],
    b_partner: &mut [Option<(usize, Pairing)>],
) {
    if !a_partner.iter().any(Option::is_none) || !b_partner.iter().any(Option::is_none) {
        return;
    }
    // Identical subject and performance in the same section, in order.
    let mut same: HashMap<(Section, &str, &str), Vec<usize>> = HashMap::new();
    for (i, it) in a.iter().enumerate().rev() {
        if a_partner[i].is_none() {
            let s = &it.statement;
            same.entry((s.section, &s.subject, &s.performance))
                .or_default()
                .push(i);
        }
    }
    for (j, it) in b.iter().enumerate() {
        if b_partner[j].is_some() {
            continue;
        }
        let s = &it.statement;
        if let Some(i) = same
            .get_mut(&(s.section, s.subject.as_str(), s.performance.as_str()))
            .and_then(Vec::pop)
        {
            a_partner[i] = Some((j, Pairing::SimilarText));
            b_partner[j] = Some((i, Pairing::SimilarText));
        }
    }
    let left_a: Vec<usize> = (0..a.len()).filter(|i| a_partner[*i].is_none()).collect();
    let left_b: Vec<usize> = (0..b.len()).filter(|j| b_partner[*j].is_none()).collect();
    if left_a.is_empty() || left_b.is_empty() {
        return;
    }
    // Near-identical: word sets as bits, most similar pair first.
    let mut sets = WordSets::new();
    let la: Vec<Vec<u32>> = left_a.iter().map(|i| sets.of(&a[*i].statement)).collect();
    let lb: Vec<Vec<u32>> = left_b.iter().map(|j| sets.of(&b[*j].statement)).collect();
    let (wa, wb) = (sets.bits(&la), sets.bits(&lb));
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (x, i) in left_a.iter().enumerate() {
        for (y, j) in left_b.iter().enumerate() {
            if a[*i].statement.section != b[*j].statement.section {
                continue;
            }
            let (p, q) = (wa[x].count, wb[y].count);
            // The index is at most the smaller set over the larger one.
            if (p.min(q) as f64) < PAIR_SIMILARITY * p.max(q) as f64 {
                continue;
            }
            let s = jaccard(&wa[x], &wb[y]);
            if s >= PAIR_SIMILARITY {
                candidates.push((s, *i, *j));
            }
        }
    }
    candidates.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    for (_, i, j) in candidates {
        if a_partner[i].is_none() && b_partner[j].is_none() {
            a_partner[i] = Some((j, Pairing::SimilarText));
            b_partner[j] = Some((i, Pairing::SimilarText));
        }
    }
}

/// Indexes (into `seq`) of one longest strictly increasing subsequence of `seq`.
fn longest_increasing<T: Ord>(seq: &[T]) -> Vec<usize> {
    // tails[k]: index of the smallest tail of an increasing run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev: Vec<Option<usize>> = vec![None; seq.len()];
    for i in 0..seq.len() {
        let k = tails.partition_point(|&t| seq[t] < seq[i]);
        prev[i] = k.checked_sub(1).map(|k| tails[k]);
        if k == tails.len() {
            tails.push(i);
        } else {
            tails[k] = i;
        }
    }
    let mut out = Vec::with_capacity(tails.len());
    let mut cur = tails.last().copied();
    while let Some(i) = cur {
        out.push(i);
        cur = prev[i];
    }
    out.reverse();
    out
}

/// The difference between versions `a` (older) and `b` (newer).
pub fn diff(a: &Content, b: &Content) -> Diff {
    let (ai, bi) = (&a.items, &b.items);
    let mut a_partner: Vec<Option<(usize, Pairing)>> = vec![None; ai.len()];
    let mut b_partner: Vec<Option<(usize, Pairing)>> = vec![None; bi.len()];

    // 1. Same item id (the first unpaired statement of `a` with the id, should a version
    //    hold an id twice).
    let mut by_id: HashMap<Uuid, usize> = HashMap::with_capacity(ai.len());
    for (i, it) in ai.iter().enumerate() {
        by_id.entry(it.item_id).or_insert(i);
    }
    for (j, it) in bi.iter().enumerate() {
        if let Some(&i) = by_id.get(&it.item_id)
            && a_partner[i].is_none()
        {
            a_partner[i] = Some((j, Pairing::ItemId));
            b_partner[j] = Some((i, Pairing::ItemId));
        }
    }
    // 2. Near-identical text in the same section.
    pair_by_text(ai, bi, &mut a_partner, &mut b_partner);

    // 3. Moves: a new group, or out of the longest run that kept its order in the group.
    let mut moved = vec![false; bi.len()];
    let mut stayed: HashMap<(Section, Option<DurableDomain>, Level), Vec<usize>> = HashMap::new();
    for (j, p) in b_partner.iter().enumerate() {
        if let Some((i, _)) = p {
            let (ga, gb) = (Place::of(&ai[*i]).group(), Place::of(&bi[j]).group());
            if ga == gb {
                stayed.entry(gb).or_default().push(j);
            } else {
                moved[j] = true;
            }
        }
    }
    for js in stayed.values_mut() {
        js.sort_by_key(|j| (bi[*j].statement.order, *j));
        let ranks: Vec<(u32, usize)> = js
            .iter()
            .map(|j| {
                let i = b_partner[*j].map(|p| p.0).unwrap_or(0);
                (ai[i].statement.order, i)
            })
            .collect();
        let mut keep = vec![false; js.len()];
        for k in longest_increasing(&ranks) {
            keep[k] = true;
        }
        for (k, j) in js.iter().enumerate() {
            if !keep[k] {
                moved[*j] = true;
            }
        }
    }

    // 4. Removed statements go after the statement that preceded them in `a`.
    let mut at_start: Vec<usize> = Vec::new();
    let mut after_b: Vec<Vec<usize>> = vec![Vec::new(); bi.len()];
    let mut last: Option<usize> = None;
    for (i, p) in a_partner.iter().enumerate() {
        match p {
            Some((j, _)) => last = Some(*j),
            None => match last {
                Some(j) => after_b[j].push(i),
                None => at_start.push(i),
            },
        }
    }

    let mut counts = Counts::default();
    let mut changes = Vec::with_capacity(ai.len().max(bi.len()) + 8);
    let removed = |i: usize, counts: &mut Counts| {
        counts.removed += 1;
        Change {
            kind: Kind::Removed,
            pairing: None,
            before: Some(Place::of(&ai[i])),
            after: None,
            citations_changed: !ai[i].statement.citations.is_empty(),
            detail: Some(one_sided(&ai[i].statement, Op::Delete)),
        }
    };
    for i in &at_start {
        changes.push(removed(*i, &mut counts));
    }
    for (j, item) in bi.iter().enumerate() {
        let change = match b_partner[j] {
            None => {
                counts.added += 1;
                Change {
                    kind: Kind::Added,
                    pairing: None,
                    before: None,
                    after: Some(Place::of(item)),
                    citations_changed: !item.statement.citations.is_empty(),
                    detail: Some(one_sided(&item.statement, Op::Insert)),
                }
            }
            Some((i, pairing)) => {
                let (x, y) = (&ai[i].statement, &item.statement);
                let reworded = x.subject != y.subject || x.performance != y.performance;
                let kind = Kind::of(moved[j], reworded);
                let citations_changed = x.citations != y.citations;
                match kind {
                    Kind::Moved => counts.moved += 1,
                    Kind::Reworded => counts.reworded += 1,
                    Kind::MovedAndReworded => counts.moved_and_reworded += 1,
                    _ => counts.unchanged += 1,
                }
                if citations_changed {
                    counts.citations_changed += 1;
                }
                let touched = kind != Kind::Unchanged || citations_changed;
                Change {
                    kind,
                    pairing: Some(pairing),
                    before: Some(Place::of(&ai[i])),
                    after: Some(Place::of(item)),
                    citations_changed,
                    detail: touched.then(|| detail_of(x, y)),
                }
            }
        };
        changes.push(change);
        for i in &after_b[j] {
            changes.push(removed(*i, &mut counts));
        }
    }
    let context = (a.context != b.context).then(|| words(&a.context, &b.context));
    counts.context_changed = context.is_some();
    Diff {
        context,
        changes,
        counts,
    }
}

// ---------------------------------------------------------------------------------------
// Applying

fn place_matches(p: &Place, it: &Item) -> bool {
    Place::of(it) == *p
}

fn side_matches(d: &Detail, s: &Statement) -> bool {
    old_text(&d.subject) == s.subject
        && old_text(&d.performance) == s.performance
        && d.old_citations() == s.citations
}

/// Applies `d` to the older version `a`, giving the newer version. Fails, naming the
/// statement, when `d` does not start from `a`: a statement of the diff's older side is
/// missing from `a` or differs from it, or a statement of `a` is not in the diff.
pub fn apply(a: &Content, d: &Diff) -> Result<Content, ApplyError> {
    let context = match &d.context {
        None => a.context.clone(),
        Some(seg) => {
            if old_text(seg) != a.context {
                return Err(ApplyError(
                    "the context paragraph differs from the diff's older version".into(),
                ));
            }
            new_text(seg)
        }
    };
    let mut by_id: HashMap<Uuid, Vec<usize>> = HashMap::with_capacity(a.items.len());
    for (i, it) in a.items.iter().enumerate() {
        by_id.entry(it.item_id).or_default().push(i);
    }
    let mut used = vec![false; a.items.len()];
    let mut items = Vec::with_capacity(d.changes.len());
    for (k, c) in d.changes.iter().enumerate() {
        let old = match &c.before {
            None => None,
            Some(p) => {
                let found = by_id.get(&p.item_id).and_then(|is| {
                    is.iter().copied().find(|&i| {
                        !used[i]
                            && place_matches(p, &a.items[i])
                            && c.detail
                                .as_ref()
                                .is_none_or(|d| side_matches(d, &a.items[i].statement))
                    })
                });
                let Some(i) = found else {
                    return Err(ApplyError(format!(
                        "change {}: statement {} at {} is not in the version the diff is applied to, or differs from it",
                        k + 1,
                        p.item_id,
                        p.location()
                    )));
                };
                used[i] = true;
                Some(&a.items[i].statement)
            }
        };
        let Some(to) = &c.after else { continue };
        let statement = match (&c.detail, old) {
            (Some(d), _) => Statement {
                section: to.section,
                domain: to.domain,
                level: to.level,
                order: to.order,
                subject: new_text(&d.subject),
                performance: new_text(&d.performance),
                citations: d.new_citations(),
            },
            (None, Some(s)) => Statement {
                section: to.section,
                domain: to.domain,
                level: to.level,
                order: to.order,
                ..s.clone()
            },
            (None, None) => {
                return Err(ApplyError(format!(
                    "change {}: statement {} has neither an older side nor its words",
                    k + 1,
                    to.item_id
                )));
            }
        };
        items.push(Item {
            item_id: to.item_id,
            statement,
        });
    }
    if let Some(i) = used.iter().position(|u| !u) {
        let it = &a.items[i];
        return Err(ApplyError(format!(
            "statement {} at {} of the version is not in the diff",
            it.item_id,
            it.statement.location()
        )));
    }
    Ok(Content { context, items })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frameworks::{Locator, MasteryLevel};

    fn cite(task_id: i64) -> Citation {
        Citation {
            source: "onet".into(),
            release: "30.1".into(),
            locator: Locator::Task { task_id },
            text: format!("Task {task_id} as written in the source."),
            value: Some(4.0),
        }
    }

    fn item(n: u128, level: MasteryLevel, order: u32, subject: &str, perf: &str) -> Item {
        Item {
            item_id: Uuid::from_u128(n),
            statement: Statement {
                section: Section::Technical,
                domain: None,
                level: Level::Mastery(level),
                order,
                subject: subject.into(),
                performance: perf.into(),
                citations: vec![cite(n as i64)],
            },
        }
    }

    use MasteryLevel::{Developing, Emerging};

    fn base() -> Content {
        Content {
            context: "Covers work on assembly lines and in repair shops.".into(),
            items: vec![
                item(
                    1,
                    Emerging,
                    1,
                    "Hand tools",
                    "uses hand tools to fit parts under supervision",
                ),
                item(
                    2,
                    Emerging,
                    2,
                    "Drawings",
                    "reads simple drawings to find part numbers",
                ),
                item(
                    3,
                    Emerging,
                    3,
                    "Safety checks",
                    "runs the daily safety checklist before starting a machine",
                ),
                item(
                    4,
                    Developing,
                    1,
                    "Fault finding",
                    "traces common faults in motors with a meter and the wiring diagram",
                ),
            ],
        }
    }

    fn round_trip(a: &Content, b: &Content) -> Diff {
        let d = diff(a, b);
        assert_eq!(apply(a, &d).as_ref(), Ok(b), "{d:#?}");
        let json = serde_json::to_string(&d).unwrap();
        let back: Diff = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d, "JSON round trip");
        d
    }

    fn kinds(d: &Diff) -> Vec<(u128, Kind)> {
        d.changes
            .iter()
            .map(|c| (c.place().unwrap().item_id.as_u128(), c.kind))
            .collect()
    }

    #[test]
    fn identical_versions_have_no_changes() {
        let a = base();
        let d = round_trip(&a, &a);
        assert!(!d.counts.any());
        assert_eq!(d.counts.unchanged, 4);
        assert!(
            d.changes
                .iter()
                .all(|c| c.detail.is_none() && !c.is_change())
        );
        assert!(d.context.is_none());
    }

    #[test]
    fn added_statement() {
        let a = base();
        let mut b = a.clone();
        b.items.insert(
            2,
            item(
                9,
                Emerging,
                3,
                "Torque",
                "tightens fasteners to the torque on the drawing",
            ),
        );
        b.items[3].statement.order = 4;
        let d = round_trip(&a, &b);
        assert_eq!(d.counts.added, 1);
        assert_eq!(d.counts.unchanged, 4, "the statement after it only shifted");
        let c = &d.changes[2];
        assert_eq!(
            (c.kind, c.before, c.after.unwrap().order),
            (Kind::Added, None, 3)
        );
        let det = c.detail.as_ref().unwrap();
        assert_eq!(new_text(&det.subject), "Torque");
        assert!(det.subject.iter().all(|s| s.op == Op::Insert));
        assert_eq!(det.citations_added().count(), 1);
    }

    #[test]
    fn removed_statement_sits_where_it_was() {
        let a = base();
        let mut b = a.clone();
        b.items.remove(1);
        b.items[1].statement.order = 2;
        let d = round_trip(&a, &b);
        assert_eq!(d.counts.removed, 1);
        assert_eq!(d.counts.unchanged, 3);
        assert_eq!(
            kinds(&d),
            vec![
                (1, Kind::Unchanged),
                (2, Kind::Removed),
                (3, Kind::Unchanged),
                (4, Kind::Unchanged)
            ]
        );
        let det = d.changes[1].detail.as_ref().unwrap();
        assert_eq!(old_text(&det.performance), a.items[1].statement.performance);
        assert_eq!(det.citations_removed().count(), 1);
    }

    #[test]
    fn level_change_is_a_move_not_a_removal_and_an_addition() {
        let a = base();
        let mut b = a.clone();
        let mut m = b.items.remove(2);
        m.statement.level = Level::Mastery(Developing);
        m.statement.order = 2;
        b.items.push(m);
        let d = round_trip(&a, &b);
        assert_eq!(
            (d.counts.moved, d.counts.added, d.counts.removed),
            (1, 0, 0)
        );
        let c = d.changes.iter().find(|c| c.kind == Kind::Moved).unwrap();
        assert_eq!(c.pairing, Some(Pairing::ItemId));
        assert_eq!(c.before.unwrap().location(), "technical/emerging#3");
        assert_eq!(c.after.unwrap().location(), "technical/developing#2");
        assert!(!has_changes(&c.detail.as_ref().unwrap().performance));
    }

    #[test]
    fn reorder_moves_only_the_statement_that_left_its_place() {
        let a = base();
        let mut b = a.clone();
        // Emerging 1, 2, 3 becomes 3, 1, 2: one statement moved, not three.
        let third = b.items.remove(2);
        b.items.insert(0, third);
        for (k, it) in b.items.iter_mut().take(3).enumerate() {
            it.statement.order = k as u32 + 1;
        }
        let d = round_trip(&a, &b);
        assert_eq!(d.counts.moved, 1);
        assert_eq!(d.counts.unchanged, 3);
        assert_eq!(d.changes[0].kind, Kind::Moved);
        assert_eq!(d.changes[0].after.unwrap().item_id.as_u128(), 3);
    }

    #[test]
    fn rewording_highlights_words() {
        let a = base();
        let mut b = a.clone();
        b.items[1].statement.performance = "reads assembly drawings to find part numbers".into();
        let d = round_trip(&a, &b);
        assert_eq!(d.counts.reworded, 1);
        let det = d.changes[1].detail.as_ref().unwrap();
        assert_eq!(
            det.performance,
            vec![
                Segment {
                    op: Op::Equal,
                    text: "reads ".into()
                },
                Segment {
                    op: Op::Delete,
                    text: "simple".into()
                },
                Segment {
                    op: Op::Insert,
                    text: "assembly".into()
                },
                Segment {
                    op: Op::Equal,
                    text: " drawings to find part numbers".into()
                },
            ]
        );
        assert!(!d.changes[1].citations_changed);
    }

    #[test]
    fn word_by_word_replacements_read_as_one() {
        let seg = words(
            "checks parts with test instruments daily",
            "checks parts with oscilloscopes and meters daily",
        );
        let ops: Vec<(Op, &str)> = seg.iter().map(|s| (s.op, s.text.as_str())).collect();
        assert_eq!(
            ops,
            vec![
                (Op::Equal, "checks parts with "),
                (Op::Delete, "test instruments"),
                (Op::Insert, "oscilloscopes and meters"),
                (Op::Equal, " daily"),
            ]
        );
        // Insertions alone keep their spaces where they were.
        let seg = words("a b", "a x b y");
        assert_eq!(old_text(&seg), "a b");
        assert_eq!(new_text(&seg), "a x b y");
    }

    #[test]
    fn moved_and_reworded() {
        let a = base();
        let mut b = a.clone();
        b.items[0].statement.level = Level::Mastery(Developing);
        b.items[0].statement.order = 2;
        b.items[0].statement.subject = "Hand and power tools".into();
        let d = round_trip(&a, &b);
        assert_eq!(d.counts.moved_and_reworded, 1);
        let det = d.changes[0].detail.as_ref().unwrap();
        assert_eq!(old_text(&det.subject), "Hand tools");
        assert_eq!(new_text(&det.subject), "Hand and power tools");
    }

    #[test]
    fn citation_changes_are_reported_per_statement() {
        let a = base();
        let mut b = a.clone();
        b.items[3].statement.citations.push(cite(77));
        b.items[0].statement.citations.clear();
        b.items[0].statement.citations.push(cite(78));
        let d = round_trip(&a, &b);
        assert_eq!(d.counts.citations_changed, 2);
        assert_eq!(d.counts.unchanged, 4, "text and place are the same");
        let det = d.changes[3].detail.as_ref().unwrap();
        let ops: Vec<Op> = det.citations.iter().map(|c| c.op).collect();
        assert_eq!(ops, vec![Op::Equal, Op::Insert]);
        let det = d.changes[0].detail.as_ref().unwrap();
        assert_eq!(det.citations_removed().count(), 1);
        assert_eq!(det.citations_added().count(), 1);
        assert!(d.changes[0].is_change() && !d.changes[1].is_change());
    }

    #[test]
    fn context_change_is_a_word_diff() {
        let a = base();
        let mut b = a.clone();
        b.context = "Covers work on assembly lines, in repair shops and on site.".into();
        let d = round_trip(&a, &b);
        assert!(d.counts.context_changed && d.counts.any());
        let seg = d.context.as_ref().unwrap();
        assert_eq!(old_text(seg), a.context);
        assert_eq!(new_text(seg), b.context);
    }

    #[test]
    fn new_item_id_with_near_identical_text_is_paired() {
        let a = base();
        let mut b = a.clone();
        // The drafter gives a statement a new item id when it changes level.
        b.items[2].item_id = Uuid::from_u128(30);
        b.items[2].statement.level = Level::Mastery(Developing);
        b.items[2].statement.order = 2;
        // One word of twelve changed: still the same statement.
        b.items[1].item_id = Uuid::from_u128(20);
        b.items[1].statement.performance = "reads simple drawings to find the part numbers".into();
        let d = round_trip(&a, &b);
        assert_eq!(
            (d.counts.added, d.counts.removed),
            (0, 0),
            "{:#?}",
            d.changes
        );
        assert_eq!(d.counts.moved, 1);
        assert_eq!(d.counts.reworded, 1);
        assert!(
            d.changes
                .iter()
                .filter(|c| c.kind != Kind::Unchanged)
                .all(|c| c.pairing == Some(Pairing::SimilarText))
        );
        // A different statement under a new id is not paired.
        let mut c = a.clone();
        c.items[1].item_id = Uuid::from_u128(21);
        c.items[1].statement.performance = "checks stock levels and orders parts".into();
        let d = round_trip(&a, &c);
        assert_eq!((d.counts.added, d.counts.removed), (1, 1));
    }

    #[test]
    fn text_pairing_stays_within_a_section() {
        let a = base();
        let mut b = a.clone();
        b.items[0].item_id = Uuid::from_u128(10);
        b.items[0].statement.section = Section::AiUsage;
        let d = round_trip(&a, &b);
        assert_eq!((d.counts.added, d.counts.removed), (1, 1));
    }

    #[test]
    fn apply_refuses_a_diff_from_another_version() {
        let a = base();
        let mut b = a.clone();
        b.items[1].statement.performance = "reads assembly drawings to find part numbers".into();
        let d = diff(&a, &b);
        let mut other = a.clone();
        other.items[1].statement.performance = "something else entirely here".into();
        let e = apply(&other, &d).unwrap_err();
        assert!(e.0.contains("technical/emerging#2"), "{e}");
        let mut fewer = a.clone();
        fewer.items.pop();
        assert!(apply(&fewer, &d).is_err());
        let mut more = a.clone();
        more.items
            .push(item(50, Developing, 2, "Extra", "does extra work"));
        let e = apply(&more, &d).unwrap_err();
        assert!(e.0.contains("not in the diff"), "{e}");
        let mut ctx = a.clone();
        ctx.context = "Another paragraph.".into();
        let mut b2 = b.clone();
        b2.context = "Yet another paragraph.".into();
        assert!(apply(&ctx, &diff(&a, &b2)).is_err());
    }

    #[test]
    fn longest_increasing_run() {
        assert_eq!(longest_increasing(&[3, 1, 2]), vec![1, 2]);
        assert_eq!(longest_increasing(&[1, 2, 3]), vec![0, 1, 2]);
        assert_eq!(longest_increasing::<u8>(&[]), Vec::<usize>::new());
        assert_eq!(longest_increasing(&[5, 1, 6, 2, 7, 3, 8]).len(), 4);
    }

    #[test]
    fn citation_merge_keeps_the_common_run() {
        let (x, y, z) = (cite(1), cite(2), cite(3));
        let m = citations(&[x.clone(), y.clone()], &[y.clone(), z.clone()]);
        let ops: Vec<(Op, i64)> = m
            .iter()
            .map(|c| match c.citation.locator {
                Locator::Task { task_id } => (c.op, task_id),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(ops, vec![(Op::Delete, 1), (Op::Equal, 2), (Op::Insert, 3)]);
    }
}

#[cfg(test)]
mod properties {
    //! `apply(a, diff(a, b)) == b` over random versions and random edit sequences.

    use super::*;
    use crate::frameworks::{DurableLevel, Locator, MasteryLevel};
    use proptest::prelude::*;

    const WORDS: &[&str] = &[
        "inspects",
        "wiring",
        "motors",
        "under",
        "supervision",
        "and",
        "records",
        "faults",
        "in",
        "the",
        "log",
        "replaces",
        "worn",
        "bearings",
        "calibrates",
        "sensors",
        "to",
        "tolerance",
        "plans",
        "work",
        "for",
        "a",
        "team",
        "of",
        "technicians",
        "reviews",
        "safety",
        "procedures",
        "with",
        "new",
        "staff",
    ];

    fn text(n: std::ops::Range<usize>) -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(WORDS), n).prop_map(|w| w.join(" "))
    }

    fn citation() -> impl Strategy<Value = Citation> {
        (1i64..12).prop_map(|t| Citation {
            source: "onet".into(),
            release: "30.1".into(),
            locator: Locator::Task { task_id: t },
            text: format!("task {t}"),
            value: None,
        })
    }

    #[derive(Debug, Clone)]
    struct Where {
        section: Section,
        domain: Option<DurableDomain>,
        level: Level,
    }

    fn place() -> impl Strategy<Value = Where> {
        prop_oneof![
            (0usize..4).prop_map(|l| Where {
                section: Section::Technical,
                domain: None,
                level: Level::Mastery(MasteryLevel::ALL[l]),
            }),
            (0usize..2).prop_map(|l| Where {
                section: Section::AiUsage,
                domain: None,
                level: Level::Mastery(MasteryLevel::ALL[l]),
            }),
            (0usize..3, 0usize..4).prop_map(|(d, l)| Where {
                section: Section::Durable,
                domain: Some(DurableDomain::ALL[d]),
                level: Level::Durable(DurableLevel::ALL[l]),
            }),
        ]
    }

    fn statement() -> impl Strategy<Value = Statement> {
        (
            place(),
            text(1..4),
            text(3..14),
            prop::collection::vec(citation(), 0..4),
        )
            .prop_map(|(w, subject, performance, citations)| Statement {
                section: w.section,
                domain: w.domain,
                level: w.level,
                order: 0,
                subject,
                performance,
                citations,
            })
    }

    /// Sorts by section, domain and level (keeping order within each) and numbers each
    /// group 1, 2, 3… — the shape a stored version has.
    fn settle(items: &mut [Item]) {
        items.sort_by_key(|it| {
            let s = &it.statement;
            (s.section, s.domain, s.level)
        });
        let mut last = None;
        let mut n = 0;
        for it in items.iter_mut() {
            let s = &mut it.statement;
            let g = Some((s.section, s.domain, s.level));
            n = if g == last { n + 1 } else { 1 };
            last = g;
            s.order = n;
        }
    }

    fn version() -> impl Strategy<Value = Content> {
        (text(0..20), prop::collection::vec(statement(), 0..30)).prop_map(|(context, sts)| {
            let mut items: Vec<Item> = sts
                .into_iter()
                .enumerate()
                .map(|(k, statement)| Item {
                    item_id: Uuid::from_u128(k as u128 + 1),
                    statement,
                })
                .collect();
            settle(&mut items);
            Content { context, items }
        })
    }

    /// One editor's action.
    #[derive(Debug, Clone)]
    enum Edit {
        Add(Statement),
        Remove(usize),
        Reword(usize, String),
        Resubject(usize, String),
        Move(usize, Where),
        Reorder(usize, usize),
        Cite(usize, Citation),
        Uncite(usize),
        Context(String),
        /// A new item id for the same statement (what a re-draft may do).
        NewId(usize),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            statement().prop_map(Edit::Add),
            any::<usize>().prop_map(Edit::Remove),
            (any::<usize>(), text(3..14)).prop_map(|(i, t)| Edit::Reword(i, t)),
            (any::<usize>(), text(1..4)).prop_map(|(i, t)| Edit::Resubject(i, t)),
            (any::<usize>(), place()).prop_map(|(i, w)| Edit::Move(i, w)),
            (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::Reorder(i, j)),
            (any::<usize>(), citation()).prop_map(|(i, c)| Edit::Cite(i, c)),
            any::<usize>().prop_map(Edit::Uncite),
            text(0..20).prop_map(Edit::Context),
            any::<usize>().prop_map(Edit::NewId),
        ]
    }

    fn run(a: &Content, edits: &[Edit]) -> Content {
        let mut b = a.clone();
        let mut next_id = 10_000u128;
        for e in edits {
            let n = b.items.len();
            let pick = |i: &usize| (n > 0).then(|| i % n);
            match e {
                Edit::Add(s) => {
                    next_id += 1;
                    b.items.push(Item {
                        item_id: Uuid::from_u128(next_id),
                        statement: s.clone(),
                    });
                }
                Edit::Remove(i) => {
                    if let Some(i) = pick(i) {
                        b.items.remove(i);
                    }
                }
                Edit::Reword(i, t) => {
                    if let Some(i) = pick(i) {
                        b.items[i].statement.performance = t.clone();
                    }
                }
                Edit::Resubject(i, t) => {
                    if let Some(i) = pick(i) {
                        b.items[i].statement.subject = t.clone();
                    }
                }
                Edit::Move(i, w) => {
                    if let Some(i) = pick(i) {
                        let s = &mut b.items[i].statement;
                        s.section = w.section;
                        s.domain = w.domain;
                        s.level = w.level;
                    }
                }
                Edit::Reorder(i, j) => {
                    if let (Some(i), Some(j)) = (pick(i), pick(j)) {
                        let it = b.items.remove(i);
                        b.items.insert(j, it);
                    }
                }
                Edit::Cite(i, c) => {
                    if let Some(i) = pick(i) {
                        b.items[i].statement.citations.push(c.clone());
                    }
                }
                Edit::Uncite(i) => {
                    if let Some(i) = pick(i) {
                        b.items[i].statement.citations.pop();
                    }
                }
                Edit::Context(t) => b.context = t.clone(),
                Edit::NewId(i) => {
                    if let Some(i) = pick(i) {
                        next_id += 1;
                        b.items[i].item_id = Uuid::from_u128(next_id);
                    }
                }
            }
        }
        settle(&mut b.items);
        b
    }

    fn check(a: &Content, b: &Content) -> Result<(), TestCaseError> {
        let d = diff(a, b);
        let applied = apply(a, &d);
        prop_assert_eq!(applied.as_ref(), Ok(b));
        // Every statement of each side appears once, on its side.
        let befores = d.changes.iter().filter(|c| c.before.is_some()).count();
        let afters = d.changes.iter().filter(|c| c.after.is_some()).count();
        prop_assert_eq!(befores, a.items.len());
        prop_assert_eq!(afters, b.items.len());
        // A statement in both versions (same item id) is never removed and added.
        for c in &d.changes {
            if c.kind == Kind::Added {
                let id = c.after.unwrap().item_id;
                prop_assert!(
                    !a.items.iter().any(|x| x.item_id == id),
                    "added {id} was in a"
                );
            }
            if c.kind == Kind::Removed {
                let id = c.before.unwrap().item_id;
                prop_assert!(
                    !b.items.iter().any(|x| x.item_id == id),
                    "removed {id} is in b"
                );
            }
        }
        let k = d.counts;
        prop_assert_eq!(
            k.added + k.removed + k.moved + k.reworded + k.moved_and_reworded + k.unchanged,
            d.changes.len()
        );
        // The diff survives JSON.
        let back: Diff = serde_json::from_str(&serde_json::to_string(&d).unwrap()).unwrap();
        let applied = apply(a, &back);
        prop_assert_eq!(applied.as_ref(), Ok(b));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn applying_the_diff_of_an_edit_sequence_gives_the_edited_version(
            a in version(),
            edits in prop::collection::vec(edit(), 0..25),
        ) {
            let b = run(&a, &edits);
            check(&a, &b)?;
            // And backwards.
            check(&b, &a)?;
        }

        #[test]
        fn applying_the_diff_of_two_unrelated_versions_gives_the_second(
            a in version(),
            b in version(),
        ) {
            check(&a, &b)?;
        }

        #[test]
        fn word_diffs_keep_both_texts(a in text(0..30), b in text(0..30)) {
            let seg = words(&a, &b);
            prop_assert_eq!(old_text(&seg), a);
            prop_assert_eq!(new_text(&seg), b);
            prop_assert!(seg.windows(2).all(|w| w[0].op != w[1].op));
        }

        #[test]
        fn a_pure_move_is_one_moved_statement(a in version(), i in any::<usize>(), w in place()) {
            prop_assume!(!a.items.is_empty());
            let i = i % a.items.len();
            let id = a.items[i].item_id;
            let b = run(&a, &[Edit::Move(i, w)]);
            let d = diff(&a, &b);
            prop_assert_eq!(d.counts.added + d.counts.removed, 0);
            let mine: Vec<&Change> = d
                .changes
                .iter()
                .filter(|c| c.after.is_some_and(|p| p.item_id == id))
                .collect();
            prop_assert_eq!(mine.len(), 1);
            prop_assert!(matches!(mine[0].kind, Kind::Moved | Kind::Unchanged));
            prop_assert!(d.counts.moved <= 1);
        }
    }
}
