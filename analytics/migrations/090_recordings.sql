-- Call recordings (media/src/recording): one row per stored recording, from `recording.stored`,
-- so the dashboard lists and authorises playback without scanning the raw log. Retention
-- deletions, failures (alarms) and the playback/download audit are views over `events`.
-- ReplacingMergeTree on (org_id, attempt_id): a replayed event leaves one row.
CREATE TABLE IF NOT EXISTS recordings
(
    org_id       LowCardinality(String),
    attempt_id   String,
    campaign_id  String,
    agent_id     String,
    started_at   DateTime64(3, 'UTC'),
    duration_ms  UInt32,
    bytes        UInt64,
    sha256       String,
    path         String,
    channels     UInt8,
    mono_path    String,
    mono_sha256  String,
    packets      UInt32,
    lost_packets UInt32,
    stored_at    DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(stored_at)
PARTITION BY toYYYYMM(started_at)
ORDER BY (org_id, attempt_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS recordings_mv TO recordings AS
SELECT
    org_id,
    attempt_id,
    campaign_id,
    agent_id,
    parseDateTime64BestEffort(JSONExtractString(payload, 'started_at'), 3, 'UTC') AS started_at,
    toUInt32(JSONExtractUInt(payload, 'duration_ms')) AS duration_ms,
    JSONExtractUInt(payload, 'bytes') AS bytes,
    JSONExtractString(payload, 'sha256') AS sha256,
    JSONExtractString(payload, 'path') AS path,
    toUInt8(JSONExtractUInt(payload, 'channels')) AS channels,
    JSONExtractString(payload, 'mono_path') AS mono_path,
    JSONExtractString(payload, 'mono_sha256') AS mono_sha256,
    toUInt32(JSONExtractUInt(payload, 'packets')) AS packets,
    toUInt32(JSONExtractUInt(payload, 'lost_packets')) AS lost_packets,
    occurred_at AS stored_at
FROM events
WHERE kind = 'recording.stored';

CREATE VIEW IF NOT EXISTS recording_deletions AS
SELECT event_id, org_id, occurred_at, campaign_id, attempt_id, agent_id,
       JSONExtractString(payload, 'path') AS path,
       JSONExtractString(payload, 'reason') AS reason,
       JSONExtractUInt(payload, 'age_days') AS age_days
FROM events WHERE kind = 'recording.deleted';

CREATE VIEW IF NOT EXISTS recording_failures AS
SELECT event_id, org_id, occurred_at, campaign_id, attempt_id, agent_id,
       JSONExtractString(payload, 'reason') AS reason,
       JSONExtractString(payload, 'detail') AS detail,
       JSONExtractString(payload, 'pcap_kept') AS pcap_kept
FROM events WHERE kind = 'recording.failed';

CREATE VIEW IF NOT EXISTS recording_access AS
SELECT event_id, org_id, occurred_at, campaign_id, attempt_id, agent_id,
       JSONExtractString(payload, 'user') AS user,
       JSONExtractString(payload, 'role') AS role,
       JSONExtractString(payload, 'action') AS action,
       toBool(JSONExtractBool(payload, 'allowed')) AS allowed,
       JSONExtractString(payload, 'reason') AS reason
FROM events WHERE kind = 'recording.accessed';
