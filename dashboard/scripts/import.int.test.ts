// `npm run import` (dashboard/scripts/import.ts) against real nats-server and redis-server: rows
// whose phone belongs to a customer created through @cc/customers' store merge into that customer
// (reported with the customer and its holder), are not published as leads, and nothing is lost.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CustomerStore, knownCustomersByPhone } from "@cc/customers";
import { repoRoot, startNats, startRedis } from "@cc/infra";
import { connectNats, ensureStreams, jetStreamFor } from "@cc/ingest";
import { leadImport } from "@cc/pacing";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ORG = "acme";
const CAMPAIGN = "spring";

describe("npm run import: existing customers", () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let redisServer: Awaited<ReturnType<typeof startRedis>>;
  let redis: ReturnType<typeof createClient>;
  let dir: string;
  const ids: { held?: string; pool?: string } = {};

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "cc-import-cust-"));
    nats = await startNats();
    redisServer = await startRedis();
    const nc = await connectNats(nats.url, { name: "test" });
    await ensureStreams((await jetStreamFor(nc)).jsm);
    await nc.drain();
    redis = createClient({ url: redisServer.url });
    await redis.connect();
    const store = new CustomerStore({ redis: redis as never });
    const rep = { userId: "u-a1", agentId: "a1", role: "agent" as const, teamIds: ["t1"], orgId: ORG };
    const admin = { userId: "admin", role: "admin" as const, teamIds: [], orgId: ORG };
    const held = await store.createCustomer(rep, {
      name: "张伟",
      company: "杭州某某科技",
      phones: ["13900000001"],
    });
    const pool = await store.createCustomer(admin, {
      name: "李娜",
      company: "宁波某某贸易",
      phones: ["+86 139 0000 0002"],
      hold: false,
    });
    if (!held.ok || !pool.ok) throw new Error("customers not created");
    ids.held = held.customer.id;
    ids.pool = pool.customer.id;
  });
  afterAll(async () => {
    await redis?.quit();
    await redisServer?.stop();
    await nats?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("knownCustomersByPhone finds customers and their holders, in order", async () => {
    const known = await knownCustomersByPhone(redis as never).known(ORG, [
      "+8613900000009",
      "+8613900000002",
      "+8613900000001",
    ]);
    expect(known).toEqual([null, { customerId: ids.pool }, { customerId: ids.held, holder: "a1" }]);
    expect(await knownCustomersByPhone(redis as never).known("other-org", ["+8613900000001"])).toEqual([
      null,
    ]);
  });

  it("merges rows of existing customers into them, imports the rest, loses nothing", async () => {
    const file = path.join(dir, "vendor.csv");
    await writeFile(
      file,
      [
        "姓名,手机,公司",
        "张伟,139-0000-0001,杭州某某科技", // the rep's customer, written another way
        "王强,13800000011,上海甲公司",
        "李娜,+86 139 0000 0002,宁波某某贸易", // a pool customer
        "赵敏,13800000012,北京乙公司",
        "孙丽,138 0000 0011,深圳丙公司", // in-file duplicate of row 3
      ].join("\n"),
    );
    const out = path.join(dir, "report.json");
    await promisify(execFile)(
      process.execPath,
      [
        path.join(repoRoot, "dashboard/scripts/import.ts"),
        file,
        "--campaign",
        CAMPAIGN,
        "--org",
        ORG,
        "--report",
        out,
      ],
      { env: { ...process.env, NATS_URL: nats.url, REDIS_URL: redisServer.url }, cwd: repoRoot },
    );
    const report = JSON.parse(await readFile(out, "utf8")) as leadImport.ImportReport;
    expect(report.counts).toEqual({
      rowsRead: 5,
      imported: 2,
      rejected: 0,
      duplicates: 3,
      dnc: 0,
      existingCustomers: 2,
      rowsLost: 0,
    });
    const byLine = Object.fromEntries(report.merges.map((m) => [m.line, m]));
    expect(byLine[2]).toMatchObject({ match: "existing_customer", customerId: ids.held, holder: "a1" });
    expect(byLine[4]).toMatchObject({ match: "existing_customer", customerId: ids.pool });
    expect(byLine[4]?.holder).toBeUndefined();
    expect(byLine[6]).toMatchObject({ match: "phone", into: 3 });
    // Only the two new numbers became leads of the campaign.
    expect((await redis.sMembers(leadImport.importKeys.phones(ORG, CAMPAIGN))).sort()).toEqual([
      "+8613800000011",
      "+8613800000012",
    ]);
  });
});
