// Runs the call analyzer over a generated corpus the way the media service will: every file goes
// through G.711 (PCMU or PCMA) and is fed as 160-byte RTP payloads; early-media classes before
// answer, the rest after answer. Prints a confusion matrix and the headline rates.
//
//   node media/src/cpa/corpus/evaluate.ts --corpus DIR [--law PCMU|PCMA] [--json FILE] [--errors] [--vad]

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { AmdParams } from "../amd.ts";
import { type CallVerdict, createCallAnalyzer, type EarlyVerdict } from "../analyzer.ts";
import { loadFingerprintDb } from "../announcements.ts";
import { type G711Law, g711Encode, g711RoundTrip } from "../g711.ts";
import { FRAME_MS, FRAME_SAMPLES, FrameAnalyzer } from "../tones.ts";
import { Vad } from "../vad.ts";
import { readWav } from "./audio.ts";
import type { CorpusItem, CorpusManifest } from "./generate.ts";

export interface EvaluateOptions {
  corpusDir: string;
  law?: G711Law;
  amd?: Partial<AmdParams>;
  /** Only items whose class starts with one of these. */
  only?: string[];
}

export interface ItemResult {
  file: string;
  class: string;
  label: string;
  predicted: string;
  reason: string;
  /** Answered items: ms from answer to the verdict; early items: ms from media start. */
  decisionMs: number | null;
  /** Answered items with a known greeting: ms from the end of the first utterance to the verdict. */
  afterGreetingMs: number | null;
}

/** Decision times of one corpus class (answered human/machine verdicts only). */
export interface ClassTiming {
  items: number;
  /** Share of the class's items predicted as labelled. */
  correct: number;
  p50: number;
  p90: number;
  /** Human classes: from the end of the first utterance to the verdict. */
  afterGreetingP50: number;
  afterGreetingP90: number;
}

export interface Evaluation {
  items: ItemResult[];
  /** confusion[label][predicted] = count */
  confusion: Record<string, Record<string, number>>;
  human_as_machine_rate: number;
  machine_detected_rate: number;
  tone_classes_accuracy: number;
  /** Median decision time after answer over the human and machine items. */
  decision_ms_p50: number;
  decision_ms_p50_human: number;
  decision_ms_p50_machine: number;
  decision_ms_p90_human: number;
  decision_ms_p90_machine: number;
  /** Human items: from the end of the person's first utterance to the verdict (the agent's wait). */
  after_greeting_ms_p50: number;
  after_greeting_ms_p90: number;
  /** Per corpus class (human*, machine*): decision time distribution. */
  by_class: Record<string, ClassTiming>;
  /** Share of items whose prediction equals the label. */
  accuracy: number;
  frames: number;
  us_per_frame: number;
}

const TONE_LABELS = (label: string) =>
  label === "sit" ||
  label === "fax" ||
  label === "busy" ||
  label === "congestion" ||
  label.startsWith("announcement:");

function earlyLabel(v: EarlyVerdict | null, ringback: boolean): string {
  if (!v) return ringback ? "ringback" : "none";
  if (v.kind === "announcement") return `announcement:${v.class}`;
  if (v.kind === "modem") return "fax";
  return v.kind;
}

function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100). */
function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function evaluateCorpus(opts: EvaluateOptions): Evaluation {
  const manifest: CorpusManifest = JSON.parse(readFileSync(join(opts.corpusDir, "manifest.json"), "utf8"));
  const db = loadFingerprintDb(readFileSync(join(opts.corpusDir, manifest.fingerprints), "utf8"));
  const law = opts.law ?? "PCMU";
  const items = manifest.items.filter((it) => !opts.only || opts.only.some((p) => it.class.startsWith(p)));
  const results: ItemResult[] = [];
  let frames = 0;
  let busyMs = 0;
  for (const item of items) {
    const payloads = packetize(law, readWav(readFileSync(join(opts.corpusDir, item.file))));
    const t0 = performance.now();
    results.push(runItem(item, payloads, law, db, opts.amd));
    busyMs += performance.now() - t0;
    frames += payloads.length;
  }
  return summarize(results, frames, busyMs);
}

