//! Hostile input against both services: random requests with edge-case strings,
//! doubles, integers, currencies and sizes, and raw bytes that are not protobuf.
//! Every answer must be a success or a clean refusal with a reason; nothing may be
//! INTERNAL, UNKNOWN or UNAVAILABLE; the server must stay healthy; and the invariant
//! checker must pass at the end.
//!
//! A fixed seed and 1,500 inputs run in CI; for a long run:
//!     REDBANK_FUZZ_CASES=200000 cargo test --release -p redbank-server --test it hostile
//! (REDBANK_FUZZ_SEED picks another seed).

use std::collections::BTreeMap;

use prost_types::Timestamp;
use redbank_api::classic::{self, bank_service_client::BankServiceClient};
use redbank_api::v1;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_types::StatusExt;

use crate::helpers::*;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Gen(Lcg);

impl Gen {
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        self.0.pick(items)
    }

    fn string(&mut self) -> String {
        match self.0.below(12) {
            0..=3 => self.pick(&["h-0", "h-1", "h-2", "h-jpy", "h-new"]).to_owned(),
            4 => String::new(),
            5 => "a".repeat(self.pick(&[63, 64, 65, 256, 257])),
            6 => (0..self.0.below(40))
                .map(|_| char::from_u32(self.0.below(0x11_0000) as u32).unwrap_or('\u{fffd}'))
                .collect(),
            7 => (0..self.0.below(20)).map(|_| char::from(self.0.below(32) as u8)).collect(),
            8 => self
                .pick(&[
                    "{x}", "a:b", "a b", "\u{0}", "é", "💸", "-1", "1e3", "NaN", "4.25", "12.50", "0.001",
                ])
                .to_owned(),
            9 => "z".repeat(100_000),
            _ => (0..self.0.below(70)).map(|_| char::from(0x20 + self.0.below(95) as u8)).collect(),
        }
    }

    fn f64(&mut self) -> f64 {
        match self.0.below(10) {
            0 => f64::NAN,
            1 => self.pick(&[
                f64::INFINITY,
                f64::NEG_INFINITY,
                -0.0,
                0.0,
                f64::MAX,
                f64::MIN,
                5e-324,
                f64::MIN_POSITIVE,
            ]),
            2 => f64::from_bits(self.0.next_u64() << 31 | self.0.next_u64()),
            3 => -(self.0.below(100_000) as f64) / 100.0,
            4 => self.0.below(1_000_000) as f64 / 1000.0,
            _ => self.0.below(100_000) as f64 / 100.0 + 0.01,
        }
    }

    fn units(&mut self) -> i64 {
        match self.0.below(6) {
            0 => self.pick(&[i64::MAX, i64::MIN, -1, 0]),
            1 => 10_000_000_000_000,
            _ => self.0.below(500) as i64,
        }
    }

    fn nanos(&mut self) -> i32 {
        match self.0.below(5) {
            0 => self.pick(&[i32::MAX, i32::MIN, -1, 1, 999_999_999, -999_999_999, 1_000_000_000]),
            1 => self.0.below(1_000_000_000) as i32,
            _ => (self.0.below(100) * 10_000_000) as i32,
        }
    }

    fn money(&mut self) -> Option<v1::Money> {
        if self.0.below(15) == 0 {
            return None;
        }
        let currency_code = match self.0.below(6) {
            0 => self.string(),
            1 => self.pick(&["JPY", "BHD", "usd", "XAU", "EUR", ""]).to_owned(),
            _ => "USD".to_owned(),
        };
        Some(v1::Money { currency_code, units: self.units(), nanos: self.nanos() })
    }

    fn timestamp(&mut self) -> Option<Timestamp> {
        match self.0.below(4) {
            0 => None,
            1 => Some(Timestamp {
                seconds: self.pick(&[i64::MIN, -1, 0, i64::MAX, 253_402_300_800]),
                nanos: self.nanos(),
            }),
            _ => Some(Timestamp { seconds: 1_700_000_000 + self.0.below(400_000_000) as i64, nanos: 0 }),
        }
    }

    fn i32(&mut self) -> i32 {
        match self.0.below(3) {
            0 => self.pick(&[i32::MIN, -1, 0, 1, 366, 367, 500, 501, i32::MAX]),
            _ => self.0.below(400) as i32,
        }
    }
}

