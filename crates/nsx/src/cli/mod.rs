//! The `nsx` command line: serve, import, users, frameworks, search, database, backup and
//! restore. `args` defines the commands; each other module runs one group of them.

mod args;
mod database;
mod frameworks;
mod import;
mod search;
mod serve;
mod users;

use std::io::IsTerminal;

pub use args::*;

use crate::config::Config;
use crate::import::progress::{Bars, Logged, Progress};

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

fn progress() -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Logged)
    }
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = load_config(&cli)?;
    match cli.command {
        Command::Serve(_) => serve::serve(config).await,
        Command::Import(cmd) => import::run(&config, cmd).await,
        Command::Draft(args) => frameworks::draft(&config, args).await,
        Command::Lint(args) => frameworks::lint(&config, args).await,
        Command::User(cmd) => users::run(&config, cmd).await,
        Command::Db(cmd) => database::run(&config, cmd).await,
        Command::Search(args) => search::run(&config, args).await,
        Command::Demo { force } => serve::demo(&config, force).await,
        Command::Backup { file } => database::backup(&config, &file).await,
        Command::Restore { file, yes } => database::restore(&config, &file, yes).await,
    }
}
