import { describe, expect, it } from "vitest";
import { encodeRowBinary } from "./rowbinary.ts";
import type { EventRow } from "./rows.ts";

const row: EventRow = {
  event_id: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
  kind: "call.answered",
  org_id: "acme",
  occurred_at: "2026-01-31 08:00:00.123",
  schema_version: 1,
  campaign_id: "spring",
  attempt_id: "",
  lead_id: "lead-é",
  agent_id: "",
  payload: "{}",
  stream_seq: 2 ** 40 + 7,
};

describe("RowBinary encoding of events rows", () => {
  it("writes the columns in table order with ClickHouse's binary layouts", () => {
    const b = encodeRowBinary([row]);
    // UUID: each 8-byte half reversed (two little-endian UInt64).
    expect(b.subarray(0, 16).toString("hex")).toBe("5f7ed4c3b2a190015b4a3f2e1d0c9b8a");
    let at = 16;
    const str = () => {
      const len = b[at++] as number; // all strings here are shorter than 128 bytes
      const s = b.subarray(at, at + len).toString("utf8");
      at += len;
      return s;
    };
    expect(str()).toBe("call.answered");
    expect(str()).toBe("acme");
    expect(b.readBigInt64LE(at)).toBe(BigInt(Date.parse("2026-01-31T08:00:00.123Z")));
    at += 8;
    expect(b.readUInt16LE(at)).toBe(1);
    at += 2;
    expect([str(), str(), str(), str(), str()]).toEqual(["spring", "", "lead-é", "", "{}"]);
    expect(b.readBigUInt64LE(at)).toBe(BigInt(2 ** 40 + 7));
    expect(at + 8).toBe(b.length);
  });

  it("a string of 300 bytes gets a two-byte LEB128 length; a bad id or date is refused", () => {
    const long = encodeRowBinary([{ ...row, kind: "x".repeat(300) }]);
    expect([long[16], long[17]]).toEqual([0xac, 0x02]);
    expect(() => encodeRowBinary([{ ...row, event_id: "not-a-uuid" }])).toThrow(/UUID/);
    expect(() => encodeRowBinary([{ ...row, occurred_at: "yesterday" }])).toThrow(/DateTime64/);
  });
});
