import { type ReportClient, runReport, type VisibilityScope } from "@cc/analytics";
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
