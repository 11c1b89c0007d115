//! The application error: what storage, import and services report. The web layer turns it
//! into an HTML page or `application/problem+json`; the CLI prints it.

use nsx_core::accounts::FieldError;
use nsx_core::onet::RowError;

/// Result with the application [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong below the web and CLI layers.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing asked for does not exist.
    #[error("{0} was not found")]
    NotFound(String),
    /// Input broke one or more rules; each error names its field.
    #[error("{}", summarize(.0))]
    Invalid(Vec<FieldError>),
    /// A request that is well-formed but cannot be carried out in the current state.
    #[error("{0}")]
    Conflict(String),
    /// Not signed in (or the credentials are wrong).
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in but not allowed.
    #[error("{0}")]
    Forbidden(String),
    /// Too many attempts; try again later.
    #[error("{0}")]
    TooManyRequests(String),
    /// A source file breaks the expected layout (`file:line: field: what`).
    #[error(transparent)]
    Source(#[from] RowError),
    /// A source could not be read or is not what it claims to be.
    #[error("{0}")]
    Import(String),
    /// Configuration is missing or wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// The database refused or failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// A schema migration failed.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The search index failed.
    #[error("search index: {0}")]
    Search(String),
    /// Anything else that is our fault.
    #[error("{0}")]
    Internal(String),
}

fn summarize(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// One invalid field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    /// A missing thing, named.
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound(what.into())
    }

    /// An I/O error with the path it concerns.
    pub fn io_at(path: &std::path::Path, e: std::io::Error) -> Self {
        Error::Io(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        ))
    }

    /// True when the database reported a unique-constraint violation.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Db(sqlx::Error::Database(d)) if d.is_unique_violation())
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::Invalid(vec![e])
    }
}

impl From<tantivy::TantivyError> for Error {
    fn from(e: tantivy::TantivyError) -> Self {
        Error::Search(e.to_string())
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Internal(format!("background task failed: {e}"))
    }
}
