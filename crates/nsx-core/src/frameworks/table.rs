//! The framework table: one row per statement, the shape of the CSV NSX exports for
//! spreadsheets and reads back in. This module holds the cells (how a row is written and
//! read); the CSV reading around it, with line numbers, is the importer's.
//!
//! Columns: `item_id, section, domain, level, order, subject, performance, statement,
//! citations, sources, framework, framework_title, version`. Reading needs only `section`,
//! `level`, `subject`, `performance` and `citations` (by name, in any order); `statement`
//! and `sources` are written for people and ignored when read.
//!
//! The `citations` cell holds one citation per line:
//! `SOURCE RELEASE | LOCATOR[ = VALUE] | TEXT`, e.g.
//! `onet 30.1 | task 90001 | Test circuits with oscilloscopes.` or
//! `onet 30.1 | element 2.A.2.a/IM = 4.12 | Critical Thinking`. A backslash and a line
//! break inside the text are written `\\` and `\n`, so every citation stays on one line.

use uuid::Uuid;

use super::case::parse_locator;
use super::case_read::clean_text;
use super::edit::{EditableStatement, Placement};
use super::{Citation, DurableDomain, Level, Section, Statement};
use crate::accounts::FieldError;

/// The header row.
pub const HEADER: [&str; 13] = [
    "item_id",
    "section",
    "domain",
    "level",
    "order",
    "subject",
    "performance",
    "statement",
    "citations",
    "sources",
    "framework",
    "framework_title",
    "version",
];

/// Columns a table must have.
pub const REQUIRED: [&str; 5] = ["section", "level", "subject", "performance", "citations"];

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace("\r\n", "\\n")
        .replace(['\n', '\r'], "\\n")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('\\') => out.push('\\'),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One citation as a line of the `citations` cell.
pub fn citation_line(c: &Citation) -> String {
    let value = c.value.map(|v| format!(" = {v}")).unwrap_or_default();
    format!(
        "{} {} | {}{value} | {}",
        c.source,
        c.release,
        c.locator.short(),
        escape(&c.text)
    )
}

/// The `citations` cell of a statement.
pub fn citations_cell(cs: &[Citation]) -> String {
    cs.iter().map(citation_line).collect::<Vec<_>>().join("\n")
}

/// The `sources` cell: each cited source and release once.
pub fn sources_cell(cs: &[Citation]) -> String {
    cs.iter()
        .map(|c| format!("{} {}", c.source, c.release))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect::<Vec<_>>()
        .join("; ")
}

/// Reads one line of a `citations` cell.
pub fn parse_citation_line(line: &str) -> Result<Citation, String> {
    let line = line.trim();
    let mut parts = line.splitn(3, " | ");
    let (Some(src), Some(loc), Some(text)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "{line:?} is not a citation like \"onet 30.1 | task 90001 | the cited text\""
        ));
    };
    let (source, release) = src.trim().split_once(char::is_whitespace).ok_or_else(|| {
        format!("{src:?} names no release (write the source key, a space and the release)")
    })?;
    let (loc, value) = match loc.rsplit_once(" = ") {
        Some((l, v)) => (
            l,
            Some(
                v.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("{v:?} is not a number"))?,
            ),
        ),
        None => (loc, None),
    };
    let locator =
        parse_locator(loc.trim()).ok_or_else(|| format!("{loc:?} is not a citation locator"))?;
    let text = clean_text(&unescape(text));
    if text.is_empty() {
        return Err("a citation needs the cited text after the second \" | \"".into());
    }
    Ok(Citation {
        source: source.trim().to_string(),
        release: release.trim().to_string(),
        locator,
        text,
        value,
    })
}

/// The cells of one statement's row, in [`HEADER`] order.
pub fn row(
    item_id: Uuid,
    st: &Statement,
    framework: &str,
    framework_title: &str,
    version: &str,
) -> Vec<String> {
    vec![
        item_id.to_string(),
        st.section.as_str().into(),
        st.domain
            .map(|d| d.as_str().to_string())
            .unwrap_or_default(),
        st.level.as_str().into(),
        st.order.to_string(),
        st.subject.clone(),
        st.performance.clone(),
        st.full_text(),
        citations_cell(&st.citations),
        sources_cell(&st.citations),
        framework.to_string(),
        framework_title.to_string(),
        version.to_string(),
    ]
}

