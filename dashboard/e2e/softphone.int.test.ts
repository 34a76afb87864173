// The console's WebRTC softphone in headless Chromium against the real media path: the built
// dashboard (with the live-state projector), the media service in-process with its
// drachtio-server (SIP over WebSocket for JsSIP), rtpengine (ICE + DTLS-SRTP towards the
// browser) and a scripted carrier on a second drachtio-server. Chromium's microphone is a WAV
// of a 1 kHz tone; the carrier records what it hears and answers with espeak-ng speech.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { readLiveAgent } from "@cc/analytics";
import { tempDir } from "@cc/infra";
import type { EventOf } from "@cc/ingest";
import type { AudioFrame } from "@cc/media";
import { agentSipCredentials } from "@cc/media/credentials";
import { framesWithTone } from "@cc/media/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, createUser } from "../src/lib/server/auth/users.ts";
import { launchBrowser, login, type Stack, shot, startStack, until } from "./harness.ts";
import { concatPcm, freeWsPort, type MediaSide, silence, speech, startMediaSide, toneWav } from "./media.ts";

const ORG = "demo";
const PW = "test-password-123";
const SECRET = "softphone-e2e-secret-0123";
const REALM = "cc.e2e";
const CUSTOMER = "+8613800000001";

let stack: Stack;
let media: MediaSide;
let browser: Browser;
let page: Page;

/**
 * Chromium switches the test needs (and why):
 * - fake-ui / fake-device / file-for-fake-audio-capture: no permission prompt, and the
 *   microphone plays our 1 kHz tone (looped).
 * - allow-loopback-in-peer-connection: Chromium never gathers 127.0.0.1 as a host candidate
 *   otherwise; on a machine whose only interface is loopback the call would have no candidate
 *   at all (here ICE also succeeds from the non-loopback interface's socket towards
 *   rtpengine's 127.0.0.1 candidate, delivered locally).
 * - autoplay-policy: Web Audio and the remote <audio> start without a click when the console
 *   connects the phone on open (a person's first click does the same, see Softphone.svelte).
 */
async function browserArgs(): Promise<string[]> {
  const dir = await tempDir("softphone-e2e");
  const wav = path.join(dir, "tone-1k.wav");
  await writeFile(wav, toneWav(1000, 10));
  return [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-audio-capture=${wav}`,
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
  ];
}

beforeAll(async () => {
  const wsPort = await freeWsPort();
  stack = await startStack({
    MEDIA_SIP_WS_URL: `ws://127.0.0.1:${wsPort}`,
    MEDIA_SIP_SECRET: SECRET,
    MEDIA_SIP_REALM: REALM,
    MEDIA_SIP_CREDENTIAL_TTL_S: "120",
  });
  media = await startMediaSide({
    natsUrl: stack.nats.url,
    redisUrl: stack.redisServer.url,
    org: ORG,
    campaign: "spring",
    sipSecret: SECRET,
    realm: REALM,
    wsPort,
  });
  // "Hello?", a pause while the call is analysed and bridged, then the customer keeps talking.
  const hello = speech("喂，你好");
  const talk = speech(
    "你好，我是王小明。你们上次说的活动我还有点兴趣，能不能再详细介绍一下？价格是多少，什么时候开始？",
  );
  media.phones.carrier((n) =>
    n === CUSTOMER
      ? {
          finalMs: 400,
          final: { answer: true, greeting: concatPcm(silence(300), hello, silence(2_500), talk, talk) },
        }
      : { finalMs: 300, final: { status: 404 } },
  );
  await createTeam(stack.redis, {
    id: "t1",
    org: ORG,
    name: "销售一组",
    department: "sales",
    campaigns: "spring",
  });
  await createUser(stack.redis, {
    username: "li.agent",
    role: "agent",
    agentId: "a1",
    team: "t1",
    org: ORG,
    password: PW,
    mustChangePassword: false,
  });
  await createUser(stack.redis, {
    username: "zhang.sup",
    role: "supervisor",
    team: "t1",
    org: ORG,
    password: PW,
    mustChangePassword: false,
  });
  browser = await launchBrowser(await browserArgs());
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await media?.stop();
  await stack?.stop();
});

