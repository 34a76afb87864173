import { compressFrameSync } from "lz4-napi";
import { describe, expect, it } from "vitest";
import { lz4FramesBound } from "./compression.ts";
import { needsSpool, withInfile } from "./insert-spool.ts";
import { nativeAtRevision } from "./native-revision.ts";
import { parseSessionTimeout } from "./sessions.ts";

const str = (s: string) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)]);

describe("binary INSERT bodies", () => {
  it("puts FROM INFILE before SETTINGS or FORMAT", () => {
    expect(withInfile("INSERT INTO calls (a, b) FORMAT Native", "/tmp/x.bin")).toBe(
      "INSERT INTO calls (a, b) FROM INFILE '/tmp/x.bin' FORMAT Native",
    );
    expect(withInfile("INSERT INTO calls SETTINGS async_insert=1 FORMAT RowBinary", "/t/y")).toBe(
      "INSERT INTO calls FROM INFILE '/t/y' SETTINGS async_insert=1 FORMAT RowBinary",
    );
    expect(() => withInfile("INSERT INTO calls VALUES", "/t")).toThrow(/FORMAT <name>/);
  });

  it("spools binary formats and bodies the engine cannot read inline", () => {
    expect(needsSpool("Native", Buffer.from("abc"))).toBe(true);
    expect(needsSpool("JSONEachRow", Buffer.from('{"a":1}'))).toBe(false);
    expect(needsSpool("TSV", Buffer.from([0x61, 0x00]))).toBe(true);
    expect(needsSpool("TSV", Buffer.from([0xff, 0xfe]))).toBe(true);
    expect(needsSpool("Native", Buffer.alloc(0))).toBe(false);
  });
});

describe("lz4 frames", () => {
  it("bounds the decompressed size from the frame headers", () => {
    const raw = Buffer.alloc(1 << 20, 7);
    const frame = compressFrameSync(raw);
    const bound = lz4FramesBound(frame);
    expect(bound).toBeGreaterThanOrEqual(raw.length);
    expect(bound).toBeLessThan(raw.length + (4 << 20) + 1);
    expect(() => lz4FramesBound(Buffer.from("not lz4 at all"))).toThrow(/magic/);
    expect(() => lz4FramesBound(frame.subarray(0, frame.length - 6))).toThrow(/truncated/);
  });
});

describe("Native at a client revision", () => {
  // One block, 2 rows: n UInt32, s String, a Array(UInt8), l LowCardinality(String).
  const block = Buffer.concat([
    Buffer.from([4, 2]),
    str("n"),
    str("UInt32"),
    Buffer.from([1, 0, 0, 0, 2, 0, 0, 0]),
    str("s"),
    str("String"),
    str("ab"),
    str(""),
    str("a"),
    str("Array(UInt8)"),
    Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 9, 8, 7]),
    str("l"),
    str("LowCardinality(String)"),
    Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]), // keys version
    Buffer.from([0, 2, 0, 0, 0, 0, 0, 0]), // UInt8 indexes, has additional keys
    Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]),
    str("x"),
    Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  ]);

  it("adds the block info and one custom-serialization flag per column", () => {
    const out = nativeAtRevision(Buffer.concat([block, block]), 54460);
    const info = Buffer.from([1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0]);
    expect(out.length).toBe(2 * (block.length + info.length + 4));
    expect(out.subarray(0, 8)).toEqual(info);
    // after the info: counts, then the first column's name and type, then the flag 0
    expect(out.subarray(8, 10)).toEqual(Buffer.from([4, 2]));
    expect(out[10 + 2 + 7]).toBe(0);
    expect(nativeAtRevision(block, 0)).toBe(block);
  });

  it("refuses a column type it cannot size, naming it", () => {
    const dyn = Buffer.concat([Buffer.from([1, 1]), str("d"), str("Dynamic"), Buffer.from([0])]);
    expect(() => nativeAtRevision(dyn, 54460)).toThrow(/Dynamic column/);
  });
});

describe("session_timeout", () => {
  const limits = { defaultTimeoutS: 60, maxTimeoutS: 3600, maxSessions: 4 };
  it("parses like ClickHouse", () => {
    expect(parseSessionTimeout(null, limits)).toBe(60);
    expect(parseSessionTimeout("0", limits)).toBe(0);
    expect(parseSessionTimeout("3600", limits)).toBe(3600);
    expect(() => parseSessionTimeout("3601", limits)).toThrow(/larger than max_session_timeout: 3600/);
    expect(() => parseSessionTimeout("-1", limits)).toThrow(/Invalid session timeout: '-1'/);
  });
});
