//! Which bank operation each gRPC method is: the table the transport checks the
//! policy by before a request is read. The classic methods are the operations they
//! are (`CalculateInterest` is interest); a path not here is served to nobody.

use redbank_bank::Operation;

/// Every method served behind authentication, and its operation.
pub const ROUTES: [(&str, Operation); 31] = [
    ("/redbank.v1.Bank/CreateAccount", Operation::OpenAccount),
    ("/redbank.v1.Bank/GetAccount", Operation::GetAccount),
    ("/redbank.v1.Bank/Deposit", Operation::Deposit),
    ("/redbank.v1.Bank/Withdraw", Operation::Withdraw),
    ("/redbank.v1.Bank/ApplyInterest", Operation::ApplyInterest),
    ("/redbank.v1.Bank/Transfer", Operation::Transfer),
    ("/redbank.v1.Bank/ListTransactions", Operation::ListTransactions),
    ("/redbank.v1.Bank/GetStatement", Operation::GetStatement),
    ("/redbank.v1.Bank/FreezeAccount", Operation::FreezeAccount),
    ("/redbank.v1.Bank/UnfreezeAccount", Operation::UnfreezeAccount),
    ("/redbank.v1.Bank/CloseAccount", Operation::CloseAccount),
    ("/redbank.v1.Bank/ListAccounts", Operation::ListAccounts),
    ("/redbank.v1.Bank/CreateHold", Operation::CreateHold),
    ("/redbank.v1.Bank/CaptureHold", Operation::CaptureHold),
    ("/redbank.v1.Bank/VoidHold", Operation::VoidHold),
    ("/redbank.v1.Bank/GetHold", Operation::GetHold),
    ("/redbank.v1.Bank/ListHolds", Operation::ListHolds),
    ("/redbank.v1.ApiKeys/CreateApiKey", Operation::CreateApiKey),
    ("/redbank.v1.ApiKeys/ListApiKeys", Operation::ListApiKeys),
    ("/redbank.v1.ApiKeys/RevokeApiKey", Operation::RevokeApiKey),
    ("/redbank.v1.Events/Subscribe", Operation::FollowAccount),
    ("/redbank.v1.Webhooks/CreateWebhook", Operation::ManageWebhooks),
    ("/redbank.v1.Webhooks/ListWebhooks", Operation::ManageWebhooks),
    ("/redbank.v1.Webhooks/DeleteWebhook", Operation::ManageWebhooks),
    ("/redbank.v1.Webhooks/ListDeliveries", Operation::ManageWebhooks),
    ("/redbank.v1.Webhooks/Redeliver", Operation::ManageWebhooks),
    ("/BankService/CreateAccount", Operation::OpenAccount),
    ("/BankService/GetBalance", Operation::GetAccount),
    ("/BankService/Deposit", Operation::Deposit),
    ("/BankService/Withdraw", Operation::Withdraw),
    ("/BankService/CalculateInterest", Operation::ApplyInterest),
];

/// The operation of the method at `path`, if it is one.
pub fn operation(path: &str) -> Option<Operation> {
    ROUTES.iter().find(|(p, _)| *p == path).map(|(_, op)| *op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_unique() {
        for (i, (path, op)) in ROUTES.iter().enumerate() {
            assert_eq!(operation(path), Some(*op));
            assert!(ROUTES[..i].iter().all(|(p, _)| p != path), "{path} twice");
        }
        assert_eq!(operation("/redbank.v1.Bank/Nope"), None);
    }
}
