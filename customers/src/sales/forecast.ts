import { type ReportClient, type ReportSql, runReport, type VisibilityScope } from "@cc/analytics";
import { SALES_STAGES, type SalesStage } from "@cc/ingest";
import { z } from "zod";
import { scopeParams, sqlFile } from "./sql.ts";

const FORECAST_SQL = sqlFile(import.meta.url, "./forecast.sql");
const PIPELINE_SQL = sqlFile(import.meta.url, "./pipeline.sql");
const Num = z.coerce.number();

export const ForecastParams = z.object({
  asOf: z.iso.datetime(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .default("CNY"),
});
export type ForecastParams = z.input<typeof ForecastParams>;

export const ForecastRow = z.object({
  team_id: z.string(),
  agent_id: z.string(),
  open_opportunities: Num,
  pipeline_minor: Num,
  /** Σ expected amount × win probability over open opportunities. */
  forecast_minor: Num,
  won_opportunities: Num,
  won_minor: Num,
});
export type ForecastRow = z.infer<typeof ForecastRow>;

export interface TeamForecast {
  team_id: string;
  reps: ForecastRow[];
  total: Omit<ForecastRow, "agent_id" | "team_id">;
}

const chTime = (iso: string) => new Date(iso).toISOString().replace("T", " ").replace("Z", "");

export function forecastSql(scope: VisibilityScope, input: ForecastParams): ReportSql {
  const p = ForecastParams.parse(input);
  return {
    query: FORECAST_SQL,
    params: { ...scopeParams(scope), as_of: chTime(p.asOf), currency: p.currency },
  };
}

/** Rep rows grouped into teams, each with its total (the team forecast). */
export function byTeam(rows: readonly ForecastRow[]): TeamForecast[] {
  const teams = new Map<string, TeamForecast>();
  for (const r of rows) {
    const t = teams.get(r.team_id) ?? {
      team_id: r.team_id,
      reps: [],
      total: {
        open_opportunities: 0,
        pipeline_minor: 0,
        forecast_minor: 0,
        won_opportunities: 0,
        won_minor: 0,
      },
    };
    t.reps.push(r);
    for (const k of Object.keys(t.total) as (keyof TeamForecast["total"])[]) t.total[k] += r[k];
    teams.set(r.team_id, t);
  }
  return [...teams.values()];
}

export async function salesForecast(client: ReportClient, scope: VisibilityScope, params: ForecastParams) {
  const res = await runReport(client, forecastSql(scope, params), ForecastRow);
  return { ...res, teams: byTeam(res.rows) };
}

export const PipelineParams = z
  .object({ from: z.iso.datetime(), to: z.iso.datetime(), byAgent: z.boolean().default(false) })
  .refine((p) => Date.parse(p.to) > Date.parse(p.from), { message: "to must be after from", path: ["to"] });
export type PipelineParams = z.input<typeof PipelineParams>;

/** Stages a pipeline funnel shows, in order (lost is a way out, not a step). */
export const FUNNEL_STAGES = SALES_STAGES.filter((s): s is Exclude<SalesStage, "lost"> => s !== "lost");

export const PipelineRow = z.object({
  key: z.string(),
  opportunities: Num,
  reached: z.array(Num),
  lost: Num,
});

export function pipelineSql(scope: VisibilityScope, input: PipelineParams): ReportSql {
  const p = PipelineParams.parse(input);
  return {
    query: PIPELINE_SQL,
    params: {
      ...scopeParams(scope),
      from: chTime(p.from),
      to: chTime(p.to),
      by_agent: p.byAgent ? 1 : 0,
      stages: FUNNEL_STAGES,
    },
  };
}

/** The pipeline funnel: opportunities reaching each stage, per rep or for everyone. */
export async function pipelineFunnel(client: ReportClient, scope: VisibilityScope, params: PipelineParams) {
  const res = await runReport(client, pipelineSql(scope, params), PipelineRow);
  return {
    ...res,
    groups: res.rows.map((r) => ({
      key: r.key,
      lost: r.lost,
      stages: FUNNEL_STAGES.map((stage, i) => ({ stage, reached: r.reached[i] ?? 0 })),
    })),
  };
}

const PIPELINE_ROI_SQL = sqlFile(import.meta.url, "./pipeline_roi.sql");

export const PipelineRoiParams = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    lookbackDays: z.number().int().min(1).max(365).default(30),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default("CNY"),
  })
  .refine((p) => Date.parse(p.to) > Date.parse(p.from), { message: "to must be after from", path: ["to"] });
export type PipelineRoiParams = z.input<typeof PipelineRoiParams>;

export const PipelineRoiRow = z.object({
  key: z.string(),
  opportunities: Num,
  signed: Num,
  signed_minor: Num,
  orders: Num,
  cancelled: Num,
  /** Latest total of orders not cancelled. */
  order_value_minor: Num,
  spend_minor: Num,
  signed_roi: z.number().nullable(),
});
export type PipelineRoiRow = z.infer<typeof PipelineRoiRow>;

export function pipelineRoiSql(scope: VisibilityScope, input: PipelineRoiParams): ReportSql {
  const p = PipelineRoiParams.parse(input);
  return {
    query: PIPELINE_ROI_SQL,
    params: {
      ...scopeParams(scope),
      from: chTime(p.from),
      to: chTime(p.to),
      lookback_days: p.lookbackDays,
      currency: p.currency,
    },
  };
}

/** Opportunities, signed value and net orders per ad channel against its spend. */
export async function pipelineRoi(client: ReportClient, scope: VisibilityScope, params: PipelineRoiParams) {
  return await runReport(client, pipelineRoiSql(scope, params), PipelineRoiRow);
}
