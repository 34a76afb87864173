import { timingSafeEqual } from "node:crypto";
import { error } from "@sveltejs/kit";
import { config } from "#lib/server/config.ts";
import { registry } from "#lib/server/metrics.ts";
import type { RequestHandler } from "./$types";

function keyMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Prometheus metrics for machines: `Authorization: Bearer <DASHBOARD_METRICS_KEY>`. */
export const GET: RequestHandler = async ({ request }) => {
  const expected = config().DASHBOARD_METRICS_KEY;
  const given = request.headers.get("authorization")?.replace(/^Bearer\s+/i, "") ?? "";
  if (!expected || !keyMatches(given, expected)) error(401, "metrics need an API key");
  return new Response(await registry.metrics(), { headers: { "content-type": registry.contentType } });
};
