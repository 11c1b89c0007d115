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
}
