import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ApiKeyRing, ApiKeysJson, presentedKey } from "./auth.ts";

describe("ApiKeyRing", () => {
  const hashed = createHash("sha256").update("stored-as-hash-0123456789").digest("hex");
  const ring = new ApiKeyRing(
    ApiKeysJson.parse(
      JSON.stringify([
        { name: "web", key: "plain-key-0123456789", org_id: "acme" },
        { name: "ads", sha256: hashed },
      ]),
    ),
  );
  it("finds the principal for a plain or a hashed key, nothing for others", () => {
    expect(ring.verify("plain-key-0123456789")).toEqual({ name: "web", org_id: "acme" });
    expect(ring.verify("stored-as-hash-0123456789")).toEqual({ name: "ads", org_id: undefined });
    expect(ring.verify("plain-key-012345678")).toBeUndefined();
    expect(ring.verify("")).toBeUndefined();
    expect(ring.verify(undefined)).toBeUndefined();
  });
  it("reads Bearer and X-Api-Key headers", () => {
    expect(presentedKey({ authorization: "Bearer abc" })).toBe("abc");
    expect(presentedKey({ authorization: "bearer  abc " })).toBe("abc");
    expect(presentedKey({ "x-api-key": "xyz" })).toBe("xyz");
    expect(presentedKey({ authorization: "Basic abc" })).toBeUndefined();
  });
  it("rejects malformed key config with a field-level reason", () => {
    const r = ApiKeysJson.safeParse(JSON.stringify([{ name: "x", key: "short" }]));
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual([0, "key"]);
    expect(ApiKeysJson.safeParse("not json").success).toBe(false);
    expect(
      ApiKeysJson.safeParse(JSON.stringify([{ name: "both", key: "k".repeat(20), sha256: hashed }])).success,
    ).toBe(false);
  });
});