/// Records one answer; fails on anything that is not a clean refusal.
fn judge<T>(what: &str, result: Result<T, tonic::Status>, codes: &mut BTreeMap<String, u64>) {
    let key = match result {
        Ok(_) => "OK".to_owned(),
        Err(s) => {
            assert!(
                matches!(
                    s.code(),
                    Code::InvalidArgument
                        | Code::NotFound
                        | Code::AlreadyExists
                        | Code::FailedPrecondition
                        | Code::OutOfRange
                        | Code::ResourceExhausted
                ),
                "{what}: {s:?}"
            );
            // Every failure carries an ErrorInfo, the transport's (a message too
            // large) included.
            let info = s.get_details_error_info().unwrap_or_else(|| panic!("{what}: no ErrorInfo in {s:?}"));
            assert_eq!(info.domain, "redbank");
            assert!(!info.reason.is_empty() && info.reason.len() <= 63);
            format!("{:?}", s.code())
        }
    };
    *codes.entry(key).or_default() += 1;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_clean_refusals_and_change_nothing_wrongly() {
    let app = spawn_app().await;
    let mut v1c = app.v1().await;
    let mut cl = BankServiceClient::new(channel(app.addr).await);
    for id in ["h-0", "h-1", "h-2"] {
        create(&mut v1c, id, "USD").await;
        v1c.deposit(deposit_req(id, usd(1000, 0), "")).await.unwrap();
    }
    create(&mut v1c, "h-jpy", "JPY").await;

    let cases = env("REDBANK_FUZZ_CASES", 1500);
    let mut g = Gen(Lcg(env("REDBANK_FUZZ_SEED", 20_261_125)));
    let mut codes: BTreeMap<String, u64> = BTreeMap::new();
    for _ in 0..cases {
        let method = g.0.below(18);
        match method {
            0 => judge(
                "CreateAccount",
                v1c.create_account(v1::CreateAccountRequest {
                    customer_id: String::new(),
                    account_id: g.string(),
                    r#type: g.i32() % 4,
                    currency_code: g.string(),
                    request_id: g.string(),
                })
                .await,
                &mut codes,
            ),
            1 => judge(
                "GetAccount",
                v1c.get_account(v1::GetAccountRequest { account_id: g.string() }).await,
                &mut codes,
            ),
            2 => judge(
                "Deposit",
                v1c.deposit(v1::DepositRequest {
                    account_id: g.string(),
                    amount: g.money(),
                    request_id: g.string(),
                    memo: g.string(),
                })
                .await,
                &mut codes,
            ),
            3 => judge(
                "Withdraw",
                v1c.withdraw(v1::WithdrawRequest {
                    account_id: g.string(),
                    amount: g.money(),
                    request_id: g.string(),
                    memo: g.string(),
                })
                .await,
                &mut codes,
            ),
            4 => judge(
                "ApplyInterest",
                v1c.apply_interest(v1::ApplyInterestRequest {
                    account_id: g.string(),
                    annual_rate_percent: g.string(),
                    days: g.i32(),
                    request_id: g.string(),
                    memo: g.string(),
                    period: g.pick(&["", "2026-11", "2026-13", "x"]).to_owned(),
                })
                .await,
                &mut codes,
            ),
            5 => judge(
                "Transfer",
                v1c.transfer(v1::TransferRequest {
                    from_account_id: g.string(),
                    to_account_id: g.string(),
                    amount: g.money(),
                    request_id: g.string(),
                    memo: g.string(),
                })
                .await,
                &mut codes,
            ),
            6 => judge(
                "ListTransactions",
                v1c.list_transactions(v1::ListTransactionsRequest {
                    account_id: g.string(),
                    page_size: g.i32(),
                    page_token: g.string(),
                    start_time: g.timestamp(),
                    end_time: g.timestamp(),
                    kinds: vec![g.i32() % 10],
                })
                .await,
                &mut codes,
            ),
            7 => judge(
                "GetStatement",
                v1c.get_statement(v1::GetStatementRequest {
                    account_id: g.string(),
                    start_time: g.timestamp(),
                    end_time: g.timestamp(),
                    page_size: g.i32(),
                    page_token: g.string(),
                })
                .await,
                &mut codes,
            ),
            8 => judge(
                "FreezeAccount",
                v1c.freeze_account(v1::FreezeAccountRequest {
                    account_id: g.string(),
                    reason: g.string(),
                    request_id: g.string(),
                })
                .await,
                &mut codes,
            ),
            9 => judge(
                "UnfreezeAccount",
                v1c.unfreeze_account(v1::UnfreezeAccountRequest {
                    account_id: g.string(),
                    reason: g.string(),
                    request_id: g.string(),
                })
                .await,
                &mut codes,
            ),
            10 => judge(
                "CloseAccount",
                v1c.close_account(v1::CloseAccountRequest {
                    account_id: g.string(),
                    reason: g.string(),
                    request_id: g.string(),
                })
                .await,
                &mut codes,
            ),
            11 => judge(
                "ListAccounts",
                v1c.list_accounts(v1::ListAccountsRequest {
                    page_size: g.i32(),
                    page_token: g.string(),
                    customer_id: g.string(),
                })
                .await,
                &mut codes,
            ),
            12 => judge(
                "classic CreateAccount",
                cl.create_account(classic::AccountRequest {
                    account_id: g.string(),
                    account_type: g.pick(&["savings", "Checking", "", "loan"]).to_owned(),
                })
                .await,
                &mut codes,
            ),
            13 => judge(
                "classic GetBalance",
                cl.get_balance(classic::AccountRequest { account_id: g.string(), account_type: g.string() })
                    .await,
                &mut codes,
            ),
            14 => judge(
                "classic Deposit",
                cl.deposit(classic::DepositRequest { account_id: g.string(), amount: g.f64() }).await,
                &mut codes,
            ),
            15 => judge(
                "classic Withdraw",
                cl.withdraw(classic::WithdrawRequest { account_id: g.string(), amount: g.f64() }).await,
                &mut codes,
            ),
            16 => judge(
                "classic CalculateInterest",
                cl.calculate_interest(classic::InterestRequest {
                    account_id: g.string(),
                    annual_interest_rate: g.f64(),
                })
                .await,
                &mut codes,
            ),
            _ => {
                // Bytes that are not (or not quite) protobuf, to any method of either service.
                let path = g.pick(&[
                    "/redbank.v1.Bank/Deposit",
                    "/redbank.v1.Bank/Transfer",
                    "/redbank.v1.Bank/CreateAccount",
                    "/BankService/Deposit",
                    "/BankService/CalculateInterest",
                ]);
                let len = g.0.below(64) as usize;
                let mut body: Vec<u8> = (0..len).map(|_| g.0.below(256) as u8).collect();
                if g.0.below(2) == 0 {
                    // A field header that promises more bytes than follow.
                    body = vec![0x0a, 0xff, 0xff, 0x03, b'x'];
                }
                let mut grpc = tonic::client::Grpc::new(channel(app.addr).await);
                grpc.ready().await.unwrap();
                let r = grpc
                    .unary(
                        tonic::Request::new(body),
                        tonic::codegen::http::uri::PathAndQuery::from_static(path),
                        RawCodec,
                    )
                    .await;
                judge(path, r, &mut codes);
            }
        }
    }
    eprintln!("hostile inputs: {cases}, answers: {codes:?}");
    assert_eq!(codes.values().sum::<u64>(), cases);
    assert!(codes.get("InvalidArgument").copied().unwrap_or(0) > cases / 4, "{codes:?}");
    assert!(codes.contains_key("OK"), "some inputs are valid and must succeed: {codes:?}");
    assert_eq!(health(app.addr).await, Some(ServingStatus::Serving));
    assert_invariants(&app.redis).await;
    app.stop().await;
}
