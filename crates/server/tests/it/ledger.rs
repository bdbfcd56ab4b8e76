//! Transfers, history pages, statements, currencies and account states.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use prost_types::Timestamp;
use redbank_api::v1::{self, bank_client::BankClient};
use redbank_domain::TransactionKind;
use redbank_testkit::RedisServer;
use tonic::Code;

use crate::helpers::*;

fn transfer_req(from: &str, to: &str, amount: Option<v1::Money>, request_id: &str) -> v1::TransferRequest {
    v1::TransferRequest {
        from_account_id: from.into(),
        to_account_id: to.into(),
        amount,
        request_id: request_id.into(),
        memo: String::new(),
    }
}

fn ts(millis: i64) -> Option<Timestamp> {
    Some(Timestamp { seconds: millis.div_euclid(1000), nanos: (millis.rem_euclid(1000) * 1_000_000) as i32 })
}

fn millis(t: &Option<Timestamp>) -> i64 {
    let t = t.as_ref().unwrap();
    t.seconds * 1000 + i64::from(t.nanos) / 1_000_000
}

async fn balance(c: &mut BankClient<Chan>, id: &str) -> i64 {
    cents(&c.get_account(v1::GetAccountRequest { account_id: id.into() }).await.unwrap().into_inner().balance)
}

