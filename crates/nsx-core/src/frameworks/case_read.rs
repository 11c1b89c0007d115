//! Reading CASE packages as other tools write them, and turning one into a framework
//! version NSX can store.
//!
//! CASE 1.0 and 1.1 packages differ from tool to tool: links (`CFItemTypeURI`,
//! `originNodeURI`, `licenseURI`…) come as `LinkURI` objects or as plain strings, optional
//! fields are missing or `null`, numbers come as strings and strings as numbers,
//! `CFDefinitions` is an object, an empty array or absent, and trees are nested to any
//! depth. [`read`] accepts all of that and refuses only what leaves a package meaningless:
//! no document, no document identifier or title, an item without an identifier or a
//! statement, an association without both ends, a cycle in the hierarchy, no statements at
//! all. Every refusal names the field and the item
//! (`CFItems[12] (identifier …): fullStatement: missing`).
//!
//! [`to_framework`] then maps the package onto NSX's model:
//!
//! - NSX's own packages (items typed `Statement` with a location such as
//!   `technical/proficient#3`, cited `Source reference` items) come back exactly.
//! - Other packages: every leaf of the `isChildOf` tree becomes a technical statement, in
//!   tree order. Its level is the one a `hasSkillLevel` association or its nearest
//!   ancestor names (Emerging, Developing, Proficient, Advanced), else Emerging. Its
//!   subject is its `abbreviatedStatement`, else the heading of its nearest grouping item
//!   that is not a level, else the document's title. It cites the
//!   item it came from (source `case`, release = the document identifier), so it stays a
//!   valid, cited statement that editors can work on.
//! - Association types NSX does not model (`isPeerOf`, `precedes`, `exemplar`…),
//!   association groupings and rubrics are accepted and left out; the result says so in
//!   its warnings.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::case::{
    PackageError, TYPE_DOMAIN, TYPE_LEVEL, TYPE_SECTION, TYPE_SOURCE, TYPE_STATEMENT,
};
use super::edit::{EditableStatement, EditableVersion, MAX_CONTEXT, MAX_SUBJECT};
use super::{
    Citation, ID_NAMESPACE, Level, Locator, MasteryLevel, Section, Source, Statement, VersionLabel,
};
use crate::codes::OnetSocCode;

/// The source key of citations that point at the CASE item a statement was imported from.
pub const CASE_SOURCE: &str = "case";

/// A link to another object, however the package wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Link {
    /// The target's identifier (empty when only a URI was given and it ends in none).
    pub identifier: String,
    /// The target's URI (may be empty).
    pub uri: String,
    /// The target's title (may be empty).
    pub title: String,
}

/// The `CFDocument` of a package.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// Identifier.
    pub identifier: String,
    /// URI.
    pub uri: String,
    /// Creator.
    pub creator: String,
    /// Title.
    pub title: String,
    /// Last change, when it could be read.
    pub changed: Option<OffsetDateTime>,
    /// The human page of the document.
    pub official_source_url: Option<String>,
    /// Publisher.
    pub publisher: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Subjects.
    pub subject: Vec<String>,
    /// Version.
    pub version: Option<String>,
    /// Adoption status.
    pub adoption_status: Option<String>,
    /// Licence link.
    pub license: Option<Link>,
    /// Notes.
    pub notes: Option<String>,
}

/// A `CFItem`.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Position in `CFItems`.
    pub index: usize,
    /// Identifier.
    pub identifier: String,
    /// URI (may be empty).
    pub uri: String,
    /// The statement.
    pub full_statement: String,
    /// Short form.
    pub abbreviated_statement: Option<String>,
    /// Alternative label.
    pub alternative_label: Option<String>,
    /// Item type title (from `CFItemType` or `CFItemTypeURI`).
    pub item_type: Option<String>,
    /// Coding.
    pub human_coding_scheme: Option<String>,
    /// Position among siblings.
    pub list_enumeration: Option<String>,
    /// The concept an NSX source item belongs to.
    pub concept: Option<Link>,
    /// Notes.
    pub notes: Option<String>,
}

impl Item {
    /// How errors and warnings name the item.
    pub fn name(&self) -> String {
        format!("CFItems[{}] (identifier {})", self.index, self.identifier)
    }
}

/// The association types of CASE 1.0/1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AssociationType {
    /// The origin sits under the destination in the hierarchy.
    IsChildOf,
    /// Peers.
    IsPeerOf,
    /// The origin is part of the destination.
    IsPartOf,
    /// The origin means exactly what the destination means.
    ExactMatchOf,
    /// The origin comes before the destination.
    Precedes,
    /// Related.
    IsRelatedTo,
    /// The origin was replaced by the destination.
    ReplacedBy,
    /// The destination is an example of the origin.
    Exemplar,
    /// The destination is a skill level of the origin.
    HasSkillLevel,
}

impl AssociationType {
    /// Every type.
    pub const ALL: [AssociationType; 9] = [
        AssociationType::IsChildOf,
        AssociationType::IsPeerOf,
        AssociationType::IsPartOf,
        AssociationType::ExactMatchOf,
        AssociationType::Precedes,
        AssociationType::IsRelatedTo,
        AssociationType::ReplacedBy,
        AssociationType::Exemplar,
        AssociationType::HasSkillLevel,
    ];

    /// The name CASE uses.
    pub fn as_str(self) -> &'static str {
        match self {
            AssociationType::IsChildOf => "isChildOf",
            AssociationType::IsPeerOf => "isPeerOf",
            AssociationType::IsPartOf => "isPartOf",
            AssociationType::ExactMatchOf => "exactMatchOf",
            AssociationType::Precedes => "precedes",
            AssociationType::IsRelatedTo => "isRelatedTo",
            AssociationType::ReplacedBy => "replacedBy",
            AssociationType::Exemplar => "exemplar",
            AssociationType::HasSkillLevel => "hasSkillLevel",
        }
    }

    /// Reads a type name (any letter case).
    pub fn parse(s: &str) -> Option<AssociationType> {
        let s = s.trim();
        AssociationType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
    }
}