const phoneState = () => page.locator('[data-testid="softphone"]').getAttribute("data-state");
/** Waits for a softphone state; a timeout reports the state and the reason the console shows. */
const phoneIs = (want: (s: string | null) => boolean, what: string) =>
  until(
    async () => ({
      state: await phoneState(),
      reason: await page
        .locator('[data-testid="phone-reason"]')
        .innerText({ timeout: 200 })
        .catch(() => ""),
    }),
    (v) => want(v.state),
    what,
  );
const agentState = () => page.locator('[data-testid="agent-state"]').getAttribute("data-state");
const level = async (which: "mic" | "remote") =>
  Number(await page.locator(`[data-testid="level-${which}"]`).getAttribute("data-level"));
const deviceEvents = () =>
  media.events.filter((e): e is EventOf<"agent.device"> => e.kind === "agent.device" && e.agent_id === "a1");
const ended = (attempt: string) =>
  until(
    async () => media.of(attempt).find((e) => e.kind === "call.ended" || e.kind === "call.failed"),
    (e) => e !== undefined,
    `end of ${attempt}`,
  );

/** Waits until the carrier has `n` more frames than `from`, and returns those frames. */
async function framesAfter(call: { received: AudioFrame[] }, from: number, n: number): Promise<AudioFrame[]> {
  await until(
    async () => call.received.length,
    (len) => len >= from + n,
    `${n} frames at the carrier`,
  );
  return call.received.slice(from, from + n);
}

