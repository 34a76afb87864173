// `npm start`'s terminal: in a TTY (or LOG_FORMAT=pretty) one short, colored line per log entry —
// time, service, level, message and a few fields — instead of the JSON lines every process
// writes; nats-server's start-up banner folded into one line. Not a TTY, or LOG_FORMAT=json: the
// JSON lines pass through unchanged (for log shippers).
import { styleText } from "node:util";

export type LogFormat = "pretty" | "json";

/** LOG_FORMAT wins; otherwise pretty for a person at a terminal, JSON for everything else. */
export function logFormatFor(setting: string | undefined, isTTY: boolean): LogFormat {
  if (setting === "pretty" || setting === "json") return setting;
  return isTTY ? "pretty" : "json";
}

type Style = Parameters<typeof styleText>[0];

const LEVELS: Record<number, { label: string; style: Style }> = {
  10: { label: "TRACE", style: "gray" },
  20: { label: "DEBUG", style: "gray" },
  30: { label: "INFO ", style: "green" },
  40: { label: "WARN ", style: "yellow" },
  50: { label: "ERROR", style: ["red", "bold"] },
  60: { label: "FATAL", style: ["bgRed", "white", "bold"] },
};
const SERVICE_STYLES: Style[] = ["cyan", "magenta", "blue", "yellow", "green", "cyanBright", "magentaBright"];
/** pino's own fields, shown in the fixed columns or not at all. */
const HIDDEN = new Set(["level", "time", "pid", "hostname", "name", "msg", "v"]);
const MAX_FIELDS = 6;
const MAX_VALUE = 80;
const SERVICE_WIDTH = 15;

export interface LineFormatterOptions {
  color: boolean;
  /** Epoch ms → clock time (tests fix the time zone). */
  clock?: (ms: number) => string;
}

/**
 * Formats one output line of a service for the terminal. Returns null for a line that is held
 * back (nats-server's banner, emitted folded once it is complete).
 */
export type LineFormatter = (service: string, line: string) => string | null;

export function createLineFormatter(opts: LineFormatterOptions): LineFormatter {
  const paint = (style: Style, text: string) =>
    opts.color ? styleText(style, text, { validateStream: false }) : text;
  const clock = opts.clock ?? ((ms: number) => new Date(ms).toTimeString().slice(0, 8));
  const serviceStyles = new Map<string, Style>();
  const serviceCol = (service: string) => {
    let style = serviceStyles.get(service);
    if (!style) {
      style = SERVICE_STYLES[serviceStyles.size % SERVICE_STYLES.length] ?? "cyan";
      serviceStyles.set(service, style);
    }
    return paint(style, service.padEnd(SERVICE_WIDTH));
  };
  const row = (ms: number, service: string, level: number, text: string) => {
    const lv = LEVELS[level] ?? { label: String(level).padEnd(5), style: "white" };
    return `${paint("dim", clock(ms))} ${serviceCol(service)} ${paint(lv.style, lv.label)} ${text}`;
  };
  const natsFolders = new Map<string, NatsBannerFolder>();

  return (service, line) => {
    const entry = parsePino(line);
    if (entry) {
      const fields = fieldsOf(entry);
      const text = [entry.msg ?? "", ...fields.map(([k, v]) => paint("dim", `${k}=`) + v)].join(" ");
      // The stack's own lines about a service show under that service's name.
      const shownAs = entry.name === "stack" && typeof entry.service === "string" ? entry.service : service;
      return row(entry.time ?? Date.now(), shownAs, entry.level ?? 30, text.trim());
    }
    if (service === "nats-server") {
      let folder = natsFolders.get(service);
      if (!folder) {
        folder = new NatsBannerFolder();
        natsFolders.set(service, folder);
      }
      const out = folder.push(line);
      return out === null ? null : row(Date.now(), service, out.level, out.text);
    }
    // The time column is there already: drop a leading timestamp of the program's own.
    return row(Date.now(), service, 30, line.replace(OWN_TIMESTAMP, ""));
  };
}

/** `2026-11-30 02:13:50.459253 ` (drachtio-server) and the like at the start of a line. */
const OWN_TIMESTAMP = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?Z? /;

interface PinoEntry {
  level?: number;
  time?: number;
  name?: string;
  msg?: string;
  [k: string]: unknown;
}

function parsePino(line: string): PinoEntry | null {
  if (!line.startsWith("{")) return null;
  try {
    const v = JSON.parse(line) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) return null;
    const e = v as PinoEntry;
    return typeof e.level === "number" || typeof e.msg === "string" ? e : null;
  } catch {
    return null;
  }
}

/** The first few fields that are not pino's own, as short `key=value` texts. */
function fieldsOf(entry: PinoEntry): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(entry)) {
    if (HIDDEN.has(k) || (k === "service" && entry.name === "stack") || v === undefined) continue;
    if (out.length === MAX_FIELDS) break;
    out.push([k, short(k === "err" ? errText(v) : v)]);
  }
  return out;
}

function errText(v: unknown): unknown {
  if (typeof v === "object" && v !== null && "message" in v) return (v as { message: unknown }).message;
  return v;
}

function short(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

/** `[pid] 2026/11/30 02:05:30.000537 [INF] text` → level and text. */
const NATS_LINE = /^\[\d+\] \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d+ \[(INF|WRN|ERR|FTL|DBG|TRC)\] ?(.*)$/;
const NATS_LEVELS: Record<string, number> = { TRC: 10, DBG: 20, INF: 30, WRN: 40, ERR: 50, FTL: 60 };

/**
 * nats-server writes ~40 lines at start (ASCII art, versions, limits, restores). They are held
 * until "Server is ready" and become one line with what matters; warnings and errors pass at once.
 */
class NatsBannerFolder {
  #inBanner = false;
  #facts: Partial<Record<"version" | "store" | "listen" | "monitor", string>> = {};
  #restored = 0;

  push(line: string): { level: number; text: string } | null {
    const m = NATS_LINE.exec(line);
    if (!m) return this.#inBanner ? null : { level: 30, text: line };
    const level = NATS_LEVELS[m[1] ?? "INF"] ?? 30;
    const text = (m[2] ?? "").trim();
    if (text.startsWith("Starting nats-server")) {
      this.#inBanner = true;
      this.#facts = {};
      this.#restored = 0;
      return null;
    }
    // The launcher polls /healthz while JetStream restores: its failures at start are expected.
    if (this.#inBanner && text.startsWith("Healthcheck failed")) return null;
    if (!this.#inBanner || level >= 40) return { level, text };
    if (text === "Server is ready") {
      this.#inBanner = false;
      const f = this.#facts;
      const parts = [
        f.version && `version ${f.version}`,
        f.listen && `clients ${f.listen}`,
        f.monitor && `monitor ${f.monitor}`,
        f.store && `JetStream store ${f.store}`,
        this.#restored > 0 && `${this.#restored} messages restored`,
      ].filter(Boolean);
      return { level: 30, text: `nats-server ready: ${parts.join(", ")}` };
    }
    const fact = (re: RegExp) => re.exec(text)?.[1];
    this.#facts.version ??= fact(/^Version:\s+(\S+)/);
    this.#facts.store ??= fact(/^Store Directory:\s+"?([^"]+)"?/);
    this.#facts.listen ??= fact(/^Listening for client connections on (\S+)/);
    this.#facts.monitor ??= fact(/^Starting http monitor on (\S+)/);
    const restored = /^Restored ([\d,]+) messages/.exec(text)?.[1];
    if (restored) this.#restored += Number(restored.replaceAll(",", ""));
    return null;
  }
}
