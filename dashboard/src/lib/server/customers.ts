import { CustomerSearchIndex, CustomerStore, followSearchIndex, loadSearchIndex } from "@cc/customers";
import { log } from "./log.ts";
import { type Redis, redis } from "./redis.ts";

/**
 * The dashboard's handle on @cc/customers: one store on the shared Redis connection, and per org
 * an in-process name/company index for duplicate search, loaded on first use and kept in step
 * by following the org's change stream on a connection of its own (XREAD blocks).
 */
let store: Promise<CustomerStore> | undefined;
const indexes = new Map<string, Promise<CustomerSearchIndex>>();
const followers: { stop(): Promise<void>; conn: Redis }[] = [];

export function customers(): Promise<CustomerStore> {
  store ??= (async () => new CustomerStore({ redis: await redis() }))();
  return store;
}

/** The org's search index (phones are exact in Redis; this serves name and company). */
export function searchIndex(org: string): Promise<CustomerSearchIndex> {
  let ix = indexes.get(org);
  if (!ix) {
    ix = (async () => {
      const r = await redis();
      const index = new CustomerSearchIndex();
      const from = await loadSearchIndex(r, org, index);
      const conn = r.duplicate() as Redis;
      conn.on("error", (err) => log.warn({ err }, "customer search follower: redis error"));
      await conn.connect();
      const f = followSearchIndex(conn, org, index, from, (err) =>
        log.warn({ err, org }, "customer search follower failed, retrying"),
      );
      followers.push({ stop: f.stop, conn });
      return index;
    })();
    ix.catch(() => indexes.delete(org));
    indexes.set(org, ix);
  }
  return ix;
}

/** A store whose duplicate search also sees names and companies (per-org index). */
export async function searchingStore(org: string): Promise<CustomerStore> {
  const r = await redis();
  return new CustomerStore({ redis: r, searchIndex: await searchIndex(org) });
}

export async function stopCustomers(): Promise<void> {
  const fs = followers.splice(0);
  indexes.clear();
  store = undefined;
  await Promise.allSettled(
    fs.map(async (f) => {
      await f.stop();
      await f.conn.quit();
    }),
  );
}
