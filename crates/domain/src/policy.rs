//! The authorization policy: one table, every method of every service × every role.
//!
//! The server looks a call up here before it reads the request (AIP-211: permission
//! before validation). `Own` means "only on the principal's own accounts": which
//! accounts those are is decided in Redis, inside the same atomic script as the
//! change (or the same read), never by a separate look-up that could race it.

use crate::principal::Role;

/// Every method the server serves behind authentication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    // redbank.v1.Bank
    CreateAccount,
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
    // redbank.v1.ApiKeys
    CreateApiKey,
    ListApiKeys,
    RevokeApiKey,
    // The classic BankService
    ClassicCreateAccount,
    ClassicGetBalance,
    ClassicDeposit,
    ClassicWithdraw,
    ClassicCalculateInterest,
}

/// What a role may do with a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Refused: PERMISSION_DENIED before the request is read.
    Denied,
    /// Only on accounts the principal's customer id owns (for CreateAccount: the new
    /// account is owned by it; for Transfer: the source account).
    Own,
    /// On any account.
    Any,
}

use Access::{Any, Denied, Own};

impl Method {
    pub const ALL: [Method; 24] = [
        Method::CreateAccount,
        Method::GetAccount,
        Method::Deposit,
        Method::Withdraw,
        Method::ApplyInterest,
        Method::Transfer,
        Method::ListTransactions,
        Method::GetStatement,
        Method::FreezeAccount,
        Method::UnfreezeAccount,
        Method::CloseAccount,
        Method::ListAccounts,
        Method::CreateHold,
        Method::CaptureHold,
        Method::VoidHold,
        Method::GetHold,
        Method::CreateApiKey,
        Method::ListApiKeys,
        Method::RevokeApiKey,
        Method::ClassicCreateAccount,
        Method::ClassicGetBalance,
        Method::ClassicDeposit,
        Method::ClassicWithdraw,
        Method::ClassicCalculateInterest,
    ];

    /// The gRPC path: `/package.Service/Method`.
    pub fn path(&self) -> &'static str {
        match self {
            Method::CreateAccount => "/redbank.v1.Bank/CreateAccount",
            Method::GetAccount => "/redbank.v1.Bank/GetAccount",
            Method::Deposit => "/redbank.v1.Bank/Deposit",
            Method::Withdraw => "/redbank.v1.Bank/Withdraw",
            Method::ApplyInterest => "/redbank.v1.Bank/ApplyInterest",
            Method::Transfer => "/redbank.v1.Bank/Transfer",
            Method::ListTransactions => "/redbank.v1.Bank/ListTransactions",
            Method::GetStatement => "/redbank.v1.Bank/GetStatement",
            Method::FreezeAccount => "/redbank.v1.Bank/FreezeAccount",
            Method::UnfreezeAccount => "/redbank.v1.Bank/UnfreezeAccount",
            Method::CloseAccount => "/redbank.v1.Bank/CloseAccount",
            Method::ListAccounts => "/redbank.v1.Bank/ListAccounts",
            Method::CreateHold => "/redbank.v1.Bank/CreateHold",
            Method::CaptureHold => "/redbank.v1.Bank/CaptureHold",
            Method::VoidHold => "/redbank.v1.Bank/VoidHold",
            Method::GetHold => "/redbank.v1.Bank/GetHold",
            Method::CreateApiKey => "/redbank.v1.ApiKeys/CreateApiKey",
            Method::ListApiKeys => "/redbank.v1.ApiKeys/ListApiKeys",
            Method::RevokeApiKey => "/redbank.v1.ApiKeys/RevokeApiKey",
            Method::ClassicCreateAccount => "/BankService/CreateAccount",
            Method::ClassicGetBalance => "/BankService/GetBalance",
            Method::ClassicDeposit => "/BankService/Deposit",
            Method::ClassicWithdraw => "/BankService/Withdraw",
            Method::ClassicCalculateInterest => "/BankService/CalculateInterest",
        }
    }

    pub fn from_path(path: &str) -> Option<Method> {
        Self::ALL.into_iter().find(|m| m.path() == path)
    }

    /// The row of the table: access for (customer, teller, auditor, admin).
    /// The classic methods have the rows of the v1 methods they are.
    const fn row(&self) -> [Access; 4] {
        match self {
            //                                       customer teller  auditor admin
            Method::CreateAccount | Method::ClassicCreateAccount => [Own, Any, Denied, Any],
            Method::GetAccount | Method::ClassicGetBalance => [Own, Any, Any, Any],
            Method::Deposit | Method::ClassicDeposit => [Own, Any, Denied, Any],
            Method::Withdraw | Method::ClassicWithdraw => [Own, Any, Denied, Any],
            Method::ApplyInterest | Method::ClassicCalculateInterest => [Denied, Denied, Denied, Any],
            Method::Transfer => [Own, Any, Denied, Any],
            Method::ListTransactions => [Own, Any, Any, Any],
            Method::GetStatement => [Own, Any, Any, Any],
            Method::FreezeAccount => [Own, Any, Denied, Any],
            Method::UnfreezeAccount => [Denied, Any, Denied, Any],
            Method::CloseAccount => [Denied, Denied, Denied, Any],
            Method::ListAccounts => [Own, Any, Any, Any],
            // A hold is on its account; a capture moves the account's money, as a
            // transfer from it does.
            Method::CreateHold | Method::CaptureHold | Method::VoidHold => [Own, Any, Denied, Any],
            Method::GetHold => [Own, Any, Any, Any],
            Method::CreateApiKey | Method::ListApiKeys | Method::RevokeApiKey => {
                [Denied, Denied, Denied, Any]
            }
        }
    }

    /// Whether the method changes anything (for the audit of denials and the docs).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Method::GetAccount
                | Method::GetHold
                | Method::ListTransactions
                | Method::GetStatement
                | Method::ListAccounts
                | Method::ListApiKeys
                | Method::ClassicGetBalance
        )
    }
}

/// The policy: what `role` may do with `method`.
pub fn access(method: Method, role: Role) -> Access {
    let row = method.row();
    match role {
        Role::Customer => row[0],
        Role::Teller => row[1],
        Role::Auditor => row[2],
        Role::Admin => row[3],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_unique_and_round_trip() {
        for m in Method::ALL {
            assert_eq!(Method::from_path(m.path()), Some(m));
        }
        assert_eq!(Method::from_path("/redbank.v1.Bank/Nope"), None);
    }

    #[test]
    fn an_auditor_never_writes_and_an_admin_does_everything() {
        for m in Method::ALL {
            assert_eq!(access(m, Role::Admin), Any, "{m:?}");
            let auditor = access(m, Role::Auditor);
            assert_eq!(auditor == Any, !m.writes() && !matches!(m, Method::ListApiKeys), "{m:?}");
            // Nobody but a customer is limited to its own accounts.
            assert_ne!(access(m, Role::Teller), Own, "{m:?}");
        }
    }

    #[test]
    fn the_issue_lists_what_a_customer_may_not_do() {
        for m in [
            Method::ApplyInterest,
            Method::ClassicCalculateInterest,
            Method::UnfreezeAccount,
            Method::CloseAccount,
            Method::CreateApiKey,
            Method::ListApiKeys,
            Method::RevokeApiKey,
        ] {
            assert_eq!(access(m, Role::Customer), Denied, "{m:?}");
        }
        for m in [Method::ApplyInterest, Method::CloseAccount, Method::CreateApiKey] {
            assert_eq!(access(m, Role::Teller), Denied, "{m:?}");
        }
    }
}
