// The agent console's WebRTC softphone (browser only): one SIP call over WebSocket into the
// media service for the whole shift, audio with DTLS-SRTP to rtpengine. Customers' calls are
// bridged inside rtpengine, so this call never changes once it is up. It reconnects with
// backoff whenever it drops, with fresh short-lived credentials each time.
import type { RTCSession } from "jssip/lib/RTCSession";
import type { UA } from "jssip/lib/UA";
import { AudioMeter } from "./meter.ts";

export type PhoneState = "idle" | "connecting" | "connected" | "reconnecting" | "failed";

/** The reason shown when the browser stepped back for the agent's desk phone. */
export const OTHER_PHONE = "other_phone";

/** What the console's POST /console/phone returns (minted server-side for the signed-in agent). */
export interface PhoneCredentials {
  /** drachtio-server's WebSocket contact. */
  wsUrl: string;
  /** The UA's own address of record. */
  uri: string;
  /** Where the phone calls in (any request URI on the media service's switch). */
  target: string;
  username: string;
  password: string;
  realm: string;
  /** Epoch seconds after which these credentials no longer authenticate a new call. */
  expiresAtS: number;
  iceServers: Array<{ urls: string | string[]; username?: string; credential?: string }>;
}

export interface PhoneStatus {
  state: PhoneState;
  /** Why the phone is not connected (last failure), "" when nothing went wrong. */
  reason: string;
  /** Reconnection attempts since the last successful connection. */
  attempt: number;
  /** When the next reconnection attempt starts (epoch ms), 0 when none is scheduled. */
  retryAt: number;
  muted: boolean;
  held: boolean;
  /** Web Audio is suspended until the agent interacts with the page (autoplay policy). */
  audioBlocked: boolean;
  /** RMS levels 0…1 of the microphone and of the remote audio. */
  micLevel: number;
  remoteLevel: number;
}

export const IDLE: PhoneStatus = {
  state: "idle",
  reason: "",
  attempt: 0,
  retryAt: 0,
  muted: false,
  held: false,
  audioBlocked: false,
  micLevel: 0,
  remoteLevel: 0,
};

/** A failure that retrying cannot fix (configuration, permissions, credentials refused). */
class Permanent extends Error {}

export interface SoftphoneOptions {
  /** Fetches fresh credentials (the console's POST /console/phone). */
  credentials: () => Promise<PhoneCredentials>;
  /** Plays the remote audio (Chromium only feeds remote WebRTC audio to Web Audio while an element plays it). */
  audio: HTMLAudioElement;
  onChange: (s: PhoneStatus) => void;
  /** Backoff: first delay and cap, in ms. */
  backoffMs?: { first: number; max: number };
  /** How long the media (ICE + DTLS) may take after the SIP answer. */
  mediaTimeoutMs?: number;
  /**
   * True while another phone of the agent's (a desk phone) holds their session on the switch: the
   * browser then stops reconnecting instead of taking the session back (they would take turns).
   */
  otherPhoneOnSwitch?: () => boolean;
}

type JsSIPModule = typeof import("jssip");

export class Softphone {
  readonly #o: SoftphoneOptions;
  #status: PhoneStatus = { ...IDLE };
  #jssip: JsSIPModule | null = null;
  #ua: UA | null = null;
  #session: RTCSession | null = null;
  #mic: MediaStream | null = null;
  #ctx: AudioContext | null = null;
  #micMeter: AudioMeter | null = null;
  #remoteMeter: AudioMeter | null = null;
  #levels: ReturnType<typeof setInterval> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #mediaTimer: ReturnType<typeof setTimeout> | undefined;
  /** The agent wants the phone up (connect pressed or console opened, disconnect not pressed). */
  #wanted = false;
  /** Bumped for every attempt: events of an abandoned attempt are ignored. */
  #generation = 0;

  constructor(o: SoftphoneOptions) {
    this.#o = o;
  }

  get status(): PhoneStatus {
    return this.#status;
  }

