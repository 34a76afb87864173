import type { Customer, DueItem, DueList } from "@cc/customers";

/** A bar of the customers charts. */
export interface Bar {
  key: string;
  n: number;
  warn?: boolean;
}

const DAY = 86_400_000;

/**
 * Protected holds by whole days left to their release (0 = released at 10:00 today, red with
 * tomorrow's: the rep is reminded the day before). Days beyond `holdDays` (extended) share a bar.
 */
export function expiryBars(rows: readonly Customer[], now: number, holdDays: number): Bar[] {
  const bars: Bar[] = [];
  for (let d = 0; d <= holdDays; d++) bars.push({ key: String(d), n: 0, warn: d <= 1 });
  const beyond: Bar = { key: `>${holdDays}`, n: 0 };
  for (const c of rows) {
    if (c.dealSigned || c.heldUntil === undefined || !c.ownerId) continue;
    const d = Math.max(0, Math.ceil((c.heldUntil - now) / DAY) - 1);
    const bar = d <= holdDays ? bars[d] : beyond;
    if (bar) bar.n++;
  }
  return beyond.n ? [...bars, beyond] : bars;
}

export function gradeBars(rows: readonly Customer[]): Bar[] {
  const bars: Bar[] = ["A", "B", "C", "D", "E", "—"].map((key) => ({ key, n: 0 }));
  for (const c of rows) {
    const bar = bars.find((b) => b.key === (c.grade ?? "—"));
    if (bar) bar.n++;
  }
  return bars;
}

/** Several teams' due lists as one (a manager's department), each customer once. */
export function mergeDue(lists: readonly DueList[], today: string): DueList {
  const seen = new Set<string>();
  const pick = (items: DueItem[]) => items.filter((i) => !seen.has(i.customerId) && seen.add(i.customerId));
  const overdue = lists.flatMap((l) => pick(l.overdue));
  const dueToday = lists.flatMap((l) => pick(l.dueToday));
  return {
    today,
    overdue: overdue.sort((a, b) => a.nextContactOn.localeCompare(b.nextContactOn)),
    dueToday,
  };
}

/** One line of a customer's history on the card, from follow-ups, calls and dispositions. */
export interface HistoryLine {
  at: number;
  kind: string;
  kindLabel: string;
  who: string;
  detail: string;
}

/** The payload fields worth a line on the card, in this order (ids of reps become names). */
const DETAIL_FIELDS = [
  "name",
  "note",
  "notes",
  "disposition",
  "grade",
  "next_contact_on",
  "days",
  "reason",
  "approved",
  "from_agent_id",
  "second_owner_id",
  "held_until",
  "stage",
  "amount",
  "status",
  "campaign_id",
  "talk_s",
  "via",
] as const;

/** One readable detail from an event's payload (the card's history table). */
export function historyDetail(payload: string, names: Record<string, string> = {}): string {
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return "";
  }
  const parts: string[] = [];
  for (const k of DETAIL_FIELDS) {
    const v = p[k];
    if (v === undefined || v === null || v === "") continue;
    if (k === "from_agent_id" || k === "second_owner_id")
      parts.push(`${k === "from_agent_id" ? "←" : "+"} ${names[String(v)] ?? String(v)}`);
    else if (k === "held_until" && typeof v === "string") parts.push(`→ ${v.slice(0, 16).replace("T", " ")}`);
    else if (k === "talk_s" && typeof v === "number") parts.push(`${Math.round(v)} s`);
    else if (typeof v === "object") parts.push(JSON.stringify(v));
    else parts.push(String(v));
  }
  return parts.join(" · ");
}

/** ClickHouse's DateTime64 text (UTC) → epoch ms. */
export function chTime(s: string): number {
  return Date.parse(`${s.replace(" ", "T")}Z`);
}
