-- Records an API key's last use, only if the key still exists: a plain HSET would
-- make a record of a key lost with Redis's data (a restart without persistence),
-- a hash with nothing but its last use.
--
-- KEYS[1]  the key's hash   ARGV[1] the time, ms since the epoch
-- Reply: 1 if recorded, 0 if there is no such key.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'used', ARGV[1])
return 1
