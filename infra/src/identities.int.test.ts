// Each service's NATS user and Redis ACL user against real servers with authentication on: the
// identity does its job with the service's own code, and is refused outside its subjects and keys.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { type LiveRedis, migrate, readLiveAgent, startLiveStateProjector } from "@cc/analytics";
import {
  type CallCenterEvent,
  COMMANDS_STREAM,
  connectNats,
  type DialCommand,
  DLQ_STREAM,
  dialSubject,
  EVENTS_STREAM,
  ensureStreams,
  jetStreamFor,
  makeEvent,
  mediaRequestSubject,
  newEventId,
  publishDialCommand,
  publishEvent,
  type SinkHandle,
  startIntake,
  startSink,
  subjectFor,
} from "@cc/ingest";
import { sinkConfigFor, waitFor, writerClient } from "@cc/ingest/testing";
import {
  allocateLeads,
  CampaignConfig,
  DncStore,
  leadImport,
  leadsDurableFor,
  listKeys,
  NumberListStore,
  profileOf,
  RedisDialingList,
  startLeadIntake,
} from "@cc/pacing";
import { AckPolicy, DeliverPolicy, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  IDENTITIES,
  type Identity,
  type IdentityPasswords,
  natsUsers,
  redisUsers,
  serviceUrls,
} from "./identities.ts";
import { type ClickHouseHost, startClickHouseHost } from "./launchers/clickhouse.ts";
import { type NatsServer, startNats } from "./launchers/nats.ts";
import { releaseTempDir, tempDir } from "./launchers/process.ts";
import { type RedisServer, startRedis } from "./launchers/redis.ts";

type Redis = ReturnType<typeof createClient>;
const ORG = "demo";
const CAMPAIGN = "spring";
const SINK_DURABLE = "cc-sink-clickhouse";
const passwords = (): IdentityPasswords =>
  Object.fromEntries(
    IDENTITIES.map((id) => [id, randomBytes(18).toString("base64url")]),
  ) as IdentityPasswords;
const natsPw = passwords();
const redisPw = passwords();

let nats: NatsServer;
let redis: RedisServer;
let host: ClickHouseHost;
const conns: NatsConnection[] = [];
const clients: Redis[] = [];

async function asNats(id: Identity): Promise<NatsConnection> {
  const nc = await connectNats(nats.urlFor(id), { name: `test-${id}`, maxReconnectAttempts: 0 });
  conns.push(nc);
  return nc;
}

async function asRedis(id: Identity): Promise<Redis> {
  const c = createClient({ url: redis.urlFor(id) }) as Redis;
  c.on("error", () => undefined);
  await c.connect();
  clients.push(c);
  return c;
}

/** A JetStream publish is a request: a refused subject rejects it with the server's permission error. */
async function expectPublishRefused(nc: NatsConnection, subject: string): Promise<void> {
  await expect(jetstream(nc).publish(subject, "{}", { timeout: 5_000 })).rejects.toThrow(
    /permissions violation/i,
  );
}

/** A refused subscription is closed by the client with the server's permission error. */
async function expectSubscribeRefused(nc: NatsConnection, subject: string): Promise<void> {
  const sub = nc.subscribe(subject);
  const closed = await Promise.race([
    sub.closed,
    new Promise((r) => setTimeout(() => r("still open"), 5_000)),
  ]);
  expect(String(closed)).toMatch(/permissions violation/i);
}

const NOPERM = /NOPERM/;

function dialCommand(attempt: string, phone = "+8613800000001"): DialCommand {
  const now = Date.now();
  return {
    kind: "cmd.dial",
    attempt_id: attempt,
    org_id: ORG,
    campaign_id: CAMPAIGN,
    lead_id: `lead-${attempt}`,
    phone,
    caller_id: "+8657100000000",
    mode: "predictive",
    attempt_no: 1,
    decision_id: "decision-1",
    issued_at: new Date(now).toISOString(),
    expires_at: new Date(now + 60_000).toISOString(),
  };
}

function agentState(agent: string, state: "ready" | "paused"): CallCenterEvent {
  return makeEvent({
    kind: "agent.state_changed",
    org_id: ORG,
    agent_id: agent,
    state,
    previous_state: "logged_out",
    previous_state_s: 1,
    ...(state === "paused" ? { pause_reason: "break" } : {}),
  } as never);
}

