// The ownership rules as Lua scripts: each check and its writes run as one atomic step in Redis
// (a claim's quota check and "held by X" refusal cannot interleave with another claim), and the
// accepted fact is appended to the outbox stream in the same step (transactional outbox: the
// event is never lost nor published for a refused command). ARGV[1] is always the org prefix.
// Replies are arrays of strings: {"ok", ...} or {reason, details...}.

const PRELUDE = `
local P = ARGV[1]
local function nz(v) return v and v ~= '' and v ~= false end
local function emit(json)
  if json ~= '' then redis.call('XADD', 'cc:cust:outbox', '*', 'e', json) end
end
-- Name, company or phones changed: processes holding a search index follow this stream.
local function changed(id)
  redis.call('XADD', P..'changes', 'MAXLEN', '~', '200000', '*', 'id', id)
end
-- Moves a customer to an owner ('' = public pool) and keeps every index in step with it.
-- signed: '1' signed deal (no expiry, outside the quota), '0' protected hold, 'keep' as it was.
local function set_owner(id, owner, group, held_until, remind_at, signed, now)
  local c = P..'c:'..id
  local old = redis.call('HMGET', c, 'owner', 'group', 'second', 'due', 'signed')
  local oo, og, os, due, osig = old[1], old[2], old[3], old[4], old[5]
  if signed == 'keep' then signed = nz(osig) and '1' or '0' end
  if nz(oo) then
    redis.call('SREM', P..'held:'..oo, id)
    redis.call('SREM', P..'owned:'..oo, id)
    redis.call('ZREM', P..'due:'..oo, id)
  end
  if nz(og) then
    redis.call('SREM', P..'group:'..og, id)
    redis.call('ZREM', P..'gdue:'..og, id)
  end
  -- A customer belongs to one group: the second owner goes when the group changes.
  if nz(os) and (owner == '' or group ~= og) then
    redis.call('SREM', P..'second:'..os, id)
    redis.call('HDEL', c, 'second')
  end
  if owner == '' then
    redis.call('HDEL', c, 'owner', 'group', 'held_until', 'signed')
    redis.call('ZADD', P..'pool', now, id)
    redis.call('ZREM', P..'expiry', id)
    redis.call('ZREM', P..'remind', id)
  else
    redis.call('HSET', c, 'owner', owner, 'group', group)
    redis.call('SADD', P..'owned:'..owner, id)
    redis.call('SADD', P..'group:'..group, id)
    redis.call('ZREM', P..'pool', id)
    if signed == '1' then
      redis.call('HSET', c, 'signed', '1')
      redis.call('HDEL', c, 'held_until')
      redis.call('ZREM', P..'expiry', id)
      redis.call('ZREM', P..'remind', id)
    else
      redis.call('HDEL', c, 'signed')
      redis.call('SADD', P..'held:'..owner, id)
      redis.call('HSET', c, 'held_until', held_until)
      redis.call('ZADD', P..'expiry', held_until, id)
      redis.call('ZADD', P..'remind', remind_at, id)
    end
    if nz(due) then
      redis.call('ZADD', P..'due:'..owner, due, id)
      redis.call('ZADD', P..'gdue:'..group, due, id)
    end
  end
  redis.call('RPUSH', P..'hist:'..id, now..'|'..owner)
end
local function quota_of(rep, org_quota)
  return tonumber(redis.call('HGET', P..'quota', rep) or org_quota)
end
`;

const script = (body: string) => `${PRELUDE}\n${body}`;

/**
 * Create: ARGV 2 id, 3 now, 4 name key, 5 phones (comma-separated), 6 hold rep ('' = pool),
 * 7 group, 8 held_until, 9 remind_at, 10 org quota, 11 created event, 12 claimed event,
 * 13.. record fields as pairs.
 */
