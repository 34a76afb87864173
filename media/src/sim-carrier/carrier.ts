// The simulated carrier: SIPp UAS instances that behave as a carrier would for each outcome class,
// with audio from the CPA corpus (media/src/cpa/corpus). One SIPp process per line (a scenario and
// its audio table); the media service reaches each line through a trunk whose E.164 prefix names
// it, and the last four digits of the number pick the item, so a lead's number selects its
// outcome: <prefix><line code, 2 digits><item, 4 digits>, e.g. +8619900 01 0007.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Sipp, startSipp, tempDir } from "@cc/infra";
import type { AnnouncementClass } from "../cpa/announcements.ts";
import { type CorpusItem, type CorpusManifest, generateCorpus } from "../cpa/corpus/generate.ts";
import { TrunkConfig } from "../sip/trunks.ts";
import { type AudioEntry, renderScenario, type ScenarioKind } from "./scenario.ts";

/** What a dialled number does at the simulated carrier. */
export type CarrierOutcome = "human" | "machine" | "fax" | "busy" | "no_answer" | "sit" | "announcement";

/** Lines beyond the outcome classes: every corpus item (CPA benchmark) or endless speech (load). */
export type ExtraLine = "corpus" | "load";

/** What the media service should report for a number (for tests and the simulated floor). */
export type ExpectedEvent =
  | { kind: "call.answered"; detection: "human" | "machine" | "fax" | "unknown" }
  | { kind: "call.failed"; cause: "busy" | "no_answer" | "invalid_number" | "unreachable" | "network" }
  | { kind: "early"; label: string };

export interface LineItem {
  /** Corpus item name (wav/<name>.wav). */
  name: string;
  label: CorpusItem["label"];
  class: string;
  lang: CorpusItem["lang"];
  phase: CorpusItem["phase"];
  notes: string;
  /** What the carrier plays, in ms (person lines: greeting, pause, greeting again). */
  durationMs: number;
}

export interface CarrierLine {
  name: string;
  /** Two digits after the carrier prefix. */
  code: string;
  outcome: CarrierOutcome | ExtraLine;
  kind: ScenarioKind;
  items: LineItem[];
  sipp: Sipp;
  trunk: TrunkConfig;
  /** Times this line's SIPp exited on its own and was started again. */
  restarts: number;
  relaunch(): Promise<Sipp>;
}

export interface SimulatedCarrierOptions {
  /** A CPA corpus directory (manifest.json, ulaw/); a quick corpus is generated there if absent. */
  audioDir: string;
  /** E.164 start of every simulated number (default +8619900: unassigned-looking Chinese mobiles). */
  prefix?: string;
  /** Also start the two corpus lines playing every manifest item (benchmarks). */
  corpusLines?: boolean;
  /**
   * Also start the load line: answers after `loadRingMs`, then a recorded greeting loops for the
   * whole call (speech RTP never stops) until we hang up or `loadTalkMs` passes.
   */
  loadLine?: { ringMs: [number, number]; talkMs: [number, number] };
  /** Only these outcome lines (default: all). */
  outcomes?: CarrierOutcome[];
  /** Ring time before a person or a machine answers (default 1–3 s). */
  ringMs?: [number, number];
  /** A person's talk time after their greeting, before they hang up (default 8–25 s). */
  talkMs?: [number, number];
  /** Trunk limits the media service applies towards each line (the carrier imposes none). */
  maxChannels?: number;
  cps?: number;
  /** Keep SIPp's unexpected-message log (dataDir/errors.log) per line. */
  traceErrors?: boolean;
  /** Extra SIPp arguments for every line. */
  sippArgs?: string[];
}

