//! Dispositions, conclusion and the published revision of a call for input, shared by the
//! pages, the API and the demo.
//!
//! When a call has closed, every comment or suggested rewrite on a statement, every
//! proposed statement and every general comment it received is copied once into the
//! call's comments, numbered. The owner's editors give each a disposition (accepted,
//! accepted with changes, not accepted with a reason, duplicate of another), optionally
//! naming the statement of the revised draft it motivated. Concluding the call (refused
//! while any comment has none) publishes the dispositions: each reviewer then reads what
//! became of their comments and says whether they accept the response, and a public,
//! anonymized report lists them all. Publishing the revision is a second step: the revised
//! draft (started from the reviewed version) is published with a summary of the
//! consultation, and the reviewed draft is superseded by it.

use std::collections::{BTreeMap, HashMap};

use nsx_core::frameworks::{Status, VersionLabel};
use nsx_core::ids::{CallId, OrganizationId};
use nsx_core::policy::{Action, Resource};
use nsx_core::review::dispositions::{
    CommentKind, ConcludeBlock, ConsultationSummary, Disposition, DispositionInput, Verdict,
    broken_duplicates, check_disposition, group_near_identical, may_conclude, summarize,
};
use nsx_core::review::{Phase, StakeholderType, clean_text, naics_title};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::disposition_store::{self as store, CommentRow, Conclusion};
use super::service::get;
use super::{Call, OBJECT_TYPE};
use crate::audit::{self, Change};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};
use crate::frameworks::{StatementView, VersionSummary, editing};
use crate::service::Caller;

/// The audit log's name for comments.
pub const COMMENT_OBJECT: &str = "review_comment";

fn owner_of(call: &Call) -> Resource {
    Resource::OwnedBy(call.organization_id.map(OrganizationId))
}

/// One comment with its disposition, as editors, its reviewer and the public report show it
/// (the reviewer's identity is never part of it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comment {
    /// Its id.
    pub id: Uuid,
    /// Its number in the call (the public report's order).
    pub number: i64,
    /// What kind of comment it is.
    pub kind: CommentKind,
    /// The statement commented on (`technical/emerging#1`), for statement comments.
    pub statement: Option<String>,
    /// That statement's text.
    pub statement_text: Option<String>,
    /// The comment type (general, technical, editorial) of a statement comment, or the
    /// placement (`technical/advanced`) of a proposed statement.
    pub comment_type: Option<String>,
    /// The comment, the proposed statement or the general comment.
    pub text: String,
    /// The suggested rewrite, or a proposal's rationale.
    pub rewrite: String,
    /// The reviewer's stakeholder type.
    pub stakeholder_type: StakeholderType,
    /// Their NAICS sector, if stated.
    pub sector: Option<String>,
    /// The disposition (`None`: unresolved).
    pub disposition: Option<Disposition>,
    /// Why.
    pub reason: String,
    /// The comment it duplicates.
    pub duplicate_of: Option<Uuid>,
    /// That comment's number.
    pub duplicate_of_number: Option<i64>,
    /// The statement of the revision the comment motivated (item id).
    pub edit_item_id: Option<Uuid>,
    /// That statement's place in the revision.
    pub edit_statement: Option<String>,
    /// The reviewer's verdict on the response, once given.
    pub verdict: Option<Verdict>,
    /// What the reviewer added to it.
    pub verdict_note: String,
    /// The reviewer (kept for the service; never serialized).
    #[serde(skip)]
    pub user_id: Uuid,
}

impl Comment {
    /// The disposition as shown on pages.
    pub fn disposition_label(&self) -> &'static str {
        self.disposition.map(|d| d.label()).unwrap_or("Unresolved")
    }

    /// The sector as shown (`31-33 Manufacturing`).
    pub fn sector_label(&self) -> String {
        self.sector
            .as_deref()
            .map(|s| format!("{s} {}", naics_title(s).unwrap_or("")))
            .unwrap_or_else(|| "Not stated".into())
    }

    /// Whether the comment motivated the revision's statement `item`.
    pub fn motivated_is(&self, item: &Uuid) -> bool {
        self.edit_item_id == Some(*item)
    }

    /// Whether the reviewer's verdict is the one named.
    pub fn verdict_is(&self, v: &str) -> bool {
        self.verdict.map(|x| x.as_str()) == Some(v)
    }

    /// The disposition's stored name, empty when unresolved (for form values).
    pub fn disposition_value(&self) -> &'static str {
        self.disposition.map(|d| d.as_str()).unwrap_or("")
    }
}

