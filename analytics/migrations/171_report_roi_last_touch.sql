-- ROI precompute (issue 10): per conversion (attempt, order, payment) the last ad touch of its
-- lead at or before it, so last-touch ROI scans conversions instead of joining conversions ×
-- touches. That touch does not depend on the look-back window: a conversion is attributed to
-- it iff touched_at ≥ ts − look-back (otherwise the window holds no touch at all, as the last
-- touch is the newest). Ties on touched_at go to the larger touch id, as the join query's
-- (touched_at, touch id) sort does. Conversions with no earlier touch have no row.
-- Leads with touches or conversions stored after the last refresh run the join query as
-- before (reports/roi-last-touch.ts), so answers stay exact.
-- Filled by refreshRoiLastTouch (the history generator and the report refresher call it),
-- never by a view: a conversion's row depends on every touch of its lead, stored in any order.

-- Each row's insert block number, kept through merges: "stored after refresh N".
ALTER TABLE report_touches MODIFY SETTING enable_block_number_column = 1;
ALTER TABLE report_conversions MODIFY SETTING enable_block_number_column = 1;

CREATE TABLE IF NOT EXISTS report_roi_last_touch
(
    org_id         LowCardinality(String),
    -- The conversion, as in report_conversions.
    ts             DateTime64(3, 'UTC'),
    conv_id        UUID,
    lead_hash      UInt64,
    kind           LowCardinality(String),
    amount_minor   Int64,
    currency       LowCardinality(String),
    -- Its lead's last touch at or before ts, as in report_touches.
    touched_at     DateTime64(3, 'UTC'),
    touch_id       UUID,
    channel        LowCardinality(String),
    ad_campaign_id LowCardinality(String),
    ad_id          LowCardinality(String),
    -- touches + conversions block numbers the row was computed through (a later refresh wins).
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
-- As report_conversions: weekly partitions, the report's range on the primary key.
PARTITION BY toMonday(ts)
ORDER BY (org_id, ts, conv_id);

-- Per org, up to which report_touches / report_conversions block numbers its rows are complete
-- (org_id: org analysts re-running the report's SQL read it under their org filter).
CREATE TABLE IF NOT EXISTS report_roi_refreshes
(
    org_id            LowCardinality(String),
    touches_block     UInt64,
    conversions_block UInt64,
    refreshed_at      DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (org_id, conversions_block, touches_block);
