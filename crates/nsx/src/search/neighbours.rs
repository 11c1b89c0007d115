//! Title neighbours: the titles that look most like the query, letter by letter.
//!
//! Job titles are built from a few words, and the same occupation turns up under many
//! variants of them: "Shingler" and "Shingle Roofer", "Lumberjack" and "Lumber Stacker",
//! "Hydroblaster" and "Hydro Blaster Operator". Whole-word matching misses those; the
//! letters they share do not. Every title is described by the character 3- and 4-grams of
//! its content words (each word framed as `<word>`, so a word's beginning and end count as
//! letters too: "<op", "tor>"), weighted by how rare each gram is among titles (tf·idf) and
//! scaled to unit length. A query's nearest titles (cosine) then vote for their
//! occupations: the closest title of an occupation counts in full, each further one of the
//! same occupation half as much as the one before, so an occupation many close titles
//! point to beats one lucky title. Everything is learned from the titles at every index
//! build; no word list is written by hand.

use std::collections::HashMap;

use nsx_core::search::is_stopword;

/// How the neighbours vote.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Voting {
    /// How many of the nearest titles vote.
    pub k: usize,
    /// How much each further title of one occupation counts, relative to the one before.
    pub decay: f32,
}

impl Default for Voting {
    fn default() -> Self {
        Voting { k: 50, decay: 0.5 }
    }
}

/// Grams found in more titles than this are skipped at query time: they say little ("<co",
/// "er>") and their postings are the longest.
const MAX_DF: usize = 8000;

/// The n-gram vectors of the titles.
#[derive(Debug, Default)]
pub struct Neighbours {
    /// Gram (hashed) → id.
    vocab: HashMap<u64, u32>,
    /// Per gram: (title, weight in the title's unit vector).
    postings: Vec<Vec<(u32, f32)>>,
    /// Per gram: inverse document frequency.
    idf: Vec<f32>,
    /// Per title: its occupation (titles the builder skipped have none).
    occ: Vec<Option<u32>>,
}

/// FNV-1a of a gram's bytes.
fn hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A word without a regular plural ending ("technicians" → "technician", "duties" →
/// "duty"), so singular and plural titles share their last grams.
fn singular(w: &str) -> String {
    if w.len() >= 5
        && let Some(stem) = w.strip_suffix("ies")
    {
        return format!("{stem}y");
    }
    if w.len() >= 4 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") {
        return w[..w.len() - 1].to_string();
    }
    w.to_string()
}

/// The hashed character 3- and 4-grams of a title's content words, with their counts.
/// Words after "except" are left out, as in the title index.
pub fn grams(words: &[String]) -> HashMap<u64, f32> {
    let mut out: HashMap<u64, f32> = HashMap::new();
    let mut framed: Vec<u8> = Vec::with_capacity(32);
    for w in words {
        if w == "except" {
            break;
        }
        if is_stopword(w) {
            continue;
        }
        framed.clear();
        framed.push(b'<');
        framed.extend_from_slice(singular(w).as_bytes());
        framed.push(b'>');
        for n in [3usize, 4] {
            if framed.len() < n {
                continue;
            }
            for win in framed.windows(n) {
                // n is part of the key, so a 3-gram never collides with a 4-gram on purpose.
                let mut key = hash(win);
                key ^= n as u64;
                *out.entry(key).or_default() += 1.0;
            }
        }
    }
    out
}

