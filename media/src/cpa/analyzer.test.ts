import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AmdParams, DEFAULT_AMD_PARAMS } from "./amd.ts";
import { createCallAnalyzer } from "./analyzer.ts";
import {
  AnnouncementMatcher,
  buildFingerprintDb,
  type FingerprintDb,
  loadFingerprintDb,
} from "./announcements.ts";
import {
  addNoiseAtSnr,
  cadence,
  concat,
  fromInt16,
  gain,
  Rng,
  readWav,
  silence,
  toInt16,
  tone,
} from "./corpus/audio.ts";
import { evaluateCorpus, evaluateVad } from "./corpus/evaluate.ts";
import { type CorpusManifest, generateCorpus } from "./corpus/generate.ts";
import { g711Encode, g711RoundTrip } from "./g711.ts";

let dir: string;
let manifest: CorpusManifest;
let db: FingerprintDb;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cpa-corpus-"));
  manifest = await generateCorpus({
    outDir: dir,
    scale: 0.07,
    only: [
      "human-short",
      "human-long",
      "machine",
      "fax",
      "modem",
      "sit",
      "busy",
      "ringback",
      "announcement",
      "noise",
    ],
  });
  db = loadFingerprintDb(readFileSync(join(dir, manifest.fingerprints), "utf8"));
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pcmOf = (file: string) => readWav(readFileSync(join(dir, file)));

