// The DNC list / blacklist page in headless Chromium against the built dashboard: a manager adds,
// searches, pages, removes and imports numbers; the Redis sets pacing and media read change;
// every change lands in ClickHouse as an audit event; an agent is refused the page.
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { CampaignConfig, NumberListStore, RedisDialingList } from "@cc/pacing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../src/lib/server/auth/users.ts";
import { launchBrowser, login, type Stack, shot, startStack, until } from "./harness.ts";

const PW = "test-password-123";
let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  // As under npm start: uploads are streamed, adapter-node's 512 KB body cap is lifted.
  stack = await startStack({ BODY_SIZE_LIMIT: "Infinity" });
  browser = await launchBrowser();
  for (const [username, role, agentId] of [
    ["dnc.manager", "manager", ""],
    ["dnc.agent", "agent", "dnc-a1"],
  ] as const)
    await createUser(stack.redis, {
      username,
      role,
      agentId,
      org: "demo",
      password: PW,
      mustChangePassword: false,
    });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function signedIn(username: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await login(page, stack.url, username, PW);
  return page;
}

interface Change {
  kind: string;
  list: string;
  phone: string;
  by: string;
  lines: number;
  added: number;
  rejected: number;
}

async function changes(): Promise<Change[]> {
  const rs = await stack.chClient.query({
    query:
      "SELECT kind, list, phone, by, lines, added, rejected FROM number_list_changes WHERE org_id = 'demo' ORDER BY occurred_at",
    format: "JSONEachRow",
  });
  return await rs.json<Change>();
}

