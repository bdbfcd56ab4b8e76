-- ---------------------------------------------------------------------------
-- The due index (holds:{due-N}, a zset: hold id -> when it is due, ms), which the
-- recovery worker of every replica reads. A worker leases what is due by moving
-- its score to the end of the lease; it settles an entry only if the score is
-- still its lease (no one re-armed it meanwhile), so that no single leader is
-- needed and a worker that dies leaves its entries due again at the lease's end.
--
-- KEYS[1]  one shard of the due index
-- ARGV[1]  claim: due at or before (ms), lease end (ms), most entries
--          done: the hold id, the lease end it was claimed with, the new score ('' to
--          remove it)
--
-- Reply: claim: the hold ids claimed; done: 1, or 0 if the entry was re-armed.
local index, op = KEYS[1], ARGV[1]
if op == 'claim' then
  local due = redis.call('ZRANGEBYSCORE', index, '-inf', ARGV[2], 'LIMIT', 0, ARGV[4])
  for _, m in ipairs(due) do redis.call('ZADD', index, ARGV[3], m) end
  return due
end
local score = redis.call('ZSCORE', index, ARGV[2])
if not score or tonumber(score) ~= tonumber(ARGV[3]) then return 0 end
if ARGV[4] == '' then
  redis.call('ZREM', index, ARGV[2])
else
  redis.call('ZADD', index, ARGV[4], ARGV[2])
end
return 1
