// Grading A–E by expected close and the follow-up cadence each grade asks for; the second,
// order-based grading with per-org rules.

import { addDays, addMonths } from "../ownership/calendar.ts";
import type { Grade, OrderGradeRule } from "../records/types.ts";

/** What each grade means (brief: expected close). */
export const GRADE_MEANING: Record<Grade, { zh: string; en: string }> = {
  A: { zh: "预计1个月内成交", en: "expected to close within 1 month" },
  B: { zh: "预计3个月内成交", en: "expected to close within 3 months" },
  C: { zh: "预计6个月内成交", en: "expected to close within 6 months" },
  D: { zh: "潜在客户或6个月以后", en: "potential, or later than 6 months" },
  E: { zh: "无需跟进", en: "no need (dead)" },
};

/** Follow-up cadence: A daily, B weekly, C every 15 days, D monthly, E yearly. */
export const CADENCE: Record<Grade, { days?: number; months?: number }> = {
  A: { days: 1 },
  B: { days: 7 },
  C: { days: 15 },
  D: { months: 1 },
  E: { months: 12 },
};

/** The next contact day after a follow-up on `day` (org-local YYYY-MM-DD) for a grade. */
export function nextContactDay(grade: Grade, day: string): string {
  const c = CADENCE[grade];
  return c.months ? addMonths(day, c.months) : addDays(day, c.days ?? 1);
}

/** A: >5 orders and >100K; B: >3 orders and 10–100K; C: occasional (< 10K). Amounts in fen. */
export const DEFAULT_ORDER_GRADE_RULES: OrderGradeRule[] = [
  { grade: "A", minOrders: 6, minAmountMinor: 100_000_01 },
  { grade: "B", minOrders: 4, minAmountMinor: 10_000_00 },
  { grade: "C", minOrders: 1, minAmountMinor: 0 },
];

export interface OrderStats {
  orders: number;
  amountMinor: number;
}

/** First rule whose minimums hold; undefined when no rule matches (no orders yet). */
export function gradeByOrders(stats: OrderStats, rules: readonly OrderGradeRule[]): Grade | undefined {
  for (const r of rules) {
    if (stats.orders >= r.minOrders && stats.amountMinor >= r.minAmountMinor) return r.grade;
  }
  return undefined;
}
