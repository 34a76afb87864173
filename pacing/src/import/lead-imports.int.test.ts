// lead.import_completed lands in ClickHouse and reads back through the lead_imports view
// (analytics/migrations/110_lead_imports.sql), a row the sink wrote twice counted once.
import { createClickHouse, insertEvents, migrate } from "@cc/analytics";
import { startClickHouseHost } from "@cc/infra";
import { makeEvent } from "@cc/ingest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

describe("lead_imports view", () => {
  let host: Awaited<ReturnType<typeof startClickHouseHost>>;
  let ch: ReturnType<typeof createClickHouse>;
  beforeAll(async () => {
    host = await startClickHouseHost();
    ch = createClickHouse({ url: host.url, ...host.writer });
    await migrate(ch);
  }, 120_000);
  afterAll(async () => {
    await ch?.close();
    await host?.stop();
  });

  it("has one typed row per finished import", async () => {
    const done = makeEvent({
      kind: "lead.import_completed",
      org_id: "acme",
      import_id: "imp-1",
      campaign_id: "spring",
      list_id: "vendor-a",
      format: "csv",
      encoding: "gb18030",
      rows_read: 1000,
      imported: 900,
      rejected: 40,
      duplicates: 50,
      dnc: 10,
      rows_lost: 0,
      missing_important: 12,
      duration_ms: 1500,
      reject_reasons: { mobile_length: 30, phone_missing: 10 },
      merge_matches: { phone: 45, name_company: 5 },
    });
    await insertEvents(ch, [done]);
    await insertEvents(ch, [done], "second-write"); // the sink retrying past insert dedup
    const rows = await (
      await ch.query({
        query: "SELECT * FROM lead_imports WHERE org_id = {org:String}",
        query_params: { org: "acme" },
        format: "JSONEachRow",
      })
    ).json<Record<string, unknown>>();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      import_id: "imp-1",
      campaign_id: "spring",
      list_id: "vendor-a",
      encoding: "gb18030",
      rows_read: 1000,
      imported: 900,
      rows_lost: 0,
      imported_share: 0.9,
      reject_reasons: { mobile_length: 30, phone_missing: 10 },
      merge_matches: { phone: 45, name_company: 5 },
    });
  });
});
