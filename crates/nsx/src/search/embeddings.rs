//! Word embeddings for search: an optional table of word vectors, distilled from a
//! sentence-embedding model, that lets a query meet titles on meaning ("streetcar
//! dispatcher" and "Railroad Dispatcher", "burger flipper" and "Fast Food Cook") when they
//! share neither words nor letters.
//!
//! The table is made once, offline, by `scripts/add-embeddings` (see `docs/search.md`): it
//! runs the model over every word piece of the model's own vocabulary, one at a time, and
//! keeps each output vector. At run time no model runs:
//! a text's vector is the rarity-weighted mean of its words' vectors (a word the table lacks
//! is spelled from its word pieces), scaled to unit length. Every title of the catalog gets
//! one at index build; a query's nearest titles (cosine) vote for their occupations.
//!
//! The table is a folder holding `words.txt` (one entry per line: a word, or a word piece
//! such as `##ing` that continues a word) and `vectors.safetensors` with `vectors`
//! (8-bit integers, one row per entry) and `scales` (one 32-bit float per row: the row's
//! value is its integers times its scale).

use std::collections::HashMap;
use std::path::Path;

use nsx_core::search::is_stopword;

/// Longest word spelled from pieces; longer ones are not words a title holds.
const MAX_WORD_CHARS: usize = 40;
/// Fewest letters per word piece, on average, of a word spelt from pieces.
const MIN_CHARS_PER_PIECE: f32 = 2.0;
/// Most values a table's vectors may have (the model's have 384).
const MAX_DIM: usize = 4096;

/// A word-vector table (see the module docs).
pub struct Embeddings {
    dim: usize,
    index: HashMap<String, u32>,
    values: Vec<i8>,
    scales: Vec<f32>,
    /// Longest entry in bytes, for spelling a word from pieces.
    longest: usize,
}

impl std::fmt::Debug for Embeddings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embeddings")
            .field("entries", &self.len())
            .field("dim", &self.dim)
            .finish()
    }
}

/// Why a table could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file is missing or unreadable.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What went wrong.
        source: std::io::Error,
    },
    /// The files are there but do not hold a table.
    #[error("{path}: {what}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong with it.
        what: String,
    },
}

impl Embeddings {
    /// Reads a table folder (`words.txt`, `vectors.safetensors`).
    pub fn load(dir: &Path) -> Result<Embeddings, LoadError> {
        let words_path = dir.join("words.txt");
        let vectors_path = dir.join("vectors.safetensors");
        let io = |path: &Path| {
            let p = path.display().to_string();
            move |source| LoadError::Io { path: p, source }
        };
        let words = std::fs::read_to_string(&words_path).map_err(io(&words_path))?;
        let bytes = std::fs::read(&vectors_path).map_err(io(&vectors_path))?;
        let bad = |what: String| LoadError::Format {
            path: vectors_path.display().to_string(),
            what,
        };
        let st = safetensors::SafeTensors::deserialize(&bytes)
            .map_err(|e| bad(format!("not a safetensors file: {e}")))?;
        let vectors = st
            .tensor("vectors")
            .map_err(|_| bad("no tensor named \"vectors\"".into()))?;
        let scales = st
            .tensor("scales")
            .map_err(|_| bad("no tensor named \"scales\"".into()))?;
        if vectors.dtype() != safetensors::Dtype::I8 || scales.dtype() != safetensors::Dtype::F32 {
            return Err(bad(
                "\"vectors\" must hold 8-bit integers and \"scales\" 32-bit floats".into(),
            ));
        }
        let &[rows, dim] = vectors.shape() else {
            return Err(bad("\"vectors\" must be a matrix".into()));
        };
        let entries: Vec<&str> = words.lines().collect();
        if rows == 0 || dim == 0 || dim > MAX_DIM {
            return Err(bad(format!(
                "{rows} vectors of {dim} values: expected at least one vector of 1 to {MAX_DIM} values"
            )));
        }
        if rows != entries.len() || scales.shape() != [rows] {
            return Err(bad(format!(
                "{rows} vectors of {dim} values and {} scales for {} words in words.txt",
                scales.shape().first().copied().unwrap_or(0),
                entries.len()
            )));
        }
        let values: Vec<i8> = vectors.data().iter().map(|b| *b as i8).collect();
        let scales: Vec<f32> = scales
            .data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if let Some(i) = scales.iter().position(|s| !s.is_finite()) {
            return Err(bad(format!(
                "the scale of row {} ({:?}) is not a finite number",
                i + 1,
                entries[i]
            )));
        }
        let mut index = HashMap::with_capacity(rows);
        let mut longest = 0;
        for (i, w) in entries.iter().enumerate() {
            longest = longest.max(w.len());
            index.entry(w.to_string()).or_insert(i as u32);
        }
        Ok(Embeddings {
            dim,
            index,
            values,
            scales,
            longest,
        })
    }

