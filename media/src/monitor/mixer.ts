// The three-way audio mixer a monitored call runs through. rtpengine 10.5 forwards and forks
// streams but cannot sum two of them into one (its mixing audio player came in 11.x), so while a
// supervisor is on a call the customer call's side and the agent's and supervisor's plain sides
// all point at sockets of ours, and this mixer decodes G.711, sums what each party may hear and
// re-encodes it, one 20 ms frame per party per tick:
//   agent hears      customer (+ supervisor when whispering or barging)
//   customer hears   agent (+ supervisor when barging)
//   supervisor hears customer + agent
import type { MonitorMode } from "@cc/ingest";
import { type AudioFrame, FRAME_MS, FRAME_SAMPLES, RtpEndpoint } from "../rtp/endpoint.ts";
import type { AudioTarget } from "../rtp/sdp.ts";

/** Frames held per input: enough to ride out timer jitter, small enough to keep delay low. */
const MAX_QUEUED = 4;

export type Party = "customer" | "agent" | "supervisor";

/** Who hears whom in a mode (the rows are listeners). */
export function hears(mode: MonitorMode, listener: Party): Party[] {
  if (listener === "supervisor") return ["customer", "agent"];
  if (listener === "agent") return mode === "listen" ? ["customer"] : ["customer", "supervisor"];
  return mode === "barge" ? ["agent", "supervisor"] : ["agent"];
}

/** Sums frames sample by sample, clipped to 16 bits. */
export function mixFrames(frames: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(FRAME_SAMPLES);
  for (let i = 0; i < FRAME_SAMPLES; i++) {
    let sum = 0;
    for (const f of frames) sum += f[i] ?? 0;
    out[i] = sum > 32767 ? 32767 : sum < -32768 ? -32768 : sum;
  }
  return out;
}

class PartyPort {
  readonly endpoint: RtpEndpoint;
  readonly #queue: Int16Array[] = [];

  constructor(endpoint: RtpEndpoint) {
    this.endpoint = endpoint;
    endpoint.onAudio((f: AudioFrame) => {
      if (f.pcm.length !== FRAME_SAMPLES) return;
      this.#queue.push(f.pcm);
      if (this.#queue.length > MAX_QUEUED) this.#queue.shift();
    });
  }

  next(): Int16Array | null {
    return this.#queue.shift() ?? null;
  }
}

export class MonitorMixer {
  mode: MonitorMode;
  readonly #ports: Record<Party, PartyPort>;
  #timer: NodeJS.Timeout | undefined;
  /** Frames mixed (for metrics and tests). */
  ticks = 0;

  private constructor(mode: MonitorMode, ports: Record<Party, PartyPort>) {
    this.mode = mode;
    this.#ports = ports;
  }

  static async open(host: string, mode: MonitorMode): Promise<MonitorMixer> {
    const [customer, agent, supervisor] = await Promise.all([
      RtpEndpoint.open(host),
      RtpEndpoint.open(host),
      RtpEndpoint.open(host),
    ]);
    return new MonitorMixer(mode, {
      customer: new PartyPort(customer),
      agent: new PartyPort(agent),
      supervisor: new PartyPort(supervisor),
    });
  }

  /** Our socket facing a party (what that party's rtpengine side is pointed at). */
  socketFor(party: Party, law: AudioTarget["law"]): AudioTarget {
    const e = this.#ports[party].endpoint;
    return { host: e.host, port: e.port, law };
  }

  /** Where a party's audio goes back to (rtpengine's side facing us) and in which law. */
  connect(party: Party, target: AudioTarget): void {
    this.#ports[party].endpoint.connect(target, target.law);
  }

  /** Starts the 20 ms clock; catches up after timer lag so each party gets 50 frames a second. */
  start(): void {
    const started = performance.now();
    const tick = () => {
      const due = Math.floor((performance.now() - started) / FRAME_MS) + 1;
      while (this.ticks < due) this.#mixOnce();
    };
    tick();
    this.#timer = setInterval(tick, FRAME_MS / 2);
  }

  #mixOnce(): void {
    this.ticks++;
    const input: Record<Party, Int16Array | null> = {
      customer: this.#ports.customer.next(),
      agent: this.#ports.agent.next(),
      supervisor: this.#ports.supervisor.next(),
    };
    for (const listener of ["customer", "agent", "supervisor"] as const) {
      const frames = hears(this.mode, listener)
        .map((p) => input[p])
        .filter((f): f is Int16Array => f !== null);
      this.#ports[listener].endpoint.sendFrame(mixFrames(frames));
    }
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const p of Object.values(this.#ports)) p.endpoint.close();
  }
}
