//! 1EdTech CASE 1.0 mapping: a framework version as a `CFPackage`. Reading packages back
//! (NSX's own and other tools') is [`super::case_read`].
//!
//! The mapping is pure and deterministic: every identifier is a UUID v5 derived from the
//! occupation code (or the stored item id), and every list is sorted by identifier, so
//! the same version always gives the same bytes.
//!
//! | NSX | CASE |
//! |---|---|
//! | framework version | `CFDocument` (identifier = version id) |
//! | section, durable domain, level | `CFItem` of type Section / Domain / Level, `isChildOf` up to the document |
//! | statement | `CFItem` of type Statement (identifier = item id), `isChildOf` its level |
//! | cited source row | `CFItem` of type Source reference (`humanCodingScheme` = locator) |
//! | citation | `isRelatedTo` (or `exactMatchOf` when the texts are equal) statement → source row |
//! | source | `CFConcept` (keywords = key, hierarchyCode = release) + `CFLicense` |
//! | occupation | `CFSubject` (hierarchyCode = O*NET-SOC code) |

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::{
    Citation, DurableDomain, ID_NAMESPACE, Level, Locator, Section, Source, Statement, Status,
    VersionLabel,
};

/// The path every CASE endpoint hangs off.
pub const CASE_PREFIX: &str = "/ims/case/v1p0";

/// CFItemType titles NSX uses.
pub const TYPE_SECTION: &str = "Section";
/// Durable-skill domain grouping.
pub const TYPE_DOMAIN: &str = "Domain";
/// Level grouping.
pub const TYPE_LEVEL: &str = "Level";
/// A framework statement.
pub const TYPE_STATEMENT: &str = "Statement";
/// A cited source row.
pub const TYPE_SOURCE: &str = "Source reference";

/// A link to another CASE object (`LinkURI` / `LinkGenURI`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkUri {
    /// Title of the target.
    pub title: String,
    /// Identifier of the target.
    pub identifier: String,
    /// URI of the target.
    pub uri: String,
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
        Null(()),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
        OneOrMany::Null(()) => Vec::new(),
    })
}

/// A `CFDocument`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CfDocument {
    /// Version id.
    pub identifier: String,
    /// Where the document is served.
    pub uri: String,
    /// Creator.
    pub creator: String,
    /// Title.
    pub title: String,
    /// Last change.
    #[serde(rename = "lastChangeDateTime")]
    pub last_change_date_time: String,
    /// The human page of the version.
    #[serde(rename = "officialSourceURL", skip_serializing_if = "Option::is_none")]
    pub official_source_url: Option<String>,
    /// Publisher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Subjects (the O*NET-SOC code).
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subject: Vec<String>,
    /// Links to the subjects.
    #[serde(rename = "subjectURI", default, skip_serializing_if = "Vec::is_empty")]
    pub subject_uri: Vec<LinkUri>,
    /// Language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Version label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Status.
    #[serde(rename = "adoptionStatus", skip_serializing_if = "Option::is_none")]
    pub adoption_status: Option<String>,
    /// Licence of the framework.
    #[serde(rename = "licenseURI", skip_serializing_if = "Option::is_none")]
    pub license_uri: Option<LinkUri>,
    /// The "context covered" paragraph.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Link to the package.
    #[serde(rename = "CFPackageURI", skip_serializing_if = "Option::is_none")]
    pub package_uri: Option<LinkUri>,
}

