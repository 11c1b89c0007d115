//! Data releases: every imported row carries the release it came from, so two releases
//! of the same source can coexist and every derived statement can cite one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A release label of the form `MAJOR.MINOR`, such as `30.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReleaseId {
    /// Major version, e.g. 30.
    pub major: u16,
    /// Minor version, e.g. 1.
    pub minor: u16,
}

/// Why a release label was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a release label: expected MAJOR.MINOR, e.g. 30.1")]
pub struct ReleaseError(pub String);

impl FromStr for ReleaseId {
    type Err = ReleaseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let (a, b) = t
            .split_once('.')
            .ok_or_else(|| ReleaseError(s.to_string()))?;
        let major = a.parse().map_err(|_| ReleaseError(s.to_string()))?;
        let minor = b.parse().map_err(|_| ReleaseError(s.to_string()))?;
        if a.is_empty() || b.is_empty() || b.len() > 2 {
            return Err(ReleaseError(s.to_string()));
        }
        Ok(Self { major, minor })
    }
}

impl fmt::Display for ReleaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Serialize for ReleaseId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ReleaseId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl ReleaseId {
    /// A sortable integer: `30.1` → 3001.
    pub fn seq(&self) -> i64 {
        i64::from(self.major) * 100 + i64::from(self.minor)
    }
}

/// The rule for "the newest release" among rows, in one place: releases compare as
/// [`ReleaseId`]s, and a label that does not parse ranks below every one that does (it is
/// newest only when no row has a parseable label).
pub fn rank(label: &str) -> Option<ReleaseId> {
    label.parse().ok()
}

/// Keeps only the rows of the newest release among them.
pub fn newest<T>(rows: Vec<T>, release: impl Fn(&T) -> &str) -> Vec<T> {
    let Some(best) = rows.iter().map(|r| rank(release(r))).max() else {
        return rows;
    };
    rows.into_iter()
        .filter(|r| rank(release(r)) == best)
        .collect()
}

/// Keeps, per key, only the rows of that key's newest release.
pub fn newest_per<K: std::hash::Hash + Eq + Clone, R>(
    rows: Vec<R>,
    key: impl Fn(&R) -> K,
    release: impl Fn(&R) -> &str,
) -> std::collections::HashMap<K, Vec<R>> {
    let mut best: std::collections::HashMap<K, Option<ReleaseId>> = Default::default();
    for r in &rows {
        let s = rank(release(r));
        let e = best.entry(key(r)).or_insert(s);
        *e = (*e).max(s);
    }
    let mut out: std::collections::HashMap<K, Vec<R>> = Default::default();
    for r in rows {
        let k = key(&r);
        if best.get(&k) == Some(&rank(release(&r))) {
            out.entry(k).or_default().push(r);
        }
    }
    out
}

/// What the `Read Me.txt` of an O*NET text release says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseNote {
    /// The release, e.g. 30.1.
    pub id: ReleaseId,
    /// The second line, e.g. "December 2025 Release".
    pub published: Option<String>,
}

/// Reads the release from the first lines of an O*NET `Read Me.txt`
/// ("O*NET 30.1 Database" followed by "December 2025 Release").
pub fn parse_onet_readme(text: &str) -> Option<ReleaseNote> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next()?;
    let id = first
        .split_whitespace()
        .find_map(|w| w.parse::<ReleaseId>().ok())?;
    let published = lines
        .next()
        .filter(|l| l.to_ascii_lowercase().contains("release"))
        .map(str::to_string);
    Some(ReleaseNote { id, published })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_releases() {
        let a: ReleaseId = "29.3".parse().unwrap();
        let b: ReleaseId = "30.1".parse().unwrap();
        assert!(a < b);
        assert_eq!(b.seq(), 3001);
        assert_eq!(b.to_string(), "30.1");
        assert!("30".parse::<ReleaseId>().is_err());
        assert!("x.1".parse::<ReleaseId>().is_err());
        assert!("30.123".parse::<ReleaseId>().is_err());
    }

    #[test]
    fn reads_readme() {
        let note =
            parse_onet_readme("O*NET 30.1 Database\r\nDecember 2025 Release\r\n----\r\n").unwrap();
        assert_eq!(note.id.to_string(), "30.1");
        assert_eq!(note.published.as_deref(), Some("December 2025 Release"));
        assert!(parse_onet_readme("hello\nworld").is_none());
    }

    #[test]
    fn the_newest_release_wins_and_unparseable_labels_rank_last() {
        let rows = vec![("a", "29.3"), ("b", "30.1"), ("c", "bogus"), ("d", "30.1")];
        let kept: Vec<&str> = newest(rows.clone(), |r| r.1).iter().map(|r| r.0).collect();
        assert_eq!(kept, ["b", "d"]);
        // 30.10 is newer than 30.9, which a text sort gets wrong.
        let rows = vec![("x", "30.9"), ("y", "30.10")];
        assert_eq!(newest(rows, |r| r.1)[0].0, "y");
        let only_bad = vec![("z", "bogus")];
        assert_eq!(newest(only_bad, |r| r.1).len(), 1);
        let per = newest_per(
            vec![("k", "29.3", 1), ("k", "30.1", 2), ("j", "bogus", 3)],
            |r| r.0,
            |r| r.1,
        );
        assert_eq!(per["k"].iter().map(|r| r.2).collect::<Vec<_>>(), [2]);
        assert_eq!(per["j"].len(), 1);
    }
}
