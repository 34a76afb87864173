import { createClickHouse } from "@cc/analytics";
import { startClickHouseHost } from "@cc/infra";
import type { ClickHouseClient } from "@clickhouse/client";
import { describe, expect, it } from "vitest";

// ClickHouse's query result cache on the embedded host (query-cache.ts): chDB's own is fixed at
// size 0, so the host answers use_query_cache=1 reads itself, with ClickHouse's settings.
async function count(c: ClickHouseClient, settings: Record<string, unknown>, org = "a"): Promise<number> {
  const rs = await c.query({
    query: "SELECT count() AS n FROM qc_facts WHERE org = {org:String}",
    query_params: { org },
    format: "JSONEachRow",
    clickhouse_settings: settings as never,
  });
  const rows = (await rs.json()) as { n: string }[];
  return Number(rows[0]?.n);
}

describe("query result cache (use_query_cache)", () => {
  it("serves an identical read from the cache until its ttl, per user, parameters and settings", async () => {
    await using host = await startClickHouseHost();
    const writer = createClickHouse({ url: host.url, ...host.writer });
    const other = createClickHouse({ url: host.url, ...host.analyst });
    try {
      await writer.command({
        query: "CREATE TABLE qc_facts (org String, n UInt32) ENGINE = MergeTree ORDER BY org",
      });
      await writer.command({ query: "INSERT INTO qc_facts VALUES ('a', 1), ('a', 2), ('b', 3)" });
      const cached = { use_query_cache: 1, query_cache_ttl: 2 };
      expect(await count(writer, cached)).toBe(2);
      await writer.command({ query: "INSERT INTO qc_facts VALUES ('a', 4)" });
      // Within the ttl: the stored result (transactionally inconsistent, as in ClickHouse).
      expect(await count(writer, cached)).toBe(2);
      // Not opted in, reads switched off, other parameters, other settings: the engine answers.
      expect(await count(writer, {})).toBe(3);
      expect(await count(writer, { ...cached, enable_reads_from_query_cache: 0 })).toBe(3);
      expect(await count(writer, cached, "b")).toBe(1);
      expect(await count(writer, { ...cached, max_threads: 1 })).toBe(3);
      // Another user never sees the writer's entry (the analyst profile is readonly=1, so it
      // cannot opt in itself: READONLY, as on ClickHouse).
      expect(await count(other, {})).toBe(3);
      await expect(count(other, cached)).rejects.toThrow(/readonly/i);
      // After the ttl: computed again and stored again.
      await new Promise((r) => setTimeout(r, 2100));
      expect(await count(writer, cached)).toBe(3);
    } finally {
      await writer.close();
      await other.close();
    }
  });

  it("refuses non-deterministic functions unless told to save or ignore, like ClickHouse", async () => {
    await using host = await startClickHouseHost();
    const writer = createClickHouse({ url: host.url, ...host.writer });
    try {
      const q = (settings: Record<string, unknown>) =>
        writer.query({
          query: "SELECT now64(6) AS t",
          format: "JSONEachRow",
          clickhouse_settings: settings as never,
        });
      await expect(q({ use_query_cache: 1 })).rejects.toThrow(
        /QUERY_CACHE_USED_WITH_NONDETERMINISTIC_FUNCTIONS|non-deterministic/,
      );
      const saved = { use_query_cache: 1, query_cache_nondeterministic_function_handling: "save" };
      const a = await (await q(saved)).json();
      const b = await (await q(saved)).json();
      expect(b).toEqual(a);
      const ignored = { use_query_cache: 1, query_cache_nondeterministic_function_handling: "ignore" };
      const c = await (await q(ignored)).json();
      await new Promise((r) => setTimeout(r, 5));
      expect(await (await q(ignored)).json()).not.toEqual(c);
    } finally {
      await writer.close();
    }
  });
});
