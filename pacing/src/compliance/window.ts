// Calling windows in the callee's local time. The time zone comes from the lead record when known,
// else from the number's country (libphonenumber-js). Countries spanning several zones are only
// called when the window is open in every one of them; unknown countries are never called.
import { parsePhoneNumberFromString } from "libphonenumber-js";

const COUNTRY_ZONES: Record<string, string[]> = {
  CN: ["Asia/Shanghai"],
  HK: ["Asia/Hong_Kong"],
  MO: ["Asia/Macau"],
  TW: ["Asia/Taipei"],
  SG: ["Asia/Singapore"],
  JP: ["Asia/Tokyo"],
  KR: ["Asia/Seoul"],
  IN: ["Asia/Kolkata"],
  GB: ["Europe/London"],
  IE: ["Europe/Dublin"],
  DE: ["Europe/Berlin"],
  FR: ["Europe/Paris"],
  ES: ["Europe/Madrid"],
  IT: ["Europe/Rome"],
  NL: ["Europe/Amsterdam"],
  US: [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
  ],
  CA: [
    "America/St_Johns",
    "America/Halifax",
    "America/Toronto",
    "America/Winnipeg",
    "America/Edmonton",
    "America/Vancouver",
  ],
  AU: ["Australia/Sydney", "Australia/Brisbane", "Australia/Adelaide", "Australia/Darwin", "Australia/Perth"],
};

/** Candidate time zones of a callee: the lead's own zone, or every zone of the number's country. */
export function calleeZones(phone: string, leadTz?: string): string[] {
  if (leadTz) return [leadTz];
  const country = parsePhoneNumberFromString(phone)?.country;
  return country ? (COUNTRY_ZONES[country] ?? []) : [];
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: tz,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(tz, f);
  }
  return f;
}

const minuteCache = new Map<string, number>();
/** Minutes after local midnight in `tz` at `atMs` (cached per zone and minute). */
export function localMinutes(tz: string, atMs: number): number {
  const minute = Math.floor(atMs / 60_000);
  const key = `${tz}|${minute}`;
  const hit = minuteCache.get(key);
  if (hit !== undefined) return hit;
  const parts = formatter(tz).formatToParts(new Date(minute * 60_000));
  const h = Number(parts.find((p) => p.type === "hour")?.value);
  const m = Number(parts.find((p) => p.type === "minute")?.value);
  const v = h * 60 + m;
  if (minuteCache.size > 200_000) minuteCache.clear();
  minuteCache.set(key, v);
  return v;
}

export function parseHHMM(s: string): number {
  const [h, m] = s.split(":").map(Number) as [number, number];
  return h * 60 + m;
}

export interface CallingWindow {
  start: string;
  end: string;
}

/** True when `atMs` is inside [start, end) local time in every candidate zone (false if none known). */
export function insideWindow(zones: readonly string[], w: CallingWindow, atMs: number): boolean {
  if (zones.length === 0) return false;
  const s = parseHHMM(w.start);
  const e = parseHHMM(w.end);
  return zones.every((tz) => {
    const m = localMinutes(tz, atMs);
    return m >= s && m < e;
  });
}

/** Next time (≥ atMs, 5-minute steps, within 48 h) the window opens for all zones; null if never. */
export function nextWindowOpen(zones: readonly string[], w: CallingWindow, atMs: number): number | null {
  if (zones.length === 0) return null;
  const step = 5 * 60_000;
  let t = Math.ceil(atMs / step) * step;
  for (let i = 0; i < (48 * 60) / 5; i++, t += step) if (insideWindow(zones, w, t)) return t;
  return null;
}
