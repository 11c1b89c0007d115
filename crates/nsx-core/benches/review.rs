//! Results of a call for input: 500 reviewers × 100 statements.
//!
//! ```sh
//! cargo bench -p nsx-core --bench review
//! ```
//!
//! The case is what a large call's results page aggregates: 500 reviewers of the six
//! stakeholder types, spread over 20 NAICS sectors (one in ten gives none), each answering
//! every one of 100 statements (a stance, an importance, a frequency for the technical
//! ones, a comment on one in eight), so 50,000 responses. [`aggregate`] counts them
//! overall, by stakeholder type and by sector, and raises the consensus flags.
//!
//! Baseline, in the same run on the same responses: `stance counts`, a single pass that
//! only counts keep/change/remove per statement into an array, the least any results page
//! does.
//!
//! First a direct timing of every call on its own (p50, p99, maximum on the wall clock and
//! the thread's CPU clock), then criterion's estimates of the same cases.

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use nsx_core::review::{ResponseFact, StakeholderType, Stance, Thresholds, aggregate};

mod timing;
use timing::percentiles;

const REVIEWERS: usize = 500;
const STATEMENTS: usize = 100;
const SECTORS: [&str; 20] = [
    "11", "21", "22", "23", "31-33", "42", "44-45", "48-49", "51", "52", "53", "54", "55", "56",
    "61", "62", "71", "72", "81", "92",
];

/// A small deterministic generator (xorshift), so every run measures the same responses.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn responses(rng: &mut Rng) -> Vec<ResponseFact> {
    let mut out = Vec::with_capacity(REVIEWERS * STATEMENTS);
    for _ in 0..REVIEWERS {
        let stakeholder = StakeholderType::ALL[rng.below(StakeholderType::ALL.len())];
        let sector = match rng.below(10) {
            0 => None,
            _ => Some(SECTORS[rng.below(SECTORS.len())].to_string()),
        };
        for statement in 0..STATEMENTS {
            let technical = statement < 60;
            out.push(ResponseFact {
                statement,
                stakeholder,
                sector: sector.clone(),
                stance: Some(match rng.below(10) {
                    0..=6 => Stance::Keep,
                    7 | 8 => Stance::Change,
                    _ => Stance::Remove,
                }),
                importance: Some(1 + rng.below(5) as u8),
                frequency: technical.then(|| 1 + rng.below(5) as u8),
                commented: rng.below(8) == 0,
            });
        }
    }
    out
}

fn stance_counts(statements: usize, facts: &[ResponseFact]) -> Vec<[u32; 3]> {
    let mut out = vec![[0u32; 3]; statements];
    for f in facts {
        if let (Some(c), Some(s)) = (out.get_mut(f.statement), f.stance) {
            c[match s {
                Stance::Keep => 0,
                Stance::Change => 1,
                Stance::Remove => 2,
            }] += 1;
        }
    }
    out
}

fn main() {
    let facts = responses(&mut Rng(0x5eed_0500_0100_0001));
    let t = Thresholds::default();

    // Check the case answers the real thing before timing it: every response counted once
    // overall, once by type and once by sector, and the baseline agrees.
    let results = aggregate(STATEMENTS, &facts, &t);
    let overall: u32 = results.iter().map(|r| r.overall.respondents).sum();
    let by_type: u32 = results
        .iter()
        .flat_map(|r| r.by_type.values())
        .map(|t| t.respondents)
        .sum();
    let by_sector: u32 = results
        .iter()
        .flat_map(|r| r.by_sector.values())
        .map(|t| t.respondents)
        .sum();
    let flags: usize = results.iter().map(|r| r.flags.len()).sum();
    assert_eq!(overall as usize, REVIEWERS * STATEMENTS);
    assert_eq!((by_type, by_sector), (overall, overall));
    let counts = stance_counts(STATEMENTS, &facts);
    for (r, c) in results.iter().zip(&counts) {
        assert_eq!([r.overall.keep, r.overall.change, r.overall.remove], *c);
    }
    println!(
        "{} responses ({REVIEWERS} reviewers × {STATEMENTS} statements): {overall} counted overall, by type and by sector; {flags} flags",
        facts.len()
    );

    const N: usize = 1_000;
    percentiles("aggregate", N, || {
        black_box(aggregate(STATEMENTS, black_box(&facts), &t));
    });
    percentiles("baseline stance counts", N, || {
        black_box(stance_counts(STATEMENTS, black_box(&facts)));
    });

    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut g = c.benchmark_group("results_500x100");
    g.bench_function("aggregate", |b| {
        b.iter(|| aggregate(STATEMENTS, black_box(&facts), &t))
    });
    g.bench_function("baseline stance counts", |b| {
        b.iter(|| stance_counts(STATEMENTS, black_box(&facts)))
    });
    g.finish();
    c.final_summary();
}
