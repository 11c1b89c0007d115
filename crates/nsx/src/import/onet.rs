//! The O*NET text-release importer.
//!
//! One transaction per run: every file of the release (and any `supplement_X.Y` folders
//! beside them) is checked and written, the derived catalog is rebuilt, and only then is
//! anything committed. A malformed row aborts the run with `file:line: field: what` and
//! leaves the database exactly as it was. Re-importing a release replaces that release's
//! rows, so running the same import twice gives the same database.

use std::collections::HashSet;
use std::time::Instant;

use nsx_core::onet::{self, ColType, RowError, Value};
use nsx_core::release::{ReleaseId, parse_onet_readme};
use serde::{Deserialize, Serialize};
use sqlx::AssertSqlSafe;
use time::OffsetDateTime;

use super::bulk::{BulkInserter, TableShape};
use super::progress::Progress;
use super::source::ReleaseFiles;
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::on_tx;

/// Options for one O*NET import.
#[derive(Debug, Clone, Default)]
pub struct OnetOptions {
    /// The release label, when the files carry no `Read Me.txt` (or to override it).
    pub release: Option<ReleaseId>,
    /// A partial release that adds files to occupations known from a full release.
    pub supplement: bool,
}

/// What happened to one file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileReport {
    /// File name.
    pub file: String,
    /// Rows written.
    pub rows: u64,
    /// Header columns the importer does not use.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored_columns: Vec<String>,
}

/// What an O*NET import did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OnetReport {
    /// The release imported.
    pub release: String,
    /// What the release says about itself ("December 2025 Release").
    pub published: Option<String>,
    /// Folder, zip or URL.
    pub origin: String,
    /// Whether this was a supplement.
    pub supplement: bool,
    /// Files imported.
    pub files: Vec<FileReport>,
    /// Files of the official layout that the release does not have.
    pub missing: Vec<String>,
    /// Files present that are not part of the layout (not imported).
    pub unknown: Vec<String>,
    /// Things worth knowing that did not stop the import.
    pub warnings: Vec<String>,
    /// Supplements imported with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplements: Vec<OnetReport>,
    /// Occupations in the catalog afterwards.
    pub occupations: i64,
    /// Of those, how many have enough data for a framework.
    pub framework_ready: i64,
    /// Wall time.
    pub seconds: f64,
}

impl OnetReport {
    /// Total rows written, supplements included.
    pub fn rows(&self) -> u64 {
        self.files.iter().map(|f| f.rows).sum::<u64>()
            + self.supplements.iter().map(|s| s.rows()).sum::<u64>()
    }
}

/// Imports a release (and its supplements) in one transaction.
pub async fn import(
    db: &Db,
    files: &ReleaseFiles,
    opts: &OnetOptions,
    progress: &dyn Progress,
) -> Result<OnetReport> {
    let started = Instant::now();
    let mut tx = db.begin().await?;
    let mut report =
        import_release(&mut tx, files, opts.release, opts.supplement, progress).await?;
    for (label, sup) in &files.supplements {
        let id: ReleaseId = label.parse().map_err(|e| {
            Error::Import(format!(
                "{}: supplement folders are named supplement_<MAJOR.MINOR>: {e}",
                sup.origin
            ))
        })?;
        let r = import_release(&mut tx, sup, Some(id), true, progress)
            .await
            .map_err(|e| in_supplement(e, label))?;
        report.supplements.push(r);
    }
    progress.message("rebuilding the occupation catalog");
    let (occupations, ready) = super::catalog::rebuild(&mut tx).await?;
    super::evidence::rematch(&mut tx).await?;
    tx.bump_data_version("catalog").await?;
    report.occupations = occupations;
    report.framework_ready = ready;
    report.seconds = started.elapsed().as_secs_f64();
    store_report(&mut tx, &report).await?;
    tx.commit().await?;
    Ok(report)
}

/// Names the supplement folder in an error about one of its files.
fn in_supplement(e: Error, label: &str) -> Error {
    match e {
        Error::Source(mut r) => {
            r.file = format!("supplement_{label}/{}", r.file);
            Error::Source(r)
        }
        Error::Import(m) => Error::Import(format!("supplement_{label}/{m}")),
        other => other,
    }
}

async fn store_report(tx: &mut Tx, report: &OnetReport) -> Result<()> {
    let json = serde_json::to_value(report).map_err(|e| Error::Internal(e.to_string()))?;
    let now = OffsetDateTime::now_utc();
    on_tx!(tx, c => sqlx::query("UPDATE source_releases SET report = $1, imported_at = $2 WHERE source = 'onet' AND id = $3")
        .bind(sqlx::types::Json(json))
        .bind(now)
        .bind(&report.release)
        .execute(c)
        .await.map(|r| r.rows_affected()))?;
    Ok(())
}

