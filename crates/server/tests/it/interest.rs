//! A month's interest as a bank pays it: on each day's closing balance (UTC), for
//! the days the account was open, rounded once. Each test lives its account's
//! month through the API, then moves that life into a month that has ended
//! (`redbank_testkit::backdate`: Redis stamps every entry with its own clock, and
//! a test cannot wait a month), posts the month, and compares the posting with a
//! figure the test computes itself from the history the server keeps.

use redbank_api::classic::InterestRequest;
use redbank_api::v1;
use redbank_domain::InterestPeriod;
use redbank_domain::calendar::MILLIS_PER_DAY;
use redbank_testkit::{Lcg, backdate};
use tonic::Code;

use crate::helpers::*;

const HOUR: i64 = 60 * 60 * 1000;

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// The month before this one, and its first instant.
fn last_month() -> (InterestPeriod, i64) {
    let period = InterestPeriod::containing(now_millis()).before();
    (period, period.bounds_millis().0)
}

fn post(id: &str, period: InterestPeriod, rate: &str, request_id: &str) -> v1::ApplyInterestRequest {
    v1::ApplyInterestRequest {
        account_id: id.into(),
        annual_rate_percent: rate.into(),
        days: 0,
        request_id: request_id.into(),
        memo: String::new(),
        period: period.to_string(),
    }
}

type Client = redbank_api::v1::bank_client::BankClient<Chan>;

/// `n / d` rounded half-even.
fn half_even(n: i128, d: i128) -> i128 {
    let (q, r) = (n / d, n % d);
    if 2 * r > d || (2 * r == d && q % 2 == 1) { q + 1 } else { q }
}

/// Posts `period` at `rate`: the interest posted, in minor units (0: no entry).
async fn posted(c: &mut Client, id: &str, period: InterestPeriod, rate: &str) -> i64 {
    let r = c.apply_interest(post(id, period, rate, "")).await.unwrap().into_inner();
    r.transaction.map_or(0, |t| cents(&t.amount))
}

