//! `redbank keys`: API keys. Through the server (`redbank.v1.ApiKeys`, with an
//! admin's --token), or, with `--redis-url`, straight in Redis as the operator:
//! how a fresh install gets its first admin key (whoever can reach Redis holds
//! every balance anyway, so this grants nothing new).

use std::time::Duration;

use redbank_api::convert::{api_key_to_proto, role_to_proto, timestamp_from_millis};
use redbank_api::v1::{self, api_keys_client::ApiKeysClient};
use redbank_bank::Bank;
use redbank_domain::calendar::now_millis;
use redbank_domain::{CustomerId, Grant, KeyId, Memo, NewKey, Principal, Role};
use serde_json::json;

use crate::client::{Failure, RedisTarget, call, endpoint, from_redis, open_bank, with_token};
use crate::output::{Printer, rfc3339, rfc3339_or_null, say, text_or_null};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    Customer,
    Teller,
    Auditor,
    Admin,
}

impl RoleArg {
    pub fn role(self) -> Role {
        match self {
            RoleArg::Customer => Role::Customer,
            RoleArg::Teller => Role::Teller,
            RoleArg::Auditor => Role::Auditor,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum KeysCommand {
    /// Create a key and print its credential (shown this once).
    Create {
        #[arg(long, value_enum)]
        role: RoleArg,
        /// For a customer's key: the customer it acts for.
        #[arg(long)]
        customer: Option<String>,
        /// What the key is for.
        #[arg(long, default_value_t = String::new(), hide_default_value = true)]
        description: String,
        /// Days until the key expires; never when omitted.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=3650))]
        expires_in_days: Option<u32>,
        /// With a Redis given: straight into it, as the operator, without a server or
        /// a credential (the bootstrap of the first admin key).
        #[command(flatten)]
        redis: RedisTarget,
    },
    /// List every key (never their secrets).
    List {
        #[command(flatten)]
        redis: RedisTarget,
    },
    /// Revoke a key: every server refuses it within a second.
    Revoke {
        /// The key's id (16 hex digits; `key:<id>` in the history).
        key_id: String,
        #[command(flatten)]
        redis: RedisTarget,
    },
}

/// The operator's path: Redis itself, when one is given.
async fn bank(redis: &RedisTarget) -> Result<Option<Bank>, Failure> {
    if redis.given() { open_bank(&redis.config()).await.map(Some) } else { Ok(None) }
}

fn role_name(value: i32) -> &'static str {
    match v1::Role::try_from(value) {
        Ok(v1::Role::Customer) => "customer",
        Ok(v1::Role::Teller) => "teller",
        Ok(v1::Role::Auditor) => "auditor",
        Ok(v1::Role::Admin) => "admin",
        _ => "?",
    }
}

fn key_json(k: &v1::ApiKey) -> serde_json::Value {
    json!({
        "key_id": k.key_id,
        "role": role_name(k.role),
        "customer_id": text_or_null(&k.customer_id),
        "description": text_or_null(&k.description),
        "create_time": rfc3339_or_null(k.create_time.as_ref()),
        "created_by": text_or_null(&k.created_by),
        "expire_time": rfc3339_or_null(k.expire_time.as_ref()),
        "last_use_time": rfc3339_or_null(k.last_use_time.as_ref()),
        "revoke_time": rfc3339_or_null(k.revoke_time.as_ref()),
        "revoked_by": text_or_null(&k.revoked_by),
    })
}

fn key_line(k: &v1::ApiKey) -> String {
    let customer = if k.customer_id.is_empty() { String::new() } else { format!(" for {}", k.customer_id) };
    let state = if k.revoke_time.is_some() {
        format!("revoked {} by {}", rfc3339(k.revoke_time.as_ref()), k.revoked_by)
    } else if k.expire_time.is_some() {
        format!("expires {}", rfc3339(k.expire_time.as_ref()))
    } else {
        "live".to_owned()
    };
    format!("{} {}{customer}: {state}; {}", k.key_id, role_name(k.role), k.description)
}

pub async fn run(
    server: &str,
    timeout: Duration,
    command: &KeysCommand,
    out: &Printer,
) -> Result<(), Failure> {
    let api = || -> Result<ApiKeysClient<crate::client::Chan>, Failure> {
        Ok(ApiKeysClient::new(with_token(endpoint(server, timeout)?.connect_lazy())))
    };
    match command {
        KeysCommand::Create { role, customer, description, expires_in_days, redis } => {
            let expires = expires_in_days.map(|d| now_millis() + i64::from(d) * 86_400_000);
            let (key, credential) = match bank(redis).await? {
                Some(bank) => {
                    let customer = customer.as_deref().map(CustomerId::parse).transpose()?;
                    let grant = Grant::new(role.role(), customer)?;
                    let description = Memo::parse(description)?;
                    let new = NewKey { grant, description, expires_millis: expires };
                    let minted =
                        bank.create_api_key(&Principal::operator(), new).await.map_err(from_redis)?;
                    (api_key_to_proto(&minted.key), minted.credential)
                }
                None => {
                    let req = v1::CreateApiKeyRequest {
                        role: role_to_proto(role.role()).into(),
                        customer_id: customer.clone().unwrap_or_default(),
                        description: description.clone(),
                        expire_time: expires.map(timestamp_from_millis),
                    };
                    let r = call!(api()?, create_api_key, req)?;
                    (r.key.unwrap_or_default(), r.credential)
                }
            };
            if out.json {
                out.document(json!({"key": key_json(&key), "credential": credential}));
            } else {
                say!("Created {}", key_line(&key));
                say!("{credential}");
                say!("(shown once: keep it secret; send it as --token or REDBANK_TOKEN)");
            }
        }
        KeysCommand::List { redis } => {
            let keys: Vec<v1::ApiKey> = match bank(redis).await? {
                Some(bank) => bank
                    .api_keys(&Principal::operator())
                    .await
                    .map_err(from_redis)?
                    .iter()
                    .map(api_key_to_proto)
                    .collect(),
                None => call!(api()?, list_api_keys, v1::ListApiKeysRequest {})?.keys,
            };
            if out.json {
                out.document(json!({"keys": keys.iter().map(key_json).collect::<Vec<_>>()}));
            } else {
                for k in &keys {
                    say!("{}", key_line(k));
                }
            }
        }
        KeysCommand::Revoke { key_id, redis } => {
            let key = match bank(redis).await? {
                Some(bank) => {
                    let id = KeyId::parse(key_id)?;
                    api_key_to_proto(
                        &bank.revoke_api_key(&Principal::operator(), &id).await.map_err(from_redis)?,
                    )
                }
                None => call!(api()?, revoke_api_key, v1::RevokeApiKeyRequest { key_id: key_id.clone() })?,
            };
            if out.json {
                out.document(key_json(&key));
            } else {
                say!("Revoked {}", key_line(&key));
            }
        }
    }
    Ok(())
}
