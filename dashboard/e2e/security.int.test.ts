// Security headers, the Content-Security-Policy under real pages in headless Chromium, the
// session cookie's Secure flag behind a TLS proxy, and sessions ended by password changes.
// The dashboard runs without ORIGIN and trusts x-forwarded-proto (PROTOCOL_HEADER), as behind a
// TLS-terminating proxy; the browser says "http" through that header, a node client "https".
import { seedDemoHistory } from "@cc/analytics";
import { freePort } from "@cc/infra";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../src/lib/server/auth/users.ts";
import { launchBrowser, login, type Stack, shot, startStack, until } from "./harness.ts";

const PW = "test-password-123";
let stack: Stack;
let browser: Browser;
let wsUrl: string;

beforeAll(async () => {
  wsUrl = `ws://127.0.0.1:${await freePort()}`;
  stack = await startStack({
    ORIGIN: "",
    PROTOCOL_HEADER: "x-forwarded-proto",
    // The softphone's WebSocket is on another port: the CSP must let the console reach it.
    MEDIA_SIP_WS_URL: wsUrl,
    MEDIA_SIP_SECRET: "security-e2e-secret-0123",
  });
  browser = await launchBrowser(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]);
  for (const [username, role, agentId] of [
    ["sec.agent", "agent", "sec-a1"],
    ["sec.analyst", "analyst", ""],
    ["sec.director", "director", ""],
  ] as const) {
    await createUser(stack.redis, {
      username,
      role,
      agentId,
      org: "demo",
      password: PW,
      mustChangePassword: false,
    });
  }
  // A few days of the demo's generated history, so charts draw and the note shows.
  await seedDemoHistory(stack.chClient, {
    orgId: "demo",
    campaignIds: ["demo-campaign"],
    agentIds: ["sec-a1", "sec-a2"],
    days: 3,
    attemptsPerAgentDay: 60,
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A browser context whose pages record every CSP violation (DOM event + console message). */
async function watchedContext(): Promise<{ ctx: BrowserContext; violations: () => Promise<string[]> }> {
  const ctx = await browser.newContext({ extraHTTPHeaders: { "x-forwarded-proto": "http" } });
  await ctx.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      w.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  const consoleViolations: string[] = [];
  ctx.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) consoleViolations.push(m.text());
  });
  const violations = async () => {
    const fromPages = await Promise.all(
      ctx
        .pages()
        .map((p) => p.evaluate(() => (window as unknown as { __csp: string[] }).__csp).catch(() => [])),
    );
    return [...consoleViolations, ...fromPages.flat()];
  };
  return { ctx, violations };
}

async function signIn(ctx: BrowserContext, username: string, password = PW): Promise<Page> {
  const page = await ctx.newPage();
  await login(page, stack.url, username, password);
  return page;
}

