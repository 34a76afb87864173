-- Inbound calls (呼入): one row per inbound.* event of the media service's desk (offered, refused,
-- queued, answered, abandoned, callback_requested, voicemail, ended; see media/README.md
-- "Inbound"). `call_id` is the events' attempt_id. The wallboard's inbound figures (offered,
-- service level = answered within X s of entering a queue / calls that entered one, abandoned,
-- call-backs) read today's rows of this table; a day holds one org's inbound calls a few times
-- over, so no roll-up is needed at contact-center volumes.
CREATE TABLE IF NOT EXISTS inbound_calls
(
    org_id             LowCardinality(String),
    occurred_at        DateTime64(3, 'UTC'),
    call_id            String,
    kind               LowCardinality(String),
    did                String,
    caller             String,
    lead_id            String,
    queue              LowCardinality(String),
    overflow_from      LowCardinality(String),
    agent_id           String,
    caller_class       LowCardinality(String),
    sticky             LowCardinality(String),
    reason             LowCardinality(String),
    stage              LowCardinality(String),
    wait_ms            UInt32,
    answer_to_agent_ms UInt32,
    position           UInt16,
    expected_wait_s    Float32,
    talk_s             Float32,
    lookup_ms          Float32,
    event_id           UUID
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (org_id, occurred_at, call_id, kind, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS inbound_calls_mv TO inbound_calls AS
SELECT
    org_id,
    occurred_at,
    attempt_id AS call_id,
    kind,
    JSONExtractString(payload, 'did') AS did,
    JSONExtractString(payload, 'caller') AS caller,
    lead_id,
    JSONExtractString(payload, 'queue') AS queue,
    JSONExtractString(payload, 'overflow_from') AS overflow_from,
    if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
    JSONExtractString(payload, 'caller_class') AS caller_class,
    JSONExtractString(payload, 'sticky') AS sticky,
    JSONExtractString(payload, 'reason') AS reason,
    JSONExtractString(payload, 'stage') AS stage,
    toUInt32(JSONExtractUInt(payload, 'wait_ms')) AS wait_ms,
    toUInt32(JSONExtractUInt(payload, 'answer_to_agent_ms')) AS answer_to_agent_ms,
    toUInt16(JSONExtractUInt(payload, 'position')) AS position,
    toFloat32(JSONExtractFloat(payload, 'expected_wait_s')) AS expected_wait_s,
    toFloat32(JSONExtractFloat(payload, 'talk_s')) AS talk_s,
    toFloat32(JSONExtractFloat(payload, 'lookup_ms')) AS lookup_ms,
    event_id
FROM events
WHERE kind LIKE 'inbound.%';

-- History that existed before this migration (only while the table is still empty).
INSERT INTO inbound_calls
SELECT
    org_id, occurred_at, attempt_id, kind,
    JSONExtractString(payload, 'did'), JSONExtractString(payload, 'caller'), lead_id,
    JSONExtractString(payload, 'queue'), JSONExtractString(payload, 'overflow_from'),
    if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')),
    JSONExtractString(payload, 'caller_class'), JSONExtractString(payload, 'sticky'),
    JSONExtractString(payload, 'reason'), JSONExtractString(payload, 'stage'),
    toUInt32(JSONExtractUInt(payload, 'wait_ms')), toUInt32(JSONExtractUInt(payload, 'answer_to_agent_ms')),
    toUInt16(JSONExtractUInt(payload, 'position')), toFloat32(JSONExtractFloat(payload, 'expected_wait_s')),
    toFloat32(JSONExtractFloat(payload, 'talk_s')), toFloat32(JSONExtractFloat(payload, 'lookup_ms')),
    event_id
FROM events
WHERE kind LIKE 'inbound.%' AND (SELECT count() FROM inbound_calls) = 0;
