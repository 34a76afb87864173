-- Speed-to-lead (线索响应速度): for every real-time lead (lead.created from a web form, an ad, the
-- API, an inbound call-back; not an import's backlog), when it was received and when its first
-- INVITE went out (the first call.dialing of that lead in that campaign). The intake stamps
-- occurred_at when it receives the lead; the media service stamps call.dialing as it sends the
-- INVITE. speed_ms is NULL while the lead waits (or was never dialed: DNC, closed, campaign stopped).
-- A plain view for analysts (whole history); the wallboard's tile runs the same join over the last
-- day only (analytics/src/live-state/wallboard-queries.ts, `speedToLead`).
CREATE VIEW IF NOT EXISTS speed_to_lead AS
SELECT
    l.org_id AS org_id,
    l.campaign_id AS campaign_id,
    l.lead_id AS lead_id,
    l.source AS source,
    l.channel AS channel,
    l.received_at AS received_at,
    if(d.lead_id = '', NULL, d.first_dial_at) AS first_dial_at,
    if(d.lead_id = '', NULL, dateDiff('millisecond', l.received_at, d.first_dial_at)) AS speed_ms
FROM
(
    SELECT org_id, campaign_id, lead_id,
           any(JSONExtractString(payload, 'source')) AS source,
           any(JSONExtractString(payload, 'channel')) AS channel,
           min(occurred_at) AS received_at
    FROM events
    WHERE kind = 'lead.created' AND campaign_id != '' AND JSONExtractString(payload, 'source') != 'import'
    GROUP BY org_id, campaign_id, lead_id
) AS l
LEFT JOIN
(
    SELECT org_id, campaign_id, lead_id, min(occurred_at) AS first_dial_at
    FROM events
    WHERE kind = 'call.dialing'
    GROUP BY org_id, campaign_id, lead_id
) AS d ON d.org_id = l.org_id AND d.campaign_id = l.campaign_id AND d.lead_id = l.lead_id;