describe("generated corpus", () => {
  it("is deterministic and writes headerless G.711 in whole 20 ms packets for SIPp", async () => {
    const again = mkdtempSync(join(tmpdir(), "cpa-corpus-again-"));
    try {
      const m2 = await generateCorpus({ outDir: again, scale: 0.07, only: ["human-short"] });
      const first = m2.items[0]!;
      expect(readFileSync(join(again, first.file))).toEqual(readFileSync(join(dir, first.file)));
      const ul = readFileSync(join(again, first.ulaw));
      expect(ul.length % 160).toBe(0);
      const pcm = pcmOf(first.file);
      expect(Buffer.from(ul.subarray(0, pcm.length))).toEqual(Buffer.from(g711Encode("PCMU", pcm)));
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
  });
});

describe("call analyzer on corpus files", () => {
  it("evaluates the corpus: people are people, machines machines, tones their class", () => {
    const e = evaluateCorpus({ corpusDir: dir, law: "PCMA" });
    const wrong = e.items.filter((r) => r.predicted !== r.label);
    expect(e.human_as_machine_rate).toBe(0);
    expect(e.machine_detected_rate).toBeGreaterThanOrEqual(0.9);
    expect(e.tone_classes_accuracy).toBe(1);
    expect(wrong.filter((r) => r.label !== "unknown" && r.label !== "human")).toEqual([]);
    expect(e.items.length).toBe(manifest.items.length);
    expect(e.us_per_frame).toBeGreaterThan(0);
    // Per-class decision times, and the wait after a person's greeting from the known segments.
    const short = e.by_class["human-short"]!;
    expect(short.items).toBeGreaterThan(0);
    expect(short.p50).toBeLessThanOrEqual(short.p90);
    expect(short.afterGreetingP50).toBeGreaterThanOrEqual(400);
    expect(short.afterGreetingP90).toBeLessThan(1000);
  });

  it("knows where the greetings are, and the VAD hears them and nothing in the noise", () => {
    for (const item of manifest.items.filter((i) => /^(human|machine)/.test(i.class))) {
      const speech = item.segments?.filter((s) => s.kind === "speech") ?? [];
      expect(speech.length).toBeGreaterThan(0);
      for (const s of speech) expect(s.endMs).toBeGreaterThan(s.startMs);
    }
    const v = evaluateVad(dir, "PCMA");
    expect(v.clean!.hit).toBeGreaterThan(0.85);
    expect(v.clean!.falseWords).toBe(0);
    expect(v["noise-only"]!.falseAlarm).toBeLessThan(0.005);
    expect(v["noise-only"]!.falseWords).toBe(0);
  });

  it("decides a short '喂？/hello?' as human within a second of its end", () => {
    for (const item of manifest.items.filter((i) => i.class === "human-short")) {
      const a = createCallAnalyzer({ fingerprints: db });
      a.answered(1000);
      const pcm = g711RoundTrip("PCMU", pcmOf(item.file));
      for (let i = 0; i + 160 <= pcm.length && !a.answeredVerdict; i += 160)
        a.pushAnswered(pcm.subarray(i, i + 160), 1000 + i / 8);
      const v = a.answeredVerdict!;
      expect(v.detection).toBe("human");
      expect(v.atMs).toBe(1000 + v.decisionMs);
      expect(v.decisionMs - v.stats.initialSilenceMs).toBeLessThan(2000);
    }
  });

  it("tones after answer never count as a person", () => {
    const tones = [
      cadence({ hz: [450], levelDb: -20 }, [350, 350], 6000),
      cadence({ hz: [480, 620], levelDb: -20 }, [500, 500], 6000),
      cadence({ hz: [450], levelDb: -20 }, [1000, 4000], 6000),
      cadence({ hz: [1000], levelDb: -20 }, [300, 700], 6000),
      concat(silence(500), tone({ hz: [1400], levelDb: -18 }, 400), silence(5000)),
    ];
    for (const sig of tones) {
      const a = createCallAnalyzer();
      const pcm = toInt16(sig);
      a.answered(0);
      for (let i = 0; i + 160 <= pcm.length && !a.answeredVerdict; i += 160)
        a.pushAnswered(pcm.subarray(i, i + 160), i / 8);
      const v = a.answeredVerdict ?? a.finish();
      expect(v?.detection).not.toBe("human");
    }
  });

  it("accepts G.711 payloads and chunks of any length, one final verdict per phase", () => {
    const sit = manifest.items.find((i) => i.class === "sit")!;
    const human = manifest.items.find((i) => i.class === "human-short")!;
    const verdicts: string[] = [];
    const a = createCallAnalyzer({
      fingerprints: db,
      onVerdict: (v) => verdicts.push("kind" in v ? v.kind : v.detection),
    });
    const early = g711Encode("PCMA", pcmOf(sit.file));
    for (let i = 0; i < early.length; i += 97) a.pushPayload("PCMA", early.subarray(i, i + 97), i / 8);
    expect(a.earlyVerdict?.kind).toBe("sit");
    a.answered(early.length / 8);
    const answered = g711Encode("PCMU", pcmOf(human.file));
    for (let i = 0; i < answered.length; i += 160)
      a.pushPayload("PCMU", answered.subarray(i, i + 160), early.length / 8 + i / 8);
    expect(a.answeredVerdict?.detection).toBe("human");
    expect(verdicts.filter((v) => v !== "ringback")).toEqual(["sit", "human"]);
  });
});

describe("AmdParams", () => {
  it("fills defaults and rejects nonsense", () => {
    expect(AmdParams.parse({})).toEqual(DEFAULT_AMD_PARAMS);
    expect(AmdParams.parse({ afterGreetingSilenceMs: 900 }).afterGreetingSilenceMs).toBe(900);
    expect(() => AmdParams.parse({ maxWords: 0 })).toThrow();
    expect(() => AmdParams.parse({ beep: "sometimes" })).toThrow();
  });

  it("beep 'wait' holds the machine verdict until the beep", () => {
    const item = manifest.items.find((i) => i.class === "machine-beep")!;
    const pcm = pcmOf(item.file);
    const run = (beep: "confirm" | "wait") => {
      const a = createCallAnalyzer({ amd: { beep } });
      a.answered(0);
      for (let i = 0; i + 160 <= pcm.length && !a.answeredVerdict; i += 160)
        a.pushAnswered(pcm.subarray(i, i + 160), i / 8);
      return a.answeredVerdict ?? a.finish();
    };
    const confirm = run("confirm")!;
    const wait = run("wait")!;
    expect(confirm.detection).toBe("machine");
    expect(wait.detection).toBe("machine");
    expect(wait.beepMs).toBeDefined();
    expect(wait.decisionMs).toBeGreaterThan(wait.beepMs!);
    expect(wait.decisionMs).toBeGreaterThanOrEqual(confirm.decisionMs);
  });
});

describe("announcement fingerprints", () => {
  it("serialises to JSON and back without changing a match", () => {
    const json = JSON.stringify(db);
    const back = loadFingerprintDb(json);
    expect(back.entries).toEqual(db.entries);
    expect(Array.from(back.prints)).toEqual(Array.from(db.prints));
    expect(() => loadFingerprintDb({ ...JSON.parse(json), format: "other" })).toThrow();
  });

  it("survive G.711, ±6 dB (up to full scale), 15 dB SNR noise and a start anywhere in the loop", () => {
    const refs = manifest.references.map((r) => ({ ...r, pcm: pcmOf(r.file) }));
    const small = buildFingerprintDb(refs.map((r) => ({ id: r.id, class: r.class, pcm: r.pcm })));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: refs.length - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: -6, max: 6, noNaN: true }),
        fc.constantFrom<"PCMU" | "PCMA">("PCMU", "PCMA"),
        fc.string({ maxLength: 6 }),
        (k, startFrac, gainDb, law, seed) => {
          const ref = refs[k]!;
          // A louder copy stops at full scale: a G.711 network carries no more, and a gain that
          // clips (a reference peaking at -2.5 dBFS, +6 dB) is distortion, not level.
          const peak = ref.pcm.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
          gainDb = Math.min(gainDb, 20 * Math.log10(32_767 / peak));
          const start = Math.floor(startFrac * ref.pcm.length);
          const looped = new Int16Array(ref.pcm.length * 2);
          for (let i = 0; i < looped.length; i++) looped[i] = ref.pcm[(start + i) % ref.pcm.length]!;
          const noisy = addNoiseAtSnr(new Rng(seed), gain(fromInt16(looped), gainDb), 15, "pink");
          const pcm = g711RoundTrip(law, toInt16(noisy));
          const m = new AnnouncementMatcher(small);
          let hit = null;
          for (let i = 0; i + 160 <= pcm.length && !hit; i += 160) hit = m.push(pcm.subarray(i, i + 160));
          expect(hit?.id).toBe(ref.id);
        },
      ),
      { numRuns: 12 },
    );
  });

  it("do not match speech, music or an announcement by a voice not in the database", () => {
    const negatives = manifest.items.filter((i) =>
      /^(human|machine-beep|ringback-music|announcement-unknown)/.test(i.class),
    );
    expect(negatives.length).toBeGreaterThan(3);
    for (const item of negatives) {
      const m = new AnnouncementMatcher(db);
      const pcm = pcmOf(item.file);
      for (let i = 0; i + 160 <= pcm.length; i += 160) expect(m.push(pcm.subarray(i, i + 160))).toBeNull();
    }
  });
});
