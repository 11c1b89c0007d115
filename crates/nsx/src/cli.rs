//! The `nsx` command line: serve, import, users, database, backup and restore.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use nsx_core::accounts::{Role, check_display_name, check_password, normalize_email};
use nsx_core::release::ReleaseId;

use crate::accounts::{password, store};
use crate::app;
use crate::config::Config;
use crate::db::Db;
use crate::frameworks::import_service::{Format, ImportOptions};
use crate::import::progress::{Bars, Logged, Progress};
use crate::service::Caller;

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

/// Loads configuration with the command line's overrides applied.
pub fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut cfg = Config::load(cli.config.as_deref())?;
    if let Some(url) = &cli.database_url {
        cfg.database_url = url.clone();
    }
    if let Command::Serve(a) = &cli.command {
        if let Some(l) = a.listen {
            cfg.listen = l;
        }
        if a.no_bootstrap {
            cfg.bootstrap = false;
        }
    }
    cfg.validate()?;
    Ok(cfg)
}

fn read_password(from_stdin: bool, email: &str) -> anyhow::Result<String> {
    let pw = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else if std::io::stdin().is_terminal() {
        let a = rpassword::prompt_password("Password: ")?;
        let b = rpassword::prompt_password("Repeat it: ")?;
        if a != b {
            bail!("the two passwords differ");
        }
        a
    } else {
        bail!("no terminal to ask for a password on: pass --password-stdin and pipe it in");
    };
    check_password(&pw, email).map_err(|e| anyhow::anyhow!("password: {}", e.message))?;
    Ok(pw)
}

fn progress() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Logged)
    }
}

fn parse_roles(names: &[String]) -> anyhow::Result<Vec<Role>> {
    names
        .iter()
        .map(|n| n.parse::<Role>().map_err(|e| anyhow::anyhow!("{e}")))
        .collect()
}

async fn find_by_email(db: &Db, email: &str) -> anyhow::Result<crate::accounts::User> {
    let email = normalize_email(email).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    match store::find_user_by_email(db, &email).await? {
        Some((u, _)) => Ok(u),
        None => bail!("no account has the e-mail address {email}"),
    }
}

