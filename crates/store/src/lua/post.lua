#!lua
-- Applies one balance change to one account, atomically and in one round trip:
-- idempotency check, validation against the current state, the new balance and
-- version, the history entry, and the idempotency record. Every check comes before
-- the first write, so a refused change writes nothing but its idempotency record.
-- The `#!lua` line makes Redis refuse the whole script up front when it is out of
-- memory, rather than failing half-way through its writes.
--
-- KEYS[1]  account hash               acct:{ID}
-- KEYS[2]  history stream             acct:{ID}:log
-- KEYS[3]  idempotency record, only when the request carries a request id
-- ARGV[1]  kind                       deposit | withdrawal | interest
-- ARGV[2]  currency of the amount     '' for interest (it is in the account's)
-- ARGV[3]  amount in minor units; for interest the numerator of the fraction
-- ARGV[4]  interest denominator       '' unless interest
-- ARGV[5]  memo
-- ARGV[6]  request id                 '' when none
-- ARGV[7]  request fingerprint        compared on a retry with the same request id
-- ARGV[8]  idempotency record TTL, seconds
-- ARGV[9]  maximum balance, minor units
--
-- Numbers: balances and amounts are at most 10^15 (the domain's limits), so every
-- sum below is an exact Lua number (a double is exact below 2^53), and string.format
-- with %.0f prints it without an exponent.
--
-- Reply: {'OK', entry_id, kind, amount, balance_after, version, type, currency,
--         create_time_micros, request_id, memo}, or {REASON, balance, currency}
--         for INSUFFICIENT_FUNDS and BALANCE_LIMIT_EXCEEDED (both remembered under the
--         request id), {'CURRENCY_MISMATCH', currency}, {'ACCOUNT_NOT_FOUND'},
--         {'IDEMPOTENCY_KEY_REUSED'}.
local acct, log, req = KEYS[1], KEYS[2], KEYS[3]
local kind, cur, amount_arg, den_arg, memo, rid, fp, ttl, max_bal = unpack(ARGV)

local function int(x) return string.format('%.0f', x) end

-- floor(a * n / d) rounded half-even, exactly, for 0 <= a <= 10^15, n < 4e11 and
-- d = 3.65e10 (see redbank_domain::interest::interest_fraction). a is cut into
-- base-10^4 limbs so that every product and partial remainder stays below 2^53.
-- The quotient may exceed 2^53 only when it is far above the balance limit, where
-- the caller refuses it anyway. The store's tests check this against the domain.
local function interest(a, n, d)
  local B, limbs = 10000, {}
  while a > 0 do
    local l = math.fmod(a, B)
    limbs[#limbs + 1] = l
    a = (a - l) / B
  end
  local prod, carry = {}, 0
  for i = 1, #limbs do
    local p = limbs[i] * n + carry
    local l = math.fmod(p, B)
    prod[i] = l
    carry = (p - l) / B
  end
  while carry > 0 do
    local l = math.fmod(carry, B)
    prod[#prod + 1] = l
    carry = (carry - l) / B
  end
  local q, r = 0, 0
  for i = #prod, 1, -1 do
    local cur = r * B + prod[i]
    local qd = math.floor(cur / d)
    if qd * d > cur then qd = qd - 1 end
    r = cur - qd * d
    if r >= d then qd = qd + 1; r = r - d end
    q = q * B + qd
  end
  if 2 * r > d or (2 * r == d and math.fmod(q, 2) == 1) then q = q + 1 end
  return q
end

local function remember(reply)
  if req then redis.call('SET', req, cjson.encode({fp, reply}), 'EX', ttl) end
  return reply
end

if req then
  local rec = redis.call('GET', req)
  if rec then
    local r = cjson.decode(rec)
    if r[1] ~= fp then return {'IDEMPOTENCY_KEY_REUSED'} end
    return r[2]
  end
end

local a = redis.call('HMGET', acct, 'cur', 'bal', 'ver', 'type', 'ctime')
if not a[1] then return {'ACCOUNT_NOT_FOUND'} end
if cur ~= '' and a[1] ~= cur then return {'CURRENCY_MISMATCH', a[1]} end

local bal, amount = tonumber(a[2]), nil
if kind == 'interest' then
  amount = interest(bal, tonumber(amount_arg), tonumber(den_arg))
else
  amount = tonumber(amount_arg)
end

local new_bal
if kind == 'withdrawal' then
  if amount > bal then return remember({'INSUFFICIENT_FUNDS', a[2], a[1]}) end
  new_bal = bal - amount
else
  new_bal = bal + amount
  if new_bal > tonumber(max_bal) then return remember({'BALANCE_LIMIT_EXCEEDED', a[2], a[1]}) end
end

local ver = tonumber(a[3]) + 1
redis.call('HSET', acct, 'bal', int(new_bal), 'ver', int(ver))
local id = redis.call('XADD', log, '*', 'kind', kind, 'amount', int(amount), 'balance', int(new_bal),
  'version', int(ver), 'request_id', rid, 'memo', memo)
return remember({'OK', id, kind, int(amount), int(new_bal), int(ver), a[4], a[1], a[5], rid, memo})
