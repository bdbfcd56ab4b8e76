//! Statements as CSV, for the console's download and the CLI's file: one column
//! layout, and text a spreadsheet would run as a formula defused.

/// The columns of a statement's CSV, in order.
pub const STATEMENT_COLUMNS: [&str; 10] = [
    "date",
    "kind",
    "amount",
    "balance",
    "currency",
    "counterparty",
    "memo",
    "transaction_id",
    "request_id",
    "actor",
];

/// Text that a spreadsheet would run as a formula (leading = + - @) gets a leading
/// apostrophe. Quoting is the csv crate's (RFC 4180).
pub fn defused(field: &str) -> String {
    if field.starts_with(['=', '+', '-', '@']) { format!("'{field}") } else { field.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::defused;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(defused("plain"), "plain");
        assert_eq!(defused("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(defused("-1,5"), "'-1,5");
        assert_eq!(defused("@x"), "'@x");
    }
}