/// A `CFAssociation`.
#[derive(Debug, Clone, PartialEq)]
pub struct Association {
    /// Position in `CFAssociations`.
    pub index: usize,
    /// Identifier.
    pub identifier: String,
    /// Type.
    pub kind: AssociationType,
    /// Origin.
    pub origin: Link,
    /// Destination.
    pub destination: Link,
    /// Position among siblings.
    pub sequence: Option<i64>,
}

/// A `CFConcept`.
#[derive(Debug, Clone, PartialEq)]
pub struct Concept {
    /// Identifier.
    pub identifier: String,
    /// Title.
    pub title: String,
    /// Keywords.
    pub keywords: Option<String>,
    /// Code.
    pub hierarchy_code: String,
    /// Description.
    pub description: Option<String>,
}

/// A `CFLicense`.
#[derive(Debug, Clone, PartialEq)]
pub struct License {
    /// Identifier.
    pub identifier: String,
    /// Title.
    pub title: String,
    /// Text.
    pub license_text: String,
    /// Description.
    pub description: Option<String>,
}

/// A `CFSubject` or `CFItemType`: identifier, title and code.
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    /// Identifier.
    pub identifier: String,
    /// Title.
    pub title: String,
    /// Code.
    pub hierarchy_code: String,
}

/// A package as read, before mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// The document.
    pub document: Document,
    /// Items.
    pub items: Vec<Item>,
    /// Associations.
    pub associations: Vec<Association>,
    /// Concepts.
    pub concepts: Vec<Concept>,
    /// Subjects.
    pub subjects: Vec<Term>,
    /// Licences.
    pub licenses: Vec<License>,
    /// Item types.
    pub item_types: Vec<Term>,
    /// How many association groupings the package defines.
    pub groupings: usize,
    /// How many rubrics it holds.
    pub rubrics: usize,
}

fn perr(field: impl Into<String>, message: impl Into<String>) -> PackageError {
    PackageError {
        field: field.into(),
        message: message.into(),
    }
}

/// Text as stored: control characters other than line breaks and tabs removed, line
/// breaks made `\n`, surrounding space trimmed.
pub fn clean_text(s: &str) -> String {
    let s = s.replace("\r\n", "\n").replace('\r', "\n");
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect::<String>()
        .trim()
        .to_string()
}

/// A scalar as text: strings as they are, numbers and booleans written out; `None` for
/// null, empty strings, arrays and objects.
fn text_of(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => clean_text(s),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

fn int_of(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn list_of(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(|x| text_of(Some(x))).collect(),
        other => text_of(other).into_iter().collect(),
    }
}

/// The last path segment of a URI, when it looks like an identifier.
fn id_from_uri(uri: &str) -> String {
    let path = uri.split(['?', '#']).next().unwrap_or(uri);
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}

/// Reads a link written as a `LinkURI` object, a plain URI or identifier string, or a
/// one-element array of either.
pub fn link_of(v: Option<&Value>) -> Option<Link> {
    match v? {
        Value::String(s) => {
            let s = clean_text(s);
            if s.is_empty() {
                return None;
            }
            if Uuid::parse_str(&s).is_ok() {
                Some(Link {
                    identifier: s,
                    ..Link::default()
                })
            } else {
                Some(Link {
                    identifier: id_from_uri(&s),
                    uri: s,
                    title: String::new(),
                })
            }
        }
        Value::Object(m) => {
            let uri = text_of(m.get("uri")).unwrap_or_default();
            let identifier = text_of(m.get("identifier")).unwrap_or_else(|| id_from_uri(&uri));
            if identifier.is_empty() && uri.is_empty() {
                return None;
            }
            Some(Link {
                identifier,
                uri,
                title: text_of(m.get("title")).unwrap_or_default(),
            })
        }
        Value::Array(a) => a.iter().find_map(|x| link_of(Some(x))),
        _ => None,
    }
}

/// Reads a CASE date-time: RFC 3339, or the `YYYY-MM-DD HH:MM:SS` and `YYYY-MM-DD` forms
/// some tools write (taken as UTC).
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    if let Ok(t) = time::PrimitiveDateTime::parse(s.get(..19).unwrap_or(s), fmt) {
        return Some(t.assume_utc());
    }
    let t = s.replacen('T', " ", 1);
    if let Ok(t) = time::PrimitiveDateTime::parse(t.get(..19).unwrap_or(&t), fmt) {
        return Some(t.assume_utc());
    }
    let dfmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s.get(..10).unwrap_or(s), dfmt)
        .ok()
        .map(|d| d.midnight().assume_utc())
}

fn object<'a>(v: &'a Value, field: &str) -> Result<&'a Map<String, Value>, PackageError> {
    v.as_object()
        .ok_or_else(|| perr(field, "must be an object"))
}

fn array<'a>(m: &'a Map<String, Value>, key: &str) -> Result<&'a [Value], PackageError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(perr(key, "must be an array")),
    }
}

/// Reads a package from JSON text.
pub fn read(json: &str) -> Result<Package, PackageError> {
    let v: Value = serde_json::from_str(json.trim_start_matches('\u{feff}'))
        .map_err(|e| perr("(package)", format!("not JSON: {e}")))?;
    read_value(&v)
}

