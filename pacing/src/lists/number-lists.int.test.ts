import { Readable } from "node:stream";
import { startRedis } from "@cc/infra";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DncStore, importNumbers, listNumber, NumberListStore } from "./number-lists.ts";

type Redis = ReturnType<typeof createClient>;

describe("number lists (DNC, blacklist)", () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = createClient({ url: server.url });
    await redis.connect();
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
  });

  it("normalises registry spellings of a number to E.164", () => {
    expect(listNumber("13800138000")).toBe("+8613800138000");
    expect(listNumber("１３８ ００１３ ８０００")).toBe("+8613800138000");
    expect(listNumber("0086-138-0013-8000")).toBe("+8613800138000");
    expect(listNumber("+1 212 555 0123")).toBe("+12125550123");
    expect(listNumber("phone")).toBeNull();
    expect(listNumber("12")).toBeNull();
  });

  it("streams a registry export: every line added, already listed or rejected with its line number", async () => {
    const store = new NumberListStore(redis, "imp", "dnc");
    await store.add("13900000001");
    const file = [
      "phone,name",
      "13900000001,a",
      "13900000002,b",
      "",
      "not-a-number,c",
      "13900000002,d",
      '"139 0000 0003",e',
    ];
    const progress: number[] = [];
    const r = await importNumbers(store, Readable.from(file.join("\r\n")), {
      batch: 2,
      onProgress: (p) => progress.push(p.lines),
    });
    expect(r).toMatchObject({ lines: 7, added: 2, alreadyListed: 2, rejected: 3 });
    expect(r.rejections).toEqual([
      { line: 1, text: "phone,name", reason: "header" },
      { line: 4, text: "", reason: "empty line" },
      { line: 5, text: "not-a-number,c", reason: "not a phone number" },
    ]);
    expect(r.lines).toBe(r.added + r.alreadyListed + r.rejected);
    expect(progress.length).toBeGreaterThan(1);
    expect(await store.size()).toBe(3);
    // A second import of the same file changes nothing.
    const again = await importNumbers(store, Readable.from(file.join("\n")));
    expect(again).toMatchObject({ added: 0, alreadyListed: 4, rejected: 3 });
  });

  it("pages and searches a large list without losing or repeating numbers", async () => {
    const store = new NumberListStore(redis, "page", "blacklist");
    const all = Array.from({ length: 1234 }, (_, i) => `+86137${String(i).padStart(8, "0")}`);
    await store.add(...all);
    const seen: string[] = [];
    let cursor = "0";
    do {
      const p = await store.page({ cursor, size: 100 });
      seen.push(...p.numbers);
      cursor = p.cursor;
    } while (cursor !== "0");
    expect(new Set(seen).size).toBe(1234);
    const hit = await store.page({ digits: "0000123", size: 50 });
    expect(hit.numbers).toEqual(all.filter((n) => n.includes("0000123")).sort());
    expect(hit.numbers).toHaveLength(5);
  });

  it("tells the dial gate which list a number is on", async () => {
    const dnc = new DncStore(redis, "both");
    await dnc.add("13600000001");
    await new NumberListStore(redis, "both", "blacklist").add("13600000002");
    expect(await dnc.listed("+8613600000001")).toBe("dnc");
    expect(await dnc.listed("+8613600000002")).toBe("blacklist");
    expect(await dnc.listed("+8613600000003")).toBeNull();
    expect(await dnc.has("+8613600000002")).toBe(false);
  });
});
