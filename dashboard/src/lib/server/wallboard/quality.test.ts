import type { WallboardRows } from "@cc/analytics";
import { describe, expect, it } from "vitest";
import { QUALITY_WARN_MIN_CALLS, qualityWarning } from "./snapshot.ts";

const rows = (measured: number, poor: number) =>
  ({ quality: { measured, poor } }) as unknown as WallboardRows;

describe("wallboard call-quality warning", () => {
  it("warns when more than a fifth of enough measured calls were poor", () => {
    expect(qualityWarning(rows(10, 3))).toEqual({ measured: 10, poor: 3, share: 0.3, warn: true });
    expect(qualityWarning(rows(10, 2)).warn).toBe(false);
  });

  it("stays quiet on too few calls and without data", () => {
    expect(qualityWarning(rows(QUALITY_WARN_MIN_CALLS - 1, QUALITY_WARN_MIN_CALLS - 1)).warn).toBe(false);
    expect(qualityWarning(null)).toEqual({ measured: 0, poor: 0, share: null, warn: false });
  });
});