    /// Entries in the table.
    pub fn len(&self) -> usize {
        self.scales.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    /// Values per vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Bytes the table holds in memory (vectors, scales and the word index).
    pub fn memory_bytes(&self) -> usize {
        self.values.len()
            + self.scales.len() * 4
            + self
                .index
                .keys()
                .map(|k| k.len() + std::mem::size_of::<(String, u32)>())
                .sum::<usize>()
    }

    fn add_row(&self, row: u32, weight: f32, out: &mut [f32]) {
        let r = row as usize;
        let s = self.scales[r] * weight;
        for (o, v) in out
            .iter_mut()
            .zip(&self.values[r * self.dim..(r + 1) * self.dim])
        {
            *o += s * f32::from(*v);
        }
    }

    /// The rows that spell `word`: the word itself, its singular, or its word pieces
    /// (longest first, as the model's own tokenizer splits it). Empty when it cannot be
    /// spelled.
    pub fn rows_of(&self, word: &str) -> Vec<u32> {
        if let Some(r) = self.index.get(word) {
            return vec![*r];
        }
        if let Some(stem) = word.strip_suffix('s')
            && stem.len() > 2
            && !stem.ends_with('s')
            && let Some(r) = self.index.get(stem)
        {
            return vec![*r];
        }
        if word.chars().count() > MAX_WORD_CHARS {
            return Vec::new();
        }
        // Greedy longest match over the word pieces (`##` marks a piece that continues).
        let mut rows = Vec::new();
        let mut start = 0;
        let mut piece = String::with_capacity(self.longest + 2);
        while start < word.len() {
            let mut end = word.len().min(start + self.longest);
            let mut found = None;
            while end > start {
                if word.is_char_boundary(end) {
                    piece.clear();
                    if start > 0 {
                        piece.push_str("##");
                    }
                    piece.push_str(&word[start..end]);
                    if let Some(r) = self.index.get(piece.as_str()) {
                        found = Some(*r);
                        break;
                    }
                }
                end -= 1;
            }
            let Some(r) = found else {
                return Vec::new();
            };
            rows.push(r);
            start = end;
        }
        // Any string of letters can be spelt from one-letter pieces ("zzqqxxw"); a word
        // the model knows comes in longer ones.
        if (word.chars().count() as f32) < MIN_CHARS_PER_PIECE * rows.len() as f32 {
            return Vec::new();
        }
        rows
    }

    /// The unit vector of a text's words, each weighted by `weight` (its rarity), or `None`
    /// when the table spells none of them.
    pub fn text_vector(&self, words: &[String], weight: impl Fn(&str) -> f32) -> Option<Vec<f32>> {
        let mut v = vec![0f32; self.dim];
        let mut any = false;
        let mut part = vec![0f32; self.dim];
        for w in words {
            if w.len() < 2 || is_stopword(w) {
                continue;
            }
            let rows = self.rows_of(w);
            if rows.is_empty() {
                continue;
            }
            // A word spelled from pieces is the mean of its pieces' unit vectors.
            part.iter_mut().for_each(|x| *x = 0.0);
            for r in &rows {
                self.add_row(*r, 1.0, &mut part);
            }
            let n = norm(&part);
            if n <= 0.0 {
                continue;
            }
            let k = weight(w) / n;
            for (o, p) in v.iter_mut().zip(&part) {
                *o += k * p;
            }
            any = true;
        }
        let n = norm(&v);
        if !any || n <= 0.0 {
            return None;
        }
        v.iter_mut().for_each(|x| *x /= n);
        Some(v)
    }
}

fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

/// The vectors of the catalog's titles, for finding the titles nearest in meaning to a
/// query. Titles with the same words share one vector; vectors are kept as 8-bit integers
/// with a scale each (a quarter of the memory), and as one bit per value (whether it lies
/// above the titles' mean), so a query first ranks every title by how many bits it shares
/// (a few bytes a title) and computes the cosine of the best [`RESCORED`] alone.
#[derive(Debug, Default)]
pub struct TitleVectors {
    dim: usize,
    /// The distinct vectors, one after another.
    values: Vec<i8>,
    /// Per distinct vector: its scale.
    scales: Vec<f32>,
    /// Per distinct vector: its bits ([`TitleVectors::words`] 64-bit words each).
    bits: Vec<u64>,
    /// The mean of the distinct vectors (where a bit turns on).
    mean: Vec<f32>,
    /// Per distinct vector: the titles that have it.
    titles: Vec<Vec<u32>>,
    /// Per title: its occupation, or none when it has no vector.
    occ: Vec<Option<u32>>,
    /// In how many titles each word appears, for weighting a query's words.
    df: HashMap<String, u32>,
    /// Titles with a vector.
    total: u32,
}

/// Titles whose cosine a query computes, chosen by shared bits.
const RESCORED: usize = 1000;

impl TitleVectors {
    /// Vectors for `titles` (each: its occupation and words, or `None` for a title that is
    /// not to be found this way), words weighted by their rarity among the titles.
    pub fn build<'a>(
        table: &Embeddings,
        titles: impl IntoIterator<Item = Option<(u32, &'a [String])>> + Clone,
    ) -> TitleVectors {
        let mut df: HashMap<String, u32> = HashMap::new();
        let mut total = 0u32;
        for (_, words) in titles.clone().into_iter().flatten() {
            total += 1;
            let mut seen: Vec<&str> = Vec::new();
            for w in words {
                if !seen.contains(&w.as_str()) {
                    seen.push(w);
                    *df.entry(w.clone()).or_default() += 1;
                }
            }
        }
        let mut tv = TitleVectors {
            dim: table.dim(),
            df,
            total,
            ..TitleVectors::default()
        };
        let mut by_words: HashMap<&'a [String], Option<u32>> = HashMap::new();
        for (i, t) in titles.into_iter().enumerate() {
            let Some((o, words)) = t else {
                tv.occ.push(None);
                continue;
            };
            let slot = *by_words.entry(words).or_insert_with(|| {
                let v = table.text_vector(words, |w| tv.idf(w))?;
                let max = v.iter().fold(0f32, |m, x| m.max(x.abs())).max(1e-12);
                let scale = max / 127.0;
                tv.values.extend(
                    v.iter()
                        .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8),
                );
                tv.scales.push(scale);
                tv.titles.push(Vec::new());
                tv.mean.resize(v.len(), 0.0);
                for (m, x) in tv.mean.iter_mut().zip(&v) {
                    *m += x;
                }
                Some(tv.scales.len() as u32 - 1)
            });
            match slot {
                Some(s) => {
                    tv.titles[s as usize].push(i as u32);
                    tv.occ.push(Some(o));
                }
                None => tv.occ.push(None),
            }
        }
        let n = tv.scales.len().max(1) as f32;
        tv.mean.iter_mut().for_each(|m| *m /= n);
        let mut v = vec![0f32; tv.dim];
        for (row, scale) in tv.values.chunks_exact(tv.dim.max(1)).zip(&tv.scales) {
            for (o, x) in v.iter_mut().zip(row) {
                *o = scale * f32::from(*x);
            }
            let b = tv.bits_of(&v);
            tv.bits.extend(b);
        }
        tv
    }

