-- The live wallboard's tables. Each holds one org's counters at several resolutions in one
-- sort order (org_id, res, t, ...): fine rows (res = 10 s, or 60 s for agent states),
-- hourly rows (res = 3600) and, for campaigns, per-minute rows (res = 60, the sparklines). A range "since T" reads the hourly rows from ceilHour(T) on plus
-- the fine rows of [T, ceilHour(T)) — the same sums as the fine rows alone, at a few hundred
-- rows a day instead of ~200k, in ONE read of one table (each extra table read costs the
-- engine several ms of planning). Never raw events at query time.
-- Partitions: hourly rows by month, fine rows by day, so the parts' min-max index drops
-- every fine part but the one or two a range touches before the (costly) key analysis.
-- index_granularity 1024: a range of one org's rows spans few rows, so small granules
-- keep the rows read close to the rows needed.
-- Rows are partial aggregates: always read with sum(...) GROUP BY (parts merge lazily).
-- Fed by materialized views: on campaign_stats_10s / agent_state_1m (chained: they run on
-- each block those views insert) and on events. The backfill INSERTs copy history that
-- existed before this migration; each runs only while its table is still empty, before
-- its views exist.

-- Campaign counters (the campaign_stats_10s columns the wallboard uses), dispositions and
-- queue waits, so one read gives every per-campaign KPI.
CREATE TABLE IF NOT EXISTS wallboard_campaign
(
    org_id         LowCardinality(String),
    res            UInt32,
    t              DateTime('UTC'),
    campaign_id    String,
    attempts       SimpleAggregateFunction(sum, UInt64),
    answered       SimpleAggregateFunction(sum, UInt64),
    human_answered SimpleAggregateFunction(sum, UInt64),
    abandoned      SimpleAggregateFunction(sum, UInt64),
    bridged        SimpleAggregateFunction(sum, UInt64),
    talked         SimpleAggregateFunction(sum, UInt64),
    talk_s         SimpleAggregateFunction(sum, Float64),
    wrap_s         SimpleAggregateFunction(sum, Float64),
    -- campaign_stats_10s rows summed here: > 0 says the campaign had call activity, as a
    -- row of campaign_stats_10s does (disposition rows leave it 0).
    stats_rows     SimpleAggregateFunction(sum, UInt64),
    dispositions   SimpleAggregateFunction(sum, UInt64),
    conversions    SimpleAggregateFunction(sum, UInt64),
    -- Service level: call.bridged count per whole second of queue wait, so "answered
    -- within T s" is the sum over keys < T for any whole T (wait_ms < T*1000 ⟺
    -- intDiv(wait_ms, 1000) < T). Capped at 65535 s.
    waits          SimpleAggregateFunction(sumMap, Map(UInt16, UInt64))
)
ENGINE = AggregatingMergeTree
PARTITION BY (res, if(res = 3600, toStartOfMonth(t), toStartOfDay(t)))
ORDER BY (org_id, res, t, campaign_id)
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 1024;

INSERT INTO wallboard_campaign (org_id, res, t, campaign_id, attempts, answered, human_answered, abandoned,
                                bridged, talked, talk_s, wrap_s, stats_rows)
SELECT org_id, r AS res, multiIf(r = 10, bucket, r = 60, toStartOfMinute(bucket), toStartOfHour(bucket)) AS t,
       campaign_id,
       sum(attempts), sum(answered), sum(human_answered), sum(abandoned), sum(bridged), sum(talked),
       sum(talk_s), sum(wrap_s), toUInt64(count())
FROM campaign_stats_10s
ARRAY JOIN [10, 60, 3600] AS r
WHERE (SELECT count() FROM wallboard_campaign) = 0
GROUP BY org_id, res, t, campaign_id;

INSERT INTO wallboard_campaign (org_id, res, t, campaign_id, dispositions, conversions)
SELECT org_id, r AS res,
       if(r = 10, toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC'),
          toStartOfHour(toDateTime(occurred_at, 'UTC'))) AS t,
       if(campaign_id != '', campaign_id, JSONExtractString(payload, 'campaign_id')) AS campaign,
       toUInt64(count()), toUInt64(countIf(JSONExtractString(payload, 'disposition') IN ('A', 'B')))
FROM events
ARRAY JOIN [10, 3600] AS r
WHERE kind = 'call.disposition'
  AND (SELECT count() FROM wallboard_campaign WHERE dispositions > 0) = 0
GROUP BY org_id, res, t, campaign;

CREATE MATERIALIZED VIEW IF NOT EXISTS wallboard_campaign_10s_mv TO wallboard_campaign AS
SELECT
    org_id,
    toUInt32(10) AS res,
    bucket AS t,
    campaign_id,
    sum(attempts) AS attempts,
    sum(answered) AS answered,
    sum(human_answered) AS human_answered,
    sum(abandoned) AS abandoned,
    sum(bridged) AS bridged,
    sum(talked) AS talked,
    sum(talk_s) AS talk_s,
    sum(wrap_s) AS wrap_s,
    toUInt64(count()) AS stats_rows
FROM campaign_stats_10s
GROUP BY org_id, t, campaign_id;

-- Per-minute call counters: the sparklines of the last 30 minutes.
CREATE MATERIALIZED VIEW IF NOT EXISTS wallboard_campaign_1m_mv TO wallboard_campaign AS
SELECT
    org_id,
    toUInt32(60) AS res,
    toStartOfMinute(bucket) AS t,
    campaign_id,
    sum(attempts) AS attempts,
    sum(answered) AS answered,
    sum(human_answered) AS human_answered,
    sum(abandoned) AS abandoned,
    sum(bridged) AS bridged,
    sum(talked) AS talked,
    sum(talk_s) AS talk_s,
    sum(wrap_s) AS wrap_s,
    toUInt64(count()) AS stats_rows