/// A `CFItem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CfItem {
    /// Identifier.
    pub identifier: String,
    /// Where the item is served.
    pub uri: String,
    /// The statement.
    #[serde(rename = "fullStatement")]
    pub full_statement: String,
    /// Short form.
    #[serde(
        rename = "abbreviatedStatement",
        skip_serializing_if = "Option::is_none"
    )]
    pub abbreviated_statement: Option<String>,
    /// Item type title.
    #[serde(rename = "CFItemType", skip_serializing_if = "Option::is_none")]
    pub item_type: Option<String>,
    /// Link to the item type.
    #[serde(rename = "CFItemTypeURI", skip_serializing_if = "Option::is_none")]
    pub item_type_uri: Option<LinkUri>,
    /// Coding (location or locator).
    #[serde(rename = "humanCodingScheme", skip_serializing_if = "Option::is_none")]
    pub human_coding_scheme: Option<String>,
    /// Position among siblings.
    #[serde(rename = "listEnumeration", skip_serializing_if = "Option::is_none")]
    pub list_enumeration: Option<String>,
    /// The source a source-reference item belongs to.
    #[serde(rename = "conceptKeywordsURI", skip_serializing_if = "Option::is_none")]
    pub concept_keywords_uri: Option<LinkUri>,
    /// Notes (a source row's figure).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Licence.
    #[serde(rename = "licenseURI", skip_serializing_if = "Option::is_none")]
    pub license_uri: Option<LinkUri>,
    /// Last change.
    #[serde(rename = "lastChangeDateTime")]
    pub last_change_date_time: String,
    /// The document the item belongs to.
    #[serde(rename = "CFDocumentURI", skip_serializing_if = "Option::is_none")]
    pub document_uri: Option<LinkUri>,
}

/// A `CFAssociation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CfAssociation {
    /// Identifier.
    pub identifier: String,
    /// `isChildOf`, `isRelatedTo`, `exactMatchOf`…
    #[serde(rename = "associationType")]
    pub association_type: String,
    /// Where the association is served.
    pub uri: String,
    /// Position among siblings.
    #[serde(rename = "sequenceNumber", skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<i64>,
    /// The origin (child, citing statement).
    #[serde(rename = "originNodeURI")]
    pub origin: LinkUri,
    /// The destination (parent, cited row).
    #[serde(rename = "destinationNodeURI")]
    pub destination: LinkUri,
    /// Last change.
    #[serde(rename = "lastChangeDateTime")]
    pub last_change_date_time: String,
    /// The document the association belongs to.
    #[serde(rename = "CFDocumentURI", skip_serializing_if = "Option::is_none")]
    pub document_uri: Option<LinkUri>,
}

/// A `CFItemType`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CfItemType {
    /// Identifier.
    pub identifier: String,
    /// URI.
    pub uri: String,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Code.
    #[serde(rename = "hierarchyCode")]
    pub hierarchy_code: String,
    /// Last change.
    #[serde(rename = "lastChangeDateTime")]
    pub last_change_date_time: String,
}

/// A `CFConcept` (NSX: a cited source).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CfConcept {
    /// Identifier.
    pub identifier: String,
    /// URI.
    pub uri: String,
    /// Title (source name).
    pub title: String,
    /// Keywords (source key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keywords: Option<String>,
    /// Code (source release).
    #[serde(rename = "hierarchyCode")]
    pub hierarchy_code: String,
    /// Description (publisher).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Last change.
    #[serde(rename = "lastChangeDateTime")]
    pub last_change_date_time: String,
}

/// A `CFSubject` (NSX: the occupation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CfSubject {
    /// Identifier.
    pub identifier: String,
    /// URI.
    pub uri: String,
    /// Title.
    pub title: String,
    /// Code.
    #[serde(rename = "hierarchyCode")]
    pub hierarchy_code: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Last change.
    #[serde(rename = "lastChangeDateTime")]
    pub last_change_date_time: String,
}

/// A `CFLicense`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CfLicense {
    /// Identifier.
    pub identifier: String,
    /// URI.
    pub uri: String,
    /// Title (licence name).
    pub title: String,
    /// Description (where the licensed data is published).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Licence or attribution text.
    #[serde(rename = "licenseText")]
    pub license_text: String,
    /// Last change.
    #[serde(rename = "lastChangeDateTime")]
    pub last_change_date_time: String,
}

/// `CFDefinitions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CfDefinitions {
    /// Concepts.
    #[serde(rename = "CFConcepts", default)]
    pub concepts: Vec<CfConcept>,
    /// Subjects.
    #[serde(rename = "CFSubjects", default)]
    pub subjects: Vec<CfSubject>,
    /// Licences.
    #[serde(rename = "CFLicenses", default)]
    pub licenses: Vec<CfLicense>,
    /// Item types.
    #[serde(rename = "CFItemTypes", default)]
    pub item_types: Vec<CfItemType>,
    /// Association groupings (NSX uses none).
    #[serde(rename = "CFAssociationGroupings", default)]
    pub association_groupings: Vec<serde_json::Value>,
}

