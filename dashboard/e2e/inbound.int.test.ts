// Inbound on the dashboard, against the built dashboard behind real NATS/Redis/ClickHouse + sink:
// the wallboard's inbound panel counts today's inbound events (through ClickHouse inbound_calls)
// and shows the media service's live queue figures (Redis); the agent console's stream carries
// the inbound screen pop and the customer card of the recognised caller.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser } from "../src/lib/server/auth/users.ts";
import { type Stack, startStack, until } from "./harness.ts";

let stack: Stack;
const cookies: Record<string, string> = {};

async function signIn(username: string): Promise<string> {
  const res = await fetch(`${stack.url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: stack.url,
      "x-sveltekit-action": "true",
    },
    body: new URLSearchParams({ username, password: "test-password-123" }),
  });
  return res.headers
    .getSetCookie()
    .find((h) => h.startsWith("cc_session="))!
    .split(";")[0]!;
}

/** The first SSE message of `event` from a stream that satisfies `ok`. */
async function firstEvent<T>(path: string, cookie: string, event: string, ok: (v: T) => boolean): Promise<T> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), 30_000);
  try {
    const res = await fetch(`${stack.url}${path}`, { headers: { cookie }, signal: ctl.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`${path} ended`);
      buf += dec.decode(value, { stream: true });
      for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (!block.startsWith(`event: ${event}`)) continue;
        const v = JSON.parse(block.slice(block.indexOf("data: ") + 6)) as T;
        if (ok(v)) return v;
      }
    }
  } finally {
    clearTimeout(timer);
    ctl.abort();
  }
}

beforeAll(async () => {
  stack = await startStack({ WALLBOARD_TICK_MS: "500" });
  for (const [username, role, agentId] of [
    ["li.sup", "supervisor", undefined],
    ["wang.agent", "agent", "ag-in-1"],
  ] as const) {
    await createUser(stack.redis, {
      username,
      role,
      org: "demo",
      password: "test-password-123",
      mustChangePassword: false,
      displayName: username,
      ...(agentId ? { agentId, team: "t1" } : {}),
    });
    cookies[username] = await signIn(username);
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const call = (n: number) => ({
  org_id: "demo",
  attempt_id: `in-call-${n}`,
  did: "4001",
  caller: `+861380000${1000 + n}`,
});

describe("inbound on the dashboard", () => {
  it("shows today's inbound figures and the live queue on the wallboard", async () => {
    const now = Date.now();
    for (const n of [1, 2, 3]) {
      await stack.publish(
        { kind: "inbound.offered", ...call(n), caller_class: "new", lookup_ms: 1 },
        now - 60_000,
      );
      await stack.publish(
        { kind: "inbound.queued", ...call(n), queue: "sales", path: "1", position: 1, expected_wait_s: 30 },
        now - 59_000,
      );
    }
    // Call 1 answered in 5 s, call 2 in 40 s (outside the 20 s service level), call 3 abandoned.
    await stack.publish(
      {
        kind: "inbound.answered",
        ...call(1),
        queue: "sales",
        agent_id: "ag-in-1",
        wait_ms: 5_000,
        answer_to_agent_ms: 6_000,
        sticky: "none",
      },
      now - 54_000,
    );
    await stack.publish(
      {
        kind: "inbound.answered",
        ...call(2),
        queue: "sales",
        agent_id: "ag-in-2",
        wait_ms: 40_000,
        answer_to_agent_ms: 41_000,
        sticky: "none",
      },
      now - 19_000,
    );
    await stack.publish(
      { kind: "inbound.abandoned", ...call(3), stage: "queue", queue: "sales", wait_ms: 10_000 },
      now - 49_000,
    );
    await stack.publish(
      { kind: "inbound.refused", ...call(4), reason: "blacklisted", sip_code: 603 },
      now - 30_000,
    );
    await stack.redis.hSet(
      "cc:inbound:queues:demo",
      "sales",
      JSON.stringify({ waiting: 2, longest_ms: 17_400, at: Date.now() + 20_000 }),
    );
    type Snap = {
      inbound: null | {
        offered: number;
        refused: number;
        answered: number;
        abandoned: number;
        serviceLevel: number;
        waitingNow: number;
        queues: Array<{ queue: string; longestWaitS: number; entered: number }>;
      };
    };
    const snap = await firstEvent<Snap>(
      "/wallboard/stream",
      cookies["li.sup"]!,
      "snapshot",
      (s) => s.inbound?.answered === 2 && s.inbound.refused === 1,
    );
    expect(snap.inbound).toMatchObject({ offered: 3, refused: 1, answered: 2, abandoned: 1, waitingNow: 2 });
    expect(snap.inbound!.serviceLevel).toBeCloseTo(1 / 3, 5);
    expect(snap.inbound!.queues).toEqual([
      expect.objectContaining({ queue: "sales", entered: 3, longestWaitS: 17 }),
    ]);
    const page = await until(
      async () =>
        await (await fetch(`${stack.url}/wallboard`, { headers: { cookie: cookies["li.sup"]! } })).text(),
      (html) => html.includes('data-testid="wb-inbound"'),
      "wallboard inbound panel",
    );
    expect(page).toContain('data-testid="inbound-queue-sales"');
  }, 60_000);

  it("pops the inbound caller and their customer card in the agent's console", async () => {
    await stack.publish({
      kind: "lead.created",
      org_id: "demo",
      lead_id: "L-in-1",
      source: "manual",
      phone: "+8613900005555",
      name: "赵女士",
      consent: { given: true, method: "written" },
    });
    await stack.redis.set(
      "cc:inbound:pop:demo:ag-in-1",
      JSON.stringify({
        call_id: "in-call-9",
        caller: "+8613900005555",
        lead_id: "L-in-1",
        queue: "sales",
        at: Date.now(),
      }),
    );
    const pop = await firstEvent<{ call_id: string; lead_id: string } | null>(
      "/console/stream",
      cookies["wang.agent"]!,
      "inbound",
      (v) => v?.call_id === "in-call-9",
    );
    expect(pop).toMatchObject({ lead_id: "L-in-1" });
    const card = await until(
      async () =>
        (await (
          await fetch(`${stack.url}/console/customer`, { headers: { cookie: cookies["wang.agent"]! } })
        ).json()) as { name?: string } | null,
      (c) => c?.name === "赵女士",
      "customer card of the inbound caller",
    );
    expect(card?.name).toBe("赵女士");
  }, 60_000);
});
