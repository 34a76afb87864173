/**
 * Scripts keep each update atomic and order-safe: an event older than what a field group
 * already reflects is ignored, so redelivery and the interleaving of the agent and call
 * consumers cannot move the picture backwards.
 */

/**
 * KEYS[1] agent hash, KEYS[2] agents set, KEYS[3] changed channel, KEYS[4] orgs set
 * ARGV[1] group ("state" | "call" | "skills" | "login"), ARGV[2] event ms, ARGV[3] agent id, ARGV[4] org,
 * ARGV[5..] field, value pairs (value "\0" deletes the field).
 * Returns 1 when applied, 0 when stale.
 */
export const AGENT_UPDATE = `
local group = ARGV[1]
local ts = tonumber(ARGV[2])
local tsField = group .. '_ts'
local cur = tonumber(redis.call('HGET', KEYS[1], tsField) or '-1')
if ts < cur then return 0 end
if group == 'login' then
  local st = tonumber(redis.call('HGET', KEYS[1], 'state_ts') or '-1')
  if ts < st then
    -- A later state change already arrived: keep its state, still record the login facts.
    for i = 5, #ARGV, 2 do
      local f = ARGV[i]
      if f ~= 'state' and f ~= 'since' and f ~= 'pause_reason' then
        if ARGV[i + 1] == '\\0' then redis.call('HDEL', KEYS[1], f) else redis.call('HSET', KEYS[1], f, ARGV[i + 1]) end
      end
    end
    redis.call('HSET', KEYS[1], tsField, ts)
    return 1
  end
  redis.call('HSET', KEYS[1], 'state_ts', ts)
end
redis.call('HSET', KEYS[1], tsField, ts, 'agent_id', ARGV[3], 'org', ARGV[4])
for i = 5, #ARGV, 2 do
  if ARGV[i + 1] == '\\0' then redis.call('HDEL', KEYS[1], ARGV[i]) else redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'logged_out' then
  redis.call('SREM', KEYS[2], ARGV[3])
  redis.call('EXPIRE', KEYS[1], 86400)
else
  redis.call('SADD', KEYS[2], ARGV[3])
  redis.call('SADD', KEYS[4], ARGV[4])
  redis.call('PERSIST', KEYS[1])
end
redis.call('PUBLISH', KEYS[3], cjson.encode({type = 'agent', agent_id = ARGV[3], state = state or ''}))
return 1
`;

/**
 * KEYS[1] calls hash of the campaign, KEYS[2] done marker of the attempt, KEYS[3] campaigns set, KEYS[4] orgs set
 * ARGV[1] attempt id, ARGV[2] rank (0 = call finished), ARGV[3] JSON fields to merge, ARGV[4] campaign, ARGV[5] org
 */
export const CALL_UPDATE = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SADD', KEYS[3], ARGV[4])
redis.call('SADD', KEYS[4], ARGV[5])
local rank = tonumber(ARGV[2])
if rank == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('SET', KEYS[2], '1', 'EX', 21600)
  return 1
end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local obj = {}
if cur then
  obj = cjson.decode(cur)
  if tonumber(obj.rank or 0) > rank then return 0 end
end
local upd = cjson.decode(ARGV[3])
for k, v in pairs(upd) do obj[k] = v end
obj.rank = rank
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(obj))
return 1
`;

/** KEYS[1] hash {ts, json}, KEYS[2] campaigns set; ARGV[1] event ms, ARGV[2] JSON, ARGV[3] campaign. */
export const SET_IF_NEWER = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'ts') or '-1')
if tonumber(ARGV[1]) < cur then return 0 end
redis.call('HSET', KEYS[1], 'ts', ARGV[1], 'json', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return 1
`;
