-- Stores a new API key and records its creation, atomically. The key's secret is
-- not here: only its SHA-256, which is all a server needs to recognise it.
--
-- KEYS[1]  the key's hash          cred:{keys}:key:ID
-- KEYS[2]  every key id (a set)    cred:{keys}:all
-- KEYS[3]  the credentials epoch   cred:{keys}:epoch (every replica drops its
--                                  cache of keys when it changes)
-- KEYS[4]  the credentials log     cred:{keys}:log (stream: who created or revoked what)
-- ARGV     id, secret hash, role, customer id ('' for staff), description,
--          expiry (ms since the epoch, '' for none), created by (actor)
--
-- Reply: {'OK', created ms} or {'KEY_EXISTS'} (a random 64-bit id met twice).
local key, all, epoch, log = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id, hash, role, customer, description, expires, by = unpack(ARGV)

if redis.call('EXISTS', key) == 1 then return {'KEY_EXISTS'} end

local t = redis.call('TIME')
local now = int(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
redis.call('HSET', key, 'hash', hash, 'role', role, 'customer', customer, 'description', description,
  'expires', expires, 'created', now, 'created_by', by, 'used', '', 'revoked', '', 'revoked_by', '')
redis.call('SADD', all, id)
redis.call('INCR', epoch)
redis.call('XADD', log, '*', 'event', 'created', 'key', id, 'role', role, 'customer', customer, 'by', by)
return {'OK', now}
