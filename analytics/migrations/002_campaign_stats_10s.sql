-- Live per-campaign counters in 10-second buckets (what pacing and the wallboard read).
-- Rows are partial aggregates: always read with sum(...) / quantilesMerge(...) GROUP BY,
-- because parts merge lazily. Counters are SimpleAggregateFunction(sum); the
-- time-to-answer distribution (call.answered ring_s) is a quantiles state.
-- non_replicated_deduplication_window: when a sink batch is retried with the same
-- insert_deduplication_token, the events block is skipped AND so is the block this view
-- derives from it (ClickHouse >= 25 dedups dependent views by a token derived from the
-- source block; older servers skip the views when the source block is a duplicate).
CREATE TABLE IF NOT EXISTS campaign_stats_10s
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
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (org_id, campaign_id, bucket)
SETTINGS non_replicated_deduplication_window = 1000;

-- Counters from every call event kind that moves them.
CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_stats_10s_counters_mv TO campaign_stats_10s AS
SELECT
    org_id,
    campaign_id,
    toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC') AS bucket,
    toUInt64(countIf(kind = 'call.attempt_created')) AS attempts,
    toUInt64(countIf(kind = 'call.answered')) AS answered,
    toUInt64(countIf(kind = 'call.answered' AND JSONExtractString(payload, 'detection') = 'human')) AS human_answered,
    toUInt64(countIf(kind = 'call.answered' AND JSONExtractString(payload, 'detection') = 'machine')) AS machine,
    toUInt64(countIf(kind = 'call.answered' AND JSONExtractString(payload, 'detection') = 'fax')) AS fax,
    toUInt64(countIf(kind = 'call.failed')) AS failed,
    toUInt64(countIf(kind = 'call.abandoned')) AS abandoned,
    toUInt64(countIf(kind = 'call.bridged')) AS bridged,
    toUInt64(sumIf(JSONExtractUInt(payload, 'wait_ms'), kind = 'call.bridged')) AS bridge_wait_ms,
    toUInt64(countIf(kind = 'call.ended')) AS ended,
    toUInt64(countIf(kind = 'call.ended' AND JSONExtractFloat(payload, 'talk_s') > 0)) AS talked,
    toFloat64(sumIf(JSONExtractFloat(payload, 'talk_s'), kind = 'call.ended')) AS talk_s,
    toUInt64(countIf(kind = 'call.ended' AND JSONExtractFloat(payload, 'wrap_s') > 0)) AS wrapped,
    toFloat64(sumIf(JSONExtractFloat(payload, 'wrap_s'), kind = 'call.ended')) AS wrap_s
FROM events
WHERE kind IN ('call.attempt_created', 'call.answered', 'call.failed', 'call.abandoned', 'call.bridged', 'call.ended')
  AND campaign_id != ''
GROUP BY org_id, campaign_id, bucket;

-- Time to answer (seconds from dial to answer) as a mergeable quantiles state.
CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_stats_10s_answer_mv TO campaign_stats_10s AS
SELECT
    org_id,
    campaign_id,
    toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC') AS bucket,
    quantilesState(0.5, 0.9, 0.95)(JSONExtractFloat(payload, 'ring_s')) AS time_to_answer
FROM events
WHERE kind = 'call.answered' AND campaign_id != ''
GROUP BY org_id, campaign_id, bucket;
