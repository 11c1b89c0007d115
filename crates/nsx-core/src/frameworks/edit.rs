//! Editing a draft version: the operations an editor can apply, each checked and applied to
//! an in-memory copy of the version, so that pages, the API and the command line share one
//! set of rules and a failed edit changes nothing.
//!
//! A statement keeps its item id when it is reworded or moved (so diffs and CASE
//! identifiers follow it); a new statement gets a new item id.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Citation, DurableDomain, Level, Section, Statement};
use crate::accounts::FieldError;
use crate::codes::OnetSocCode;

/// Longest subject an editor may write.
pub const MAX_SUBJECT: usize = 200;
/// Longest performance an editor may write.
pub const MAX_PERFORMANCE: usize = 2_000;
/// Longest context paragraph.
pub const MAX_CONTEXT: usize = 10_000;
/// Most statements a version may hold.
pub const MAX_STATEMENTS: usize = 2_000;

/// Slugs that name pages under `/frameworks/` and so cannot be framework codes.
pub const RESERVED_CODES: [&str; 3] = ["new", "import", "subscriptions"];

/// A framework's code: the O*NET-SOC code of a drafted occupation framework
/// (`17-3024.00`), or a slug an organization chose for its own (`industrial-maintenance`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FrameworkCode(String);

impl FrameworkCode {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is an occupation's O*NET-SOC code (a drafted framework).
    pub fn is_occupation(&self) -> bool {
        self.0.parse::<OnetSocCode>().is_ok()
    }

    /// Checks a slug an organization chose: 3–64 lower-case letters, digits and single
    /// hyphens, starting with a letter. (O*NET-SOC codes are reserved for drafted
    /// frameworks.)
    pub fn slug(s: &str) -> Result<FrameworkCode, FieldError> {
        let t = s.trim();
        let bad = |why: &str| FieldError::new("code", format!("{t:?} {why}"));
        if !(3..=64).contains(&t.len()) {
            return Err(bad("must be 3 to 64 characters long"));
        }
        if !t.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(bad("must start with a lower-case letter"));
        }
        if !t
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(bad("may hold only lower-case letters, digits and hyphens"));
        }
        if t.ends_with('-') || t.contains("--") {
            return Err(bad("may not end with a hyphen or hold two in a row"));
        }
        if RESERVED_CODES.contains(&t) {
            return Err(bad("names a page of the exchange; choose another code"));
        }
        Ok(FrameworkCode(t.to_string()))
    }

    /// A slug made from a title (`Industrial Maintenance & Mechatronics` →
    /// `industrial-maintenance-mechatronics`), or `None` if nothing usable remains.
    pub fn slug_from_title(title: &str) -> Option<FrameworkCode> {
        let mut out = String::new();
        for c in title.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let mut s = out.trim_matches('-').to_string();
        while s.starts_with(|c: char| c.is_ascii_digit()) {
            s.remove(0);
        }
        s.truncate(64);
        FrameworkCode::slug(s.trim_matches('-')).ok()
    }
}

impl FromStr for FrameworkCode {
    type Err = FieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().parse::<OnetSocCode>() {
            Ok(c) => Ok(FrameworkCode(c.as_str().to_string())),
            Err(_) => FrameworkCode::slug(s),
        }
    }
}

impl TryFrom<String> for FrameworkCode {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<FrameworkCode> for String {
    fn from(c: FrameworkCode) -> String {
        c.0
    }
}

impl fmt::Display for FrameworkCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A statement of a version being edited: its stable item id and its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditableStatement {
    /// Item id, kept across rewording and moves.
    pub item_id: Uuid,
    /// Content.
    pub statement: Statement,
}

/// A draft's editable content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditableVersion {
    /// The "context covered" paragraph.
    pub context: String,
    /// Statements in section, domain, level and order sequence.
    pub statements: Vec<EditableStatement>,
}

