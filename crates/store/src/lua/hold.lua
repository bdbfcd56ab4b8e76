-- ---------------------------------------------------------------------------
-- Reserves funds on an account: its held balance rises by the amount, its
-- balance stays; a HOLD entry records it. A client's hold opens ('open'); the
-- first step of a transfer between two cluster slots opens it already
-- capturing, to its target, with the transfer's request id for the final reply
-- (the store then credits the target and settles, see settle.lua).
--
-- The store adds the hold to the due index (holds:{due-N}) before calling this,
-- with `deadline` as its score: the recovery worker acts on it only after the
-- deadline, and this script refuses to make a hold once the deadline has passed,
-- so the worker never drops an index entry whose hold is still to come.
--
-- KEYS[1]  account hash       acct:{ID}
-- KEYS[2]  history stream     acct:{ID}:log
-- KEYS[3]  open holds         acct:{ID}:holds (zset: nonce -> expire ms)
-- KEYS[4]  the hold           acct:{ID}:hold:NONCE
-- KEYS[5]  idempotency record, only with a request id
-- ARGV[1..5] owner, actor, request id, fingerprint, TTL (prelude's common_args)
-- ARGV[6]  currency   ARGV[7] amount   ARGV[8] memo   ARGV[9] account id
-- ARGV[10] nonce   ARGV[11] expire (ms)   ARGV[12] deadline (ms)
-- ARGV[13] purpose: hold | transfer   ARGV[14] the transfer's target ('' for a
-- hold)   ARGV[15] most open holds
--
-- Reply: {'OK', hold part..., entry..., account...}; for a transfer, its
-- remembered {'PENDING', nonce} (or the final reply) on a retry; or a refusal as in
-- post.lua, TOO_MANY_HOLDS, or DEADLINE_PASSED (nothing written).
local acct, log, holds, hold, req = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local owner, actor, rid, fp, ttl = common_args()
local cur, amount_arg, memo, id, nonce, expire, deadline, purpose, to_id, max_open = unpack(ARGV, COMMON + 1)

local refused = denied(acct, owner)
if refused then return refused end

local replayed = replay(req, fp)
if replayed then return replayed end

local a = read_account(acct)
if not a[1] then return {'ACCOUNT_NOT_FOUND', id} end
if a[2] ~= cur then return {'CURRENCY_MISMATCH', a[2], id} end
local refusal = not_movable(a, id)
if refusal then return refusal end
local now = now_millis()
if now >= tonumber(deadline) then return {'DEADLINE_PASSED'} end
if redis.call('ZCARD', holds) >= tonumber(max_open) then return {'TOO_MANY_HOLDS'} end
local amount = tonumber(amount_arg)
local short = unavailable(a, amount)
if short then return remember(req, fp, ttl, short) end

local held_s, ver_s, now_s = int(tonumber(a[10] or '0') + amount), int(tonumber(a[4]) + 1), int(now)
local hold_id = id .. ':h' .. nonce
redis.call('HSET', acct, 'held', held_s, 'ver', ver_s)
a[10] = held_s
local state, attempt = 'open', '0'
if purpose == 'transfer' then state, attempt = 'capturing', '1' end
redis.call('HSET', hold, 'purpose', purpose, 'state', state, 'amount', amount_arg, 'cur', cur, 'memo', memo,
  'ctime', now_s, 'expire', expire, 'actor', actor, 'acct', id, 'attempt', attempt)
if purpose == 'transfer' then
  redis.call('HSET', hold, 'to', to_id, 'camount', amount_arg, 'crid', rid, 'cfp', fp, 'cmemo', memo,
    'cactor', actor, 'cdue', deadline)
end
redis.call('ZADD', holds, expire, nonce)
local entry = append(log, 'hold', amount_arg, a[3], ver_s, rid, memo, actor, to_id, hold_id, '')
local h = read_hold(hold)
local reply = {'OK', hold_part(nonce, h)}
for _, v in ipairs({posted(entry, 'hold', amount_arg, a[3], ver_s, rid, memo, to_id, hold_id, actor, a)}) do
  reply[#reply + 1] = v
end
if purpose == 'transfer' then
  remember(req, fp, ttl, {'PENDING', nonce})
  return reply
end
return remember(req, fp, ttl, reply)