impl Neighbours {
    /// Builds the vectors of `titles`: (occupation, words) per title, `None` for a title
    /// that must not vote (it keeps its place so title numbers stay those of the caller).
    pub fn build<'a>(titles: impl IntoIterator<Item = Option<(u32, &'a [String])>>) -> Self {
        let mut vocab: HashMap<u64, u32> = HashMap::new();
        let mut df: Vec<u32> = Vec::new();
        let mut docs: Vec<Vec<(u32, f32)>> = Vec::new();
        let mut occ = Vec::new();
        for t in titles {
            let Some((o, words)) = t else {
                occ.push(None);
                docs.push(Vec::new());
                continue;
            };
            occ.push(Some(o));
            // Grams in a stable order so every node builds the same vectors.
            let mut g: Vec<(u64, f32)> = grams(words).into_iter().collect();
            g.sort_by_key(|a| a.0);
            let mut v = Vec::with_capacity(g.len());
            for (key, n) in g {
                let next = df.len() as u32;
                let id = *vocab.entry(key).or_insert(next);
                if id == next {
                    df.push(0);
                }
                df[id as usize] += 1;
                v.push((id, n));
            }
            docs.push(v);
        }
        let n = docs.iter().filter(|d| !d.is_empty()).count().max(1) as f32;
        let idf: Vec<f32> = df
            .iter()
            .map(|&d| (n / d.max(1) as f32).ln() + 1.0)
            .collect();
        let mut postings: Vec<Vec<(u32, f32)>> = vec![Vec::new(); df.len()];
        for (t, v) in docs.iter().enumerate() {
            let norm = v
                .iter()
                .map(|(g, c)| (c * idf[*g as usize]).powi(2))
                .sum::<f32>()
                .sqrt();
            if norm <= 0.0 {
                continue;
            }
            for (g, c) in v {
                postings[*g as usize].push((t as u32, c * idf[*g as usize] / norm));
            }
        }
        Neighbours {
            vocab,
            postings,
            idf,
            occ,
        }
    }

    /// The nearest titles to the query's words: (title, cosine), closest first, at most `k`.
    pub fn nearest(&self, words: &[String], k: usize) -> Vec<(u32, f32)> {
        let q: Vec<(usize, f32)> = grams(words)
            .into_iter()
            .filter_map(|(key, c)| {
                let id = *self.vocab.get(&key)? as usize;
                Some((id, c * self.idf[id]))
            })
            .collect();
        let norm = q.iter().map(|x| x.1 * x.1).sum::<f32>().sqrt();
        if q.is_empty() || norm <= 0.0 {
            return Vec::new();
        }
        // Dense accumulators (one per title) with the list of titles touched: the postings
        // of common grams run to thousands of titles.
        let mut acc = vec![0f32; self.occ.len()];
        let mut touched: Vec<u32> = Vec::new();
        for (id, w) in q {
            let p = &self.postings[id];
            if p.len() > MAX_DF {
                continue;
            }
            for &(t, x) in p {
                let a = &mut acc[t as usize];
                if *a == 0.0 {
                    touched.push(t);
                }
                *a += w / norm * x;
            }
        }
        let mut v: Vec<(u32, f32)> = touched.into_iter().map(|t| (t, acc[t as usize])).collect();
        // Ties by title number, so every node ranks alike.
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if v.len() > k && k > 0 {
            v.select_nth_unstable_by(k - 1, order);
        }
        v.truncate(k);
        v.sort_by(order);
        v
    }

    /// Votes of the nearest titles for their occupations, best first, with each
    /// occupation's closest title (see [`vote`]).
    pub fn vote(&self, words: &[String], voting: Voting) -> Vec<(u32, f32, u32)> {
        vote(self.nearest(words, voting.k), voting.decay, |t| {
            self.occ.get(t as usize).copied().flatten()
        })
    }
}

