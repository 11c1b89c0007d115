//! The framework CSV: written by `/exports/frameworks/{code}/csv` and read back by the
//! import service, so that export → import → export gives the same statements, levels,
//! domains and citations. The cells are [`nsx_core::frameworks::table`]'s; this module adds
//! the CSV around them and names every error by `line:column`.

use std::collections::HashMap;

use nsx_core::accounts::FieldError;
use nsx_core::frameworks::case_read::ImportedFramework;
use nsx_core::frameworks::edit::EditableVersion;
use nsx_core::frameworks::{ID_NAMESPACE, Source, aei_source, mapping_source, onet_source, table};
use uuid::Uuid;

use super::FrameworkView;
use crate::error::{Error, Result};

/// The header row.
pub const HEADER: [&str; 13] = table::HEADER;

/// One row per statement, with the framework's code, title and version on every row.
pub fn write(v: &FrameworkView) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    w.write_record(HEADER).map_err(csv_err)?;
    let label = v.version.label.to_string();
    for s in &v.statements {
        w.write_record(table::row(
            s.item_id,
            &s.statement,
            &v.version.code,
            &v.version.title,
            &label,
        ))
        .map_err(csv_err)?;
    }
    w.into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}

fn at(line: u64, column: usize, name: &str, message: impl Into<String>) -> Error {
    let field = if name.is_empty() {
        format!("{line}:{column}")
    } else {
        format!("{line}:{column} ({name})")
    };
    Error::Invalid(vec![FieldError::new(&field, message)])
}

/// Where the first byte that is not UTF-8 sits, as `line:column`.
fn utf8_position(bytes: &[u8], valid_up_to: usize) -> (u64, usize) {
    let before = &bytes[..valid_up_to];
    let line = before.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    let start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line, column)
}

/// The record of a source key the exchange knows, for a release.
fn known_source(key: &str, release: &str) -> Option<Source> {
    match key {
        "onet" => Some(onet_source(release)),
        "aei" => Some(aei_source(release)),
        "nsx-durable-map" => {
            let s = mapping_source();
            (s.release == release).then_some(s)
        }
        _ => None,
    }
}

