// The calls this media service instance has in hand, in Redis, so that after a crash the next
// start can account for each one (a terminal event, the rtpengine call released, the agent not
// left reserved or on a call) instead of leaving them half-open forever.
import type { createClient } from "redis";

type Redis = ReturnType<typeof createClient>;

export interface JournalEntry {
  attemptId: string;
  campaignId: string;
  leadId: string;
  stage: "dialing" | "answered" | "bridged";
  agentId?: string;
  at: number;
}

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
    for (const v of Object.values(h)) {
      try {
        out.push(JSON.parse(v) as JournalEntry);
      } catch {
        // a torn write: nothing to recover from it
      }
    }
    return out;
  }
}
