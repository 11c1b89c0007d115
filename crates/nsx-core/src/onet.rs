//! The O*NET text-release layout: which file goes to which table, which columns each has,
//! and how each field is checked. Reading the bytes is the importer's job; the rules live here.
//!
//! Columns are matched by header name, not position, so releases that add or drop columns
//! (Work Styles changed shape in 30.0) still import. Missing values are written `n/a`.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::codes::{CipCode, OnetSocCode};

/// How a field is read and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    /// Non-empty text.
    Text,
    /// Text, `n/a` or empty allowed (stored as NULL).
    OptText,
    /// An O*NET-SOC code.
    Code,
    /// A whole number.
    Int,
    /// A whole number or `n/a`.
    OptInt,
    /// A decimal number.
    Real,
    /// A decimal number or `n/a`.
    OptReal,
    /// `Y` or `N` (or `n/a`, stored as NULL).
    OptFlag,
}

/// One column of a file: its header in the file, its column in the database, its type,
/// and whether a release without it is refused.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header text in the file (matched case-insensitively).
    pub header: &'static str,
    /// Column in the database table.
    pub db: &'static str,
    /// How the value is checked.
    pub ty: ColType,
    /// Whether the header must be present.
    pub required: bool,
}

const fn req(header: &'static str, db: &'static str, ty: ColType) -> Column {
    Column {
        header,
        db,
        ty,
        required: true,
    }
}

const fn opt(header: &'static str, db: &'static str, ty: ColType) -> Column {
    Column {
        header,
        db,
        ty,
        required: false,
    }
}

/// A file of the official layout and where its rows go.
#[derive(Debug, Clone, Copy)]
pub struct FileSpec {
    /// File name inside the release, e.g. `Task Statements.txt`.
    pub file: &'static str,
    /// Database table.
    pub table: &'static str,
    /// A constant column that tells apart files sharing one table (`domain = 'skills'`).
    pub discriminator: Option<(&'static str, &'static str)>,
    /// The columns read from the file.
    pub columns: &'static [Column],
    /// Only `Occupation Data.txt` is required in a release.
    pub required: bool,
}

use ColType::*;

const CODE: Column = req("O*NET-SOC Code", "code", Code);
const DATE: Column = opt("Date", "date", OptText);
const DOMAIN_SOURCE: Column = opt("Domain Source", "domain_source", OptText);

/// The shared layout of the rating files (Skills, Knowledge, Abilities, Work Activities,
/// Work Context, Work Styles, Interests, Work Values, Education Training and Experience).
const RATING_COLUMNS: &[Column] = &[
    CODE,
    req("Element ID", "element_id", Text),
    req("Element Name", "element_name", Text),
    req("Scale ID", "scale_id", Text),
    opt("Category", "category", OptInt),
    req("Data Value", "data_value", Real),
    opt("N", "n", OptInt),
    opt("Standard Error", "standard_error", OptReal),
    opt("Lower CI Bound", "lower_ci", OptReal),
    opt("Upper CI Bound", "upper_ci", OptReal),
    opt("Recommend Suppress", "recommend_suppress", OptFlag),
    opt("Not Relevant", "not_relevant", OptFlag),
    DATE,
    DOMAIN_SOURCE,
];

const fn rating(file: &'static str, domain: &'static str) -> FileSpec {
    FileSpec {
        file,
        table: "onet_ratings",
        discriminator: Some(("domain", domain)),
        columns: RATING_COLUMNS,
        required: false,
    }
}

/// The five "X to Y" element link files share a shape; their headers carry the names.
const fn link_file(file: &'static str, kind: &'static str, columns: &'static [Column]) -> FileSpec {
    FileSpec {
        file,
        table: "onet_element_links",
        discriminator: Some(("kind", kind)),
        columns,
        required: false,
    }
}

macro_rules! link_columns {
    ($from:literal, $to:literal) => {
        &[
            req(concat!($from, " Element ID"), "from_element_id", Text),
            req(concat!($from, " Element Name"), "from_element_name", Text),
            req(concat!($to, " Element ID"), "to_element_id", Text),
            req(concat!($to, " Element Name"), "to_element_name", Text),
        ]
    };
}

