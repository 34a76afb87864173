// A customer's full history from ClickHouse: the customer's own events (customer_history, from
// migration 140) and the calls, dispositions and orders of the lead the customer came from.
// Visibility is checked by the store first: no one reads a history they may not open.
import type { ClickHouseClient } from "@clickhouse/client";
import type { Actor, Result } from "../records/types.ts";
import type { CustomerStore } from "./store.ts";

export interface HistoryRow {
  occurred_at: string;
  kind: string;
  agent_id: string;
  actor: string;
  payload: string;
}

export async function customerHistory(
  ch: ClickHouseClient,
  store: CustomerStore,
  actor: Actor,
  customerId: string,
  limit = 500,
): Promise<Result<{ rows: HistoryRow[] }>> {
  const got = await store.getCustomer(actor, customerId);
  if (!got.ok) return got;
  const rs = await ch.query({
    query: `SELECT toString(occurred_at) AS occurred_at, kind, agent_id, actor, payload
            FROM (
              SELECT occurred_at, event_id, kind, agent_id, actor, payload FROM customer_history FINAL
              WHERE org_id = {org:String} AND customer_id = {customer:String}
              UNION ALL
              SELECT occurred_at, event_id, kind, agent_id, agent_id AS actor, payload FROM events
              WHERE org_id = {org:String} AND {lead:String} != '' AND lead_id = {lead:String}
                AND JSONExtractString(payload, 'customer_id') = ''
            )
            ORDER BY occurred_at DESC, toString(event_id) DESC
            LIMIT {limit:UInt32}`,
    query_params: { org: actor.orgId, customer: customerId, lead: got.customer.leadId ?? "", limit },
    format: "JSONEachRow",
  });
  return { ok: true, rows: (await rs.json()) as HistoryRow[] };
}