/// Reads one row, given a way to look up a cell by column name (`None`: no such column).
/// Errors name the column. `item_id` is `None` when the row gives none (a new statement);
/// `order` is 0 when the row gives none (the row's place in the file decides).
pub fn parse_row<'a>(
    cell: impl Fn(&str) -> Option<&'a str>,
) -> Result<(Option<Uuid>, Statement), FieldError> {
    let get = |name: &str| cell(name).map(str::trim).unwrap_or("");
    let item_id = match get("item_id") {
        "" => None,
        s => Some(
            Uuid::parse_str(s)
                .map_err(|_| FieldError::new("item_id", format!("{s:?} is not a UUID")))?,
        ),
    };
    let section: Section =
        get("section")
            .to_ascii_lowercase()
            .parse()
            .map_err(|e: super::FrameworkError| {
                FieldError::new(
                    "section",
                    format!("{} (technical, durable or ai_usage)", e.0),
                )
            })?;
    let domain = match get("domain") {
        "" => None,
        d => Some(
            d.to_ascii_lowercase()
                .parse::<DurableDomain>()
                .map_err(|e: super::FrameworkError| FieldError::new("domain", e.0))?,
        ),
    };
    let level = Level::parse(section, &get("level").to_ascii_lowercase())
        .map_err(|e| FieldError::new("level", e.0))?;
    Placement {
        section,
        domain,
        level,
    }
    .check()?;
    let order = match get("order") {
        "" => 0,
        o => o
            .parse::<u32>()
            .map_err(|_| FieldError::new("order", format!("{o:?} is not a whole number")))?,
    };
    let subject = clean_text(get("subject"));
    if subject.is_empty() {
        return Err(FieldError::new("subject", "must not be empty"));
    }
    let performance = clean_text(get("performance"));
    if performance.is_empty() {
        return Err(FieldError::new("performance", "must not be empty"));
    }
    let mut citations = Vec::new();
    for line in get("citations").lines().filter(|l| !l.trim().is_empty()) {
        citations.push(parse_citation_line(line).map_err(|m| FieldError::new("citations", m))?);
    }
    if citations.is_empty() {
        return Err(FieldError::new(
            "citations",
            "a statement needs at least one citation",
        ));
    }
    Ok((
        item_id,
        Statement {
            section,
            domain,
            level,
            order,
            subject,
            performance,
            citations,
        },
    ))
}

/// Gives statements read without an item id a stable one (from the framework and the
/// statement's place and text), and numbers rows without an order in file order.
pub fn complete(framework: Uuid, rows: Vec<(Option<Uuid>, Statement)>) -> Vec<EditableStatement> {
    let mut next: std::collections::HashMap<(Section, Option<DurableDomain>, Level), u32> =
        std::collections::HashMap::new();
    for (_, s) in &rows {
        let k = (s.section, s.domain, s.level);
        let n = next.entry(k).or_insert(0);
        *n = (*n).max(s.order);
    }
    rows.into_iter()
        .map(|(id, mut s)| {
            if s.order == 0 {
                let n = next.entry((s.section, s.domain, s.level)).or_insert(0);
                *n += 1;
                s.order = *n;
            }
            let item_id = id.unwrap_or_else(|| {
                Uuid::new_v5(
                    &framework,
                    format!(
                        "table:{}:{:?}:{}:{}:{}",
                        s.section.as_str(),
                        s.domain.map(|d| d.as_str()),
                        s.level.as_str(),
                        s.subject.to_lowercase(),
                        s.performance.to_lowercase()
                    )
                    .as_bytes(),
                )
            });
            EditableStatement {
                item_id,
                statement: s,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frameworks::{Locator, MasteryLevel};

    #[test]
    fn citation_lines_round_trip_with_values_and_awkward_text() {
        let cs = [
            Citation {
                source: "onet".into(),
                release: "30.1".into(),
                locator: Locator::Element {
                    element_id: "2.A.2.a".into(),
                    scale: "IM".into(),
                },
                text: "Critical Thinking".into(),
                value: Some(4.125),
            },
            Citation {
                source: "case".into(),
                release: "6f1b7c2e-0000-4000-8000-000000000001".into(),
                locator: Locator::CaseItem {
                    uri: "https://case.example/CFItems/1".into(),
                },
                text: "Two lines | with a bar\nand a back\\slash = 3".into(),
                value: None,
            },
            Citation {
                source: "aei".into(),
                release: "labor_market_impacts".into(),
                locator: Locator::Evidence {
                    measure: "task_usage".into(),
                    task_id: Some(9),
                    soc_code: None,
                },
                text: "0.05% of conversations".into(),
                value: Some(0.05),
            },
        ];
        let cell = citations_cell(&cs);
        assert_eq!(cell.lines().count(), 3);
        let back: Vec<Citation> = cell
            .lines()
            .map(|l| parse_citation_line(l).unwrap())
            .collect();
        assert_eq!(back, cs);
    }

    #[test]
    fn rows_name_the_bad_column() {
        let cells = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|p| p.0 == name).map(|p| p.1)
        };
        let ok = parse_row(cells(&[
            ("section", "technical"),
            ("level", "Proficient"),
            ("subject", "Panels"),
            ("performance", "Wire panels"),
            ("citations", "onet 30.1 | task 1 | Wire panels."),
        ]))
        .unwrap();
        assert_eq!(ok.1.level, Level::Mastery(MasteryLevel::Proficient));
        assert_eq!(ok.0, None);
        let e = parse_row(cells(&[
            ("section", "technical"),
            ("level", "expert"),
            ("subject", "Panels"),
            ("performance", "Wire panels"),
            ("citations", "onet 30.1 | task 1 | Wire panels."),
        ]))
        .unwrap_err();
        assert_eq!(e.field, "level");
        let e = parse_row(cells(&[
            ("section", "durable"),
            ("level", "applying"),
            ("subject", "Panels"),
            ("performance", "Wire panels"),
            ("citations", "onet 30.1 | task 1 | Wire panels."),
        ]))
        .unwrap_err();
        assert_eq!(e.field, "domain");
        let e = parse_row(cells(&[
            ("section", "technical"),
            ("level", "emerging"),
            ("subject", "Panels"),
            ("performance", "Wire panels"),
            ("citations", "onet 30.1 | a b c d | Wire panels."),
        ]))
        .unwrap_err();
        assert_eq!(e.field, "citations");
    }
}
