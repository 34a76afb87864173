import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  alawDecode,
  alawEncode,
  alawToLinear,
  bytesToPcm,
  g711RoundTrip,
  linearToAlaw,
  linearToUlaw,
  pcmToBytes,
  ulawDecode,
  ulawEncode,
  ulawToLinear,
} from "./g711.ts";

describe("G.711", () => {
  it("matches the reference vectors", () => {
    expect(linearToUlaw(0)).toBe(0xff);
    expect(linearToUlaw(-1)).toBe(0x7f);
    expect(linearToUlaw(32767)).toBe(0x80);
    expect(linearToUlaw(-32768)).toBe(0x00);
    expect(ulawToLinear(0x80)).toBe(32124);
    expect(ulawToLinear(0x00)).toBe(-32124);
    expect(linearToAlaw(0)).toBe(0xd5);
    expect(linearToAlaw(-1)).toBe(0x55);
    expect(linearToAlaw(32767)).toBe(0xaa);
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0xaa)).toBe(32256);
  });

  it("decodes every code word back to itself (except μ-law's negative zero)", () => {
    for (let b = 0; b < 256; b++) {
      if (b !== 0x7f) expect(linearToUlaw(ulawToLinear(b))).toBe(b);
      expect(linearToAlaw(alawToLinear(b))).toBe(b);
    }
  });

  it("round-trips any sample within half a quantisation step of its segment", () => {
    fc.assert(
      fc.property(fc.integer({ min: -32768, max: 32767 }), (s) => {
        const mag = Math.abs(s);
        // The step doubles per segment, so half a step is at most about |s|/32 (plus the bias for
        // μ-law, the linear first segment for A-law); μ-law also clips above 32124.
        const ulawErr = Math.abs(ulawToLinear(linearToUlaw(s)) - s);
        const alawErr = Math.abs(alawToLinear(linearToAlaw(s)) - s);
        expect(ulawErr).toBeLessThanOrEqual(Math.max(mag / 32 + 9, mag - 32124 + 1));
        expect(alawErr).toBeLessThanOrEqual(mag / 32 + 16);
      }),
      { numRuns: 5000 },
    );
  });

  it("array codecs agree with the scalar ones and keep the frame length", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 400 }), (xs) => {
        const pcm = Int16Array.from(xs);
        const u = ulawEncode(pcm);
        const a = alawEncode(pcm);
        expect(u.length).toBe(pcm.length);
        expect(Array.from(ulawDecode(u))).toEqual(xs.map((x) => ulawToLinear(linearToUlaw(x))));
        expect(Array.from(alawDecode(a))).toEqual(xs.map((x) => alawToLinear(linearToAlaw(x))));
        expect(Array.from(g711RoundTrip("PCMA", pcm))).toEqual(Array.from(alawDecode(a)));
      }),
    );
  });

  it("PCM <-> little-endian bytes is lossless", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 300 }), (xs) => {
        const pcm = Int16Array.from(xs);
        const bytes = pcmToBytes(pcm);
        expect(bytes.length).toBe(2 * xs.length);
        if (xs.length > 0) expect(bytes[0]).toBe(xs[0]! & 0xff);
        expect(Array.from(bytesToPcm(bytes))).toEqual(xs);
      }),
    );
  });
});
