//! `redbank events tail`: an account's changes (or, for staff, every account's) as
//! they happen, one line each (one JSON object a line with `--json`), until
//! interrupted. Each server stream ends
//! before its call's deadline; the command resumes from the last event's cursor,
//! so nothing is missed and nothing shown twice.

use std::time::Duration;

use redbank_api::v1::{self, events_client::EventsClient};
use serde_json::json;
use tonic::Code;

use crate::client::{self, Failure, with_token};
use crate::output::{Printer, say, table_row, transaction_json};

/// How long to wait before following again after the server was unreachable.
const RETRY_AFTER: Duration = Duration::from_millis(500);

#[derive(Debug, clap::Subcommand)]
pub enum EventsCommand {
    /// Follow an account, or without --account every account (staff): every entry
    /// written after --after (default: from now), each with the cursor to resume
    /// from. A cursor of one account's events resumes only that account's, a
    /// cursor of every account's only every account's.
    Tail {
        /// The account's id; none: every account's changes.
        #[arg(long, default_value = "")]
        account: String,
        /// A cursor an earlier event gave: start after it.
        #[arg(long, default_value = "")]
        after: String,
    },
}

pub async fn run(
    endpoint: &str,
    timeout: Duration,
    command: &EventsCommand,
    out: &Printer,
) -> Result<(), Failure> {
    let EventsCommand::Tail { account, after } = command;
    let mut events = EventsClient::new(with_token(client::endpoint(endpoint, timeout)?.connect_lazy()));
    let mut after = after.clone();
    loop {
        let request = v1::SubscribeRequest { account_id: account.clone(), after: after.clone() };
        let mut stream = match events.subscribe(request).await {
            Ok(response) => response.into_inner(),
            Err(status) if status.code() == Code::Unavailable => {
                tokio::time::sleep(RETRY_AFTER).await;
                continue;
            }
            Err(status) => return Err(status.into()),
        };
        loop {
            match stream.message().await {
                Ok(Some(event)) => {
                    after = event.cursor.clone();
                    show(&event, account.is_empty(), out);
                }
                // The stream ended (its deadline, the server stopping): follow on.
                Ok(None) => break,
                Err(status) if matches!(status.code(), Code::Unavailable | Code::DeadlineExceeded) => break,
                Err(status) => return Err(status.into()),
            }
        }
    }
}

/// One event; `every` (following every account) names its account first.
fn show(event: &v1::Event, every: bool, out: &Printer) {
    let Some(t) = event.transaction.as_ref() else { return };
    if out.json {
        let line = json!({
            "cursor": event.cursor,
            "event_id": event.event_id,
            "account_id": event.account_id,
            "transaction": transaction_json(t),
        });
        say!("{line}");
    } else if every {
        say!("{}  {}  cursor {}", event.account_id, table_row(t), event.cursor);
    } else {
        say!("{}  cursor {}", table_row(t), event.cursor);
    }
}
