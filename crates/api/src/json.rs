//! The proto3 JSON mapping of the messages sent outside gRPC (a webhook's body):
//! lowerCamelCase field names, 64-bit integers as strings, enums by name,
//! Timestamps as RFC 3339 in UTC. Every field is written, defaults included, so a
//! receiver never has to know proto3's defaults.

use serde_json::{Value, json};

use crate::v1;

/// A Timestamp as RFC 3339 with milliseconds, `Z` (what the proto3 mapping writes).
pub fn timestamp(t: Option<&prost_types::Timestamp>) -> Value {
    let Some(t) = t else { return Value::Null };
    let millis = t.seconds.saturating_mul(1000).saturating_add(i64::from(t.nanos / 1_000_000));
    let date = redbank_domain::calendar::format_millis(millis).replacen(' ', "T", 1);
    Value::String(format!("{date}.{:03}Z", millis.rem_euclid(1000)))
}

pub fn money(m: Option<&v1::Money>) -> Value {
    let Some(m) = m else { return Value::Null };
    json!({ "currencyCode": m.currency_code, "units": m.units.to_string(), "nanos": m.nanos })
}

pub fn transaction(t: &v1::Transaction) -> Value {
    json!({
        "transactionId": t.transaction_id,
        "accountId": t.account_id,
        "kind": t.kind().as_str_name(),
        "amount": money(t.amount.as_ref()),
        "balanceAfter": money(t.balance_after.as_ref()),
        "requestId": t.request_id,
        "memo": t.memo,
        "createTime": timestamp(t.create_time.as_ref()),
        "accountVersion": t.account_version.to_string(),
        "counterpartyAccountId": t.counterparty_account_id,
        "transferId": t.transfer_id,
        "actor": t.actor,
    })
}

pub fn event(e: &v1::Event) -> Value {
    json!({
        "cursor": e.cursor,
        "eventId": e.event_id,
        "accountId": e.account_id,
        "transaction": e.transaction.as_ref().map_or(Value::Null, transaction),
        "time": timestamp(e.time.as_ref()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_written_in_the_proto3_mapping() {
        let usd = |units, nanos| Some(v1::Money { currency_code: "USD".into(), units, nanos });
        let at = Some(prost_types::Timestamp { seconds: 1_733_500_000, nanos: 7_000_000 });
        let e = v1::Event {
            cursor: "1733500000007-0".into(),
            event_id: "a-1/1733500000007-0".into(),
            account_id: "a-1".into(),
            transaction: Some(v1::Transaction {
                transaction_id: "1733500000007-0".into(),
                account_id: "a-1".into(),
                kind: v1::TransactionKind::Deposit.into(),
                amount: usd(12, 500_000_000),
                balance_after: usd(9_007_199_254_740_993, 0),
                request_id: "r-1".into(),
                memo: String::new(),
                create_time: at,
                account_version: 3,
                counterparty_account_id: String::new(),
                transfer_id: String::new(),
                actor: "key:0123456789abcdef".into(),
            }),
            time: at,
        };
        let v = event(&e);
        assert_eq!(v["eventId"], "a-1/1733500000007-0");
        assert_eq!(v["time"], "2024-12-06T15:46:40.007Z");
        assert_eq!(v["transaction"]["kind"], "TRANSACTION_KIND_DEPOSIT");
        assert_eq!(
            v["transaction"]["amount"],
            json!({"currencyCode": "USD", "units": "12", "nanos": 500_000_000})
        );
        // Beyond a double's 53 bits, exact as text.
        assert_eq!(v["transaction"]["balanceAfter"]["units"], "9007199254740993");
        assert_eq!(v["transaction"]["accountVersion"], "3");
        assert_eq!(v["transaction"]["memo"], "");
        assert_eq!(timestamp(None), Value::Null);
    }
}
