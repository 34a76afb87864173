import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { trialSample, trialScore } from "./trial-dial.ts";

describe("trial sample", () => {
  it("draws the share (at least one, at most max) without repeats, in list order, repeatably by seed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer(),
        (n, share, max, seed) => {
          const items = Array.from({ length: n }, (_, i) => i);
          const s = trialSample(items, { share, max, seed });
          expect(s.length).toBe(Math.min(n, max, Math.max(1, Math.round(n * share))));
          expect(new Set(s).size).toBe(s.length);
          expect([...s].sort((a, b) => a - b)).toEqual(s);
          expect(trialSample(items, { share, max, seed })).toEqual(s);
        },
      ),
    );
    expect(trialSample([], { share: 0.5 })).toEqual([]);
    // 2 % of 5000 by default.
    expect(
      trialSample(
        Array.from({ length: 5000 }, (_, i) => i),
        { seed: 1 },
      ),
    ).toHaveLength(100);
  });
});

describe("trial score", () => {
  it("is 100 × (1 − invalid share − ½ unreachable share) over outcomes about the number", () => {
    expect(
      trialScore({ answered: 4, busy: 2, invalid: 3, unreachable: 1, blocked: 5, no_result: 2 }),
    ).toEqual({
      invalidShare: 0.3,
      qualityScore: 65,
    });
    expect(trialScore({ answered: 10 })).toEqual({ invalidShare: 0, qualityScore: 100 });
    expect(trialScore({ invalid: 3 })).toEqual({ invalidShare: 1, qualityScore: 0 });
    expect(trialScore({ blocked: 3, network: 1 })).toEqual({ invalidShare: null, qualityScore: null });
  });
});
