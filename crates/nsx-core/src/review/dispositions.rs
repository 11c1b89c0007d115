//! Dispositions: what the editors decided about every comment, suggested rewrite and
//! proposed statement a call for input received, and what each reviewer says about the
//! response to their own comments.
//!
//! The pure rules live here: the dispositions and what each needs (a reason when a
//! comment is not accepted, the original when it is a duplicate), how near-identical
//! comments (a campaign pasting one text) are recognized and grouped, when a call may be
//! concluded, and the summary of a consultation that a published revision carries.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{StakeholderType, clean_text};
use crate::accounts::FieldError;

/// The longest reason an editor may give.
pub const MAX_REASON: usize = 4000;

named_enum!(
    /// What the editors decided about a comment.
    Disposition, "disposition", [
        /// Accepted as proposed.
        Accepted => "accepted", "Accepted",
        /// Accepted, with changes.
        AcceptedWithChanges => "accepted_with_changes", "Accepted with changes",
        /// Not accepted (a reason is required).
        NotAccepted => "not_accepted", "Not accepted",
        /// Says what another comment says (it points at that one).
        Duplicate => "duplicate", "Duplicate",
    ]
);

impl Disposition {
    /// Whether the comment counts as accepted in the consultation's summary.
    pub fn accepted(self) -> bool {
        matches!(
            self,
            Disposition::Accepted | Disposition::AcceptedWithChanges
        )
    }
}

named_enum!(
    /// What a reviewer said that receives a disposition.
    CommentKind, "comment kind", [
        /// A comment or suggested rewrite on a statement.
        Statement => "statement", "Statement comment",
        /// A proposed missing statement.
        Proposal => "proposal", "Proposed statement",
        /// A general comment on the draft.
        General => "general", "General comment",
    ]
);

named_enum!(
    /// A reviewer's answer to the disposition of their comment.
    Verdict, "verdict", [
        /// The reviewer accepts the response to their comment.
        Accept => "accept", "Accepts the response",
        /// The reviewer maintains an objection.
        Object => "object", "Maintains an objection",
    ]
);

/// A disposition as an editor gives it, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, ToSchema)]
pub struct DispositionInput {
    /// `accepted`, `accepted_with_changes`, `not_accepted` or `duplicate`.
    pub disposition: String,
    /// Why (required when not accepted; at most 4,000 characters).
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub reason: String,
    /// The comment this one duplicates (required for `duplicate`).
    #[serde(default)]
    pub duplicate_of: Option<Uuid>,
}

/// A checked disposition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decided {
    /// The disposition.
    pub disposition: Disposition,
    /// The reason (may be empty unless not accepted).
    pub reason: String,
    /// The original, for a duplicate.
    pub duplicate_of: Option<Uuid>,
}

/// Checks a disposition given to comment `this`: a reason is required when the comment is
/// not accepted; a duplicate names another comment; nothing else names one.
pub fn check_disposition(
    field: &str,
    this: Uuid,
    input: &DispositionInput,
) -> Result<Decided, Vec<FieldError>> {
    let mut errors = Vec::new();
    let disposition = input
        .disposition
        .parse::<Disposition>()
        .map_err(|e| errors.push(FieldError::new(&format!("{field}.disposition"), e)))
        .ok();
    let reason = clean_text(&format!("{field}.reason"), &input.reason, MAX_REASON, false)
        .map_err(|e| errors.push(e))
        .ok();
    match (disposition, reason.as_deref()) {
        (Some(Disposition::NotAccepted), Some("")) => errors.push(FieldError::new(
            &format!("{field}.reason"),
            "say why the comment is not accepted",
        )),
        (Some(Disposition::Duplicate), _) => match input.duplicate_of {
            None => errors.push(FieldError::new(
                &format!("{field}.duplicate_of"),
                "name the comment this one duplicates",
            )),
            Some(d) if d == this => errors.push(FieldError::new(
                &format!("{field}.duplicate_of"),
                "a comment cannot duplicate itself",
            )),
            Some(_) => {}
        },
        _ => {}
    }
    match (disposition, reason, errors.is_empty()) {
        (Some(disposition), Some(reason), true) => Ok(Decided {
            disposition,
            reason,
            duplicate_of: if disposition == Disposition::Duplicate {
                input.duplicate_of
            } else {
                None
            },
        }),
        _ => Err(errors),
    }
}

