-- Funnel precompute (issue 10): one row per lead with what windowFunnel needs over the lead's
-- whole history, so the funnel scans leads, not events. min_span[k] = the shortest window (ms)
-- in which windowFunnel (default mode, talk ≥ 60 s) reaches step k over all of the lead's
-- steps (max Int64 = never): windowFunnel is monotone in its window, so a lead's level for a
-- window W is the number of steps with min_span ≤ W. That equals the range-filtered funnel
-- only for leads wholly inside [from, to + W) with every dial in [from, to) ("interior");
-- the report runs windowFunnel as before for every other lead and for leads with steps
-- stored after the last refresh (see reports/funnel-leads.ts), so answers stay exact.
-- Filled by refreshFunnelLeads (the history generator calls it), never by a view: a lead's
-- row depends on all of its steps, not on one inserted block.

-- Each row's insert block number, kept through merges: "steps stored after refresh N".
ALTER TABLE report_lead_steps MODIFY SETTING enable_block_number_column = 1;

CREATE TABLE IF NOT EXISTS report_funnel_leads
(
    org_id        LowCardinality(String),
    lead_hash     UInt64,
    first_dial    DateTime64(3, 'UTC'),
    last_dial     DateTime64(3, 'UTC'),
    -- Latest step row of any kind but lead.created (a superset of the funnel's steps).
    last_event    DateTime64(3, 'UTC'),
    campaign_id   LowCardinality(String),
    min_span      Array(Int64),
    through_block UInt64
)
ENGINE = ReplacingMergeTree(through_block)
ORDER BY (org_id, lead_hash);

-- Up to which report_lead_steps block number report_funnel_leads is complete.
CREATE TABLE IF NOT EXISTS report_funnel_refreshes
(
    through_block UInt64,
    refreshed_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY through_block;
