//! Accounts: roles, organization types, and the rules for what a user may type.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a user may do. A user holds any number of roles.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users, organizations and every setting.
    Admin,
    /// Drafts, reviews and publishes frameworks.
    Editor,
    /// Rates and comments on draft statements during a call for input.
    Reviewer,
    /// Defines certification programs, modules and item banks.
    CertificationAdmin,
    /// Supervises assessment sittings.
    Proctor,
    /// Sits assessments and holds credentials.
    Candidate,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Editor,
        Role::Reviewer,
        Role::CertificationAdmin,
        Role::Proctor,
        Role::Candidate,
    ];

    /// The stored and typed form (`certification_admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Reviewer => "reviewer",
            Role::CertificationAdmin => "certification_admin",
            Role::Proctor => "proctor",
            Role::Candidate => "candidate",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Editor => "Standards editor",
            Role::Reviewer => "Reviewer",
            Role::CertificationAdmin => "Certification administrator",
            Role::Proctor => "Proctor",
            Role::Candidate => "Candidate",
        }
    }

    /// Roles anyone may give themselves when signing up.
    pub fn self_service(self) -> bool {
        matches!(self, Role::Reviewer | Role::Candidate)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown role or organization type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {kind}; expected one of: {expected}")]
pub struct UnknownName {
    /// What kind of name.
    pub kind: &'static str,
    /// The input.
    pub value: String,
    /// The accepted names.
    pub expected: String,
}

impl FromStr for Role {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == t)
            .ok_or_else(|| UnknownName {
                kind: "role",
                value: s.to_string(),
                expected: Role::ALL.map(Role::as_str).join(", "),
            })
    }
}

/// What kind of body an organization is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Publishes skill standards.
    StandardsBody,
    /// Employs workers in the occupations.
    Employer,
    /// Teaches or trains.
    Educator,
    /// An industry or professional association.
    Association,
    /// Runs proctored assessments.
    AssessmentCenter,
    /// A company hosting onsite assessments.
    Company,
}

impl OrgKind {
    /// Every organization type, in display order.
    pub const ALL: [OrgKind; 6] = [
        OrgKind::StandardsBody,
        OrgKind::Employer,
        OrgKind::Educator,
        OrgKind::Association,
        OrgKind::AssessmentCenter,
        OrgKind::Company,
    ];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::StandardsBody => "standards_body",
            OrgKind::Employer => "employer",
            OrgKind::Educator => "educator",
            OrgKind::Association => "association",
            OrgKind::AssessmentCenter => "assessment_center",
            OrgKind::Company => "company",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            OrgKind::StandardsBody => "Standards body",
            OrgKind::Employer => "Employer",
            OrgKind::Educator => "Educator",
            OrgKind::Association => "Association",
            OrgKind::AssessmentCenter => "Assessment center",
            OrgKind::Company => "Company",
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrgKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        OrgKind::ALL
            .into_iter()
            .find(|r| r.as_str() == t)
            .ok_or_else(|| UnknownName {
                kind: "organization type",
                value: s.to_string(),
                expected: OrgKind::ALL.map(OrgKind::as_str).join(", "),
            })
    }
}

/// A problem with one form field, named so a form can show it beside the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name as submitted.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;
/// The longest password accepted (hashing cost grows with length).
pub const MAX_PASSWORD_LEN: usize = 256;

/// Normalises and checks an e-mail address; returns it lower-cased.
pub fn normalize_email(input: &str) -> Result<String, FieldError> {
    let e = input.trim().to_lowercase();
    let bad = || FieldError::new("email", "enter an e-mail address such as name@example.org");
    if e.len() > 254 || e.chars().any(char::is_whitespace) {
        return Err(bad());
    }
    let (local, domain) = e.split_once('@').ok_or_else(bad)?;
    if local.is_empty() || domain.len() < 3 || !domain.contains('.') || domain.contains('@') {
        return Err(bad());
    }
    if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
        return Err(bad());
    }
    Ok(e)
}

/// Checks a new password against the policy.
pub fn check_password(password: &str, email: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        return Err(FieldError::new(
            "password",
            format!("use at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    if n > MAX_PASSWORD_LEN {
        return Err(FieldError::new(
            "password",
            format!("use at most {MAX_PASSWORD_LEN} characters"),
        ));
    }
    if !email.is_empty() && password.eq_ignore_ascii_case(email) {
        return Err(FieldError::new(
            "password",
            "do not use your e-mail address as your password",
        ));
    }
    if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(' '))
    {
        return Err(FieldError::new(
            "password",
            "use more than one distinct character",
        ));
    }
    Ok(())
}

/// Checks a display name: 1–100 visible characters.
pub fn check_display_name(name: &str) -> Result<String, FieldError> {
    let t = name.trim();
    if t.is_empty() {
        return Err(FieldError::new("name", "enter your name"));
    }
    if t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err(FieldError::new(
            "name",
            "use at most 100 characters, without control characters",
        ));
    }
    Ok(t.to_string())
}

/// Checks an organization name: 2–200 visible characters.
pub fn check_org_name(name: &str) -> Result<String, FieldError> {
    let t = name.trim();
    if t.chars().count() < 2 || t.chars().count() > 200 || t.chars().any(char::is_control) {
        return Err(FieldError::new("name", "use 2 to 200 characters"));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert_eq!(
            "Certification Admin".parse::<Role>().unwrap(),
            Role::CertificationAdmin
        );
        let err = "boss".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("admin, editor"));
        assert!(Role::Reviewer.self_service());
        assert!(!Role::Admin.self_service());
    }

    #[test]
    fn org_kinds_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(k.as_str().parse::<OrgKind>().unwrap(), k);
        }
        assert!("assessment center".parse::<OrgKind>().is_ok());
        assert!("club".parse::<OrgKind>().is_err());
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            normalize_email("  Ada@Example.ORG ").unwrap(),
            "ada@example.org"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@x.org",
            "a b@x.org",
            "a@x",
            "a@.org",
            "a@x..org",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn passwords_follow_the_policy() {
        assert!(check_password("short", "a@b.org").is_err());
        assert!(check_password("aaaaaaaaaaaa", "a@b.org").is_err());
        assert!(check_password("ada@example.org", "ada@example.org").is_err());
        assert!(check_password("correct horse battery", "a@b.org").is_ok());
        assert!(check_password(&"x1".repeat(200), "").is_err());
    }
}
