//! Following an account's changes: its history entries after a cursor, read in
//! one atomic round trip with the account (who may see it) and its archive point
//! (whether the entries after the cursor are still here).

use redbank_domain::{AccountId, Error, EventCursor, Principal, Transaction};

use crate::archive::ARCHIVE_FIELDS;
use crate::history::RawEntries;
use crate::scripts::ACCOUNT_FIELDS;
use crate::{Store, StoreError, keys, reply};

/// What a follower reads next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    /// The entries after the cursor asked for, oldest first (at most as many as asked).
    pub transactions: Vec<Transaction>,
    /// Where to read on from: the last entry returned, or the cursor asked for.
    pub cursor: EventCursor,
}

impl Store {
    /// The entries of account `id` after `after`, at most `max`; with `after`
    /// None, none, and the cursor of the account's last entry (a follower from
    /// now). Refused HISTORY_ARCHIVED when entries after `after` were archived.
    pub async fn entries_after(
        &self,
        id: &AccountId,
        after: Option<EventCursor>,
        max: usize,
        by: &Principal,
    ) -> Result<Followed, StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_FIELDS);
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ARCHIVE_FIELDS);
        match after {
            Some(cursor) => pipe.cmd("XRANGE").arg(keys::log(id)).arg(format!("({cursor}")).arg("+"),
            None => pipe.cmd("XREVRANGE").arg(keys::log(id)).arg("+").arg("-"),
        }
        .arg("COUNT")
        .arg(if after.is_some() { max.max(1) } else { 1 });
        let mut conn = self.exec.conn.clone();
        let (fields, point, raw): (Vec<Option<String>>, Vec<Option<String>>, RawEntries) =
            self.call(pipe.query_async(&mut conn)).await?;
        let account = reply::stored_account(id, fields).map_err(|e| crate::hide_missing(e, by))?;
        crate::may_see(&account, by)?;
        let point = reply::archive_point(point)?;
        let entry_cursor = |entry_id: &str| {
            EventCursor::parse(entry_id).map_err(|_| StoreError::Corrupt(format!("entry id {entry_id}")))
        };
        let Some(after) = after else {
            let cursor = match raw.first() {
                Some((last, _)) => entry_cursor(last)?,
                None => match &point.through {
                    Some(through) => entry_cursor(through)?,
                    None => EventCursor::START,
                },
            };
            return Ok(Followed { transactions: Vec::new(), cursor });
        };
        if let Some(through) = &point.through
            && entry_cursor(through)? > after
        {
            let through_millis = point.through_millis().unwrap_or_default();
            return Err(StoreError::Refused(Error::HistoryArchived { through_millis }));
        }
        let currency = account.currency();
        let transactions = raw
            .into_iter()
            .map(|(entry_id, kv)| reply::stream_entry(id, currency, entry_id, kv))
            .collect::<Result<Vec<_>, _>>()?;
        let cursor = match transactions.last() {
            Some(t) => entry_cursor(&t.id)?,
            None => after,
        };
        Ok(Followed { transactions, cursor })
    }
}