fn release_of(
    files: &ReleaseFiles,
    given: Option<ReleaseId>,
    warnings: &mut Vec<String>,
) -> Result<(ReleaseId, Option<String>)> {
    let readme = files.read("Read Me.txt")?;
    let note = readme.as_deref().and_then(parse_onet_readme);
    match (given, note) {
        (Some(g), Some(n)) => {
            if g != n.id {
                warnings.push(format!(
                    "Read Me.txt says release {}, imported as {g} as asked",
                    n.id
                ));
            }
            Ok((g, n.published))
        }
        (Some(g), None) => Ok((g, None)),
        (None, Some(n)) => Ok((n.id, n.published)),
        (None, None) => Err(Error::Import(format!(
            "{}: cannot tell which release this is (no readable Read Me.txt); give it with --release, e.g. --release 30.1",
            files.origin
        ))),
    }
}

async fn import_release(
    tx: &mut Tx,
    files: &ReleaseFiles,
    given: Option<ReleaseId>,
    supplement: bool,
    progress: &dyn Progress,
) -> Result<OnetReport> {
    let started = Instant::now();
    let mut warnings = Vec::new();
    let (release, published) = release_of(files, given, &mut warnings)?;
    let rel = release.to_string();
    if !supplement && !files.has("Occupation Data.txt") {
        return Err(Error::Import(format!(
            "{}: Occupation Data.txt is missing; it is the one file every release must have",
            files.origin
        )));
    }
    progress.message(&format!(
        "O*NET {rel}{} from {}",
        if supplement { " (supplement)" } else { "" },
        files.origin
    ));

    // Replace this release wholesale: the same import twice gives the same rows.
    for table in onet::tables() {
        let sql = format!("DELETE FROM {table} WHERE release = $1");
        on_tx!(tx, c => sqlx::query(AssertSqlSafe(sql)).bind(&rel).execute(c).await.map(|r| r.rows_affected()))?;
    }

    // Files are read and checked on a blocking thread while this task writes the rows it
    // has already checked, so parsing and SQLite's work overlap.
    let (sender, mut parsed) = tokio::sync::mpsc::channel::<Result<Parsed>>(4);
    // A supplement's rows are checked against the occupations already imported.
    let known: HashSet<String> = if files.has("Occupation Data.txt") {
        HashSet::new()
    } else {
        on_tx!(tx, c => sqlx::query_scalar::<_, String>("SELECT DISTINCT code FROM onet_occupations")
            .fetch_all(c)
            .await)?
        .into_iter()
        .collect()
    };
    let parser = {
        let files = files.clone();
        let rel = rel.clone();
        tokio::task::spawn_blocking(move || parse_release(&files, &rel, known, &sender))
    };
    let mut reports = Vec::new();
    let mut missing = Vec::new();
    let mut current: Option<(BulkInserter, &'static str, Vec<String>)> = None;
    while let Some(msg) = parsed.recv().await {
        match msg? {
            Parsed::Missing(file) => missing.push(file.to_string()),
            Parsed::File {
                file,
                shape,
                ignored,
                lines,
            } => {
                progress.start(file, lines);
                current = Some((BulkInserter::new(shape), file, ignored));
            }
            Parsed::Rows { rows, lines } => {
                if let Some((ins, _, _)) = current.as_mut() {
                    ins.write(tx, rows).await?;
                }
                progress.advance(lines);
            }
            Parsed::EndFile => {
                if let Some((ins, file, ignored)) = current.take() {
                    progress.finish(&format!("{} rows", ins.written));
                    reports.push(FileReport {
                        file: file.to_string(),
                        rows: ins.written,
                        ignored_columns: ignored,
                    });
                }
            }
        }
    }
    parser
        .await
        .map_err(|e| Error::Internal(format!("the O*NET file reader stopped: {e}")))?;
    let known: HashSet<String> = onet::FILES
        .iter()
        .map(|f| f.file.to_ascii_lowercase())
        .collect();
    let unknown: Vec<String> = files
        .names()
        .into_iter()
        .filter(|n| {
            !known.contains(&n.to_ascii_lowercase()) && !n.eq_ignore_ascii_case("Read Me.txt")
        })
        .collect();
    if !unknown.is_empty() {
        warnings.push(format!(
            "not part of the O*NET layout, not imported: {}",
            unknown.join(", ")
        ));
    }
    if !missing.is_empty() && !supplement {
        progress.message(&format!("absent from this release: {}", missing.join(", ")));
    }
    let source = if supplement {
        "onet_supplement"
    } else {
        "onet"
    };
    let title = format!(
        "O*NET {rel} Database{}",
        if supplement { " (supplement)" } else { "" }
    );
    let report = OnetReport {
        release: rel.clone(),
        published: published.clone(),
        origin: files.origin.clone(),
        supplement,
        files: reports,
        missing,
        unknown,
        warnings,
        supplements: Vec::new(),
        occupations: 0,
        framework_ready: 0,
        seconds: started.elapsed().as_secs_f64(),
    };
    let json = serde_json::to_value(&report).map_err(|e| Error::Internal(e.to_string()))?;
    let now = OffsetDateTime::now_utc();
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO source_releases (source, id, seq, title, published, origin, report, imported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (source, id) DO UPDATE SET seq = excluded.seq, title = excluded.title,
           published = excluded.published, origin = excluded.origin, report = excluded.report,
           imported_at = excluded.imported_at",
    )
    .bind(source)
    .bind(&rel)
    .bind(release.seq())
    .bind(&title)
    .bind(&published)
    .bind(&files.origin)
    .bind(sqlx::types::Json(json))
    .bind(now)
    .execute(c)
    .await.map(|r| r.rows_affected()))?;
    Ok(report)
}

