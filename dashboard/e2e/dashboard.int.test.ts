import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, createUser } from "../src/lib/server/auth/users.ts";
import { launchBrowser, login, type Stack, shot, startStack, until } from "./harness.ts";

let stack: Stack;
let browser: Browser;
const ORG = "demo";
const PW = "test-password-123";

const users = [
  { username: "li.agent", role: "agent", agentId: "a1", team: "t1" },
  { username: "zhang.sup", role: "supervisor", team: "t1" },
  { username: "wang.mgr", role: "manager", department: "sales" },
  { username: "zhao.dir", role: "director" },
  { username: "chen.analyst", role: "analyst" },
] as const;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  await createTeam(stack.redis, {
    id: "t1",
    org: ORG,
    name: "销售一组",
    department: "sales",
    campaigns: "spring",
  });
  await createTeam(stack.redis, {
    id: "t2",
    org: ORG,
    name: "客服组",
    department: "care",
    campaigns: "care",
  });
  for (const u of users) {
    await createUser(stack.redis, {
      ...u,
      org: ORG,
      password: PW,
      mustChangePassword: false,
      displayName: u.username,
    });
  }
  await createUser(stack.redis, {
    username: "other.agent",
    role: "agent",
    agentId: "b1",
    team: "t2",
    org: ORG,
    password: PW,
    mustChangePassword: false,
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function newPage(lang?: "en" | "zh-CN"): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  if (lang) await ctx.addCookies([{ name: "cc_lang", value: lang, url: stack.url }]);
  return await ctx.newPage();
}

async function status(page: Page, path: string): Promise<number> {
  const r = await page.goto(`${stack.url}${path}`);
  return r?.status() ?? 0;
}

describe("dashboard in a real browser", () => {
  it("first start: admin signs in with the one-time password, must change it, then manages users", async () => {
    expect(stack.adminPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const page = await newPage();
    await page.goto(`${stack.url}/login`);
    await shot(page, "login-zh");
    expect(await page.locator("html").getAttribute("lang")).toBe("zh-CN");
    await page.fill('input[name="username"]', "admin");
    await page.fill('input[name="password"]', "wrong-password");
    await page.click('button[type="submit"]');
    await expect.poll(() => page.locator('[role="alert"]').textContent()).toContain("用户名或密码错误");
    await login(page, stack.url, "admin", stack.adminPassword);
    expect(new URL(page.url()).pathname).toBe("/account/password");
    expect(await status(page, "/admin")).toBe(200);
    expect(new URL(page.url()).pathname).toBe("/account/password");
    await shot(page, "password-change");
    await page.fill('form.pw input[name="current"]', stack.adminPassword);
    await page.fill('form.pw input[name="next"]', "admin-new-password-1");
    await page.fill('form.pw input[name="confirm"]', "admin-new-password-1");
    await page.click('form.pw button[type="submit"]');
    await page.locator('[role="status"]').waitFor();
    expect(await status(page, "/admin")).toBe(200);
    await page.fill('form[action="?/user"] input[name="username"]', "sun.agent");
    await page.selectOption('form[action="?/user"] select[name="role"]', "agent");
    await page.fill('form[action="?/user"] input[name="agentId"]', "a7");
    await page.fill('form[action="?/user"] input[name="team"]', "t1");
    await page.fill('form[action="?/user"] input[name="password"]', "agent-seven-password");
    await page.click('form[action="?/user"] button[type="submit"]');
    await page.locator('[data-testid="users"] td', { hasText: "sun.agent" }).first().waitFor();
    await shot(page, "admin-zh");
    expect(await stack.redis.hGet("cc:user:sun.agent", "agent_id")).toBe("a7");
    await page.context().close();
  });

  it("rate-limits failed sign-ins per user and address (429 + retry-after)", async () => {
    const form = (pw: string) =>
      fetch(`${stack.url}/login`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          origin: stack.url,
          accept: "application/json",
        },
        body: new URLSearchParams({ username: "zhao.dir", password: pw }),
      });
    for (let i = 0; i < 5; i++) expect((await form("nope-nope")).status).toBe(401);
    const blocked = await form(PW);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    await stack.redis.del(await stack.redis.keys("cc:loginfail:zhao.dir:*"));
  });

  it("keeps SvelteKit's CSRF origin check on", async () => {
    const r = await fetch(`${stack.url}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://evil.example" },
      body: new URLSearchParams({ username: "zhao.dir", password: PW }),
    });
    expect(r.status).toBe(403);
  });

  it("each role lands on its page and is refused, on the server, what it may not see", async () => {
    const expectations: Record<string, { home: string; denied: string[]; allowed: string[] }> = {
      "li.agent": {
        home: "/console",
        denied: ["/wallboard", "/admin", "/sql", "/reports", "/wallboard/stream"],
        allowed: ["/console"],
      },
      "zhang.sup": { home: "/wallboard", denied: ["/admin", "/console", "/sql"], allowed: ["/wallboard"] },
      "wang.mgr": { home: "/wallboard", denied: ["/admin", "/console", "/sql"], allowed: ["/wallboard"] },
      "zhao.dir": { home: "/wallboard", denied: ["/admin", "/console"], allowed: ["/wallboard"] },
      "chen.analyst": {
        home: "/sql",
        denied: ["/wallboard", "/admin", "/console", "/wallboard/stream"],
        allowed: [],
      },
    };
    for (const [username, e] of Object.entries(expectations)) {
      const page = await newPage();
      await login(page, stack.url, username, PW);
      expect(new URL(page.url()).pathname, username).toBe(e.home);
      for (const path of e.denied) expect(await status(page, path), `${username} ${path}`).toBe(403);
      for (const path of e.allowed) expect(await status(page, path), `${username} ${path}`).toBe(200);
      await page.context().close();
    }
    const anon = await fetch(`${stack.url}/wallboard/stream`);
    expect(anon.status).toBe(401);
  });

  it("the wallboard changes live, and shows each supervisor only their teams", async () => {
    const t0 = Date.now();
    for (const [agent, team] of [
      ["a1", "t1"],
      ["a2", "t1"],
      ["b1", "t2"],
    ] as const) {
      await stack.publish(
        {
          kind: "agent.login",
          org_id: ORG,
          agent_id: agent,
          team_id: team,
          skills: [{ skill: "sales", level: 5 }],
          campaign_id: team === "t1" ? "spring" : "care",
        },
        t0 - 600_000,
      );
      await stack.publish(
        {
          kind: "agent.state_changed",
          org_id: ORG,
          agent_id: agent,
          state: "ready",
          previous_state: "paused",
          previous_state_s: 5,
          team_id: team,
        },
        t0 - 595_000,
      );
    }
    for (let i = 0; i < 6; i++) {
      const call = { org_id: ORG, campaign_id: "spring", lead_id: `L${i}`, attempt_id: `att-${i}` } as const;
      const at = t0 - 500_000 + i * 30_000;
      await stack.publish(
        {
          ...call,
          kind: "call.attempt_created",
          phone: "+8613800138000",
          caller_id: "+861012345678",
          mode: "predictive",
          attempt_no: 1,
          skill: "sales",
        },
        at,
      );
      await stack.publish(
        {
          ...call,
          kind: "call.answered",
          detection: i % 3 === 0 ? "machine" : "human",
          detect_ms: 900,
          ring_s: 7,
        },
        at + 7000,
      );
    }
    const page = await newPage();
    await login(page, stack.url, "zhang.sup", PW);
    await page.locator('[data-testid="agent-a1"]').waitFor();
    const first = await page.locator('[data-testid="agents"]').innerText();
    const at1 = Number(await page.locator('[data-testid="wb-updated"]').getAttribute("data-at"));
    expect(await page.locator('[data-testid="agent-b1"]').count()).toBe(0); // t2 is not this supervisor's team
    await shot(page, "wallboard-zh");

    await stack.publish({
      org_id: ORG,
      campaign_id: "spring",
      lead_id: "L1",
      attempt_id: "att-1",
      kind: "call.bridged",
      agent_id: "a2",
      wait_ms: 400,
    });
    await stack.publish({
      kind: "agent.state_changed",
      org_id: ORG,
      agent_id: "a2",
      state: "on_call",
      previous_state: "ready",
      previous_state_s: 590,
      team_id: "t1",
      campaign_id: "spring",
      attempt_id: "att-1",
    });
    await until(
      () => page.locator('[data-testid="agent-a2"]').getAttribute("data-state"),
      (s) => s === "on_call",
      "a2 on call",
    );
    const second = await page.locator('[data-testid="agents"]').innerText();
    const at2 = Number(await page.locator('[data-testid="wb-updated"]').getAttribute("data-at"));
    expect(second).not.toBe(first);
    expect(at2).toBeGreaterThan(at1);
    await until(
      () => page.locator('[data-testid="kpi-attempts"] .big').innerText(),
      (v) => v === "6",
      "attempts from ClickHouse",
    );
    expect(await page.locator('[data-testid="kpi-calls"] .big').innerText()).toMatch(/^1 \/ \d+ \/ \d+$/);

    await page.click('[data-testid="kpi-attempts"]');
    const sql = await page.locator('[data-testid="sql-text"]').innerText();
    expect(sql).toContain("FROM wallboard_campaign");
    expect(sql).toContain("'demo'");
    expect(await page.locator('[data-testid="sql-link"]').getAttribute("href")).toMatch(/^\/sql\?q=SELECT/);
    await shot(page, "wallboard-sql-dialog");
    await page.click('[data-testid="sql-dialog"] button');

    await page.click('[data-testid="lang-switch"]');
    await page.locator("h2", { hasText: "Live wallboard" }).waitFor();
    await page.locator('[data-testid="agent-a1"]').waitFor();
    await shot(page, "wallboard-en");
    await page.goto(`${stack.url}/wallboard?tv=1`);
    await page.locator('[data-testid="agent-a1"]').waitFor();
    await shot(page, "wallboard-tv");
    await page.context().close();

    const other = await newPage();
    await login(other, stack.url, "wang.mgr", PW);
    await other.locator('[data-testid="agent-a1"]').waitFor();
    expect(await other.locator('[data-testid="agent-b1"]').count()).toBe(0);
    await other.context().close();
    const dir = await newPage();
    await login(dir, stack.url, "zhao.dir", PW);
    await dir.locator('[data-testid="agent-b1"]').waitFor();
    await dir.context().close();
  });

  it("an agent goes ready, gets a call with a screen pop, dispositions it, and it lands in ClickHouse and the history", async () => {
    const page = await newPage();
    await login(page, stack.url, "li.agent", PW);
    await page.locator('[data-testid="waiting"]').waitFor();
    await page.click('[data-testid="btn-pause"]');
    await until(
      () => page.locator('[data-testid="agent-state"]').getAttribute("data-state"),
      (s) => s === "paused",
      "paused",
    );
    await page.click('[data-testid="btn-ready"]');
    await until(
      () => page.locator('[data-testid="agent-state"]').getAttribute("data-state"),
      (s) => s === "ready",
      "ready",
    );

    const call = {
      org_id: ORG,
      campaign_id: "spring",
      lead_id: "lead-wang",
      attempt_id: "att-wang-2",
    } as const;
    const t = Date.now();
    await stack.publish(
      {
        kind: "lead.created",
        org_id: ORG,
        lead_id: "lead-wang",
        source: "ad",
        channel: "douyin",
        campaign_id: "spring",
        phone: "+8613900139000",
        name: "王小明",
        company: "星辰科技",
        consent: { given: true, method: "web_form" },
      },
      t - 86_400_000,
    );
    await stack.publish(
      {
        ...call,
        attempt_id: "att-wang-1",
        kind: "call.ended",
        agent_id: "a9",
        ring_s: 5,
        talk_s: 42,
        hold_s: 0,
        wrap_s: 10,
        hangup_by: "customer",
      },
      t - 3_600_000,
    );
    await stack.publish(
      {
        ...call,
        attempt_id: "att-wang-1",
        kind: "call.disposition",
        agent_id: "a9",
        disposition: "C",
        notes: "忙，下周再打",
        set_by: "agent",
      },
      t - 3_590_000,
    );
    await stack.publish(
      {
        ...call,
        kind: "call.attempt_created",
        phone: "+8613900139000",
        caller_id: "+861012345678",
        mode: "predictive",
        attempt_no: 2,
      },
      t - 9000,
    );
    await stack.publish(
      { ...call, kind: "call.answered", detection: "human", detect_ms: 700, ring_s: 6 },
      t - 3000,
    );
    await stack.publish({ ...call, kind: "call.bridged", agent_id: "a1", wait_ms: 300 }, t - 2500);
    await stack.publish(
      {
        kind: "agent.state_changed",
        org_id: ORG,
        agent_id: "a1",
        state: "on_call",
        previous_state: "ready",
        previous_state_s: 10,
        campaign_id: "spring",
        attempt_id: "att-wang-2",
        team_id: "t1",
      },
      t - 2500,
    );
    await until(
      () =>
        page
          .locator('[data-testid="customer-name"]')
          .innerText()
          .catch(() => ""),
      (n) => n === "王小明",
      "screen pop",
    );
    expect(await page.locator('[data-testid="customer-grade"]').innerText()).toBe("C");
    expect(await page.locator('[data-testid="history"]').innerText()).toContain("忙，下周再打");
    await shot(page, "console-call-zh");

    await stack.publish({
      ...call,
      kind: "call.ended",
      agent_id: "a1",
      ring_s: 6,
      talk_s: 95,
      hold_s: 0,
      wrap_s: 0,
      hangup_by: "customer",
    });
    await stack.publish({
      kind: "agent.state_changed",
      org_id: ORG,
      agent_id: "a1",
      state: "wrap_up",
      previous_state: "on_call",
      previous_state_s: 95,
      campaign_id: "spring",
      team_id: "t1",
    });
    await page.locator('[data-testid="wrap-timer"]').waitFor();
    await page.locator("body").click({ position: { x: 5, y: 300 } });
    await page.keyboard.press("a");
    expect(await page.locator('[data-testid="dispo-A"] input').isChecked()).toBe(true);
    await page.fill('[data-testid="notes"]', "接受邀约，周六到店");
    await page.fill('[data-testid="next-contact"]', "2030-05-04T10:30");
    await shot(page, "console-wrapup-zh");
    await page.click('[data-testid="btn-dispose"]');
    await page.locator('[data-testid="saved"]').waitFor();

    const rows = await until(
      async () => {
        const rs = await stack.chClient.query({
          query:
            "SELECT agent_id, JSONExtractString(payload, 'disposition') AS d, JSONExtractString(payload, 'notes') AS n, JSONExtractString(payload, 'next_contact_at') AS next FROM events WHERE kind = 'call.disposition' AND attempt_id = {a:String}",
          query_params: { a: "att-wang-2" },
          format: "JSONEachRow",
        });
        return (await rs.json()) as Array<{ agent_id: string; d: string; n: string; next: string }>;
      },
      (r) => r.length > 0,
      "disposition in ClickHouse",
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ agent_id: "a1", d: "A", n: "接受邀约，周六到店" });
    expect(rows[0]!.next).toMatch(/^2030-05-0[34]T\d\d:30:00\.000Z$/);
    await until(
      () => page.locator('[data-testid="history"]').innerText(),
      (h) => h.includes("接受邀约"),
      "history shows it",
    );
    await until(
      () => page.locator('[data-testid="agent-state"]').getAttribute("data-state"),
      (s) => s === "ready",
      "back to ready",
    );
    await shot(page, "console-after-zh");

    // Another agent cannot disposition this call: the server checks it is their own.
    const other = await newPage("en");
    await login(other, stack.url, "other.agent", PW);
    const r = await other.request.post(`${stack.url}/console?/dispose`, {
      form: { attempt_id: "att-wang-2", disposition: "F" },
      headers: { origin: stack.url, "x-sveltekit-action": "true" },
    });
    expect(await r.text()).toContain("NOT_YOUR_CALL");
    await shot(other, "console-en");
    await other.context().close();
    await page.context().close();
  });
});
