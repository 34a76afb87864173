-- Reports (funnel): the narrowest copy of report_lead_events the funnel needs — the lead as
-- a 64-bit hash, the kind as an Enum8, and only the columns windowFunnel's conditions, the
-- breakdowns and visibility read. No JSON, no UUIDs, no lead-id strings: the funnel scans a
-- fraction of the bytes it used to and groups on a UInt64 that is already computed.
-- Duplicates are harmless here (windowFunnel, minIf, argMinIf and countIf(...) > 0 give the
-- same answer with a row repeated), so a plain MergeTree, no FINAL, and the backfill below
-- can safely overlap the materialized view.
CREATE TABLE IF NOT EXISTS report_lead_steps
(
    org_id      LowCardinality(String),
    -- cityHash64(lead_id): the funnel has always grouped leads by this hash.
    lead_hash   UInt64,
    ts          DateTime64(3, 'UTC'),
    kind        Enum8('lead.created' = 1, 'call.attempt_created' = 2, 'call.answered' = 3, 'call.ended' = 4,
                      'call.disposition' = 5, 'order.created' = 6, 'payment.received' = 7),
    campaign_id LowCardinality(String),
    list_id     LowCardinality(String),
    agent_id    LowCardinality(String),
    detection   LowCardinality(String),
    talk_s      Float32,
    disposition LowCardinality(String),
    -- lead.created only: the ad channel and when the touch happened (ad-source breakdown).
    channel     LowCardinality(String),
    touched_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
-- Weekly partitions prune the time range; inside one, a lead's facts sit together in time
-- order, so the per-lead windowFunnel states are built from sorted, adjacent rows.
PARTITION BY toMonday(ts)
ORDER BY (org_id, lead_hash, ts);

-- Chained from report_lead_events (whose materialized view already parsed the JSON).
CREATE MATERIALIZED VIEW IF NOT EXISTS report_lead_steps_mv TO report_lead_steps AS
SELECT org_id, cityHash64(lead_id) AS lead_hash, ts, kind, campaign_id, list_id, agent_id, detection, talk_s,
    disposition, channel, touched_at
FROM report_lead_events;

-- Facts stored before this migration (a no-op on a fresh database). Overlap with the view
-- above only repeats rows, which the funnel ignores (see the table comment).
INSERT INTO report_lead_steps
SELECT org_id, cityHash64(lead_id), ts, kind, campaign_id, list_id, agent_id, detection, talk_s, disposition,
    channel, touched_at
FROM report_lead_events;
