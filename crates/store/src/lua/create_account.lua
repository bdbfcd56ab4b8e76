-- Creates one account, atomically: idempotency check, existence check, write,
-- idempotency record.
--
-- KEYS[1]  account hash               acct:{ID}
-- KEYS[2]  idempotency record, only when the request carries a request id
-- ARGV[1..5] prelude's common_args: the request fingerprint (compared on a retry
--           with the same request id) and the record's TTL are read; no owner is
--           required of the caller (the policy decided who may open for whom)
-- ARGV[6]  account type               savings | checking
-- ARGV[7]  currency code              USD
-- ARGV[8]  account id                 for refusals
-- ARGV[9]  the new account's owner    a customer id, or '' for none
--
-- Reply: {'OK', account...} or {REASON, detail...}.
local acct, req = KEYS[1], KEYS[2]
local _, _, _, fp, ttl = common_args()
local kind, cur, id, owner = unpack(ARGV, COMMON + 1)

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
