// Call recordings in the built dashboard, checked on the server: an agent hears their own calls
// and is refused (403) another team's, a supervisor hears their team's, a director all; playback
// streams the WAV with Range support and plays in Chromium; every access, allowed or refused,
// lands in ClickHouse's audit view; a recording failure shows on the supervisor's wallboard.
// The recordings are WAV files written by the media service's own writer plus the
// `recording.stored` events it publishes (the media side is tested in media/src/recording).
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { tempDir } from "@cc/infra";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wavFile } from "../../media/src/recording/wav.ts";
import { tone } from "../../media/src/rtp/endpoint.ts";
import { createTeam, createUser } from "../src/lib/server/auth/users.ts";
import { launchBrowser, login, type Stack, shot, startStack, until } from "./harness.ts";

const ORG = "demo";
const PW = "test-password-123";
let stack: Stack;
let browser: Browser;
let dataDir: string;
const files = new Map<string, Buffer>();

async function storedRecording(attempt: string, agent: string, campaign: string, seconds: number) {
  const startedAt = Date.now() - 60_000;
  const day = new Date(startedAt).toISOString().slice(0, 10);
  const rel = `recordings/${ORG}/${day}/${attempt}.wav`;
  const wav = wavFile([tone(697, seconds * 1000), tone(1209, seconds * 1000)]);
  await mkdir(path.join(dataDir, path.dirname(rel)), { recursive: true });
  await writeFile(path.join(dataDir, rel), wav);
  files.set(attempt, wav);
  await stack.publish({
    kind: "recording.stored",
    org_id: ORG,
    attempt_id: attempt,
    campaign_id: campaign,
    agent_id: agent,
    started_at: new Date(startedAt).toISOString(),
    duration_ms: seconds * 1000,
    bytes: wav.length,
    sha256: createHash("sha256").update(wav).digest("hex"),
    path: rel,
    channels: 2,
    sample_rate: 8000,
    packets: seconds * 100,
    lost_packets: 0,
  });
}