/// The column that keeps each row's line in its file, for tables whose row order carries
/// meaning: `Task Statements.txt` lists an occupation's tasks in O*NET's order of
/// importance.
pub fn line_column(table: &str) -> Option<&'static str> {
    (table == "onet_tasks").then_some("file_line")
}

/// Every file of the official text layout that NSX imports, in import order.
pub const FILES: &[FileSpec] = &[
    FileSpec {
        file: "Occupation Data.txt",
        table: "onet_occupations",
        discriminator: None,
        columns: &[
            CODE,
            req("Title", "title", Text),
            req("Description", "description", Text),
        ],
        required: true,
    },
    FileSpec {
        file: "Job Zone Reference.txt",
        table: "onet_job_zone_reference",
        discriminator: None,
        columns: &[
            req("Job Zone", "job_zone", Int),
            req("Name", "name", Text),
            opt("Experience", "experience", OptText),
            opt("Education", "education", OptText),
            opt("Job Training", "job_training", OptText),
            opt("Examples", "examples", OptText),
            opt("SVP Range", "svp_range", OptText),
        ],
        required: false,
    },
    FileSpec {
        file: "Job Zones.txt",
        table: "onet_job_zones",
        discriminator: None,
        columns: &[CODE, req("Job Zone", "job_zone", Int), DATE, DOMAIN_SOURCE],
        required: false,
    },
    FileSpec {
        file: "Task Statements.txt",
        table: "onet_tasks",
        discriminator: None,
        columns: &[
            CODE,
            req("Task ID", "task_id", Int),
            req("Task", "task", Text),
            opt("Task Type", "task_type", OptText),
            opt("Incumbents Responding", "incumbents_responding", OptReal),
            DATE,
            DOMAIN_SOURCE,
        ],
        required: false,
    },
    FileSpec {
        file: "Task Ratings.txt",
        table: "onet_task_ratings",
        discriminator: None,
        columns: &[
            CODE,
            req("Task ID", "task_id", Int),
            req("Scale ID", "scale_id", Text),
            opt("Category", "category", OptInt),
            req("Data Value", "data_value", Real),
            opt("N", "n", OptInt),
            opt("Standard Error", "standard_error", OptReal),
            opt("Lower CI Bound", "lower_ci", OptReal),
            opt("Upper CI Bound", "upper_ci", OptReal),
            opt("Recommend Suppress", "recommend_suppress", OptFlag),
            DATE,
            DOMAIN_SOURCE,
        ],
        required: false,
    },
    FileSpec {
        file: "Emerging Tasks.txt",
        table: "onet_emerging_tasks",
        discriminator: None,
        columns: &[
            CODE,
            req("Task", "task", Text),
            opt("Category", "category", OptText),
            opt("Original Task ID", "original_task_id", OptInt),
            opt("Original Task", "original_task", OptText),
            DATE,
            DOMAIN_SOURCE,
        ],
        required: false,
    },
    rating("Skills.txt", "skills"),
    rating("Knowledge.txt", "knowledge"),
    rating("Abilities.txt", "abilities"),
    rating("Work Activities.txt", "work_activities"),
    rating("Work Context.txt", "work_context"),
    rating("Work Styles.txt", "work_styles"),
    rating("Interests.txt", "interests"),
    rating("Work Values.txt", "work_values"),
    rating("Education, Training, and Experience.txt", "education"),
    FileSpec {
        file: "Technology Skills.txt",
        table: "onet_technology_skills",
        discriminator: None,
        columns: &[
            CODE,
            req("Example", "example", Text),
            opt("Commodity Code", "commodity_code", OptInt),
            opt("Commodity Title", "commodity_title", OptText),
            opt("Hot Technology", "hot_technology", OptFlag),
            opt("In Demand", "in_demand", OptFlag),
        ],
        required: false,
    },
    FileSpec {
        file: "Tools Used.txt",
        table: "onet_tools",
        discriminator: None,
        columns: &[
            CODE,
            req("Example", "example", Text),
            opt("Commodity Code", "commodity_code", OptInt),
            opt("Commodity Title", "commodity_title", OptText),
        ],
        required: false,
    },
    FileSpec {
        file: "Alternate Titles.txt",
        table: "onet_alternate_titles",
        discriminator: None,
        columns: &[
            CODE,
            req("Alternate Title", "title", Text),
            opt("Short Title", "short_title", OptText),
            opt("Source(s)", "sources", OptText),
        ],
        required: false,
    },
    FileSpec {
        file: "Sample of Reported Titles.txt",
        table: "onet_reported_titles",
        discriminator: None,
        columns: &[
            CODE,
            req("Reported Job Title", "title", Text),
            opt("Shown in My Next Move", "shown_in_my_next_move", OptFlag),
        ],
        required: false,
    },
    FileSpec {
        file: "Related Occupations.txt",
        table: "onet_related_occupations",
        discriminator: None,
        columns: &[
            CODE,
            req("Related O*NET-SOC Code", "related_code", Code),
            opt("Relatedness Tier", "tier", OptText),
            opt("Index", "idx", OptInt),
        ],
        required: false,
    },
    FileSpec {
        file: "Education, Training, and Experience Categories.txt",
        table: "onet_categories",
        discriminator: Some(("source", "education")),
        columns: CATEGORY_COLUMNS,
        required: false,
    },
    FileSpec {
        file: "Work Context Categories.txt",
        table: "onet_categories",
        discriminator: Some(("source", "work_context")),
        columns: CATEGORY_COLUMNS,
        required: false,
    },
    FileSpec {
        file: "Task Categories.txt",
        table: "onet_categories",
        discriminator: Some(("source", "task")),
        columns: CATEGORY_COLUMNS,
        required: false,
    },
    FileSpec {
        file: "Content Model Reference.txt",
        table: "onet_content_model",
        discriminator: None,
        columns: &[
            req("Element ID", "element_id", Text),
            req("Element Name", "element_name", Text),
            opt("Description", "description", OptText),
        ],
        required: false,
    },
    FileSpec {
        file: "Scales Reference.txt",
        table: "onet_scales",
        discriminator: None,
        columns: &[
            req("Scale ID", "scale_id", Text),
            req("Scale Name", "scale_name", Text),
            opt("Minimum", "minimum", OptReal),
            opt("Maximum", "maximum", OptReal),
        ],
        required: false,
    },
    FileSpec {
        file: "Level Scale Anchors.txt",
        table: "onet_scale_anchors",
        discriminator: None,
        columns: &[
            req("Element ID", "element_id", Text),
            req("Element Name", "element_name", Text),
            req("Scale ID", "scale_id", Text),
            req("Anchor Value", "anchor_value", Real),
            req("Anchor Description", "anchor_description", Text),
        ],
        required: false,
    },
    FileSpec {
        file: "Occupation Level Metadata.txt",
        table: "onet_occupation_metadata",
        discriminator: None,
        columns: &[
            CODE,
            req("Item", "item", Text),
            opt("Response", "response", OptText),
            opt("N", "n", OptInt),
            opt("Percent", "percent", OptReal),
            DATE,
        ],
        required: false,
    },
    FileSpec {
        file: "IWA Reference.txt",
        table: "onet_iwas",
        discriminator: None,
        columns: &[
            req("Element ID", "element_id", Text),
            req("IWA ID", "iwa_id", Text),
            req("IWA Title", "iwa_title", Text),
        ],
        required: false,
    },
    FileSpec {
        file: "DWA Reference.txt",
        table: "onet_dwas",
        discriminator: None,
        columns: &[
            req("Element ID", "element_id", Text),
            req("IWA ID", "iwa_id", Text),
            req("DWA ID", "dwa_id", Text),
            req("DWA Title", "dwa_title", Text),
        ],
        required: false,
    },
    FileSpec {
        file: "Tasks to DWAs.txt",
        table: "onet_task_dwas",
        discriminator: None,
        columns: &[
            CODE,
            req("Task ID", "task_id", Int),
            req("DWA ID", "dwa_id", Text),
            DATE,
            DOMAIN_SOURCE,
        ],
        required: false,
    },
    link_file(
        "Skills to Work Activities.txt",
        "skills_work_activities",
        link_columns!("Skills", "Work Activities"),
    ),
    link_file(
        "Skills to Work Context.txt",
        "skills_work_context",
        link_columns!("Skills", "Work Context"),
    ),
    link_file(
        "Abilities to Work Activities.txt",
        "abilities_work_activities",
        link_columns!("Abilities", "Work Activities"),
    ),
    link_file(
        "Abilities to Work Context.txt",
        "abilities_work_context",
        link_columns!("Abilities", "Work Context"),
    ),
    link_file(
        "Basic Interests to RIASEC.txt",
        "basic_interests_riasec",
        link_columns!("Basic Interests", "RIASEC"),
    ),
    FileSpec {
        file: "UNSPSC Reference.txt",
        table: "onet_unspsc",
        discriminator: None,
        columns: &[
            req("Commodity Code", "commodity_code", Int),
            req("Commodity Title", "commodity_title", Text),
            opt("Class Code", "class_code", OptInt),
            opt("Class Title", "class_title", OptText),
            opt("Family Code", "family_code", OptInt),
            opt("Family Title", "family_title", OptText),
            opt("Segment Code", "segment_code", OptInt),
            opt("Segment Title", "segment_title", OptText),
        ],
        required: false,
    },
    FileSpec {
        file: "RIASEC Keywords.txt",
        table: "onet_riasec_keywords",
        discriminator: None,
        columns: &[
            req("Element ID", "element_id", Text),
            req("Element Name", "element_name", Text),
            req("Keyword", "keyword", Text),
            opt("Keyword Type", "keyword_type", OptText),
        ],
        required: false,
    },
    FileSpec {
        file: "Interests Illustrative Activities.txt",
        table: "onet_interest_examples",
        discriminator: Some(("kind", "activity")),
        columns: &[
            req("Element ID", "element_id", Text),
            req("Element Name", "element_name", Text),
            opt("Interest Type", "interest_type", OptText),
            req("Activity", "example", Text),
        ],
        required: false,
    },
    FileSpec {
        file: "Interests Illustrative Occupations.txt",
        table: "onet_interest_examples",
        discriminator: Some(("kind", "occupation")),
        columns: &[
            req("Element ID", "element_id", Text),
            req("Element Name", "element_name", Text),
            opt("Interest Type", "interest_type", OptText),
            req("O*NET-SOC Code", "example", Code),
        ],
        required: false,
    },
    FileSpec {
        file: "Survey Booklet Locations.txt",
        table: "onet_survey_booklet",
        discriminator: None,
        columns: &[
            req("Element ID", "element_id", Text),
            req("Element Name", "element_name", Text),
            req("Survey Item Number", "survey_item_number", Text),
            req("Scale ID", "scale_id", Text),
        ],
        required: false,
    },
];

