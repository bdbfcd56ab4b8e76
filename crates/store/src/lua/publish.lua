-- Publishes accounts' history entries to the feed of every account's changes, on a
-- Redis Cluster: each account's entries in the order of its history, each once.
-- (On one Redis the change's own script writes the feed: prelude.lua's `append`.)
--
-- The feed lives in a slot of its own ({events}), so no change's script can write
-- it on a Cluster: a relay calls this script with each account's entries, given one
-- of two ways.
--
-- 'read': the relay read the account's history after the account's mark (the last
-- entry published) as it saw it. Several relays may do so at once with overlapping
-- reads: an entry at or before the account's mark *now* is skipped, the rest are
-- appended in order and the mark moves to the last. Because the caller read every
-- entry after the mark it saw, and the mark only grows, the entries after the
-- current mark are all among those given: no gap, no repeat.
--
-- 'known': the entries the relay's own replica wrote, each with the account's
-- version after it, as the change's reply said (no history read: what makes the
-- relay cheap). Versions count an account's entries one by one, and the versions
-- hash keeps the version of each mark's entry, moved with the mark: an entry whose
-- version is below the mark's (or is the mark's entry) is in the feed already and
-- skipped; one whose version is the mark's plus one follows it and is appended;
-- anything else (a gap: another replica's change between, not yet published; no
-- version kept; the mark's version with another entry id) stops the account, which
-- is answered to be read.
--
-- A feed entry names the entry (account and id); readers take the entry itself
-- from the history. Called with no account, it only trims (how one Redis's feed is
-- trimmed).
--
-- KEYS[1]  the feed (a stream)               feed:{events}
-- KEYS[2]  the marks (hash: account -> last entry id published)
-- KEYS[3]  the feed's bookkeeping (hash: trimmed_at, deleted)
-- KEYS[4]  the marks' versions (hash: account -> its version after the mark's entry)
-- ARGV[1]  how long the feed keeps an event, ms (0: for ever)
-- ARGV[2]  how many accounts follow; then for each: its id, 'read' or 'known', the
--          number of entries, and for each entry its version and its id, in order
--
-- Reply: the accounts to read (a 'known' account with a gap).
local feed, marks, meta, versions = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
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

-- Where each account's part of ARGV starts; then every mark and version in one
-- HMGET each, and (below) every one moved in one HSET each: a round publishes many
-- accounts.
local accounts, starts = {}, {}
local i = 3
for a = 1, tonumber(ARGV[2]) do
  accounts[a], starts[a] = ARGV[i], i
  i = i + 3 + 2 * tonumber(ARGV[i + 2])
end
local current, version, moved, gaps = {}, {}, {}, {}
if #accounts > 0 then
  local read = redis.call('HMGET', marks, unpack(accounts))
  local read_versions = redis.call('HMGET', versions, unpack(accounts))
  for a = 1, #accounts do
    current[accounts[a]], version[accounts[a]] = read[a], tonumber(read_versions[a])
  end
end

local function publish_entry(account, v, entry)
  redis.call('XADD', feed, '*', 'acct', account, 'entry', entry)
  current[account], version[account], moved[account] = entry, v, true
end

for a = 1, #accounts do
  local account, s = accounts[a], starts[a]
  local known = ARGV[s + 1] == 'known'
  for k = s + 3, s + 1 + 2 * tonumber(ARGV[s + 2]), 2 do
    local v, entry = tonumber(ARGV[k]), ARGV[k + 1]
    if not known then
      if later(entry, current[account]) then publish_entry(account, v, entry) end
    else
      local at = version[account]
      if at and v == at + 1 then
        publish_entry(account, v, entry)
      elseif not (at and (v < at or (v == at and entry == current[account]))) then
        -- Not in the feed and not next: a gap, no version kept, or the mark's
        -- version with another entry (one lost at a failover, its version reused).
        gaps[#gaps + 1] = account
        break
      end
    end
  end
end
local writes, written = {}, {}
for account in pairs(moved) do
  writes[#writes + 1], writes[#writes + 2] = account, current[account]
  written[#written + 1], written[#written + 2] = account, version[account]
end
if #writes > 0 then
  redis.call('HSET', marks, unpack(writes))
  redis.call('HSET', versions, unpack(written))
end

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
return gaps
