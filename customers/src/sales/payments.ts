import { type ReportClient, runReport, type VisibilityScope } from "@cc/analytics";
import { z } from "zod";
import { scopeParams, sqlFile } from "./sql.ts";

const DUE_SQL = sqlFile(import.meta.url, "./installments_due.sql");

export const DueParams = z
  .object({ today: z.iso.date(), until: z.iso.date() })
  .refine((p) => p.until >= p.today, { message: "until must not be before today", path: ["until"] });
export type DueParams = z.input<typeof DueParams>;

export const DueInstallment = z.object({
  plan_id: z.string(),
  seq: z.coerce.number().int(),
  order_id: z.string(),
  customer_id: z.string(),
  agent_id: z.string(),
  due_on: z.string(),
  amount_minor: z.coerce.number(),
  currency: z.string(),
  paid_minor: z.coerce.number(),
  overdue: z.coerce.boolean(),
});
export type DueInstallment = z.infer<typeof DueInstallment>;

/** Installments due by `until` (and overdue ones) not yet settled: the reminder list. */
export async function installmentsDue(client: ReportClient, scope: VisibilityScope, input: DueParams) {
  const p = DueParams.parse(input);
  const sql = { query: DUE_SQL, params: { ...scopeParams(scope), today: p.today, until: p.until } };
  return await runReport(client, sql, DueInstallment);
}