fn comments_of(
    rows: Vec<CommentRow>,
    statements: &[StatementView],
    revision: &[StatementView],
) -> Result<Vec<Comment>> {
    let by_id: HashMap<Uuid, &StatementView> = statements.iter().map(|s| (s.id, s)).collect();
    let by_item: HashMap<Uuid, &StatementView> = revision.iter().map(|s| (s.item_id, s)).collect();
    let numbers: HashMap<Uuid, i64> = rows.iter().map(|r| (r.id, r.seq)).collect();
    let bad = |what: &str, e: String| Error::Internal(format!("stored {what}: {e}"));
    rows.into_iter()
        .map(|r| {
            let s = r.statement_id.and_then(|s| by_id.get(&s));
            Ok(Comment {
                id: r.id,
                number: r.seq,
                kind: r.kind.parse().map_err(|e| bad("kind", e))?,
                statement: s.map(|s| s.statement.location()),
                statement_text: s.map(|s| s.statement.full_text()),
                comment_type: r.comment_type,
                text: r.text,
                rewrite: r.rewrite,
                stakeholder_type: r
                    .stakeholder_type
                    .parse()
                    .map_err(|e| bad("stakeholder type", e))?,
                sector: r.sector,
                disposition: r
                    .disposition
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(|e| bad("disposition", e))?,
                reason: r.reason,
                duplicate_of_number: r.duplicate_of.and_then(|d| numbers.get(&d).copied()),
                duplicate_of: r.duplicate_of,
                edit_statement: r.edit_item_id.map(|i| match by_item.get(&i) {
                    Some(s) => s.statement.location(),
                    None => "a statement removed from the revision".into(),
                }),
                edit_item_id: r.edit_item_id,
                verdict: r
                    .verdict
                    .as_deref()
                    .map(str::parse)
                    .transpose()
                    .map_err(|e| bad("verdict", e))?,
                verdict_note: r.verdict_note,
                user_id: r.user_id,
            })
        })
        .collect()
}

/// Copies the comments of a closed call that are not copied yet (idempotent; run under the
/// call's lock). Statement comments come first in the order of the statements, then
/// proposals, then general comments.
async fn copy_comments(tx: &mut Tx, call: &Call, statements: &[StatementView]) -> Result<usize> {
    let pos: HashMap<Uuid, usize> = statements
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id, i))
        .collect();
    let mut found = store::candidates(tx, call.id).await?;
    let (have, mut seq) = store::copied(tx, call.id).await?;
    let have: std::collections::HashSet<(String, Uuid, Uuid)> = have.into_iter().collect();
    found.retain(|c| !have.contains(&(c.kind.clone(), c.user_id, c.ref_id)));
    let rank = |k: &str| match k {
        "statement" => 0,
        "proposal" => 1,
        _ => 2,
    };
    found.sort_by_key(|c| {
        (
            rank(&c.kind),
            pos.get(&c.ref_id).copied().unwrap_or(usize::MAX),
            c.created_at,
        )
    });
    for c in &found {
        seq += 1;
        store::insert(tx, call.id, seq, c).await?;
    }
    Ok(found.len())
}

fn closed(call: &Call) -> bool {
    call.phase_now() == Phase::Closed
}

/// Takes the call's lock and copies its comments when it has closed.
async fn locked_closed(db: &Db, call: &Call, statements: &[StatementView]) -> Result<Tx> {
    let mut tx = db.begin().await?;
    super::store::lock_call(&mut tx, call.id).await?;
    if !closed(call) {
        return Err(Error::Conflict(format!(
            "comments receive dispositions once the call has closed ({}, {})",
            call.closes_local(),
            call.closes_utc()
        )));
    }
    copy_comments(&mut tx, call, statements).await?;
    Ok(tx)
}

/// The revised draft or published revision of a call: the newest version started from the
/// reviewed one.
pub async fn revision_of(db: &Db, call: &Call) -> Result<Option<VersionSummary>> {
    Ok(
        crate::frameworks::store::list_versions(db, &call.framework_code)
            .await?
            .into_iter()
            .filter(|v| v.based_on == Some(call.version_id) && v.status != Status::Discarded)
            .max_by_key(|v| v.drafted_at),
    )
}

