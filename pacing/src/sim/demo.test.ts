import { EventSchema } from "@cc/ingest";
import { describe, expect, it } from "vitest";
import { startDemoCampaign } from "../../index.ts";

describe("demo campaign (real clock, sped up)", () => {
  it("emits valid contract events for the whole call lifecycle and pacing decisions", async () => {
    const kinds = new Map<string, number>();
    const errors: unknown[] = [];
    const demo = startDemoCampaign({
      agents: 4,
      speed: 50,
      publish: (e) => {
        expect(EventSchema.safeParse(e).success).toBe(true);
        kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
      },
      onError: (err) => errors.push(err),
    });
    const until = (pred: () => boolean) =>
      new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (pred()) {
            clearInterval(t);
            resolve();
          }
        }, 20);
      });
    await until(() => (kinds.get("call.ended") ?? 0) >= 3 && (kinds.get("call.bridged") ?? 0) >= 1);
    demo.stop();
    expect(errors).toEqual([]);
    for (const k of [
      "agent.login",
      "agent.state_changed",
      "pacing.decision",
      "call.attempt_created",
      "call.answered",
      "call.bridged",
      "call.ended",
    ]) {
      expect(kinds.get(k) ?? 0).toBeGreaterThan(0);
    }
  });
});