const CATEGORY_COLUMNS: &[Column] = &[
    opt("Element ID", "element_id", OptText),
    opt("Element Name", "element_name", OptText),
    req("Scale ID", "scale_id", Text),
    req("Category", "category", Int),
    req("Category Description", "description", Text),
];

/// Looks a file up by its name in a release (case-insensitive).
pub fn spec_for(file_name: &str) -> Option<&'static FileSpec> {
    FILES
        .iter()
        .find(|f| f.file.eq_ignore_ascii_case(file_name))
}

/// Every table the O*NET import writes, each once.
pub fn tables() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for f in FILES {
        if !out.contains(&f.table) {
            out.push(f.table);
        }
    }
    out
}

/// A checked field value, ready to bind.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Missing (`n/a` or empty).
    Null,
    /// Text.
    Text(String),
    /// Whole number.
    Int(i64),
    /// Decimal number.
    Real(f64),
    /// Yes/no flag.
    Bool(bool),
}

/// A row or header that breaks the layout, located as `file:line: field: what`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RowError {
    /// File name (as given to the importer).
    pub file: String,
    /// 1-based line number (the header is line 1).
    pub line: usize,
    /// The column (header text), or `row` for whole-row problems.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.field, self.message
        )
    }
}

/// A header matched against a spec: for each spec column, the index in the file (if present).
#[derive(Debug, Clone)]
pub struct HeaderMap {
    spec: &'static FileSpec,
    positions: Vec<Option<usize>>,
    width: usize,
    /// Header columns the spec does not know (kept for the import report).
    pub ignored: Vec<String>,
}

