-- Funnel precompute (issue 10): one row per lead with what windowFunnel needs, so the funnel
-- scans leads, not events. windowFunnel (default mode, talk ≥ 60 s) reaches step k iff some
-- chain starting at a dial in [from, to) reaches k within the window; for a fixed start the
-- earliest next step is best, so per dial we keep the span to each step it can reach. A
-- lead's level for (from, to, W) = max over its dials in [from, to) of #{spans ≤ W} — exact
-- for any range and window (events before a dial or after dial + W never join its chain).
-- Leads with steps stored after the last refresh run windowFunnel as before (see
-- reports/funnel-leads.ts), so answers stay exact.
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
    -- Every dial (ms, ascending), its campaign, and per dial the shortest span (ms) from it to
    -- each step a chain starting there reaches: [0, to step 2, …] (absent = never).
    dial_ts       Array(Int64),
    dial_campaign Array(LowCardinality(String)),
    dial_spans    Array(Array(Int64)),
    through_block UInt64
)
ENGINE = ReplacingMergeTree(through_block)
ORDER BY (org_id, lead_hash);

-- Per org, up to which report_lead_steps block number its report_funnel_leads rows are
-- complete (org_id: org analysts re-running the funnel's SQL read it under their org filter).
CREATE TABLE IF NOT EXISTS report_funnel_refreshes
(
    org_id        LowCardinality(String),
    through_block UInt64,
    refreshed_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (org_id, through_block);