/// Reads a framework CSV. Columns are found by name (`section`, `level`, `subject`,
/// `performance` and `citations` are required); errors name `line:column (column name)`.
pub fn read(bytes: &[u8]) -> Result<ImportedFramework> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, column) = utf8_position(bytes, e.valid_up_to());
            return Err(at(
                line,
                column,
                "",
                "not UTF-8 text (save the file as UTF-8)",
            ));
        }
    };
    let text = text.trim_start_matches('\u{feff}');
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = rd
        .headers()
        .map_err(|e| at(1, 1, "", format!("unreadable header row: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let missing: Vec<&str> = table::REQUIRED
        .into_iter()
        .filter(|r| !headers.iter().any(|h| h == r))
        .collect();
    if !missing.is_empty() {
        return Err(at(
            1,
            1,
            "",
            format!(
                "the header row lacks the column(s) {} (the first row names the columns: {})",
                missing.join(", "),
                table::HEADER.join(", ")
            ),
        ));
    }
    let col: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (h.as_str(), i))
        .collect();
    let column_of = |name: &str| col.get(name).map(|i| i + 1).unwrap_or(1);

    let mut rows = Vec::new();
    let mut lines = Vec::new();
    let mut code: Option<String> = None;
    let mut title: Option<String> = None;
    let mut label = None;
    for rec in rd.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            match e.kind() {
                csv::ErrorKind::UnequalLengths {
                    expected_len, len, ..
                } => at(
                    line,
                    (*len as usize).min(*expected_len as usize) + 1,
                    "",
                    format!("{len} fields where the header row has {expected_len}"),
                ),
                _ => at(line, 1, "", e.to_string()),
            }
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let cell = |name: &str| col.get(name).and_then(|i| rec.get(*i));
        let row = table::parse_row(cell)
            .map_err(|fe| at(line, column_of(&fe.field), &fe.field, fe.message))?;
        let text_of = |name: &str| {
            cell(name)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        code = code.or_else(|| text_of("framework"));
        title = title.or_else(|| text_of("framework_title"));
        if label.is_none()
            && let Some(v) = text_of("version")
        {
            label = v.parse().ok();
        }
        rows.push(row);
        lines.push(line);
    }
    if rows.is_empty() {
        return Err(at(
            2,
            1,
            "",
            "the file holds no statements (one row per statement after the header row)",
        ));
    }
    // Repeated item ids and repeated statements are named by line.
    let mut seen: HashMap<Uuid, u64> = HashMap::new();
    let mut texts: HashMap<String, u64> = HashMap::new();
    for ((id, st), line) in rows.iter().zip(&lines) {
        if let Some(id) = id
            && let Some(first) = seen.insert(*id, *line)
        {
            return Err(at(
                *line,
                column_of("item_id"),
                "item_id",
                format!("{id} is also the item of line {first}"),
            ));
        }
        let key = format!(
            "{}/{:?}/{}/{}/{}",
            st.section.as_str(),
            st.domain,
            st.level.as_str(),
            st.subject.to_lowercase(),
            st.performance.to_lowercase()
        );
        if let Some(first) = texts.insert(key, *line) {
            return Err(at(
                *line,
                column_of("performance"),
                "performance",
                format!("repeats the statement of line {first} at the same level"),
            ));
        }
    }
    let namespace = Uuid::new_v5(
        &ID_NAMESPACE,
        format!(
            "table:{}",
            code.as_deref().or(title.as_deref()).unwrap_or("")
        )
        .as_bytes(),
    );
    let statements = table::complete(namespace, rows);
    let mut sources: Vec<Source> = Vec::new();
    for s in &statements {
        for c in &s.statement.citations {
            if !sources
                .iter()
                .any(|x| x.key == c.source && x.release == c.release)
                && let Some(src) = known_source(&c.source, &c.release)
            {
                sources.push(src);
            }
        }
    }
    let mut content = EditableVersion {
        context: String::new(),
        statements,
    };
    content.normalize();
    Ok(ImportedFramework {
        title: title.unwrap_or_default(),
        description: String::new(),
        code_hint: code,
        occupations: Vec::new(),
        document: None,
        version_id: None,
        label,
        content,
        sources,
        warnings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "item_id,section,domain,level,order,subject,performance,citations\n";

    fn err(csv: &str) -> String {
        read(csv.as_bytes()).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_line_and_column() {
        let e = err(&format!(
            "{HEAD},technical,,proficient,1,Panels,Wire panels,onet 30.1 | task 1 | Wire.\n,technical,,expert,2,Boxes,Fit boxes,onet 30.1 | task 2 | Fit.\n"
        ));
        assert!(e.starts_with("3:4 (level): "), "{e}");
        let e = err(&format!(
            "{HEAD},technical,,proficient,1,Panels,Wire panels\n"
        ));
        assert!(e.starts_with("2:8: "), "{e}");
        let e = err("section,level\ntechnical,emerging\n");
        assert!(
            e.contains("lacks the column(s) subject, performance, citations"),
            "{e}"
        );
        let e = err(&format!(
            "{HEAD},technical,,proficient,1,Panels,Wire panels,onet 30.1 | task 1\n"
        ));
        assert!(e.starts_with("2:8 (citations): "), "{e}");
        let mut bytes = HEAD.as_bytes().to_vec();
        bytes.extend_from_slice(
            b",technical,,proficient,1,Pan\xffels,Wire,onet 30.1 | task 1 | x\n",
        );
        let e = read(&bytes).unwrap_err().to_string();
        assert!(e.starts_with("2:29: not UTF-8"), "{e}");
        let e = err(HEAD);
        assert!(e.contains("holds no statements"), "{e}");
    }

    #[test]
    fn rows_without_ids_or_order_get_them() {
        let f = read(
            format!(
                "{HEAD},technical,,emerging,,Panels,Wire panels,onet 30.1 | task 1 | Wire.\r,technical,,emerging,,Boxes,Fit boxes,onet 30.1 | task 2 | Fit.\r"
            )
            .as_bytes(),
        )
        .unwrap();
        let s = &f.content.statements;
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].statement.order, s[1].statement.order), (1, 2));
        assert_ne!(s[0].item_id, s[1].item_id);
        assert_eq!(f.sources[0].key, "onet");
    }
}
