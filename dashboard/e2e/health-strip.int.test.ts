// The wallboard's health strip and /health in a real browser, fed by npm start's real supervisor
// and status publisher (services here are fake processes whose exits the test triggers).
import { type Incarnation, STACK_SERVICES_KEY, Supervisor, startStackStatus } from "@cc/infra";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, createUser } from "../src/lib/server/auth/users.ts";
import { launchBrowser, login, type Stack, shot, startStack, until } from "./harness.ts";

let stack: Stack;
let browser: Browser;
const PW = "test-password-123";
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A service whose process "dies" when the test says so, and starts again when supervised. */
function fakeService() {
  let kill: () => void = () => undefined;
  let pid = 4000;
  const start = async (): Promise<Incarnation> => {
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      kill = () => resolve({ code: 1, signal: null });
    });
    return { pid: pid++, exited, stop: async () => kill() };
  };
  return { start, crash: () => kill() };
}

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  await createTeam(stack.redis, { id: "t1", org: "demo", name: "一组", department: "sales", campaigns: "" });
  await createUser(stack.redis, {
    username: "zhang.sup",
    role: "supervisor",
    team: "t1",
    org: "demo",
    password: PW,
    mustChangePassword: false,
    displayName: "zhang.sup",
  });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe("wallboard health strip", () => {
  it("says all running, then names the crash-looping service, in both languages; /health carries it", async () => {
    const publisher = await startStackStatus(`redis://127.0.0.1:${stack.redisServer.port}`, quiet);
    const sup = new Supervisor({
      log: quiet,
      initialDelayMs: 20,
      maxDelayMs: 20,
      onChange: (all) => publisher.publish(all),
    });
    try {
      const sink = fakeService();
      await sup.add("nats-server", fakeService().start);
      await sup.add("sink", sink.start);
      await sup.add("pacing", fakeService().start);

      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      await ctx.addCookies([{ name: "cc_lang", value: "en", url: stack.url }]);
      const page = await ctx.newPage();
      await login(page, stack.url, "zhang.sup", PW);
      await page.goto(`${stack.url}/wallboard`);
      const strip = page.locator('[data-testid="wb-health"]');
      await until(
        () => strip.innerText(),
        (t) => t.includes("all running (3)"),
        "all running",
      );

      for (let i = 1; i <= 3; i++) {
        sink.crash();
        await until(
          async () => sup.statuses()[1],
          (s) => s?.state === "running" && s.restarts === i,
          `sink restart ${i}`,
        );
      }
      const chip = page.locator('[data-testid="wb-svc-sink"]');
      await until(
        () => chip.innerText().catch(() => ""),
        (t) => t.includes("crash-looping") && t.includes("3 restarts"),
        "sink crash-looping on the strip",
      );
      expect(await strip.getAttribute("class")).toContain("down");
      expect(await page.locator('[data-testid="wb-svc-pacing"]').count()).toBe(0);
      await shot(page, "wallboard-health-strip-en");

      await page.click('[data-testid="lang-switch"]');
      await until(
        () => chip.innerText().catch(() => ""),
        (t) => t.includes("反复崩溃") && t.includes("重启 3 次"),
        "zh-CN strip",
      );
      await shot(page, "wallboard-health-strip-zh");
      await ctx.close();

      const health = (await (await fetch(`${stack.url}/health`)).json()) as {
        ok: boolean;
        stack: { ok: boolean; services: { name: string; restarts: number; crash_looping: boolean }[] };
      };
      expect(health.ok).toBe(true);
      expect(health.stack.ok).toBe(false);
      expect(health.stack.services.map((s) => s.name)).toEqual(["nats-server", "sink", "pacing"]);
      expect(health.stack.services[1]).toMatchObject({ name: "sink", restarts: 3, crash_looping: true });
    } finally {
      await publisher.close();
      await sup.stopAll();
    }
    expect(await stack.redis.exists(STACK_SERVICES_KEY)).toBe(0);
  }, 120_000);
});