  #set(patch: Partial<PhoneStatus>): void {
    this.#status = { ...this.#status, ...patch };
    this.#o.onChange(this.#status);
  }

  /** Brings the phone up (no-op while it is up or coming up). */
  connect(): void {
    this.#wanted = true;
    void this.#resumeAudio();
    if (this.#status.state === "connecting" || this.#status.state === "connected") return;
    clearTimeout(this.#retry);
    this.#set({ attempt: 0, retryAt: 0 });
    void this.#attempt("connecting");
  }

  /** Hangs the phone up and stays down; the microphone is released too. */
  disconnect(): void {
    this.#wanted = false;
    this.#generation++;
    clearTimeout(this.#retry);
    this.#teardown();
    this.#releaseMic();
    this.#set({ state: "idle", reason: "", attempt: 0, retryAt: 0, muted: false, held: false, micLevel: 0 });
  }

  #releaseMic(): void {
    this.#micMeter?.close();
    this.#micMeter = null;
    for (const t of this.#mic?.getTracks() ?? []) t.stop();
    this.#mic = null;
  }

  /**
   * Live state says the agent has no phone on the switch while this one believes it is up:
   * the media service restarted (or lost its switch). Drop this session and call in again.
   */
  lostOnSwitch(): void {
    if (this.#status.state !== "connected") return;
    this.#dropped("phone no longer on the media service (restarted?)");
  }

  /** Microphone off (the customer hears silence) or on again. */
  setMuted(muted: boolean): void {
    this.#set({ muted });
    this.#applyMedia();
  }

  /**
   * Local hold: stops sending (microphone off) and receiving (remote audio silenced) in this
   * browser. No re-INVITE: the customer hears silence, and the bridge inside rtpengine stays.
   */
  setHeld(held: boolean): void {
    this.#set({ held });
    this.#applyMedia();
  }

  /** Called on the agent's first interaction when the autoplay policy kept audio suspended. */
  async resumeAudio(): Promise<void> {
    await this.#resumeAudio();
  }

  destroy(): void {
    this.disconnect();
    clearInterval(this.#levels);
    void this.#ctx?.close();
    this.#ctx = null;
  }

  #applyMedia(): void {
    const sendOff = this.#status.muted || this.#status.held;
    for (const t of this.#mic?.getAudioTracks() ?? []) t.enabled = !sendOff;
    this.#o.audio.muted = this.#status.held;
  }

  async #resumeAudio(): Promise<void> {
    if (!this.#ctx) return;
    if (this.#ctx.state === "suspended") await this.#ctx.resume().catch(() => {});
    if (this.#o.audio.srcObject && this.#o.audio.paused) await this.#o.audio.play().catch(() => {});
    this.#set({
      audioBlocked: this.#ctx.state !== "running" || (!!this.#o.audio.srcObject && this.#o.audio.paused),
    });
  }

  #ensureAudio(): AudioContext {
    if (!this.#ctx) {
      this.#ctx = new AudioContext();
      this.#ctx.onstatechange = () => this.#set({ audioBlocked: this.#ctx?.state !== "running" });
      this.#levels = setInterval(
        () =>
          this.#set({
            micLevel: this.#micMeter?.level() ?? 0,
            remoteLevel: this.#remoteMeter?.level() ?? 0,
          }),
        100,
      );
    }
    return this.#ctx;
  }

  async #microphone(): Promise<MediaStream> {
    const live = this.#mic?.getAudioTracks().some((t) => t.readyState === "live");
    if (this.#mic && live) return this.#mic;
    try {
      this.#mic = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        video: false,
      });
    } catch (err) {
      throw new Permanent(`microphone: ${(err as Error).name || (err as Error).message}`);
    }
    this.#micMeter?.close();
    this.#micMeter = new AudioMeter(this.#ensureAudio(), this.#mic);
    return this.#mic;
  }

  async #attempt(state: "connecting" | "reconnecting"): Promise<void> {
    const gen = ++this.#generation;
    this.#teardown();
    this.#set({ state, retryAt: 0 });
    try {
      this.#jssip ??= (await import("jssip")).default as unknown as JsSIPModule;
      const creds = await this.#o.credentials();
      const mic = await this.#microphone();
      this.#applyMedia();
      await this.#resumeAudio();
      if (gen !== this.#generation) return;
      this.#call(gen, creds, mic);
    } catch (err) {
      if (gen !== this.#generation) return;
      this.#failed(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #call(gen: number, creds: PhoneCredentials, mic: MediaStream): void {
    const JsSIP = this.#jssip as JsSIPModule;
    const ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(creds.wsUrl)],
      uri: creds.uri,
      authorization_user: creds.username,
      password: creds.password,
      realm: creds.realm,
      register: false,
      // The session is kept by the media service; no SIP session timers on top.
      session_timers: false,
      user_agent: "cc-console-softphone",
    });
    this.#ua = ua;
    let calling = false;
    ua.on("connected", () => {
      if (gen !== this.#generation || calling) return;
      calling = true;
      const session = ua.call(creds.target, {
        mediaStream: mic,
        // rtpengine answers one audio m-line with rtcp-mux but no BUNDLE group: "max-bundle"
        // would make Chromium reject that answer, the default "balanced" accepts it.
        pcConfig: { iceServers: creds.iceServers, rtcpMuxPolicy: "require" },
        rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
      });
      this.#watch(gen, session);
    });
    ua.on("disconnected", (e) => {
      if (gen !== this.#generation) return;
      const why = `WebSocket closed${e.code ? ` (${e.code}${e.reason ? ` ${e.reason}` : ""})` : ""}`;
      this.#dropped(why);
    });
    ua.start();
  }

  #watch(gen: number, session: RTCSession): void {
    this.#session = session;
    let sipUp = false;
    let mediaUp = false;
    const pc = () => session.connection as RTCPeerConnection | undefined;
    const up = () => {
      if (!sipUp || !mediaUp || gen !== this.#generation) return;
      clearTimeout(this.#mediaTimer);
      this.#set({ state: "connected", reason: "", attempt: 0, retryAt: 0 });
    };
    const hookPc = (conn: RTCPeerConnection) => {
      conn.addEventListener("track", (ev) => {
        const stream = ev.streams[0] ?? new MediaStream([ev.track]);
        this.#o.audio.srcObject = stream;
        void this.#o.audio.play().catch(() => this.#set({ audioBlocked: true }));
        this.#remoteMeter?.close();
        this.#remoteMeter = new AudioMeter(this.#ensureAudio(), stream);
      });
      conn.addEventListener("connectionstatechange", () => {
        if (gen !== this.#generation) return;
        if (conn.connectionState === "connected") {
          mediaUp = true;
          up();
        } else if (conn.connectionState === "failed") {
          this.#dropped("media failed (ICE/DTLS)");
        }
      });
    };
    session.on("peerconnection", (e) => hookPc(e.peerconnection as RTCPeerConnection));
    // JsSIP creates the RTCPeerConnection inside call(): it may exist before we listen.
    const existing = pc();
    if (existing) hookPc(existing);
    session.on("confirmed", () => {
      if (gen !== this.#generation) return;
      sipUp = true;
      mediaUp ||= pc()?.connectionState === "connected";
      up();
      if (!mediaUp) {
        this.#mediaTimer = setTimeout(() => {
          if (gen === this.#generation && !mediaUp) this.#dropped("media did not connect (ICE/DTLS)");
        }, this.#o.mediaTimeoutMs ?? 15_000);
      }
    });
    session.on("failed", (e) => {
      if (gen !== this.#generation) return;
      const code = (e.message as { status_code?: number } | null)?.status_code;
      const why = `${e.cause}${code && code >= 300 ? ` (SIP ${code})` : ""}`;
      const JsSIP = this.#jssip as JsSIPModule;
      const permanent =
        e.cause === JsSIP.C.causes.AUTHENTICATION_ERROR ||
        e.cause === JsSIP.C.causes.USER_DENIED_MEDIA_ACCESS ||
        e.cause === JsSIP.C.causes.INCOMPATIBLE_SDP ||
        e.cause === JsSIP.C.causes.BAD_MEDIA_DESCRIPTION;
      if (permanent) this.#failed(new Permanent(why));
      else this.#dropped(why);
    });
    session.on("ended", (e) => {
      if (gen !== this.#generation) return;
      this.#dropped(`call ended by the ${e.originator === "remote" ? "media service" : "phone"}: ${e.cause}`);
    });
  }

  /** The phone was up (or coming up) and went down: reconnect with backoff. */
  #dropped(reason: string): void {
    this.#generation++;
    this.#teardown();
    if (!this.#wanted) {
      this.#set({ state: "idle", reason });
      return;
    }
    this.#schedule(reason);
  }

  #failed(err: Error): void {
    this.#generation++;
    this.#teardown();
    if (err instanceof Permanent || !this.#wanted) {
      this.#set({ state: "failed", reason: err.message, retryAt: 0 });
      return;
    }
    this.#schedule(err.message);
  }

  #schedule(reason: string): void {
    const { first, max } = this.#o.backoffMs ?? { first: 1_000, max: 30_000 };
    const attempt = this.#status.attempt + 1;
    const base = Math.min(max, first * 2 ** (attempt - 1));
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.#set({ state: "reconnecting", reason, attempt, retryAt: Date.now() + delay });
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      if (!this.#wanted) return;
      if (this.#o.otherPhoneOnSwitch?.()) {
        this.#wanted = false;
        this.#set({ state: "idle", reason: OTHER_PHONE, retryAt: 0 });
        return;
      }
      void this.#attempt("reconnecting");
    }, delay);
  }

  #teardown(): void {
    clearTimeout(this.#mediaTimer);
    const session = this.#session;
    const ua = this.#ua;
    this.#session = null;
    this.#ua = null;
    try {
      if (session && !session.isEnded()) session.terminate();
    } catch {
      // already terminated
    }
    try {
      ua?.stop();
    } catch {
      // already stopped
    }
    this.#remoteMeter?.close();
    this.#remoteMeter = null;
    this.#o.audio.srcObject = null;
  }
}

/** Credentials from the console's endpoint; a refusal names its reason. */
export async function fetchPhoneCredentials(): Promise<PhoneCredentials> {
  const r = await fetch("/console/phone", { method: "POST", headers: { accept: "application/json" } });
  if (r.ok) return (await r.json()) as PhoneCredentials;
  let message = `HTTP ${r.status}`;
  try {
    const body = (await r.json()) as { message?: string; code?: string };
    if (body.message) message = `${body.code ? `${body.code}: ` : ""}${body.message}`;
  } catch {
    // not JSON
  }
  if (r.status === 401 || r.status === 403 || r.status === 503) throw new Permanent(message);
  throw new Error(message);
}
