import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generatePassword, hashPassword, verifyPassword } from "./passwords.ts";

describe("scrypt passwords", () => {
  it("verifies the right password and rejects others", async () => {
    const h = await hashPassword("correct horse battery");
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{86}$/);
    expect(await verifyPassword("correct horse battery", h)).toBe(true);
    expect(await verifyPassword("correct horse batterY", h)).toBe(false);
    expect(await verifyPassword("", h)).toBe(false);
  });

  it("salts every hash", async () => {
    const [a, b] = await Promise.all([hashPassword("same password"), hashPassword("same password")]);
    expect(a).not.toBe(b);
    expect(await verifyPassword("same password", b)).toBe(true);
  });

  it("rejects malformed stored hashes instead of throwing", async () => {
    for (const bad of ["", "plain", "scrypt$1$2$3", "bcrypt$a$b$c$d$e", "scrypt$32768$8$1$AAAA$"]) {
      expect(await verifyPassword("x", bad)).toBe(false);
    }
  });

  it("generates distinct one-time passwords of 20 url-safe characters", () => {
    const set = new Set(Array.from({ length: 200 }, generatePassword));
    expect(set.size).toBe(200);
    for (const p of set) expect(p).toMatch(/^[A-Za-z0-9_-]{20}$/);
  });

  it("round-trips unicode passwords (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 24 }), async (pw) => {
        const h = await hashPassword(pw);
        expect(await verifyPassword(pw, h)).toBe(true);
        expect(await verifyPassword(`${pw}x`, h)).toBe(false);
      }),
      { numRuns: 4 },
    );
    // 12 scrypt runs: ~1 s on an idle core, past vitest's 5 s default on a loaded 2-core box (CI).
  }, 30_000);
});
