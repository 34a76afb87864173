-- Generated demo history (npm start's first run with the demo campaign on, see
-- analytics/src/history/demo.ts): one row per org and generated span. It is the "once only"
-- marker of the generator, and reports read it to say "includes generated demo history"
-- when the viewed range overlaps the span.
CREATE TABLE IF NOT EXISTS generated_history
(
    org_id       LowCardinality(String),
    from_at      DateTime64(3, 'UTC'),
    to_at        DateTime64(3, 'UTC'),
    events       UInt64,
    seed         UInt64,
    generated_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(generated_at)
ORDER BY org_id;
