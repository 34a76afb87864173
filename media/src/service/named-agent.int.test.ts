// A dial command that names the agent its lead was taken for (their own lead or call-back, in
// preview/progressive) is bridged to that agent, not to the longest-idle one; in preview the agent
// is reserved before the INVITE. When the named agent is gone by the answer, the usual routing
// takes over and the fallback is counted. Real servers: drachtio, rtpengine, NATS, Redis.
import { type EventOf, mediaRequestSubject } from "@cc/ingest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concat, silence, speak, toInt16 } from "../cpa/corpus/audio.ts";
import { CAMPAIGN, type MediaStack, ORG, startMediaStack } from "../testing/media-stack.ts";

const HUMAN = "+8613800000011";
/** Rings for 3 s before a person answers: time for the named agent to walk away. */
const SLOW_HUMAN = "+8613800000012";
const BUSY = "+8613800000013";

let s: MediaStack;

beforeAll(async () => {
  s = await startMediaStack();
  const hello = speak({ text: "喂，你好", voice: "cmn", speed: 170, pitch: 50 });
  const greeting = toInt16(concat(silence(300), hello, silence(2_500), hello));
  s.phones.carrier((n) => {
    if (n === HUMAN) return { finalMs: 400, final: { answer: true, greeting } };
    if (n === SLOW_HUMAN) return { finalMs: 3_000, final: { answer: true, greeting } };
    if (n === BUSY) return { finalMs: 300, final: { status: 486 } };
    return { finalMs: 300, final: { status: 404 } };
  });
  // A first (longest idle), then B.
  await s.readyAgent("agent-a");
  await new Promise((r) => setTimeout(r, 50));
  await s.readyAgent("agent-b");
}, 120_000);

afterAll(async () => {
  await s?.stop();
});

const terminal = (id: string) =>
  s.waitFor(() => s.of(id).find((e) => e.kind === "call.ended" || e.kind === "call.failed"));

const bridgedTo = async (id: string) =>
  ((await s.waitFor(() => s.of(id).find((e) => e.kind === "call.bridged"))) as EventOf<"call.bridged">)
    .agent_id;

const stateOf = (agentId: string) => s.svc.pool.get(agentId)?.state;

/** As the console does after a disposition: back to ready, A strictly before B (A longest idle). */
async function bothReady(): Promise<void> {
  for (const agentId of ["agent-a", "agent-b"]) {
    const at = Date.now();
    await s.agentEvent({
      kind: "agent.state_changed",
      org_id: ORG,
      agent_id: agentId,
      state: "ready",
      previous_state: "wrap_up",
      previous_state_s: 1,
      campaign_id: CAMPAIGN,
    });
    await s.waitFor(() => stateOf(agentId) === "ready" && s.svc.pool.get(agentId)!.since >= at);
    await new Promise((r) => setTimeout(r, 20));
  }
  const a = s.svc.pool.get("agent-a")!;
  const b = s.svc.pool.get("agent-b")!;
  expect(a.since).toBeLessThan(b.since);
}

async function hangUp(agentId: string, attemptId: string): Promise<void> {
  const reply = await s.nc.request(
    mediaRequestSubject(ORG, "hangup"),
    JSON.stringify({ agent_id: agentId, attempt_id: attemptId }),
  );
  expect(reply.json()).toEqual({ ok: true });
  await terminal(attemptId);
}

describe("media: the agent a lead was taken for", () => {
  it("without a named agent, the longest-idle agent (A) takes the answer", async () => {
    await bothReady();
    const cmd = await s.dial({ phone: HUMAN, mode: "progressive" });
    expect(await bridgedTo(cmd.attempt_id)).toBe("agent-a");
    await hangUp("agent-a", cmd.attempt_id);
  });

  it("progressive: the lead taken for B is bridged to B, not to the longest-idle A", async () => {
    await bothReady();
    const before = s.svc.floor.ownerRoutes;
    const cmd = await s.dial({ phone: HUMAN, mode: "progressive", agent_id: "agent-b" });
    expect(await bridgedTo(cmd.attempt_id)).toBe("agent-b");
    expect(stateOf("agent-a")).toBe("ready");
    expect(s.svc.floor.ownerRoutes.owner).toBe(before.owner + 1);
    await hangUp("agent-b", cmd.attempt_id);
  });

  it("preview: B is reserved before the INVITE (their console sees the lead) and the answer is theirs", async () => {
    await bothReady();
    const cmd = await s.dial({ phone: HUMAN, mode: "preview", agent_id: "agent-b" });
    expect(await bridgedTo(cmd.attempt_id)).toBe("agent-b");
    const kinds = s
      .of(cmd.attempt_id)
      .map((e) => (e.kind === "agent.state_changed" ? `${e.agent_id}:${e.state}` : e.kind));
    expect(kinds.slice(0, 3)).toEqual(["call.attempt_created", "agent-b:reserved", "call.dialing"]);
    // Reserved once, at dial: no second reservation on answer, and A was never touched.
    expect(kinds.filter((k) => k.endsWith(":reserved"))).toEqual(["agent-b:reserved"]);
    expect(kinds.some((k) => k.startsWith("agent-a:"))).toBe(false);
    await hangUp("agent-b", cmd.attempt_id);
  });

  it("preview: a call that fails before an answer frees the reserved agent", async () => {
    await bothReady();
    const cmd = await s.dial({ phone: BUSY, mode: "preview", agent_id: "agent-b" });
    expect(await terminal(cmd.attempt_id)).toMatchObject({ kind: "call.failed", cause: "busy" });
    const states = s
      .of(cmd.attempt_id)
      .filter((e): e is EventOf<"agent.state_changed"> => e.kind === "agent.state_changed")
      .map((e) => [e.agent_id, e.previous_state, e.state]);
    expect(states).toEqual([
      ["agent-b", "ready", "reserved"],
      ["agent-b", "reserved", "ready"],
    ]);
    expect(stateOf("agent-b")).toBe("ready");
  });

  it("falls back to the usual routing, counted, when the named agent walked away before the answer", async () => {
    await bothReady();
    const before = s.svc.floor.ownerRoutes;
    const cmd = await s.dial({ phone: SLOW_HUMAN, mode: "preview", agent_id: "agent-b" });
    await s.waitFor(() => (stateOf("agent-b") === "reserved" ? true : null));
    // B pauses from the console while the customer's phone rings.
    await s.agentEvent({
      kind: "agent.state_changed",
      org_id: ORG,
      agent_id: "agent-b",
      state: "paused",
      previous_state: "reserved",
      previous_state_s: 1,
      pause_reason: "break",
      campaign_id: CAMPAIGN,
    });
    await s.waitFor(() => (stateOf("agent-b") === "paused" ? true : null));
    expect(await bridgedTo(cmd.attempt_id)).toBe("agent-a");
    expect(s.svc.floor.ownerRoutes).toEqual({ owner: before.owner, fallback: before.fallback + 1 });
    await hangUp("agent-a", cmd.attempt_id);
    // B's pause is theirs: the call's end does not put them back to ready.
    expect(stateOf("agent-b")).toBe("paused");
  });
});