beforeAll(async () => {
  dataDir = await tempDir("dash-recordings");
  stack = await startStack({ CC_DATA_DIR: dataDir, WALLBOARD_TICK_MS: "300" });
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
  const users = [
    { username: "li.agent", role: "agent", agentId: "a1", team: "t1" },
    { username: "other.agent", role: "agent", agentId: "b1", team: "t2" },
    { username: "zhang.sup", role: "supervisor", team: "t1" },
    { username: "zhao.dir", role: "director" },
  ] as const;
  for (const u of users)
    await createUser(stack.redis, {
      ...u,
      org: ORG,
      password: PW,
      mustChangePassword: false,
      displayName: u.username,
    });
  await storedRecording("att-a1", "a1", "spring", 2);
  await storedRecording("att-b1", "b1", "care", 3);
  await until(
    async () => {
      const rs = await stack.chClient.query({
        query: "SELECT count() AS n FROM recordings",
        format: "JSONEachRow",
      });
      return Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
    },
    (n) => n >= 2,
    "recordings in ClickHouse",
  );
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function signedIn(username: string): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.addCookies([{ name: "cc_lang", value: "en", url: stack.url }]);
  const page = await ctx.newPage();
  await login(page, stack.url, username, PW);
  return page;
}

/** A request with the page's session cookie, from inside the browser. */
async function get(page: Page, url: string, range?: string) {
  return await page.evaluate(
    async ([u, r]) => {
      const res = await fetch(u as string, r ? { headers: { range: r as string } } : {});
      const body = new Uint8Array(await res.arrayBuffer());
      return {
        status: res.status,
        bytes: Array.from(body),
        contentRange: res.headers.get("content-range"),
        disposition: res.headers.get("content-disposition"),
        sha256: res.headers.get("x-recording-sha256"),
      };
    },
    [url, range ?? null],
  );
}

interface AccessRow {
  user: string;
  role: string;
  attempt_id: string;
  action: string;
  allowed: boolean;
  reason: string;
}

async function accessLog(): Promise<AccessRow[]> {
  const rs = await stack.chClient.query({
    query:
      "SELECT user, role, attempt_id, action, allowed, reason FROM recording_access ORDER BY occurred_at",
    format: "JSONEachRow",
  });
  return await rs.json<AccessRow>();
}

describe("call recordings: playback checked on the server, every access audited", () => {
  it("an agent lists and plays their own call, and is refused another team's (403, audited)", async () => {
    const page = await signedIn("li.agent");
    await page.goto(`${stack.url}/recordings`, { waitUntil: "networkidle" });
    await page.locator('[data-testid="recording-att-a1"]').waitFor();
    expect(await page.locator('[data-testid="recording-att-b1"]').count()).toBe(0);
    // The browser's own player loads and decodes the WAV through the Range route.
    const seconds = await page.evaluate(async () => {
      const audio = document.querySelector('[data-testid="recording-att-a1"] audio') as HTMLAudioElement;
      audio.preload = "auto";
      audio.load();
      await new Promise((res, rej) => {
        audio.onloadedmetadata = res;
        audio.onerror = () => rej(new Error(`audio error ${audio.error?.code}`));
      });
      return audio.duration;
    });
    expect(seconds).toBeCloseTo(2, 1);
    await shot(page, "recordings-agent");

    const whole = await get(page, "/api/recordings/att-a1", "bytes=0-");
    expect(whole.status).toBe(206);
    expect(Buffer.from(whole.bytes).equals(files.get("att-a1")!)).toBe(true);
    const slice = await get(page, "/api/recordings/att-a1", "bytes=100-199");
    expect(slice.status).toBe(206);
    expect(slice.contentRange).toBe(`bytes 100-199/${files.get("att-a1")!.length}`);
    expect(Buffer.from(slice.bytes).equals(files.get("att-a1")!.subarray(100, 200))).toBe(true);

    const refused = await get(page, "/api/recordings/att-b1");
    expect(refused.status).toBe(403);
    expect(refused.bytes.length).toBeLessThan(200);

    const log = await until(accessLog, (rows) => rows.some((r) => r.attempt_id === "att-b1"), "audit rows");
    expect(log).toContainEqual({
      user: "li.agent",
      role: "agent",
      attempt_id: "att-b1",
      action: "play",
      allowed: false,
      reason: "not_in_scope",
    });
    expect(log).toContainEqual({
      user: "li.agent",
      role: "agent",
      attempt_id: "att-a1",
      action: "play",
      allowed: true,
      reason: "own_call",
    });
    await page.context().close();
  });

  it("a supervisor hears their team's calls only; a director hears all and downloads with the checksum", async () => {
    const sup = await signedIn("zhang.sup");
    expect((await get(sup, "/api/recordings/att-a1")).status).toBe(200);
    expect((await get(sup, "/api/recordings/att-b1")).status).toBe(403);
    await sup.context().close();

    const dir = await signedIn("zhao.dir");
    await dir.goto(`${stack.url}/recordings?campaign=care`, { waitUntil: "networkidle" });
    await dir.locator('[data-testid="recording-att-b1"]').waitFor();
    expect(await dir.locator('[data-testid="recording-att-a1"]').count()).toBe(0);
    const dl = await get(dir, "/api/recordings/att-b1?download=1");
    expect(dl.status).toBe(200);
    expect(dl.disposition).toContain('attachment; filename="att-b1.wav"');
    const body = Buffer.from(dl.bytes);
    expect(createHash("sha256").update(body).digest("hex")).toBe(dl.sha256);
    expect(body.equals(files.get("att-b1")!)).toBe(true);
    await dir.context().close();

    const log = await until(
      accessLog,
      (rows) => rows.some((r) => r.user === "zhao.dir" && r.action === "download"),
      "director's download audited",
    );
    expect(log).toContainEqual(
      expect.objectContaining({
        user: "zhang.sup",
        attempt_id: "att-a1",
        allowed: true,
        reason: "team_call",
      }),
    );
    expect(log).toContainEqual(
      expect.objectContaining({
        user: "zhang.sup",
        attempt_id: "att-b1",
        allowed: false,
        reason: "not_in_scope",
      }),
    );
    expect(log).toContainEqual(
      expect.objectContaining({ user: "zhao.dir", attempt_id: "att-b1", allowed: true, reason: "all_calls" }),
    );
  });

  it("a call that could not be recorded warns its team's supervisor on the wallboard", async () => {
    await stack.publish({
      kind: "recording.failed",
      org_id: ORG,
      attempt_id: "att-lost",
      campaign_id: "spring",
      agent_id: "a1",
      reason: "store_failed",
      detail: "disk full",
    });
    const sup = await signedIn("zhang.sup");
    await sup.goto(`${stack.url}/wallboard`);
    const banner = sup.locator('[data-testid="wb-recording-failed"]');
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.textContent()).toContain("1 calls in the last hour were not recorded");
    await shot(sup, "wallboard-recording-failed");
    await sup.context().close();
  });
});
