// npm run bench -- cpa [--quick] [--json PATH] [--concurrency N]
//
// Call progress analysis over the real path: the labelled CPA corpus (media/src/cpa/corpus) is
// played by the simulated carrier (SIPp 3.6.1 UAS lines, rtp_stream of the μ-law files) while the
// media service dials it: one dial command per corpus item on JetStream → media service →
// drachtio-server → SIPp (answered items after a 200 OK, early items in 183 early media) →
// rtpengine → our RTP endpoint → the analyzer → call.answered / call.failed read back from NATS.
// Prints the confusion matrix, the rates and the decision time after answer, next to the offline
// evaluation of the same corpus (evaluateCorpus: same analyzer, no SIP, no network).
//   --quick: the quick corpus (about 1/8 of the full one).
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { tempDir } from "@cc/infra";
import type { CallCenterEvent } from "@cc/ingest";
import {
  type CorpusItem,
  type CorpusManifest,
  evaluateCorpus,
  generateCorpus,
  loadFingerprintDb,
} from "@cc/media";
import { startMediaStack, startSimulatedCarrier } from "@cc/media/testing";
import type { BenchOptions } from "./types.ts";

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))]! : Number.NaN;
};
const median = (xs: number[]) => {
  if (!xs.length) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

interface Outcome {
  file: string;
  class: string;
  lang: string;
  label: string;
  predicted: string;
  /** Answered items: the analyzer's decision time after answer (call.answered detect_ms). */
  decisionMs: number | null;
  detail: string;
}

/** What the service reported, in the corpus' label vocabulary. */
function predictedOf(e: CallCenterEvent | undefined): {
  predicted: string;
  detail: string;
  ms: number | null;
} {
  if (!e) return { predicted: "timeout", detail: "", ms: null };
  if (e.kind === "call.answered")
    return { predicted: e.detection, detail: e.detect_reason ?? "", ms: e.detect_ms };
  if (e.kind !== "call.failed") return { predicted: e.kind, detail: "", ms: null };
  const d = e.detail ?? "";
  const [what, rest] = d.split(":");
  if (what === "sit") return { predicted: "sit", detail: d, ms: null };
  if (what === "announcement") return { predicted: `announcement:${rest}`, detail: d, ms: null };
  if (what === "busy_tone") return { predicted: "busy", detail: d, ms: null };
  if (what === "congestion_tone") return { predicted: "congestion", detail: d, ms: null };
  if (what === "fax" || what === "modem") return { predicted: "fax", detail: d, ms: null };
  // No verdict from early media: the carrier's own final status after the audio.
  if (e.sip_code === 480 && !d) return { predicted: "none", detail: "480", ms: null };
  return { predicted: `failed:${e.cause}`, detail: d, ms: null };
}

/** Ringback is informational (the service never ends a call on it): no verdict is right. */
const expectedOf = (label: string) => (label === "ringback" ? "none" : label);

const TONE = (label: string) =>
  label === "sit" ||
  label === "fax" ||
  label === "busy" ||
  label === "congestion" ||
  label.startsWith("announcement:");

function rates(items: Outcome[]) {
  const rate = (xs: Outcome[], ok: (r: Outcome) => boolean) =>
    xs.length ? xs.filter(ok).length / xs.length : Number.NaN;
  const humans = items.filter((r) => r.label === "human");
  const machines = items.filter((r) => r.label === "machine");
  const decided = (xs: Outcome[]) =>
    xs
      .filter((r) => r.decisionMs !== null && (r.predicted === "human" || r.predicted === "machine"))
      .map((r) => r.decisionMs!);
  const all = decided([...humans, ...machines]);
  return {
    human_as_machine_rate: rate(humans, (r) => r.predicted === "machine"),
    machine_detected_rate: rate(machines, (r) => r.predicted === "machine"),
    tone_classes_accuracy: rate(
      items.filter((r) => TONE(r.label)),
      (r) => r.predicted === r.label,
    ),
    decision_ms_p50: median(all),
    decision_ms_p90: q(all, 0.9),
    decision_ms_p50_human: median(decided(humans)),
    decision_ms_p50_machine: median(decided(machines)),
    accuracy: rate(items, (r) => r.predicted === expectedOf(r.label)),
  };
}

function matrixOf(items: { label: string; predicted: string }[]): Record<string, Record<string, number>> {
  const m: Record<string, Record<string, number>> = {};
  for (const r of items) {
    const row = m[r.label] ?? {};
    row[r.predicted] = (row[r.predicted] ?? 0) + 1;
    m[r.label] = row;
  }
  return m;
}

const short = (s: string) => s.replace("announcement:", "ann:").replace("out-of-service-area", "out-of-area");

function formatMatrix(m: Record<string, Record<string, number>>): string {
  const labels = Object.keys(m).sort();
  const predicted = [...new Set(Object.values(m).flatMap((row) => Object.keys(row)))].sort();
  const w = Math.max(12, ...labels.map((l) => short(l).length)) + 1;
  const col = (s: string) => short(s).slice(0, 11).padStart(12);
  const lines = [`${"label \\ seen".padEnd(w)}${predicted.map(col).join("")}`];
  for (const l of labels)
    lines.push(`${short(l).padEnd(w)}${predicted.map((p) => col(String(m[l]![p] ?? ""))).join("")}`);
  return lines.join("\n");
}

/** Dials every item, at most `concurrency` calls at once, and waits for each verdict. */
async function playCorpus(
  items: CorpusItem[],
  concurrency: number,
  numberFor: (file: string) => string,
  dial: (phone: string) => Promise<string>,
  verdict: (attemptId: string) => Promise<CallCenterEvent | undefined>,
  terminal: (attemptId: string) => Promise<unknown>,
): Promise<Outcome[]> {
  const out: Outcome[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const it = items[next++];
      if (!it) return;
      const id = await dial(numberFor(it.file));
      const p = predictedOf(await verdict(id));
      await terminal(id);
      out.push({
        file: it.file,
        class: it.class,
        lang: it.lang,
        label: it.label,
        predicted: p.predicted,
        decisionMs: p.ms,
        detail: p.detail,
      });
      if (++done % 25 === 0) process.stderr.write(`  ${done}/${items.length} calls\n`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

const pct = (x: number) => (Number.isNaN(x) ? "n/a" : `${(100 * x).toFixed(1)} %`);

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args: opts.extra,
    options: { concurrency: { type: "string" }, keep: { type: "boolean", default: false } },
    strict: false,
  });
  const concurrency = Number(values.concurrency ?? 16);
  const t0 = performance.now();
  const corpusDir = await tempDir("bench-cpa");
  const manifest: CorpusManifest = await generateCorpus({ outDir: corpusDir, quick: opts.quick });
  const generatedS = (performance.now() - t0) / 1000;
  console.log(
    `corpus: ${manifest.items.length} items (${opts.quick ? "quick" : "full"}) in ${generatedS.toFixed(1)} s`,
  );
  const fingerprints = loadFingerprintDb(readFileSync(path.join(corpusDir, manifest.fingerprints), "utf8"));
  const carrier = await startSimulatedCarrier({ audioDir: corpusDir, outcomes: [], corpusLines: true });
  const stack = await startMediaStack({
    trunks: () => carrier.trunks,
    fingerprints,
    // Early items run up to ~21 s (ringback lead + announcement): nothing may end on the ring timer.
    campaign: { ring_timeout_s: 40 },
    drachtioLogLevel: "warning",
  });
  try {
    const ofKind = (id: string, kinds: string[]) => stack.of(id).find((e) => kinds.includes(e.kind));
    const t1 = performance.now();
    const results = await playCorpus(
      manifest.items,
      concurrency,
      (file) => carrier.numberForItem(file),
      async (phone) =>
        (await stack.dial({ phone, expires_at: new Date(Date.now() + 60_000).toISOString() })).attempt_id,
      (id) =>
        stack
          .waitFor(() => ofKind(id, ["call.answered", "call.failed", "call.blocked"]), 60_000)
          .catch(() => undefined),
      (id) =>
        stack
          .waitFor(() => ofKind(id, ["call.ended", "call.failed", "call.blocked"]), 60_000)
          .catch(() => null),
    );
    const playS = (performance.now() - t1) / 1000;
    const offline = evaluateCorpus({ corpusDir, law: "PCMU" });
    const offlineItems = offline.items.map((r) => ({
      ...r,
      // The service cannot report ringback (informational): count it as no verdict there too.
      predicted: r.predicted === "ringback" ? "none" : r.predicted,
    }));
    const live = rates(results);
    const matrix = matrixOf(results);
    const perClass: Record<string, { n: number; correct: number }> = {};
    for (const r of results) {
      const c = perClass[r.class] ?? { n: 0, correct: 0 };
      c.n++;
      if (r.predicted === expectedOf(r.label)) c.correct++;
      perClass[r.class] = c;
    }
    console.log(
      `\nlive (SIPp → drachtio → rtpengine → media service), ${results.length} calls, ${concurrency} at once, ${playS.toFixed(0)} s\n`,
    );
    console.log(formatMatrix(matrix));
    const offlineMatrix = matrixOf(offlineItems);
    console.log("\nmetric                    live        offline     target");
    const row = (name: string, a: string, b: string, target: string) =>
      console.log(`${name.padEnd(26)}${a.padEnd(12)}${b.padEnd(12)}${target}`);
    row(
      "human_as_machine_rate",
      pct(live.human_as_machine_rate),
      pct(offline.human_as_machine_rate),
      "<= 1 %",
    );
    row(
      "machine_detected_rate",
      pct(live.machine_detected_rate),
      pct(offline.machine_detected_rate),
      ">= 90 %",
    );
    row(
      "tone_classes_accuracy",
      pct(live.tone_classes_accuracy),
      pct(offline.tone_classes_accuracy),
      ">= 99 %",
    );
    row("decision_ms_p50", String(live.decision_ms_p50), String(offline.decision_ms_p50), "<= 1500");
    row(
      "  human / machine",
      `${live.decision_ms_p50_human} / ${live.decision_ms_p50_machine}`,
      `${offline.decision_ms_p50_human} / ${offline.decision_ms_p50_machine}`,
      "",
    );
    row("decision_ms_p90", String(live.decision_ms_p90), "", "");
    row(
      "accuracy (all labels)",
      pct(live.accuracy),
      pct(rates(offlineItems.map((r) => ({ ...r, lang: "", detail: "" }))).accuracy),
      "",
    );
    const misses = results.filter((r) => r.predicted !== expectedOf(r.label));
    if (misses.length) {
      console.log("\nmisses (live):");
      for (const r of misses)
        console.log(`  ${r.file}: ${r.label} -> ${r.predicted} ${r.detail} ${r.decisionMs ?? ""}`);
    }
    return {
      human_as_machine_rate: live.human_as_machine_rate,
      machine_detected_rate: live.machine_detected_rate,
      tone_classes_accuracy: live.tone_classes_accuracy,
      decision_ms_p50: live.decision_ms_p50,
      decision_ms_p90: live.decision_ms_p90,
      decision_ms_p50_human: live.decision_ms_p50_human,
      decision_ms_p50_machine: live.decision_ms_p50_machine,
      accuracy: live.accuracy,
      matrix,
      per_class: perClass,
      per_label: Object.fromEntries(
        Object.entries(matrix).map(([l, row]) => [l, Object.values(row).reduce((a, b) => a + b, 0)]),
      ),
      calls: results.length,
      misses: misses.map((r) => ({ file: r.file, label: r.label, predicted: r.predicted, detail: r.detail })),
      offline: {
        human_as_machine_rate: offline.human_as_machine_rate,
        machine_detected_rate: offline.machine_detected_rate,
        tone_classes_accuracy: offline.tone_classes_accuracy,
        decision_ms_p50: offline.decision_ms_p50,
        matrix: offlineMatrix,
      },
      setup: {
        command: `npm run bench -- cpa${opts.quick ? " --quick" : ""}${values.concurrency ? ` --concurrency ${concurrency}` : ""}`,
        corpus: {
          items: manifest.items.length,
          seed: manifest.seed,
          quick: manifest.quick,
          generated_s: generatedS,
        },
        concurrency,
        law: "PCMU (SIPp rtp_stream payload type 0)",
        path: "dial command on JetStream → media service (in-process) → drachtio-server → SIPp 3.6.1 UAS (rtp_stream) → rtpengine → RTP endpoint → analyzer → events on NATS",
        ringback:
          "the service never reports ringback (informational): ringback items count as right when no verdict",
        decision_ms: "call.answered detect_ms: the analyzer's decision time after the 200 OK",
        play_s: playS,
        total_s: (performance.now() - t0) / 1000,
      },
    };
  } finally {
    await stack.stop();
    await carrier.stop();
    if (!values.keep) await rm(corpusDir, { recursive: true, force: true });
  }
}
