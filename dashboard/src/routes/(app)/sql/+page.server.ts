import { z } from "zod";
import { runAnalystQuery } from "#lib/server/analyst-sql.ts";
import { requireArea } from "#lib/server/auth/guard.ts";
import { log } from "#lib/server/log.ts";
import type { PageServerLoad } from "./$types";

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
  // Always the signed-in user's org analyst: org, readonly and limits are enforced by ClickHouse.
  const outcome = await runAnalystQuery(user.org, q, p);
  if (outcome.error) {
    log.info(
      { user: user.username, code: outcome.error.code, type: outcome.error.type },
      "analyst query failed",
    );
  } else {
    log.info(
      { user: user.username, org: user.org, rows: outcome.result.total, ms: outcome.result.elapsedMs },
      "analyst query",
    );
  }
  return { q, p: pText, ...outcome };
}) satisfies PageServerLoad;
