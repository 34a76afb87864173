// INSERT … SELECT generators for the synthetic history. Everything is computed by
// ClickHouse from numbers() and cityHash64(seed, …), so the same seed gives the same rows,
// and every row is contract-shaped (payload = the event JSON the sink would store).
// All values are bound parameters; campaign, agent and team ids come as arrays, so a demo
// history can use the demo's own campaign and agents.

/** Shared column list of the raw events table. */
const COLUMNS =
  "event_id, kind, org_id, occurred_at, schema_version, campaign_id, attempt_id, lead_id, agent_id, payload";

/** Deterministic UUIDv7 text from a millisecond timestamp and a 64-bit hash pair. */
const uuid = (ms: string, h1: string, h2: string) =>
  `concat(substring(leftPad(lower(hex(toUInt64(${ms}))), 12, '0'), 1, 8), '-',
          substring(leftPad(lower(hex(toUInt64(${ms}))), 12, '0'), 9, 4), '-7',
          substring(leftPad(lower(hex(${h1})), 16, '0'), 1, 3), '-8',
          substring(leftPad(lower(hex(${h1})), 16, '0'), 4, 3), '-',
          substring(leftPad(lower(hex(${h2})), 16, '0'), 1, 12))`;

/** ISO 8601 UTC with milliseconds from epoch ms. */
const iso = (ms: string) =>
  `concat(replaceOne(toString(fromUnixTimestamp64Milli(toInt64(${ms}), 'UTC')), ' ', 'T'), 'Z')`;

/** Envelope fields of every event (opening brace included, no closing brace). */
const envelope = (id: string, ms: string, kind: string) =>
  `concat('{"id":"', ${id}, '","occurred_at":"', ${iso(ms)}, '","org_id":"', {org:String},
          '","schema_version":1,"kind":"', ${kind}, '"')`;

/**
 * Call attempts number [first, first + count) of `attempts` spread evenly over the span;
 * attempt i belongs to lead i % leads (attempt_no = i / leads + 1), so a lead's attempts are
 * spread over the span. Outcome mix: no answer 20%, busy 5%, invalid 5%, machine 15%,
 * abandoned live answer ~1%, live answer bridged to an agent ~54%. Live calls get a
 * disposition; A/B get an order 40% of the time, paid 70% of the time.
 */
