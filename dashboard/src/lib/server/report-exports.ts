// Management reports as files (CSV and XLSX) and their schedules: a schedule per user is kept in
// Redis (cc:reports:schedule:<org>), and a minute loop in the dashboard process writes each due
// report — for the period that just ended — into <reports dir>/<org>/<user>/, linked from the page.
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  MANAGEMENT_COLUMNS,
  type ManagementRow,
  managementReport,
  ReportLevel,
  ReportPeriod,
} from "@cc/customers";
import ExcelJS from "exceljs";
import { z } from "zod";
import { toCsv } from "../csv.ts";
import { type Lang, translator } from "../i18n.ts";
import { scopeFor } from "./auth/scope.ts";
import type { SessionUser } from "./auth/types.ts";
import { getUser } from "./auth/users.ts";
import { clickhouse } from "./clickhouse.ts";
import { config } from "./config.ts";
import { log } from "./log.ts";
import { redis } from "./redis.ts";
import { localDay } from "./sales.ts";

export const ExportFormat = z.enum(["csv", "xlsx"]);
export type ExportFormat = z.infer<typeof ExportFormat>;

/** Highest level a role may run: an agent their own day, managers their teams, directors all. */
export function levelsFor(role: SessionUser["role"]): ReportLevel[] {
  if (role === "agent") return ["agent"];
  if (role === "manager" || role === "supervisor") return ["agent", "manager"];
  return ["agent", "manager", "director"];
}

/** Column headers in the reader's language. */
function headers(lang: Lang): string[] {
  const t = translator(lang);
  return MANAGEMENT_COLUMNS.map((c) => t(`mgmt.col.${c}` as never));
}

/** The rows plus their total, as the file carries them (money in yuan, not fen). */
function cells(rows: readonly ManagementRow[], total: ManagementRow): unknown[][] {
  return [...rows, total].map((r) =>
    MANAGEMENT_COLUMNS.map((c) => (c.endsWith("_minor") ? (r[c] as number) / 100 : r[c])),
  );
}

