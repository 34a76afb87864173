-- Call quality (通话质量): one row per call leg from `call.quality` (media service, at each
-- answered call's end; see media/README.md "Call quality"). `leg` is whose ear: the customer
-- (carrier leg) or the agent (their phone). mos/jitter/loss/rtt are NULL when the party sent no
-- RTCP (source 'none'); 'estimate' is the E-model where rtpengine had no round trip.
-- The poor-calls report and the wallboard's quality warning read this table.
CREATE TABLE IF NOT EXISTS call_quality
(
    org_id      LowCardinality(String),
    occurred_at DateTime64(3, 'UTC'),
    attempt_id  String,
    campaign_id String,
    agent_id    String,
    trunk       LowCardinality(String),
    leg         LowCardinality(String),
    source      LowCardinality(String),
    mos         Nullable(Float32),
    mos_min     Nullable(Float32),
    jitter_ms   Nullable(Float32),
    loss_pct    Nullable(Float32),
    rtt_ms      Nullable(Float32),
    samples     UInt32,
    packets     UInt64,
    event_id    UUID
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (org_id, occurred_at, attempt_id, leg, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS call_quality_mv TO call_quality AS
SELECT
    org_id,
    occurred_at,
    attempt_id,
    campaign_id,
    if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
    JSONExtractString(payload, 'trunk') AS trunk,
    JSONExtractString(payload, 'leg') AS leg,
    JSONExtractString(payload, 'source') AS source,
    JSONExtract(payload, 'mos', 'Nullable(Float32)') AS mos,
    JSONExtract(payload, 'mos_min', 'Nullable(Float32)') AS mos_min,
    JSONExtract(payload, 'jitter_ms', 'Nullable(Float32)') AS jitter_ms,
    JSONExtract(payload, 'loss_pct', 'Nullable(Float32)') AS loss_pct,
    JSONExtract(payload, 'rtt_ms', 'Nullable(Float32)') AS rtt_ms,
    toUInt32(JSONExtractUInt(payload, 'samples')) AS samples,
    JSONExtractUInt(payload, 'packets') AS packets,
    event_id
FROM events
WHERE kind = 'call.quality';
