-- Publishes accounts' history entries to the feed of every account's changes, on a
-- Redis Cluster: each account's entries in the order of its history, each once.
-- (On one Redis the change's own script writes the feed: prelude.lua's `append`.)
--
-- The feed lives in a slot of its own ({events}), so no change's script can write
-- it on a Cluster: a relay reads each account's history after the account's mark
-- (the last entry published) and calls this script with the ids it read. Several
-- relays may do so at once with overlapping reads: an entry at or before the
-- account's mark *now* is skipped, the rest are appended in order and the mark
-- moves to the last. Because the caller read every entry after the mark it saw, and
-- the mark only grows, the entries after the current mark are all among those
-- given: no gap, no repeat. A feed entry names the entry (account and id); readers
-- take the entry itself from the history.
--
-- Called with no account, it only trims (how one Redis's feed is trimmed).
--
-- KEYS[1]  the feed (a stream)               feed:{events}
-- KEYS[2]  the marks (hash: account -> last entry id published)
-- KEYS[3]  the feed's bookkeeping (hash: trimmed_at, deleted)
-- ARGV[1]  how long the feed keeps an event, ms (0: for ever)
-- ARGV[2]  how many accounts follow; then for each: its id, the number of entries
--          the caller read after the mark it saw, and their ids, in order
--
-- Reply: the number of events appended.
local feed, marks, meta = KEYS[1], KEYS[2], KEYS[3]
local retention = tonumber(ARGV[1])

-- Stream ids compare as two numbers: milliseconds, then sequence.
local function later(a, b)
  if not b then return true end
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, bm = tonumber(am), tonumber(bm)
  if am ~= bm then return am > bm end
  return tonumber(as) > tonumber(bs)
end

-- Where each account's part of ARGV starts; then every mark in one HMGET, and
-- (below) every mark moved in one HSET: a round publishes many accounts.
local accounts, starts = {}, {}
local i = 3
for a = 1, tonumber(ARGV[2]) do
  accounts[a], starts[a] = ARGV[i], i
  i = i + 2 + tonumber(ARGV[i + 1])
end
local current, moved = {}, {}
if #accounts > 0 then
  local read = redis.call('HMGET', marks, unpack(accounts))
  for a = 1, #accounts do current[accounts[a]] = read[a] end
end

local appended = 0
for a = 1, #accounts do
  local account, s = accounts[a], starts[a]
  -- A mark read above, or moved by this call (an account given twice).
  local mark = current[account]
  for k = s + 2, s + 1 + tonumber(ARGV[s + 1]) do
    if later(ARGV[k], mark) then
      redis.call('XADD', feed, '*', 'acct', account, 'entry', ARGV[k])
      mark = ARGV[k]
      moved[account] = true
      appended = appended + 1
    end
  end
  current[account] = mark
end
local writes = {}
for account in pairs(moved) do
  writes[#writes + 1], writes[#writes + 2] = account, current[account]
end
if #writes > 0 then redis.call('HSET', marks, unpack(writes)) end

-- Events older than the retention go, at most once a second; the newest id
-- removed is kept, so that a cursor before it is refused rather than skipped
-- (XTRIM does not move the stream's own max-deleted-entry-id).
if retention > 0 then
  local now = now_millis()
  if now - tonumber(redis.call('HGET', meta, 'trimmed_at') or '0') >= 1000 then
    redis.call('HSET', meta, 'trimmed_at', now)
    local min = (now - retention) .. '-0'
    local first = redis.call('XRANGE', feed, '-', '+', 'COUNT', 1)[1]
    if first and later(min, first[1]) then
      local newest = redis.call('XREVRANGE', feed, '(' .. min, '-', 'COUNT', 1)[1]
      redis.call('XTRIM', feed, 'MINID', min)
      if newest then redis.call('HSET', meta, 'deleted', newest[1]) end
    end
  end
end
return appended