/// Reads a package from parsed JSON.
pub fn read_value(v: &Value) -> Result<Package, PackageError> {
    let top = object(v, "(package)")?;
    // Some tools wrap the package in an object of its own.
    let top = match (top.get("CFDocument"), top.get("CFPackage")) {
        (None, Some(inner)) => object(inner, "CFPackage")?,
        _ => top,
    };
    let doc = match top.get("CFDocument") {
        None | Some(Value::Null) => return Err(perr("CFDocument", "missing")),
        Some(d) => object(d, "CFDocument")?,
    };
    let identifier =
        text_of(doc.get("identifier")).ok_or_else(|| perr("CFDocument.identifier", "missing"))?;
    let title = text_of(doc.get("title")).ok_or_else(|| perr("CFDocument.title", "missing"))?;
    let document = Document {
        uri: text_of(doc.get("uri")).unwrap_or_default(),
        creator: text_of(doc.get("creator")).unwrap_or_default(),
        changed: text_of(doc.get("lastChangeDateTime")).and_then(|s| parse_time(&s)),
        official_source_url: text_of(doc.get("officialSourceURL")),
        publisher: text_of(doc.get("publisher")),
        description: text_of(doc.get("description")),
        subject: list_of(doc.get("subject")),
        version: text_of(doc.get("version")),
        adoption_status: text_of(doc.get("adoptionStatus")),
        license: link_of(doc.get("licenseURI")),
        notes: text_of(doc.get("notes")),
        identifier,
        title,
    };

    // Definitions: an object, an empty array, or nothing.
    let defs = match top.get("CFDefinitions") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) if a.is_empty() => None,
        Some(Value::Array(a)) => match a.as_slice() {
            [one] => Some(object(one, "CFDefinitions")?),
            _ => return Err(perr("CFDefinitions", "must be an object")),
        },
        Some(d) => Some(object(d, "CFDefinitions")?),
    };
    let empty = Map::new();
    let defs = defs.unwrap_or(&empty);
    let term = |v: &Value, field: String| -> Result<Option<Term>, PackageError> {
        let m = object(v, &field)?;
        Ok(text_of(m.get("identifier")).map(|identifier| Term {
            identifier,
            title: text_of(m.get("title")).unwrap_or_default(),
            hierarchy_code: text_of(m.get("hierarchyCode")).unwrap_or_default(),
        }))
    };
    let mut item_types = Vec::new();
    for (i, t) in array(defs, "CFItemTypes")?.iter().enumerate() {
        item_types.extend(term(t, format!("CFDefinitions.CFItemTypes[{i}]"))?);
    }
    let mut subjects = Vec::new();
    for (i, t) in array(defs, "CFSubjects")?.iter().enumerate() {
        subjects.extend(term(t, format!("CFDefinitions.CFSubjects[{i}]"))?);
    }
    let mut concepts = Vec::new();
    for (i, c) in array(defs, "CFConcepts")?.iter().enumerate() {
        let m = object(c, &format!("CFDefinitions.CFConcepts[{i}]"))?;
        if let Some(identifier) = text_of(m.get("identifier")) {
            concepts.push(Concept {
                identifier,
                title: text_of(m.get("title")).unwrap_or_default(),
                keywords: text_of(m.get("keywords")),
                hierarchy_code: text_of(m.get("hierarchyCode")).unwrap_or_default(),
                description: text_of(m.get("description")),
            });
        }
    }
    let mut licenses = Vec::new();
    for (i, l) in array(defs, "CFLicenses")?.iter().enumerate() {
        let m = object(l, &format!("CFDefinitions.CFLicenses[{i}]"))?;
        if let Some(identifier) = text_of(m.get("identifier")) {
            licenses.push(License {
                identifier,
                title: text_of(m.get("title")).unwrap_or_default(),
                license_text: text_of(m.get("licenseText")).unwrap_or_default(),
                description: text_of(m.get("description")),
            });
        }
    }
    let groupings = array(defs, "CFAssociationGroupings")?.len();
    let type_titles: HashMap<&str, &str> = item_types
        .iter()
        .map(|t| (t.identifier.as_str(), t.title.as_str()))
        .collect();

    let mut items = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, it) in array(top, "CFItems")?.iter().enumerate() {
        let m = object(it, &format!("CFItems[{i}]"))?;
        let identifier = text_of(m.get("identifier"))
            .ok_or_else(|| perr(format!("CFItems[{i}]: identifier"), "missing"))?;
        let name = format!("CFItems[{i}] (identifier {identifier})");
        let full_statement = text_of(m.get("fullStatement"))
            .ok_or_else(|| perr(format!("{name}: fullStatement"), "missing"))?;
        if let Some(first) = seen.insert(identifier.to_ascii_lowercase(), i) {
            return Err(perr(
                format!("{name}: identifier"),
                format!("also used by CFItems[{first}]"),
            ));
        }
        let type_link = link_of(m.get("CFItemTypeURI"));
        let item_type = text_of(m.get("CFItemType")).or_else(|| {
            type_link.as_ref().and_then(|l| {
                type_titles
                    .get(l.identifier.as_str())
                    .map(|t| t.to_string())
                    .or_else(|| (!l.title.is_empty()).then(|| l.title.clone()))
            })
        });
        items.push(Item {
            index: i,
            uri: text_of(m.get("uri")).unwrap_or_default(),
            full_statement,
            abbreviated_statement: text_of(m.get("abbreviatedStatement")),
            alternative_label: text_of(m.get("alternativeLabel")),
            item_type,
            human_coding_scheme: text_of(m.get("humanCodingScheme")),
            list_enumeration: text_of(m.get("listEnumeration")),
            concept: link_of(m.get("conceptKeywordsURI")),
            notes: text_of(m.get("notes")),
            identifier,
        });
    }

    let mut associations = Vec::new();
    for (i, a) in array(top, "CFAssociations")?.iter().enumerate() {
        let m = object(a, &format!("CFAssociations[{i}]"))?;
        let identifier = text_of(m.get("identifier")).unwrap_or_else(|| format!("#{i}"));
        let name = format!("CFAssociations[{i}] (identifier {identifier})");
        let kind_text = text_of(m.get("associationType"))
            .ok_or_else(|| perr(format!("{name}: associationType"), "missing"))?;
        let kind = AssociationType::parse(&kind_text).ok_or_else(|| {
            perr(
                format!("{name}: associationType"),
                format!(
                    "{kind_text:?} is not a CASE association type (one of {})",
                    AssociationType::ALL.map(|t| t.as_str()).join(", ")
                ),
            )
        })?;
        let origin = link_of(m.get("originNodeURI"))
            .ok_or_else(|| perr(format!("{name}: originNodeURI"), "missing"))?;
        let destination = link_of(m.get("destinationNodeURI"))
            .ok_or_else(|| perr(format!("{name}: destinationNodeURI"), "missing"))?;
        associations.push(Association {
            index: i,
            identifier,
            kind,
            origin,
            destination,
            sequence: int_of(m.get("sequenceNumber")),
        });
    }
    Ok(Package {
        document,
        items,
        associations,
        concepts,
        subjects,
        licenses,
        item_types,
        groupings,
        rubrics: array(top, "CFRubrics")?.len(),
    })
}

