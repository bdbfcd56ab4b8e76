//! The authorization policy: one table, every operation of the bank × every role.
//!
//! Operations, not front-end methods: a gRPC deposit, a classic deposit and the
//! console's deposit form are one operation, [`Operation::Deposit`], with one row.
//! The gRPC transport looks its method's operation up here before it reads the
//! request (AIP-211: permission before validation); every operation of [`Bank`]
//! checks it again, so that no front end can forget to. `Own` means "only on the
//! principal's own accounts": which accounts those are is decided in Redis, inside
//! the same atomic script as the change (or the same read), never by a separate
//! look-up that could race it.
//!
//! [`Bank`]: crate::Bank

use redbank_domain::{CustomerId, Error, Principal, Role};
use redbank_store::StoreError;

/// Every operation of the bank that someone must be allowed to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    OpenAccount,
    GetAccount,
    Deposit,
    Withdraw,
    ApplyInterest,
    Transfer,
    ListTransactions,
    GetStatement,
    FreezeAccount,
    UnfreezeAccount,
    CloseAccount,
    ListAccounts,
    CreateHold,
    CaptureHold,
    VoidHold,
    GetHold,
    ListHolds,
    CreateApiKey,
    ListApiKeys,
    RevokeApiKey,
    /// The month's interest for every account, as one job.
    RunInterest,
    /// The invariant checker over every account.
    RunCheck,
    /// Console users: made, listed, disabled, enabled, given a new password.
    ManageConsoleUsers,
    /// The console's audit trail: who signed in, who made which key or user.
    ReadAuditTrail,
    /// Following an account's changes as they happen (Events/Subscribe).
    FollowAccount,
    /// Following every account's changes (Events/Subscribe without an account).
    FollowAllAccounts,
    /// Webhooks: made, listed, deleted, their deliveries read and redelivered.
    ManageWebhooks,
}

/// What a role may do with an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Refused: PERMISSION_DENIED (before the request is read, on gRPC).
    Denied,
    /// Only on accounts the principal's customer id owns (for OpenAccount: the new
    /// account is owned by it; for Transfer: the source account).
    Own,
    /// On any account.
    Any,
}

use Access::{Any, Denied, Own};

impl Operation {
    pub const ALL: [Operation; 27] = [
        Operation::OpenAccount,
        Operation::GetAccount,
        Operation::Deposit,
        Operation::Withdraw,
        Operation::ApplyInterest,
        Operation::Transfer,
        Operation::ListTransactions,
        Operation::GetStatement,
        Operation::FreezeAccount,
        Operation::UnfreezeAccount,
        Operation::CloseAccount,
        Operation::ListAccounts,
        Operation::CreateHold,
        Operation::CaptureHold,
        Operation::VoidHold,
        Operation::GetHold,
        Operation::ListHolds,
        Operation::CreateApiKey,
        Operation::ListApiKeys,
        Operation::RevokeApiKey,
        Operation::RunInterest,
        Operation::RunCheck,
        Operation::ManageConsoleUsers,
        Operation::ReadAuditTrail,
        Operation::FollowAccount,
        Operation::FollowAllAccounts,
        Operation::ManageWebhooks,
    ];

    /// The row of the table: access for (customer, teller, auditor, admin).
    const fn row(&self) -> [Access; 4] {
        match self {
            //                                       customer teller  auditor admin
            Operation::OpenAccount => [Own, Any, Denied, Any],
            Operation::GetAccount => [Own, Any, Any, Any],
            Operation::Deposit => [Own, Any, Denied, Any],
            Operation::Withdraw => [Own, Any, Denied, Any],
            Operation::ApplyInterest => [Denied, Denied, Denied, Any],
            Operation::Transfer => [Own, Any, Denied, Any],
            Operation::ListTransactions => [Own, Any, Any, Any],
            Operation::GetStatement => [Own, Any, Any, Any],
            Operation::FreezeAccount => [Own, Any, Denied, Any],
            Operation::UnfreezeAccount => [Denied, Any, Denied, Any],
            Operation::CloseAccount => [Denied, Denied, Denied, Any],
            Operation::ListAccounts => [Own, Any, Any, Any],
            // A hold is on its account; a capture moves the account's money, as a
            // transfer from it does.
            Operation::CreateHold | Operation::CaptureHold | Operation::VoidHold => [Own, Any, Denied, Any],
            Operation::GetHold | Operation::ListHolds => [Own, Any, Any, Any],
            Operation::CreateApiKey | Operation::ListApiKeys | Operation::RevokeApiKey => {
                [Denied, Denied, Denied, Any]
            }
            // A webhook sends every account's changes out of the bank.
            Operation::RunInterest
            | Operation::RunCheck
            | Operation::ManageConsoleUsers
            | Operation::ManageWebhooks => [Denied, Denied, Denied, Any],
            // Staff read what the console did, as they read every account's history.
            Operation::ReadAuditTrail => [Denied, Any, Any, Any],
            // Following an account is reading its history as it grows.
            Operation::FollowAccount => [Own, Any, Any, Any],
            // Every account's changes: staff, who read every account's history.
            Operation::FollowAllAccounts => [Denied, Any, Any, Any],
        }
    }