fn definitions<'de, D: Deserializer<'de>>(d: D) -> Result<CfDefinitions, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    match v {
        serde_json::Value::Array(a) if a.is_empty() => Ok(CfDefinitions::default()),
        serde_json::Value::Null => Ok(CfDefinitions::default()),
        other => serde_json::from_value(other).map_err(serde::de::Error::custom),
    }
}

/// A whole `CFPackage`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CfPackage {
    /// The document.
    #[serde(rename = "CFDocument")]
    pub document: CfDocument,
    /// Items.
    #[serde(rename = "CFItems", default)]
    pub items: Vec<CfItem>,
    /// Associations.
    #[serde(rename = "CFAssociations", default)]
    pub associations: Vec<CfAssociation>,
    /// Definitions.
    #[serde(rename = "CFDefinitions", default, deserialize_with = "definitions")]
    pub definitions: CfDefinitions,
    /// Rubrics (NSX uses none).
    #[serde(rename = "CFRubrics", default)]
    pub rubrics: Vec<serde_json::Value>,
}

/// A framework version as the mapping needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFramework {
    /// Version id.
    pub version_id: Uuid,
    /// O*NET-SOC code.
    pub code: String,
    /// Occupation title.
    pub title: String,
    /// Version label.
    pub label: VersionLabel,
    /// Status.
    pub status: Status,
    /// Context paragraph.
    pub context: String,
    /// Last change.
    pub changed: OffsetDateTime,
    /// Statements with their item ids, in display order.
    pub statements: Vec<(Uuid, Statement)>,
    /// Sources cited.
    pub sources: Vec<Source>,
}

fn v5(name: &str) -> Uuid {
    Uuid::new_v5(&ID_NAMESPACE, name.as_bytes())
}

/// The CASE timestamp of an instant (UTC, whole seconds).
pub fn case_time(t: OffsetDateTime) -> String {
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// The URI of a CASE object.
pub fn case_uri(base: &str, kind: &str, id: &str) -> String {
    format!("{}{CASE_PREFIX}/{kind}/{id}", base.trim_end_matches('/'))
}

fn link(base: &str, kind: &str, id: &str, title: &str) -> LinkUri {
    LinkUri {
        title: title.to_string(),
        identifier: id.to_string(),
        uri: case_uri(base, kind, id),
    }
}

/// The id of the licence NSX publishes its frameworks under.
pub fn framework_license_id() -> Uuid {
    v5("case-license:nsx-frameworks")
}

const FRAMEWORK_LICENSE: &str = "CC BY 4.0";
const FRAMEWORK_LICENSE_TEXT: &str = "This framework is published under the Creative Commons Attribution 4.0 International licence (https://creativecommons.org/licenses/by/4.0/). It includes information from the sources its statements cite; see each source's licence.";

fn item_type_id(title: &str) -> Uuid {
    v5(&format!("case-item-type:{title}"))
}

fn subject_id(code: &str) -> Uuid {
    v5(&format!("case-subject:{code}"))
}

/// The identifier of the `CFConcept` of a source release.
pub fn concept_id(key: &str, release: &str) -> Uuid {
    v5(&format!("case-concept:{key}:{release}"))
}

/// The identifier of the `CFLicense` of a source release.
pub fn license_id(key: &str, release: &str) -> Uuid {
    v5(&format!("case-license:{key}:{release}"))
}

fn group_id(code: &str, path: &str) -> Uuid {
    v5(&format!("case-group:{code}:{path}"))
}

fn source_item_id(c: &Citation) -> Uuid {
    v5(&format!(
        "case-source:{}:{}:{}:{}:{:?}",
        c.source,
        c.release,
        c.locator.short(),
        c.text,
        c.value
    ))
}

fn section_title(s: Section) -> &'static str {
    match s {
        Section::Technical => "Technical competencies",
        Section::Durable => "Durable skills",
        Section::AiUsage => "AI usage",
    }
}

fn level_title(l: Level) -> String {
    match l {
        Level::Mastery(m) => format!("{} — {}", m.label(), m.role()),
        Level::Durable(d) => d.label().to_string(),
    }
}