export const CREATE = script(`
local id, now, nk = ARGV[2], ARGV[3], ARGV[4]
local c = P..'c:'..id
if redis.call('EXISTS', c) == 1 then return {'duplicate', id, 'phone', ''} end
local phones = {}
for p in string.gmatch(ARGV[5], '[^,]+') do table.insert(phones, p) end
for _, p in ipairs(phones) do
  local other = redis.call('HGET', P..'phones', p)
  if other then return {'duplicate', other, 'phone', redis.call('HGET', P..'c:'..other, 'owner') or ''} end
end
local other = redis.call('HGET', P..'namekey', nk)
if other then return {'duplicate', other, 'name_company', redis.call('HGET', P..'c:'..other, 'owner') or ''} end
local rep = ARGV[6]
if rep ~= '' then
  local q = quota_of(rep, ARGV[10])
  local n = redis.call('SCARD', P..'held:'..rep)
  if n >= q then return {'quota_full', tostring(q), tostring(n)} end
end
local fields = {}
for i = 13, #ARGV do table.insert(fields, ARGV[i]) end
redis.call('HSET', c, 'nk', nk, unpack(fields))
for _, p in ipairs(phones) do redis.call('HSET', P..'phones', p, id) end
redis.call('HSET', P..'namekey', nk, id)
redis.call('ZADD', P..'all', now, id)
if rep ~= '' then
  set_owner(id, rep, ARGV[7], ARGV[8], ARGV[9], '0', now)
else
  redis.call('ZADD', P..'pool', now, id)
  redis.call('RPUSH', P..'hist:'..id, now..'|')
end
emit(ARGV[11])
if rep ~= '' then emit(ARGV[12]) end
changed(id)
return {'ok'}
`);

/**
 * Update: ARGV 2 id, 3 now, 4 new name key ('' = unchanged), 5 new phones ('-' = unchanged),
 * 6 event, 7 n of HSET pairs, then pairs, then fields to HDEL.
 */
export const UPDATE = script(`
local id, now, nk = ARGV[2], ARGV[3], ARGV[4]
local c = P..'c:'..id
if redis.call('EXISTS', c) == 0 then return {'not_found'} end
if nk ~= '' then
  local other = redis.call('HGET', P..'namekey', nk)
  if other and other ~= id then return {'duplicate', other, 'name_company', redis.call('HGET', P..'c:'..other, 'owner') or ''} end
end
local newPhones = nil
if ARGV[5] ~= '-' then
  newPhones = {}
  for p in string.gmatch(ARGV[5], '[^,]+') do
    local other = redis.call('HGET', P..'phones', p)
    if other and other ~= id then return {'duplicate', other, 'phone', redis.call('HGET', P..'c:'..other, 'owner') or ''} end
    table.insert(newPhones, p)
  end
end
if nk ~= '' then
  local old = redis.call('HGET', c, 'nk')
  if old then redis.call('HDEL', P..'namekey', old) end
  redis.call('HSET', P..'namekey', nk, id)
  redis.call('HSET', c, 'nk', nk)
end
if newPhones then
  local old = redis.call('HGET', c, 'phones') or ''
  for p in string.gmatch(old, '[^,]+') do redis.call('HDEL', P..'phones', p) end
  for _, p in ipairs(newPhones) do redis.call('HSET', P..'phones', p, id) end
end
local n = tonumber(ARGV[7])
local pairs_ = {}
for i = 8, 7 + n * 2 do table.insert(pairs_, ARGV[i]) end
if #pairs_ > 0 then redis.call('HSET', c, unpack(pairs_)) end
for i = 8 + n * 2, #ARGV do redis.call('HDEL', c, ARGV[i]) end
emit(ARGV[6])
changed(id)
return {'ok'}
`);

/** Claim: ARGV 2 id, 3 rep, 4 group, 5 held_until, 6 remind_at, 7 now, 8 org quota, 9 event. */
export const CLAIM = script(`
local id, rep = ARGV[2], ARGV[3]
local c = P..'c:'..id
if redis.call('EXISTS', c) == 0 then return {'not_found'} end
local cur = redis.call('HMGET', c, 'owner', 'held_until', 'group')
if nz(cur[1]) then
  if cur[1] == rep then return {'already_held'} end
  return {'held_by_other', cur[1], cur[2] or '', cur[3] or ''}
end
local q = quota_of(rep, ARGV[8])
local n = redis.call('SCARD', P..'held:'..rep)
if n >= q then return {'quota_full', tostring(q), tostring(n)} end
set_owner(id, rep, ARGV[4], ARGV[5], ARGV[6], '0', ARGV[7])
emit(ARGV[9])
return {'ok'}
`);

/**
 * Release: ARGV 2 id, 3 expected owner, 4 now, 5 'expired' | 'manual', 6 event.
 * An expiry release happens only when the hold's end has come (never early) and no deal is signed.
 */
export const RELEASE = script(`
local id, owner, now = ARGV[2], ARGV[3], ARGV[4]
local c = P..'c:'..id
local cur = redis.call('HMGET', c, 'owner', 'held_until', 'signed')
if cur[1] ~= owner then return {'not_held'} end
if ARGV[5] == 'expired' then
  if nz(cur[3]) or not nz(cur[2]) then return {'deal_signed'} end
  if tonumber(cur[2]) > tonumber(now) then return {'not_due'} end
end
set_owner(id, '', '', '', '', '0', now)
emit(ARGV[6])
return {'ok'}
`);