impl HeaderMap {
    /// Matches a header line's fields to the spec's columns.
    pub fn new(spec: &'static FileSpec, file: &str, header: &[&str]) -> Result<Self, RowError> {
        let clean: Vec<String> = header
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut positions = Vec::with_capacity(spec.columns.len());
        for col in spec.columns {
            let pos = clean
                .iter()
                .position(|h| h.eq_ignore_ascii_case(col.header));
            if pos.is_none() && col.required {
                return Err(RowError {
                    file: file.to_string(),
                    line: 1,
                    field: col.header.to_string(),
                    message: format!(
                        "required column is missing from the header (found: {})",
                        clean.join(", ")
                    ),
                });
            }
            positions.push(pos);
        }
        let ignored = clean
            .iter()
            .filter(|h| {
                !spec
                    .columns
                    .iter()
                    .any(|c| c.header.eq_ignore_ascii_case(h))
            })
            .cloned()
            .collect();
        Ok(Self {
            spec,
            positions,
            width: clean.len(),
            ignored,
        })
    }

    /// The spec this header was matched to.
    pub fn spec(&self) -> &'static FileSpec {
        self.spec
    }

    /// The database columns written, in bind order (without `release` and the discriminator).
    pub fn db_columns(&self) -> Vec<&'static str> {
        self.spec.columns.iter().map(|c| c.db).collect()
    }

    /// Checks one data row and returns its values in [`HeaderMap::db_columns`] order.
    pub fn parse_row(
        &self,
        file: &str,
        line: usize,
        fields: &[&str],
    ) -> Result<Vec<Value>, RowError> {
        if fields.len() != self.width {
            return Err(RowError {
                file: file.to_string(),
                line,
                field: "row".into(),
                message: format!("has {} fields, the header has {}", fields.len(), self.width),
            });
        }
        let mut out = Vec::with_capacity(self.positions.len());
        for (col, pos) in self.spec.columns.iter().zip(&self.positions) {
            let raw = pos.map(|p| fields[p]).unwrap_or("n/a");
            let v = parse_value(col.ty, raw).map_err(|message| RowError {
                file: file.to_string(),
                line,
                field: col.header.to_string(),
                message,
            })?;
            out.push(v);
        }
        Ok(out)
    }
}

