import { createHash } from "node:crypto";
import { Kvm } from "@nats-io/kv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeEvent } from "../contracts/index.ts";
import { connectNats } from "../nats/jetstream.ts";
import { type SinkHandle, startSink } from "../sink/sink.ts";
import { sampleCallAnswered } from "../testing/events.ts";
import { countInserted, sinkConfigFor, startTestStack, type TestStack, waitFor } from "../testing/stack.ts";
import type { IntakeConfig } from "./config.ts";
import { IDEMPOTENCY_BUCKET, type IntakeHandle, startIntake } from "./intake.ts";

const ACME_KEY = "acme-intake-key-0123456789";
const PLATFORM_KEY = "platform-intake-key-0123456789";
const METRICS_KEY = "metrics-key-for-tests-0001";

describe("HTTP intake", () => {
  let stack: TestStack;
  let intake: IntakeHandle;
  let sink: SinkHandle;
  let base: string;

  beforeAll(async () => {
    stack = await startTestStack();
    const config: IntakeConfig = {
      natsUrl: stack.nats.url,
      http: { port: 0, host: "127.0.0.1" },
      apiKeys: [
        { name: "acme-web", key: ACME_KEY, org_id: "acme" },
        { name: "platform", key: PLATFORM_KEY },
      ],
      metricsApiKeys: [{ name: "metrics", key: METRICS_KEY }],
      bodyLimitBytes: 64 * 1024,
      maxEvents: 500,
      defaultRegion: "CN",
      idempotencyTtlMs: 3_600_000,
      streams: { duplicateWindowMs: 600_000, maxAgeMs: 0 },
      logLevel: "warn",
    };
    intake = await startIntake(config);
    sink = await startSink(sinkConfigFor(stack.nats.url, stack.host, { durable: "intake-test" }));
    base = `http://127.0.0.1:${intake.port}`;
  });
  afterAll(async () => {
    await intake?.stop();
    await sink?.stop();
    await stack?.stop();
  });

  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const acme = { authorization: `Bearer ${ACME_KEY}` };

  it("health is open; everything else wants an API key", async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await post("/v1/events", sampleCallAnswered(1))).status).toBe(401);
    expect((await post("/v1/leads", {}, { authorization: "Bearer not-a-key-at-all-000" })).status).toBe(401);
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { "x-api-key": ACME_KEY } })).status).toBe(401);
    const m = await fetch(`${base}/metrics`, { headers: { "x-api-key": METRICS_KEY } });
    expect(m.status).toBe(200);
    expect(await m.text()).toContain("intake_requests_total");
  });

  it("POST /v1/events: 202 after the JetStream ack, a retry is a duplicate, and it becomes queryable", async () => {
    const events = [sampleCallAnswered(1), sampleCallAnswered(2)];
    const first = await post("/v1/events", events, acme);
    expect(first).toEqual({
      status: 202,
      body: { accepted: 2, duplicates: 0, ids: events.map((e) => e.id) },
    });
    const retry = await post("/v1/events", events, { "x-api-key": ACME_KEY });
    expect(retry.body).toMatchObject({ accepted: 0, duplicates: 2 });
    const single = sampleCallAnswered(3);
    expect((await post("/v1/events", single, acme)).body).toMatchObject({ accepted: 1, ids: [single.id] });
    await waitFor(
      "rows",
      async () => {
        const rs = await stack.ch.query({
          query: "SELECT count() AS c FROM events WHERE event_id IN {ids:Array(UUID)}",
          query_params: { ids: [...events.map((e) => e.id), single.id] },
          format: "JSONEachRow",
        });
        return Number((await rs.json<{ c: string }>())[0]?.c);
      },
      (c) => c === 3,
    );
  });

  it("POST /v1/events: field-level 400, 403 for another org, 413 over the size limit", async () => {
    const good = sampleCallAnswered(4);
    const { lead_id: _l, ...noLead } = sampleCallAnswered(5) as Record<string, unknown>;
    const bad = await post("/v1/events", [good, { ...noLead, detection: "robot" }], acme);
    expect(bad.status).toBe(400);
    expect((bad.body.issues as { path: string }[]).map((i) => i.path).sort()).toEqual([
      "1.detection",
      "1.lead_id",
    ]);

    const foreign = await post("/v1/events", sampleCallAnswered(6, { org: "globex" }), acme);
    expect(foreign.status).toBe(403);
    expect(foreign.body.issues).toEqual([{ path: "org_id", message: "must be 'acme' for this API key" }]);
    // An unbound platform key may send for any org.
    expect(
      (await post("/v1/events", sampleCallAnswered(6, { org: "globex" }), { "x-api-key": PLATFORM_KEY }))
        .status,
    ).toBe(202);

    const big = Array.from({ length: 400 }, (_, i) => sampleCallAnswered(i));
    const tooBig = await post("/v1/events", big, acme);
    expect(tooBig.status).toBe(413);
    expect(String(tooBig.body.error)).toMatch(/limit of 65536 bytes/);
    const notJson = await post("/v1/events", "{oops", acme);
    expect(notJson.status).toBe(400);
  });

  it("POST /v1/leads: phone normalised to E.164, Idempotency-Key makes a retry a duplicate", async () => {
    const form = { phone: "138 0013 8000", name: "王先生", campaign_id: "spring", consent: { given: true } };
    const headers = { ...acme, "idempotency-key": "form-submit-42" };
    const first = await post("/v1/leads", form, headers);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ accepted: 1, duplicates: 0 });
    const id = (first.body.ids as string[])[0] as string;
    const again = await post("/v1/leads", form, headers);
    expect(again.body).toEqual({ accepted: 0, duplicates: 1, ids: [id] });

    // A client event id works the same way without the header.
    const clientId = makeEvent({
      kind: "lead.assigned",
      org_id: "acme",
      lead_id: "x",
      assigned_by: "rule",
    }).id;
    const c1 = await post("/v1/leads", { ...form, event_id: clientId }, acme);
    const c2 = await post("/v1/leads", { ...form, event_id: clientId }, acme);
    expect([c1.body, c2.body]).toEqual([
      { accepted: 1, duplicates: 0, ids: [clientId] },
      { accepted: 0, duplicates: 1, ids: [clientId] },
    ]);

    const row = await waitFor(
      "lead row",
      async () => {
        const rs = await stack.ch.query({
          query: "SELECT kind, org_id, campaign_id, lead_id, payload FROM events WHERE event_id = {id:UUID}",
          query_params: { id },
          format: "JSONEachRow",
        });
        return (await rs.json<Record<string, string>>())[0];
      },
      (r) => r !== undefined,
    );
    expect(row).toMatchObject({ kind: "lead.created", org_id: "acme", campaign_id: "spring" });
    expect(JSON.parse(String(row?.payload))).toMatchObject({
      phone: "+8613800138000",
      source: "web_form",
      consent: { given: true, method: "web_form" },
      lead_id: row?.lead_id,
    });

    const badPhone = await post("/v1/leads", { ...form, phone: "12345" }, acme);
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.issues).toEqual([
      { path: "phone", message: expect.stringMatching(/not a valid number/) },
    ]);
    const missing = await post("/v1/leads", { name: "x" }, acme);
    expect((missing.body.issues as { path: string }[]).map((i) => i.path).sort()).toEqual([
      "consent",
      "phone",
    ]);
    expect((await post("/v1/leads", { ...form, org_id: "globex" }, acme)).status).toBe(403);
    const unbound = await post("/v1/leads", form, { "x-api-key": PLATFORM_KEY });
    expect(unbound).toMatchObject({ status: 400, body: { issues: [{ path: "org_id" }] } });
  });

  it("POST /v1/leads: an idempotency record that fails its schema is a clear 500, never published", async () => {
    const nc = await connectNats(stack.nats.url);
    try {
      const kv = await new Kvm(nc).open(IDEMPOTENCY_BUCKET);
      const slot = (k: string) => `acme.${createHash("sha256").update(`k:${k}`).digest("hex")}`;
      await kv.put(slot("torn-record"), '{"event":{"kind":"lead.cr');
      await kv.put(slot("foreign-record"), JSON.stringify({ event: { id: "x" }, published: "yes" }));
      const form = { phone: "138 0013 8001", campaign_id: "spring", consent: { given: true } };
      for (const key of ["torn-record", "foreign-record"]) {
        const r = await post("/v1/leads", form, { ...acme, "idempotency-key": key });
        expect(r.status, key).toBe(500);
        expect(r.body.code).toBe("IDEMPOTENCY_RECORD_INVALID");
      }
    } finally {
      await nc.close();
    }
  });

  it("POST /v1/ad-reports: one event per row; re-sending the report is all duplicates", async () => {
    const report = {
      channel: "douyin",
      rows: [
        {
          ad_campaign_id: "ac-1",
          ad_id: "ad-1",
          slot_start: "2026-03-01T08:00:00.000Z",
          slot_end: "2026-03-01T09:00:00.000Z",
          spend_minor: 125_00,
          impressions: 10_000,
          clicks: 230,
        },
        {
          ad_campaign_id: "ac-1",
          ad_id: "ad-2",
          slot_start: "2026-03-01T08:00:00.000Z",
          slot_end: "2026-03-01T09:00:00.000Z",
          spend_minor: 80_00,
          impressions: 7_000,
          clicks: 90,
        },
      ],
    };
    const first = await post("/v1/ad-reports", report, acme);
    expect(first.body).toMatchObject({ accepted: 2, duplicates: 0 });
    const again = await post("/v1/ad-reports", report, acme);
    expect(again.body).toEqual({ accepted: 0, duplicates: 2, ids: first.body.ids });

    const swapped = { ...report, rows: [{ ...report.rows[0], slot_end: "2026-03-01T07:00:00.000Z" }] };
    const bad = await post("/v1/ad-reports", swapped, acme);
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual([
      { path: "rows.0.slot_end", message: "slot_end must be after slot_start" },
    ]);

    await waitFor(
      "ad rows",
      async () => {
        const rs = await stack.ch.query({
          query: `SELECT sum(JSONExtract(payload, 'spend', 'amount_minor', 'Int64')) AS spend, count() AS c
                  FROM events WHERE kind = 'ad.spend_reported'`,
          format: "JSONEachRow",
        });
        return (await rs.json<{ spend: string; c: string }>())[0];
      },
      (r) => Number(r?.c) === 2 && Number(r?.spend) === 205_00,
    );
    // Nothing the intake acknowledged was ever written twice.
    const audit = await countInserted(stack.ch);
    expect(audit.rows).toBe(audit.ids);
  });
});
