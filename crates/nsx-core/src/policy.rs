//! Authorization: the one place that answers "may this person do this to that".
//!
//! Handlers (page, API and command line alike) describe who is asking as a [`Principal`],
//! what they want as an [`Action`] and what it concerns as a [`Resource`], and ask
//! [`decide`]. No handler tests roles itself. The route table declares, for every route,
//! the [`Access`] it needs, and a test walks that table to check every route against
//! anonymous visitors, signed-in users without rights and users with them.

use std::fmt;

use crate::accounts::Role;
use crate::ids::{OrganizationId, UserId};

/// Who is asking, as far as the policy needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// Roles held.
    pub roles: Vec<Role>,
    /// The organization the user belongs to.
    pub organization_id: Option<OrganizationId>,
}

impl Principal {
    /// Whether the principal holds a role.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the principal is an administrator (who may do everything).
    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    /// Whether the principal is an editor of `org`.
    pub fn edits_for(&self, org: Option<OrganizationId>) -> bool {
        self.has(Role::Editor) && org.is_some() && self.organization_id == org
    }
}

/// Something a person may want to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Read anything public: catalog, frameworks of every status, exports, the registry.
    ReadPublic,
    /// See and change one's own account, tokens and sign-in.
    ManageOwnAccount,
    /// Administer users, roles and organizations.
    AdministerAccounts,
    /// Read and export the audit log.
    ReadAudit,
    /// See background jobs and retry failed ones.
    ManageJobs,
    /// Create a framework owned by an organization (from scratch, a copy or an import).
    CreateFramework,
    /// Change a framework's draft versions, its occupations and its subscriptions.
    EditFramework,
    /// Move a framework version through its statuses (publish, discard).
    PublishFramework,
    /// Propose a correction to the source data behind a statement.
    SuggestCorrection,
    /// Read one correction suggestion and its outcome.
    ReadCorrection,
    /// Triage correction suggestions about an organization's frameworks.
    TriageCorrections,
    /// Open a call for input on an organization's framework, read its results with the
    /// reviewers' identities, and conclude it.
    ManageReview,
}

impl Action {
    /// Every action, for tests and documentation.
    pub const ALL: [Action; 12] = [
        Action::ReadPublic,
        Action::ManageOwnAccount,
        Action::AdministerAccounts,
        Action::ReadAudit,
        Action::ManageJobs,
        Action::CreateFramework,
        Action::EditFramework,
        Action::PublishFramework,
        Action::SuggestCorrection,
        Action::ReadCorrection,
        Action::TriageCorrections,
        Action::ManageReview,
    ];

    /// What the action is called in messages.
    pub fn describe(self) -> &'static str {
        match self {
            Action::ReadPublic => "read this",
            Action::ManageOwnAccount => "manage this account",
            Action::AdministerAccounts => "administer accounts",
            Action::ReadAudit => "read the audit log",
            Action::ManageJobs => "manage background jobs",
            Action::CreateFramework => "create frameworks for this organization",
            Action::EditFramework => "edit this framework",
            Action::PublishFramework => "change this framework's versions",
            Action::SuggestCorrection => "suggest a correction",
            Action::ReadCorrection => "read this correction suggestion",
            Action::TriageCorrections => "triage correction suggestions",
            Action::ManageReview => "manage calls for input on this framework",
        }
    }
}

/// What an action concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// The exchange as a whole (lists, admin pages, queues).
    Site,
    /// Something an organization owns (a framework and its versions); `None` when it has no
    /// owner yet.
    OwnedBy(Option<OrganizationId>),
    /// A user's own things.
    User(UserId),
    /// Something one person wrote about something an organization owns (a correction
    /// suggestion): its author may read it, the owner's editors may triage it.
    Authored {
        /// Who wrote it, if they were signed in.
        author: Option<UserId>,
        /// The organization that owns what it concerns.
        owner: Option<OrganizationId>,
    },
}

/// The policy's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allow,
    /// Sign in first (the asker is anonymous).
    SignIn,
    /// Not allowed; the reason can be shown.
    Deny(String),
}