fn is_missing(raw: &str) -> bool {
    raw.is_empty() || raw.eq_ignore_ascii_case("n/a")
}

/// Checks one raw field against its type.
pub fn parse_value(ty: ColType, raw: &str) -> Result<Value, String> {
    let t = raw.trim();
    match ty {
        Text => {
            if is_missing(t) {
                Err("a value is required here".into())
            } else {
                Ok(Value::Text(t.to_string()))
            }
        }
        OptText => Ok(if is_missing(t) {
            Value::Null
        } else {
            Value::Text(t.to_string())
        }),
        Code => t
            .parse::<OnetSocCode>()
            .map(|c| Value::Text(c.as_str().to_string()))
            .map_err(|e| e.to_string()),
        Int | OptInt => {
            if is_missing(t) {
                return if ty == Int {
                    Err("a whole number is required here".into())
                } else {
                    Ok(Value::Null)
                };
            }
            // Some releases write counts as "87.0".
            let s = t.strip_suffix(".0").unwrap_or(t);
            s.parse::<i64>()
                .map(Value::Int)
                .map_err(|_| format!("{t:?} is not a whole number"))
        }
        Real | OptReal => {
            if is_missing(t) {
                return if ty == Real {
                    Err("a number is required here".into())
                } else {
                    Ok(Value::Null)
                };
            }
            match t.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(Value::Real(v)),
                _ => Err(format!("{t:?} is not a number")),
            }
        }
        OptFlag => match t {
            "Y" | "y" => Ok(Value::Bool(true)),
            "N" | "n" => Ok(Value::Bool(false)),
            _ if is_missing(t) => Ok(Value::Null),
            _ => Err(format!("{t:?} is not Y or N")),
        },
    }
}

