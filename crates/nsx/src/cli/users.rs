//! `nsx user …`: accounts from the command line.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use nsx_core::accounts::{Role, check_display_name, check_password, normalize_email};

use super::UserCommand;
use crate::accounts::{password, store};
use crate::app;
use crate::config::Config;
use crate::db::Db;
use crate::service::Caller;

/// Runs a `user` subcommand.
pub(super) async fn run(config: &Config, cmd: UserCommand) -> anyhow::Result<()> {
    let db = app::open_db(config).await.context("opening the database")?;
    match cmd {
        UserCommand::Add {
            email,
            name,
            roles,
            password_stdin,
        } => {
            let email =
                normalize_email(&email).map_err(|e| anyhow::anyhow!("e-mail: {}", e.message))?;
            let name =
                check_display_name(&name).map_err(|e| anyhow::anyhow!("name: {}", e.message))?;
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
    Ok(())
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

fn parse_roles(names: &[String]) -> anyhow::Result<Vec<Role>> {
    names
        .iter()
        .map(|n| n.parse::<Role>().map_err(|e| anyhow::anyhow!("{e}")))
        .collect()
}

/// The account with this e-mail address.
pub(super) async fn find_by_email(db: &Db, email: &str) -> anyhow::Result<crate::accounts::User> {
    let email = normalize_email(email).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    match store::find_user_by_email(db, &email).await? {
        Some((u, _)) => Ok(u),
        None => bail!("no account has the e-mail address {email}"),
    }
}
