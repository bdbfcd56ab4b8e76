//! The web console's users and sessions, kept in Redis so that any replica serves
//! any browser: a user (its password's argon2id hash, role, customer, whether it is
//! disabled, and an epoch that every disable and password reset moves), a session
//! (whose user and at which epoch, its CSRF token, when it began; it expires when
//! idle), and the counters that throttle sign-in attempts.
//!
//! A session is valid only while its user's epoch is the one it was made at: moving
//! the epoch ends every session of the user at once, without finding them.

use std::collections::HashMap;
use std::time::Duration;

use redbank_domain::{CustomerId, Error, Grant, Role, UserName};

use crate::keys;
use crate::{Executor, Store, StoreError};

/// A console user as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleUser {
    pub name: UserName,
    pub grant: Grant,
    /// The password's hash, as the console encodes it (never the password).
    pub password_hash: String,
    pub disabled: bool,
    pub epoch: u64,
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    pub user: UserName,
    pub epoch: u64,
    pub csrf: String,
    /// When it began, ms since the epoch (for the absolute timeout).
    pub created_millis: i64,
}

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(what)
}

/// The console's records: a handle on the store's executor, so that console data
/// is its own room and shares the one way to Redis.
#[derive(Clone, Copy)]
pub struct Console<'a> {
    exec: &'a Executor,
}

impl Store {
    /// The console's users, sessions, sign-in counters, jobs and audit trail.
    pub fn console(&self) -> Console<'_> {
        Console { exec: &self.exec }
    }
}

