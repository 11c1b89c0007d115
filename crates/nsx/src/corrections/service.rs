//! The rules of correction suggestions, shared by the pages, the API and the command line:
//! each function checks its input, asks the policy, works in one transaction, writes one
//! audit entry (and the e-mails to send) in that transaction, and commits.

use std::collections::BTreeSet;

use nsx_core::accounts::{FieldError, normalize_email};
use nsx_core::corrections::{
    CorrectionStatus, Decision, SourceRow, change_key, check_name, check_suggestion, check_triage,
    client_key, source_name,
};
use nsx_core::frameworks::VersionLabel;
use nsx_core::ids::{CorrectionId, OrganizationId};
use nsx_core::policy::{Action, Resource};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::store::{self, CorrectionInsert, QueueScope};
use super::target::{self, Subject, Target};
use super::{Correction, CorrectionsConfig, Suggester};
use crate::audit::{self, Change};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::frameworks::editing;
use crate::mail::{self, OutgoingEmail};
use crate::paging::{PageRequest, Paginated};
use crate::service::Caller;

/// The audit log's name for suggestions.
pub const OBJECT_TYPE: &str = "correction";

/// Reads a version label, naming the field.
pub fn parse_version(s: &str) -> Result<VersionLabel> {
    s.trim()
        .parse()
        .map_err(|e: nsx_core::frameworks::FrameworkError| Error::invalid("version", e.0))
}

/// What a link names on a framework version, resolved for the form.
pub async fn subject(
    db: &Db,
    code: &str,
    version: &str,
    statement: Option<&str>,
    anchor: Option<&str>,
) -> Result<Subject> {
    crate::frameworks::service::check_code(code)?;
    let label = parse_version(version)?;
    let t = Target::parse(statement, anchor)?;
    target::resolve(db, code, &label, t).await
}

/// A suggestion as submitted by a form, the API or the command line.
#[derive(Debug, Clone, Default)]
pub struct SuggestionInput {
    /// Framework code.
    pub framework: String,
    /// Version label.
    pub version: String,
    /// Statement id (or `anchor`).
    pub statement: Option<String>,
    /// Which of the statement's citations (0-based); may be left out when it has one.
    pub citation: Option<String>,
    /// Source anchor (`task-<ID>` or `element-<ID>`), instead of a statement.
    pub anchor: Option<String>,
    /// What is wrong.
    pub problem: String,
    /// The value the row should hold.
    pub proposed_value: String,
    /// How the suggester knows.
    pub evidence: String,
    /// The suggester's name (anonymous suggesters only; accounts use their own).
    pub name: Option<String>,
    /// The suggester's e-mail address (anonymous suggesters only).
    pub email: Option<String>,
}

/// Chooses the row among a subject's rows.
fn choose_row(s: &Subject, citation: Option<&str>) -> Result<(usize, SourceRow)> {
    let raw = citation.map(str::trim).filter(|c| !c.is_empty());
    let i = match raw {
        None if s.rows.len() == 1 => 0,
        None => {
            return Err(Error::invalid(
                "citation",
                "choose the source row your correction is about",
            ));
        }
        Some(c) => c
            .parse::<usize>()
            .ok()
            .filter(|i| *i < s.rows.len())
            .ok_or_else(|| {
                Error::invalid(
                    "citation",
                    format!(
                        "{c:?} is not one of this statement's source rows (0 to {})",
                        s.rows.len() - 1
                    ),
                )
            })?,
    };
    Ok((i, s.rows[i].clone()))
}

