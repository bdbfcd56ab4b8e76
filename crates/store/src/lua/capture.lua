-- ---------------------------------------------------------------------------
-- Starts a capture: an open hold becomes 'capturing', to its target, with the
-- amount (at most the hold's) and the capture's request id, memo and actor.
-- Nothing moves yet: the store then credits the target in its own slot
-- (credit.lua, decided once on one key there) and settles here (settle.lua).
-- The store moves the hold's entry in the due index to the recovery deadline
-- before calling this, so that a crash after it is finished by the worker.
--
-- KEYS[1]  account hash   KEYS[2] the hold   KEYS[3] idempotency record (optional)
-- ARGV[1..5] owner, actor, request id, fingerprint, TTL (prelude's common_args)
-- ARGV[6]  amount ('' for the whole hold)   ARGV[7] currency ('' with no amount)
-- ARGV[8]  target id   ARGV[9] memo   ARGV[10] hold id   ARGV[11] account id
-- ARGV[12] nonce   ARGV[13] the recovery deadline (ms): when the worker finishes
-- the capture if its driver did not
--
-- Reply: {'OK', hold part...} (now capturing); on a retry the remembered
-- {'PENDING', nonce} or the final reply; or HOLD_NOT_FOUND, HOLD_NOT_OPEN,
-- CAPTURE_EXCEEDS_HOLD, CURRENCY_MISMATCH, ACCOUNT_FROZEN, PERMISSION_DENIED.
local acct, hold, req = KEYS[1], KEYS[2], KEYS[3]
local owner, actor, rid, fp, ttl = common_args()
local amount_arg, cur, to_id, memo, hold_id, id, nonce, cdue = unpack(ARGV, COMMON + 1)

local refused = denied(acct, owner)
if refused then return refused end

local replayed = replay(req, fp)
if replayed then return replayed end

local h = read_hold(hold)
if not h[2] then return {'HOLD_NOT_FOUND', hold_id} end
if h[2] ~= 'open' or h[1] ~= 'hold' then return {'HOLD_NOT_OPEN', hold_id, h[2]} end
if now_millis() >= tonumber(h[7]) then return {'HOLD_NOT_OPEN', hold_id, 'expired'} end
local a = read_account(acct)
if not a[1] then return {'ACCOUNT_NOT_FOUND', id} end
local refusal = not_movable(a, id)
if refusal then return refusal end
if cur ~= '' and cur ~= h[4] then return {'CURRENCY_MISMATCH', h[4], id} end
if amount_arg == '' then amount_arg = h[3] end
if tonumber(amount_arg) > tonumber(h[3]) then return {'CAPTURE_EXCEEDS_HOLD', h[3], h[4]} end

local attempt = int(tonumber(h[12] or '0') + 1)
redis.call('HSET', hold, 'state', 'capturing', 'to', to_id, 'camount', amount_arg, 'attempt', attempt,
  'crid', rid, 'cfp', fp, 'cmemo', memo, 'cactor', actor, 'cdue', cdue)
remember(req, fp, ttl, {'PENDING', nonce})
return {'OK', hold_part(nonce, read_hold(hold))}
