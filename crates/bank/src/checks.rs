//! The invariant checker over every account, as an operation.

use redbank_domain::Principal;
use redbank_store::StoreError;
use redbank_store::check::CheckReport;

use crate::Bank;
use crate::policy::{Operation, authorize};

impl Bank {
    /// Walks every account's history and checks every invariant (`redbank check`).
    pub async fn check(&self, by: &Principal) -> Result<CheckReport, StoreError> {
        authorize(Operation::RunCheck, by)?;
        redbank_store::check::check(&self.store).await
    }
}
