import { describe, expect, it } from "vitest";
import {
  addNoiseAtSnr,
  concat,
  mixAt,
  type NoiseColour,
  noise,
  Rng,
  type Signal,
  silence,
  speak,
  toInt16,
  tone,
} from "./corpus/audio.ts";
import { g711RoundTrip } from "./g711.ts";
import { FRAME_SAMPLES, FrameAnalyzer } from "./tones.ts";
import { type FrameClass, Vad } from "./vad.ts";

/** Frame classes of a signal through PCMA (A-law is the harsher one at low levels). */
function classes(sig: Signal): FrameClass[] {
  const pcm = g711RoundTrip("PCMA", toInt16(sig));
  const fa = new FrameAnalyzer();
  const vad = new Vad();
  const out: FrameClass[] = [];
  for (let i = 0; i + FRAME_SAMPLES <= pcm.length; i += FRAME_SAMPLES) {
    const frame = pcm.subarray(i, i + FRAME_SAMPLES);
    out.push(vad.classify(fa.analyze(frame), frame));
  }
  return out;
}
const share = (xs: FrameClass[], c: FrameClass) => xs.filter((x) => x === c).length / Math.max(1, xs.length);
/** Longest run of consecutive frames of class c. */
function longestRun(xs: FrameClass[], c: FrameClass): number {
  let best = 0;
  let run = 0;
  for (const x of xs) {
    run = x === c ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}
/** Frames of [fromMs, toMs). */
const span = (xs: FrameClass[], fromMs: number, toMs: number) => xs.slice(fromMs / 20, toMs / 20);

const hello = speak({ text: "hello, who is this?", voice: "en-us", speed: 170, pitch: 50 });
const wei = speak({ text: "喂，你好", voice: "cmn", speed: 260, pitch: 50 });
const helloMs = (hello.length * 1000) / 8000;

describe("VAD on line noise", () => {
  it.each([
    ["white", -40],
    ["pink", -38],
    ["brown", -35],
    ["brown", -45],
  ] as [NoiseColour, number][])("%s noise at %d dBov is never voice", (colour, db) => {
    const c = classes(noise(new Rng(`vad-${colour}-${db}`), colour, 8000, db));
    expect(share(c, "voice")).toBe(0);
  });

  it("follows the noise floor when the line gets 12 dB noisier mid-call", () => {
    const rng = new Rng("vad-step");
    const sig = concat(noise(rng, "pink", 3000, -52), noise(rng, "pink", 5000, -40));
    const c = classes(sig);
    // Right after the step the louder noise is new; two seconds later it is the floor.
    expect(share(span(c, 5200, 8000), "voice")).toBe(0);
  });
});

describe("VAD on speech in noise", () => {
  it.each([
    ["white", 5],
    ["pink", 5],
    ["brown", 5],
    ["pink", 10],
  ] as [NoiseColour, number][])(
    "finds the greeting and then silence, %s noise at %d dB SNR",
    (colour, snr) => {
      const clean = concat(silence(600), hello, silence(3000));
      const sig = addNoiseAtSnr(new Rng(`vad-${colour}-${snr}`), clean, snr, colour);
      const c = classes(sig);
      expect(share(span(c, 0, 560), "voice")).toBe(0);
      expect(share(span(c, 600, 600 + helloMs), "voice")).toBeGreaterThan(0.4);
      // The wait after the greeting stays silent: at most a stray frame, never a word (100 ms).
      const wait = span(c, 600 + helloMs + 100, 600 + helloMs + 3000);
      expect(share(wait, "voice")).toBeLessThan(0.02);
      expect(longestRun(wait, "voice")).toBeLessThan(3);
    },
  );

  it("hears a greeting that starts with the first frame (nothing to learn the noise from)", () => {
    const sig = concat(wei, silence(300), wei, silence(300), wei, silence(1000));
    const weiMs = (wei.length * 1000) / 8000;
    const c = classes(mixAt(sig, noise(new Rng("vad-first"), "pink", (sig.length * 1000) / 8000, -55)));
    // Warm-up loses the first frames; the repeats are heard in full.
    expect(share(span(c, weiMs + 300, 2 * weiMs + 300), "voice")).toBeGreaterThan(0.6);
    expect(share(span(c, 2 * weiMs + 600, 3 * weiMs + 600), "voice")).toBeGreaterThan(0.6);
  });

  it("calls a steady pure tone a tone, not voice, and the frames right after it silence", () => {
    const sig = concat(silence(500), tone({ hz: [1100], levelDb: -20 }, 500), silence(1500));
    const c = classes(mixAt(sig, noise(new Rng("vad-tone"), "white", 2500, -60)));
    expect(share(span(c, 640, 1000), "tone")).toBe(1);
    expect(share(span(c, 1000, 2500), "voice")).toBe(0);
  });
});

describe("VAD speech-to-noise estimate", () => {
  it("is high on a clear line and falls with the SNR, whatever the noise colour", () => {
    const clean = concat(silence(600), hello, silence(500));
    const snrOf = (sig: Signal) => {
      const pcm = g711RoundTrip("PCMU", toInt16(sig));
      const fa = new FrameAnalyzer();
      const vad = new Vad();
      for (let i = 0; i + FRAME_SAMPLES <= pcm.length; i += FRAME_SAMPLES) {
        const frame = pcm.subarray(i, i + FRAME_SAMPLES);
        vad.classify(fa.analyze(frame), frame);
      }
      return vad.speechSnrDb;
    };
    const clear = snrOf(mixAt(clean, noise(new Rng("snr-line"), "pink", (clean.length * 1000) / 8000, -62)));
    const at = (snr: number, colour: NoiseColour) =>
      snrOf(addNoiseAtSnr(new Rng(`snr-${colour}`), clean, snr, colour));
    expect(clear).toBeGreaterThan(40);
    for (const colour of ["white", "pink", "brown"] as const) {
      expect(at(20, colour)).toBeLessThan(clear);
      expect(at(5, colour)).toBeLessThan(at(20, colour));
    }
    expect(at(5, "pink")).toBeLessThan(28);
  });
});
