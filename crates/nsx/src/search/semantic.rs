//! The semantic layer: what O*NET's own data says about which words go with which
//! occupation, so a query meets an occupation on the words its titles and work share even
//! when no single title holds the query.
//!
//! Every occupation gets a *profile*: the words of all its titles (official, alternate,
//! reported, short, apprenticeship and CIP programme titles), each title counting once, and,
//! with a smaller weight, the words of its description, tasks and detailed work activities.
//! A query is scored against every profile as a query-likelihood language model with
//! Dirichlet smoothing (how likely the occupation's profile is to produce the query's words),
//! which turns into a posterior over occupations — the chance, under the model, that the
//! query names each one. The profile is learned from the catalog at every index build; no
//! word list is written by hand.

use std::collections::HashMap;

/// How much a word of a title, and of the occupation's content, counts in its profile.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// Each title's words (each title counts once per word).
    pub title: f32,
    /// Each task's, activity's and the description's words.
    pub content: f32,
    /// Dirichlet prior mass: how strongly sparse profiles lean on the whole catalog.
    pub mu: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            title: 1.0,
            content: 0.05,
            mu: 30.0,
        }
    }
}

/// Word profiles of every occupation (built once per index).
#[derive(Debug, Default)]
pub struct Profiles {
    vocab: HashMap<String, u32>,
    /// Per word: (occupation, weight) for the occupations whose profile holds it.
    postings: Vec<Vec<(u32, f32)>>,
    /// Per word: its share of all profile weight.
    background: Vec<f32>,
    /// Per occupation: its profile's total weight.
    len: Vec<f32>,
    mu: f32,
}

/// Builds [`Profiles`].
pub struct ProfileBuilder {
    weights: Weights,
    counts: Vec<HashMap<String, f32>>,
}

impl ProfileBuilder {
    /// A builder for `occupations` occupations.
    pub fn new(occupations: usize, weights: Weights) -> Self {
        ProfileBuilder {
            weights,
            counts: vec![HashMap::new(); occupations],
        }
    }

    fn add(&mut self, occ: u32, stems: &[String], w: f32) {
        let Some(c) = self.counts.get_mut(occ as usize) else {
            return;
        };
        let mut seen: Vec<&str> = Vec::with_capacity(stems.len());
        for s in stems {
            if s.len() < 2 || seen.contains(&s.as_str()) {
                continue;
            }
            seen.push(s);
            *c.entry(s.clone()).or_default() += w;
        }
    }

    /// Adds a title's content-word stems (each counts once in the title).
    pub fn title(&mut self, occ: u32, stems: &[String], kind_weight: f32) {
        self.add(occ, stems, self.weights.title * kind_weight);
    }

    /// Adds the stems of a task, activity or description.
    pub fn content(&mut self, occ: u32, stems: &[String]) {
        self.add(occ, stems, self.weights.content);
    }

    /// The finished profiles.
    pub fn build(self) -> Profiles {
        let mut vocab: HashMap<String, u32> = HashMap::new();
        let mut postings: Vec<Vec<(u32, f32)>> = Vec::new();
        let mut len = vec![0f32; self.counts.len()];
        // Words in a stable order so every node builds the same profiles.
        for (occ, c) in self.counts.into_iter().enumerate() {
            let mut words: Vec<(String, f32)> = c.into_iter().collect();
            words.sort_by(|a, b| a.0.cmp(&b.0));
            for (word, w) in words {
                let next = postings.len() as u32;
                let id = *vocab.entry(word).or_insert(next);
                if id == next {
                    postings.push(Vec::new());
                }
                postings[id as usize].push((occ as u32, w));
                len[occ] += w;
            }
        }
        let total: f32 = len.iter().sum::<f32>().max(1e-6);
        let background = postings
            .iter()
            .map(|p| p.iter().map(|x| x.1).sum::<f32>() / total)
            .collect();
        Profiles {
            vocab,
            postings,
            background,
            len,
            mu: self.weights.mu,
        }
    }
}

/// One query word for the profiles: its stem and how much it counts.
#[derive(Debug, Clone)]
pub struct QueryTerm {
    /// The stem (as indexed).
    pub stem: String,
    /// Its weight in the query (1 for a typed word).
    pub weight: f32,
}

impl Profiles {
    /// Whether any profile holds this stem.
    pub fn knows(&self, stem: &str) -> bool {
        self.vocab.contains_key(stem)
    }

