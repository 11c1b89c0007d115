//! What every page's frame needs: who is looking, and the attribution the data requires.

use nsx_core::accounts::Role;

use crate::accounts::Viewer;

/// The O*NET attribution shown wherever the data is (CC BY 4.0 requires it).
pub const ONET_ATTRIBUTION: &str = "O*NET\u{ae} Database by the U.S. Department of Labor, Employment and Training Administration (USDOL/ETA), used under the CC BY 4.0 licence. O*NET\u{ae} is a trademark of USDOL/ETA.";

/// The signed-in person, as the page frame shows them.
#[derive(Debug, Clone)]
pub struct ViewerSummary {
    /// Display name.
    pub name: String,
    /// Whether the admin link is shown.
    pub is_admin: bool,
    /// Whether the workspace link is shown (standards editors and administrators).
    pub is_editor: bool,
    /// Every role held.
    pub roles: Vec<Role>,
}

/// The page frame's data.
#[derive(Debug, Clone)]
pub struct Chrome {
    /// Who is signed in, if anyone.
    pub viewer: Option<ViewerSummary>,
    /// The attribution line in the footer.
    pub onet_attribution: &'static str,
}

impl Chrome {
    /// The frame for a viewer.
    pub fn new(viewer: &Viewer) -> Self {
        Chrome {
            viewer: viewer.user.as_ref().map(|u| ViewerSummary {
                name: u.display_name.clone(),
                is_admin: u.has_role(Role::Admin),
                is_editor: u.has_role(Role::Editor) || u.has_role(Role::Admin),
                roles: u.roles.clone(),
            }),
            onet_attribution: ONET_ATTRIBUTION,
        }
    }

    /// The frame for nobody in particular (cached public pages).
    pub fn anonymous() -> Self {
        Chrome {
            viewer: None,
            onet_attribution: ONET_ATTRIBUTION,
        }
    }
}
