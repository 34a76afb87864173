// Native output at a client's protocol revision (`client_protocol_version`, which clickhouse-go
// sends over HTTP). ClickHouse writes Native blocks with the block info header (revision > 0) and
// a per-column "custom serialization" flag (revision ≥ 54454); the embedded engine only writes
// revision 0 and has no setting for it. So the host re-frames each block: it must find where
// every column's data ends, which needs the size rules of the column types below. A type
// without such a rule gets a clear error naming it rather than a corrupt stream.
import { ClickHouseHttpError } from "./errors.ts";

const WITH_CUSTOM_SERIALIZATION = 54454;

const FIXED: Readonly<Record<string, number>> = {
  UInt8: 1,
  Int8: 1,
  Bool: 1,
  Nothing: 1,
  Enum8: 1,
  UInt16: 2,
  Int16: 2,
  Date: 2,
  Enum16: 2,
  BFloat16: 2,
  UInt32: 4,
  Int32: 4,
  Float32: 4,
  Date32: 4,
  DateTime: 4,
  IPv4: 4,
  Decimal32: 4,
  Time: 4,
  UInt64: 8,
  Int64: 8,
  Float64: 8,
  DateTime64: 8,
  Decimal64: 8,
  Time64: 8,
  UInt128: 16,
  Int128: 16,
  UUID: 16,
  IPv6: 16,
  Decimal128: 16,
  UInt256: 32,
  Int256: 32,
  Decimal256: 32,
};

interface TypeNode {
  readonly name: string;
  readonly args: string[];
}

/** `Map(String, Array(UInt8))` → { name: "Map", args: ["String", "Array(UInt8)"] }. */
function parseType(type: string): TypeNode {
  const t = type.trim();
  const open = t.indexOf("(");
  if (open < 0 || !t.endsWith(")")) return { name: t, args: [] };
  const args: string[] = [];
  let depth = 0;
  let quote = false;
  let from = open + 1;
  for (let i = from; i < t.length - 1; i++) {
    const c = t[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === "'") quote = false;
    } else if (c === "'") quote = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      args.push(t.slice(from, i).trim());
      from = i + 1;
    }
  }
  args.push(t.slice(from, t.length - 1).trim());
  return { name: t.slice(0, open).trim(), args };
}

/** A Tuple element may be named: `call_id UInt64` → `UInt64`. */
function tupleElementType(arg: string): string {
  const m = /^[A-Za-z_][A-Za-z0-9_]*\s+([A-Za-z].*)$/s.exec(arg);
  return m && !/^[A-Za-z0-9_]+\(/.test(arg) ? m[1]! : arg;
}

class Reader {
  readonly buf: Buffer;
  at = 0;
  constructor(buf: Buffer) {
    this.buf = buf;
  }
  need(n: number): void {
    if (this.at + n > this.buf.length) throw new Error("truncated Native data");
  }
  varUInt(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      this.need(1);
      const b = this.buf[this.at++]!;
      v += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return v;
      shift += 7;
    }
  }
  string(): string {
    const n = this.varUInt();
    this.need(n);
    const s = this.buf.toString("utf8", this.at, this.at + n);
    this.at += n;
    return s;
  }
  skip(n: number): void {
    this.need(n);
    this.at += n;
  }
  u64(): number {
    this.need(8);
    const v = Number(this.buf.readBigUInt64LE(this.at));
    this.at += 8;
    return v;
  }
}

function unsupported(type: string): ClickHouseHttpError {
  return ClickHouseHttpError.of(
    "NOT_IMPLEMENTED",
    `The embedded host cannot send a ${type} column in Native format at client_protocol_version > 0 (clickhouse-go over HTTP); CAST it, e.g. toString(...), or use another format`,
  );
}

function decimalWidth(precision: number): number {
  if (precision <= 9) return 4;
  if (precision <= 18) return 8;
  if (precision <= 38) return 16;
  return 32;
}

/** Moves the reader past `rows` values of `type` (revision 0 layout). */
function skipColumn(r: Reader, type: string, rows: number): void {
  const t = parseType(type);
  const fixed = FIXED[t.name];
  if (fixed !== undefined) {
    r.skip(fixed * rows);
    return;
  }
  switch (t.name) {
    case "String":
      for (let i = 0; i < rows; i++) r.skip(r.varUInt());
      return;
    case "FixedString":
      r.skip(Number(t.args[0]) * rows);
      return;
    case "Decimal":
      r.skip(decimalWidth(Number(t.args[0])) * rows);
      return;
    case "Nullable":
      r.skip(rows);
      skipColumn(r, t.args[0]!, rows);
      return;
    case "SimpleAggregateFunction":
      skipColumn(r, t.args[t.args.length - 1]!, rows);
      return;
    case "Array":
    case "Map": {
      let last = 0;
      for (let i = 0; i < rows; i++) last = r.u64();
      // Map(K, V) is Array(Tuple(K, V)): offsets, then all keys, then all values.
      for (const inner of t.name === "Array" ? [t.args[0]!] : [t.args[0]!, t.args[1]!]) {
        skipColumn(r, inner, last);
      }
      return;
    }
    case "Tuple":
      for (const arg of t.args) skipColumn(r, tupleElementType(arg), rows);
      return;
    case "LowCardinality":
      skipLowCardinality(r, t.args[0]!, rows);
      return;
    default:
      throw unsupported(type);
  }
}

// LowCardinality: key-version prefix, then index flags, optional dictionary keys, indexes.
function skipLowCardinality(r: Reader, inner: string, rows: number): void {
  if (rows === 0) return;
  r.u64(); // keys serialization version
  const flags = r.u64();
  const hasAdditionalKeys = (flags & (1 << 9)) !== 0;
  if (flags & (1 << 8)) throw unsupported(`LowCardinality(${inner}) with a global dictionary`);
  const indexWidth = [1, 2, 4, 8][flags & 0xff];
  if (indexWidth === undefined) throw new Error("bad LowCardinality index type");
  if (hasAdditionalKeys) {
    const keys = r.u64();
    const dictType = parseType(inner).name === "Nullable" ? parseType(inner).args[0]! : inner;
    skipColumn(r, dictType, keys);
  }
  r.skip(indexWidth * r.u64());
}

const BLOCK_INFO = Buffer.from([1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0]); // overflows=0, bucket=-1, end

/** Native (revision 0) → Native at `revision`. */
export function nativeAtRevision(payload: Buffer, revision: number): Buffer {
  if (revision <= 0 || payload.length === 0) return payload;
  const r = new Reader(payload);
  const parts: Buffer[] = [];
  const flag = Buffer.from([0]);
  while (r.at < payload.length) {
    const blockStart = r.at;
    const cols = r.varUInt();
    const rows = r.varUInt();
    parts.push(BLOCK_INFO, payload.subarray(blockStart, r.at));
    for (let c = 0; c < cols; c++) {
      const headStart = r.at;
      r.string();
      const type = r.string();
      parts.push(payload.subarray(headStart, r.at));
      if (revision >= WITH_CUSTOM_SERIALIZATION) parts.push(flag);
      const dataStart = r.at;
      if (rows > 0) skipColumn(r, type, rows);
      parts.push(payload.subarray(dataStart, r.at));
    }
  }
  return Buffer.concat(parts);
}
