// Listen, whisper and barge on a real bridged call: drachtio-server, rtpengine and three phones
// that send distinct tones (customer 440 Hz, agent 1000 Hz, supervisor 1800 Hz). Who hears which
// tone is checked on the audio each phone actually receives, per mode.
import { type EventOf, mediaRequestSubject } from "@cc/ingest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AudioFrame, tone } from "../rtp/endpoint.ts";
import { agentSipCredentials } from "../sip/credentials.ts";
import { type MediaStack, SIP_SECRET, startMediaStack } from "../testing/media-stack.ts";
import { type AgentPhone, type CarrierCall, framesWithTone } from "../testing/phones.ts";

const CUSTOMER_HZ = 440;
const AGENT_HZ = 1000;
const SUPERVISOR_HZ = 1800;
const PHONE = "+8613800000001";

let s: MediaStack;
let agent: AgentPhone;
let supervisor: AgentPhone;
let customer: CarrierCall;
let attemptId: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A tone is heard when it is clearly present (mixed with one other tone) in at least 10 frames. */
const hearsTone = (frames: AudioFrame[], hz: number, since: number) =>
  framesWithTone(
    frames.filter((f) => f.at >= since),
    hz,
    0.2,
  ).length >= 10;

async function monitor(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const reply = await s.nc.request(mediaRequestSubject(s.org, "monitor"), JSON.stringify(body), {
    timeout: 5_000,
  });
  return reply.json();
}

/** Lets audio flow for a while after a change, then reports who heard what since then. */
async function heardAfterChange(): Promise<Record<"customer" | "agent" | "supervisor", number[]>> {
  const since = performance.now() + 300; // re-negotiation settles
  await sleep(1_800);
  const of = (frames: AudioFrame[]) =>
    [CUSTOMER_HZ, AGENT_HZ, SUPERVISOR_HZ].filter((hz) => hearsTone(frames, hz, since));
  return { customer: of(customer.received), agent: of(agent.received), supervisor: of(supervisor.received) };
}

beforeAll(async () => {
  s = await startMediaStack({ campaign: { amd: false } });
  s.phones.carrier(() => ({
    finalMs: 200,
    final: { answer: true, greeting: tone(CUSTOMER_HZ, 120_000, 6000) },
  }));
  agent = await s.readyAgent("a1");
  agent.talk(tone(AGENT_HZ, 1000, 6000));
  supervisor = await s.phones.agentPhone(s.media.sipUri, agentSipCredentials(SIP_SECRET, s.org, "sup1"));
  await s.waitFor(() => s.svc.sessions.get("sup1"));
  supervisor.talk(tone(SUPERVISOR_HZ, 1000, 6000));
  const cmd = await s.dial({ phone: PHONE });
  attemptId = cmd.attempt_id;
  await s.waitFor(() => s.of(attemptId).find((e) => e.kind === "call.bridged"));
  customer = s.phones.calls.at(-1)!;
}, 120_000);

afterAll(async () => {
  await s?.stop();
});

const monitored = () => s.events.filter((e): e is EventOf<"agent.monitored"> => e.kind === "agent.monitored");

describe("listen, whisper, barge on a live call", () => {
  it("before any supervisor joins, customer and agent hear each other and nobody hears the supervisor", async () => {
    expect(await heardAfterChange()).toEqual({ customer: [AGENT_HZ], agent: [CUSTOMER_HZ], supervisor: [] });
  });

  it("refuses a supervisor whose teams do not include the agent's, and writes no audit event", async () => {
    const reply = await monitor({ supervisor_id: "sup1", agent_id: "a1", mode: "listen", teams: ["t9"] });
    expect(reply).toEqual({ ok: false, error: "out_of_scope" });
    expect(s.svc.monitors.active).toBe(0);
    expect(monitored()).toHaveLength(0);
  });

  it("listen: the supervisor hears both parties, neither party hears the supervisor", async () => {
    const reply = await monitor({ supervisor_id: "sup1", agent_id: "a1", mode: "listen", teams: ["t1"] });
    expect(reply).toEqual({ ok: true, attempt_id: attemptId, mode: "listen" });
    expect(await heardAfterChange()).toEqual({
      customer: [AGENT_HZ],
      agent: [CUSTOMER_HZ],
      supervisor: [CUSTOMER_HZ, AGENT_HZ],
    });
  });

  it("whisper: only the agent hears the supervisor", async () => {
    const reply = await monitor({ supervisor_id: "sup1", agent_id: "a1", mode: "whisper", teams: ["t1"] });
    expect(reply).toMatchObject({ ok: true, mode: "whisper" });
    expect(await heardAfterChange()).toEqual({
      customer: [AGENT_HZ],
      agent: [CUSTOMER_HZ, SUPERVISOR_HZ],
      supervisor: [CUSTOMER_HZ, AGENT_HZ],
    });
  });

  it("barge: all three hear each other", async () => {
    const reply = await monitor({ supervisor_id: "sup1", agent_id: "a1", mode: "barge", teams: null });
    expect(reply).toMatchObject({ ok: true, mode: "barge" });
    expect(await heardAfterChange()).toEqual({
      customer: [AGENT_HZ, SUPERVISOR_HZ],
      agent: [CUSTOMER_HZ, SUPERVISOR_HZ],
      supervisor: [CUSTOMER_HZ, AGENT_HZ],
    });
  });

  it("another supervisor cannot take over a monitored call", async () => {
    const reply = await monitor({ supervisor_id: "sup2", agent_id: "a1", mode: "listen", teams: null });
    expect(reply).toEqual({ ok: false, error: "taken" });
  });

  it("stop: customer and agent are straight again and the supervisor hears nothing", async () => {
    const reply = await monitor({ supervisor_id: "sup1", agent_id: "a1", mode: "stop", teams: ["t1"] });
    expect(reply).toMatchObject({ ok: true, mode: "stop" });
    expect(s.svc.monitors.active).toBe(0);
    expect(await heardAfterChange()).toEqual({ customer: [AGENT_HZ], agent: [CUSTOMER_HZ], supervisor: [] });
  });

  it("audits every start and end (mode changes included) as agent.monitored", async () => {
    await s.waitFor(() => monitored().length >= 6);
    expect(monitored().map((e) => [e.mode, e.phase, e.reason ?? ""])).toEqual([
      ["listen", "started", ""],
      ["listen", "ended", "mode_changed"],
      ["whisper", "started", ""],
      ["whisper", "ended", "mode_changed"],
      ["barge", "started", ""],
      ["barge", "ended", "supervisor"],
    ]);
    for (const e of monitored()) {
      expect(e).toMatchObject({ supervisor_id: "sup1", agent_id: "a1", attempt_id: attemptId });
      if (e.phase === "ended") expect(e.duration_s).toBeGreaterThan(1);
    }
  });

  it("a call that ends while monitored ends the monitoring and parks the supervisor", async () => {
    await monitor({ supervisor_id: "sup1", agent_id: "a1", mode: "whisper", teams: ["t1"] });
    expect(s.svc.monitors.active).toBe(1);
    customer.dialog?.destroy();
    await s.waitFor(() => monitored().find((e) => e.reason === "call_ended"));
    expect(s.svc.monitors.active).toBe(0);
    expect(supervisor.ended).toBe(false);
    const reply = await monitor({ supervisor_id: "sup1", agent_id: "a1", mode: "listen", teams: ["t1"] });
    expect(reply).toEqual({ ok: false, error: "not_on_call" });
  });
});
