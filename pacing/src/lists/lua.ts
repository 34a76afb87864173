// Lua for the dialing list: each script works on one campaign's keys atomically, so two pacing
// instances, an agent's preview take, a manager's re-allocation and the sweep never hand out or
// move the same lead twice. Keys hang off one prefix P = cc:list:<org>:<campaign>: and are built
// inside the scripts (which queue a lead sits in is data), so the list needs one Redis, not a
// cluster — see pacing/README.md "Dialing lists".
//
// Layout under P:
//   lead:<id>     hash  phone tz consent name state(due|taken|done) q attempts day day_n
//                       team agent cb(1 = call-back) o:<outcome> (retries per outcome) done_reason
//   callbacks fresh recycled   zsets (score = due ms): the pool, in that order of priority
//   team:<t> agent:<a>         zsets: leads allocated to a team / agent (taken before the pool)
//   held          zset  queued leads reserved for a team/agent until score (then released)
//   taken         zset  leads out with a dialer until their lease (score) runs out

const HELPERS = `
local P = ARGV[1]
local function f(h, k)
  local v = redis.call('HGET', h, k)
  if not v then return '' end
  return v
end
local function poolQueue(h)
  if f(h, 'cb') == '1' then return P .. 'callbacks' end
  if (tonumber(f(h, 'attempts')) or 0) > 0 then return P .. 'recycled' end
  return P .. 'fresh'
end
local function ownerQueue(h)
  if f(h, 'agent') ~= '' then return P .. 'agent:' .. f(h, 'agent'), true end
  if f(h, 'team') ~= '' then return P .. 'team:' .. f(h, 'team'), true end
  return poolQueue(h), false
end
local function park(id, q, due, holdUntil)
  local h = P .. 'lead:' .. id
  redis.call('ZADD', q, due, id)
  redis.call('HSET', h, 'state', 'due', 'q', q)
  if holdUntil then redis.call('ZADD', P .. 'held', holdUntil, id) else redis.call('ZREM', P .. 'held', id) end
end
local function unpark(id)
  local h = P .. 'lead:' .. id
  local q = f(h, 'q')
  local due = nil
  if q ~= '' then
    due = tonumber(redis.call('ZSCORE', q, id))
    redis.call('ZREM', q, id)
  end
  redis.call('HSET', h, 'q', '')
  redis.call('ZREM', P .. 'held', id)
  return due
end
-- Queued leads past their hold: a call-back its agent did not take goes to the agent's team
-- (then to the pool after holdMs more); an untouched allocated lead goes back to the pool.
local function release(now, holdMs, limit)
  local ids = redis.call('ZRANGEBYSCORE', P .. 'held', '-inf', now, 'LIMIT', 0, limit)
  local out = {}
  for _, id in ipairs(ids) do
    local h = P .. 'lead:' .. id
    local due = unpark(id) or now
    if f(h, 'cb') == '1' and f(h, 'agent') ~= '' and f(h, 'team') ~= '' then
      redis.call('HSET', h, 'agent', '')
      park(id, P .. 'team:' .. f(h, 'team'), due, now + holdMs)
      table.insert(out, {id, 'team', f(h, 'team')})
    else
      redis.call('HSET', h, 'agent', '', 'team', '')
      park(id, poolQueue(h), due, nil)
      table.insert(out, {id, 'pool', ''})
    end
  end
  return out
end
`;

/**
 * Take up to N due leads from the given queues in order (agent, team, then the pool: call-backs,
 * fresh, recycled). DNC/blacklisted numbers and leads out of attempts are closed on the way
 * (reported back), never handed out. Releases expired holds first.
 * ARGV: 1 P, 2 now ms, 3 n, 4 max attempts, 5 lease-until ms, 6 hold ms, 7 dnc set, 8 blacklist set,
 *       9.. queue names (suffixes under P)
 * Returns { taken {id, phone, tz, consent, attempt_no, day, day_n, team, agent, cb}... },
 *         { closed {id, reason, phone}... }, { released {id, to, team}... }
 */
