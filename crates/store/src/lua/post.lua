-- Applies one balance change to one account, atomically and in one round trip:
-- idempotency check, validation against the current state, the new balance and
-- version, the history entry, and the idempotency record. Every check comes before
-- the first write, so a refused change writes nothing but its idempotency record.
--
-- KEYS[1]  account hash               acct:{ID}
-- KEYS[2]  history stream             acct:{ID}:log
-- KEYS[3]  interest periods posted    acct:{ID}:interest (hash: period -> record)
-- KEYS[4]  idempotency record, only when the request carries a request id
-- ARGV[1]  kind                       deposit | withdrawal | interest
-- ARGV[2]  currency of the amount     '' for interest (it is in the account's)
-- ARGV[3]  amount in minor units; for interest the numerator of the fraction
-- ARGV[4]  interest denominator       '' unless interest
-- ARGV[5]  memo
-- ARGV[6]  request id                 '' when none
-- ARGV[7]  request fingerprint        compared on a retry with the same request id
-- ARGV[8]  idempotency record TTL, seconds
-- ARGV[9]  maximum balance, minor units
-- ARGV[10] account id                 for refusals
-- ARGV[11] interest period            '' unless interest posted for a period
--
-- Reply: {'OK', entry..., account...}, or a refusal: {REASON, balance, currency}
-- for INSUFFICIENT_FUNDS and BALANCE_LIMIT_EXCEEDED (both remembered under the
-- request id), {'CURRENCY_MISMATCH', currency, id}, {'ACCOUNT_NOT_FOUND', id},
-- {'ACCOUNT_FROZEN', id}, {'ACCOUNT_CLOSED', id}, {'IDEMPOTENCY_KEY_REUSED'},
-- {'INTEREST_ALREADY_POSTED', period}.

local acct, log, periods, req = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local kind, cur, amount_arg, den_arg, memo, rid, fp, ttl, max_bal, id, period = unpack(ARGV)

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

local replayed = replay(req, fp)
if replayed then return replayed end

-- Interest for a period is posted once per account and period, kept forever (the
-- request id record expires; this one must not).
if period ~= '' then
  local posted = recall(redis.call('HGET', periods, period), fp, {'INTEREST_ALREADY_POSTED', period})
  if posted then return posted end
end

local a = read_account(acct)
if not a[1] then return {'ACCOUNT_NOT_FOUND', id} end
if cur ~= '' and a[2] ~= cur then return {'CURRENCY_MISMATCH', a[2], id} end
local refusal = not_movable(a, id)
if refusal then return refusal end

local bal, amount = tonumber(a[3]), nil
if kind == 'interest' then
  amount = interest(bal, tonumber(amount_arg), tonumber(den_arg))
else
  amount = tonumber(amount_arg)
end

local new_bal
if kind == 'withdrawal' then
  if amount > bal then return remember(req, fp, ttl, {'INSUFFICIENT_FUNDS', a[3], a[2]}) end
  new_bal = bal - amount
else
  new_bal = bal + amount
  if new_bal > tonumber(max_bal) then
    return remember(req, fp, ttl, {'BALANCE_LIMIT_EXCEEDED', a[3], a[2]})
  end
end

local bal_s, ver_s = int(new_bal), int(tonumber(a[4]) + 1)
local amount_s = amount_arg
if kind == 'interest' then amount_s = int(amount) end
redis.call('HSET', acct, 'bal', bal_s, 'ver', ver_s)
a[3], a[4] = bal_s, ver_s
local reply = join({'OK'}, append(log, kind, amount_s, bal_s, ver_s, rid, memo, '', ''), account_reply(a))
if period ~= '' then redis.call('HSET', periods, period, encode(fp, reply)) end
return remember(req, fp, ttl, reply)
