//! Console users: made, disabled, enabled and given a new password, by the
//! console's admin and the operator's command line alike. A password is the one
//! given (checked against the policy) or one made here (20 hex digits: 80 random
//! bits), returned once to be shown once.

use redbank_domain::{Error, Grant, Principal, UserName};
use redbank_store::StoreError;
use redbank_store::console::ConsoleUser;

use crate::policy::{Operation, authorize};
use crate::{Bank, password};

/// Random bytes of a password made for a user.
const MADE_PASSWORD_BYTES: usize = 10;

/// The password given, or a new one; the second is the one to show, if made.
fn password_of(given: Option<&str>) -> Result<(String, Option<String>), StoreError> {
    match given {
        Some(given) => {
            password::check_policy(given)?;
            Ok((given.to_owned(), None))
        }
        None => {
            let made = password::token(MADE_PASSWORD_BYTES).map_err(StoreError::Corrupt)?;
            Ok((made.clone(), Some(made)))
        }
    }
}

fn hash(password: &str) -> Result<String, StoreError> {
    password::hash(password).map_err(StoreError::Corrupt)
}

/// Users asked of Redis per SSCAN call when listing them.
const USERS_READ: usize = 100;

impl Bank {
    /// Makes a user (USER_EXISTS if the name is taken). Answers the password made,
    /// if none was given.
    pub async fn create_user(
        &self,
        by: &Principal,
        name: &UserName,
        grant: &Grant,
        password: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        authorize(Operation::ManageConsoleUsers, by)?;
        if !by.grant.may_grant(grant) {
            return Err(Error::PermissionDenied.into());
        }
        let (password, made) = password_of(password)?;
        self.store.console().create_user(name, grant, &hash(&password)?).await?;
        Ok(made)
    }

    /// Disables a user (its sessions end at once) or lets it sign in again.
    pub async fn set_user_disabled(
        &self,
        by: &Principal,
        name: &UserName,
        disabled: bool,
    ) -> Result<(), StoreError> {
        authorize(Operation::ManageConsoleUsers, by)?;
        self.store.console().set_user_disabled(name, disabled).await
    }

    /// Gives a user a new password (its sessions end at once). Answers the password
    /// made, if none was given.
    pub async fn reset_password(
        &self,
        by: &Principal,
        name: &UserName,
        password: Option<&str>,
    ) -> Result<Option<String>, StoreError> {
        authorize(Operation::ManageConsoleUsers, by)?;
        let (password, made) = password_of(password)?;
        self.store.console().set_user_password(name, &hash(&password)?).await?;
        Ok(made)
    }

    /// A user, for signing in and for each signed-in request (no principal yet:
    /// this is how one is found).
    pub async fn console_user(&self, name: &UserName) -> Result<Option<ConsoleUser>, StoreError> {
        self.store.console().console_user(name).await
    }

    /// The console's users from `cursor` on (Redis's SSCAN cursor; 0 to start), by
    /// name, read a page at a time until there are at least `at_least` or none is
    /// left; and where to go on from (0: the end). For those who manage them, from
    /// the console and the command line alike.
    pub async fn console_users(
        &self,
        by: &Principal,
        cursor: u64,
        at_least: usize,
    ) -> Result<(Vec<ConsoleUser>, u64), StoreError> {
        authorize(Operation::ManageConsoleUsers, by)?;
        let (mut users, mut cursor) = (Vec::new(), cursor);
        loop {
            let (page, next) = self.store.console().console_users(cursor, USERS_READ).await?;
            users.extend(page);
            cursor = next;
            if cursor == 0 || users.len() >= at_least {
                break;
            }
        }
        users.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
        Ok((users, cursor))
    }
}
