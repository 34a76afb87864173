import { mkdir, writeFile } from "node:fs/promises";
import { tempDir } from "@cc/infra";
import { describe, expect, it } from "vitest";
import { clearDir, historyKey, readMarker, writeMarker } from "./cache.ts";

const summary = {
  orgId: "bench-org",
  from: "2026-11-01T00:00:00.000Z",
  to: "2026-11-08T00:00:00.000Z",
  attempts: 10,
  leads: 5,
  agents: 2,
  events: 40,
  seconds: 1.5,
  eventsPerSecond: 26.7,
  stages: [{ stage: "attempts", rows: 10, seconds: 1 }],
};

describe("generated history kept on disk", () => {
  it("keys on size and seed: same options, same key; any change, another", async () => {
    const a = await historyKey({ attempts: 10, leads: 5, seed: 1 });
    expect(await historyKey({ seed: 1, leads: 5, attempts: 10 })).toBe(a);
    expect(await historyKey({ attempts: 10, leads: 5, seed: 2 })).not.toBe(a);
    expect(await historyKey({ attempts: 11, leads: 5, seed: 1 })).not.toBe(a);
  });

  it("a directory counts only with its finished marker for the same key", async () => {
    const dir = await tempDir("history-cache");
    expect(await readMarker(dir, "k1")).toBeNull(); // generation never finished
    await writeMarker(dir, "k1", summary);
    expect((await readMarker(dir, "k1"))?.summary).toEqual(summary);
    expect(await readMarker(dir, "k2")).toBeNull(); // generator or migrations changed
    await writeFile(`${dir}/complete.json`, "{ half written");
    expect(await readMarker(dir, "k1")).toBeNull();
    await mkdir(`${dir}/store`, { recursive: true });
    await clearDir(dir);
    expect(await readMarker(dir, "k1")).toBeNull();
  });
});
