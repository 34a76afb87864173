// Lose Redis, keep ClickHouse: the campaign's list comes back from the event log with each lead's
// attempts, retry schedule, call-back owner, allocation and closures.
import { createClickHouse, insertEvents, migrate } from "@cc/analytics";
import { startClickHouseHost, startRedis } from "@cc/infra";
import { type CallCenterEvent, type EventFields, makeEvent } from "@cc/ingest";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CampaignConfig } from "../campaigns.ts";
import { RedisDialingList } from "./dialing-list.ts";
import { rebuildList } from "./rebuild.ts";

type Redis = ReturnType<typeof createClient>;

const NOON = Date.parse("2026-03-02T04:00:00Z"); // 12:00 in Shanghai
const MIN = 60_000;

describe("rebuilding a dialing list from ClickHouse", () => {
  let host: Awaited<ReturnType<typeof startClickHouseHost>>;
  let ch: ReturnType<typeof createClickHouse>;
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  beforeAll(async () => {
    [host, server] = await Promise.all([startClickHouseHost(), startRedis()]);
    ch = createClickHouse({ url: host.url, ...host.writer });
    await migrate(ch);
    redis = createClient({ url: server.url });
    await redis.connect();
  }, 120_000);
  afterAll(async () => {
    await redis?.quit();
    await ch?.close();
    await server?.stop();
    await host?.stop();
  });

  const cfg = CampaignConfig.parse({
    id: "spring",
    caller_id: "+8657100000000",
    retry: { busy: { delay_s: 600, max: 1 } },
  });
  const ev = (at: number, f: Record<string, unknown>): CallCenterEvent =>
    makeEvent({ org_id: "acme", campaign_id: "spring", ...f } as EventFields, at);
  const lead = (id: string, phone: string, at = NOON - 60 * MIN) =>
    ev(at, {
      kind: "lead.created",
      lead_id: id,
      source: "import",
      phone,
      consent: { given: true, method: "written" },
    });
  const attempt = (id: string, leadId: string, at: number) =>
    ev(at, {
      kind: "call.attempt_created",
      attempt_id: id,
      lead_id: leadId,
      phone: "+8613800000000",
      caller_id: "+8657100000000",
      mode: "predictive",
      attempt_no: 1,
      decision_id: "d",
    });
  const failed = (id: string, leadId: string, cause: string, at: number) =>
    ev(at, { kind: "call.failed", attempt_id: id, lead_id: leadId, cause, ring_s: 5 });

  it("restores fresh, retried, exhausted, called-back, allocated and refused leads", async () => {
    const t = NOON - 30 * MIN;
    const tb = NOON - 5 * MIN;
    await insertEvents(
      ch,
      [
        lead("fresh", "+8613800000001"),
        lead("busy1", "+8613800000002"),
        attempt("a1", "busy1", tb),
        failed("a1", "busy1", "busy", tb + 10_000),
        lead("busy2", "+8613800000003"),
        attempt("a2", "busy2", t - 20 * MIN),
        failed("a2", "busy2", "busy", t - 20 * MIN + 5_000),
        attempt("a3", "busy2", t),
        failed("a3", "busy2", "busy", t + 5_000),
        lead("cb", "+8613800000004"),
        attempt("a4", "cb", t),
        ev(t + 1_000, {
          kind: "call.answered",
          attempt_id: "a4",
          lead_id: "cb",
          detection: "human",
          ring_s: 3,
          detect_ms: 900,
        }),
        ev(t + 60_000, {
          kind: "call.ended",
          attempt_id: "a4",
          lead_id: "cb",
          agent_id: "ann",
          ring_s: 3,
          talk_s: 50,
          hold_s: 0,
          wrap_s: 0,
          hangup_by: "agent",
        }),
        ev(t + 90_000, {
          kind: "call.disposition",
          attempt_id: "a4",
          lead_id: "cb",
          agent_id: "ann",
          disposition: "B",
          next_contact_at: new Date(NOON + 120 * MIN).toISOString(),
          set_by: "agent",
        }),
        lead("mine", "+8613800000005"),
        ev(t, {
          kind: "lead.assigned",
          lead_id: "mine",
          team_id: "north",
          agent_id: "bob",
          assigned_by: "manager",
        }),
        lead("dnc", "+8613800000006"),
        ev(t, { kind: "pacing.lead_refused", lead_id: "dnc", phone: "+8613800000006", reason: "dnc" }),
        lead("other", "+8613800000007"),
      ].filter((e, i, all) => e.kind !== "lead.created" || all.indexOf(e) === i),
    );
    // A lead of another campaign is not this list's business.
    await insertEvents(ch, [
      makeEvent(
        {
          kind: "lead.created",
          org_id: "acme",
          campaign_id: "autumn",
          lead_id: "x",
          source: "api",
          phone: "+8613800000009",
          consent: { given: true, method: "web_form" },
        },
        NOON,
      ),
    ]);

    const r = await rebuildList(ch, redis, { orgId: "acme", campaign: cfg, now: NOON });
    expect(r).toEqual({ leads: 7, due: 5, closed: 2 });
    const list = RedisDialingList.forCampaign(redis, "acme", cfg);
    expect(await list.lead("busy2")).toMatchObject({
      state: "done",
      done_reason: "retries_exhausted",
      attempts: "2",
    });
    expect(await list.lead("dnc")).toMatchObject({ state: "done", done_reason: "dnc" });
    expect(await list.lead("busy1")).toMatchObject({
      state: "due",
      attempts: "1",
      "o:busy": "1",
      day_n: "1",
    });
    expect(await list.lead("cb")).toMatchObject({ state: "due", cb: "1", agent: "ann" });

    // At noon: fresh, other and bob's lead (for bob); busy1 at 12:05:10; the call-back at 14:00, ann's.
    const pool = await list.take(10, NOON);
    expect(pool.leads.map((l) => l.leadId).sort()).toEqual(["fresh", "other"]);
    expect(
      (await list.take(5, NOON, { agentId: "bob", teamIds: ["north"] })).leads.map((l) => l.leadId),
    ).toEqual(["mine"]);
    expect((await list.take(5, tb + 10_000 + 10 * MIN)).leads.map((l) => [l.leadId, l.attemptNo])).toEqual([
      ["busy1", 2],
    ]);
    expect((await list.take(5, NOON + 121 * MIN)).leads).toEqual([]);
    expect((await list.take(5, NOON + 121 * MIN, { agentId: "ann" })).leads).toMatchObject([
      { leadId: "cb", callback: true, attemptNo: 2 },
    ]);

    // Rebuilding again replaces what is there: the same state, nothing doubled.
    await rebuildList(ch, redis, { orgId: "acme", campaign: cfg, now: NOON });
    expect(await list.sizes()).toMatchObject({ taken: 0 });
    const again = await list.take(10, NOON);
    expect(again.leads.map((l) => l.leadId).sort()).toEqual(["fresh", "other"]);
  });
});
