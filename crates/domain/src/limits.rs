//! Named limits of the domain. Each one is enforced by a constructor in this crate
//! and documented in docs/API.md ("Limits").

/// Largest amount of one deposit, withdrawal or interest posting, in minor units.
///
/// Balances are kept as integers in Redis and handled as Lua numbers (IEEE doubles)
/// inside the atomic scripts, which are exact only below 2^53 ≈ 9.007e15. With both
/// an amount and a balance at most 10^15, their sum stays below 2^53, so no
/// arithmetic anywhere can overflow or lose a cent.
pub const MAX_AMOUNT_MINOR: i64 = 1_000_000_000_000_000;

/// Largest balance an account may hold, in minor units (10^13 dollars for USD).
pub const MAX_BALANCE_MINOR: i64 = 1_000_000_000_000_000;

/// Longest account id, in characters.
pub const ACCOUNT_ID_MAX_LEN: usize = 64;

/// Longest customer id, in characters.
pub const CUSTOMER_ID_MAX_LEN: usize = 64;

/// Longest actor name (`key:<id>`, `jwt:<subject>`), in characters.
pub const ACTOR_MAX_LEN: usize = 128;

/// Longest description of an API key, in characters.
pub const KEY_DESCRIPTION_MAX_CHARS: usize = 256;

/// Longest request id, in characters.
pub const REQUEST_ID_MAX_LEN: usize = 64;

/// Longest memo, in characters (Unicode scalar values).
pub const MEMO_MAX_CHARS: usize = 256;

/// Interest rates are held in millionths of a percent: "4.25" is 4_250_000.
pub const RATE_DECIMALS: u32 = 6;

/// The highest interest-rate ceiling a server may be configured with, in percent.
/// It keeps `rate * days` below 4e11, which the Lua interest arithmetic relies on.
pub const RATE_CEILING_MAX_PERCENT: u64 = 1000;

/// Interest may be applied for at most this many days at once.
pub const INTEREST_DAYS_MAX: u32 = 366;

/// Days in the year of the simple-interest convention (actual/365 fixed).
pub const DAYS_PER_YEAR: u32 = 365;

/// Entries per ListTransactions page when the request names no size.
pub const TRANSACTIONS_PAGE_SIZE_DEFAULT: usize = 50;

/// Most entries per ListTransactions page.
pub const TRANSACTIONS_PAGE_SIZE_MAX: usize = 500;

/// Accounts per ListAccounts page when the request names no size.
pub const ACCOUNTS_PAGE_SIZE_DEFAULT: usize = 100;

/// Most accounts per ListAccounts page (a hint: SCAN may return a few more).
pub const ACCOUNTS_PAGE_SIZE_MAX: usize = 500;

/// Entries per GetStatement page when the request names no size.
pub const STATEMENT_PAGE_SIZE_DEFAULT: usize = 1000;

/// Most entries per GetStatement page. With memos of at most 256 characters an
/// entry encodes to under 1.5 KB, so a page stays far below the 4 MiB that
/// standard gRPC clients accept.
pub const STATEMENT_PAGE_SIZE_MAX: usize = 1000;

/// A hold expires at least this long after it is made...
pub const HOLD_DURATION_MIN_SECS: i64 = 1;

/// ...and at most this long (a year and a day: escrow outlasts card authorizations).
pub const HOLD_DURATION_MAX_SECS: i64 = 366 * 24 * 60 * 60;

/// A hold made without an expire time expires after this long (a week, as card
/// authorizations usually do).
pub const HOLD_DURATION_DEFAULT_SECS: i64 = 7 * 24 * 60 * 60;

/// Most holds open (or capturing) on one account at once: each is a key in Redis
/// that a client makes the server keep.
pub const OPEN_HOLDS_MAX: usize = 1000;

/// Open holds per ListHolds page: 50 when not asked, at most 100.
pub const HOLDS_PAGE_SIZE_DEFAULT: usize = 50;
pub const HOLDS_PAGE_SIZE_MAX: usize = 100;

/// Longest console user name, in characters.
pub const USER_NAME_MAX_LEN: usize = 64;

/// Shortest console password, in characters...
pub const PASSWORD_MIN_CHARS: usize = 12;

/// ...and longest (argon2 takes any length; this bounds the work a sign-in asks for).
pub const PASSWORD_MAX_CHARS: usize = 256;

/// Statement reads (an API page, or a console statement and its CSV, read whole)
/// one principal may have in flight at once on one replica: a customer fetching
/// its own long statement many times at once holds Redis and a core from
/// everyone else otherwise.
pub const LARGE_READS_PER_PRINCIPAL: usize = 2;

/// Webhooks one bank keeps: each is worked on by one replica at a time, and every
/// replica looks at each.
pub const WEBHOOKS_MAX: usize = 100;

/// Deliveries (attempts) of one webhook remembered for ListDeliveries; older ones go.
pub const WEBHOOK_ATTEMPTS_KEPT: usize = 1000;
