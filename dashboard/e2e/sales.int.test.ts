// Sales side in a real browser against the running stack (NATS → sink → ClickHouse): the
// knowledge base editor and its Chinese search in the agent console, churn warnings per
// visibility scope with the SQL behind them, and a management report exported as XLSX and
// written by its schedule. Screenshots in zh-CN and en.
import { readFileSync, rmSync } from "node:fs";
import type { EventFields } from "@cc/ingest";
import ExcelJS from "exceljs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, createUser } from "../src/lib/server/auth/users.ts";
import { launchBrowser, noonTimeZone, type Stack, shot, startStack, until } from "./harness.ts";

let stack: Stack;
let browser: Browser;
const ORG = "demo";
const PW = "test-password-123";
const TZ = noonTimeZone();
const DAY = 86_400_000;
const REPORTS_DIR = `/tmp/cc-sales-e2e-${process.pid}`;
const cny = (amount_minor: number) => ({ amount_minor, currency: "CNY" });
const localDay = (ms: number) =>
  new Intl.DateTimeFormat("en-CA", {
    timeZone: TZ,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(ms);

async function chCount(sql: string): Promise<number> {
  const rs = await stack.chClient.query({ query: sql, query_params: { org: ORG }, format: "JSONEachRow" });
  return Number(((await rs.json()) as { n: string }[])[0]?.n ?? 0);
}

type Without<T> = T extends unknown ? Omit<T, "org_id"> : never;
type NoOrg = Without<EventFields>;

/** Events that make churn warnings: ag-1 (team-a) owns cust-A, ag-3 (team-b) owns cust-D. */
function churnEvents(now: number): [EventFields, number][] {
  const out: [EventFields, number][] = [];
  const add = (at: number, f: NoOrg) => out.push([{ org_id: ORG, ...f } as EventFields, at]);
  add(now - 200 * DAY, { kind: "agent.login", agent_id: "ag-1", team_id: "team-a", skills: [] });
  add(now - 200 * DAY, { kind: "agent.login", agent_id: "ag-3", team_id: "team-b", skills: [] });
  for (const [id, customer, agent, days] of [
    ["k-a", "cust-A", "ag-1", 10],
    ["k-d", "cust-D", "ag-3", 5],
  ] as const) {
    add(now - 300 * DAY, {
      kind: "contract.submitted",
      contract_id: id,
      customer_id: customer,
      agent_id: agent,
      amount: cny(1_000_000),
      starts_on: localDay(now - 355 * DAY),
      ends_on: localDay(now + days * DAY),
      title: "年度服务合同",
    });
    add(now - 299 * DAY, {
      kind: "contract.approved",
      contract_id: id,
      customer_id: customer,
      agent_id: agent,
      approver_id: "mgr",
    });
  }
  for (const d of [2, 4, 6]) {
    add(now - d * DAY, {
      kind: "ticket.opened",
      ticket_id: `t-${d}`,
      customer_id: "cust-A",
      agent_id: "ag-1",
      category: "complaint",
      subject: "发票开错",
    });
  }
  // Spend: 2 000 yuan in each of the three months before last, 500 last month.
  const first = new Date(`${localDay(now).slice(0, 7)}-01T12:00:00Z`);
  for (const back of [4, 3, 2, 1]) {
    const at = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() - back, 10, 12);
    add(at, {
      kind: "payment.received",
      payment_id: `pay-${back}`,
      order_id: "o-a",
      lead_id: "l-a",
      customer_id: "cust-A",
      agent_id: "ag-1",
      amount: cny(back === 1 ? 50_000 : 200_000),
      method: "bank_transfer",
    });
  }
  // An ad lead whose opportunity is signed: the pipeline report credits it to douyin.
  add(now - 3 * DAY, {
    kind: "lead.created",
    lead_id: "l-ad",
    source: "ad",
    channel: "douyin",
    ad_campaign_id: "ad-dy",
    phone: "+8613800138000",
    consent: { given: true, method: "web_form" },
  });
  add(now - 3 * DAY, {
    kind: "ad.spend_reported",
    channel: "douyin",
    ad_campaign_id: "ad-dy",
    ad_id: "ad-1",
    slot_start: new Date(now - 3 * DAY).toISOString(),
    slot_end: new Date(now - 3 * DAY + 3_600_000).toISOString(),
    spend: cny(100_000),
    impressions: 1000,
    clicks: 20,
  });
  for (const [stage, p, at] of [
    ["needs", 0.05, now - 2 * DAY],
    ["signed", 1, now - DAY],
  ] as const) {
    add(at, {
      kind: "opportunity.stage_changed",
      opportunity_id: "opp-ad",
      customer_id: "cust-A",
      lead_id: "l-ad",
      agent_id: "ag-1",
      stage,
      win_probability: p,
      expected_amount: cny(300_000),
    });
  }
  // Calls and an order this week for the management report.
  add(now - 60_000, {
    kind: "order.created",
    order_id: "o-now",
    lead_id: "l-now",
    customer_id: "cust-A",
    agent_id: "ag-1",
    held_by_agent: true,
    total: cny(88_800),
  });
  return out;
}

beforeAll(async () => {
  stack = await startStack({ CC_REPORTS_DIR: REPORTS_DIR });
  browser = await launchBrowser();
  await createTeam(stack.redis, { id: "team-a", org: ORG, name: "A组", department: "sales", campaigns: "" });
  await createTeam(stack.redis, {
    id: "team-b",
    org: ORG,
    name: "B组",
    department: "service",
    campaigns: "",
  });
  for (const [username, role, agentId, team, department] of [
    ["s.manager", "manager", "", "", "sales"],
    ["s.director", "director", "", "", ""],
    ["s.agent", "agent", "ag-1", "team-a", "sales"],
    ["s.agent3", "agent", "ag-3", "team-b", "service"],
  ] as const) {
    await createUser(stack.redis, {
      username,
      role,
      agentId,
      org: ORG,
      department,
      team,
      teams: "",
      password: PW,
      mustChangePassword: false,
      displayName: username,
    });
  }
  const now = Date.now();
  const events = churnEvents(now);
  for (const [f, at] of events) await stack.publish(f, at);
  await until(
    () => chCount("SELECT count() AS n FROM sales_facts WHERE org_id = {org:String}"),
    (n) => n >= events.length - 4, // agent.login ×2, lead.created, ad.spend_reported are not sales facts
    "sales facts in ClickHouse",
  );
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(REPORTS_DIR, { recursive: true, force: true });
});

const open: BrowserContext[] = [];

/** A fresh signed-in context; earlier ones are closed (their SSE streams hold connections). */
async function signedIn(username: string, lang: "en" | "zh-CN", next: string): Promise<Page> {
  while (open.length > 0) await open.shift()?.close();
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  open.push(ctx);
  await ctx.addCookies([{ name: "cc_lang", value: lang, url: stack.url }]);
  const page = await ctx.newPage();
  await page.goto(`${stack.url}/login?next=${encodeURIComponent(next)}`, { waitUntil: "networkidle" });
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', PW);
  await page.click('button[type="submit"]');
  await page.waitForURL((u) => u.pathname === next.split("?")[0], { timeout: 20_000 });
  await page.waitForLoadState("networkidle");
  return page;
}

/** Reloads until the locator's text satisfies `ok` (saves reach ClickHouse through the sink). */
async function reloadUntil(page: Page, selector: string, ok: (text: string) => boolean, what: string) {
  return await until(
    async () => {
      await page.reload({ waitUntil: "networkidle" });
      return (await page.locator(selector).count()) ? await page.locator(selector).innerText() : "";
    },
    ok,
    what,
  );
}

async function saveArticle(page: Page, a: { title: string; body: string; tags: string; lang: string }) {
  const form = page.locator('[data-testid="kb-editor"]');
  await form.locator('input[name="title"]').fill(a.title);
  await form.locator('select[name="lang"]').selectOption(a.lang);
  await form.locator('input[name="tags"]').fill(a.tags);
  await form.locator('textarea[name="body"]').fill(a.body);
  await form.locator('[data-testid="kb-save"]').click();
  await page.waitForSelector('[data-testid="kb-saved"]');
}

describe("knowledge base", () => {
  it("a manager writes scripts in the editor and finds them by a Chinese search", async () => {
    const page = await signedIn("s.manager", "zh-CN", "/knowledge");
    expect(await page.locator("h2").innerText()).toBe("知识库与话术");
    await saveArticle(page, {
      title: "异议处理：没时间",
      body: "理解您很忙，我可以先给您发一条短信，您方便时再看。",
      tags: "异议，没时间",
      lang: "zh-CN",
    });
    await saveArticle(page, {
      title: "Objection: no time",
      body: "I understand you are busy. May I send you a message and call back later?",
      tags: "objection",
      lang: "en",
    });
    await reloadUntil(
      page,
      '[data-testid="kb-list"]',
      (t) => t.includes("异议处理：没时间") && t.includes("Objection"),
      "articles listed",
    );
    await page.goto(`${stack.url}/knowledge?q=${encodeURIComponent("客户说没时间")}`, {
      waitUntil: "networkidle",
    });
    const hits = page.locator('[data-testid="kb-hit"]');
    expect(await hits.count()).toBe(1);
    expect(await hits.first().innerText()).toContain("异议处理：没时间");
    await shot(page, "sales-kb-editor-zh");
    const en = await signedIn("s.manager", "en", "/knowledge");
    await en.goto(`${stack.url}/knowledge?q=busy`, { waitUntil: "networkidle" });
    expect(await en.locator('[data-testid="kb-hit"]').first().innerText()).toContain("Objection: no time");
    await shot(en, "sales-kb-editor-en");
  });

  it("an agent sees the scripts beside the call and searches them in the console", async () => {
    const page = await signedIn("s.agent", "zh-CN", "/console");
    const articles = await reloadUntil(
      page,
      '[data-testid="console-kb-articles"]',
      (t) => t.includes("没时间"),
      "console scripts",
    );
    expect(articles).not.toContain("Objection"); // the agent's language only
    await page.fill('[data-testid="console-kb-search"] input[name="kb"]', "没时间怎么办");
    await page.click('[data-testid="console-kb-search"] button');
    await page.waitForSelector('[data-testid="console-kb-hits"] [data-testid="kb-hit"]');
    expect(await page.locator('[data-testid="console-kb-hits"]').innerText()).toContain(
      "我可以先给您发一条短信",
    );
    await shot(page, "sales-console-kb-zh");
    const en = await signedIn("s.agent", "en", "/console");
    await en.fill('[data-testid="console-kb-search"] input[name="kb"]', "no time");
    await en.click('[data-testid="console-kb-search"] button');
    await en.waitForSelector('[data-testid="console-kb-hits"] [data-testid="kb-hit"]');
    expect(await en.locator('[data-testid="console-kb-hits"]').innerText()).toContain("Objection: no time");
    await shot(en, "sales-console-kb-en");
  });
});

describe("pipeline records and the approval step", () => {
  it("an agent submits a contract and orders by phone; the manager approves the contract", async () => {
    const agent = await signedIn("s.agent", "zh-CN", "/sales");
    const c = agent.locator('[data-testid="record-contract"]');
    await c.locator('input[name="contract_id"]').fill("k-e2e");
    await c.locator('input[name="customer_id"]').fill("cust-E2E");
    await c.locator('input[name="title"]').fill("年度维保合同");
    await c.locator('input[name="amount"]').fill("12000");
    await c.locator('input[name="starts_on"]').fill("2027-01-01");
    await c.locator('input[name="ends_on"]').fill("2027-12-31");
    await c.locator("button").click();
    await agent.waitForSelector('[data-testid="recorded"]');
    const o = agent.locator('[data-testid="record-order"]');
    await o.locator('input[name="customer_id"]').fill("cust-E2E");
    await o.locator('input[name="sku"]').fill("SKU-1");
    await o.locator('input[name="quantity"]').fill("2");
    await o.locator('input[name="unit_price"]').fill("99.5");
    await o.locator("button").click();
    await until(
      () =>
        chCount(
          "SELECT count() AS n FROM sales_facts WHERE org_id = {org:String} AND kind = 'order.created' AND customer_id = 'cust-E2E' AND amount_minor = 19900 AND held_by_agent = 0 AND agent_id = 'ag-1'",
        ),
      (n) => n === 1,
      "the order, flagged as not held (cust-E2E is in nobody's hold)",
    );
    await shot(agent, "sales-record-agent-zh");
    const mgr = await signedIn("s.manager", "en", "/sales");
    await reloadUntil(
      mgr,
      '[data-testid="approvals"] tbody',
      (t) => t.includes("k-e2e"),
      "contract in the approval queue",
    );
    await shot(mgr, "sales-approvals-manager-en");
    await mgr.click('[data-testid="approve-k-e2e"]');
    await until(
      () =>
        chCount(
          "SELECT count() AS n FROM sales_facts WHERE org_id = {org:String} AND kind = 'contract.approved' AND contract_id = 'k-e2e'",
        ),
      (n) => n === 1,
      "contract approved",
    );
    await reloadUntil(mgr, '[data-testid="approvals"] tbody', (t) => !t.includes("k-e2e"), "queue emptied");
  });
});

describe("orders and tickets follow-up", () => {
  it("an agent cancels an order, resolves a ticket and records the satisfaction call", async () => {
    const agent = await signedIn("s.agent", "en", "/sales");
    const tk = agent.locator('[data-testid="record-ticket"]');
    await tk.locator('input[name="customer_id"]').fill("cust-E2E");
    await tk.locator('select[name="category"]').selectOption("inquiry");
    await tk.locator('input[name="subject"]').fill("发票抬头");
    await tk.locator("button").click();
    await agent.waitForSelector('[data-testid="recorded"]');
    const row = await reloadUntil(
      agent,
      '[data-testid="tickets"] tbody',
      (t) => t.includes("cust-E2E"),
      "ticket listed",
    );
    const ticketId = /(tk-[0-9a-f]{8})/.exec(row)?.[1] ?? "";
    await agent.click(`[data-testid="resolve-${ticketId}"]`);
    await reloadUntil(
      agent,
      '[data-testid="tickets"] tbody',
      (t) => t.includes("awaiting follow-up"),
      "ticket resolved",
    );
    await agent.selectOption(
      `[data-testid="tickets"] form:has([data-testid="satisfaction-${ticketId}"]) select`,
      "4",
    );
    await agent.click(`[data-testid="satisfaction-${ticketId}"]`);
    await until(
      () =>
        chCount(
          `SELECT count() AS n FROM sales_facts WHERE org_id = {org:String} AND kind = 'ticket.satisfaction_recorded' AND score = 4 AND ticket_id = '${ticketId}'`,
        ),
      (n) => n === 1,
      "satisfaction recorded",
    );
    const orderRow = agent.locator('[data-testid="orders"] tr', { hasText: "cust-E2E" });
    await orderRow.locator('input[name="reason"]').fill("客户改主意");
    await orderRow.locator("button").click();
    await until(
      () =>
        chCount(
          "SELECT count() AS n FROM sales_facts WHERE org_id = {org:String} AND kind = 'order.cancelled' AND customer_id = 'cust-E2E'",
        ),
      (n) => n === 1,
      "order cancelled",
    );
    await reloadUntil(
      agent,
      '[data-testid="orders"] tbody',
      (t) => /cust-E2E[\s\S]*cancelled/.test(t),
      "cancelled shown",
    );
    await shot(agent, "sales-orders-tickets-en");
  });
});

describe("churn warnings", () => {
  it("the owner sees only their customer's warnings, with the SQL behind each list", async () => {
    const page = await signedIn("s.agent", "zh-CN", "/sales/churn");
    expect(await page.locator("h2").innerText()).toBe("政企客户流失预警");
    const expiring = await page.locator('[data-testid="churn-expiring"] tbody').innerText();
    expect(expiring).toContain("cust-A");
    expect(expiring).not.toContain("cust-D");
    expect(await page.locator('[data-testid="churn-complaints"] tbody').innerText()).toMatch(
      /cust-A\s+ag-1\s+3\s+0/,
    );
    expect(await page.locator('[data-testid="churn-spend"] tbody').innerText()).toContain("75.0%");
    await page.locator('[data-testid="churn-expiring"] summary').click();
    expect(await page.locator('[data-testid="churn-expiring"] pre').first().innerText()).toContain(
      "FROM sales_facts",
    );
    await shot(page, "sales-churn-agent-zh");
  });

  it("a manager sees the department's team, a director everyone", async () => {
    const mgr = await signedIn("s.manager", "en", "/sales/churn");
    const mine = await mgr.locator('[data-testid="churn-expiring"] tbody').innerText();
    expect(mine).toContain("cust-A");
    expect(mine).not.toContain("cust-D");
    await shot(mgr, "sales-churn-manager-en");
    const dir = await signedIn("s.director", "en", "/sales/churn?days=30");
    const all = await dir.locator('[data-testid="churn-expiring"] tbody').innerText();
    expect(all).toContain("cust-A");
    expect(all).toContain("cust-D");
    const narrow = await signedIn("s.director", "zh-CN", "/sales/churn?days=7");
    const soon = await narrow.locator('[data-testid="churn-expiring"] tbody').innerText();
    expect(soon).toContain("cust-D");
    expect(soon).not.toContain("cust-A");
    await shot(narrow, "sales-churn-director-zh");
  });
});

describe("sales stages in the funnel and ROI reports", () => {
  it("shows the stage funnel per rep and the signed value per ad channel against spend", async () => {
    const page = await signedIn("s.director", "zh-CN", "/reports/pipeline");
    expect(await page.locator("h2").innerText()).toBe("销售阶段与广告回报");
    const row = await page.locator('[data-testid="pipeline-roi"] tr[data-key="douyin"]').innerText();
    expect(row).toMatch(/douyin\s+1\s+1\s+¥3,000\s+0\s+0\s+¥0\s+¥1,000\s+200\.0%/);
    expect(await page.locator('[data-testid="pipeline-funnel"] tbody').innerText()).toContain("ag-1");
    await shot(page, "sales-pipeline-report-zh");
  });
});

describe("reports per management level", () => {
  it("exports the director's week as XLSX and writes the scheduled file", async () => {
    const page = await signedIn("s.director", "en", "/sales/reports");
    await page.selectOption('[data-testid="mgmt-filters"] select[name="level"]', "director");
    await page.selectOption('[data-testid="mgmt-filters"] select[name="period"]', "weekly");
    await Promise.all([page.waitForURL(/period=weekly/), page.click('[data-testid="mgmt-filters"] button')]);
    await page.waitForSelector('[data-testid="daily-chart"]');
    expect(await page.locator('[data-testid="mgmt-table"]').innerText()).toContain("team-a");
    await shot(page, "sales-reports-director-en");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click('[data-testid="export-xlsx"]'),
    ]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync((await download.path())!) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).getCell(1).value).toBe("Key");
    const total = ws.getRow(ws.rowCount);
    expect(total.getCell(1).value).toBe("total");
    expect(total.getCell(7).value).toBe(888 + 199); // yuan: the seeded order + the one taken by phone above
    await page.click('[data-testid="schedule-save"]');
    await page.waitForSelector('[data-testid="schedule-run"]');
    await page.click('[data-testid="schedule-run"]');
    await until(
      async () => await page.locator('[data-testid="mgmt-files"]').innerText(),
      (t) => /director-daily-\d{4}-\d{2}-\d{2}\.xlsx/.test(t),
      "scheduled file listed",
    );
    const zh = await signedIn("s.agent", "zh-CN", "/sales/reports");
    expect(await zh.locator("h2").innerText()).toBe("分级报表");
    expect(await zh.locator('[data-testid="mgmt-filters"] select[name="level"] option').count()).toBe(1);
    await shot(zh, "sales-reports-agent-zh");
  });
});