export const ATTEMPTS_SQL = `
INSERT INTO events (${COLUMNS})
SELECT
  toUUID(${uuid("ts", "cityHash64(seed, i, k, 1)", "cityHash64(seed, i, k, 2)")}) AS event_id,
  kind, {org:String} AS org_id, fromUnixTimestamp64Milli(toInt64(ts), 'UTC') AS occurred_at, 1 AS schema_version,
  if(k = 8, '', campaign) AS campaign_id,
  if(k = 8, '', attempt) AS attempt_id,
  lead AS lead_id,
  if(k IN (3, 5, 6, 7) AND outcome = 'human', agent, '') AS agent_id,
  concat(${envelope(uuid("ts", "cityHash64(seed, i, k, 1)", "cityHash64(seed, i, k, 2)"), "ts", "kind")},
    multiIf(
      k IN (7, 8), '',
      concat(',"attempt_id":"', attempt, '","campaign_id":"', campaign, '","lead_id":"', lead, '"')),
    multiIf(
      k = 0, concat(',"phone":"', phone, '","caller_id":"+862160000000","mode":"predictive","attempt_no":',
                    toString(attempt_no), ',"list_id":"', list, '"'),
      k = 1, concat(',"cause":"', cause, '","ring_s":', toString(ring_s)),
      k = 2, concat(',"detection":"', if(outcome = 'machine', 'machine', 'human'), '","detect_ms":',
                    toString(800 + cityHash64(seed, i, 20) % 1500), ',"ring_s":', toString(ring_s)),
      k = 3, concat(',"agent_id":"', agent, '","wait_ms":', toString(cityHash64(seed, i, 21) % 900)),
      k = 4, concat(',"ms_from_answer":2000,"message_played":true,"message_delay_ms":',
                    toString(600 + cityHash64(seed, i, 22) % 900), ',"amd_false_positive":false'),
      k = 5, concat(if(outcome = 'human', concat(',"agent_id":"', agent, '"'), ''),
                    ',"ring_s":', toString(ring_s), ',"talk_s":', toString(talk_s), ',"hold_s":0,"wrap_s":',
                    toString(wrap_s), ',"hangup_by":"', if(outcome = 'human', 'customer', 'system'), '"'),
      k = 6, concat(',"agent_id":"', agent, '","disposition":"', disposition, '","notes":"","set_by":"agent"'),
      k = 7, concat(',"order_id":"ord-', toString(i), '","lead_id":"', lead, '","agent_id":"', agent,
                    '","campaign_id":"', campaign, '","attempt_id":"', attempt, '","total":{"amount_minor":',
                    toString(amount), ',"currency":"CNY"},"items":[]'),
      concat(',"payment_id":"pay-', toString(i), '","order_id":"ord-', toString(i), '","lead_id":"', lead,
             '","amount":{"amount_minor":', toString(amount), ',"currency":"CNY"},"method":"wechat_pay"')),
    '}') AS payload
FROM
(
  SELECT
    *,
    arrayJoin(multiIf(
      outcome IN ('no_answer', 'busy', 'invalid'), [0, 1],
      outcome = 'machine', [0, 2, 5],
      outcome = 'abandon', [0, 2, 4],
      ordered AND paid, [0, 2, 3, 5, 6, 7, 8],
      ordered, [0, 2, 3, 5, 6, 7],
      [0, 2, 3, 5, 6])) AS k,
    multiIf(k = 0, 'call.attempt_created', k = 1, 'call.failed', k = 2, 'call.answered', k = 3, 'call.bridged',
            k = 4, 'call.abandoned', k = 5, 'call.ended', k = 6, 'call.disposition', k = 7, 'order.created',
            'payment.received') AS kind,
    multiIf(
      k = 0, t0,
      k IN (1, 2), t0 + ring_s * 1000,
      k = 3, t0 + ring_s * 1000 + 700,
      k = 4, t0 + ring_s * 1000 + 2000,
      k = 5, t0 + ring_s * 1000 + 700 + talk_s * 1000,
      k = 6, t0 + ring_s * 1000 + 700 + talk_s * 1000 + wrap_s * 1000,
      k = 7, t0 + ring_s * 1000 + talk_s * 1000 + 3600000 + cityHash64(seed, i, 30) % 86400000,
      t0 + ring_s * 1000 + talk_s * 1000 + 3600000 + cityHash64(seed, i, 30) % 86400000
        + 600000 + cityHash64(seed, i, 31) % 172800000) AS ts
  FROM
  (
    SELECT
      number AS i,
      {seed:UInt64} AS seed,
      i % {leads:UInt64} AS lead_n,
      intDiv(i, {leads:UInt64}) + 1 AS attempt_no,
      concat('lead-', toString(lead_n)) AS lead,
      concat('att-', toString(i)) AS attempt,
      {campaign_ids:Array(String)}[lead_n % length({campaign_ids:Array(String)}) + 1] AS campaign,
      concat('list-', toString(lead_n % {lists:UInt32})) AS list,
      {agent_ids:Array(String)}[cityHash64(seed, i, 7) % length({agent_ids:Array(String)}) + 1] AS agent,
      concat('+86138', leftPad(toString(lead_n % 100000000), 8, '0')) AS phone,
      {start_ms:Int64} + intDiv(i * {span_ms:UInt64}, {attempts:UInt64}) + cityHash64(seed, i, 8) % 30000 AS t0,
      (cityHash64(seed, i, 1) % 10000) / 10000 AS r,
      multiIf(r < 0.20, 'no_answer', r < 0.25, 'busy', r < 0.30, 'invalid', r < 0.45, 'machine',
              r < 0.46, 'abandon', 'human') AS outcome,
      multiIf(outcome = 'no_answer', 'no_answer', outcome = 'busy', 'busy', 'invalid_number') AS cause,
      if(outcome = 'no_answer', 30, 2 + cityHash64(seed, i, 2) % 20) AS ring_s,
      if(outcome = 'human', toUInt32(5 + -ln((cityHash64(seed, i, 3) % 100000 + 1) / 100001) * 110),
         if(outcome = 'machine', toUInt32(3 + cityHash64(seed, i, 3) % 10), 0)) AS talk_s,
      if(outcome = 'human', 5 + cityHash64(seed, i, 4) % 40, 0) AS wrap_s,
      (cityHash64(seed, i, 5) % 1000) / 1000 AS rd,
      multiIf(talk_s < 20, if(rd < 0.5, 'D', 'C'), rd < 0.08, 'A', rd < 0.22, 'B', rd < 0.55, 'C', rd < 0.85, 'D',
              rd < 0.95, 'E', 'F') AS disposition,
      outcome = 'human' AND disposition IN ('A', 'B') AND (cityHash64(seed, i, 6) % 100) < 40 AS ordered,
      (cityHash64(seed, i, 9) % 100) < 70 AS paid,
      toUInt64(5000 + cityHash64(seed, i, 10) % 200000) AS amount
    FROM numbers({first:UInt64}, {count:UInt64})
  )
)`;