/// Checks a CIP code field from the NCES crosswalk.
pub fn parse_cip(raw: &str) -> Result<CipCode, String> {
    raw.parse::<CipCode>().map_err(|e| e.to_string())
}

/// Splits one line of a tab-delimited O*NET file (no quoting), dropping a trailing CR.
pub fn split_line(line: &str) -> Vec<&str> {
    line.strip_suffix('\r')
        .unwrap_or(line)
        .split('\t')
        .collect()
}

/// Reads one file of a release and checks it as a whole, not only row by row: line endings
/// (a bare carriage return would silently join every line into one), the header, each
/// row, rows repeated word for word, and rows about occupations the release does not list.
/// Every problem stops the read with `file:line: field: what`.
pub struct FileReader<'a> {
    file: &'a str,
    header: HeaderMap,
    lines: std::iter::Enumerate<std::str::Lines<'a>>,
    /// Each data line seen, with its line number (to name the first copy of a repeat).
    seen: HashMap<&'a str, usize>,
    /// Whether the first column is the row's occupation code.
    coded: bool,
}

impl<'a> FileReader<'a> {
    /// Checks line endings and the header of `text`, the contents of `spec`'s file (shown
    /// in errors as `file`).
    pub fn new(spec: &'static FileSpec, file: &'a str, text: &'a str) -> Result<Self, RowError> {
        if let Some(at) = bare_cr(text) {
            return Err(RowError {
                file: file.into(),
                line: text[..at].matches('\n').count() + 1,
                field: "line endings".into(),
                message: "a carriage return (CR) ends this line without a line feed; save the file with LF or CRLF line endings".into(),
            });
        }
        let mut lines = text.lines().enumerate();
        let header_line = loop {
            match lines.next() {
                Some((_, l)) if l.trim().is_empty() => continue,
                Some((_, l)) => break l,
                None => {
                    return Err(RowError {
                        file: file.into(),
                        line: 1,
                        field: "header".into(),
                        message: "the file is empty".into(),
                    });
                }
            }
        };
        let header = HeaderMap::new(spec, file, &split_line(header_line))?;
        let coded = spec
            .columns
            .first()
            .is_some_and(|c| c.ty == ColType::Code && c.db == "code");
        Ok(FileReader {
            file,
            header,
            lines,
            seen: HashMap::new(),
            coded,
        })
    }

    /// The header as matched against the spec.
    pub fn header(&self) -> &HeaderMap {
        &self.header
    }

    /// The next data row with its 1-based line number. With `known`, a row whose
    /// occupation code is not in it is refused.
    pub fn next_row(
        &mut self,
        known: Option<&HashSet<String>>,
    ) -> Option<Result<(usize, Vec<Value>), RowError>> {
        loop {
            let (i, line) = self.lines.next()?;
            let line_no = i + 1;
            if line.trim().is_empty() {
                continue;
            }
            let fields = split_line(line);
            let values = match self.header.parse_row(self.file, line_no, &fields) {
                Ok(v) => v,
                Err(e) => return Some(Err(e)),
            };
            let content = line.strip_suffix('\r').unwrap_or(line);
            if let Some(first) = self.seen.insert(content, line_no) {
                return Some(Err(RowError {
                    file: self.file.into(),
                    line: line_no,
                    field: "row".into(),
                    message: format!("repeats line {first} word for word"),
                }));
            }
            if self.coded
                && let Some(known) = known
                && let Some(Value::Text(code)) = values.first()
                && !known.contains(code)
            {
                return Some(Err(RowError {
                    file: self.file.into(),
                    line: line_no,
                    field: self.header.spec.columns[0].header.into(),
                    message: format!(
                        "{code} is not an occupation of this release (Occupation Data.txt)"
                    ),
                }));
            }
            return Some(Ok((line_no, values)));
        }
    }
}

