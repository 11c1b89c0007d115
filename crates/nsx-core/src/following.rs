//! Following, invitations and notification e-mails: the pure rules.
//!
//! - What can be followed ([`TargetKind`]) and how a follow is named.
//! - Reading a list of invitees, pasted or from a CSV file ([`parse_pasted`],
//!   [`parse_csv_rows`]): every address checked, duplicates collapsed, every bad line named,
//!   all or nothing.
//! - The unsubscribe token ([`sign`], [`verify`]): an HMAC-SHA256 over the address and
//!   what it unsubscribes from, checked in constant time, so the link works without
//!   signing in and cannot be forged for another address.
//! - Which notifications go out when ([`reminder_at`], [`needs_reminder`],
//!   [`merge_recipients`]).

use std::collections::BTreeMap;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

use crate::accounts::{FieldError, normalize_email};

/// The most invitees one list may hold.
pub const MAX_INVITEES: usize = 5000;

/// How long before a call closes its reviewers are reminded.
pub const REMINDER_BEFORE: Duration = Duration::hours(48);

/// What can be followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    /// A framework (by its code).
    Framework,
    /// An occupation (by its O*NET-SOC code).
    Occupation,
}

impl TargetKind {
    /// Both kinds.
    pub const ALL: [TargetKind; 2] = [TargetKind::Framework, TargetKind::Occupation];

    /// The stored and URL name.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Framework => "framework",
            TargetKind::Occupation => "occupation",
        }
    }

    /// Reads a stored or URL name.
    pub fn parse(s: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }
}

impl std::fmt::Display for TargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks a followed code: 1–100 characters of letters, digits, `.`, `-` and `_`.
pub fn check_code(code: &str) -> Result<String, FieldError> {
    let c = code.trim();
    if c.is_empty()
        || c.len() > 100
        || !c
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_'))
    {
        return Err(FieldError::new(
            "code",
            "not a framework or occupation code",
        ));
    }
    Ok(c.to_string())
}

// ---------------------------------------------------------------------------------------
// Invitee lists

/// One address as written, maybe as `Name <address>`.
fn address_of(token: &str) -> &str {
    let t = token.trim().trim_matches('"').trim();
    match (t.rfind('<'), t.rfind('>')) {
        (Some(a), Some(b)) if a < b => t[a + 1..b].trim(),
        _ => t,
    }
}

fn push_address(
    out: &mut Vec<String>,
    errors: &mut Vec<FieldError>,
    field: &str,
    line: usize,
    raw: &str,
) {
    let a = address_of(raw);
    if a.is_empty() {
        return;
    }
    match normalize_email(a) {
        Ok(e) => {
            if !out.contains(&e) {
                out.push(e);
            }
        }
        Err(_) => errors.push(FieldError::new(
            field,
            format!(
                "line {line}: {:?} is not an e-mail address",
                a.chars().take(80).collect::<String>()
            ),
        )),
    }
}

fn finish(
    out: Vec<String>,
    errors: Vec<FieldError>,
    field: &str,
) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = errors;
    if out.len() > MAX_INVITEES {
        errors.push(FieldError::new(
            field,
            format!(
                "at most {MAX_INVITEES} addresses at a time ({} given)",
                out.len()
            ),
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Reads a pasted list: addresses separated by new lines, commas or semicolons, each
/// possibly written `Name <address>`. Returns the addresses lower-cased, in order, each
/// once; or an error for every bad line (nothing is taken then).
pub fn parse_pasted(text: &str) -> Result<Vec<String>, Vec<FieldError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for part in line.split([',', ';']) {
            push_address(&mut out, &mut errors, "emails", i + 1, part);
        }
    }
    finish(out, errors, "emails")
}

/// Reads the rows of a CSV file of invitees: the column headed `email` (or `e-mail`,
/// any case) when the first row has one, else the first column of every row. Line numbers
/// in errors are the file's (1 for the first row).
pub fn parse_csv_rows(rows: &[Vec<String>]) -> Result<Vec<String>, Vec<FieldError>> {
    let header_col = rows.first().and_then(|r| {
        r.iter().position(|h| {
            let h = h.trim().to_ascii_lowercase();
            h == "email" || h == "e-mail" || h == "email address" || h == "e-mail address"
        })
    });
    let (col, skip) = match header_col {
        Some(c) => (c, 1),
        None => (0, 0),
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(skip) {
        let cell = row.get(col).map(String::as_str).unwrap_or("");
        push_address(&mut out, &mut errors, "csv", i + 1, cell);
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(FieldError::new("csv", "the file holds no e-mail address"));
    }
    finish(out, errors, "csv")
}

// ---------------------------------------------------------------------------------------
// Unsubscribe tokens

/// What an unsubscribe link stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Following one framework or occupation.
    Follow(TargetKind, String),
    /// E-mails about one call for input (invitations, reminders, dispositions).
    Call(uuid::Uuid),
}

impl Scope {
    /// The scope as text (`follow:framework:CODE`, `call:ID`).
    pub fn encode(&self) -> String {
        match self {
            Scope::Follow(k, c) => format!("follow:{}:{c}", k.as_str()),
            Scope::Call(id) => format!("call:{id}"),
        }
    }

    /// Reads a scope written by [`Scope::encode`].
    pub fn decode(s: &str) -> Option<Scope> {
        let mut parts = s.splitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("follow"), Some(k), Some(c)) => {
                Some(Scope::Follow(TargetKind::parse(k)?, check_code(c).ok()?))
            }
            (Some("call"), Some(id), None) => uuid::Uuid::parse_str(id).ok().map(Scope::Call),
            _ => None,
        }
    }
}

