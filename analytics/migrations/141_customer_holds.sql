-- Holds (私海) as the log tells them: every change of a customer's holder, and the current hold
-- per customer (the same answer as the Redis state the rules keep; reports and audits read this).
-- held_until is 10:00 in the org's zone on the expiry day (NULL when released or signed).
CREATE VIEW IF NOT EXISTS customer_hold_changes AS
SELECT
    org_id,
    customer_id,
    occurred_at,
    kind,
    if(kind = 'customer.released', '', agent_id) AS holder_id,
    JSONExtractString(payload, 'group_id') AS group_id,
    if(JSONExtractString(payload, 'held_until') = '', NULL,
       parseDateTime64BestEffortOrNull(JSONExtractString(payload, 'held_until'), 3, 'UTC')) AS held_until,
    JSONExtractString(payload, 'reason') AS reason,
    actor,
    event_id
FROM customer_history
WHERE kind IN ('customer.claimed', 'customer.reassigned', 'customer.released', 'customer.deal_signed',
               'customer.extension_decided')
  AND NOT (kind = 'customer.extension_decided' AND JSONExtractBool(payload, 'approved') = 0);

-- The current hold per customer: the last holder change, the last hold end (extensions move it),
-- and whether a deal was signed since the last claim.
CREATE VIEW IF NOT EXISTS customer_holds_current AS
SELECT
    org_id,
    customer_id,
    argMaxIf(holder_id, (occurred_at, event_id), kind != 'customer.extension_decided'
             AND kind != 'customer.deal_signed') AS holder_id,
    argMaxIf(group_id, (occurred_at, event_id), kind IN ('customer.claimed', 'customer.reassigned')) AS group_id,
    max(occurred_at) AS changed_at,
    maxIf(occurred_at, kind = 'customer.deal_signed') >
        maxIf(occurred_at, kind IN ('customer.claimed', 'customer.released')) AS deal_signed,
    argMaxIf(held_until, (occurred_at, event_id), held_until IS NOT NULL) AS held_until
FROM customer_hold_changes
GROUP BY org_id, customer_id;
