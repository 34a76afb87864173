import {
  displaySql,
  readLatestPacing,
  readLiveAgents,
  readLiveCalls,
  runWallboardQueries,
  type WallboardQueryName,
  type WallboardRows,
  wallboardQueries,
} from "@cc/analytics";
import type { Scope } from "../auth/scope.ts";
import { clickhouse } from "../clickhouse.ts";
import { config } from "../config.ts";
import { log } from "../log.ts";
import { snapshotDuration } from "../metrics.ts";
import { recentRecordingFailures } from "../recordings.ts";
import { redis } from "../redis.ts";
import { readStackHealth } from "../stack.ts";
import { inboundFigures } from "./inbound.ts";
import { type OrgPicture, snapshotFor, type WallboardSnapshot } from "./snapshot.ts";

/** UTC instant of local midnight in `tz` for the day containing `now`. */
export function dayStartIn(tz: string, now: number): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(new Date(now))
      .map((p) => [p.type, p.value]),
  );
  const asUtc = Date.UTC(
    +parts.year!,
    +parts.month! - 1,
    +parts.day!,
    +parts.hour!,
    +parts.minute!,
    +parts.second!,
  );
  const offset = asUtc - Math.floor(now / 1000) * 1000;
  return Date.UTC(+parts.year!, +parts.month! - 1, +parts.day!) - offset;
}

interface Subscriber {
  scope: Scope;
  send: (snap: WallboardSnapshot) => void;
}

/**
 * One ticker per process: once per tick it gathers each org's picture (Redis live state +
 * the aggregated-table queries, never overlapping a slow previous run), computes one
 * snapshot per distinct scope and fans it out to every subscriber with that scope.
 */
class WallboardTicker {
  private subs = new Map<number, Subscriber>();
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private chRows = new Map<string, { rows: WallboardRows; sql: OrgPicture["sql"]; at: number }>();
  private chInFlight = new Set<string>();
  private reads = new Map<string, { value: unknown; refreshing: boolean }>();
  latest = new Map<string, WallboardSnapshot>();

  /** Snapshots computed so far (one per scope per tick), for tests and metrics. */
  computations = 0;
  /** Ticks run so far. */
  ticks = 0;

  subscribe(scope: Scope, send: Subscriber["send"]): () => void {
    const id = this.nextId++;
    this.subs.set(id, { scope, send });
    // Subscribers only ever get the ticks (the page's first render already carries a snapshot).
    // Ticking once more per connect fanned each extra tick out to everyone: ~8 snapshots/s.
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), config().WALLBOARD_TICK_MS);
      // First subscriber: tick now rather than a whole period later.
      void this.tick();
    }
    return () => {
      this.subs.delete(id);
      if (this.subs.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  get subscriberCount() {
    return this.subs.size;
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.subs.clear();
  }

  /**
   * The last value of a ClickHouse read, refreshed in the background: a tick (and so every
   * subscriber's snapshot) waits for ClickHouse only the first time, never on a slow query.
   */
  private async latestOf<T>(key: string, read: () => Promise<T>): Promise<T> {
    const entry = this.reads.get(key);
    if (!entry) {
      const value = await read();
      this.reads.set(key, { value, refreshing: false });
      return value;
    }
    if (!entry.refreshing) {
      entry.refreshing = true;
      read()
        .then((value) => {
          entry.value = value;
        })
        .finally(() => {
          entry.refreshing = false;
        });
    }
    return entry.value as T;
  }

  private refreshClickHouse(orgId: string, now: number, dayStart: number) {
    if (this.chInFlight.has(orgId)) return;
    this.chInFlight.add(orgId);
    const w = { orgId, dayStart: new Date(dayStart), now: new Date(now), serviceLevelSeconds: 20 };
    runWallboardQueries(clickhouse(), w)
      .then(({ rows, queries }) => {
        const sql: OrgPicture["sql"] = {};
        for (const [k, q] of Object.entries(queries)) sql[k as WallboardQueryName] = displaySql(q);
        this.chRows.set(orgId, { rows, sql, at: now });
      })
      .catch((err) => log.warn({ err: String(err), orgId }, "wallboard: ClickHouse queries failed"))
      .finally(() => this.chInFlight.delete(orgId));
  }

  /** The picture of one org right now (also used by the page's first render). */
  async picture(orgId: string, now = Date.now()): Promise<OrgPicture> {
    const r = await redis();
    const all = { orgId };
    const dayStart = dayStartIn(config().CC_TIMEZONE, now);
    const [agents, calls, pacing, stack, recordingFailures, inbound] = await Promise.all([
      readLiveAgents(r, all, now),
      readLiveCalls(r, all, now),
      readLatestPacing(r, all),
      readStackHealth(r, now).catch(() => null),
      this.latestOf(`recordings:${orgId}`, () => recentRecordingFailures(orgId, now).catch(() => [])),
      this.latestOf(`inbound:${orgId}`, () =>
        inboundFigures(orgId, dayStart, now, 20).catch((err) => {
          log.warn({ err: String(err), orgId }, "wallboard: inbound figures failed");
          return null;
        }),
      ),
    ]);
    let ch = this.chRows.get(orgId);
    if (!ch) {
      // First picture of this org: wait for the queries once so the page is not empty.
      this.refreshClickHouse(orgId, now, dayStart);
      while (this.chInFlight.has(orgId)) await new Promise((res) => setTimeout(res, 10));
      ch = this.chRows.get(orgId);
    } else {
      this.refreshClickHouse(orgId, now, dayStart);
    }
    const sql = ch?.sql ?? {};
    if (!ch) {
      for (const [k, q] of Object.entries(
        wallboardQueries({
          orgId,
          dayStart: new Date(dayStart),
          now: new Date(now),
          serviceLevelSeconds: 20,
        }),
      ))
        sql[k as WallboardQueryName] = displaySql(q);
    }
    return {
      orgId,
      at: now,
      dayStart,
      agents,
      calls,
      pacing,
      rows: ch?.rows ?? null,
      sql,
      queries: {},
      abandonCap: config().ABANDON_CAP,
      serviceLevelSeconds: 20,
      stack,
      recordingFailures,
      inbound,
    };
  }

  private async tick() {
    if (this.running) return;
    this.running = true;
    this.ticks++;
    const end = snapshotDuration.startTimer();
    try {
      const byOrg = new Map<string, Subscriber[]>();
      for (const s of this.subs.values()) {
        const list = byOrg.get(s.scope.orgId) ?? [];
        list.push(s);
        byOrg.set(s.scope.orgId, list);
      }
      for (const [orgId, subs] of byOrg) {
        const pic = await this.picture(orgId);
        const cache = new Map<string, WallboardSnapshot>();
        for (const s of subs) {
          const key = JSON.stringify(s.scope);
          let snap = cache.get(key);
          if (!snap) {
            snap = snapshotFor(pic, s.scope);
            this.computations++;
            cache.set(key, snap);
            this.latest.set(key, snap);
          }
          s.send(snap);
        }
      }
    } catch (err) {
      log.warn({ err: String(err) }, "wallboard tick failed");
    } finally {
      end();
      this.running = false;
    }
  }
}

export const wallboard = new WallboardTicker();