export const TAKE = `${HELPERS}
local now = tonumber(ARGV[2])
local need = tonumber(ARGV[3])
local maxAttempts = tonumber(ARGV[4])
local released = release(now, tonumber(ARGV[6]), 200)
local out, closed = {}, {}
for k = 9, #ARGV do
  local q = P .. ARGV[k]
  while need > 0 do
    local ids = redis.call('ZRANGEBYSCORE', q, '-inf', now, 'LIMIT', 0, need)
    if #ids == 0 then break end
    for _, id in ipairs(ids) do
      local h = P .. 'lead:' .. id
      unpark(id)
      local phone = f(h, 'phone')
      if phone ~= '' then
        local attempts = tonumber(f(h, 'attempts')) or 0
        local reason = nil
        if redis.call('SISMEMBER', ARGV[7], phone) == 1 then reason = 'dnc'
        elseif redis.call('SISMEMBER', ARGV[8], phone) == 1 then reason = 'blacklist'
        elseif attempts >= maxAttempts then reason = 'max_attempts' end
        if reason then
          redis.call('HSET', h, 'state', 'done', 'done_reason', reason)
          table.insert(closed, {id, reason, phone})
        else
          redis.call('HSET', h, 'state', 'taken', 'attempts', attempts + 1, 'day_counted', '0')
          redis.call('ZADD', P .. 'taken', ARGV[5], id)
          table.insert(out, {id, phone, f(h, 'tz'), f(h, 'consent'), tostring(attempts + 1),
            f(h, 'day'), f(h, 'day_n'), f(h, 'team'), f(h, 'agent'), f(h, 'cb')})
          need = need - 1
        end
      end
    end
  end
end
return {out, closed, released}
`;

/**
 * Count a taken lead's attempt against its local day, atomically with the check.
 * ARGV: 1 P, 2 id, 3 local day (YYYY-MM-DD), 4 max per day
 * Returns 1 counted, -1 the day's limit is reached, 0 not taken (any more).
 */
export const COUNT_DAY = `${HELPERS}
local h = P .. 'lead:' .. ARGV[2]
if f(h, 'state') ~= 'taken' then return 0 end
if f(h, 'day') == ARGV[3] then
  if (tonumber(f(h, 'day_n')) or 0) >= tonumber(ARGV[4]) then return -1 end
  redis.call('HINCRBY', h, 'day_n', 1)
else
  redis.call('HSET', h, 'day', ARGV[3], 'day_n', 1)
end
redis.call('HSET', h, 'day_counted', '1')
return 1
`;

/**
 * Settle a taken lead: back to its owner's queue or the pool (due at a time), a call-back, or closed.
 * ARGV: 1 P, 2 id, 3 due ms or "done", 4 outcome, 5 "undo" (never dialed: the attempt and, if
 *       counted, the day's attempt are given back; owner and call-back kept), 6 max retries for this outcome or "", 7 "cb" for a
 *       call-back, 8 call-back agent, 9 call-back team, 10 grace ms, 11 hold ms
 * Returns 1 settled, 0 not taken.
 */
export const SETTLE = `${HELPERS}
local id = ARGV[2]
local h = P .. 'lead:' .. id
if redis.call('ZREM', P .. 'taken', id) == 0 and f(h, 'state') ~= 'taken' then return 0 end
local due, outcome = ARGV[3], ARGV[4]
if ARGV[5] == 'undo' then
  redis.call('HINCRBY', h, 'attempts', -1)
  if f(h, 'day_counted') == '1' then redis.call('HINCRBY', h, 'day_n', -1) end
end
redis.call('HSET', h, 'day_counted', '0')
redis.call('HSET', h, 'last_outcome', outcome)
if due ~= 'done' and ARGV[6] ~= '' then
  if redis.call('HINCRBY', h, 'o:' .. outcome, 1) > tonumber(ARGV[6]) then
    due = 'done'
    outcome = 'retries_exhausted'
  end
end
if due == 'done' then
  redis.call('HSET', h, 'state', 'done', 'done_reason', outcome, 'q', '')
  return 1
end
due = tonumber(due)
if ARGV[7] == 'cb' then
  redis.call('HSET', h, 'cb', '1', 'agent', ARGV[8])
  if ARGV[9] ~= '' then redis.call('HSET', h, 'team', ARGV[9]) end
elseif ARGV[5] ~= 'undo' then
  redis.call('HSET', h, 'cb', '0')
end
local q, owned = ownerQueue(h)
local hold = nil
if owned then
  if f(h, 'cb') == '1' and f(h, 'agent') ~= '' then hold = due + tonumber(ARGV[10])
  else hold = due + tonumber(ARGV[11]) end
end
park(id, q, due, hold)
return 1
`;