export async function renderReport(
  format: ExportFormat,
  lang: Lang,
  title: string,
  rows: readonly ManagementRow[],
  total: ManagementRow,
): Promise<Buffer> {
  if (format === "csv")
    return Buffer.from(toCsv({ fields: headers(lang), data: cells(rows, total) }), "utf8");
  const wb = new ExcelJS.Workbook();
  wb.creator = "cc-dashboard";
  const ws = wb.addWorksheet(title.slice(0, 31));
  ws.addRow(headers(lang)).font = { bold: true };
  for (const row of cells(rows, total)) ws.addRow(row);
  const totalRow = ws.lastRow;
  if (totalRow) totalRow.font = { bold: true };
  ws.columns.forEach((col) => {
    col.width = 14;
  });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export const ReportRequest = z.object({
  level: ReportLevel,
  period: ReportPeriod,
  day: z.iso.date(),
});

/** Runs the report for what `user` may see; a level above the role's is refused. */
export async function runFor(user: SessionUser, req: z.infer<typeof ReportRequest>) {
  if (!levelsFor(user.role).includes(req.level))
    throw new z.ZodError([
      {
        code: "custom",
        path: ["level"],
        message: `level ${req.level} is not open to ${user.role}`,
        input: req.level,
      },
    ]);
  const scope = await scopeFor(await redis(), user);
  return await managementReport(clickhouse(), scope, { ...req, timeZone: config().CC_TIMEZONE });
}

export function reportsDir(): string {
  const c = config();
  return (
    process.env.CC_REPORTS_DIR ??
    (c.CC_DATA_DIR ? path.join(c.CC_DATA_DIR, "reports") : path.join(process.cwd(), "data/reports"))
  );
}

function userDir(user: SessionUser): string {
  return path.join(reportsDir(), user.org, user.username.replace(/[^a-z0-9_.-]/g, "_"));
}

export const Schedule = z.object({
  level: ReportLevel,
  period: ReportPeriod,
  format: ExportFormat,
  /** Local hour (org zone) after which the report for the period just ended is written. */
  hour: z.coerce.number().int().min(0).max(23),
  lang: z.enum(["zh-CN", "en"]),
  /** The period start last written (so each period is written once). */
  last: z.string().default(""),
});
export type Schedule = z.infer<typeof Schedule>;

const KEY = (org: string) => `cc:reports:schedule:${org}`;

export async function getSchedule(user: SessionUser): Promise<Schedule | null> {
  const raw = await (await redis()).hGet(KEY(user.org), user.username);
  const p = raw ? Schedule.safeParse(JSON.parse(raw)) : null;
  return p?.success ? p.data : null;
}

export async function setSchedule(user: SessionUser, s: Schedule | null): Promise<void> {
  const r = await redis();
  if (s) await r.hSet(KEY(user.org), user.username, JSON.stringify(s));
  else await r.hDel(KEY(user.org), user.username);
}

/** The day inside the period that ended most recently before `today`. */
export function previousPeriodDay(period: ReportPeriod, today: string): string {
  const d = new Date(`${today}T00:00:00Z`);
  if (period === "daily") return new Date(d.getTime() - 86_400_000).toISOString().slice(0, 10);
  if (period === "weekly") return new Date(d.getTime() - 7 * 86_400_000).toISOString().slice(0, 10);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
}

/** Writes one user's scheduled report if due; returns the file written, if any. */
export async function runSchedule(
  user: SessionUser,
  s: Schedule,
  now = Date.now(),
  force = false,
): Promise<string | null> {
  const tz = config().CC_TIMEZONE;
  const hour = Number(
    new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", hour12: false }).format(now),
  );
  if (!force && hour < s.hour) return null;
  const day = previousPeriodDay(s.period, localDay(now, tz));
  const report = await runFor(user, { level: s.level, period: s.period, day });
  if (!force && report.range.from === s.last) return null;
  const name = `${s.level}-${s.period}-${report.range.from}.${s.format}`;
  const dir = userDir(user);
  await mkdir(dir, { recursive: true });
  const title = `${s.level}-${s.period}-${report.range.from}`;
  await writeFile(
    path.join(dir, name),
    await renderReport(s.format, s.lang, title, report.rows, report.total),
  );
  await setSchedule(user, { ...s, last: report.range.from });
  return name;
}

/** Files already written for the user, newest first. */
export async function listFiles(user: SessionUser): Promise<{ name: string; bytes: number; at: number }[]> {
  const dir = userDir(user);
  const names = await readdir(dir).catch(() => [] as string[]);
  const files = await Promise.all(
    names
      .filter((n) => /^[a-z]+-[a-z]+-\d{4}-\d{2}-\d{2}\.(csv|xlsx)$/.test(n))
      .map(async (name) => {
        const s = await stat(path.join(dir, name));
        return { name, bytes: s.size, at: s.mtimeMs };
      }),
  );
  return files.sort((a, b) => b.at - a.at);
}

export function filePath(user: SessionUser, name: string): string | null {
  if (!/^[a-z]+-[a-z]+-\d{4}-\d{2}-\d{2}\.(csv|xlsx)$/.test(name)) return null;
  return path.join(userDir(user), name);
}

let timer: NodeJS.Timeout | undefined;

/** One pass over every org's schedules (the users are re-read: a removed user writes nothing). */
export async function runDueSchedules(now = Date.now()): Promise<number> {
  const r = await redis();
  const org = config().CC_ORG;
  let written = 0;
  for (const [username, raw] of Object.entries(await r.hGetAll(KEY(org)))) {
    try {
      const user = await getUser(r, username);
      const s = Schedule.safeParse(JSON.parse(raw));
      if (!user || user.org !== org || !s.success) continue;
      const file = await runSchedule(user, s.data, now);
      if (file) {
        written++;
        log.info({ user: username, file }, "scheduled report written");
      }
    } catch (err) {
      log.warn({ err, user: username }, "scheduled report failed");
    }
  }
  return written;
}

export function startReportScheduler(everyMs = 60_000): void {
  if (timer) return;
  const tick = () => void runDueSchedules().catch((err) => log.warn({ err }, "report scheduler pass failed"));
  timer = setInterval(tick, everyMs);
  timer.unref();
  setTimeout(tick, 5_000).unref();
}

export function stopReportScheduler(): void {
  if (timer) clearInterval(timer);
  timer = undefined;
}