/// Where a statement goes: a section, a level on that section's scale, and for durable
/// statements a domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Placement {
    /// Section.
    pub section: Section,
    /// Durable domain (durable section only).
    pub domain: Option<DurableDomain>,
    /// Level on the section's scale.
    pub level: Level,
}

impl Placement {
    /// Checks that the level belongs to the section's scale and that durable statements,
    /// and only they, name a domain.
    pub fn check(&self) -> Result<(), FieldError> {
        match (self.section, self.level, self.domain) {
            (Section::Durable, Level::Durable(_), Some(_)) => Ok(()),
            (Section::Durable, Level::Durable(_), None) => Err(FieldError::new(
                "domain",
                "a durable-skill statement needs a domain",
            )),
            (Section::Durable, Level::Mastery(_), _) => Err(FieldError::new(
                "level",
                "durable-skill statements use the durable levels (emerging, developing, applying, exceeding)",
            )),
            (_, Level::Mastery(_), None) => Ok(()),
            (_, Level::Mastery(_), Some(_)) => Err(FieldError::new(
                "domain",
                "only durable-skill statements have a domain",
            )),
            (_, Level::Durable(_), _) => Err(FieldError::new(
                "level",
                "technical and AI-usage statements use the mastery levels (emerging, developing, proficient, advanced)",
            )),
        }
    }

    fn matches(&self, s: &Statement) -> bool {
        s.section == self.section && s.domain == self.domain && s.level == self.level
    }
}

/// One change to a draft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    /// Replace the context paragraph.
    SetContext {
        /// The new paragraph (1–10,000 characters).
        #[schema(min_length = 1, max_length = 10000)]
        context: String,
    },
    /// Add a statement at the end of its level (or at `position`, 1-based).
    AddStatement {
        /// Where it goes.
        #[serde(flatten)]
        placement: Placement,
        /// Subject (e.g. "Electromechanical assemblies"; 1–200 characters).
        #[schema(min_length = 1, max_length = 200)]
        subject: String,
        /// Performance, verb first (1–2,000 characters).
        #[schema(min_length = 1, max_length = 2000)]
        performance: String,
        /// 1-based position within its level; the end when absent.
        #[schema(minimum = 1)]
        position: Option<usize>,
        /// Citations (at least one).
        #[schema(min_items = 1)]
        citations: Vec<Citation>,
    },
    /// Remove a statement.
    RemoveStatement {
        /// The statement's item id.
        item_id: Uuid,
    },
    /// Change a statement's wording.
    Reword {
        /// The statement's item id.
        item_id: Uuid,
        /// New subject (1–200 characters).
        #[schema(min_length = 1, max_length = 200)]
        subject: String,
        /// New performance (1–2,000 characters).
        #[schema(min_length = 1, max_length = 2000)]
        performance: String,
    },
    /// Move a statement to another level or domain, or to another position in its level.
    Move {
        /// The statement's item id.
        item_id: Uuid,
        /// Where it goes.
        #[serde(flatten)]
        placement: Placement,
        /// 1-based position within the level; the end when absent.
        #[schema(minimum = 1)]
        position: Option<usize>,
    },
    /// Add a citation to a statement.
    AddCitation {
        /// The statement's item id.
        item_id: Uuid,
        /// The citation.
        citation: Citation,
    },
    /// Remove a statement's citation (by 1-based number); a statement keeps at least one.
    RemoveCitation {
        /// The statement's item id.
        item_id: Uuid,
        /// 1-based citation number.
        #[schema(minimum = 1)]
        number: usize,
    },
}

impl Edit {
    /// A short description for logs and change lists.
    pub fn describe(&self) -> String {
        match self {
            Edit::SetContext { .. } => "context edited".into(),
            Edit::AddStatement { subject, .. } => format!("statement added: {subject}"),
            Edit::RemoveStatement { item_id } => format!("statement {item_id} removed"),
            Edit::Reword { item_id, .. } => format!("statement {item_id} reworded"),
            Edit::Move { item_id, .. } => format!("statement {item_id} moved"),
            Edit::AddCitation { item_id, .. } => format!("citation added to {item_id}"),
            Edit::RemoveCitation { item_id, number } => {
                format!("citation {number} removed from {item_id}")
            }
        }
    }
}