/// An unsubscribe request: who, from what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// The address (lower-cased).
    pub email: String,
    /// What it stops.
    pub scope: Scope,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not in the token format.
    #[error("this unsubscribe link is damaged; copy the whole link from the e-mail")]
    Malformed,
    /// The signature does not match.
    #[error("this unsubscribe link is not valid")]
    BadSignature,
}

const TOKEN_VERSION: &str = "u1";

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn mac(secret: &[u8], payload: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new_from_slice(&[0u8; 32]).expect("key"));
    m.update(TOKEN_VERSION.as_bytes());
    m.update(b"\n");
    m.update(payload);
    m
}

/// The token of an unsubscribe link: `u1.<hex payload>.<hex HMAC-SHA256>`, URL-safe.
pub fn sign(secret: &[u8], u: &Unsubscribe) -> String {
    let payload = format!("{}\n{}", u.email, u.scope.encode());
    let tag = mac(secret, payload.as_bytes()).finalize().into_bytes();
    format!("{TOKEN_VERSION}.{}.{}", hex(payload.as_bytes()), hex(&tag))
}

/// Checks a token (the signature in constant time) and reads it.
pub fn verify(secret: &[u8], token: &str) -> Result<Unsubscribe, TokenError> {
    if token.len() > 2000 {
        return Err(TokenError::Malformed);
    }
    let mut parts = token.trim().split('.');
    let (Some(TOKEN_VERSION), Some(p), Some(t), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed);
    };
    let payload = unhex(p).ok_or(TokenError::Malformed)?;
    let tag = unhex(t).ok_or(TokenError::Malformed)?;
    mac(secret, &payload)
        .verify_slice(&tag)
        .map_err(|_| TokenError::BadSignature)?;
    let text = String::from_utf8(payload).map_err(|_| TokenError::Malformed)?;
    let (email, scope) = text.split_once('\n').ok_or(TokenError::Malformed)?;
    Ok(Unsubscribe {
        email: email.to_string(),
        scope: Scope::decode(scope).ok_or(TokenError::Malformed)?,
    })
}

// ---------------------------------------------------------------------------------------
// Which notifications go out when

/// When the closing reminder of a call goes out: 48 hours before the close, or at the
/// opening when the call is shorter than that.
pub fn reminder_at(opens: OffsetDateTime, closes: OffsetDateTime) -> OffsetDateTime {
    (closes - REMINDER_BEFORE).max(opens)
}

/// Whether a reviewer who answered `answered` of `total` statements is reminded.
pub fn needs_reminder(answered: usize, total: usize) -> bool {
    answered < total
}

/// Why someone is told a call opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Reason {
    /// They were invited to the call.
    Invited,
    /// They follow the framework.
    FollowsFramework,
    /// They follow one of the framework's occupations.
    FollowsOccupation,
}

