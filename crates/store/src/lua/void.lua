-- ---------------------------------------------------------------------------
-- Releases an open hold: voided by a client, or expired by the service (only once
-- its expire time has passed by Redis's clock). The held balance falls by the
-- hold's amount, with a RELEASE entry. A hold that is capturing cannot be voided:
-- its capture is decided in the target's slot (credit.lua).
--
-- KEYS[1]  account hash   KEYS[2] history stream   KEYS[3] open holds
-- KEYS[4]  the hold   KEYS[5] idempotency record (optional)
-- ARGV[1..5] owner, actor, request id, fingerprint, TTL (prelude's common_args)
-- ARGV[6]  hold id   ARGV[7] nonce   ARGV[8] account id   ARGV[9] voided | expired
-- ARGV[10] memo
--
-- Reply: {'OK', hold part..., entry..., account...}, {'NOT_DUE'} (expiry asked too
-- early), HOLD_NOT_FOUND, HOLD_NOT_OPEN, PERMISSION_DENIED.
local acct, log, holds, hold, req = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local owner, actor, rid, fp, ttl = common_args()
local hold_id, nonce, id, why, memo = unpack(ARGV, COMMON + 1)

local refused = denied(acct, owner)
if refused then return refused end

local replayed = replay(req, fp)
if replayed then return replayed end

local h = read_hold(hold)
if not h[2] then return {'HOLD_NOT_FOUND', hold_id} end
if h[2] ~= 'open' or h[1] ~= 'hold' then return {'HOLD_NOT_OPEN', hold_id, h[2]} end
local now = now_millis()
if why == 'expired' and now < tonumber(h[7]) then return {'NOT_DUE'} end

local a = read_account(acct)
local held_s, ver_s = int(tonumber(a[10] or '0') - tonumber(h[3])), int(tonumber(a[4]) + 1)
redis.call('HSET', acct, 'held', held_s, 'ver', ver_s)
a[10] = held_s
redis.call('HSET', hold, 'state', why, 'stime', int(now))
redis.call('ZREM', holds, nonce)
local entry = append(log, 'release', h[3], a[3], ver_s, rid, memo, actor, '', hold_id, '')
local reply = {'OK', hold_part(nonce, read_hold(hold))}
for _, v in ipairs({posted(entry, 'release', h[3], a[3], ver_s, rid, memo, '', hold_id, actor, a)}) do
  reply[#reply + 1] = v
end
redis.call('EXPIRE', hold, ttl)
return remember(req, fp, ttl, reply)
