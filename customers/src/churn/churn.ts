import { type ReportClient, type ReportSql, runReport, type VisibilityScope } from "@cc/analytics";
import { z } from "zod";
import { scopeParams, sqlFile } from "../sales/sql.ts";

/** The three churn signals for enterprise (政企) customers. */
export const CHURN_SIGNALS = ["contract_expiring", "spend_falling", "complaints_rising"] as const;
export type ChurnSignal = (typeof CHURN_SIGNALS)[number];

const SQL: Record<ChurnSignal, string> = {
  contract_expiring: sqlFile(import.meta.url, "./contract_expiring.sql"),
  spend_falling: sqlFile(import.meta.url, "./spend_falling.sql"),
  complaints_rising: sqlFile(import.meta.url, "./complaints_rising.sql"),
};

export const ChurnParams = z.object({
  /** "Today" in the org's zone (the clock is injected for tests and schedules). */
  today: z.iso.date(),
  now: z.iso.datetime(),
  timeZone: z.string().min(1).max(64).default("Asia/Shanghai"),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default("CNY"),
  expiringWithinDays: z.number().int().min(1).max(366).default(30),
  baselineMonths: z.number().int().min(1).max(12).default(3),
  /** 0.3 = last month at least 30% below the baseline month. */
  spendDropRatio: z.number().gt(0).lt(1).default(0.3),
  minBaselineMinor: z.number().int().nonnegative().default(100_000),
  complaintWindowDays: z.number().int().min(1).max(180).default(30),
  minComplaints: z.number().int().min(1).max(1000).default(2),
});
export type ChurnParams = z.input<typeof ChurnParams>;

const Owner = z.string().catch("");
const Count = z.coerce.number().int().nonnegative();
export const ExpiringRow = z.object({
  customer_id: z.string(),
  agent_id: Owner,
  contract_id: z.string(),
  ends_on: z.string(),
  days_left: z.coerce.number().int(),
  amount_minor: z.coerce.number(),
  currency: z.string(),
});
export const SpendRow = z.object({
  customer_id: z.string(),
  agent_id: Owner,
  month: z.string(),
  last_month_minor: z.coerce.number(),
  baseline_avg_minor: z.coerce.number(),
  drop_ratio: z.coerce.number(),
});
export const ComplaintRow = z.object({
  customer_id: z.string(),
  agent_id: Owner,
  recent_complaints: Count,
  previous_complaints: Count,
  satisfaction: z.coerce.number().nullable(),
});

/** The SQL and bound parameters of one signal: what runs, and what the page shows. */
export function churnSql(signal: ChurnSignal, scope: VisibilityScope, input: ChurnParams): ReportSql {
  const p = ChurnParams.parse(input);
  const params: Record<string, unknown> = { ...scopeParams(scope) };
  if (signal === "contract_expiring") Object.assign(params, { today: p.today, days: p.expiringWithinDays });
  if (signal === "spend_falling") {
    Object.assign(params, {
      today: p.today,
      tz: p.timeZone,
      currency: p.currency,
      baseline_months: p.baselineMonths,
      drop_ratio: p.spendDropRatio,
      min_baseline_minor: p.minBaselineMinor,
    });
  }
  if (signal === "complaints_rising") {
    Object.assign(params, {
      now: p.now.replace("T", " ").replace("Z", ""),
      window_days: p.complaintWindowDays,
      min_complaints: p.minComplaints,
    });
  }
  return { query: SQL[signal], params };
}

export interface ChurnWarnings {
  contract_expiring: { rows: z.infer<typeof ExpiringRow>[]; sql: ReportSql };
  spend_falling: { rows: z.infer<typeof SpendRow>[]; sql: ReportSql };
  complaints_rising: { rows: z.infer<typeof ComplaintRow>[]; sql: ReportSql };
}

/** All three signals for what the viewer may see (owner's own, manager's teams, director all). */
export async function churnWarnings(
  client: ReportClient,
  scope: VisibilityScope,
  params: ChurnParams,
): Promise<ChurnWarnings> {
  const [expiring, spend, complaints] = await Promise.all([
    runReport(client, churnSql("contract_expiring", scope, params), ExpiringRow),
    runReport(client, churnSql("spend_falling", scope, params), SpendRow),
    runReport(client, churnSql("complaints_rising", scope, params), ComplaintRow),
  ]);
  return {
    contract_expiring: { rows: expiring.rows, sql: expiring.sql },
    spend_falling: { rows: spend.rows, sql: spend.sql },
    complaints_rising: { rows: complaints.rows, sql: complaints.sql },
  };
}