    /// The operation's name in logs: snake_case, as machines match it
    /// (`apply_interest`, not `ApplyInterest`).
    pub fn name(&self) -> String {
        let mut name = String::new();
        for (i, c) in format!("{self:?}").chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        }
        name
    }

    /// Whether the operation changes anything (for the audit of denials and the docs).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Operation::GetAccount
                | Operation::GetHold
                | Operation::ListHolds
                | Operation::ListTransactions
                | Operation::GetStatement
                | Operation::ListAccounts
                | Operation::ListApiKeys
                | Operation::ReadAuditTrail
                | Operation::FollowAccount
                | Operation::FollowAllAccounts
                | Operation::RunCheck
        )
    }
}

/// The policy: what `role` may do with `operation`.
pub fn access(operation: Operation, role: Role) -> Access {
    let row = operation.row();
    match role {
        Role::Customer => row[0],
        Role::Teller => row[1],
        Role::Auditor => row[2],
        Role::Admin => row[3],
    }
}

/// Whether `by` may perform `operation` at all (on its own accounts, for `Own`).
pub fn allows(operation: Operation, by: &Principal) -> bool {
    access(operation, by.grant.role()) != Denied
}

/// Refuses `by` an operation its role may not perform at all.
pub(crate) fn authorize(operation: Operation, by: &Principal) -> Result<(), StoreError> {
    if allows(operation, by) { Ok(()) } else { Err(StoreError::Refused(Error::PermissionDenied)) }
}

/// Whether `by` may see the other side of a transfer or a capture (the other
/// account's balance and entry): staff may; a customer only when it owns that
/// account too.
pub fn sees_counterparty(by: &Principal, other_owner: Option<&CustomerId>) -> bool {
    match by.grant.role() {
        Role::Customer => by.required_owner() == other_owner,
        _ => true,
    }
}

