-- Applies balance changes, each atomically and all in one round trip: for each, the
-- idempotency check, validation against the current state, the new balance and
-- version, the history entry, and the idempotency record. Every check of a change
-- comes before its first write, so a refused change writes nothing but its
-- idempotency record. Changes are applied in order, so a later change of the same
-- account (or with the same request id) sees the earlier one, exactly as if each had
-- been its own call. The store sends one change per call at low load and gathers
-- concurrent ones into one call under load (batch.rs).
--
-- ARGV[1]  idempotency record TTL, seconds
-- ARGV[2]  maximum balance, minor units
-- then 11 ARGV per change, and 2 to 4 KEYS per change, in the same order:
-- KEYS     account hash               acct:{ID}
--          history stream             acct:{ID}:log
--          interest periods posted    acct:{ID}:interest (hash: period -> record), only
--                                     when interest is posted for a period
--          idempotency record         acct:{ID}:req:RID, only when there is a request id
-- ARGV     kind                       deposit | withdrawal | interest
--          currency of the amount     '' for interest (it is in the account's)
--          amount in minor units; for interest the numerator of the fraction,
--                                     or, with no denominator, the amount itself
--          interest denominator       '' unless one-off interest (a month's
--                                     interest comes computed, on daily balances)
--          memo
--          request id                 '' when none
--          request fingerprint        compared on a retry with the same request id
--          account id                 for refusals
--          interest period            '' unless interest posted for a period
--          required owner             a customer id, or '' for staff
--          actor                      who asks (the history's audit trail)
--
-- Reply: one reply per change, in order, each one string: its fields joined by NUL
-- bytes, as the change's record keeps them (no field can contain one; see `encode`
-- in prelude.lua). A reply of 21 fields as one string costs Redis one bulk string
-- to write and the server one to parse, against 22 (docs/PERFORMANCE.md, issue
-- 25), and a replay answers the record's own string. The fields: {'OK', entry...,
-- account...}; {'NO_CHANGE', account...} for interest of zero (no entry written);
-- or a refusal:
-- {REASON, balance, currency} for INSUFFICIENT_FUNDS (the available balance) and
-- BALANCE_LIMIT_EXCEEDED (both remembered under the request id), {'CURRENCY_MISMATCH', currency, id},
-- {'ACCOUNT_NOT_FOUND', id}, {'ACCOUNT_FROZEN', id}, {'ACCOUNT_CLOSED', id},
-- {'IDEMPOTENCY_KEY_REUSED'}, {'INTEREST_ALREADY_POSTED', period}, or
-- {'SCRIPT_ERROR', message} when the change failed on data the script cannot read
-- (the other changes of the call are not affected).

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

local ttl, max_bal = ARGV[1], tonumber(ARGV[2])

-- A record's reply as the joined string post.lua answers: nil when there is no
-- record, `refusal` when the record was made by a request with other parameters.
-- The record is `fp NUL reply`, and no fingerprint contains a NUL, so comparing
-- the prefix is comparing the fingerprint (`recall` without splitting the reply).
local function recall_joined(rec, fp, refusal)
  if not rec then return nil end
  if string.sub(rec, 1, #fp + 1) ~= fp .. '\0' then return refusal end
  return string.sub(rec, #fp + 2)
end

-- Joins a reply, remembers it under the request id (if any) and the interest
-- period (if any), and returns the joined string.
local function settle(req, periods, period, fp, reply)
  local joined = table.concat(reply, '\0')
  if req or period ~= '' then
    local rec = fp .. '\0' .. joined
    if period ~= '' then redis.call('HSET', periods, period, rec) end
    if req then redis.call('SET', req, rec, 'EX', ttl) end
  end
  return joined
end

-- One change. Returns its reply.
local function post(acct, log, periods, req, kind, cur, amount_arg, den_arg, memo, rid, fp, id, period,
    owner, actor)
  local refused = denied(acct, owner)
  if refused then return refused end

  if req then
    local replayed = recall_joined(redis.call('GET', req), fp, {'IDEMPOTENCY_KEY_REUSED'})
    if replayed then return replayed end
  end

  -- Interest for a period is posted once per account and period, kept forever (the
  -- request id record expires; this one must not).
  if period ~= '' then
    local posted = recall_joined(redis.call('HGET', periods, period), fp, {'INTEREST_ALREADY_POSTED', period})
    if posted then return posted end
  end

  local a = read_account(acct)
  if not a[1] then return {'ACCOUNT_NOT_FOUND', id} end
  if cur ~= '' and a[2] ~= cur then return {'CURRENCY_MISMATCH', a[2], id} end
  local refusal = not_movable(a, id)
  if refusal then return refusal end

  local bal, amount = tonumber(a[3]), nil
  if kind == 'interest' and den_arg ~= '' then
    amount = interest(bal, tonumber(amount_arg), tonumber(den_arg))
  else
    amount = tonumber(amount_arg)
  end

  -- Interest that comes to nothing (a zero balance, a tiny one) writes no entry:
  -- entries are positive. The account is answered unchanged; the period and the
  -- request id still remember it, so a rerun answers the same.
  if amount == 0 then
    return settle(req, periods, period, fp, {'NO_CHANGE', account_part(a)})
  end

  local new_bal
  if kind == 'withdrawal' then
    local short = unavailable(a, amount)
    if short then return settle(req, nil, '', fp, short) end
    new_bal = bal - amount
  else
    new_bal = bal + amount
    if new_bal > max_bal then
      return settle(req, nil, '', fp, {'BALANCE_LIMIT_EXCEEDED', a[3], a[2]})
    end
  end

  local bal_s, ver_s = int(new_bal), int(tonumber(a[4]) + 1)
  local amount_s = amount_arg
  if kind == 'interest' then amount_s = int(amount) end
  redis.call('HSET', acct, 'bal', bal_s, 'ver', ver_s)
  local entry = append(log, kind, amount_s, bal_s, ver_s, rid, memo, actor, '', '', '')
  return settle(req, periods, period, fp,
    {'OK', posted(entry, kind, amount_s, bal_s, ver_s, rid, memo, '', '', actor, a)})
end

local replies, k = {}, 1
for i = 3, #ARGV, 11 do
  local rid, period = ARGV[i + 5], ARGV[i + 8]
  local periods, req, nkeys = nil, nil, 2
  if period ~= '' then periods, nkeys = KEYS[k + nkeys], nkeys + 1 end
  if rid ~= '' then req, nkeys = KEYS[k + nkeys], nkeys + 1 end
  local ok, reply = pcall(post, KEYS[k], KEYS[k + 1], periods, req, ARGV[i], ARGV[i + 1], ARGV[i + 2],
    ARGV[i + 3], ARGV[i + 4], rid, ARGV[i + 6], ARGV[i + 7], period, ARGV[i + 9], ARGV[i + 10])
  if not ok then
    if type(reply) == 'table' then reply = reply.err end
    reply = {'SCRIPT_ERROR', tostring(reply)}
  end
  -- A refusal that is not remembered is still a table.
  if type(reply) == 'table' then reply = table.concat(reply, '\0') end
  replies[#replies + 1] = reply
  k = k + nkeys
end
return replies