/// `nsx import case|framework-csv FILE --as EMAIL`: the import service, acting as a user.
async fn import_framework(
    db: &Db,
    format: Format,
    file: &std::path::Path,
    target: ImportAs,
) -> anyhow::Result<()> {
    let user = find_by_email(db, &target.as_user).await?;
    if user.disabled {
        bail!("the account {} is disabled", user.email);
    }
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let caller = crate::service::Caller::user(&user, None);
    let options = ImportOptions {
        into: target.into,
        code: target.code,
        title: target.title,
        organization_id: None,
    };
    let r = crate::frameworks::import_service::import(db, &caller, format, &bytes, options)
        .await
        .with_context(|| format!("{}", file.display()))?;
    for w in &r.warnings {
        eprintln!("warning: {w}");
    }
    println!("{}", r.summary());
    Ok(())
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = load_config(&cli)?;
    match cli.command {
        Command::Serve(_) => {
            let db = app::open_db(&config)
                .await
                .context("opening the database")?;
            if config.bootstrap {
                app::bootstrap(&db, &config, progress().as_ref())
                    .await
                    .context("importing O*NET into the empty database")?;
            }
            let state = app::state(db, config).await?;
            let url = state.config.public_url();
            eprintln!("NSX is running at {url}  (Ctrl-C to stop)");
            app::serve(state).await?;
        }
        Command::Import(cmd) => {
            let db = app::open_db(&config)
                .await
                .context("opening the database")?;
            let p = progress();
            match cmd {
                ImportCommand::Onet {
                    source,
                    release,
                    supplement,
                } => {
                    let release = release
                        .map(|r| r.parse::<ReleaseId>())
                        .transpose()
                        .map_err(|e| anyhow::anyhow!("--release: {e}"))?;
                    let path =
                        app::resolve_onet_source(&source, &config.data_dir, p.as_ref()).await?;
                    let files = crate::import::source::ReleaseFiles::open(&path)?;
                    let opts = crate::import::onet::OnetOptions {
                        release,
                        supplement,
                    };
                    let r = crate::import::onet::import(&db, &files, &opts, p.as_ref()).await?;
                    println!(
                        "Imported O*NET {}{}: {} rows in {} files ({:.1} s).",
                        r.release,
                        r.published
                            .as_deref()
                            .map(|p| format!(" ({p})"))
                            .unwrap_or_default(),
                        r.rows(),
                        r.files.len() + r.supplements.iter().map(|s| s.files.len()).sum::<usize>(),
                        r.seconds
                    );
                    for s in &r.supplements {
                        println!(
                            "  with supplement {}: {} rows ({})",
                            s.release,
                            s.rows(),
                            s.files
                                .iter()
                                .map(|f| f.file.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        );
                    }
                    if !r.missing.is_empty() {
                        println!("  Not in this release: {}", r.missing.join(", "));
                    }
                    for w in r
                        .warnings
                        .iter()
                        .chain(r.supplements.iter().flat_map(|s| s.warnings.iter()))
                    {
                        println!("  Note: {w}");
                    }
                    println!(
                        "Catalog: {} occupations, {} with enough source data for a framework.",
                        r.occupations, r.framework_ready
                    );
                }
                ImportCommand::Cip { files } => {
                    for r in crate::import::crosswalk::import(&db, &files, true, p.as_ref()).await?
                    {
                        println!(
                            "Imported {} ({}): {} rows, {} skipped.",
                            r.file, r.kind, r.rows, r.skipped
                        );
                    }
                }
                ImportCommand::Crosswalk { files } => {
                    for r in
                        crate::import::crosswalk::import(&db, &files, false, p.as_ref()).await?
                    {
                        println!(
                            "Imported {} ({}): {} rows, {} skipped.",
                            r.file, r.kind, r.rows, r.skipped
                        );
                    }
                }
                ImportCommand::Evidence { dir } => {
                    let s = crate::import::evidence::import(&db, &dir, p.as_ref()).await?;
                    for r in &s.releases {
                        let files: Vec<String> =
                            r.files.iter().map(|(f, n)| format!("{f} ({n})")).collect();
                        println!("Imported evidence {}: {}", r.release, files.join(", "));
                        if !r.ignored.is_empty() {
                            println!("  Not used: {}", r.ignored.join(", "));
                        }
                    }
                    println!("{} current O*NET tasks carry evidence.", s.matched_tasks);
                }
                ImportCommand::Apprenticeships { file } => {
                    let r = crate::import::apprenticeships::import(&db, &file, p.as_ref()).await?;
                    println!("Imported {} registered apprenticeships.", r.rows);
                    if !r.unknown_codes.is_empty() {
                        println!(
                            "  Not in the current catalog: {}",
                            r.unknown_codes.join(", ")
                        );
                    }
                }
                ImportCommand::Case { file, target } => {
                    import_framework(&db, Format::Case, &file, target).await?;
                }
                ImportCommand::FrameworkCsv { file, target } => {
                    import_framework(&db, Format::Csv, &file, target).await?;
                }
            }
        }
        Command::Draft(args) => {
            let db = app::open_db(&config)
                .await
                .context("opening the database")?;
            let label = match &args.version {
                Some(v) => v
                    .parse::<nsx_core::frameworks::VersionLabel>()
                    .map_err(|e| anyhow::anyhow!("--version: {e}"))?,
                None => crate::frameworks::current_label(),
            };
            let codes = (!args.all).then_some(args.codes.as_slice());
            let p = progress();
            let run = crate::frameworks::draft_and_store(&db, codes, &label, p.as_ref()).await?;
            println!(
                "Drafted {} framework(s) as {} ({} statements, {} citations) in {:.1} s.",
                run.drafted, run.label, run.statements, run.citations, run.seconds
            );
            if !run.skipped.is_empty() {
                println!("Skipped {}:", run.skipped.len());
                for (reason, codes) in run.skipped_by_reason() {
                    let shown: Vec<&str> = codes.iter().take(8).map(|s| s.as_str()).collect();
                    let more = if codes.len() > 8 {
                        format!(" and {} more", codes.len() - 8)
                    } else {
                        String::new()
                    };
                    println!("  {} × {reason}: {}{more}", codes.len(), shown.join(", "));
                }
            }
            if run.lint_errors > 0 {
                bail!(
                    "the drafts have {} lint error(s); run `nsx lint`",
                    run.lint_errors
                );
            }
        }
        Command::Lint(args) => {
            let db = app::open_db(&config)
                .await
                .context("opening the database")?;
            let codes = (!args.codes.is_empty()).then_some(args.codes.as_slice());
            let (n, findings) = crate::frameworks::lint_stored(&db, codes).await?;
            let errors = findings
                .iter()
                .filter(|f| f.finding.severity == nsx_core::frameworks::lint::Severity::Error)
                .count();
            if args.report {
                print!("{}", crate::frameworks::lint_report(&findings));
            } else {
                for f in &findings {
                    if args.warnings
                        || f.finding.severity == nsx_core::frameworks::lint::Severity::Error
                    {
                        println!("{f}");
                    }
                }
            }
            println!(
                "Checked {n} framework(s): {errors} error(s), {} warning(s).",
                findings.len() - errors
            );
            if n == 0 {
                bail!("no frameworks to check: run `nsx draft --all` first");
            }
            if errors > 0 {
                bail!("{errors} lint error(s)");
            }
        }
        Command::User(cmd) => {
            let db = app::open_db(&config)
                .await
                .context("opening the database")?;
            match cmd {
                UserCommand::Add {
                    email,
                    name,
                    roles,
                    password_stdin,
                } => {
                    let email = normalize_email(&email)
                        .map_err(|e| anyhow::anyhow!("e-mail: {}", e.message))?;
                    let name = check_display_name(&name)
                        .map_err(|e| anyhow::anyhow!("name: {}", e.message))?;
                    let roles = parse_roles(&roles)?;
                    let pw = read_password(password_stdin, &email)?;
                    let hash = password::hash(pw).await?;
                    let u = store::create_user(
                        &db,
                        store::NewUser {
                            email,
                            display_name: name,
                            password_hash: hash,
                            roles,
                            organization_id: None,
                        },
                    )
                    .await?;
                    let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
                    println!(
                        "Created {} ({}) with roles: {}",
                        u.email,
                        u.id,
                        if roles.is_empty() {
                            "none".to_string()
                        } else {
                            roles.join(", ")
                        }
                    );
                }
                UserCommand::Role {
                    email,
                    grant,
                    revoke,
                } => {
                    if grant.is_empty() && revoke.is_empty() {
                        bail!("say what to change: --grant ROLE and/or --revoke ROLE");
                    }
                    let u = find_by_email(&db, &email).await?;
                    let u = crate::accounts::service::change_roles(
                        &db,
                        &Caller::system("system:cli"),
                        u.id,
                        &parse_roles(&grant)?,
                        &parse_roles(&revoke)?,
                    )
                    .await?;
                    let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
                    println!(
                        "{} now holds: {}",
                        u.email,
                        if roles.is_empty() {
                            "no roles".to_string()
                        } else {
                            roles.join(", ")
                        }
                    );
                }
                UserCommand::Passwd {
                    email,
                    password_stdin,
                } => {
                    let u = find_by_email(&db, &email).await?;
                    let pw = read_password(password_stdin, &u.email)?;
                    let hash = password::hash(pw).await?;
                    store::change_password(&db, u.id, &hash, None).await?;
                    println!(
                        "Password changed for {}; their sessions ended and API tokens were revoked.",
                        u.email
                    );
                }
                UserCommand::List => {
                    for u in store::list_users(&db, 10_000, 0).await? {
                        let roles: Vec<&str> = u.roles.iter().map(|r| r.as_str()).collect();
                        println!(
                            "{}\t{}\t{}{}",
                            u.email,
                            u.display_name,
                            roles.join(","),
                            if u.disabled { "\tdisabled" } else { "" }
                        );
                    }
                }
            }
        }
        Command::Db(cmd) => {
            let db = Db::connect(&config.database_url, 2)
                .await
                .context("opening the database")?;
            match cmd {
                DbCommand::Migrate => {
                    db.migrate().await?;
                    println!(
                        "The schema is up to date ({} migrations).",
                        db.known_migrations().len()
                    );
                }
                DbCommand::Status => {
                    db.migrate().await?;
                    println!(
                        "Backend: {:?} ({})",
                        db.backend(),
                        crate::db::redact_url(&config.database_url)
                    );
                    for (v, d) in db.known_migrations() {
                        println!("  migration {v}: {d}");
                    }
                    let rows: Vec<(String, String, String)> = crate::on_db!(&db, p => sqlx::query_as(
                        "SELECT source, id, title FROM source_releases ORDER BY source, seq, id"
                    )
                    .fetch_all(p)
                    .await)?;
                    for (s, id, t) in rows {
                        println!("  source {s} {id}: {t}");
                    }
                }
            }
        }
        Command::Search(args) => {
            let db = app::open_db(&config)
                .await
                .context("opening the database")?;
            if args.eval {
                let informal = match &args.informal {
                    Some(p) => crate::search::eval::parse_eval_file(
                        &std::fs::read_to_string(p)
                            .with_context(|| format!("reading {}", p.display()))?,
                        &p.display().to_string(),
                    )?,
                    None => Vec::new(),
                };
                let src = crate::search::load(&db).await?;
                let opts = crate::search::eval::Options {
                    sample: args.sample,
                    seed: args.seed,
                    folds: args.folds,
                };
                let lexicon = crate::search::open_lexicon(config.wordnet.as_deref());
                eprintln!(
                    "lexical database: {}",
                    if lexicon.is_some() { "in use" } else { "none" }
                );
                let report = crate::search::eval::run(&src, &informal, &opts, lexicon).await?;
                if args.json {
                    println!("{}", serde_json::to_string_pretty(&report)?);
                } else {
                    print!("{}", report.to_text());
                }
                return Ok(());
            }
            let lexicon = crate::search::open_lexicon(config.wordnet.as_deref());
            let index = crate::search::build_from_db_with(&db, lexicon).await?;
            if args.rebuild_only {
                println!(
                    "Built the search index: {} occupations, {} documents, data version {} ({:.2} s).",
                    index.occupation_count(),
                    index.doc_count(),
                    index.version(),
                    index.build_time().as_secs_f64()
                );
                return Ok(());
            }
            let query = args.query.unwrap_or_default();
            let started = std::time::Instant::now();
            let ranked = index.search(&query, 0, args.limit)?;
            let took = started.elapsed();
            let hits: Vec<_> = ranked.hits.iter().collect();
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "query": query,
                        "total": ranked.total,
                        "did_you_mean": ranked.did_you_mean,
                        "took_us": took.as_micros() as u64,
                        "results": hits,
                    }))?
                );
                return Ok(());
            }
            if let Some(d) = &ranked.did_you_mean {
                println!("Did you mean: {d}");
            }
            if hits.is_empty() {
                println!("No occupations match {query:?}.");
            }
            for (i, h) in hits.iter().enumerate() {
                println!(
                    "{:>2}. {}  {}  (score {:.3})",
                    i + 1,
                    h.code,
                    h.title,
                    h.score
                );
                for m in &h.matched {
                    println!("      {}", m.text);
                }
            }
            println!(
                "{} match{} in {:.2} ms.",
                ranked.total,
                if ranked.total == 1 { "" } else { "es" },
                took.as_secs_f64() * 1000.0
            );
        }
        Command::Demo { force } => {
            let db = app::open_db(&config)
                .await
                .context("opening the database")?;
            app::bootstrap(&db, &config, progress().as_ref())
                .await
                .context("importing O*NET into the empty database")?;
            crate::frameworks::service::standards_body(&db, &config.standards_body).await?;
            let report = crate::demo::seed(&db, force).await?;
            for s in &report.steps {
                println!("  {s}");
            }
            println!("\nSign in at {}/sign-in with:", config.public_url());
            for a in &report.accounts {
                match &a.password {
                    Some(pw) => println!("  {:<18} {}  password: {pw}", a.role, a.email),
                    None => println!(
                        "  {:<18} {}  (existed already; set a password with: nsx user passwd {})",
                        a.role, a.email, a.email
                    ),
                }
            }
        }
        Command::Backup { file } => {
            let db = app::open_db(&config)
                .await
                .context("opening the database")?;
            let n = crate::backup::backup(&db, &file, progress().as_ref()).await?;
            println!("Wrote {} rows to {}.", n, file.display());
        }
        Command::Restore { file, yes } => {
            if !yes {
                if !std::io::stdin().is_terminal() {
                    bail!("restore replaces everything in the database; pass --yes to confirm");
                }
                eprint!(
                    "Restore replaces everything in {}. Type 'restore' to go on: ",
                    crate::db::redact_url(&config.database_url)
                );
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                if line.trim() != "restore" {
                    bail!("not restored");
                }
            }
            let db = app::open_db(&config)
                .await
                .context("opening the database")?;
            let n = crate::backup::restore(&db, &file, progress().as_ref()).await?;
            println!("Restored {} rows from {}.", n, file.display());
        }
    }
    Ok(())
}
