-- Freezes, unfreezes or closes one account, atomically, with a history entry that
-- records the change, its reason and its time.
--
-- Rules: a closed account changes no more; freeze needs an active account,
-- unfreeze a frozen one; close needs an active account with a zero balance.
--
-- KEYS[1]  account hash   KEYS[2] history stream   KEYS[3] idempotency record (optional)
-- ARGV[1..5] owner, actor, request id, fingerprint, TTL (prelude's common_args)
-- ARGV[6]  change: frozen | unfrozen | closed (the history kind)
-- ARGV[7]  reason   ARGV[8] account id
--
-- Reply: {'OK', entry..., account...} or a refusal.
local acct, log, req = KEYS[1], KEYS[2], KEYS[3]
local owner, actor, rid, fp, ttl = common_args()
local change, reason, id = unpack(ARGV, COMMON + 1)

local refused = denied(acct, owner)
if refused then return refused end

local replayed = replay(req, fp)
if replayed then return replayed end

local a = read_account(acct)
if not a[1] then return {'ACCOUNT_NOT_FOUND', id} end
local state = a[6] or 'active'
if state == 'closed' then return {'ACCOUNT_CLOSED', id} end
local new_state
if change == 'frozen' then
  if state == 'frozen' then return {'ACCOUNT_FROZEN', id} end
  new_state = 'frozen'
elseif change == 'unfrozen' then
  if state ~= 'frozen' then return {'ACCOUNT_NOT_FROZEN', id} end
  new_state = 'active'
else
  if state == 'frozen' then return {'ACCOUNT_FROZEN', id} end
  if tonumber(a[3]) ~= 0 then return {'BALANCE_NOT_ZERO', a[3], a[2]} end
  new_state = 'closed'
end

local t = redis.call('TIME')
local stime = int(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
local ver_s = int(tonumber(a[4]) + 1)
redis.call('HSET', acct, 'state', new_state, 'sreason', reason, 'stime', stime, 'ver', ver_s)
a[6], a[7], a[8] = new_state, reason, stime
local entry = append(log, change, '0', a[3], ver_s, rid, reason, actor, '', '', '')
return remember(req, fp, ttl, {'OK', posted(entry, change, '0', a[3], ver_s, rid, reason, '', '', actor, a)})
