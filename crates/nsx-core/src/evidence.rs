//! AI-usage evidence rules: how task text from the evidence data is matched to O*NET tasks,
//! and how task usage shares add up to an occupation's share.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

/// The matching key for a task statement: lower-cased, white space collapsed, trailing
/// period dropped. Evidence files carry task text (sometimes lower-cased), not task IDs.
pub fn task_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_lowercase());
    }
    while out.ends_with('.') {
        out.pop();
    }
    out
}

/// A release label from an evidence folder name (`release_2025_02_10` → `2025-02-10`).
pub fn release_label(folder: &str) -> String {
    match folder.strip_prefix("release_") {
        Some(rest) => rest.replace('_', "-"),
        None => folder.to_string(),
    }
}

/// A task statement under an O*NET-SOC code: a current (2019-taxonomy) task, or one of
/// the O*NET-SOC 2010 task statements the usage evidence was collected against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodedTask<'a> {
    /// O*NET-SOC code (2019 for current tasks, 2010 for the evidence's own list).
    pub code: &'a str,
    /// O*NET task ID (stable across releases for a task that was kept).
    pub task_id: i64,
    /// Matching key of the task text ([`task_key`]).
    pub key: &'a str,
}

/// An occupation's share of the classified AI-usage conversations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct OccupationUsage {
    /// Share (%) of all classified conversations that falls to the occupation.
    pub share_pct: f64,
    /// Distinct task statements (by text) that contributed.
    pub tasks: u32,
    /// The O*NET-SOC 2010 codes whose task lists contributed, sorted.
    pub codes_2010: Vec<String>,
}