impl Console<'_> {
    /// Creates a user; USER_EXISTS if the name is taken.
    pub async fn create_user(
        &self,
        name: &UserName,
        grant: &Grant,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        // The index first (another slot on a cluster): a crash between the two
        // leaves a name without a user, which the listing skips, never a user that
        // cannot be listed.
        let _: i64 = self.exec.query(redis::cmd("SADD").arg(keys::CONSOLE_USERS).arg(name.as_str())).await?;
        let created: bool = self
            .exec
            .query(redis::cmd("HSETNX").arg(keys::console_user(name)).arg("pw").arg(password_hash))
            .await?;
        if !created {
            return Err(StoreError::Refused(Error::UserExists(name.to_string())));
        }
        let mut cmd = redis::cmd("HSET");
        cmd.arg(keys::console_user(name)).arg("role").arg(grant.role().as_str()).arg("epoch").arg(1);
        if let Some(customer) = grant.customer() {
            cmd.arg("customer").arg(customer.as_str());
        }
        self.exec.query(&cmd).await
    }

    /// One page of the users, in no particular order, from `cursor` (Redis's SSCAN cursor: 0 to
    /// start; the next one comes back, 0 when done), about `page_size` a page.
    pub async fn console_users(
        &self,
        cursor: u64,
        page_size: usize,
    ) -> Result<(Vec<ConsoleUser>, u64), StoreError> {
        let (next, names): (u64, Vec<String>) = self
            .exec
            .query(redis::cmd("SSCAN").arg(keys::CONSOLE_USERS).arg(cursor).arg("COUNT").arg(page_size))
            .await?;
        let mut users = Vec::with_capacity(names.len());
        for name in names {
            let name = UserName::parse(&name).map_err(|_| corrupt(format!("user index: {name:?}")))?;
            if let Some(user) = self.console_user(&name).await? {
                users.push(user);
            }
        }
        Ok((users, next))
    }

    /// A user, or None.
    pub async fn console_user(&self, name: &UserName) -> Result<Option<ConsoleUser>, StoreError> {
        let fields: HashMap<String, String> =
            self.exec.query(redis::cmd("HGETALL").arg(keys::console_user(name))).await?;
        if fields.is_empty() {
            return Ok(None);
        }
        let field = |f: &str| fields.get(f).map(String::as_str).unwrap_or_default();
        let role = Role::parse(field("role")).map_err(|_| corrupt(format!("user {name}: role")))?;
        let customer = CustomerId::parse_optional(field("customer"))
            .map_err(|_| corrupt(format!("user {name}: customer")))?;
        let grant = Grant::new(role, customer).map_err(|_| corrupt(format!("user {name}: grant")))?;
        Ok(Some(ConsoleUser {
            name: name.clone(),
            grant,
            password_hash: field("pw").to_owned(),
            disabled: field("disabled") == "1",
            epoch: field("epoch").parse().map_err(|_| corrupt(format!("user {name}: epoch")))?,
        }))
    }

    /// Disables (or enables again) a user: a disable ends its sessions at once.
    pub async fn set_user_disabled(&self, name: &UserName, disabled: bool) -> Result<(), StoreError> {
        self.change_user(name, &["disabled", if disabled { "1" } else { "" }]).await
    }

    /// Sets a user's password hash, ending its sessions.
    pub async fn set_user_password(&self, name: &UserName, password_hash: &str) -> Result<(), StoreError> {
        self.change_user(name, &["pw", password_hash]).await
    }

    /// Sets fields of an existing user and moves its epoch, in one transaction.
    async fn change_user(&self, name: &UserName, fields: &[&str]) -> Result<(), StoreError> {
        if self.console_user(name).await?.is_none() {
            return Err(StoreError::Refused(Error::UserNotFound(name.to_string())));
        }
        let mut pipe = redis::pipe();
        pipe.atomic().cmd("HSET").arg(keys::console_user(name)).arg(fields).ignore();
        pipe.cmd("HINCRBY").arg(keys::console_user(name)).arg("epoch").arg(1).ignore();
        let mut conn = self.exec.conn.clone();
        self.exec.call(pipe.query_async::<()>(&mut conn)).await
    }

    /// Records a new session, expiring after `idle` without use.
    pub async fn create_session(
        &self,
        id: &str,
        session: &ConsoleSession,
        idle: Duration,
    ) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic()
            .cmd("HSET")
            .arg(keys::console_session(id))
            .arg("user")
            .arg(session.user.as_str())
            .arg("epoch")
            .arg(session.epoch)
            .arg("csrf")
            .arg(&session.csrf)
            .arg("ctime")
            .arg(session.created_millis)
            .ignore();
        pipe.cmd("PEXPIRE").arg(keys::console_session(id)).arg(idle.as_millis() as u64).ignore();
        let mut conn = self.exec.conn.clone();
        self.exec.call(pipe.query_async::<()>(&mut conn)).await
    }

    /// A session, its idle timer started again; None if it expired or never was.
    pub async fn touch_session(
        &self,
        id: &str,
        idle: Duration,
    ) -> Result<Option<ConsoleSession>, StoreError> {
        let mut pipe = redis::pipe();
        pipe.cmd("HGETALL").arg(keys::console_session(id));
        pipe.cmd("PEXPIRE").arg(keys::console_session(id)).arg(idle.as_millis() as u64).ignore();
        let mut conn = self.exec.conn.clone();
        let (fields,): (HashMap<String, String>,) = self.exec.call(pipe.query_async(&mut conn)).await?;
        if fields.is_empty() {
            return Ok(None);
        }
        let field = |f: &str| fields.get(f).cloned().unwrap_or_default();
        Ok(Some(ConsoleSession {
            user: UserName::parse(&field("user")).map_err(|_| corrupt("session: user".into()))?,
            epoch: field("epoch").parse().map_err(|_| corrupt("session: epoch".into()))?,
            csrf: field("csrf"),
            created_millis: field("ctime").parse().map_err(|_| corrupt("session: ctime".into()))?,
        }))
    }

    pub async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        self.exec.query(redis::cmd("DEL").arg(keys::console_session(id))).await
    }

    /// Reserves one sign-in attempt under each of `counters` (a name such as a
    /// user, an address, or both, with its limit of attempts in `window`), before
    /// the password is checked, so that attempts sent at once are counted as they
    /// come and at most a limit's worth is ever checked. All or none: when one
    /// counter is at its limit, those already taken are given back and the answer is
    /// false. Each counter's window starts with its first attempt. A sign-in that
    /// succeeds gives its attempts back ([`Store::release_sign_in`]): only failures
    /// stay counted.
    pub async fn reserve_sign_in(
        &self,
        counters: &[(&str, u64)],
        window: Duration,
    ) -> Result<bool, StoreError> {
        for (i, (what, limit)) in counters.iter().enumerate() {
            let key = keys::sign_in_counter(what);
            let mut pipe = redis::pipe();
            pipe.atomic().cmd("INCR").arg(&key);
            pipe.cmd("PEXPIRE").arg(&key).arg(window.as_millis() as u64).arg("NX").ignore();
            let mut conn = self.exec.conn.clone();
            let (count,): (u64,) = self.exec.call(pipe.query_async(&mut conn)).await?;
            if count > *limit {
                let taken: Vec<&str> = counters[..=i].iter().map(|(what, _)| *what).collect();
                self.release_sign_in(&taken).await?;
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Gives back one attempt under each of `counters` (never below zero, and never
    /// to a counter whose window ended: that would leave a key without expiry).
    pub async fn release_sign_in(&self, counters: &[&str]) -> Result<(), StoreError> {
        static RELEASE: std::sync::LazyLock<redis::Script> = std::sync::LazyLock::new(|| {
            redis::Script::new(
                "if (tonumber(redis.call('GET', KEYS[1]) or '0')) > 0 then redis.call('DECR', KEYS[1]) end return 0",
            )
        });
        for what in counters {
            let mut conn = self.exec.conn.clone();
            let invocation = RELEASE.key(keys::sign_in_counter(what));
            let _: i64 = self.exec.call(invocation.invoke_async(&mut conn)).await?;
        }
        Ok(())
    }
}

/// How long a job's record is kept.
pub const JOB_RECORD_TTL: Duration = Duration::from_secs(24 * 60 * 60);

impl Console<'_> {
    /// Records a job's fields (a new job, or its progress), keeping it for a day.
    pub async fn record_job(&self, id: &str, fields: &[(&str, String)]) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        let mut hset = redis::cmd("HSET");
        hset.arg(keys::console_job(id));
        for (k, v) in fields {
            hset.arg(*k).arg(v);
        }
        pipe.add_command(hset).ignore();
        pipe.cmd("EXPIRE").arg(keys::console_job(id)).arg(JOB_RECORD_TTL.as_secs()).ignore();
        let mut conn = self.exec.conn.clone();
        self.exec.call(pipe.query_async::<()>(&mut conn)).await
    }

    /// A job's fields; empty when there is no such job.
    pub async fn job(&self, id: &str) -> Result<HashMap<String, String>, StoreError> {
        self.exec.query(redis::cmd("HGETALL").arg(keys::console_job(id))).await
    }
}

/// Events the audit trail keeps, about (Redis trims whole nodes of the stream).
pub const AUDIT_LOG_MAX: usize = 100_000;

/// One event of the console's audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleEvent {
    /// When, ms since the epoch (from the stream id).
    pub millis: i64,
    pub who: String,
    pub what: String,
    pub target: String,
}

