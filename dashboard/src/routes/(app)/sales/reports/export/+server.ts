import { error } from "@sveltejs/kit";
import { z } from "zod";
import { requireArea } from "#lib/server/auth/guard.ts";
import { ExportFormat, ReportRequest, renderReport, runFor } from "#lib/server/report-exports.ts";
import type { RequestHandler } from "./$types";

const TYPES: Record<ExportFormat, string> = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/** The report on screen as a CSV or XLSX download (same scope and level rules as the page). */
export const GET: RequestHandler = async ({ locals, url }) => {
  const user = requireArea(locals, "sales");
  const q = ReportRequest.extend({ format: ExportFormat }).safeParse(Object.fromEntries(url.searchParams));
  if (!q.success) error(400, q.error.issues[0]?.message ?? "bad request");
  let report: Awaited<ReturnType<typeof runFor>>;
  try {
    report = await runFor(user, q.data);
  } catch (err) {
    if (err instanceof z.ZodError) error(403, err.issues[0]?.message ?? "forbidden");
    throw err;
  }
  const name = `${q.data.level}-${q.data.period}-${report.range.from}.${q.data.format}`;
  const body = await renderReport(q.data.format, locals.lang, name, report.rows, report.total);
  return new Response(new Uint8Array(body), {
    headers: {
      "content-type": TYPES[q.data.format],
      "content-disposition": `attachment; filename="${name}"`,
    },
  });
};
