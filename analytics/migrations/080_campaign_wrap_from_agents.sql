-- Wrap-up time in the real dial loop: a call ends when either side hangs up, but the agent's
-- after-call work ends later, at their disposition, when the console moves them out of wrap_up
-- naming the attempt. That move carries the wrap seconds (previous_state_s) into the campaign's
-- counters, so pacing's wrap estimate (liveRates.meanWrapSeconds) learns from real agents.
-- The simulator and the benchmark history put wrap time on call.ended instead and their moves
-- name no attempt, so nothing is counted twice. Chained views (live_rates_10s, the wallboard
-- tables) pick these rows up like any other insert into campaign_stats_10s.
CREATE MATERIALIZED VIEW IF NOT EXISTS campaign_stats_10s_wrap_mv TO campaign_stats_10s AS
SELECT
    org_id,
    campaign_id,
    toDateTime(intDiv(toUnixTimestamp(occurred_at), 10) * 10, 'UTC') AS bucket,
    toUInt64(count()) AS wrapped,
    toFloat64(sum(JSONExtractFloat(payload, 'previous_state_s'))) AS wrap_s
FROM events
WHERE kind = 'agent.state_changed'
  AND campaign_id != ''
  AND attempt_id != ''
  AND JSONExtractString(payload, 'previous_state') = 'wrap_up'
GROUP BY org_id, campaign_id, bucket;
