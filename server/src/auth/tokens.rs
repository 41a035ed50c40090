//! API tokens: `rampart token create|revoke|list`, and the viewer a bearer token stands for.
//! A token is `rpt_` and 256 random bits; only its SHA-256 is stored.

use app::viewer::{Role, Viewer};

use crate::cli::TokenCommand;

/// The digest a token is stored and looked up by.
fn digest(token: &str) -> String {
    report::sha256_hex(token.as_bytes())
}

/// The viewer an API token stands for; `None` when unknown or revoked.
pub async fn viewer_for_token(pool: &db::PgPool, token: &str) -> db::Result<Option<Viewer>> {
    let Some(row) = db::tokens::find_active(pool, &digest(token)).await? else { return Ok(None) };
    let Ok(role) = row.role.parse::<Role>() else { return Ok(None) };
    let tenants = if role == Role::TenantLead { row.tenants } else { Vec::new() };
    Ok(Some(Viewer { user: format!("token:{}", row.name), role, tenants }))
}

/// Runs one `rampart token` command.
pub async fn run(pool: &db::PgPool, command: TokenCommand) -> anyhow::Result<()> {
    let actor = format!("cli:{}", std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
    match command {
        TokenCommand::Create { name, role, tenants } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            anyhow::ensure!(
                role != Role::TenantLead || !tenants.is_empty(),
                "a tenant-lead token needs at least one --tenant"
            );
            let token = format!("rpt_{}", super::once::random_token());
            db::tokens::create(pool, &actor, &name, &digest(&token), role.name(), &tenants).await?;
            eprintln!("token {name:?} created with role {}; it is shown only now:", role.name());
            println!("{token}");
        }
        TokenCommand::Revoke { name } => {
            db::tokens::revoke(pool, &actor, &name).await?;
            eprintln!("token {name:?} revoked");
        }
        TokenCommand::List => {
            for t in db::tokens::list(pool).await? {
                let state = if t.revoked_at.is_some() { "revoked" } else { "active" };
                println!("{}\t{}\t{}\t{state}", t.name, t.role, t.tenants.join(","));
            }
        }
    }
    Ok(())
}
