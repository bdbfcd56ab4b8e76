//! `redbank statement`: a period's entries with the balances around them, as a table
//! or as CSV that a spreadsheet opens as it is.

use std::io::Write;
use std::path::Path;

use prost_types::Timestamp;
use redbank_api::v1;
use redbank_domain::calendar::{MILLIS_PER_DAY, parse_date_millis};
use serde_json::json;

use redbank_bank::csv::{STATEMENT_COLUMNS, defused};

use crate::client::{Client, Failure, call};
use crate::output::{
    Printer, TABLE_WIDTH, balance_row, decimal, kind, money_json, money_text, rfc3339, say, signed,
    table_header, table_row, transaction_json, when,
};

fn timestamp(millis: i64) -> Timestamp {
    Timestamp { seconds: millis.div_euclid(1000), nanos: 0 }
}

/// The start of a day (`YYYY-MM-DD`, UTC) plus `days` days, as a timestamp.
pub fn day(text: &str, days: i64) -> Result<Timestamp, Failure> {
    let start = parse_date_millis(text).ok_or_else(|| Failure::Invalid {
        reason: "INVALID_TIME_RANGE",
        message: format!("{text:?} is not a date YYYY-MM-DD"),
    })?;
    Ok(timestamp(start + days * MILLIS_PER_DAY))
}

pub async fn run(
    client: &Client,
    account: &str,
    from: &str,
    to: &str,
    csv: Option<&Path>,
    force: bool,
    out: &Printer,
) -> Result<(), Failure> {
    let start = day(from, 0)?;
    // --to names the last day, included.
    let end = day(to, 1)?;
    // Refuse an existing file before asking anything of the server; `-` is
    // standard output.
    let to_stdout = csv.is_some_and(|path| path == Path::new("-"));
    let file = match csv {
        Some(path) if !to_stdout => Some(create(path, force)?),
        _ => None,
    };
    // Pages follow one another until the server's token runs out; the last page's
    // totals are the period's.
    let request = |page_token: String| v1::GetStatementRequest {
        account_id: account.to_owned(),
        start_time: Some(start),
        end_time: Some(end),
        page_size: 0,
        page_token,
    };
    let mut st = call!(client, get_statement, request(String::new()))?;
    while !st.next_page_token.is_empty() {
        let mut next = call!(client, get_statement, request(std::mem::take(&mut st.next_page_token)))?;
        next.transactions.splice(0..0, std::mem::take(&mut st.transactions));
        st = next;
    }
    if to_stdout {
        write_csv(&st, std::io::stdout().lock()).map_err(|e| Failure::Local(format!("cannot write: {e}")))?;
        return Ok(());
    }
    if let (Some(path), Some(file)) = (csv, file) {
        write_csv(&st, file).map_err(|e| Failure::Local(format!("cannot write {}: {e}", path.display())))?;
        if !out.json {
            say!("Wrote {} entries to {}", st.transactions.len(), path.display());
        }
    }
    if out.json {
        out.document(json!({
            "account_id": st.account_id,
            "from": from, "to": to,
            "start_time": rfc3339(st.start_time.as_ref()),
            "end_time": rfc3339(st.end_time.as_ref()),
            "opening_balance": money_json(st.opening_balance.as_ref()),
            "closing_balance": money_json(st.closing_balance.as_ref()),
            "total_in": money_json(st.total_in.as_ref()),
            "total_out": money_json(st.total_out.as_ref()),
            "interest": st.interest.as_ref().map(|i| json!({
                "amount": money_json(i.amount.as_ref()),
                "annual_rate_percent": i.annual_rate_percent,
                "posted": i.posted,
                "days": i.days,
            })),
            "transactions": st.transactions.iter().map(transaction_json).collect::<Vec<_>>(),
        }));
    } else if csv.is_none() {
        print_table(&st, from, to);
    }
    Ok(())
}

/// The CSV file: a new one, or with `force` an existing one emptied.
fn create(path: &Path, force: bool) -> Result<std::fs::File, Failure> {
    let opened = if force { std::fs::File::create(path) } else { std::fs::File::create_new(path) };
    opened.map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => {
            Failure::Local(format!("{} exists; give --force to overwrite it", path.display()))
        }
        _ => Failure::Local(format!("cannot create {}: {e}", path.display())),
    })
}

fn print_table(st: &v1::GetStatementResponse, from: &str, to: &str) {
    let rule = "-".repeat(TABLE_WIDTH);
    say!("Statement of account {}, {from} to {to} (UTC)", st.account_id);
    say!("{rule}");
    say!("{}", table_header("date"));
    say!("{}", balance_row("opening balance", st.opening_balance.as_ref()));
    for t in &st.transactions {
        say!("{}", table_row(t));
    }
    say!("{}", balance_row("closing balance", st.closing_balance.as_ref()));
    say!("{rule}");
    say!(
        "{} entries; in {}, out {}; closing {}",
        st.transactions.len(),
        money_text(st.total_in.as_ref()),
        money_text(st.total_out.as_ref()),
        money_text(st.closing_balance.as_ref())
    );
    if let Some(line) = st.interest.as_ref().map(interest_line) {
        say!("{line}");
    }
}

/// The month's interest in words: posted, or earned so far and not yet paid.
pub fn interest_line(i: &v1::MonthInterest) -> String {
    let amount = money_text(i.amount.as_ref());
    if i.posted {
        format!("Interest for the month: {amount} at {}% a year, posted", i.annual_rate_percent)
    } else {
        format!(
            "Interest earned so far ({} days, at {}% a year): {amount}, not yet paid",
            i.days, i.annual_rate_percent
        )
    }
}

/// Opening balance, one row per entry with a signed amount (so that a column sum is
/// the change over the period), closing balance, dated the last second of the last
/// day asked for. UTF-8 with a byte-order mark, which spreadsheets take as the sign
/// to read UTF-8; lines end in CRLF (RFC 4180).
fn write_csv(st: &v1::GetStatementResponse, file: impl Write) -> std::io::Result<()> {
    let currency = st.opening_balance.as_ref().map(|m| m.currency_code.clone()).unwrap_or_default();
    let mut file = std::io::BufWriter::new(file);
    file.write_all("\u{feff}".as_bytes())?;
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(file);
    let io = |e: csv::Error| std::io::Error::other(e);
    w.write_record(STATEMENT_COLUMNS).map_err(io)?;
    let opening = decimal(st.opening_balance.as_ref());
    let start = when(st.start_time.as_ref());
    w.write_record([start.as_str(), "opening_balance", "", &opening, &currency, "", "", "", "", ""])
        .map_err(io)?;
    for t in &st.transactions {
        w.write_record([
            when(t.create_time.as_ref()),
            kind(t.kind).to_owned(),
            signed(t),
            decimal(t.balance_after.as_ref()),
            currency.clone(),
            defused(&t.counterparty_account_id),
            defused(&t.memo),
            defused(&t.transaction_id),
            defused(&t.request_id),
            defused(&t.actor),
        ])
        .map_err(io)?;
    }
    let last_second = st.end_time.map(|t| Timestamp { seconds: t.seconds - 1, nanos: 0 });
    let closing = decimal(st.closing_balance.as_ref());
    let end = when(last_second.as_ref());
    w.write_record([end.as_str(), "closing_balance", "", &closing, &currency, "", "", "", "", ""])
        .map_err(io)?;
    w.flush()
}
