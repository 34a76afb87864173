// One RTP endpoint of ours: a UDP socket that receives a leg's audio (decoded to 16-bit PCM for
// the analyzer or a test) and can send G.711 audio paced at 20 ms. The media service puts one on
// the customer leg of every call until an agent is bridged; test phones and simulated agents
// use the same class.

import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import { type G711Law, g711Decode, g711Encode } from "../cpa/g711.ts";
import { buildRtp, PT_PCMA, PT_PCMU, parseRtp, type RtpPacket } from "./rtp.ts";

export const FRAME_SAMPLES = 160;
export const FRAME_MS = 20;

export interface AudioFrame {
  /** 160 samples of 16-bit PCM at 8 kHz. */
  pcm: Int16Array;
  /** Receive time (performance.now()). */
  at: number;
  packet: RtpPacket;
}

export function lawOfPayloadType(pt: number): G711Law | null {
  return pt === PT_PCMU ? "PCMU" : pt === PT_PCMA ? "PCMA" : null;
}

export class RtpEndpoint {
  readonly host: string;
  readonly #socket: dgram.Socket;
  #remote: { host: string; port: number } | null = null;
  #law: G711Law = "PCMU";
  #seq = randomInt(0, 0xffff);
  #timestamp = randomInt(0, 0x7fffffff);
  readonly #ssrc = randomInt(1, 0x7fffffff);
  #onAudio: ((f: AudioFrame) => void) | null = null;
  #onEvent: ((p: RtpPacket) => void) | null = null;
  #sender: NodeJS.Timeout | undefined;
  /** Packets received, for health checks and tests. */
  received = 0;
  sent = 0;

  private constructor(socket: dgram.Socket, host: string) {
    this.#socket = socket;
    this.host = host;
    socket.on("message", (msg) => this.#onMessage(msg));
    // A send to a closed port on loopback comes back as ECONNREFUSED on some kernels: not fatal.
    socket.on("error", () => {});
  }

  static async open(host = "127.0.0.1"): Promise<RtpEndpoint> {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    return new RtpEndpoint(socket, host);
  }

  get port(): number {
    return this.#socket.address().port;
  }

  get law(): G711Law {
    return this.#law;
  }

  /** Where to send and in which G.711 law (from the peer's SDP). */
  connect(remote: { host: string; port: number }, law: G711Law): void {
    this.#remote = remote;
    this.#law = law;
  }

  onAudio(fn: ((f: AudioFrame) => void) | null): void {
    this.#onAudio = fn;
  }

  /** RFC 4733 telephone-events and any non-G.711 payload. */
  onOtherPayload(fn: ((p: RtpPacket) => void) | null): void {
    this.#onEvent = fn;
  }

  #onMessage(msg: Buffer): void {
    const p = parseRtp(msg);
    if (!p) return;
    this.received++;
    const law = lawOfPayloadType(p.payloadType);
    if (!law) {
      this.#onEvent?.(p);
      return;
    }
    this.#onAudio?.({ pcm: g711Decode(law, p.payload), at: performance.now(), packet: p });
  }

  /** Sends one 20 ms frame of PCM now. */
  sendFrame(pcm: Int16Array): void {
    if (!this.#remote) return;
    const pt = this.#law === "PCMU" ? PT_PCMU : PT_PCMA;
    const payload = Buffer.from(g711Encode(this.#law, pcm));
    const packet = buildRtp({
      payloadType: pt,
      marker: this.sent === 0,
      seq: this.#seq,
      timestamp: this.#timestamp,
      ssrc: this.#ssrc,
      payload,
    });
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + pcm.length) >>> 0;
    this.sent++;
    this.#socket.send(packet, this.#remote.port, this.#remote.host);
  }

  /**
   * Sends one RFC 4733 key press (payloads from inbound/dtmf.ts `telephoneEventPayloads`), one
   * packet per 20 ms with the event's start timestamp, as a phone does; resolves when sent.
   */
  async sendEvent(payloads: Buffer[], payloadType = 101): Promise<void> {
    const timestamp = this.#timestamp;
    for (const [i, payload] of payloads.entries()) {
      if (!this.#remote) return;
      const packet = buildRtp({
        payloadType,
        marker: i === 0,
        seq: this.#seq,
        timestamp,
        ssrc: this.#ssrc,
        payload,
      });
      this.#seq = (this.#seq + 1) & 0xffff;
      try {
        this.#socket.send(packet, this.#remote.port, this.#remote.host);
      } catch {
        return; // closed: the call ended while the key was still held
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Streams audio in real time, one frame per 20 ms, catching up after timer lag so the rate
   * stays right. `next` returns the next frame or null to stop.
   */
  startSending(next: () => Int16Array | null): void {
    this.stopSending();
    const started = performance.now();
    let frames = 0;
    const tick = () => {
      const due = Math.floor((performance.now() - started) / FRAME_MS) + 1;
      while (frames < due) {
        const pcm = next();
        if (!pcm) {
          this.stopSending();
          return;
        }
        this.sendFrame(pcm);
        frames++;
      }
    };
    tick();
    this.#sender = setInterval(tick, FRAME_MS / 2);
  }

  stopSending(): void {
    if (this.#sender) clearInterval(this.#sender);
    this.#sender = undefined;
  }

  close(): void {
    this.stopSending();
    this.#onAudio = null;
    try {
      this.#socket.close();
    } catch {
      // already closed
    }
  }
}

/** Splits PCM into 20 ms frames (the last one zero-padded). */
export function* framesOf(pcm: Int16Array): Generator<Int16Array> {
  for (let i = 0; i < pcm.length; i += FRAME_SAMPLES) {
    const f = new Int16Array(FRAME_SAMPLES);
    f.set(pcm.subarray(i, Math.min(pcm.length, i + FRAME_SAMPLES)));
    yield f;
  }
}

/** A sine tone as PCM (for tests and the bridge audio check). */
export function tone(freqHz: number, ms: number, amplitude = 8000, rate = 8000): Int16Array {
  const n = Math.round((ms / 1000) * rate);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * freqHz * i) / rate));
  return out;
}
