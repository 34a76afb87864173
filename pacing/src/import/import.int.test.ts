// The import end to end on real servers: a messy GB18030 CSV and an XLSX go through runImport into
// JetStream; the pacing service (as its main.ts wires it) adds the leads to the campaign's Redis
// dialing list. Checks the report against the generator's labels, the list's contents, the DNC and
// blacklist scrub, and that importing the same file again changes nothing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LiveRedis } from "@cc/analytics";
import { startNats, startRedis } from "@cc/infra";
import { decodeEvents, EVENTS_STREAM, ensureStreams, jetStreamFor, parseEvent } from "@cc/ingest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import ExcelJS from "exceljs";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CampaignConfig, profileOf, settingsOf } from "../campaigns.ts";
import { listKeys, RedisDialingList } from "../lists/dialing-list.ts";
import { NumberListStore } from "../lists/number-lists.ts";
import { type LeadIntake, leadsDurableFor, startLeadIntake } from "../service/lead-intake.ts";
import { startPacingService } from "../service/service.ts";
import { cleanPhone } from "./clean.ts";
import { importedLeadId, runImport } from "./engine.ts";
import { generatedMobile, writeSampleCsv, writeSampleXlsx } from "./sample.ts";

type Redis = ReturnType<typeof createClient>;
const ORG = "acme";