impl Console<'_> {
    /// Appends an event to the console's audit trail.
    pub async fn record_event(&self, who: &str, what: &str, target: &str) -> Result<(), StoreError> {
        let _: String = self
            .exec
            .query(
                redis::cmd("XADD")
                    .arg(crate::keys::CONSOLE_AUDIT_LOG)
                    .arg("MAXLEN")
                    .arg("~")
                    .arg(AUDIT_LOG_MAX)
                    .arg("*")
                    .arg("who")
                    .arg(who)
                    .arg("what")
                    .arg(what)
                    .arg("target")
                    .arg(target),
            )
            .await?;
        Ok(())
    }

    /// The latest `count` events, newest first.
    pub async fn events(&self, count: usize) -> Result<Vec<ConsoleEvent>, StoreError> {
        let entries: Vec<(String, HashMap<String, String>)> = self
            .exec
            .query(
                redis::cmd("XREVRANGE")
                    .arg(crate::keys::CONSOLE_AUDIT_LOG)
                    .arg("+")
                    .arg("-")
                    .arg("COUNT")
                    .arg(count),
            )
            .await?;
        Ok(entries
            .into_iter()
            .map(|(id, f)| ConsoleEvent {
                millis: id.split_once('-').and_then(|(ms, _)| ms.parse().ok()).unwrap_or(0),
                who: f.get("who").cloned().unwrap_or_default(),
                what: f.get("what").cloned().unwrap_or_default(),
                target: f.get("target").cloned().unwrap_or_default(),
            })
            .collect())
    }
}