#[tokio::test]
async fn a_transfer_moves_money_both_sides_or_neither() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "src", "USD").await;
    create(&mut c, "dst", "USD").await;
    create(&mut c, "eur", "EUR").await;
    c.deposit(deposit_req("src", usd(100, 0), "")).await.unwrap();

    let mut req = transfer_req("src", "dst", usd(30, 250_000_000), "t-1");
    req.memo = "rent".into();
    let r = c.transfer(req.clone()).await.unwrap().into_inner();
    let (out, inn) = (r.from_transaction.unwrap(), r.to_transaction.unwrap());
    assert_eq!(out.kind, i32::from(v1::TransactionKind::TransferOut));
    assert_eq!(inn.kind, i32::from(v1::TransactionKind::TransferIn));
    assert_eq!((out.amount.clone(), inn.amount.clone()), (usd(30, 250_000_000), usd(30, 250_000_000)));
    assert_eq!((cents(&out.balance_after), cents(&inn.balance_after)), (6975, 3025));
    assert_eq!((out.counterparty_account_id.as_str(), inn.counterparty_account_id.as_str()), ("dst", "src"));
    assert_eq!(out.transfer_id, inn.transfer_id);
    assert!(!out.transfer_id.is_empty());
    assert_eq!((out.memo.as_str(), inn.request_id.as_str()), ("rent", "t-1"));
    assert_eq!(r.from_account.unwrap().version, 2);
    assert_eq!(r.to_account.unwrap().version, 1);

    // Exactly once by request id.
    let again = c.transfer(req.clone()).await.unwrap().into_inner();
    assert_eq!(again.from_transaction.unwrap().transaction_id, out.transaction_id);
    assert_eq!((balance(&mut c, "src").await, balance(&mut c, "dst").await), (6975, 3025));
    req.amount = usd(1, 0);
    assert_eq!(
        code_reason(c.transfer(req).await),
        (Code::FailedPrecondition, "IDEMPOTENCY_KEY_REUSED".into())
    );

    // Refusals, each changing nothing.
    let cases = [
        (transfer_req("src", "src", usd(1, 0), ""), Code::InvalidArgument, "SAME_ACCOUNT"),
        (
            transfer_req("src", "dst", usd(69, 760_000_000), ""),
            Code::FailedPrecondition,
            "INSUFFICIENT_FUNDS",
        ),
        (transfer_req("src", "eur", usd(1, 0), ""), Code::FailedPrecondition, "CURRENCY_MISMATCH"),
        (transfer_req("src", "dst", money("EUR", 1, 0), ""), Code::FailedPrecondition, "CURRENCY_MISMATCH"),
        (transfer_req("src", "ghost", usd(1, 0), ""), Code::NotFound, "ACCOUNT_NOT_FOUND"),
        (transfer_req("ghost", "dst", usd(1, 0), ""), Code::NotFound, "ACCOUNT_NOT_FOUND"),
        (transfer_req("src", "dst", usd(0, 0), ""), Code::InvalidArgument, "INVALID_AMOUNT"),
        (transfer_req("src", "dst", usd(0, 1), ""), Code::InvalidArgument, "INVALID_AMOUNT"),
        (transfer_req("src", "d d", usd(1, 0), ""), Code::InvalidArgument, "INVALID_ACCOUNT_ID"),
    ];
    for (req, code, reason) in cases {
        assert_eq!(code_reason(c.transfer(req.clone()).await), (code, reason.to_string()), "{req:?}");
    }
    let status = c.transfer(transfer_req("src", "ghost", usd(1, 0), "")).await.unwrap_err();
    let info = tonic_types::StatusExt::get_details_error_info(&status).unwrap();
    assert_eq!(info.metadata.get("account_id").map(String::as_str), Some("ghost"));
    assert_eq!((balance(&mut c, "src").await, balance(&mut c, "dst").await), (6975, 3025));
    let store = store(&app.redis);
    assert_eq!(store.history(&account_id("src")).await.unwrap().len(), 2);
    assert_eq!(store.history(&account_id("dst")).await.unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn frozen_and_closed_accounts_follow_their_rules() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "f", "USD").await;
    create(&mut c, "other", "USD").await;
    c.deposit(deposit_req("f", usd(10, 0), "")).await.unwrap();
    c.deposit(deposit_req("other", usd(10, 0), "")).await.unwrap();
    let freeze = |id: &str, reason: &str| v1::FreezeAccountRequest {
        account_id: id.into(),
        reason: reason.into(),
        request_id: String::new(),
    };
    let unfreeze = |id: &str| v1::UnfreezeAccountRequest {
        account_id: id.into(),
        reason: "cleared".into(),
        request_id: String::new(),
    };
    let close = |id: &str| v1::CloseAccountRequest {
        account_id: id.into(),
        reason: "customer left".into(),
        request_id: String::new(),
    };
    assert_eq!(
        code_reason(c.freeze_account(freeze("f", "")).await),
        (Code::InvalidArgument, "INVALID_REASON".into())
    );
    assert_eq!(
        code_reason(c.freeze_account(freeze("ghost", "x")).await),
        (Code::NotFound, "ACCOUNT_NOT_FOUND".into())
    );
    assert_eq!(
        code_reason(c.unfreeze_account(unfreeze("f")).await),
        (Code::FailedPrecondition, "ACCOUNT_NOT_FROZEN".into())
    );

    let frozen = c.freeze_account(freeze("f", "fraud review")).await.unwrap().into_inner();
    assert_eq!(frozen.state, i32::from(v1::AccountState::Frozen));
    assert_eq!(frozen.state_reason, "fraud review");
    assert!(frozen.state_change_time.is_some());
    assert_eq!(frozen.version, 2);
    let refused = (Code::FailedPrecondition, "ACCOUNT_FROZEN".to_string());
    assert_eq!(code_reason(c.deposit(deposit_req("f", usd(1, 0), "")).await), refused);
    assert_eq!(code_reason(c.withdraw(withdraw_req("f", usd(1, 0), "")).await), refused);
    assert_eq!(code_reason(c.transfer(transfer_req("f", "other", usd(1, 0), "")).await), refused);
    assert_eq!(code_reason(c.transfer(transfer_req("other", "f", usd(1, 0), "")).await), refused);
    let interest = v1::ApplyInterestRequest {
        account_id: "f".into(),
        annual_rate_percent: "5".into(),
        days: 0,
        request_id: String::new(),
        memo: String::new(),
        period: String::new(),
    };
    assert_eq!(code_reason(c.apply_interest(interest.clone()).await), refused);
    assert_eq!(code_reason(c.freeze_account(freeze("f", "again")).await), refused);
    assert_eq!(code_reason(c.close_account(close("f")).await), refused);
    // Reads still work.
    assert_eq!(balance(&mut c, "f").await, 1000);

    let active = c.unfreeze_account(unfreeze("f")).await.unwrap().into_inner();
    assert_eq!(
        (active.state, active.state_reason.as_str()),
        (i32::from(v1::AccountState::Active), "cleared")
    );
    c.deposit(deposit_req("f", usd(1, 0), "")).await.unwrap();

    let status = c.close_account(close("f")).await.unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    let info = tonic_types::StatusExt::get_details_error_info(&status).unwrap();
    assert_eq!((info.reason.as_str(), info.metadata["balance"].as_str()), ("BALANCE_NOT_ZERO", "11.00"));
    c.transfer(transfer_req("f", "other", usd(11, 0), "")).await.unwrap();
    let closed = c.close_account(close("f")).await.unwrap().into_inner();
    assert_eq!(closed.state, i32::from(v1::AccountState::Closed));
    let gone = (Code::FailedPrecondition, "ACCOUNT_CLOSED".to_string());
    assert_eq!(code_reason(c.deposit(deposit_req("f", usd(1, 0), "")).await), gone);
    assert_eq!(code_reason(c.transfer(transfer_req("other", "f", usd(1, 0), "")).await), gone);
    assert_eq!(code_reason(c.apply_interest(interest).await), gone);
    assert_eq!(code_reason(c.freeze_account(freeze("f", "x")).await), gone);
    assert_eq!(code_reason(c.unfreeze_account(unfreeze("f")).await), gone);
    assert_eq!(code_reason(c.close_account(close("f")).await), gone);
    let read = c.get_account(v1::GetAccountRequest { account_id: "f".into() }).await.unwrap().into_inner();
    assert_eq!((read.state, cents(&read.balance)), (i32::from(v1::AccountState::Closed), 0));

    // The history shows each change of state, with its reason, at amount zero.
    let kinds: Vec<TransactionKind> =
        store(&app.redis).history(&account_id("f")).await.unwrap().iter().map(|t| t.kind).collect();
    use TransactionKind::*;
    assert_eq!(kinds, [Deposit, Frozen, Unfrozen, Deposit, TransferOut, Closed]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_return_every_entry_exactly_once_while_writes_continue() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "busy", "USD").await;
    create(&mut c, "peer", "USD").await;
    for i in 0..300 {
        c.deposit(deposit_req("busy", usd(1, 0), &format!("pre-{i}"))).await.unwrap();
    }
    let before: HashSet<String> =
        store(&app.redis).history(&account_id("busy")).await.unwrap().into_iter().map(|t| t.id).collect();

    let writer = {
        let addr = app.addr;
        tokio::spawn(async move {
            let mut c = BankClient::new(channel(addr).await);
            for i in 0..300 {
                c.deposit(deposit_req("busy", usd(1, 0), &format!("during-{i}"))).await.unwrap();
                if i % 3 == 0 {
                    c.transfer(transfer_req("busy", "peer", usd(0, 10_000_000), &format!("tr-{i}")))
                        .await
                        .unwrap();
                }
            }
        })
    };
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = c
            .list_transactions(v1::ListTransactionsRequest {
                account_id: "busy".into(),
                page_size: 7,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .unwrap()
            .into_inner();
        seen.extend(page.transactions.into_iter().map(|t| t.transaction_id));
        pages += 1;
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    writer.await.unwrap();
    assert!(pages > 40);
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an entry was repeated");
    for id in &before {
        assert!(unique.contains(id), "entry {id} was skipped");
    }
    // Newest first: stream ids compare as (ms, seq).
    let key = |id: &String| {
        let (ms, seq) = id.split_once('-').unwrap();
        (ms.parse::<u64>().unwrap(), seq.parse::<u64>().unwrap())
    };
    assert!(seen.windows(2).all(|w| key(&w[0]) > key(&w[1])), "not newest first");

    // Filters: kinds, and a token reused with other filters is refused.
    let first = c
        .list_transactions(v1::ListTransactionsRequest {
            account_id: "busy".into(),
            page_size: 5,
            kinds: vec![v1::TransactionKind::TransferOut.into()],
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.transactions.len(), 5);
    assert!(first.transactions.iter().all(|t| t.kind == i32::from(v1::TransactionKind::TransferOut)));
    let reused = c
        .list_transactions(v1::ListTransactionsRequest {
            account_id: "busy".into(),
            page_size: 5,
            page_token: first.next_page_token.clone(),
            ..Default::default()
        })
        .await;
    assert_eq!(code_reason(reused), (Code::InvalidArgument, "INVALID_PAGE_TOKEN".into()));
    let bad = |r: v1::ListTransactionsRequest| async {
        let mut c = app.v1().await;
        code_reason(c.list_transactions(r).await)
    };
    let base = v1::ListTransactionsRequest { account_id: "busy".into(), ..Default::default() };
    let invalid = |r: &str| (Code::InvalidArgument, r.to_string());
    assert_eq!(
        bad(v1::ListTransactionsRequest { page_size: 501, ..base.clone() }).await,
        invalid("INVALID_PAGE_SIZE")
    );
    assert_eq!(
        bad(v1::ListTransactionsRequest { page_size: -1, ..base.clone() }).await,
        invalid("INVALID_PAGE_SIZE")
    );
    assert_eq!(
        bad(v1::ListTransactionsRequest { kinds: vec![42], ..base.clone() }).await,
        invalid("INVALID_KIND")
    );
    assert_eq!(
        bad(v1::ListTransactionsRequest { page_token: "zz".into(), ..base.clone() }).await,
        invalid("INVALID_PAGE_TOKEN")
    );
    assert_eq!(
        bad(v1::ListTransactionsRequest { start_time: ts(5000), end_time: ts(5000), ..base.clone() }).await,
        invalid("INVALID_TIME_RANGE")
    );
    assert_eq!(
        bad(v1::ListTransactionsRequest { account_id: "ghost".into(), ..base.clone() }).await,
        (Code::NotFound, "ACCOUNT_NOT_FOUND".into())
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_reconcile_for_periods_that_cut_through_busy_history() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    create(&mut c, "s", "USD").await;
    create(&mut c, "t", "USD").await;
    let mut rng = Lcg(7);
    for i in 0..400 {
        let amount = usd(0, (rng.below(99) as i32 + 1) * 10_000_000);
        match rng.below(4) {
            0 | 1 => {
                c.deposit(deposit_req("s", amount, "")).await.unwrap();
            }
            2 => {
                let _ = c.withdraw(withdraw_req("s", amount, "")).await;
            }
            _ => {
                let _ = c.transfer(transfer_req("s", "t", amount, "")).await;
            }
        }
        if i % 50 == 0 {
            tokio::time::sleep(Duration::from_millis(3)).await;
        }
    }
    let history = store(&app.redis).history(&account_id("s")).await.unwrap();
    let first = history.first().unwrap().create_time_millis;
    let last = history.last().unwrap().create_time_millis;
    // Cut points at entry times, between them, and around the whole history.
    let mut cuts = vec![first - 1000, first, last, last + 1, last + 1000];
    for _ in 0..20 {
        cuts.push(history[rng.below(history.len() as u64) as usize].create_time_millis);
        cuts.push(first + rng.below((last - first + 1) as u64) as i64);
    }
    cuts.sort();
    cuts.dedup();
    let mut checked = 0;
    for w in cuts.windows(2) {
        let (start, end) = (w[0], w[1]);
        // Pages of 1 to 8 entries, followed to the end: the same as one page.
        let page_size = 1 + rng.below(8) as i32;
        let st = statement_pages(&mut c, "s", start, end, page_size).await;
        let expected: Vec<_> =
            history.iter().filter(|t| t.create_time_millis >= start && t.create_time_millis < end).collect();
        assert_eq!(st.transactions.len(), expected.len(), "[{start}, {end})");
        let opening = cents(&st.opening_balance);
        let sum: i64 = expected.iter().map(|t| t.signed_minor()).sum();
        assert_eq!(opening + sum, cents(&st.closing_balance), "opening + entries = closing");
        assert_eq!(cents(&st.total_in) - cents(&st.total_out), sum);
        let before_start = history.iter().rev().find(|t| t.create_time_millis < start);
        assert_eq!(opening, before_start.map_or(0, |t| t.balance_after.minor()));
        for (got, want) in st.transactions.iter().zip(&expected) {
            assert_eq!(got.transaction_id, want.id);
            assert!(millis(&got.create_time) >= start && millis(&got.create_time) < end);
        }
        checked += 1;
    }
    assert!(checked > 20);
    // The statement of everything ends at today's balance.
    let all = c
        .get_statement(v1::GetStatementRequest {
            account_id: "s".into(),
            start_time: ts(0),
            end_time: ts(last + 1),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!((cents(&all.opening_balance), cents(&all.closing_balance)), (0, balance(&mut c, "s").await));
    let bad = c
        .get_statement(v1::GetStatementRequest {
            account_id: "s".into(),
            start_time: ts(10),
            end_time: ts(5),
            ..Default::default()
        })
        .await;
    assert_eq!(code_reason(bad), (Code::InvalidArgument, "INVALID_TIME_RANGE".into()));
    let missing =
        c.get_statement(v1::GetStatementRequest { account_id: "s".into(), ..Default::default() }).await;
    assert_eq!(code_reason(missing), (Code::InvalidArgument, "INVALID_TIME_RANGE".into()));
    app.stop().await;
}

/// The statement of `[start, end)` read in pages of `page_size`, as one response:
/// every page's opening and closing balances must agree, and the totals are the
/// last page's.
async fn statement_pages(
    c: &mut BankClient<Chan>,
    account: &str,
    start: i64,
    end: i64,
    page_size: i32,
) -> v1::GetStatementResponse {
    let mut request = v1::GetStatementRequest {
        account_id: account.into(),
        start_time: ts(start),
        end_time: ts(end),
        page_size,
        page_token: String::new(),
    };
    let mut all = c.get_statement(request.clone()).await.unwrap().into_inner();
    while !all.next_page_token.is_empty() {
        request.page_token = std::mem::take(&mut all.next_page_token);
        let mut page = c.get_statement(request.clone()).await.unwrap().into_inner();
        assert!(page.transactions.len() <= page_size as usize);
        assert_eq!(
            (&page.opening_balance, &page.closing_balance),
            (&all.opening_balance, &all.closing_balance)
        );
        page.transactions.splice(0..0, std::mem::take(&mut all.transactions));
        all = page;
    }
    all
}

const REPLICAS: usize = 3;
const CLIENTS: usize = 32;
const ACCOUNTS: u64 = 20;
const TRANSFERS_PER_CLIENT: usize = 100;
const SEED_CENTS: i64 = 5_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_transfers_across_replicas_conserve_money() {
    let redis = RedisServer::start();
    let servers = start_replicas(&redis, REPLICAS).await;
    let mut c = BankClient::new(channel(servers[0].addr).await);
    for a in 0..ACCOUNTS {
        create(&mut c, &format!("acc-{a}"), "USD").await;
        c.deposit(deposit_req(&format!("acc-{a}"), usd(SEED_CENTS / 100, 0), "")).await.unwrap();
    }
    let mut tasks = Vec::new();
    for client in 0..CLIENTS {
        let addrs: Vec<_> = servers.iter().map(|s| s.addr).collect();
        tasks.push(tokio::spawn(async move {
            let mut c = BankClient::new(channel(addrs[client % REPLICAS]).await);
            let mut other = BankClient::new(channel(addrs[(client + 1) % REPLICAS]).await);
            let mut rng = Lcg(1000 + client as u64);
            let mut acked = Vec::new();
            let mut refused = 0;
            for op in 0..TRANSFERS_PER_CLIENT {
                let from = rng.below(ACCOUNTS);
                let to = (from + 1 + rng.below(ACCOUNTS - 1)) % ACCOUNTS;
                let amount = rng.below(4_000) as i64 + 1;
                let req = transfer_req(
                    &format!("acc-{from}"),
                    &format!("acc-{to}"),
                    usd(amount / 100, (amount % 100) as i32 * 10_000_000),
                    &format!("c{client}-t{op}"),
                );
                match c.transfer(req.clone()).await {
                    Ok(r) => {
                        let r = r.into_inner();
                        assert!(cents(&r.from_transaction.as_ref().unwrap().balance_after) >= 0);
                        // Every tenth transfer is repeated on another replica: same answer.
                        if op % 10 == 0 {
                            let again = other.transfer(req).await.unwrap().into_inner();
                            assert_eq!(again, r);
                        }
                        acked.push((from, to, amount, format!("c{client}-t{op}")));
                    }
                    Err(status) => {
                        assert_eq!(code_reason::<()>(Err(status)).1, "INSUFFICIENT_FUNDS");
                        refused += 1;
                    }
                }
            }
            (acked, refused)
        }));
    }
    let (mut acked, mut refused) = (Vec::new(), 0);
    for t in tasks {
        let (a, r) = t.await.unwrap();
        acked.extend(a);
        refused += r;
    }
    assert!(refused > 0 && !acked.is_empty(), "acked {} refused {refused}", acked.len());

    let store = store(&redis);
    let mut total = 0;
    let mut by_transfer: HashMap<String, Vec<(String, TransactionKind, i64, String)>> = HashMap::new();
    let mut expected: HashMap<u64, i64> = (0..ACCOUNTS).map(|a| (a, SEED_CENTS)).collect();
    for (from, to, amount, _) in &acked {
        *expected.get_mut(from).unwrap() -= amount;
        *expected.get_mut(to).unwrap() += amount;
    }
    for a in 0..ACCOUNTS {
        let id = format!("acc-{a}");
        let bal = balance(&mut c, &id).await;
        assert!(bal >= 0);
        assert_eq!(bal, expected[&a], "{id}");
        total += bal;
        let mut running = 0;
        for t in store.history(&account_id(&id)).await.unwrap() {
            running += t.signed_minor();
            assert_eq!(running, t.balance_after.minor());
            assert!(running >= 0);
            if let Some(tid) = &t.transfer_id {
                by_transfer.entry(tid.clone()).or_default().push((
                    id.clone(),
                    t.kind,
                    t.amount.minor(),
                    t.request_id.as_ref().unwrap().to_string(),
                ));
            }
        }
    }
    assert_eq!(total, SEED_CENTS * ACCOUNTS as i64, "the sum of all balances never changes");
    assert_eq!(by_transfer.len(), acked.len(), "one transfer id per acknowledged transfer");
    let by_request: HashMap<&String, &Vec<_>> = by_transfer.values().map(|v| (&v[0].3, v)).collect();
    for (from, to, amount, rid) in &acked {
        let halves = by_request.get(rid).unwrap_or_else(|| panic!("{rid} has no entries"));
        assert_eq!(halves.len(), 2, "{rid}: exactly two entries");
        let out = halves.iter().find(|h| h.1 == TransactionKind::TransferOut).unwrap();
        let inn = halves.iter().find(|h| h.1 == TransactionKind::TransferIn).unwrap();
        assert_eq!((&out.0, out.2), (&format!("acc-{from}"), *amount));
        assert_eq!((&inn.0, inn.2), (&format!("acc-{to}"), *amount));
    }
    let report = assert_invariants(&redis).await;
    assert_eq!(report.transfers, acked.len());
}
