// Records every bridged call through rtpengine: `start recording` on the customer call right after
// the bridge (rtpengine's pcap method writes both directions of that call: the carrier's packets
// and the agent session's packets arriving on our side), and when the call is over and rtpengine
// has closed the pcap, turns it into WAV files under the data dir, publishes `recording.stored`
// and removes the pcap. Any failure publishes `recording.failed` (an alarm) and keeps the pcap.
import { readdir, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { EventFields } from "@cc/ingest";
import type { CallControlEvent } from "@cc/pacing";
import type { Logger } from "pino";
import type { Rtpengine } from "../engine/rtpengine.ts";
import { udpDatagrams } from "./pcap.ts";
import { type StoredRecording, storeRecording } from "./store.ts";
import { callTracks } from "./tracks.ts";

export interface RecordingMetrics {
  stored(durationMs: number, bytes: number): void;
  failed(reason: string): void;
}

export interface CallRecorderOptions {
  engine: Rtpengine;
  /** rtpengine's `--recording-dir` as this process sees it (pcaps/ and metadata/ inside). */
  spoolDir: string;
  /** Recordings go under <dataDir>/recordings/. */
  dataDir: string;
  orgId: string;
  emit: (fields: EventFields) => void;
  log: Logger;
  metrics?: RecordingMetrics;
  /** How long to wait for rtpengine to close a finished call's pcap (its metadata file appears). */
  closeTimeoutMs?: number;
}

/** A bridged call as the recorder needs it. */
export interface RecordedCall {
  attemptId: string;
  /** The rtpengine call holding the customer leg. */
  rtpCallId: string;
  campaignId?: string;
  agentId?: string;
  /** rtpengine's ports where the agent's audio arrives (our side of the customer call). */
  agentPorts: number[];
}

interface Active extends RecordedCall {
  startedAt: number;
  started: Promise<boolean>;
}

export type RecordingResult =
  | { ok: true; stored: StoredRecording; durationMs: number }
  | { ok: false; reason: string };

/** Minimal view of call control the recorder follows (SipCallControl fits). */
export interface RecordableCalls {
  onEvent(listener: (e: CallControlEvent) => void): () => void;
  get(
    attemptId: string,
  ): { rtpCallId: string; req: { campaignId: string }; usLocal: { port: number } | null } | undefined;
}

export class CallRecorder {
  readonly #o: CallRecorderOptions;
  readonly #active = new Map<string, Active>();
  readonly #finishing = new Set<Promise<unknown>>();

  constructor(o: CallRecorderOptions) {
    this.#o = o;
  }

  /** Starts recording a bridged call (fire and forget; a failure is reported when it finishes). */
  start(call: RecordedCall): void {
    if (this.#active.has(call.attemptId)) return;
    const started = this.#o.engine
      .command("startRecording", { "call-id": call.rtpCallId })
      .then(() => true)
      .catch((err: Error) => {
        this.#o.log.error({ err, attempt: call.attemptId }, "rtpengine refused to record the call");
        return false;
      });
    this.#active.set(call.attemptId, { ...call, startedAt: Date.now(), started });
  }

  /** The call is over: convert and store its recording. No-op for a call never recorded. */
  finish(attemptId: string): Promise<RecordingResult> | null {
    const a = this.#active.get(attemptId);
    if (!a) return null;
    this.#active.delete(attemptId);
    const p = this.#finish(a);
    this.#finishing.add(p);
    void p.finally(() => this.#finishing.delete(p));
    return p;
  }

  /** Records bridged calls of a call control and finishes them when they end. */
  follow(cc: RecordableCalls): () => void {
    return cc.onEvent((e) => {
      if (e.type === "bridged") {
        const call = cc.get(e.attemptId);
        if (!call?.usLocal) return;
        this.start({
          attemptId: e.attemptId,
          rtpCallId: call.rtpCallId,
          campaignId: call.req.campaignId,
          agentId: e.agentId,
          agentPorts: [call.usLocal.port],
        });
      } else if (e.type === "hungup" || e.type === "failed") void this.finish(e.attemptId);
    });
  }

  /** Waits for conversions in progress (shutdown). */
  async settled(): Promise<void> {
    while (this.#finishing.size) await Promise.allSettled([...this.#finishing]);
  }

  async #finish(a: Active): Promise<RecordingResult> {
    const ids = { org_id: this.#o.orgId, attempt_id: a.attemptId, ...idFields(a) };
    const fail = (
      reason: "start_failed" | "pcap_missing" | "no_audio" | "convert_failed" | "store_failed",
      detail?: string,
      pcaps: string[] = [],
    ) => {
      this.#o.log.error({ attempt: a.attemptId, reason, detail, pcaps }, "recording failed");
      this.#o.metrics?.failed(reason);
      this.#o.emit({
        kind: "recording.failed",
        ...ids,
        reason,
        ...(detail ? { detail: detail.slice(0, 500) } : {}),
        ...(pcaps[0] ? { pcap_kept: pcaps[0].slice(0, 512) } : {}),
      });
      return { ok: false as const, reason };
    };
    if (!(await a.started)) return fail("start_failed");
    const files = await this.#closedPcaps(a.rtpCallId);
    if (!files.pcaps.length) return fail("pcap_missing", `no pcap for ${a.rtpCallId} in ${this.#o.spoolDir}`);
    let tracks: ReturnType<typeof callTracks>;
    try {
      const datagrams = (await Promise.all(files.pcaps.map((f) => readFile(f)))).flatMap((b) =>
        udpDatagrams(b),
      );
      tracks = callTracks(datagrams, new Set(a.agentPorts));
    } catch (err) {
      return fail("convert_failed", (err as Error).message, files.pcaps);
    }
    if (!tracks.packets) return fail("no_audio", "the pcap holds no G.711 audio", files.pcaps);
    let stored: StoredRecording;
    try {
      stored = await storeRecording({
        dataDir: this.#o.dataDir,
        orgId: this.#o.orgId,
        attemptId: a.attemptId,
        startedAt: a.startedAt,
        tracks,
      });
    } catch (err) {
      return fail("store_failed", (err as Error).message, files.pcaps);
    }
    this.#o.emit({
      kind: "recording.stored",
      ...ids,
      started_at: new Date(a.startedAt).toISOString(),
      duration_ms: Math.min(tracks.durationMs, 86_400_000),
      bytes: stored.bytes,
      sha256: stored.sha256,
      path: stored.path,
      channels: 2,
      sample_rate: 8000,
      mono_path: stored.monoPath,
      mono_sha256: stored.monoSha256,
      packets: tracks.packets,
      lost_packets: tracks.lostPackets,
    });
    this.#o.metrics?.stored(tracks.durationMs, stored.bytes);
    await Promise.all([...files.pcaps, ...files.metadata].map((f) => rm(f, { force: true })));
    return { ok: true, stored, durationMs: tracks.durationMs };
  }

  /**
   * The call's pcaps once rtpengine has closed them: it writes the metadata file when the call
   * is deleted. After the timeout (rtpengine gone, say) whatever pcap exists is used as is.
   */
  async #closedPcaps(rtpCallId: string): Promise<{ pcaps: string[]; metadata: string[] }> {
    const until = Date.now() + (this.#o.closeTimeoutMs ?? 5_000);
    const pcapDir = path.join(this.#o.spoolDir, "pcaps");
    const metaDir = path.join(this.#o.spoolDir, "metadata");
    const prefix = `${rtpCallId}-`;
    for (;;) {
      const [pcaps, metadata] = await Promise.all([
        listMatching(pcapDir, (f) => f.startsWith(prefix) && f.endsWith(".pcap")),
        listMatching(metaDir, (f) => f.startsWith(`rtpengine-meta-${prefix}`)),
      ]);
      if ((pcaps.length && metadata.length) || Date.now() >= until) return { pcaps, metadata };
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function idFields(a: RecordedCall): { campaign_id?: string; agent_id?: string } {
  return {
    ...(a.campaignId ? { campaign_id: a.campaignId } : {}),
    ...(a.agentId ? { agent_id: a.agentId } : {}),
  };
}

async function listMatching(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  try {
    return (await readdir(dir)).filter(keep).map((f) => path.join(dir, f));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}