export interface SimulatedCarrier {
  trunks: TrunkConfig[];
  lines: CarrierLine[];
  /** A number whose call ends in this outcome; `index` picks among the line's items (wraps). */
  numberFor(
    outcome: CarrierOutcome,
    opts?: { lang?: "cmn" | "en"; index?: number; announcement?: AnnouncementClass },
  ): string;
  /** The corpus item a number plays, and what the service should report for it. */
  lookup(number: string): { line: CarrierLine; item: LineItem | null; expected: ExpectedEvent } | null;
  /** corpusLines: the number that plays this corpus item (wav/NAME.wav or NAME). */
  numberForItem(file: string): string;
  /** loadLine: a number on the load line (`index` picks the greeting). */
  loadNumber(index?: number): string;
  stop(): Promise<void>;
}

const ULAW_SILENCE = 0xff;
const PERSON_PAUSE_MS = 2_000;

interface LinePlan {
  name: string;
  code: string;
  outcome: CarrierOutcome | ExtraLine;
  kind: ScenarioKind;
  items: CorpusItem[];
  ringMs: [number, number];
  talkMs?: [number, number];
  status?: string;
  loops?: 1 | -1;
  person?: boolean;
  itemStatus?: (it: CorpusItem) => string;
}

const itemName = (it: CorpusItem) => path.basename(it.file, ".wav");
const announcementOf = (label: string): AnnouncementClass | null =>
  label.startsWith("announcement:") ? (label.slice("announcement:".length) as AnnouncementClass) : null;

/** SIT codes that mean a bad number (NC and RO mean the network: not an invalid-number line). */
const INVALID_NUMBER_SIT = /^SIT (IC|VC|ITU) /;

function announcementStatus(it: CorpusItem): string {
  const cls = announcementOf(it.label);
  if (cls === "invalid-number") return "404 Not Found";
  if (cls === "busy") return "486 Busy Here";
  return "480 Temporarily Unavailable";
}

function plans(m: CorpusManifest, o: SimulatedCarrierOptions): LinePlan[] {
  const clean = (label: string) => m.items.filter((it) => it.label === label && it.snrDb === null);
  const ring = o.ringMs ?? [1_000, 3_000];
  const early: [number, number] = [200, 800];
  const all: LinePlan[] = [
    {
      name: "human",
      code: "01",
      outcome: "human",
      kind: "answer",
      items: clean("human").filter((it) => it.class === "human-short" || it.class === "human-long"),
      ringMs: ring,
      talkMs: o.talkMs ?? [8_000, 25_000],
      person: true,
    },
    {
      name: "machine",
      code: "02",
      outcome: "machine",
      kind: "answer",
      items: clean("machine"),
      ringMs: ring,
      // A voicemail records for up to a minute, then hangs up.
      talkMs: [40_000, 60_000],
    },
    {
      name: "fax",
      code: "03",
      outcome: "fax",
      kind: "answer",
      items: m.items.filter((it) => it.label === "fax"),
      ringMs: ring,
      talkMs: [30_000, 40_000],
      loops: -1,
    },
    { name: "busy", code: "04", outcome: "busy", kind: "reject", items: [], ringMs: [300, 1_500] },
    {
      name: "no_answer",
      code: "05",
      outcome: "no_answer",
      kind: "no-answer",
      items: [],
      ringMs: [0, 180_000],
    },
    {
      name: "sit",
      code: "06",
      outcome: "sit",
      kind: "early",
      items: m.items.filter((it) => it.class === "sit" && INVALID_NUMBER_SIT.test(it.notes)),
      ringMs: early,
      itemStatus: () => "404 Not Found",
    },
    {
      name: "announcement",
      code: "07",
      outcome: "announcement",
      kind: "early",
      items: m.items.filter((it) => it.class === "announcement"),
      ringMs: early,
      itemStatus: announcementStatus,
    },
  ];
  const wanted = all.filter((p) => !o.outcomes || o.outcomes.includes(p.outcome as CarrierOutcome));
  if (o.corpusLines) {
    wanted.push(
      ...chunked(20, {
        name: "corpus-answered",
        code: "20",
        outcome: "corpus",
        kind: "answer",
        items: m.items.filter((it) => it.phase === "answered"),
        ringMs: [300, 800],
        talkMs: [60_000, 60_001],
      }),
      ...chunked(30, {
        name: "corpus-early",
        code: "30",
        outcome: "corpus",
        kind: "early",
        items: m.items.filter((it) => it.phase === "early"),
        ringMs: [100, 300],
        itemStatus: () => "480 Temporarily Unavailable",
      }),
    );
  }
  if (o.loadLine) {
    wanted.push({
      name: "load",
      code: "10",
      outcome: "load",
      kind: "answer",
      // Plain greetings (no beep, no music): speech all along.
      items: m.items.filter((it) => it.class === "machine" && it.snrDb === null),
      ringMs: o.loadLine.ringMs,
      talkMs: o.loadLine.talkMs,
      loops: -1,
    });
  }
  return wanted;
}