/**
 * One lead.created per lead, shortly before its first attempt: 70% from ads (channel / ad
 * campaign / ad, touched_at a few minutes earlier), the rest imports; 5% entered by an agent.
 */
export const LEADS_SQL = `
INSERT INTO events (${COLUMNS})
SELECT
  toUUID(${uuid("ts", "cityHash64(seed, n, 101)", "cityHash64(seed, n, 102)")}) AS event_id,
  'lead.created' AS kind, {org:String}, fromUnixTimestamp64Milli(toInt64(ts), 'UTC'), 1,
  campaign, '', lead, agent,
  concat(${envelope(uuid("ts", "cityHash64(seed, n, 101)", "cityHash64(seed, n, 102)"), "ts", "'lead.created'")},
    ',"lead_id":"', lead, '","source":"', if(from_ad, 'ad', 'import'), '"',
    if(from_ad, concat(',"channel":"', channel, '","ad_id":"', ad, '","ad_campaign_id":"', ad_campaign,
                       '","touched_at":"', ${iso("ts - 60000 - cityHash64(seed, n, 105) % 1200000")}, '"'), ''),
    ',"campaign_id":"', campaign, '","list_id":"', list, '","phone":"', phone,
    '","consent":{"given":true,"method":"web_form"}',
    if(agent != '', concat(',"agent_id":"', agent, '"'), ''), '}') AS payload
FROM
(
  SELECT
    number AS n,
    {seed:UInt64} AS seed,
    concat('lead-', toString(n)) AS lead,
    {campaign_ids:Array(String)}[n % length({campaign_ids:Array(String)}) + 1] AS campaign,
    concat('list-', toString(n % {lists:UInt32})) AS list,
    concat('+86138', leftPad(toString(n % 100000000), 8, '0')) AS phone,
    (cityHash64(seed, n, 103) % 100) < 70 AS from_ad,
    cityHash64(seed, n, 104) % 5 AS ch_n,
    ['baidu', 'douyin', 'wechat', 'kuaishou', 'xiaohongshu'][ch_n + 1] AS channel,
    concat(channel, '-c', toString(cityHash64(seed, n, 106) % 2)) AS ad_campaign,
    concat(ad_campaign, '-ad', toString(cityHash64(seed, n, 107) % 3)) AS ad,
    if((cityHash64(seed, n, 108) % 100) < 5, {agent_ids:Array(String)}[cityHash64(seed, n, 109) % length({agent_ids:Array(String)}) + 1], '') AS agent,
    toInt64({start_ms:Int64} + intDiv(n * {span_ms:UInt64}, {attempts:UInt64})) - 300000
      - toInt64(cityHash64(seed, n, 110) % 3000000) AS ts
  FROM numbers({first:UInt64}, {count:UInt64})
)`;

/** Ad spend: every channel × ad campaign × ad, every hour of the span. */
export const SPEND_SQL = `
INSERT INTO events (${COLUMNS})
SELECT
  toUUID(${uuid("ts", "cityHash64(seed, n, 201)", "cityHash64(seed, n, 202)")}) AS event_id,
  'ad.spend_reported', {org:String}, fromUnixTimestamp64Milli(toInt64(ts), 'UTC'), 1, '', '', '', '',
  concat(${envelope(uuid("ts", "cityHash64(seed, n, 201)", "cityHash64(seed, n, 202)"), "ts", "'ad.spend_reported'")},
    ',"channel":"', channel, '","ad_campaign_id":"', ad_campaign, '","ad_id":"', ad,
    '","slot_start":"', ${iso("slot")}, '","slot_end":"', ${iso("slot + 3600000")},
    '","spend":{"amount_minor":', toString(spend), ',"currency":"CNY"},"impressions":', toString(spend * 3 % 100000),
    ',"clicks":', toString(spend % 997), '}')
FROM
(
  SELECT
    number AS n,
    {seed:UInt64} AS seed,
    intDiv(n, 30) AS hour_n,
    n % 30 AS ad_n,
    ['baidu', 'douyin', 'wechat', 'kuaishou', 'xiaohongshu'][intDiv(ad_n, 6) + 1] AS channel,
    concat(channel, '-c', toString(intDiv(ad_n % 6, 3))) AS ad_campaign,
    concat(ad_campaign, '-ad', toString(ad_n % 3)) AS ad,
    {start_ms:Int64} + hour_n * 3600000 AS slot,
    slot + 3600000 + 60000 AS ts,
    -- spend per ad-hour scales with the lead volume; daytime (CST) costs more
    toUInt64((2000 + cityHash64(seed, n, 203) % 8000) * {spend_scale:Float64}
      * if(toHour(fromUnixTimestamp64Milli(toInt64(slot), 'UTC'), 'Asia/Shanghai') BETWEEN 8 AND 21, 3, 1)) AS spend
  FROM numbers({first:UInt64}, {count:UInt64})
)`;

