// Calendar arithmetic in the org's time zone with the platform's Intl tz database (no hand-kept
// offsets): local dates, "10:00 on that day" as an instant, DST-correct because the offset is
// looked up for the instant itself, not for "now".

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Throws RangeError for a zone the tz database does not know. */
export function assertTimeZone(zone: string): void {
  formatter(zone);
}

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

function wallTime(zone: string, atMs: number): Wall {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(atMs))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return {
    y: parts.year ?? 0,
    mo: parts.month ?? 1,
    d: parts.day ?? 1,
    h: parts.hour ?? 0,
    mi: parts.minute ?? 0,
    s: parts.second ?? 0,
  };
}

/** The zone's offset from UTC at that instant, in ms (Shanghai +8 h; New York −5 h or −4 h). */
export function zoneOffsetMs(zone: string, atMs: number): number {
  const w = wallTime(zone, atMs);
  const asUtc = Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
  return asUtc - Math.floor(atMs / 1000) * 1000;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** The local calendar day (YYYY-MM-DD) of an instant in a zone. */
export function localDate(zone: string, atMs: number): string {
  const w = wallTime(zone, atMs);
  return `${pad(w.y, 4)}-${pad(w.mo)}-${pad(w.d)}`;
}

/** The local month (YYYY-MM) of an instant: the calendar month one extension is counted in. */
export function localMonth(zone: string, atMs: number): string {
  return localDate(zone, atMs).slice(0, 7);
}

function parseDate(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Calendar day arithmetic (no zone involved: a day is a day, whatever its length). */
export function addDays(date: string, days: number): string {
  const [y, mo, d] = parseDate(date);
  const t = new Date(Date.UTC(y, mo - 1, d + days));
  return `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** Calendar month arithmetic, the day clamped to the target month's end (Jan 31 + 1 → Feb 28). */
export function addMonths(date: string, months: number): string {
  const [y, mo, d] = parseDate(date);
  const first = new Date(Date.UTC(y, mo - 1 + months, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return `${pad(first.getUTCFullYear(), 4)}-${pad(first.getUTCMonth() + 1)}-${pad(Math.min(d, last))}`;
}

/**
 * The instant a wall-clock time happens on a local day. Two rounds of offset lookup settle it
 * (the offset at the guess may differ from the offset at the answer across a DST switch); a wall
 * time skipped by a spring-forward gap resolves to the instant just after the gap.
 */
export function zonedInstant(zone: string, date: string, hour: number, minute = 0): number {
  // Claims all ask for "10:00 on some day soon": the answers repeat, and Intl lookups cost.
  const key = `${zone}|${date}|${hour}|${minute}`;
  const hit = instants.get(key);
  if (hit !== undefined) return hit;
  if (instants.size > 10_000) instants.clear();
  const t = computeInstant(zone, date, hour, minute);
  instants.set(key, t);
  return t;
}

const instants = new Map<string, number>();

function computeInstant(zone: string, date: string, hour: number, minute: number): number {
  const [y, mo, d] = parseDate(date);
  const wall = Date.UTC(y, mo - 1, d, hour, minute);
  let t = wall - zoneOffsetMs(zone, wall);
  t = wall - zoneOffsetMs(zone, t);
  return t;
}

/** Start (00:00) of a local day as an instant. */
export function startOfLocalDay(zone: string, date: string): number {
  return zonedInstant(zone, date, 0);
}

export interface HoldRule {
  timeZone: string;
  holdDays: number;
  releaseHour: number;
}

/** The expiry day of a hold taken at `claimedAt`: the local claim day plus the hold days. */
export function expiryDay(rule: HoldRule, claimedAt: number): string {
  return addDays(localDate(rule.timeZone, claimedAt), rule.holdDays);
}

/** The hold ends at 10:00 (releaseHour) in the org's zone on its expiry day. */
export function releaseInstant(rule: HoldRule, day: string): number {
  return zonedInstant(rule.timeZone, day, rule.releaseHour);
}

/** The rep is reminded the day before, at the same wall-clock hour. */
export function reminderInstant(rule: HoldRule, day: string): number {
  return zonedInstant(rule.timeZone, addDays(day, -1), rule.releaseHour);
}
