#!lua
-- The prelude of every redbank script: the store prepends it to each script body,
-- so that the helpers below exist once. The `#!lua` line (no flags) makes Redis
-- refuse a whole script up front when it is out of memory, rather than failing
-- half-way through its writes.
--
-- Numbers: balances and amounts are at most 10^15 (the domain's limits), so every
-- sum is an exact Lua number (a double is exact below 2^53); int() prints one
-- without an exponent.

local function int(x) return string.format('%.0f', x) end

-- The remembered reply of a request id: nil when there is none, the refusal
-- IDEMPOTENCY_KEY_REUSED when the id came with other parameters.
local function replay(req, fp)
  if not req then return nil end
  local rec = redis.call('GET', req)
  if not rec then return nil end
  local r = cjson.decode(rec)
  if r[1] ~= fp then return {'IDEMPOTENCY_KEY_REUSED'} end
  return r[2]
end

-- Remembers a reply under the request id, if any, and returns it.
local function remember(req, fp, ttl, reply)
  if req then redis.call('SET', req, cjson.encode({fp, reply}), 'EX', ttl) end
  return reply
end

-- The account hash fields every script reads, in the order of every reply's
-- account part (reply.rs, ACCOUNT_FIELDS): 1 type, 2 cur, 3 bal, 4 ver, 5 ctime,
-- 6 state (nil means active), 7 state reason, 8 state change time (ms).
local function read_account(key)
  return redis.call('HMGET', key, 'type', 'cur', 'bal', 'ver', 'ctime', 'state', 'sreason', 'stime')
end

local function account_reply(a)
  return {a[1], a[2], a[3], a[4], a[5], a[6] or 'active', a[7] or '', a[8] or '0'}
end

-- The refusal for an account that may not move money, or nil.
local function not_movable(a, id)
  if a[6] == 'frozen' then return {'ACCOUNT_FROZEN', id} end
  if a[6] == 'closed' then return {'ACCOUNT_CLOSED', id} end
  return nil
end

-- Appends one history entry and returns the entry part of a reply (reply.rs,
-- ENTRY_FIELDS): id, kind, amount, balance, version, request id, memo,
-- counterparty, transfer id.
local function append(log, kind, amount, bal, ver, rid, memo, counterparty, transfer)
  local fields = {'kind', kind, 'amount', int(amount), 'balance', int(bal), 'version', int(ver),
    'request_id', rid, 'memo', memo}
  if counterparty ~= '' then
    fields[#fields + 1] = 'counterparty'; fields[#fields + 1] = counterparty
    fields[#fields + 1] = 'transfer'; fields[#fields + 1] = transfer
  end
  local id = redis.call('XADD', log, '*', unpack(fields))
  return {id, kind, int(amount), int(bal), int(ver), rid, memo, counterparty, transfer}
end

-- Concatenates reply parts.
local function join(...)
  local out = {}
  for _, part in ipairs({...}) do
    for _, v in ipairs(part) do out[#out + 1] = v end
  end
  return out
end

-- ---------------------------------------------------------------------------
