//! publish.lua against a real Redis: an account's entries given as read from its
//! history, or as known from the changes' replies (version and id), go into the
//! feed once and in order; a known entry that does not follow the mark is answered
//! as an account to read, and nothing is appended for it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use redbank_testkit::RedisServer;

use super::Scripts;
use crate::keys;

/// Calls publish.lua with one account's entries given `how`; the accounts to read.
async fn publish(
    conn: &mut redis::aio::MultiplexedConnection,
    how: &str,
    entries: &[(u64, &str)],
) -> Vec<String> {
    let scripts = Scripts::new(false);
    let mut call = scripts.publish.key(keys::FEED);
    call.key(keys::FEED_MARKS).key(keys::FEED_META).key(keys::FEED_VERSIONS).arg(0).arg(1);
    call.arg("a").arg(how).arg(entries.len());
    for (version, id) in entries {
        call.arg(version).arg(id);
    }
    call.invoke_async(conn).await.unwrap()
}

/// The entry ids the feed names, in order.
async fn feed(conn: &mut redis::aio::MultiplexedConnection) -> Vec<String> {
    let events: Vec<(String, Vec<String>)> =
        redis::cmd("XRANGE").arg(keys::FEED).arg("-").arg("+").query_async(conn).await.unwrap();
    events
        .into_iter()
        .map(|(_, kv)| {
            assert_eq!(kv[..2], ["acct".to_owned(), "a".to_owned()]);
            kv[3].clone()
        })
        .collect()
}

#[tokio::test]
async fn known_entries_are_appended_only_when_they_follow_the_mark_and_read_ones_once() {
    let redis = RedisServer::start();
    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let gap = vec!["a".to_owned()];

    // No version kept yet (no mark): read the history.
    assert_eq!(publish(&mut conn, "known", &[(1, "1-1")]).await, gap);
    assert!(feed(&mut conn).await.is_empty());
    // Read from the history: appended, and the mark's version kept.
    assert!(publish(&mut conn, "read", &[(1, "1-1"), (2, "2-1")]).await.is_empty());
    // Read again, overlapping: only what is after the mark.
    assert!(publish(&mut conn, "read", &[(2, "2-1"), (3, "3-1")]).await.is_empty());
    assert_eq!(feed(&mut conn).await, ["1-1", "2-1", "3-1"]);
    // Known, following the mark: appended without a read.
    assert!(publish(&mut conn, "known", &[(4, "4-1"), (5, "5-1")]).await.is_empty());
    // Known again (another replica's copy, a retry's reply): nothing twice.
    assert!(publish(&mut conn, "known", &[(3, "3-1"), (5, "5-1")]).await.is_empty());
    assert_eq!(feed(&mut conn).await, ["1-1", "2-1", "3-1", "4-1", "5-1"]);
    // A gap (version 6 not yet published): nothing appended, the account to read.
    assert_eq!(publish(&mut conn, "known", &[(7, "7-1")]).await, gap);
    // The mark's version with another entry (one lost at a failover): read.
    assert_eq!(publish(&mut conn, "known", &[(5, "5-2")]).await, gap);
    // Entries before a gap go in; the account is answered at the gap.
    assert_eq!(publish(&mut conn, "known", &[(6, "6-1"), (8, "8-1")]).await, gap);
    assert_eq!(feed(&mut conn).await, ["1-1", "2-1", "3-1", "4-1", "5-1", "6-1"]);
    let (mark, version): (String, u64) = redis::pipe()
        .cmd("HGET")
        .arg(keys::FEED_MARKS)
        .arg("a")
        .cmd("HGET")
        .arg(keys::FEED_VERSIONS)
        .arg("a")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!((mark.as_str(), version), ("6-1", 6));
}
