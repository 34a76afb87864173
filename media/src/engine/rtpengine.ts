// A small typed client over rtpengine's NG protocol (npm rtpengine-client): every command has a
// timeout and rejects on an error reply (the library's defaults do neither), replies come back
// typed, and a health loop notices when rtpengine goes away or restarts (a restart loses every
// call it held, so the service must tear down and re-anchor).
import { EventEmitter } from "node:events";
import rtpengine from "rtpengine-client";

export class MediaEngineError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MediaEngineError";
    this.code = code;
  }
}

export interface RtpengineOptions {
  host: string;
  port: number;
  /** Per-command timeout. */
  timeoutMs?: number;
  /** Health check period. */
  pingMs?: number;
}

export interface SdpReply {
  sdp: string;
}

type Params = Record<string, unknown>;
type Command =
  | "offer"
  | "answer"
  | "delete"
  | "query"
  | "playMedia"
  | "stopMedia"
  | "statistics"
  | "ping"
  | "list"
  | "startRecording"
  | "stopRecording";

export interface RtpengineEvents {
  down: [err: Error];
  up: [];
  /** rtpengine came back with a lower uptime than before: every call it held is gone. */
  restarted: [];
}

export class Rtpengine extends EventEmitter<RtpengineEvents> {
  readonly target: { host: string; port: number };
  readonly #client: InstanceType<typeof rtpengine.Client>;
  readonly #pingMs: number;
  #timer: NodeJS.Timeout | undefined;
  #up = true;
  #uptimeS = -1;
  #watching = false;

  constructor(opts: RtpengineOptions) {
    super();
    this.target = { host: opts.host, port: opts.port };
    this.#client = new rtpengine.Client({ timeout: opts.timeoutMs ?? 2_000, rejectOnError: true });
    // The library also emits 'error' for late replies after a timeout; those are not fatal.
    this.#client.on("error", () => {});
    this.#pingMs = opts.pingMs ?? 1_000;
  }

  get up(): boolean {
    return this.#up;
  }

  async command(name: Command, params: Params): Promise<Params> {
    try {
      return await this.#client[name](this.target, params);
    } catch (err) {
      const reason = typeof err === "string" ? err : (err as Error).message;
      const code = /timeout/i.test(reason) ? "ENGINE_TIMEOUT" : "ENGINE_ERROR";
      throw new MediaEngineError(`rtpengine ${name}: ${reason}`, code, { cause: err });
    }
  }

  async offer(params: Params): Promise<SdpReply> {
    return sdpOf(await this.command("offer", params), "offer");
  }

  async answer(params: Params): Promise<SdpReply> {
    return sdpOf(await this.command("answer", params), "answer");
  }

  /** Deletes a whole call (or one leg with from-tag); an unknown call is not an error here. */
  async delete(callId: string): Promise<void> {
    await this.command("delete", { "call-id": callId }).catch((err: MediaEngineError) => {
      if (!/unknown call/i.test(err.message)) throw err;
    });
  }

  /** Plays a file to the monologue named by `toTag`; resolves with its duration in ms. */
  async playMedia(callId: string, toTag: string, file: string): Promise<number> {
    const r = await this.command("playMedia", { "call-id": callId, "from-tag": toTag, file });
    return typeof r.duration === "number" ? r.duration : 0;
  }

  async query(callId: string): Promise<Params> {
    return await this.command("query", { "call-id": callId });
  }

  /** Ids of the calls rtpengine holds. */
  async callIds(): Promise<string[]> {
    const r = (await this.command("list", { limit: 100_000 })) as { calls?: unknown };
    return Array.isArray(r.calls) ? r.calls.map(String) : [];
  }

  async uptimeS(): Promise<number> {
    const r = (await this.command("statistics", {})) as {
      statistics?: { totalstatistics?: { uptime?: string | number } };
    };
    return Number(r.statistics?.totalstatistics?.uptime ?? -1);
  }

  /**
   * Starts the health loop: `down` (two checks in a row unanswered), `up`, and `restarted`
   * (rtpengine's uptime went back). One check at a time, so a slow answer never races a newer one.
   */
  watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    let failures = 0;
    const check = async () => {
      try {
        const uptime = await this.uptimeS();
        failures = 0;
        const restarted = this.#uptimeS >= 0 && uptime < this.#uptimeS;
        this.#uptimeS = uptime;
        if (!this.#up) {
          this.#up = true;
          this.emit("up");
        }
        if (restarted) this.emit("restarted");
      } catch (err) {
        if (++failures >= 2 && this.#up) {
          this.#up = false;
          this.emit("down", err as Error);
        }
      }
    };
    const loop = async () => {
      while (this.#watching) {
        await check();
        if (!this.#watching) return;
        await new Promise<void>((r) => {
          this.#timer = setTimeout(r, this.#pingMs);
          this.#timer.unref();
        });
      }
    };
    void loop();
  }

  close(): void {
    this.#watching = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#client.close();
  }
}

function sdpOf(reply: Params, command: string): SdpReply {
  if (typeof reply.sdp !== "string") {
    throw new MediaEngineError(`rtpengine ${command} replied without SDP`, "ENGINE_NO_SDP");
  }
  return { sdp: reply.sdp };
}
