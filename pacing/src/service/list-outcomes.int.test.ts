// Call events into the dialing list: a disposition with a next contact becomes a call-back for
// the agent who set it (theirs first, the team's after the grace period); a media refusal for a
// blacklisted number closes the lead.
import { startRedis } from "@cc/infra";
import { type CallCenterEvent, type EventFields, makeEvent } from "@cc/ingest";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CampaignConfig } from "../campaigns.ts";
import { RedisDialingList } from "../lists/dialing-list.ts";
import { ListOutcomes } from "./list-outcomes.ts";

type Redis = ReturnType<typeof createClient>;
const NOON = Date.parse("2026-03-02T04:00:00Z");

describe("call outcomes into the dialing list", () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = createClient({ url: server.url });
    await redis.connect();
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
  });

  const ev = (f: Record<string, unknown>): CallCenterEvent =>
    makeEvent({ org_id: "o", campaign_id: "c", ...f } as EventFields, NOON);

  it("a next contact is a call-back for the agent who set it, then for the team", async () => {
    const cfg = CampaignConfig.parse({ id: "c", caller_id: "+8657100000000", callback_grace_s: 300 });
    const list = RedisDialingList.forCampaign(redis, "o", cfg);
    const outcomes = new ListOutcomes(new Map([["c", list]]));
    await list.add({ leadId: "L", phone: "+8613800000001", consent: true, teamId: "north" }, NOON);
    await list.take(1, NOON, { teamIds: ["north"] });
    const ids = { attempt_id: "a1", lead_id: "L" };
    await outcomes.apply(
      ev({
        kind: "call.attempt_created",
        ...ids,
        phone: "+8613800000001",
        caller_id: "+8657100000000",
        mode: "preview",
        attempt_no: 1,
        decision_id: "d",
      }),
      NOON,
    );
    await outcomes.apply(
      ev({ kind: "call.answered", ...ids, detection: "human", ring_s: 2, detect_ms: 800 }),
      NOON,
    );
    await outcomes.apply(
      ev({
        kind: "call.ended",
        ...ids,
        agent_id: "ann",
        ring_s: 2,
        talk_s: 40,
        hold_s: 0,
        wrap_s: 0,
        hangup_by: "customer",
      }),
      NOON,
    );
    const at = NOON + 3_600_000;
    await outcomes.apply(
      ev({
        kind: "call.disposition",
        ...ids,
        agent_id: "ann",
        disposition: "C",
        next_contact_at: new Date(at).toISOString(),
        set_by: "agent",
      }),
      NOON,
    );
    expect(await list.lead("L")).toMatchObject({ state: "due", cb: "1", agent: "ann", team: "north" });
    expect((await list.take(1, at + 1_000, { agentId: "bob", teamIds: ["north"] })).leads).toEqual([]);
    const bob = await list.take(1, at + 301_000, { agentId: "bob", teamIds: ["north"] });
    expect(bob.leads).toMatchObject([{ leadId: "L", callback: true }]);
  });

  it("a blacklist refusal by media closes the lead for good", async () => {
    const cfg = CampaignConfig.parse({ id: "c", caller_id: "+8657100000000" });
    const list = RedisDialingList.forCampaign(redis, "o2", cfg);
    const outcomes = new ListOutcomes(new Map([["c", list]]));
    await list.add({ leadId: "B", phone: "+8613800000002", consent: true }, NOON);
    await list.take(1, NOON);
    await outcomes.apply(
      ev({
        kind: "call.blocked",
        attempt_id: "a2",
        lead_id: "B",
        phone: "+8613800000002",
        reason: "blacklist",
      }),
      NOON,
    );
    expect(await list.lead("B")).toMatchObject({ state: "done", done_reason: "blacklist", attempts: "0" });
  });
});
