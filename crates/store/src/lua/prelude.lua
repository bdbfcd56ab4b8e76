#!lua
-- The prelude of every redbank script: the store prepends it to each script body,
-- so that the helpers below exist once. The `#!lua` line (no flags) makes Redis
-- refuse a whole script up front when it is out of memory, rather than failing
-- half-way through its writes.
--
-- Numbers: balances and amounts are at most 10^15 (the domain's limits), so every
-- sum is an exact Lua number (a double is exact below 2^53); int() prints one
-- without an exponent. Printing a number is costly (glibc's float printing), so
-- each script prints each new number once and reuses the string.

local function int(x) return string.format('%.0f', x) end

-- The feed of every account's changes, when it is written in the change's own step:
-- on one Redis, where a script may write any key (the store turns this line into
-- `local FEED = 'feed:{events}'`). On a Redis Cluster it cannot (another slot),
-- and a relay fills the feed instead (store/src/feed.rs, publish.lua).
local FEED = false

-- Records (a request id's, an interest period's) hold the request fingerprint and
-- the reply, joined by NUL bytes: no field can contain one (the domain refuses
-- control characters in memos, reasons and ids). Unlike cjson, it cannot print a
-- large number in floating point, and it needs no parser.
local function encode(fp, reply)
  return fp .. '\0' .. table.concat(reply, '\0')
end

local function decode(rec)
  local parts, start = {}, 1
  while true do
    local i = string.find(rec, '\0', start, true)
    if not i then
      parts[#parts + 1] = string.sub(rec, start)
      return table.remove(parts, 1), parts
    end
    parts[#parts + 1] = string.sub(rec, start, i - 1)
    start = i + 1
  end
end

-- The remembered reply of a record: nil when there is none, `refusal` when the
-- record was made by a request with other parameters.
local function recall(rec, fp, refusal)
  if not rec then return nil end
  local first_fp, reply = decode(rec)
  if first_fp ~= fp then return refusal end
  return reply
end

-- The arguments every write script of one request takes first, in this order
-- (the store writes them in one place, scripts/common.rs): the customer that must
-- own the account ('' for staff), the actor, the request id ('' if none), the
-- request's fingerprint, and how long (s) its record is kept. A script's own
-- arguments follow, from ARGV[COMMON + 1].
local COMMON = 5
local function common_args()
  return ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
end

-- The remembered reply of a request id, or IDEMPOTENCY_KEY_REUSED.
local function replay(req, fp)
  if not req then return nil end
  return recall(redis.call('GET', req), fp, {'IDEMPOTENCY_KEY_REUSED'})
end

-- Remembers a reply under the request id, if any, and returns it.
local function remember(req, fp, ttl, reply)
  if req then redis.call('SET', req, encode(fp, reply), 'EX', ttl) end
  return reply
end

-- The account hash fields every script reads, in the order of every reply's
-- account part (reply.rs, ACCOUNT_FIELDS): 1 type, 2 cur, 3 bal, 4 ver, 5 ctime,
-- 6 state (nil means active), 7 state reason, 8 state change time (ms), 9 owner
-- (a customer id; nil for an account no customer owns), 10 held (the sum of the
-- open holds; nil means 0).
local function read_account(key)
  return redis.call('HMGET', key, 'type', 'cur', 'bal', 'ver', 'ctime', 'state', 'sreason', 'stime', 'owner', 'held')
end

-- The account part of a reply, as multiple values (see `posted`).
local function account_part(a)
  return a[1], a[2], a[3], a[4], a[5], a[6] or 'active', a[7] or '', a[8] or '0', a[9] or '', a[10] or '0'
end

-- INSUFFICIENT_FUNDS, with the available balance, when `amount` is more than the
-- balance less what open holds reserve; nil when it is covered (the overdraft
-- rule). Twin: rules::covered.
local function unavailable(a, amount)
  local available = tonumber(a[3]) - tonumber(a[10] or '0')
  if amount > available then return {'INSUFFICIENT_FUNDS', int(available), a[2]} end
  return nil
end

-- Redis's clock in milliseconds.
local function now_millis()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- PERMISSION_DENIED unless the account exists and `owner` owns it; nil when it
-- does or when `owner` is '' (staff). A missing account and another's account get
-- the same answer, so that a customer cannot probe ids. Every script that changes
-- an account on a customer's behalf calls this first, before its request-id
-- record can answer: a replay must not show another's account either.
local function denied(acct, owner)
  if owner == '' then return nil end
  if redis.call('HGET', acct, 'owner') ~= owner then return {'PERMISSION_DENIED'} end
  return nil
end

-- The refusal for an account that may not move money, or nil.
local function not_movable(a, id)
  if a[6] == 'frozen' then return {'ACCOUNT_FROZEN', id} end
  if a[6] == 'closed' then return {'ACCOUNT_CLOSED', id} end
  return nil
end

-- A history entry with a transfer (or hold) id: its longer form.
local function append_with_transfer(log, kind, amount, bal, ver, rid, memo, actor, counterparty, transfer, cversion)
  -- Holds and their releases carry the hold's id in `transfer` and no
  -- counterparty; a transfer between slots does not know the other side's
  -- version when its credit is written (cversion '').
  local entry = {'kind', kind, 'amount', amount, 'balance', bal, 'version', ver, 'request_id', rid,
    'memo', memo, 'actor', actor, 'transfer', transfer}
  if counterparty ~= '' then
    entry[#entry + 1], entry[#entry + 2] = 'counterparty', counterparty
  end
  if cversion ~= '' then
    entry[#entry + 1], entry[#entry + 2] = 'cversion', cversion
  end
  return redis.call('XADD', log, '*', unpack(entry))
end

-- Appends one history entry and returns its id. Numbers come as strings,
-- formatted once by the caller: number formatting is costly in a script. A
-- transfer's entry also stores the counterparty's version after the transfer
-- (cversion), which the invariant checker needs once the other half has been
-- archived. `actor` names who made the change (the audit trail).
local function append(log, kind, amount, bal, ver, rid, memo, actor, counterparty, transfer, cversion)
  local id
  if transfer == '' then
    id = redis.call('XADD', log, '*', 'kind', kind, 'amount', amount, 'balance', bal, 'version', ver,
      'request_id', rid, 'memo', memo, 'actor', actor)
  else
    id = append_with_transfer(log, kind, amount, bal, ver, rid, memo, actor, counterparty, transfer, cversion)
  end
  -- The feed names the entry (its account, from `acct:{ID}:log`, and its id);
  -- readers take the entry itself from the history.
  if FEED then redis.call('XADD', FEED, '*', 'acct', string.sub(log, 7, -6), 'entry', id) end
  return id
end

-- The entry part of a reply (reply.rs, ENTRY_FIELDS: id, kind, amount, balance,
-- version, request id, memo, counterparty, transfer id, actor) and the account part
-- after it, with the new balance and version, as multiple values: a script expands
-- them at the end of its reply's table constructor, rather than building small
-- tables and joining them, which costs measurably more (docs/PERFORMANCE.md).
local function posted(id, kind, amount, bal, ver, rid, memo, counterparty, transfer, actor, a)
  return id, kind, amount, bal, ver, rid, memo, counterparty, transfer, actor,
    a[1], a[2], bal, ver, a[5], a[6] or 'active', a[7] or '', a[8] or '0', a[9] or '', a[10] or '0'
end

-- The hold hash fields, in the order of a reply's hold part (reply.rs,
-- HOLD_FIELDS) after the hold's nonce: 1 purpose (hold | transfer), 2 state,
-- 3 amount, 4 cur, 5 memo, 6 ctime (ms), 7 expire (ms), 8 capture target,
-- 9 capture amount, 10 settle time (ms), 11 actor. Then what only the scripts
-- read: 12 capture attempt, 13 the request id whose record gets the final reply
-- (the capture's, or the transfer's), 14 its fingerprint, 15 the capture's memo,
-- 16 the capture's actor, 17 the account's id, 18 the final reply, encoded. (And
-- `cdue`, which only the checker reads: when a capture is overdue.)
local function read_hold(key)
  return redis.call('HMGET', key, 'purpose', 'state', 'amount', 'cur', 'memo', 'ctime', 'expire', 'to',
    'camount', 'stime', 'actor', 'attempt', 'crid', 'cfp', 'cmemo', 'cactor', 'acct', 'final')
end

-- The hold part of a reply, as multiple values.
local function hold_part(nonce, h)
  return nonce, h[1], h[2], h[3], h[4], h[5] or '', h[6], h[7], h[8] or '', h[9] or '', h[10] or '0', h[11] or ''
end

-- ---------------------------------------------------------------------------