function packetize(law: G711Law, pcm: Int16Array): Uint8Array[] {
  const bytes = g711Encode(law, pcm);
  const out: Uint8Array[] = [];
  for (let i = 0; i + FRAME_SAMPLES <= bytes.length; i += FRAME_SAMPLES)
    out.push(bytes.subarray(i, i + FRAME_SAMPLES));
  return out;
}

function runItem(
  item: CorpusItem,
  payloads: Uint8Array[],
  law: G711Law,
  db: ReturnType<typeof loadFingerprintDb>,
  amd: Partial<AmdParams> | undefined,
): ItemResult {
  let ringback = false;
  const analyzer = createCallAnalyzer({
    amd: amd ?? {},
    fingerprints: db,
    onVerdict: (v: CallVerdict) => {
      if ("kind" in v && v.kind === "ringback") ringback = true;
    },
  });
  const base = { file: item.file, class: item.class, label: item.label, afterGreetingMs: null };
  if (item.phase === "early") {
    for (let i = 0; i < payloads.length && !analyzer.earlyVerdict; i++)
      analyzer.pushPayload(law, payloads[i]!, i * FRAME_MS);
    const v = analyzer.earlyVerdict;
    const reason = v?.kind === "sit" ? v.code : v?.kind === "announcement" ? v.id : "";
    return { ...base, predicted: earlyLabel(v, ringback), reason, decisionMs: v ? v.atMs : null };
  }
  analyzer.answered(0);
  for (let i = 0; i < payloads.length && !analyzer.answeredVerdict; i++)
    analyzer.pushPayload(law, payloads[i]!, i * FRAME_MS);
  const v = analyzer.answeredVerdict ?? analyzer.finish();
  const greetingEnd = item.segments?.find((s) => s.kind === "speech")?.endMs;
  return {
    ...base,
    predicted: v?.detection ?? "unknown",
    reason: v?.reason ?? "",
    decisionMs: v?.decisionMs ?? null,
    afterGreetingMs: v && greetingEnd !== undefined ? v.decisionMs - greetingEnd : null,
  };
}

function summarize(items: ItemResult[], frames: number, busyMs: number): Evaluation {
  const confusion: Record<string, Record<string, number>> = {};
  for (const r of items) {
    const row = confusion[r.label] ?? {};
    row[r.predicted] = (row[r.predicted] ?? 0) + 1;
    confusion[r.label] = row;
  }
  const rate = (xs: ItemResult[], ok: (r: ItemResult) => boolean) =>
    xs.length ? xs.filter(ok).length / xs.length : Number.NaN;
  const humans = items.filter((r) => r.label === "human");
  const machines = items.filter((r) => r.label === "machine");
  const tones = items.filter((r) => TONE_LABELS(r.label));
  const decided = (xs: ItemResult[]) =>
    xs
      .filter((r) => r.decisionMs !== null && (r.predicted === "human" || r.predicted === "machine"))
      .map((r) => r.decisionMs!);
  const byClass: Record<string, ClassTiming> = {};
  for (const cls of [...new Set([...humans, ...machines].map((r) => r.class))].sort()) {
    const xs = items.filter((r) => r.class === cls);
    const after = xs
      .filter((r) => r.afterGreetingMs !== null && r.label === "human" && r.predicted === "human")
      .map((r) => r.afterGreetingMs!);
    byClass[cls] = {
      items: xs.length,
      correct: rate(xs, (r) => r.predicted === r.label),
      p50: median(decided(xs)),
      p90: percentile(decided(xs), 90),
      afterGreetingP50: median(after),
      afterGreetingP90: percentile(after, 90),
    };
  }
  const afterGreeting = humans
    .filter((r) => r.afterGreetingMs !== null && r.predicted === "human")
    .map((r) => r.afterGreetingMs!);
  return {
    items,
    confusion,
    by_class: byClass,
    decision_ms_p90_human: percentile(decided(humans), 90),
    decision_ms_p90_machine: percentile(decided(machines), 90),
    after_greeting_ms_p50: median(afterGreeting),
    after_greeting_ms_p90: percentile(afterGreeting, 90),
    human_as_machine_rate: rate(humans, (r) => r.predicted === "machine"),
    machine_detected_rate: rate(machines, (r) => r.predicted === "machine"),
    tone_classes_accuracy: rate(tones, (r) => r.predicted === r.label),
    decision_ms_p50: median(decided([...humans, ...machines])),
    decision_ms_p50_human: median(decided(humans)),
    decision_ms_p50_machine: median(decided(machines)),
    accuracy: rate(items, (r) => r.predicted === r.label),
    frames,
    us_per_frame: frames ? (busyMs * 1000) / frames : 0,
  };
}

