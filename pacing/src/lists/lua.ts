// Lua for the dialing list: each script touches one campaign's keys atomically, so two pacing
// instances (or a sweep racing a take) never hand out the same lead twice.

/**
 * Take up to N due leads, call-backs first, then fresh, then recycled. DNC numbers and leads out of
 * attempts are closed on the way (reported back), never handed out.
 * KEYS: 1 callbacks, 2 fresh, 3 recycled, 4 taken, 5 dnc set
 * ARGV: 1 now ms, 2 n, 3 max attempts, 4 lease-until ms, 5 lead hash prefix
 * Returns { {id, phone, tz, consent, attempt_no}..., }, { {id, reason}... }
 */
export const TAKE = `
local now = tonumber(ARGV[1])
local need = tonumber(ARGV[2])
local maxAttempts = tonumber(ARGV[3])
local out, closed = {}, {}
for k = 1, 3 do
  while need > 0 do
    local ids = redis.call('ZRANGEBYSCORE', KEYS[k], '-inf', now, 'LIMIT', 0, need)
    if #ids == 0 then break end
    for _, id in ipairs(ids) do
      redis.call('ZREM', KEYS[k], id)
      local h = ARGV[5] .. id
      local phone = redis.call('HGET', h, 'phone')
      if phone then
        local attempts = tonumber(redis.call('HGET', h, 'attempts') or '0')
        if redis.call('SISMEMBER', KEYS[5], phone) == 1 then
          redis.call('HSET', h, 'state', 'done', 'done_reason', 'dnc')
          table.insert(closed, {id, 'dnc'})
        elseif attempts >= maxAttempts then
          redis.call('HSET', h, 'state', 'done', 'done_reason', 'max_attempts')
          table.insert(closed, {id, 'max_attempts'})
        else
          redis.call('HSET', h, 'state', 'taken', 'attempts', attempts + 1)
          redis.call('ZADD', KEYS[4], ARGV[4], id)
          table.insert(out, {id, phone, redis.call('HGET', h, 'tz') or '', redis.call('HGET', h, 'consent') or '', tostring(attempts + 1)})
          need = need - 1
        end
      end
    end
  end
end
return {out, closed}
`;

/**
 * Settle a taken lead: back to a queue (due at a time), or closed.
 * KEYS: 1 taken, 2 target queue (ignored when closing), 3 lead hash
 * ARGV: 1 id, 2 due ms or "done", 3 outcome, 4 "undo" to give the attempt back (never dialed)
 */
export const SETTLE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 and redis.call('HGET', KEYS[3], 'state') ~= 'taken' then
  return 0
end
if ARGV[4] == 'undo' then redis.call('HINCRBY', KEYS[3], 'attempts', -1) end
redis.call('HSET', KEYS[3], 'last_outcome', ARGV[3])
if ARGV[2] == 'done' then
  redis.call('HSET', KEYS[3], 'state', 'done', 'done_reason', ARGV[3])
else
  redis.call('HSET', KEYS[3], 'state', 'due')
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
end
return 1
`;

/**
 * Add a lead unless the campaign already has it (a second import of the same file changes nothing).
 * KEYS: 1 lead hash, 2 fresh queue
 * ARGV: 1 id, 2 due ms, then field/value pairs
 */
export const ADD = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'state', 'due', 'attempts', 0)
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
`;