/** Day-before reminder: ARGV 2 id, 3 expected owner, 4 expected held_until, 5 event. */
export const REMIND = script(`
local id = ARGV[2]
redis.call('ZREM', P..'remind', id)
local cur = redis.call('HMGET', P..'c:'..id, 'owner', 'held_until')
if cur[1] ~= ARGV[3] or cur[2] ~= ARGV[4] then return {'stale'} end
emit(ARGV[5])
return {'ok'}
`);

/** Deal signed: ARGV 2 id, 3 expected owner, 4 now, 5 event. */
export const SIGN = script(`
local id = ARGV[2]
local cur = redis.call('HMGET', P..'c:'..id, 'owner', 'group', 'signed')
if cur[1] ~= ARGV[3] then return {'not_held'} end
if nz(cur[3]) then return {'deal_signed'} end
set_owner(id, ARGV[3], cur[2], '', '', '1', ARGV[4])
emit(ARGV[5])
return {'ok'}
`);

/**
 * Reassign one customer: ARGV 2 id, 3 expected owner, 4 to rep, 5 to group, 6 held_until,
 * 7 remind_at, 8 now, 9 org quota, 10 event. The target's quota holds for protected holds.
 */
export const REASSIGN = script(`
local id, to = ARGV[2], ARGV[4]
local c = P..'c:'..id
local cur = redis.call('HMGET', c, 'owner', 'signed')
if (cur[1] or '') ~= ARGV[3] then return {'stale'} end
if cur[1] == to then return {'already_held'} end
if not nz(cur[2]) then
  local q = quota_of(to, ARGV[9])
  local n = redis.call('SCARD', P..'held:'..to)
  if n >= q then return {'quota_full', tostring(q), tostring(n)} end
end
set_owner(id, to, ARGV[5], ARGV[6], ARGV[7], 'keep', ARGV[8])
emit(ARGV[10])
return {'ok'}
`);

/** Second owner: ARGV 2 id, 3 second ('' clears), 4 expected group, 5 event. */
export const SECOND = script(`
local id, s = ARGV[2], ARGV[3]
local c = P..'c:'..id
local cur = redis.call('HMGET', c, 'owner', 'group', 'second')
if not nz(cur[1]) then return {'not_held'} end
if cur[2] ~= ARGV[4] then return {'other_group', cur[2] or ''} end
if s == cur[1] then return {'already_held'} end
if nz(cur[3]) then redis.call('SREM', P..'second:'..cur[3], id) end
if s == '' then
  redis.call('HDEL', c, 'second')
else
  redis.call('HSET', c, 'second', s)
  redis.call('SADD', P..'second:'..s, id)
end
emit(ARGV[5])
return {'ok'}
`);

/**
 * Extension request: ARGV 2 request id, 3 customer id, 4 rep, 5 month, 6 now, 7 event,
 * 8.. request hash pairs. One pending request per rep; one granted extension per month.
 */
export const EXT_REQUEST = script(`
local req, id, rep, month = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local cur = redis.call('HMGET', P..'c:'..id, 'owner', 'signed')
if cur[1] ~= rep then return {'not_held'} end
if nz(cur[2]) then return {'deal_signed'} end
if redis.call('EXISTS', P..'extused:'..rep..':'..month) == 1 then return {'extension_used_this_month', month} end
local pending = redis.call('GET', P..'extpending:'..rep)
if pending then return {'extension_pending', pending} end
local pairs_ = {}
for i = 8, #ARGV do table.insert(pairs_, ARGV[i]) end
redis.call('HSET', P..'extreq:'..req, unpack(pairs_))
redis.call('SET', P..'extpending:'..rep, req)
redis.call('ZADD', P..'extreqs', ARGV[6], req)
emit(ARGV[7])
return {'ok'}
`);

/**
 * Extension decision: ARGV 2 request id, 3 approve '1'|'0', 4 decided by, 5 now,
 * 6 expected held_until, 7 new held_until, 8 new remind_at, 9 event, 10 note.
 */