FROM campaign_stats_10s
GROUP BY org_id, t, campaign_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS wallboard_campaign_1h_mv TO wallboard_campaign AS
SELECT
    org_id,
    toUInt32(3600) AS res,
    toStartOfHour(bucket) AS t,
    campaign_id,
    sum(attempts) AS attempts,
    sum(answered) AS answered,
    sum(human_answered) AS human_answered,
    sum(abandoned) AS abandoned,
    sum(bridged) AS bridged,
    sum(talked) AS talked,
    sum(talk_s) AS talk_s,
    sum(wrap_s) AS wrap_s,
    toUInt64(count()) AS stats_rows
FROM campaign_stats_10s
GROUP BY org_id, t, campaign_id;

-- Dispositions (A and B are conversions), same campaign fallback as report_lead_events.
CREATE MATERIALIZED VIEW IF NOT EXISTS wallboard_dispositions_10s_mv TO wallboard_campaign AS
SELECT
    org_id,
    toUInt32(10) AS res,
    toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC') AS t,
    if(campaign_id != '', campaign_id, JSONExtractString(payload, 'campaign_id')) AS campaign_id,
    toUInt64(count()) AS dispositions,
    toUInt64(countIf(JSONExtractString(payload, 'disposition') IN ('A', 'B'))) AS conversions
FROM events
WHERE kind = 'call.disposition'
GROUP BY org_id, t, campaign_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS wallboard_dispositions_1h_mv TO wallboard_campaign AS
SELECT
    org_id,
    toUInt32(3600) AS res,
    toStartOfHour(toDateTime(occurred_at, 'UTC')) AS t,
    if(campaign_id != '', campaign_id, JSONExtractString(payload, 'campaign_id')) AS campaign_id,
    toUInt64(count()) AS dispositions,
    toUInt64(countIf(JSONExtractString(payload, 'disposition') IN ('A', 'B'))) AS conversions
FROM events
WHERE kind = 'call.disposition'
GROUP BY org_id, t, campaign_id;

-- Service level waits (see the waits column).
INSERT INTO wallboard_campaign (org_id, res, t, campaign_id, waits)
SELECT org_id, r AS res,
       if(r = 10, toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC'),
          toStartOfHour(toDateTime(occurred_at, 'UTC'))) AS t,
       campaign_id,
       sumMap(map(toUInt16(least(intDiv(JSONExtractUInt(payload, 'wait_ms'), 1000), 65535)), toUInt64(1)))
FROM events
ARRAY JOIN [10, 3600] AS r
WHERE kind = 'call.bridged'
  AND (SELECT count() FROM wallboard_campaign WHERE notEmpty(waits)) = 0
GROUP BY org_id, res, t, campaign_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS wallboard_waits_10s_mv TO wallboard_campaign AS
SELECT
    org_id,
    toUInt32(10) AS res,
    toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC') AS t,
    campaign_id,
    sumMap(map(toUInt16(least(intDiv(JSONExtractUInt(payload, 'wait_ms'), 1000), 65535)), toUInt64(1))) AS waits
FROM events
WHERE kind = 'call.bridged'
GROUP BY org_id, t, campaign_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS wallboard_waits_1h_mv TO wallboard_campaign AS
SELECT
    org_id,
    toUInt32(3600) AS res,
    toStartOfHour(toDateTime(occurred_at, 'UTC')) AS t,
    campaign_id,
    sumMap(map(toUInt16(least(intDiv(JSONExtractUInt(payload, 'wait_ms'), 1000), 65535)), toUInt64(1))) AS waits
FROM events
WHERE kind = 'call.bridged'
GROUP BY org_id, t, campaign_id;

-- Agent state time (agent_state_1m without the campaign / team split): res 60 and 3600.
CREATE TABLE IF NOT EXISTS wallboard_agent_states
(
    org_id   LowCardinality(String),
    res      UInt32,
    t        DateTime('UTC'),
    agent_id String,
    state    LowCardinality(String),
    seconds  SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY (res, if(res = 3600, toStartOfMonth(t), toStartOfDay(t)))
ORDER BY (org_id, res, t, agent_id, state)
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 1024;

INSERT INTO wallboard_agent_states
SELECT org_id, r AS res, if(r = 60, bucket, toStartOfHour(bucket)) AS t, agent_id, state, sum(seconds)
FROM agent_state_1m
ARRAY JOIN [60, 3600] AS r
WHERE (SELECT count() FROM wallboard_agent_states) = 0
GROUP BY org_id, res, t, agent_id, state;

CREATE MATERIALIZED VIEW IF NOT EXISTS wallboard_agent_states_1m_mv TO wallboard_agent_states AS
SELECT org_id, toUInt32(60) AS res, bucket AS t, agent_id, state, sum(seconds) AS seconds
FROM agent_state_1m
GROUP BY org_id, t, agent_id, state;

CREATE MATERIALIZED VIEW IF NOT EXISTS wallboard_agent_states_1h_mv TO wallboard_agent_states AS
SELECT org_id, toUInt32(3600) AS res, toStartOfHour(bucket) AS t, agent_id, state, sum(seconds) AS seconds
FROM agent_state_1m
GROUP BY org_id, t, agent_id, state;