fn clean_text(field: &str, s: &str, max: usize, required: bool) -> Result<String, FieldError> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if t.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if let Some(c) = t
        .chars()
        .find(|c| c.is_control() && *c != '\n' && *c != '\t' && *c != '\r')
    {
        return Err(FieldError::new(
            field,
            format!("must not hold the control character U+{:04X}", c as u32),
        ));
    }
    Ok(t.to_string())
}

fn check_citation(c: &Citation) -> Result<(), FieldError> {
    if c.source.trim().is_empty() {
        return Err(FieldError::new("citation.source", "must not be empty"));
    }
    if c.release.trim().is_empty() {
        return Err(FieldError::new("citation.release", "must not be empty"));
    }
    clean_text("citation.text", &c.text, 2_000, true)?;
    Ok(())
}

impl EditableVersion {
    fn index_of(&self, item: Uuid) -> Result<usize, FieldError> {
        self.statements
            .iter()
            .position(|s| s.item_id == item)
            .ok_or_else(|| FieldError::new("item_id", format!("no statement {item} in this draft")))
    }

    /// Puts `s` into its level at `position` (1-based; the end when absent), renumbering
    /// the level.
    fn insert_at(
        &mut self,
        s: EditableStatement,
        position: Option<usize>,
    ) -> Result<(), FieldError> {
        let p = Placement {
            section: s.statement.section,
            domain: s.statement.domain,
            level: s.statement.level,
        };
        let members: Vec<usize> = self
            .statements
            .iter()
            .enumerate()
            .filter(|(_, x)| p.matches(&x.statement))
            .map(|(i, _)| i)
            .collect();
        let pos = match position {
            None => members.len(),
            Some(0) => return Err(FieldError::new("position", "positions start at 1")),
            Some(n) if n > members.len() + 1 => {
                return Err(FieldError::new(
                    "position",
                    format!(
                        "the level holds {} statements; use 1 to {}",
                        members.len(),
                        members.len() + 1
                    ),
                ));
            }
            Some(n) => n - 1,
        };
        // Index in the whole list: before the member at `pos`, or after the last member, or
        // (for an empty level) where the level sorts.
        let at = match members.get(pos) {
            Some(&i) => i,
            None => match members.last() {
                Some(&i) => i + 1,
                None => self
                    .statements
                    .iter()
                    .position(|x| sort_key(&x.statement) > sort_key(&s.statement))
                    .unwrap_or(self.statements.len()),
            },
        };
        self.statements.insert(at, s);
        self.renumber();
        Ok(())
    }

    /// Numbers each level's statements 1, 2, 3… in list order.
    fn renumber(&mut self) {
        let mut last: Option<Placement> = None;
        let mut n = 0;
        for s in &mut self.statements {
            let p = Placement {
                section: s.statement.section,
                domain: s.statement.domain,
                level: s.statement.level,
            };
            if last != Some(p) {
                n = 0;
                last = Some(p);
            }
            n += 1;
            s.statement.order = n;
        }
    }

    /// Applies one edit; on error the version is unchanged.
    pub fn apply(
        &mut self,
        edit: &Edit,
        new_item: impl FnOnce() -> Uuid,
    ) -> Result<(), FieldError> {
        let mut next = self.clone();
        next.apply_in_place(edit, new_item)?;
        next.check()?;
        *self = next;
        Ok(())
    }