/**
 * SIPp 3.6.1 reads at most 64 KiB of scenario XML (XP_MAX_FILE_LEN), about 170 table entries:
 * long lines are split over several SIPp processes, codes base, base+1, …
 */
const ITEMS_PER_SIPP = 120;

function chunked(base: number, plan: LinePlan): LinePlan[] {
  const out: LinePlan[] = [];
  for (let k = 0; k * ITEMS_PER_SIPP < Math.max(1, plan.items.length); k++) {
    if (base + k > 99) throw new Error(`${plan.name}: too many items for two-digit line codes`);
    out.push({
      ...plan,
      name: k === 0 ? plan.name : `${plan.name}-${k + 1}`,
      code: String(base + k),
      items: plan.items.slice(k * ITEMS_PER_SIPP, (k + 1) * ITEMS_PER_SIPP),
    });
  }
  return out;
}

/** Corpus μ-law bytes padded to whole packets (the corpus does this; kept for older corpora). */
function packets(bytes: Uint8Array): Uint8Array {
  const len = Math.ceil(bytes.length / 160) * 160;
  if (len === bytes.length) return bytes;
  const out = new Uint8Array(len).fill(ULAW_SILENCE);
  out.set(bytes);
  return out;
}

/** A person: the greeting, a pause while the dialer connects someone, then they speak again. */
function personAudio(greeting: Uint8Array): Uint8Array {
  const pause = new Uint8Array((PERSON_PAUSE_MS / 1000) * 8000).fill(ULAW_SILENCE);
  const out = new Uint8Array(greeting.length * 2 + pause.length);
  out.set(greeting, 0);
  out.set(pause, greeting.length);
  out.set(greeting, greeting.length + pause.length);
  return out;
}

async function loadManifest(audioDir: string): Promise<CorpusManifest> {
  const file = path.join(audioDir, "manifest.json");
  if (!existsSync(file)) return await generateCorpus({ outDir: audioDir, quick: true });
  return JSON.parse(readFileSync(file, "utf8")) as CorpusManifest;
}

/** Writes what the line's SIPp plays (under work/) and returns its table and item list. */
async function prepareAudio(
  plan: LinePlan,
  audioDir: string,
  work: string,
): Promise<{ entries: AudioEntry[]; items: LineItem[] }> {
  const entries: AudioEntry[] = [];
  const items: LineItem[] = [];
  for (const it of plan.items) {
    const name = itemName(it);
    let file = `a/corpus/${it.ulaw}`;
    let bytes = packets(readFileSync(path.join(audioDir, it.ulaw)));
    if (plan.person) {
      bytes = personAudio(bytes);
      file = `a/person/${name}.ul`;
      await writeFile(path.join(work, "person", `${name}.ul`), bytes);
    }
    const durationMs = bytes.length / 8;
    entries.push({
      file,
      durationMs: plan.loops === -1 ? (plan.talkMs?.[1] ?? 60_000) : durationMs,
      loops: plan.loops ?? 1,
      ...(plan.itemStatus ? { status: plan.itemStatus(it) } : {}),
    });
    items.push({
      name,
      label: it.label,
      class: it.class,
      lang: it.lang,
      phase: it.phase,
      notes: it.notes,
      durationMs,
    });
  }
  return { entries, items };
}