describe("DNC list and blacklist page", () => {
  it("a manager adds, finds and removes a number; Redis changes and ClickHouse has the audit", async () => {
    const dnc = new NumberListStore(stack.redis, "demo", "dnc");
    const page = await signedIn("dnc.manager");
    await page.goto(`${stack.url}/lists/dnc`, { waitUntil: "networkidle" });
    await page.fill('[data-testid="add-form"] input[name="phone"]', "138 0013 8000");
    await page.click('[data-testid="add-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="added"]');
    expect(await page.textContent('[data-testid="added"]')).toContain("+8613800138000");
    expect(await dnc.has("+8613800138000")).toBe(true);
    await page.waitForSelector('[data-testid="numbers"] >> text=+8613800138000');

    // Search and paging over a list larger than a page.
    await dnc.add(...Array.from({ length: 130 }, (_, i) => `+86137${String(i).padStart(8, "0")}`));
    await page.goto(`${stack.url}/lists/dnc?q=0000012`, { waitUntil: "networkidle" });
    const found = await page.locator('[data-testid="numbers"] tbody tr td:first-child').allTextContents();
    expect(found.sort()).toEqual([
      "+8613700000012",
      "+8613700000120",
      "+8613700000121",
      "+8613700000122",
      "+8613700000123",
      "+8613700000124",
      "+8613700000125",
      "+8613700000126",
      "+8613700000127",
      "+8613700000128",
      "+8613700000129",
    ]);
    await page.goto(`${stack.url}/lists/dnc`, { waitUntil: "networkidle" });
    expect(await page.textContent('[data-testid="total"]')).toContain("131");
    const seen = new Set(
      await page.locator('[data-testid="numbers"] tbody tr td:first-child').allTextContents(),
    );
    while (await page.locator('[data-testid="next"]').count()) {
      await page.click('[data-testid="next"]');
      await page.waitForLoadState("networkidle");
      for (const n of await page.locator('[data-testid="numbers"] tbody tr td:first-child').allTextContents())
        seen.add(n);
    }
    expect(seen.size).toBe(131);

    await page.goto(`${stack.url}/lists/dnc?q=13800138000`, { waitUntil: "networkidle" });
    await page.click('[data-testid="remove-+8613800138000"]');
    await page.waitForSelector('[data-testid="removed"]');
    expect(await dnc.has("+8613800138000")).toBe(false);
    const log = await until(
      changes,
      (rows) => rows.some((r) => r.kind === "dnc.removed"),
      "dnc.removed in ClickHouse",
    );
    expect(log.filter((r) => r.phone === "+8613800138000").map((r) => [r.kind, r.list, r.by])).toEqual([
      ["dnc.added", "dnc", "dnc.manager"],
      ["dnc.removed", "dnc", "dnc.manager"],
    ]);
    await shot(page, "number-lists-dnc");
  });

  it("imports a registry export into the blacklist with a line-by-line report and one audit event", async () => {
    const black = new NumberListStore(stack.redis, "demo", "blacklist");
    await black.add("+8613900000001");
    const file = path.join(tmpdir(), `registry-${process.pid}.csv`);
    const lines = [
      "phone",
      "13900000001",
      "１３９００００００02",
      "0086 139 0000 0003",
      "hello",
      "13900000002",
    ];
    // Plus 60 000 registry numbers (~720 KB, past adapter-node's default body cap), streamed.
    const bulk = Array.from({ length: 60_000 }, (_, i) => `137${String(i).padStart(8, "0")}`);
    await writeFile(file, [...lines, ...bulk].join("\n"));
    const page = await signedIn("dnc.manager");
    await page.goto(`${stack.url}/lists/dnc?list=blacklist`, { waitUntil: "networkidle" });
    await page.setInputFiles('[data-testid="import-form"] input[type="file"]', file);
    await page.click('[data-testid="import-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="import-report"]');
    const text = async (id: string) => (await page.textContent(`[data-testid="${id}"]`))?.trim();
    expect([
      await text("r-lines"),
      await text("r-added"),
      await text("r-already"),
      await text("r-rejected"),
    ]).toEqual(["60006", "60002", "2", "2"]);
    expect(await page.locator('[data-testid="rejections"] tbody tr').allTextContents()).toEqual([
      expect.stringContaining("1phone"),
      expect.stringContaining("5hello"),
    ]);
    expect(await black.has("+8613900000002")).toBe(true);
    expect(await black.has("+8613900000003")).toBe(true);
    expect(await black.size()).toBe(60_003);
    const log = await until(
      changes,
      (rows) => rows.some((r) => r.kind === "dnc.imported"),
      "dnc.imported in ClickHouse",
    );
    expect(log.find((r) => r.kind === "dnc.imported")).toMatchObject({
      list: "blacklist",
      by: "dnc.manager",
      lines: 60_006,
      added: 60_002,
      rejected: 2,
    });
    await shot(page, "number-lists-import");
  });

  it("a manager allocates pool leads by quota and moves them between agents; lead.assigned in ClickHouse", async () => {
    const cfg = CampaignConfig.parse({ id: "spring", caller_id: "+8657100000000" });
    const list = RedisDialingList.forCampaign(stack.redis, "demo", cfg);
    for (let i = 0; i < 10; i++)
      await list.add({ leadId: `S${i}`, phone: `+86135${String(i).padStart(8, "0")}` });
    const page = await signedIn("dnc.manager");
    await page.goto(`${stack.url}/lists/allocation?campaign=spring`, { waitUntil: "networkidle" });
    expect(await page.textContent('[data-testid="pool-fresh"]')).toBe("10");
    await page.fill('[data-testid="allocate-form"] input[name="team"]', "north");
    await page.fill('[data-testid="allocate-form"] input[name="agents"]', "ann, bob");
    await page.fill('[data-testid="allocate-form"] input[name="quota"]', "4");
    await page.click('[data-testid="allocate-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="allocated"]');
    expect(await page.textContent('[data-testid="allocated"]')).toContain("4 / 4");
    expect(await page.textContent('[data-testid="pool-fresh"]')).toBe("6");
    expect(await page.textContent('[data-testid="agent-ann"]')).toBe("2");
    expect(await page.textContent('[data-testid="agent-bob"]')).toBe("2");
    const annLeads = (await stack.redis.zRange("cc:list:demo:spring:agent:ann", 0, -1)).join("\n");
    await page.fill('[data-testid="move-form"] textarea[name="leads"]', annLeads);
    await page.fill('[data-testid="move-form"] input[name="team"]', "north");
    await page.fill('[data-testid="move-form"] input[name="agent"]', "cat");
    await page.click('[data-testid="move-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="moved"]');
    expect(await page.textContent('[data-testid="agent-cat"]')).toBe("2");
    expect(await page.locator('[data-testid="agent-ann"]').count()).toBe(0);
    // Cat's dialing takes them first.
    // At the next noon in Shanghai (inside the CN calling window whatever hour the test runs).
    const noon = new Date();
    noon.setUTCHours(4, 0, 0, 0);
    if (noon.getTime() < Date.now()) noon.setUTCDate(noon.getUTCDate() + 1);
    const cat = await list.take(2, noon.getTime(), { agentId: "cat", teamIds: ["north"] });
    expect(
      cat.leads
        .map((l) => l.leadId)
        .sort()
        .join("\n"),
    ).toBe(annLeads.split("\n").sort().join("\n"));
    const assigned = await until(
      async () => {
        const rs = await stack.chClient.query({
          query:
            "SELECT JSONExtractString(payload, 'assigned_by') AS by, JSONExtractString(payload, 'agent_id') AS agent FROM events WHERE kind = 'lead.assigned' AND org_id = 'demo' AND campaign_id = 'spring'",
          format: "JSONEachRow",
        });
        return await rs.json<{ by: string; agent: string }>();
      },
      (rows) => rows.length >= 6,
      "lead.assigned in ClickHouse",
    );
    expect(
      assigned
        .filter((r) => r.by === "rule")
        .map((r) => r.agent)
        .sort(),
    ).toEqual(["ann", "ann", "bob", "bob"]);
    expect(assigned.filter((r) => r.by === "manager").map((r) => r.agent)).toEqual(["cat", "cat"]);
    await shot(page, "lead-allocation");
  });

  it("shows the week's refusals to dial by stage and reason, from ClickHouse", async () => {
    const lead = { org_id: "demo", campaign_id: "spring", phone: "+8613700000077" };
    for (const [i, reason] of (["dnc", "dnc", "blacklist"] as const).entries())
      await stack.publish({ kind: "pacing.lead_refused", ...lead, lead_id: `R${i}`, reason });
    await stack.publish({
      kind: "call.blocked",
      ...lead,
      lead_id: "R9",
      attempt_id: "att-r9",
      reason: "blacklist",
    });
    const page = await signedIn("dnc.manager");
    const row = (id: string) => page.locator(`[data-testid="refusal-${id}"] td:last-child`);
    await until(
      async () => {
        await page.goto(`${stack.url}/lists/dnc`, { waitUntil: "networkidle" });
        return await page.locator('[data-testid^="refusal-"]').count();
      },
      (n) => n >= 3,
      "refusal rows",
    );
    expect(await row("pacing-dnc").textContent()).toBe("2");
    expect(await row("pacing-blacklist").textContent()).toBe("1");
    expect(await row("media-blacklist").textContent()).toBe("1");
  });

  it("refuses the page and the import endpoint to an agent", async () => {
    const page = await signedIn("dnc.agent");
    const res = await page.goto(`${stack.url}/lists/dnc`);
    expect(res?.status()).toBe(403);
    expect((await page.goto(`${stack.url}/lists/allocation`))?.status()).toBe(403);
    const post = await page.request.post(`${stack.url}/lists/dnc/import?list=dnc`, {
      data: "13900000009",
      headers: { "content-type": "application/octet-stream", origin: stack.url },
    });
    expect(post.status()).toBe(403);
    expect(await new NumberListStore(stack.redis, "demo", "dnc").has("+8613900000009")).toBe(false);
  });
});
