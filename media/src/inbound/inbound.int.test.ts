// Inbound calls end to end on real servers (drachtio-server ×2, rtpengine, NATS, Redis): a caller
// on the phone switch dials one of our numbers, hears the menu prompt played by rtpengine, presses
// RFC 4733 digits, and reaches the right queue and agent; sticky routing, longest idle, overflow,
// call-back and the blacklist (603) are checked on the events and on the audio.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { createClickHouse, migrate } from "@cc/analytics";
import { type ClickHouseHost, freePort, startClickHouseHost, tempDir } from "@cc/infra";
import {
  type CallCenterEvent,
  makeEvent,
  publishEvent,
  type SinkHandle,
  sinkConfigFromEnv,
  startSink,
} from "@cc/ingest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readWav, wavBytes } from "../cpa/corpus/audio.ts";
import { tone } from "../rtp/endpoint.ts";
import { agentSipCredentials } from "../sip/credentials.ts";
import { type MediaStack, SIP_SECRET, startMediaStack } from "../testing/media-stack.ts";
import { type AgentPhone, framesWithTone, toneShare } from "../testing/phones.ts";
import { type Caller, CallRefused, callIn } from "./caller.ts";
import { popKey } from "./desk.ts";
import { keys } from "./directory.ts";

const MENU_HZ = 500;
const CALLER_HZ = 900;
let stack: MediaStack;
let host: ClickHouseHost;
let sink: SinkHandle;

beforeAll(async () => {
  const dir = await tempDir("inbound-test");
  const prompt = path.join(dir, "menu.wav");
  await writeFile(prompt, wavBytes(tone(MENU_HZ, 1500)));
  stack = await startMediaStack({
    inbound: {
      numbers: {
        "4001": { type: "menu", menu: "main" },
        "4002": { type: "queue", queue: "sales" },
        "4003": { type: "queue", queue: "vip" },
        "4004": { type: "queue", queue: "later" },
        "4005": { type: "voicemail", prompt, max_s: 10 },
      },
      menus: {
        main: {
          prompt,
          timeout_s: 4,
          retries: 1,
          options: { "1": { type: "queue", queue: "sales" }, "2": { type: "queue", queue: "support" } },
        },
      },
      queues: {
        sales: { announce_every_s: 30 },
        support: {},
        vip: { overflow: { after_s: 1.5, to: "sales" } },
        later: {
          skill: "nobody",
          callback: { offer_when_wait_s: 0, campaign_id: "spring" },
          announce_every_s: 30,
        },
      },
      sticky_s: 3,
    },
  });
  host = await startClickHouseHost();
  const ch = createClickHouse({ url: host.url, ...host.writer });
  await migrate(ch);
  await ch.close();
  sink = await startSink(
    sinkConfigFromEnv({
      NATS_URL: stack.natsUrl,
      CLICKHOUSE_URL: host.url,
      CLICKHOUSE_USER: host.writer.username,
      CLICKHOUSE_PASSWORD: host.writer.password,
      SINK_HTTP_PORT: String(await freePort()),
      SINK_BATCH_MS: "50",
      LOG_LEVEL: "warn",
    }),
  );
}, 120_000);

afterAll(async () => {
  await sink?.stop();
  await stack?.stop();
  await host?.stop();
});

const phones: AgentPhone[] = [];
const callers: Caller[] = [];
afterAll(async () => {
  await Promise.allSettled([...phones, ...callers].map((p) => p.hangup()));
});

/** An agent with a phone, logged in with these skills, ready now. */
async function agent(agentId: string, skills: string[]): Promise<AgentPhone> {
  const phone = await stack.phones.agentPhone(
    stack.media.sipUri,
    agentSipCredentials(SIP_SECRET, stack.org, agentId),
  );
  phones.push(phone);
  await stack.waitFor(() => stack.svc.sessions.get(agentId));
  await stack.agentEvent({
    kind: "agent.login",
    org_id: stack.org,
    agent_id: agentId,
    team_id: "t1",
    skills: skills.map((skill) => ({ skill, level: 5 })),
  });
  await stack.agentEvent({
    kind: "agent.state_changed",
    org_id: stack.org,
    agent_id: agentId,
    state: "ready",
    previous_state: "paused",
    previous_state_s: 1,
  });
  await stack.waitFor(() => stack.svc.pool.get(agentId)?.state === "ready");
  return phone;
}