async function waitFor(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("lead import against real nats-server and redis-server", () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let redisServer: Awaited<ReturnType<typeof startRedis>>;
  let nc: NatsConnection;
  let redis: Redis;
  let dir: string;
  let svc: ReturnType<typeof startPacingService> | undefined;
  let intake: LeadIntake | undefined;
  const lists = new Map<string, RedisDialingList>();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "cc-import-"));
    nats = await startNats();
    redisServer = await startRedis();
    nc = await connect({ servers: nats.url });
    redis = createClient({ url: redisServer.url });
    await redis.connect();
    const { jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm);
    const campaigns = ["spring", "summer"].map((id) =>
      CampaignConfig.parse({ id, caller_id: "+8657100000000", window: { start: "00:00", end: "24:00" } }),
    );
    for (const c of campaigns)
      lists.set(c.id, new RedisDialingList({ redis, orgId: ORG, campaignId: c.id, profile: profileOf(c) }));
    svc = startPacingService({
      nats: nc,
      redis: redis as unknown as LiveRedis,
      orgId: ORG,
      campaigns: campaigns.map(settingsOf),
      tickMs: 60_000,
    });
    // As pacing/src/service/main.ts: a lead.created of a paced campaign goes into its list through
    // pacing's durable lead consumer.
    intake = await startLeadIntake({
      nats: nc,
      orgId: ORG,
      durable: leadsDurableFor(ORG),
      onLead: async (e) => {
        const list = e.campaign_id ? lists.get(e.campaign_id) : undefined;
        await list?.add({ leadId: e.lead_id, phone: e.phone, consent: e.consent.given });
        if (e.campaign_id) svc?.wake(e.campaign_id);
      },
    });
  });

  afterAll(async () => {
    await intake?.stop();
    await svc?.stop();
    await nc?.drain().catch(() => undefined);
    await redis?.quit().catch(() => undefined);
    await nats?.stop();
    await redisServer?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const leadCreatedCount = async () => {
    const { jsm } = await jetStreamFor(nc);
    const info = await jsm.streams.info(EVENTS_STREAM, {
      subjects_filter: `cc.events.${ORG}.lead.created.>`,
    });
    return Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  };
  /** The leads in the stream's lead.created messages (an import sends them in batch messages). */
  const leadsInStream = async (messages: number) => {
    const { js } = await jetStreamFor(nc);
    const oc = await js.consumers.get(EVENTS_STREAM, {
      filter_subjects: `cc.events.${ORG}.lead.created.>`,
    });
    const ids: string[] = [];
    for (let read = 0; read < messages; ) {
      for await (const m of await oc.fetch({ max_messages: messages - read, expires: 2_000 })) {
        read++;
        for (const r of decodeEvents(m.data)) ids.push(r.ok ? r.event.id : "invalid");
      }
    }
    return ids;
  };
  const fresh = (campaign: string) => redis.zCard(listKeys.queue(ORG, campaign, "fresh"));

  it("imports a messy GB18030 CSV: report matches the labels, list holds the leads, DNC/blacklist scrubbed; a re-import changes nothing", async () => {
    const file = path.join(dir, "vendor.csv");
    const w = await writeSampleCsv(file, {
      rows: 3_000,
      seed: "int-csv",
      messy: true,
      foreignShare: 0.05,
      encoding: "gb18030",
    });
    // The generator's DNC numbers: most on the DNC list, every fifth on the blacklist instead.
    await new NumberListStore(redis, ORG, "dnc").add(...w.dnc.filter((_, i) => i % 5 !== 0));
    await new NumberListStore(redis, ORG, "blacklist").add(...w.dnc.filter((_, i) => i % 5 === 0));
    const { js } = await jetStreamFor(nc);
    const progress: number[] = [];
    const report = await runImport(
      {
        source: file,
        orgId: ORG,
        campaignId: "spring",
        js,
        redis,
        consent: { given: true, method: "written" },
      },
      (p) => progress.push(p.rowsRead),
    );

    const c = report.counts;
    expect(report.encoding).toBe("gb18030");
    expect(c.rowsRead).toBe(w.rows);
    expect(c.rowsLost).toBe(0);
    expect(c.rejected).toBe(w.truth.bad);
    expect(c.dnc).toBe(w.truth.dnc);
    expect(report.dncHits.filter((h) => h.list === "blacklist").length).toBe(Math.ceil(w.dnc.length / 5));
    // Fuzzy merges may take a namesake for a duplicate now and then; never many.
    expect(Math.abs(c.duplicates - w.truth.duplicate)).toBeLessThan(w.truth.duplicate * 0.05);
    expect(c.imported).toBe(w.rows - c.rejected - c.dnc - c.duplicates);
    expect(progress.at(-1)).toBe(w.rows);
    for (const r of report.rejected) expect(r.line).toBeGreaterThan(1);

    // The pacing service put every imported lead in the list; no DNC number is in it.
    await waitFor("the list to hold every imported lead", async () => (await fresh("spring")) === c.imported);
    const list = lists.get("spring")!;
    for (const raw of w.dnc.slice(0, 20)) {
      const e164 = cleanPhone(raw);
      if (!e164.ok) throw new Error(raw);
      expect(await list.lead(importedLeadId(ORG, "spring", e164.e164))).toEqual({});
    }
    // Every imported lead once in the stream, valid, in fewer messages than leads (batched).
    const createdBefore = await leadCreatedCount();
    const ids = await leadsInStream(createdBefore);
    expect(ids.length).toBe(c.imported);
    expect(new Set(ids).size).toBe(c.imported);
    expect(ids).not.toContain("invalid");
    expect(createdBefore).toBeLessThan(c.imported / 10);

    // Second import of the same file: nothing new anywhere.
    const again = await runImport({ source: file, orgId: ORG, campaignId: "spring", js, redis });
    expect(again.counts).toMatchObject({
      rowsRead: w.rows,
      imported: 0,
      rowsLost: 0,
      rejected: c.rejected,
      dnc: c.dnc,
    });
    expect(again.counts.duplicates).toBe(c.duplicates + c.imported);
    expect(again.merges.filter((m) => m.match === "existing_lead").length).toBe(c.imported);
    await new Promise((r) => setTimeout(r, 500));
    expect(await leadCreatedCount()).toBe(createdBefore);
    expect(await fresh("spring")).toBe(c.imported);

    // The summary event is in the stream and passes its contract.
    const { jsm } = await jetStreamFor(nc);
    const msg = await jsm.streams.getMessage(EVENTS_STREAM, {
      last_by_subj: `cc.events.${ORG}.lead.import_completed.spring`,
    });
    const parsed = parseEvent(msg?.json());
    expect(parsed.ok && parsed.event.kind === "lead.import_completed" && parsed.event).toMatchObject({
      import_id: again.importId,
      rows_read: w.rows,
      imported: 0,
      rows_lost: 0,
    });
  });

  it("rows with many long extra columns go out in smaller batch messages (each under nats' 1 MB payload)", async () => {
    // An XLSX comes in batches of 2,000 rows whatever their size (a CSV in read chunks of ~256 KB).
    const extras = Array.from({ length: 20 }, (_, i) => `附加${i}`);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("list");
    ws.addRow(["姓名", "手机", ...extras]);
    for (let r = 0; r < 300; r++)
      ws.addRow([`客户${r}`, generatedMobile(5_000_000 + r), ...extras.map(() => "长".repeat(480))]);
    const file = path.join(dir, "wide.xlsx");
    await wb.xlsx.writeFile(file);
    const { js } = await jetStreamFor(nc);
    const before = await leadCreatedCount();
    const report = await runImport({ source: file, orgId: ORG, campaignId: "wide", js, redis });
    expect(report.counts).toMatchObject({ rowsRead: 300, imported: 300, rowsLost: 0 });
    // ~29 KB of JSON per lead: 128 of them (3.7 MB) would pass the server's max_payload.
    const messages = (await leadCreatedCount()) - before;
    expect(messages).toBeGreaterThan(300 / 128);
    const ids = (await leadsInStream(before + messages)).slice(-300);
    expect(new Set(ids).size).toBe(300);
    expect(ids).not.toContain("invalid");
  });

  it("imports an XLSX (numbers stored as numbers too) into another campaign", async () => {
    const file = path.join(dir, "vendor.xlsx");
    const w = await writeSampleXlsx(file, {
      rows: 1_500,
      seed: "int-xlsx",
      foreignShare: 0.05,
      // Other contacts than the CSV's (whose DNC numbers are listed by now).
      mobileFor: (n) => generatedMobile(n + 1_000_000),
    });
    await new NumberListStore(redis, ORG, "dnc").add(...w.dnc);
    const { js } = await jetStreamFor(nc);
    const report = await runImport({ source: file, orgId: ORG, campaignId: "summer", js, redis });
    expect(report.format).toBe("xlsx");
    expect(report.counts).toMatchObject({
      rowsRead: w.rows,
      rejected: w.truth.bad,
      dnc: w.truth.dnc,
      rowsLost: 0,
    });
    await waitFor("the summer list", async () => (await fresh("summer")) === report.counts.imported);
    // A number written twice in the file is one lead, stored as E.164.
    const twice = report.merges.find((m) => m.match === "phone")!;
    const lead = await lists.get("summer")!.lead(importedLeadId(ORG, "summer", twice.phone));
    expect(lead.phone).toBe(twice.phone);
    // Same numbers, other campaign: other leads; the spring list is untouched by this import.
    expect(await redis.sCard(`cc:import:phones:${ORG}:summer`)).toBe(report.counts.imported);
  });
});
