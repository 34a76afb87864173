import { startRedis } from "@cc/infra";
import { makeEvent } from "@cc/ingest";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CampaignConfig, profileOf } from "../campaigns.ts";
import { RedisDialingList } from "../lists/dialing-list.ts";
import { addLead, SpeedToLead } from "./real-time-leads.ts";

const ORG = "acme";
const CAMPAIGN = "spring";

function lead(id: string, source: "import" | "web_form" | "ad", at: number) {
  return makeEvent(
    {
      kind: "lead.created",
      org_id: ORG,
      lead_id: id,
      source,
      campaign_id: CAMPAIGN,
      phone: `+86138${String(1_000_000 + Number(id.replace(/\D/g, ""))).padStart(8, "0")}`,
      consent: { given: true, method: "web_form" },
    },
    at,
  ) as Extract<ReturnType<typeof makeEvent>, { kind: "lead.created" }>;
}

describe("real-time leads in a Redis dialing list", () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: ReturnType<typeof createClient>;
  beforeAll(async () => {
    server = await startRedis();
    redis = createClient({ url: server.url });
    await redis.connect();
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
  });

  it("takes real-time leads before an imported backlog, in the order they came, behind call-backs", async () => {
    const cfg = CampaignConfig.parse({
      id: CAMPAIGN,
      caller_id: "+8657100000000",
      window: { start: "00:00", end: "24:00" },
    });
    const list = new RedisDialingList({ redis, orgId: ORG, campaignId: CAMPAIGN, profile: profileOf(cfg) });
    const t0 = Date.now() - 60_000;
    // An imported backlog of 200 leads, days old and fresh from this morning.
    for (let i = 0; i < 200; i++) {
      expect(await addLead(list, lead(`imp${i}`, "import", t0 - i * 3_600_000), t0 - i * 1000)).toBe(true);
    }
    // A call-back due now stays first.
    const [cb] = (await list.take(1, t0)).leads;
    await list.settle(cb!.leadId, "live_connected", t0, { callbackAt: t0 });
    // Two web-form leads arrive later, a third one after them.
    await addLead(list, lead("web1", "web_form", t0 + 1000), t0 + 1000);
    await addLead(list, lead("ad2", "ad", t0 + 2000), t0 + 2000);
    await addLead(list, lead("web3", "web_form", t0 + 3000), t0 + 3000);
    // The same lead again (a retried POST) does not jump the queue twice.
    expect(await addLead(list, lead("web1", "web_form", t0 + 4000), t0 + 4000)).toBe(false);
    const taken = (await list.take(5, t0 + 5000)).leads.map((l) => l.leadId);
    expect(taken).toEqual([cb!.leadId, "web1", "ad2", "web3", expect.stringMatching(/^imp/)]);
  });

  it("measures lead received → first call.dialing once per real-time lead", () => {
    const seen: [number, string][] = [];
    const speed = new SpeedToLead((ms, c) => seen.push([ms, c]));
    const t = Date.parse("2026-11-30T08:00:00.000Z");
    speed.apply(lead("w1", "web_form", t));
    speed.apply(lead("i1", "import", t));
    const dialing = (id: string, at: number) =>
      makeEvent(
        {
          kind: "call.dialing",
          org_id: ORG,
          attempt_id: `a-${id}-${at}`,
          campaign_id: CAMPAIGN,
          lead_id: id,
        },
        at,
      );
    speed.apply(dialing("i1", t + 500));
    speed.apply(dialing("w1", t + 2_345));
    speed.apply(dialing("w1", t + 60_000)); // a retry is not speed-to-lead
    expect(seen).toEqual([[2_345, CAMPAIGN]]);
    expect(speed.waiting).toBe(0);
  });
});
