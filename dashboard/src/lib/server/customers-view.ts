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
