//! `redbank archive`: history retention. Moves the history entries older than a
//! cutoff out of Redis into a JSON Lines file, reading Redis directly (an operator's
//! job, like `redbank check`; run it from cron with `--keep-days`).
//!
//! Nothing leaves Redis before it is on disk: entries are read in chunks, written
//! and flushed to the file (fsync), and only then trimmed, each account by a script
//! that removes exactly the entries written or nothing, and moves the account's
//! archive point (balance, version and totals after them) past them. Balances,
//! statements after the cutoff and `redbank check` stay exact without the archived
//! entries. A crash between the fsync and the trim leaves a chunk in both places:
//! the next run writes it again, so readers of the files deduplicate by
//! (account_id, entry_id).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redbank_domain::calendar::{MILLIS_PER_DAY, format_millis, parse_date_millis};
use redbank_domain::{AccountId, Transaction};
use redbank_store::{ARCHIVE_CHUNK_MAX, ArchivePoint, Store};

use crate::client::Failure;
use crate::output::{Printer, say};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("cutoff").required(true).args(["before", "keep_days", "before_millis"])))]
pub struct ArchiveArgs {
    /// Required: the Redis (or Redis Cluster) that holds the accounts; archiving
    /// deletes history from it.
    #[command(flatten)]
    redis: crate::client::RedisTarget,
    /// Archive the entries before this day, YYYY-MM-DD (from 00:00 UTC on, history stays).
    #[arg(long)]
    before: Option<String>,
    /// Keep this many whole days of history (UTC) and archive what is older.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=36_600))]
    keep_days: Option<u32>,
    /// Archive the entries before this instant, in ms since the epoch.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    before_millis: Option<i64>,
    /// The JSON Lines file to write, one entry per line; it must not exist yet.
    #[arg(long)]
    out: PathBuf,
    /// Only this account (repeatable); every account by default.
    #[arg(long = "account")]
    accounts: Vec<String>,
}

/// What one run did.
#[derive(Debug, Default)]
struct Summary {
    accounts_seen: usize,
    accounts_archived: usize,
    entries: usize,
}

/// Entries written to the file but not yet trimmed from Redis.
struct Pending {
    chunks: Vec<(AccountId, ArchivePoint, Vec<Transaction>)>,
    entries: usize,
}

