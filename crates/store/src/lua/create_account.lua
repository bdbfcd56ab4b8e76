#!lua
-- Creates one account, atomically: idempotency check, existence check, write,
-- idempotency record. The `#!lua` line makes Redis refuse the whole script up front
-- when it is out of memory, rather than failing half-way through its writes.
--
-- KEYS[1]  account hash               acct:{ID}
-- KEYS[2]  idempotency record, only when the request carries a request id
-- ARGV[1]  account type               savings | checking
-- ARGV[2]  currency code              USD
-- ARGV[3]  request fingerprint        compared on a retry with the same request id
-- ARGV[4]  idempotency record TTL, seconds
--
-- Reply: {'OK', type, currency, balance, version, create_time_micros} or {REASON}.
local acct, req = KEYS[1], KEYS[2]
local kind, cur, fp, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

if req then
  local rec = redis.call('GET', req)
  if rec then
    local r = cjson.decode(rec)
    if r[1] ~= fp then return {'IDEMPOTENCY_KEY_REUSED'} end
    return r[2]
  end
end

if redis.call('EXISTS', acct) == 1 then return {'ACCOUNT_EXISTS'} end

local t = redis.call('TIME')
local ctime = t[1] .. string.format('%06d', tonumber(t[2]))
redis.call('HSET', acct, 'type', kind, 'cur', cur, 'bal', '0', 'ver', '0', 'ctime', ctime)
local reply = {'OK', kind, cur, '0', '0', ctime}
if req then redis.call('SET', req, cjson.encode({fp, reply}), 'EX', ttl) end
return reply
