-- ---------------------------------------------------------------------------
-- The target's side of a capture (of a client's hold, or of a transfer between
-- two cluster slots): credits the target, or records that it refused. One key in
-- the target's slot, the capture's decision record, decides the race between a
-- credit and a refusal (which voids a transfer): the first decision is written
-- there, and every later call, from any driver or replica, answers it. So a credit
-- that arrives after a void is impossible, and a credit is applied once.
--
-- KEYS[1]  target account hash   KEYS[2] target history stream
-- KEYS[3]  decision record       acct:{TO}:capture:HOLD_ID:ATTEMPT
-- ARGV[1]  currency   ARGV[2] amount   ARGV[3] memo   ARGV[4] request id
-- ARGV[5]  actor   ARGV[6] source id   ARGV[7] hold id   ARGV[8] maximum balance
-- ARGV[9]  TTL of the decision record, seconds   ARGV[10] target id
-- ARGV[11] the latest a credit may be made (ms): the capture's recovery deadline
--          plus half the record's TTL. Past it the capture is refused instead, so
--          that a driver paused for longer than the record lives cannot credit
--          again after the record expired: every credit is made while its record
--          will outlive any later attempt that could still credit.
--
-- Reply: {'OK', entry..., account...} (credited, now or before), or the target's
-- refusal (CAPTURE_TIMED_OUT past the latest time): ACCOUNT_NOT_FOUND, CURRENCY_MISMATCH, ACCOUNT_FROZEN,
-- ACCOUNT_CLOSED, BALANCE_LIMIT_EXCEEDED.
local acct, log, decision = KEYS[1], KEYS[2], KEYS[3]
local cur, amount_arg, memo, rid, actor, from_id, hold_id, max_bal, ttl, to_id, latest = unpack(ARGV)

local decided = recall(redis.call('GET', decision), '', nil)
if decided then return decided end

local function decide(reply)
  redis.call('SET', decision, encode('', reply), 'EX', ttl)
  return reply
end

if now_millis() > tonumber(latest) then return decide({'CAPTURE_TIMED_OUT', hold_id}) end
local a = read_account(acct)
if not a[1] then return decide({'ACCOUNT_NOT_FOUND', to_id}) end
if a[2] ~= cur then return decide({'CURRENCY_MISMATCH', a[2], to_id}) end
local refusal = not_movable(a, to_id)
if refusal then return decide(refusal) end
local bal = tonumber(a[3]) + tonumber(amount_arg)
if bal > tonumber(max_bal) then return decide({'BALANCE_LIMIT_EXCEEDED', a[3], a[2]}) end

local bal_s, ver_s = int(bal), int(tonumber(a[4]) + 1)
redis.call('HSET', acct, 'bal', bal_s, 'ver', ver_s)
local entry = append(log, 'transfer_in', amount_arg, bal_s, ver_s, rid, memo, actor, from_id, hold_id, '')
return decide({'OK', posted(entry, 'transfer_in', amount_arg, bal_s, ver_s, rid, memo, from_id, hold_id, actor, a)})