/// Where a carriage return stands without a line feed after it, if anywhere.
fn bare_cr(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    b.iter()
        .enumerate()
        .find(|(i, c)| **c == b'\r' && b.get(i + 1) != Some(&b'\n'))
        .map(|(i, _)| i)
}

/// Reads a whole file with [`FileReader`] (the importer streams instead; this is for
/// checks and tests): its rows, or the first problem.
pub fn read_file(
    spec: &'static FileSpec,
    file: &str,
    text: &str,
    known: Option<&HashSet<String>>,
) -> Result<Vec<(usize, Vec<Value>)>, RowError> {
    let mut r = FileReader::new(spec, file, text)?;
    let mut out = Vec::new();
    while let Some(row) = r.next_row(known) {
        out.push(row?);
    }
    Ok(out)
}

/// One fuzzing input: the first byte picks the file of the layout, the rest is its text,
/// read against a release that lists one occupation (`17-3024.00`). Used by the
/// `onet_file` fuzz target and by the test that replays its corpus.
pub fn fuzz_one(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let spec = &FILES[usize::from(pick) % FILES.len()];
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let known: HashSet<String> = ["17-3024.00".to_string()].into();
    let _ = read_file(spec, spec.file, text, Some(&known));
}

/// Indexes the specs by lower-cased file name.
pub fn specs_by_file() -> HashMap<String, &'static FileSpec> {
    FILES
        .iter()
        .map(|f| (f.file.to_ascii_lowercase(), f))
        .collect()
}