/// Votes of the nearest titles `near` (title, similarity; closest first) for their
/// occupations (`occ_of`), best first, with each occupation's closest title. The closest
/// title of an occupation counts in full, each further one `decay` times the one before. A
/// vote is taken relative to the best-voted occupation and scaled by how close the closest
/// title of all is, so a query that only shares a common ending with the titles ("python"
/// and "-tion") gets little.
pub fn vote(
    near: Vec<(u32, f32)>,
    decay: f32,
    occ_of: impl Fn(u32) -> Option<u32>,
) -> Vec<(u32, f32, u32)> {
    let closest = near.first().map(|n| n.1).unwrap_or(0.0).clamp(0.0, 1.0);
    let mut per: HashMap<u32, (f32, f32, u32)> = HashMap::new();
    for (t, sim) in near {
        let Some(o) = occ_of(t) else {
            continue;
        };
        let e = per.entry(o).or_insert((0.0, 1.0, t));
        e.0 += sim.max(0.0) * e.1;
        e.1 *= decay;
    }
    let max = per.values().map(|e| e.0).fold(0.0f32, f32::max);
    if max <= 0.0 {
        return Vec::new();
    }
    let mut v: Vec<(u32, f32, u32)> = per
        .into_iter()
        .map(|(o, (s, _, t))| (o, closest * s / max, t))
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    fn titles() -> Vec<(u32, Vec<String>)> {
        vec![
            (0, w("roofer")),
            (0, w("shingle roofer")),
            (0, w("roof repairer")),
            (1, w("carpenter")),
            (1, w("rough carpenter")),
            (2, w("hydro blaster operator")),
            (3, w("machine operator")),
            (3, w("press operator")),
        ]
    }

    fn build() -> Neighbours {
        let t = titles();
        Neighbours::build(t.iter().map(|(o, ws)| Some((*o, ws.as_slice()))))
    }

    #[test]
    fn a_word_variant_finds_the_titles_that_share_its_letters() {
        let n = build();
        // No title holds "shingler"; "shingle roofer" shares its letters.
        let v = n.vote(&w("shingler"), Voting::default());
        assert_eq!(v[0].0, 0, "{v:?}");
        assert!(v[0].1 > 0.4 && v[0].1 < 1.0, "{v:?}");
        assert_eq!(v[0].2, 1, "the closest title is named");
        // A compound meets the title that writes it in two words.
        let v = n.vote(&w("hydroblaster"), Voting::default());
        assert_eq!(v[0].0, 2, "{v:?}");
    }

    #[test]
    fn a_shared_ending_alone_is_a_weak_vote() {
        let n = build();
        let exact = n.vote(&w("shingle roofer"), Voting::default());
        assert!((exact[0].1 - 1.0).abs() < 1e-4, "{exact:?}");
        // "fizzer" shares only the ending "er>" with "roofer", "carpenter" and "blaster".
        let v = n.vote(&w("fizzer"), Voting::default());
        assert!(!v.is_empty());
        assert!(v.iter().all(|x| x.1 < 0.3), "{v:?}");
    }

    #[test]
    fn plurals_and_stop_words_do_not_change_the_vector() {
        assert_eq!(grams(&w("roofers")), grams(&w("roofer")));
        assert_eq!(grams(&w("nannies")), grams(&w("nanny")));
        assert_ne!(grams(&w("glass")), grams(&w("glas")));
        assert_eq!(grams(&w("roofer of the")), grams(&w("roofer")));
        assert_eq!(grams(&w("roofer except carpenter")), grams(&w("roofer")));
        assert!(grams(&w("of")).is_empty());
    }

    #[test]
    fn many_close_titles_outvote_one() {
        // "operator" alone: occupation 3 has two operator titles, 2 has one (and its
        // title is longer, so less close).
        let n = build();
        let v = n.vote(&w("operator"), Voting::default());
        assert_eq!(v[0].0, 3, "{v:?}");
        // Each further title of one occupation counts less: with no decay at all the
        // votes only add up.
        let flat = n.vote(&w("operator"), Voting { k: 50, decay: 1.0 });
        assert_eq!(flat[0].0, 3);
        assert!(flat[1].1 < v[1].1, "{flat:?} {v:?}");
    }

    #[test]
    fn titles_left_out_never_vote_and_unknown_letters_find_nothing() {
        let t = titles();
        let n = Neighbours::build(
            t.iter()
                .map(|(o, ws)| (*o != 0).then_some((*o, ws.as_slice()))),
        );
        let v = n.vote(&w("shingle roofer"), Voting::default());
        assert!(v.iter().all(|x| x.0 != 0), "{v:?}");
        assert!(n.vote(&w("zzzq"), Voting::default()).is_empty());
        assert!(n.nearest(&[], 5).is_empty());
    }
}