describe("dashboard security", () => {
  it("sends the security headers on pages, endpoints and errors", async () => {
    const page = await fetch(`${stack.url}/login`, { headers: { "x-forwarded-proto": "http" } });
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(csp).toContain(`connect-src 'self' ${wsUrl}`);
    for (const path of ["/login", "/health", "/wallboard/stream", "/no-such-page"]) {
      const r = await fetch(`${stack.url}${path}`, {
        headers: { "x-forwarded-proto": "http" },
        redirect: "manual",
      });
      expect(r.headers.get("x-frame-options"), path).toBe("DENY");
      expect(r.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(r.headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      expect(r.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
    }
    const health = await fetch(`${stack.url}/health`);
    expect(health.headers.get("content-security-policy")).toMatch(/^default-src 'none'/);
  });

  it("marks the session cookie Secure when the proxy says the request came over TLS", async () => {
    const signInOver = async (proto: "https" | "http") => {
      const host = new URL(stack.url).host;
      const r = await fetch(`${stack.url}/login`, {
        method: "POST",
        headers: {
          "x-forwarded-proto": proto,
          origin: `${proto}://${host}`,
          accept: "text/html",
          "content-type": "application/x-www-form-urlencoded",
        },
        body: new URLSearchParams({ username: "sec.analyst", password: PW }),
        redirect: "manual",
      });
      expect(r.status).toBe(303);
      return r.headers.getSetCookie().find((c) => c.startsWith("cc_session=")) ?? "";
    };
    expect(await signInOver("https")).toMatch(/; Secure/i);
    expect(await signInOver("http")).not.toMatch(/; Secure/i);
  });

  it("the wallboard, reports, SQL page and console work under the CSP with no violation", async () => {
    const { ctx, violations } = await watchedContext();
    const director = await signIn(ctx, "sec.director");
    await director.goto(`${stack.url}/wallboard`, { waitUntil: "networkidle" });
    await director.waitForSelector('[data-testid="kpi-agents"]');
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const from = new Date(Date.now() + 8 * 3_600_000 - 5 * 86_400_000).toISOString().slice(0, 10);
    for (const report of ["funnel", "roi", "workload"]) {
      await director.goto(`${stack.url}/reports/${report}?from=${from}&to=${today}`, {
        waitUntil: "networkidle",
      });
      // The generated history is in range: the report says so (and its charts drew).
      await director.waitForSelector('[data-testid="generated-history"]');
      expect(await director.locator("svg").count(), report).toBeGreaterThan(0);
    }
    await shot(director, "security-roi-under-csp");
    // Before the generated span: no note.
    await director.goto(`${stack.url}/reports/funnel?from=2020-01-01&to=2020-01-02`, {
      waitUntil: "networkidle",
    });
    expect(await director.locator('[data-testid="generated-history"]').count()).toBe(0);
    // The SQL page with a chart.
    const q = "SELECT kind, count() AS n FROM events WHERE org_id = {org:String} GROUP BY kind ORDER BY kind";
    await director.goto(
      `${stack.url}/sql?q=${encodeURIComponent(q)}&p=${encodeURIComponent('{"org":"demo"}')}`,
    );
    await director.waitForSelector('[data-testid="sql-chart"]');
    // The console: the softphone reaches for its WebSocket (nobody listens there: refused by
    // the network, not by the CSP) and asks for the microphone.
    const agentCtx = await watchedContext();
    const agent = await signIn(agentCtx.ctx, "sec.agent");
    await agent.goto(`${stack.url}/console`, { waitUntil: "networkidle" });
    await agent.waitForSelector('[data-testid="phone-state"]');
    await agent.evaluate(async () => {
      const s = await navigator.mediaDevices.getUserMedia({ audio: true });
      for (const t of s.getTracks()) t.stop();
    });
    await new Promise((r) => setTimeout(r, 1500));
    await shot(agent, "security-console-under-csp");
    expect(await violations()).toEqual([]);
    expect(await agentCtx.violations()).toEqual([]);
    await ctx.close();
    await agentCtx.ctx.close();
  });

  it("a password change ends the user's other sessions and keeps the one that changed it", async () => {
    const a = await watchedContext();
    const b = await watchedContext();
    const laptop = await signIn(a.ctx, "sec.analyst");
    const phone = await signIn(b.ctx, "sec.analyst");
    await phone.goto(`${stack.url}/reports`);
    expect(new URL(phone.url()).pathname).toBe("/reports");

    await laptop.goto(`${stack.url}/account/password`, { waitUntil: "networkidle" });
    await laptop.fill('form.pw input[name="current"]', PW);
    await laptop.fill('form.pw input[name="next"]', "a-new-password-456");
    await laptop.fill('form.pw input[name="confirm"]', "a-new-password-456");
    await laptop.click('form.pw button[type="submit"]');
    await laptop.waitForSelector('form.pw [role="status"]');
    await laptop.goto(`${stack.url}/reports`);
    expect(new URL(laptop.url()).pathname).toBe("/reports");
    await phone.goto(`${stack.url}/reports`);
    expect(new URL(phone.url()).pathname).toBe("/login");

    // An admin's reset ends every session of the user and forces a new password.
    const admin = await watchedContext();
    const adminPage = await admin.ctx.newPage();
    await login(adminPage, stack.url, "admin", stack.adminPassword);
    await adminPage.fill('form.pw input[name="current"]', stack.adminPassword);
    await adminPage.fill('form.pw input[name="next"]', "admin-password-789");
    await adminPage.fill('form.pw input[name="confirm"]', "admin-password-789");
    await adminPage.click('form.pw button[type="submit"]');
    await adminPage.waitForSelector('form.pw [role="status"]');
    await adminPage.goto(`${stack.url}/admin`, { waitUntil: "networkidle" });
    await adminPage.selectOption('[data-testid="reset-form"] select[name="username"]', "sec.analyst");
    await adminPage.fill('[data-testid="reset-form"] input[name="password"]', "temporary-pass-000");
    await adminPage.click('[data-testid="reset-form"] button[type="submit"]');
    await adminPage.waitForSelector('[data-testid="reset-done"]');
    await laptop.goto(`${stack.url}/reports`);
    expect(new URL(laptop.url()).pathname).toBe("/login");
    const again = await b.ctx.newPage();
    await again.goto(`${stack.url}/login`, { waitUntil: "networkidle" });
    await again.fill('form.panel input[name="username"]', "sec.analyst");
    await again.fill('form.panel input[name="password"]', "temporary-pass-000");
    await again.click('form.panel button[type="submit"]');
    await until(
      async () => new URL(again.url()).pathname,
      (p) => p === "/account/password",
      "forced password change",
    );
    for (const c of [a, b, admin]) {
      expect(await c.violations()).toEqual([]);
      await c.ctx.close();
    }
  });
});