/// What `by` may learn of who made an entry: a customer is not told who made a
/// transfer into its account from outside it (that would name another customer's
/// credential). The entry, its amount and the account it came from stay; its actor
/// is kept only when it is the customer's own. Staff see every actor.
pub fn show_actor(by: &Principal, entry: &mut redbank_domain::Transaction) {
    if by.grant.role() == Role::Customer
        && entry.kind == redbank_domain::TransactionKind::TransferIn
        && entry.actor.as_ref() != Some(&by.actor)
    {
        entry.actor = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_auditor_never_writes_and_an_admin_does_everything() {
        for op in Operation::ALL {
            assert_eq!(access(op, Role::Admin), Any, "{op:?}");
            let auditor = access(op, Role::Auditor);
            let reads = !op.writes() && !matches!(op, Operation::ListApiKeys | Operation::RunCheck);
            assert_eq!(auditor == Any, reads, "{op:?}");
            // Nobody but a customer is limited to its own accounts.
            assert_ne!(access(op, Role::Teller), Own, "{op:?}");
        }
    }

    #[test]
    fn what_a_customer_and_a_teller_may_not_do() {
        for op in [
            Operation::ApplyInterest,
            Operation::UnfreezeAccount,
            Operation::CloseAccount,
            Operation::CreateApiKey,
            Operation::ListApiKeys,
            Operation::RevokeApiKey,
            Operation::RunInterest,
            Operation::RunCheck,
            Operation::ManageConsoleUsers,
            Operation::ReadAuditTrail,
        ] {
            assert_eq!(access(op, Role::Customer), Denied, "{op:?}");
        }
        for op in [
            Operation::ApplyInterest,
            Operation::CloseAccount,
            Operation::CreateApiKey,
            Operation::RunInterest,
            Operation::ManageConsoleUsers,
        ] {
            assert_eq!(access(op, Role::Teller), Denied, "{op:?}");
        }
    }

    #[test]
    fn a_customer_sees_the_other_side_only_of_its_own_accounts() {
        let c1 = CustomerId::parse("c1").unwrap();
        let c2 = CustomerId::parse("c2").unwrap();
        let customer = Principal {
            actor: redbank_domain::Actor::anonymous(),
            grant: redbank_domain::Grant::Customer(c1.clone()),
        };
        assert!(sees_counterparty(&customer, Some(&c1)));
        assert!(!sees_counterparty(&customer, Some(&c2)));
        assert!(!sees_counterparty(&customer, None));
        let teller = Principal { grant: redbank_domain::Grant::Teller, ..customer.clone() };
        assert!(sees_counterparty(&teller, Some(&c2)));
        assert!(sees_counterparty(&teller, None));
    }

    fn principal(grant: redbank_domain::Grant) -> Principal {
        Principal { actor: redbank_domain::Actor::operator(), grant }
    }

    #[test]
    fn operations_are_named_in_snake_case() {
        assert_eq!(Operation::ApplyInterest.name(), "apply_interest");
        assert_eq!(Operation::GetAccount.name(), "get_account");
        assert_eq!(Operation::FollowAccount.name(), "follow_account");
        assert!(
            Operation::ALL.iter().all(|op| op.name().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        );
    }

    #[test]
    fn allows_and_authorize_follow_the_table_for_every_role() {
        let customer =
            principal(redbank_domain::Grant::Customer(redbank_domain::CustomerId::parse("c1").unwrap()));
        let roles = [
            (Role::Customer, customer),
            (Role::Teller, principal(redbank_domain::Grant::Teller)),
            (Role::Auditor, principal(redbank_domain::Grant::Auditor)),
            (Role::Admin, principal(redbank_domain::Grant::Admin)),
        ];
        let (mut allowed, mut refused) = (0, 0);
        for op in Operation::ALL {
            for (role, by) in &roles {
                let may = access(op, *role) != Denied;
                assert_eq!(allows(op, by), may, "{op:?} {role:?}");
                match authorize(op, by) {
                    Ok(()) => {
                        assert!(may, "{op:?} {role:?}");
                        allowed += 1;
                    }
                    Err(StoreError::Refused(Error::PermissionDenied)) => {
                        assert!(!may, "{op:?} {role:?}");
                        refused += 1;
                    }
                    Err(other) => panic!("{other:?}"),
                }
            }
        }
        assert!(allowed > 0 && refused > 0);
    }

    fn entry(kind: redbank_domain::TransactionKind, actor: &str) -> redbank_domain::Transaction {
        let usd = redbank_domain::Currency::parse("USD").unwrap();
        redbank_domain::Transaction {
            id: "1-0".into(),
            account_id: redbank_domain::AccountId::parse("c1-chk").unwrap(),
            kind,
            amount: redbank_domain::Money::from_minor(usd, 100),
            balance_after: redbank_domain::Money::from_minor(usd, 100),
            request_id: None,
            memo: redbank_domain::Memo::default(),
            create_time_millis: 0,
            account_version: 1,
            counterparty: None,
            transfer_id: None,
            counterparty_version: None,
            actor: Some(redbank_domain::Actor::parse(actor).unwrap()),
        }
    }

    #[test]
    fn a_customer_is_shown_only_its_own_actor_on_money_in_from_elsewhere() {
        use redbank_domain::TransactionKind::{Deposit, TransferIn, TransferOut};
        let c1 = redbank_domain::Grant::Customer(redbank_domain::CustomerId::parse("c1").unwrap());
        let me =
            Principal { actor: redbank_domain::Actor::parse("key:1111111111111111").unwrap(), grant: c1 };
        let shown = |by: &Principal, kind, actor: &str| {
            let mut e = entry(kind, actor);
            show_actor(by, &mut e);
            e.actor.map(|a| a.to_string())
        };
        let other = "key:2222222222222222";
        assert_eq!(shown(&me, TransferIn, other), None, "another's credential withheld");
        assert_eq!(shown(&me, TransferIn, "key:1111111111111111").as_deref(), Some("key:1111111111111111"));
        assert_eq!(shown(&me, TransferOut, other).as_deref(), Some(other), "only money in from elsewhere");
        assert_eq!(shown(&me, Deposit, other).as_deref(), Some(other), "the bank's own changes are named");
        for grant in
            [redbank_domain::Grant::Teller, redbank_domain::Grant::Auditor, redbank_domain::Grant::Admin]
        {
            let staff = Principal { actor: me.actor.clone(), grant };
            assert_eq!(shown(&staff, TransferIn, other).as_deref(), Some(other), "staff see every actor");
        }
    }
}
