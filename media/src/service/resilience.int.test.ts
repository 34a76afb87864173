// Losing a piece of the media path mid-call: rtpengine or drachtio-server killed (-9) and started
// again, and the media service itself killed and restarted. Every attempt must still end with
// exactly one terminal event, no agent may stay reserved or on a call, nothing is dialed twice,
// and dialing works again afterwards.
import { applyEvent } from "@cc/analytics";
import { startDrachtio, startRtpengine } from "@cc/infra";
import { type CallCenterEvent, type EventFields, type EventOf, makeEvent } from "@cc/ingest";
import { afterEach, describe, expect, it } from "vitest";
import { concat, silence, speak, toInt16 } from "../cpa/corpus/audio.ts";
import { agentSipCredentials } from "../sip/credentials.ts";
import { type MediaStack, ORG, SIP_SECRET, startMediaStack } from "../testing/media-stack.ts";
import type { AgentPhone } from "../testing/phones.ts";

const HUMAN = "+8613800000001";
let s: MediaStack | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

const TERMINAL = new Set(["call.ended", "call.failed", "call.blocked"]);
const terminals = (st: MediaStack, id: string) => st.of(id).filter((e) => TERMINAL.has(e.kind));

/** A person who answers, says hello and stays on the line for a minute. */
function carrierOfPeople(st: MediaStack) {
  const hello = toInt16(
    concat(silence(300), speak({ text: "喂，你好", voice: "cmn", speed: 170, pitch: 50 })),
  );
  st.phones.carrier(() => ({
    finalMs: 300,
    final: { answer: true, greeting: hello, hangupAfterMs: 60_000 },
  }));
}

async function bridgedCall(st: MediaStack): Promise<{ attemptId: string; phone: AgentPhone }> {
  const phone = await st.readyAgent("a1");
  const cmd = await st.dial({ phone: HUMAN });
  await st.waitFor(() => st.of(cmd.attempt_id).find((e) => e.kind === "call.bridged"));
  return { attemptId: cmd.attempt_id, phone };
}

const agentStates = (st: MediaStack, agentId: string) =>
  st.events
    .filter(
      (e): e is EventOf<"agent.state_changed"> => e.kind === "agent.state_changed" && e.agent_id === agentId,
    )
    .map((e) => e.state);

/** After a loss, a fresh phone and a fresh call work again end to end. */
async function dialsAgain(st: MediaStack): Promise<void> {
  await st.agentEvent({
    kind: "agent.state_changed",
    org_id: ORG,
    agent_id: "a1",
    state: "paused",
    previous_state: "wrap_up",
    previous_state_s: 1,
    pause_reason: "technical",
  });
  const again = await st.readyAgent("a1");
  const cmd = await st.dial({ phone: HUMAN });
  await st.waitFor(() => st.of(cmd.attempt_id).find((e) => e.kind === "call.bridged"), 20_000);
  await again.hangup();
}