/// The recipients of a "call opened" e-mail: every address once, for the strongest reason
/// (an invitation before following the framework before following an occupation), with
/// the followed code that reason concerns. Sorted by address.
pub fn merge_recipients(
    candidates: impl IntoIterator<Item = (String, Reason, String)>,
) -> Vec<(String, Reason, String)> {
    let mut by: BTreeMap<String, (Reason, String)> = BTreeMap::new();
    for (email, reason, code) in candidates {
        let e = email.trim().to_lowercase();
        match by.get(&e) {
            Some((r, _)) if *r <= reason => {}
            _ => {
                by.insert(e, (reason, code));
            }
        }
    }
    by.into_iter().map(|(e, (r, c))| (e, r, c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_lists_collapse_duplicates_and_name_bad_lines() {
        let ok = parse_pasted(
            "a@example.org, B@Example.org\n\n\"Cy\" <cy@example.org>; a@example.org\n",
        )
        .expect("valid");
        assert_eq!(ok, vec!["a@example.org", "b@example.org", "cy@example.org"]);
        let errs =
            parse_pasted("a@example.org\nnot-an-address\nc@example.org, also bad").unwrap_err();
        assert_eq!(errs.len(), 2);
        assert!(errs[0].message.starts_with("line 2:"), "{:?}", errs[0]);
        assert!(errs[1].message.starts_with("line 3:"), "{:?}", errs[1]);
        assert!(errs.iter().all(|e| e.field == "emails"));
        assert_eq!(parse_pasted("").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn csv_rows_use_the_email_column_or_the_first() {
        let rows = |v: &[&[&str]]| -> Vec<Vec<String>> {
            v.iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect()
        };
        let with_header = rows(&[
            &["Name", "E-mail"],
            &["Ann", "ann@example.org"],
            &["Bob", "ANN@example.org"],
            &["Cy", "cy@example.org"],
        ]);
        assert_eq!(
            parse_csv_rows(&with_header).unwrap(),
            vec!["ann@example.org", "cy@example.org"]
        );
        let bare = rows(&[&["ann@example.org", "x"], &["oops", "y"]]);
        let errs = parse_csv_rows(&bare).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.starts_with("line 2:"));
        assert!(parse_csv_rows(&rows(&[&["email"]])).is_err());
    }

    #[test]
    fn lists_longer_than_the_limit_are_refused() {
        let text: String = (0..=MAX_INVITEES)
            .map(|i| format!("p{i}@example.org\n"))
            .collect();
        assert!(parse_pasted(&text).is_err());
    }

    #[test]
    fn tokens_round_trip_and_refuse_tampering() {
        let secret = b"0123456789abcdef0123456789abcdef";
        let u = Unsubscribe {
            email: "ann@example.org".into(),
            scope: Scope::Follow(TargetKind::Framework, "mech-1".into()),
        };
        let t = sign(secret, &u);
        assert!(t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'));
        assert_eq!(verify(secret, &t), Ok(u.clone()));
        // Another secret, another address, a flipped bit: all refused.
        assert_eq!(verify(b"other", &t), Err(TokenError::BadSignature));
        let other = sign(
            secret,
            &Unsubscribe {
                email: "bob@example.org".into(),
                ..u.clone()
            },
        );
        let forged = format!(
            "{}.{}",
            other.rsplit_once('.').unwrap().0,
            t.rsplit_once('.').unwrap().1
        );
        assert_eq!(verify(secret, &forged), Err(TokenError::BadSignature));
        let mut bad = t.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == '0' { '1' } else { '0' });
        assert_eq!(verify(secret, &bad), Err(TokenError::BadSignature));
        assert_eq!(verify(secret, "nonsense"), Err(TokenError::Malformed));
        assert_eq!(verify(secret, "u1.zz.00"), Err(TokenError::Malformed));
        let call = Unsubscribe {
            email: "cy@example.org".into(),
            scope: Scope::Call(uuid::Uuid::nil()),
        };
        assert_eq!(verify(secret, &sign(secret, &call)), Ok(call));
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        m.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&m.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn reminders_go_48_hours_before_the_close_and_only_with_gaps() {
        let opens = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(
            reminder_at(opens, opens + Duration::days(10)),
            opens + Duration::days(8)
        );
        assert_eq!(reminder_at(opens, opens + Duration::hours(30)), opens);
        assert!(needs_reminder(3, 10));
        assert!(!needs_reminder(10, 10));
    }

    #[test]
    fn recipients_are_merged_by_the_strongest_reason() {
        let r = merge_recipients([
            (
                "b@example.org".to_string(),
                Reason::FollowsOccupation,
                "17-3024.00".to_string(),
            ),
            (
                "A@example.org".to_string(),
                Reason::FollowsFramework,
                "mech".to_string(),
            ),
            ("b@example.org".to_string(), Reason::Invited, String::new()),
            (
                "a@example.org".to_string(),
                Reason::FollowsOccupation,
                "17-3024.00".to_string(),
            ),
        ]);
        assert_eq!(
            r,
            vec![
                (
                    "a@example.org".to_string(),
                    Reason::FollowsFramework,
                    "mech".to_string()
                ),
                ("b@example.org".to_string(), Reason::Invited, String::new()),
            ]
        );
    }

    #[test]
    fn scopes_and_codes() {
        assert_eq!(
            TargetKind::parse("occupation"),
            Some(TargetKind::Occupation)
        );
        assert_eq!(TargetKind::parse("nope"), None);
        assert!(check_code("17-3024.00").is_ok());
        assert!(check_code("a b").is_err());
        assert!(check_code("").is_err());
        let s = Scope::Follow(TargetKind::Occupation, "17-3024.00".into());
        assert_eq!(Scope::decode(&s.encode()), Some(s));
        assert_eq!(Scope::decode("follow:thing:x"), None);
    }
}