/// The month's interest computed here, independently of the server, from the
/// history it keeps: for each day of `period` that ended after the account was
/// opened, the balance after the last entry before the day's end; their sum ×
/// rate ÷ 100 ÷ 365, rounded half-even once. `rate_micro` is the rate in
/// millionths of a percent.
async fn reference(app: &TestApp, id: &str, period: InterestPeriod, rate_micro: i128) -> i64 {
    let store = store(&app.redis);
    let account_id = account_id(id);
    let account = store.get_account(&account_id, &redbank_domain::Principal::operator()).await.unwrap();
    let opened_millis = account.create_time_micros / 1000;
    let history = store.history(&account_id).await.unwrap();
    let times: Vec<(i64, i64)> = history
        .iter()
        .map(|t| (t.id.split('-').next().unwrap().parse::<i64>().unwrap(), t.balance_after.minor()))
        .collect();
    let (start, _) = period.bounds_millis();
    let mut balance_days: i128 = 0;
    for day in 1..=i64::from(period.days()) {
        let end = start + day * MILLIS_PER_DAY;
        if opened_millis >= end {
            continue;
        }
        let closing = times.iter().rfind(|(t, _)| *t < end).map_or(0, |(_, b)| *b);
        balance_days += i128::from(closing);
    }
    i64::try_from(half_even(balance_days * rate_micro, 100 * 1_000_000 * 365)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_opened_mid_month_earns_only_for_its_days() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    let (period, start) = last_month();
    create(&mut c, "late", "USD").await;
    c.deposit(deposit_req("late", usd(1000, 0), "")).await.unwrap();
    // Opened and funded at noon of the month's last day but ten, 3.65%:
    // 1000.00 × 0.0365 × 10 / 365 = 1.00. (The old rule paid the whole month.)
    let day = i64::from(period.days()) - 10;
    let noon = start + day * MILLIS_PER_DAY + 12 * HOUR;
    backdate(&app.redis, "late", noon, &[noon + HOUR]);
    assert_eq!(posted(&mut c, "late", period, "3.65").await, 100);
    // Opened after the month: nothing, and no entry.
    create(&mut c, "new", "USD").await;
    c.deposit(deposit_req("new", usd(1000, 0), "")).await.unwrap();
    assert_eq!(posted(&mut c, "new", period, "3.65").await, 0);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deposit_on_the_last_evening_earns_one_day_and_an_account_emptied_on_the_last_day_keeps_the_rest() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    let (period, start) = last_month();
    let days = i64::from(period.days());
    // 1,000,000.00 arriving at 22:00 on the month's last day: one day at 3.65%,
    // 100.00.
    create(&mut c, "evening", "USD").await;
    c.deposit(deposit_req("evening", usd(1_000_000, 0), "")).await.unwrap();
    backdate(&app.redis, "evening", start - HOUR, &[start + (days - 1) * MILLIS_PER_DAY + 22 * HOUR]);
    assert_eq!(posted(&mut c, "evening", period, "3.65").await, 10_000);
    // 3650.00 from the first day, all of it taken out on the last (the 30th of a
    // 30-day month): every other day earns 10% of 3650.00 / 365 = 1.00.
    create(&mut c, "emptied", "USD").await;
    c.deposit(deposit_req("emptied", usd(3650, 0), "")).await.unwrap();
    c.withdraw(withdraw_req("emptied", usd(3650, 0), "")).await.unwrap();
    let last_day = start + (days - 1) * MILLIS_PER_DAY;
    backdate(&app.redis, "emptied", start - HOUR, &[start + HOUR, last_day + 9 * HOUR]);
    assert_eq!(posted(&mut c, "emptied", period, "10").await, 100 * (days - 1));
    // Asked again: the first posting, which is also what the history says.
    for (id, rate, micro) in [("evening", "3.65", 3_650_000), ("emptied", "10", 10_000_000)] {
        assert_eq!(posted(&mut c, id, period, rate).await, reference(&app, id, period, micro).await, "{id}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_funds_still_earn() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    let (period, start) = last_month();
    create(&mut c, "held", "USD").await;
    c.deposit(deposit_req("held", usd(3650, 0), "")).await.unwrap();
    let hold = v1::CreateHoldRequest {
        account_id: "held".into(),
        amount: usd(3000, 0),
        request_id: "h-1".into(),
        memo: String::new(),
        expire_time: None,
    };
    c.create_hold(hold).await.unwrap();
    backdate(&app.redis, "held", start - HOUR, &[start - HOUR / 2, start + HOUR]);
    // The whole balance earns every day: 3650.00 × 10% × days / 365.
    let days = i64::from(period.days());
    assert_eq!(posted(&mut c, "held", period, "10").await, 100 * days);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_31_day_month_near_the_balance_ceiling_is_exact() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    // The last month of 31 days that a server posts (at most 12 months back).
    let mut period = InterestPeriod::containing(now_millis()).before();
    while period.days() != 31 {
        period = period.before();
    }
    let (start, _) = period.bounds_millis();
    // 9,990,000,000,000.00 (the ceiling is 10^13 units), leaving room for the
    // month's interest; balance-days of 3.1e16 are beyond a double's exact
    // integers (2^53 ~ 9.0e15).
    create(&mut c, "ceiling", "USD").await;
    c.deposit(deposit_req("ceiling", usd(9_990_000_000_000, 0), "")).await.unwrap();
    c.deposit(deposit_req("ceiling", money("USD", 0, 70_000_000), "")).await.unwrap(); // 0.07
    backdate(&app.redis, "ceiling", start - HOUR, &[start - HOUR / 2, start + 5 * MILLIS_PER_DAY]);
    let got = posted(&mut c, "ceiling", period, "1.000001").await;
    assert_eq!(got, reference(&app, "ceiling", period, 1_000_001).await);
    // Worked out by hand: (999_000_000_000_000 × 31 + 7 × 26) × 1_000_001 / 3.65e10.
    let exact = half_even((999_000_000_000_000_i128 * 31 + 7 * 26) * 1_000_001, 36_500_000_000);
    assert_eq!(i128::from(got), exact, "{got}");
    app.stop().await;
}

/// Random lives: deposits, withdrawals (some refused), holds and transfers among
/// a few accounts, some opened before the month and some during it, each entry
/// at a random moment of the month. Every posting equals the figure computed
/// here from the history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_histories_earn_what_their_history_says() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    let (period, start) = last_month();
    let end = period.bounds_millis().1;
    let mut g = Lcg(0x1234_5678);
    const ACCOUNTS: usize = 6;
    let ids: Vec<String> = (0..ACCOUNTS).map(|i| format!("r-{i}")).collect();
    for id in &ids {
        create(&mut c, id, "USD").await;
    }
    for n in 0..120 {
        let id = g.pick(&ids);
        let units = 1 + g.below(2_000) as i64;
        match g.below(4) {
            0 => drop(c.deposit(deposit_req(&id, money("USD", units, 0), "")).await.unwrap()),
            1 => drop(c.withdraw(withdraw_req(&id, money("USD", units / 5, 0), "")).await),
            2 => {
                let hold = v1::CreateHoldRequest {
                    account_id: id.clone(),
                    amount: money("USD", 1 + g.below(50) as i64, 0),
                    request_id: format!("h-{n}"),
                    memo: String::new(),
                    expire_time: None,
                };
                drop(c.create_hold(hold).await);
            }
            _ => {
                let to = g.pick(&ids);
                let t = v1::TransferRequest {
                    from_account_id: id.clone(),
                    to_account_id: to,
                    amount: money("USD", 1 + g.below(300) as i64, 0),
                    request_id: format!("t-{n}"),
                    memo: String::new(),
                };
                drop(c.transfer(t).await);
            }
        }
    }
    let store = store(&app.redis);
    for (i, id) in ids.iter().enumerate() {
        let entries = store.history(&account_id(id)).await.unwrap().len();
        // Half opened before the month, half on a random day of it.
        let opened = if i % 2 == 0 { start - 3 * HOUR } else { start + g.below(20) as i64 * MILLIS_PER_DAY };
        let mut times: Vec<i64> =
            (0..entries).map(|_| opened + 1 + g.below((end - opened - 1) as u64) as i64).collect();
        times.sort_unstable();
        backdate(&app.redis, id, opened, &times);
    }
    let mut postings = Vec::new();
    for id in &ids {
        let got = posted(&mut c, id, period, "7.3").await;
        assert_eq!(got, reference(&app, id, period, 7_300_000).await, "{id}");
        postings.push(got);
    }
    eprintln!("random histories: postings {postings:?}");
    assert!(postings.iter().filter(|p| **p > 0).count() >= ACCOUNTS / 2, "{postings:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_whose_history_is_archived_is_refused_not_guessed() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    let (period, start) = last_month();
    create(&mut c, "arch", "USD").await;
    c.deposit(deposit_req("arch", usd(100, 0), "")).await.unwrap();
    c.deposit(deposit_req("arch", usd(100, 0), "")).await.unwrap();
    backdate(&app.redis, "arch", start - HOUR, &[start + HOUR, start + 3 * MILLIS_PER_DAY]);
    // The first entry archived (as `redbank archive` does): the month's first
    // days can no longer be known.
    let store = store(&app.redis);
    let (point, entries) = store.archivable(&account_id("arch"), start + MILLIS_PER_DAY, 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    store.trim_archived(&account_id("arch"), &point, &entries).await.unwrap();
    let refused = c.apply_interest(post("arch", period, "5", "")).await;
    assert_eq!(code_reason(refused), (Code::FailedPrecondition, "HISTORY_ARCHIVED".into()));
    let a = c.get_account(v1::GetAccountRequest { account_id: "arch".into() }).await.unwrap().into_inner();
    assert_eq!((cents(&a.balance), a.version), (20_000, 2), "nothing posted");
    app.stop().await;
}

/// The classic service keeps its meaning: CalculateInterest is the rate applied
/// to the balance now, whatever the month behind it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_classic_interest_call_is_unchanged() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    let (_, start) = last_month();
    create(&mut c, "legacy", "USD").await;
    c.deposit(deposit_req("legacy", usd(800, 0), "")).await.unwrap();
    backdate(&app.redis, "legacy", start + 20 * MILLIS_PER_DAY, &[start + 20 * MILLIS_PER_DAY + HOUR]);
    let mut classic = app.classic().await;
    let r = classic
        .calculate_interest(InterestRequest { account_id: "legacy".into(), annual_interest_rate: 5.0 })
        .await
        .unwrap()
        .into_inner();
    // The classic demo: 800.00 at 5% is 40.00, a year's interest on the balance now.
    assert_eq!(r.balance, 840.0);
    app.stop().await;
}

fn statement_req(id: &str, (start, end): (i64, i64)) -> v1::GetStatementRequest {
    let at = |ms: i64| Some(prost_types::Timestamp { seconds: ms / 1000, nanos: 0 });
    v1::GetStatementRequest {
        account_id: id.into(),
        start_time: at(start),
        end_time: at(end),
        page_size: 0,
        page_token: String::new(),
    }
}

/// A month's statement shows the month's interest: posted, or, for the month
/// under way, what the account has earned so far (on the days that have ended, at
/// the rate of its last posting), not yet paid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_months_statement_shows_its_interest_posted_or_earned_so_far() {
    let app = spawn_app().await;
    let mut c = app.v1().await;
    let (period, start) = last_month();
    create(&mut c, "stated", "USD").await;
    c.deposit(deposit_req("stated", usd(3650, 0), "")).await.unwrap();
    backdate(&app.redis, "stated", start - HOUR, &[start - HOUR / 2]);
    // Before any posting: no rate to show anything at.
    let st = c.get_statement(statement_req("stated", period.bounds_millis())).await.unwrap().into_inner();
    assert_eq!(st.interest, None);
    let paid = posted(&mut c, "stated", period, "3.65").await;
    let month_days = i128::from(period.days());
    assert_eq!(i128::from(paid), half_even(365 * month_days, 10), "0.365 a day");
    let st = c.get_statement(statement_req("stated", period.bounds_millis())).await.unwrap().into_inner();
    let i = st.interest.expect("the posted month's interest");
    assert_eq!((cents(&i.amount), i.annual_rate_percent.as_str(), i.posted), (paid, "3.65", true));
    // This month: the days that have ended so far, at 3.65%, not yet paid.
    let this_month = period.after();
    let ended = || (now_millis() - this_month.bounds_millis().0) / MILLIS_PER_DAY;
    let before = ended();
    let st = c.get_statement(statement_req("stated", this_month.bounds_millis())).await.unwrap().into_inner();
    let after = ended();
    let i = st.interest.expect("the interest earned so far");
    assert!(!i.posted && i.annual_rate_percent == "3.65", "{i:?}");
    let days = i64::from(i.days);
    assert!(days == before || days == after, "{days} days, {before} or {after} expected");
    assert_eq!(cents(&i.amount), i64::try_from(half_even(i128::from(365 * days), 10)).unwrap(), "{i:?}");
    // Any other period than a calendar month: none.
    let (s, e) = this_month.bounds_millis();
    let st = c.get_statement(statement_req("stated", (s, e - MILLIS_PER_DAY))).await.unwrap().into_inner();
    assert_eq!(st.interest, None);
    app.stop().await;
}

/// The console's statement of a month shows its interest too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consoles_statement_shows_the_months_interest() {
    let (redis, server, web) = console(&[]).await;
    let hash = redbank_bank::password::hash(PASSWORD).unwrap();
    let ada = redbank_domain::UserName::parse("ada").unwrap();
    store(&redis).console().create_user(&ada, &redbank_domain::Grant::Admin, &hash).await.unwrap();
    let mut c = redbank_api::v1::bank_client::BankClient::new(channel(server.addr).await);
    let (period, start) = last_month();
    create(&mut c, "shown", "USD").await;
    c.deposit(deposit_req("shown", usd(3650, 0), "")).await.unwrap();
    backdate(&redis, "shown", start - HOUR, &[start - HOUR / 2]);
    let paid = posted(&mut c, "shown", period, "3.65").await;
    let session = session_of(web, "ada").await;
    let (status, _, page) =
        http(web, "GET", &format!("/accounts/shown/statement?month={period}"), &session, "").await;
    assert_eq!(status, 200, "{page}");
    let shown = format!("{}.{:02} USD at 3.65% a year, posted", paid / 100, paid % 100);
    assert!(page.contains("id=\"interest\"") && page.contains(&shown), "{shown} in {page}");
}