    /// How many occupations hold this stem in their profile.
    pub fn occupations_with(&self, stem: &str) -> usize {
        self.vocab
            .get(stem)
            .map(|&i| self.postings[i as usize].len())
            .unwrap_or(0)
    }

    /// The posterior over occupations for the query's known words, best first, with the
    /// share of the query's weight the profiles knew. Empty when no word is known.
    pub fn posterior(&self, terms: &[QueryTerm]) -> (Vec<(u32, f32)>, f32) {
        let n = self.len.len();
        let known: Vec<(usize, f32)> = terms
            .iter()
            .filter_map(|t| self.vocab.get(&t.stem).map(|&i| (i as usize, t.weight)))
            .collect();
        let all: f32 = terms.iter().map(|t| t.weight).sum();
        if known.is_empty() || n == 0 {
            return (Vec::new(), 0.0);
        }
        let share = known.iter().map(|k| k.1).sum::<f32>() / all.max(1e-6);
        // log p(q | occupation) = Σ w · log((c + μ·p_bg) / (len + μ)); start every
        // occupation at the no-match value and correct the ones that hold each word.
        let mut logp = vec![0f32; n];
        for &(term, w) in &known {
            let prior = self.mu * self.background[term];
            for (o, lp) in logp.iter_mut().enumerate() {
                *lp += w * (prior / (self.len[o] + self.mu)).ln();
            }
            for &(o, c) in &self.postings[term] {
                let o = o as usize;
                let denom = self.len[o] + self.mu;
                logp[o] += w * ((c + prior) / denom).ln() - w * (prior / denom).ln();
            }
        }
        let max = logp.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut post: Vec<(u32, f32)> = logp
            .iter()
            .enumerate()
            .map(|(o, lp)| (o as u32, (lp - max).exp()))
            .collect();
        let z: f32 = post.iter().map(|p| p.1).sum::<f32>().max(1e-12);
        for p in &mut post {
            p.1 /= z;
        }
        post.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        (post, share)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    fn profiles() -> Profiles {
        let mut b = ProfileBuilder::new(3, Weights::default());
        // 0: streetcar and subway operators; 1: bus drivers; 2: dispatchers.
        b.title(0, &stems("streetcar oper"), 1.0);
        b.title(0, &stems("subway oper"), 1.0);
        b.title(0, &stems("trolley oper"), 1.0);
        b.title(1, &stems("bus driver"), 1.0);
        b.title(1, &stems("transit bus oper"), 1.0);
        b.title(2, &stems("dispatch"), 1.0);
        b.title(2, &stems("transit dispatch"), 1.0);
        b.content(2, &stems("radio bus driver locat"));
        b.build()
    }

    fn q(words: &str) -> Vec<QueryTerm> {
        words
            .split(' ')
            .map(|w| QueryTerm {
                stem: w.into(),
                weight: 1.0,
            })
            .collect()
    }

    #[test]
    fn words_an_occupations_titles_share_point_to_it() {
        let p = profiles();
        let (post, share) = p.posterior(&q("trolley streetcar"));
        assert_eq!(share, 1.0);
        // No title holds both words; occupation 0's titles hold each.
        assert_eq!(post[0].0, 0, "{post:?}");
        assert!(post[0].1 > 1.5 * post[1].1, "{post:?}");
        let (post, _) = p.posterior(&q("transit dispatch"));
        assert_eq!(post[0].0, 2);
        let total: f32 = post.iter().map(|x| x.1).sum();
        assert!((total - 1.0).abs() < 1e-4);
    }

    #[test]
    fn unknown_words_are_reported_not_guessed() {
        let p = profiles();
        let (post, share) = p.posterior(&q("zzz"));
        assert!(post.is_empty());
        assert_eq!(share, 0.0);
        let (_, share) = p.posterior(&q("zzz bus"));
        assert_eq!(share, 0.5);
        assert!(p.knows("bus") && !p.knows("zzz"));
        assert_eq!(p.occupations_with("bus"), 2);
    }
}

/// An optional lexical database in WordNet's format (Debian's `wordnet-base` installs it at
/// `/usr/share/wordnet`): nouns, their synonyms and their broader terms. Only `index.noun`
/// and `data.noun` are read; synsets are parsed when a query asks for them.
#[derive(Debug)]
pub struct Lexicon {
    /// Lemma (lower case, `_` between words) → synset offsets, most frequent sense first.
    index: HashMap<String, Vec<u32>>,
    /// `data.noun` as read; a synset's offset is its byte position.
    data: Vec<u8>,
}

/// What a lexical database says about a word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Related {
    /// Other names of the word's most common senses ("private detective" for "gumshoe").
    pub synonyms: Vec<String>,
    /// Broader terms of those senses ("driver" for "cabdriver").
    pub broader: Vec<String>,
}

