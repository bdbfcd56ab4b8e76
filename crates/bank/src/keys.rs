//! API keys: made, listed and revoked. Who may hand out which grant is decided
//! here, for the API, the console and the command line alike.

use redbank_domain::{ApiKey, Error, KeyId, NewKey, Principal, Role};
use redbank_store::StoreError;
use redbank_store::credentials::MintedKey;

use crate::Bank;
use crate::policy::{Operation, authorize};

impl Bank {
    /// Mints a key; its credential is in the answer, and nowhere else ever again.
    pub async fn create_api_key(&self, by: &Principal, new: NewKey) -> Result<MintedKey, StoreError> {
        authorize(Operation::CreateApiKey, by)?;
        if !by.grant.may_grant(&new.grant) {
            return Err(Error::PermissionDenied.into());
        }
        let minted = self
            .store
            .credentials()
            .create(new.grant, new.description, new.expires_millis, &by.actor)
            .await?;
        tracing::info!(
            target: "redbank::auth",
            key = %minted.key.id,
            role = %minted.key.grant.role(),
            customer = minted.key.grant.customer().map(|c| c.as_str()).unwrap_or(""),
            by = %by.actor,
            "API key created"
        );
        Ok(minted)
    }

    /// Every key, revoked ones included, sorted by creation.
    pub async fn api_keys(&self, by: &Principal) -> Result<Vec<ApiKey>, StoreError> {
        authorize(Operation::ListApiKeys, by)?;
        self.store.credentials().list().await
    }

    /// Revokes a key: every replica refuses it within a second.
    pub async fn revoke_api_key(&self, by: &Principal, id: &KeyId) -> Result<ApiKey, StoreError> {
        authorize(Operation::RevokeApiKey, by)?;
        let key = self.store.credentials().revoke(id, &by.actor).await?;
        tracing::info!(target: "redbank::auth", key = %id, by = %by.actor, "API key revoked");
        if key.grant.role() == Role::Admin {
            tracing::warn!(target: "redbank::auth", key = %id, "an admin key was revoked");
        }
        Ok(key)
    }
}
