//! `redbank.v1.ApiKeys`: create, list and revoke API keys. Admin only (the policy
//! table); a new key's role and customer come from the admin's request and are
//! checked against the admin's own rights ([`Grant::may_grant`]).

use std::sync::Arc;

use redbank_api::convert::{role_to_proto, timestamp_from_millis};
use redbank_api::requests::NewApiKey;
use redbank_api::v1::{self, api_keys_server::ApiKeys};
use redbank_domain::policy::Method;
use redbank_domain::{KeyId, Role};
use redbank_store::credentials::ApiKey;
use tonic::{Request, Response, Status};

use crate::auth::{self, caller};
use crate::{AppState, status};

/// Most keys one ListApiKeys answers.
pub const API_KEYS_LIST_MAX: usize = 1000;

pub struct ApiKeysService {
    state: Arc<AppState>,
}

impl ApiKeysService {
    pub fn new(state: Arc<AppState>) -> Self {
        Self { state }
    }
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub fn key_to_proto(key: &ApiKey) -> v1::ApiKey {
    v1::ApiKey {
        key_id: key.id.to_string(),
        role: role_to_proto(key.grant.role()).into(),
        customer_id: key.grant.customer().map(ToString::to_string).unwrap_or_default(),
        description: key.description.as_str().to_owned(),
        create_time: Some(timestamp_from_millis(key.created_millis)),
        created_by: key.created_by.clone(),
        expire_time: key.expires_millis.map(timestamp_from_millis),
        last_use_time: key.last_used_millis.map(timestamp_from_millis),
        revoke_time: key.revoked_millis.map(timestamp_from_millis),
        revoked_by: key.revoked_by.clone().unwrap_or_default(),
    }
}

#[tonic::async_trait]
impl ApiKeys for ApiKeysService {
    async fn create_api_key(
        &self,
        request: Request<v1::CreateApiKeyRequest>,
    ) -> Result<Response<v1::CreateApiKeyResponse>, Status> {
        let by = caller(request.extensions())?;
        let NewApiKey { grant, description, expires_millis } =
            NewApiKey::parse(request.get_ref(), now_millis()).map_err(|e| status::refused(&e))?;
        if !by.grant.may_grant(&grant) {
            self.state.auth.denials.denied(&by, Method::CreateApiKey, Some(grant.role().as_str()));
            return Err(auth::permission_denied());
        }
        let minted = self
            .state
            .store
            .create_api_key(grant, description, expires_millis, &by.actor)
            .await
            .map_err(status::from_store)?;
        tracing::info!(
            target: "redbank::auth",
            key = %minted.key.id,
            role = %minted.key.grant.role(),
            customer = minted.key.grant.customer().map(|c| c.as_str()).unwrap_or(""),
            by = %by.actor,
            "API key created"
        );
        Ok(Response::new(v1::CreateApiKeyResponse {
            key: Some(key_to_proto(&minted.key)),
            credential: minted.credential,
        }))
    }

    async fn list_api_keys(
        &self,
        request: Request<v1::ListApiKeysRequest>,
    ) -> Result<Response<v1::ListApiKeysResponse>, Status> {
        caller(request.extensions())?;
        let keys = self.state.store.api_keys().await.map_err(status::from_store)?;
        let truncated = keys.len() > API_KEYS_LIST_MAX;
        Ok(Response::new(v1::ListApiKeysResponse {
            keys: keys.iter().take(API_KEYS_LIST_MAX).map(key_to_proto).collect(),
            truncated,
        }))
    }

    async fn revoke_api_key(
        &self,
        request: Request<v1::RevokeApiKeyRequest>,
    ) -> Result<Response<v1::ApiKey>, Status> {
        let by = caller(request.extensions())?;
        let id = KeyId::parse(&request.get_ref().key_id).map_err(|e| status::refused(&e))?;
        let key = self.state.store.revoke_api_key(&id, &by.actor).await.map_err(status::from_store)?;
        tracing::info!(target: "redbank::auth", key = %id, by = %by.actor, "API key revoked");
        if key.grant.role() == Role::Admin {
            tracing::warn!(target: "redbank::auth", key = %id, "an admin key was revoked");
        }
        Ok(Response::new(key_to_proto(&key)))
    }
}
