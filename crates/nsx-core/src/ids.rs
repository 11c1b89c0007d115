//! Typed identifiers: a user id cannot be passed where an organization id is expected.
//!
//! Each is a UUID underneath (v7 for rows created at run time, v5 for ids derived from
//! codes) and serializes as one.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUID v7).
            pub fn new_v7() -> Self {
                $name(Uuid::now_v7())
            }

            /// The UUID underneath.
            pub fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map($name)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                $name(u)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

typed_id!(
    /// A user account.
    UserId
);
typed_id!(
    /// An organization (standards body, employer, educator, …).
    OrganizationId
);
typed_id!(
    /// A framework (all of its versions).
    FrameworkId
);
typed_id!(
    /// One version of a framework.
    VersionId
);
typed_id!(
    /// A statement row inside one version.
    StatementId
);
typed_id!(
    /// A statement's item: the same across the versions that carry it.
    ItemId
);
typed_id!(
    /// A correction suggestion.
    CorrectionId
);
typed_id!(
    /// A background job.
    JobId
);
typed_id!(
    /// An entry of the audit log.
    AuditId
);

typed_id!(
    /// A call for input on a framework version.
    CallId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text_and_json() {
        let id = UserId::new_v7();
        assert_eq!(id.to_string().parse::<UserId>().ok(), Some(id));
        let json = serde_json::to_string(&id).unwrap_or_default();
        assert_eq!(json, format!("\"{id}\""));
        assert!("not-a-uuid".parse::<UserId>().is_err());
    }
}
