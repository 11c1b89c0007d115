//! Diff of two 100-statement framework versions.
//!
//! ```sh
//! cargo bench -p nsx-core --bench diff
//! ```
//!
//! First a direct timing of 20,000 calls of each case (every call timed on its own, so
//! the p50, p99 and maximum are real percentiles), on the wall clock and on the thread's
//! CPU clock (which leaves out the time the thread waited while other processes ran, the
//! whole tail on a busy shared machine), then criterion's estimates of the same cases. Two cases for the diff:
//!
//! - `edited`: what an editor's round of changes looks like — 10 statements reworded,
//!   5 moved to another level, 3 pairs swapped within their level, 5 added, 5 removed, 5 with a citation added,
//!   the context paragraph changed; item ids kept.
//! - `redrafted`: the same changes, but every statement of the newer version has a new
//!   item id, so every pair must be found by text (the worst case for pairing).
//!
//! Baselines, measured in the same run on the same two versions:
//!
//! - `line diff`: `similar`'s line diff of the two versions written out as text (one line
//!   per statement: location, subject, performance, citations), what a plain file diff
//!   of two exports would do;
//! - `id sets`: the set of item ids added and removed (a `HashSet` difference), the least
//!   any comparison of versions does.

use std::collections::HashSet;
use std::hint::black_box;
use std::time::Duration;

mod timing;
use timing::percentiles;

use criterion::Criterion;
use nsx_core::frameworks::diff::{Content, Item, diff};
use nsx_core::frameworks::{
    Citation, DurableDomain, DurableLevel, Level, Locator, MasteryLevel, Section, Statement,
};
use uuid::Uuid;

const VOCABULARY: &[&str] = &[
    "inspects",
    "wiring",
    "motors",
    "under",
    "supervision",
    "records",
    "faults",
    "maintenance",
    "log",
    "replaces",
    "worn",
    "bearings",
    "calibrates",
    "sensors",
    "tolerance",
    "plans",
    "preventive",
    "work",
    "team",
    "technicians",
    "reviews",
    "safety",
    "procedures",
    "staff",
    "programs",
    "controllers",
    "ladder",
    "logic",
    "tests",
    "hydraulic",
    "pneumatic",
    "circuits",
    "drawings",
    "schematics",
    "assemblies",
    "torque",
    "fasteners",
    "specification",
    "vendor",
    "documentation",
];

/// A small deterministic generator (xorshift), so every run diffs the same versions.
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
    fn words(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| VOCABULARY[self.below(VOCABULARY.len())])
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn citation(task_id: i64) -> Citation {
    Citation {
        source: "onet".into(),
        release: "30.1".into(),
        locator: Locator::Task { task_id },
        text: format!("Task {task_id} of the occupation, as the source words it."),
        value: Some(3.5),
    }
}

/// 100 statements shaped like a drafted framework: 60 technical over four levels, 30
/// durable over three domains, 10 AI usage; each with 2–4 citations.
fn older(rng: &mut Rng) -> Content {
    let mut items = Vec::with_capacity(100);
    let mut push = |section, domain, level, order, rng: &mut Rng| {
        let n = items.len() as i64;
        items.push(Item {
            item_id: Uuid::from_u128(n as u128 + 1),
            statement: Statement {
                section,
                domain,
                level,
                order,
                subject: rng.words(2),
                performance: format!("{} to {}", rng.words(12), rng.words(8)),
                citations: (0..2 + rng.below(3))
                    .map(|k| citation(n * 10 + k as i64))
                    .collect(),
            },
        });
    };
    for m in MasteryLevel::ALL {
        for o in 1..=15 {
            push(Section::Technical, None, Level::Mastery(m), o, rng);
        }
    }
    for d in &DurableDomain::ALL[..3] {
        for l in DurableLevel::ALL {
            let n = if l == DurableLevel::Emerging { 4 } else { 2 };
            for o in 1..=n {
                push(Section::Durable, Some(*d), Level::Durable(l), o, rng);
            }
        }
    }
    for m in MasteryLevel::ALL {
        let n = if m.rank() < 2 { 3 } else { 2 };
        for o in 1..=n {
            push(Section::AiUsage, None, Level::Mastery(m), o, rng);
        }
    }
    Content {
        context: rng.words(60),
        items,
    }
}