impl Decision {
    /// Whether the action is allowed.
    pub fn allowed(&self) -> bool {
        *self == Decision::Allow
    }
}

/// What a route needs before its handler runs; every route in the route table has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Anyone,
    /// Any signed-in user; the handler only shows or changes the user's own things.
    SignedIn,
    /// An action the policy decides, usually on a resource the handler loads.
    Action(Action),
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Access::Anyone => f.write_str("anyone"),
            Access::SignedIn => f.write_str("signed in"),
            Access::Action(a) => write!(f, "may {}", a.describe()),
        }
    }
}

/// The first check, made before a route's handler runs and before its input is read:
/// whether `who` could do `action` to anything at all (an editor with an organization
/// could edit some framework; a person with no role could not). The handler then asks
/// [`decide`] about the resource it loads.
pub fn gate(who: Option<&Principal>, access: Access) -> Decision {
    use Action::*;
    let action = match access {
        Access::Anyone => return Decision::Allow,
        Access::SignedIn => {
            return match who {
                Some(_) => Decision::Allow,
                None => Decision::SignIn,
            };
        }
        Access::Action(a) => a,
    };
    if matches!(action, ReadPublic | SuggestCorrection) {
        return Decision::Allow;
    }
    let Some(p) = who else {
        return Decision::SignIn;
    };
    let could = p.is_admin()
        || match action {
            ReadPublic | SuggestCorrection | ManageOwnAccount | ReadCorrection => true,
            AdministerAccounts | ReadAudit | ManageJobs => false,
            CreateFramework | EditFramework | PublishFramework | TriageCorrections
            | ManageReview => p.has(Role::Editor) && p.organization_id.is_some(),
        };
    if could {
        Decision::Allow
    } else {
        Decision::Deny(format!("you may not {}", action.describe()))
    }
}