/// Adds task usage shares up to current occupations.
///
/// `usage` holds each task text's share (% of classified conversations), keyed by
/// [`task_key`]. A task text belongs to every current occupation that lists it today, and
/// to the current occupations that each 2010 code listing it became (through `forward`,
/// the O*NET-SOC 2010→2019 crosswalk; a 2010 code missing from the crosswalk stands for
/// itself). When a 2010 code split into several current codes, the task goes only to
/// those of them that still list its task ID, or to all of them when none does.
///
/// Each task text's share is divided equally among the occupations it belongs to, so the
/// occupation shares add up to the share of tasks that reach any current occupation and no
/// conversation is counted twice. A task listed under two 2010 codes that became one
/// current code counts once for it.
pub fn occupation_usage(
    usage: &HashMap<String, f64>,
    current: &[CodedTask<'_>],
    legacy: &[CodedTask<'_>],
    forward: &HashMap<String, Vec<String>>,
) -> BTreeMap<String, OccupationUsage> {
    let mut ids: HashMap<&str, BTreeSet<i64>> = HashMap::new();
    for t in current {
        ids.entry(t.code).or_default().insert(t.task_id);
    }
    // Task key → the current codes it belongs to, and through which 2010 codes.
    let mut owners: HashMap<&str, BTreeMap<&str, BTreeSet<&str>>> = HashMap::new();
    for t in current {
        if usage.contains_key(t.key) {
            owners.entry(t.key).or_default().entry(t.code).or_default();
        }
    }
    for t in legacy {
        if !usage.contains_key(t.key) {
            continue;
        }
        let targets: Vec<&str> = match forward.get(t.code) {
            Some(v) => v.iter().map(String::as_str).collect(),
            None if ids.contains_key(t.code) => vec![t.code],
            None => Vec::new(),
        };
        let keeping: Vec<&str> = targets
            .iter()
            .copied()
            .filter(|c| ids.get(c).is_some_and(|s| s.contains(&t.task_id)))
            .collect();
        let chosen = if keeping.is_empty() { targets } else { keeping };
        let entry = owners.entry(t.key).or_default();
        for c in chosen {
            entry.entry(c).or_default().insert(t.code);
        }
    }
    let mut out: BTreeMap<String, OccupationUsage> = BTreeMap::new();
    let mut keys: Vec<&&str> = owners.keys().collect();
    keys.sort();
    for key in keys {
        let occs = &owners[*key];
        let share = usage[*key] / occs.len() as f64;
        for (code, via) in occs {
            let o = out.entry(code.to_string()).or_default();
            o.share_pct += share;
            o.tasks += 1;
            for c in via {
                if let Err(i) = o.codes_2010.binary_search_by(|x| x.as_str().cmp(c)) {
                    o.codes_2010.insert(i, c.to_string());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t<'a>(code: &'a str, task_id: i64, key: &'a str) -> CodedTask<'a> {
        CodedTask { code, task_id, key }
    }

    fn usage(rows: &[(&str, f64)]) -> HashMap<String, f64> {
        rows.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn two_2010_codes_that_merged_add_up_and_shared_text_counts_once() {
        let u = usage(&[
            ("write code", 3.0),
            ("test code", 2.0),
            ("modify code", 1.0),
        ]);
        // Today's code lists only one of the tasks; the rest were reworded since.
        let current = [t("15-1252.00", 1, "write programs")];
        let legacy = [
            t("15-1132.00", 10, "write code"),
            t("15-1132.00", 11, "test code"),
            t("15-1133.00", 20, "test code"),
            t("15-1133.00", 21, "modify code"),
        ];
        let fwd: HashMap<String, Vec<String>> = [
            ("15-1132.00".to_string(), vec!["15-1252.00".to_string()]),
            ("15-1133.00".to_string(), vec!["15-1252.00".to_string()]),
        ]
        .into();
        let out = occupation_usage(&u, &current, &legacy, &fwd);
        let o = &out["15-1252.00"];
        assert!((o.share_pct - 6.0).abs() < 1e-9);
        assert_eq!(o.tasks, 3);
        assert_eq!(o.codes_2010, vec!["15-1132.00", "15-1133.00"]);
    }

    #[test]
    fn a_split_code_gives_a_task_to_the_code_that_kept_its_id_else_shares_it() {
        let u = usage(&[("kept", 4.0), ("dropped", 2.0)]);
        let current = [t("A-1.00", 1, "kept, reworded"), t("B-1.00", 2, "other")];
        let legacy = [t("OLD.00", 1, "kept"), t("OLD.00", 9, "dropped")];
        let fwd: HashMap<String, Vec<String>> =
            [("OLD.00".to_string(), vec!["A-1.00".into(), "B-1.00".into()])].into();
        let out = occupation_usage(&u, &current, &legacy, &fwd);
        assert!((out["A-1.00"].share_pct - 5.0).abs() < 1e-9);
        assert!((out["B-1.00"].share_pct - 1.0).abs() < 1e-9);
        let total: f64 = out.values().map(|o| o.share_pct).sum();
        assert!((total - 6.0).abs() < 1e-9, "no conversation counted twice");
    }

    #[test]
    fn current_text_matches_count_without_the_evidence_task_list() {
        let u = usage(&[("plan routes", 0.5)]);
        let current = [
            t("53-3032.00", 7, "plan routes"),
            t("53-3033.00", 8, "plan routes"),
        ];
        let out = occupation_usage(&u, &current, &[], &HashMap::new());
        assert!((out["53-3032.00"].share_pct - 0.25).abs() < 1e-9);
        assert!(out["53-3032.00"].codes_2010.is_empty());
        // An unmapped 2010 code that still exists stands for itself.
        let legacy = [t("53-3032.00", 7, "plan routes")];
        let out = occupation_usage(&u, &current, &legacy, &HashMap::new());
        assert_eq!(out["53-3032.00"].codes_2010, vec!["53-3032.00"]);
        assert!((out["53-3032.00"].share_pct - 0.25).abs() < 1e-9);
    }

    #[test]
    fn tasks_without_usage_and_unknown_codes_add_nothing() {
        let u = usage(&[("x", 1.0)]);
        let legacy = [t("99-9999.00", 1, "x"), t("11-1011.00", 2, "y")];
        let out = occupation_usage(&u, &[], &legacy, &HashMap::new());
        assert!(out.is_empty());
    }

    #[test]
    fn keys_ignore_case_spacing_and_final_period() {
        assert_eq!(
            task_key("Inspect parts  for surface defects."),
            "inspect parts for surface defects"
        );
        assert_eq!(
            task_key("inspect parts for surface defects"),
            task_key("Inspect parts for surface defects.")
        );
    }

    #[test]
    fn release_labels() {
        assert_eq!(release_label("release_2025_02_10"), "2025-02-10");
        assert_eq!(
            release_label("labor_market_impacts"),
            "labor_market_impacts"
        );
    }
}