/**
 * Agent states in fixed 5-minute cycles during a 12-hour shift (08:00–20:00 CST) each day:
 * ready d1 → on_call d2 (or paused, 8%) → wrap_up d3 → ready for the rest of the cycle.
 * previous_state_s of the first event of a cycle includes the previous cycle's ready tail.
 * The first cycle of a shift also logs the agent in with its team.
 */
export const AGENT_STATES_SQL = `
INSERT INTO events (${COLUMNS})
SELECT
  toUUID(${uuid("ts", "cityHash64(seed, n, k, 301)", "cityHash64(seed, n, k, 302)")}) AS event_id,
  kind, {org:String}, fromUnixTimestamp64Milli(toInt64(ts), 'UTC'), 1, '', '', '', agent,
  concat(${envelope(uuid("ts", "cityHash64(seed, n, k, 301)", "cityHash64(seed, n, k, 302)"), "ts", "kind")},
    ',"agent_id":"', agent, '"',
    if(k = 0,
      concat(',"team_id":"', team, '","skills":[{"skill":"sales","level":5}]'),
      concat(',"state":"', state, '","previous_state":"', prev, '","previous_state_s":', toString(prev_s),
             if(state = 'paused', ',"pause_reason":"break"', ''), ',"team_id":"', team, '"')),
    '}') AS payload
FROM
(
  SELECT
    *,
    arrayJoin(if(slot = 0, [0, 1, 2, 3], [1, 2, 3])) AS k,
    multiIf(k = 0, 'agent.login', 'agent.state_changed') AS kind,
    multiIf(k = 1, if(pause, 'paused', 'on_call'), k = 2, 'wrap_up', 'ready') AS state,
    multiIf(k = 1, 'ready', k = 2, if(pause, 'paused', 'on_call'), 'wrap_up') AS prev,
    multiIf(k = 0, 0, k = 1, d1 + tail_prev, k = 2, d2, d3) AS prev_s,
    multiIf(k = 0, cycle_start, k = 1, cycle_start + d1 * 1000, k = 2, cycle_start + (d1 + d2) * 1000,
            cycle_start + (d1 + d2 + d3) * 1000) AS ts
  FROM
  (
    SELECT
      number AS n,
      {seed:UInt64} AS seed,
      n % length({agent_ids:Array(String)}) AS a,
      intDiv(n, length({agent_ids:Array(String)})) AS j,
      intDiv(j, 144) AS day,
      j % 144 AS slot,
      {agent_ids:Array(String)}[a + 1] AS agent,
      {team_ids:Array(String)}[a % length({team_ids:Array(String)}) + 1] AS team,
      -- 00:00 UTC = 08:00 CST
      toInt64({start_day_ms:Int64} + day * 86400000 + slot * 300000) AS cycle_start,
      (cityHash64(seed, a, j, 1) % 100) < 8 AS pause,
      5 + cityHash64(seed, a, j, 2) % 60 AS d1,
      30 + cityHash64(seed, a, j, 3) % 180 AS d2,
      5 + cityHash64(seed, a, j, 4) % 40 AS d3,
      if(slot = 0, 0,
         300 - (5 + cityHash64(seed, a, j - 1, 2) % 60) - (30 + cityHash64(seed, a, j - 1, 3) % 180)
             - (5 + cityHash64(seed, a, j - 1, 4) % 40)) AS tail_prev
    FROM numbers({first:UInt64}, {count:UInt64})
  )
)`;
