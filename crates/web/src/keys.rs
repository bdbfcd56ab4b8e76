//! API keys managed from the console, by the roles the policy table lets list
//! them (ListApiKeys; making them is CreateApiKey, revoking RevokeApiKey): the list
//! (never a secret), a new key whose credential is shown once, and revocation,
//! which every replica honours within a second (the credentials epoch).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use redbank_bank::StoreError;
use redbank_domain::calendar::format_millis;
use redbank_domain::{CustomerId, Error, Grant, KeyId, Memo, NewKey, Role};
use serde::Deserialize;

use crate::App;
use crate::allowed::KeyKeeper;
use crate::failure::Failure;
use crate::session::{Checked, CsrfField, Signed};
use crate::view::{self, Who, in_words};

/// Keys the page lists (the API's ListApiKeys answers at most 1,000 too).
const KEYS_SHOWN: usize = 1000;

pub struct KeyRow {
    pub id: String,
    pub role: &'static str,
    pub customer: String,
    pub description: String,
    pub created: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "keys.html")]
pub struct KeysPage {
    pub who: Option<Who>,
    pub notice: Option<String>,
    pub problem: Option<String>,
    pub csrf: String,
    pub roles: [&'static str; 4],
    pub rows: Vec<KeyRow>,
}

async fn keys_page(
    app: &App,
    signed: &Signed,
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
) -> Result<Response, Failure> {
    let keys = app.bank.api_keys(&signed.principal).await.map_err(|e| signed.unavailable(e))?;
    let rows = keys
        .iter()
        .take(KEYS_SHOWN)
        .map(|k| KeyRow {
            id: k.id.to_string(),
            role: k.grant.role().as_str(),
            customer: k.grant.customer().map(ToString::to_string).unwrap_or_default(),
            description: k.description.as_str().to_owned(),
            created: format_millis(k.created_millis),
            state: match k.revoked_millis {
                Some(at) => format!(
                    "revoked {} UTC by {}",
                    format_millis(at),
                    k.revoked_by.clone().unwrap_or_default()
                ),
                None => "active".into(),
            },
        })
        .collect();
    Ok(view::page(
        status,
        &KeysPage {
            who: Some(signed.who()),
            notice,
            problem,
            csrf: signed.csrf.clone(),
            roles: Role::ALL.map(|r| r.as_str()),
            rows,
        },
    ))
}

pub async fn page(State(app): State<App>, KeyKeeper(signed): KeyKeeper) -> Result<Response, Failure> {
    keys_page(&app, &signed, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct KeyForm {
    csrf: String,
    action: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    customer: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    key: String,
}

impl CsrfField for KeyForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn act(
    State(app): State<App>,
    KeyKeeper(signed): KeyKeeper,
    Checked(f): Checked<KeyForm>,
) -> Result<Response, Failure> {
    let done: Result<String, StoreError> = async {
        match f.action.as_str() {
            "create" => {
                let grant =
                    Grant::new(Role::parse(&f.role)?, CustomerId::parse_optional(f.customer.trim())?)?;
                let new = NewKey { grant, description: Memo::parse(&f.description)?, expires_millis: None };
                let minted = app.bank.create_api_key(&signed.principal, new).await?;
                crate::audit::record(&app.bank, &signed, "created an API key", minted.key.id.as_str()).await;
                Ok(format!(
                    "Key {} was created. Its credential, shown this once: {}",
                    minted.key.id, minted.credential
                ))
            }
            "revoke" => {
                let id = KeyId::parse(f.key.trim())?;
                app.bank.revoke_api_key(&signed.principal, &id).await?;
                crate::audit::record(&app.bank, &signed, "revoked an API key", id.as_str()).await;
                Ok(format!("Key {id} is revoked: every replica refuses it within a second."))
            }
            _ => Err(StoreError::Refused(Error::InvalidReason("no such action".into()))),
        }
    }
    .await;
    match done {
        Ok(text) => keys_page(&app, &signed, StatusCode::OK, Some(text), None).await,
        Err(StoreError::Refused(e)) => {
            keys_page(&app, &signed, StatusCode::UNPROCESSABLE_ENTITY, None, Some(in_words(&e))).await
        }
        Err(e) => Err(signed.unavailable(e)),
    }
}
