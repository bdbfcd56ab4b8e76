//! What the CLI prints: readable text that fits an 80-column terminal by default,
//! and with --json exactly one JSON document per command (times in RFC 3339).
//!
//! Everything goes through [`say!`], which stops the program quietly when the
//! reader of stdout has gone (`redbank history alice | head -2`), as Unix tools do,
//! instead of panicking on the broken pipe.

use std::cell::RefCell;
use std::io::Write;

use redbank_api::codes::{class_code, code_name};
use redbank_api::convert::{account_type_from_proto, kind_from_proto, kind_to_proto, money_from_proto};
use redbank_api::v1;
use redbank_domain::TransactionKind;
use redbank_domain::calendar::format_millis;
use serde_json::{Value, json};
use tonic::Code;
use tonic_types::StatusExt;

use crate::client::Failure;

/// `println!` that exits quietly (status 0) when stdout is a closed pipe.
macro_rules! say {
    () => { $crate::output::say_line(format_args!("")) };
    ($($arg:tt)*) => { $crate::output::say_line(format_args!($($arg)*)) };
}
pub(crate) use say;

pub fn say_line(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            std::process::exit(1)
        }
    }
}

/// Prints results: text at once, or with `json` one document at the end
/// ([`Printer::finish`]): the result itself when a command has one, and
/// `{"results": [...]}` when it has several (the demo).
pub struct Printer {
    pub json: bool,
    documents: RefCell<Vec<Value>>,
    /// The server's address, for failures to reach it.
    endpoint: String,
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

/// Money in JSON, always the same object (`{"amount": "12.50", "currency": "USD"}`);
/// `null` when there is none.
pub fn money_json(money: Option<&v1::Money>) -> Value {
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

/// Kind names from the command line (any case), as proto values.
pub fn parse_kinds(names: &[String]) -> Result<Vec<i32>, Failure> {
    names
        .iter()
        .map(|n| {
            TransactionKind::from_code(&n.to_lowercase()).map(|k| kind_to_proto(k).into()).ok_or_else(|| {
                Failure::Invalid {
                    reason: "INVALID_KIND",
                    message: format!(
                        "unknown kind {n:?}: deposit, withdrawal, interest, transfer_in, transfer_out, \
                         frozen, unfrozen or closed"
                    ),
                }
            })
        })
        .collect()
}

fn millis(t: &prost_types::Timestamp) -> i64 {
    t.seconds.saturating_mul(1000).saturating_add(i64::from(t.nanos) / 1_000_000)
}

/// "YYYY-MM-DD HH:MM:SS" (UTC) of a timestamp, for tables.
pub fn when(t: Option<&prost_types::Timestamp>) -> String {
    t.map(|t| format_millis(millis(t))).unwrap_or_default()
}

/// RFC 3339 in UTC with milliseconds, "2026-11-26T04:56:47.123Z", as gRPC tools
/// print timestamps; for JSON and CSV.
pub fn rfc3339(t: Option<&prost_types::Timestamp>) -> String {
    t.map(|t| {
        let ms = millis(t);
        format!("{}T{}.{:03}Z", &format_millis(ms)[..10], &format_millis(ms)[11..], ms.rem_euclid(1000))
    })
    .unwrap_or_default()
}

/// A time in JSON: RFC 3339, or `null` when there is none (never `""`).
pub fn rfc3339_or_null(t: Option<&prost_types::Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(rfc3339(Some(t))))
}

/// Text in JSON, `null` when empty: proto3 says "not set" with an empty string.
pub fn text_or_null(text: &str) -> Value {
    if text.is_empty() { Value::Null } else { Value::String(text.to_owned()) }
}

fn account_json(a: &v1::Account) -> Value {
    json!({
        "account_id": a.account_id,
        "type": account_type(a.r#type),
        "state": state(a.state),
        "state_reason": text_or_null(&a.state_reason),
        "balance": money_json(a.balance.as_ref()),
        "available_balance": money_json(a.available_balance.as_ref()),
        "held_balance": money_json(a.held_balance.as_ref()),
        "version": a.version,
        "create_time": rfc3339_or_null(a.create_time.as_ref()),
        "state_change_time": rfc3339_or_null(a.state_change_time.as_ref()),
        "customer_id": text_or_null(&a.customer_id),
    })
}

pub fn transaction_json(t: &v1::Transaction) -> Value {
    json!({
        "transaction_id": t.transaction_id,
        "account_id": t.account_id,
        "kind": kind(t.kind),
        "amount": money_json(t.amount.as_ref()),
        "balance_after": money_json(t.balance_after.as_ref()),
        "request_id": text_or_null(&t.request_id),
        "memo": text_or_null(&t.memo),
        "counterparty_account_id": text_or_null(&t.counterparty_account_id),
        "transfer_id": text_or_null(&t.transfer_id),
        "actor": text_or_null(&t.actor),
        "create_time": rfc3339_or_null(t.create_time.as_ref()),
    })
}

impl Printer {
    pub fn new(json: bool, endpoint: &str) -> Self {
        Self { json, documents: RefCell::new(Vec::new()), endpoint: endpoint.to_owned() }
    }

    /// Records a JSON result, printed by [`Printer::finish`].
    pub fn document(&self, value: Value) {
        self.documents.borrow_mut().push(value);
    }

    /// Prints the JSON document of the command (nothing in text mode).
    pub fn finish(&self) {
        let mut documents = self.documents.take();
        match documents.len() {
            0 => {}
            1 => say!("{}", documents.remove(0)),
            _ => say!("{}", json!({"results": documents})),
        }
    }

    /// Files written into `dir`: their names in JSON, a count in text.
    pub fn wrote(&self, what: &str, dir: &std::path::Path, files: &[String]) {
        if self.json {
            self.document(json!({"dir": dir.display().to_string(), "files": files}));
        } else {
            say!("Wrote {what} to {}", dir.display());
        }
    }

    pub fn step(&self, title: &str) {
        if !self.json {
            say!("\n== {title}");
        }
    }

    pub fn account(&self, verb: &str, a: &v1::Account) {
        if self.json {
            self.document(account_json(a));
        } else {
            let st = match state(a.state) {
                "active" => String::new(),
                other => format!(", {other}: {}", a.state_reason),
            };
            let held = match a.held_balance.as_ref() {
                Some(h) if h.units != 0 || h.nanos != 0 => format!(
                    " (available {}, held {})",
                    money_text(a.available_balance.as_ref()),
                    money_text(Some(h))
                ),
                _ => String::new(),
            };
            say!(
                "{verb} {} ({}): balance {}{held}, version {}{st}",
                a.account_id,
                account_type(a.r#type),
                money_text(a.balance.as_ref()),
                a.version
            );
        }
    }

    pub fn posted(&self, verb: &str, t: Option<&v1::Transaction>, a: Option<&v1::Account>) {
        if self.json {
            self.document(json!({"transaction": t.map(transaction_json), "account": a.map(account_json)}));
        } else if let Some(t) = t {
            say!(
                "{verb} {} on {}: balance {} (transaction {}, request {})",
                money_text(t.amount.as_ref()),
                t.account_id,
                money_text(t.balance_after.as_ref()),
                t.transaction_id,
                t.request_id
            );
        } else if let Some(a) = a {
            say!("{verb}: nothing to post; {} unchanged at {}", a.account_id, money_text(a.balance.as_ref()));
        }
    }

    pub fn transferred(&self, r: &v1::TransferResponse) {
        if self.json {
            self.document(json!({
                "from_transaction": r.from_transaction.as_ref().map(transaction_json),
                "to_transaction": r.to_transaction.as_ref().map(transaction_json),
                "from_account": r.from_account.as_ref().map(account_json),
                "to_account": r.to_account.as_ref().map(account_json),
            }));
        } else if let Some(f) = &r.from_transaction {
            // A customer paying someone else's account is not shown its balance.
            let to = match &r.to_transaction {
                Some(t) => format!("{} (balance {})", t.account_id, money_text(t.balance_after.as_ref())),
                None => f.counterparty_account_id.clone(),
            };
            say!(
                "Transferred {} from {} (balance {}) to {to}, transfer {}",
                money_text(f.amount.as_ref()),
                f.account_id,
                money_text(f.balance_after.as_ref()),
                f.transfer_id
            );
        }
    }

    /// A page of history; `next` is the token of the rest, empty when there is none.
    pub fn history(&self, rows: &[v1::Transaction], next: &str) {
        if self.json {
            self.document(json!({
                "transactions": rows.iter().map(transaction_json).collect::<Vec<_>>(),
                "next_page_token": text_or_null(next),
            }));
            return;
        }
        say!("{}", table_header("time (UTC)"));
        for t in rows {
            say!("{}", table_row(t));
        }
        if !next.is_empty() {
            say!("(more: --limit N for more, or --page-token {next})");
        }
    }

    /// A list of accounts; `more` when others exist, `next` the token to continue
    /// with (empty: from the start).
    pub fn accounts(&self, accounts: &[v1::Account], next: &str, more: bool) {
        if self.json {
            self.document(json!({
                "accounts": accounts.iter().map(account_json).collect::<Vec<_>>(),
                "more": more,
                "next_page_token": text_or_null(next),
            }));
            return;
        }
        for a in accounts {
            self.account("Account", a);
        }
        match (more, next.is_empty()) {
            (false, _) => {}
            (true, true) => say!("(more accounts exist: --all for all of them, or --limit N)"),
            (true, false) => {
                say!("(more accounts exist: --all for all of them, --limit N, or --page-token {next})")
            }
        }
    }

    pub fn failure(&self, failure: &Failure) {
        if let Failure::Reported(message) = failure {
            self.finish();
            eprintln!("error: {message}");
            return;
        }
        let (code, reason, mut message, metadata) = match failure {
            Failure::Reported(_) => return,
            Failure::Status(s) => {
                let info = s.get_details_error_info();
                (
                    code_name(s.code()),
                    info.as_ref().map(|i| i.reason.clone()).unwrap_or_default(),
                    s.message().to_owned(),
                    info.map(|i| i.metadata).unwrap_or_default(),
                )
            }
            Failure::Invalid { reason, message } => {
                ("INVALID_ARGUMENT", (*reason).to_owned(), message.clone(), Default::default())
            }
            Failure::Refused(e) => {
                (code_name(class_code(e.class())), e.reason().to_owned(), e.to_string(), Default::default())
            }
            Failure::Local(message) => {
                ("FAILED_PRECONDITION", "CLIENT".into(), message.clone(), Default::default())
            }
        };
        // The transport's own failures (no reason from the server): say where it
        // went, and, for a change, how to learn its outcome.
        if let Failure::Status(s) = failure
            && reason.is_empty()
            && matches!(s.code(), Code::Unavailable | Code::DeadlineExceeded)
        {
            message = format!("the server at {} did not answer: {message}", self.endpoint);
            if let Some(rid) = crate::client::last_request_id() {
                message.push_str(&format!(
                    "; the change may or may not have been applied: run it again with --request-id {rid} \
                     to apply it at most once"
                ));
            }
        }
        if self.json {
            // Whatever was printed before the failure is dropped: one document.
            self.documents.take();
            say!(
                "{}",
                json!({"error": {"code": code, "reason": reason, "message": message, "metadata": metadata}})
            );
        } else {
            let reason = if reason.is_empty() { String::new() } else { format!(", {reason}") };
            eprintln!("error: {message} ({code}{reason})");
        }
    }
}

/// Width of an entry table: an 80-column terminal.
pub const TABLE_WIDTH: usize = 80;
/// Columns of an entry table: time (to the minute), kind, amount, balance, then
/// the counterparty and the memo in what is left, cut with an ellipsis.
const TIME: usize = 19;
const KIND: usize = 12;
const AMOUNT: usize = 13;
const BALANCE: usize = 13;
const DETAIL: usize = TABLE_WIDTH - TIME - KIND - AMOUNT - BALANCE - 4;

/// `text` cut to `width` characters, the last one an ellipsis if anything was cut.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The header of an entry table whose first column is `first`.
pub fn table_header(first: &str) -> String {
    format!(
        "{:<TIME$} {:<KIND$} {:>AMOUNT$} {:>BALANCE$} {}",
        fit(first, TIME),
        "kind",
        "amount",
        "balance",
        "other / memo / by"
    )
}

/// One entry as a row under [`table_header`], at most [`TABLE_WIDTH`] columns.
pub fn table_row(t: &v1::Transaction) -> String {
    let mut detail = match (t.counterparty_account_id.as_str(), t.memo.as_str()) {
        ("", memo) => memo.to_owned(),
        (other, "") => other.to_owned(),
        (other, memo) => format!("{other}: {memo}"),
    };
    if !t.actor.is_empty() {
        detail =
            if detail.is_empty() { format!("by {}", t.actor) } else { format!("{detail} (by {})", t.actor) };
    }
    let time = when(t.create_time.as_ref());
    format!(
        "{:<TIME$} {:<KIND$} {:>AMOUNT$} {:>BALANCE$} {}",
        fit(&time, TIME),
        fit(kind(t.kind), KIND),
        fit(&signed(t), AMOUNT),
        fit(&decimal(t.balance_after.as_ref()), BALANCE),
        fit(&detail, DETAIL)
    )
}

/// A row of a statement table for a balance (opening or closing).
pub fn balance_row(label: &str, balance: Option<&v1::Money>) -> String {
    format!(
        "{:<TIME$} {:<w$} {:>BALANCE$}",
        "",
        label,
        fit(&decimal(balance), BALANCE),
        w = KIND + AMOUNT + 1
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
