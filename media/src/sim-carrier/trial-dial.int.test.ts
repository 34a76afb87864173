// A list's trial dial through the real media path: pacing's trialDial publishes dial commands for
// a sample, the media service dials the simulated carrier (drachtio → SIPp, rtpengine) on a
// call-progress-only campaign, and the answers / SIP causes give the list's invalid share. The
// carrier's number → behaviour mapping says what each number must do, so the share is known.
import { readFileSync } from "node:fs";
import path from "node:path";
import { tempDir } from "@cc/infra";
import { CampaignConfig, trialDial } from "@cc/pacing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadFingerprintDb } from "../cpa/announcements.ts";
import { generateCorpus } from "../cpa/corpus/generate.ts";
import { type MediaStack, startMediaStack } from "../testing/media-stack.ts";
import { type SimulatedCarrier, startSimulatedCarrier } from "./carrier.ts";

let s: MediaStack;
let carrier: SimulatedCarrier;

beforeAll(async () => {
  const audioDir = await tempDir("trial-dial-corpus");
  await generateCorpus({ outDir: audioDir, quick: true });
  carrier = await startSimulatedCarrier({
    audioDir,
    ringMs: [300, 600],
    talkMs: [3_000, 4_000],
    outcomes: ["human", "busy", "sit", "announcement"],
  });
  s = await startMediaStack({
    trunks: () => carrier.trunks,
    fingerprints: loadFingerprintDb(readFileSync(path.join(audioDir, "fingerprints.json"), "utf8")),
    campaignId: "trial",
    campaign: { ring_timeout_s: 6, call_progress_only: true },
  });
}, 180_000);

afterAll(async () => {
  await s?.stop();
  await carrier?.stop();
});

describe("trial dial on the media test stack", () => {
  it("measures the invalid share of a sample from SIP outcomes, connecting nobody", async () => {
    const numbers = [
      ...[0, 1, 2, 3].map((index) => carrier.numberFor("human", { index })),
      ...[0, 1].map((index) => carrier.numberFor("busy", { index })),
      ...[0, 1].map((index) => carrier.numberFor("announcement", { index, announcement: "invalid-number" })),
      carrier.numberFor("sit", { index: 0 }),
      carrier.numberFor("announcement", { index: 0, announcement: "powered-off" }),
    ].map((phone, i) => ({ leadId: `L${i}`, phone }));
    const expected = new Map(
      numbers.map((n) => {
        const e = carrier.lookup(n.phone)!.expected;
        const outcome = e.kind === "call.answered" ? "answered" : e.kind === "call.failed" ? e.cause : "?";
        return [n.leadId, outcome === "invalid_number" ? "invalid" : outcome];
      }),
    );
    const progress: number[] = [];
    const r = await trialDial({
      js: s.js,
      nc: s.nc,
      orgId: s.org,
      trialCampaign: CampaignConfig.parse({ id: "trial", caller_id: "+8657100000000", ring_timeout_s: 6 }),
      campaignId: "spring",
      importId: "imp-1",
      numbers,
      share: 1,
      ratePerS: 10,
      onProgress: (done) => progress.push(done),
    });
    expect(r.sampled).toBe(10);
    expect(new Map(r.numbers.map((n) => [n.leadId, n.outcome]))).toEqual(expected);
    expect(r.outcomes).toEqual({ answered: 4, busy: 2, invalid: 3, unreachable: 1 });
    expect(r.invalidShare).toBeCloseTo(0.3, 9);
    expect(r.qualityScore).toBe(65);
    expect(progress.at(-1)).toBe(10);
    // Nobody was connected: no bridge, no abandon; answered calls were hung up by us.
    const trialEvents = s.events.filter((e) => "campaign_id" in e && e.campaign_id === "trial");
    expect(trialEvents.filter((e) => e.kind === "call.bridged" || e.kind === "call.abandoned")).toEqual([]);
    const answered = r.numbers.filter((n) => n.outcome === "answered").map((n) => n.attemptId);
    const ended = await s.waitFor(() => {
      const e = answered.map((id) => s.of(id).find((x) => x.kind === "call.ended"));
      return e.every(Boolean) ? e : undefined;
    }, 15_000);
    expect(ended.map((e) => (e as { hangup_by: string }).hangup_by)).toEqual([
      "system",
      "system",
      "system",
      "system",
    ]);
    // The trial's result is an event on the sampled campaign's subject.
    const ev = await s.waitFor(() => s.events.find((e) => e.kind === "list.trial_dialed"), 5_000);
    expect(ev).toMatchObject({ campaign_id: "spring", import_id: "imp-1", sampled: 10, quality_score: 65 });
  }, 120_000);
});
