//! What the CLI prints: readable text by default, one JSON object per result with --json.

use redbank_api::convert::{account_type_from_proto, kind_from_proto, kind_to_proto, money_from_proto};
use redbank_api::v1;
use redbank_domain::TransactionKind;
use redbank_domain::calendar::format_millis;
use serde_json::{Value, json};
use tonic_types::StatusExt;

use crate::client::Failure;

pub struct Printer {
    pub json: bool,
}

pub fn money_text(money: Option<&v1::Money>) -> String {
    match money.map(money_from_proto) {
        Some(Ok(m)) => m.to_string(),
        Some(Err(_)) | None => "?".into(),
    }
}

/// The decimal amount alone: "12.50".
pub fn decimal(money: Option<&v1::Money>) -> String {
    match money.map(money_from_proto) {
        Some(Ok(m)) => m.decimal(),
        Some(Err(_)) | None => "?".into(),
    }
}

fn money_json(money: Option<&v1::Money>) -> Value {
    match money.map(money_from_proto) {
        Some(Ok(m)) => json!({"amount": m.decimal(), "currency": m.currency().code()}),
        Some(Err(_)) | None => Value::Null,
    }
}

fn account_type(value: i32) -> &'static str {
    account_type_from_proto(value).map_or("unspecified", |t| t.as_str())
}

fn state(value: i32) -> &'static str {
    match v1::AccountState::try_from(value) {
        Ok(v1::AccountState::Active) => "active",
        Ok(v1::AccountState::Frozen) => "frozen",
        Ok(v1::AccountState::Closed) => "closed",
        _ => "unspecified",
    }
}

/// The CLI name of a kind: the stored code, such as "transfer_in".
pub fn kind(value: i32) -> &'static str {
    kind_from_proto(value).map_or("unspecified", |k| k.code())
}

/// Kind names from the command line, as proto values.
pub fn parse_kinds(names: &[String]) -> Result<Vec<i32>, String> {
    names
        .iter()
        .map(|n| {
            TransactionKind::from_code(n)
                .map(|k| kind_to_proto(k).into())
                .ok_or_else(|| format!("unknown kind {n:?}"))
        })
        .collect()
}

/// "YYYY-MM-DD HH:MM:SS" (UTC) of a timestamp.
pub fn when(t: Option<&prost_types::Timestamp>) -> String {
    t.map(|t| format_millis(t.seconds * 1000 + i64::from(t.nanos) / 1_000_000)).unwrap_or_default()
}

fn account_json(a: &v1::Account) -> Value {
    json!({
        "account_id": a.account_id,
        "type": account_type(a.r#type),
        "state": state(a.state),
        "state_reason": a.state_reason,
        "balance": money_json(a.balance.as_ref()),
        "version": a.version,
        "create_time": when(a.create_time.as_ref()),
    })
}

pub fn transaction_json(t: &v1::Transaction) -> Value {
    json!({
        "transaction_id": t.transaction_id,
        "account_id": t.account_id,
        "kind": kind(t.kind),
        "amount": money_json(t.amount.as_ref()),
        "balance_after": money_json(t.balance_after.as_ref()),
        "request_id": t.request_id,
        "memo": t.memo,
        "counterparty_account_id": t.counterparty_account_id,
        "transfer_id": t.transfer_id,
        "create_time": when(t.create_time.as_ref()),
    })
}

impl Printer {
    pub fn step(&self, title: &str) {
        if !self.json {
            println!("\n== {title}");
        }
    }

    pub fn account(&self, verb: &str, a: &v1::Account) {
        if self.json {
            println!("{}", account_json(a));
        } else {
            let st = match state(a.state) {
                "active" => String::new(),
                other => format!(", {other}: {}", a.state_reason),
            };
            println!(
                "{verb} {} ({}): balance {}, version {}{st}",
                a.account_id,
                account_type(a.r#type),
                money_text(a.balance.as_ref()),
                a.version
            );
        }
    }

    pub fn posted(&self, verb: &str, t: Option<&v1::Transaction>, a: Option<&v1::Account>) {
        if self.json {
            println!("{}", json!({"transaction": t.map(transaction_json), "account": a.map(account_json)}));
        } else if let Some(t) = t {
            println!(
                "{verb} {} on {}: balance {} (transaction {}, request {})",
                money_text(t.amount.as_ref()),
                t.account_id,
                money_text(t.balance_after.as_ref()),
                t.transaction_id,
                t.request_id
            );
        }
    }

    pub fn transferred(&self, r: &v1::TransferResponse) {
        if self.json {
            println!(
                "{}",
                json!({
                    "from_transaction": r.from_transaction.as_ref().map(transaction_json),
                    "to_transaction": r.to_transaction.as_ref().map(transaction_json),
                    "from_account": r.from_account.as_ref().map(account_json),
                    "to_account": r.to_account.as_ref().map(account_json),
                })
            );
        } else if let (Some(f), Some(t)) = (&r.from_transaction, &r.to_transaction) {
            println!(
                "Transferred {} from {} (balance {}) to {} (balance {}), transfer {}",
                money_text(f.amount.as_ref()),
                f.account_id,
                money_text(f.balance_after.as_ref()),
                t.account_id,
                money_text(t.balance_after.as_ref()),
                f.transfer_id
            );
        }
    }

    pub fn history(&self, rows: &[v1::Transaction]) {
        if self.json {
            println!("{}", json!({"transactions": rows.iter().map(transaction_json).collect::<Vec<_>>()}));
            return;
        }
        println!("{}", table_header("time (UTC)"));
        for t in rows {
            println!("{}", table_row(t));
        }
    }

    pub fn failure(&self, failure: &Failure) {
        let (code, reason, message, metadata) = match failure {
            Failure::Status(s) => {
                let info = s.get_details_error_info();
                (
                    format!("{:?}", s.code()),
                    info.as_ref().map(|i| i.reason.clone()).unwrap_or_default(),
                    s.message().to_owned(),
                    info.map(|i| i.metadata).unwrap_or_default(),
                )
            }
            Failure::Local(message) => {
                ("InvalidArgument".into(), "CLIENT".into(), message.clone(), Default::default())
            }
        };
        if self.json {
            println!(
                "{}",
                json!({"error": {"code": code, "reason": reason, "message": message, "metadata": metadata}})
            );
        } else {
            let reason = if reason.is_empty() { String::new() } else { format!(", {reason}") };
            eprintln!("error: {message} ({code}{reason})");
        }
    }
}

/// The header of an entry table whose first column is `first`.
pub fn table_header(first: &str) -> String {
    format!("{first:<19}  {:<14} {:>16} {:>16}  {:<14} memo", "kind", "amount", "balance", "counterparty")
}

/// One entry as a row under [`table_header`].
pub fn table_row(t: &v1::Transaction) -> String {
    format!(
        "{:<19}  {:<14} {:>16} {:>16}  {:<14} {}",
        when(t.create_time.as_ref()),
        kind(t.kind),
        signed(t),
        decimal(t.balance_after.as_ref()),
        t.counterparty_account_id,
        t.memo
    )
}

/// The amount with its direction: "+12.50", "-2.50", "0.00".
pub fn signed(t: &v1::Transaction) -> String {
    let amount = decimal(t.amount.as_ref());
    let sign = kind_from_proto(t.kind).map_or(0, |k| k.sign());
    match sign {
        1 => format!("+{amount}"),
        -1 => format!("-{amount}"),
        _ => amount,
    }
}
