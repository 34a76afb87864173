import { startNats } from "@cc/infra";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS_STREAM, subjectFor } from "../subjects.ts";
import { sampleCallAnswered } from "../testing/events.ts";
import { type AsyncPubAck, AsyncPublishError, AsyncPublisher } from "./async-publish.ts";
import { connectNats, encodeEvent, ensureStreams, jetStreamFor } from "./jetstream.ts";

describe("AsyncPublisher: acks on one inbox, bounded outstanding", () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url);
    await ensureStreams((await jetStreamFor(nc)).jsm);
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.stop();
  });

  it("stores each message once with its own sequence; a re-send of the same ids is all duplicates", async () => {
    const { jsm } = await jetStreamFor(nc);
    const before = (await jsm.streams.info(EVENTS_STREAM)).state.last_seq;
    const pub = new AsyncPublisher(nc, { maxOutstanding: 16 });
    const events = Array.from({ length: 500 }, (_, i) => sampleCallAnswered(10_000 + i));
    const send = () => Promise.all(events.map((e) => pub.publish(subjectFor(e), encodeEvent(e), e.id)));
    const first = await send();
    expect(pub.outstanding).toBe(0);
    expect(first.every((a) => a.stream === EVENTS_STREAM && !a.duplicate)).toBe(true);
    expect(new Set(first.map((a) => a.seq)).size).toBe(500);
    expect(Math.min(...first.map((a) => a.seq))).toBe(before + 1);
    const again = await send();
    expect(again.every((a) => a.duplicate)).toBe(true);
    expect((await jsm.streams.info(EVENTS_STREAM)).state.last_seq).toBe(before + 500);
    pub.close();
  });

  it("send() keeps the payload bytes awaiting acks within maxOutstandingBytes and acks each message once", async () => {
    const events = Array.from({ length: 200 }, (_, i) => sampleCallAnswered(20_000 + i));
    const payloads = events.map((e) => encodeEvent(e));
    const size = Math.max(...payloads.map((p) => p.length));
    const pub = new AsyncPublisher(nc, { maxOutstanding: 10_000, maxOutstandingBytes: 5 * size });
    let maxSeen = 0;
    const acks: (AsyncPubAck | Error)[] = [];
    for (const [i, e] of events.entries()) {
      await pub.room(payloads[i]!.length);
      pub.send(subjectFor(e), payloads[i]!, e.id, (err, ack) => acks.push(err ?? ack!));
      maxSeen = Math.max(maxSeen, pub.outstandingBytes);
    }
    while (acks.length < events.length) await new Promise((r) => setTimeout(r, 10));
    expect(maxSeen).toBeLessThanOrEqual(5 * size);
    expect(maxSeen).toBeGreaterThan(size); // more than one at a time: the bound, not a lock-step
    expect(acks.every((a) => !(a instanceof Error) && !a.duplicate)).toBe(true);
    expect(new Set(acks.map((a) => (a as AsyncPubAck).seq)).size).toBe(events.length);
    expect(pub.outstandingBytes).toBe(0);
    pub.close();
  });

  it("a subject no stream takes fails with NO_RESPONDERS; close() fails what is still outstanding", async () => {
    const pub = new AsyncPublisher(nc, { timeoutMs: 2_000 });
    const err = await pub.publish("nobody.listens.here", new Uint8Array([1]), "x-1").catch((e) => e);
    expect(err).toBeInstanceOf(AsyncPublishError);
    expect((err as AsyncPublishError).code).toBe("NO_RESPONDERS");
    pub.close();
    const closed = await pub
      .publish("cc.events.acme.call.answered._", new Uint8Array([2]), "x-2")
      .catch((e) => e);
    expect((closed as AsyncPublishError).code).toBe("CLOSED");
  });
});
