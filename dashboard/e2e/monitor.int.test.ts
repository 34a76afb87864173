// Listen / whisper / barge through the built dashboard: supervisors sign in, the wallboard's
// endpoint asks the media service (real drachtio-server + rtpengine, in-process) over NATS with
// the supervisor's teams. A supervisor of another team is refused; the agent's own supervisor,
// with their SIP phone on the switch, whispers a 1800 Hz tone the agent hears and the customer
// does not. The audit events and the call's quality rows reach ClickHouse through the sink.
import { type EventOf, MonitorRequest } from "@cc/ingest";
import { tone } from "@cc/media";
import { agentSipCredentials } from "@cc/media/credentials";
import { type AgentPhone, framesWithTone } from "@cc/media/testing";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, createUser } from "../src/lib/server/auth/users.ts";
import { launchBrowser, login, type Stack, startStack, until } from "./harness.ts";
import { concatPcm, freeWsPort, type MediaSide, silence, speech, startMediaSide } from "./media.ts";

const ORG = "demo";
const PW = "test-password-123";
const SECRET = "monitor-e2e-secret-0123";
const REALM = "cc.e2e";
const CUSTOMER = "+8613800000001";
const SUPERVISOR_HZ = 1800;
/** The wallboard's SIP identity of user zhang.sup (see dashboard/src/lib/server/monitor.ts). */
const ZHANG_PHONE = "sup-zhang_sup";

let stack: Stack;
let media: MediaSide;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const wsPort = await freeWsPort();
  stack = await startStack({
    MEDIA_SIP_WS_URL: `ws://127.0.0.1:${wsPort}`,
    MEDIA_SIP_SECRET: SECRET,
    MEDIA_SIP_REALM: REALM,
  });
  media = await startMediaSide({
    natsUrl: stack.nats.url,
    redisUrl: stack.redisServer.url,
    org: ORG,
    campaign: "spring",
    sipSecret: SECRET,
    realm: REALM,
    wsPort,
  });
  // "Hello?" (a person: the call is bridged), then the customer listens in silence.
  const hello = speech("喂，你好");
  media.phones.carrier(() => ({
    finalMs: 400,
    final: { answer: true, greeting: concatPcm(silence(300), hello, silence(2_500), hello, silence(60_000)) },
  }));
  for (const [id, name] of [
    ["t1", "销售一组"],
    ["t2", "销售二组"],
  ] as const) {
    await createTeam(stack.redis, { id, org: ORG, name, department: "sales", campaigns: "spring" });
  }
  await createUser(stack.redis, {
    username: "li.agent",
    role: "agent",
    agentId: "a1",
    team: "t1",
    org: ORG,
    password: PW,
    mustChangePassword: false,
  });
  for (const [username, team] of [
    ["zhang.sup", "t1"],
    ["wang.sup", "t2"],
  ] as const) {
    await createUser(stack.redis, {
      username,
      role: "supervisor",
      team,
      org: ORG,
      password: PW,
      mustChangePassword: false,
    });
  }
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await media?.stop();
  await stack?.stop();
});

async function signedIn(username: string): Promise<Page> {
  const ctx = await browser.newContext();
  contexts.push(ctx);
  const page = await ctx.newPage();
  await login(page, stack.url, username, PW);
  return page;
}

async function monitor(page: Page, agent: string, mode: string) {
  const r = await page.request.post(`${stack.url}/wallboard/monitor`, {
    data: { agent, mode },
    headers: { origin: stack.url },
  });
  return { status: r.status(), body: (await r.json()) as { ok: boolean; error?: string; mode?: string } };
}

const whispered = (frames: Parameters<typeof framesWithTone>[0], since: number) =>
  framesWithTone(
    frames.filter((f) => f.at >= since),
    SUPERVISOR_HZ,
    0.3,
  ).length;

