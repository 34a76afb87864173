// Test phones that speak RTCP like real phones and carriers do: each sends a tone over RTP,
// measures what it receives per RFC 3550, and every ~1.1 s (rtpengine keeps at most one quality
// block a second) sends a sender report with reception blocks (quoting the other side's last SR,
// which is how rtpengine learns round trips) to the RTCP port rtpengine advertises.
// `drop` emulates a lossy network in front of the phone: those packets never reach it, so its
// reports carry the loss, as a phone behind a bad link would.
// Two roles: an agent's phone (digest-authenticated call into the media service) and a carrier
// that answers calls on its own drachtio-server (the trunk of a quality test points at it).
import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import type Srf from "drachtio-srf";
import sdpTransform from "sdp-transform";
import { g711Encode } from "../cpa/g711.ts";
import { framesOf } from "../rtp/endpoint.ts";
import { buildRtp, PT_PCMU, parseRtp } from "../rtp/rtp.ts";
import { audioTarget, plainAudioSdp } from "../rtp/sdp.ts";
import { buildSenderReport, ntpMiddle, ntpOf, parseSenderReport, SourceStats } from "./rtcp.ts";

const REPORT_MS = 1_100;

export interface LegOptions {
  /** What this side says, looped. */
  talk: Int16Array;
  /** Lose this packet on the way in (by sequence number). */
  drop?: (seq: number) => boolean;
}

/** One side's media: RTP and RTCP sockets, sender, receiver statistics, reports. */
export class RtcpLeg {
  readonly ssrc = randomInt(1, 0x7fffffff);
  readonly sources = new Map<number, SourceStats>();
  dropped = 0;
  reportsSent = 0;
  readonly #rtp: dgram.Socket;
  readonly #rtcp: dgram.Socket;
  readonly #o: LegOptions;
  readonly #lastSr = new Map<number, { middle: number; at: number }>();
  #timers: NodeJS.Timeout[] = [];
  #sent = 0;
  #ts = randomInt(0, 0x7fffffff);

  private constructor(rtp: dgram.Socket, rtcp: dgram.Socket, o: LegOptions) {
    this.#rtp = rtp;
    this.#rtcp = rtcp;
    this.#o = o;
    rtp.on("message", (m) => this.#onRtp(m));
    rtcp.on("message", (m) => {
      const sr = parseSenderReport(m);
      if (sr) this.#lastSr.set(sr.ssrc, { middle: ntpMiddle(sr.ntp), at: performance.now() });
    });
  }

  static async open(o: LegOptions): Promise<RtcpLeg> {
    const [rtp, rtcp] = await Promise.all([bound(), bound()]);
    return new RtcpLeg(rtp, rtcp, o);
  }

  /** Our SDP (plain PCMU) with the RTCP port stated (a=rtcp). */
  sdp(): string {
    const sdp = sdpTransform.parse(
      plainAudioSdp({ host: "127.0.0.1", port: this.#rtp.address().port, laws: ["PCMU"] }),
    );
    sdp.media[0]!.rtcp = { port: this.#rtcp.address().port, netType: "IN", ipVer: 4, address: "127.0.0.1" };
    return sdpTransform.write(sdp);
  }

  #onRtp(msg: Buffer): void {
    const p = parseRtp(msg);
    if (!p || p.payloadType !== PT_PCMU) return;
    if (this.#o.drop?.(p.seq)) {
      this.dropped++;
      return;
    }
    let s = this.sources.get(p.ssrc);
    if (!s) {
      s = new SourceStats(p.ssrc);
      this.sources.set(p.ssrc, s);
    }
    s.add(p.seq, p.timestamp, performance.now());
  }

  /** Starts talking and reporting to the peer's SDP. */
  start(peerSdp: string): void {
    const remote = audioTarget(peerSdp);
    const rtcpPort = sdpTransform.parse(peerSdp).media[0]?.rtcp?.port ?? remote.port + 1;
    const frames = [...framesOf(this.#o.talk)];
    let seq = randomInt(0, 0xffff);
    const started = performance.now();
    const send = () => {
      const due = Math.floor((performance.now() - started) / 20) + 1;
      while (this.#sent < due) {
        const payload = Buffer.from(g711Encode("PCMU", frames[this.#sent % frames.length]!));
        const packet = buildRtp({
          payloadType: PT_PCMU,
          marker: this.#sent === 0,
          seq,
          timestamp: this.#ts,
          ssrc: this.ssrc,
          payload,
        });
        this.#rtp.send(packet, remote.port, remote.host);
        seq = (seq + 1) & 0xffff;
        this.#ts = (this.#ts + 160) >>> 0;
        this.#sent++;
      }
    };
    this.#timers.push(setInterval(send, 10));
    this.#timers.push(setInterval(() => this.#report(remote.host, rtcpPort), REPORT_MS));
  }

  #report(host: string, port: number): void {
    const now = performance.now();
    const blocks = [...this.sources.values()].map((s) => {
      const sr = this.#lastSr.get(s.ssrc);
      return sr ? s.report(sr.middle, Math.round(((now - sr.at) * 65536) / 1000)) : s.report();
    });
    const sr = buildSenderReport(
      {
        ssrc: this.ssrc,
        ntp: ntpOf(Date.now()),
        rtpTimestamp: this.#ts,
        packets: this.#sent,
        octets: this.#sent * 160,
      },
      blocks,
    );
    this.#rtcp.send(sr, port, host);
    this.reportsSent++;
  }

  close(): void {
    for (const t of this.#timers) clearInterval(t);
    this.#timers = [];
    this.#rtp.close();
    this.#rtcp.close();
  }
}

async function bound(): Promise<dgram.Socket> {
  const s = dgram.createSocket("udp4");
  s.on("error", () => {});
  await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
  return s;
}

export interface RtcpAgentPhone {
  leg: RtcpLeg;
  dialog: Srf.Dialog;
  hangup(): Promise<void>;
}

/** An agent's phone with RTCP: calls into the media service and stays up. */
export async function rtcpAgentPhone(o: {
  srf: Srf;
  mediaSipUri: string;
  creds: { username: string; password: string };
  leg: LegOptions;
}): Promise<RtcpAgentPhone> {
  const leg = await RtcpLeg.open(o.leg);
  const dialog = await o.srf.createUAC(o.mediaSipUri.replace(/^sip:/, "sip:agent@"), {
    localSdp: leg.sdp(),
    auth: o.creds,
  });
  leg.start(dialog.remote.sdp);
  dialog.on("destroy", () => leg.close());
  return {
    leg,
    dialog,
    hangup: async () => {
      leg.close();
      await new Promise<void>((r) => dialog.destroy(undefined, () => r()));
    },
  };
}

export interface RtcpCarrierCall {
  number: string;
  leg: RtcpLeg;
  dialog: Srf.Dialog;
}

/** A carrier on its own Srf app: answers every INVITE with an RtcpLeg chosen per number. */
export function rtcpCarrier(srf: Srf, legFor: (number: string) => LegOptions): RtcpCarrierCall[] {
  const calls: RtcpCarrierCall[] = [];
  srf.invite(async (req, res) => {
    const leg = await RtcpLeg.open(legFor(req.calledNumber));
    try {
      const dialog = await srf.createUAS(req, res, { localSdp: leg.sdp() });
      leg.start(req.body);
      calls.push({ number: req.calledNumber, leg, dialog });
      dialog.on("destroy", () => leg.close());
    } catch {
      leg.close();
    }
  });
  return calls;
}
