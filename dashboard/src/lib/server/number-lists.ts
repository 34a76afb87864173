// The DNC list (谢绝来电) and blacklist (黑名单) pages' server side: managers, directors and
// admins of an org add, remove, search and import numbers; every change is an audit event
// (dnc.added / dnc.removed / dnc.imported) that the sink writes to ClickHouse. The lists
// themselves are the Redis sets pacing and media check before every dial.
import { Readable } from "node:stream";
import { importNumbers, listNumber, type NumberList, NumberListStore } from "@cc/pacing";
import { z } from "zod";
import type { SessionUser } from "./auth/types.ts";
import { clickhouse } from "./clickhouse.ts";
import { log } from "./log.ts";
import { publish } from "./nats.ts";
import { redis } from "./redis.ts";

export const ListName = z.enum(["dnc", "blacklist"]);

export async function storeFor(org: string, list: NumberList): Promise<NumberListStore> {
  return new NumberListStore(await redis(), org, list);
}

export const NumberForm = z.object({
  list: ListName,
  phone: z.string().min(1).max(64),
  note: z.string().max(500).optional(),
});

/** Adds one number; false when it was already listed. Unparseable numbers are refused. */
export async function addNumber(
  user: SessionUser,
  f: z.infer<typeof NumberForm>,
): Promise<{ phone: string; added: boolean }> {
  const phone = listNumber(f.phone);
  if (!phone)
    throw new z.ZodError([
      { code: "custom", path: ["phone"], message: "not a phone number", input: f.phone },
    ]);
  const added = (await (await storeFor(user.org, f.list)).add(phone)) === 1;
  if (added) {
    await publish({
      kind: "dnc.added",
      org_id: user.org,
      list: f.list,
      phone,
      by: user.username,
      ...(f.note ? { note: f.note } : {}),
    });
    log.info({ by: user.username, list: f.list, phone }, "number listed");
  }
  return { phone, added };
}

export async function removeNumber(
  user: SessionUser,
  f: z.infer<typeof NumberForm>,
): Promise<{ phone: string; removed: boolean }> {
  const phone = listNumber(f.phone) ?? f.phone;
  const removed = await (await storeFor(user.org, f.list)).remove(phone);
  if (removed) {
    await publish({
      kind: "dnc.removed",
      org_id: user.org,
      list: f.list,
      phone,
      by: user.username,
      ...(f.note ? { note: f.note } : {}),
    });
    log.info({ by: user.username, list: f.list, phone }, "number unlisted");
  }
  return { phone, removed };
}

/** Streams an uploaded registry export into a list; the totals become one dnc.imported event. */
export async function importFile(
  user: SessionUser,
  list: NumberList,
  fileName: string,
  body: ReadableStream<Uint8Array>,
) {
  const store = await storeFor(user.org, list);
  const report = await importNumbers(store, Readable.fromWeb(body as never).setEncoding("utf8"));
  const event = await publish({
    kind: "dnc.imported",
    org_id: user.org,
    list,
    import_id: `imp-${Date.now().toString(36)}`,
    by: user.username,
    file_name: fileName.slice(0, 300),
    lines: report.lines,
    added: report.added,
    already_listed: report.alreadyListed,
    rejected: report.rejected,
  });
  log.info({ by: user.username, list, ...report, rejections: undefined }, "number list imported");
  return { importId: event.kind === "dnc.imported" ? event.import_id : "", ...report };
}

export interface RefusalCount {
  stage: "pacing" | "media";
  reason: string;
  n: number;
}

/**
 * Refusals to dial in the last 7 days by stage (pacing's list, media's gate before the INVITE)
 * and reason, from ClickHouse (view dial_refusals). Empty when ClickHouse cannot answer: the
 * lists stay editable.
 */
export async function refusalCounts(org: string): Promise<RefusalCount[]> {
  try {
    const rs = await clickhouse().query({
      query: `SELECT stage, reason, count() AS n FROM dial_refusals
              WHERE org_id = {org:String} AND occurred_at >= now() - INTERVAL 7 DAY
              GROUP BY stage, reason ORDER BY n DESC, stage, reason`,
      query_params: { org },
      format: "JSONEachRow",
    });
    return (await rs.json<{ stage: "pacing" | "media"; reason: string; n: string | number }>()).map((r) => ({
      ...r,
      n: Number(r.n),
    }));
  } catch (err) {
    log.warn({ err: (err as Error).message }, "refusal counts unavailable");
    return [];
  }
}