/// How many of a word's senses are used (the most frequent first).
const SENSES: usize = 2;

impl Lexicon {
    /// Reads `index.noun` and `data.noun` from a WordNet `dict` folder.
    pub fn load(dir: &std::path::Path) -> std::result::Result<Lexicon, String> {
        let read = |name: &str| {
            let p = dir.join(name);
            std::fs::read(&p).map_err(|e| format!("{}: {e}", p.display()))
        };
        let index_bytes = read("index.noun")?;
        let data = read("data.noun")?;
        let text = String::from_utf8_lossy(&index_bytes);
        let mut index = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            if line.starts_with(' ') || line.trim().is_empty() {
                continue; // the licence header
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            // lemma pos synset_cnt p_cnt [ptr…] sense_cnt tagsense_cnt offset…
            let parsed = (|| {
                let synsets: usize = f.get(2)?.parse().ok()?;
                if f.len() < synsets {
                    return None;
                }
                let offsets: Option<Vec<u32>> = f[f.len() - synsets..]
                    .iter()
                    .map(|o| o.parse().ok())
                    .collect();
                offsets
            })();
            match parsed {
                Some(offsets) => {
                    index.insert(f[0].to_string(), offsets);
                }
                None => {
                    return Err(format!(
                        "{}:{}: not a WordNet index line",
                        dir.join("index.noun").display(),
                        n + 1
                    ));
                }
            }
        }
        if index.is_empty() {
            return Err(format!("{}: no entries", dir.join("index.noun").display()));
        }
        Ok(Lexicon { index, data })
    }

    /// How many lemmas it holds.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Bytes held in memory (the data file and the index), roughly.
    pub fn memory_bytes(&self) -> usize {
        self.data.len()
            + self
                .index
                .iter()
                .map(|(k, v)| k.len() + 4 * v.len() + 48)
                .sum::<usize>()
    }

    /// (lemmas, hypernym offsets) of the synset at `offset`.
    fn synset(&self, offset: u32) -> Option<(Vec<String>, Vec<u32>)> {
        let start = offset as usize;
        let rest = self.data.get(start..)?;
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let line = std::str::from_utf8(&rest[..end]).ok()?;
        let head = line.split(" | ").next()?;
        let f: Vec<&str> = head.split_whitespace().collect();
        // offset lex_filenum ss_type w_cnt (word lex_id)… p_cnt (ptr offset pos st)…
        if f.first()?.parse::<u32>().ok()? != offset {
            return None;
        }
        let words = usize::from_str_radix(f.get(3)?, 16).ok()?;
        let lemmas = (0..words)
            .filter_map(|i| f.get(4 + 2 * i))
            .map(|w| {
                // Adjective markers such as "(a)" are not part of the lemma.
                let w = w.split('(').next().unwrap_or(w);
                w.replace('_', " ").to_lowercase()
            })
            .collect();
        let p = 4 + 2 * words;
        let ptrs: usize = f.get(p)?.parse().ok()?;
        let mut hyper = Vec::new();
        for i in 0..ptrs {
            let at = p + 1 + 4 * i;
            let (Some(sym), Some(off), Some(pos)) = (f.get(at), f.get(at + 1), f.get(at + 2))
            else {
                break;
            };
            if (*sym == "@" || *sym == "@i")
                && *pos == "n"
                && let Ok(o) = off.parse()
            {
                hyper.push(o);
            }
        }
        Some((lemmas, hyper))
    }

    fn lookup(&self, word: &str) -> Option<&Vec<u32>> {
        let key = word.replace(' ', "_");
        if let Some(v) = self.index.get(&key) {
            return Some(v);
        }
        // Regular plurals.
        for (suffix, with) in [("ies", "y"), ("es", ""), ("s", "")] {
            if let Some(stem) = key.strip_suffix(suffix)
                && stem.len() >= 3
                && let Some(v) = self.index.get(&format!("{stem}{with}"))
            {
                return Some(v);
            }
        }
        None
    }

