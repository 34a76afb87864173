// The media side of the console's softphone for browser tests: drachtio-server for the media
// service (SIP over WebSocket for the browser), a second drachtio-server for the carrier
// (PhoneSwitch), rtpengine, and the media service itself in-process, all on free loopback ports
// and wired to the NATS and Redis the dashboard under test uses.
import { freePort } from "@cc/infra";
import { type MediaStack, speak, startMediaStack, toInt16 } from "@cc/media/testing";

/** The media stack joined to the dashboard's NATS and Redis, plus rtpengine's log for failure reports. */
export type MediaSide = MediaStack & { engineLog: string[] };

export interface MediaSideOptions {
  natsUrl: string;
  redisUrl: string;
  org: string;
  campaign: string;
  sipSecret: string;
  realm: string;
  /** The WebSocket port the dashboard was told about (MEDIA_SIP_WS_URL), picked before it started. */
  wsPort: number;
}

/** A free TCP port for drachtio's WebSocket listener, known before the dashboard starts. */
export const freeWsPort = freePort;

/** Speech from espeak-ng as 8 kHz 16-bit PCM (the CPA corpus's voice pipeline). */
export function speech(text: string, voice = "cmn"): Int16Array {
  return toInt16(speak({ text, voice, speed: 165, pitch: 50 }));
}

export function silence(ms: number): Int16Array {
  return new Int16Array(Math.round(ms * 8));
}

export function concatPcm(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A 16-bit mono WAV of a sine tone (Chromium's fake microphone plays it in a loop). */
export function toneWav(hz: number, seconds: number, rate = 48_000, amplitude = 8000): Buffer {
  const n = rate * seconds;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    data.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  }
  const h = Buffer.alloc(44);
  h.write("RIFF", 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write("WAVE", 8);
  h.write("fmt ", 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

export async function startMediaSide(o: MediaSideOptions): Promise<MediaSide> {
  const engineLog: string[] = [];
  const stack = await startMediaStack({
    external: { natsUrl: o.natsUrl, redisUrl: o.redisUrl },
    org: o.org,
    campaignId: o.campaign,
    sipSecret: o.sipSecret,
    realm: o.realm,
    wsPort: o.wsPort,
    onEngineLine: (l) => {
      engineLog.push(l);
      if (engineLog.length > 5000) engineLog.shift();
    },
  });
  return Object.assign(stack, { engineLog });
}