/// The CASE status name of a version status.
pub fn adoption_status(s: Status) -> &'static str {
    s.label()
}

/// Builds the `CFPackage` of a framework version. `base` is the public base URL.
pub fn package(fw: &CaseFramework, base: &str) -> CfPackage {
    let ts = case_time(fw.changed);
    let doc_id = fw.version_id.to_string();
    let doc_link = link(base, "CFDocuments", &doc_id, &fw.title);
    let mut items: Vec<CfItem> = Vec::new();
    let mut assocs: Vec<CfAssociation> = Vec::new();
    let mut used_types: HashSet<&'static str> = HashSet::new();
    let mut groups: BTreeMap<String, (Uuid, String, &'static str, Option<String>, Uuid)> =
        BTreeMap::new();

    let item_link = |id: &str, title: &str| link(base, "CFItems", id, title);
    let mut assoc = |kind: &str, origin: LinkUri, dest: LinkUri, seq: Option<i64>| {
        let id = Uuid::new_v5(
            &fw.version_id,
            format!(
                "{kind}:{}:{}:{}",
                origin.identifier,
                dest.identifier,
                seq.unwrap_or(0)
            )
            .as_bytes(),
        )
        .to_string();
        assocs.push(CfAssociation {
            uri: case_uri(base, "CFAssociations", &id),
            identifier: id,
            association_type: kind.to_string(),
            sequence_number: seq,
            origin,
            destination: dest,
            last_change_date_time: ts.clone(),
            document_uri: Some(doc_link.clone()),
        });
    };

    // Grouping items: section → (domain →) level.
    let doc_uuid = fw.version_id;
    for (_, st) in &fw.statements {
        let sec = st.section.as_str().to_string();
        groups.entry(sec.clone()).or_insert_with(|| {
            (
                group_id(&fw.code, &sec),
                section_title(st.section).to_string(),
                TYPE_SECTION,
                None,
                doc_uuid,
            )
        });
        let mut parent_path = sec.clone();
        if let Some(d) = st.domain {
            let p = format!("{sec}/{}", d.as_str());
            let parent = group_id(&fw.code, &sec);
            groups.entry(p.clone()).or_insert_with(|| {
                (
                    group_id(&fw.code, &p),
                    d.label().to_string(),
                    TYPE_DOMAIN,
                    Some(
                        (DurableDomain::ALL.iter().position(|x| *x == d).unwrap_or(0) + 1)
                            .to_string(),
                    ),
                    parent,
                )
            });
            parent_path = p;
        }
        let lp = format!("{parent_path}/{}", st.level.as_str());
        let parent = group_id(&fw.code, &parent_path);
        groups.entry(lp.clone()).or_insert_with(|| {
            (
                group_id(&fw.code, &lp),
                level_title(st.level),
                TYPE_LEVEL,
                Some((st.level.rank() + 1).to_string()),
                parent,
            )
        });
    }
    for (path, (id, title, ty, enumeration, parent)) in &groups {
        used_types.insert(ty);
        let ids = id.to_string();
        items.push(CfItem {
            uri: case_uri(base, "CFItems", &ids),
            identifier: ids.clone(),
            full_statement: title.clone(),
            abbreviated_statement: None,
            item_type: Some(ty.to_string()),
            item_type_uri: Some(link(base, "CFItemTypes", &item_type_id(ty).to_string(), ty)),
            human_coding_scheme: Some(path.clone()),
            list_enumeration: enumeration.clone(),
            concept_keywords_uri: None,
            notes: None,
            language: Some("en".into()),
            license_uri: None,
            last_change_date_time: ts.clone(),
            document_uri: Some(doc_link.clone()),
        });
        let dest = if *parent == doc_uuid {
            doc_link.clone()
        } else {
            let pt = groups
                .values()
                .find(|g| g.0 == *parent)
                .map(|g| g.1.clone())
                .unwrap_or_default();
            item_link(&parent.to_string(), &pt)
        };
        let seq =
            enumeration
                .as_deref()
                .and_then(|e| e.parse().ok())
                .or(Some(match path.as_str() {
                    "technical" => 1,
                    "durable" => 2,
                    _ => 3,
                }));
        assoc("isChildOf", item_link(&ids, title), dest, seq);
    }

    // Statements and the source rows they cite.
    let mut source_items: BTreeMap<Uuid, &Citation> = BTreeMap::new();
    for (item, st) in &fw.statements {
        used_types.insert(TYPE_STATEMENT);
        let ids = item.to_string();
        let full = st.full_text();
        items.push(CfItem {
            uri: case_uri(base, "CFItems", &ids),
            identifier: ids.clone(),
            full_statement: full.clone(),
            abbreviated_statement: Some(st.subject.clone()),
            item_type: Some(TYPE_STATEMENT.into()),
            item_type_uri: Some(link(
                base,
                "CFItemTypes",
                &item_type_id(TYPE_STATEMENT).to_string(),
                TYPE_STATEMENT,
            )),
            human_coding_scheme: Some(st.location()),
            list_enumeration: Some(st.order.to_string()),
            concept_keywords_uri: None,
            notes: None,
            language: Some("en".into()),
            license_uri: None,
            last_change_date_time: ts.clone(),
            document_uri: Some(doc_link.clone()),
        });
        let lp = match st.domain {
            Some(d) => format!(
                "{}/{}/{}",
                st.section.as_str(),
                d.as_str(),
                st.level.as_str()
            ),
            None => format!("{}/{}", st.section.as_str(), st.level.as_str()),
        };
        let parent = group_id(&fw.code, &lp);
        assoc(
            "isChildOf",
            item_link(&ids, &st.subject),
            item_link(&parent.to_string(), &level_title(st.level)),
            Some(st.order as i64),
        );
        for (i, c) in st.citations.iter().enumerate() {
            let sid = source_item_id(c);
            source_items.entry(sid).or_insert(c);
            let kind = if c.text == st.performance || c.text == full {
                "exactMatchOf"
            } else {
                "isRelatedTo"
            };
            assoc(
                kind,
                item_link(&ids, &st.subject),
                item_link(&sid.to_string(), &c.locator.short()),
                Some(i as i64 + 1),
            );
        }
    }
    let source_by_key: HashMap<(&str, &str), &Source> = fw
        .sources
        .iter()
        .map(|s| ((s.key.as_str(), s.release.as_str()), s))
        .collect();
    for (sid, c) in &source_items {
        used_types.insert(TYPE_SOURCE);
        let ids = sid.to_string();
        let src = source_by_key.get(&(c.source.as_str(), c.release.as_str()));
        items.push(CfItem {
            uri: case_uri(base, "CFItems", &ids),
            identifier: ids.clone(),
            full_statement: c.text.clone(),
            abbreviated_statement: None,
            item_type: Some(TYPE_SOURCE.into()),
            item_type_uri: Some(link(
                base,
                "CFItemTypes",
                &item_type_id(TYPE_SOURCE).to_string(),
                TYPE_SOURCE,
            )),
            human_coding_scheme: Some(c.locator.short()),
            list_enumeration: None,
            concept_keywords_uri: Some(link(
                base,
                "CFConcepts",
                &concept_id(&c.source, &c.release).to_string(),
                &format!("{} {}", c.source, c.release),
            )),
            notes: c.value.map(|v| v.to_string()),
            language: Some("en".into()),
            license_uri: src.map(|s| {
                link(
                    base,
                    "CFLicenses",
                    &license_id(&s.key, &s.release).to_string(),
                    &s.licence,
                )
            }),
            last_change_date_time: ts.clone(),
            document_uri: Some(doc_link.clone()),
        });
    }

    // Definitions.
    let mut item_types: Vec<CfItemType> = used_types
        .into_iter()
        .map(|t| {
            let id = item_type_id(t).to_string();
            CfItemType {
                uri: case_uri(base, "CFItemTypes", &id),
                identifier: id,
                title: t.to_string(),
                description: None,
                hierarchy_code: t.to_ascii_lowercase().replace(' ', "_"),
                last_change_date_time: ts.clone(),
            }
        })
        .collect();
    item_types.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    let mut concepts: Vec<CfConcept> = Vec::new();
    let fl = framework_license_id().to_string();
    let mut licenses: Vec<CfLicense> = vec![CfLicense {
        uri: case_uri(base, "CFLicenses", &fl),
        identifier: fl.clone(),
        title: FRAMEWORK_LICENSE.into(),
        description: None,
        license_text: FRAMEWORK_LICENSE_TEXT.into(),
        last_change_date_time: ts.clone(),
    }];
    for s in &fw.sources {
        let cid = concept_id(&s.key, &s.release).to_string();
        concepts.push(CfConcept {
            uri: case_uri(base, "CFConcepts", &cid),
            identifier: cid,
            title: s.name.clone(),
            keywords: Some(s.key.clone()),
            hierarchy_code: s.release.clone(),
            description: Some(s.publisher.clone()),
            last_change_date_time: ts.clone(),
        });
        let lid = license_id(&s.key, &s.release).to_string();
        licenses.push(CfLicense {
            uri: case_uri(base, "CFLicenses", &lid),
            identifier: lid,
            title: s.licence.clone(),
            description: Some(s.url.clone()),
            license_text: s.attribution.clone(),
            last_change_date_time: ts.clone(),
        });
    }
    concepts.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    concepts.dedup_by(|a, b| a.identifier == b.identifier);
    licenses.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    licenses.dedup_by(|a, b| a.identifier == b.identifier);
    let sid = subject_id(&fw.code).to_string();
    let subject = CfSubject {
        uri: case_uri(base, "CFSubjects", &sid),
        identifier: sid.clone(),
        title: fw.title.clone(),
        hierarchy_code: fw.code.clone(),
        description: Some("O*NET-SOC occupation".into()),
        last_change_date_time: ts.clone(),
    };
    items.sort_by(|a, b| a.identifier.cmp(&b.identifier));
    assocs.sort_by(|a, b| a.identifier.cmp(&b.identifier));

    CfPackage {
        document: document(fw, base),
        items,
        associations: assocs,
        definitions: CfDefinitions {
            concepts,
            subjects: vec![subject],
            licenses,
            item_types,
            association_groupings: Vec::new(),
        },
        rubrics: Vec::new(),
    }
}

/// Links the package of a version to the version that replaced it (the next version by
/// label): a `replacedBy` association from the older `CFDocument` to the newer one, and
/// one from each statement item whose item id changed to the item that took its place
/// (statements the [diff](super::diff) pairs by near-identical text; a statement that
/// kept its item id is the same `CFItem` in both versions and needs no link). The links
/// belong to the older document; the package stays sorted by identifier.
pub fn link_replacement(
    pkg: &mut CfPackage,
    older: &CaseFramework,
    newer: &CaseFramework,
    base: &str,
) {
    let content = |fw: &CaseFramework| super::diff::Content {
        context: fw.context.clone(),
        items: fw
            .statements
            .iter()
            .map(|(id, st)| super::diff::Item {
                item_id: *id,
                statement: st.clone(),
            })
            .collect(),
    };
    let ts = case_time(newer.changed);
    let old_doc = older.version_id.to_string();
    let doc_link = link(base, "CFDocuments", &old_doc, &older.title);
    let mut push = |origin: LinkUri, dest: LinkUri| {
        let id = Uuid::new_v5(
            &older.version_id,
            format!("replacedBy:{}:{}:0", origin.identifier, dest.identifier).as_bytes(),
        )
        .to_string();
        pkg.associations.push(CfAssociation {
            uri: case_uri(base, "CFAssociations", &id),
            identifier: id,
            association_type: "replacedBy".into(),
            sequence_number: None,
            origin,
            destination: dest,
            last_change_date_time: ts.clone(),
            document_uri: Some(doc_link.clone()),
        });
    };
    push(
        doc_link.clone(),
        link(
            base,
            "CFDocuments",
            &newer.version_id.to_string(),
            &newer.title,
        ),
    );
    let subjects: HashMap<Uuid, &str> = older
        .statements
        .iter()
        .chain(&newer.statements)
        .map(|(id, st)| (*id, st.subject.as_str()))
        .collect();
    let d = super::diff::diff(&content(older), &content(newer));
    for c in &d.changes {
        if let (Some(b), Some(a)) = (c.before, c.after)
            && b.item_id != a.item_id
        {
            let title = |id: Uuid| subjects.get(&id).copied().unwrap_or_default();
            push(
                link(base, "CFItems", &b.item_id.to_string(), title(b.item_id)),
                link(base, "CFItems", &a.item_id.to_string(), title(a.item_id)),
            );
        }
    }
    pkg.associations
        .sort_by(|a, b| a.identifier.cmp(&b.identifier));
}

/// The `CFDocument` of a framework version (statements are not needed).
pub fn document(fw: &CaseFramework, base: &str) -> CfDocument {
    let doc_id = fw.version_id.to_string();
    let sid = subject_id(&fw.code).to_string();
    CfDocument {
        uri: case_uri(base, "CFDocuments", &doc_id),
        identifier: doc_id.clone(),
        creator: "NSX".into(),
        title: fw.title.clone(),
        last_change_date_time: case_time(fw.changed),
        official_source_url: Some(format!(
            "{}{}",
            base.trim_end_matches('/'),
            super::version_path(&fw.code, &fw.label)
        )),
        publisher: Some("NSX".into()),
        description: Some(format!(
            "Occupation framework for {} (O*NET-SOC {}), version {}.",
            fw.title, fw.code, fw.label
        )),
        subject: vec![fw.code.clone()],
        subject_uri: vec![link(base, "CFSubjects", &sid, &fw.title)],
        language: Some("en".into()),
        version: Some(fw.label.to_string()),
        adoption_status: Some(adoption_status(fw.status).into()),
        license_uri: Some(link(
            base,
            "CFLicenses",
            &framework_license_id().to_string(),
            FRAMEWORK_LICENSE,
        )),
        notes: Some(fw.context.clone()),
        package_uri: Some(link(base, "CFPackages", &doc_id, &fw.title)),
    }
}

/// Reads a locator back from its short form ([`Locator::short`]).
pub fn parse_locator(s: &str) -> Option<Locator> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    match parts.as_slice() {
        ["emerging-task"] => Some(Locator::EmergingTask { revises: None }),
        ["emerging-task", "revises", id] => Some(Locator::EmergingTask {
            revises: Some(id.parse().ok()?),
        }),
        ["item", uri] => Some(Locator::CaseItem {
            uri: uri.to_string(),
        }),
        ["task", id] => Some(Locator::Task {
            task_id: id.parse().ok()?,
        }),
        ["element", rest] => {
            let (e, scale) = rest.rsplit_once('/')?;
            Some(Locator::Element {
                element_id: e.to_string(),
                scale: scale.to_string(),
            })
        }
        [measure, "task", id] => Some(Locator::Evidence {
            measure: measure.to_string(),
            task_id: Some(id.parse().ok()?),
            soc_code: None,
        }),
        [first, second] => match second.parse::<i64>() {
            Ok(code) => Some(Locator::Commodity {
                commodity_code: code,
                table: first.to_string(),
            }),
            Err(_) => Some(Locator::Evidence {
                measure: first.to_string(),
                task_id: None,
                soc_code: Some(second.to_string()),
            }),
        },
        [measure] => Some(Locator::Evidence {
            measure: measure.to_string(),
            task_id: None,
            soc_code: None,
        }),
        _ => None,
    }
}