    fn apply_in_place(
        &mut self,
        edit: &Edit,
        new_item: impl FnOnce() -> Uuid,
    ) -> Result<(), FieldError> {
        match edit {
            Edit::SetContext { context } => {
                self.context = clean_text("context", context, MAX_CONTEXT, true)?;
            }
            Edit::AddStatement {
                placement,
                subject,
                performance,
                position,
                citations,
            } => {
                placement.check()?;
                if citations.is_empty() {
                    return Err(FieldError::new(
                        "citations",
                        "a statement needs at least one citation of its source",
                    ));
                }
                for c in citations {
                    check_citation(c)?;
                }
                if self.statements.len() >= MAX_STATEMENTS {
                    return Err(FieldError::new(
                        "statements",
                        format!("a version holds at most {MAX_STATEMENTS} statements"),
                    ));
                }
                let st = Statement {
                    section: placement.section,
                    domain: placement.domain,
                    level: placement.level,
                    order: 0,
                    subject: clean_text("subject", subject, MAX_SUBJECT, true)?,
                    performance: clean_text("performance", performance, MAX_PERFORMANCE, true)?,
                    citations: citations.clone(),
                };
                self.insert_at(
                    EditableStatement {
                        item_id: new_item(),
                        statement: st,
                    },
                    *position,
                )?;
            }
            Edit::RemoveStatement { item_id } => {
                let i = self.index_of(*item_id)?;
                self.statements.remove(i);
                self.renumber();
            }
            Edit::Reword {
                item_id,
                subject,
                performance,
            } => {
                let i = self.index_of(*item_id)?;
                let subject = clean_text("subject", subject, MAX_SUBJECT, true)?;
                let performance = clean_text("performance", performance, MAX_PERFORMANCE, true)?;
                let s = &mut self.statements[i].statement;
                s.subject = subject;
                s.performance = performance;
            }
            Edit::Move {
                item_id,
                placement,
                position,
            } => {
                placement.check()?;
                let i = self.index_of(*item_id)?;
                let mut s = self.statements.remove(i);
                if s.statement.section != placement.section {
                    return Err(FieldError::new(
                        "section",
                        "a statement moves between levels or domains of its own section",
                    ));
                }
                s.statement.domain = placement.domain;
                s.statement.level = placement.level;
                self.renumber();
                self.insert_at(s, *position)?;
            }
            Edit::AddCitation { item_id, citation } => {
                check_citation(citation)?;
                let i = self.index_of(*item_id)?;
                let cs = &mut self.statements[i].statement.citations;
                if cs.iter().any(|c| c == citation) {
                    return Err(FieldError::new(
                        "citation",
                        "the statement already carries this citation",
                    ));
                }
                cs.push(citation.clone());
            }
            Edit::RemoveCitation { item_id, number } => {
                let i = self.index_of(*item_id)?;
                let cs = &mut self.statements[i].statement.citations;
                if *number == 0 || *number > cs.len() {
                    return Err(FieldError::new(
                        "number",
                        format!("the statement has citations 1 to {}", cs.len()),
                    ));
                }
                if cs.len() == 1 {
                    return Err(FieldError::new(
                        "number",
                        "a statement keeps at least one citation; add another before removing this one",
                    ));
                }
                cs.remove(number - 1);
            }
        }
        Ok(())
    }