/// Renumbers each section, domain and level 1, 2, 3… in list order.
fn settle(items: &mut [Item]) {
    items.sort_by_key(|it| {
        (
            it.statement.section,
            it.statement.domain,
            it.statement.level,
        )
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

/// The newer version: an editor's round of changes to `a`.
fn newer(a: &Content, rng: &mut Rng, new_ids: bool) -> Content {
    let mut b = a.clone();
    b.context = format!("{} {}", a.context, rng.words(5));
    // 10 reworded: two words of the performance changed.
    for k in 0..10 {
        let s = &mut b.items[k * 9 + 1].statement;
        let mut w: Vec<String> = s.performance.split(' ').map(str::to_string).collect();
        w[3] = rng.words(1);
        w[8] = rng.words(1);
        s.performance = w.join(" ");
    }
    // 5 moved to the next mastery level.
    for k in 0..5 {
        let s = &mut b.items[k * 11 + 3].statement;
        if let Level::Mastery(m) = s.level {
            s.level = Level::Mastery(MasteryLevel::ALL[(m.rank() as usize + 1) % 4]);
        }
    }
    // 5 with a citation added.
    for k in 0..5 {
        b.items[k * 13 + 5]
            .statement
            .citations
            .push(citation(9_000 + k as i64));
    }
    // 3 reordered within their level.
    for at in [2, 17, 50] {
        b.items.swap(at, at + 4);
    }
    // 5 removed (none of the statements changed above), 5 added.
    for at in [95, 78, 60, 33, 16] {
        b.items.remove(at);
    }
    for k in 0..5 {
        let level = Level::Mastery(MasteryLevel::ALL[k % 4]);
        b.items.push(Item {
            item_id: Uuid::from_u128(5_000 + k as u128),
            statement: Statement {
                section: Section::Technical,
                domain: None,
                level,
                order: 0,
                subject: rng.words(2),
                performance: format!("{} to {}", rng.words(12), rng.words(8)),
                citations: vec![citation(8_000 + k as i64)],
            },
        });
    }
    settle(&mut b.items);
    if new_ids {
        for (k, it) in b.items.iter_mut().enumerate() {
            it.item_id = Uuid::from_u128(100_000 + k as u128);
        }
    }
    b
}

fn as_text(c: &Content) -> String {
    let mut s = c.context.clone();
    s.push('\n');
    for it in &c.items {
        let st = &it.statement;
        s.push_str(&st.location());
        s.push('\t');
        s.push_str(&st.full_text());
        for c in &st.citations {
            s.push('\t');
            s.push_str(&c.locator.short());
        }
        s.push('\n');
    }
    s
}

fn line_diff(a: &str, b: &str) -> usize {
    similar::TextDiff::from_lines(a, b)
        .ops()
        .iter()
        .filter(|o| o.tag() != similar::DiffTag::Equal)
        .count()
}

fn id_sets(a: &Content, b: &Content) -> (usize, usize) {
    let x: HashSet<Uuid> = a.items.iter().map(|i| i.item_id).collect();
    let y: HashSet<Uuid> = b.items.iter().map(|i| i.item_id).collect();
    (y.difference(&x).count(), x.difference(&y).count())
}

fn main() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let a = older(&mut rng);
    let edited = newer(&a, &mut Rng(7), false);
    let redrafted = newer(&a, &mut Rng(7), true);
    let (ta, tb) = (as_text(&a), as_text(&edited));

    // Check each case answers the real thing before timing it.
    let d = diff(&a, &edited);
    let k = d.counts;
    println!(
        "edited:    {} vs {} statements; added {}, removed {}, moved {}, reworded {}, moved+reworded {}, citations changed {}, context changed {}",
        a.items.len(),
        edited.items.len(),
        k.added,
        k.removed,
        k.moved,
        k.reworded,
        k.moved_and_reworded,
        k.citations_changed,
        k.context_changed
    );
    assert_eq!(
        nsx_core::frameworks::diff::apply(&a, &d).as_ref(),
        Ok(&edited)
    );
    assert_eq!((k.added, k.removed, k.reworded), (5, 5, 10));
    let r = diff(&a, &redrafted).counts;
    println!(
        "redrafted: added {}, removed {}, moved {}, reworded {}, moved+reworded {}",
        r.added, r.removed, r.moved, r.reworded, r.moved_and_reworded
    );
    println!(
        "line diff: {} changed runs; id sets: {:?} (added, removed)",
        line_diff(&ta, &tb),
        id_sets(&a, &edited)
    );

    const N: usize = 20_000;
    percentiles("diff edited", N, || {
        black_box(diff(black_box(&a), black_box(&edited)));
    });
    percentiles("diff redrafted", N, || {
        black_box(diff(black_box(&a), black_box(&redrafted)));
    });
    percentiles("baseline line diff", N, || {
        black_box(line_diff(black_box(&ta), black_box(&tb)));
    });
    percentiles("baseline id sets", N, || {
        black_box(id_sets(black_box(&a), black_box(&edited)));
    });

    let mut c = Criterion::default()
        .configure_from_args()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut g = c.benchmark_group("diff_100_statements");
    g.bench_function("diff edited", |b| {
        b.iter(|| diff(black_box(&a), black_box(&edited)))
    });
    g.bench_function("diff redrafted", |b| {
        b.iter(|| diff(black_box(&a), black_box(&redrafted)))
    });
    g.bench_function("baseline line diff", |b| {
        b.iter(|| line_diff(black_box(&ta), black_box(&tb)))
    });
    g.bench_function("baseline id sets", |b| {
        b.iter(|| id_sets(black_box(&a), black_box(&edited)))
    });
    g.finish();
    c.final_summary();
}
