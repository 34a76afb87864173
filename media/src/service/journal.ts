// The calls this media service instance has in hand, in Redis, so that after a crash the next
// start can account for each one (a terminal event, the rtpengine call released, the agent not
// left reserved or on a call) instead of leaving them half-open forever.
import { parseStoredJson } from "@cc/ingest";
import { pino } from "pino";
import type { createClient } from "redis";
import { z } from "zod";

type Redis = ReturnType<typeof createClient>;

const log = pino({ name: "media-journal" });

export const JournalEntry = z.object({
  attemptId: z.string().min(1),
  campaignId: z.string(),
  leadId: z.string(),
  stage: z.enum(["dialing", "answered", "bridged"]),
  agentId: z.string().optional(),
  at: z.number(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export class InFlightJournal {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, orgId: string, instance: string) {
    this.#redis = redis;
    this.#key = `cc:media:inflight:${orgId}:${instance}`;
  }

  async put(e: JournalEntry): Promise<void> {
    await this.#redis.hSet(this.#key, e.attemptId, JSON.stringify(e));
  }

  async remove(attemptId: string): Promise<void> {
    await this.#redis.hDel(this.#key, attemptId);
  }

  async all(): Promise<JournalEntry[]> {
    const h = await this.#redis.hGetAll(this.#key);
    const out: JournalEntry[] = [];
    for (const [attempt, v] of Object.entries(h)) {
      const r = parseStoredJson(JournalEntry, v);
      // A torn write or a foreign value: nothing to recover from it, but say so.
      if (r.ok) out.push(r.value);
      else log.warn({ key: this.#key, attempt, reason: r.reason }, "in-flight journal entry ignored");
    }
    return out;
  }
}
