import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeEventBatch, makeEvent } from "../contracts/index.ts";
import { sampleCallAnswered } from "../testing/events.ts";
import { classify, deadLetterFor, type Invalid } from "./classify.ts";
import { dedupTokenFor, eventToRow, toClickHouseDateTime64 } from "./rows.ts";

describe("event → row", () => {
  it("formats occurred_at for DateTime64(3, 'UTC') and keeps the whole event as payload", () => {
    expect(toClickHouseDateTime64("2026-01-31T08:00:00.123Z")).toBe("2026-01-31 08:00:00.123");
    const e = sampleCallAnswered(3);
    const row = eventToRow(e, 77);
    expect(row).toMatchObject({
      event_id: e.id,
      kind: "call.answered",
      stream_seq: 77,
      agent_id: "",
      lead_id: "lead-3",
    });
    expect(JSON.parse(row.payload)).toEqual(e);
    const agentEvent = makeEvent({ kind: "agent.logout", org_id: "acme", agent_id: "ag-1" });
    expect(eventToRow(agentEvent, 1)).toMatchObject({ agent_id: "ag-1", campaign_id: "", attempt_id: "" });
  });
  it("dedup token depends on the set of ids only", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 30 }), (ids) => {
        const shuffled = [...ids].reverse();
        expect(dedupTokenFor(shuffled)).toBe(dedupTokenFor(ids));
        expect(dedupTokenFor(ids.slice(1))).not.toBe(dedupTokenFor(ids));
      }),
    );
  });
});

describe("classify and dead letters", () => {
  const msg = (data: Uint8Array | string, subject = "cc.events.acme.call.answered._") => ({
    data: typeof data === "string" ? new TextEncoder().encode(data) : data,
    subject,
    seq: 9,
    info: { deliveryCount: 1 } as never,
  });
  it("accepts a valid event on its org's subject", () => {
    const e = sampleCallAnswered(1);
    expect(classify(msg(JSON.stringify(e)))).toEqual([{ ok: true, event: e }]);
  });
  it("names the reason and the fields", () => {
    expect(classify(msg("nope"))).toMatchObject([{ reason: "invalid_json" }]);
    expect(classify(msg(JSON.stringify({ kind: "call.nope" })))).toMatchObject([{ reason: "invalid_event" }]);
    expect(
      classify(msg(JSON.stringify(sampleCallAnswered(1)), "cc.events.globex.call.answered._")),
    ).toMatchObject([{ reason: "subject_mismatch" }]);
  });
  it("takes a batch message apart: each element valid or dead-lettered on its own, with its position", () => {
    const [a, b] = [sampleCallAnswered(1), sampleCallAnswered(2)];
    const foreign = { ...sampleCallAnswered(3), org_id: "globex" };
    const m = msg(encodeEventBatch([a, { kind: "call.nope" }, b, foreign].map((e) => JSON.stringify(e))));
    const c = classify(m);
    expect(c.map((x) => ("ok" in x ? x.event.id : (x as Invalid).reason))).toEqual([
      a.id,
      "invalid_event",
      b.id,
      "subject_mismatch",
    ]);
    const letters = c.filter((x): x is Invalid => !("ok" in x)).map((bad) => deadLetterFor(m as never, bad));
    expect(letters).toMatchObject([
      { batch_index: 1, raw: JSON.stringify({ kind: "call.nope" }), reason: "invalid_event" },
      { batch_index: 3, reason: "subject_mismatch" },
    ]);
    expect(JSON.parse(letters[1]!.raw)).toMatchObject({ id: foreign.id, org_id: "globex" });
    expect(classify(msg("[]"))).toMatchObject([{ reason: "invalid_json" }]);
  });
  it("keeps the raw body, base64 when it is not UTF-8", () => {
    const m = msg(new Uint8Array([0xc3, 0x28]));
    const [c] = classify(m);
    if (!c || "ok" in c) throw new Error("expected invalid");
    expect(deadLetterFor(m as never, c)).toMatchObject({
      raw_encoding: "base64",
      raw: "wyg=",
      stream_seq: 9,
    });
  });
});