/// A framework read from an exchange file (a CASE package or NSX's framework CSV), ready
/// for the import service to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedFramework {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// The code the file proposes (unchecked): a CASE document's first subject, the CSV's
    /// framework column.
    pub code_hint: Option<String>,
    /// O*NET-SOC codes the file names (unchecked against the catalog).
    pub occupations: Vec<String>,
    /// The CASE document identifier, when the file is a CASE package.
    pub document: Option<String>,
    /// The identifier to give the version when it is free (a CASE document identifier).
    pub version_id: Option<Uuid>,
    /// The label the file proposes.
    pub label: Option<VersionLabel>,
    /// Context and statements.
    pub content: EditableVersion,
    /// Sources the statements cite, as far as the file describes them.
    pub sources: Vec<Source>,
    /// What was accepted but left out or changed, for the importer to see.
    pub warnings: Vec<String>,
}

enum Node {
    Document,
    Item(usize),
    Outside,
}

fn level_named(text: &str) -> Option<MasteryLevel> {
    let t = text.trim().to_lowercase();
    if t.chars().count() > 60 {
        return None;
    }
    // "Level 3: Proficient", "Proficient — independent practitioner", "Advanced".
    let t = t.trim_start_matches("level").trim_start_matches(|c: char| {
        c.is_ascii_digit() || c.is_whitespace() || matches!(c, ':' | '-' | '.' | ')')
    });
    MasteryLevel::ALL.into_iter().find(|m| {
        t.strip_prefix(m.as_str()).is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.is_empty() || rest.starts_with(['—', '–', '-', ':', '(', ',']) || rest == "level"
        })
    })
}

