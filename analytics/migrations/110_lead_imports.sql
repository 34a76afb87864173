-- Lead imports (pacing/src/import): one row per finished import, from its lead.import_completed
-- event — counts, reasons and the rows-lost check (always 0) for the data-quality report. A plain
-- view over `events`: imports are few, and the org's row policy on `events` applies through it.
CREATE VIEW IF NOT EXISTS lead_imports AS
SELECT
    org_id,
    event_id,
    occurred_at AS finished_at,
    JSONExtractString(payload, 'import_id') AS import_id,
    campaign_id,
    JSONExtractString(payload, 'list_id') AS list_id,
    JSONExtractString(payload, 'format') AS format,
    JSONExtractString(payload, 'encoding') AS encoding,
    JSONExtractUInt(payload, 'rows_read') AS rows_read,
    JSONExtractUInt(payload, 'imported') AS imported,
    JSONExtractUInt(payload, 'rejected') AS rejected,
    JSONExtractUInt(payload, 'duplicates') AS duplicates,
    JSONExtractUInt(payload, 'dnc') AS dnc,
    JSONExtractInt(payload, 'rows_lost') AS rows_lost,
    JSONExtractUInt(payload, 'missing_important') AS missing_important,
    JSONExtractUInt(payload, 'duration_ms') AS duration_ms,
    if(rows_read = 0, 0, imported / rows_read) AS imported_share,
    JSONExtract(payload, 'reject_reasons', 'Map(String, UInt64)') AS reject_reasons,
    JSONExtract(payload, 'merge_matches', 'Map(String, UInt64)') AS merge_matches
FROM events
WHERE kind = 'lead.import_completed'
-- A row the sink wrote twice (before ReplacingMergeTree merged it) counts once.
LIMIT 1 BY event_id;
