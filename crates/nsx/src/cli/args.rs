//! The command line's arguments: every command and its options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// NSX, the National Skills Exchange.
#[derive(Debug, Parser)]
#[command(name = "nsx", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file (default: ./nsx.toml if present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Database: sqlite://PATH (default sqlite://nsx-data/nsx.db) or postgres://…
    #[arg(long, global = true, value_name = "URL", env = "NSX_DATABASE_URL")]
    pub database_url: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (imports O*NET first if the database is empty).
    Serve(ServeArgs),
    /// Import source data.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Database maintenance.
    #[command(subcommand)]
    Db(DbCommand),
    /// Draft a framework version for every occupation with enough grounding data (--all)
    /// or for the given O*NET-SOC codes.
    Draft(DraftArgs),
    /// Check frameworks (the newest version of each, or of the given codes); exits non-zero
    /// on errors.
    Lint(LintArgs),
    /// Write a consistent backup of the whole database to FILE (a SQLite file, whatever the backend).
    Backup {
        /// Where to write the backup.
        file: PathBuf,
    },
    /// Search the occupations from the command line (builds the index from the database).
    Search(SearchArgs),
    /// Seed a worked example of every workflow (a standards body, its editor and an
    /// administrator, a framework with published versions and a draft) into this database;
    /// imports O*NET first if the database is empty.
    Demo {
        /// Add the example even though the database holds real people's accounts.
        #[arg(long)]
        force: bool,
    },
    /// Replace the database's contents with a backup made by `nsx backup`.
    Restore {
        /// The backup file.
        file: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

/// `draft` options.
#[derive(Debug, Args)]
pub struct DraftArgs {
    /// Draft every occupation with enough grounding data.
    #[arg(long, conflicts_with = "codes")]
    pub all: bool,
    /// O*NET-SOC codes to draft.
    #[arg(required_unless_present = "all")]
    pub codes: Vec<String>,
    /// Version label to write (default: this month, e.g. v26.05).
    #[arg(long, value_name = "vYY.MM")]
    pub version: Option<String>,
}

/// `lint` options.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// O*NET-SOC codes to check (default: every framework).
    pub codes: Vec<String>,
    /// Also print warnings.
    #[arg(long)]
    pub warnings: bool,
    /// Print counts per rule and the frameworks with the most findings instead of every
    /// finding.
    #[arg(long)]
    pub report: bool,
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// Do not import or download anything into an empty database.
    #[arg(long)]
    pub no_bootstrap: bool,
}

/// `search` options.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// A job title, keywords or a code (O*NET-SOC, SOC or CIP).
    #[arg(required_unless_present_any = ["rebuild_only", "eval"])]
    pub query: Option<String>,
    /// Measure ranking quality instead: leave-one-out over the imported alternate and
    /// reported titles (and `--informal`), beside SQLite FTS5 over the same titles.
    #[arg(long)]
    pub eval: bool,
    /// Titles held out in the leave-one-out evaluation.
    #[arg(long, default_value_t = 2000, requires = "eval")]
    pub sample: usize,
    /// Seed of the held-out sample.
    #[arg(long, default_value_t = 7, requires = "eval")]
    pub seed: u64,
    /// Indexes built in the evaluation (each without a share of the sample).
    #[arg(long, default_value_t = 10, requires = "eval")]
    pub folds: usize,
    /// Draw no title among the first 10,000 this seed draws: a tuning sample kept apart
    /// from the evaluated one.
    #[arg(long, value_name = "SEED", requires = "eval")]
    pub apart_from_seed: Option<u64>,
    /// Which occupations a held-out title leaves: `everywhere` (every occupation that lists
    /// it, so the index has never seen the query) or `own` (only the one it was drawn from,
    /// the measure used before 2026-12-07).
    #[arg(long, value_enum, default_value = "everywhere", requires = "eval")]
    pub hold_out: crate::search::eval::HoldOut,
    /// Ranking constants other than the defaults, `beta=1,gamma=1,k=50,decay=0.5`
    /// (tuning runs).
    #[arg(long, value_name = "NAME=VALUE,…", requires = "eval")]
    pub tune: Option<String>,
    /// A file of held-out queries (`query<TAB>SOC,SOC`) to score as well.
    #[arg(long, value_name = "FILE", requires = "eval")]
    pub informal: Option<std::path::PathBuf>,
    /// Only build the index from the database and report how long it took.
    #[arg(long)]
    pub rebuild_only: bool,
    /// How many results to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Print the results as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `import` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// An O*NET text release: a folder, the official zip, or its URL.
    Onet {
        /// Folder, .zip file or http(s) URL.
        source: String,
        /// Release label when the files have no Read Me.txt (e.g. 30.1).
        #[arg(long)]
        release: Option<String>,
        /// A partial release that adds files to occupations known from a full release.
        #[arg(long)]
        supplement: bool,
    },
    /// The NCES CIP–SOC crosswalk CSV (and optionally the CIP code list CSV).
    Cip {
        /// CSV files or a folder of them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// O*NET-SOC crosswalk CSVs (2010→2019, 2019→SOC 2018).
    Crosswalk {
        /// CSV files or a folder of them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// AI-usage evidence: the economic-index folder or one of its release folders.
    Evidence {
        /// Folder.
        dir: PathBuf,
    },
    /// Registered apprenticeships: CSV with RAPIDS code, title and O*NET-SOC code columns.
    Apprenticeships {
        /// CSV file.
        file: PathBuf,
    },
    /// A CASE 1.0/1.1 CFPackage (JSON): a new framework of the user's organization, or a
    /// new draft of the framework already made from the same document.
    Case {
        /// CFPackage JSON file.
        file: PathBuf,
        /// Who acts, and where the framework goes.
        #[command(flatten)]
        target: ImportAs,
    },
    /// The framework CSV NSX exports (`/exports/frameworks/CODE/csv`): a new framework, or a
    /// new draft of the framework the file names.
    FrameworkCsv {
        /// CSV file.
        file: PathBuf,
        /// Who acts, and where the framework goes.
        #[command(flatten)]
        target: ImportAs,
    },
}

/// Who imports a framework, and where it goes.
#[derive(Debug, Args)]
pub struct ImportAs {
    /// Act as this user (an editor): the policy applies as on the web.
    #[arg(long = "as", value_name = "EMAIL")]
    pub as_user: String,
    /// Draft a new version of this framework (its code).
    #[arg(long, value_name = "CODE", conflicts_with = "code")]
    pub into: Option<String>,
    /// Make a new framework with this code.
    #[arg(long, value_name = "CODE")]
    pub code: Option<String>,
    /// Title of a new framework (default: the file's).
    #[arg(long)]
    pub title: Option<String>,
}

/// `user` subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Add {
        /// E-mail address (the sign-in name).
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Role to grant (repeatable): admin, editor, reviewer, certification_admin, proctor, candidate.
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Grant or revoke roles.
    Role {
        /// E-mail address.
        email: String,
        /// Role to grant (repeatable).
        #[arg(long)]
        grant: Vec<String>,
        /// Role to revoke (repeatable).
        #[arg(long)]
        revoke: Vec<String>,
    },
    /// Set a new password.
    Passwd {
        /// E-mail address.
        email: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
}

/// `db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Apply pending schema migrations.
    Migrate,
    /// Show the backend, migrations and imported sources.
    Status,
}
