//! Reading comma-separated source files (crosswalks, evidence, apprenticeship lists) with
//! errors that name the file, line and column.

use std::path::Path;

use nsx_core::onet::RowError;

use crate::error::{Error, Result};

/// A CSV file read whole, with its header.
pub struct CsvFile {
    /// The file name shown in errors.
    pub name: String,
    /// Header cells, trimmed, byte-order mark removed.
    pub headers: Vec<String>,
    records: Vec<(usize, csv::StringRecord)>,
}

impl CsvFile {
    /// Reads a CSV file (UTF-8, optional BOM, CRLF or LF, quoted fields with embedded newlines).
    pub fn read(path: &Path) -> Result<CsvFile> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| path.display().to_string());
        let bytes = std::fs::read(path).map_err(|e| Error::io_at(path, e))?;
        Self::parse(&name, &bytes)
    }

    /// Parses CSV bytes.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<CsvFile> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(bytes);
        let headers: Vec<String> = rdr
            .headers()
            .map_err(|e| csv_error(name, e))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        // Line numbers are counted from byte offsets: a quoted field may span lines, and
        // a record's line is the one it starts on.
        let mut records = Vec::new();
        let (mut counted_to, mut line) = (0usize, 1usize);
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_error(name, e))?;
            let start = rec
                .position()
                .map(|p| p.byte() as usize)
                .unwrap_or(counted_to);
            let mut start = start.clamp(counted_to, bytes.len());
            // The reported start may sit on the previous record's terminator (CRLF).
            while start < bytes.len() && matches!(bytes[start], b'\r' | b'\n') {
                start += 1;
            }
            line += bytes[counted_to..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            counted_to = start;
            records.push((line, rec));
        }
        Ok(CsvFile {
            name: name.to_string(),
            headers,
            records,
        })
    }

    /// Index of the first header matching any of the names (case-insensitive).
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        self.headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    }

    /// Index of a required column, or an error naming what was expected.
    pub fn require(&self, names: &[&str]) -> Result<usize> {
        self.column(names).ok_or_else(|| {
            RowError {
                file: self.name.clone(),
                line: 1,
                field: names[0].to_string(),
                message: format!(
                    "required column is missing (found: {})",
                    self.headers.join(", ")
                ),
            }
            .into()
        })
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there are no data rows.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Data rows with their 1-based line numbers.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(|(line, rec)| Row {
            file: &self.name,
            headers: &self.headers,
            line: *line,
            rec,
        })
    }
}

fn csv_error(name: &str, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
    RowError {
        file: name.to_string(),
        line,
        field: "row".into(),
        message: match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => {
                format!("has {len} fields, the header has {expected_len}")
            }
            csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8".into(),
            _ => e.to_string(),
        },
    }
    .into()
}

/// One data row.
pub struct Row<'a> {
    file: &'a str,
    headers: &'a [String],
    /// 1-based line number in the file.
    pub line: usize,
    rec: &'a csv::StringRecord,
}

impl Row<'_> {
    /// A trimmed field (empty when absent).
    pub fn get(&self, idx: usize) -> &str {
        self.rec.get(idx).map(str::trim).unwrap_or("")
    }

    /// A field that must not be empty.
    pub fn required(&self, idx: usize) -> Result<&str> {
        let v = self.get(idx);
        if v.is_empty() {
            Err(self.error(idx, "a value is required here"))
        } else {
            Ok(v)
        }
    }

    /// An error located at this row and column.
    pub fn error(&self, idx: usize, message: impl Into<String>) -> Error {
        RowError {
            file: self.file.to_string(),
            line: self.line,
            field: self
                .headers
                .get(idx)
                .cloned()
                .unwrap_or_else(|| format!("column {}", idx + 1)),
            message: message.into(),
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bom_crlf_and_quoted_newlines() {
        let f = CsvFile::parse("x.csv", b"\xEF\xBB\xBFa,b\r\n1,\"two\nlines\"\r\n3,4").unwrap();
        assert_eq!(f.headers, ["a", "b"]);
        let rows: Vec<_> = f.rows().map(|r| (r.line, r.get(1).to_string())).collect();
        assert_eq!(
            rows,
            vec![(2, "two\nlines".to_string()), (4, "4".to_string())]
        );
    }

    #[test]
    fn ragged_rows_are_located() {
        let err = CsvFile::parse("x.csv", b"a,b\n1,2\n3\n").err().unwrap();
        assert_eq!(
            err.to_string(),
            "x.csv:3: row: has 1 fields, the header has 2"
        );
    }
}
