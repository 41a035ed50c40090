//! `rampart user add|remove|passwd|list`: local users for the `local` authentication mode.
//! Passwords are read from the terminal (or one line of standard input), never from flags.

use std::io::{BufRead, IsTerminal};

use super::cli::UserCommand;

/// Runs one `rampart user` command against `pool`, as the operating-system user `actor`.
pub async fn run(pool: &db::PgPool, command: UserCommand) -> anyhow::Result<()> {
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
    match command {
        UserCommand::Add { name, groups } => {
            validate_name(&name)?;
            let hash = crate::auth::password::hash(&read_new_password()?)?;
            db::users::add(pool, &actor, &name, &hash, &groups).await?;
            eprintln!("user {name:?} added with groups {groups:?}");
        }
        UserCommand::Remove { name } => {
            db::users::remove(pool, &actor, &name).await?;
            eprintln!("user {name:?} removed");
        }
        UserCommand::Passwd { name } => {
            let hash = crate::auth::password::hash(&read_new_password()?)?;
            db::users::set_password(pool, &actor, &name, &hash).await?;
            eprintln!("password of {name:?} changed");
        }
        UserCommand::List => {
            for user in db::users::list(pool).await? {
                println!("{}\t{}\t{}", user.name, user.groups.join(","), user.created_at.format("%Y-%m-%d"));
            }
        }
    }
    Ok(())
}

fn validate_name(name: &str) -> anyhow::Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    anyhow::ensure!(valid, "user name {name:?} must be 1-64 letters, digits, '.', '_', '-' or '@'");
    Ok(())
}

/// The new password: asked twice without echo on a terminal, else one line of standard input.
/// At least 12 characters.
fn read_new_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("new password: ")?;
        let again = rpassword::prompt_password("again: ")?;
        anyhow::ensure!(first == again, "the two passwords differ");
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    anyhow::ensure!(
        password.chars().count() >= crate::auth::password::MIN_PASSWORD_CHARS,
        "the password must have at least {} characters",
        crate::auth::password::MIN_PASSWORD_CHARS
    );
    Ok(password)
}
