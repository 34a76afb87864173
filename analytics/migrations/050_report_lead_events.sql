-- Reports (funnel, advertising ROI): one narrow, typed row per lead-level fact, so the
-- funnel's windowFunnel and the ROI attribution join never parse JSON at query time.
-- Filled by the materialized view below from every insert into `events`.
CREATE TABLE IF NOT EXISTS report_lead_events
(
    org_id         LowCardinality(String),
    lead_id        String,
    ts             DateTime64(3, 'UTC'),
    kind           LowCardinality(String),
    event_id       UUID,
    campaign_id    String,
    attempt_id     String,
    agent_id       String,
    list_id        String,
    detection      LowCardinality(String),
    talk_s         Float32,
    disposition    LowCardinality(String),
    amount_minor   Int64,
    currency       LowCardinality(String),
    order_id       String,
    channel        LowCardinality(String),
    ad_campaign_id String,
    ad_id          String,
    -- lead.created: when the ad click / form submit happened (falls back to occurred_at).
    touched_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (org_id, ts, lead_id, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_lead_events_mv TO report_lead_events AS
SELECT
    org_id,
    if(lead_id != '', lead_id, JSONExtractString(payload, 'lead_id')) AS lead_id,
    occurred_at AS ts,
    kind,
    event_id,
    if(campaign_id != '', campaign_id, JSONExtractString(payload, 'campaign_id')) AS campaign_id,
    if(attempt_id != '', attempt_id, JSONExtractString(payload, 'attempt_id')) AS attempt_id,
    if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
    JSONExtractString(payload, 'list_id') AS list_id,
    JSONExtractString(payload, 'detection') AS detection,
    toFloat32(JSONExtractFloat(payload, 'talk_s')) AS talk_s,
    JSONExtractString(payload, 'disposition') AS disposition,
    multiIf(
        kind = 'order.created', JSONExtract(payload, 'total', 'amount_minor', 'Int64'),
        kind = 'payment.received', JSONExtract(payload, 'amount', 'amount_minor', 'Int64'),
        toInt64(0)) AS amount_minor,
    multiIf(
        kind = 'order.created', JSONExtractString(payload, 'total', 'currency'),
        kind = 'payment.received', JSONExtractString(payload, 'amount', 'currency'),
        '') AS currency,
    JSONExtractString(payload, 'order_id') AS order_id,
    JSONExtractString(payload, 'channel') AS channel,
    JSONExtractString(payload, 'ad_campaign_id') AS ad_campaign_id,
    JSONExtractString(payload, 'ad_id') AS ad_id,
    if(kind = 'lead.created',
       ifNull(parseDateTime64BestEffortOrNull(JSONExtractString(payload, 'touched_at'), 3, 'UTC'), occurred_at),
       occurred_at) AS touched_at
FROM events
WHERE kind IN ('lead.created', 'call.attempt_created', 'call.answered', 'call.ended', 'call.disposition',
               'order.created', 'payment.received');