fn truncate_chars(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let cut: String = s.chars().take(n.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

fn first_words(s: &str, n: usize) -> String {
    let words: Vec<&str> = s.split_whitespace().collect();
    if words.len() <= n {
        return words.join(" ");
    }
    format!("{}…", words[..n].join(" "))
}

/// A natural sort key for `listEnumeration` values (`2` before `10`, `1.2` before `1.10`).
fn enumeration_key(s: Option<&str>) -> Vec<(u64, String)> {
    let Some(s) = s else {
        return vec![(u64::MAX, String::new())];
    };
    s.split(['.', '-', ' '])
        .map(|p| match p.parse::<u64>() {
            Ok(n) => (n, String::new()),
            Err(_) => (u64::MAX - 1, p.to_lowercase()),
        })
        .collect()
}

/// The URI a statement's own citation points at: the item's URI when it is a web address,
/// else a URN made from its identifier.
fn item_ref(it: &Item) -> String {
    let uri = it.uri.trim();
    if (uri.starts_with("https://") || uri.starts_with("http://"))
        && !uri.chars().any(char::is_whitespace)
    {
        uri.to_string()
    } else if Uuid::parse_str(&it.identifier).is_ok() {
        format!("urn:uuid:{}", it.identifier.to_ascii_lowercase())
    } else {
        format!(
            "urn:case:{}",
            it.identifier
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
        )
    }
}

/// The version status of a CASE adoption status is not used for imports: every import is
/// a draft of the importing organization. Maps a package onto a framework version.
pub fn to_framework(p: &Package) -> Result<ImportedFramework, PackageError> {
    let d = &p.document;
    let mut warnings = Vec::new();
    let doc_uuid = Uuid::parse_str(&d.identifier).ok();
    let doc_key = match doc_uuid {
        Some(u) => u.to_string(),
        None => d.identifier.clone(),
    };

    // Which item each identifier or URI names.
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut by_uri: HashMap<&str, usize> = HashMap::new();
    for (i, it) in p.items.iter().enumerate() {
        by_id.insert(it.identifier.to_ascii_lowercase(), i);
        if !it.uri.is_empty() {
            by_uri.entry(it.uri.as_str()).or_insert(i);
        }
    }
    let node = |l: &Link| -> Node {
        let id = l.identifier.to_ascii_lowercase();
        if !id.is_empty() && id == d.identifier.to_ascii_lowercase()
            || !l.uri.is_empty() && l.uri == d.uri
        {
            return Node::Document;
        }
        if let Some(i) = by_id.get(&id) {
            return Node::Item(*i);
        }
        if let Some(i) = by_uri.get(l.uri.as_str()) {
            return Node::Item(*i);
        }
        Node::Outside
    };

    // NSX's own definitions: sources as concepts with a matching licence.
    let concept_source: HashMap<&str, (&str, &str)> = p
        .concepts
        .iter()
        .filter_map(|c| {
            c.keywords
                .as_deref()
                .map(|k| (c.identifier.as_str(), (k, c.hierarchy_code.as_str())))
        })
        .collect();
    let licenses: HashMap<&str, &License> = p
        .licenses
        .iter()
        .map(|l| (l.identifier.as_str(), l))
        .collect();
    let mut sources: Vec<Source> = Vec::new();
    for c in &p.concepts {
        let Some(key) = &c.keywords else { continue };
        if c.identifier != super::case::concept_id(key, &c.hierarchy_code).to_string() {
            continue;
        }
        let lid = super::case::license_id(key, &c.hierarchy_code).to_string();
        if let Some(l) = licenses.get(lid.as_str()) {
            sources.push(Source {
                key: key.clone(),
                name: c.title.clone(),
                publisher: c.description.clone().unwrap_or_default(),
                release: c.hierarchy_code.clone(),
                url: l.description.clone().unwrap_or_default(),
                licence: l.title.clone(),
                attribution: l.license_text.clone(),
            });
        }
    }
    let citation_of = |it: &Item| -> Option<Citation> {
        if it.item_type.as_deref() != Some(TYPE_SOURCE) {
            return None;
        }
        let (key, release) = concept_source.get(it.concept.as_ref()?.identifier.as_str())?;
        Some(Citation {
            source: key.to_string(),
            release: release.to_string(),
            locator: super::case::parse_locator(it.human_coding_scheme.as_deref()?)?,
            text: it.full_statement.clone(),
            value: it.notes.as_deref().and_then(|n| n.parse().ok()),
        })
    };

    // The hierarchy, and the other associations NSX reads.
    let mut parent: HashMap<usize, (usize, usize)> = HashMap::new(); // child → (parent, association index)
    let mut children: BTreeMap<Option<usize>, Vec<(Option<i64>, usize)>> = BTreeMap::new();
    let mut skill_level: HashMap<usize, String> = HashMap::new();
    let mut level_items: HashSet<usize> = HashSet::new();
    let mut cites: HashMap<usize, Vec<(i64, usize)>> = HashMap::new();
    let mut left_out: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut outside = 0usize;
    for a in &p.associations {
        let (o, dst) = (node(&a.origin), node(&a.destination));
        match (a.kind, o, dst) {
            (AssociationType::IsChildOf, Node::Item(c), Node::Item(par)) => {
                if c == par {
                    return Err(perr(
                        format!(
                            "CFAssociations[{}] (identifier {}): destinationNodeURI",
                            a.index, a.identifier
                        ),
                        format!("{} is made its own parent", p.items[c].name()),
                    ));
                }
                if parent.contains_key(&c) {
                    warnings.push(format!(
                        "{} has more than one parent; NSX keeps it under the first (CFAssociations[{}] left out)",
                        p.items[c].name(),
                        a.index
                    ));
                    continue;
                }
                parent.insert(c, (par, a.index));
                children.entry(Some(par)).or_default().push((a.sequence, c));
            }
            (AssociationType::IsChildOf, Node::Item(c), dst @ (Node::Document | Node::Outside)) => {
                if matches!(dst, Node::Outside) {
                    outside += 1;
                }
                children.entry(None).or_default().push((a.sequence, c));
            }
            (AssociationType::HasSkillLevel, Node::Item(c), dest) => {
                let name = match dest {
                    Node::Item(l) => {
                        level_items.insert(l);
                        let it = &p.items[l];
                        it.abbreviated_statement
                            .clone()
                            .unwrap_or_else(|| it.full_statement.clone())
                    }
                    _ => a.destination.title.clone(),
                };
                skill_level.entry(c).or_insert(name);
            }
            (
                AssociationType::IsRelatedTo | AssociationType::ExactMatchOf,
                Node::Item(c),
                Node::Item(s),
            ) if citation_of(&p.items[s]).is_some() => {
                cites
                    .entry(c)
                    .or_default()
                    .push((a.sequence.unwrap_or(0), s));
            }
            (kind, _, _) => *left_out.entry(kind.as_str()).or_default() += 1,
        }
    }
    if outside > 0 {
        warnings.push(format!(
            "{outside} isChildOf association(s) point outside the package; their items are placed at the top"
        ));
    }
    // A cycle in the hierarchy leaves the package without a tree.
    for start in parent.keys() {
        let mut cur = *start;
        let mut hops = 0;
        while let Some((par, assoc)) = parent.get(&cur) {
            hops += 1;
            if hops > p.items.len() {
                return Err(perr(
                    format!("CFAssociations[{assoc}]: isChildOf"),
                    format!(
                        "the hierarchy loops back through {}",
                        p.items[*start].name()
                    ),
                ));
            }
            cur = *par;
        }
    }

    // Tree order: roots (children of the document or of nothing) first, siblings by
    // sequence number, list enumeration, then position in the package.
    let sort_key = |(seq, i): &(Option<i64>, usize)| {
        (
            seq.unwrap_or(i64::MAX),
            enumeration_key(p.items[*i].list_enumeration.as_deref()),
            *i,
        )
    };
    for v in children.values_mut() {
        v.sort_by_key(sort_key);
        v.dedup_by_key(|x| x.1);
    }
    let mut roots: Vec<(Option<i64>, usize)> = children.get(&None).cloned().unwrap_or_default();
    let placed: HashSet<usize> = roots.iter().map(|r| r.1).collect();
    for i in 0..p.items.len() {
        if !parent.contains_key(&i) && !placed.contains(&i) {
            roots.push((None, i));
        }
    }
    roots.sort_by_key(sort_key);
    let mut order = Vec::with_capacity(p.items.len());
    let mut stack: Vec<usize> = roots.iter().rev().map(|r| r.1).collect();
    let mut visited = HashSet::new();
    while let Some(i) = stack.pop() {
        if !visited.insert(i) {
            continue;
        }
        order.push(i);
        if let Some(kids) = children.get(&Some(i)) {
            stack.extend(kids.iter().rev().map(|k| k.1));
        }
    }

    let is_grouping_type =
        |t: Option<&str>| matches!(t, Some(TYPE_SECTION | TYPE_DOMAIN | TYPE_LEVEL));
    // Items of the type that skill levels have are the level scale, not statements.
    let level_types: HashSet<&str> = level_items
        .iter()
        .filter_map(|i| p.items[*i].item_type.as_deref())
        .collect();
    let is_level_item = |i: usize| {
        level_items.contains(&i)
            || p.items[i]
                .item_type
                .as_deref()
                .is_some_and(|t| level_types.contains(t))
    };
    let has_children = |i: usize| children.get(&Some(i)).is_some_and(|k| !k.is_empty());
    let mut statements: Vec<EditableStatement> = Vec::new();
    let mut foreign_order: HashMap<Level, u32> = HashMap::new();
    let mut texts: HashSet<(Section, Option<super::DurableDomain>, Level, String, String)> =
        HashSet::new();
    let mut ids: HashSet<Uuid> = HashSet::new();
    let mut defaulted = 0usize;
    for i in order {
        let it = &p.items[i];
        let ty = it.item_type.as_deref();
        if ty == Some(TYPE_SOURCE) && citation_of(it).is_some() {
            continue;
        }
        let located = (ty == Some(TYPE_STATEMENT))
            .then(|| {
                it.human_coding_scheme
                    .as_deref()
                    .and_then(super::case::parse_location)
            })
            .flatten();
        if located.is_none() && (has_children(i) || is_grouping_type(ty) || is_level_item(i)) {
            continue;
        }
        let (section, domain, level, own_order) = match located {
            Some((s, d, l, o)) => (s, d, l, Some(o)),
            None => {
                // A skill level named by an association, else by the nearest ancestor.
                let mut level = skill_level.get(&i).and_then(|n| level_named(n));
                let mut cur = parent.get(&i).map(|x| x.0);
                while level.is_none()
                    && let Some(a) = cur
                {
                    let pi = &p.items[a];
                    level = [
                        pi.abbreviated_statement.as_deref(),
                        Some(pi.full_statement.as_str()),
                        pi.human_coding_scheme.as_deref(),
                    ]
                    .into_iter()
                    .flatten()
                    .find_map(level_named);
                    cur = parent.get(&a).map(|x| x.0);
                }
                let level = level.unwrap_or_else(|| {
                    defaulted += 1;
                    MasteryLevel::Emerging
                });
                (Section::Technical, None, Level::Mastery(level), None)
            }
        };
        let subject = match located {
            Some(_) => it
                .abbreviated_statement
                .clone()
                .or_else(|| it.human_coding_scheme.clone())
                .unwrap_or_else(|| first_words(&it.full_statement, 8)),
            None => {
                // The nearest grouping ancestor that is not a level heading.
                let mut heading = None;
                let mut cur = parent.get(&i).map(|x| x.0);
                while heading.is_none()
                    && let Some(a) = cur
                {
                    let pi = &p.items[a];
                    let text = pi
                        .abbreviated_statement
                        .clone()
                        .unwrap_or_else(|| pi.full_statement.clone());
                    if level_named(&text).is_none() && level_named(&pi.full_statement).is_none() {
                        heading = Some(text);
                    }
                    cur = parent.get(&a).map(|x| x.0);
                }
                // Top-level items are about what the document is about.
                it.abbreviated_statement
                    .clone()
                    .or(heading)
                    .unwrap_or_else(|| d.title.clone())
            }
        };
        let subject = truncate_chars(&subject, MAX_SUBJECT);
        let performance = it
            .full_statement
            .strip_prefix(&format!("{subject} — "))
            .unwrap_or(&it.full_statement)
            .trim()
            .to_string();
        if performance.is_empty() {
            return Err(perr(
                format!("{}: fullStatement", it.name()),
                "holds only its subject",
            ));
        }
        let key = (
            section,
            domain,
            level,
            subject.to_lowercase(),
            performance.to_lowercase(),
        );
        if !texts.insert(key) {
            warnings.push(format!(
                "{} repeats another statement at the same level and was left out",
                it.name()
            ));
            continue;
        }
        let order = match own_order {
            Some(o) => o,
            None => {
                let n = foreign_order.entry(level).or_insert(0);
                *n += 1;
                *n
            }
        };
        let mut cs = cites.get(&i).cloned().unwrap_or_default();
        cs.sort();
        let mut citations: Vec<Citation> = cs
            .iter()
            .filter_map(|(_, s)| citation_of(&p.items[*s]))
            .collect();
        if citations.is_empty() {
            citations.push(Citation {
                source: CASE_SOURCE.into(),
                release: doc_key.clone(),
                locator: Locator::CaseItem { uri: item_ref(it) },
                text: it.full_statement.clone(),
                value: None,
            });
        }
        let item_id = Uuid::parse_str(&it.identifier).unwrap_or_else(|_| {
            Uuid::new_v5(
                &ID_NAMESPACE,
                format!("case-item:{doc_key}:{}", it.identifier).as_bytes(),
            )
        });
        if !ids.insert(item_id) {
            return Err(perr(
                format!("{}: identifier", it.name()),
                "names the same item as another identifier",
            ));
        }
        statements.push(EditableStatement {
            item_id,
            statement: Statement {
                section,
                domain,
                level,
                order,
                subject,
                performance,
                citations,
            },
        });
    }
    if statements.is_empty() {
        return Err(perr(
            "CFItems",
            if p.items.is_empty() {
                "the package holds no items".to_string()
            } else {
                "no item is a statement (every item groups others or is a level or source)"
                    .to_string()
            },
        ));
    }
    if defaulted > 0 {
        warnings.push(format!(
            "{defaulted} statement(s) name no level and were placed at Emerging"
        ));
    }
    for (kind, n) in &left_out {
        warnings.push(format!(
            "{n} {kind} association(s) are not part of NSX's model and were left out"
        ));
    }
    if p.groupings > 0 {
        warnings.push(format!(
            "{} association grouping(s) were left out",
            p.groupings
        ));
    }
    if p.rubrics > 0 {
        warnings.push(format!("{} rubric(s) were left out", p.rubrics));
    }

    // The source of the statements' own citations: this document.
    if statements.iter().any(|s| {
        s.statement
            .citations
            .iter()
            .any(|c| c.source == CASE_SOURCE && c.release == doc_key)
    }) && !sources
        .iter()
        .any(|s| s.key == CASE_SOURCE && s.release == doc_key)
    {
        let licence = d
            .license
            .as_ref()
            .map(|l| {
                p.licenses
                    .iter()
                    .find(|x| x.identifier == l.identifier)
                    .map(|x| x.title.clone())
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| l.title.clone())
            })
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| "not stated".into());
        let publisher = d
            .publisher
            .clone()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| d.creator.clone());
        let url = d
            .official_source_url
            .clone()
            .filter(|u| u.starts_with("http"))
            .unwrap_or_else(|| d.uri.clone());
        sources.push(Source {
            key: CASE_SOURCE.into(),
            name: d.title.clone(),
            attribution: format!(
                "Statements from the CASE document \"{}\"{}{}; licence: {licence}.",
                d.title,
                if publisher.is_empty() {
                    String::new()
                } else {
                    format!(" by {publisher}")
                },
                if url.is_empty() {
                    String::new()
                } else {
                    format!(" ({url})")
                }
            ),
            publisher,
            release: doc_key.clone(),
            url,
            licence,
        });
    }
    sources.sort_by(|a, b| (&a.key, &a.release).cmp(&(&b.key, &b.release)));
    sources.dedup_by(|a, b| a.key == b.key && a.release == b.release);

    let mut context = d
        .notes
        .clone()
        .or_else(|| d.description.clone())
        .unwrap_or_default();
    if context.chars().count() > MAX_CONTEXT {
        warnings.push(format!(
            "CFDocument.notes: longer than {MAX_CONTEXT} characters; cut to fit"
        ));
        context = truncate_chars(&context, MAX_CONTEXT);
    }
    let mut occupations: Vec<String> = Vec::new();
    for s in d
        .subject
        .iter()
        .chain(p.subjects.iter().map(|s| &s.hierarchy_code))
    {
        if let Ok(c) = s.trim().parse::<OnetSocCode>() {
            let c = c.as_str().to_string();
            if !occupations.contains(&c) {
                occupations.push(c);
            }
        }
    }
    let mut content = EditableVersion {
        context,
        statements,
    };
    content.normalize();
    Ok(ImportedFramework {
        title: d.title.clone(),
        description: d.description.clone().unwrap_or_default(),
        code_hint: d.subject.first().cloned(),
        occupations,
        document: Some(d.identifier.clone()),
        version_id: doc_uuid,
        label: d.version.as_deref().and_then(|v| v.parse().ok()),
        content,
        sources,
        warnings,
    })
}

