// The media service end to end on real servers: a dial command on JetStream → claim and
// compliance → INVITE through drachtio-server → rtpengine → the real analyzer on the customer's
// audio → an agent's persistent session bridged, or the abandon message → contract events.
import {
  COMMANDS_STREAM,
  DLQ_STREAM,
  dialSubject,
  type EventOf,
  jetStreamFor,
  mediaRequestSubject,
} from "@cc/ingest";
import { DncStore } from "@cc/pacing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { concat, silence, speak, toInt16 } from "../cpa/corpus/audio.ts";
import { type MediaStack, ORG, startMediaStack } from "../testing/media-stack.ts";
import { type AgentPhone, framesWithTone } from "../testing/phones.ts";

const HUMAN = "+8613800000001";
const BUSY = "+8613800000002";
const MACHINE = "+8613800000004";
const SILENT = "+8613800000005";
const NEVER_DIALED = "+8613800000009";

let s: MediaStack;
const energy = (pcm: Int16Array) => pcm.reduce((a, x) => a + x * x, 0) / pcm.length;

beforeAll(async () => {
  s = await startMediaStack();
  const helloSpeech = speak({ text: "喂，你好", voice: "cmn", speed: 170, pitch: 50 });
  // "Hello?", a pause (the dialer decides and bridges), then "hello?" again: the agent must hear it.
  const hello = toInt16(concat(silence(300), helloSpeech, silence(2_500), helloSpeech));
  const voicemail = toInt16(
    speak({
      text: "您好，我现在不方便接听电话，请在提示音后留言，我会尽快给您回电，谢谢。",
      voice: "cmn",
      speed: 170,
      pitch: 45,
    }),
  );
  s.phones.carrier((n) => {
    if (n === HUMAN) return { finalMs: 400, final: { answer: true, greeting: hello } };
    if (n === BUSY) return { finalMs: 300, final: { status: 486 } };
    if (n === MACHINE) return { finalMs: 400, final: { answer: true, greeting: voicemail } };
    if (n === SILENT) return { finalMs: 400, final: { answer: true } };
    return { finalMs: 300, final: { status: 404 } };
  });
}, 120_000);

afterAll(async () => {
  await s?.stop();
});

const terminal = (id: string) =>
  s.waitFor(() =>
    s.of(id).find((e) => e.kind === "call.ended" || e.kind === "call.failed" || e.kind === "call.blocked"),
  );

