import { fail } from "@sveltejs/kit";
import { z } from "zod";
import { requireArea } from "#lib/server/auth/guard.ts";
import { log } from "#lib/server/log.ts";
import {
  getSchedule,
  levelsFor,
  listFiles,
  ReportRequest,
  runFor,
  runSchedule,
  Schedule,
  setSchedule,
} from "#lib/server/report-exports.ts";
import { localDay } from "#lib/server/sales.ts";
import type { Actions, PageServerLoad } from "./$types";

/** Reports per management level (日报/周报/月报): my day, my teams, everything. */
export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "sales");
  const levels = levelsFor(user.role);
  const req = ReportRequest.safeParse({
    level: url.searchParams.get("level") ?? levels.at(-1),
    period: url.searchParams.get("period") ?? "daily",
    day: url.searchParams.get("day") ?? localDay(),
  });
  const r =
    req.success && levels.includes(req.data.level)
      ? req.data
      : ReportRequest.parse({ level: levels.at(-1), period: "daily", day: localDay() });
  const [report, schedule, files] = await Promise.all([runFor(user, r), getSchedule(user), listFiles(user)]);
  return { levels, req: r, report, schedule, files };
}) satisfies PageServerLoad;

export const actions = {
  schedule: async ({ request, locals }) => {
    const user = requireArea(locals, "sales");
    const form = Object.fromEntries(await request.formData());
    if (form.remove) {
      await setSchedule(user, null);
      return { scheduled: false };
    }
    const s = Schedule.safeParse({ ...form, lang: locals.lang });
    if (!s.success || !levelsFor(user.role).includes(s.data.level)) {
      return fail(400, {
        error: s.success ? "level not allowed" : (s.error.issues[0]?.message ?? "bad request"),
      });
    }
    await setSchedule(user, s.data);
    return { scheduled: true };
  },
  /** Writes the scheduled report for the period just ended now, without waiting for its hour. */
  runNow: async ({ locals }) => {
    const user = requireArea(locals, "sales");
    const s = await getSchedule(user);
    if (!s) return fail(400, { error: "no schedule" });
    try {
      const file = await runSchedule(user, s, Date.now(), true);
      return { written: file };
    } catch (err) {
      if (err instanceof z.ZodError) return fail(400, { error: err.issues[0]?.message ?? "bad request" });
      log.warn({ err, user: user.username }, "report run failed");
      throw err;
    }
  },
} satisfies Actions;
