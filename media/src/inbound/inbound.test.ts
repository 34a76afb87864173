import { describe, expect, it } from "vitest";
import { buildRtp, parseRtp } from "../rtp/rtp.ts";
import { InboundConfig } from "./config.ts";
import { normalisePhone } from "./directory.ts";
import { DtmfDecoder, digitOf, eventOf, telephoneEventPayloads } from "./dtmf.ts";
import { numberWords } from "./prompts.ts";

const packet = (payload: Buffer, timestamp: number, pt = 101) =>
  parseRtp(buildRtp({ payloadType: pt, marker: false, seq: 1, timestamp, ssrc: 7, payload }))!;

describe("RFC 4733 DTMF", () => {
  it("reports each key press once across its repeated and end packets", () => {
    const d = new DtmfDecoder([101]);
    const out: string[] = [];
    for (const [i, digit] of ["1", "#", "1"].entries())
      for (const p of telephoneEventPayloads(digit, 120)) {
        const r = d.push(packet(p, 1000 + i * 2000));
        if (r) out.push(r);
      }
    expect(out).toEqual(["1", "#", "1"]);
  });

  it("ignores audio payload types and short payloads", () => {
    const d = new DtmfDecoder([101]);
    expect(d.push(packet(Buffer.alloc(160), 5, 0))).toBeNull();
    expect(d.push(packet(Buffer.alloc(2), 6))).toBeNull();
  });

  it("builds events with growing duration and three end packets", () => {
    const ps = telephoneEventPayloads("5", 100);
    expect(ps.map((p) => p[0])).toEqual(Array(ps.length).fill(5));
    expect(ps.filter((p) => (p[1]! & 0x80) !== 0)).toHaveLength(3);
    expect(ps.at(-1)!.readUInt16BE(2)).toBe(800);
    expect([digitOf(10), digitOf(11), digitOf(16)]).toEqual(["*", "#", null]);
    expect(() => eventOf("x")).toThrow();
  });
});

describe("caller id normalisation", () => {
  it.each([
    ["+8613800138000", "+8613800138000"],
    ["13800138000", "+8613800138000"],
    ["008613800138000", "+8613800138000"],
    ["02150501234", "+862150501234"],
    ["sip:+8613800138000@10.0.0.1;user=phone", "+8613800138000"],
    ["8613800138000", "+8613800138000"],
    ["anonymous", "anonymous"],
  ])("%s → %s", (raw, want) => {
    expect(normalisePhone(raw)).toBe(want);
  });
});

describe("inbound config", () => {
  it("fills defaults and accepts a menu tree", () => {
    const c = InboundConfig.parse({
      numbers: { "4001": { type: "menu", menu: "main" } },
      menus: { main: { prompt: "/p.wav", options: { "1": { type: "queue", queue: "sales" } } } },
      queues: { sales: {} },
    });
    expect(c.menus.main!.timeout_s).toBe(5);
    expect(c.menus.main!.on_timeout).toEqual({ type: "hangup" });
    expect(c.queues.sales!.announce_every_s).toBe(30);
    expect(c.sticky_s).toBe(20);
  });

  it("refuses a key that is not a DTMF digit", () => {
    const r = InboundConfig.safeParse({
      numbers: {},
      menus: { m: { prompt: "/p.wav", options: { x: { type: "hangup" } } } },
    });
    expect(r.error?.issues.map((i) => i.path.join("."))).toEqual(["menus.m.options.x"]);
  });

  it("names every dangling reference", () => {
    const r = InboundConfig.safeParse({
      numbers: { "4001": { type: "menu", menu: "nope" } },
      menus: {
        m: {
          prompt: "/p.wav",
          options: { "1": { type: "queue", queue: "q" }, "2": { type: "menu", menu: "zz" } },
        },
      },
      queues: { q: { overflow: { after_s: 5, to: "gone" } } },
    });
    expect(r.success).toBe(false);
    const paths = r.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(
      expect.arrayContaining(["numbers.4001", "menus.m.options.2", "queues.q.overflow.to"]),
    );
  });
});

describe("spoken numbers", () => {
  it("says 0–99 from clips in English and Chinese", () => {
    expect(numberWords(7, "en")).toEqual(["en_seven"]);
    expect(numberWords(42, "en")).toEqual(["en_forty", "en_two"]);
    expect(numberWords(140, "en")).toEqual(["en_ninety", "en_nine"]);
    expect(numberWords(10, "zh")).toEqual(["zh_10"]);
    expect(numberWords(15, "zh")).toEqual(["zh_10", "zh_5"]);
    expect(numberWords(32, "zh")).toEqual(["zh_3", "zh_10", "zh_2"]);
  });
});
