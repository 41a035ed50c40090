//! `rampart token create|revoke|list`: API tokens for automation (`/api/v1`). A new token is
//! printed once; only its digest is stored.

use domain::access::Role;

use super::cli::TokenCommand;
use crate::auth::tokens::digest;

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
            let token = format!("rpt_{}", crate::auth::tokens::random_token());
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