async fn statements_of(db: &Db, version: Uuid) -> Result<Vec<StatementView>> {
    Ok(crate::frameworks::store::statements_of(db, &[version])
        .await?
        .remove(&version)
        .unwrap_or_default())
}

/// Where a call stands after its close, as pages and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Standing {
    /// Whether the call has closed (by the server's clock).
    pub closed: bool,
    /// When the dispositions were published (the call concluded).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub concluded_at: Option<OffsetDateTime>,
    /// The revised draft or published revision (label), if started.
    pub revision: Option<String>,
    /// Its status.
    pub revision_status: Option<Status>,
    /// When the revision was published.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub revision_published_at: Option<OffsetDateTime>,
    /// The diff page from the reviewed draft to the revision.
    pub diff_url: Option<String>,
    /// The summary of the consultation, once the revision is published.
    pub summary: Option<ConsultationSummary>,
}

impl Standing {
    /// When the call was concluded, as shown on pages.
    pub fn concluded_text(&self) -> String {
        self.concluded_at
            .map(crate::corrections::when)
            .unwrap_or_default()
    }

    /// When the revision was published, as shown on pages.
    pub fn published_text(&self) -> String {
        self.revision_published_at
            .map(crate::corrections::when)
            .unwrap_or_default()
    }
}

async fn standing(db: &Db, call: &Call, revision: Option<&VersionSummary>) -> Result<Standing> {
    let c: Conclusion = store::conclusion(db, call.id).await?;
    let summary = c
        .summary
        .as_deref()
        .map(serde_json::from_str::<ConsultationSummary>)
        .transpose()
        .map_err(|e| Error::Internal(format!("stored summary: {e}")))?;
    Ok(Standing {
        closed: closed(call),
        concluded_at: c.concluded_at,
        revision: revision.map(|v| v.label.to_string()),
        revision_status: revision.map(|v| v.status),
        revision_published_at: c.revision_published_at,
        diff_url: revision.map(|v| {
            format!(
                "/frameworks/{}/diff?from={}&to={}",
                call.framework_code, call.version_label, v.label
            )
        }),
        summary,
    })
}

/// What the owner's editors work from: every comment with its disposition, the groups of
/// near-identical comments, the remaining objections and where the call stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Board {
    /// Where the call stands.
    pub standing: Standing,
    /// Every comment, in order.
    pub comments: Vec<Comment>,
    /// How many have no disposition yet.
    pub unresolved: usize,
    /// Near-identical comments: each group lists comment ids, earliest first.
    pub groups: Vec<Vec<Uuid>>,
    /// Comments whose reviewer maintains an objection to the response.
    pub objections: Vec<Uuid>,
    /// The statements of the revised draft, for naming the edit a comment motivated.
    #[serde(skip)]
    pub revision_statements: Vec<(Uuid, String)>,
}

/// The editors' board of a call (editors of the owner only). Copies the comments of a
/// closed call first.
pub async fn board(db: &Db, caller: &Caller, id: CallId) -> Result<(Call, Board)> {
    let call = get(db, id).await?;
    caller.require(Action::ManageReview, &owner_of(&call))?;
    let statements = super::service::statements(db, &call).await?;
    if closed(&call) {
        let tx = locked_closed(db, &call, &statements).await?;
        tx.commit().await?;
    }
    let revision = revision_of(db, &call).await?;
    let rev_statements = match &revision {
        Some(v) => statements_of(db, v.id).await?,
        None => Vec::new(),
    };
    let comments = comments_of(
        store::comments(db, id, None).await?,
        &statements,
        &rev_statements,
    )?;
    let texts: Vec<&str> = comments.iter().map(|c| c.text.as_str()).collect();
    let groups = group_near_identical(&texts)
        .into_iter()
        .map(|g| g.into_iter().map(|i| comments[i].id).collect())
        .collect();
    let standing = standing(db, &call, revision.as_ref()).await?;
    Ok((
        call,
        Board {
            unresolved: comments.iter().filter(|c| c.disposition.is_none()).count(),
            objections: comments
                .iter()
                .filter(|c| c.verdict == Some(Verdict::Object))
                .map(|c| c.id)
                .collect(),
            groups,
            comments,
            standing,
            revision_statements: rev_statements
                .iter()
                .map(|s| {
                    (
                        s.item_id,
                        format!("{} {}", s.statement.location(), s.statement.full_text()),
                    )
                })
                .collect(),
        },
    ))
}

