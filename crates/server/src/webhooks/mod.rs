//! `redbank.v1.Webhooks`: admins make, list and delete webhooks, read their
//! deliveries and send a dead event again (the bank's `webhooks`); every replica
//! delivers them ([`deliver`]): signed ([`sign`]) POSTs through a client that
//! refuses internal addresses ([`http`]).

pub mod deliver;
pub mod http;
pub mod sign;

use std::sync::Arc;

use redbank_api::convert::timestamp_from_millis;
use redbank_api::v1::{self, webhooks_server::Webhooks};
use redbank_domain::{AccountId, Error, WebhookId, WebhookUrl};
use redbank_store::{Attempt, Outcome, Webhook};
use tonic::{Request, Response, Status};

use crate::auth::caller;
use crate::{AppState, status};

/// Most attempts one ListDeliveries answers, and how many when it asks for none.
pub const DELIVERIES_PAGE_MAX: usize = 1000;
pub const DELIVERIES_PAGE_DEFAULT: usize = 100;

pub struct WebhooksService {
    state: Arc<AppState>,
    allow_private: bool,
}

impl WebhooksService {
    pub fn new(state: Arc<AppState>, allow_private: bool) -> Self {
        Self { state, allow_private }
    }
}

fn webhook_to_proto(w: &Webhook) -> v1::Webhook {
    v1::Webhook {
        webhook_id: w.id.to_string(),
        url: w.url.to_string(),
        account_id: w.account.as_ref().map(ToString::to_string).unwrap_or_default(),
        create_time: Some(timestamp_from_millis(w.create_millis)),
        cursor: w.cursor.to_string(),
    }
}

fn delivery_to_proto(a: &Attempt) -> v1::Delivery {
    let outcome = match a.outcome {
        Outcome::Delivered => v1::DeliveryOutcome::Delivered,
        Outcome::Failed => v1::DeliveryOutcome::Failed,
        Outcome::Dead => v1::DeliveryOutcome::Dead,
    };
    v1::Delivery {
        event_id: a.event_id.clone(),
        account_id: a.account.clone(),
        attempt: i32::try_from(a.attempt).unwrap_or(i32::MAX),
        outcome: outcome.into(),
        http_status: a.status.map_or(0, i32::from),
        error: a.error.clone(),
        time: Some(timestamp_from_millis(a.time_millis)),
        next_attempt_time: a.next_millis.map(timestamp_from_millis),
    }
}

fn webhook_id(text: &str) -> Result<WebhookId, Status> {
    WebhookId::parse(text).map_err(|e| status::refused(&e))
}

#[tonic::async_trait]
impl Webhooks for WebhooksService {
    async fn create_webhook(
        &self,
        request: Request<v1::CreateWebhookRequest>,
    ) -> Result<Response<v1::CreateWebhookResponse>, Status> {
        let by = caller(request.extensions())?;
        let r = request.get_ref();
        let url = WebhookUrl::parse(&r.url).map_err(|e| status::refused(&e))?;
        let account = if r.account_id.is_empty() {
            None
        } else {
            Some(AccountId::parse(&r.account_id).map_err(|e| status::refused(&e))?)
        };
        let made = self
            .state
            .bank
            .create_webhook(&by, &url, account.as_ref(), self.allow_private)
            .await
            .map_err(status::from_store)?;
        Ok(Response::new(v1::CreateWebhookResponse {
            webhook: Some(webhook_to_proto(&made.webhook)),
            secret: made.secret,
        }))
    }

    async fn list_webhooks(
        &self,
        request: Request<v1::ListWebhooksRequest>,
    ) -> Result<Response<v1::ListWebhooksResponse>, Status> {
        let by = caller(request.extensions())?;
        let hooks = self.state.bank.webhooks(&by).await.map_err(status::from_store)?;
        Ok(Response::new(v1::ListWebhooksResponse { webhooks: hooks.iter().map(webhook_to_proto).collect() }))
    }

    async fn delete_webhook(
        &self,
        request: Request<v1::DeleteWebhookRequest>,
    ) -> Result<Response<v1::DeleteWebhookResponse>, Status> {
        let by = caller(request.extensions())?;
        let id = webhook_id(&request.get_ref().webhook_id)?;
        self.state.bank.delete_webhook(&by, &id).await.map_err(status::from_store)?;
        Ok(Response::new(v1::DeleteWebhookResponse {}))
    }

    async fn list_deliveries(
        &self,
        request: Request<v1::ListDeliveriesRequest>,
    ) -> Result<Response<v1::ListDeliveriesResponse>, Status> {
        let by = caller(request.extensions())?;
        let r = request.get_ref();
        let id = webhook_id(&r.webhook_id)?;
        let size = match usize::try_from(r.page_size) {
            Ok(0) => DELIVERIES_PAGE_DEFAULT,
            Ok(n) if n <= DELIVERIES_PAGE_MAX => n,
            _ => return Err(status::refused(&Error::InvalidPageSize { max: DELIVERIES_PAGE_MAX })),
        };
        let (attempts, dead) =
            self.state.bank.deliveries(&by, &id, size).await.map_err(status::from_store)?;
        Ok(Response::new(v1::ListDeliveriesResponse {
            deliveries: attempts.iter().map(delivery_to_proto).collect(),
            dead_event_ids: dead,
        }))
    }

    async fn redeliver(
        &self,
        request: Request<v1::RedeliverRequest>,
    ) -> Result<Response<v1::RedeliverResponse>, Status> {
        let by = caller(request.extensions())?;
        let r = request.get_ref();
        let id = webhook_id(&r.webhook_id)?;
        self.state.bank.redeliver(&by, &id, &r.event_id).await.map_err(status::from_store)?;
        Ok(Response::new(v1::RedeliverResponse {}))
    }
}
