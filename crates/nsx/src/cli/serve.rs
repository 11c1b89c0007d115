//! `nsx serve` and `nsx demo`.

use anyhow::Context;

use super::progress;
use crate::app;
use crate::config::Config;

/// `nsx serve`: imports O*NET first when the database is empty (and bootstrap is on), then
/// serves until stopped.
pub(super) async fn serve(config: Config) -> anyhow::Result<()> {
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
    Ok(())
}

/// `nsx demo`: seeds the worked example and prints the accounts to sign in with.
pub(super) async fn demo(config: &Config, force: bool) -> anyhow::Result<()> {
    let db = app::open_db(config).await.context("opening the database")?;
    app::bootstrap(&db, config, progress().as_ref())
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
    Ok(())
}
