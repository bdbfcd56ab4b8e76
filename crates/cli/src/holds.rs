//! `redbank hold`: reserve funds, capture them (wholly or in part) to another
//! account, void them, show one.

use clap::Subcommand;
use redbank_api::v1;
use serde_json::json;

use crate::client::{Client, Failure, call, money, request_id};
use crate::output::{
    Printer, money_json, money_text, rfc3339_or_null, say, text_or_null, transaction_json, when,
};

#[derive(Debug, Subcommand)]
pub enum HoldCommand {
    /// Reserve funds: the available balance falls, the balance does not.
    Create {
        /// The account's id.
        account: String,
        /// Decimal amount in major units, such as 12.50.
        amount: String,
        /// Currency of the amount; the account's own when omitted.
        #[arg(long)]
        currency: Option<String>,
        /// When the service voids it if still open: seconds from now (1 to 31,622,400).
        /// Seven days when omitted.
        #[arg(long)]
        expire_secs: Option<u64>,
        /// Text for the history entry (at most 256 characters).
        #[arg(long, default_value_t = String::new(), hide_default_value = true)]
        memo: String,
        /// Makes a retry safe: the same id is applied once (a fresh UUID when omitted).
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Move up to the held amount to another account; the rest is released.
    Capture {
        /// The hold's id (`<account>:h<16 hex digits>`).
        hold: String,
        /// The account credited.
        to: String,
        /// Decimal amount, at most the held amount; all of it when omitted.
        amount: Option<String>,
        /// The amount as a flag, as before it was an argument like create's and transfer's.
        #[arg(long = "amount", hide = true, conflicts_with = "amount")]
        amount_flag: Option<String>,
        /// Text for the history entries (at most 256 characters).
        #[arg(long, default_value_t = String::new(), hide_default_value = true)]
        memo: String,
        /// Makes a retry safe: the same id is applied once (a fresh UUID when omitted).
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Release an open hold.
    Void {
        /// The hold's id.
        hold: String,
        /// Text for the history entry (at most 256 characters).
        #[arg(long, default_value_t = String::new(), hide_default_value = true)]
        memo: String,
        /// Makes a retry safe: the same id is applied once (a fresh UUID when omitted).
        #[arg(long)]
        request_id: Option<String>,
    },
    /// Show a hold.
    Show {
        /// The hold's id.
        hold: String,
    },
    /// List an account's open holds, the soonest to expire first.
    List {
        /// The account's id.
        account: String,
        /// Stop after this many holds.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        /// Continue where an earlier listing stopped (its next page token).
        #[arg(long)]
        page_token: Option<String>,
    },
}

pub async fn run(client: &Client, command: &HoldCommand, out: &Printer) -> Result<(), Failure> {
    match command {
        HoldCommand::Create { account, amount, currency, expire_secs, memo, request_id: rid } => {
            let expire_time = expire_secs.map(|secs| {
                let at = std::time::SystemTime::now() + std::time::Duration::from_secs(secs);
                prost_types::Timestamp::from(at)
            });
            let req = v1::CreateHoldRequest {
                account_id: account.clone(),
                amount: Some(money(client, account, amount, currency).await?),
                request_id: request_id(rid),
                memo: memo.clone(),
                expire_time,
            };
            held(out, "Held", &call!(client, create_hold, req)?);
        }
        HoldCommand::Capture { hold, to, amount, amount_flag, memo, request_id: rid } => {
            let account = hold.rsplit_once(":h").map_or(hold.as_str(), |(a, _)| a);
            let amount = match amount.as_ref().or(amount_flag.as_ref()) {
                Some(a) => Some(money(client, account, a, &None).await?),
                None => None,
            };
            let req = v1::CaptureHoldRequest {
                hold_id: hold.clone(),
                amount,
                to_account_id: to.clone(),
                request_id: request_id(rid),
                memo: memo.clone(),
            };
            captured(out, &call!(client, capture_hold, req)?);
        }
        HoldCommand::Void { hold, memo, request_id: rid } => {
            let req = v1::VoidHoldRequest {
                hold_id: hold.clone(),
                request_id: request_id(rid),
                memo: memo.clone(),
            };
            held(out, "Voided", &call!(client, void_hold, req)?);
        }
        HoldCommand::List { account, limit, page_token } => {
            let (mut holds, mut token) = (Vec::new(), page_token.clone().unwrap_or_default());
            loop {
                let page_size =
                    (*limit - holds.len()).min(redbank_domain::limits::HOLDS_PAGE_SIZE_MAX) as i32;
                let req = v1::ListHoldsRequest { account_id: account.clone(), page_size, page_token: token };
                let page = call!(client, list_holds, req)?;
                holds.extend(page.holds);
                token = page.next_page_token;
                if token.is_empty() || holds.len() >= *limit {
                    break;
                }
            }
            if out.json {
                let rows: Vec<_> = holds.iter().map(hold_json).collect();
                out.document(json!({"holds": rows, "next_page_token": text_or_null(&token)}));
            } else {
                if holds.is_empty() {
                    say!("No open holds on {account}.");
                }
                for h in &holds {
                    say!("{}", hold_line(h));
                }
                if !token.is_empty() {
                    say!("More holds: --page-token {token}");
                }
            }
        }
        HoldCommand::Show { hold } => {
            let h = call!(client, get_hold, v1::GetHoldRequest { hold_id: hold.clone() })?;
            if out.json {
                out.document(hold_json(&h));
            } else {
                say!("{}", hold_line(&h));
            }
        }
    }
    Ok(())
}

fn state(h: &v1::Hold) -> &'static str {
    match h.state() {
        v1::HoldState::Open => "open",
        v1::HoldState::Capturing => "capturing",
        v1::HoldState::Captured => "captured",
        v1::HoldState::Voided => "voided",
        v1::HoldState::Expired => "expired",
        v1::HoldState::Unspecified => "unspecified",
    }
}

fn hold_line(h: &v1::Hold) -> String {
    let capture = match &h.capture_account_id {
        t if t.is_empty() => String::new(),
        t => format!(", {} to {t}", money_text(h.capture_amount.as_ref())),
    };
    format!(
        "Hold {} on {}: {} {}{capture}, expires {}",
        h.hold_id,
        h.account_id,
        state(h),
        money_text(h.amount.as_ref()),
        when(h.expire_time.as_ref())
    )
}

fn hold_json(h: &v1::Hold) -> serde_json::Value {
    json!({
        "hold_id": h.hold_id,
        "account_id": h.account_id,
        "state": state(h),
        "amount": money_json(h.amount.as_ref()),
        "memo": text_or_null(&h.memo),
        "create_time": rfc3339_or_null(h.create_time.as_ref()),
        "expire_time": rfc3339_or_null(h.expire_time.as_ref()),
        "capture_account_id": text_or_null(&h.capture_account_id),
        "capture_amount": money_json(h.capture_amount.as_ref()),
        "settle_time": rfc3339_or_null(h.settle_time.as_ref()),
        "actor": text_or_null(&h.actor),
    })
}

fn held(out: &Printer, verb: &str, r: &v1::HoldResponse) {
    if out.json {
        out.document(json!({
            "hold": r.hold.as_ref().map(hold_json),
            "transaction": r.transaction.as_ref().map(transaction_json),
        }));
    } else if let (Some(h), Some(a)) = (&r.hold, &r.account) {
        say!(
            "{verb}: {}; {} balance {}, available {}",
            hold_line(h),
            a.account_id,
            money_text(a.balance.as_ref()),
            money_text(a.available_balance.as_ref())
        );
    }
}

fn captured(out: &Printer, r: &v1::CaptureHoldResponse) {
    if out.json {
        out.document(json!({
            "hold": r.hold.as_ref().map(hold_json),
            "capture_transaction": r.capture_transaction.as_ref().map(transaction_json),
            "release_transaction": r.release_transaction.as_ref().map(transaction_json),
            "to_transaction": r.to_transaction.as_ref().map(transaction_json),
        }));
    } else if let (Some(h), Some(c)) = (&r.hold, &r.capture_transaction) {
        let released = r
            .release_transaction
            .as_ref()
            .map(|t| format!(", released {}", money_text(t.amount.as_ref())))
            .unwrap_or_default();
        say!(
            "Captured {} of hold {} to {}{released}; {} balance {}",
            money_text(c.amount.as_ref()),
            h.hold_id,
            c.counterparty_account_id,
            c.account_id,
            money_text(c.balance_after.as_ref())
        );
    }
}