/// Decides whether `who` (None: an anonymous visitor) may do `action` to `resource`.
pub fn decide(who: Option<&Principal>, action: Action, resource: &Resource) -> Decision {
    use Action::*;
    // Things anyone may do, signed in or not.
    if matches!(action, ReadPublic | SuggestCorrection) {
        return Decision::Allow;
    }
    let Some(p) = who else {
        return Decision::SignIn;
    };
    if p.is_admin() {
        return Decision::Allow;
    }
    let deny = || Decision::Deny(format!("you may not {}", action.describe()));
    let allowed = match (action, resource) {
        (ManageOwnAccount, Resource::User(u)) => *u == p.user_id,
        (ManageOwnAccount, Resource::Site) => true,
        (AdministerAccounts | ReadAudit | ManageJobs, _) => false,
        (CreateFramework, Resource::OwnedBy(org)) => p.edits_for(*org),
        (CreateFramework, Resource::Site) => p.has(Role::Editor) && p.organization_id.is_some(),
        (EditFramework | PublishFramework, Resource::OwnedBy(org)) => p.edits_for(*org),
        (TriageCorrections, Resource::OwnedBy(org)) => p.edits_for(*org),
        (TriageCorrections, Resource::Authored { owner, .. }) => p.edits_for(*owner),
        (TriageCorrections, Resource::Site) => p.has(Role::Editor) && p.organization_id.is_some(),
        (ManageReview, Resource::OwnedBy(org)) => p.edits_for(*org),
        (ReadCorrection, Resource::Authored { author, owner }) => {
            *author == Some(p.user_id) || p.edits_for(*owner)
        }
        _ => false,
    };
    if allowed { Decision::Allow } else { deny() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn org(n: u128) -> OrganizationId {
        OrganizationId(Uuid::from_u128(n))
    }

    fn user(n: u128, roles: &[Role], o: Option<OrganizationId>) -> Principal {
        Principal {
            user_id: UserId(Uuid::from_u128(1000 + n)),
            roles: roles.to_vec(),
            organization_id: o,
        }
    }

    #[test]
    fn anonymous_may_read_and_suggest_but_nothing_else() {
        for a in Action::ALL {
            let d = decide(None, a, &Resource::OwnedBy(Some(org(1))));
            match a {
                Action::ReadPublic | Action::SuggestCorrection => assert!(d.allowed(), "{a:?}"),
                _ => assert_eq!(d, Decision::SignIn, "{a:?}"),
            }
        }
    }

    #[test]
    fn editors_edit_only_their_organizations_frameworks() {
        let a = user(1, &[Role::Editor], Some(org(1)));
        let own = Resource::OwnedBy(Some(org(1)));
        let other = Resource::OwnedBy(Some(org(2)));
        for act in [
            Action::EditFramework,
            Action::PublishFramework,
            Action::TriageCorrections,
            Action::ManageReview,
        ] {
            assert!(decide(Some(&a), act, &own).allowed(), "{act:?}");
            assert!(!decide(Some(&a), act, &other).allowed(), "{act:?}");
        }
        // Ownerless things are nobody's to edit but an administrator's.
        assert!(!decide(Some(&a), Action::EditFramework, &Resource::OwnedBy(None)).allowed());
    }

    #[test]
    fn membership_without_the_editor_role_is_not_enough() {
        let reviewer = user(2, &[Role::Reviewer], Some(org(1)));
        let own = Resource::OwnedBy(Some(org(1)));
        assert!(!decide(Some(&reviewer), Action::EditFramework, &own).allowed());
        let orphan_editor = user(3, &[Role::Editor], None);
        assert!(
            !decide(
                Some(&orphan_editor),
                Action::CreateFramework,
                &Resource::Site
            )
            .allowed()
        );
    }

    #[test]
    fn admins_may_do_everything() {
        let admin = user(4, &[Role::Admin], None);
        for a in Action::ALL {
            assert!(
                decide(Some(&admin), a, &Resource::OwnedBy(Some(org(9)))).allowed(),
                "{a:?}"
            );
        }
    }

    #[test]
    fn authors_read_their_own_suggestions_only() {
        let author = user(5, &[], None);
        let stranger = user(6, &[], None);
        let r = Resource::Authored {
            author: Some(author.user_id),
            owner: Some(org(1)),
        };
        assert!(decide(Some(&author), Action::ReadCorrection, &r).allowed());
        assert!(!decide(Some(&stranger), Action::ReadCorrection, &r).allowed());
        assert!(!decide(Some(&author), Action::TriageCorrections, &r).allowed());
        let editor = user(7, &[Role::Editor], Some(org(1)));
        assert!(decide(Some(&editor), Action::TriageCorrections, &r).allowed());
        assert!(decide(Some(&editor), Action::ReadCorrection, &r).allowed());
    }

    #[test]
    fn the_gate_lets_through_only_who_could_act() {
        let plain = user(10, &[], Some(org(1)));
        let editor = user(11, &[Role::Editor], Some(org(1)));
        let orphan = user(12, &[Role::Editor], None);
        let edit = Access::Action(Action::EditFramework);
        assert_eq!(gate(None, edit), Decision::SignIn);
        assert!(!gate(Some(&plain), edit).allowed());
        assert!(gate(Some(&editor), edit).allowed());
        assert!(!gate(Some(&orphan), edit).allowed());
        assert!(gate(None, Access::Anyone).allowed());
        assert_eq!(gate(None, Access::SignedIn), Decision::SignIn);
        assert!(gate(Some(&plain), Access::SignedIn).allowed());
        let admin_only = Access::Action(Action::AdministerAccounts);
        assert!(!gate(Some(&editor), admin_only).allowed());
        assert!(gate(Some(&user(13, &[Role::Admin], None)), admin_only).allowed());
    }

    #[test]
    fn own_account_only() {
        let u = user(8, &[], None);
        assert!(
            decide(
                Some(&u),
                Action::ManageOwnAccount,
                &Resource::User(u.user_id)
            )
            .allowed()
        );
        assert!(
            !decide(
                Some(&u),
                Action::ManageOwnAccount,
                &Resource::User(UserId(Uuid::from_u128(77)))
            )
            .allowed()
        );
        assert!(!decide(Some(&u), Action::AdministerAccounts, &Resource::Site).allowed());
    }
}
