import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, startStack, until } from "../../../../e2e/harness.ts";
import { createUser } from "../auth/users.ts";

// The built dashboard behind real NATS/Redis/ClickHouse: the SSE stream must deliver one snapshot
// per tick, and the process must run one ticker whatever the number of subscribers.
const TICK_MS = 1000;
const METRICS_KEY = "metrics-key-for-tests-0123456789";
let stack: Stack;
let cookie = "";

async function ticksComputed(): Promise<number> {
  const res = await fetch(`${stack.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_KEY}` } });
  const text = await res.text();
  const m = /^dashboard_wallboard_snapshot_seconds_count\{[^}]*\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

interface Client {
  ats: number[];
  opened: number;
  closed: Promise<void>;
}

function subscribe(signal: AbortSignal): Client {
  const c: Client = { ats: [], opened: Date.now(), closed: Promise.resolve() };
  c.closed = (async () => {
    try {
      const res = await fetch(`${stack.url}/wallboard/stream`, { headers: { cookie }, signal });
      expect(res.status).toBe(200);
      const dec = new TextDecoder();
      let buf = "";
      // A reader loop: the DOM typings the dashboard is checked with have no async iterator on ReadableStream.
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          if (!block.startsWith("event: snapshot")) continue;
          c.ats.push(JSON.parse(block.slice(block.indexOf("data: ") + 6)).at);
        }
      }
    } catch (err) {
      if ((err as Error).name !== "AbortError") throw err;
    }
  })();
  return c;
}

beforeAll(async () => {
  stack = await startStack({ WALLBOARD_TICK_MS: String(TICK_MS) });
  await createUser(stack.redis, {
    username: "zhang.sup",
    role: "supervisor",
    org: "demo",
    password: "test-password-123",
    mustChangePassword: false,
    displayName: "zhang.sup",
  });
  const res = await fetch(`${stack.url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: stack.url,
      "x-sveltekit-action": "true",
    },
    body: new URLSearchParams({ username: "zhang.sup", password: "test-password-123" }),
  });
  cookie = res.headers
    .getSetCookie()
    .find((h) => h.startsWith("cc_session="))!
    .split(";")[0]!;
  expect(cookie).toMatch(/^cc_session=./);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe("wallboard stream", () => {
  it("sends each subscriber one snapshot per tick from a single ticker, however many connect", async () => {
    const ctrl = new AbortController();
    const before = await ticksComputed();
    const t0 = Date.now();
    const first = subscribe(ctrl.signal);
    await until(
      async () => first.ats.length,
      (n) => n >= 1,
      "first snapshot",
    );
    // More subscribers arrive one after another while the first one listens.
    const later: Client[] = [];
    for (let i = 0; i < 8; i++) {
      later.push(subscribe(ctrl.signal));
      await new Promise((r) => setTimeout(r, 150));
    }
    await until(
      async () => first.ats.length,
      (n) => n >= 4,
      "four snapshots on the first stream",
    );
    await until(
      async () => later.map((c) => c.ats.length),
      (ns) => ns.every((n) => n >= 2),
      "two snapshots on every later stream",
    );
    const elapsed = Date.now() - t0;
    ctrl.abort();
    await Promise.all([first, ...later].map((c) => c.closed));
    const ticks = (await ticksComputed()) - before;

    // One computation per tick period (the first one immediately), not one per connect.
    const maxTicks = Math.floor(elapsed / TICK_MS) + 2;
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(ticks).toBeLessThanOrEqual(maxTicks);
    for (const c of [first, ...later]) {
      // Strictly increasing tick times: no tick is delivered twice, none out of order.
      for (let i = 1; i < c.ats.length; i++) expect(c.ats[i]).toBeGreaterThan(c.ats[i - 1]!);
      // At most one snapshot per tick.
      expect(c.ats.length).toBeLessThanOrEqual(ticks);
      const spacing = (c.ats.at(-1)! - c.ats[0]!) / Math.max(1, c.ats.length - 1);
      expect(spacing).toBeGreaterThanOrEqual(TICK_MS * 0.5);
    }
  }, 120_000);
});
