//! What the CLI prints: readable text by default, one JSON object per result with --json.

use redbank_api::convert::money_from_proto;
use redbank_api::v1;
use serde_json::{Value, json};
use tonic_types::StatusExt;

use crate::Failure;

pub struct Printer {
    pub json: bool,
}

fn money_text(money: Option<&v1::Money>) -> String {
    match money.map(money_from_proto) {
        Some(Ok(m)) => m.to_string(),
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
    match v1::AccountType::try_from(value) {
        Ok(v1::AccountType::Savings) => "savings",
        Ok(v1::AccountType::Checking) => "checking",
        _ => "unspecified",
    }
}

fn kind(value: i32) -> &'static str {
    match v1::TransactionKind::try_from(value) {
        Ok(v1::TransactionKind::Deposit) => "deposit",
        Ok(v1::TransactionKind::Withdrawal) => "withdrawal",
        Ok(v1::TransactionKind::Interest) => "interest",
        Ok(v1::TransactionKind::TransferIn) => "transfer_in",
        Ok(v1::TransactionKind::TransferOut) => "transfer_out",
        _ => "unspecified",
    }
}

fn account_json(a: &v1::Account) -> Value {
    json!({
        "account_id": a.account_id,
        "type": account_type(a.r#type),
        "balance": money_json(a.balance.as_ref()),
        "version": a.version,
        "create_time_unix": a.create_time.as_ref().map(|t| t.seconds),
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
            println!(
                "{verb} {} ({}): balance {}, version {}",
                a.account_id,
                account_type(a.r#type),
                money_text(a.balance.as_ref()),
                a.version
            );
        }
    }

    pub fn posted(&self, verb: &str, t: Option<&v1::Transaction>, a: Option<&v1::Account>) {
        if self.json {
            let tx = t.map(|t| {
                json!({
                    "transaction_id": t.transaction_id,
                    "kind": kind(t.kind),
                    "amount": money_json(t.amount.as_ref()),
                    "balance_after": money_json(t.balance_after.as_ref()),
                    "request_id": t.request_id,
                    "memo": t.memo,
                })
            });
            println!("{}", json!({"transaction": tx, "account": a.map(account_json)}));
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
            eprintln!(
                "error: {message} ({code}{})",
                if reason.is_empty() { String::new() } else { format!(", {reason}") }
            );
        }
    }
}
