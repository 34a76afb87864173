// Existing customers by phone for the lead import (pacing's `KnownCustomers` shape, matched
// structurally so pacing never depends on this workspace): one HMGET on the org's phone index,
// then one pipelined read of each hit's holder. Read-only; works with `%R~cc:cust:*`.
import { custKeys } from "./keys.ts";
import type { Redis } from "./redis.ts";

export interface KnownCustomerHit {
  customerId: string;
  /** The rep holding the customer (私海); absent in the public pool. */
  holder?: string;
}

export function knownCustomersByPhone(redis: Redis) {
  return {
    /** One entry per E.164 phone, in order: the customer whose record lists it, or null. */
    async known(orgId: string, e164Phones: string[]): Promise<Array<KnownCustomerHit | null>> {
      if (e164Phones.length === 0) return [];
      const ids = await redis.hmGet(custKeys.phones(orgId), e164Phones);
      const hits = [...new Set(ids.filter((id): id is string => typeof id === "string" && id !== ""))];
      if (hits.length === 0) return ids.map(() => null);
      const multi = redis.multi();
      for (const id of hits) multi.hGet(custKeys.record(orgId, id), "owner");
      const owners = (await multi.execAsPipeline()) as unknown as Array<string | null>;
      const holderOf = new Map(hits.map((id, i) => [id, owners[i] || undefined]));
      return ids.map((id) => {
        if (typeof id !== "string" || id === "") return null;
        const holder = holderOf.get(id);
        return holder ? { customerId: id, holder } : { customerId: id };
      });
    },
  };
}
