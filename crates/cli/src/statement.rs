//! `redbank statement`: a period's entries with the balances around them, as a table
//! or as CSV that a spreadsheet opens as it is.

use std::io::Write;
use std::path::Path;

use prost_types::Timestamp;
use redbank_api::v1;
use redbank_domain::calendar::parse_date_millis;
use serde_json::json;

use crate::client::{Client, Failure, call};
use crate::output::{
    Printer, decimal, kind, money_text, signed, table_header, table_row, transaction_json, when,
};

const DAY_MILLIS: i64 = 86_400_000;

fn timestamp(millis: i64) -> Timestamp {
    Timestamp { seconds: millis / 1000, nanos: 0 }
}

pub async fn run(
    client: &Client,
    account: &str,
    from: &str,
    to: &str,
    csv: Option<&Path>,
    out: &Printer,
) -> Result<(), Failure> {
    let bad_date = |d: &str| Failure::Local(format!("{d:?} is not a date YYYY-MM-DD"));
    let start = parse_date_millis(from).ok_or_else(|| bad_date(from))?;
    // --to names the last day, included.
    let end = parse_date_millis(to).ok_or_else(|| bad_date(to))? + DAY_MILLIS;
    // Pages follow one another until the server's token runs out; the last page's
    // totals are the period's.
    let request = |page_token: String| v1::GetStatementRequest {
        account_id: account.to_owned(),
        start_time: Some(timestamp(start)),
        end_time: Some(timestamp(end)),
        page_size: 0,
        page_token,
    };
    let mut st = call!(client, get_statement, request(String::new()))?;
    while !st.next_page_token.is_empty() {
        let mut next = call!(client, get_statement, request(std::mem::take(&mut st.next_page_token)))?;
        next.transactions.splice(0..0, std::mem::take(&mut st.transactions));
        st = next;
    }
    if let Some(path) = csv {
        write_csv(&st, path).map_err(|e| Failure::Local(format!("cannot write {}: {e}", path.display())))?;
        if !out.json {
            println!("Wrote {} entries to {}", st.transactions.len(), path.display());
        }
    }
    if out.json {
        println!(
            "{}",
            json!({
                "account_id": st.account_id,
                "from": from, "to": to,
                "opening_balance": decimal(st.opening_balance.as_ref()),
                "closing_balance": decimal(st.closing_balance.as_ref()),
                "total_in": decimal(st.total_in.as_ref()),
                "total_out": decimal(st.total_out.as_ref()),
                "currency": st.opening_balance.as_ref().map(|m| m.currency_code.clone()),
                "transactions": st.transactions.iter().map(transaction_json).collect::<Vec<_>>(),
            })
        );
    } else if csv.is_none() {
        print_table(&st, from, to);
    }
    Ok(())
}

fn print_table(st: &v1::GetStatementResponse, from: &str, to: &str) {
    let rule = "-".repeat(100);
    println!("Statement of account {}, {from} to {to} (UTC)", st.account_id);
    println!("{rule}");
    println!("{}", table_header("date"));
    println!("{:<19}  {:<14} {:>16} {:>16}", "", "opening balance", "", decimal(st.opening_balance.as_ref()));
    for t in &st.transactions {
        println!("{}", table_row(t));
    }
    println!("{:<19}  {:<14} {:>16} {:>16}", "", "closing balance", "", decimal(st.closing_balance.as_ref()));
    println!("{rule}");
    println!(
        "{} entries; money in {}, money out {}; closing balance {}",
        st.transactions.len(),
        money_text(st.total_in.as_ref()),
        money_text(st.total_out.as_ref()),
        money_text(st.closing_balance.as_ref())
    );
}

/// One CSV field (RFC 4180). Text that a spreadsheet would run as a formula
/// (leading = + - @) gets a leading apostrophe; numbers are written as they are.
fn text(field: &str) -> String {
    let field = if field.starts_with(['=', '+', '-', '@']) { format!("'{field}") } else { field.to_owned() };
    if field.contains([',', '"', '\n', '\r']) { format!("\"{}\"", field.replace('"', "\"\"")) } else { field }
}

/// Opening balance, one row per entry with a signed amount (so that a column sum is
/// the change over the period), closing balance. UTF-8 with a byte-order mark, which
/// spreadsheets take as the sign to read UTF-8.
fn write_csv(st: &v1::GetStatementResponse, path: &Path) -> std::io::Result<()> {
    let currency = st.opening_balance.as_ref().map(|m| m.currency_code.clone()).unwrap_or_default();
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    w.write_all("\u{feff}".as_bytes())?;
    writeln!(w, "date,kind,amount,balance,currency,counterparty,memo,transaction_id,request_id")?;
    let start = when(st.start_time.as_ref());
    writeln!(w, "{start},opening_balance,,{},{currency},,,,", decimal(st.opening_balance.as_ref()))?;
    for t in &st.transactions {
        writeln!(
            w,
            "{},{},{},{},{currency},{},{},{},{}",
            when(t.create_time.as_ref()),
            kind(t.kind),
            signed(t),
            decimal(t.balance_after.as_ref()),
            text(&t.counterparty_account_id),
            text(&t.memo),
            text(&t.transaction_id),
            text(&t.request_id)
        )?;
    }
    let end = when(st.end_time.as_ref());
    writeln!(w, "{end},closing_balance,,{},{currency},,,,", decimal(st.closing_balance.as_ref()))?;
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(text("plain"), "plain");
        assert_eq!(text("a,b"), "\"a,b\"");
        assert_eq!(text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(text("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(text("-1,5"), "\"'-1,5\"");
    }
}