beforeAll(async () => {
  [nats, redis, host] = await Promise.all([
    startNats({ users: natsUsers(natsPw, { orgId: ORG, sinkDurable: SINK_DURABLE }) }),
    startRedis({ users: redisUsers(redisPw) }),
    startClickHouseHost(),
  ]);
  // As npm start does: the stack identity sets the streams up before any service runs.
  const stack = await asNats("stack");
  await ensureStreams((await jetStreamFor(stack)).jsm);
  const ch = writerClient(host);
  await migrate(ch);
  await ch.close();
}, 120_000);

afterAll(async () => {
  for (const nc of conns) await nc.close().catch(() => undefined);
  for (const c of clients) await c.quit().catch(() => undefined);
  await Promise.all([nats?.stop(), redis?.stop(), host?.stop()]);
});

describe("service identities (nats-server and redis-server with auth on)", () => {
  it("refuses a client without credentials or with a wrong password, on both servers", async () => {
    await expect(connectNats(nats.url, { maxReconnectAttempts: 0 })).rejects.toThrow(/authorization/i);
    const wrong = nats.url.replace("nats://", "nats://pacing:not-the-password@");
    await expect(connectNats(wrong, { maxReconnectAttempts: 0 })).rejects.toThrow(/authorization/i);

    // node-redis says HELLO on connect; without a login the server refuses it (no retries here).
    const refused = async (url: string) => {
      const c = createClient({ url, socket: { reconnectStrategy: false } });
      c.on("error", () => undefined);
      const err = await c.connect().then(
        () => null,
        (e: unknown) => String(e),
      );
      await c.destroy();
      return err;
    };
    expect(await refused(redis.url)).toMatch(/NOAUTH/);
    expect(await refused(redis.url.replace("redis://", "redis://pacing:not-the-password@"))).toMatch(
      /WRONGPASS/,
    );
  });

  it("a restarted redis-server keeps what services wrote in transactions and scripts", async () => {
    // redis-server 7.0 replays MULTI/EXEC and script effects from the AOF as `default`: with
    // `default` locked down they were dropped at start, and every user and list with them.
    const dir = await tempDir("redis-restart");
    try {
      const users = redisUsers(redisPw);
      let server = await startRedis({ dataDir: dir, users });
      const write = async (id: Identity) => {
        const c = createClient({ url: server.urlFor(id) }) as Redis;
        await c.connect();
        return c;
      };
      const dashboard = await write("dashboard");
      await dashboard.multi().hSet("cc:user:restart", { role: "agent" }).sAdd("cc:users", "restart").exec();
      await dashboard.quit();
      const pacingRedis = await write("pacing");
      const cfg = CampaignConfig.parse({ id: "restart", caller_id: "+8657100000000" });
      const list = new RedisDialingList({
        redis: pacingRedis,
        orgId: ORG,
        campaignId: "restart",
        profile: profileOf(cfg),
      });
      await list.add({ leadId: "R1", phone: "+8613800000003", consent: true });
      await pacingRedis.quit();
      await server.stop();

      server = await startRedis({ dataDir: dir, users });
      try {
        const d = await write("dashboard");
        expect(await d.hGet("cc:user:restart", "role")).toBe("agent");
        expect(await d.sIsMember("cc:users", "restart")).toBe(1);
        await d.quit();
        const p = await write("pacing");
        const again = new RedisDialingList({
          redis: p,
          orgId: ORG,
          campaignId: "restart",
          profile: profileOf(cfg),
        });
        expect((await again.sizes()).fresh).toBe(1);
        await p.quit();
      } finally {
        await server.stop();
      }
    } finally {
      await releaseTempDir(dir);
    }
  });

  it("npm start hands each service a URL with its own identity, only for servers it launched", () => {
    const urls = { nats: nats.url, redis: redis.url };
    const creds = { nats: natsPw, redis: redisPw };
    const media = serviceUrls("media", urls, { nats: true, redis: true }, creds);
    expect(media.NATS_URL).toBe(nats.urlFor("media"));
    expect(media.REDIS_URL).toBe(redis.urlFor("media"));
    // The sink does not use Redis; an external server's URL is left as the operator gave it.
    expect(serviceUrls("sink", urls, { nats: true, redis: true }, creds)).toEqual({
      NATS_URL: nats.urlFor("sink"),
    });
    expect(serviceUrls("media", urls, { nats: false, redis: false }, creds)).toEqual({});
  });

  it("intake and sink: events once in ClickHouse, malformed and org-mismatched ones dead-lettered", async () => {
    const intake = await startIntake({
      natsUrl: nats.urlFor("intake"),
      http: { port: 0, host: "127.0.0.1" },
      apiKeys: [{ name: "acme-web", key: "acme-intake-key-0123456789", org_id: "acme" }],
      metricsApiKeys: [],
      bodyLimitBytes: 64 * 1024,
      maxEvents: 500,
      defaultRegion: "CN",
      idempotencyTtlMs: 3_600_000,
      streams: { duplicateWindowMs: 600_000, maxAgeMs: 7 * 86_400_000 },
      logLevel: "warn",
    });
    let sink: SinkHandle | undefined;
    try {
      const sinkCfg = sinkConfigFor(nats.urlFor("sink"), host, {
        durable: SINK_DURABLE,
        streams: { duplicateWindowMs: 600_000, maxAgeMs: 7 * 86_400_000 },
      });
      sink = await startSink(sinkCfg);
      const event = makeEvent({
        kind: "call.answered",
        org_id: "acme",
        campaign_id: CAMPAIGN,
        attempt_id: "att-1",
        lead_id: "lead-1",
        detection: "human",
        detect_ms: 500,
        ring_s: 4,
      });
      const post = async () =>
        (await fetch(`http://127.0.0.1:${intake.port}/v1/events`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": "acme-intake-key-0123456789" },
          body: JSON.stringify(event),
        }).then((r) => r.json())) as { accepted: number; duplicates: number };
      expect(await post()).toMatchObject({ accepted: 1, duplicates: 0 });
      expect(await post()).toMatchObject({ accepted: 0, duplicates: 1 });

      // A raw client with the intake's identity (not our publisher): a copy under another
      // message id, a body that is not JSON and an acme event on globex's subject.
      const raw = jetstream(await asNats("intake"));
      await raw.publish(subjectFor(event), JSON.stringify(event), { msgID: "another-message-id" });
      await raw.publish("cc.events.acme.call.answered.spring", "{not json", { msgID: "bad-1" });
      const { id: _id, occurred_at: _at, ...fields } = event as Record<string, unknown>;
      const foreign = makeEvent(fields as never);
      await raw.publish(subjectFor(foreign).replace(".acme.", ".globex."), JSON.stringify(foreign));

      const ch = writerClient(host);
      try {
        const rows = async (id: string) => {
          const rs = await ch.query({
            query: "SELECT count() AS c FROM events WHERE event_id = {id:UUID}",
            query_params: { id },
            format: "JSONEachRow",
          });
          return Number((await rs.json<{ c: string }>())[0]?.c);
        };
        await waitFor(
          "the event in ClickHouse",
          () => rows(event.id),
          (c) => c >= 1,
        );
        await waitFor(
          "two dead letters",
          async () => sink?.stats().dlq ?? 0,
          (n) => n >= 2,
        );
        expect(await rows(event.id)).toBe(1);
        expect(await rows(foreign.id)).toBe(0);
      } finally {
        await ch.close();
      }

      const stack = await asNats("stack");
      const { js, jsm } = await jetStreamFor(stack);
      await jsm.consumers.add(DLQ_STREAM, { durable_name: "test-dlq", ack_policy: AckPolicy.None });
      const batch = await (await js.consumers.get(DLQ_STREAM, "test-dlq")).fetch({
        max_messages: 2,
        expires: 5_000,
      });
      const reasons: string[] = [];
      for await (const m of batch) reasons.push((m.json() as { reason: string }).reason);
      expect(reasons.sort()).toEqual(["invalid_json", "subject_mismatch"]);
    } finally {
      await sink?.stop();
      await intake.stop();
    }
  });

  it("intake and sink are refused outside events and dead letters", async () => {
    const intake = await asNats("intake");
    await expectPublishRefused(intake, dialSubject(ORG, CAMPAIGN));
    await expectPublishRefused(intake, "cc.dlq.sink");
    const { jsm } = await jetStreamFor(intake);
    await expect(
      jsm.consumers.add(COMMANDS_STREAM, { durable_name: "peek", ack_policy: AckPolicy.None }),
    ).rejects.toThrow(/permissions violation/i);
    await expect(jsm.streams.purge(EVENTS_STREAM)).rejects.toThrow(/permissions violation/i);
    await expectSubscribeRefused(intake, "cc.cmd.>");
    // Nor can it listen in on other identities' replies (pulled messages arrive there).
    await expectSubscribeRefused(intake, "_INBOX.media.>");

    const sink = await asNats("sink");
    // Stream settings are the stack's: a service asking for others keeps them, and still starts.
    const sinkJsm = (await jetStreamFor(sink)).jsm;
    await ensureStreams(sinkJsm, { maxAgeMs: 60_000 });
    expect((await sinkJsm.streams.info(EVENTS_STREAM)).config.max_age).toBe(7 * 86_400_000 * 1_000_000);
    await expectPublishRefused(sink, subjectFor(agentState("a-1", "ready")));
    await expectPublishRefused(sink, dialSubject(ORG, CAMPAIGN));
    await expect(
      (await jetStreamFor(sink)).jsm.consumers.add(EVENTS_STREAM, {
        durable_name: "another-sink",
        ack_policy: AckPolicy.Explicit,
      }),
    ).rejects.toThrow(/permissions violation/i);
  });

  it("pacing: its lists in Redis, dial commands and decisions on NATS, and nothing of others", async () => {
    const nc = await asNats("pacing");
    const r = await asRedis("pacing");
    const cfg = CampaignConfig.parse({ id: CAMPAIGN, caller_id: "+8657100000000" });
    const list = new RedisDialingList({
      redis: r,
      orgId: ORG,
      campaignId: CAMPAIGN,
      profile: profileOf(cfg),
    });
    expect(await list.add({ leadId: "L1", phone: "+8613800000001", consent: true })).toBe(true);
    await new DncStore(r, ORG).add("+8613800000099");
    const { js } = await jetStreamFor(nc);
    const attempt = newEventId();
    expect((await publishDialCommand(js, dialCommand(attempt))).duplicate).toBe(false);
    // Decisions go out as plain publishes; JetStream stores them like any event.
    const decision = makeEvent({
      kind: "pacing.decision",
      org_id: ORG,
      campaign_id: CAMPAIGN,
      decision_id: "decision-1",
      mode: "predictive",
      algorithm: "test",
      launch: 1,
      agents_logged_in: 1,
      agents_ready: 1,
      attempts_in_flight: 0,
      expected_agents_free: 1,
      expected_live_answers: 1,
      predicted_abandon_probability: 0,
      abandon_budget_left: 0.03,
      explanation: {},
    } as never);
    nc.publish(subjectFor(decision), JSON.stringify(decision));
    await nc.flush();
    const stack = (await jetStreamFor(await asNats("stack"))).jsm;
    const stored = await waitFor(
      "decision stored",
      () => stack.streams.getMessage(EVENTS_STREAM, { last_by_subj: subjectFor(decision) }).catch(() => null),
      (m) => m !== null,
      10_000,
    );
    expect(stored?.json<{ id: string }>().id).toBe(decision.id);

    // Leads reach pacing through its durable consumer (created, pulled and acked under its ACLs).
    const lead = makeEvent({
      kind: "lead.created",
      org_id: ORG,
      lead_id: "L-durable",
      source: "web_form",
      campaign_id: CAMPAIGN,
      phone: "+8613800000002",
      consent: { given: true, method: "web_form" },
    });
    const intakeNc = await asNats("intake");
    await jetstream(intakeNc).publish(subjectFor(lead), JSON.stringify(lead));
    const heard: string[] = [];
    const leads = await startLeadIntake({
      nats: nc,
      orgId: ORG,
      durable: leadsDurableFor(ORG),
      onLead: async (e) => void heard.push(e.lead_id),
    });
    await waitFor(
      "lead consumed",
      async () => heard,
      (h) => h.includes("L-durable"),
      10_000,
    );
    await leads.stop();

    await expectPublishRefused(nc, subjectFor(agentState("a-1", "ready")));
    await expectPublishRefused(nc, dialSubject("globex", CAMPAIGN));
    await expectSubscribeRefused(nc, "cc.events.globex.>");
    await expect(r.hSet("cc:live:agent:demo:a-1", "state", "ready")).rejects.toThrow(NOPERM);
    await expect(r.get("cc:session:abc")).rejects.toThrow(NOPERM);
    await expect(r.flushAll()).rejects.toThrow(NOPERM);
  });

  it("media: pulls its dial commands, claims attempts, answers hangups; cannot rewrite live state", async () => {
    // What pacing owns and media only reads or executes: a DNC number and a dial command.
    await new DncStore(await asRedis("pacing"), ORG).add("+8613800000099");
    const pacing = (await jetStreamFor(await asNats("pacing"))).js;
    const attempt = newEventId();
    await publishDialCommand(pacing, dialCommand(attempt));

    const nc = await asNats("media");
    const { js, jsm } = await jetStreamFor(nc);
    const durable = `media-dialer-${ORG}`;
    await jsm.consumers.add(COMMANDS_STREAM, {
      durable_name: durable,
      filter_subject: dialSubject(ORG, "*"),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
    });
    const seen: string[] = [];
    const batch = await (await js.consumers.get(COMMANDS_STREAM, durable)).fetch({
      max_messages: 10,
      expires: 3_000,
    });
    for await (const m of batch) {
      seen.push((m.json() as DialCommand).attempt_id);
      m.ack();
    }
    expect(seen).toContain(attempt);

    const r = await asRedis("media");
    expect(await r.set(`cc:media:claim:${ORG}:${attempt}`, "media-1", { NX: true, EX: 60 })).toBe("OK");
    await r.hSet(`cc:media:inflight:${ORG}:media-1`, attempt, "{}");
    // Reads what pacing and the projector own: the DNC list (dial gate) and agents' live state.
    expect(await new DncStore(r, ORG).has("+8613800000099")).toBe(true);
    await r.hGetAll("cc:live:agent:demo:a-1");
    await expect(new DncStore(r, ORG).add("+8613800000100")).rejects.toThrow(NOPERM);
    await expect(r.hSet("cc:live:agent:demo:a-1", "state", "ready")).rejects.toThrow(NOPERM);
    await expect(r.zAdd(listKeys.queue(ORG, CAMPAIGN, "fresh"), { score: 1, value: "x" })).rejects.toThrow(
      NOPERM,
    );

    // Answers the dashboard's hangup request (replies go to the dashboard's own inbox).
    const sub = nc.subscribe(mediaRequestSubject(ORG, "hangup"), {
      callback: (_err, m) => {
        m.respond(JSON.stringify({ ok: true }));
      },
    });
    await nc.flush();
    const dashboard = await asNats("dashboard");
    const reply = await dashboard.request(mediaRequestSubject(ORG, "hangup"), "{}", { timeout: 5_000 });
    expect(reply.json()).toEqual({ ok: true });
    sub.unsubscribe();

    await expectPublishRefused(nc, dialSubject(ORG, CAMPAIGN));
    await expectPublishRefused(nc, `cc.events.${ORG}.lead.created.${CAMPAIGN}`);
    await expect(
      jsm.consumers.add(EVENTS_STREAM, { durable_name: "media-peek", ack_policy: AckPolicy.None }),
    ).rejects.toThrow(/permissions violation/i);
  });

  it("number lists and allocation: the dashboard edits DNC/blacklist and allocates; pacing reads the blacklist as it takes", async () => {
    const dr = await asRedis("dashboard");
    await new NumberListStore(dr, ORG, "dnc").add("+8613700000001");
    await new NumberListStore(dr, ORG, "blacklist").add("+8613700000002");
    await publishEvent(
      jetstream(await asNats("dashboard")),
      makeEvent({
        kind: "dnc.added",
        org_id: ORG,
        list: "blacklist",
        phone: "+8613700000002",
        by: "li.manager",
      }),
    );
    const pr = await asRedis("pacing");
    const cfg = CampaignConfig.parse({
      id: "acl-lists",
      caller_id: "+8657100000000",
      window: { start: "00:00", end: "24:00" },
    });
    const list = RedisDialingList.forCampaign(pr as never, ORG, cfg);
    for (let i = 1; i <= 4; i++)
      await list.add({ leadId: `acl-${i}`, phone: `+861370000000${i}`, consent: true });
    // The dashboard allocates (Lua over cc:list:*), pacing's take reads both lists inside its script.
    const got = await allocateLeads(dr, {
      orgId: ORG,
      campaignId: cfg.id,
      plan: [{ teamId: "north", quota: 1 }],
    });
    expect(got).toHaveLength(1);
    const taken = await list.take(10, Date.now(), { teamIds: ["north"] });
    expect(taken.skipped.map((x) => x.reason).sort()).toEqual(["blacklist", "dnc"]);
    await publishEvent(
      jetstream(await asNats("pacing")),
      makeEvent({
        kind: "lead.assigned",
        org_id: ORG,
        campaign_id: cfg.id,
        lead_id: "acl-3",
        assigned_by: "pool_return",
      }),
    );
    await expect(new NumberListStore(pr, ORG, "blacklist").add("+8613700000009")).rejects.toThrow(NOPERM);
    // The media gate sees both lists; media may not edit the DNC list.
    const mr = await asRedis("media");
    expect(await new DncStore(mr, ORG).listed("+8613700000002")).toBe("blacklist");
    expect(await new DncStore(mr, ORG).listed("+8613700000001")).toBe("dnc");
  });

  it("projector writes the live picture; the dashboard reads it, publishes agent events, never dial commands", async () => {
    const projector = await startLiveStateProjector({
      nats: await asNats("projector"),
      redis: (await asRedis("projector")) as unknown as LiveRedis,
    });
    try {
      const dashboard = await asNats("dashboard");
      const dr = await asRedis("dashboard");
      await publishEvent(jetstream(dashboard), agentState("a-7", "ready"));
      const agent = await waitFor(
        "agent in live state",
        () => readLiveAgent(dr as unknown as LiveRedis, ORG, "a-7", Date.now()),
        (a) => a?.state === "ready",
        15_000,
      );
      expect(agent?.agentId).toBe("a-7");

      await dr.set("cc:session:test", "{}", { EX: 60 });
      await dr.hSet("cc:user:alice", "org", ORG);
      await expect(dr.hSet("cc:live:agent:demo:a-7", "state", "paused")).rejects.toThrow(NOPERM);
      await expect(dr.set(`cc:media:claim:${ORG}:x`, "me")).rejects.toThrow(NOPERM);
      await expect(publishDialCommand(jetstream(dashboard), dialCommand(newEventId()))).rejects.toThrow(
        /permissions violation/i,
      );
      await expectPublishRefused(dashboard, `cc.events.${ORG}.call.answered.${CAMPAIGN}`);

      const pr = await asRedis("projector");
      await expect(pr.get("cc:session:test")).rejects.toThrow(NOPERM);
      await expectPublishRefused(await asNats("projector"), subjectFor(agentState("a-8", "ready")));
    } finally {
      await projector.stop();
    }
  });

  it("floor: feeds leads and reads list sizes, nothing more", async () => {
    const nc = await asNats("floor");
    const lead = makeEvent({
      kind: "lead.created",
      org_id: ORG,
      campaign_id: CAMPAIGN,
      lead_id: "lead-floor-1",
      phone: "+8613800000002",
      source: "web_form",
      consent: { given: true, method: "web_form" },
    } as never);
    expect((await publishEvent(jetstream(nc), lead)).duplicate).toBe(false);
    await expectPublishRefused(nc, subjectFor(agentState("a-1", "ready")));
    const r = await asRedis("floor");
    expect(await r.zCard(listKeys.queue(ORG, CAMPAIGN, "fresh"))).toBeGreaterThanOrEqual(0);
    await expect(r.zAdd(listKeys.queue(ORG, CAMPAIGN, "fresh"), { score: 1, value: "x" })).rejects.toThrow(
      NOPERM,
    );
  });

  it("importer: imports a list (lead.created, its ledger, DNC read), nothing more", async () => {
    const nc = await asNats("importer");
    const r = await asRedis("importer");
    const dir = await tempDir("importer");
    try {
      const file = path.join(dir, "list.csv");
      await writeFile(file, "姓名,手机\n王伟,138 0000 0003\n李娜,1380000000\n");
      const report = await leadImport.runImport({
        source: file,
        orgId: ORG,
        campaignId: CAMPAIGN,
        js: jetstream(nc),
        redis: r as never,
      });
      expect(report.counts).toMatchObject({ rowsRead: 2, imported: 1, rejected: 1, rowsLost: 0 });
      expect(await r.sIsMember(`cc:dnc:${ORG}`, "+8613800000003")).toBe(0);
      await expect(r.sAdd(`cc:dnc:${ORG}`, "+8613800000009")).rejects.toThrow(NOPERM);
      // Existing customers by phone (npm run import's @cc/customers lookup): read, never written.
      expect(await r.hmGet(`cc:cust:${ORG}:phones`, ["+8613800000001"])).toEqual([null]);
      expect(await r.hGet(`cc:cust:${ORG}:c:x`, "owner")).toBeNull();
      await expect(r.hSet(`cc:cust:${ORG}:phones`, "+8613800000001", "x")).rejects.toThrow(NOPERM);
      await expect(r.zAdd(listKeys.queue(ORG, CAMPAIGN, "fresh"), { score: 1, value: "x" })).rejects.toThrow(
        NOPERM,
      );
      await expectPublishRefused(nc, subjectFor(agentState("a-1", "ready")));
    } finally {
      await releaseTempDir(dir);
    }
  });
});
