// The SQL page's query runner: always as the signed-in user's org analyst, so ClickHouse
// itself confines every query to that org's rows, along with readonly and the limits.
import { ClickHouseError } from "@clickhouse/client";
import { z } from "zod";
import { clickhouseOrgAnalyst } from "./clickhouse.ts";

/** Rows shown in the table and chart; the server's own result limits bound the rest. */
export const SHOW_ROWS = 1000;

const JsonResult = z.object({
  meta: z.array(z.object({ name: z.string(), type: z.string() })),
  data: z.array(z.record(z.string(), z.unknown())),
  rows: z.number(),
  statistics: z
    .object({ elapsed: z.number(), rows_read: z.number(), bytes_read: z.number() })
    .partial()
    .optional(),
});

export interface AnalystResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  total: number;
  elapsedMs: number;
}

export interface AnalystError {
  code: string;
  type: string;
  message: string;
}

export type AnalystOutcome = { result: AnalystResult; error: null } | { result: null; error: AnalystError };

export async function runAnalystQuery(
  orgId: string,
  query: string,
  params: Record<string, unknown>,
): Promise<AnalystOutcome> {
  const started = performance.now();
  try {
    const rs = await clickhouseOrgAnalyst(orgId).query({ query, query_params: params, format: "JSON" });
    const body = JsonResult.parse(await rs.json());
    return {
      error: null,
      result: {
        columns: body.meta,
        rows: body.data.slice(0, SHOW_ROWS),
        total: body.rows,
        elapsedMs: Math.round(performance.now() - started),
      },
    };
  } catch (err) {
    const error =
      err instanceof ClickHouseError
        ? { code: err.code, type: err.type ?? "", message: err.message }
        : { code: "", type: (err as Error).name, message: (err as Error).message };
    return { result: null, error };
  }
}
