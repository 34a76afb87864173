-- Follow-ups (跟进记录) with their grade and next contact day, and the latest one per customer:
-- the due list's history side (the live due lists are Redis sorted sets in @cc/customers).
CREATE VIEW IF NOT EXISTS customer_follow_ups AS
SELECT
    org_id,
    customer_id,
    occurred_at,
    JSONExtractString(payload, 'follow_up_id') AS follow_up_id,
    agent_id,
    JSONExtractString(payload, 'channel') AS channel,
    JSONExtractString(payload, 'disposition') AS disposition,
    JSONExtractString(payload, 'note') AS note,
    JSONExtractString(payload, 'grade') AS grade,
    toDate(JSONExtractString(payload, 'next_contact_on')) AS next_contact_on,
    event_id
FROM customer_history
WHERE kind = 'customer.follow_up_recorded';

CREATE VIEW IF NOT EXISTS customer_follow_ups_latest AS
SELECT
    org_id,
    customer_id,
    max(occurred_at) AS last_follow_up_at,
    argMax(agent_id, (occurred_at, event_id)) AS agent_id,
    argMax(grade, (occurred_at, event_id)) AS grade,
    argMax(next_contact_on, (occurred_at, event_id)) AS next_contact_on,
    count() AS follow_ups
FROM customer_follow_ups
GROUP BY org_id, customer_id;
