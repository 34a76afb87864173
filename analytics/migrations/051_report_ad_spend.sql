-- Reports (advertising ROI): ad platform spend per channel / ad campaign / ad / time slot.
CREATE TABLE IF NOT EXISTS report_ad_spend
(
    org_id         LowCardinality(String),
    slot_start     DateTime64(3, 'UTC'),
    slot_end       DateTime64(3, 'UTC'),
    channel        LowCardinality(String),
    ad_campaign_id String,
    ad_id          String,
    spend_minor    Int64,
    currency       LowCardinality(String),
    impressions    UInt64,
    clicks         UInt64,
    event_id       UUID
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(slot_start)
ORDER BY (org_id, slot_start, channel, ad_campaign_id, ad_id, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_ad_spend_mv TO report_ad_spend AS
SELECT
    org_id,
    parseDateTime64BestEffort(JSONExtractString(payload, 'slot_start'), 3, 'UTC') AS slot_start,
    parseDateTime64BestEffort(JSONExtractString(payload, 'slot_end'), 3, 'UTC') AS slot_end,
    JSONExtractString(payload, 'channel') AS channel,
    JSONExtractString(payload, 'ad_campaign_id') AS ad_campaign_id,
    JSONExtractString(payload, 'ad_id') AS ad_id,
    JSONExtract(payload, 'spend', 'amount_minor', 'Int64') AS spend_minor,
    JSONExtractString(payload, 'spend', 'currency') AS currency,
    JSONExtract(payload, 'impressions', 'UInt64') AS impressions,
    JSONExtract(payload, 'clicks', 'UInt64') AS clicks,
    event_id
FROM events
WHERE kind = 'ad.spend_reported';