    /// 64-bit words per vector's bits.
    fn words(&self) -> usize {
        self.dim.div_ceil(64)
    }

    /// A vector's bits: which values lie above the titles' mean.
    fn bits_of(&self, v: &[f32]) -> Vec<u64> {
        let mut out = vec![0u64; self.words()];
        for (i, (x, m)) in v.iter().zip(&self.mean).enumerate() {
            if x > m {
                out[i / 64] |= 1 << (i % 64);
            }
        }
        out
    }

    fn idf(&self, word: &str) -> f32 {
        let df = self.df.get(word).copied().unwrap_or(0) as f32;
        ((self.total as f32 + 1.0) / (df + 1.0)).ln() + 1.0
    }

    /// Titles with a vector.
    pub fn len(&self) -> usize {
        self.occ.iter().filter(|o| o.is_some()).count()
    }

    /// Whether no title has a vector.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Distinct vectors (titles with the same words share one).
    pub fn distinct(&self) -> usize {
        self.scales.len()
    }

    /// Bytes of the title vectors and their bookkeeping.
    pub fn memory_bytes(&self) -> usize {
        self.values.len()
            + self.scales.len() * 4
            + self.bits.len() * 8
            + self.mean.len() * 4
            + self.titles.iter().map(|t| t.len() * 4 + 24).sum::<usize>()
            + self.occ.len() * 8
    }