async function startLine(
  plan: LinePlan,
  o: SimulatedCarrierOptions,
  work: string,
  prefix: string,
): Promise<CarrierLine> {
  const { entries, items } = await prepareAudio(plan, o.audioDir, work);
  if ((plan.kind === "answer" || plan.kind === "early") && entries.length === 0) {
    throw new Error(`simulated carrier: the corpus in ${o.audioDir} has no items for the ${plan.name} line`);
  }
  const dir = path.join(work, `line-${plan.name}`);
  await mkdir(dir, { recursive: true });
  await symlink(work, path.join(dir, "a"));
  const scenarioFile = path.join(dir, "scenario.xml");
  const xml = renderScenario(plan.kind, {
    ringMs: plan.ringMs,
    ...(plan.talkMs ? { talkMs: plan.talkMs } : {}),
    silence: "a/silence.ul",
    audio: entries,
    ...(plan.kind === "reject" ? { status: "486 Busy Here" } : {}),
  });
  if (Buffer.byteLength(xml) > 65_536) {
    throw new Error(`${plan.name}: scenario is ${Buffer.byteLength(xml)} bytes, SIPp reads at most 65536`);
  }
  await writeFile(scenarioFile, xml);
  const launch = (ports?: { port: number; media: number | undefined }) =>
    startSipp({
      role: "uas",
      scenarioFile,
      media: ports ? (ports.media ?? true) : true,
      ...(ports ? { port: ports.port } : {}),
      dataDir: dir,
      traceErr: o.traceErrors ?? false,
      extraArgs: ["-mi", "127.0.0.1", ...(o.sippArgs ?? [])],
    });
  const sipp = await launch();
  const trunk = TrunkConfig.parse({
    id: `sim-${plan.name}`,
    uri: `sip:127.0.0.1:${sipp.port}`,
    prefixes: [`${prefix}${plan.code}`],
    max_channels: o.maxChannels ?? 5_000,
    cps: o.cps ?? 1_000,
  });
  return {
    name: plan.name,
    code: plan.code,
    outcome: plan.outcome,
    kind: plan.kind,
    items,
    sipp,
    trunk,
    restarts: 0,
    relaunch: () => launch({ port: sipp.port, media: sipp.mediaPort }),
  };
}

/**
 * A carrier does not go away because one call went wrong: a line whose SIPp exits on its own
 * (SIPp aborts on some network errors, e.g. when the far end's media ports vanish in a crash of
 * ours) is started again on the same ports, and says so on stderr.
 */
function keepUp(line: CarrierLine, stopping: () => boolean): void {
  const sipp = line.sipp;
  void sipp.exited.then(async (code) => {
    if (stopping() || line.sipp !== sipp) return;
    const last = sipp.process.output().split("\n").slice(-3).join(" | ");
    process.stderr.write(`simulated carrier: line ${line.name} exited (code ${code}): ${last}; restarting\n`);
    try {
      line.sipp = await line.relaunch();
      line.restarts++;
      keepUp(line, stopping);
    } catch (err) {
      process.stderr.write(`simulated carrier: line ${line.name} could not restart: ${String(err)}\n`);
    }
  });
}

