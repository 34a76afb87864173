// npm run bench -- live-rates [--quick]
// Latency of liveRates() (what pacing reads every second) against the embedded host,
// with a seeded history of calls for several campaigns, measured through HTTP +
// @clickhouse/client exactly as pacing calls it.
import { createClickHouse, insertEvents, liveRates, migrate, seedCalls } from "@cc/analytics";
import { startClickHouseHost } from "@cc/infra";
import type { BenchOptions } from "./types.ts";

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  const campaigns = quick ? 5 : 20;
  const callsPerCampaign = quick ? 4_000 : 20_000;
  const iterations = quick ? 300 : 2_000;
  const concurrency = 4;
  const historyMs = 24 * 3600_000;
  await using host = await startClickHouseHost();
  const client = createClickHouse({ url: host.url, ...host.writer });
  try {
    await migrate(client);
    const now = Date.now();
    let seeded = 0;
    const seedStart = performance.now();
    for (let c = 0; c < campaigns; c++) {
      const events = seedCalls({
        orgId: "bench-org",
        campaignId: `camp-${c}`,
        startMs: now - historyMs,
        endMs: now,
        calls: callsPerCampaign,
        seed: c + 1,
      });
      for (let i = 0; i < events.length; i += 10_000) await insertEvents(client, events.slice(i, i + 10_000));
      seeded += events.length;
    }
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const results: Record<string, unknown> = {};
    const table: Record<string, unknown>[] = [];
    for (const windowSeconds of [60, 300, 3600, 86_400]) {
      const lat: number[] = [];
      let next = 0;
      const worker = async () => {
        while (next < iterations) {
          next++;
          const t = performance.now();
          await liveRates(client, {
            campaignId: `camp-${next % campaigns}`,
            orgId: "bench-org",
            windowSeconds,
            now: new Date(now),
          });
          lat.push(performance.now() - t);
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      lat.sort((a, b) => a - b);
      const row = {
        window_s: windowSeconds,
        queries: lat.length,
        p50_ms: +pct(lat, 50).toFixed(2),
        p95_ms: +pct(lat, 95).toFixed(2),
        p99_ms: +pct(lat, 99).toFixed(2),
        max_ms: +lat[lat.length - 1]!.toFixed(2),
      };
      table.push(row);
      results[`window_${windowSeconds}s`] = row;
    }
    console.log(
      `seeded ${seeded} events (${campaigns} campaigns, 24 h) in ${seedSeconds.toFixed(1)} s; ${concurrency} concurrent callers`,
    );
    console.table(table);
    return {
      seeded_events: seeded,
      campaigns,
      concurrency,
      latency_ms: results,
    };
  } finally {
    await client.close();
  }
}
