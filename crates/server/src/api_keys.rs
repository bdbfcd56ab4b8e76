//! `redbank.v1.ApiKeys`: create, list and revoke API keys. Admin only (the policy
//! table); a new key's role and customer come from the admin's request and are
//! checked against the admin's own rights ([`Grant::may_grant`]).

use std::sync::Arc;

use redbank_api::convert::api_key_to_proto;
use redbank_api::requests::new_api_key;
use redbank_api::v1::{self, api_keys_server::ApiKeys};
use redbank_bank::Operation;
use redbank_domain::KeyId;
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::{AppState, now_millis, status};

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

#[tonic::async_trait]
impl ApiKeys for ApiKeysService {
    async fn create_api_key(
        &self,
        request: Request<v1::CreateApiKeyRequest>,
    ) -> Result<Response<v1::CreateApiKeyResponse>, Status> {
        let by = caller(request.extensions())?;
        let new = new_api_key(request.get_ref(), now_millis()).map_err(|e| status::refused(&e))?;
        let role = new.grant.role();
        let minted = self.state.bank.create_api_key(&by, new).await.map_err(|e| {
            self.state.auth.denials.if_denied(&by, Operation::CreateApiKey, role.as_str(), &e);
            status::from_store(e)
        })?;
        Ok(Response::new(v1::CreateApiKeyResponse {
            key: Some(api_key_to_proto(&minted.key)),
            credential: minted.credential,
        }))
    }

    async fn list_api_keys(
        &self,
        request: Request<v1::ListApiKeysRequest>,
    ) -> Result<Response<v1::ListApiKeysResponse>, Status> {
        let by = caller(request.extensions())?;
        let keys = self.state.bank.api_keys(&by).await.map_err(status::from_store)?;
        let truncated = keys.len() > API_KEYS_LIST_MAX;
        Ok(Response::new(v1::ListApiKeysResponse {
            keys: keys.iter().take(API_KEYS_LIST_MAX).map(api_key_to_proto).collect(),
            truncated,
        }))
    }

    async fn revoke_api_key(
        &self,
        request: Request<v1::RevokeApiKeyRequest>,
    ) -> Result<Response<v1::ApiKey>, Status> {
        let by = caller(request.extensions())?;
        let id = KeyId::parse(&request.get_ref().key_id).map_err(|e| status::refused(&e))?;
        let key = self.state.bank.revoke_api_key(&by, &id).await.map_err(status::from_store)?;
        Ok(Response::new(api_key_to_proto(&key)))
    }
}
