// Reports and analyst SQL in a real browser against the running stack: the seeded scenario
// goes through NATS → sink → ClickHouse, and the pages must show the figures computed
// independently in TypeScript (@cc/analytics reference implementations).

import { readFileSync } from "node:fs";
import {
  buildScenario,
  expectedFunnel,
  expectedRoiByChannel,
  expectedWorkloadByAgentHour,
  type Scenario,
} from "@cc/analytics";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../src/lib/server/auth/users.ts";
import { fmtMoney } from "../src/routes/(app)/reports/common.ts";
import { launchBrowser, type Stack, shot, startStack, until } from "./harness.ts";

let stack: Stack;
let browser: Browser;
let sc: Scenario;
const ORG = "demo";
const PW = "test-password-123";
// Report days are CST calendar days: 2026-03-02 … 2026-03-08 (+08:00).
const RANGE = "from=2026-03-02&to=2026-03-08";
const FROM = "2026-03-01T16:00:00.000Z";
const TO = "2026-03-08T16:00:00.000Z";

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  for (const [username, role, agentId] of [
    ["rep.analyst", "analyst", ""],
    ["rep.manager", "manager", ""],
    ["rep.agent", "agent", "agent-1"],
    ["rep.director", "director", ""],
  ] as const) {
    await createUser(stack.redis, {
      username,
      role,
      agentId,
      org: ORG,
      department: "sales",
      team: "",
      teams: "",
      password: PW,
      mustChangePassword: false,
      displayName: username,
    });
  }
  sc = buildScenario({ orgId: ORG, seed: 11, leads: 60 });
  for (const e of sc.events) await stack.publish(e, Date.parse(e.occurred_at));
  await until(
    async () => {
      const rs = await stack.chClient.query({
        query: "SELECT count() AS n FROM events WHERE org_id = {org:String}",
        query_params: { org: ORG },
        format: "JSONEachRow",
      });
      return Number(((await rs.json()) as { n: string }[])[0]?.n ?? 0);
    },
    (n) => n >= sc.events.length,
    "seeded events in ClickHouse",
  );
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function signedIn(username: string, lang: "en" | "zh-CN" = "zh-CN"): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await ctx.addCookies([{ name: "cc_lang", value: lang, url: stack.url }]);
  const page = await ctx.newPage();
  // Land on /reports (not the role's home, e.g. the wallboard) after signing in.
  await page.goto(`${stack.url}/login?next=/reports`, { waitUntil: "networkidle" });
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', PW);
  await page.click('button[type="submit"]');
  await until(
    async () => (await ctx.cookies(stack.url)).some((c) => c.name === "cc_session"),
    (ok) => ok,
    `session cookie for ${username}`,
  );
  return page;
}

