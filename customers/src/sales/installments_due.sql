-- Payment-plan reminders (回款提醒): installments due on or before {until} that the payments
-- received so far (matched by plan and installment) have not settled. Overdue when due < {today}.
SELECT
    i.plan_id AS plan_id,
    i.seq AS seq,
    i.order_id AS order_id,
    i.customer_id AS customer_id,
    i.agent_id AS agent_id,
    toString(i.due_on) AS due_on,
    i.amount_minor AS amount_minor,
    i.currency AS currency,
    ifNull(p.paid_minor, 0) AS paid_minor,
    i.due_on < {today:Date} AS overdue
FROM (SELECT * FROM payment_installments FINAL WHERE org_id = {scope_org:String} AND due_on <= {until:Date}) AS i
LEFT JOIN (
    SELECT JSONExtractString(payload, 'plan_id') AS plan_id,
           JSONExtract(payload, 'installment_seq', 'UInt32') AS seq,
           sum(JSONExtract(payload, 'amount', 'amount_minor', 'Int64')) AS paid_minor
    FROM events
    WHERE org_id = {scope_org:String} AND kind = 'payment.received' AND JSONHas(payload, 'plan_id')
    GROUP BY plan_id, seq
) AS p ON p.plan_id = i.plan_id AND p.seq = i.seq
WHERE ifNull(p.paid_minor, 0) < i.amount_minor
  AND ({restricted:UInt8} = 0 OR i.agent_id IN {scope_agents:Array(String)})
ORDER BY i.due_on, i.plan_id, i.seq
SETTINGS join_use_nulls = 1
