-- Raw log of every event, as the sink writes it (one row per event id).
-- Common keys are columns; the whole validated event is kept in `payload` (JSON) so the
-- schema evolves additively without touching this table. Typed views and the
-- materialized views below extract what they need with JSONExtract*.
-- ReplacingMergeTree on the full key (ending in event_id) is the last safety net against
-- duplicates; the sink's exactly-once path (see ingest/README.md) is the first.
CREATE TABLE IF NOT EXISTS events
(
    event_id       UUID,
    kind           LowCardinality(String),
    org_id         LowCardinality(String),
    occurred_at    DateTime64(3, 'UTC'),
    schema_version UInt16,
    campaign_id    String DEFAULT '',
    attempt_id     String DEFAULT '',
    lead_id        String DEFAULT '',
    agent_id       String DEFAULT '',
    payload        String CODEC(ZSTD(3)),
    stream_seq     UInt64 DEFAULT 0,
    ingested_at    DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_event_id event_id TYPE bloom_filter(0.001) GRANULARITY 4,
    INDEX idx_attempt attempt_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_lead lead_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(occurred_at)
ORDER BY (org_id, kind, campaign_id, occurred_at, event_id)
SETTINGS non_replicated_deduplication_window = 1000;
