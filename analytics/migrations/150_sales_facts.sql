-- Sales pipeline (issue 11): one narrow typed row per pipeline fact — stage changes,
-- contracts, orders (created / modified / cancelled), payments, tickets — so the forecast,
-- the churn warnings and the management reports never parse JSON at query time.
-- The customer is `customer_id` when the event names one, else the lead (orders and
-- payments from before the CRM existed still count for the lead's customer).
CREATE TABLE IF NOT EXISTS sales_facts
(
    org_id          LowCardinality(String),
    kind            LowCardinality(String),
    ts              DateTime64(3, 'UTC'),
    event_id        UUID,
    customer_id     String,
    agent_id        String,
    team_id         String,
    lead_id         String,
    campaign_id     String,
    opportunity_id  String,
    stage           LowCardinality(String),
    win_probability Float64,
    -- expected amount (stage change), contract value, order total, payment amount; minor units.
    amount_minor    Int64,
    currency        LowCardinality(String),
    contract_id     String,
    order_id        String,
    ticket_id       String,
    -- ticket category (complaint, inquiry, …)
    category        LowCardinality(String),
    -- ticket satisfaction 1–5 (0 = none)
    score           UInt8,
    -- contract.submitted: the contract's last day (1970-01-01 otherwise)
    ends_on         Date,
    -- order.created: 1 the agent held the customer, 0 did not, -1 not checked
    held_by_agent   Int8
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (org_id, kind, ts, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS sales_facts_mv TO sales_facts AS
SELECT
    org_id,
    kind,
    occurred_at AS ts,
    event_id,
    if(JSONExtractString(payload, 'customer_id') != '', JSONExtractString(payload, 'customer_id'),
       if(lead_id != '', lead_id, JSONExtractString(payload, 'lead_id'))) AS customer_id,
    if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
    JSONExtractString(payload, 'team_id') AS team_id,
    if(lead_id != '', lead_id, JSONExtractString(payload, 'lead_id')) AS lead_id,
    if(campaign_id != '', campaign_id, JSONExtractString(payload, 'campaign_id')) AS campaign_id,
    JSONExtractString(payload, 'opportunity_id') AS opportunity_id,
    JSONExtractString(payload, 'stage') AS stage,
    JSONExtractFloat(payload, 'win_probability') AS win_probability,
    multiIf(
        kind = 'opportunity.stage_changed', JSONExtract(payload, 'expected_amount', 'amount_minor', 'Int64'),
        kind = 'contract.submitted', JSONExtract(payload, 'amount', 'amount_minor', 'Int64'),
        kind IN ('order.created', 'order.modified'), JSONExtract(payload, 'total', 'amount_minor', 'Int64'),
        kind = 'payment.received', JSONExtract(payload, 'amount', 'amount_minor', 'Int64'),
        toInt64(0)) AS amount_minor,
    multiIf(
        kind = 'opportunity.stage_changed', JSONExtractString(payload, 'expected_amount', 'currency'),
        kind IN ('contract.submitted', 'payment.received'), JSONExtractString(payload, 'amount', 'currency'),
        kind IN ('order.created', 'order.modified'), JSONExtractString(payload, 'total', 'currency'),
        '') AS currency,
    JSONExtractString(payload, 'contract_id') AS contract_id,
    JSONExtractString(payload, 'order_id') AS order_id,
    JSONExtractString(payload, 'ticket_id') AS ticket_id,
    JSONExtractString(payload, 'category') AS category,
    toUInt8(JSONExtractUInt(payload, 'score')) AS score,
    toDateOrZero(JSONExtractString(payload, 'ends_on')) AS ends_on,
    if(JSONHas(payload, 'held_by_agent'), toInt8(JSONExtractBool(payload, 'held_by_agent')), toInt8(-1)) AS held_by_agent
FROM events
WHERE kind IN ('opportunity.stage_changed', 'contract.submitted', 'contract.approved', 'contract.rejected',
               'order.created', 'order.modified', 'order.cancelled', 'payment.received',
               'ticket.opened', 'ticket.resolved', 'ticket.satisfaction_recorded');

-- Payment plans: one row per installment (回款计划), for due-date reminders.
CREATE TABLE IF NOT EXISTS payment_installments
(
    org_id       LowCardinality(String),
    plan_id      String,
    seq          UInt32,
    order_id     String,
    customer_id  String,
    agent_id     String,
    due_on       Date,
    amount_minor Int64,
    currency     LowCardinality(String),
    created_at   DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(created_at)
ORDER BY (org_id, plan_id, seq);

CREATE MATERIALIZED VIEW IF NOT EXISTS payment_installments_mv TO payment_installments AS
SELECT
    org_id,
    JSONExtractString(payload, 'plan_id') AS plan_id,
    JSONExtract(inst, 'seq', 'UInt32') AS seq,
    JSONExtractString(payload, 'order_id') AS order_id,
    JSONExtractString(payload, 'customer_id') AS customer_id,
    if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
    toDate(JSONExtractString(inst, 'due_on')) AS due_on,
    JSONExtract(inst, 'amount', 'amount_minor', 'Int64') AS amount_minor,
    JSONExtractString(inst, 'amount', 'currency') AS currency,
    occurred_at AS created_at
FROM events
ARRAY JOIN JSONExtractArrayRaw(payload, 'installments') AS inst
WHERE kind = 'payment.plan_created';