describe("media service: the real dial loop", () => {
  let agent: AgentPhone;

  it("dials a command, hears a person, bridges the ready agent in ms and ends on the agent's hang-up", async () => {
    agent = await s.readyAgent("a1");
    const cmd = await s.dial({ phone: HUMAN });
    const bridged = (await s.waitFor(() =>
      s.of(cmd.attempt_id).find((e) => e.kind === "call.bridged"),
    )) as EventOf<"call.bridged">;
    expect(bridged.agent_id).toBe("a1");
    const answered = s.of(cmd.attempt_id).find((e) => e.kind === "call.answered") as EventOf<"call.answered">;
    expect(answered.detection).toBe("human");
    expect(s.of(cmd.attempt_id).map((e) => e.kind)).toEqual([
      "call.attempt_created",
      "call.dialing",
      "call.ringing",
      "call.answered",
      "agent.state_changed",
      "call.bridged",
      "agent.state_changed",
    ]);
    // The customer's voice reaches the agent's phone through rtpengine.
    const at = Date.parse(bridged.occurred_at);
    await s.waitFor(() => agent.received.some((f) => f.at > 0 && energy(f.pcm) > 1e5), 8_000);
    expect(Date.now()).toBeGreaterThan(at);
    const reply = await s.nc.request(
      mediaRequestSubject(ORG, "hangup"),
      JSON.stringify({ agent_id: "a1", attempt_id: cmd.attempt_id }),
    );
    expect(reply.json()).toEqual({ ok: true });
    const ended = (await terminal(cmd.attempt_id)) as EventOf<"call.ended">;
    expect(ended).toMatchObject({ kind: "call.ended", hangup_by: "agent", agent_id: "a1" });
    expect(ended.talk_s).toBeGreaterThan(0);
    const states = s
      .of(cmd.attempt_id)
      .filter((e): e is EventOf<"agent.state_changed"> => e.kind === "agent.state_changed")
      .map((e) => [e.previous_state, e.state]);
    expect(states).toEqual([
      ["ready", "reserved"],
      ["reserved", "on_call"],
      ["on_call", "wrap_up"],
    ]);
    // The session stays up for the next call.
    expect(s.svc.sessions.get("a1")).toBeDefined();
    expect(agent.ended).toBe(false);
  });

  it("refuses a hang-up request for a call the agent does not hold", async () => {
    const reply = await s.nc.request(
      mediaRequestSubject(ORG, "hangup"),
      JSON.stringify({ agent_id: "a2", attempt_id: "nope" }),
    );
    expect(reply.json()).toEqual({ ok: false, error: "not_your_call" });
  });

  it("plays the abandon message within 2 s when no agent is free, and counts the call abandoned", async () => {
    // a1 is in wrap-up: nobody is ready.
    const cmd = await s.dial({ phone: HUMAN });
    const abandoned = (await s.waitFor(() =>
      s.of(cmd.attempt_id).find((e) => e.kind === "call.abandoned"),
    )) as EventOf<"call.abandoned">;
    expect(abandoned.message_played).toBe(true);
    expect(abandoned.message_delay_ms).toBeLessThan(2_000);
    const answered = s.of(cmd.attempt_id).find((e) => e.kind === "call.answered")!;
    // Heard by the customer: the message's tone arrives at the carrier side.
    const call = s.phones.calls.filter((c) => c.number === HUMAN).at(-1)!;
    const first = await s.waitFor(() => framesWithTone(call.received, s.abandonMessageHz)[0]);
    expect(first.at).toBeGreaterThan(0);
    expect(Date.now() - Date.parse(answered.occurred_at)).toBeGreaterThan(0);
    const ended = await terminal(cmd.attempt_id);
    expect(ended).toMatchObject({ kind: "call.ended", hangup_by: "system" });
    expect(ended).not.toHaveProperty("agent_id");
  });

  it("hangs up on an answering machine without involving an agent", async () => {
    const cmd = await s.dial({ phone: MACHINE });
    const ended = await terminal(cmd.attempt_id);
    const answered = s.of(cmd.attempt_id).find((e) => e.kind === "call.answered") as EventOf<"call.answered">;
    expect(answered.detection).toBe("machine");
    expect(ended).toMatchObject({ kind: "call.ended", hangup_by: "system" });
    expect(s.of(cmd.attempt_id).some((e) => e.kind === "call.bridged")).toBe(false);
  });

  it("reports a busy line with its cause, SIP code and an automatic E disposition", async () => {
    const cmd = await s.dial({ phone: BUSY });
    expect(await terminal(cmd.attempt_id)).toMatchObject({
      kind: "call.failed",
      cause: "busy",
      sip_code: 486,
    });
    await s.waitFor(() => s.of(cmd.attempt_id).find((e) => e.kind === "call.disposition"));
    expect(s.of(cmd.attempt_id).find((e) => e.kind === "call.disposition")).toMatchObject({
      disposition: "E",
      set_by: "auto",
    });
  });

  it("never dials a command twice, even when it is delivered again under another message id", async () => {
    const cmd = await s.dial({ phone: BUSY });
    await terminal(cmd.attempt_id);
    const invites = () => s.phones.calls.filter((c) => c.number === BUSY).length;
    const before = invites();
    await s.js.publish(dialSubject(ORG, cmd.campaign_id), JSON.stringify(cmd), {
      msgID: `${cmd.attempt_id}-again`,
    });
    // A later command proves the consumer moved past the duplicate.
    const next = await s.dial({ phone: BUSY });
    await terminal(next.attempt_id);
    expect(invites()).toBe(before + 1);
    expect(s.of(cmd.attempt_id).filter((e) => e.kind === "call.attempt_created")).toHaveLength(1);
  });

  it("checks DNC and the command's validity again before the INVITE", async () => {
    await new DncStore(s.redis as never, ORG).add(NEVER_DIALED);
    const dnc = await s.dial({ phone: NEVER_DIALED });
    expect(await terminal(dnc.attempt_id)).toMatchObject({ kind: "call.blocked", reason: "dnc" });
    const stale = await s.dial({
      phone: NEVER_DIALED,
      expires_at: new Date(Date.now() - 1_000).toISOString(),
    });
    expect(await terminal(stale.attempt_id)).toMatchObject({ kind: "call.blocked", reason: "expired" });
    const late = await s.dial({ phone: HUMAN, attempt_no: 99 });
    expect(await terminal(late.attempt_id)).toMatchObject({ kind: "call.blocked", reason: "max_attempts" });
    expect(s.phones.calls.some((c) => c.number === NEVER_DIALED)).toBe(false);
  });

  it("sends an invalid command to the dead-letter stream with the reason, and keeps dialing", async () => {
    await s.js.publish(dialSubject(ORG, "spring"), '{"kind":"cmd.dial","attempt_id":"x"}', {
      msgID: "bad-1",
    });
    const { jsm } = await jetStreamFor(s.nc);
    await s.waitFor(async () => (await jsm.streams.info(DLQ_STREAM)).state.messages > 0 || null);
    const dead = await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: "cc.dlq.media" });
    const body = dead!.json<{ reason: string; issues: { path: string }[] }>();
    expect(body.reason).toBe("invalid_dial_command");
    expect(body.issues.map((i) => i.path)).toContain("phone");
    const next = await s.dial({ phone: BUSY });
    expect(await terminal(next.attempt_id)).toMatchObject({ cause: "busy" });
    expect((await jsm.streams.info(COMMANDS_STREAM)).state.messages).toBeGreaterThan(0);
  });

  it("never gives an agent an answer where no human voice was heard", async () => {
    await s.agentEvent({
      kind: "agent.state_changed",
      org_id: ORG,
      agent_id: "a1",
      state: "ready",
      previous_state: "wrap_up",
      previous_state_s: 2,
      campaign_id: "spring",
    });
    await s.waitFor(() => s.svc.pool.get("a1")?.state === "ready");
    const cmd = await s.dial({ phone: SILENT });
    const ended = await terminal(cmd.attempt_id);
    const answered = s.of(cmd.attempt_id).find((e) => e.kind === "call.answered") as EventOf<"call.answered">;
    expect(answered.detection).toBe("unknown");
    expect(ended).toMatchObject({ kind: "call.ended", hangup_by: "system" });
    expect(s.of(cmd.attempt_id).some((e) => e.kind === "call.bridged")).toBe(false);
    expect(s.svc.pool.get("a1")?.state).toBe("ready");
  });

  it("frees the agent after their disposition: the next live answer reaches them", async () => {
    // a1 went ready again in the previous test (as the console does after a disposition).
    await s.waitFor(() => s.svc.pool.get("a1")?.state === "ready");
    const cmd = await s.dial({ phone: HUMAN });
    const bridged = await s.waitFor(() => s.of(cmd.attempt_id).find((e) => e.kind === "call.bridged"));
    expect(bridged).toMatchObject({ agent_id: "a1" });
    const heard = agent.received.length;
    await s.waitFor(() => agent.received.slice(heard).some((f) => energy(f.pcm) > 1e5), 8_000);
    await s.nc.request(
      mediaRequestSubject(ORG, "hangup"),
      JSON.stringify({ agent_id: "a1", attempt_id: cmd.attempt_id }),
    );
    await terminal(cmd.attempt_id);
  });
});
