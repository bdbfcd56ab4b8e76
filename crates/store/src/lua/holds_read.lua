-- ---------------------------------------------------------------------------
-- The checker's read of an account's holds, in one step: the held balance, the
-- open holds index, and each hold the caller found in the index a moment before
-- (a script must name its keys; the caller compares the index read here with the
-- one it named, and reads again if a hold came or went in between).
--
-- KEYS[1]  account hash   KEYS[2] open holds   KEYS[3..] the holds
-- Reply: {held, n, n nonces..., then per hold in KEYS[3..]: state, amount, expire,
-- capture deadline, purpose, capture amount ('' where absent)}.
local reply = {redis.call('HGET', KEYS[1], 'held') or '0'}
local members = redis.call('ZRANGE', KEYS[2], 0, -1)
reply[2] = tostring(#members)
for _, m in ipairs(members) do reply[#reply + 1] = m end
for i = 3, #KEYS do
  local h = redis.call('HMGET', KEYS[i], 'state', 'amount', 'expire', 'cdue', 'purpose', 'camount')
  for j = 1, 6 do reply[#reply + 1] = h[j] or '' end
end
return reply
