-- Typed views over `events`, one per event kind, for analysts writing SQL by hand.
-- Plain (non-materialized) views: they cost nothing at insert time and always reflect
-- the current payload schema. Filter on occurred_at / campaign_id to use the sort key.
CREATE VIEW IF NOT EXISTS call_attempt_created AS
SELECT event_id, org_id, occurred_at, campaign_id, attempt_id, lead_id,
       JSONExtractString(payload, 'phone') AS phone,
       JSONExtractString(payload, 'caller_id') AS caller_id,
       JSONExtractString(payload, 'mode') AS mode,
       JSONExtractUInt(payload, 'attempt_no') AS attempt_no,
       JSONExtractString(payload, 'list_id') AS list_id,
       JSONExtractString(payload, 'skill') AS skill,
       JSONExtractString(payload, 'decision_id') AS decision_id
FROM events WHERE kind = 'call.attempt_created';

CREATE VIEW IF NOT EXISTS call_answered AS
SELECT event_id, org_id, occurred_at, campaign_id, attempt_id, lead_id,
       JSONExtractString(payload, 'detection') AS detection,
       JSONExtractUInt(payload, 'detect_ms') AS detect_ms,
       JSONExtractFloat(payload, 'ring_s') AS ring_s
FROM events WHERE kind = 'call.answered';

CREATE VIEW IF NOT EXISTS call_failed AS
SELECT event_id, org_id, occurred_at, campaign_id, attempt_id, lead_id,
       JSONExtractString(payload, 'cause') AS cause,
       JSONExtractUInt(payload, 'sip_code') AS sip_code,
       JSONExtractFloat(payload, 'ring_s') AS ring_s
FROM events WHERE kind = 'call.failed';

CREATE VIEW IF NOT EXISTS call_bridged AS
SELECT event_id, org_id, occurred_at, campaign_id, attempt_id, lead_id,
       JSONExtractString(payload, 'agent_id') AS agent_id,
       JSONExtractUInt(payload, 'wait_ms') AS wait_ms
FROM events WHERE kind = 'call.bridged';

CREATE VIEW IF NOT EXISTS call_abandoned AS
SELECT event_id, org_id, occurred_at, campaign_id, attempt_id, lead_id,
       JSONExtractUInt(payload, 'ms_from_answer') AS ms_from_answer,
       JSONExtractBool(payload, 'message_played') AS message_played,
       JSONExtractUInt(payload, 'message_delay_ms') AS message_delay_ms,
       JSONExtractBool(payload, 'amd_false_positive') AS amd_false_positive
FROM events WHERE kind = 'call.abandoned';

CREATE VIEW IF NOT EXISTS call_ended AS
SELECT event_id, org_id, occurred_at, campaign_id, attempt_id, lead_id,
       JSONExtractString(payload, 'agent_id') AS agent_id,
       JSONExtractFloat(payload, 'ring_s') AS ring_s,
       JSONExtractFloat(payload, 'talk_s') AS talk_s,
       JSONExtractFloat(payload, 'hold_s') AS hold_s,
       JSONExtractFloat(payload, 'wrap_s') AS wrap_s,
       JSONExtractString(payload, 'hangup_by') AS hangup_by
FROM events WHERE kind = 'call.ended';

CREATE VIEW IF NOT EXISTS call_disposition AS
SELECT event_id, org_id, occurred_at, campaign_id, attempt_id, lead_id,
       JSONExtractString(payload, 'agent_id') AS agent_id,
       JSONExtractString(payload, 'disposition') AS disposition,
       JSONExtractString(payload, 'notes') AS notes,
       JSONExtractString(payload, 'next_contact_at') AS next_contact_at,
       JSONExtractString(payload, 'set_by') AS set_by
FROM events WHERE kind = 'call.disposition';

CREATE VIEW IF NOT EXISTS agent_state_changed AS
SELECT event_id, org_id, occurred_at,
       if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
       campaign_id,
       JSONExtractString(payload, 'state') AS state,
       JSONExtractString(payload, 'previous_state') AS previous_state,
       JSONExtractFloat(payload, 'previous_state_s') AS previous_state_s,
       JSONExtractString(payload, 'pause_reason') AS pause_reason,
       JSONExtractString(payload, 'team_id') AS team_id
FROM events WHERE kind = 'agent.state_changed';

CREATE VIEW IF NOT EXISTS agent_login AS
SELECT event_id, org_id, occurred_at,
       if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
       JSONExtractString(payload, 'team_id') AS team_id,
       JSONExtractString(payload, 'campaign_id') AS login_campaign_id
FROM events WHERE kind = 'agent.login';

CREATE VIEW IF NOT EXISTS lead_created AS
SELECT event_id, org_id, occurred_at, campaign_id, lead_id,
       JSONExtractString(payload, 'source') AS source,
       JSONExtractString(payload, 'channel') AS channel,
       JSONExtractString(payload, 'ad_id') AS ad_id
FROM events WHERE kind = 'lead.created';
