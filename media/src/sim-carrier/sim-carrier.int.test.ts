// The simulated carrier (SIPp UAS lines) through the real media service: one call per outcome
// class, dial command on JetStream → drachtio-server → SIPp → rtpengine → analyzer → the contract
// event the class should end in → the sink → that event's row in ClickHouse.
import { readFileSync } from "node:fs";
import path from "node:path";
import { createClickHouse, migrate } from "@cc/analytics";
import { type ClickHouseHost, freePort, startClickHouseHost, tempDir } from "@cc/infra";
import {
  type CallCenterEvent,
  type EventOf,
  type SinkHandle,
  sinkConfigFromEnv,
  startSink,
} from "@cc/ingest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFingerprintDb } from "../cpa/announcements.ts";
import { generateCorpus } from "../cpa/corpus/generate.ts";
import { type MediaStack, startMediaStack } from "../testing/media-stack.ts";
import { type SimulatedCarrier, startSimulatedCarrier } from "./carrier.ts";

let s: MediaStack;
const energy = (pcm: Int16Array) => pcm.reduce((a, x) => a + x * x, 0) / pcm.length;
let carrier: SimulatedCarrier;
let host: ClickHouseHost;
let sink: SinkHandle;
/** Every attempt's terminal event as the service published it, to find again in ClickHouse. */
const finals: CallCenterEvent[] = [];

beforeAll(async () => {
  const audioDir = await tempDir("sim-carrier-corpus");
  await generateCorpus({ outDir: audioDir, quick: true });
  carrier = await startSimulatedCarrier({ audioDir, ringMs: [300, 600], talkMs: [3_000, 4_000] });
  s = await startMediaStack({
    trunks: () => carrier.trunks,
    fingerprints: loadFingerprintDb(readFileSync(path.join(audioDir, "fingerprints.json"), "utf8")),
    campaign: { ring_timeout_s: 6 },
  });
  host = await startClickHouseHost();
  const ch = createClickHouse({ url: host.url, ...host.writer });
  await migrate(ch);
  await ch.close();
  sink = await startSink(
    sinkConfigFromEnv({
      NATS_URL: s.natsUrl,
      CLICKHOUSE_URL: host.url,
      CLICKHOUSE_USER: host.writer.username,
      CLICKHOUSE_PASSWORD: host.writer.password,
      SINK_HTTP_PORT: String(await freePort()),
      SINK_BATCH_MS: "50",
      LOG_LEVEL: "warn",
    }),
  );
}, 180_000);

afterAll(async () => {
  await sink?.stop();
  await host?.stop();
  await s?.stop();
  await carrier?.stop();
});

const terminal = async (id: string, ms = 30_000) => {
  const e = await s.waitFor(
    () =>
      s.of(id).find((e) => e.kind === "call.ended" || e.kind === "call.failed" || e.kind === "call.blocked"),
    ms,
  );
  if (!finals.includes(e)) finals.push(e);
  return e;
};

async function answered(phone: string): Promise<EventOf<"call.answered">> {
  const cmd = await s.dial({ phone });
  const e = (await s.waitFor(
    () => s.of(cmd.attempt_id).find((x) => x.kind === "call.answered" || x.kind === "call.failed"),
    30_000,
  )) as CallCenterEvent;
  expect(e.kind).toBe("call.answered");
  await terminal(cmd.attempt_id);
  return e as EventOf<"call.answered">;
}

async function failed(phone: string): Promise<EventOf<"call.failed">> {
  const cmd = await s.dial({ phone });
  const e = await terminal(cmd.attempt_id);
  expect(e.kind).toBe("call.failed");
  return e as EventOf<"call.failed">;
}

