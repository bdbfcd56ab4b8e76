-- Drops the oldest entries of an account's history after they were archived, and
-- keeps in the account what they added up to (the archive point), so that the
-- balance, the version, statements and the invariant checker still reconcile
-- without them. The caller read these entries with XRANGE and stored them safely
-- before this call (`redbank archive`); the script trims exactly those entries or
-- nothing: the stream must still begin with them, and the account's archive point
-- must still be the one the caller read (two archivers at once cannot both trim).
--
-- KEYS[1]  account hash       acct:{ID}
-- KEYS[2]  history stream     acct:{ID}:log
-- ARGV[1]  id of the first entry to drop   ARGV[2] id of the last   ARGV[3] how many
-- ARGV[4]  the archive point's last entry before this call ('' when none)
-- ARGV[5]  balance after the last entry dropped   ARGV[6] version after it
-- ARGV[7]  entries archived in all, after this call
-- ARGV[8]  deposits + interest - withdrawals archived in all, after this call
-- ARGV[9]  account id, for refusals
--
-- Reply: {'OK'}, {'ACCOUNT_NOT_FOUND', id}, or {'ARCHIVE_CHANGED', what} when the
-- history or the archive point is not what the caller read.
local acct, log = KEYS[1], KEYS[2]
local first, last, count, prior = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]

if not count or count < 1 then return {'ARCHIVE_CHANGED', 'nothing to trim'} end

local a = redis.call('HMGET', acct, 'type', 'athru')
if not a[1] then return {'ACCOUNT_NOT_FOUND', ARGV[9]} end
if (a[2] or '') ~= prior then return {'ARCHIVE_CHANGED', 'the archive point moved'} end

local entries = redis.call('XRANGE', log, '-', last, 'COUNT', count + 1)
if #entries ~= count or entries[1][1] ~= first or entries[count][1] ~= last then
  return {'ARCHIVE_CHANGED', 'the history does not begin with the archived entries'}
end

-- Streams are append-only and only this script removes entries, so the oldest
-- `count` entries are exactly the ones checked above.
redis.call('XTRIM', log, 'MAXLEN', redis.call('XLEN', log) - count)
redis.call('HSET', acct, 'athru', last, 'abal', ARGV[5], 'aver', ARGV[6], 'acount', ARGV[7], 'aext', ARGV[8])
return {'OK'}
