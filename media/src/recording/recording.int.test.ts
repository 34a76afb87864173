// Recording on the real path: drachtio-server, rtpengine (pcap recording), the media service
// bridging a call, the customer and the agent each sending their own tone; the WAV the service
// stores must carry each tone on its own channel, last as long as the bridge, match its checksum,
// and reach ClickHouse's `recordings` table through the sink. A call whose recording cannot be
// stored raises the alarm event and keeps rtpengine's pcap.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { createClickHouse, migrate } from "@cc/analytics";
import { type ClickHouseHost, freePort, repoRoot, startClickHouseHost, tempDir } from "@cc/infra";
import { type EventOf, type SinkHandle, sinkConfigFromEnv, startSink } from "@cc/ingest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tone } from "../rtp/endpoint.ts";
import { type MediaStack, startMediaStack } from "../testing/media-stack.ts";
import type { AgentPhone } from "../testing/phones.ts";
import { sha256Of } from "./store.ts";
import { verifyRecording } from "./verify.ts";
import { readWavFile } from "./wav.ts";

const execFileP = promisify(execFile);
const CUSTOMER_HZ = 697;
const AGENT_HZ = 1209;
const TALK_MS = 3_000;

let s: MediaStack;
let host: ClickHouseHost;
let sink: SinkHandle;
let agent: AgentPhone;

beforeAll(async () => {
  s = await startMediaStack({ campaign: { amd: false }, recording: true });
  s.phones.carrier(() => ({ finalMs: 300, final: { answer: true } }));
  host = await startClickHouseHost();
  const ch = createClickHouse({ url: host.url, ...host.writer });
  await migrate(ch);
  await ch.close();
  sink = await startSink(
    sinkConfigFromEnv({
      NATS_URL: s.natsUrl,
      CLICKHOUSE_URL: host.url,
      CLICKHOUSE_USER: host.writer.username,
      CLICKHOUSE_PASSWORD: host.writer.password,
      SINK_HTTP_PORT: String(await freePort()),
      SINK_BATCH_MS: "50",
      LOG_LEVEL: "warn",
    }),
  );
  agent = await s.readyAgent("a1");
}, 120_000);

afterAll(async () => {
  await sink?.stop();
  await host?.stop();
  await s?.stop();
});

/** `npm run recordings -- …` as a child process, with the analyst's ClickHouse credentials. */
async function runCli(args: string[]): Promise<{ code: number; out: unknown }> {
  const r = await execFileP(process.execPath, [path.join(repoRoot, "media/src/recording/cli.ts"), ...args], {
    env: {
      ...process.env,
      CLICKHOUSE_URL: host.url,
      CLICKHOUSE_USER: host.analyst.username,
      CLICKHOUSE_PASSWORD: host.analyst.password,
    },
  }).then(
    (x) => ({ code: 0, stdout: x.stdout }),
    (err: { code: number; stdout: string }) => ({ code: err.code, stdout: err.stdout }),
  );
  return { code: r.code, out: JSON.parse(r.stdout) };
}

/** Dials, waits for the bridge, both sides send their tone for TALK_MS, the agent hangs up. */
async function talkedCall(): Promise<{ attemptId: string; bridgedAt: number; hungupAt: number }> {
  const cmd = await s.dial();
  const bridged = await s.waitFor(() => s.of(cmd.attempt_id).find((e) => e.kind === "call.bridged"));
  const customer = s.phones.calls.at(-1)!;
  customer.endpoint.startSending(() => tone(CUSTOMER_HZ, 20));
  agent.endpoint.startSending(() => tone(AGENT_HZ, 20));
  await new Promise((r) => setTimeout(r, TALK_MS));
  agent.quiet();
  const hungupAt = Date.now();
  s.svc.cc.hangup(cmd.attempt_id, "agent");
  await s.waitFor(() => s.of(cmd.attempt_id).find((e) => e.kind === "call.ended"));
  // The agent's wrap-up ends with a disposition; ready again for the next call.
  await s.agentEvent({
    kind: "agent.state_changed",
    org_id: s.org,
    agent_id: "a1",
    state: "ready",
    previous_state: "wrap_up",
    previous_state_s: 1,
  });
  await s.waitFor(() => s.svc.pool.get("a1")?.state === "ready");
  return { attemptId: cmd.attempt_id, bridgedAt: Date.parse(bridged.occurred_at), hungupAt };
}

const recordingEvent = (attemptId: string) =>
  s.waitFor(
    () =>
      s.of(attemptId).find((e) => e.kind === "recording.stored" || e.kind === "recording.failed") as
        | EventOf<"recording.stored">
        | EventOf<"recording.failed">
        | undefined,
    15_000,
  );

