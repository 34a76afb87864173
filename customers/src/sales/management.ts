import { type ReportClient, type ReportSql, runReport, type VisibilityScope } from "@cc/analytics";
import { z } from "zod";
import { scopeParams, sqlFile } from "./sql.ts";

const MANAGEMENT_SQL = sqlFile(import.meta.url, "./management.sql");

/** Who the report is for: an agent's own day, a manager's teams, a director's whole floor. */
export const ReportLevel = z.enum(["agent", "manager", "director"]);
export type ReportLevel = z.infer<typeof ReportLevel>;
export const ReportPeriod = z.enum(["daily", "weekly", "monthly"]);
export type ReportPeriod = z.infer<typeof ReportPeriod>;

/** Rows per level: an agent sees their days, a manager their reps, a director the teams. */
export const LEVEL_GROUP: Record<ReportLevel, "day" | "agent" | "team"> = {
  agent: "day",
  manager: "agent",
  director: "team",
};

export const ManagementParams = z.object({
  level: ReportLevel,
  period: ReportPeriod,
  /** Any calendar day inside the period (in the org's zone). */
  day: z.iso.date(),
  timeZone: z.string().min(1).max(64).default("Asia/Shanghai"),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default("CNY"),
  /** Override the level's grouping (e.g. a director's per-day chart). */
  group: z.enum(["day", "agent", "team"]).optional(),
});
export type ManagementParams = z.input<typeof ManagementParams>;

const Num = z.coerce.number();
export const ManagementRow = z.object({
  key: z.string(),
  calls: Num,
  talk_s: Num,
  interested: Num,
  new_customers: Num,
  orders: Num,
  order_value_minor: Num,
  unheld_orders: Num,
  cancelled_orders: Num,
  revenue_minor: Num,
  stage_moves: Num,
  won_minor: Num,
  contracts_approved: Num,
  complaints: Num,
});
export type ManagementRow = z.infer<typeof ManagementRow>;
export const MANAGEMENT_COLUMNS = Object.keys(ManagementRow.shape) as (keyof ManagementRow)[];

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** The calendar days [from, to) of the period holding `day`: the day, its Monday-week, its month. */
export function periodRange(period: ReportPeriod, day: string): { from: string; to: string } {
  const d = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a day: ${day}`);
  if (period === "daily") return { from: day, to: iso(new Date(d.getTime() + 86_400_000)) };
  if (period === "weekly") {
    const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000);
    return { from: iso(monday), to: iso(new Date(monday.getTime() + 7 * 86_400_000)) };
  }
  const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  return { from: iso(first), to: iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1))) };
}

export function managementSql(scope: VisibilityScope, input: ManagementParams): ReportSql {
  const p = ManagementParams.parse(input);
  const { from, to } = periodRange(p.period, p.day);
  return {
    query: MANAGEMENT_SQL,
    params: {
      ...scopeParams(scope),
      from_day: from,
      to_day: to,
      tz: p.timeZone,
      currency: p.currency,
      group: p.group ?? LEVEL_GROUP[p.level],
    },
  };
}

export function totalOf(rows: readonly ManagementRow[]): ManagementRow {
  const total = Object.fromEntries(MANAGEMENT_COLUMNS.map((c) => [c, 0])) as unknown as ManagementRow;
  total.key = "total";
  for (const r of rows)
    for (const c of MANAGEMENT_COLUMNS) if (c !== "key") (total[c] as number) += r[c] as number;
  return total;
}

/** The report: rows for the level, their total, and a per-day series for the chart. */
export async function managementReport(
  client: ReportClient,
  scope: VisibilityScope,
  input: ManagementParams,
) {
  const p = ManagementParams.parse(input);
  const [main, daily] = await Promise.all([
    runReport(client, managementSql(scope, p), ManagementRow),
    runReport(client, managementSql(scope, { ...p, group: "day" }), ManagementRow),
  ]);
  return { ...main, range: periodRange(p.period, p.day), total: totalOf(main.rows), daily: daily.rows };
}
