//! Webhooks as Redis keeps them: the endpoint (URL, account filter, signing secret,
//! the feed cursor its deliveries have reached), the lease of the replica that
//! delivers it, and what each attempt did. The delivery itself is the server's
//! (`server/src/webhooks/`); every step it takes is written here first or after,
//! so that another replica taking the lease over carries on where it stopped.

use std::collections::HashMap;
use std::time::Duration;

use redbank_domain::limits::{WEBHOOK_ATTEMPTS_KEPT, WEBHOOKS_MAX};
use redbank_domain::{AccountId, Error, EventCursor, WebhookId, WebhookUrl};

use crate::{Store, StoreError, keys};

/// A webhook, without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: WebhookId,
    pub url: WebhookUrl,
    /// Only this account's events; None: every account's.
    pub account: Option<AccountId>,
    pub create_millis: i64,
    /// The feed cursor up to which every event was delivered or is dead.
    pub cursor: EventCursor,
}

/// What became of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A 2xx answer.
    Delivered,
    /// Anything else; another attempt follows.
    Failed,
    /// Failed, and the retry window is over: no attempt follows unless asked.
    Dead,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Failed => "failed",
            Outcome::Dead => "dead",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Outcome::Delivered, Outcome::Failed, Outcome::Dead].into_iter().find(|o| o.as_str() == s)
    }
}

/// One attempt to deliver one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub event_id: String,
    pub account: String,
    /// 1 for the first.
    pub attempt: u32,
    pub outcome: Outcome,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// Why it failed, when it did (no answer, a refused address, the status).
    pub error: String,
    pub time_millis: i64,
    /// When the next attempt is due (Failed only).
    pub next_millis: Option<i64>,
}

/// Where an event's retries stand: when its first attempt was, how many so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retrying {
    pub first_millis: i64,
    pub attempts: u32,
}

/// A webhook's progress in its current window, as the delivering replica resumes it.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Events of the window delivered or dead.
    pub done: std::collections::HashSet<String>,
    pub retrying: HashMap<String, Retrying>,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("webhook {what}"))
}

/// A webhook's hash fields, in the order `webhook_from` reads them.
const FIELDS: [&str; 4] = ["url", "account", "ctime", "cursor"];

fn webhook_from(id: &WebhookId, fields: Vec<Option<String>>) -> Result<Option<Webhook>, StoreError> {
    let [url, account, ctime, cursor] =
        <[Option<String>; 4]>::try_from(fields).map_err(|_| corrupt("fields"))?;
    let (Some(url), Some(ctime), Some(cursor)) = (url, ctime, cursor) else { return Ok(None) };
    Ok(Some(Webhook {
        id: id.clone(),
        url: WebhookUrl::parse(&url).map_err(|_| corrupt("url"))?,
        account: match account.as_deref() {
            None | Some("") => None,
            Some(a) => Some(AccountId::parse(a).map_err(|_| corrupt("account"))?),
        },
        create_millis: ctime.parse().map_err(|_| corrupt("ctime"))?,
        cursor: EventCursor::parse(&cursor).map_err(|_| corrupt("cursor"))?,
    }))
}

/// Adds a webhook to the index unless it holds the limit already: 1, or 0.
const ADD_UNDER_LIMIT: &str = "if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end \
    redis.call('SADD', KEYS[1], ARGV[1]) return 1";

/// Renews a lease held by `holder`: 1, or 0 if another holds it (or none).
const RENEW: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then \
    return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";

/// Moves the cursor and clears the window's progress, only for the lease holder.
const ADVANCE: &str = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end \
    if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end \
    redis.call('HSET', KEYS[2], 'cursor', ARGV[2]) redis.call('DEL', KEYS[3]) return 1";

/// A dead event asked again: moved from `dead` to `requeue`, its retries forgotten.
const REQUEUE: &str = "local body = redis.call('HGET', KEYS[1], ARGV[1]) \
    if not body then return 0 end \
    redis.call('HDEL', KEYS[1], ARGV[1]) redis.call('HDEL', KEYS[3], ARGV[1]) \
    redis.call('HSET', KEYS[2], ARGV[1], body) return 1";

impl Store {
    /// Makes a webhook whose deliveries start from now (the feed's last event).
    pub async fn create_webhook(
        &self,
        id: &WebhookId,
        url: &WebhookUrl,
        account: Option<&AccountId>,
        secret: &str,
    ) -> Result<Webhook, StoreError> {
        // Counted and written to the index in one step: made at once, no more than
        // the limit are kept.
        let added: i64 = self
            .query(
                redis::cmd("EVAL")
                    .arg(ADD_UNDER_LIMIT)
                    .arg(1)
                    .arg(keys::WEBHOOKS)
                    .arg(id.as_str())
                    .arg(WEBHOOKS_MAX),
            )
            .await?;
        if added == 0 {
            return Err(StoreError::Refused(Error::TooManyWebhooks));
        }
        let cursor = self.feed_after(None, 1).await?.cursor;
        let create_millis = self.time_millis().await?;
        let account_text = account.map(AccountId::as_str).unwrap_or_default();
        let _: i64 = self
            .query(
                redis::cmd("HSET")
                    .arg(keys::webhook(id))
                    .arg("url")
                    .arg(url.as_str())
                    .arg("account")
                    .arg(account_text)
                    .arg("secret")
                    .arg(secret)
                    .arg("ctime")
                    .arg(create_millis)
                    .arg("cursor")
                    .arg(cursor.to_string()),
            )
            .await?;
        Ok(Webhook { id: id.clone(), url: url.clone(), account: account.cloned(), create_millis, cursor })
    }

