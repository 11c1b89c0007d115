//! The `nsx` binary.

use clap::Parser;
use nsx::cli::{Cli, run};
use nsx::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// mimalloc: fewer cycles per request than the system allocator under many small
/// allocations from many threads (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn init_logging(cli: &Cli) {
    let format = nsx::cli::load_config(cli)
        .map(|c| c.log_format)
        .unwrap_or_default();
    let filter = EnvFilter::try_from_env("NSX_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tantivy=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