/// One disposition to set.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SetDisposition {
    /// The comment.
    pub comment_id: Uuid,
    /// The disposition.
    #[serde(flatten)]
    pub input: DispositionInput,
    /// The statement of the revised draft (item id) the comment motivated, if any.
    #[serde(default)]
    pub motivated_item: Option<Uuid>,
}

/// Sets dispositions, all or nothing, each with its audit entry (editors of the owner,
/// after the close, before the call is concluded). A duplicate must point at a comment of
/// the same call that is itself no duplicate. Returns how many were set.
pub async fn set_dispositions(
    db: &Db,
    caller: &Caller,
    id: CallId,
    items: Vec<SetDisposition>,
) -> Result<usize> {
    let call = get(db, id).await?;
    caller.require(Action::ManageReview, &owner_of(&call))?;
    if items.is_empty() {
        return Err(Error::invalid(
            "dispositions",
            "send at least one disposition",
        ));
    }
    let mut errors = Vec::new();
    let mut decided = Vec::new();
    for (i, it) in items.iter().enumerate() {
        match check_disposition(&format!("dispositions[{i}]"), it.comment_id, &it.input) {
            Ok(d) => decided.push((it, d)),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let statements = super::service::statements(db, &call).await?;
    let revision = revision_of(db, &call).await?;
    let rev_items: Vec<Uuid> = match &revision {
        Some(v) => statements_of(db, v.id)
            .await?
            .iter()
            .map(|s| s.item_id)
            .collect(),
        None => Vec::new(),
    };
    let mut tx = locked_closed(db, &call, &statements).await?;
    if store::conclusion_in(&mut tx, id)
        .await?
        .concluded_at
        .is_some()
    {
        return Err(Error::Conflict(
            "the call is concluded and its dispositions are published; they no longer change"
                .into(),
        ));
    }
    let rows = store::comments_in(&mut tx, id).await?;
    let mut state: BTreeMap<Uuid, (Option<Disposition>, Option<Uuid>)> = rows
        .iter()
        .map(|r| {
            (
                r.id,
                (
                    r.disposition.as_deref().and_then(|d| d.parse().ok()),
                    r.duplicate_of,
                ),
            )
        })
        .collect();
    let before: HashMap<Uuid, &CommentRow> = rows.iter().map(|r| (r.id, r)).collect();
    for (i, (it, d)) in decided.iter().enumerate() {
        if !state.contains_key(&it.comment_id) {
            errors.push(nsx_core::accounts::FieldError::new(
                &format!("dispositions[{i}].comment_id"),
                "is not a comment of this call",
            ));
            continue;
        }
        if let Some(m) = it.motivated_item
            && !rev_items.contains(&m)
        {
            errors.push(nsx_core::accounts::FieldError::new(
                &format!("dispositions[{i}].motivated_item"),
                "is not a statement of the revised draft (start the revision first)",
            ));
        }
        state.insert(it.comment_id, (Some(d.disposition), d.duplicate_of));
    }
    let broken = broken_duplicates(&state);
    for (i, (it, _)) in decided.iter().enumerate() {
        if broken.contains(&it.comment_id) {
            errors.push(nsx_core::accounts::FieldError::new(
                &format!("dispositions[{i}].duplicate_of"),
                "must be another comment of this call that is not itself a duplicate",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }
    let by = caller.user_id().map(|u| u.0);
    for (it, d) in &decided {
        let edit = match (it.motivated_item, &revision) {
            (Some(m), Some(v)) => Some((v.id, m)),
            _ => None,
        };
        store::set_disposition(&mut tx, it.comment_id, d, edit, by).await?;
        let old = before.get(&it.comment_id);
        audit::record(
            &mut tx,
            caller,
            Change::new("review.disposition", COMMENT_OBJECT, it.comment_id)
                .before(json!({
                    "call": id,
                    "disposition": old.and_then(|r| r.disposition.clone()),
                    "reason": old.map(|r| r.reason.clone()),
                }))
                .after(json!({
                    "call": id,
                    "number": old.map(|r| r.seq),
                    "disposition": d.disposition.as_str(),
                    "reason": d.reason,
                    "duplicate_of": d.duplicate_of,
                    "motivated_item": it.motivated_item,
                    "revision": revision.as_ref().map(|v| v.label.to_string()),
                })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(decided.len())
}

/// Marks every comment of a group a duplicate of its original (editors of the owner).
pub async fn mark_duplicates(
    db: &Db,
    caller: &Caller,
    id: CallId,
    original: Uuid,
    others: &[Uuid],
) -> Result<usize> {
    let items = others
        .iter()
        .filter(|o| **o != original)
        .map(|o| SetDisposition {
            comment_id: *o,
            input: DispositionInput {
                disposition: Disposition::Duplicate.as_str().into(),
                reason: String::new(),
                duplicate_of: Some(original),
            },
            motivated_item: None,
        })
        .collect();
    set_dispositions(db, caller, id, items).await
}

/// Concludes a call and publishes its dispositions (editors of the owner): refused before
/// the close, and while any comment has no disposition (the error says how many). Each
/// reviewer may then say whether they accept the response to each of their comments.
pub async fn conclude(db: &Db, caller: &Caller, id: CallId) -> Result<ConsultationSummary> {
    let call = get(db, id).await?;
    caller.require(Action::ManageReview, &owner_of(&call))?;
    let statements = super::service::statements(db, &call).await?;
    let mut tx = db.begin().await?;
    super::store::lock_call(&mut tx, id).await?;
    let concluded = store::conclusion_in(&mut tx, id)
        .await?
        .concluded_at
        .is_some();
    if closed(&call) {
        copy_comments(&mut tx, &call, &statements).await?;
    }
    let rows = store::comments_in(&mut tx, id).await?;
    let dispositions: Vec<Option<Disposition>> = rows
        .iter()
        .map(|r| r.disposition.as_deref().and_then(|d| d.parse().ok()))
        .collect();
    may_conclude(closed(&call), concluded, &dispositions).map_err(|b| match b {
        ConcludeBlock::Unresolved(_) => Error::Conflict(format!(
            "{b}; give every comment a disposition before concluding (/calls/{id}/dispositions#unresolved)"
        )),
        _ => Error::Conflict(b.to_string()),
    })?;
    store::set_concluded(&mut tx, id, caller.user_id().map(|u| u.0)).await?;
    let types: Vec<StakeholderType> = super::store::participants(db, id)
        .await?
        .iter()
        .map(|p| p.profile.stakeholder_type)
        .collect();
    let summary = summarize(&types, &dispositions);
    audit::record(
        &mut tx,
        caller,
        Change::new("review.conclude", OBJECT_TYPE, id).after(json!({
            "comments": summary.comments,
            "by_disposition": summary.by_disposition,
            "accepted_share": summary.accepted_share,
        })),
    )
    .await?;
    crate::following::notify::notify_dispositions_published_in(&mut tx, id).await?;
    tx.bump_data_version("catalog").await?;
    tx.commit().await?;
    Ok(summary)
}

/// Starts the revised draft of a closed call's framework from the reviewed version
/// (through the editorial workflow; editors of the owner). Refused when one exists.
pub async fn start_revision(db: &Db, caller: &Caller, id: CallId) -> Result<VersionSummary> {
    let call = get(db, id).await?;
    caller.require(Action::ManageReview, &owner_of(&call))?;
    if !closed(&call) {
        return Err(Error::Conflict(
            "the revision starts once the call has closed".into(),
        ));
    }
    if let Some(v) = revision_of(db, &call).await? {
        return Err(Error::Conflict(format!(
            "{} is already the revision of this call",
            v.label
        )));
    }
    let label = reviewed_label(&call)?;
    crate::frameworks::service::start_draft(db, caller, &call.framework_code, Some(&label)).await
}

fn reviewed_label(call: &Call) -> Result<VersionLabel> {
    call.version_label
        .parse()
        .map_err(|e: nsx_core::frameworks::FrameworkError| Error::Internal(e.0))
}

/// Publishes the revised draft (editors of the owner), once the call is concluded, in one
/// transaction: the draft is submitted and published through the editorial workflow, the
/// reviewed draft is superseded by it, and the call records the revision with a summary of
/// the consultation (responses by stakeholder type, comments, accepted share).
pub async fn publish_revision(db: &Db, caller: &Caller, id: CallId) -> Result<VersionSummary> {
    let call = get(db, id).await?;
    caller.require(Action::ManageReview, &owner_of(&call))?;
    let revision = revision_of(db, &call).await?.ok_or_else(|| {
        Error::Conflict("start the revised draft first, then edit and publish it".into())
    })?;
    let types: Vec<StakeholderType> = super::store::participants(db, id)
        .await?
        .iter()
        .map(|p| p.profile.stakeholder_type)
        .collect();
    let mut tx = db.begin().await?;
    super::store::lock_call(&mut tx, id).await?;
    let c = store::conclusion_in(&mut tx, id).await?;
    if c.concluded_at.is_none() {
        return Err(Error::Conflict(
            "conclude the call first: every comment needs a disposition, published before the revision".into(),
        ));
    }
    if c.revision_version_id.is_some() {
        return Err(Error::Conflict(
            "the revision of this call is published already".into(),
        ));
    }
    if revision.status != Status::Draft {
        return Err(Error::Conflict(format!(
            "{} is {}; only the revised draft can be published",
            revision.label,
            revision.status.label().to_lowercase()
        )));
    }
    let code = call.framework_code.clone();
    crate::frameworks::service::transition_in(
        &mut tx,
        caller,
        &code,
        &revision.label,
        Status::InReview,
    )
    .await?;
    let (vid, published) = crate::frameworks::service::transition_in(
        &mut tx,
        caller,
        &code,
        &revision.label,
        Status::Published,
    )
    .await?;
    let reviewed = reviewed_label(&call)?;
    let versions = editing::versions_in(&mut tx, call.framework_id).await?;
    if let Some(r) = versions
        .iter()
        .find(|v| v.id == call.version_id && v.status == Status::InReview)
    {
        editing::set_status(
            &mut tx,
            r.id,
            Status::InReview,
            Status::Superseded,
            &reviewed,
            None,
            &code,
        )
        .await?;
    }
    let rows = store::comments_in(&mut tx, id).await?;
    let dispositions: Vec<Option<Disposition>> = rows
        .iter()
        .map(|r| r.disposition.as_deref().and_then(|d| d.parse().ok()))
        .collect();
    let summary = summarize(&types, &dispositions);
    let json = serde_json::to_string(&summary).map_err(|e| Error::Internal(e.to_string()))?;
    store::set_revision(&mut tx, id, vid, &json).await?;
    audit::record(
        &mut tx,
        caller,
        Change::new("review.publish_revision", OBJECT_TYPE, id).after(json!({
            "framework": code,
            "reviewed": reviewed.to_string(),
            "published": published.to_string(),
            "summary": summary,
        })),
    )
    .await?;
    tx.bump_data_version("catalog").await?;
    tx.commit().await?;
    crate::frameworks::store::list_versions(db, &code)
        .await?
        .into_iter()
        .find(|v| v.id == vid)
        .ok_or_else(|| Error::Internal("the published revision is missing".into()))
}

/// What one reviewer reads about their own comments.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MyDispositions {
    /// Where the call stands.
    pub standing: Standing,
    /// Whether the dispositions are published (before that, none is shown).
    pub published: bool,
    /// The reviewer's comments with their dispositions.
    pub comments: Vec<Comment>,
}

/// The caller's own comments with their dispositions, once published.
pub async fn mine(db: &Db, caller: &Caller, id: CallId) -> Result<(Call, MyDispositions)> {
    let user = caller
        .user_id()
        .ok_or_else(|| Error::Unauthorized("sign in to read your comments".into()))?;
    let call = get(db, id).await?;
    let revision = revision_of(db, &call).await?;
    let standing = standing(db, &call, revision.as_ref()).await?;
    let published = standing.concluded_at.is_some();
    let comments = if published {
        let statements = super::service::statements(db, &call).await?;
        let rev = match &revision {
            Some(v) => statements_of(db, v.id).await?,
            None => Vec::new(),
        };
        comments_of(
            store::comments(db, id, Some(user.0)).await?,
            &statements,
            &rev,
        )?
    } else {
        Vec::new()
    };
    Ok((
        call,
        MyDispositions {
            standing,
            published,
            comments,
        },
    ))
}

/// A reviewer's verdict on the response to one of their comments.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct VerdictInput {
    /// The comment.
    pub comment_id: Uuid,
    /// `accept` or `object`.
    pub verdict: String,
    /// What they add (at most 4,000 characters).
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub note: String,
}

/// Records the caller's verdict on the response to one of their own comments, once the
/// dispositions are published.
pub async fn give_verdict(db: &Db, caller: &Caller, id: CallId, v: VerdictInput) -> Result<()> {
    let user = caller
        .user_id()
        .ok_or_else(|| Error::Unauthorized("sign in to answer".into()))?;
    let verdict: Verdict = v
        .verdict
        .parse()
        .map_err(|e: String| Error::invalid("verdict", e))?;
    let note = clean_text("note", &v.note, 4000, false)?;
    get(db, id).await?;
    let mut tx = db.begin().await?;
    super::store::lock_call(&mut tx, id).await?;
    if store::conclusion_in(&mut tx, id)
        .await?
        .concluded_at
        .is_none()
    {
        return Err(Error::Conflict(
            "the dispositions of this call are not published yet".into(),
        ));
    }
    if !store::set_verdict(&mut tx, id, user.0, v.comment_id, verdict, &note).await? {
        return Err(Error::not_found("that comment among yours"));
    }
    audit::record(
        &mut tx,
        caller,
        Change::new("review.verdict", COMMENT_OBJECT, v.comment_id)
            .after(json!({"call": id, "verdict": verdict.as_str()})),
    )
    .await?;
    tx.commit().await
}

/// The public disposition report of a call: every comment, anonymized (stakeholder type
/// and sector only), with its disposition and reason.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    /// Where the call stands.
    pub standing: Standing,
    /// Whether the dispositions are published (before that the report is empty).
    pub published: bool,
    /// Every comment, in order.
    pub comments: Vec<Comment>,
    /// Comments by disposition.
    pub by_disposition: BTreeMap<String, u32>,
}

/// The public disposition report (anyone), empty until the call is concluded.
pub async fn report(db: &Db, id: CallId) -> Result<(Call, Report)> {
    let call = get(db, id).await?;
    let revision = revision_of(db, &call).await?;
    let standing = standing(db, &call, revision.as_ref()).await?;
    let published = standing.concluded_at.is_some();
    let mut comments = Vec::new();
    if published {
        let statements = super::service::statements(db, &call).await?;
        let rev = match &revision {
            Some(v) => statements_of(db, v.id).await?,
            None => Vec::new(),
        };
        comments = comments_of(store::comments(db, id, None).await?, &statements, &rev)?;
        for c in &mut comments {
            // The public never reads how a reviewer answered, nor who they are.
            c.verdict = None;
            c.verdict_note.clear();
            c.user_id = Uuid::nil();
        }
    }
    let mut by_disposition = BTreeMap::new();
    for c in &comments {
        *by_disposition
            .entry(c.disposition_value().to_string())
            .or_insert(0) += 1;
    }
    Ok((
        call,
        Report {
            standing,
            published,
            comments,
            by_disposition,
        },
    ))
}

/// The public disposition report as CSV.
pub async fn report_csv(db: &Db, id: CallId) -> Result<String> {
    let (_, r) = report(db, id).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let csv_err = |e: csv::Error| Error::Internal(format!("csv: {e}"));
    w.write_record([
        "number",
        "kind",
        "stakeholder_type",
        "sector",
        "statement",
        "statement_text",
        "comment_type",
        "comment",
        "rewrite_or_rationale",
        "disposition",
        "reason",
        "duplicate_of",
        "motivated_statement",
    ])
    .map_err(csv_err)?;
    for c in &r.comments {
        w.write_record([
            c.number.to_string(),
            c.kind.as_str().to_string(),
            c.stakeholder_type.as_str().to_string(),
            c.sector.clone().unwrap_or_default(),
            c.statement.clone().unwrap_or_default(),
            c.statement_text.clone().unwrap_or_default(),
            c.comment_type.clone().unwrap_or_default(),
            c.text.clone(),
            c.rewrite.clone(),
            c.disposition_value().to_string(),
            c.reason.clone(),
            c.duplicate_of_number
                .map(|n| n.to_string())
                .unwrap_or_default(),
            c.edit_statement.clone().unwrap_or_default(),
        ])
        .map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))
}

/// The consultation behind a published version, if it is the revision of a call: the
/// call's id and the summary (for the framework page).
pub async fn consultation_of(
    db: &Db,
    version: Uuid,
) -> Result<Option<(CallId, ConsultationSummary)>> {
    match store::call_of_revision(db, version).await? {
        Some((id, s)) => Ok(serde_json::from_str(&s).ok().map(|s| (CallId(id), s))),
        None => Ok(None),
    }
}
