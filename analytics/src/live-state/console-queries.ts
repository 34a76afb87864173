import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { type BoundQuery, param, sql } from "./sql.ts";

/** Screen pop: the customer's card and history, for one lead (bloom index on lead_id). */
export function leadHistoryQuery(orgId: string, leadId: string, limit = 50): BoundQuery {
  return sql`
SELECT toString(event_id) AS event_id, kind, toUnixTimestamp64Milli(occurred_at) AS at_ms, campaign_id, agent_id, attempt_id,
       JSONExtractString(payload, 'disposition') AS disposition,
       JSONExtractString(payload, 'notes') AS notes,
       JSONExtractString(payload, 'next_contact_at') AS next_contact_at,
       JSONExtractFloat(payload, 'talk_s') AS talk_s,
       JSONExtractString(payload, 'detection') AS detection,
       JSONExtractString(payload, 'name') AS name,
       JSONExtractString(payload, 'company') AS company,
       JSONExtractString(payload, 'phone') AS phone,
       JSONExtractString(payload, 'region') AS region
FROM events
WHERE org_id = ${param("org", "String", orgId)} AND lead_id = ${param("lead", "String", leadId)}
  AND kind IN ('lead.created', 'call.attempt_created', 'call.answered', 'call.ended', 'call.disposition', 'order.created')
ORDER BY occurred_at DESC
LIMIT ${param("limit", "UInt32", limit)}`;
}

const HistoryRow = z.object({
  event_id: z.string(),
  kind: z.string(),
  at_ms: z.coerce.number(),
  campaign_id: z.string(),
  agent_id: z.string(),
  attempt_id: z.string(),
  disposition: z.string(),
  notes: z.string(),
  next_contact_at: z.string(),
  talk_s: z.coerce.number(),
  detection: z.string(),
  name: z.string(),
  company: z.string(),
  phone: z.string(),
  region: z.string(),
});
export type LeadHistoryRow = z.infer<typeof HistoryRow>;

export interface CustomerCard {
  leadId: string;
  name: string;
  company: string;
  phone: string;
  region: string;
  /** Grade A–E from the latest disposition (A/B/C/D as is; E and F → E). */
  grade: string;
  history: LeadHistoryRow[];
}

export async function customerCard(
  client: ClickHouseClient,
  orgId: string,
  leadId: string,
): Promise<CustomerCard> {
  const q = leadHistoryQuery(orgId, leadId);
  const rs = await client.query({ query: q.text, query_params: q.params, format: "JSONEachRow" });
  const rows = z.array(HistoryRow).parse(await rs.json());
  const created = rows.find((r) => r.kind === "lead.created");
  const lastDisp = rows.find((r) => r.kind === "call.disposition" && r.disposition);
  const grade = lastDisp ? (["E", "F"].includes(lastDisp.disposition) ? "E" : lastDisp.disposition) : "";
  return {
    leadId,
    name: created?.name ?? "",
    company: created?.company ?? "",
    phone: created?.phone ?? rows.find((r) => r.phone)?.phone ?? "",
    region: created?.region ?? "",
    grade,
    history: rows.filter((r) => r.kind === "call.ended" || r.kind === "call.disposition"),
  };
}
