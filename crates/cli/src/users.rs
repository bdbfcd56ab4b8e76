//! `redbank users`: the web console's users, made, disabled, enabled and given a
//! new password straight in Redis, as the operator (like the first admin key). A
//! password is read from stdin with --password-stdin, or made here (20 hex digits:
//! 80 random bits) and printed once.

use std::io::BufRead;

use redbank_domain::{CustomerId, Grant, Principal, UserName};
use serde_json::json;

use crate::client::{Failure, RedisTarget, from_redis, open_bank};
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
    /// List the users, by name, a page at a time: role, customer, enabled or not.
    List {
        /// Stop once this many users are listed (the last page may add a few more).
        #[arg(long, default_value_t = 100)]
        limit: usize,
        /// Continue where an earlier listing stopped (its next page token).
        #[arg(long)]
        page_token: Option<String>,
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

/// The password: stdin's first line, or None for the bank to make one.
fn password(from_stdin: bool) -> Result<Option<String>, Failure> {
    if !from_stdin {
        return Ok(None);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::Local(format!("reading stdin: {e}")))?;
    Ok(Some(line.trim_end_matches(['\n', '\r']).to_owned()))
}

pub async fn run(command: &UsersCommand, out: &Printer) -> Result<(), Failure> {
    let (name, redis) = match command {
        UsersCommand::List { limit, page_token, redis } => {
            return list(*limit, page_token.as_deref(), redis, out).await;
        }
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
    let bank = open_bank(&redis.config()).await?;
    let by = Principal::operator();
    let local = |e: redbank_bank::StoreError| match e {
        redbank_bank::StoreError::Refused(e) => invalid(e),
        other => from_redis(other),
    };
    let (verb, made) = match command {
        UsersCommand::Create { role, customer, password_stdin, .. } => {
            let customer = customer.as_deref().map(CustomerId::parse).transpose().map_err(invalid)?;
            let grant = Grant::new(role.role(), customer).map_err(invalid)?;
            let given = password(*password_stdin)?;
            ("created", bank.create_user(&by, &name, &grant, given.as_deref()).await.map_err(local)?)
        }
        UsersCommand::Disable { .. } => {
            bank.set_user_disabled(&by, &name, true).await.map_err(local)?;
            ("disabled", None)
        }
        UsersCommand::Enable { .. } => {
            bank.set_user_disabled(&by, &name, false).await.map_err(local)?;
            ("enabled", None)
        }
        UsersCommand::Reset { password_stdin, .. } => {
            let given = password(*password_stdin)?;
            ("given a new password", bank.reset_password(&by, &name, given.as_deref()).await.map_err(local)?)
        }
        UsersCommand::List { .. } => return Ok(()),
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

/// `users list`: pages of SSCAN over the users' index until `limit` users or the end;
/// the page token is Redis's cursor.
async fn list(limit: usize, token: Option<&str>, redis: &RedisTarget, out: &Printer) -> Result<(), Failure> {
    if !redis.given() {
        return Err(Failure::Invalid {
            reason: "INVALID_ARGUMENT",
            message: "users are kept in Redis: give --redis-url (or --redis-cluster-nodes)".into(),
        });
    }
    let cursor: u64 = match token {
        None | Some("") => 0,
        Some(t) => t.parse().map_err(|_| Failure::Invalid {
            reason: "INVALID_PAGE_TOKEN",
            message: format!("{t:?} is not a page token of users list"),
        })?,
    };
    let bank = open_bank(&redis.config()).await?;
    let (users, cursor) =
        bank.console_users(&Principal::operator(), cursor, limit).await.map_err(from_redis)?;
    let next = (cursor != 0).then(|| cursor.to_string());
    if out.json {
        let rows: Vec<_> = users
            .iter()
            .map(|u| {
                json!({
                    "name": u.name.as_str(),
                    "role": u.grant.role().as_str(),
                    "customer_id": u.grant.customer().map(|c| c.as_str()),
                    "disabled": u.disabled,
                })
            })
            .collect();
        out.document(json!({"users": rows, "next_page_token": next}));
    } else {
        say!("{:<24} {:<9} {:<24} state", "name", "role", "customer");
        for u in &users {
            let customer = u.grant.customer().map(|c| c.as_str()).unwrap_or("");
            let state = if u.disabled { "disabled" } else { "enabled" };
            say!("{:<24} {:<9} {:<24} {state}", u.name.as_str(), u.grant.role().as_str(), customer);
        }
        if let Some(next) = next {
            say!("More users: --page-token {next}");
        }
    }
    Ok(())
}