    /// Checks the version as a whole: unique item ids, placements on the right scales,
    /// every statement cited, and no two statements of one level with the same subject
    /// and performance.
    pub fn check(&self) -> Result<(), FieldError> {
        let mut ids = HashSet::new();
        let mut texts = HashSet::new();
        for s in &self.statements {
            if !ids.insert(s.item_id) {
                return Err(FieldError::new(
                    "statements",
                    format!("item {} appears twice", s.item_id),
                ));
            }
            let st = &s.statement;
            Placement {
                section: st.section,
                domain: st.domain,
                level: st.level,
            }
            .check()?;
            if st.citations.is_empty() {
                return Err(FieldError::new(
                    "citations",
                    format!("\"{}\" has no citation", st.subject),
                ));
            }
            let key = (
                st.section,
                st.domain,
                st.level,
                st.subject.to_lowercase(),
                st.performance.to_lowercase(),
            );
            if !texts.insert(key) {
                return Err(FieldError::new(
                    "statements",
                    format!(
                        "\"{} — {}\" appears twice at one level",
                        st.subject, st.performance
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Sorts statements into section, domain, level and order sequence and renumbers.
    pub fn normalize(&mut self) {
        self.statements
            .sort_by_key(|s| (sort_key(&s.statement), s.statement.order));
        self.renumber();
    }
}

fn section_rank(s: Section) -> u8 {
    match s {
        Section::Technical => 0,
        Section::Durable => 1,
        Section::AiUsage => 2,
    }
}

fn sort_key(s: &Statement) -> (u8, Option<DurableDomain>, u8) {
    (section_rank(s.section), s.domain, s.level.rank())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frameworks::{DurableLevel, Locator, MasteryLevel};

    fn cite(task: i64) -> Citation {
        Citation {
            source: "onet".into(),
            release: "30.1".into(),
            locator: Locator::Task { task_id: task },
            text: format!("Task {task} as written"),
            value: None,
        }
    }

    fn tech(level: MasteryLevel, order: u32, subject: &str) -> EditableStatement {
        EditableStatement {
            item_id: Uuid::new_v5(&Uuid::nil(), subject.as_bytes()),
            statement: Statement {
                section: Section::Technical,
                domain: None,
                level: Level::Mastery(level),
                order,
                subject: subject.into(),
                performance: format!("work on {subject}"),
                citations: vec![cite(order as i64)],
            },
        }
    }

    fn version() -> EditableVersion {
        EditableVersion {
            context: "Covers maintenance work.".into(),
            statements: vec![
                tech(MasteryLevel::Emerging, 1, "Pumps"),
                tech(MasteryLevel::Emerging, 2, "Valves"),
                tech(MasteryLevel::Developing, 1, "Controllers"),
            ],
        }
    }

    fn id(subject: &str) -> Uuid {
        Uuid::new_v5(&Uuid::nil(), subject.as_bytes())
    }

    fn new_id() -> Uuid {
        Uuid::from_u128(42)
    }

    #[test]
    fn framework_codes_are_occupation_codes_or_slugs() {
        let c: FrameworkCode = "17-3024.00".parse().unwrap();
        assert!(c.is_occupation());
        let s: FrameworkCode = "industrial-maintenance".parse().unwrap();
        assert!(!s.is_occupation());
        for bad in [
            "ab",
            "Industrial",
            "1abc",
            "a--b",
            "abc-",
            "a b c",
            "x\u{0}yz",
            "\"><script>",
        ] {
            assert!(bad.parse::<FrameworkCode>().is_err(), "{bad:?}");
        }
        assert!(FrameworkCode::slug("17-3024.00").is_err());
        assert_eq!(
            FrameworkCode::slug_from_title("Industrial Maintenance & Mechatronics")
                .unwrap()
                .as_str(),
            "industrial-maintenance-mechatronics"
        );
        assert!(FrameworkCode::slug_from_title("!!").is_none());
    }

    #[test]
    fn adding_places_the_statement_and_renumbers_its_level() {
        let mut v = version();
        let add = Edit::AddStatement {
            placement: Placement {
                section: Section::Technical,
                domain: None,
                level: Level::Mastery(MasteryLevel::Emerging),
            },
            subject: "Motors".into(),
            performance: "replace motor bearings under supervision".into(),
            position: Some(1),
            citations: vec![cite(9)],
        };
        v.apply(&add, new_id).unwrap();
        let em: Vec<(&str, u32)> = v
            .statements
            .iter()
            .filter(|s| s.statement.level == Level::Mastery(MasteryLevel::Emerging))
            .map(|s| (s.statement.subject.as_str(), s.statement.order))
            .collect();
        assert_eq!(em, vec![("Motors", 1), ("Pumps", 2), ("Valves", 3)]);
        assert_eq!(v.statements[0].item_id, new_id());
    }

    #[test]
    fn an_uncited_or_misplaced_statement_is_refused_and_nothing_changes() {
        let mut v = version();
        let before = v.clone();
        let uncited = Edit::AddStatement {
            placement: Placement {
                section: Section::Technical,
                domain: None,
                level: Level::Mastery(MasteryLevel::Advanced),
            },
            subject: "Plans".into(),
            performance: "set the plan".into(),
            position: None,
            citations: vec![],
        };
        assert_eq!(v.apply(&uncited, new_id).unwrap_err().field, "citations");
        let wrong_scale = Edit::AddStatement {
            placement: Placement {
                section: Section::Technical,
                domain: None,
                level: Level::Durable(DurableLevel::Applying),
            },
            subject: "Plans".into(),
            performance: "set the plan".into(),
            position: None,
            citations: vec![cite(1)],
        };
        assert_eq!(v.apply(&wrong_scale, new_id).unwrap_err().field, "level");
        let too_far = Edit::Move {
            item_id: id("Pumps"),
            placement: Placement {
                section: Section::Technical,
                domain: None,
                level: Level::Mastery(MasteryLevel::Developing),
            },
            position: Some(9),
        };
        assert_eq!(v.apply(&too_far, new_id).unwrap_err().field, "position");
        assert_eq!(v, before);
    }

    #[test]
    fn moving_keeps_the_item_and_renumbers_both_levels() {
        let mut v = version();
        v.apply(
            &Edit::Move {
                item_id: id("Pumps"),
                placement: Placement {
                    section: Section::Technical,
                    domain: None,
                    level: Level::Mastery(MasteryLevel::Developing),
                },
                position: Some(1),
            },
            new_id,
        )
        .unwrap();
        let pumps = v
            .statements
            .iter()
            .find(|s| s.item_id == id("Pumps"))
            .unwrap();
        assert_eq!(
            pumps.statement.level,
            Level::Mastery(MasteryLevel::Developing)
        );
        assert_eq!(pumps.statement.order, 1);
        let valves = v
            .statements
            .iter()
            .find(|s| s.item_id == id("Valves"))
            .unwrap();
        assert_eq!(valves.statement.order, 1);
        let ctl = v
            .statements
            .iter()
            .find(|s| s.item_id == id("Controllers"))
            .unwrap();
        assert_eq!(ctl.statement.order, 2);
    }

    #[test]
    fn rewording_and_citations_keep_provenance() {
        let mut v = version();
        v.apply(
            &Edit::Reword {
                item_id: id("Valves"),
                subject: "  Control valves ".into(),
                performance: "calibrate control valves".into(),
            },
            new_id,
        )
        .unwrap();
        let s = &v.statements[1].statement;
        assert_eq!(s.subject, "Control valves");
        let last = Edit::RemoveCitation {
            item_id: id("Valves"),
            number: 1,
        };
        assert_eq!(v.apply(&last, new_id).unwrap_err().field, "number");
        v.apply(
            &Edit::AddCitation {
                item_id: id("Valves"),
                citation: cite(77),
            },
            new_id,
        )
        .unwrap();
        v.apply(&last, new_id).unwrap();
        assert_eq!(v.statements[1].statement.citations, vec![cite(77)]);
        let bad = Edit::Reword {
            item_id: id("Valves"),
            subject: "x\u{7}".into(),
            performance: "y".into(),
        };
        assert_eq!(v.apply(&bad, new_id).unwrap_err().field, "subject");
    }

    #[test]
    fn duplicates_and_unknown_items_are_refused() {
        let mut v = version();
        let dup = Edit::Reword {
            item_id: id("Valves"),
            subject: "Pumps".into(),
            performance: "work on Pumps".into(),
        };
        assert_eq!(v.apply(&dup, new_id).unwrap_err().field, "statements");
        let gone = Edit::RemoveStatement {
            item_id: Uuid::from_u128(5),
        };
        assert_eq!(v.apply(&gone, new_id).unwrap_err().field, "item_id");
    }
}
