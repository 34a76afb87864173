import { describe, expect, it } from "vitest";
import { safeLocalPath } from "./safe-path.ts";

describe("safeLocalPath (the /lang and sign-in redirects)", () => {
  it("follows same-site paths with their query and hash", () => {
    for (const p of [
      "/",
      "/wallboard",
      "/reports/funnel?from=2026-01-01&to=2026-01-31#top",
      "/console/%E4%B8%AD",
    ])
      expect(safeLocalPath(p)).toBe(p);
  });

  it("refuses other hosts, schemes and anything that is not a path", () => {
    const refused = [
      "//evil.example",
      "///evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "/\t/evil.example",
      "/\n/evil.example",
      "https://evil.example/",
      "http:evil.example",
      "javascript:alert(1)",
      " javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      "data:text/html,x",
      "evil.example",
      "",
      undefined,
      null,
      42,
      `/${"a".repeat(600)}`,
    ];
    for (const p of refused) expect(safeLocalPath(p), JSON.stringify(p)).toBeNull();
  });
});
