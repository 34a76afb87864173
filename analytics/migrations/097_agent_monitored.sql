-- Supervisors' listen / whisper / barge on agents' calls (audit, 监听/耳语/强插): a typed view
-- over `agent.monitored` events (one when monitoring starts, one when it ends, with seconds).
CREATE VIEW IF NOT EXISTS agent_monitored AS
SELECT event_id, org_id, occurred_at,
       if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
       JSONExtractString(payload, 'supervisor_id') AS supervisor_id,
       JSONExtractString(payload, 'attempt_id') AS attempt_id,
       JSONExtractString(payload, 'mode') AS mode,
       JSONExtractString(payload, 'phase') AS phase,
       JSONExtractFloat(payload, 'duration_s') AS duration_s,
       JSONExtractString(payload, 'reason') AS reason
FROM events WHERE kind = 'agent.monitored';