/// Checks that every duplicate points at a comment that is itself no duplicate (so there
/// are no chains or cycles), given each comment's disposition after a change. Returns the
/// comments that break the rule.
pub fn broken_duplicates(all: &BTreeMap<Uuid, (Option<Disposition>, Option<Uuid>)>) -> Vec<Uuid> {
    all.iter()
        .filter_map(|(id, (d, of))| match (d, of) {
            (Some(Disposition::Duplicate), Some(o)) => match all.get(o) {
                Some((Some(Disposition::Duplicate), _)) | None => Some(*id),
                _ => None,
            },
            (Some(Disposition::Duplicate), None) => Some(*id),
            _ => None,
        })
        .collect()
}

/// A comment's text made comparable: lower case, letters and digits only, single spaces.
/// Two comments with the same normalized text are near-identical.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

fn words(normalized: &str) -> std::collections::BTreeSet<&str> {
    normalized.split(' ').filter(|w| !w.is_empty()).collect()
}

/// Whether two comments are near-identical: the same normalized text, or, for comments of
/// at least eight words, word sets sharing at least 90% of their union (a pasted text with
/// a word changed or a greeting added).
pub fn near_identical(a: &str, b: &str) -> bool {
    let (a, b) = (normalize(a), normalize(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let (wa, wb) = (words(&a), words(&b));
    if wa.len() < 8 || wb.len() < 8 {
        return false;
    }
    let common = wa.intersection(&wb).count();
    let union = wa.union(&wb).count();
    common * 10 >= union * 9
}

/// Groups near-identical texts: each group lists the positions of its texts in order, the
/// first being the earliest. Only groups of two or more are returned, largest first.
pub fn group_near_identical(texts: &[&str]) -> Vec<Vec<usize>> {
    let mut group_of: Vec<Option<usize>> = vec![None; texts.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in 0..texts.len() {
        if group_of[i].is_some() || normalize(texts[i]).is_empty() {
            continue;
        }
        let g = groups.len();
        let mut members = vec![i];
        group_of[i] = Some(g);
        for j in i + 1..texts.len() {
            if group_of[j].is_none() && near_identical(texts[i], texts[j]) {
                group_of[j] = Some(g);
                members.push(j);
            }
        }
        groups.push(members);
    }
    groups.retain(|g| g.len() > 1);
    groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    groups
}

/// Why a call cannot be concluded yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConcludeBlock {
    /// The call still takes answers.
    StillOpen,
    /// It was concluded already.
    AlreadyConcluded,
    /// Comments without a disposition remain.
    Unresolved(usize),
}

impl fmt::Display for ConcludeBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConcludeBlock::StillOpen => f.write_str("the call has not closed yet"),
            ConcludeBlock::AlreadyConcluded => f.write_str("the call is concluded already"),
            ConcludeBlock::Unresolved(1) => f.write_str("1 comment has no disposition yet"),
            ConcludeBlock::Unresolved(n) => write!(f, "{n} comments have no disposition yet"),
        }
    }
}

/// Whether a call may be concluded: it has closed, it is not concluded yet, and every
/// comment has a disposition.
pub fn may_conclude(
    closed: bool,
    concluded: bool,
    dispositions: &[Option<Disposition>],
) -> Result<(), ConcludeBlock> {
    if !closed {
        return Err(ConcludeBlock::StillOpen);
    }
    if concluded {
        return Err(ConcludeBlock::AlreadyConcluded);
    }
    match dispositions.iter().filter(|d| d.is_none()).count() {
        0 => Ok(()),
        n => Err(ConcludeBlock::Unresolved(n)),
    }
}

/// The summary of a consultation that a published revision carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ConsultationSummary {
    /// Reviewers who took part.
    pub respondents: u32,
    /// Reviewers by stakeholder type (stored name → count).
    pub by_type: BTreeMap<String, u32>,
    /// Comments, suggested rewrites and proposed statements received.
    pub comments: u32,
    /// Comments by disposition (stored name → count).
    pub by_disposition: BTreeMap<String, u32>,
    /// Accepted (with or without changes) among the comments that are no duplicates, from
    /// 0 to 1.
    pub accepted_share: f64,
}

