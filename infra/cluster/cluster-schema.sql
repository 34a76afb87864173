-- Replicated + Distributed variant of the raw table and the live aggregates, for a cluster
-- named `cc` with {shard}/{replica} macros. Columns, keys and views match
-- analytics/migrations/001–003; port later migrations the same way.

CREATE TABLE IF NOT EXISTS events_local ON CLUSTER cc
(
    event_id       UUID,
    kind           LowCardinality(String),
    org_id         LowCardinality(String),
    occurred_at    DateTime64(3, 'UTC'),
    schema_version UInt16,
    campaign_id    String DEFAULT '',
    attempt_id     String DEFAULT '',
    lead_id        String DEFAULT '',
    agent_id       String DEFAULT '',
    payload        String CODEC(ZSTD(3)),
    stream_seq     UInt64 DEFAULT 0,
    ingested_at    DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_event_id event_id TYPE bloom_filter(0.001) GRANULARITY 4,
    INDEX idx_attempt attempt_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_lead lead_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/events', '{replica}')
PARTITION BY toYYYYMMDD(occurred_at)
ORDER BY (org_id, kind, campaign_id, occurred_at, event_id);

CREATE TABLE IF NOT EXISTS events ON CLUSTER cc AS events_local
ENGINE = Distributed(cc, currentDatabase(), events_local, cityHash64(org_id, campaign_id));

CREATE TABLE IF NOT EXISTS campaign_stats_10s_local ON CLUSTER cc
(
    org_id         LowCardinality(String),
    campaign_id    String,
    bucket         DateTime('UTC'),
    attempts       SimpleAggregateFunction(sum, UInt64),
    answered       SimpleAggregateFunction(sum, UInt64),
    human_answered SimpleAggregateFunction(sum, UInt64),
    machine        SimpleAggregateFunction(sum, UInt64),
    fax            SimpleAggregateFunction(sum, UInt64),
    failed         SimpleAggregateFunction(sum, UInt64),
    abandoned      SimpleAggregateFunction(sum, UInt64),
    bridged        SimpleAggregateFunction(sum, UInt64),
    bridge_wait_ms SimpleAggregateFunction(sum, UInt64),
    ended          SimpleAggregateFunction(sum, UInt64),
    talked         SimpleAggregateFunction(sum, UInt64),
    talk_s         SimpleAggregateFunction(sum, Float64),
    wrapped        SimpleAggregateFunction(sum, UInt64),
    wrap_s         SimpleAggregateFunction(sum, Float64),
    time_to_answer AggregateFunction(quantiles(0.5, 0.9, 0.95), Float64)
)
ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/campaign_stats_10s', '{replica}')
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (org_id, campaign_id, bucket);

CREATE TABLE IF NOT EXISTS campaign_stats_10s ON CLUSTER cc AS campaign_stats_10s_local
ENGINE = Distributed(cc, currentDatabase(), campaign_stats_10s_local, cityHash64(org_id, campaign_id));

-- The views read the LOCAL events table and write the LOCAL aggregate: copy the SELECTs of
-- analytics/migrations/002_campaign_stats_10s.sql with `FROM events_local`, e.g.:
CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_stats_10s_answer_mv ON CLUSTER cc TO campaign_stats_10s_local AS
SELECT
    org_id,
    campaign_id,
    toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC') AS bucket,
    quantilesState(0.5, 0.9, 0.95)(JSONExtractFloat(payload, 'ring_s')) AS time_to_answer
FROM events_local
WHERE kind = 'call.answered' AND campaign_id != ''
GROUP BY org_id, campaign_id, bucket;

-- 080: wrap time from agents leaving wrap-up for a named call (the real dial loop).
CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_stats_10s_wrap_mv ON CLUSTER cc TO campaign_stats_10s_local AS
SELECT
    org_id,
    campaign_id,
    toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC') AS bucket,
    toUInt64(count()) AS wrapped,
    toFloat64(sum(JSONExtractFloat(payload, 'previous_state_s'))) AS wrap_s
FROM events_local
WHERE kind = 'agent.state_changed' AND campaign_id != '' AND attempt_id != ''
  AND JSONExtractString(payload, 'previous_state') = 'wrap_up'
GROUP BY org_id, campaign_id, bucket;

-- agent_state_1m_local / agent_state_1m and their view follow the same pattern
-- (ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/{database}/agent_state_1m', '{replica}')).

-- Plain typed views (004) work unchanged over the Distributed `events`:
-- CREATE VIEW IF NOT EXISTS call_answered ON CLUSTER cc AS SELECT … FROM events WHERE kind = 'call.answered';
