// The few SDP facts media needs, read and written with sdp-transform.
import sdpTransform from "sdp-transform";
import type { G711Law } from "../cpa/g711.ts";

export class SdpError extends Error {
  readonly code = "BAD_SDP";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "SdpError";
  }
}

export interface AudioTarget {
  host: string;
  port: number;
  /** The first G.711 law the peer lists (what it will send). */
  law: G711Law;
}

/** Where the peer wants its audio and in which law; throws SdpError with the reason. */
export function audioTarget(sdp: string): AudioTarget {
  let parsed: sdpTransform.SessionDescription;
  try {
    parsed = sdpTransform.parse(sdp);
  } catch (err) {
    throw new SdpError(`unparseable SDP: ${(err as Error).message}`, { cause: err });
  }
  const audio = parsed.media.find((m) => m.type === "audio");
  if (!audio) throw new SdpError("SDP has no audio stream");
  if (!audio.port) throw new SdpError("SDP audio stream is disabled (port 0)");
  const host = audio.connection?.ip ?? parsed.connection?.ip;
  if (!host) throw new SdpError("SDP has no connection address");
  const payloads = String(audio.payloads ?? "")
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  const codecOf = (pt: number) =>
    audio.rtp.find((r) => r.payload === pt)?.codec.toUpperCase() ??
    (pt === 0 ? "PCMU" : pt === 8 ? "PCMA" : "");
  const law = payloads.map(codecOf).find((c): c is G711Law => c === "PCMU" || c === "PCMA");
  if (!law) throw new SdpError(`SDP offers no G.711 codec (payloads ${payloads.join(" ") || "none"})`);
  return { host, port: audio.port, law };
}

let sessionVersion = 1;

/** A plain RTP/AVP audio offer or answer for one of our endpoints. */
export function plainAudioSdp(opts: {
  host: string;
  port: number;
  laws?: G711Law[];
  dtmf?: boolean;
}): string {
  const laws = opts.laws ?? ["PCMU", "PCMA"];
  const rtp: { payload: number; codec: string; rate: number }[] = laws.map((law) => ({
    payload: law === "PCMU" ? 0 : 8,
    codec: law,
    rate: 8000,
  }));
  const dtmf = opts.dtmf ?? true;
  if (dtmf) rtp.push({ payload: 101, codec: "telephone-event", rate: 8000 });
  const id = sessionVersion++;
  return sdpTransform.write({
    version: 0,
    origin: {
      username: "-",
      sessionId: id,
      sessionVersion: id,
      netType: "IN",
      ipVer: 4,
      address: opts.host,
    },
    name: "cc-media",
    connection: { version: 4, ip: opts.host },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: "audio",
        port: opts.port,
        protocol: "RTP/AVP",
        payloads: rtp.map((r) => r.payload).join(" "),
        rtp,
        fmtp: dtmf ? [{ payload: 101, config: "0-16" }] : [],
        ptime: 20,
        direction: "sendrecv",
      },
    ],
  });
}