/**
 * Add a lead unless the campaign already has it (a second import of the same file changes nothing).
 * A lead given a team/agent is allocated at once.
 * ARGV: 1 P, 2 id, 3 due ms, 4 hold ms, then field/value pairs
 */
export const ADD = `${HELPERS}
local h = P .. 'lead:' .. ARGV[2]
if redis.call('EXISTS', h) == 1 then return 0 end
for i = 5, #ARGV, 2 do redis.call('HSET', h, ARGV[i], ARGV[i + 1]) end
redis.call('HSET', h, 'attempts', 0, 'cb', '0')
local due = tonumber(ARGV[3])
local q, owned = ownerQueue(h)
local hold = nil
if owned then hold = due + tonumber(ARGV[4]) end
park(ARGV[2], q, due, hold)
return 1
`;

/**
 * Allocate unallocated pool leads (fresh first, then recycled, earliest due first) by quota.
 * ARGV: 1 P, 2 now, 3 hold ms, then triples team, agent ("" = the whole team), count
 * Returns per triple the allocated ids.
 */
export const ALLOCATE = `${HELPERS}
local now, holdMs = tonumber(ARGV[2]), tonumber(ARGV[3])
local result = {}
for i = 4, #ARGV, 3 do
  local team, agent, want = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local got = {}
  for _, pool in ipairs({'fresh', 'recycled'}) do
    if #got >= want then break end
    local ids = redis.call('ZRANGE', P .. pool, 0, want - #got - 1)
    for _, id in ipairs(ids) do
      local h = P .. 'lead:' .. id
      local due = unpark(id) or now
      redis.call('HSET', h, 'team', team, 'agent', agent)
      local q = ownerQueue(h)
      park(id, q, due, math.max(due, now) + holdMs)
      table.insert(got, id)
    end
  end
  table.insert(result, got)
end
return result
`;

/**
 * Move leads to another team/agent, or back to the pool (team = agent = ""). A taken lead keeps
 * dialing and settles to its new owner. Closed leads are reported, not moved.
 * ARGV: 1 P, 2 now, 3 hold ms, 4 team, 5 agent, 6.. ids
 * Returns { moved ids }, { not moved {id, state} }
 */
export const REASSIGN = `${HELPERS}
local now, holdMs = tonumber(ARGV[2]), tonumber(ARGV[3])
local moved, refused = {}, {}
for i = 6, #ARGV do
  local id = ARGV[i]
  local h = P .. 'lead:' .. id
  local state = f(h, 'state')
  if state == 'due' then
    local due = unpark(id) or now
    redis.call('HSET', h, 'team', ARGV[4], 'agent', ARGV[5])
    local q, owned = ownerQueue(h)
    local hold = nil
    if owned then hold = math.max(due, now) + holdMs end
    park(id, q, due, hold)
    table.insert(moved, id)
  elseif state == 'taken' then
    redis.call('HSET', h, 'team', ARGV[4], 'agent', ARGV[5])
    table.insert(moved, id)
  else
    table.insert(refused, {id, state == '' and 'unknown' or state})
  end
end
return {moved, refused}
`;

/** Release expired holds without taking. ARGV: 1 P, 2 now, 3 hold ms. */
export const RELEASE = `${HELPERS}
return release(tonumber(ARGV[2]), tonumber(ARGV[3]), 1000)
`;

/**
 * Restore one lead as rebuilt from the event log (replaces what Redis had for it).
 * ARGV: 1 P, 2 id, 3 due ms or "done", 4 hold ms, 5 done reason, then field/value pairs
 */
export const RESTORE = `${HELPERS}
local id = ARGV[2]
local h = P .. 'lead:' .. id
if redis.call('EXISTS', h) == 1 then
  unpark(id)
  redis.call('ZREM', P .. 'taken', id)
  redis.call('DEL', h)
end
for i = 6, #ARGV, 2 do redis.call('HSET', h, ARGV[i], ARGV[i + 1]) end
if ARGV[3] == 'done' then
  redis.call('HSET', h, 'state', 'done', 'done_reason', ARGV[5], 'q', '')
  return 1
end
local due = tonumber(ARGV[3])
local q, owned = ownerQueue(h)
local hold = nil
if owned then hold = due + tonumber(ARGV[4]) end
park(id, q, due, hold)
return 1
`;