function expectedFor(line: CarrierLine, item: LineItem | null): ExpectedEvent {
  switch (line.outcome) {
    case "human":
    case "machine":
    case "fax":
      return { kind: "call.answered", detection: line.outcome };
    case "busy":
      return { kind: "call.failed", cause: "busy" };
    case "no_answer":
      return { kind: "call.failed", cause: "no_answer" };
    case "sit":
      return { kind: "call.failed", cause: "invalid_number" };
    case "announcement": {
      const cls = item ? announcementOf(item.label) : null;
      if (cls === "invalid-number") return { kind: "call.failed", cause: "invalid_number" };
      if (cls === "busy") return { kind: "call.failed", cause: "busy" };
      return { kind: "call.failed", cause: "unreachable" };
    }
    case "load":
      return { kind: "call.answered", detection: "machine" };
    case "corpus": {
      const label = item?.label ?? "none";
      if (item?.phase === "answered")
        return { kind: "call.answered", detection: label as "human" | "machine" | "fax" | "unknown" };
      return { kind: "early", label };
    }
  }
}

export async function startSimulatedCarrier(o: SimulatedCarrierOptions): Promise<SimulatedCarrier> {
  const prefix = o.prefix ?? "+8619900";
  if (!/^\+\d{1,8}$/.test(prefix)) throw new Error(`carrier prefix ${prefix}: + and at most 8 digits`);
  const manifest = await loadManifest(o.audioDir);
  const work = await tempDir("sim-carrier");
  await mkdir(path.join(work, "person"), { recursive: true });
  await symlink(path.resolve(o.audioDir), path.join(work, "corpus"));
  // One second of μ-law silence, looped by answered lines after their audio.
  await writeFile(path.join(work, "silence.ul"), new Uint8Array(8000).fill(ULAW_SILENCE));
  const lines: CarrierLine[] = [];
  try {
    // One at a time: each SIPp loads (caches) its whole audio table at start.
    for (const plan of plans(manifest, o)) lines.push(await startLine(plan, o, work, prefix));
  } catch (err) {
    await Promise.allSettled(lines.map((l) => l.sipp.stop()));
    throw err;
  }
  let stopping = false;
  for (const line of lines) keepUp(line, () => stopping);
  const byOutcome = (outcome: CarrierOutcome) => {
    const line = lines.find((l) => l.outcome === outcome);
    if (!line) throw new Error(`the simulated carrier runs no ${outcome} line`);
    return line;
  };
  const number = (line: CarrierLine, index: number) =>
    `${prefix}${line.code}${String(index).padStart(4, "0")}`;
  return {
    trunks: lines.map((l) => l.trunk),
    lines,
    numberFor(outcome, opts = {}) {
      const line = byOutcome(outcome);
      if (line.items.length === 0) return number(line, opts.index ?? 0);
      const fits = line.items
        .map((item, i) => ({ item, i }))
        .filter(
          ({ item }) =>
            (!opts.lang || item.lang === opts.lang || item.lang === "none") &&
            (!opts.announcement || item.label === `announcement:${opts.announcement}`),
        );
      if (fits.length === 0) {
        throw new Error(`no ${outcome} item fits ${JSON.stringify(opts)} in this corpus`);
      }
      return number(line, fits[(opts.index ?? 0) % fits.length]!.i);
    },
    lookup(n) {
      const line = lines.find((l) => n.startsWith(`${prefix}${l.code}`));
      if (!line) return null;
      const index = Number(n.slice(-4));
      const item = line.items.length ? (line.items[index] ?? line.items[0]!) : null;
      return { line, item, expected: expectedFor(line, item) };
    },
    numberForItem(file) {
      const name = path.basename(file, ".wav");
      for (const line of lines.filter((l) => l.outcome === "corpus")) {
        const i = line.items.findIndex((it) => it.name === name);
        if (i >= 0) return number(line, i);
      }
      throw new Error(`no corpus line plays ${file} (start the carrier with corpusLines: true)`);
    },
    loadNumber(index = 0) {
      const line = lines.find((l) => l.outcome === "load");
      if (!line) throw new Error("start the carrier with loadLine to dial the load line");
      return number(line, index % line.items.length);
    },
    async stop() {
      stopping = true;
      await Promise.allSettled(lines.map((l) => l.sipp.stop()));
    },
  };
}