async function call(did: string, from: string): Promise<Caller> {
  const c = await callIn(stack.phones.srf, stack.media.sipUri, did, from);
  callers.push(c);
  return c;
}

type Inbound = Extract<CallCenterEvent, { kind: `inbound.${string}` }>;
const inboundOf = (caller: string): Inbound[] =>
  stack.events.filter((e): e is Inbound => e.kind.startsWith("inbound.") && (e as Inbound).caller === caller);
const kindOf = <K extends Inbound["kind"]>(caller: string, kind: K) =>
  inboundOf(caller).filter((e): e is Extract<Inbound, { kind: K }> => e.kind === kind);

describe("inbound IVR and ACD", () => {
  it("plays the menu, follows the caller's DTMF to the support queue and its agent, audio both ways", async () => {
    const sales = await agent("ag-sales-1", ["sales"]);
    const support = await agent("ag-support-1", ["support"]);
    const c = await call("4001", "+8613800001001");
    // The prompt is rtpengine's playback, heard by the caller.
    await stack.waitFor(() => framesWithTone(c.received, MENU_HZ).length >= 10, 8_000);
    await c.press("2");
    const answered = await stack.waitFor(() => kindOf("+8613800001001", "inbound.answered")[0], 8_000);
    expect(answered).toMatchObject({ queue: "support", agent_id: "ag-support-1", sticky: "none" });
    expect(kindOf("+8613800001001", "inbound.queued")[0]).toMatchObject({ queue: "support", path: "2" });
    expect(kindOf("+8613800001001", "inbound.offered")[0]).toMatchObject({
      caller_class: "new",
      did: "4001",
    });
    c.talk(tone(CALLER_HZ, 400));
    await stack.waitFor(() => framesWithTone(support.received, CALLER_HZ).length >= 10, 5_000);
    expect(framesWithTone(sales.received, CALLER_HZ)).toHaveLength(0);
    support.talk(tone(1300, 400));
    await stack.waitFor(() => framesWithTone(c.received, 1300).length >= 10, 5_000);
    await c.hangup();
    const ended = await stack.waitFor(() => kindOf("+8613800001001", "inbound.ended")[0]);
    expect(ended).toMatchObject({ agent_id: "ag-support-1", hangup_by: "customer" });
    await stack.waitFor(() => stack.svc.pool.get("ag-support-1")?.state === "wrap_up");
    await Promise.all([sales.hangup(), support.hangup()]);
  }, 40_000);

  it("replays the menu after a wrong key, then follows the right one; a caller who gives up in the queue is abandoned", async () => {
    const phone = "+8613800001009";
    const c = await call("4001", phone);
    await stack.waitFor(() => framesWithTone(c.received, MENU_HZ).length >= 10, 8_000);
    await c.press("7");
    const before = c.received.length;
    // The prompt starts again from the top (a second full prompt's worth of tone frames).
    await stack.waitFor(() => framesWithTone(c.received.slice(before), MENU_HZ).length >= 60, 15_000);
    await c.press("1");
    const queued = await stack.waitFor(() => kindOf(phone, "inbound.queued")[0], 15_000);
    expect(queued).toMatchObject({ queue: "sales", path: "1", position: 1 });
    await c.hangup();
    const abandoned = await stack.waitFor(() => kindOf(phone, "inbound.abandoned")[0]);
    expect(abandoned).toMatchObject({ stage: "queue", queue: "sales" });
    expect(kindOf(phone, "inbound.answered")).toHaveLength(0);
  }, 45_000);

  it("gives the call to the longest-idle agent of the skill", async () => {
    const first = await agent("ag-idle-long", ["sales"]);
    await new Promise((r) => setTimeout(r, 300));
    const second = await agent("ag-idle-short", ["sales"]);
    await call("4002", "+8613800001002");
    const answered = await stack.waitFor(() => kindOf("+8613800001002", "inbound.answered")[0], 8_000);
    expect(answered.agent_id).toBe("ag-idle-long");
    await Promise.all([first.hangup(), second.hangup()]);
  }, 30_000);

  it("prefers the customer's owner over a longer-idle agent, and pops the customer to them", async () => {
    const phone = "+8613900002003";
    await publishEvent(
      stack.js,
      makeEvent({
        kind: "lead.created",
        org_id: stack.org,
        lead_id: "L-owner-1",
        source: "manual",
        phone,
        name: "王先生",
        consent: { given: true, method: "written" },
      }),
    );
    await publishEvent(
      stack.js,
      makeEvent({
        kind: "lead.assigned",
        org_id: stack.org,
        lead_id: "L-owner-1",
        agent_id: "ag-owner",
        assigned_by: "manager",
      }),
    );
    await stack.waitFor(async () =>
      ((await stack.redis.hGet(keys.callers(stack.org), phone)) ?? "").includes("ag-owner"),
    );
    const idle = await agent("ag-long-idle", ["sales"]);
    await new Promise((r) => setTimeout(r, 300));
    const owner = await agent("ag-owner", ["sales"]);
    const c = await call("4002", phone);
    const answered = await stack.waitFor(() => kindOf(phone, "inbound.answered")[0], 8_000);
    expect(answered).toMatchObject({ agent_id: "ag-owner", sticky: "owner", lead_id: "L-owner-1" });
    expect(kindOf(phone, "inbound.offered")[0]).toMatchObject({
      caller_class: "existing",
      owner_agent_id: "ag-owner",
    });
    const pop = JSON.parse((await stack.redis.get(popKey(stack.org, "ag-owner"))) ?? "{}");
    expect(pop).toMatchObject({ caller: phone, lead_id: "L-owner-1", queue: "sales" });
    c.talk(tone(CALLER_HZ, 400));
    await stack.waitFor(() => framesWithTone(owner.received, CALLER_HZ).length >= 10, 5_000);
    await c.hangup();
    await Promise.all([idle.hangup(), owner.hangup()]);
  }, 30_000);

  it("waits for the last agent while they are busy, then lets anyone answer after sticky_s", async () => {
    const phone = "+8613900002004";
    await stack.redis.set(keys.lastAgent(stack.org, phone), "ag-last");
    const last = await agent("ag-last", ["sales"]);
    await stack.agentEvent({
      kind: "agent.state_changed",
      org_id: stack.org,
      agent_id: "ag-last",
      state: "paused",
      previous_state: "ready",
      previous_state_s: 1,
      pause_reason: "break",
    });
    await stack.waitFor(() => stack.svc.pool.get("ag-last")?.state === "paused");
    const other = await agent("ag-other", ["sales"]);
    await call("4002", phone);
    const queued = await stack.waitFor(() => kindOf(phone, "inbound.queued")[0]);
    const answered = await stack.waitFor(() => kindOf(phone, "inbound.answered")[0], 10_000);
    expect(answered).toMatchObject({ agent_id: "ag-other", sticky: "none" });
    // Kept for the last agent for sticky_s (3 s) before the other agent could take it.
    expect(Date.parse(answered.occurred_at) - Date.parse(queued.occurred_at)).toBeGreaterThanOrEqual(2_900);
    await Promise.all([last.hangup(), other.hangup()]);
  }, 30_000);

  it("overflows to another skill after the queue's limit", async () => {
    const phone = "+8613800001005";
    const sales = await agent("ag-overflow", ["sales"]);
    await call("4003", phone);
    const answered = await stack.waitFor(() => kindOf(phone, "inbound.answered")[0], 8_000);
    expect(answered).toMatchObject({ agent_id: "ag-overflow", queue: "vip" });
    expect(answered.wait_ms).toBeGreaterThanOrEqual(1_400);
    expect(kindOf(phone, "inbound.queued").map((e) => [e.queue, e.overflow_from])).toEqual([
      ["vip", undefined],
      ["sales", "vip"],
    ]);
    await sales.hangup();
  }, 30_000);

  it("announces the wait and takes a call-back request on 1", async () => {
    const phone = "+8613800001006";
    const c = await call("4004", phone);
    const queued = await stack.waitFor(() => kindOf(phone, "inbound.queued")[0]);
    expect(queued).toMatchObject({ queue: "later", position: 1 });
    // The announcement (espeak-ng speech) reaches the caller before they press 1.
    await stack.waitFor(
      () => c.received.filter((f) => f.pcm.some((x) => Math.abs(x) > 2000)).length >= 20,
      8_000,
    );
    await c.press("1");
    const cb = await stack.waitFor(() => kindOf(phone, "inbound.callback_requested")[0], 8_000);
    expect(cb).toMatchObject({ queue: "later", campaign_id: "spring" });
    // A new caller becomes a lead of the call-back campaign (pacing lists lead.created leads).
    const lead = await stack.waitFor(() =>
      stack.events.find((e) => e.kind === "lead.created" && e.phone === phone && e.source === "inbound_call"),
    );
    expect(lead).toMatchObject({
      campaign_id: "spring",
      lead_id: `in-${cb.attempt_id}`,
      consent: { given: true },
    });
    await stack.waitFor(() => c.ended, 10_000);
  }, 30_000);

  it("takes a voicemail: the prompt, then the caller's audio until # into a WAV", async () => {
    const phone = "+8613800001008";
    const c = await call("4005", phone);
    // The 1.5 s prompt (75 frames) has been heard; recording starts after it.
    await stack.waitFor(() => framesWithTone(c.received, MENU_HZ).length >= 65, 8_000);
    await new Promise((r) => setTimeout(r, 400));
    c.talk(tone(CALLER_HZ, 400));
    await new Promise((r) => setTimeout(r, 1_500));
    await c.press("#");
    const vm = await stack.waitFor(() => kindOf(phone, "inbound.voicemail")[0], 8_000);
    expect(vm.duration_s).toBeGreaterThan(1);
    expect(vm.duration_s).toBeLessThan(5);
    const pcm = readWav(await readFile(vm.file));
    const frames = [];
    for (let i = 0; i + 160 <= pcm.length; i += 160) frames.push({ pcm: pcm.subarray(i, i + 160) });
    // At least a second of the caller's tone is in the message.
    expect(frames.filter((f) => toneShare(f.pcm, CALLER_HZ) > 0.5).length).toBeGreaterThanOrEqual(50);
    await stack.waitFor(() => c.ended, 5_000);
    await stack.waitFor(() => kindOf(phone, "inbound.ended")[0]);
    expect(kindOf(phone, "inbound.abandoned")).toHaveLength(0);
  }, 30_000);

  it("refuses a blacklisted caller with 603 and logs why", async () => {
    const phone = "+8613800001007";
    await stack.svc.inbound!.directory.blacklist("013800001007".replace(/^0/, "")); // national form
    let refused: unknown;
    await call("4002", phone).catch((err: unknown) => {
      refused = err;
    });
    expect(refused).toBeInstanceOf(CallRefused);
    expect((refused as CallRefused).status).toBe(603);
    const e = await stack.waitFor(() => kindOf(phone, "inbound.refused")[0]);
    expect(e).toMatchObject({ reason: "blacklisted", sip_code: 603, did: "4002" });
    expect(kindOf(phone, "inbound.offered")).toHaveLength(0);
  }, 20_000);

  it("lands every inbound event in ClickHouse's inbound_calls (service level figures read it)", async () => {
    const ch = createClickHouse({ url: host.url, ...host.analyst });
    try {
      const rows = await stack.waitFor(async () => {
        const rs = await ch.query({
          query: `SELECT caller, kind, queue, agent_id, reason, caller_class, sticky, wait_ms
                  FROM inbound_calls FINAL WHERE org_id = {org:String} ORDER BY occurred_at`,
          query_params: { org: stack.org },
          format: "JSONEachRow",
        });
        const r = await rs.json<Record<string, string | number>>();
        const published = stack.events.filter((e) => e.kind.startsWith("inbound.")).length;
        return r.length >= published && r.length > 0 ? r : null;
      }, 30_000);
      expect(rows).toContainEqual(
        expect.objectContaining({ caller: "+8613800001007", kind: "inbound.refused", reason: "blacklisted" }),
      );
      expect(rows).toContainEqual(
        expect.objectContaining({
          caller: "+8613900002003",
          kind: "inbound.answered",
          agent_id: "ag-owner",
          sticky: "owner",
        }),
      );
      expect(rows).toContainEqual(
        expect.objectContaining({
          caller: "+8613900002003",
          kind: "inbound.offered",
          caller_class: "existing",
        }),
      );
      expect(rows.filter((r) => r.kind === "inbound.answered")).toHaveLength(5);
    } finally {
      await ch.close();
    }
  }, 40_000);
});
