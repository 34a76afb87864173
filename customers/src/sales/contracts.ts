import { type ReportClient, runReport, type VisibilityScope } from "@cc/analytics";
import { SalesStage } from "@cc/ingest";
import { z } from "zod";
import { scopeParams, sqlFile } from "./sql.ts";

const CONTRACTS_SQL = sqlFile(import.meta.url, "./contracts.sql");

export const ContractRow = z.object({
  contract_id: z.string(),
  customer_id: z.string(),
  agent_id: z.string(),
  team_id: z.string(),
  amount_minor: z.coerce.number(),
  currency: z.string(),
  ends_on: z.string(),
  submitted_at: z.string(),
  status: z.enum(["submitted", "approved", "rejected"]),
});
export type ContractRow = z.infer<typeof ContractRow>;

/** Contracts the viewer may see, newest first; `status: "submitted"` = the approval queue. */
export async function listContracts(
  client: ReportClient,
  scope: VisibilityScope,
  status: "" | ContractRow["status"] = "",
) {
  const sql = { query: CONTRACTS_SQL, params: { ...scopeParams(scope), status } };
  return await runReport(client, sql, ContractRow);
}

const STAGE_SQL = sqlFile(import.meta.url, "./opportunity_stage.sql");
const StageRow = z.object({ stage: SalesStage, agent_id: z.string() });

/** The opportunity's latest stage and rep, or null for a new opportunity. */
export async function opportunityStage(client: ReportClient, orgId: string, opportunityId: string) {
  const sql = { query: STAGE_SQL, params: { scope_org: orgId, opportunity: opportunityId } };
  return (await runReport(client, sql, StageRow)).rows[0] ?? null;
}