    /// Synonyms and broader terms of a word or compound ("private eye"), from its most
    /// common senses. Empty when the database does not know it.
    pub fn related(&self, word: &str) -> Related {
        let mut out = Related::default();
        let Some(offsets) = self.lookup(word) else {
            return out;
        };
        for &o in offsets.iter().take(SENSES) {
            let Some((lemmas, hyper)) = self.synset(o) else {
                continue;
            };
            for l in lemmas {
                if l != word && !out.synonyms.contains(&l) {
                    out.synonyms.push(l);
                }
            }
            for h in hyper {
                if let Some((lemmas, _)) = self.synset(h) {
                    for l in lemmas.into_iter().take(3) {
                        if !out.broader.contains(&l) {
                            out.broader.push(l);
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
pub(crate) mod lexicon_fixture {
    //! A WordNet-format database of a few words, written for tests.

    use std::path::Path;

    /// (offset placeholder key, lemmas, hypernym keys)
    const SYNSETS: &[(&str, &[&str], &[&str])] = &[
        (
            "detective",
            &["private_detective", "private_eye", "gumshoe"],
            &["investigator"],
        ),
        ("investigator", &["investigator"], &[]),
        ("overshoe", &["galosh", "gumshoe"], &[]),
        ("cabdriver", &["cabdriver", "cabby", "cabbie"], &["driver"]),
        ("driver", &["driver"], &[]),
    ];

    /// Writes `index.noun` and `data.noun` into `dir`.
    pub fn write(dir: &Path) {
        // Lines have fixed-width offsets, so compute them in two passes.
        let mut offsets = std::collections::HashMap::new();
        let header = "  1 This is a test database in the WordNet format.\n";
        let mut pos = header.len();
        let line = |off: &std::collections::HashMap<&str, usize>,
                    key: &str,
                    lemmas: &[&str],
                    hyper: &[&str]|
         -> String {
            let o = off.get(key).copied().unwrap_or(0);
            let mut s = format!("{o:08} 18 n {:02x}", lemmas.len());
            for l in lemmas {
                s.push_str(&format!(" {l} 0"));
            }
            s.push_str(&format!(" {:03}", hyper.len()));
            for h in hyper {
                let ho = off.get(h).copied().unwrap_or(0);
                s.push_str(&format!(" @ {ho:08} n 0000"));
            }
            s.push_str(" | a gloss  \n");
            s
        };
        for (key, lemmas, hyper) in SYNSETS {
            offsets.insert(*key, pos);
            pos += line(&offsets, key, lemmas, hyper).len();
        }
        let mut data = header.to_string();
        for (key, lemmas, hyper) in SYNSETS {
            data.push_str(&line(&offsets, key, lemmas, hyper));
        }
        let mut senses: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (key, lemmas, _) in SYNSETS {
            for l in *lemmas {
                senses.entry(l).or_default().push(offsets[key]);
            }
        }
        let mut index = header.to_string();
        for (lemma, offs) in senses {
            let list: Vec<String> = offs.iter().map(|o| format!("{o:08}")).collect();
            index.push_str(&format!(
                "{lemma} n {} 1 @ {} 0 {}  \n",
                offs.len(),
                offs.len(),
                list.join(" ")
            ));
        }
        std::fs::write(dir.join("data.noun"), data).expect("data.noun");
        std::fs::write(dir.join("index.noun"), index).expect("index.noun");
    }
}

#[cfg(test)]
mod lexicon_tests {
    use super::*;

    #[test]
    fn synonyms_and_broader_terms_of_the_common_senses() {
        let dir = tempfile::tempdir().unwrap();
        lexicon_fixture::write(dir.path());
        let lx = Lexicon::load(dir.path()).unwrap();
        assert!(lx.len() >= 8 && !lx.is_empty());
        let r = lx.related("gumshoe");
        assert!(
            r.synonyms.contains(&"private detective".to_string()),
            "{r:?}"
        );
        assert!(r.synonyms.contains(&"galosh".to_string()), "{r:?}");
        assert_eq!(r.broader, vec!["investigator".to_string()]);
        let r = lx.related("cabbies");
        assert!(r.synonyms.contains(&"cabdriver".to_string()), "{r:?}");
        assert_eq!(r.broader, vec!["driver".to_string()]);
        assert_eq!(lx.related("private eye").broader, vec!["investigator"]);
        assert_eq!(lx.related("nothing"), Related::default());
    }

    #[test]
    fn a_broken_database_is_refused_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let e = Lexicon::load(dir.path()).unwrap_err();
        assert!(e.contains("index.noun"), "{e}");
        std::fs::write(dir.path().join("index.noun"), "gumshoe n x\n").unwrap();
        std::fs::write(dir.path().join("data.noun"), "").unwrap();
        let e = Lexicon::load(dir.path()).unwrap_err();
        assert!(e.contains("index.noun:1"), "{e}");
    }
}
