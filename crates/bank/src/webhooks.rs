//! Webhooks: made, listed, deleted, their deliveries read and a dead one sent again.
//! Admins only (the ManageWebhooks row). Which URLs may be one is decided here for
//! an address written in the URL, and again at each delivery for a host name
//! (`server/src/webhooks/`), with the same rule (`redbank_domain::webhook::is_public`).

use redbank_domain::webhook::is_public;
use redbank_domain::{AccountId, Error, Principal, WebhookId, WebhookUrl};
use redbank_store::{Attempt, StoreError, Webhook};

use crate::Bank;
use crate::policy::{Operation, authorize};

/// Bytes of a webhook's signing secret (shown as 64 hex digits).
pub const SECRET_BYTES: usize = 32;

/// A webhook just made, with its secret (shown once).
#[derive(Debug, Clone)]
pub struct MadeWebhook {
    pub webhook: Webhook,
    pub secret: String,
}

impl Bank {
    /// Makes a webhook for `account`'s events (None: every account's). An address
    /// that is not public is refused unless `allow_private`.
    pub async fn create_webhook(
        &self,
        by: &Principal,
        url: &WebhookUrl,
        account: Option<&AccountId>,
        allow_private: bool,
    ) -> Result<MadeWebhook, StoreError> {
        authorize(Operation::ManageWebhooks, by)?;
        if let Some(ip) = url.ip()
            && !allow_private
            && !is_public(ip)
        {
            return Err(StoreError::Refused(Error::WebhookUrlNotAllowed(url.to_string())));
        }
        if let Some(account) = account {
            // An account that exists (staff see every account).
            self.store.get_account(account, by).await?;
        }
        let random = |bytes| crate::password::token(bytes).map_err(StoreError::Corrupt);
        let id = WebhookId::parse(&random(WebhookId::LEN / 2)?).map_err(StoreError::Refused)?;
        let secret = random(SECRET_BYTES)?;
        let webhook = self.store.create_webhook(&id, url, account, &secret).await?;
        tracing::info!(target: "redbank::auth", webhook = %id, url = %url, by = %by.actor, "webhook created");
        Ok(MadeWebhook { webhook, secret })
    }

    pub async fn webhooks(&self, by: &Principal) -> Result<Vec<Webhook>, StoreError> {
        authorize(Operation::ManageWebhooks, by)?;
        self.store.webhooks().await
    }

    pub async fn delete_webhook(&self, by: &Principal, id: &WebhookId) -> Result<(), StoreError> {
        authorize(Operation::ManageWebhooks, by)?;
        self.store.delete_webhook(id).await?;
        tracing::info!(target: "redbank::auth", webhook = %id, by = %by.actor, "webhook deleted");
        Ok(())
    }

    /// The latest `max` attempts, newest first, and the dead event ids (sorted).
    pub async fn deliveries(
        &self,
        by: &Principal,
        id: &WebhookId,
        max: usize,
    ) -> Result<(Vec<Attempt>, Vec<String>), StoreError> {
        authorize(Operation::ManageWebhooks, by)?;
        if self.store.webhook(id).await?.is_none() {
            return Err(StoreError::Refused(Error::WebhookNotFound(id.to_string())));
        }
        let attempts = self.store.webhook_attempts(id, max).await?;
        let mut dead: Vec<String> = self.store.dead_deliveries(id).await?.into_keys().collect();
        dead.sort();
        Ok((attempts, dead))
    }

    pub async fn redeliver(&self, by: &Principal, id: &WebhookId, event_id: &str) -> Result<(), StoreError> {
        authorize(Operation::ManageWebhooks, by)?;
        if self.store.webhook(id).await?.is_none() {
            return Err(StoreError::Refused(Error::WebhookNotFound(id.to_string())));
        }
        self.store.redeliver(id, event_id).await
    }
}
