//! What changed between versions of a framework: the diff of any two versions and the
//! changelog (every version against the one before it). The diff itself is the pure
//! [`nsx_core::frameworks::diff`]; this module reads the versions through the framework
//! store and is shared by the pages, the JSON API and the CASE export.

use nsx_core::accounts::FieldError;
use nsx_core::frameworks::VersionLabel;
use nsx_core::frameworks::diff::{self, Content, Counts, Diff, Item};

use super::{FrameworkView, VersionSummary, store};
use crate::db::Db;
use crate::error::{Error, Result};

/// The diffable content of a stored version: its context paragraph and its statements
/// with their item ids, in display order.
pub fn content_of(v: &FrameworkView) -> Content {
    Content {
        context: v.context.clone(),
        items: v
            .statements
            .iter()
            .map(|s| Item {
                item_id: s.item_id,
                statement: s.statement.clone(),
            })
            .collect(),
    }
}

/// Reads a version label given as the query parameter `field` (`from`, `to`).
pub fn parse_param(field: &str, value: &str) -> Result<VersionLabel> {
    value
        .trim()
        .parse()
        .map_err(|e: nsx_core::frameworks::FrameworkError| {
            Error::Invalid(vec![FieldError::new(field, e.0)])
        })
}

/// Reads the `from` and `to` parameters of a diff request (empty means "not given").
pub fn labels_of(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<VersionLabel>, Option<VersionLabel>)> {
    let read = |field: &str, v: Option<&str>| {
        v.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| parse_param(field, s))
            .transpose()
    };
    Ok((read("from", from)?, read("to", to)?))
}

/// Two versions of one framework and what changed between them.
#[derive(Debug, Clone)]
pub struct VersionDiff {
    /// Every version of the framework, newest first (for choosing others to compare).
    pub versions: Vec<VersionSummary>,
    /// The older side (or whichever was asked for as `from`).
    pub from: VersionSummary,
    /// The newer side (`to`).
    pub to: VersionSummary,
    /// What changed from `from` to `to`.
    pub diff: Diff,
}

/// The versions a diff compares when the request leaves one or both out: `to` defaults
/// to the newest version, `from` to the version just before `to` (or `to` itself when
/// it is the oldest).
pub fn default_pair(
    labels: &[VersionLabel],
    from: Option<VersionLabel>,
    to: Option<VersionLabel>,
) -> Option<(VersionLabel, VersionLabel)> {
    let to = match to {
        Some(t) => t,
        None => labels.iter().copied().max()?,
    };
    let from = match from {
        Some(f) => f,
        None => labels
            .iter()
            .copied()
            .filter(|l| *l < to)
            .max()
            .unwrap_or(to),
    };
    Some((from, to))
}

/// The diff between versions `from` and `to` of the framework `code` (see
/// [`default_pair`] for what a missing label means). A label with no version is a
/// not-found error naming its parameter.
pub async fn diff_versions(
    db: &Db,
    code: &str,
    from: Option<VersionLabel>,
    to: Option<VersionLabel>,
) -> Result<VersionDiff> {
    let versions = store::list_versions(db, code).await?;
    if versions.is_empty() {
        return Err(Error::NotFound(format!("a framework for {code}")));
    }
    for (field, label) in [("from", from), ("to", to)] {
        if let Some(l) = label
            && !versions.iter().any(|v| v.label == l)
        {
            return Err(Error::NotFound(format!(
                "{field}: version {l} of the framework for {code}"
            )));
        }
    }
    let labels: Vec<VersionLabel> = versions.iter().map(|v| v.label).collect();
    let (from, to) = default_pair(&labels, from, to)
        .ok_or_else(|| Error::NotFound(format!("a framework for {code}")))?;
    let load = |label: VersionLabel, field: &'static str| async move {
        store::load_version(db, code, Some(&label))
            .await?
            .ok_or_else(|| {
                Error::NotFound(format!(
                    "{field}: version {label} of the framework for {code}"
                ))
            })
    };
    let a = load(from, "from").await?;
    let b = if to == from {
        a.clone()
    } else {
        load(to, "to").await?
    };
    let diff = diff::diff(&content_of(&a), &content_of(&b));
    Ok(VersionDiff {
        versions,
        from: a.version,
        to: b.version,
        diff,
    })
}

/// One version in a framework's changelog.
#[derive(Debug, Clone)]
pub struct ChangelogEntry {
    /// The version.
    pub version: VersionSummary,
    /// The version before it, if any.
    pub previous: Option<VersionLabel>,
    /// What changed since the previous version (`None` for the first version).
    pub counts: Option<Counts>,
}

/// Every version of the framework `code`, newest first, each with what changed since the
/// version before it (by label).
pub async fn changelog(db: &Db, code: &str) -> Result<Vec<ChangelogEntry>> {
    let versions = store::list_versions(db, code).await?;
    if versions.is_empty() {
        return Err(Error::NotFound(format!("a framework for {code}")));
    }
    // Oldest first, so each version is loaded once and diffed against the one before.
    let mut entries = Vec::with_capacity(versions.len());
    let mut previous: Option<(VersionLabel, Content)> = None;
    for v in versions.iter().rev() {
        let view = store::load_version(db, code, Some(&v.label))
            .await?
            .ok_or_else(|| Error::NotFound(format!("version {} of {code}", v.label)))?;
        let content = content_of(&view);
        let counts = previous
            .as_ref()
            .map(|(_, before)| diff::diff(before, &content).counts);
        entries.push(ChangelogEntry {
            version: view.version,
            previous: previous.as_ref().map(|(l, _)| *l),
            counts,
        });
        previous = Some((v.label, content));
    }
    entries.reverse();
    Ok(entries)
}

/// The path of the diff page between two versions.
pub fn diff_path(code: &str, from: &VersionLabel, to: &VersionLabel) -> String {
    format!("/frameworks/{code}/diff?from={from}&to={to}")
}

/// The path of the changelog page.
pub fn changes_path(code: &str) -> String {
    format!("/frameworks/{code}/changes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_labels_default_to_the_newest_change() {
        let l = |s: &str| s.parse::<VersionLabel>().unwrap();
        let vs = [l("v26.07"), l("v26.05.2"), l("v26.05"), l("v26.01")];
        assert_eq!(
            default_pair(&vs, None, None),
            Some((l("v26.05.2"), l("v26.07")))
        );
        assert_eq!(
            default_pair(&vs, None, Some(l("v26.05.2"))),
            Some((l("v26.05"), l("v26.05.2")))
        );
        assert_eq!(
            default_pair(&vs, None, Some(l("v26.05"))),
            Some((l("v26.01"), l("v26.05")))
        );
        assert_eq!(
            default_pair(&vs, None, Some(l("v26.01"))),
            Some((l("v26.01"), l("v26.01")))
        );
        assert_eq!(
            default_pair(&vs, Some(l("v26.07")), Some(l("v26.01"))),
            Some((l("v26.07"), l("v26.01")))
        );
        assert_eq!(default_pair(&[], None, None), None);
    }

    #[test]
    fn labels_are_read_with_the_parameter_named() {
        assert!(parse_param("to", " v26.05 ").is_ok());
        match parse_param("from", "latest") {
            Err(Error::Invalid(v)) => assert_eq!(v[0].field, "from"),
            other => panic!("{other:?}"),
        }
    }
}