describe("simulated carrier (SIPp) through the media service", () => {
  it("a person answering in Mandarin is bridged, speaks again to the agent and hangs up", async () => {
    const agent = await s.readyAgent("a1");
    const cmd = await s.dial({ phone: carrier.numberFor("human", { lang: "cmn" }) });
    const bridged = (await s.waitFor(
      () => s.of(cmd.attempt_id).find((e) => e.kind === "call.bridged"),
      30_000,
    )) as EventOf<"call.bridged">;
    const a = s.of(cmd.attempt_id).find((e) => e.kind === "call.answered") as EventOf<"call.answered">;
    expect(a.detection).toBe("human");
    // The greeting comes again after the pause: the agent hears the person through rtpengine.
    const heard = agent.received.length;
    await s.waitFor(() => agent.received.slice(heard).some((f) => energy(f.pcm) > 1e5), 15_000);
    const ended = (await terminal(cmd.attempt_id, 40_000)) as EventOf<"call.ended">;
    expect(ended).toMatchObject({ kind: "call.ended", hangup_by: "customer", agent_id: "a1" });
    expect(Date.parse(ended.occurred_at)).toBeGreaterThan(Date.parse(bridged.occurred_at));
  });

  it("a person answering in English is detected as human", async () => {
    expect((await answered(carrier.numberFor("human", { lang: "en", index: 1 }))).detection).toBe("human");
  });

  it("an answering machine (Mandarin and English greetings) is detected as a machine", async () => {
    expect((await answered(carrier.numberFor("machine", { lang: "cmn" }))).detection).toBe("machine");
    expect((await answered(carrier.numberFor("machine", { lang: "en" }))).detection).toBe("machine");
  });

  it("a fax line is detected as fax", async () => {
    expect((await answered(carrier.numberFor("fax"))).detection).toBe("fax");
  });

  it("a busy line fails with cause busy (486)", async () => {
    expect(await failed(carrier.numberFor("busy"))).toMatchObject({ cause: "busy", sip_code: 486 });
  });

  it("a line nobody answers fails with cause no_answer at the ring timeout", async () => {
    const f = await failed(carrier.numberFor("no_answer"));
    expect(f).toMatchObject({ cause: "no_answer", detail: "ring_timeout" });
    expect(f.ring_s).toBeGreaterThanOrEqual(5.5);
  });

  it("an invalid number with SIT in early media fails as invalid_number before the 404", async () => {
    const f = await failed(carrier.numberFor("sit"));
    expect(f.cause).toBe("invalid_number");
    expect(f.detail).toMatch(/^sit:/);
  });

  it("a carrier announcement in early media fails with the announced cause", async () => {
    const off = await failed(carrier.numberFor("announcement", { announcement: "powered-off" }));
    expect(off).toMatchObject({ cause: "unreachable", detail: "announcement:powered-off" });
    const empty = await failed(carrier.numberFor("announcement", { announcement: "invalid-number" }));
    expect(empty).toMatchObject({ cause: "invalid_number", detail: "announcement:invalid-number" });
  });

  it("every call above reached ClickHouse through the sink: its terminal event, once, as published", async () => {
    expect(finals.length).toBeGreaterThanOrEqual(9);
    const ch = createClickHouse({ url: host.url, ...host.analyst });
    try {
      const ids = finals.map((e) => e.id);
      const rows = async () => {
        const rs = await ch.query({
          query:
            "SELECT toString(event_id) AS id, kind, payload FROM events WHERE event_id IN {ids:Array(UUID)}",
          query_params: { ids },
          format: "JSONEachRow",
        });
        return await rs.json<{ id: string; kind: string; payload: string }>();
      };
      const got = await s.waitFor(async () => {
        const r = await rows();
        return r.length >= ids.length ? r : null;
      }, 30_000);
      expect(got).toHaveLength(ids.length);
      for (const e of finals) {
        const row = got.find((r) => r.id === e.id)!;
        expect(row.kind).toBe(e.kind);
        expect(JSON.parse(row.payload)).toEqual(e);
      }
      const kinds = new Set(
        got.map((r) => `${r.kind}:${JSON.parse(r.payload).cause ?? JSON.parse(r.payload).hangup_by}`),
      );
      for (const k of [
        "call.failed:busy",
        "call.failed:no_answer",
        "call.failed:invalid_number",
        "call.failed:unreachable",
      ])
        expect(kinds).toContain(k);
    } finally {
      await ch.close();
    }
  });

  it("maps numbers back to their line, item and expected event", () => {
    const n = carrier.numberFor("announcement", { announcement: "busy" });
    expect(carrier.lookup(n)?.expected).toEqual({ kind: "call.failed", cause: "busy" });
    expect(carrier.lookup(carrier.numberFor("fax"))?.expected).toEqual({
      kind: "call.answered",
      detection: "fax",
    });
    expect(carrier.lookup("+8613800000001")).toBeNull();
  });
});
