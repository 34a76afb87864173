import { describe, expect, it } from "vitest";
import { cadence, concat, music, Rng, type Signal, silence, speak, toInt16, tone } from "./corpus/audio.ts";
import { g711RoundTrip } from "./g711.ts";
import {
  BeepDetector,
  CallProgressDetector,
  type CallProgressTone,
  FaxDetector,
  type FaxTone,
  FRAME_SAMPLES,
  FrameAnalyzer,
} from "./tones.ts";

/** Runs early-media detectors over a signal (through μ-law, as on the wire). */
function run(sig: Signal) {
  const pcm = g711RoundTrip("PCMU", toInt16(sig));
  const fa = new FrameAnalyzer();
  const progress = new CallProgressDetector();
  const fax = new FaxDetector();
  const beep = new BeepDetector();
  const tones: { t: number; v: CallProgressTone }[] = [];
  const faxes: { t: number; v: FaxTone }[] = [];
  const beeps: { t: number; hz: number }[] = [];
  for (let i = 0; i + FRAME_SAMPLES <= pcm.length; i += FRAME_SAMPLES) {
    const f = fa.analyze(pcm.subarray(i, i + FRAME_SAMPLES));
    const t = (i + FRAME_SAMPLES) / 8;
    const p = progress.push(f);
    if (p) tones.push({ t, v: p });
    const x = fax.push(f, f.levelDb < -50);
    if (x) faxes.push({ t, v: x });
    const b = beep.push(f);
    if (b) beeps.push({ t, hz: b.hz });
  }
  return { tones, faxes, beeps, finals: tones.filter((x) => x.v.kind !== "ringback") };
}

const lvl = -20;

describe("call progress tones", () => {
  it.each([
    ["IC", [913.8, 1370.6, 1776.7], [274, 274, 380]],
    ["NC", [913.8, 1370.6, 1776.7], [380, 380, 380]],
    ["VC", [985.2, 1370.6, 1776.7], [380, 274, 380]],
    ["RO", [985.2, 1370.6, 1776.7], [274, 380, 380]],
    ["itu", [950, 1400, 1800], [330, 330, 330]],
  ] as const)("SIT %s is recognised with its code, during the third segment", (code, hz, ms) => {
    const sig = concat(
      silence(300),
      ...hz.map((h, k) => tone({ hz: [h], levelDb: lvl }, ms[k]!)),
      silence(500),
    );
    const r = run(sig);
    expect(r.finals).toHaveLength(1);
    expect(r.finals[0]!.v).toMatchObject({ kind: "sit", code });
    expect(r.finals[0]!.t).toBeLessThan(300 + ms[0]! + ms[1]! + ms[2]!);
  });

  it.each([
    ["busy", "cn", [450], [350, 350]],
    ["congestion", "cn", [450], [700, 700]],
    ["busy", "us", [480, 620], [500, 500]],
    ["congestion", "us", [480, 620], [250, 250]],
  ] as const)("%s (%s plan) from its cadence", (kind, plan, hz, pattern) => {
    for (const offset of [0, 123, 444]) {
      const r = run(cadence({ hz: [...hz], levelDb: lvl }, [...pattern], 6000, offset));
      // Detectors report every matching cycle; the analyzer keeps the first. None may disagree.
      expect(new Set(r.finals.map((x) => JSON.stringify(x.v)))).toEqual(
        new Set([JSON.stringify({ kind, plan })]),
      );
    }
  });

  it.each([
    ["cn", [450], [1000, 4000]],
    ["us", [440, 480], [2000, 4000]],
  ] as const)("ringback (%s) is informational and never busy/congestion", (plan, hz, pattern) => {
    const r = run(cadence({ hz: [...hz], levelDb: lvl }, [...pattern], 14000, 200));
    expect(r.finals).toEqual([]);
    expect(r.tones.some((x) => x.v.kind === "ringback" && x.v.plan === plan)).toBe(true);
  });

  it("fax CED decides within a second, ANSam is told apart by its 15 Hz modulation", () => {
    const ced = run(concat(silence(300), tone({ hz: [2100], levelDb: lvl }, 3000)));
    expect(ced.faxes[0]?.v).toEqual({ kind: "fax", tone: "ced" });
    expect(ced.faxes[0]!.t - 300).toBeLessThanOrEqual(1000);
    const ansam = run(
      concat(
        silence(300),
        tone({ hz: [2100], levelDb: lvl, am: { hz: 15, depth: 0.2 }, reversalMs: 450 }, 3000),
      ),
    );
    expect(ansam.faxes[0]?.v).toEqual({ kind: "modem", tone: "ansam" });
    expect(ansam.faxes[0]!.t - 300).toBeLessThanOrEqual(1000);
  });

  it("fax CNG: a 0.5 s 1100 Hz burst followed by quiet", () => {
    const r = run(cadence({ hz: [1100], levelDb: lvl }, [500, 3000], 7000));
    expect(r.faxes.length).toBeGreaterThan(0);
    expect(r.faxes.every((x) => x.v.kind === "fax" && x.v.tone === "cng")).toBe(true);
    expect(r.faxes[0]!.t).toBeLessThan(2000);
  });

  it("a beep is one steady tone of 100–1500 ms; a 2 s tone is not a beep", () => {
    for (const [hz, ms] of [
      [440, 150],
      [1000, 500],
      [1800, 1200],
    ] as const) {
      const r = run(concat(silence(200), tone({ hz: [hz], levelDb: lvl }, ms), silence(300)));
      expect(r.beeps).toHaveLength(1);
      expect(Math.abs(r.beeps[0]!.hz - hz)).toBeLessThan(10);
    }
  });
});

describe("negatives: speech and music are not tones", () => {
  const rng = new Rng("tones-negatives");
  const voices = [
    { voice: "cmn", text: "您好，我现在不方便接听电话。请在提示音后留言，我会尽快给您回电。" },
    { voice: "cmn+f3", text: "喂，你好，请问哪位？喂？" },
    {
      voice: "en-us",
      text: "Hi, you have reached Mary. I can't take your call right now. Please leave a message after the beep.",
    },
    { voice: "en-gb+f2", text: "Hello, this is John speaking, who is this?" },
  ];
  it.each(voices)("speech ($voice) never triggers SIT, busy, congestion or fax", ({ voice, text }) => {
    for (const speed of [130, 175, 230]) {
      const r = run(concat(silence(200), speak({ voice, text, speed, pitch: 50 }), silence(200)));
      expect(r.finals).toEqual([]);
      expect(r.faxes).toEqual([]);
    }
  });

  it("music (hold music, colour ring-back tones) triggers nothing", () => {
    for (let i = 0; i < 4; i++) {
      const r = run(music(rng, 10000, -20));
      expect(r.finals).toEqual([]);
      expect(r.faxes).toEqual([]);
    }
  });
});
