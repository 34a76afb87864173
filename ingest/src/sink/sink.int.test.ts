import { startClickHouseHost, tempDir } from "@cc/infra";
import { AckPolicy } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { batchMessageId, type CallCenterEvent, encodeEventBatch } from "../contracts/index.ts";
import { AsyncPublisher } from "../nats/async-publish.ts";
import {
  connectNats,
  encodeEvent,
  ensureStreams,
  jetStreamFor,
  publishEvent,
  publishEvents,
} from "../nats/jetstream.ts";
import { DLQ_STREAM, dlqSubject, EVENTS_STREAM, subjectFor } from "../subjects.ts";
import { sampleCallAnswered } from "../testing/events.ts";
import {
  countEvents,
  countInserted,
  createInsertAudit,
  sinkConfigFor,
  spawnSink,
  startTestStack,
  type TestStack,
  waitFor,
  writerClient,
} from "../testing/stack.ts";
import type { SinkConfig } from "./config.ts";
import { dedupTokenFor, eventToRow } from "./rows.ts";
import { ensureSinkConsumer, type SinkHandle, startSink } from "./sink.ts";

describe("sink: NATS → ClickHouse", () => {
  let stack: TestStack;
  let nc: NatsConnection;
  let sink: SinkHandle | undefined;
  let durableNo = 0;
  let cfg: SinkConfig;

  beforeAll(async () => {
    stack = await startTestStack();
    nc = await connectNats(stack.nats.url);
    await ensureStreams((await jetStreamFor(nc)).jsm);
  });
  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  });
  beforeEach(async () => {
    // Each test starts from an empty stream and table and its own durable consumer.
    const { jsm } = await jetStreamFor(nc);
    await jsm.streams.purge(EVENTS_STREAM);
    await jsm.streams.purge(DLQ_STREAM);
    await stack.ch.command({ query: "TRUNCATE TABLE events" });
    await stack.ch.command({ query: "TRUNCATE TABLE events_insert_audit" });
    cfg = sinkConfigFor(stack.nats.url, stack.host, { durable: `sink-test-${++durableNo}` });
  });
  afterEach(async () => {
    await sink?.stop();
    sink = undefined;
  });

  const rowsFor = async (ids: string[]) => {
    const rs = await stack.ch.query({
      query: `SELECT toString(event_id) AS id, kind, org_id, toString(occurred_at) AS occurred_at,
                     campaign_id, attempt_id, lead_id, agent_id, payload, stream_seq
              FROM events WHERE event_id IN {ids:Array(UUID)} ORDER BY event_id`,
      query_params: { ids },
      format: "JSONEachRow",
    });
    return await rs.json<Record<string, string | number>>();
  };

  it("publish → queryable: every field of the row comes from the validated event", async () => {
    const { js } = await jetStreamFor(nc);
    sink = await startSink(cfg);
    const events = Array.from({ length: 500 }, (_, i) => sampleCallAnswered(i));
    const pub = await publishEvents(js, events);
    // The in-process sink counts after the insert returned; rows can be visible a moment earlier.
    await waitFor(
      "500 inserted",
      async () => sink?.stats(),
      (s) => (s?.inserted ?? 0) >= 500,
    );
    expect(await countEvents(stack.ch)).toEqual({ rows: 500, ids: 500 });

    const e = events[42] as CallCenterEvent & { campaign_id: string; attempt_id: string; lead_id: string };
    const [row] = await rowsFor([e.id]);
    expect(row).toMatchObject({
      id: e.id,
      kind: "call.answered",
      org_id: "acme",
      occurred_at: e.occurred_at.replace("T", " ").replace("Z", ""),
      campaign_id: e.campaign_id,
      attempt_id: e.attempt_id,
      lead_id: e.lead_id,
      agent_id: "",
    });
    expect(JSON.parse(String(row?.payload))).toEqual(e);
    expect(Number(row?.stream_seq)).toBe(pub.results[42]?.seq);
    expect(sink.stats()).toMatchObject({ inserted: 500, dlq: 0, duplicates: 0 });

    // Ops endpoints: health open, metrics behind the API key.
    const base = `http://127.0.0.1:${sink.httpPort}`;
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      ok: true,
      nats: { connected: true },
      clickhouse: { reachable: true },
    });
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const m = await fetch(`${base}/metrics`, {
      headers: { authorization: "Bearer metrics-key-for-tests-0001" },
    });
    expect(m.status).toBe(200);
    expect(await m.text()).toMatch(/events_ingested_total\{kind="call.answered"\} 500/);
  });

  it("duplicates in one batch and a publisher retry give one row per event", async () => {
    const { js } = await jetStreamFor(nc);
    const events = Array.from({ length: 300 }, (_, i) => sampleCallAnswered(i));
    await publishEvents(js, events);
    // Retry inside the duplicate window: JetStream drops it.
    expect((await publishEvent(js, events[0] as CallCenterEvent)).duplicate).toBe(true);
    // Same events again under other message ids (a producer outside the window): reach the sink.
    for (const e of events.slice(0, 100)) {
      await js.publish(subjectFor(e), encodeEvent(e), { msgID: `late-retry-${e.id}` });
    }
    sink = await startSink({ ...cfg, batchSize: 10_000, batchMs: 500 });
    await waitFor(
      "batch processed",
      async () => sink?.stats(),
      (s) => (s?.inserted ?? 0) + (s?.duplicates ?? 0) >= 400,
    );
    expect(await countEvents(stack.ch)).toEqual({ rows: 300, ids: 300 });
    expect(await countInserted(stack.ch)).toEqual({ rows: 300, ids: 300 });
    expect(sink.stats()).toMatchObject({ inserted: 300, duplicates: 100 });
  });

  it("redelivered messages whose rows already exist are acked without a second row", async () => {
    const { js, jsm } = await jetStreamFor(nc);
    const shortAck = { ...cfg, ackWaitMs: 1_000 };
    await ensureSinkConsumer(jsm, shortAck);
    const events = Array.from({ length: 400 }, (_, i) => sampleCallAnswered(i));
    await publishEvents(js, events);
    // A previous sink fetched everything, inserted the first half, and died before acking.
    const consumer = await js.consumers.get(EVENTS_STREAM, shortAck.durable);
    const fetched = await consumer.fetch({ max_messages: 400, expires: 2_000 });
    const seqs = new Map<string, number>();
    for await (const m of fetched) {
      seqs.set(JSON.parse(new TextDecoder().decode(m.data)).id, m.seq);
      if (seqs.size === 400) break;
    }
    const firstHalf = events.slice(0, 200);
    await stack.ch.insert({
      table: "events",
      values: firstHalf.map((e) => eventToRow(e, seqs.get(e.id) ?? 0)),
      format: "JSONEachRow",
    });
    // ack_wait expires: JetStream redelivers all 400 to the new sink (delivery count 2).
    sink = await startSink(shortAck);
    await waitFor(
      "redelivery processed",
      async () => sink?.stats(),
      (s) => (s?.inserted ?? 0) + (s?.duplicates ?? 0) >= 400,
    );
    expect(await countEvents(stack.ch)).toEqual({ rows: 400, ids: 400 });
    expect(await countInserted(stack.ch)).toEqual({ rows: 400, ids: 400 });
    expect(sink.stats()).toMatchObject({ inserted: 200, duplicates: 200 });
    const info = await waitFor(
      "acks",
      () => jsm.consumers.info(EVENTS_STREAM, shortAck.durable),
      (ci) => ci.num_ack_pending === 0 && ci.num_pending === 0,
    );
    expect(info.config.ack_policy).toBe(AckPolicy.Explicit);
  });

  it("batch messages: one row per event, a bad element dead-lettered alone, a retried or redelivered batch adds nothing", async () => {
    const { jsm } = await jetStreamFor(nc);
    const shortAck = { ...cfg, ackWaitMs: 1_000, batchSize: 120 };
    await ensureSinkConsumer(jsm, shortAck);
    const events = Array.from({ length: 600 }, (_, i) => sampleCallAnswered(i));
    const pub = new AsyncPublisher(nc);
    const sendBatch = (elements: unknown[], msgId: string) =>
      new Promise<{ duplicate: boolean }>((resolve, reject) =>
        pub.send(
          "cc.events.acme.call.answered._",
          encodeEventBatch(elements.map((e) => JSON.stringify(e))),
          msgId,
          (err, ack) => (err ? reject(err) : resolve(ack!)),
          elements.length,
        ),
      );
    // Six messages of 100; the third carries a bad element at position 7 besides its 100 events.
    const batches = Array.from({ length: 6 }, (_, b) => events.slice(b * 100, b * 100 + 100));
    const bad = { kind: "call.answered", org_id: "acme", note: "no id, no attempt" };
    for (const [b, batch] of batches.entries()) {
      const elements: unknown[] = b === 2 ? [...batch.slice(0, 7), bad, ...batch.slice(7)] : batch;
      await sendBatch(elements, batchMessageId(batch.map((e) => e.id)));
    }
    // The producer retries the first batch: the stream drops it by its message id.
    expect((await sendBatch(batches[0]!, batchMessageId(batches[0]!.map((e) => e.id)))).duplicate).toBe(true);
    pub.close();
    // A sink fetched everything, inserted the first two batches' rows and died before acking.
    const { js } = await jetStreamFor(nc);
    const fetched = await (await js.consumers.get(EVENTS_STREAM, shortAck.durable)).fetch({
      max_messages: 6,
      expires: 2_000,
    });
    const seqs: number[] = [];
    for await (const m of fetched) if (seqs.push(m.seq) === 6) break;
    await stack.ch.insert({
      table: "events",
      values: events.slice(0, 200).map((e, i) => eventToRow(e, seqs[Math.floor(i / 100)]!)),
      format: "JSONEachRow",
    });
    // ack_wait expires: all six come back (delivery count 2); batches are cut by events (120).
    sink = await startSink(shortAck);
    await waitFor(
      "redelivery processed",
      async () => sink?.stats(),
      (s) => (s?.inserted ?? 0) + (s?.duplicates ?? 0) + (s?.dlq ?? 0) >= 601,
    );
    expect(await countEvents(stack.ch)).toEqual({ rows: 600, ids: 600 });
    expect(await countInserted(stack.ch)).toEqual({ rows: 600, ids: 600 });
    expect(sink.stats()).toMatchObject({ inserted: 400, duplicates: 200, dlq: 1 });
    // One insert per message here: a 100-event message never shares a 120-event batch.
    expect(sink.stats().batches).toBe(6);
    const letter = await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: dlqSubject("sink") });
    const dead = letter?.json<{ raw: string }>();
    expect(dead).toMatchObject({ reason: "invalid_event", batch_index: 7, stream_seq: seqs[2] });
    expect(JSON.parse(dead?.raw ?? "")).toEqual(bad);
    await waitFor(
      "acks",
      () => jsm.consumers.info(EVENTS_STREAM, shortAck.durable),
      (ci) => ci.num_ack_pending === 0 && ci.num_pending === 0,
    );
  });

  it("a retried INSERT of the same batch (same dedup token) is dropped by ClickHouse", async () => {
    const rows = Array.from({ length: 50 }, (_, i) => eventToRow(sampleCallAnswered(i), i + 1));
    const token = dedupTokenFor(rows.map((r) => r.event_id));
    expect(dedupTokenFor([...rows].reverse().map((r) => r.event_id))).toBe(token);
    for (let i = 0; i < 2; i++) {
      await stack.ch.insert({
        table: "events",
        values: rows,
        format: "JSONEachRow",
        clickhouse_settings: { insert_deduplicate: 1, insert_deduplication_token: token },
      });
    }
    expect(await countEvents(stack.ch)).toEqual({ rows: 50, ids: 50 });
    expect(await countInserted(stack.ch)).toEqual({ rows: 50, ids: 50 });
  });

  it("malformed messages go to CC_DLQ with the reason and field issues, and are counted", async () => {
    const { js, jsm } = await jetStreamFor(nc);
    const good = sampleCallAnswered(1);
    const { lead_id: _dropped, ...missingLead } = sampleCallAnswered(2) as CallCenterEvent & {
      lead_id: string;
    };
    const otherOrg = sampleCallAnswered(3, { org: "globex" });
    await js.publish("cc.events.acme.call.answered._", "{not json", { msgID: "bad-1" });
    await js.publish("cc.events.acme.call.answered._", JSON.stringify({ ...missingLead, detect_ms: -5 }), {
      msgID: "bad-2",
    });
    await js.publish("cc.events.acme.call.answered._", new Uint8Array([0xff, 0xfe, 0x00, 0x7b]), {
      msgID: "bad-3",
    });
    await js.publish("cc.events.acme.call.answered._", encodeEvent(otherOrg), { msgID: "bad-4" });
    await publishEvent(js, good);

    sink = await startSink(cfg);
    await waitFor(
      "dead letters",
      async () => sink?.stats(),
      (s) => (s?.dlq ?? 0) >= 4 && (s?.inserted ?? 0) >= 1,
    );
    expect(await countEvents(stack.ch)).toEqual({ rows: 1, ids: 1 });

    const dlqInfo = await jsm.streams.info(DLQ_STREAM);
    expect(dlqInfo.state.messages).toBe(4);
    const letters: (Record<string, unknown> | undefined)[] = [];
    for (let seq = dlqInfo.state.first_seq; seq <= dlqInfo.state.last_seq; seq++) {
      const sm = await jsm.streams.getMessage(DLQ_STREAM, { seq });
      expect(sm?.subject).toBe("cc.dlq.sink");
      letters.push(sm?.json<Record<string, unknown>>());
    }
    const byRaw = (pred: (l: Record<string, unknown>) => boolean) => letters.find((l) => l && pred(l));
    expect(byRaw((l) => l.raw === "{not json")).toMatchObject({
      reason: "invalid_json",
      raw_encoding: "utf8",
      subject: "cc.events.acme.call.answered._",
    });
    const wrongFields = byRaw((l) => String(l.raw).includes("detect_ms"));
    expect(wrongFields).toMatchObject({ reason: "invalid_event", raw_encoding: "utf8" });
    const paths = ((wrongFields?.issues ?? []) as { path: string }[]).map((i) => i.path).sort();
    expect(paths).toEqual(["detect_ms", "lead_id"]);
    expect(byRaw((l) => l.raw_encoding === "base64")).toMatchObject({
      reason: "invalid_json",
      raw: Buffer.from([0xff, 0xfe, 0x00, 0x7b]).toString("base64"),
    });
    expect(byRaw((l) => l.reason === "subject_mismatch")).toMatchObject({
      issues: [{ path: "org_id" }],
    });
    for (const l of letters) {
      expect(l).toMatchObject({ stream_seq: expect.any(Number), received_at: expect.any(String) });
    }

    const m = await (
      await fetch(`http://127.0.0.1:${sink.httpPort}/metrics`, {
        headers: { "x-api-key": "metrics-key-for-tests-0001" },
      })
    ).text();
    expect(m).toMatch(/dlq_total\{reason="invalid_json"\} 2/);
    expect(m).toMatch(/dlq_total\{reason="invalid_event"\} 1/);
    expect(m).toMatch(/dlq_total\{reason="subject_mismatch"\} 1/);
  });

  it("ClickHouse down for a while: events wait in JetStream and all arrive once it returns", async () => {
    // A host of its own, so stopping it does not disturb the shared one; its data dir is ours
    // (a launcher removes the dirs it made itself when it stops).
    const host = await startClickHouseHost({ dataDir: await tempDir("clickhouse-outage") });
    const ch = writerClient(host);
    const { migrateForTests } = await import("../testing/stack.ts");
    await migrateForTests(ch);
    await createInsertAudit(ch);
    const { js } = await jetStreamFor(nc);
    sink = await startSink(sinkConfigFor(stack.nats.url, host, { durable: cfg.durable }));
    await publishEvents(
      js,
      Array.from({ length: 200 }, (_, i) => sampleCallAnswered(i)),
    );
    await waitFor(
      "first rows",
      () => countEvents(ch),
      (c) => c.rows === 200,
    );

    await host.stop();
    await publishEvents(
      js,
      Array.from({ length: 3_000 }, (_, i) => sampleCallAnswered(1_000 + i)),
    );
    await waitFor(
      "failed inserts",
      async () => sink?.stats(),
      (s) => (s?.insertFailures ?? 0) >= 3,
    );
    const during = await fetch(`http://127.0.0.1:${sink.httpPort}/health`);
    expect(during.status).toBe(503);
    expect(await during.json()).toMatchObject({ ok: false, clickhouse: { reachable: false } });

    const back = await startClickHouseHost({ port: host.port, dataDir: host.dataDir });
    try {
      // Inserts return after the MVs wrote too; row visibility alone can run ahead of the audit.
      await waitFor(
        "all inserted",
        async () => sink?.stats(),
        (s) => (s?.inserted ?? 0) >= 3_200,
      );
      expect(await countEvents(ch)).toEqual({ rows: 3_200, ids: 3_200 });
      expect(await countInserted(ch)).toEqual({ rows: 3_200, ids: 3_200 });
    } finally {
      await sink.stop();
      sink = undefined;
      await ch.close();
      await back.stop();
    }
  });

  it("SIGTERM: the spawned sink flushes what it holds, acks, and exits 0", async () => {
    const { js, jsm } = await jetStreamFor(nc);
    const proc = await spawnSink({ ...cfg, batchSize: 5_000, batchMs: 2_000 });
    try {
      await publishEvents(
        js,
        Array.from({ length: 1_500 }, (_, i) => sampleCallAnswered(i)),
      );
      // Give the sink the messages, but stop it before its 2 s batch timer fires.
      await waitFor(
        "delivered",
        () => jsm.consumers.info(EVENTS_STREAM, cfg.durable),
        (ci) => ci.num_pending === 0,
      );
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    } finally {
      await proc.stop();
    }
    expect(await countEvents(stack.ch)).toEqual({ rows: 1_500, ids: 1_500 });
    expect(await countInserted(stack.ch)).toEqual({ rows: 1_500, ids: 1_500 });
    const ci = await jsm.consumers.info(EVENTS_STREAM, cfg.durable);
    expect(ci.num_ack_pending).toBe(0);
  });
});
