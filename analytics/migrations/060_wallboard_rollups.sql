-- The live wallboard's tables: everything it sums "since local midnight" / "over the last
-- 24 h" comes from hourly rollups (a few hundred rows a day) plus, for the partial hour at
-- the start of the range, the 10-second (or 1-minute) tables — never from raw events.
-- Rows are partial aggregates: always read with sum(...) GROUP BY (parts merge lazily).
-- Sort keys start (org_id, time, ...) because the wallboard reads every campaign / agent
-- of one org over a time range.
-- Hourly tables are fed by views on the 10 s / 1 min tables (chained views run on each
-- block those views insert); the two new 10 s tables by views on `events`.
-- The backfill INSERTs copy history that existed before this migration; each runs only
-- when its table is still empty, before its view exists.

-- Hourly campaign counters (the campaign_stats_10s columns the wallboard uses).
CREATE TABLE IF NOT EXISTS campaign_stats_1h
(
    org_id         LowCardinality(String),
    hour           DateTime('UTC'),
    campaign_id    String,
    attempts       SimpleAggregateFunction(sum, UInt64),
    answered       SimpleAggregateFunction(sum, UInt64),
    human_answered SimpleAggregateFunction(sum, UInt64),
    abandoned      SimpleAggregateFunction(sum, UInt64),
    bridged        SimpleAggregateFunction(sum, UInt64),
    talked         SimpleAggregateFunction(sum, UInt64),
    talk_s         SimpleAggregateFunction(sum, Float64),
    wrap_s         SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (org_id, hour, campaign_id)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO campaign_stats_1h
SELECT org_id, toStartOfHour(bucket) AS hour, campaign_id,
       sum(attempts), sum(answered), sum(human_answered), sum(abandoned), sum(bridged), sum(talked),
       sum(talk_s), sum(wrap_s)
FROM campaign_stats_10s
WHERE (SELECT count() FROM campaign_stats_1h) = 0
GROUP BY org_id, hour, campaign_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_stats_1h_mv TO campaign_stats_1h AS
SELECT
    org_id,
    toStartOfHour(bucket) AS hour,
    campaign_id,
    sum(attempts) AS attempts,
    sum(answered) AS answered,
    sum(human_answered) AS human_answered,
    sum(abandoned) AS abandoned,
    sum(bridged) AS bridged,
    sum(talked) AS talked,
    sum(talk_s) AS talk_s,
    sum(wrap_s) AS wrap_s
FROM campaign_stats_10s
GROUP BY org_id, hour, campaign_id;

-- The same counters per 10 s, sorted by time first: the edge of a range and the 30-minute
-- sparklines read one org's time slice (campaign_stats_10s, sorted by campaign first, would
-- have every granule of the day partition read for it).
CREATE TABLE IF NOT EXISTS campaign_counters_10s
(
    org_id         LowCardinality(String),
    bucket         DateTime('UTC'),
    campaign_id    String,
    attempts       SimpleAggregateFunction(sum, UInt64),
    answered       SimpleAggregateFunction(sum, UInt64),
    human_answered SimpleAggregateFunction(sum, UInt64),
    abandoned      SimpleAggregateFunction(sum, UInt64),
    bridged        SimpleAggregateFunction(sum, UInt64),
    talked         SimpleAggregateFunction(sum, UInt64),
    talk_s         SimpleAggregateFunction(sum, Float64),
    wrap_s         SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (org_id, bucket, campaign_id)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO campaign_counters_10s
SELECT org_id, bucket, campaign_id,
       sum(attempts), sum(answered), sum(human_answered), sum(abandoned), sum(bridged), sum(talked),
       sum(talk_s), sum(wrap_s)
FROM campaign_stats_10s
WHERE (SELECT count() FROM campaign_counters_10s) = 0
GROUP BY org_id, bucket, campaign_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_counters_10s_mv TO campaign_counters_10s AS
SELECT
    org_id,
    bucket,
    campaign_id,
    sum(attempts) AS attempts,
    sum(answered) AS answered,
    sum(human_answered) AS human_answered,
    sum(abandoned) AS abandoned,
    sum(bridged) AS bridged,
    sum(talked) AS talked,
    sum(talk_s) AS talk_s,
    sum(wrap_s) AS wrap_s
FROM campaign_stats_10s
GROUP BY org_id, bucket, campaign_id;

-- Service level: bridged calls per whole second of queue wait (call.bridged wait_ms), so
-- "answered within T seconds" is sum(bridged) WHERE wait_s < T for any whole T
-- (wait_ms < T*1000 ⟺ intDiv(wait_ms, 1000) < T). Capped at 65535 s.
CREATE TABLE IF NOT EXISTS campaign_waits_10s
(
    org_id      LowCardinality(String),
    bucket      DateTime('UTC'),
    campaign_id String,
    wait_s      UInt16,
    bridged     SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (org_id, bucket, campaign_id, wait_s)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO campaign_waits_10s
SELECT org_id, toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC') AS bucket, campaign_id,
       toUInt16(least(intDiv(JSONExtractUInt(payload, 'wait_ms'), 1000), 65535)) AS wait_s, toUInt64(count())
FROM events
WHERE kind = 'call.bridged' AND (SELECT count() FROM campaign_waits_10s) = 0
GROUP BY org_id, bucket, campaign_id, wait_s;

CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_waits_10s_mv TO campaign_waits_10s AS
SELECT
    org_id,
    toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC') AS bucket,
    campaign_id,
    toUInt16(least(intDiv(JSONExtractUInt(payload, 'wait_ms'), 1000), 65535)) AS wait_s,
    toUInt64(count()) AS bridged
FROM events
WHERE kind = 'call.bridged'
GROUP BY org_id, bucket, campaign_id, wait_s;

CREATE TABLE IF NOT EXISTS campaign_waits_1h
(
    org_id      LowCardinality(String),
    hour        DateTime('UTC'),
    campaign_id String,
    wait_s      UInt16,
    bridged     SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (org_id, hour, campaign_id, wait_s)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO campaign_waits_1h
SELECT org_id, toStartOfHour(bucket) AS hour, campaign_id, wait_s, sum(bridged)
FROM campaign_waits_10s
WHERE (SELECT count() FROM campaign_waits_1h) = 0
GROUP BY org_id, hour, campaign_id, wait_s;

CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_waits_1h_mv TO campaign_waits_1h AS
SELECT org_id, toStartOfHour(bucket) AS hour, campaign_id, wait_s, sum(bridged) AS bridged
FROM campaign_waits_10s
GROUP BY org_id, hour, campaign_id, wait_s;

-- Conversions: dispositions per campaign (A and B count as conversions), same campaign
-- fallback as report_lead_events.
CREATE TABLE IF NOT EXISTS campaign_dispositions_10s
(
    org_id       LowCardinality(String),
    bucket       DateTime('UTC'),
    campaign_id  String,
    dispositions SimpleAggregateFunction(sum, UInt64),
    conversions  SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (org_id, bucket, campaign_id)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO campaign_dispositions_10s
SELECT org_id, toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC') AS bucket,
       if(campaign_id != '', campaign_id, JSONExtractString(payload, 'campaign_id')) AS campaign,
       toUInt64(count()), toUInt64(countIf(JSONExtractString(payload, 'disposition') IN ('A', 'B')))
FROM events
WHERE kind = 'call.disposition' AND (SELECT count() FROM campaign_dispositions_10s) = 0
GROUP BY org_id, bucket, campaign;

CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_dispositions_10s_mv TO campaign_dispositions_10s AS
SELECT
    org_id,
    toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC') AS bucket,
    if(campaign_id != '', campaign_id, JSONExtractString(payload, 'campaign_id')) AS campaign_id,
    toUInt64(count()) AS dispositions,
    toUInt64(countIf(JSONExtractString(payload, 'disposition') IN ('A', 'B'))) AS conversions
FROM events
WHERE kind = 'call.disposition'
GROUP BY org_id, bucket, campaign_id;

CREATE TABLE IF NOT EXISTS campaign_dispositions_1h
(
    org_id       LowCardinality(String),
    hour         DateTime('UTC'),
    campaign_id  String,
    dispositions SimpleAggregateFunction(sum, UInt64),
    conversions  SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (org_id, hour, campaign_id)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO campaign_dispositions_1h
SELECT org_id, toStartOfHour(bucket) AS hour, campaign_id, sum(dispositions), sum(conversions)
FROM campaign_dispositions_10s
WHERE (SELECT count() FROM campaign_dispositions_1h) = 0
GROUP BY org_id, hour, campaign_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_dispositions_1h_mv TO campaign_dispositions_1h AS
SELECT org_id, toStartOfHour(bucket) AS hour, campaign_id,
       sum(dispositions) AS dispositions, sum(conversions) AS conversions
FROM campaign_dispositions_10s
GROUP BY org_id, hour, campaign_id;

-- Hourly agent state time (agent_state_1m without the campaign / team split).
CREATE TABLE IF NOT EXISTS agent_state_1h
(
    org_id   LowCardinality(String),
    hour     DateTime('UTC'),
    agent_id String,
    state    LowCardinality(String),
    seconds  SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (org_id, hour, agent_id, state)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO agent_state_1h
SELECT org_id, toStartOfHour(bucket) AS hour, agent_id, state, sum(seconds)
FROM agent_state_1m
WHERE (SELECT count() FROM agent_state_1h) = 0
GROUP BY org_id, hour, agent_id, state;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_state_1h_mv TO agent_state_1h AS
SELECT org_id, toStartOfHour(bucket) AS hour, agent_id, state, sum(seconds) AS seconds
FROM agent_state_1m
GROUP BY org_id, hour, agent_id, state;

-- Per-minute agent state time sorted by time first, for the partial hour at a range's start.
CREATE TABLE IF NOT EXISTS agent_seconds_1m
(
    org_id   LowCardinality(String),
    bucket   DateTime('UTC'),
    agent_id String,
    state    LowCardinality(String),
    seconds  SimpleAggregateFunction(sum, Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (org_id, bucket, agent_id, state)
SETTINGS non_replicated_deduplication_window = 1000;

INSERT INTO agent_seconds_1m
SELECT org_id, bucket, agent_id, state, sum(seconds)
FROM agent_state_1m
WHERE (SELECT count() FROM agent_seconds_1m) = 0
GROUP BY org_id, bucket, agent_id, state;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_seconds_1m_mv TO agent_seconds_1m AS
SELECT org_id, bucket, agent_id, state, sum(seconds) AS seconds
FROM agent_state_1m
GROUP BY org_id, bucket, agent_id, state;
