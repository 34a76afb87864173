import type { DialCommand } from "@cc/ingest";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PROFILES } from "../compliance/profiles.ts";
import { dialBlockReason } from "./gate.ts";

const at = Date.parse("2026-03-02T04:00:00Z"); // 12:00 in Shanghai
const cmd = (over: Partial<DialCommand> = {}): DialCommand => ({
  kind: "cmd.dial",
  attempt_id: "a1",
  org_id: "o",
  campaign_id: "c",
  lead_id: "l",
  phone: "+8613800000001",
  caller_id: "+8657100000000",
  mode: "predictive",
  attempt_no: 1,
  decision_id: "d",
  consent: true,
  issued_at: new Date(at - 1_000).toISOString(),
  expires_at: new Date(at + 9_000).toISOString(),
  ...over,
});
const noDnc = { has: async () => false };

describe("dial gate (the media service's second line of compliance)", () => {
  it("lets a valid command through", async () => {
    expect(await dialBlockReason(cmd(), PROFILES.CN, noDnc, at)).toBeNull();
  });

  it("names each rule a command breaks", async () => {
    expect(await dialBlockReason(cmd(), PROFILES.CN, noDnc, at + 10_000)).toBe("expired");
    expect(await dialBlockReason(cmd({ attempt_no: 7 }), PROFILES.CN, noDnc, at)).toBe("max_attempts");
    expect(await dialBlockReason(cmd({ consent: false }), PROFILES.CN, noDnc, at)).toBe("no_consent");
    expect(await dialBlockReason(cmd({ phone: "+99912345678" }), PROFILES.CN, noDnc, at)).toBe(
      "timezone_unknown",
    );
    const night = Date.parse("2026-03-02T14:00:00Z"); // 22:00 in Shanghai
    const c = cmd({ expires_at: new Date(night + 5_000).toISOString() });
    expect(await dialBlockReason(c, PROFILES.CN, noDnc, night)).toBe("outside_window");
  });

  it("refuses a blacklisted number with reason blacklist when the lookup knows both lists", async () => {
    const lists = {
      has: async () => false,
      listed: async (p: string) => (p === "+8613800000001" ? ("blacklist" as const) : null),
    };
    expect(await dialBlockReason(cmd(), PROFILES.CN, lists, at)).toBe("blacklist");
    expect(await dialBlockReason(cmd({ phone: "+8613800000002" }), PROFILES.CN, lists, at)).toBeNull();
  });

  it("never lets a DNC number through, whatever else the command says", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 99_999_999 }), { minLength: 1, maxLength: 20 }),
        fc.nat({ max: 19 }),
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        fc.integer({ min: -86_400_000, max: 86_400_000 }),
        async (numbers, pick, attemptNo, consent, shift) => {
          const phones = numbers.map((n) => `+86139${String(n).padStart(8, "0")}`);
          const dnc = new Set(phones);
          const phone = phones[pick % phones.length]!;
          const reason = await dialBlockReason(
            cmd({ phone, attempt_no: attemptNo, consent, expires_at: new Date(at + shift).toISOString() }),
            PROFILES.CN,
            { has: async (p) => dnc.has(p) },
            at,
          );
          expect(reason).not.toBeNull();
        },
      ),
    );
  });
});
