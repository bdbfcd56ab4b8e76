-- Creates one account, atomically: idempotency check, existence check, write,
-- idempotency record.
--
-- KEYS[1]  account hash               acct:{ID}
-- KEYS[2]  idempotency record, only when the request carries a request id
-- ARGV[1]  account type               savings | checking
-- ARGV[2]  currency code              USD
-- ARGV[3]  request fingerprint        compared on a retry with the same request id
-- ARGV[4]  idempotency record TTL, seconds
-- ARGV[5]  account id                 for refusals
-- ARGV[6]  owner                      a customer id, or '' for none
--
-- Reply: {'OK', account...} or {REASON, detail...}.
local acct, req = KEYS[1], KEYS[2]
local kind, cur, fp, ttl, id, owner = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]

local replayed = replay(req, fp)
if replayed then return replayed end

if redis.call('EXISTS', acct) == 1 then return {'ACCOUNT_EXISTS', id} end

local t = redis.call('TIME')
local ctime = t[1] .. string.format('%06d', tonumber(t[2]))
redis.call('HSET', acct, 'type', kind, 'cur', cur, 'bal', '0', 'ver', '0', 'ctime', ctime, 'state', 'active')
if owner ~= '' then redis.call('HSET', acct, 'owner', owner) end
-- The reply from what was just written (read_account's order), without reading it back.
local a = {kind, cur, '0', '0', ctime, 'active', nil, nil, owner, '0'}
return remember(req, fp, ttl, {'OK', account_part(a)})