/// Who is suggesting: an account's own address and name, or what an anonymous visitor
/// gave (both required).
async fn suggester_of(
    db: &Db,
    caller: &Caller,
    input: &SuggestionInput,
    errors: &mut Vec<FieldError>,
) -> Result<Option<Suggester>> {
    if let Some(uid) = caller.user_id()
        && let Some(u) = crate::accounts::store::find_user(db, uid.0).await?
    {
        return Ok(Some(Suggester {
            user_id: Some(u.id),
            email: u.email,
            name: u.display_name,
        }));
    }
    let email = normalize_email(input.email.as_deref().unwrap_or(""))
        .map_err(|e| errors.push(e))
        .ok();
    let name = check_name(input.name.as_deref().unwrap_or(""))
        .map_err(|e| errors.push(e))
        .ok();
    Ok(match (email, name) {
        (Some(email), Some(name)) => Some(Suggester {
            user_id: None,
            email,
            name,
        }),
        _ => None,
    })
}

/// Records a suggestion. Every field error is reported at once; a visitor or address over
/// its hourly limit gets `TooManyRequests`; the same change suggested again by the same
/// address while the first waits gets `Conflict`.
pub async fn suggest(
    db: &Db,
    limits: &CorrectionsConfig,
    caller: &Caller,
    client_ip: Option<&str>,
    input: SuggestionInput,
) -> Result<Correction> {
    let subject = subject(
        db,
        &input.framework,
        &input.version,
        input.statement.as_deref(),
        input.anchor.as_deref(),
    )
    .await?;
    let owner = subject.framework.organization_id.map(OrganizationId);
    caller.require(Action::SuggestCorrection, &Resource::OwnedBy(owner))?;

    let mut errors = Vec::new();
    let chosen = choose_row(&subject, input.citation.as_deref())
        .map_err(|e| {
            if let Error::Invalid(v) = e {
                errors.extend(v);
            }
        })
        .ok();
    let current = chosen.as_ref().map(|(_, r)| r.current_value.as_str());
    let text = check_suggestion(
        &input.problem,
        &input.proposed_value,
        &input.evidence,
        current.unwrap_or(""),
    )
    .map_err(|e| errors.extend(e))
    .ok();
    let suggester = suggester_of(db, caller, &input, &mut errors).await?;
    let (Some((ord, row)), Some(text), Some(suggester)) = (chosen, text, suggester) else {
        return Err(Error::Invalid(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Invalid(errors));
    }

    let now = OffsetDateTime::now_utc();
    let client = client_ip
        .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
        .map(client_key);
    let client_ip = client.as_deref();
    let key_id = change_key(&row, &text.proposed_value);
    let key = key_id.to_string();
    let mut tx = db.begin().await?;
    if !caller.is_system() {
        let hour_ago = now - time::Duration::hours(1);
        let by_email = store::count_by_email_since(&mut tx, &suggester.email, hour_ago).await?;
        if by_email >= i64::from(limits.per_email_per_hour) {
            return Err(Error::TooManyRequests(format!(
                "{} has made {by_email} suggestions in the last hour, the most we take from one address; please try again later",
                suggester.email
            )));
        }
        if let Some(ip) = client_ip {
            let by_client = store::count_by_client_since(&mut tx, ip, hour_ago).await?;
            if by_client >= i64::from(limits.per_client_per_hour) {
                return Err(Error::TooManyRequests(
                    "too many suggestions have come from your network in the last hour; please try again later".into(),
                ));
            }
        }
    }
    // Client addresses are kept only as long as the hourly limit needs them.
    store::forget_clients_before(&mut tx, now - time::Duration::hours(1)).await?;
    if store::open_duplicate(&mut tx, &suggester.email, &key).await? {
        return Err(Error::Conflict(format!(
            "{} has already suggested this change to this row; it is waiting for the editors",
            suggester.email
        )));
    }
    let id = CorrectionId::new_v7();
    let statement_id = match subject.target {
        Target::Statement(s) => Some(s),
        Target::Anchor(_) => None,
    };
    store::insert(
        &mut tx,
        &CorrectionInsert {
            id,
            framework_id: subject.framework.id,
            version_id: subject.version.id,
            statement_id,
            citation_ord: statement_id.map(|_| ord as i64),
            row: &row,
            text: &text,
            suggester: &suggester,
            change_key: key_id,
            client_ip,
            created_at: now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        caller,
        Change::new("correction.suggest", OBJECT_TYPE, id).after(json!({
            "framework": subject.framework.code,
            "version": subject.version.label.to_string(),
            "statement_id": statement_id,
            "row": row,
            "problem": text.problem,
            "proposed_value": text.proposed_value,
            "evidence": text.evidence,
            "suggester": suggester,
            "status": CorrectionStatus::Open,
        })),
    )
    .await?;
    tx.commit().await?;
    store::find(db, id)
        .await?
        .ok_or_else(|| Error::Internal(format!("correction {id} vanished after it was stored")))
}

/// One suggestion, for its author or an editor who may triage it.
pub async fn get(db: &Db, caller: &Caller, id: CorrectionId) -> Result<Correction> {
    let c = store::find(db, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("correction suggestion {id}")))?;
    caller.require(Action::ReadCorrection, &c.resource())?;
    Ok(c)
}

/// Whether the caller may triage a suggestion (for showing the controls).
pub fn may_triage(caller: &Caller, c: &Correction) -> bool {
    caller.may(Action::TriageCorrections, &c.resource())
}

/// The outcome of a decision.
#[derive(Debug, Clone, Serialize)]
pub struct TriageOutcome {
    /// The new status.
    pub status: CorrectionStatus,
    /// The reason or note given.
    pub reason: Option<String>,
    /// Every suggestion the decision closed: the one named and its open duplicates.
    pub ids: Vec<Uuid>,
    /// E-mails queued to suggesters (one per address).
    pub notified: usize,
}

/// Decides on an open suggestion and on every open suggestion of the same change about
/// frameworks of the same owner, tells each suggester by e-mail (through the outbox), and
/// records one audit entry, all in one transaction. Deciding on a suggestion that is no
/// longer open is a `Conflict`.
pub async fn triage(
    db: &Db,
    public_url: &str,
    caller: &Caller,
    id: CorrectionId,
    decision: &str,
    reason: &str,
) -> Result<TriageOutcome> {
    let mut tx = db.begin().await?;
    let c = store::lock(&mut tx, id)
        .await?
        .ok_or_else(|| Error::not_found(format!("correction suggestion {id}")))?;
    caller.require(Action::TriageCorrections, &c.resource())?;
    let t = check_triage(decision, reason).map_err(Error::Invalid)?;
    if c.status != CorrectionStatus::Open {
        return Err(Error::Conflict(format!(
            "suggestion {id} was already decided ({})",
            c.status.label().to_lowercase()
        )));
    }
    let group = store::open_group(&mut tx, &c.change_key, c.organization_id).await?;
    let ids: Vec<Uuid> = group.iter().map(|g| g.id.0).collect();
    let status = t.decision.status();
    let now = OffsetDateTime::now_utc();
    let changed = store::decide(
        &mut tx,
        &ids,
        status,
        t.reason.as_deref(),
        caller.user_id().map(|u| u.0),
        now,
    )
    .await?;
    if changed != ids.len() as u64 {
        return Err(Error::Conflict(
            "another editor decided on some of these suggestions at the same moment; reload and try again".into(),
        ));
    }
    audit::record(
        &mut tx,
        caller,
        Change::new("correction.triage", OBJECT_TYPE, id)
            .before(json!({ "status": CorrectionStatus::Open, "ids": ids }))
            .after(json!({
                "status": status,
                "decision": t.decision.as_str(),
                "reason": t.reason,
                "ids": ids,
                "change_key": c.change_key,
            })),
    )
    .await?;
    let org = store::organization_name(&mut tx, c.organization_id).await?;
    let mut told = BTreeSet::new();
    for g in &group {
        if !told.insert(g.suggester.email.clone()) {
            continue;
        }
        mail::queue(
            &mut tx,
            outcome_email(
                g,
                t.decision,
                t.reason.as_deref(),
                org.as_deref(),
                public_url,
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(TriageOutcome {
        status,
        reason: t.reason,
        ids,
        notified: told.len(),
    })
}

/// The e-mail telling a suggester what became of their suggestion.
pub fn outcome_email(
    c: &Correction,
    decision: Decision,
    reason: Option<&str>,
    organization: Option<&str>,
    public_url: &str,
) -> OutgoingEmail {
    let editors = match organization {
        Some(o) => format!("The editors of {o}"),
        None => "The editors".to_string(),
    };
    let source = source_name(&c.row.source);
    let (subject, outcome) = match decision {
        Decision::Accept => (
            "accepted",
            format!(
                "{editors} accepted your suggestion. They will correct the framework and pass the correction on to the maintainer of {source}."
            ),
        ),
        Decision::Reject => (
            "not accepted",
            format!("{editors} did not accept your suggestion."),
        ),
        Decision::Forward => (
            "forwarded",
            format!(
                "{editors} forwarded your suggestion to the maintainer of {source}, who decides on changes to that source."
            ),
        ),
    };
    let why = match (decision, reason) {
        (Decision::Reject, Some(r)) => format!("\nTheir reason:\n{r}\n"),
        (_, Some(r)) => format!("\nTheir note:\n{r}\n"),
        (_, None) => String::new(),
    };
    let base = public_url.trim_end_matches('/');
    let mine = if c.suggester.user_id.is_some() {
        format!("\nYour suggestions and their outcomes: {base}/account/corrections\n")
    } else {
        String::new()
    };
    let occupation = c
        .row
        .occupation_code
        .as_deref()
        .map(|o| format!(", occupation {o}"))
        .unwrap_or_default();
    let body = format!(
        "Hello {name},\n\n\
         Thank you for suggesting a correction to the source data behind the framework \
         \"{title}\" ({code}).\n\n\
         The row: {row}{occupation}\n\
         Its value: {current}\n\
         You proposed: {proposed}\n\n\
         {outcome}\n{why}\n\
         The framework: {base}{url}\n{mine}\n\
         National Skills Exchange\n",
        name = c.suggester.name,
        title = c.framework_title,
        code = c.framework_code,
        row = c.row.describe(),
        current = c.row.current_value,
        proposed = c.text.proposed_value,
        url = c.version_url(),
    );
    OutgoingEmail {
        to: c.suggester.email.clone(),
        subject: format!("Your suggested correction was {subject}"),
        body,
    }
}

/// Which part of the queue to show.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// Only this status (`None`: every status).
    pub status: Option<CorrectionStatus>,
    /// Only suggestions about this framework (by code).
    pub framework: Option<String>,
}

impl QueueFilter {
    /// Reads `status` (empty: open; `all`: every status) and `framework` parameters.
    pub fn parse(status: Option<&str>, framework: Option<&str>) -> Result<QueueFilter> {
        fn clean(s: Option<&str>) -> Option<&str> {
            s.map(str::trim).filter(|s| !s.is_empty())
        }
        let status = match clean(status) {
            None => Some(CorrectionStatus::Open),
            Some("all") => None,
            Some(s) => Some(s.parse::<CorrectionStatus>()?),
        };
        let framework = clean(framework).map(str::to_string);
        if let Some(f) = &framework {
            crate::frameworks::service::check_code(f).map_err(|_| {
                Error::invalid("framework", format!("{f:?} is not a framework code"))
            })?;
        }
        Ok(QueueFilter { status, framework })
    }
}

/// Suggestions proposing the same change to the same row.
#[derive(Debug, Clone)]
pub struct Group {
    /// The change key.
    pub change_key: String,
    /// The row.
    pub row: SourceRow,
    /// The proposed value, as first written.
    pub proposed_value: String,
    /// Distinct suggesters (by e-mail address).
    pub suggesters: i64,
    /// The suggestions, oldest first.
    pub items: Vec<Correction>,
}

impl Group {
    /// The oldest open suggestion, which triage controls act on.
    pub fn first_open(&self) -> Option<&Correction> {
        self.items
            .iter()
            .find(|c| c.status == CorrectionStatus::Open)
    }
}

/// Works out the part of the queue the caller may see: administrators every framework,
/// editors their organization's; a framework named in the filter must be one they triage.
async fn scope(db: &Db, caller: &Caller, filter: &QueueFilter) -> Result<QueueScope> {
    caller.require(Action::TriageCorrections, &Resource::Site)?;
    let mut s = QueueScope {
        status: filter.status,
        framework_id: None,
        organization_id: None,
    };
    if let Some(code) = &filter.framework {
        let f = editing::find_framework(db, code)
            .await?
            .ok_or_else(|| Error::not_found(format!("a framework {code}")))?;
        caller.require(
            Action::TriageCorrections,
            &Resource::OwnedBy(f.organization_id.map(OrganizationId)),
        )?;
        s.framework_id = Some(f.id);
    }
    let sees_all = caller.is_system() || caller.principal.as_ref().is_some_and(|p| p.is_admin());
    if !sees_all {
        let org = caller
            .principal
            .as_ref()
            .and_then(|p| p.organization_id)
            .ok_or_else(|| Error::Forbidden("you may not triage correction suggestions".into()))?;
        s.organization_id = Some(org.0);
    }
    Ok(s)
}

fn groups_of(heads: Vec<store::GroupHead>, mut items: Vec<Correction>) -> Vec<Group> {
    heads
        .into_iter()
        .filter_map(|h| {
            let mine: Vec<Correction> = {
                let (m, rest): (Vec<_>, Vec<_>) =
                    items.drain(..).partition(|c| c.change_key == h.change_key);
                items = rest;
                m
            };
            let first = mine.first()?;
            Some(Group {
                change_key: h.change_key.clone(),
                row: first.row.clone(),
                proposed_value: first.text.proposed_value.clone(),
                suggesters: h.suggesters,
                items: mine,
            })
        })
        .collect()
}

/// One page of the queue: groups with the most suggesters first.
pub async fn queue(
    db: &Db,
    caller: &Caller,
    filter: &QueueFilter,
    page: PageRequest,
) -> Result<Paginated<Group>> {
    let s = scope(db, caller, filter).await?;
    let total = store::count_groups(db, &s).await?;
    let heads = store::group_heads(db, &s, Some(page)).await?;
    let keys: Vec<String> = heads.iter().map(|h| h.change_key.clone()).collect();
    let items = store::in_groups(db, &s, &keys).await?;
    Ok(Paginated::new(groups_of(heads, items), total, page))
}

fn distinct_join(values: impl Iterator<Item = String>, sep: &str) -> String {
    let mut seen = Vec::new();
    for v in values {
        if !v.is_empty() && !seen.contains(&v) {
            seen.push(v);
        }
    }
    seen.join(sep)
}

/// The queue (every group the filter selects) as CSV for the source's maintainer: one row
/// per distinct proposed change, with the number of people who suggested it.
pub async fn export_csv(db: &Db, caller: &Caller, filter: &QueueFilter) -> Result<String> {
    let s = scope(db, caller, filter).await?;
    let heads = store::group_heads(db, &s, None).await?;
    let keys: Vec<String> = heads.iter().map(|h| h.change_key.clone()).collect();
    let items = store::in_groups(db, &s, &keys).await?;
    let groups = groups_of(heads, items);
    let csv_err = |e: csv::Error| Error::Internal(format!("writing CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "O*NET-SOC Code",
        "Source",
        "Release",
        "File",
        "Element or Task ID",
        "Scale ID",
        "Current Value",
        "Proposed Value",
        "Problem",
        "Evidence",
        "Suggesters",
        "Status",
        "Frameworks",
    ])
    .map_err(csv_err)?;
    for g in &groups {
        let r = &g.row;
        w.write_record([
            r.occupation_code.clone().unwrap_or_default(),
            source_name(&r.source).to_string(),
            r.release.clone(),
            r.file.clone(),
            r.row_id(),
            r.scale().unwrap_or("").to_string(),
            r.current_value.clone(),
            g.proposed_value.clone(),
            distinct_join(g.items.iter().map(|c| c.text.problem.clone()), "\n\n"),
            distinct_join(g.items.iter().map(|c| c.text.evidence.clone()), "\n\n"),
            g.suggesters.to_string(),
            distinct_join(g.items.iter().map(|c| c.status.as_str().to_string()), " "),
            distinct_join(g.items.iter().map(|c| c.framework_code.clone()), " "),
        ])
        .map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Internal(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| Error::Internal(format!("writing CSV: {e}")))
}

/// The signed-in caller's own suggestions, newest first.
pub async fn mine(db: &Db, caller: &Caller, page: PageRequest) -> Result<Paginated<Correction>> {
    let uid = caller
        .user_id()
        .ok_or_else(|| Error::Unauthorized("sign in to see your suggestions".into()))?;
    caller.require(Action::ManageOwnAccount, &Resource::User(uid))?;
    let (items, total) = store::by_suggester(db, uid.0, page).await?;
    Ok(Paginated::new(items, total, page))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nsx_core::corrections::SuggestionText;
    use nsx_core::frameworks::Locator;

    fn sample() -> Correction {
        Correction {
            id: CorrectionId(Uuid::nil()),
            framework_id: Uuid::nil(),
            framework_code: "17-3024.00".into(),
            framework_title: "Electro-Mechanical Technicians".into(),
            organization_id: None,
            version_id: None,
            version_label: Some("v26.05".into()),
            statement_id: None,
            citation_ord: None,
            row: SourceRow {
                occupation_code: Some("17-3024.00".into()),
                source: "onet".into(),
                release: "30.1".into(),
                file: "Task Statements.txt".into(),
                locator: Locator::Task { task_id: 90001 },
                current_value: "Old text".into(),
            },
            text: SuggestionText {
                problem: "Outdated".into(),
                proposed_value: "New text".into(),
                evidence: "Manual".into(),
            },
            suggester: Suggester {
                user_id: None,
                email: "ada@example.org".into(),
                name: "Ada".into(),
            },
            status: CorrectionStatus::Open,
            reason: None,
            triaged_by: None,
            triaged_at: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
            change_key: String::new(),
        }
    }

    #[test]
    fn the_outcome_email_says_what_was_decided_and_why() {
        let e = outcome_email(
            &sample(),
            Decision::Reject,
            Some("The source is right."),
            Some("Standards Body"),
            "https://nsx.example/",
        );
        assert_eq!(e.to, "ada@example.org");
        assert!(e.subject.contains("not accepted"));
        assert!(
            e.body
                .contains("The editors of Standards Body did not accept")
        );
        assert!(e.body.contains("Their reason:\nThe source is right."));
        assert!(
            e.body
                .contains("O*NET 30.1 · Task Statements.txt · task 90001")
        );
        assert!(
            e.body
                .contains("https://nsx.example/frameworks/17-3024.00/v26.05")
        );
        assert!(!e.body.contains("/account/corrections"));
        let f = outcome_email(&sample(), Decision::Forward, None, None, "http://x");
        assert!(f.subject.contains("forwarded"));
        assert!(f.body.contains("maintainer of O*NET"));
    }

    #[test]
    fn queue_filters_default_to_open_and_name_bad_values() {
        let f = QueueFilter::parse(None, None).unwrap();
        assert_eq!(f.status, Some(CorrectionStatus::Open));
        assert_eq!(QueueFilter::parse(Some("all"), None).unwrap().status, None);
        match QueueFilter::parse(Some("closed"), None) {
            Err(Error::Invalid(e)) => assert_eq!(e[0].field, "status"),
            other => panic!("{other:?}"),
        }
        match QueueFilter::parse(None, Some("../x")) {
            Err(Error::Invalid(e)) => assert_eq!(e[0].field, "framework"),
            other => panic!("{other:?}"),
        }
    }
}
