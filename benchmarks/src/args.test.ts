import { describe, expect, it } from "vitest";
import { benchmarkArgs } from "./args.ts";

describe("benchmark arguments", () => {
  it("hands a benchmark its own flags with their values, without the name and run.ts's flags", () => {
    expect(
      benchmarkArgs(
        ["inbound", "--quick", "--rates", "20,30", "--json", "out.json", "--agents=240"],
        "inbound",
      ),
    ).toEqual(["--rates", "20,30", "--agents=240"]);
    expect(benchmarkArgs(["cpa", "--concurrency", "4", "--keep", "--json=x.json"], "cpa")).toEqual([
      "--concurrency",
      "4",
      "--keep",
    ]);
  });
});