impl ConsultationSummary {
    /// The summary in one sentence: reviewers by stakeholder type, comments, accepted share.
    pub fn describe(&self) -> String {
        let types: Vec<String> = self
            .by_type
            .iter()
            .map(|(t, n)| {
                let label = t
                    .parse::<StakeholderType>()
                    .map(|t| t.label().to_lowercase())
                    .unwrap_or_else(|_| t.clone());
                format!("{label} {n}")
            })
            .collect();
        format!(
            "{} reviewers ({}); {} comments; {:.0}% of the comments that are no duplicates accepted, with or without changes.",
            self.respondents,
            if types.is_empty() {
                "none".to_string()
            } else {
                types.join(", ")
            },
            self.comments,
            self.accepted_share * 100.0
        )
    }
}

/// Summarizes a consultation: reviewers by stakeholder type and the dispositions of its
/// comments. Duplicates are counted as received but left out of the accepted share, so a
/// campaign of one pasted text weighs as one comment.
pub fn summarize(
    reviewers: &[StakeholderType],
    dispositions: &[Option<Disposition>],
) -> ConsultationSummary {
    let mut by_type = BTreeMap::new();
    for t in reviewers {
        *by_type.entry(t.as_str().to_string()).or_insert(0) += 1;
    }
    let mut by_disposition = BTreeMap::new();
    let mut counted = 0u32;
    let mut accepted = 0u32;
    for d in dispositions {
        let key = d.map(|d| d.as_str()).unwrap_or("unresolved");
        *by_disposition.entry(key.to_string()).or_insert(0) += 1;
        if *d != Some(Disposition::Duplicate) {
            counted += 1;
            if d.is_some_and(Disposition::accepted) {
                accepted += 1;
            }
        }
    }
    ConsultationSummary {
        respondents: reviewers.len() as u32,
        by_type,
        comments: dispositions.len() as u32,
        by_disposition,
        accepted_share: if counted == 0 {
            0.0
        } else {
            f64::from(accepted) / f64::from(counted)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn input(d: &str, reason: &str, of: Option<Uuid>) -> DispositionInput {
        DispositionInput {
            disposition: d.into(),
            reason: reason.into(),
            duplicate_of: of,
        }
    }

    #[test]
    fn not_accepted_needs_a_reason() {
        let e = check_disposition("d", id(1), &input("not_accepted", "  ", None)).unwrap_err();
        assert_eq!(e[0].field, "d.reason");
        let ok =
            check_disposition("d", id(1), &input("not_accepted", " Out of scope ", None)).unwrap();
        assert_eq!(ok.disposition, Disposition::NotAccepted);
        assert_eq!(ok.reason, "Out of scope");
        assert!(check_disposition("d", id(1), &input("accepted", "", None)).is_ok());
    }

    #[test]
    fn a_duplicate_names_another_comment() {
        let e = check_disposition("d", id(1), &input("duplicate", "", None)).unwrap_err();
        assert_eq!(e[0].field, "d.duplicate_of");
        let e = check_disposition("d", id(1), &input("duplicate", "", Some(id(1)))).unwrap_err();
        assert_eq!(e[0].field, "d.duplicate_of");
        let ok = check_disposition("d", id(1), &input("duplicate", "", Some(id(2)))).unwrap();
        assert_eq!(ok.duplicate_of, Some(id(2)));
        // Other dispositions drop a stray original.
        let ok = check_disposition("d", id(1), &input("accepted", "", Some(id(2)))).unwrap();
        assert_eq!(ok.duplicate_of, None);
    }

    #[test]
    fn unknown_dispositions_and_long_reasons_are_refused() {
        let e = check_disposition("d", id(1), &input("maybe", "", None)).unwrap_err();
        assert_eq!(e[0].field, "d.disposition");
        let long = "x".repeat(MAX_REASON + 1);
        let e = check_disposition("d", id(1), &input("accepted", &long, None)).unwrap_err();
        assert_eq!(e[0].field, "d.reason");
    }

    #[test]
    fn duplicates_point_at_originals() {
        let mut all = BTreeMap::new();
        all.insert(id(1), (Some(Disposition::Accepted), None));
        all.insert(id(2), (Some(Disposition::Duplicate), Some(id(1))));
        assert!(broken_duplicates(&all).is_empty());
        // A chain (3 → 2 → 1) and a dangling pointer break the rule.
        all.insert(id(3), (Some(Disposition::Duplicate), Some(id(2))));
        all.insert(id(4), (Some(Disposition::Duplicate), Some(id(99))));
        assert_eq!(broken_duplicates(&all), vec![id(3), id(4)]);
    }

    #[test]
    fn normalizing_ignores_case_punctuation_and_spacing() {
        assert_eq!(
            normalize("  Add   SAFETY training!\n(please)"),
            "add safety training please"
        );
        assert_eq!(normalize("...!"), "");
        assert_eq!(normalize("Ünïcode straße"), "ünïcode straße");
    }

    #[test]
    fn near_identical_comments_are_recognized() {
        assert!(near_identical("Add lockout/tagout.", "add lockout tagout"));
        let a = "This statement should require annual refresher training on lockout and tagout for every technician";
        let b = "Hello. This statement should require annual refresher training on lockout and tagout for every technician";
        assert!(near_identical(a, b));
        assert!(!near_identical(a, "This statement is fine as it is"));
        // Short texts must match exactly once normalized.
        assert!(!near_identical("Remove it", "Remove this"));
        assert!(!near_identical("", ""));
    }

    #[test]
    fn grouping_counts_campaigns() {
        let texts = [
            "Keep the safety section.",
            "Something else entirely",
            "keep the SAFETY section",
            "",
            "Keep the safety section!!",
            "Something else entirely.",
        ];
        let g = group_near_identical(&texts);
        assert_eq!(g, vec![vec![0, 2, 4], vec![1, 5]]);
        let total: usize = g.iter().map(Vec::len).sum();
        assert_eq!(total, 5, "the empty text is in no group");
    }

    #[test]
    fn concluding_needs_a_closed_call_with_everything_resolved() {
        let d = [Some(Disposition::Accepted), None, None];
        assert_eq!(
            may_conclude(false, false, &d),
            Err(ConcludeBlock::StillOpen)
        );
        assert_eq!(
            may_conclude(true, false, &d),
            Err(ConcludeBlock::Unresolved(2))
        );
        assert_eq!(
            ConcludeBlock::Unresolved(2).to_string(),
            "2 comments have no disposition yet"
        );
        let done = [Some(Disposition::Accepted), Some(Disposition::NotAccepted)];
        assert_eq!(may_conclude(true, false, &done), Ok(()));
        assert_eq!(
            may_conclude(true, true, &done),
            Err(ConcludeBlock::AlreadyConcluded)
        );
        assert_eq!(may_conclude(true, false, &[]), Ok(()));
    }

    #[test]
    fn the_summary_counts_types_and_the_accepted_share_without_duplicates() {
        let s = summarize(
            &[
                StakeholderType::Employer,
                StakeholderType::Employer,
                StakeholderType::Educator,
            ],
            &[
                Some(Disposition::Accepted),
                Some(Disposition::AcceptedWithChanges),
                Some(Disposition::NotAccepted),
                Some(Disposition::NotAccepted),
                Some(Disposition::Duplicate),
            ],
        );
        assert_eq!(s.respondents, 3);
        assert_eq!(s.by_type["employer"], 2);
        assert_eq!(s.by_type["educator"], 1);
        assert_eq!(s.comments, 5);
        assert_eq!(s.by_disposition["not_accepted"], 2);
        assert_eq!(s.by_disposition["duplicate"], 1);
        assert!((s.accepted_share - 0.5).abs() < 1e-9);
        let counted: u32 = s.by_type.values().sum();
        assert_eq!(counted, s.respondents);
        assert_eq!(summarize(&[], &[]).accepted_share, 0.0);
        assert_eq!(
            s.describe(),
            "3 reviewers (educator 1, employer 2); 5 comments; 50% of the comments that are no duplicates accepted, with or without changes."
        );
    }
}