describe("console softphone in Chromium", () => {
  it("mints SIP credentials only for signed-in agents", async () => {
    // Not signed in: sent to the sign-in page, never a credential.
    const anon = await fetch(`${stack.url}/console/phone`, {
      method: "POST",
      headers: { origin: stack.url },
      redirect: "manual",
    });
    expect(anon.status).toBe(303);
    expect(anon.headers.get("location")).toMatch(/^\/login/);
    const ctx = await browser.newContext();
    const sup = await ctx.newPage();
    await login(sup, stack.url, "zhang.sup", PW);
    const r = await sup.request.post(`${stack.url}/console/phone`, { headers: { origin: stack.url } });
    expect(r.status()).toBe(403);
    expect(await r.text()).not.toContain("password");
    await ctx.close();
  });

  it("connects when the agent opens the console, takes a bridged customer call with audio both ways, mutes, and hangs up the customer only", async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await ctx.newPage();
    const consoleErrors: string[] = [];
    page.on("pageerror", (e) => consoleErrors.push(String(e)));
    await login(page, stack.url, "li.agent", PW);
    expect(new URL(page.url()).pathname).toBe("/console");

    // The phone calls in on its own: JsSIP over WebSocket, digest with minted credentials,
    // ICE + DTLS-SRTP with rtpengine. The media service announces the device.
    await phoneIs((s) => s === "connected", "softphone connected");
    await until(
      async () => deviceEvents().at(-1),
      (e) => e?.state === "connected" && e.device === "webrtc",
      "agent.device connected (webrtc)",
    );
    await until(
      () => page.locator('[data-testid="phone-device"]').getAttribute("data-device"),
      (d) => d === "webrtc",
      "console shows the phone on the switch",
    );
    const session = media.svc.sessions.get("a1");
    expect(session?.device).toBe("webrtc");
    // The fake microphone's tone shows on the mic meter; nothing comes from the park yet.
    await until(
      () => level("mic"),
      (l) => l > 0.02,
      "mic level",
    );
    const parkedRemote = await level("remote");
    expect(parkedRemote).toBeLessThan(0.005);
    await shot(page, "softphone-connected-zh");

    await page.click('[data-testid="btn-ready"]');
    await until(agentState, (s) => s === "ready", "ready");
    await until(
      async () => media.svc.pool.get("a1")?.state,
      (s) => s === "ready",
      "media pool sees ready",
    );

    const cmd = await media.dial({ phone: CUSTOMER });
    const bridged = (await until(
      async () => media.of(cmd.attempt_id).find((e) => e.kind === "call.bridged"),
      (e) => e !== undefined,
      "call.bridged",
    )) as EventOf<"call.bridged">;
    expect(bridged.agent_id).toBe("a1");
    await until(agentState, (s) => s === "on_call", "console on call");
    const call = media.phones.calls.filter((c) => c.number === CUSTOMER).at(-1);
    if (!call) throw new Error("the carrier never saw the call");

    // The customer hears the agent's microphone (the 1 kHz tone) through rtpengine's bridge.
    await until(
      async () => framesWithTone(call.received, 1000).length,
      (n) => n >= 25,
      "tone at the carrier",
    );
    // The agent hears the customer: the remote level rises while they speak.
    await until(
      () => level("remote"),
      (l) => l > 0.01,
      "remote audio level while the customer speaks",
    );
    await shot(page, "softphone-on-call-zh");

    // Mute: the tone stops reaching the carrier (a few frames in flight are skipped).
    await page.click('[data-testid="phone-mute"]');
    expect(await page.locator('[data-testid="phone-mute"]').getAttribute("aria-pressed")).toBe("true");
    const mutedFrom = call.received.length + 10;
    const muted = await framesAfter(call, mutedFrom, 50);
    expect(framesWithTone(muted, 1000)).toHaveLength(0);
    await until(
      () => level("mic"),
      (l) => l < 0.001,
      "mic meter silent while muted",
    );
    await shot(page, "softphone-muted-zh");
    await page.click('[data-testid="phone-mute"]');
    const unmutedFrom = call.received.length + 10;
    const unmuted = await framesAfter(call, unmutedFrom, 50);
    expect(framesWithTone(unmuted, 1000).length).toBeGreaterThan(25);

    // Local hold: nothing sent, remote audio silenced in the browser.
    await page.click('[data-testid="phone-hold"]');
    expect(
      await page.locator('[data-testid="remote-audio"]').evaluate((a) => (a as HTMLAudioElement).muted),
    ).toBe(true);
    const held = await framesAfter(call, call.received.length + 10, 50);
    expect(framesWithTone(held, 1000)).toHaveLength(0);
    await page.click('[data-testid="phone-hold"]');
    expect(
      await page.locator('[data-testid="remote-audio"]').evaluate((a) => (a as HTMLAudioElement).muted),
    ).toBe(false);

    // Hang up from the console: the customer's call ends, the phone session stays.
    const devicesBefore = deviceEvents().length;
    await page.click('[data-testid="phone-hangup"]');
    await page.locator('[data-testid="hangup-result"][role="status"]').waitFor();
    const end = (await ended(cmd.attempt_id)) as EventOf<"call.ended">;
    expect(end).toMatchObject({ kind: "call.ended", hangup_by: "agent", agent_id: "a1" });
    expect(call.endedBy).toBe("us");
    await until(agentState, (s) => s === "wrap_up", "wrap-up after the hang-up");
    expect(await phoneState()).toBe("connected");
    expect(media.svc.sessions.get("a1")).toBe(session);
    expect(deviceEvents()).toHaveLength(devicesBefore);
    await shot(page, "softphone-after-hangup-zh");
    expect(consoleErrors).toEqual([]);
  });

  it("shows the media service's refusal of a hang-up for a call the agent does not hold", async () => {
    const r = await page.request.post(`${stack.url}/console?/hangup`, {
      form: { attempt_id: "not-my-call" },
      headers: { origin: stack.url, "x-sveltekit-action": "true" },
    });
    const body = await r.text();
    expect(body).toContain("not_your_call");
  });

  it("calls in again when live state loses the phone while the browser thinks it is up (media service restart)", async () => {
    const before = media.svc.sessions.get("a1");
    // What a restarted media service leaves behind: the device gone from live state, no BYE.
    await stack.publish({
      kind: "agent.device",
      org_id: ORG,
      agent_id: "a1",
      state: "disconnected",
      device: "webrtc",
      reason: "media_restarted",
    });
    await phoneIs((s) => s === "reconnecting" || s === "connecting", "softphone notices");
    await shot(page, "softphone-reconnecting-zh");
    await phoneIs((s) => s === "connected", "softphone connected again");
    await until(
      async () => media.svc.sessions.get("a1"),
      (s) => s !== undefined && s !== before,
      "a new session on the media service",
    );
    await until(
      () => page.locator('[data-testid="phone-device"]').getAttribute("data-device"),
      (d) => d === "webrtc",
      "device back in live state",
    );
  });

  it("reconnects with backoff when the media service hangs the phone up", async () => {
    const before = media.svc.sessions.get("a1");
    await before?.close(); // BYE towards the browser
    await phoneIs((s) => s === "reconnecting", "reconnecting after BYE");
    expect(await page.locator('[data-testid="phone-reason"]').innerText()).toContain("media service");
    await phoneIs((s) => s === "connected", "connected again");
    await until(
      async () => media.svc.sessions.get("a1"),
      (s) => s !== undefined && s !== before,
      "a new session",
    );
  });

  it("disconnecting disables Ready with the reason, in English too", async () => {
    await page.click('[data-testid="lang-switch"]');
    await page.locator("h3", { hasText: "Softphone" }).waitFor();
    await phoneIs((s) => s === "connected", "connected after the language switch");
    await page.click('[data-testid="phone-disconnect"]');
    await phoneIs((s) => s === "idle", "idle");
    await until(
      async () => deviceEvents().at(-1),
      (e) => e?.state === "disconnected",
      "agent.device disconnected",
    );
    await until(
      () => page.locator('[data-testid="phone-device"]').getAttribute("data-device"),
      (d) => d === "",
      "no phone on the switch",
    );
    expect(await page.locator('[data-testid="btn-ready"]').isDisabled()).toBe(true);
    expect(await level("mic")).toBe(0); // the microphone is released
    expect(await page.locator('[data-testid="ready-blocked"]').innerText()).toContain(
      "connect the softphone",
    );
    await shot(page, "softphone-disconnected-en");
    await page.click('[data-testid="phone-connect"]');
    await phoneIs((s) => s === "connected", "connected by hand");
    expect(await page.locator('[data-testid="btn-ready"]').isDisabled()).toBe(false);
    await page.context().close();
  });

  it("stays off while the agent's desk phone holds the session on the switch, and says why", async () => {
    const desk = await media.phones.agentPhone(media.media.sipUri, agentSipCredentials(SECRET, ORG, "a1"));
    try {
      await until(
        async () => deviceEvents().at(-1),
        (e) => e?.state === "connected" && e.device === "sip",
        "desk phone on the switch",
      );
      await until(
        async () => (await readLiveAgent(stack.redis, ORG, "a1"))?.device,
        (d) => d === "sip",
        "live state shows the desk phone",
      );
      const ctx = await browser.newContext();
      page = await ctx.newPage();
      await login(page, stack.url, "li.agent", PW);
      await until(
        () => page.locator('[data-testid="phone-device"]').getAttribute("data-device"),
        (d) => d === "sip",
        "console shows the desk phone",
      );
      await phoneIs((s) => s === "idle", "softphone idle beside the desk phone");
      expect(await page.locator('[data-testid="phone-reason"]').innerText()).toContain(
        "SIP 话机已连接交换机",
      );
      // The desk phone keeps its session: the browser took nothing.
      await new Promise((r) => setTimeout(r, 1_500));
      expect(media.svc.sessions.get("a1")?.device).toBe("sip");
      expect(desk.ended).toBe(false);
      await ctx.close();
    } finally {
      await desk.hangup();
    }
  });
});