/// Reads a statement location back (`technical/proficient#3`, `durable/fortitude/applying#1`).
pub fn parse_location(s: &str) -> Option<(Section, Option<DurableDomain>, Level, u32)> {
    let (path, order) = s.rsplit_once('#')?;
    let order: u32 = order.parse().ok()?;
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [sec, level] => {
            let section: Section = sec.parse().ok()?;
            if section == Section::Durable {
                return None;
            }
            Some((section, None, Level::parse(section, level).ok()?, order))
        }
        [sec, domain, level] => {
            let section: Section = sec.parse().ok()?;
            if section != Section::Durable {
                return None;
            }
            Some((
                section,
                Some(domain.parse().ok()?),
                Level::parse(section, level).ok()?,
                order,
            ))
        }
        _ => None,
    }
}

/// A problem with a package: the field and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PackageError {
    /// JSON path of the offending field.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frameworks::MasteryLevel;

    #[test]
    fn locators_round_trip_through_their_short_form() {
        let ls = [
            Locator::Task { task_id: 123 },
            Locator::EmergingTask { revises: None },
            Locator::EmergingTask {
                revises: Some(21280),
            },
            Locator::CaseItem {
                uri: "https://case.example/ims/case/v1p0/CFItems/1".into(),
            },
            Locator::Element {
                element_id: "2.A.2.a".into(),
                scale: "IM".into(),
            },
            Locator::Commodity {
                commodity_code: 43211503,
                table: "technology".into(),
            },
            Locator::Evidence {
                measure: "task_usage".into(),
                task_id: Some(9),
                soc_code: None,
            },
            Locator::Evidence {
                measure: "job_exposure".into(),
                task_id: None,
                soc_code: Some("17-3024".into()),
            },
        ];
        for l in ls {
            assert_eq!(parse_locator(&l.short()), Some(l));
        }
        assert_eq!(parse_locator("a b c d"), None);
    }

    #[test]
    fn locations_parse() {
        assert_eq!(
            parse_location("technical/proficient#3"),
            Some((
                Section::Technical,
                None,
                Level::Mastery(MasteryLevel::Proficient),
                3
            ))
        );
        assert!(parse_location("durable/fortitude/applying#1").is_some());
        assert!(parse_location("durable/applying#1").is_none());
        assert!(parse_location("technical/proficient").is_none());
    }
}