    /// Every webhook, by id.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>, StoreError> {
        let mut ids: Vec<String> = self.query(redis::cmd("SMEMBERS").arg(keys::WEBHOOKS)).await?;
        ids.sort();
        let mut all = Vec::with_capacity(ids.len());
        for id in ids {
            let Ok(id) = WebhookId::parse(&id) else { continue };
            if let Some(hook) = self.webhook(&id).await? {
                all.push(hook);
            }
        }
        Ok(all)
    }

    /// One webhook, None if there is none.
    pub async fn webhook(&self, id: &WebhookId) -> Result<Option<Webhook>, StoreError> {
        let fields: Vec<Option<String>> =
            self.query(redis::cmd("HMGET").arg(keys::webhook(id)).arg(&FIELDS)).await?;
        webhook_from(id, fields)
    }

    /// A webhook's signing secret.
    pub async fn webhook_secret(&self, id: &WebhookId) -> Result<String, StoreError> {
        let secret: Option<String> =
            self.query(redis::cmd("HGET").arg(keys::webhook(id)).arg("secret")).await?;
        secret.ok_or_else(|| StoreError::Refused(Error::WebhookNotFound(id.to_string())))
    }

    /// Deletes a webhook and all it kept (its deliveries stop within a lease renewal).
    pub async fn delete_webhook(&self, id: &WebhookId) -> Result<(), StoreError> {
        let removed: i64 = self.query(redis::cmd("SREM").arg(keys::WEBHOOKS).arg(id.as_str())).await?;
        let mut del = redis::cmd("DEL");
        del.arg(keys::webhook(id));
        for part in ["lease", "done", "retry", "log", "dead", "requeue"] {
            del.arg(keys::webhook_part(id, part));
        }
        let deleted: i64 = self.query(&del).await?;
        if removed == 0 && deleted == 0 {
            return Err(StoreError::Refused(Error::WebhookNotFound(id.to_string())));
        }
        Ok(())
    }

    /// Takes the lease of webhook `id` for `holder` if no one holds it.
    pub async fn take_webhook_lease(
        &self,
        id: &WebhookId,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let taken: Option<String> = self
            .query(
                redis::cmd("SET")
                    .arg(keys::webhook_part(id, "lease"))
                    .arg(holder)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl.as_millis().max(1) as u64),
            )
            .await?;
        Ok(taken.is_some())
    }

    /// Extends `holder`'s lease; false if it is no longer its own.
    pub async fn renew_webhook_lease(
        &self,
        id: &WebhookId,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let renewed: i64 = self
            .query(
                redis::cmd("EVAL")
                    .arg(RENEW)
                    .arg(1)
                    .arg(keys::webhook_part(id, "lease"))
                    .arg(holder)
                    .arg(ttl.as_millis().max(1) as u64),
            )
            .await?;
        Ok(renewed == 1)
    }

    /// Lets the lease go, if still `holder`'s (a replica stopping).
    pub async fn release_webhook_lease(&self, id: &WebhookId, holder: &str) -> Result<(), StoreError> {
        self.renew_webhook_lease(id, holder, Duration::from_millis(1)).await.map(|_| ())
    }

    /// What the current window has done so far.
    pub async fn webhook_progress(&self, id: &WebhookId) -> Result<Progress, StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("HKEYS").arg(keys::webhook_part(id, "done"));
        pipe.cmd("HGETALL").arg(keys::webhook_part(id, "retry"));
        let mut conn = self.exec.conn.clone();
        let (done, retry): (Vec<String>, HashMap<String, String>) =
            self.call(pipe.query_async(&mut conn)).await?;
        let retrying = retry
            .into_iter()
            .filter_map(|(event, state)| {
                let (first, attempts) = state.split_once(':')?;
                Some((
                    event,
                    Retrying { first_millis: first.parse().ok()?, attempts: attempts.parse().ok()? },
                ))
            })
            .collect();
        Ok(Progress { done: done.into_iter().collect(), retrying })
    }

    /// Records an attempt and what follows from it, in one step: delivered or dead
    /// events join the window's done set (a dead one's body is kept for
    /// redelivery), a failed one's retry state moves on.
    pub async fn record_attempt(
        &self,
        id: &WebhookId,
        attempt: &Attempt,
        first_millis: i64,
        body: &str,
    ) -> Result<(), StoreError> {
        let ev = attempt.event_id.as_str();
        let mut pipe = redis::pipe();
        pipe.atomic();
        pipe.cmd("XADD")
            .arg(keys::webhook_part(id, "log"))
            .arg("MAXLEN")
            .arg("~")
            .arg(WEBHOOK_ATTEMPTS_KEPT)
            .arg("*")
            .arg("event")
            .arg(ev)
            .arg("account")
            .arg(&attempt.account)
            .arg("attempt")
            .arg(attempt.attempt)
            .arg("outcome")
            .arg(attempt.outcome.as_str())
            .arg("status")
            .arg(attempt.status.map(|s| s.to_string()).unwrap_or_default())
            .arg("error")
            .arg(&attempt.error)
            .arg("time")
            .arg(attempt.time_millis)
            .arg("next")
            .arg(attempt.next_millis.map(|n| n.to_string()).unwrap_or_default())
            .ignore();
        match attempt.outcome {
            Outcome::Failed => {
                pipe.cmd("HSET")
                    .arg(keys::webhook_part(id, "retry"))
                    .arg(ev)
                    .arg(format!("{first_millis}:{}", attempt.attempt))
                    .ignore();
            }
            Outcome::Delivered | Outcome::Dead => {
                pipe.cmd("HSET").arg(keys::webhook_part(id, "done")).arg(ev).arg(1).ignore();
                pipe.cmd("HDEL").arg(keys::webhook_part(id, "retry")).arg(ev).ignore();
                pipe.cmd("HDEL").arg(keys::webhook_part(id, "requeue")).arg(ev).ignore();
                if attempt.outcome == Outcome::Dead {
                    pipe.cmd("HSET").arg(keys::webhook_part(id, "dead")).arg(ev).arg(body).ignore();
                }
            }
        }
        let mut conn = self.exec.conn.clone();
        self.call(pipe.query_async::<()>(&mut conn)).await
    }

    /// Moves webhook `id`'s cursor past a finished window, if `holder` still holds
    /// its lease (and it still exists).
    pub async fn advance_webhook(
        &self,
        id: &WebhookId,
        holder: &str,
        cursor: EventCursor,
    ) -> Result<bool, StoreError> {
        let moved: i64 = self
            .query(
                redis::cmd("EVAL")
                    .arg(ADVANCE)
                    .arg(3)
                    .arg(keys::webhook_part(id, "lease"))
                    .arg(keys::webhook(id))
                    .arg(keys::webhook_part(id, "done"))
                    .arg(holder)
                    .arg(cursor.to_string()),
            )
            .await?;
        Ok(moved == 1)
    }

    /// The last `max` attempts, newest first.
    pub async fn webhook_attempts(&self, id: &WebhookId, max: usize) -> Result<Vec<Attempt>, StoreError> {
        let raw: crate::history::RawEntries = self
            .query(
                redis::cmd("XREVRANGE")
                    .arg(keys::webhook_part(id, "log"))
                    .arg("+")
                    .arg("-")
                    .arg("COUNT")
                    .arg(max),
            )
            .await?;
        raw.into_iter()
            .map(|(_, kv)| {
                let mut f: HashMap<String, String> = HashMap::new();
                let mut kv = kv.into_iter();
                while let (Some(k), Some(v)) = (kv.next(), kv.next()) {
                    f.insert(k, v);
                }
                let get = |k: &str| f.get(k).cloned().unwrap_or_default();
                Ok(Attempt {
                    event_id: get("event"),
                    account: get("account"),
                    attempt: get("attempt").parse().map_err(|_| corrupt("attempt"))?,
                    outcome: Outcome::parse(&get("outcome")).ok_or_else(|| corrupt("outcome"))?,
                    status: get("status").parse().ok(),
                    error: get("error"),
                    time_millis: get("time").parse().map_err(|_| corrupt("time"))?,
                    next_millis: get("next").parse().ok(),
                })
            })
            .collect()
    }

    /// The events that died, by event id (their bodies).
    pub async fn dead_deliveries(&self, id: &WebhookId) -> Result<HashMap<String, String>, StoreError> {
        self.query(redis::cmd("HGETALL").arg(keys::webhook_part(id, "dead"))).await
    }

    /// Asks for a dead event to be delivered again (with a new retry window).
    pub async fn redeliver(&self, id: &WebhookId, event_id: &str) -> Result<(), StoreError> {
        let moved: i64 = self
            .query(
                redis::cmd("EVAL")
                    .arg(REQUEUE)
                    .arg(3)
                    .arg(keys::webhook_part(id, "dead"))
                    .arg(keys::webhook_part(id, "requeue"))
                    .arg(keys::webhook_part(id, "retry"))
                    .arg(event_id),
            )
            .await?;
        if moved == 1 {
            Ok(())
        } else {
            Err(StoreError::Refused(Error::DeliveryNotFound(event_id.to_owned())))
        }
    }

    /// The dead events asked to be delivered again: event id -> body.
    pub async fn requeued(&self, id: &WebhookId) -> Result<HashMap<String, String>, StoreError> {
        self.query(redis::cmd("HGETALL").arg(keys::webhook_part(id, "requeue"))).await
    }
}
