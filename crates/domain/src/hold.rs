//! Holds: money reserved on an account, later captured (moved to another account,
//! wholly or in part) or released (voided by a client, or expired by the service).
//!
//! A hold lowers the account's available balance, never its balance: the balance
//! changes only when a capture moves money. The same mechanism carries a transfer
//! between two Redis Cluster slots (a hold on the source, a credit of the target,
//! then the capture), so a hold's id is also that transfer's id.

use std::fmt;

use crate::limits::{HOLD_DURATION_MAX_SECS, HOLD_DURATION_MIN_SECS};
use crate::{AccountId, Actor, Amount, Error, Memo, Money};

/// A hold's id: its account's id, `:h`, and 16 lower-case hex digits chosen by the
/// server. The account part routes a capture or a void to the account's slot
/// without a look-up; the `h` keeps hold ids apart from same-slot transfer ids
/// (`<account>:<version>`, decimal).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HoldId {
    account: AccountId,
    nonce: String,
}

impl HoldId {
    /// Digits of the server-chosen part.
    pub const NONCE_LEN: usize = 16;

    pub fn parse(s: &str) -> Result<Self, Error> {
        let (account, nonce) = s.rsplit_once(":h").ok_or(Error::InvalidHoldId)?;
        let account = AccountId::parse(account).map_err(|_| Error::InvalidHoldId)?;
        Self::new(account, nonce)
    }

    /// A hold id from its parts; `nonce` must be [`Self::NONCE_LEN`] lower-case hex digits.
    pub fn new(account: AccountId, nonce: &str) -> Result<Self, Error> {
        let hex =
            nonce.len() == Self::NONCE_LEN && nonce.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if hex { Ok(Self { account, nonce: nonce.to_owned() }) } else { Err(Error::InvalidHoldId) }
    }

    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The server-chosen part, which names the hold's key under its account.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }
}

impl fmt::Display for HoldId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:h{}", self.account, self.nonce)
    }
}

/// Where a hold is in its life. `Open` and `Capturing` count in the account's held
/// balance; the other three are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HoldState {
    /// Reserved; may be captured or voided, and expires at its expire time.
    Open,
    /// A capture is under way: the target is being credited in its own slot. Only
    /// the capture's completion (or the target's refusal) moves it on.
    Capturing,
    Captured,
    Voided,
    /// Voided by the service at its expire time.
    Expired,
}

impl HoldState {
    pub const ALL: [HoldState; 5] =
        [Self::Open, Self::Capturing, Self::Captured, Self::Voided, Self::Expired];

    /// The stored form.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Capturing => "capturing",
            Self::Captured => "captured",
            Self::Voided => "voided",
            Self::Expired => "expired",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the hold still reserves its amount.
    pub fn holds_funds(&self) -> bool {
        matches!(self, Self::Open | Self::Capturing)
    }
}

impl fmt::Display for HoldState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What a hold is for: a client's hold, or the first step of a transfer between
/// two cluster slots (created already capturing, to its target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldPurpose {
    Hold,
    Transfer,
}

impl HoldPurpose {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Hold => "hold",
            Self::Transfer => "transfer",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Hold, Self::Transfer].into_iter().find(|p| p.code() == code)
    }
}

/// A hold as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub id: HoldId,
    pub purpose: HoldPurpose,
    pub state: HoldState,
    /// The amount reserved.
    pub amount: Money,
    pub memo: Memo,
    /// Milliseconds since the Unix epoch, from the Redis clock.
    pub create_time_millis: i64,
    /// When the service voids it if still open.
    pub expire_time_millis: i64,
    /// Once a capture started: its target and amount.
    pub capture_to: Option<AccountId>,
    pub capture_amount: Option<Money>,
    /// When the hold reached its final state; 0 while open or capturing.
    pub settle_time_millis: i64,
    pub actor: Option<Actor>,
}

/// A hold's life span, checked against the server's clock: the hold must expire
/// in the future, at most [`HOLD_DURATION_MAX_SECS`] ahead.
pub fn hold_expiry(now_millis: i64, expire_millis: Option<i64>) -> Result<i64, Error> {
    let Some(expire) = expire_millis else {
        return Ok(now_millis + crate::limits::HOLD_DURATION_DEFAULT_SECS * 1000);
    };
    let ahead = expire - now_millis;
    if !(HOLD_DURATION_MIN_SECS * 1000..=HOLD_DURATION_MAX_SECS * 1000).contains(&ahead) {
        return Err(Error::InvalidExpireTime);
    }
    Ok(expire)
}

/// A request for a hold, as the domain sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRequest {
    pub account: AccountId,
    pub amount: Amount,
    /// None: the default duration.
    pub expire_time_millis: Option<i64>,
}

impl HoldRequest {
    /// The idempotency fingerprint: every parameter, the memo included.
    pub fn fingerprint(&self, memo: &Memo) -> String {
        format!(
            "hold|{}|{}|{}|{}",
            self.amount.currency(),
            self.amount.minor(),
            self.expire_time_millis.map(|t| t.to_string()).unwrap_or_default(),
            memo.as_str()
        )
    }
}

/// A capture: up to the held amount, to another account; the rest is released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capture {
    pub hold: HoldId,
    pub to: AccountId,
    /// None: the whole hold.
    pub amount: Option<Amount>,
}

impl Capture {
    pub fn new(hold: HoldId, to: AccountId, amount: Option<Amount>) -> Result<Self, Error> {
        if &to == hold.account() {
            return Err(Error::SameAccount);
        }
        Ok(Self { hold, to, amount })
    }

    pub fn fingerprint(&self, memo: &Memo) -> String {
        let amount = self.amount.map(|a| format!("{}|{}", a.currency(), a.minor())).unwrap_or_default();
        format!("capture|{}|{}|{amount}|{}", self.hold, self.to, memo.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_ids_round_trip_and_refuse_what_is_not_one() {
        let id = HoldId::parse("acct-1.x:h0123456789abcdef").unwrap();
        assert_eq!(id.account().as_str(), "acct-1.x");
        assert_eq!(id.nonce(), "0123456789abcdef");
        assert_eq!(HoldId::parse(&id.to_string()), Ok(id));
        for bad in [
            "",
            "a:h",
            "a:0123456789abcdef",
            "a:h0123456789ABCDEF",
            "a:h0123456789abcde",
            ":h0123456789abcdef",
            "a{b:h0123456789abcdef",
            "a:h0123456789abcdef0",
        ] {
            assert_eq!(HoldId::parse(bad), Err(Error::InvalidHoldId), "{bad:?}");
        }
    }

    #[test]
    fn expiry_is_in_the_future_and_bounded() {
        let now = 1_000_000_000_000;
        assert_eq!(hold_expiry(now, Some(now + 60_000)), Ok(now + 60_000));
        assert_eq!(hold_expiry(now, Some(now)), Err(Error::InvalidExpireTime));
        assert_eq!(hold_expiry(now, Some(now - 1)), Err(Error::InvalidExpireTime));
        let max = now + HOLD_DURATION_MAX_SECS * 1000;
        assert_eq!(hold_expiry(now, Some(max)), Ok(max));
        assert_eq!(hold_expiry(now, Some(max + 1)), Err(Error::InvalidExpireTime));
        assert!(hold_expiry(now, None).unwrap() > now);
    }

    #[test]
    fn states_round_trip() {
        for s in HoldState::ALL {
            assert_eq!(HoldState::from_code(s.code()), Some(s));
        }
        assert!(HoldState::Capturing.holds_funds() && !HoldState::Expired.holds_funds());
    }
}