#[cfg(test)]
mod replacement {
    use super::*;
    use crate::frameworks::MasteryLevel;

    fn framework(label: &str, statements: Vec<(Uuid, Statement)>) -> CaseFramework {
        let label: VersionLabel = label.parse().unwrap();
        CaseFramework {
            version_id: super::super::version_id("17-3024.00", &label),
            code: "17-3024.00".into(),
            title: "Robotics Technicians".into(),
            label,
            status: Status::Published,
            context: "Covers repair shops.".into(),
            changed: OffsetDateTime::UNIX_EPOCH,
            statements,
            sources: Vec::new(),
        }
    }

    fn statement(level: MasteryLevel, subject: &str) -> Statement {
        Statement {
            section: Section::Technical,
            domain: None,
            level: Level::Mastery(level),
            order: 1,
            subject: subject.into(),
            performance: "checks robot axes against the maintenance schedule".into(),
            citations: Vec::new(),
        }
    }

    #[test]
    fn the_older_package_points_at_the_newer_document_and_moved_items() {
        let kept = Uuid::from_u128(1);
        let old_id = Uuid::from_u128(2);
        let new_id = Uuid::from_u128(3);
        let older = framework(
            "v26.05",
            vec![
                (kept, statement(MasteryLevel::Emerging, "Axes")),
                (old_id, statement(MasteryLevel::Emerging, "Schedules")),
            ],
        );
        // The same statement at another level, under a new item id (as a re-draft gives).
        let newer = framework(
            "v26.06",
            vec![
                (kept, statement(MasteryLevel::Emerging, "Axes")),
                (new_id, statement(MasteryLevel::Developing, "Schedules")),
            ],
        );
        let base = "https://nsx.example";
        let mut pkg = package(&older, base);
        let before = pkg.associations.len();
        link_replacement(&mut pkg, &older, &newer, base);
        let added: Vec<&CfAssociation> = pkg
            .associations
            .iter()
            .filter(|a| a.association_type == "replacedBy")
            .collect();
        assert_eq!(added.len(), 2);
        assert_eq!(pkg.associations.len(), before + 2);
        let doc = added
            .iter()
            .find(|a| a.origin.identifier == older.version_id.to_string())
            .expect("document link");
        assert_eq!(doc.destination.identifier, newer.version_id.to_string());
        assert!(
            doc.destination
                .uri
                .ends_with(&format!("/ims/case/v1p0/CFDocuments/{}", newer.version_id))
        );
        let item = added
            .iter()
            .find(|a| a.origin.identifier == old_id.to_string())
            .expect("item link");
        assert_eq!(item.destination.identifier, new_id.to_string());
        assert!(
            pkg.associations
                .windows(2)
                .all(|w| w[0].identifier < w[1].identifier)
        );
        // The package still reads back as the older version.
        let json = serde_json::to_string(&pkg).unwrap();
        let back = crate::frameworks::case_read::import(&json).unwrap();
        assert_eq!(back.content.statements.len(), 2);
    }
}