/// What the parsing thread hands to the writer, in file order.
enum Parsed {
    /// A file begins: the shape of its rows, header columns not imported, its line count.
    File {
        file: &'static str,
        shape: TableShape,
        ignored: Vec<String>,
        lines: u64,
    },
    /// Checked rows of the current file and the lines they came from.
    Rows { rows: Vec<Vec<Value>>, lines: u64 },
    /// The current file is done.
    EndFile,
    /// A file of the layout that this release does not have.
    Missing(&'static str),
}

/// The channel's sending side closed: the writer stopped (on an error of its own).
struct WriterGone;

type Sender = tokio::sync::mpsc::Sender<Result<Parsed>>;

fn send(out: &Sender, msg: Result<Parsed>) -> std::result::Result<(), WriterGone> {
    out.blocking_send(msg).map_err(|_| WriterGone)
}

/// Reads and checks every file of a release, in layout order; the first problem is sent
/// as an error and ends the run.
fn parse_release(
    files: &ReleaseFiles,
    release: &str,
    mut occupation_codes: HashSet<String>,
    out: &Sender,
) {
    for spec in onet::FILES {
        let step = match files.read(spec.file) {
            Ok(None) => send(out, Ok(Parsed::Missing(spec.file))),
            Ok(Some(text)) => match parse_file(spec, &text, release, &mut occupation_codes, out) {
                Ok(r) => r,
                Err(e) => {
                    let _ = send(out, Err(e));
                    return;
                }
            },
            Err(e) => {
                let _ = send(out, Err(e));
                return;
            }
        };
        if step.is_err() {
            return;
        }
    }
}

/// Checks one file and sends its rows in batches. `Err` is a problem in the file;
/// `Ok(Err(WriterGone))` means the writer stopped listening.
fn parse_file(
    spec: &'static onet::FileSpec,
    text: &str,
    release: &str,
    occupation_codes: &mut HashSet<String>,
    out: &Sender,
) -> Result<std::result::Result<(), WriterGone>> {
    let file = spec.file;
    let mut reader = onet::FileReader::new(spec, file, text)?;
    let header = reader.header().clone();
    let mut columns = vec!["release"];
    let mut types = vec![ColType::Text];
    if let Some((col, _)) = spec.discriminator {
        columns.push(col);
        types.push(ColType::Text);
    }
    columns.extend(header.db_columns());
    types.extend(spec.columns.iter().map(|c| c.ty));
    let line_column = onet::line_column(spec.table);
    if let Some(col) = line_column {
        columns.push(col);
        types.push(ColType::OptInt);
    }
    let shape = TableShape {
        table: spec.table,
        columns,
        types,
    };
    let per_batch = shape.batch_rows();
    let total = text.bytes().filter(|b| *b == b'\n').count() as u64;
    if let Err(gone) = send(
        out,
        Ok(Parsed::File {
            file,
            shape,
            ignored: header.ignored.clone(),
            lines: total,
        }),
    ) {
        return Ok(Err(gone));
    }
    let is_occupations = spec.table == "onet_occupations";
    let mut batch = Vec::with_capacity(per_batch);
    // Rows must be about occupations the release lists; Occupation Data.txt itself (read
    // first) and releases without any list (nothing to check against) are exempt.
    let known: Option<HashSet<String>> =
        (!is_occupations && !occupation_codes.is_empty()).then(|| occupation_codes.clone());
    let mut since = 0u64;
    let mut last_line = 1usize;
    while let Some(row) = reader.next_row(known.as_ref()) {
        let (line_no, values) = row?;
        since += (line_no - last_line) as u64;
        last_line = line_no;
        if is_occupations
            && let Value::Text(code) = &values[0]
            && !occupation_codes.insert(code.clone())
        {
            return Err(RowError {
                file: file.into(),
                line: line_no,
                field: "O*NET-SOC Code".into(),
                message: format!("{code} is listed twice"),
            }
            .into());
        }
        let mut row = Vec::with_capacity(values.len() + 2);
        row.push(Value::Text(release.to_string()));
        if let Some((_, v)) = spec.discriminator {
            row.push(Value::Text(v.to_string()));
        }
        row.extend(values);
        if line_column.is_some() {
            row.push(Value::Int(line_no as i64));
        }
        batch.push(row);
        if batch.len() >= per_batch {
            let rows = std::mem::replace(&mut batch, Vec::with_capacity(per_batch));
            if let Err(gone) = send(out, Ok(Parsed::Rows { rows, lines: since })) {
                return Ok(Err(gone));
            }
            since = 0;
        }
    }
    if let Err(gone) = send(
        out,
        Ok(Parsed::Rows {
            rows: batch,
            lines: since,
        }),
    ) {
        return Ok(Err(gone));
    }
    Ok(send(out, Ok(Parsed::EndFile)))
}