    /// The occupation of a title with a vector.
    pub fn occupation(&self, title: u32) -> Option<u32> {
        self.occ.get(title as usize).copied().flatten()
    }

    /// The titles nearest in meaning to a query's words: (title, cosine), closest first,
    /// from the `k` nearest distinct vectors (titles sharing a vector come together). Empty
    /// when the table spells none of the words.
    pub fn nearest(&self, table: &Embeddings, words: &[String], k: usize) -> Vec<(u32, f32)> {
        if self.dim == 0 || self.dim != table.dim() || k == 0 || self.scales.is_empty() {
            return Vec::new();
        }
        let Some(q) = table.text_vector(words, |w| self.idf(w)) else {
            return Vec::new();
        };
        // Every distinct vector by bits shared with the query (ties by vector number, so
        // every node ranks alike), then the cosine of the best.
        let qb = self.bits_of(&q);
        let w = self.words();
        let mut shared: Vec<(u32, u32)> = self
            .bits
            .chunks_exact(w)
            .enumerate()
            .map(|(n, b)| {
                let same: u32 = b
                    .iter()
                    .zip(&qb)
                    .map(|(x, y)| (!(x ^ y)).count_ones())
                    .sum();
                (n as u32, same)
            })
            .collect();
        let by_bits = |a: &(u32, u32), b: &(u32, u32)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
        if shared.len() > RESCORED {
            shared.select_nth_unstable_by(RESCORED - 1, by_bits);
            shared.truncate(RESCORED);
        }
        let mut v: Vec<(u32, f32)> = shared
            .into_iter()
            .map(|(n, _)| {
                let i = n as usize;
                let row = &self.values[i * self.dim..(i + 1) * self.dim];
                (n, self.scales[i] * dot_i8(row, &q))
            })
            .collect();
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if v.len() > k {
            v.select_nth_unstable_by(k - 1, order);
            v.truncate(k);
        }
        v.sort_by(order);
        v.into_iter()
            .flat_map(|(n, sim)| self.titles[n as usize].iter().map(move |t| (*t, sim)))
            .collect()
    }
}

