// RFC 4733 telephone-events (DTMF) on an RTP leg: decoding what the caller's phone sends (our
// endpoint is the far side of an inbound leg, so the events reach it through rtpengine) and
// building them for test callers.
import type { RtpPacket } from "../rtp/rtp.ts";

const DIGITS = "0123456789*#ABCD";

/** The digit of an RFC 4733 event code (0–15), or null for other events (tones, flash). */
export function digitOf(event: number): string | null {
  return DIGITS[event] ?? null;
}

export function eventOf(digit: string): number {
  const i = DIGITS.indexOf(digit.toUpperCase());
  if (i < 0) throw new Error(`not a DTMF digit: ${digit}`);
  return i;
}

/**
 * Turns a stream of telephone-event packets into digits, once each: an event is sent as many
 * packets (growing duration, three end packets) sharing one RTP timestamp, so a new
 * (SSRC, timestamp) pair is a new key press. Reported on its first packet, so a menu reacts at once.
 */
export class DtmfDecoder {
  readonly #payloadTypes: Set<number>;
  #last = "";

  constructor(payloadTypes: number[] = [101]) {
    this.#payloadTypes = new Set(payloadTypes);
  }

  /** The digit this packet starts, or null (repeat, end packet of a seen event, not an event). */
  push(p: RtpPacket): string | null {
    if (!this.#payloadTypes.has(p.payloadType) || p.payload.length < 4) return null;
    const key = `${p.ssrc}:${p.timestamp}`;
    if (key === this.#last) return null;
    this.#last = key;
    return digitOf(p.payload[0]!);
  }
}

/**
 * Payloads of one key press of `ms` (RFC 4733 §2.5): one packet per 20 ms with the duration so
 * far, then the end packet three times. All share the event's start timestamp.
 */
export function telephoneEventPayloads(digit: string, ms = 120, volume = 10): Buffer[] {
  const event = eventOf(digit);
  const out: Buffer[] = [];
  const steps = Math.max(1, Math.round(ms / 20));
  for (let i = 1; i <= steps + 2; i++) {
    const end = i >= steps;
    const b = Buffer.alloc(4);
    b[0] = event;
    b[1] = (end ? 0x80 : 0) | (volume & 0x3f);
    b.writeUInt16BE(Math.min(steps, i) * 160, 2);
    out.push(b);
  }
  return out;
}