pub async fn run(args: &ArchiveArgs, out: &Printer) -> Result<(), Failure> {
    let now = now_millis()?;
    let cutoff = cutoff_millis(args, now)?;
    if cutoff > now {
        return Err(Failure::Local(format!(
            "the cutoff {} UTC lies in the future; archive only what is past",
            format_millis(cutoff)
        )));
    }
    let named = args
        .accounts
        .iter()
        .map(|a| AccountId::parse(a).map_err(|e| Failure::Local(format!("account {a:?}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;

    if !args.redis.given() {
        return Err(Failure::Invalid {
            reason: "INVALID_ARGUMENT",
            message: "archive works on Redis directly: give --redis-url (or --redis-cluster-nodes)".into(),
        });
    }
    let mut config = args.redis.config();
    config.call_timeout = Duration::from_secs(10);
    let store = crate::client::open_store(&config).await?;
    let ids = if named.is_empty() {
        store.account_ids().await.map_err(|e| Failure::Local(format!("listing accounts: {e}")))?
    } else {
        // A named account that does not exist fails the run before any file is made.
        for id in &named {
            store
                .get_account(id, &redbank_domain::Principal::operator())
                .await
                .map_err(|e| Failure::Local(format!("account {id}: {e}")))?;
        }
        named
    };

    let file = File::options()
        .write(true)
        .create_new(true)
        .open(&args.out)
        .map_err(|e| Failure::Local(format!("cannot create {}: {e}", args.out.display())))?;
    sync_parent(&args.out)?;
    let mut writer = BufWriter::new(file);
    let mut pending = Pending { chunks: Vec::new(), entries: 0 };
    let mut summary = Summary::default();
    for id in ids {
        summary.accounts_seen += 1;
        let mut archived_any = false;
        loop {
            let (point, entries) = store
                .archivable(&id, cutoff, ARCHIVE_CHUNK_MAX)
                .await
                .map_err(|e| Failure::Local(format!("reading {id}: {e}")))?;
            if entries.is_empty() {
                break;
            }
            archived_any = true;
            let full = entries.len() == ARCHIVE_CHUNK_MAX;
            pending.entries += entries.len();
            pending.chunks.push((id.clone(), point, entries));
            // A full chunk may not be the last: trim it before reading on.
            if full || pending.entries >= ARCHIVE_CHUNK_MAX {
                summary.entries += commit(&store, &mut writer, &args.out, &mut pending).await?;
            }
            if !full {
                break;
            }
        }
        summary.accounts_archived += usize::from(archived_any);
    }
    summary.entries += commit(&store, &mut writer, &args.out, &mut pending).await?;
    report(out, &summary, cutoff, &args.out);
    Ok(())
}

fn now_millis() -> Result<i64, Failure> {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| Failure::Local("the system clock is before 1970".into()))?;
    i64::try_from(since.as_millis()).map_err(|_| Failure::Local("the system clock is out of range".into()))
}

/// The cutoff, ms since the epoch: entries strictly before it are archived.
fn cutoff_millis(args: &ArchiveArgs, now: i64) -> Result<i64, Failure> {
    if let Some(day) = &args.before {
        return parse_date_millis(day)
            .ok_or_else(|| Failure::Local(format!("--before {day:?}: expected a date such as 2026-01-31")));
    }
    if let Some(days) = args.keep_days {
        let today = now - now.rem_euclid(MILLIS_PER_DAY);
        return Ok(today - i64::from(days) * MILLIS_PER_DAY);
    }
    args.before_millis.ok_or_else(|| Failure::Local("give --before, --keep-days or --before-millis".into()))
}

/// The new file's directory entry must survive a crash too.
fn sync_parent(path: &Path) -> Result<(), Failure> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(parent)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| Failure::Local(format!("cannot sync {}: {e}", parent.display())))
}

/// Writes the pending entries, makes them durable, then trims them from Redis.
/// Returns how many were archived.
async fn commit(
    store: &Store,
    writer: &mut BufWriter<File>,
    path: &Path,
    pending: &mut Pending,
) -> Result<usize, Failure> {
    let io = |e: std::io::Error| Failure::Local(format!("writing {}: {e}", path.display()));
    for (_, _, entries) in &pending.chunks {
        for t in entries {
            serde_json::to_writer(&mut *writer, &line(t)).map_err(|e| io(e.into()))?;
            writer.write_all(b"\n").map_err(io)?;
        }
    }
    writer.flush().map_err(io)?;
    writer.get_ref().sync_data().map_err(io)?;
    for (id, point, entries) in &pending.chunks {
        store.trim_archived(id, point, entries).await.map_err(|e| {
            Failure::Local(format!(
                "trimming {id}: {e} (its entries are in the file; run the archive again to finish)"
            ))
        })?;
    }
    let written = pending.entries;
    pending.chunks.clear();
    pending.entries = 0;
    Ok(written)
}

/// One archived entry: every field of the history entry, amounts in minor units
/// and as decimals.
fn line(t: &Transaction) -> serde_json::Value {
    serde_json::json!({
        "account_id": t.account_id.as_str(),
        "entry_id": t.id,
        "time_millis": t.create_time_millis,
        "kind": t.kind.code(),
        "currency": t.amount.currency().code(),
        "amount": t.amount.decimal(),
        "amount_minor": t.amount.minor(),
        "balance_after_minor": t.balance_after.minor(),
        "account_version": t.account_version,
        "request_id": t.request_id.as_ref().map(|r| r.as_str()),
        "memo": t.memo.as_str(),
        "counterparty": t.counterparty.as_ref().map(AccountId::as_str),
        "transfer_id": t.transfer_id,
        "counterparty_version": t.counterparty_version,
    })
}

fn report(out: &Printer, summary: &Summary, cutoff: i64, path: &Path) {
    if out.json {
        out.document(serde_json::json!({
            "cutoff_millis": cutoff,
            "accounts_seen": summary.accounts_seen,
            "accounts_archived": summary.accounts_archived,
            "entries_archived": summary.entries,
            "file": path.display().to_string(),
        }));
    } else {
        say!(
            "archived {} entries before {} UTC from {} of {} accounts into {}",
            summary.entries,
            format_millis(cutoff),
            summary.accounts_archived,
            summary.accounts_seen,
            path.display()
        );
    }
}
