import { ClickHouseError } from "@clickhouse/client";
import { z } from "zod";
import { requireArea } from "#lib/server/auth/guard.ts";
import { clickhouseAnalyst } from "#lib/server/clickhouse.ts";
import { log } from "#lib/server/log.ts";
import type { PageServerLoad } from "./$types";

/** Rows shown in the table and chart; the server's own result limits bound the rest. */
const SHOW_ROWS = 1000;

const Query = z.object({
  q: z.string().trim().max(100_000).default(""),
  /** Bound parameters as a JSON object, e.g. {"org":"acme"} for {org:String}. */
  p: z
    .string()
    .max(200_000)
    .default("{}")
    .transform((s, ctx) => {
      try {
        const v: unknown = JSON.parse(s || "{}");
        const r = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.unknown()).safeParse(v);
        if (r.success) return r.data;
        ctx.addIssue({ code: "custom", message: "parameters must be a JSON object of name → value" });
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `parameters are not valid JSON: ${(err as Error).message}` });
      }
      return z.NEVER;
    }),
});

const JsonResult = z.object({
  meta: z.array(z.object({ name: z.string(), type: z.string() })),
  data: z.array(z.record(z.string(), z.unknown())),
  rows: z.number(),
  statistics: z
    .object({ elapsed: z.number(), rows_read: z.number(), bytes_read: z.number() })
    .partial()
    .optional(),
});

export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "sql");
  const parsed = Query.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    return {
      q: url.searchParams.get("q") ?? "",
      p: url.searchParams.get("p") ?? "{}",
      result: null,
      error: { code: "", type: "BAD_REQUEST", message: parsed.error.issues.map((i) => i.message).join("; ") },
    };
  }
  const { q, p } = parsed.data;
  const pText = url.searchParams.get("p") ?? (Object.keys(p).length ? JSON.stringify(p) : "{}");
  if (!q) return { q, p: pText, result: null, error: null };
  const started = performance.now();
  try {
    // Always the read-only analyst user: readonly and limits are enforced by ClickHouse itself.
    const rs = await clickhouseAnalyst().query({ query: q, query_params: p, format: "JSON" });
    const body = JsonResult.parse(await rs.json());
    log.info(
      { user: user.username, rows: body.rows, ms: Math.round(performance.now() - started) },
      "analyst query",
    );
    return {
      q,
      p: pText,
      error: null,
      result: {
        columns: body.meta,
        rows: body.data.slice(0, SHOW_ROWS),
        total: body.rows,
        elapsedMs: Math.round(performance.now() - started),
      },
    };
  } catch (err) {
    const e =
      err instanceof ClickHouseError
        ? { code: err.code, type: err.type ?? "", message: err.message }
        : { code: "", type: (err as Error).name, message: (err as Error).message };
    log.info({ user: user.username, code: e.code, type: e.type }, "analyst query failed");
    return { q, p: pText, result: null, error: e };
  }
}) satisfies PageServerLoad;
