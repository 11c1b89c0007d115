//! Account pages: sign up, sign in, sign out, password reset, the account page and admin pages.

use axum::Router;

use crate::web::AppState;

/// Account and admin page routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
