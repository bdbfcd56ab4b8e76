//! Every script against a real 3-primary Redis Cluster, through redis-rs's cluster
//! client: the key layout's promise that each call touches one slot (every key of
//! an account under its `{ID}` tag, every credential under `{keys}`), and the one
//! call that cannot, a transfer between accounts of two slots, which Redis refuses
//! whole (CROSSSLOT) and which a cluster deployment must therefore make in steps.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use redbank_domain::{
    AccountId, AccountType, Actor, Amount, AnnualRate, BalanceChange, Currency, CustomerId, Grant,
    InterestDays, InterestPeriod, Memo, Principal, RateCeiling, Reason, RequestId, StateChange, Transfer,
};
use redbank_testkit::RedisCluster;
use redis::cluster_routing::Slot;

use super::common::Common;
use super::post::PostOp;
use super::{Scripts, create_account, post, set_state, transfer};
use crate::exec::eval_loading;
use crate::keys;

const TTL: u64 = 3600;

fn id(s: &str) -> AccountId {
    AccountId::parse(s).unwrap()
}

fn usd(minor: i64) -> Amount {
    Amount::from_minor(Currency::parse("USD").unwrap(), minor).unwrap()
}

fn slot(account: &AccountId) -> u16 {
    let s = Slot::for_key(keys::account(account));
    // Slot's number through its Debug form ("Slot(1234)"): it has no accessor.
    format!("{s:?}").trim_start_matches("Slot(").trim_end_matches(')').parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_script_runs_in_one_slot_on_a_real_cluster_and_a_cross_slot_transfer_is_refused_whole() {
    let cluster = RedisCluster::start(3);
    let client = redis::cluster::ClusterClient::new(cluster.urls()).unwrap();
    let mut conn = client.get_async_connection().await.unwrap();
    let scripts = Scripts::new(false);
    let owner = CustomerId::parse("alice").unwrap();
    let alice = Principal {
        actor: Actor::parse("key:0123456789abcdef").unwrap(),
        grant: Grant::Customer(owner.clone()),
    };
    let staff = Principal::operator();

    // Forty accounts spread over the slots (and so over the three primaries).
    let ids: Vec<AccountId> = (0..40).map(|i| id(&format!("acct-{i}"))).collect();
    let primaries_hit: std::collections::BTreeSet<u16> = ids.iter().map(|a| slot(a) / 5462).collect();
    assert_eq!(primaries_hit.len(), 3, "the accounts should fall on every primary");
    for a in &ids {
        let rid = RequestId::parse(&format!("open-{a}")).unwrap();
        let call = create_account::invocation(
            &scripts.create_account,
            a,
            AccountType::Savings,
            Currency::parse("USD").unwrap(),
            Some(&rid),
            TTL,
            Some(&owner),
        );
        let reply: Vec<String> = call.invoke_async(&mut conn).await.unwrap();
        assert_eq!(create_account::decode(a, &reply).unwrap().owner.as_ref(), Some(&owner));
        // A deposit with a request id, then the same again: applied once.
        for _ in 0..2 {
            let rid = RequestId::parse(&format!("dep-{a}")).unwrap();
            let (op, given) =
                PostOp::new(a, &BalanceChange::Deposit(usd(10_000)), Some(&rid), &Memo::default(), &alice);
            let reply: Vec<String> =
                eval_loading(&scripts.post, &post::command(&scripts.post, &[&op], TTL), &mut conn)
                    .await
                    .unwrap();
            let posted = post::decode(a, given, &reply[0]).unwrap();
            assert_eq!(posted.account.balance.minor(), 10_000);
            assert_eq!(posted.transaction.unwrap().actor.unwrap().as_str(), "key:0123456789abcdef");
        }
        // Interest for a period: the periods hash is a fourth key, in the same slot.
        let rate = AnnualRate::parse("5", RateCeiling::parse("100").unwrap()).unwrap();
        let period = InterestPeriod::parse("2026-10").unwrap();
        let change = BalanceChange::Interest { rate, days: InterestDays::YEAR, period: Some(period) };
        let (op, given) = PostOp::new(a, &change, None, &Memo::default(), &staff);
        let reply: Vec<String> =
            eval_loading(&scripts.post, &post::command(&scripts.post, &[&op], TTL), &mut conn).await.unwrap();
        assert_eq!(post::decode(a, given, &reply[0]).unwrap().account.balance.minor(), 10_500);
        // Freeze and unfreeze, by its owner and by staff.
        for (change, by) in [(StateChange::Freeze, &alice), (StateChange::Unfreeze, &staff)] {
            let reason = Reason::parse("check").unwrap();
            let common = Common::of(by, None, change.fingerprint(&reason), TTL);
            let call = set_state::invocation(&scripts.set_state, &common, a, change, &reason);
            let reply: Vec<String> = call.invoke_async(&mut conn).await.unwrap();
            set_state::decode(a, &reply).unwrap();
        }
    }

    // Two accounts that share a slot transfer in one script, as on a single Redis.
    let (x, y) = {
        let mut seen = std::collections::HashMap::new();
        (0..5000)
            .map(|i| id(&format!("twin-{i}")))
            .find_map(|candidate| {
                seen.insert(slot(&candidate), candidate.clone()).map(|earlier| (earlier, candidate))
            })
            .expect("two ids in one slot among 5,000")
    };
    for a in [&x, &y] {
        let call = create_account::invocation(
            &scripts.create_account,
            a,
            AccountType::Checking,
            Currency::parse("USD").unwrap(),
            None,
            TTL,
            None,
        );
        let _: Vec<String> = call.invoke_async(&mut conn).await.unwrap();
    }
    let (op, _) = PostOp::new(&x, &BalanceChange::Deposit(usd(500)), None, &Memo::default(), &staff);
    let _: Vec<String> =
        eval_loading(&scripts.post, &post::command(&scripts.post, &[&op], TTL), &mut conn).await.unwrap();
    let t = Transfer::new(x.clone(), y.clone(), usd(200)).unwrap();
    let common = Common::of(&staff, None, t.fingerprint(&Memo::default()), TTL);
    let reply: Vec<String> = transfer::invocation(&scripts.transfer, &common, &t, &Memo::default())
        .invoke_async(&mut conn)
        .await
        .unwrap();
    let done = transfer::decode(&t, Currency::parse("USD").unwrap(), &reply).unwrap();
    assert_eq!((done.from.account.balance.minor(), done.to.account.balance.minor()), (300, 200));

    // Two accounts in two slots: the script is refused whole by Redis, and nothing
    // moved. This is what a cross-slot transfer must do in steps.
    let (a, b) = (&ids[0], ids.iter().find(|b| slot(b) != slot(&ids[0])).unwrap());
    let t = Transfer::new(a.clone(), b.clone(), usd(100)).unwrap();
    let common = Common::of(&staff, None, t.fingerprint(&Memo::default()), TTL);
    let refused: redis::RedisResult<Vec<String>> =
        transfer::invocation(&scripts.transfer, &common, &t, &Memo::default()).invoke_async(&mut conn).await;
    let error = refused.expect_err("a transfer across slots in one script");
    assert_eq!(error.code(), Some("CROSSSLOT"), "{error:?}");
    let balance: String =
        redis::cmd("HGET").arg(keys::account(a)).arg("bal").query_async(&mut conn).await.unwrap();
    assert_eq!(balance, "10500");

    // A batch of changes to accounts of one slot is one call; of two slots, refused.
    let (o1, _) = PostOp::new(&x, &BalanceChange::Deposit(usd(1)), None, &Memo::default(), &staff);
    let (o2, _) = PostOp::new(&y, &BalanceChange::Deposit(usd(1)), None, &Memo::default(), &staff);
    let replies: Vec<String> =
        eval_loading(&scripts.post, &post::command(&scripts.post, &[&o1, &o2], TTL), &mut conn)
            .await
            .unwrap();
    assert_eq!(replies.len(), 2);
    let (o3, _) = PostOp::new(a, &BalanceChange::Deposit(usd(1)), None, &Memo::default(), &staff);
    let mixed: redis::RedisResult<Vec<String>> =
        eval_loading(&scripts.post, &post::command(&scripts.post, &[&o1, &o3], TTL), &mut conn).await;
    assert_eq!(mixed.expect_err("a batch across slots").code(), Some("CROSSSLOT"));

    // Credentials: every key under {keys}, one slot.
    let mut key =
        scripts.key_create.key(keys::api_key(&redbank_domain::KeyId::parse("00000000000000aa").unwrap()));
    key.key(keys::API_KEYS)
        .key(keys::CREDENTIALS_EPOCH)
        .key(keys::CREDENTIALS_LOG)
        .arg("00000000000000aa")
        .arg("ab".repeat(32))
        .arg("teller")
        .arg("")
        .arg("")
        .arg("")
        .arg("operator");
    let created: Vec<String> = key.invoke_async(&mut conn).await.unwrap();
    assert_eq!(created[0], "OK");
}