describe("media path failures mid-call", () => {
  it("rtpengine killed: the bridged call ends (network), the agent goes to wrap-up, dialing resumes on a new rtpengine", async () => {
    s = await startMediaStack();
    carrierOfPeople(s);
    const { attemptId } = await bridgedCall(s);
    const ngPort = s.engineServer.ngPort;
    s.engineServer.process.kill("SIGKILL");
    await s.waitFor(() => terminals(s!, attemptId).length > 0, 10_000);
    expect(terminals(s, attemptId)).toEqual([
      expect.objectContaining({ kind: "call.ended", hangup_by: "network", agent_id: "a1" }),
    ]);
    await s.waitFor(() => agentStates(s!, "a1").at(-1) === "wrap_up");
    await s.waitFor(() =>
      s!.events.find((e) => e.kind === "agent.device" && e.state === "disconnected" && e.agent_id === "a1"),
    );
    s.engineServer = await startRtpengine({ ngPort, logLevel: 4 });
    await s.waitFor(() => s!.svc.health().engine, 10_000);
    await dialsAgain(s);
    expect(terminals(s, attemptId)).toHaveLength(1);
  });

  it("drachtio-server killed: calls and phones are accounted for, the service reconnects and dials again", async () => {
    s = await startMediaStack();
    carrierOfPeople(s);
    const { attemptId } = await bridgedCall(s);
    const old = s.media;
    old.process.kill("SIGKILL");
    await s.waitFor(() => terminals(s!, attemptId).length > 0, 10_000);
    expect(terminals(s, attemptId)).toEqual([
      expect.objectContaining({ kind: "call.ended", hangup_by: "network", agent_id: "a1" }),
    ]);
    await s.waitFor(() => agentStates(s!, "a1").at(-1) === "wrap_up");
    s.media = await startDrachtio({
      adminPort: old.adminPort,
      sipPort: old.sipPort,
      wsPort: old.wsPort,
      secret: old.secret,
      logLevel: "notice",
    });
    await s.waitFor(() => s!.svc.health().switch, 20_000);
    await dialsAgain(s);
    expect(terminals(s, attemptId)).toHaveLength(1);
  });

  it("media service killed (-9) mid-call: the restart accounts for the call and frees the agent; nothing is dialed twice", async () => {
    s = await startMediaStack({ service: "none" });
    carrierOfPeople(s);
    const first = await s.spawnService();
    const phone = await s.phones.agentPhone(s.media.sipUri, agentSipCredentials(SIP_SECRET, ORG, "a1"));
    await s.waitFor(() =>
      s!.events.find((e) => e.kind === "agent.device" && e.agent_id === "a1" && e.state === "connected"),
    );
    await s.agentEvent({
      kind: "agent.login",
      org_id: ORG,
      agent_id: "a1",
      team_id: "t1",
      skills: [],
      campaign_id: "spring",
    });
    await s.agentEvent({
      kind: "agent.state_changed",
      org_id: ORG,
      agent_id: "a1",
      state: "ready",
      previous_state: "paused",
      previous_state_s: 1,
      campaign_id: "spring",
    });
    // The live picture the restarted service reads (normally kept by the projector).
    const project = async (e: CallCenterEvent) => applyEvent(s!.redis, e);
    const cmd = await s.dial({ phone: HUMAN });
    await s.waitFor(() => s!.of(cmd.attempt_id).find((e) => e.kind === "call.bridged"), 20_000);
    for (const e of s.events) await project(e);
    first.kill("SIGKILL");
    await first.exited;
    expect(terminals(s, cmd.attempt_id)).toHaveLength(0);

    const second = await s.spawnService();
    try {
      await s.waitFor(() => terminals(s!, cmd.attempt_id).length > 0, 20_000);
      expect(terminals(s, cmd.attempt_id)).toEqual([
        expect.objectContaining({ kind: "call.ended", hangup_by: "network", agent_id: "a1" }),
      ]);
      await s.waitFor(() => agentStates(s!, "a1").at(-1) === "wrap_up");
      // The phone the dead service held is declared gone (a real phone reconnects on that).
      await s.waitFor(() =>
        s!.events.find(
          (e) =>
            e.kind === "agent.device" &&
            e.agent_id === "a1" &&
            e.state === "disconnected" &&
            e.reason === "media_restarted",
        ),
      );
      // The command is still in the stream: the new process must not dial it again.
      expect(s.of(cmd.attempt_id).filter((e) => e.kind === "call.attempt_created")).toHaveLength(1);
      const invites = s.phones.calls.filter((c) => c.number === HUMAN).length;
      await new Promise((r) => setTimeout(r, 1_000));
      expect(s.phones.calls.filter((c) => c.number === HUMAN).length).toBe(invites);
      await phone.hangup();
      // The phone calls in again, the agent readies after the wrap-up: the next call reaches them.
      await reconnectAndBridge(s, project);
    } finally {
      await second.stop();
    }
  });

  it("media service restarted while the live picture shows an agent reserved with no journal entry: the agent is freed and takes the next call", async () => {
    s = await startMediaStack({ service: "none" });
    carrierOfPeople(s);
    const project = async (e: CallCenterEvent) => applyEvent(s!.redis, e);
    // A previous run reserved a1 for a call it never noted (killed between the two writes).
    const at = Date.now() - 5_000;
    const before: EventFields[] = [
      { kind: "agent.login", org_id: ORG, agent_id: "a1", team_id: "t1", skills: [], campaign_id: "spring" },
      {
        kind: "agent.state_changed",
        org_id: ORG,
        agent_id: "a1",
        state: "reserved",
        previous_state: "ready",
        previous_state_s: 3,
        campaign_id: "spring",
        attempt_id: "lost-attempt",
      },
    ];
    for (const fields of before) await project(makeEvent(fields, at));
    const svc = await s.spawnService();
    try {
      await s.waitFor(() => agentStates(s!, "a1").at(-1) === "ready", 20_000);
      expect(
        s.events.find((e) => e.kind === "agent.state_changed" && e.agent_id === "a1" && e.state === "ready"),
      ).toMatchObject({ previous_state: "reserved" });
      await reconnectAndBridge(s, project);
    } finally {
      await svc.stop();
    }
  });
});

/**
 * After a restart of the media service (spawned): a1's phone calls in, a1 goes ready as the
 * console would say it, and a new call is bridged to a1.
 */
async function reconnectAndBridge(st: MediaStack, project: (e: CallCenterEvent) => Promise<unknown>) {
  const connectedBefore = st.events.filter(
    (e) => e.kind === "agent.device" && e.agent_id === "a1" && e.state === "connected",
  ).length;
  const phone = await st.phones.agentPhone(st.media.sipUri, agentSipCredentials(SIP_SECRET, ORG, "a1"));
  await st.waitFor(
    () =>
      st.events.filter((e) => e.kind === "agent.device" && e.agent_id === "a1" && e.state === "connected")
        .length > connectedBefore,
    20_000,
  );
  await st.agentEvent({
    kind: "agent.state_changed",
    org_id: ORG,
    agent_id: "a1",
    state: "ready",
    previous_state: "paused",
    previous_state_s: 1,
    campaign_id: "spring",
  });
  const cmd = await st.dial({ phone: HUMAN });
  await st.waitFor(() => st.of(cmd.attempt_id).find((e) => e.kind === "call.bridged"), 20_000);
  expect(st.of(cmd.attempt_id).find((e) => e.kind === "call.bridged")).toMatchObject({ agent_id: "a1" });
  for (const e of st.events) await project(e);
  await phone.hangup();
}