export const EXT_DECIDE = script(`
local req = ARGV[2]
local r = P..'extreq:'..req
local st = redis.call('HMGET', r, 'status', 'customer', 'agent', 'month')
if not st[1] then return {'not_found'} end
if st[1] ~= 'pending' then return {'already_decided'} end
local id, rep, month = st[2], st[3], st[4]
if ARGV[3] == '1' then
  local c = P..'c:'..id
  local cur = redis.call('HMGET', c, 'owner', 'held_until', 'signed')
  if cur[1] ~= rep or nz(cur[3]) then return {'not_held'} end
  if cur[2] ~= ARGV[6] then return {'stale'} end
  if not redis.call('SET', P..'extused:'..rep..':'..month, req, 'NX') then
    return {'extension_used_this_month', month}
  end
  redis.call('HSET', c, 'held_until', ARGV[7])
  redis.call('ZADD', P..'expiry', ARGV[7], id)
  redis.call('ZADD', P..'remind', ARGV[8], id)
end
redis.call('HSET', r, 'status', ARGV[3] == '1' and 'approved' or 'rejected', 'decided_by', ARGV[4], 'decided_at', ARGV[5], 'note', ARGV[10])
redis.call('DEL', P..'extpending:'..rep)
redis.call('ZREM', P..'extreqs', req)
emit(ARGV[9])
return {'ok'}
`);

/**
 * Follow-up: ARGV 2 id, 3 due score (start of the next contact day), 4 next day, 5 grade,
 * 6 now, 7 follow-up JSON, 8 follow-up event, 9 graded event ('' = unchanged grade).
 */
export const FOLLOW_UP = script(`
local id = ARGV[2]
local c = P..'c:'..id
if redis.call('EXISTS', c) == 0 then return {'not_found'} end
local cur = redis.call('HMGET', c, 'owner', 'group')
redis.call('HSET', c, 'grade', ARGV[5], 'next_on', ARGV[4], 'due', ARGV[3], 'last_fu', ARGV[6])
redis.call('ZADD', P..'due', ARGV[3], id)
if nz(cur[1]) then redis.call('ZADD', P..'due:'..cur[1], ARGV[3], id) end
if nz(cur[2]) then redis.call('ZADD', P..'gdue:'..cur[2], ARGV[3], id) end
redis.call('LPUSH', P..'fu:'..id, ARGV[7])
redis.call('LTRIM', P..'fu:'..id, 0, 199)
emit(ARGV[8])
if ARGV[9] ~= '' then emit(ARGV[9]) end
return {'ok'}
`);

/** Order attribution: ARGV 2 id, 3 amount (minor), 4 event. Replies order count and amount. */
export const ORDER = script(`
local id = ARGV[2]
local c = P..'c:'..id
if redis.call('EXISTS', c) == 0 then return {'not_found'} end
local n = redis.call('HINCRBY', c, 'orders', 1)
local a = redis.call('HINCRBY', c, 'amount', ARGV[3])
emit(ARGV[4])
return {'ok', tostring(n), tostring(a)}
`);

/** Order-based grade: ARGV 2 id, 3 grade, 4 event. */
export const ORDER_GRADE = script(`
redis.call('HSET', P..'c:'..ARGV[2], 'ograde', ARGV[3])
emit(ARGV[4])
return {'ok'}
`);

/**
 * Restore one customer's folded state (rebuild from the log; no rule checks, no events):
 * ARGV 2 id, 3 owner, 4 group, 5 held_until, 6 remind_at, 7 signed, 8 since, 9 second,
 * 10 created_at, 11 phones, 12 name key, 13 holder timeline (n|owner;...), 14.. record pairs.
 */
export const RESTORE = script(`
local id = ARGV[2]
local c = P..'c:'..id
local pairs_ = {}
for i = 14, #ARGV do table.insert(pairs_, ARGV[i]) end
redis.call('DEL', c, P..'hist:'..id)
redis.call('HSET', c, 'nk', ARGV[12], unpack(pairs_))
for p in string.gmatch(ARGV[11], '[^,]+') do redis.call('HSET', P..'phones', p, id) end
redis.call('HSET', P..'namekey', ARGV[12], id)
redis.call('ZADD', P..'all', ARGV[10], id)
local due = redis.call('HGET', c, 'due')
if nz(due) then redis.call('ZADD', P..'due', due, id) end
set_owner(id, ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
if ARGV[3] ~= '' and ARGV[9] ~= '' then
  redis.call('HSET', c, 'second', ARGV[9])
  redis.call('SADD', P..'second:'..ARGV[9], id)
end
redis.call('DEL', P..'hist:'..id)
for entry in string.gmatch(ARGV[13], '[^;]+') do redis.call('RPUSH', P..'hist:'..id, entry) end
return {'ok'}
`);
