-- ---------------------------------------------------------------------------
-- Finishes a capture in the hold's slot, once the target has decided
-- (credit.lua): credited, the balance falls by the capture, the held balance by
-- the whole hold, with a CAPTURE entry (TRANSFER_OUT for a transfer between slots)
-- and a RELEASE entry for any rest; refused, a client's hold is open again and a
-- transfer's hold is released. The final reply goes to the request id's record
-- and to the hold, so that a retry, a second driver or the recovery worker all
-- answer the same. A hold already settled answers its final reply.
--
-- KEYS[1]  account hash   KEYS[2] history stream   KEYS[3] open holds
-- KEYS[4]  the hold   KEYS[5] the record of the hold's capture request id
-- (optional)
-- ARGV[1]  hold id   ARGV[2] nonce   ARGV[3] account id   ARGV[4] TTL, seconds
-- ARGV[5]  the capture attempt the decision is of
-- ARGV[6..] the target's decision: {'OK', entry..., account...} or a refusal
--
-- Reply: {'DONE', hold part..., entry..., release entry (all '' when there is no
-- rest)..., account..., target entry..., target account...}, the target's refusal,
-- HOLD_NOT_FOUND / HOLD_NOT_OPEN (a hold that is not capturing and has no final
-- reply: a client's hold whose capture was refused), or {'STALE_ATTEMPT'}: the
-- hold is capturing again, in a later attempt than the decision's (a slow driver
-- of an earlier, refused attempt), and the driver must read the hold again.
local acct, log, holds, hold, req = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local hold_id, nonce, id, ttl, attempt = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]

local h = read_hold(hold)
if not h[2] then return {'HOLD_NOT_FOUND', hold_id} end
if h[2] ~= 'capturing' then
  if h[18] then
    local _, final = decode(h[18])
    return final
  end
  return {'HOLD_NOT_OPEN', hold_id, h[2]}
end

if h[12] ~= attempt then return {'STALE_ATTEMPT'} end

local a = read_account(acct)
local now_s = int(now_millis())
local rid, memo, actor = h[13] or '', h[15] or '', h[16] or ''
local amount = tonumber(h[3])
local final
if ARGV[6] == 'OK' then
  local camount = tonumber(h[9])
  local bal_s, held_s = int(tonumber(a[3]) - camount), int(tonumber(a[10] or '0') - amount)
  local ver = tonumber(a[4]) + 1
  local ver_s = int(ver)
  local kind = 'capture'
  if h[1] == 'transfer' then kind = 'transfer_out' end
  -- ARGV[7..16] is the target's entry part; its 5th field the target's version.
  local e1 = append(log, kind, h[9], bal_s, ver_s, rid, memo, actor, h[8], hold_id, ARGV[11])
  local rest = {'', '', '', '', '', '', '', '', '', ''}
  if amount > camount then
    ver = ver + 1
    local rver_s, rest_s = int(ver), int(amount - camount)
    local e2 = append(log, 'release', rest_s, bal_s, rver_s, rid, memo, actor, '', hold_id, '')
    rest = {e2, 'release', rest_s, bal_s, rver_s, rid, memo, '', hold_id, actor}
  end
  local final_ver = int(ver)
  redis.call('HSET', acct, 'bal', bal_s, 'held', held_s, 'ver', final_ver)
  redis.call('HSET', hold, 'state', 'captured', 'stime', now_s)
  redis.call('ZREM', holds, nonce)
  a[3], a[4], a[10] = bal_s, final_ver, held_s
  final = {'DONE', hold_part(nonce, read_hold(hold))}
  for _, v in ipairs({e1, kind, h[9], bal_s, ver_s, rid, memo, h[8], hold_id, actor}) do final[#final + 1] = v end
  for _, v in ipairs(rest) do final[#final + 1] = v end
  for _, v in ipairs({account_part(a)}) do final[#final + 1] = v end
  for i = 7, #ARGV do final[#final + 1] = ARGV[i] end
else
  final = {}
  for i = 6, #ARGV do final[#final + 1] = ARGV[i] end
  if h[1] == 'transfer' then
    local held_s, ver_s = int(tonumber(a[10] or '0') - amount), int(tonumber(a[4]) + 1)
    redis.call('HSET', acct, 'held', held_s, 'ver', ver_s)
    redis.call('HSET', hold, 'state', 'voided', 'stime', now_s)
    redis.call('ZREM', holds, nonce)
    append(log, 'release', h[3], a[3], ver_s, rid, memo, actor, '', hold_id, '')
  else
    -- A client's hold stays: open again, for another capture or a void.
    redis.call('HSET', hold, 'state', 'open')
    redis.call('HDEL', hold, 'to', 'camount')
    return remember(req, h[14], ttl, final)
  end
end
redis.call('HSET', hold, 'final', encode('', final))
redis.call('EXPIRE', hold, ttl)
return remember(req, h[14], ttl, final)
