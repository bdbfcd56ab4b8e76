//! `redbank accounts`: the accounts the caller may see, or (staff) one customer's,
//! a page of the server's at a time, up to a limit.

use redbank_api::v1;

use crate::client::{Client, Failure, call};
use crate::output::Printer;

/// Accounts asked per ListAccounts call (the server's most).
const ACCOUNTS_PAGE: usize = redbank_domain::limits::ACCOUNTS_PAGE_SIZE_MAX;

/// Lists at most `limit` accounts from `page_token`, only `customer`'s if given.
pub async fn list(
    client: &Client,
    limit: usize,
    page_token: &str,
    customer: &str,
    out: &Printer,
) -> Result<(), Failure> {
    let mut token = page_token.to_owned();
    let mut accounts = Vec::new();
    let mut cut = false;
    loop {
        let size = (limit - accounts.len()).min(ACCOUNTS_PAGE);
        let req = v1::ListAccountsRequest {
            page_size: size as i32,
            page_token: token.clone(),
            customer_id: customer.to_owned(),
        };
        let page = call!(client, list_accounts, req)?;
        accounts.extend(page.accounts);
        // A page is a hint to SCAN, which may give more: past the limit, the
        // token given back starts that page again (an account may show twice,
        // as SCAN allows, but none is skipped).
        if accounts.len() > limit {
            accounts.truncate(limit);
            cut = true;
            break;
        }
        token = page.next_page_token;
        if token.is_empty() || accounts.len() >= limit {
            break;
        }
    }
    out.accounts(&accounts, &token, cut || !token.is_empty());
    Ok(())
}
