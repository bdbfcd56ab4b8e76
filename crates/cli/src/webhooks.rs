//! `redbank webhooks`: make, list and delete webhooks, read their deliveries and
//! send a dead event again (`redbank.v1.Webhooks`, an admin's --token).

use std::time::Duration;

use redbank_api::v1::{self, webhooks_client::WebhooksClient};
use serde_json::json;

use crate::client::{Failure, call, endpoint, with_token};
use crate::output::{Printer, rfc3339, rfc3339_or_null, say, text_or_null};

#[derive(Debug, clap::Subcommand)]
pub enum WebhooksCommand {
    /// Make a webhook and print its signing secret (shown this once).
    Create {
        /// Where to POST each event: http:// or https://.
        url: String,
        /// Only this account's events; every account's when omitted.
        #[arg(long)]
        account: Option<String>,
    },
    /// List every webhook.
    List,
    /// Delete a webhook: its deliveries stop within seconds.
    Delete {
        /// The webhook's id (16 hex digits).
        webhook_id: String,
    },
    /// A webhook's latest attempts, newest first, and its dead events.
    Deliveries {
        webhook_id: String,
        /// At most this many attempts (1 to 1000).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i32).range(1..=1000))]
        limit: i32,
    },
    /// Send a dead event again, with a new retry window.
    Redeliver { webhook_id: String, event_id: String },
}

fn webhook_json(w: &v1::Webhook) -> serde_json::Value {
    json!({
        "webhook_id": w.webhook_id,
        "url": w.url,
        "account_id": text_or_null(&w.account_id),
        "create_time": rfc3339_or_null(w.create_time.as_ref()),
        "cursor": w.cursor,
    })
}

fn webhook_line(w: &v1::Webhook) -> String {
    let what = if w.account_id.is_empty() { "every account".to_owned() } else { w.account_id.clone() };
    format!("{}  {}  {what}  since {}", w.webhook_id, w.url, rfc3339(w.create_time.as_ref()))
}

fn outcome_name(value: i32) -> &'static str {
    match v1::DeliveryOutcome::try_from(value) {
        Ok(v1::DeliveryOutcome::Delivered) => "delivered",
        Ok(v1::DeliveryOutcome::Failed) => "failed",
        Ok(v1::DeliveryOutcome::Dead) => "dead",
        _ => "?",
    }
}

fn delivery_json(d: &v1::Delivery) -> serde_json::Value {
    json!({
        "event_id": d.event_id,
        "account_id": d.account_id,
        "attempt": d.attempt,
        "outcome": outcome_name(d.outcome),
        "http_status": (d.http_status != 0).then_some(d.http_status),
        "error": text_or_null(&d.error),
        "time": rfc3339_or_null(d.time.as_ref()),
        "next_attempt_time": rfc3339_or_null(d.next_attempt_time.as_ref()),
    })
}

pub async fn run(
    server: &str,
    timeout: Duration,
    command: &WebhooksCommand,
    out: &Printer,
) -> Result<(), Failure> {
    let api = || -> Result<WebhooksClient<crate::client::Chan>, Failure> {
        Ok(WebhooksClient::new(with_token(endpoint(server, timeout)?.connect_lazy())))
    };
    match command {
        WebhooksCommand::Create { url, account } => {
            let req = v1::CreateWebhookRequest {
                url: url.clone(),
                account_id: account.clone().unwrap_or_default(),
            };
            let r = call!(api()?, create_webhook, req)?;
            let hook = r.webhook.unwrap_or_default();
            if out.json {
                out.document(json!({"webhook": webhook_json(&hook), "secret": r.secret}));
            } else {
                say!("Created {}", webhook_line(&hook));
                say!("{}", r.secret);
                say!("(the signing secret, shown once: check Redbank-Signature with it)");
            }
        }
        WebhooksCommand::List => {
            let hooks = call!(api()?, list_webhooks, v1::ListWebhooksRequest {})?.webhooks;
            if out.json {
                out.document(json!({"webhooks": hooks.iter().map(webhook_json).collect::<Vec<_>>()}));
            } else {
                for w in &hooks {
                    say!("{}", webhook_line(w));
                }
            }
        }
        WebhooksCommand::Delete { webhook_id } => {
            call!(api()?, delete_webhook, v1::DeleteWebhookRequest { webhook_id: webhook_id.clone() })?;
            if out.json {
                out.document(json!({"deleted": webhook_id}));
            } else {
                say!("Deleted {webhook_id}");
            }
        }
        WebhooksCommand::Deliveries { webhook_id, limit } => {
            let req = v1::ListDeliveriesRequest { webhook_id: webhook_id.clone(), page_size: *limit };
            let r = call!(api()?, list_deliveries, req)?;
            if out.json {
                out.document(json!({
                    "deliveries": r.deliveries.iter().map(delivery_json).collect::<Vec<_>>(),
                    "dead_event_ids": r.dead_event_ids,
                }));
            } else {
                for d in &r.deliveries {
                    let status =
                        if d.http_status == 0 { String::new() } else { format!(" {}", d.http_status) };
                    let error = if d.error.is_empty() { String::new() } else { format!(": {}", d.error) };
                    say!(
                        "{}  {}  attempt {}  {}{status}{error}",
                        rfc3339(d.time.as_ref()),
                        d.event_id,
                        d.attempt,
                        outcome_name(d.outcome)
                    );
                }
                for dead in &r.dead_event_ids {
                    say!("dead: {dead}  (redbank webhooks redeliver {webhook_id} {dead})");
                }
            }
        }
        WebhooksCommand::Redeliver { webhook_id, event_id } => {
            let req = v1::RedeliverRequest { webhook_id: webhook_id.clone(), event_id: event_id.clone() };
            call!(api()?, redeliver, req)?;
            if out.json {
                out.document(json!({"redelivering": event_id}));
            } else {
                say!("Redelivering {event_id}");
            }
        }
    }
    Ok(())
}
