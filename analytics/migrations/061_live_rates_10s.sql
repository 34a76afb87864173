-- What liveRates (pacing) reads: a copy of campaign_stats_10s's columns in the same sort
-- order, with small granules. One campaign's window is a few hundred rows, but with the
-- default 8192-row granules every read decoded two whole granules of 11 columns (quantile
-- states included): most of the query's time. 256-row granules keep the rows read close to
-- the rows needed. Rows are partial aggregates: read with sum(...) / quantilesMerge(...).
-- Fed by a view on campaign_stats_10s (chained: it runs on each block the campaign_stats_10s
-- views insert, so a deduplicated retry skips it too). The backfill copies history that
-- existed before this migration; it runs only while the table is still empty, before its view.
CREATE TABLE IF NOT EXISTS live_rates_10s
(
    org_id         LowCardinality(String),
    campaign_id    String,
    bucket         DateTime('UTC'),
    attempts       SimpleAggregateFunction(sum, UInt64),
    answered       SimpleAggregateFunction(sum, UInt64),
    human_answered SimpleAggregateFunction(sum, UInt64),
    machine        SimpleAggregateFunction(sum, UInt64),
    abandoned      SimpleAggregateFunction(sum, UInt64),
    bridged        SimpleAggregateFunction(sum, UInt64),
    talked         SimpleAggregateFunction(sum, UInt64),
    talk_s         SimpleAggregateFunction(sum, Float64),
    wrapped        SimpleAggregateFunction(sum, UInt64),
    wrap_s         SimpleAggregateFunction(sum, Float64),
    time_to_answer AggregateFunction(quantiles(0.5, 0.9, 0.95), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (org_id, campaign_id, bucket)
SETTINGS non_replicated_deduplication_window = 1000, index_granularity = 256;

INSERT INTO live_rates_10s
SELECT org_id, campaign_id, bucket,
       sum(attempts), sum(answered), sum(human_answered), sum(machine), sum(abandoned), sum(bridged),
       sum(talked), sum(talk_s), sum(wrapped), sum(wrap_s), quantilesMergeState(0.5, 0.9, 0.95)(time_to_answer)
FROM campaign_stats_10s
WHERE (SELECT count() FROM live_rates_10s) = 0
GROUP BY org_id, campaign_id, bucket;

CREATE MATERIALIZED VIEW IF NOT EXISTS live_rates_10s_mv TO live_rates_10s AS
SELECT org_id, campaign_id, bucket, attempts, answered, human_answered, machine, abandoned, bridged,
       talked, talk_s, wrapped, wrap_s, time_to_answer
FROM campaign_stats_10s;
