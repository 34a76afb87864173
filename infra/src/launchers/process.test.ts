import { describe, expect, it } from "vitest";
import { freePort } from "./process.ts";

describe("freePort", () => {
  it("never hands out the same port twice in one process (the kernel may re-offer a closed one)", async () => {
    const ports: number[] = [];
    for (let i = 0; i < 200; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const p of ports) expect(p).toBeGreaterThan(0);
  });
});
