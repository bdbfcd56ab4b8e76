-- Revokes an API key and records it, atomically, and moves the credentials epoch
-- so that every replica drops its cached copy of the key within its poll interval.
--
-- KEYS[1]  the key's hash   KEYS[2] the credentials epoch   KEYS[3] the credentials log
-- ARGV[1]  key id   ARGV[2] revoked by (actor)
--
-- Reply: {'OK', revoked ms}, {'KEY_NOT_FOUND', id} or {'KEY_REVOKED', id}.
local key, epoch, log = KEYS[1], KEYS[2], KEYS[3]
local id, by = ARGV[1], ARGV[2]

local revoked = redis.call('HGET', key, 'revoked')
if not revoked then return {'KEY_NOT_FOUND', id} end
if revoked ~= '' then return {'KEY_REVOKED', id} end

local t = redis.call('TIME')
local now = int(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
redis.call('HSET', key, 'revoked', now, 'revoked_by', by)
redis.call('INCR', epoch)
redis.call('XADD', log, '*', 'event', 'revoked', 'key', id, 'by', by)
return {'OK', now}
