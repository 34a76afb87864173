import { startNats } from "@cc/infra";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DLQ_STREAM, EVENTS_STREAM } from "../subjects.ts";
import { sampleCallAnswered } from "../testing/events.ts";
import { connectNats, ensureStreams, jetStreamFor, publishEvent, publishEvents } from "./jetstream.ts";

describe("JetStream streams and publishers", () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("creates both streams, and re-running updates them instead of failing", async () => {
    const { jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm);
    await ensureStreams(jsm, { duplicateWindowMs: 120_000, maxAgeMs: 3_600_000 });
    const events = await jsm.streams.info(EVENTS_STREAM);
    expect(events.config.subjects).toEqual(["cc.events.>"]);
    expect(events.config.storage).toBe("file");
    expect(events.config.duplicate_window).toBe(120_000 * 1_000_000);
    expect(events.config.max_age).toBe(3_600_000 * 1_000_000);
    const dlq = await jsm.streams.info(DLQ_STREAM);
    expect(dlq.config.subjects).toEqual(["cc.dlq.>"]);
  });

  it("a retried publish of the same event is a duplicate, not a second message", async () => {
    const { js, jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm);
    const before = (await jsm.streams.info(EVENTS_STREAM)).state.messages;
    const e = sampleCallAnswered(1);
    const first = await publishEvent(js, e);
    const again = await publishEvent(js, e);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(first.seq);
    expect((await jsm.streams.info(EVENTS_STREAM)).state.messages).toBe(before + 1);
    const stored = await jsm.streams.getMessage(EVENTS_STREAM, { seq: first.seq });
    expect(stored?.subject).toBe("cc.events.acme.call.answered.camp-1");
    expect(stored?.header.get("Nats-Msg-Id")).toBe(e.id);
  });

  it("the windowed batch publisher keeps order of results and reports duplicates", async () => {
    const { js, jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm);
    const before = (await jsm.streams.info(EVENTS_STREAM)).state.messages;
    const events = Array.from({ length: 2_000 }, (_, i) => sampleCallAnswered(i));
    const r1 = await publishEvents(js, events, { window: 256 });
    expect(r1).toMatchObject({ accepted: 2_000, duplicates: 0 });
    expect(r1.results.map((r) => r.id)).toEqual(events.map((e) => e.id));
    // Half of them again (a publisher that crashed after sending and retries everything).
    const r2 = await publishEvents(js, [...events.slice(0, 1_000), sampleCallAnswered(9_999)], {
      window: 64,
    });
    expect(r2).toMatchObject({ accepted: 1, duplicates: 1_000 });
    expect((await jsm.streams.info(EVENTS_STREAM)).state.messages).toBe(before + 2_001);
  });
});
