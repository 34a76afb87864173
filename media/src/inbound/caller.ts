// A customer phoning in, for tests and the inbound benchmark: an INVITE from the phone switch to
// one of our numbers with the caller's id, our own RTP endpoint for audio both ways, and RFC 4733
// key presses (the DTMF a real phone sends).
import type Srf from "drachtio-srf";
import { type AudioFrame, RtpEndpoint } from "../rtp/endpoint.ts";
import { audioTarget, plainAudioSdp } from "../rtp/sdp.ts";
import { looped } from "../testing/phones.ts";
import { telephoneEventPayloads } from "./dtmf.ts";

export interface Caller {
  endpoint: RtpEndpoint;
  dialog: Srf.Dialog;
  /** Epoch ms of the 200 OK. */
  answeredAt: number;
  received: AudioFrame[];
  ended: boolean;
  press(digits: string): Promise<void>;
  talk(pcm: Int16Array): void;
  hangup(): Promise<void>;
}

export class CallRefused extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`call refused with ${status}`);
    this.status = status;
  }
}

/** Calls `did` on the media service as `from`; rejects with CallRefused on a final failure. */
export async function callIn(srf: Srf, mediaSipUri: string, did: string, from: string): Promise<Caller> {
  const endpoint = await RtpEndpoint.open();
  let dialog: Srf.Dialog;
  try {
    dialog = await srf.createUAC(mediaSipUri.replace(/^sip:/, `sip:${did}@`), {
      localSdp: plainAudioSdp({ host: "127.0.0.1", port: endpoint.port }),
      callingNumber: from,
    } as Srf.CreateUACOptions);
  } catch (err) {
    endpoint.close();
    const status = (err as { status?: number }).status;
    throw status ? new CallRefused(status) : err;
  }
  const answeredAt = Date.now();
  const target = audioTarget(dialog.remote.sdp);
  endpoint.connect(target, target.law);
  const quiet = new Int16Array(160);
  endpoint.startSending(() => quiet);
  const caller: Caller = {
    endpoint,
    dialog,
    answeredAt,
    received: [],
    ended: false,
    async press(digits) {
      for (const d of digits) {
        await endpoint.sendEvent(telephoneEventPayloads(d, 120));
        await new Promise((r) => setTimeout(r, 80));
      }
    },
    talk: (pcm) => endpoint.startSending(looped(pcm)),
    async hangup() {
      if (caller.ended) return;
      caller.ended = true;
      endpoint.close();
      await new Promise<void>((r) => dialog.destroy(undefined, () => r()));
    },
  };
  endpoint.onAudio((f) => caller.received.push(f));
  dialog.on("destroy", () => {
    caller.ended = true;
    endpoint.close();
  });
  return caller;
}