describe("call recording through rtpengine", () => {
  let stored: EventOf<"recording.stored">;

  it("stores a bridged call as stereo WAV: the customer's tone left, the agent's right, as long as the call", async () => {
    const call = await talkedCall();
    const ev = await recordingEvent(call.attemptId);
    expect(ev.kind).toBe("recording.stored");
    stored = ev as EventOf<"recording.stored">;
    expect(stored).toMatchObject({
      agent_id: "a1",
      campaign_id: s.campaignId,
      channels: 2,
      sample_rate: 8000,
    });
    const file = path.join(s.recordingDataDir, stored.path);
    const check = await verifyRecording(file, {
      customerHz: CUSTOMER_HZ,
      agentHz: AGENT_HZ,
      minToneMs: TALK_MS - 500,
      sha256: stored.sha256,
      durationMs: call.hungupAt - call.bridgedAt,
      durationToleranceMs: 600,
    });
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.customerToneMs).toBeGreaterThanOrEqual(TALK_MS - 500);
    expect(check.agentToneMs).toBeGreaterThanOrEqual(TALK_MS - 500);
    expect(check.customerChannelAgentToneMs).toBeLessThan(200);
    expect(stored.duration_ms).toBe(check.durationMs);
    // The checksum and size stored are the file's; the mono mix carries both voices.
    const bytes = await readFile(file);
    expect(sha256Of(bytes)).toBe(stored.sha256);
    expect(bytes.length).toBe(stored.bytes);
    const mono = await readFile(path.join(s.recordingDataDir, stored.mono_path!));
    expect(sha256Of(mono)).toBe(stored.mono_sha256);
    const mix = readWavFile(mono);
    expect(mix.channels).toHaveLength(1);
    // rtpengine's pcap is removed once the WAV is safely stored.
    const spool = await readdir(path.join(s.engineServer.recordingDir, "pcaps"));
    expect(spool.filter((f) => f.includes(call.attemptId))).toEqual([]);
  });

  it("writes the recording's metadata to ClickHouse (recordings table)", async () => {
    const ch = createClickHouse({ url: host.url, ...host.analyst });
    try {
      const row = await s.waitFor(async () => {
        const rs = await ch.query({
          query:
            "SELECT attempt_id, agent_id, campaign_id, duration_ms, bytes, sha256, path, channels FROM recordings FINAL WHERE org_id = {org:String} AND attempt_id = {a:String}",
          query_params: { org: s.org, a: stored.attempt_id },
          format: "JSONEachRow",
        });
        return (await rs.json<Record<string, unknown>>())[0];
      }, 20_000);
      // UInt64 comes back as a number or a string depending on the output settings.
      expect({ ...row, bytes: Number(row?.bytes) }).toEqual({
        attempt_id: stored.attempt_id,
        agent_id: "a1",
        campaign_id: s.campaignId,
        duration_ms: stored.duration_ms,
        bytes: stored.bytes,
        sha256: stored.sha256,
        path: stored.path,
        channels: 2,
      });
    } finally {
      await ch.close();
    }
  });

  it("exports the day's recordings checked against the checksums in ClickHouse, and refuses a damaged file", async () => {
    const day = stored.started_at.slice(0, 10);
    const to = await tempDir("rec-export");
    const exportRun = () =>
      runCli([
        "export",
        "--since",
        day,
        "--until",
        day,
        "--to",
        to,
        "--org",
        s.org,
        "--data-dir",
        s.recordingDataDir,
      ]);
    const ok = await exportRun();
    expect(ok.code).toBe(0);
    expect(ok.out).toMatchObject({ files: 2, checked_against_recorded: true, mismatched: [] });
    const verified = await runCli(["verify-export", to]);
    expect(verified).toEqual({ code: 0, out: { files: 2, problems: [] } });
    // One byte of the stored file changes on disk: the export names it and fails.
    const file = path.join(s.recordingDataDir, stored.path);
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await writeFile(file, bytes);
    const bad = await exportRun();
    expect(bad.code).toBe(1);
    expect(bad.out).toMatchObject({ files: 1, mismatched: [stored.path] });
  });

  it("raises the alarm when a call's recording cannot be stored, and keeps rtpengine's pcap", async () => {
    // The org's recordings directory is unusable (a file where the directory should be).
    const orgDir = path.join(s.recordingDataDir, "recordings", s.org);
    await rename(orgDir, `${orgDir}.moved`);
    await writeFile(orgDir, "not a directory");
    const call = await talkedCall();
    const ev = await recordingEvent(call.attemptId);
    expect(ev).toMatchObject({ kind: "recording.failed", reason: "store_failed", agent_id: "a1" });
    const failed = ev as EventOf<"recording.failed">;
    expect(failed.pcap_kept).toContain(call.attemptId);
    expect(existsSync(failed.pcap_kept!)).toBe(true);
  });
});
