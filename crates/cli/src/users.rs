//! `redbank users`: the web console's users, made, disabled, enabled and given a
//! new password straight in Redis, as the operator (like the first admin key). A
//! password is read from stdin with --password-stdin, or made here (20 hex digits:
//! 80 random bits) and printed once.

use std::io::BufRead;

use redbank_domain::{CustomerId, Grant, UserName};
use serde_json::json;

use crate::client::{Failure, RedisTarget, open_store};
use crate::keys::RoleArg;
use crate::output::{Printer, say};

#[derive(Debug, clap::Subcommand)]
pub enum UsersCommand {
    /// Create a console user.
    Create {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// For a customer: the customer it is.
        #[arg(long)]
        customer: Option<String>,
        /// Read the password from the first line of stdin; else one is made and printed.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        redis: RedisTarget,
    },
    /// Disable a user: its sessions end at once, and it cannot sign in.
    Disable {
        name: String,
        #[command(flatten)]
        redis: RedisTarget,
    },
    /// Let a disabled user sign in again.
    Enable {
        name: String,
        #[command(flatten)]
        redis: RedisTarget,
    },
    /// Give a user a new password: its sessions end at once.
    Reset {
        name: String,
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        redis: RedisTarget,
    },
}

fn invalid(e: redbank_domain::Error) -> Failure {
    Failure::Invalid { reason: e.reason(), message: e.to_string() }
}

/// The password: stdin's first line, or a new random one (and whether it was made).
fn password(from_stdin: bool) -> Result<(String, bool), Failure> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::Local(format!("reading stdin: {e}")))?;
        let line = line.trim_end_matches(['\n', '\r']).to_owned();
        redbank_web::password::check_policy(&line).map_err(invalid)?;
        return Ok((line, false));
    }
    Ok((redbank_web::password::token(10).map_err(Failure::Local)?, true))
}

fn hash(password: &str) -> Result<String, Failure> {
    redbank_web::password::hash(password).map_err(Failure::Local)
}

pub async fn run(command: &UsersCommand, out: &Printer) -> Result<(), Failure> {
    let (name, redis) = match command {
        UsersCommand::Create { name, redis, .. }
        | UsersCommand::Disable { name, redis }
        | UsersCommand::Enable { name, redis }
        | UsersCommand::Reset { name, redis, .. } => (name, redis),
    };
    if !redis.given() {
        return Err(Failure::Invalid {
            reason: "INVALID_ARGUMENT",
            message: "users are kept in Redis: give --redis-url (or --redis-cluster-nodes)".into(),
        });
    }
    let name = UserName::parse(name).map_err(invalid)?;
    let store = open_store(&redis.config()).await?;
    let local = |e: redbank_store::StoreError| match e {
        redbank_store::StoreError::Refused(e) => invalid(e),
        other => Failure::Local(other.to_string()),
    };
    let (verb, made) = match command {
        UsersCommand::Create { role, customer, password_stdin, .. } => {
            let customer = customer.as_deref().map(CustomerId::parse).transpose().map_err(invalid)?;
            let grant = Grant::new(role.role(), customer).map_err(invalid)?;
            let (password, made) = password(*password_stdin)?;
            store.create_user(&name, &grant, &hash(&password)?).await.map_err(local)?;
            ("created", made.then_some(password))
        }
        UsersCommand::Disable { .. } => {
            store.set_user_disabled(&name, true).await.map_err(local)?;
            ("disabled", None)
        }
        UsersCommand::Enable { .. } => {
            store.set_user_disabled(&name, false).await.map_err(local)?;
            ("enabled", None)
        }
        UsersCommand::Reset { password_stdin, .. } => {
            let (password, made) = password(*password_stdin)?;
            store.set_user_password(&name, &hash(&password)?).await.map_err(local)?;
            ("given a new password", made.then_some(password))
        }
    };
    if out.json {
        out.document(json!({"user": name.as_str(), "done": verb, "password": made}));
    } else {
        say!("User {name} {verb}.");
        if let Some(p) = made {
            say!("Password (shown this once): {p}");
        }
    }
    Ok(())
}
