// The launcher takes leads for the campaign's ready agents: in preview/progressive each ready
// agent's own allocated leads (then their team's) go first; predictive takes the ready agents'
// teams' leads before the pool. Commands really go to JetStream.
import { startNats, startRedis } from "@cc/infra";
import { connectNats, DialCommand, dialSubject, ensureStreams, jetStreamFor } from "@cc/ingest";
import type { NatsConnection } from "@nats-io/transport-node";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CampaignConfig } from "../campaigns.ts";
import { DEFAULT_CAMPAIGN } from "../core/types.ts";
import { allocateLeads } from "../lists/allocation.ts";
import { RedisDialingList } from "../lists/dialing-list.ts";
import { listLauncher } from "./launcher.ts";

type Redis = ReturnType<typeof createClient>;

async function waitFor<T>(fn: () => T | null, ms = 5_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== null) return v;
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("list launcher", () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  let nc: NatsConnection;
  beforeAll(async () => {
    [nats, server] = await Promise.all([startNats(), startRedis()]);
    redis = createClient({ url: server.url });
    await redis.connect();
    nc = await connectNats(nats.url);
  });
  afterAll(async () => {
    await nc?.drain();
    await redis?.quit();
    await server?.stop();
    await nats?.stop();
  });

  const setup = async (id: string, mode: "preview" | "predictive") => {
    const { js, jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm);
    // A window open all day so the test does not depend on the hour it runs at.
    const cfg = CampaignConfig.parse({
      id,
      mode,
      caller_id: "+8657100000000",
      window: { start: "00:00", end: "24:00" },
    });
    const list = RedisDialingList.forCampaign(redis, "o", cfg);
    for (let i = 0; i < 10; i++)
      await list.add({ leadId: `${id}-${i}`, phone: `+86138${String(i).padStart(8, "0")}`, consent: true });
    const teams: Record<string, string> = { ann: "north", bob: "north", cat: "south" };
    const launch = listLauncher({
      js,
      orgId: "o",
      lists: new Map([[id, list]]),
      campaigns: new Map([[id, cfg]]),
      teamOf: async (a) => teams[a],
    });
    // The commands as the media service receives them (JetStream publishes reach subscribers too).
    const commands: DialCommand[] = [];
    nc.subscribe(dialSubject("o", id), {
      callback: (_e, m) => void commands.push(DialCommand.parse(m.json())),
    });
    await nc.flush();
    return { launch, commands, settings: { ...DEFAULT_CAMPAIGN, campaignId: id, mode } };
  };

  it("preview: each ready agent's own leads first, then their team's, then the pool", async () => {
    const { launch, commands, settings } = await setup("pv", "preview");
    const got = await allocateLeads(redis, {
      orgId: "o",
      campaignId: "pv",
      plan: [
        { teamId: "north", agentIds: ["bob"], quota: 1 },
        { teamId: "south", quota: 1 },
      ],
    });
    const bobs = got.find((a) => a.agentId === "bob")!.leadId;
    const souths = got.find((a) => a.teamId === "south")!.leadId;
    const list = RedisDialingList.forCampaign(
      redis,
      "o",
      CampaignConfig.parse({ id: "pv", caller_id: "+8657100000000" }),
    );
    const r = await launch(settings, "d1", 3, [], ["bob", "cat", "ann"]);
    expect(r.attemptIds).toHaveLength(3);
    expect([(await list.lead(bobs)).state, (await list.lead(souths)).state]).toEqual(["taken", "taken"]);
    expect((await list.sizes()).taken).toBe(3);
    // Each command names the agent its lead was taken for, so media bridges the answer to them.
    await waitFor(() => commands.length === 3 || null);
    const forAgent = new Map(commands.map((c) => [c.lead_id, c.agent_id]));
    expect(forAgent.get(bobs)).toBe("bob");
    expect(forAgent.get(souths)).toBe("cat");
    expect([...forAgent.values()].sort()).toEqual(["ann", "bob", "cat"]);
    expect(commands.every((c) => c.mode === "preview")).toBe(true);
  });

  it("preview with fewer ready agents than leads wanted: the extra leads name nobody", async () => {
    const { launch, commands, settings } = await setup("pv2", "preview");
    const r = await launch(settings, "d3", 3, [], ["ann"]);
    expect(r.attemptIds).toHaveLength(3);
    await waitFor(() => commands.length === 3 || null);
    expect(commands.map((c) => c.agent_id ?? null).sort()).toEqual(["ann", null, null]);
  });

  it("predictive: the ready agents' teams' leads before the pool, never another team's", async () => {
    const { launch, commands, settings } = await setup("pd", "predictive");
    const got = await allocateLeads(redis, {
      orgId: "o",
      campaignId: "pd",
      plan: [
        { teamId: "north", quota: 2 },
        { teamId: "south", quota: 2 },
      ],
    });
    const list = RedisDialingList.forCampaign(
      redis,
      "o",
      CampaignConfig.parse({ id: "pd", caller_id: "+8657100000000" }),
    );
    const r = await launch(settings, "d2", 2, [], ["ann"]);
    expect(r.attemptIds).toHaveLength(2);
    const states = async (team: string) =>
      Promise.all(got.filter((a) => a.teamId === team).map(async (a) => (await list.lead(a.leadId)).state));
    expect(await states("north")).toEqual(["taken", "taken"]);
    expect(await states("south")).toEqual(["due", "due"]);
    // Taken for the campaign, not for an agent: any free agent takes the answer.
    await waitFor(() => commands.length === 2 || null);
    expect(commands.some((c) => c.agent_id !== undefined)).toBe(false);
  });
});
