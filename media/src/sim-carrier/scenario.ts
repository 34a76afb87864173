// Renders the simulated carrier's SIPp scenarios (media/sipp/*.xml) for one line: ring and talk
// times, the final status, and the audio table. SIPp 3.6.1 resolves an `rtp_stream` file name when
// it loads the scenario (a `[field0]` from -inf is not substituted there, only a -key keyword, which
// is fixed per process too), so per-call audio is chosen inside the scenario: the last four digits
// of the request URI select a branch, and each branch has its own literal `rtp_stream`.
import { readFileSync } from "node:fs";
import path from "node:path";

export type ScenarioKind = "answer" | "early" | "reject" | "no-answer";

/** One playable item of a line: raw μ-law (160-byte packets) as SIPp's rtp_stream reads it. */
export interface AudioEntry {
  /** Path as SIPp opens it (relative to its working directory). */
  file: string;
  durationMs: number;
  /** 1: play once, then line silence; -1: loop for the whole call (fax tones). */
  loops: 1 | -1;
  /** Early media: the final response once the audio is over, e.g. "404 Not Found". */
  status?: string;
}

export interface ScenarioParams {
  /** Uniform ring time before the answer, the 183 or the final status. */
  ringMs: [number, number];
  /** Uniform time the carrier keeps an answered call after its audio before hanging up. */
  talkMs?: [number, number];
  /** reject: the status line, e.g. "486 Busy Here". */
  status?: string;
  /** answer: the looped silence file. */
  silence?: string;
  /** answer / early: the items, selected by number (index = last four digits). */
  audio?: AudioEntry[];
}

const SIPP_DIR = path.resolve(import.meta.dirname, "../../sipp");

const xmlAttr = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The branch chain and the entries it jumps to; falls through to the first item. */
export function audioTable(entries: readonly AudioEntry[]): string {
  if (entries.length === 0) throw new Error("a line with audio needs at least one item");
  if (entries.length > 10_000) throw new Error("four digits select at most 10 000 items per line");
  const lines = ['  <nop><action><todouble assign_to="n" variable="item"/></action></nop>'];
  // SIPp refuses a variable used once: `final` only exists when the items end in several ways.
  const several = new Set(entries.map((e) => e.status)).size > 1;
  entries.forEach((_, i) => {
    lines.push(
      `  <nop next="i${i}" test="hit"><action><test assign_to="hit" variable="n" compare="equal" value="${i}"/></action></nop>`,
    );
  });
  lines.push('  <nop next="i0"/>');
  entries.forEach((e, i) => {
    const status = several && e.status ? `<assign assign_to="final" value="${statusCode(e.status)}"/>` : "";
    lines.push(
      `  <label id="i${i}"/>`,
      `  <nop next="played"><action><exec rtp_stream="${xmlAttr(e.file)},${e.loops},0"/><assign assign_to="dur" value="${Math.round(e.durationMs)}"/>${status}</action></nop>`,
    );
  });
  return lines.join("\n");
}

function statusCode(status: string): number {
  const code = Number(/^(\d{3}) /.exec(status)?.[1]);
  if (!(code >= 300 && code < 700)) throw new Error(`final status "${status}" is not "CODE Reason"`);
  return code;
}

/** One send per final status the items use, picked by the `final` variable an item set. */
export function finals(entries: readonly AudioEntry[]): string {
  const statuses = [...new Set(entries.map((e) => e.status ?? "480 Temporarily Unavailable"))];
  const lines: string[] = [];
  for (const s of statuses.slice(1)) {
    const code = statusCode(s);
    lines.push(
      `  <nop next="f${code}" test="hit"><action><test assign_to="hit" variable="final" compare="equal" value="${code}"/></action></nop>`,
    );
  }
  for (const s of statuses) {
    lines.push(
      `  <label id="f${statusCode(s)}"/>`,
      `  <send retrans="500"><![CDATA[
      SIP/2.0 ${s}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
    ]]></send>`,
      '  <recv request="ACK" crlf="true" next="end"/>',
    );
  }
  return lines.join("\n");
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/@([A-Z_]+)@/g, (m, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`scenario placeholder ${m} has no value`);
    return v;
  });
}

export function renderScenario(kind: ScenarioKind, p: ScenarioParams): string {
  const template = readFileSync(path.join(SIPP_DIR, `${kind}.xml`), "utf8");
  const endings = readFileSync(path.join(SIPP_DIR, "endings.xml"), "utf8");
  const [ringMin, ringMax] = p.ringMs;
  const [talkMin, talkMax] = p.talkMs ?? [30_000, 30_000];
  const values: Record<string, string> = {
    RING_MIN_MS: String(Math.round(ringMin)),
    // SIPp's uniform distribution wants max > min.
    RING_MAX_MS: String(Math.round(Math.max(ringMax, ringMin + 1))),
    TALK_MIN_MS: String(Math.round(talkMin)),
    TALK_MAX_MS: String(Math.round(Math.max(talkMax, talkMin + 1))),
    ENDINGS: endings,
    STATUS: p.status ?? "486 Busy Here",
    SILENCE: xmlAttr(p.silence ?? "silence.ul"),
    AUDIO_TABLE: kind === "answer" || kind === "early" ? audioTable(p.audio ?? []) : "",
    FINALS: kind === "early" ? finals(p.audio ?? []) : "",
  };
  return fill(template, values);
}