export function formatEvaluation(e: Evaluation): string {
  const labels = Object.keys(e.confusion).sort();
  const predicted = [...new Set(Object.values(e.confusion).flatMap((row) => Object.keys(row)))].sort();
  const width = Math.max(12, ...labels.map((l) => l.length)) + 1;
  const col = (s: string) => s.slice(0, 12).padStart(13);
  const lines = [`${"label \\ predicted".padEnd(width)}${predicted.map(col).join("")}`];
  for (const l of labels) {
    lines.push(`${l.padEnd(width)}${predicted.map((p) => col(String(e.confusion[l]![p] ?? ""))).join("")}`);
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
  lines.push(
    "",
    `items                   ${e.items.length}`,
    `accuracy               ${pct(e.accuracy)}`,
    `human_as_machine_rate  ${pct(e.human_as_machine_rate)}`,
    `machine_detected_rate  ${pct(e.machine_detected_rate)}`,
    `tone_classes_accuracy  ${pct(e.tone_classes_accuracy)}`,
    `decision_ms_p50        ${e.decision_ms_p50} (human ${e.decision_ms_p50_human}, machine ${e.decision_ms_p50_machine})`,
    `decision_ms_p90        human ${e.decision_ms_p90_human}, machine ${e.decision_ms_p90_machine}`,
    `after_greeting_ms      p50 ${e.after_greeting_ms_p50}, p90 ${e.after_greeting_ms_p90} (human verdicts, from the end of the first utterance)`,
    `us_per_frame           ${e.us_per_frame.toFixed(2)} over ${e.frames} frames (G.711 decode included)`,
    "",
    `${"class".padEnd(22)}${["items", "correct", "p50", "p90", "after p50", "after p90"].map((h) => h.padStart(10)).join("")}`,
  );
  for (const [cls, t] of Object.entries(e.by_class)) {
    const num = (x: number) => (Number.isNaN(x) ? "" : String(x)).padStart(10);
    lines.push(
      `${cls.padEnd(22)}${String(t.items).padStart(10)}${pct(t.correct).padStart(10)}${num(t.p50)}${num(t.p90)}${num(t.afterGreetingP50)}${num(t.afterGreetingP90)}`,
    );
  }
  return lines.join("\n");
}

/** VAD frame statistics of one group of items (by SNR: "clean", "20", "10", "5"; noise-only files). */
export interface VadGroup {
  files: number;
  /** Share of frames at least 150 ms away from any known sound that the VAD calls voice. */
  falseAlarm: number;
  /** Share of frames inside known speech (pauses between words included) called voice. */
  hit: number;
  /** Runs of >= 100 ms of voice (a word for AMD) away from any known sound. */
  falseWords: number;
}

/**
 * The answered-phase VAD alone against the manifest's known segments (answered speech, noise and
 * silence items), per SNR group: how often it hears voice in the line noise, and how much of the
 * speech it hears.
 */
export function evaluateVad(corpusDir: string, law: G711Law = "PCMU"): Record<string, VadGroup> {
  const manifest: CorpusManifest = JSON.parse(readFileSync(join(corpusDir, "manifest.json"), "utf8"));
  const acc: Record<string, { files: number; n: number; fa: number; s: number; hit: number; words: number }> =
    {};
  for (const item of manifest.items) {
    if (item.phase !== "answered" || !/^(human|machine|noise|silence)/.test(item.class)) continue;
    const group = /^(noise|silence)/.test(item.class) ? "noise-only" : String(item.snrDb ?? "clean");
    const a = acc[group] ?? { files: 0, n: 0, fa: 0, s: 0, hit: 0, words: 0 };
    acc[group] = a;
    a.files++;
    const pcm = g711RoundTrip(law, readWav(readFileSync(join(corpusDir, item.file))));
    const segments = item.segments ?? [];
    const frames = new FrameAnalyzer();
    const vad = new Vad();
    let run = 0;
    let runAway = true;
    for (let i = 0; i + FRAME_SAMPLES <= pcm.length; i += FRAME_SAMPLES) {
      const frame = pcm.subarray(i, i + FRAME_SAMPLES);
      const voice = vad.classify(frames.analyze(frame), frame) === "voice";
      const t = (i + FRAME_SAMPLES) / 8;
      const inside = segments.some((s) => t - FRAME_MS >= s.startMs && t <= s.endMs);
      const near = segments.some((s) => t >= s.startMs - 150 && t - FRAME_MS <= s.endMs + 150);
      if (inside) {
        a.s++;
        if (voice) a.hit++;
      } else if (!near) {
        a.n++;
        if (voice) a.fa++;
      }
      if (voice) {
        run++;
        if (near) runAway = false;
      } else {
        if (run * FRAME_MS >= 100 && runAway) a.words++;
        run = 0;
        runAway = true;
      }
    }
  }
  return Object.fromEntries(
    Object.entries(acc).map(([g, a]) => [
      g,
      {
        files: a.files,
        falseAlarm: a.n ? a.fa / a.n : 0,
        hit: a.s ? a.hit / a.s : Number.NaN,
        falseWords: a.words,
      },
    ]),
  );
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      corpus: { type: "string" },
      law: { type: "string", default: "PCMU" },
      json: { type: "string" },
      only: { type: "string", multiple: true },
      errors: { type: "boolean", default: false },
      vad: { type: "boolean", default: false },
    },
  });
  if (!values.corpus || (values.law !== "PCMU" && values.law !== "PCMA")) {
    console.error(
      "usage: node media/src/cpa/corpus/evaluate.ts --corpus DIR [--law PCMU|PCMA] [--json FILE] [--errors] [--vad]",
    );
    process.exit(2);
  }
  const e = evaluateCorpus({ corpusDir: values.corpus, law: values.law, only: values.only });
  console.log(formatEvaluation(e));
  if (values.errors) {
    for (const r of e.items)
      if (r.predicted !== r.label)
        console.log(`  ${r.file}: ${r.label} -> ${r.predicted} (${r.reason}, ${r.decisionMs} ms)`);
  }
  if (values.vad) {
    console.log(
      "\nVAD alone (frames): group, files, false alarms away from known sounds, hits in speech, false words",
    );
    for (const [g, v] of Object.entries(evaluateVad(values.corpus, values.law)).sort())
      console.log(
        `  ${g.padEnd(10)} ${String(v.files).padStart(4)} ${(100 * v.falseAlarm).toFixed(2).padStart(6)} % ${(100 * v.hit).toFixed(1).padStart(6)} % ${String(v.falseWords).padStart(4)}`,
      );
  }
  if (values.json) writeFileSync(values.json, JSON.stringify(e, null, 2));
}