/// The dot product of 8-bit integers and floats, in eight lanes the compiler can run side
/// by side.
fn dot_i8(a: &[i8], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ac, ar) = a.split_at(a.len() - a.len() % 8);
    let (bc, br) = b.split_at(ac.len());
    for (x, y) in ac.chunks_exact(8).zip(bc.chunks_exact(8)) {
        for i in 0..8 {
            acc[i] += f32::from(x[i]) * y[i];
        }
    }
    let tail: f32 = ar.iter().zip(br).map(|(x, y)| f32::from(*x) * y).sum();
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A tiny table written the way `scripts/add-embeddings` writes one.

    use std::path::Path;

    /// Writes `entries` (word, vector) as a table folder.
    pub fn write(dir: &Path, entries: &[(&str, Vec<f32>)]) {
        let mut values: Vec<i8> = Vec::new();
        let mut scales: Vec<f32> = Vec::new();
        for (_, v) in entries {
            let max = v.iter().fold(0f32, |m, x| m.max(x.abs())).max(1e-9);
            let s = max / 127.0;
            values.extend(v.iter().map(|x| (x / s).round() as i8));
            scales.push(s);
        }
        let words: Vec<&str> = entries.iter().map(|e| e.0).collect();
        write_raw(dir, &words, entries[0].1.len(), &values, &scales);
    }

    /// Writes a table of 8-bit rows and their scales as they are.
    pub fn write_raw(dir: &Path, words: &[&str], dim: usize, values: &[i8], scales: &[f32]) {
        let values: Vec<u8> = values.iter().map(|v| *v as u8).collect();
        let scales: Vec<u8> = scales.iter().flat_map(|s| s.to_le_bytes()).collect();
        let entries = words;
        let words: String = words.iter().map(|w| format!("{w}\n")).collect();
        std::fs::write(dir.join("words.txt"), words).unwrap();
        let tensors = [
            (
                "vectors",
                safetensors::tensor::TensorView::new(
                    safetensors::Dtype::I8,
                    vec![entries.len(), dim],
                    &values,
                )
                .unwrap(),
            ),
            (
                "scales",
                safetensors::tensor::TensorView::new(
                    safetensors::Dtype::F32,
                    vec![entries.len()],
                    &scales,
                )
                .unwrap(),
            ),
        ];
        safetensors::serialize_to_file(tensors, None, &dir.join("vectors.safetensors")).unwrap();
    }

    /// A table where dispatching, streetcars and trains lie close, and cooking apart.
    pub fn small(dir: &Path) {
        write(
            dir,
            &[
                ("dispatcher", vec![1.0, 0.0, 0.0, 0.1]),
                ("streetcar", vec![0.0, 1.0, 0.1, 0.0]),
                ("railroad", vec![0.1, 0.9, 0.2, 0.0]),
                ("train", vec![0.0, 0.95, 0.1, 0.0]),
                ("cook", vec![0.0, 0.0, 0.0, 1.0]),
                ("burger", vec![0.0, 0.0, 0.3, 0.9]),
                ("flip", vec![0.0, 0.1, 0.2, 0.8]),
                ("##per", vec![0.0, 0.0, 0.5, 0.5]),
                ("z", vec![0.5, 0.5, 0.0, 0.0]),
                ("##q", vec![0.0, 0.5, 0.5, 0.0]),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn table() -> (tempfile::TempDir, Embeddings) {
        let dir = tempfile::tempdir().unwrap();
        fixture::small(dir.path());
        let t = Embeddings::load(dir.path()).unwrap();
        (dir, t)
    }

    #[test]
    fn a_word_is_found_whole_as_a_singular_or_spelled_from_pieces() {
        let (_d, t) = table();
        assert_eq!(t.rows_of("cook"), vec![4]);
        assert_eq!(t.rows_of("cooks"), vec![4]);
        assert_eq!(t.rows_of("flipper"), vec![6, 7]);
        assert!(t.rows_of("zzz").is_empty());
        // Words the table cannot spell, whatever their letters, are no words to it.
        for odd in ["café", "c#", "c++", "日本", "dispatcher日"] {
            assert!(t.rows_of(odd).is_empty(), "{odd}");
        }
        assert_eq!(t.rows_of("dispatchers"), vec![0]);
        // Spelt from one-letter pieces: no word.
        assert!(t.rows_of("zqqq").is_empty());
        assert_eq!(t.len(), 10);
        assert_eq!(t.dim(), 4);
    }

    #[test]
    fn titles_nearest_in_meaning_come_first_whatever_their_words() {
        let (_d, t) = table();
        let titles = [
            (0u32, w("railroad dispatcher")),
            (1, w("cook")),
            (2, w("train dispatcher")),
        ];
        let tv = TitleVectors::build(&t, titles.iter().map(|(o, ws)| Some((*o, ws.as_slice()))));
        assert_eq!(tv.len(), 3);
        let near = tv.nearest(&t, &w("streetcar dispatcher"), 2);
        assert_eq!(near.len(), 2);
        assert!(near.iter().all(|n| n.0 != 1), "{near:?}");
        let near = tv.nearest(&t, &w("burger flipper"), 1);
        assert_eq!(tv.occupation(near[0].0), Some(1));
        assert!(tv.nearest(&t, &w("zzz qqq"), 3).is_empty());
    }

    #[test]
    fn the_bit_sketch_keeps_the_nearest_titles_of_a_large_catalog() {
        // 60 words of random direction, 1,770 titles of two words each: more than the
        // sketch lets through to the cosine, so the shortlist is exercised.
        let dir = tempfile::tempdir().unwrap();
        let mut seed = 7u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) as f32 / (1u64 << 31) as f32) - 0.5
        };
        let names: Vec<String> = (0..60).map(|i| format!("w{i:02}")).collect();
        let entries: Vec<(&str, Vec<f32>)> = names
            .iter()
            .map(|n| (n.as_str(), (0..48).map(|_| rnd()).collect()))
            .collect();
        fixture::write(dir.path(), &entries);
        let t = Embeddings::load(dir.path()).unwrap();
        let mut titles = Vec::new();
        for a in 0..60 {
            for b in a + 1..60 {
                titles.push(vec![names[a].clone(), names[b].clone()]);
            }
        }
        assert!(titles.len() > RESCORED);
        let tv = TitleVectors::build(
            &t,
            titles
                .iter()
                .enumerate()
                .map(|(i, ws)| Some((i as u32, ws.as_slice()))),
        );
        assert_eq!(tv.distinct(), titles.len());
        for q in [w("w03 w41"), w("w10"), w("w58 w07 w22")] {
            let got: Vec<u32> = tv.nearest(&t, &q, 10).into_iter().map(|n| n.0).collect();
            // Every title's cosine, in full.
            let qv = t.text_vector(&q, |x| tv.idf(x)).unwrap();
            let mut all: Vec<(u32, f32)> = (0..tv.distinct())
                .map(|n| {
                    let row = &tv.values[n * tv.dim..(n + 1) * tv.dim];
                    (n as u32, tv.scales[n] * dot_i8(row, &qv))
                })
                .collect();
            all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let want: Vec<u32> = all.iter().take(10).map(|a| a.0).collect();
            assert_eq!(got, want, "{q:?}");
        }
    }

    #[test]
    fn a_broken_table_says_what_is_wrong_and_where() {
        let dir = tempfile::tempdir().unwrap();
        let e = Embeddings::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("words.txt"), "{e}");
        fixture::small(dir.path());
        std::fs::write(dir.path().join("words.txt"), "one\ntwo\n").unwrap();
        let e = Embeddings::load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("vectors.safetensors") && e.contains("2 words"),
            "{e}"
        );
        fixture::write_raw(dir.path(), &["one"], 2, &[1, 2], &[f32::NAN]);
        let e = Embeddings::load(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("row 1") && e.contains("not a finite number"),
            "{e}"
        );
        std::fs::write(dir.path().join("vectors.safetensors"), b"not a table").unwrap();
        let e = Embeddings::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("not a safetensors file"), "{e}");
    }
}
