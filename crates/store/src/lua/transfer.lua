-- Moves money from one account to another, atomically: both balances and both
-- history entries change, or nothing does. Every check comes before the first write.
--
-- Both accounts must live in this Redis (in a cluster, in one slot): the store
-- calls this script only then. Across slots the same API becomes a journaled
-- two-step (see ARCHITECTURE.md); the entries keep the same shape.
--
-- KEYS[1]  source account hash        acct:{FROM}
-- KEYS[2]  source history stream      acct:{FROM}:log
-- KEYS[3]  target account hash        acct:{TO}
-- KEYS[4]  target history stream      acct:{TO}:log
-- KEYS[5]  idempotency record under the source, only with a request id
-- ARGV[1..5] the source's required owner, actor, request id, fingerprint, TTL
--           (prelude's common_args)
-- ARGV[6]  currency   ARGV[7] amount (minor units)   ARGV[8] memo
-- ARGV[9]  maximum balance   ARGV[10] source id   ARGV[11] target id
--
-- Reply: {'OK', source entry..., source account..., target entry..., target
-- account...} or a refusal as in post.lua; BALANCE_LIMIT_EXCEEDED is the target's.
local from, from_log, to, to_log, req = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local owner, actor, rid, fp, ttl = common_args()
local cur, amount_arg, memo, max_bal, from_id, to_id = unpack(ARGV, COMMON + 1)

local refused = denied(from, owner)
if refused then return refused end

local replayed = replay(req, fp)
if replayed then return replayed end

local f = read_account(from)
if not f[1] then return {'ACCOUNT_NOT_FOUND', from_id} end
local t = read_account(to)
if not t[1] then return {'ACCOUNT_NOT_FOUND', to_id} end
if f[2] ~= cur then return {'CURRENCY_MISMATCH', f[2], from_id} end
if t[2] ~= cur then return {'CURRENCY_MISMATCH', t[2], to_id} end
local refusal = not_movable(f, from_id) or not_movable(t, to_id)
if refusal then return refusal end

local amount, fb, tb = tonumber(amount_arg), tonumber(f[3]), tonumber(t[3])
local short = unavailable(f, amount)
if short then return remember(req, fp, ttl, short) end
if tb + amount > tonumber(max_bal) then
  return remember(req, fp, ttl, {'BALANCE_LIMIT_EXCEEDED', t[3], t[2]})
end

local fb_s, tb_s = int(fb - amount), int(tb + amount)
local fv_s, tv_s = int(tonumber(f[4]) + 1), int(tonumber(t[4]) + 1)
-- The source's version is unique to this change, so it names the transfer.
local transfer = from_id .. ':' .. fv_s
redis.call('HSET', from, 'bal', fb_s, 'ver', fv_s)
redis.call('HSET', to, 'bal', tb_s, 'ver', tv_s)
local out = append(from_log, 'transfer_out', amount_arg, fb_s, fv_s, rid, memo, actor, to_id, transfer, tv_s)
local inn = append(to_log, 'transfer_in', amount_arg, tb_s, tv_s, rid, memo, actor, from_id, transfer, fv_s)
local reply = {'OK', posted(out, 'transfer_out', amount_arg, fb_s, fv_s, rid, memo, to_id, transfer, actor, f)}
for _, v in ipairs({posted(inn, 'transfer_in', amount_arg, tb_s, tv_s, rid, memo, from_id, transfer, actor, t)}) do
  reply[#reply + 1] = v
end
return remember(req, fp, ttl, reply)