describe("reports and analyst SQL in the browser", () => {
  it("funnel page shows the seeded funnel per campaign with conversion and drop-off", async () => {
    const page = await signedIn("rep.analyst");
    await page.goto(`${stack.url}/reports/funnel?${RANGE}&window=2&n=60&breakdown=campaign`);
    await page.waitForSelector('[data-testid="funnel-chart"]');
    expect(await page.locator("h2").innerText()).toBe("转化漏斗");
    const expected = expectedFunnel(sc.events, { from: FROM, to: TO, windowMs: 2 * 86_400_000, talkS: 60 });
    for (const [key, counts] of expected) {
      const cells = page.locator(`tr[data-key="${key}"] td[data-step]`);
      const shown = await cells.evaluateAll((tds) => tds.map((td) => Number(td.getAttribute("data-count"))));
      expect(shown, key).toEqual(counts);
    }
    expect(expected.get("total")![7]).toBeGreaterThan(0);
    await shot(page, "reports-funnel-zh");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click('[data-testid="csv-funnel"]'),
    ]);
    const csv = readFileSync((await download.path())!, "utf8")
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r?\n/);
    expect(csv[0]).toBe("key,step,count,conversion,step_conversion,drop_off");
    expect(csv.length - 1).toBe(expected.size * 8);
    expect(csv).toContain(
      `total,paid,${expected.get("total")![7]},${expected.get("total")![7]! / expected.get("total")![0]!},${expected.get("total")![7]! / expected.get("total")![6]!},${expected.get("total")![6]! - expected.get("total")![7]!}`,
    );
    // Every number opens as the SQL behind it; the analyst page re-runs it as the analyst user.
    await Promise.all([page.waitForURL(/\/sql\?q=/), page.click('[data-testid="funnel-sql"]')]);
    await page.waitForSelector('[data-testid="sql-result"]');
    const firstKey = await page.locator('[data-testid="sql-result"] tbody tr td').first().innerText();
    expect(["camp-a", "camp-b"]).toContain(firstKey);
    await shot(page, "reports-funnel-sql");
  });

  it("ROI page shows spend, revenue and ROI per channel with the chosen attribution", async () => {
    const page = await signedIn("rep.director", "en");
    await page.goto(`${stack.url}/reports/roi?${RANGE}&model=linear&lookback=3&group=channel`);
    await page.waitForSelector('[data-testid="roi-heatmap"]');
    expect(await page.locator("h2").innerText()).toBe("Advertising ROI");
    const e = expectedRoiByChannel(sc.events, {
      from: FROM,
      to: TO,
      lookbackMs: 3 * 86_400_000,
      model: "linear",
    });
    const spend = [...e.values()].reduce((s, f) => s + f.spend, 0);
    const revenue = [...e.values()].reduce((s, f) => s + f.revenue, 0);
    expect(revenue).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="roi-total-spend"]').innerText()).toBe(fmtMoney(spend));
    expect(await page.locator('[data-testid="roi-total-revenue"]').innerText()).toBe(fmtMoney(revenue));
    for (const [channel, f] of e) {
      const row = page.locator(`[data-testid="roi-table"] tr[data-key="${channel}"] td`);
      expect(await row.nth(1).innerText(), channel).toBe(fmtMoney(f.spend));
      expect(await row.nth(6).innerText(), channel).toBe(fmtMoney(f.revenue));
    }
    expect(await page.locator('[data-testid="roi-heatmap"] rect[data-cell]').count()).toBeGreaterThan(10);
    expect(await page.locator('[data-testid="roi-sql"]').count()).toBe(1);
    await shot(page, "reports-roi-en");
    // A manager may read reports but not run SQL (no SQL links, /sql forbidden), and sees only
    // the department's leads: this department has no teams yet, so no attributed revenue.
    const mgr = await signedIn("rep.manager", "en");
    await mgr.goto(`${stack.url}/reports/roi?${RANGE}&model=linear&lookback=3&group=channel`);
    await mgr.waitForSelector('[data-testid="roi-heatmap"]');
    expect(await mgr.locator('[data-testid="roi-sql"]').count()).toBe(0);
    expect(await mgr.locator('[data-testid="roi-total-revenue"]').innerText()).toBe(fmtMoney(0));
    expect((await mgr.goto(`${stack.url}/sql`))?.status()).toBe(403);
  });

  it("workload page and CSV export match the seeded agent activity", async () => {
    const page = await signedIn("rep.director");
    await page.goto(`${stack.url}/reports/workload?${RANGE}&grain=agent_total`);
    await page.waitForSelector('[data-testid="workload-table"]');
    const byHour = expectedWorkloadByAgentHour(sc.events);
    const totals = new Map<string, { calls: number; a: number; newCustomers: number }>();
    for (const [k, f] of byHour) {
      const agent = k.split("|")[0]!;
      const t = totals.get(agent) ?? { calls: 0, a: 0, newCustomers: 0 };
      t.calls += f.calls;
      t.a += f.disp.A ?? 0;
      t.newCustomers += f.newCustomers;
      totals.set(agent, t);
    }
    for (const [agent, t] of totals) {
      const row = page.locator(`[data-testid="workload-table"] tr[data-key="${agent}"]`);
      expect(Number(await row.locator('td[data-col="calls"]').getAttribute("data-value")), agent).toBe(
        t.calls,
      );
      expect(Number(await row.locator('td[data-col="disp_a"]').getAttribute("data-value")), agent).toBe(t.a);
      expect(
        Number(await row.locator('td[data-col="new_customers"]').getAttribute("data-value")),
        agent,
      ).toBe(t.newCustomers);
    }
    expect(await page.locator('[data-testid="team-chart"] rect').count()).toBeGreaterThan(0);
    // The occupancy heatmap: a cell per agent and hour of day (CST) that the seeded activity touches.
    const cellsWanted = new Set(
      [...byHour.keys()].map((k) => {
        const [agent, hourIso] = k.split("|") as [string, string];
        return `${agent}|${(new Date(hourIso).getUTCHours() + 8) % 24}`;
      }),
    );
    expect(await page.locator('[data-testid="workload-heatmap"] rect[data-cell]').count()).toBe(
      cellsWanted.size,
    );
    await shot(page, "reports-workload-zh");
    const href = await page.locator('[data-testid="workload-csv"]').getAttribute("href");
    const csv = await page.request.get(`${stack.url}${href}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()["content-type"]).toContain("text/csv");
    const lines = (await csv.text())
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r?\n/);
    expect(lines[0]!.split(",").slice(0, 4)).toEqual(["key", "team_id", "bucket", "agents"]);
    expect(lines.length - 1).toBe(totals.size);
  });

  it("analyst SQL: results with a quick chart, errors with the ClickHouse code, rights enforced", async () => {
    const page = await signedIn("rep.analyst", "en");
    const q = "SELECT kind, count() AS n FROM events WHERE org_id = {org:String} GROUP BY kind ORDER BY kind";
    await page.goto(`${stack.url}/sql?q=${encodeURIComponent(q)}&p=${encodeURIComponent('{"org":"demo"}')}`);
    await page.waitForSelector('[data-testid="sql-chart"]');
    const kinds = new Map<string, number>();
    for (const e of sc.events) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
    const rows = await page
      .locator('[data-testid="sql-result"] tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")),
      );
    expect(new Map(rows.map(([k, n]) => [k!, Number(n)]))).toEqual(kinds);
    expect(await page.locator('[data-testid="sql-chart"] rect.bar').count()).toBe(kinds.size);
    await shot(page, "sql-result-en");
    // The analyst user is read-only: ClickHouse refuses, and the page shows its code.
    await page.goto(`${stack.url}/sql?q=${encodeURIComponent("DROP TABLE events")}`);
    const err = page.locator('[data-testid="sql-error"]');
    await err.waitFor();
    expect(await err.getAttribute("data-code")).toBe("164");
    await shot(page, "sql-error-en");
    await page.goto(`${stack.url}/sql?q=${encodeURIComponent("SELECT nosuchcolumn FROM events")}`);
    expect(await page.locator('[data-testid="sql-error"]').getAttribute("data-code")).toBe("47");
    // An agent sees neither reports nor SQL.
    const agent = await signedIn("rep.agent");
    expect((await agent.goto(`${stack.url}/reports/funnel`))?.status()).toBe(403);
    expect((await agent.goto(`${stack.url}/sql`))?.status()).toBe(403);
    expect((await agent.request.get(`${stack.url}/reports/workload/export.csv`)).status()).toBe(403);
  });
});
