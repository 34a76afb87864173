// Call quality end to end: a carrier and an agent phone that send RTCP like real ones, through
// drachtio-server and rtpengine; at each call's end the media service reads rtpengine's quality
// blocks and publishes `call.quality` per leg. A call whose phones lose 20 % of what they receive
// must show that loss and a much lower MOS than a clean call.
import { type DrachtioServer, startDrachtio } from "@cc/infra";
import type { EventOf } from "@cc/ingest";
import type Srf from "drachtio-srf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tone } from "../rtp/endpoint.ts";
import { agentSipCredentials } from "../sip/credentials.ts";
import { TrunkConfig } from "../sip/trunks.ts";
import { type MediaStack, SIP_SECRET, startMediaStack } from "../testing/media-stack.ts";
import { connectSwitchForTests } from "../testing/switch.ts";
import { type RtcpAgentPhone, type RtcpCarrierCall, rtcpAgentPhone, rtcpCarrier } from "./rtcp-phone.ts";

const CLEAN = "+8613800000001";
const LOSSY = "+8613800000002";
/** Every fifth packet lost: 20 %. */
const lose20 = (seq: number) => seq % 5 === 0;

let carrierSwitch: DrachtioServer;
let carrierSrf: Srf;
let s: MediaStack;
let agent: RtcpAgentPhone;
let carrierCalls: RtcpCarrierCall[];
let agentLossy = false;

beforeAll(async () => {
  carrierSwitch = await startDrachtio({ logLevel: "notice" });
  s = await startMediaStack({
    campaign: { amd: false },
    trunks: () => [TrunkConfig.parse({ id: "ct-sh", uri: carrierSwitch.sipUri })],
  });
  carrierSrf = await connectSwitchForTests(carrierSwitch);
  carrierCalls = rtcpCarrier(carrierSrf, (n) => ({
    talk: tone(440, 1000),
    ...(n === LOSSY ? { drop: lose20 } : {}),
  }));
  agent = await rtcpAgentPhone({
    srf: s.phones.srf,
    mediaSipUri: s.media.sipUri,
    creds: agentSipCredentials(SIP_SECRET, s.org, "a1"),
    leg: { talk: tone(1000, 1000), drop: (seq) => agentLossy && lose20(seq) },
  });
  await s.waitFor(() => s.svc.sessions.get("a1"));
  await s.agentEvent({ kind: "agent.login", org_id: s.org, agent_id: "a1", team_id: "t1", skills: [] });
}, 120_000);

afterAll(async () => {
  await agent?.hangup().catch(() => {});
  carrierSrf?.disconnect();
  await s?.stop();
  await carrierSwitch?.stop();
});

async function ready(previous: "paused" | "wrap_up"): Promise<void> {
  await s.agentEvent({
    kind: "agent.state_changed",
    org_id: s.org,
    agent_id: "a1",
    state: "ready",
    previous_state: previous,
    previous_state_s: 1,
    campaign_id: s.campaignId,
  });
  await s.waitFor(() => s.svc.pool.get("a1")?.state === "ready");
}

/** Dials, talks for a few RTCP intervals, the customer hangs up; returns the two quality events. */
async function callAndMeasure(phone: string): Promise<Record<"customer" | "agent", EventOf<"call.quality">>> {
  const cmd = await s.dial({ phone });
  await s.waitFor(() => s.of(cmd.attempt_id).find((e) => e.kind === "call.bridged"));
  await new Promise((r) => setTimeout(r, 5_000));
  const call = carrierCalls.filter((c) => c.number === phone).at(-1)!;
  call.dialog.destroy();
  const legs = await s.waitFor(() => {
    const q = s.of(cmd.attempt_id).filter((e): e is EventOf<"call.quality"> => e.kind === "call.quality");
    return q.length === 2 ? q : null;
  });
  return {
    customer: legs.find((e) => e.leg === "customer")!,
    agent: legs.find((e) => e.leg === "agent")!,
  };
}

describe("call quality per leg from rtpengine's RTCP statistics", () => {
  let clean: Record<"customer" | "agent", EventOf<"call.quality">>;

  it("a clean call: both legs measured by rtpengine, no loss, MOS ≥ 4", async () => {
    await ready("paused");
    clean = await callAndMeasure(CLEAN);
    for (const leg of [clean.customer, clean.agent]) {
      expect(leg).toMatchObject({ source: "rtpengine", trunk: "ct-sh", agent_id: "a1", loss_pct: 0 });
      expect(leg.mos).toBeGreaterThanOrEqual(4);
      expect(leg.samples).toBeGreaterThanOrEqual(2);
      expect(leg.packets).toBeGreaterThan(100);
      expect(leg.rtt_ms).toBeGreaterThan(0);
    }
  }, 30_000);

  it("a call whose phones lose 20 % of what they receive: the loss and a much lower MOS on both legs", async () => {
    await ready("wrap_up");
    agentLossy = true;
    const lossy = await callAndMeasure(LOSSY);
    agentLossy = false;
    for (const leg of ["customer", "agent"] as const) {
      expect(lossy[leg].source).toBe("rtpengine");
      expect(lossy[leg].loss_pct).toBeGreaterThanOrEqual(15);
      expect(lossy[leg].loss_pct).toBeLessThanOrEqual(25);
      expect(lossy[leg].mos!).toBeLessThan(clean[leg].mos! - 1);
      expect(lossy[leg].mos_min!).toBeLessThanOrEqual(lossy[leg].mos!);
    }
  }, 30_000);
});