describe("listen / whisper / barge from the wallboard", () => {
  let agent: AgentPhone;
  let supervisorPhone: AgentPhone;
  let attempt: string;

  it("bridges a customer to the agent (the call to monitor)", async () => {
    agent = await media.readyAgent("a1");
    const cmd = await media.dial({ phone: CUSTOMER });
    attempt = cmd.attempt_id;
    await until(
      async () => media.of(attempt).find((e) => e.kind === "call.bridged"),
      (e) => e !== undefined,
      "call bridged",
    );
  });

  it("refuses a supervisor of another team (403 out_of_scope) and one without a phone on the switch", async () => {
    const wang = await signedIn("wang.sup");
    expect(await monitor(wang, "a1", "whisper")).toEqual({
      status: 403,
      body: { ok: false, error: "out_of_scope" },
    });
    const zhang = await signedIn("zhang.sup");
    expect(await monitor(zhang, "a1", "listen")).toEqual({
      status: 409,
      body: { ok: false, error: "no_phone" },
    });
    expect(media.svc.monitors.active).toBe(0);
    // Not a valid mode: refused by the dashboard before anything reaches the media service.
    expect((await monitor(zhang, "a1", "shout")).status).toBe(400);
    expect(
      MonitorRequest.safeParse({ supervisor_id: ZHANG_PHONE, agent_id: "a1", mode: "shout", teams: [] })
        .success,
    ).toBe(false);
  });

  it("whisper: the agent hears the supervisor's phone, the customer does not", async () => {
    supervisorPhone = await media.phones.agentPhone(
      media.media.sipUri,
      agentSipCredentials(SECRET, ORG, ZHANG_PHONE),
    );
    supervisorPhone.talk(tone(SUPERVISOR_HZ, 1000, 6000));
    await until(
      async () => media.svc.sessions.get(ZHANG_PHONE),
      (s) => s !== undefined,
      "supervisor's phone on the switch",
    );
    const zhang = await signedIn("zhang.sup");
    const since = performance.now();
    expect(await monitor(zhang, "a1", "whisper")).toEqual({
      status: 200,
      body: { ok: true, attempt_id: attempt, mode: "whisper" },
    });
    await until(
      async () => whispered(agent.received, since),
      (n) => n >= 20,
      "the whisper at the agent's phone",
    );
    const customer = media.phones.calls.find((c) => c.number === CUSTOMER)!;
    expect(whispered(customer.received, since)).toBe(0);
    expect(await monitor(zhang, "a1", "stop")).toMatchObject({
      status: 200,
      body: { ok: true, mode: "stop" },
    });
  });

  it("the audit (agent.monitored) and the call's quality rows reach ClickHouse", async () => {
    media.phones.calls.find((c) => c.number === CUSTOMER)?.dialog?.destroy();
    const audit = await until(
      async () => {
        const rs = await stack.chClient.query({
          query:
            "SELECT supervisor_id, agent_id, attempt_id, mode, phase, reason FROM agent_monitored WHERE org_id = {org:String} ORDER BY occurred_at",
          query_params: { org: ORG },
          format: "JSONEachRow",
        });
        return (await rs.json()) as Record<string, string>[];
      },
      (rows) => rows.length >= 2,
      "agent_monitored rows",
    );
    expect(audit).toEqual([
      {
        supervisor_id: ZHANG_PHONE,
        agent_id: "a1",
        attempt_id: attempt,
        mode: "whisper",
        phase: "started",
        reason: "",
      },
      {
        supervisor_id: ZHANG_PHONE,
        agent_id: "a1",
        attempt_id: attempt,
        mode: "whisper",
        phase: "ended",
        reason: "supervisor",
      },
    ]);
    const quality = await until(
      async () => {
        const rs = await stack.chClient.query({
          query:
            "SELECT leg, source, trunk, agent_id, packets FROM call_quality WHERE attempt_id = {a:String} ORDER BY leg",
          query_params: { a: attempt },
          format: "JSONEachRow",
        });
        return (await rs.json()) as Record<string, unknown>[];
      },
      (rows) => rows.length === 2,
      "call_quality rows",
    );
    // The scripted carrier and agent phone send no RTCP: measured as "none", packets counted.
    expect(quality.map((q) => [q.leg, q.source, q.agent_id])).toEqual([
      ["agent", "none", "a1"],
      ["customer", "none", "a1"],
    ]);
    expect(Number(quality[0]!.packets)).toBeGreaterThan(50);
    const events = media.events.filter((e): e is EventOf<"call.quality"> => e.kind === "call.quality");
    expect(events.map((e) => e.attempt_id)).toEqual([attempt, attempt]);
  });
});
