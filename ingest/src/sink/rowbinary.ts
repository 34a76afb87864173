// RowBinary encoding of `events` rows (analytics/migrations/001_events.sql), the sink's insert
// format: ClickHouse reads it without parsing text (no JSON tokenizing, no date parsing), and
// the body is ~40 % smaller than JSONEachRow. Column order is EVENT_COLUMNS; ingested_at takes
// its table default. Types: UUID = two little-endian UInt64 halves; LowCardinality(String) and
// String = LEB128 length + UTF-8 bytes; DateTime64(3) = Int64 milliseconds; UInt16/UInt64 LE.
import type { EventRow } from "./rows.ts";

export const EVENT_COLUMNS = [
  "event_id",
  "kind",
  "org_id",
  "occurred_at",
  "schema_version",
  "campaign_id",
  "attempt_id",
  "lead_id",
  "agent_id",
  "payload",
  "stream_seq",
] as const;

const HEX: Record<string, number> = {};
for (let i = 0; i < 16; i++) {
  HEX[i.toString(16)] = i;
  HEX[i.toString(16).toUpperCase()] = i;
}

/** A growable write buffer; one per batch. */
class RowWriter {
  buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  varUInt(v: number): void {
    this.room(5);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.at++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.at++] = x;
  }
  string(s: string): void {
    const len = Buffer.byteLength(s, "utf8");
    this.varUInt(len);
    this.room(len);
    this.at += this.buf.write(s, this.at, len, "utf8");
  }
  uint16(v: number): void {
    this.room(2);
    this.at = this.buf.writeUInt16LE(v, this.at);
  }
  /** Non-negative integers up to 2^53: low and high 32-bit words, little-endian. */
  uint64(v: number): void {
    this.room(8);
    this.at = this.buf.writeUInt32LE(v % 0x1_0000_0000, this.at);
    this.at = this.buf.writeUInt32LE(Math.floor(v / 0x1_0000_0000), this.at);
  }
  int64(v: number): void {
    this.room(8);
    const lo = v % 0x1_0000_0000;
    const hi = Math.floor(v / 0x1_0000_0000);
    this.at = this.buf.writeUInt32LE(lo < 0 ? lo + 0x1_0000_0000 : lo, this.at);
    this.at = this.buf.writeInt32LE(hi, this.at);
  }
  /** ClickHouse stores a UUID as two UInt64 (high, low half), each little-endian. */
  uuid(id: string): void {
    const hex = id.replace(/-/g, "");
    if (hex.length !== 32) throw new Error(`not a UUID: '${id}'`);
    this.room(16);
    for (let half = 0; half < 2; half++) {
      for (let i = 0; i < 8; i++) {
        const j = half * 16 + (7 - i) * 2;
        const hi = HEX[hex[j] as string];
        const lo = HEX[hex[j + 1] as string];
        if (hi === undefined || lo === undefined) throw new Error(`not a UUID: '${id}'`);
        this.buf[this.at++] = (hi << 4) | lo;
      }
    }
  }
}

/** '2026-01-31 08:00:00.123' (UTC, as toClickHouseDateTime64 writes it) → epoch milliseconds. */
function epochMs(chDateTime: string): number {
  const ms = Date.parse(`${chDateTime.slice(0, 10)}T${chDateTime.slice(11)}Z`);
  if (Number.isNaN(ms)) throw new Error(`not a DateTime64: '${chDateTime}'`);
  return ms;
}

/** The rows as one RowBinary body, columns in EVENT_COLUMNS order. */
export function encodeRowBinary(rows: readonly EventRow[]): Buffer {
  const w = new RowWriter(Math.max(4_096, rows.length * 512));
  for (const r of rows) {
    w.uuid(r.event_id);
    w.string(r.kind);
    w.string(r.org_id);
    w.int64(epochMs(r.occurred_at));
    w.uint16(r.schema_version);
    w.string(r.campaign_id);
    w.string(r.attempt_id);
    w.string(r.lead_id);
    w.string(r.agent_id);
    w.string(r.payload);
    w.uint64(r.stream_seq);
  }
  return w.buf.subarray(0, w.at);
}