/// A rating written with its scale, so values on different scales are not read alike:
/// `IM` "importance 4.12 of 5", `LV` "level 3.50 of 7", `WI` "impact +2.30 (−3 to +3)",
/// `DR` "distinctiveness 7.00 of 10"; any other scale keeps its ID.
pub fn rating_label(scale: &str, value: f64) -> String {
    match scale {
        "IM" => format!("importance {value:.2} of 5"),
        "LV" => format!("level {value:.2} of 7"),
        "WI" => format!("impact {value:+.2} (\u{2212}3 to +3)"),
        "DR" => format!("distinctiveness {value:.2} of 10"),
        other => format!("{other} {value:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_has_a_code_or_reference_key_and_unique_name() {
        let mut names: Vec<_> = FILES.iter().map(|f| f.file).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), FILES.len());
        assert_eq!(FILES.iter().filter(|f| f.required).count(), 1);
        for f in FILES {
            assert!(!f.columns.is_empty(), "{} has no columns", f.file);
        }
    }

    #[test]
    fn link_files_get_their_own_headers() {
        let s = spec_for("skills to work context.txt").unwrap();
        assert_eq!(s.columns[2].header, "Work Context Element ID");
        let a = spec_for("Abilities to Work Activities.txt").unwrap();
        assert_eq!(a.columns[0].header, "Abilities Element ID");
        assert_eq!(a.columns[2].header, "Work Activities Element ID");
        let r = spec_for("Basic Interests to RIASEC.txt").unwrap();
        assert_eq!(r.columns[2].header, "RIASEC Element ID");
        let sw = spec_for("Skills to Work Activities.txt").unwrap();
        assert_eq!(sw.columns[2].header, "Work Activities Element ID");
    }

    #[test]
    fn values_are_checked() {
        assert_eq!(parse_value(OptReal, "n/a"), Ok(Value::Null));
        assert_eq!(parse_value(Real, "4.25"), Ok(Value::Real(4.25)));
        assert!(parse_value(Real, "n/a").is_err());
        assert_eq!(parse_value(OptInt, "87.0"), Ok(Value::Int(87)));
        assert!(
            parse_value(Int, "eight")
                .unwrap_err()
                .contains("whole number")
        );
        assert_eq!(parse_value(OptFlag, "Y"), Ok(Value::Bool(true)));
        assert!(parse_value(OptFlag, "maybe").is_err());
        assert!(parse_value(Code, "17-3024").is_err());
        assert!(parse_value(Real, "NaN").is_err());
    }

    #[test]
    fn rows_are_matched_by_header_name() {
        let spec = spec_for("Work Styles.txt").unwrap();
        // The 30.x shape: no N, CI or suppress columns.
        let header = split_line(
            "O*NET-SOC Code\tElement ID\tElement Name\tScale ID\tData Value\tDate\tDomain Source\r",
        );
        let map = HeaderMap::new(spec, "Work Styles.txt", &header).unwrap();
        let row = map
            .parse_row(
                "Work Styles.txt",
                2,
                &split_line("11-1011.00\t1.D.1.a\tInnovation\tDR\t7.00\t12/2025\tAI/Expert"),
            )
            .unwrap();
        assert_eq!(row[0], Value::Text("11-1011.00".into()));
        assert_eq!(row[5], Value::Real(7.0));
        assert_eq!(row[6], Value::Null, "N is absent in this shape");
        let err = map
            .parse_row(
                "Work Styles.txt",
                9,
                &split_line("11-1011.00\t1.D.1.a\tInnovation\tDR\tlots\t12/2025\tAI/Expert"),
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Work Styles.txt:9: Data Value: \"lots\" is not a number"
        );
        let short = map
            .parse_row("Work Styles.txt", 3, &["11-1011.00"])
            .unwrap_err();
        assert!(
            short
                .to_string()
                .starts_with("Work Styles.txt:3: row: has 1 fields")
        );
    }

    #[test]
    fn missing_required_header_is_reported_on_line_one() {
        let spec = spec_for("Occupation Data.txt").unwrap();
        let err =
            HeaderMap::new(spec, "Occupation Data.txt", &["O*NET-SOC Code", "Title"]).unwrap_err();
        assert_eq!(err.line, 1);
        assert_eq!(err.field, "Description");
    }

    #[test]
    fn whole_file_problems_are_located() {
        let spec = spec_for("Task Statements.txt").unwrap();
        let head = "O*NET-SOC Code\tTask ID\tTask\n";
        let row = |id: u32| format!("17-3024.00\t{id}\tCheck the gauges.\n");
        let known: HashSet<String> = ["17-3024.00".to_string()].into();
        let ok = format!("{head}{}{}", row(1), row(2));
        assert_eq!(
            read_file(spec, "T.txt", &ok, Some(&known)).unwrap().len(),
            2
        );

        let cr = ok.replace('\n', "\r");
        let e = read_file(spec, "T.txt", &cr, Some(&known)).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (1, "line endings"));

        let twice = format!("{head}{}{}{}", row(1), row(2), row(1));
        let e = read_file(spec, "T.txt", &twice, Some(&known)).unwrap_err();
        assert_eq!(e.to_string(), "T.txt:4: row: repeats line 2 word for word");

        let stranger = format!("{head}{}99-9999.99\t3\tGuess.\n", row(1));
        let e = read_file(spec, "T.txt", &stranger, Some(&known)).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("99-9999.99"), "{e}");
        // Without a list of occupations (nothing to check against) the row is read.
        assert_eq!(read_file(spec, "T.txt", &stranger, None).unwrap().len(), 2);
    }

    #[test]
    fn ratings_carry_their_scale() {
        assert_eq!(rating_label("IM", 4.126), "importance 4.13 of 5");
        assert_eq!(rating_label("WI", 2.3), "impact +2.30 (\u{2212}3 to +3)");
        assert_eq!(rating_label("WI", -1.0), "impact -1.00 (\u{2212}3 to +3)");
        assert_eq!(rating_label("XX", 1.0), "XX 1.00");
    }
}
