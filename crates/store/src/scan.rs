//! Walking every account: SCAN over the account hashes.

use redbank_domain::{Account, AccountId, CustomerId, Error};

use crate::scripts::ACCOUNT_FIELDS;
use crate::{Store, StoreError, keys, reply};

/// Accounts asked of one SCAN call when walking every account.
const ACCOUNT_SCAN_PAGE: usize = 500;

impl Store {
    /// One page of accounts, in no particular order: every account (by SCAN), or
    /// one customer's (by SSCAN of its index, each account checked against its
    /// `owner` field, which is the truth). Who may list which is the bank's to say. The cursor is
    /// Redis's: a full pass visits every account that exists throughout it at least
    /// once (SCAN may repeat one while Redis resizes its table, never miss one).
    pub async fn list_accounts(
        &self,
        cursor: u64,
        page_size: usize,
        owner: Option<&CustomerId>,
    ) -> Result<(Vec<Account>, u64), StoreError> {
        let (ids, cursor) = match owner {
            None => self.scan_ids(cursor, page_size).await?,
            Some(owner) => self.owned_ids(owner, cursor, page_size).await?,
        };
        let mut accounts = self.accounts(&ids).await?;
        if let Some(owner) = owner {
            accounts.retain(|a| a.owner.as_ref() == Some(owner));
        }
        Ok((accounts, cursor))
    }

    /// The accounts of `ids` that exist: in one pipelined round trip on one Redis,
    /// one call per account (all at once) on a cluster, where a pipeline must stay
    /// in one slot.
    async fn accounts(&self, ids: &[AccountId]) -> Result<Vec<Account>, StoreError> {
        let rows: Vec<Vec<Option<String>>> = if ids.is_empty() {
            Vec::new()
        } else if self.exec.conn.is_cluster() {
            let reads = ids.iter().map(|id| {
                let mut cmd = redis::cmd("HMGET");
                cmd.arg(keys::account(id)).arg(&ACCOUNT_FIELDS);
                async move { self.query::<Vec<Option<String>>>(&cmd).await }
            });
            futures_util::future::join_all(reads).await.into_iter().collect::<Result<_, _>>()?
        } else {
            let mut pipe = redis::pipe();
            for id in ids {
                pipe.cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_FIELDS);
            }
            let mut conn = self.exec.conn.clone();
            self.call(pipe.query_async(&mut conn)).await?
        };
        let mut accounts = Vec::with_capacity(ids.len());
        for (id, fields) in ids.iter().zip(rows) {
            match reply::stored_account(id, fields) {
                Ok(account) => accounts.push(account),
                // Deleted between SCAN and HMGET: not there any more.
                Err(StoreError::Refused(Error::AccountNotFound(_))) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(accounts)
    }

    /// Ids of about `page_size` accounts in `owner`'s index from `cursor` on, by
    /// SSCAN, and the next cursor (0 at the end).
    async fn owned_ids(
        &self,
        owner: &CustomerId,
        mut cursor: u64,
        page_size: usize,
    ) -> Result<(Vec<AccountId>, u64), StoreError> {
        let mut ids = Vec::new();
        loop {
            let (next, members): (u64, Vec<String>) = self
                .query(
                    redis::cmd("SSCAN")
                        .arg(keys::customer_accounts(owner))
                        .arg(cursor)
                        .arg("COUNT")
                        .arg(page_size.max(10)),
                )
                .await?;
            ids.extend(members.iter().filter_map(|m| AccountId::parse(m).ok()));
            cursor = next;
            if cursor == 0 || ids.len() >= page_size {
                return Ok((ids, cursor));
            }
        }
    }

    /// Ids of about `page_size` accounts from `cursor` on, by SCAN, and the next
    /// cursor (0 at the end). On a cluster, each primary is scanned in turn: the
    /// cursor's top byte is the primary's place in the sorted list of primaries,
    /// the rest that primary's SCAN cursor.
    pub(crate) async fn scan_ids(
        &self,
        cursor: u64,
        page_size: usize,
    ) -> Result<(Vec<AccountId>, u64), StoreError> {
        if self.exec.conn.is_cluster() {
            return self.scan_cluster_ids(cursor, page_size).await;
        }
        let mut cursor = cursor;
        let mut ids = Vec::new();
        loop {
            let (next, keys): (u64, Vec<String>) = self
                .query(
                    redis::cmd("SCAN")
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(keys::ACCOUNT_PATTERN)
                        .arg("COUNT")
                        .arg(page_size.max(10))
                        .arg("TYPE")
                        .arg("hash"),
                )
                .await?;
            ids.extend(keys.iter().filter_map(|k| keys::account_of(k)));
            cursor = next;
            if cursor == 0 || ids.len() >= page_size {
                return Ok((ids, cursor));
            }
        }
    }

    async fn scan_cluster_ids(
        &self,
        cursor: u64,
        page_size: usize,
    ) -> Result<(Vec<AccountId>, u64), StoreError> {
        const NODE_SHIFT: u32 = 56;
        const SCAN_MASK: u64 = (1 << NODE_SHIFT) - 1;
        self.exec.safety.check()?;
        let mut conn = self.exec.conn.clone();
        let primaries = crate::within_store(self.exec.call_timeout, conn.primaries()).await?;
        let (mut node, mut scan) = ((cursor >> NODE_SHIFT) as usize, cursor & SCAN_MASK);
        let mut ids = Vec::new();
        while let Some(primary) = primaries.get(node) {
            let cmd = redis::cmd("SCAN")
                .arg(scan)
                .arg("MATCH")
                .arg(keys::ACCOUNT_PATTERN)
                .arg("COUNT")
                .arg(page_size.max(10))
                .arg("TYPE")
                .arg("hash")
                .clone();
            let (next, keys): (u64, Vec<String>) =
                crate::within_store(self.exec.call_timeout, conn.on_primary(primary, &cmd)).await?;
            if next > SCAN_MASK {
                return Err(StoreError::Corrupt(format!("SCAN cursor {next} does not fit 56 bits")));
            }
            ids.extend(keys.iter().filter_map(|k| keys::account_of(k)));
            (node, scan) = if next == 0 { (node + 1, 0) } else { (node, next) };
            if ids.len() >= page_size {
                break;
            }
        }
        let next = if node >= primaries.len() { 0 } else { ((node as u64) << NODE_SHIFT) | scan };
        Ok((ids, next))
    }

    /// The id of every account, sorted, each once (SCAN may repeat one): what the
    /// store-wide jobs (`redbank check`, `redbank archive`) walk through.
    pub async fn account_ids(&self) -> Result<Vec<AccountId>, StoreError> {
        let (mut all, mut cursor) = (Vec::new(), 0);
        loop {
            let (ids, next) = self.scan_ids(cursor, ACCOUNT_SCAN_PAGE).await?;
            all.extend(ids);
            cursor = next;
            if cursor == 0 {
                all.sort();
                all.dedup();
                return Ok(all);
            }
        }
    }
}