/// One fuzzing input: any bytes, read as a CASE package when they are UTF-8. Used by the
/// `case_package` fuzz target and by the test that replays its corpus.
pub fn fuzz_one(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = import(text);
    }
}

/// Reads a package from JSON text and maps it onto a framework version.
pub fn import(json: &str) -> Result<ImportedFramework, PackageError> {
    to_framework(&read(json)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frameworks::MasteryLevel::*;

    const STRUCTURED: &str = include_str!("../../../nsx/tests/fixtures/case/structured.json");
    const PLAIN: &str = include_str!("../../../nsx/tests/fixtures/case/plain-links.json");
    const CASE11: &str = include_str!("../../../nsx/tests/fixtures/case/case11-levels.json");

    fn brief(f: &ImportedFramework) -> Vec<(MasteryLevel, String, String)> {
        f.content
            .statements
            .iter()
            .map(|s| match s.statement.level {
                Level::Mastery(m) => (
                    m,
                    s.statement.subject.clone(),
                    s.statement.performance.clone(),
                ),
                Level::Durable(_) => panic!("durable"),
            })
            .collect()
    }

    #[test]
    fn a_full_export_with_every_association_type() {
        let f = import(STRUCTURED).unwrap();
        let b = brief(&f);
        assert_eq!(b.len(), 5, "{b:#?}");
        assert_eq!(b[0].0, Emerging);
        assert!(b[0].2.starts_with("Inspect a roller chain"));
        assert_eq!(b[0].1, "Power transmission");
        assert_eq!((b[1].0, b[1].1.as_str()), (Developing, "Ladder diagrams"));
        assert_eq!((b[2].0, b[2].1.as_str()), (Proficient, "Control circuits"));
        assert_eq!((b[3].0, b[3].1.as_str()), (Proficient, "Motors and drives"));
        assert_eq!(b[4].0, Advanced);
        // Every statement cites the item it came from, under this document.
        for s in &f.content.statements {
            let c = &s.statement.citations;
            assert_eq!(c.len(), 1);
            assert_eq!(c[0].source, CASE_SOURCE);
            assert_eq!(Some(c[0].release.clone()), f.document);
            assert!(
                matches!(&c[0].locator, Locator::CaseItem { uri } if uri.ends_with(&s.item_id.to_string()))
            );
        }
        assert_eq!(f.title, "Industrial Maintenance Technician Competencies");
        assert!(f.content.context.starts_with("Covers electrical"));
        assert_eq!(f.label, None, "version 2.1 is not a label");
        assert_eq!(f.code_hint.as_deref(), Some("Manufacturing"));
        let w = f.warnings.join("\n");
        for kind in [
            "precedes",
            "isPeerOf",
            "isRelatedTo",
            "exemplar",
            "replacedBy",
            "exactMatchOf",
            "isPartOf",
        ] {
            assert!(w.contains(kind), "{kind} not reported: {w}");
        }
        assert!(w.contains("1 association grouping"), "{w}");
        assert!(w.contains("1 rubric"), "{w}");
        assert!(w.contains("1 statement(s) name no level"), "{w}");
        let src = f.sources.iter().find(|s| s.key == CASE_SOURCE).unwrap();
        assert_eq!(src.licence, "CC BY 4.0");
        assert_eq!(src.publisher, "Midwest Skills Council");
    }

    #[test]
    fn plain_string_links_and_nothing_optional() {
        let f = import(PLAIN).unwrap();
        let b = brief(&f);
        assert_eq!(b.len(), 5, "{b:#?}");
        assert!(
            b.iter()
                .all(|x| x.0 == Emerging && x.1 == "Everyday Data Skills")
        );
        let order: Vec<&str> = b.iter().map(|x| x.2.split(' ').next().unwrap()).collect();
        assert_eq!(order, ["Name", "Sort", "Chart", "Build", "Spot"]);
        // Upper-case identifiers are kept as the same UUIDs.
        assert!(f.version_id.is_some());
        assert_eq!(f.code_hint.as_deref(), Some("Data analysis"));
        assert!(f.content.statements.iter().all(|s| matches!(
            &s.statement.citations[0].locator,
            Locator::CaseItem { uri } if uri.starts_with("http://case.local:8080/api/v1/CFItems/")
        )));
    }

    #[test]
    fn case_1_1_with_levels_as_headings() {
        let f = import(CASE11).unwrap();
        let b = brief(&f);
        assert_eq!(b.len(), 5, "{b:#?}");
        assert_eq!(
            b.iter().map(|x| (x.0, x.1.as_str())).collect::<Vec<_>>(),
            [
                (Emerging, "Greeting"),
                (Emerging, "Greeting"),
                (Proficient, "Greeting"),
                (Proficient, "Greeting"),
                (Proficient, "Handling complaints"),
            ]
        );
        assert_eq!(f.label, Some("v25.02".parse().unwrap()));
        assert_eq!(f.occupations, ["41-2031.00"]);
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
    }

    fn refusal(json: &str) -> String {
        import(json).unwrap_err().to_string()
    }

    #[test]
    fn only_meaningless_packages_are_refused() {
        assert!(refusal("[1]").starts_with("(package): must be an object"));
        assert!(refusal("{").starts_with("(package): not JSON"));
        assert_eq!(refusal("{}"), "CFDocument: missing");
        assert_eq!(
            refusal(r#"{"CFDocument": {"identifier": "d1"}}"#),
            "CFDocument.title: missing"
        );
        assert_eq!(
            refusal(r#"{"CFDocument": {"identifier": "d1", "title": "T"}}"#),
            "CFItems: the package holds no items"
        );
        let doc = r#""CFDocument": {"identifier": "d1", "title": "T"}"#;
        assert_eq!(
            refusal(&format!(
                r#"{{{doc}, "CFItems": [{{"identifier": "a", "fullStatement": "A"}}, {{"identifier": "b", "fullStatement": "  "}}]}}"#
            )),
            "CFItems[1] (identifier b): fullStatement: missing"
        );
        assert_eq!(
            refusal(&format!(
                r#"{{{doc}, "CFItems": [{{"identifier": "a", "fullStatement": "A"}}, {{"identifier": "A", "fullStatement": "B"}}]}}"#
            )),
            "CFItems[1] (identifier A): identifier: also used by CFItems[0]"
        );
        let items = r#""CFItems": [{"identifier": "a", "fullStatement": "A"}, {"identifier": "b", "fullStatement": "B"}]"#;
        assert!(refusal(&format!(
            r#"{{{doc}, {items}, "CFAssociations": [{{"identifier": "x", "associationType": "isCousinOf", "originNodeURI": "a", "destinationNodeURI": "b"}}]}}"#
        ))
        .starts_with("CFAssociations[0] (identifier x): associationType: \"isCousinOf\" is not a CASE association type"));
        assert_eq!(
            refusal(&format!(
                r#"{{{doc}, {items}, "CFAssociations": [{{"identifier": "x", "associationType": "isChildOf", "originNodeURI": "a"}}]}}"#
            )),
            "CFAssociations[0] (identifier x): destinationNodeURI: missing"
        );
        assert!(refusal(&format!(
            r#"{{{doc}, {items}, "CFAssociations": [
                {{"identifier": "x", "associationType": "isChildOf", "originNodeURI": {{"identifier": "a"}}, "destinationNodeURI": {{"identifier": "b"}}}},
                {{"identifier": "y", "associationType": "isChildOf", "originNodeURI": {{"identifier": "b"}}, "destinationNodeURI": {{"identifier": "a"}}}}]}}"#
        ))
        .contains("the hierarchy loops back"));
        // Control characters never reach the database.
        let f = import(&format!(
            r#"{{{doc}, "CFItems": [{{"identifier": "a", "fullStatement": "Fix\u0000 it"}}]}}"#
        ))
        .unwrap();
        assert_eq!(f.content.statements[0].statement.performance, "Fix it");
    }

    #[test]
    fn wrapped_packages_and_repeated_statements() {
        let f = import(
            r#"{"CFPackage": {"CFDocument": {"identifier": "d1", "title": "T", "lastChangeDateTime": "2024-05-06"},
                "CFItems": [{"identifier": "a", "fullStatement": "Sweep the floor."},
                            {"identifier": "b", "fullStatement": "Sweep the floor."}]}}"#,
        )
        .unwrap();
        assert_eq!(f.content.statements.len(), 1);
        assert!(
            f.warnings[0].contains("CFItems[1] (identifier b) repeats"),
            "{:?}",
            f.warnings
        );
        // Non-UUID identifiers get stable UUIDs of their own.
        assert_eq!(f.version_id, None);
        assert_eq!(f.document.as_deref(), Some("d1"));
        let again = import(
            r#"{"CFDocument": {"identifier": "d1", "title": "T"}, "CFItems": [{"identifier": "a", "fullStatement": "Sweep the floor."}]}"#,
        )
        .unwrap();
        assert_eq!(
            again.content.statements[0].item_id,
            f.content.statements[0].item_id
        );
        assert_eq!(parse_time("2024-05-06").unwrap().year(), 2024);
        assert!(parse_time("2023-11-02 14:30:00").is_some());
    }

    #[test]
    fn level_names_are_matched_as_names_not_words() {
        assert_eq!(
            level_named("Proficient — independent practitioner"),
            Some(Proficient)
        );
        assert_eq!(level_named("Level 3: Proficient"), Some(Proficient));
        assert_eq!(level_named("ADVANCED"), Some(Advanced));
        assert_eq!(level_named("Advanced Manufacturing"), None);
        assert_eq!(level_named("Developing a budget"), None);
    }
}
