// The dashboard's handle on the sales side of @cc/customers: the viewer's visibility scope,
// "today" in the org's zone, publishing the events the rules return, and the ownership
// lookup orders ask (holderAt) so performance is credited only for held customers.
import type { HolderAt } from "@cc/customers";
import type { CallCenterEvent } from "@cc/ingest";
import { publishEvent } from "@cc/ingest";
import { jetstream } from "@nats-io/jetstream";
import { scopeFor } from "./auth/scope.ts";
import type { SessionUser } from "./auth/types.ts";
import { config } from "./config.ts";
import { customers } from "./customers.ts";
import { nats } from "./nats.ts";
import { redis } from "./redis.ts";

/** What the viewer may see: agent own, manager the department's teams, director all. */
export async function salesScope(user: SessionUser) {
  return await scopeFor(await redis(), user);
}

/** The calendar day in the org's zone (YYYY-MM-DD). */
export function localDay(now = Date.now(), timeZone = config().CC_TIMEZONE): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(now);
}

/** Publishes an event a rule built (already validated); Nats-Msg-Id = event id. */
export async function publishBuilt(event: CallCenterEvent): Promise<void> {
  await publishEvent(jetstream(await nats()), event);
}

/** Who held a customer at an instant, from the customers store (null = public pool). */
export function holderLookup(org: string): HolderAt {
  return async (customerId, ts) => (await (await customers()).holderAt(org, customerId, ts)) ?? null;
}
