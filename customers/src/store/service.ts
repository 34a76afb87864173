// The customers service's two loops: the release scheduler (holds back to the public pool at
// 10:00 org time on their expiry day, day-before reminders) and the outbox relay (events the rules
// wrote → NATS JetStream → ClickHouse). Both are safe to run in several processes: a release is a
// compare-and-set script, and JetStream drops a re-published event by its id.
import type { CallCenterEvent } from "@cc/ingest";
import type { Logger } from "pino";
import { OUTBOX } from "./keys.ts";
import { relayOutbox } from "./outbox.ts";
import type { CustomerStore } from "./store.ts";

export interface CustomersLoopsOptions {
  store: CustomerStore;
  publish: (e: CallCenterEvent) => Promise<void>;
  log: Logger;
  /** How often the scheduler looks for due holds (ms); a release is at most this late. */
  releaseEveryMs?: number;
  relayEveryMs?: number;
  onReleased?: (released: number, reminded: number) => void;
  onRelayed?: (published: number) => void;
}

export interface CustomersLoops {
  /** The last scheduler pass: when, and the next hold end it saw. */
  status(): { lastReleaseAt?: number; nextDueAt?: number; relayErrors: number; releaseErrors: number };
  outboxBacklog(): Promise<number>;
  stop(): Promise<void>;
}

function loop(everyMs: number, step: () => Promise<boolean>): { stop(): Promise<void> } {
  let running = true;
  let wake: (() => void) | undefined;
  const done = (async () => {
    while (running) {
      // A step that did a full batch runs again at once (a backlog drains without waiting).
      const more = await step();
      if (!more && running) {
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, everyMs);
        });
      }
    }
  })();
  return {
    stop: async () => {
      running = false;
      wake?.();
      await done;
    },
  };
}

export function startCustomersLoops(o: CustomersLoopsOptions): CustomersLoops {
  const state: { lastReleaseAt?: number; nextDueAt?: number; relayErrors: number; releaseErrors: number } = {
    relayErrors: 0,
    releaseErrors: 0,
  };
  const scheduler = loop(o.releaseEveryMs ?? 1_000, async () => {
    try {
      const now = o.store.now();
      const r = await o.store.releaseDue(now);
      state.lastReleaseAt = now;
      if (r.nextDueAt !== undefined) state.nextDueAt = r.nextDueAt;
      else delete state.nextDueAt;
      if (r.released || r.reminded) {
        o.log.info({ released: r.released, reminded: r.reminded }, "holds released / reminded");
        o.onReleased?.(r.released, r.reminded);
      }
    } catch (err) {
      state.releaseErrors++;
      o.log.warn({ err: (err as Error).message }, "release pass failed; retrying");
    }
    return false;
  });
  const relay = loop(o.relayEveryMs ?? 200, async () => {
    try {
      const r = await relayOutbox(o.store.redis, o.publish, 500);
      if (r.invalid)
        o.log.error({ invalid: r.invalid }, "outbox entries that are not valid events were dropped");
      if (r.published) o.onRelayed?.(r.published);
      return r.published + r.invalid >= 500;
    } catch (err) {
      state.relayErrors++;
      o.log.warn({ err: (err as Error).message }, "outbox relay failed; retrying");
      return false;
    }
  });
  return {
    status: () => ({ ...state }),
    outboxBacklog: async () => Number(await o.store.redis.xLen(OUTBOX)),
    stop: async () => {
      await Promise.all([scheduler.stop(), relay.stop()]);
    },
  };
}
