-- Reports (advertising ROI): the two sides of the attribution join, narrow and keyed for it.
-- Touches (lead.created from an ad) and conversions (attempts, orders, payments) carry the
-- lead as cityHash64(lead_id), so the join builds and probes on a UInt64 instead of a
-- string, and each side reads only its own rows by time instead of filtering `kind` over
-- every lead fact. Both are ReplacingMergeTree on the event id like report_lead_events
-- (queries read them without FINAL, as before). Chained from report_lead_events.
CREATE TABLE IF NOT EXISTS report_touches
(
    org_id         LowCardinality(String),
    touched_at     DateTime64(3, 'UTC'),
    lead_hash      UInt64,
    event_id       UUID,
    channel        LowCardinality(String),
    ad_campaign_id LowCardinality(String),
    ad_id          LowCardinality(String)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(touched_at)
ORDER BY (org_id, touched_at, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_touches_mv TO report_touches AS
SELECT org_id, touched_at, cityHash64(lead_id) AS lead_hash, event_id, channel, ad_campaign_id, ad_id
FROM report_lead_events
WHERE kind = 'lead.created' AND channel != '';

CREATE TABLE IF NOT EXISTS report_conversions
(
    org_id       LowCardinality(String),
    ts           DateTime64(3, 'UTC'),
    lead_hash    UInt64,
    event_id     UUID,
    kind         LowCardinality(String),
    amount_minor Int64,
    currency     LowCardinality(String)
)
ENGINE = ReplacingMergeTree
-- Weekly partitions: a report's range prunes whole weeks before the primary key is used.
PARTITION BY toMonday(ts)
ORDER BY (org_id, ts, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_conversions_mv TO report_conversions AS
SELECT org_id, ts, cityHash64(lead_id) AS lead_hash, event_id, kind, amount_minor, currency
FROM report_lead_events
WHERE kind IN ('call.attempt_created', 'order.created', 'payment.received');

-- Facts stored before this migration (nothing on a fresh database); rows the views above
-- already copied are skipped, so running it again adds nothing.
INSERT INTO report_touches
SELECT org_id, touched_at, cityHash64(lead_id), event_id, channel, ad_campaign_id, ad_id
FROM report_lead_events
WHERE kind = 'lead.created' AND channel != '' AND event_id NOT IN (SELECT event_id FROM report_touches);

INSERT INTO report_conversions
SELECT org_id, ts, cityHash64(lead_id), event_id, kind, amount_minor, currency
FROM report_lead_events
WHERE kind IN ('call.attempt_created', 'order.created', 'payment.received')
  AND event_id NOT IN (SELECT event_id FROM report_conversions);
