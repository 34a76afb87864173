import { createClickHouse, funnelReport, migrate } from "@cc/analytics";
import { startClickHouseHost } from "@cc/infra";
import { parseEvent } from "@cc/ingest";
import type { ClickHouseClient } from "@clickhouse/client";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { generateHistory } from "./index.ts";

const opts = {
  attempts: 6000,
  leads: 2000,
  days: 2,
  agents: 8,
  startMs: Date.parse("2026-03-02T00:00:00.000Z"),
};

async function rows<T extends z.ZodType>(
  c: ClickHouseClient,
  query: string,
  schema: T,
): Promise<z.infer<T>[]> {
  const rs = await c.query({ query, format: "JSONEachRow" });
  return z.array(schema).parse(await rs.json());
}

describe("synthetic history generator", () => {
  it("is deterministic per seed, contract-shaped, and consistent with the reports", async () => {
    await using host = await startClickHouseHost();
    const c = createClickHouse({ url: host.url, ...host.writer });
    try {
      await migrate(c);
      const a = await generateHistory(c, { ...opts, orgId: "org-a", seed: 5 });
      await generateHistory(c, { ...opts, orgId: "org-b", seed: 5 });
      await generateHistory(c, { ...opts, orgId: "org-c", seed: 6 });
      // Same seed → identical content (ids, times, payload minus the org); other seed differs.
      const sums = await rows(
        c,
        `SELECT org_id, count() AS n,
           toString(sum(cityHash64(toString(event_id), kind, occurred_at, replaceAll(payload, org_id, '')))) AS h
         FROM events GROUP BY org_id ORDER BY org_id`,
        z.object({ org_id: z.string(), n: z.coerce.number(), h: z.string() }),
      );
      expect(sums.map((s) => s.org_id)).toEqual(["org-a", "org-b", "org-c"]);
      expect(sums[0]!.n).toBe(a.events);
      expect(sums[0]!.h).toBe(sums[1]!.h);
      expect(sums[2]!.h).not.toBe(sums[0]!.h);

      // Every event of a sample of every kind validates against the contracts.
      const sample = await rows(
        c,
        "SELECT kind, payload FROM events WHERE org_id = 'org-a' LIMIT 200 BY kind",
        z.object({ kind: z.string(), payload: z.string() }),
      );
      const kinds = new Set(sample.map((s) => s.kind));
      for (const k of [
        "ad.spend_reported",
        "agent.login",
        "agent.state_changed",
        "lead.created",
        "call.attempt_created",
        "call.failed",
        "call.answered",
        "call.bridged",
        "call.abandoned",
        "call.ended",
        "call.disposition",
        "order.created",
        "payment.received",
      ]) {
        expect(kinds.has(k), k).toBe(true);
      }
      for (const s of sample) {
        const parsed = parseEvent(JSON.parse(s.payload));
        expect(parsed.ok ? "ok" : JSON.stringify(parsed.issues), s.kind).toBe("ok");
      }

      // Outcome mix is realistic and the funnel sees every dialed lead.
      const mix = await rows(
        c,
        `SELECT countIf(kind = 'call.attempt_created') AS attempts,
                countIf(kind = 'call.answered' AND JSONExtractString(payload, 'detection') = 'human') AS live,
                countIf(kind = 'call.answered' AND JSONExtractString(payload, 'detection') = 'machine') AS machine,
                countIf(kind = 'call.abandoned') AS abandoned,
                uniqExactIf(lead_id, kind = 'call.attempt_created') AS dialed_leads
         FROM events WHERE org_id = 'org-a'`,
        z.object({
          attempts: z.coerce.number(),
          live: z.coerce.number(),
          machine: z.coerce.number(),
          abandoned: z.coerce.number(),
          dialed_leads: z.coerce.number(),
        }),
      );
      const m = mix[0]!;
      expect(m.attempts).toBe(opts.attempts);
      expect(m.live / m.attempts).toBeGreaterThan(0.45);
      expect(m.live / m.attempts).toBeLessThan(0.65);
      expect(m.machine / m.attempts).toBeGreaterThan(0.1);
      expect(m.abandoned / m.live).toBeLessThan(0.05);
      const f = await funnelReport(
        c,
        { orgId: "org-a" },
        { from: a.from, to: a.to, windowSeconds: 30 * 86_400 },
      );
      expect(f.total.steps[0]!.count).toBe(m.dialed_leads);
      expect(f.total.steps[7]!.count).toBeGreaterThan(0);
    } finally {
      await c.close();
    }
  });
});
