-- Per-agent time in each state, in 1-minute buckets. Source: agent.state_changed, which
-- says the agent spent previous_state_s seconds in previous_state, ending at occurred_at.
-- The interval is split over the minutes it covers (capped at 24 h), so a long pause is
-- not booked entirely in the minute it ended. Read with sum(...) GROUP BY.
CREATE TABLE IF NOT EXISTS agent_state_1m
(
    org_id      LowCardinality(String),
    agent_id    String,
    state       LowCardinality(String),
    bucket      DateTime('UTC'),
    campaign_id String,
    team_id     String,
    seconds     SimpleAggregateFunction(sum, Float64),
    exits       SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (org_id, agent_id, bucket, state, campaign_id, team_id)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_state_1m_mv TO agent_state_1m AS
SELECT
    org_id,
    agent_id,
    state,
    toDateTime(m, 'UTC') AS bucket,
    campaign_id,
    team_id,
    toFloat64(sum(least(end_s, toFloat64(m + 60)) - greatest(start_s, toFloat64(m)))) AS seconds,
    toUInt64(countIf(end_s <= toFloat64(m + 60) AND end_s > toFloat64(m))) AS exits
FROM
(
    SELECT
        org_id,
        if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
        JSONExtractString(payload, 'previous_state') AS state,
        campaign_id,
        JSONExtractString(payload, 'team_id') AS team_id,
        toFloat64(toUnixTimestamp64Milli(occurred_at)) / 1000 AS end_s,
        end_s - least(JSONExtractFloat(payload, 'previous_state_s'), 86400) AS start_s,
        arrayJoin(range(toUInt32(intDiv(toUInt64(floor(start_s)), 60) * 60),
                        toUInt32(intDiv(toUInt64(ceil(end_s)), 60) * 60 + 60), 60)) AS m
    FROM events
    WHERE kind = 'agent.state_changed'
)
WHERE least(end_s, toFloat64(m + 60)) > greatest(start_s, toFloat64(m))
   OR (end_s = start_s AND end_s >= toFloat64(m) AND end_s < toFloat64(m + 60))
GROUP BY org_id, agent_id, state, m, campaign_id, team_id;
