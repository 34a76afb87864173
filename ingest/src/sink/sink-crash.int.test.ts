import type { ManagedProcess } from "@cc/infra";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, ensureStreams, jetStreamFor, publishEvents } from "../nats/jetstream.ts";
import { EVENTS_STREAM } from "../subjects.ts";
import { sampleCallAnswered } from "../testing/events.ts";
import {
  countEvents,
  countInserted,
  sinkConfigFor,
  spawnSink,
  startTestStack,
  type TestStack,
  waitFor,
} from "../testing/stack.ts";

/**
 * kill -9 of the sink process while thousands of events are in flight, several times over:
 * after the last restart every event is in ClickHouse exactly once.
 */
describe("sink crash (SIGKILL) and restart", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("exact counts after repeated kill -9 mid-stream", async () => {
    const nc = await connectNats(stack.nats.url);
    const { js, jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm);
    // Short ack_wait so messages held by a killed sink come back quickly; small batches so a
    // kill lands between insert and ack often.
    const cfg = sinkConfigFor(stack.nats.url, stack.host, {
      durable: "sink-crash",
      ackWaitMs: 2_000,
      batchSize: 500,
      batchMs: 20,
      // Widens the insert→ack window so most kills land after an insert and before its acks.
      faultAckDelayMs: 150,
    });
    const total = 24_000;
    const events = Array.from({ length: total }, (_, i) => sampleCallAnswered(i));
    let sink: ManagedProcess | undefined;
    try {
      sink = await spawnSink(cfg);
      const publishing = (async () => {
        for (let i = 0; i < total; i += 2_000) await publishEvents(js, events.slice(i, i + 2_000));
      })();
      const kills = 4;
      let killed = 0;
      for (let k = 1; k <= kills; k++) {
        // Kill once some more rows landed, i.e. while batches are being inserted and acked.
        const seen = (await countEvents(stack.ch)).rows;
        await waitFor(
          "progress before kill",
          () => countEvents(stack.ch),
          (c) => c.rows >= Math.min(total, seen + 1_500),
          60_000,
        );
        const current = sink;
        current.kill("SIGKILL");
        await current.exited;
        killed++;
        sink = await spawnSink(cfg);
      }
      await publishing;
      const ci = await waitFor(
        "consumer drained",
        () => jsm.consumers.info(EVENTS_STREAM, cfg.durable),
        (i) => i.num_pending === 0 && i.num_ack_pending === 0,
        120_000,
      );
      expect(ci.delivered.stream_seq).toBe(total);
      expect(killed).toBe(kills);
      expect(await countEvents(stack.ch)).toEqual({ rows: total, ids: total });
      // Not one row was ever written twice (merges cannot have hidden a duplicate).
      expect(await countInserted(stack.ch)).toEqual({ rows: total, ids: total });
      // Some messages were really redelivered (so the restart path was exercised).
      expect(ci.delivered.consumer_seq).toBeGreaterThan(ci.delivered.stream_seq);
    } finally {
      await sink?.stop();
      await nc.close();
    }
  });
});
