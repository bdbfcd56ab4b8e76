//! Reading histories: pages of entries, statements a page at a time, and the
//! whole ledger of an account as one snapshot.

use redbank_domain::{Account, AccountId, Currency, Error, Money, Principal, Transaction, TransactionKind};

use crate::archive::{ARCHIVE_FIELDS, ArchivePoint};
use crate::scripts::ACCOUNT_FIELDS;
use crate::{Store, StoreError, keys, reply};

/// Entries per page when [`Store::statement`] reads a whole statement.
const STATEMENT_READ_PAGE: usize = 1000;
/// Entries read per Redis call when paging through a history.
pub(crate) const HISTORY_CHUNK: usize = 1000;
/// With a kind filter, one ListTransactions call examines at most this many pages'
/// worth of entries and hands back a cursor for the rest: the work of one call stays
/// bounded however rare the kind.
const KIND_FILTER_SCAN_PAGES: usize = 10;
/// Stream entries as XRANGE and XREVRANGE return them: id and field-value pairs.
pub(crate) type RawEntries = Vec<(String, Vec<String>)>;

/// One reply of a pipeline, as the type expected.
pub(crate) fn parse<T: redis::FromRedisValue>(value: redis::Value) -> Result<T, StoreError> {
    redis::from_redis_value(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Which part of a history to read.
#[derive(Debug, Clone, Default)]
pub struct HistoryQuery {
    /// Only entries at or after this time (ms since the epoch).
    pub start_millis: Option<i64>,
    /// Only entries before this time (ms since the epoch).
    pub end_millis: Option<i64>,
    /// Only these kinds; empty means all.
    pub kinds: Vec<TransactionKind>,
    /// Only entries older than this entry id (the cursor of the previous page).
    pub before: Option<String>,
}

/// One page of a history, newest first.
#[derive(Debug, Clone)]
pub struct HistoryPage {
    pub transactions: Vec<Transaction>,
    /// The id of the last entry examined, when older entries may remain.
    pub next_before: Option<String>,
}

/// An account's entries over a period, and the balances around them.
#[derive(Debug, Clone)]
pub struct StatementPage {
    pub account: Account,
    /// The balance just before the period.
    pub opening: Money,
    /// The balance after the period's last entry (as of the first page).
    pub closing: Money,
    /// Oldest first.
    pub transactions: Vec<Transaction>,
    /// Money in and out from the period's start through this page.
    pub total_in: Money,
    pub total_out: Money,
    /// Where the next page starts; None on the last page.
    pub next: Option<StatementCursor>,
}

/// Where a statement's next page starts, and what the pages before it added up
/// to. Carried by the client in a signed page token between pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementCursor {
    /// The last entry handed out.
    pub after: String,
    /// The period's last entry as of the first page.
    pub upto: String,
    pub opening: i64,
    pub closing: i64,
    /// The balance after `after`.
    pub running: i64,
    pub total_in: i64,
    pub total_out: i64,
}

impl StatementCursor {
    /// The cursor as text, for a page token.
    pub fn encode(&self) -> String {
        let Self { after, upto, opening, closing, running, total_in, total_out } = self;
        format!("{after},{upto},{opening},{closing},{running},{total_in},{total_out}")
    }

    /// A cursor from [`encode`](Self::encode)'s text; None for anything else.
    pub fn decode(text: &str) -> Option<Self> {
        let mut parts = text.split(',');
        let mut next = || parts.next();
        let (after, upto) = (next()?.to_owned(), next()?.to_owned());
        let mut number = || next()?.parse::<i64>().ok();
        let cursor = Self {
            after,
            upto,
            opening: number()?,
            closing: number()?,
            running: number()?,
            total_in: number()?,
            total_out: number()?,
        };
        (parts.next().is_none() && !cursor.after.is_empty() && !cursor.upto.is_empty()).then_some(cursor)
    }
}

impl Store {
    /// Entries of one stream range, in the order Redis gives them.
    fn range_cmd(command: &str, id: &AccountId, (from, to): (&str, &str), count: usize) -> redis::Cmd {
        let mut cmd = redis::cmd(command);
        cmd.arg(keys::log(id)).arg(from).arg(to).arg("COUNT").arg(count);
        cmd
    }

    fn entries(id: &AccountId, currency: Currency, raw: RawEntries) -> Result<Vec<Transaction>, StoreError> {
        raw.into_iter().map(|(entry_id, kv)| reply::stream_entry(id, currency, entry_id, kv)).collect()
    }

    /// Entries of one stream range (XRANGE or XREVRANGE), in the order Redis gives them.
    async fn range(
        &self,
        command: &str,
        id: &AccountId,
        currency: Currency,
        bounds: (&str, &str),
        count: usize,
    ) -> Result<Vec<Transaction>, StoreError> {
        let raw: RawEntries = self.query(&Self::range_cmd(command, id, bounds, count)).await?;
        Self::entries(id, currency, raw)
    }

    /// The account, its archive point and one range of its history, in one round
    /// trip (a pipeline): the first read of every history query.
    pub(crate) async fn account_and_range(
        &self,
        command: &str,
        id: &AccountId,
        bounds: (&str, &str),
        count: usize,
    ) -> Result<(Account, ArchivePoint, Vec<Transaction>), StoreError> {
        let mut pipe = redis::pipe();
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_FIELDS);
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ARCHIVE_FIELDS);
        pipe.add_command(Self::range_cmd(command, id, bounds, count));
        let mut conn = self.exec.conn.clone();
        let (fields, point, raw): (Vec<Option<String>>, Vec<Option<String>>, RawEntries) =
            self.call(pipe.query_async(&mut conn)).await?;
        let account = reply::stored_account(id, fields)?;
        let entries = Self::entries(id, account.currency(), raw)?;
        Ok((account, reply::archive_point(point)?, entries))
    }

    /// The whole history of an account still in Redis, oldest first, read in chunks
    /// so that a long history never makes one huge reply.
    pub async fn history(&self, id: &AccountId) -> Result<Vec<Transaction>, StoreError> {
        Ok(self.ledger(id).await?.2)
    }

    /// The account, its archive point and its whole history still in Redis (oldest
    /// first), as one snapshot: see [`Store::ledger_chunks`].
    pub async fn ledger(
        &self,
        id: &AccountId,
    ) -> Result<(Account, ArchivePoint, Vec<Transaction>), StoreError> {
        let mut entries = Vec::new();
        let (account, point) = self.ledger_chunks(id, |_, _, chunk| entries.extend(chunk)).await?;
        Ok((account, point, entries))
    }

    /// The account and its archive point, with its history still in Redis handed to
    /// `visit` a chunk at a time (oldest first; the first chunk, maybe empty, always),
    /// each with the account and its archive point, as one snapshot: the account, its
    /// archive point, the first chunk and the id of the last entry are read in one
    /// MULTI/EXEC, and the later chunks stop at that entry, so changes landing
    /// meanwhile are not mixed in. Memory stays at one chunk however long the history.
    pub async fn ledger_chunks(
        &self,
        id: &AccountId,
        mut visit: impl FnMut(&Account, &ArchivePoint, Vec<Transaction>),
    ) -> Result<(Account, ArchivePoint), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_FIELDS);
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ARCHIVE_FIELDS);
        pipe.add_command(Self::range_cmd("XRANGE", id, ("-", "+"), HISTORY_CHUNK));
        pipe.add_command(Self::range_cmd("XREVRANGE", id, ("+", "-"), 1));
        let mut conn = self.exec.conn.clone();
        let (fields, point, first, last): (Vec<Option<String>>, Vec<Option<String>>, RawEntries, RawEntries) =
            self.call(pipe.query_async(&mut conn)).await?;
        let account = reply::stored_account(id, fields)?;
        let point = reply::archive_point(point)?;
        let currency = account.currency();
        let end = last.first().map(|(end, _)| end.clone());
        let mut chunk = Self::entries(id, currency, first)?;
        loop {
            let read = chunk.last().map(|t| t.id.clone());
            visit(&account, &point, chunk);
            match (&read, &end) {
                (Some(read), Some(end)) if read != end => {
                    chunk =
                        self.range("XRANGE", id, currency, (&format!("({read}"), end), HISTORY_CHUNK).await?;
                    if chunk.is_empty() {
                        break;
                    }
                }
                _ => break,
            }
        }
        Ok((account, point))
    }

    /// One page of history, newest first. Pages never skip or repeat an entry while
    /// writes go on: new entries only ever get larger ids, and each page starts
    /// strictly below the last entry the previous one examined.
    pub async fn list_transactions(
        &self,
        id: &AccountId,
        query: &HistoryQuery,
        page_size: usize,
        by: &Principal,
    ) -> Result<HistoryPage, StoreError> {
        let page_size = page_size.max(1);
        let mut upper = match (&query.before, query.end_millis) {
            (Some(cursor), _) => format!("({cursor}"),
            // Nothing lies before the epoch, and "(0-0" is no valid bound: the
            // inclusive "0-0" matches nothing (no entry has that id).
            (None, Some(end)) if end <= 0 => "0-0".to_owned(),
            (None, Some(end)) => format!("({end}-0"),
            (None, None) => "+".to_owned(),
        };
        let lower = query.start_millis.map_or("-".to_owned(), |s| format!("{s}-0"));
        // A kind filter may need several chunks for one page; bound the work per call
        // and hand back a cursor instead.
        let scan_max = page_size.saturating_mul(KIND_FILTER_SCAN_PAGES).max(HISTORY_CHUNK);
        let want = |got: usize| if query.kinds.is_empty() { page_size - got } else { HISTORY_CHUNK };
        let (account, _, mut chunk) = self
            .account_and_range("XREVRANGE", id, (&upper, &lower), want(0))
            .await
            .map_err(|e| crate::hide_missing(e, by))?;
        crate::may_see(&account, by)?;
        let (mut transactions, mut scanned) = (Vec::new(), 0);
        loop {
            let exhausted = chunk.len() < want(transactions.len());
            scanned += chunk.len();
            for t in chunk {
                upper = format!("({}", t.id);
                if transactions.len() < page_size && (query.kinds.is_empty() || query.kinds.contains(&t.kind))
                {
                    transactions.push(t);
                    if transactions.len() == page_size {
                        // Resume right after the last entry returned.
                        return Ok(HistoryPage {
                            next_before: transactions.last().map(|t| t.id.clone()),
                            transactions,
                        });
                    }
                }
            }
            if exhausted {
                return Ok(HistoryPage { transactions, next_before: None });
            }
            if scanned >= scan_max {
                let next_before = upper.strip_prefix('(').map(str::to_owned);
                return Ok(HistoryPage { transactions, next_before });
            }
            chunk = self
                .range("XREVRANGE", id, account.currency(), (&upper, &lower), want(transactions.len()))
                .await?;
        }
    }

    /// One page of the statement of `[start, end)`: the period's opening and
    /// closing balances, up to `page_size` entries (oldest first) after `cursor`,
    /// and the totals of every entry from the period's start through this page.
    ///
    /// The first page fixes the period's last entry (one MULTI/EXEC, so that the
    /// closing balance and the first entries are read at one instant); later pages
    /// read up to that entry only, so a statement of a period still open stays one
    /// consistent picture. Opening plus the entries equals closing, exactly: each
    /// page checks its entries against the running balance the cursor carries, and
    /// the last page checks that it arrives at the closing balance.
    pub async fn statement_page(
        &self,
        id: &AccountId,
        start_millis: i64,
        end_millis: i64,
        cursor: Option<&StatementCursor>,
        page_size: usize,
        by: &Principal,
    ) -> Result<StatementPage, StoreError> {
        let _read = self.large_reads.start(by)?;
        self.read_statement_page(id, start_millis, end_millis, cursor, page_size, by).await
    }

    async fn read_statement_page(
        &self,
        id: &AccountId,
        start_millis: i64,
        end_millis: i64,
        cursor: Option<&StatementCursor>,
        page_size: usize,
        by: &Principal,
    ) -> Result<StatementPage, StoreError> {
        let want = page_size.max(1) + 1;
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ACCOUNT_FIELDS);
        pipe.cmd("HMGET").arg(keys::account(id)).arg(&ARCHIVE_FIELDS);
        // "(0-0" is no valid bound: nothing lies before the epoch.
        let before_start = format!("({}-0", start_millis.max(1));
        let before_end = format!("({}-0", end_millis.max(1));
        if let Some(c) = cursor {
            pipe.add_command(Self::range_cmd("XRANGE", id, (&format!("({}", c.after), &c.upto), want));
        } else {
            pipe.add_command(Self::range_cmd("XREVRANGE", id, (&before_start, "-"), 1));
            pipe.add_command(Self::range_cmd("XREVRANGE", id, (&before_end, "-"), 1));
            pipe.add_command(Self::range_cmd(
                "XRANGE",
                id,
                (&format!("{start_millis}-0"), &before_end),
                want,
            ));
        }
        let mut conn = self.exec.conn.clone();
        let replies: Vec<redis::Value> = self.call(pipe.query_async(&mut conn)).await?;
        let mut replies = replies.into_iter();
        let mut next_reply =
            || replies.next().ok_or_else(|| StoreError::Corrupt("short pipeline reply".into()));
        let fields: Vec<Option<String>> = parse(next_reply()?)?;
        let account = reply::stored_account(id, fields).map_err(|e| crate::hide_missing(e, by))?;
        crate::may_see(&account, by)?;
        let point = reply::archive_point(parse(next_reply()?)?)?;
        if let Some(through_millis) = point.through_millis().filter(|through| start_millis <= *through) {
            return Err(StoreError::Refused(Error::HistoryArchived { through_millis }));
        }
        let currency = account.currency();
        let entries = |value| Self::entries(id, currency, parse(value)?);
        let (mut at, mut transactions) = match cursor {
            Some(c) => (c.clone(), entries(next_reply()?)?),
            None => {
                let mut before = entries(next_reply()?)?;
                if start_millis <= 0 {
                    // Entries at 0 ms belong to the period.
                    before.clear();
                }
                let last = entries(next_reply()?)?;
                let opening = before.first().map_or(point.balance, |t| t.balance_after.minor());
                // The period's last entry, if the period has any.
                let last = last.into_iter().next().filter(|t| t.create_time_millis >= start_millis);
                let start = StatementCursor {
                    after: String::new(),
                    upto: last.as_ref().map_or_else(String::new, |t| t.id.clone()),
                    opening,
                    closing: last.map_or(opening, |t| t.balance_after.minor()),
                    running: opening,
                    total_in: 0,
                    total_out: 0,
                };
                let page = if start.upto.is_empty() { Vec::new() } else { entries(next_reply()?)? };
                (start, page)
            }
        };
        let more = transactions.len() > page_size.max(1);
        transactions.truncate(page_size.max(1));
        // Checked: stored data is not trusted to stay in range.
        let overflow = || StoreError::Corrupt(format!("the statement of {id} overflows"));
        for t in &transactions {
            let (total, amount) = match t.kind.sign() {
                1 => (&mut at.total_in, t.amount.minor()),
                -1 => (&mut at.total_out, t.amount.minor()),
                _ => (&mut at.total_in, 0),
            };
            *total = total.checked_add(amount).ok_or_else(overflow)?;
            at.running = at.running.checked_add(t.signed_minor()).ok_or_else(overflow)?;
            if at.running != t.balance_after.minor() {
                return Err(StoreError::Corrupt(format!(
                    "history of {id} does not reconcile at entry {}: {} != {}",
                    t.id,
                    at.running,
                    t.balance_after.minor()
                )));
            }
        }
        let more = more && transactions.last().is_some_and(|t| t.id != at.upto);
        if !more && at.running != at.closing {
            return Err(StoreError::Corrupt(format!(
                "history of {id} does not reconcile to its closing balance: {} != {}",
                at.running, at.closing
            )));
        }
        let money = |minor| Money::from_minor(currency, minor);
        let page = StatementPage {
            opening: money(at.opening),
            closing: money(at.closing),
            total_in: money(at.total_in),
            total_out: money(at.total_out),
            next: None,
            account,
            transactions,
        };
        Ok(match (more, page.transactions.last()) {
            (true, Some(last)) => {
                at.after = last.id.clone();
                StatementPage { next: Some(at), ..page }
            }
            _ => page,
        })
    }

    /// The whole statement of `[start, end)`, every page read (for tools and tests;
    /// the API hands it out a page at a time).
    pub async fn statement(
        &self,
        id: &AccountId,
        start_millis: i64,
        end_millis: i64,
    ) -> Result<StatementPage, StoreError> {
        self.statement_upto(id, start_millis, end_millis, usize::MAX, &Principal::operator()).await
    }

    /// The statement of `[start, end)` as `by` may see it, read a page at a time
    /// until it is whole or holds at least `max_entries` entries; then `next` is
    /// still set (the web console's bound on one page).
    pub async fn statement_upto(
        &self,
        id: &AccountId,
        start_millis: i64,
        end_millis: i64,
        max_entries: usize,
        by: &Principal,
    ) -> Result<StatementPage, StoreError> {
        // One read in flight for the whole statement, however many pages.
        let _read = self.large_reads.start(by)?;
        let mut page =
            self.read_statement_page(id, start_millis, end_millis, None, STATEMENT_READ_PAGE, by).await?;
        while page.transactions.len() < max_entries
            && let Some(cursor) = page.next.take()
        {
            let mut more = self
                .read_statement_page(id, start_millis, end_millis, Some(&cursor), STATEMENT_READ_PAGE, by)
                .await?;
            more.transactions.splice(0..0, std::mem::take(&mut page.transactions));
            page = more;
        }
        Ok(page)
    }
}
