// Keeps a process's search index in step with Redis: a full load (every customer's name and
// company) and then the org's change stream, which the create and update scripts append ids to.
import { custKeys } from "../store/keys.ts";
import type { Redis } from "../store/redis.ts";
import type { CustomerSearchIndex } from "./index.ts";

/** Loads every customer of an org; returns the change-stream id to follow from. */
export async function loadSearchIndex(
  redis: Redis,
  orgId: string,
  index: CustomerSearchIndex,
  batch = 2_000,
): Promise<string> {
  // The stream position first: changes made during the load are replayed after it.
  const last = await redis.xRevRange(custKeys.changes(orgId), "+", "-", { COUNT: 1 });
  const from = last?.[0]?.id ?? "0-0";
  for (let start = 0; ; start += batch) {
    const ids = await redis.zRange(custKeys.all(orgId), start, start + batch - 1);
    if (ids.length === 0) break;
    await refresh(redis, orgId, index, ids);
  }
  return from;
}

async function refresh(
  redis: Redis,
  orgId: string,
  index: CustomerSearchIndex,
  ids: string[],
): Promise<void> {
  const m = redis.multi();
  for (const id of ids) m.hmGet(custKeys.record(orgId, id), ["name", "company"]);
  const rows = (await m.execAsPipeline()) as unknown as (string | null)[][];
  ids.forEach((id, i) => {
    const [name, company] = rows[i] ?? [];
    if (name) index.upsert(id, name, company ?? "");
    else index.remove(id);
  });
}

/** Applies changes after `from` until stopped; `redis` should be a connection of its own (it blocks). */
export function followSearchIndex(
  redis: Redis,
  orgId: string,
  index: CustomerSearchIndex,
  from: string,
  onError: (err: unknown) => void = () => {},
): { stop(): Promise<void>; position(): string } {
  let pos = from;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const res = await redis.xRead(
          { key: custKeys.changes(orgId), id: pos },
          { COUNT: 1_000, BLOCK: 500 },
        );
        const entries = (res as { messages: { id: string; message: Record<string, string> }[] }[] | null)?.[0]
          ?.messages;
        if (!entries?.length) continue;
        pos = entries[entries.length - 1]?.id ?? pos;
        const ids = [...new Set(entries.map((e) => e.message.id).filter((x): x is string => !!x))];
        await refresh(redis, orgId, index, ids);
      } catch (err) {
        if (!running) break;
        onError(err);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  })();
  return {
    position: () => pos,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
