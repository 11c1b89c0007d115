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
        let (post, share) = p.posterior(&q("trolley driver"));
        assert_eq!(share, 1.0);
        // "trolley" is only in occupation 0's titles; "driver" in 1's and 2's content.
        assert_eq!(post[0].0, 0, "{post:?}");
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
