//! Who makes a call: a principal, its role and, for a customer, the customer id it
//! acts for. Credentials (API keys, tokens) are turned into a [`Principal`] by the
//! server; the domain only knows what a principal may be.

use std::fmt;

use crate::Error;
use crate::ids::key_safe;
use crate::limits::{ACTOR_MAX_LEN, CUSTOMER_ID_MAX_LEN, USER_NAME_MAX_LEN};

/// A customer id: 1 to [`CUSTOMER_ID_MAX_LEN`] characters of `A-Z a-z 0-9 . _ -`,
/// the alphabet of account ids (so that it can be part of a Redis key, hash tag
/// included, without changing the layout).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomerId(String);

impl CustomerId {
    pub fn parse(s: &str) -> Result<Self, Error> {
        if key_safe(s, CUSTOMER_ID_MAX_LEN) { Ok(Self(s.to_owned())) } else { Err(Error::InvalidCustomerId) }
    }

    /// The proto3 convention: an empty string means "none".
    pub fn parse_optional(s: &str) -> Result<Option<Self>, Error> {
        if s.is_empty() { Ok(None) } else { Self::parse(s).map(Some) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A console user's name: 1 to [`USER_NAME_MAX_LEN`] characters of `A-Z a-z 0-9 .
/// _ -` (part of Redis keys, like account ids). Changes made in the console record
/// `web:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserName(String);

impl UserName {
    pub fn parse(s: &str) -> Result<Self, Error> {
        if key_safe(s, USER_NAME_MAX_LEN) { Ok(Self(s.to_owned())) } else { Err(Error::InvalidUserName) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Who the history records for this user's changes.
    pub fn actor(&self) -> Actor {
        Actor(format!("web:{}", self.0))
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The public part of an API key: 16 lower-case hex digits (64 random bits). It
/// names the key in lists, logs and the history (`key:<id>`); the secret beside
/// it in the credential is what proves possession.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    pub const LEN: usize = 16;

    pub fn parse(s: &str) -> Result<Self, Error> {
        let ok = s.len() == Self::LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if ok { Ok(Self(s.to_owned())) } else { Err(Error::InvalidKeyId) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The actor that a change made with this key records.
    pub fn actor(&self) -> Actor {
        Actor(format!("key:{}", self.0))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The four roles. What each may do is [`crate::policy::access`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Its own accounts only.
    Customer,
    /// Any account's reads and everyday changes.
    Teller,
    /// Every read, no write.
    Auditor,
    /// Everything, credentials included.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Customer, Role::Teller, Role::Auditor, Role::Admin];

    /// The lower-case name: the stored form, the CLI's and the JWT claim's.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Teller => "teller",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Error> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or(Error::InvalidRole)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role with what it needs: a customer always has its customer id, staff never
/// has one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Grant {
    Customer(CustomerId),
    Teller,
    Auditor,
    Admin,
}

impl Grant {
    /// A role and a customer id as stored or claimed: a customer needs one, staff
    /// may not have one.
    pub fn new(role: Role, customer: Option<CustomerId>) -> Result<Self, Error> {
        match (role, customer) {
            (Role::Customer, Some(c)) => Ok(Grant::Customer(c)),
            (Role::Customer, None) => Err(Error::CustomerIdRequired),
            (_, Some(_)) => Err(Error::CustomerIdNotAllowed),
            (Role::Teller, None) => Ok(Grant::Teller),
            (Role::Auditor, None) => Ok(Grant::Auditor),
            (Role::Admin, None) => Ok(Grant::Admin),
        }
    }

    pub fn role(&self) -> Role {
        match self {
            Grant::Customer(_) => Role::Customer,
            Grant::Teller => Role::Teller,
            Grant::Auditor => Role::Auditor,
            Grant::Admin => Role::Admin,
        }
    }

    pub fn customer(&self) -> Option<&CustomerId> {
        match self {
            Grant::Customer(c) => Some(c),
            _ => None,
        }
    }

    /// Whether a principal with this grant may give `other` to a new credential:
    /// only an admin hands out credentials, and nobody hands out more than it has.
    pub fn may_grant(&self, _other: &Grant) -> bool {
        matches!(self, Grant::Admin)
    }
}

/// Who made a change, as the history records it: `key:<key id>` for an API key,
/// `jwt:<subject>` for a token, `operator` for the command line with Redis access,
/// `anonymous` when the server runs with `--auth off`. 1 to [`ACTOR_MAX_LEN`]
/// printable ASCII characters without spaces, so that it can sit in a record whose
/// fields are joined by NUL bytes and in one line of a log.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Actor(String);

impl Actor {
    pub fn parse(s: &str) -> Result<Self, Error> {
        let ok = !s.is_empty() && s.len() <= ACTOR_MAX_LEN && s.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if ok { Ok(Self(s.to_owned())) } else { Err(Error::InvalidActor) }
    }

    /// The actor of every call when authentication is off.
    pub fn anonymous() -> Self {
        Self("anonymous".to_owned())
    }

    /// The actor of the operator's commands that speak to Redis directly.
    pub fn operator() -> Self {
        Self("operator".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The authenticated maker of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub actor: Actor,
    pub grant: Grant,
}

impl Principal {
    /// Everyone, when the server runs with `--auth off` (loopback only).
    pub fn anonymous_admin() -> Self {
        Self { actor: Actor::anonymous(), grant: Grant::Admin }
    }

    /// The operator's commands that speak to Redis directly (`redbank keys create
    /// --redis-url`, `redbank check`, tools and tests): whoever can reach Redis can
    /// do everything anyway.
    pub fn operator() -> Self {
        Self { actor: Actor::operator(), grant: Grant::Admin }
    }

    /// Whether this is [`Principal::operator`] (without making one to compare).
    pub fn is_operator(&self) -> bool {
        self.actor.0 == "operator" && self.grant == Grant::Admin
    }

    /// The service itself, for what it does on its own: a hold voided at its
    /// expiry. (A capture finished by the recovery worker keeps the actor of the
    /// call that started it.)
    pub fn service() -> Self {
        Self { actor: Actor("service".to_owned()), grant: Grant::Admin }
    }

    /// The owner a change must find on the account: the customer's id for a
    /// customer, none for staff.
    pub fn required_owner(&self) -> Option<&CustomerId> {
        self.grant.customer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_needs_a_customer_id_and_staff_may_not_have_one() {
        let c = CustomerId::parse("c-1").unwrap();
        assert_eq!(Grant::new(Role::Customer, Some(c.clone())), Ok(Grant::Customer(c.clone())));
        assert_eq!(Grant::new(Role::Customer, None), Err(Error::CustomerIdRequired));
        for staff in [Role::Teller, Role::Auditor, Role::Admin] {
            assert_eq!(Grant::new(staff, Some(c.clone())), Err(Error::CustomerIdNotAllowed));
            assert_eq!(Grant::new(staff, None).map(|g| g.role()), Ok(staff));
        }
    }

    #[test]
    fn roles_and_ids_parse_strictly() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        for bad in ["", "Admin", "root", "admin "] {
            assert_eq!(Role::parse(bad), Err(Error::InvalidRole), "{bad:?}");
        }
        for bad in ["", "a b", "a{b}", "a:b", &"c".repeat(65)] {
            assert_eq!(CustomerId::parse(bad), Err(Error::InvalidCustomerId), "{bad:?}");
        }
        for bad in ["", "a b", "a\0b", "é", &"k".repeat(129)] {
            assert_eq!(Actor::parse(bad), Err(Error::InvalidActor), "{bad:?}");
        }
        assert!(Actor::parse("jwt:auth0|5f7c8ec7c33c6c004bbafe82").is_ok());
    }

    #[test]
    fn only_an_admin_grants() {
        let c = Grant::Customer(CustomerId::parse("c").unwrap());
        for g in [c.clone(), Grant::Teller, Grant::Auditor] {
            assert!(!g.may_grant(&Grant::Teller));
        }
        assert!(Grant::Admin.may_grant(&c) && Grant::Admin.may_grant(&Grant::Admin));
    }

    #[test]
    fn only_the_operator_is_the_operator() {
        assert!(Principal::operator().is_operator());
        let operator_named = Actor::parse("operator").unwrap();
        for other in [
            Principal::anonymous_admin(),
            Principal::service(),
            Principal { actor: operator_named.clone(), grant: Grant::Teller },
            Principal { actor: Actor::parse("jwt:operator").unwrap(), grant: Grant::Admin },
        ] {
            assert!(!other.is_operator(), "{other:?}");
        }
        assert!(Principal { actor: operator_named, grant: Grant::Admin }.is_operator());
    }
}
