// Agents' persistent media sessions. An agent's phone (a SIP softphone or the console's WebRTC
// softphone) calls in once per shift, authenticated by SIP digest; the call is anchored at
// rtpengine with the phone on one side and a plain RTP side we control on the other. Between
// customers the plain side is parked on our own socket; a bridge re-points it at a customer call
// inside rtpengine (ports stay put), so a human answer reaches the agent in milliseconds and the
// phone never sees a re-INVITE.
import { EventEmitter } from "node:events";
import digestAuth from "drachtio-mw-digest-auth";
import type Srf from "drachtio-srf";
import type { Logger } from "pino";
import { AGENT_PLAIN_SIDE, AGENT_RTP_SIDE, AGENT_WEBRTC_SIDE, isWebRtcSdp } from "../engine/profiles.ts";
import type { Rtpengine } from "../engine/rtpengine.ts";
import { type AudioTarget, audioTarget, plainAudioSdp } from "../rtp/sdp.ts";
import { identityOf, sipPassword } from "./credentials.ts";
import { destroyDialog } from "./outbound-call.ts";
import type { AgentLeg } from "./ports.ts";

const PHONE = "cc-phone";
const PLAIN = "cc-plain";

export type AgentDevice = "webrtc" | "sip";

export class AgentSession implements AgentLeg {
  readonly agentId: string;
  readonly device: AgentDevice;
  readonly rtpCallId: string;
  readonly connectedAt = Date.now();
  readonly #engine: Rtpengine;
  readonly #park: AudioTarget;
  #phoneSdp: string;
  #plainLocal: AudioTarget;
  #target: AudioTarget;
  #dialog: Srf.Dialog | null = null;
  /** Serialises re-negotiations of this session (bridge, park, the phone's own re-INVITEs). */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(o: {
    agentId: string;
    device: AgentDevice;
    rtpCallId: string;
    engine: Rtpengine;
    park: AudioTarget;
    phoneSdp: string;
    plainLocal: AudioTarget;
  }) {
    this.agentId = o.agentId;
    this.device = o.device;
    this.rtpCallId = o.rtpCallId;
    this.#engine = o.engine;
    this.#park = o.park;
    this.#phoneSdp = o.phoneSdp;
    this.#plainLocal = o.plainLocal;
    this.#target = o.park;
  }

  get plainLocal(): AudioTarget {
    return this.#plainLocal;
  }

  get dialog(): Srf.Dialog | null {
    return this.#dialog;
  }

  attach(dialog: Srf.Dialog): void {
    this.#dialog = dialog;
  }

  /** Re-runs the offer/answer in its original direction with a new plain-side target. */
  async #negotiate(phoneSdp: string, target: AudioTarget): Promise<string> {
    const base = { "call-id": this.rtpCallId, "from-tag": PHONE, "to-tag": PLAIN };
    await this.#engine.offer({ ...base, sdp: phoneSdp, ...AGENT_PLAIN_SIDE });
    const answer = await this.#engine.answer({
      ...base,
      sdp: plainAudioSdp({ host: target.host, port: target.port, laws: [this.#plainLocal.law] }),
      ...(this.device === "webrtc" ? AGENT_WEBRTC_SIDE : AGENT_RTP_SIDE),
    });
    this.#phoneSdp = phoneSdp;
    this.#target = target;
    return answer.sdp;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => {});
    return run;
  }

  async pointAt(target: AudioTarget): Promise<void> {
    await this.#serial(() => this.#negotiate(this.#phoneSdp, target));
  }

  async park(): Promise<void> {
    await this.#serial(() => this.#negotiate(this.#phoneSdp, this.#park));
  }

  /** The phone re-INVITEd (hold, codec change, session refresh): keep our side where it is. */
  async renegotiate(phoneSdp: string): Promise<string> {
    return await this.#serial(() => this.#negotiate(phoneSdp, this.#target));
  }

  async close(): Promise<void> {
    const dialog = this.#dialog;
    this.#dialog = null;
    await Promise.allSettled([dialog ? destroyDialog(dialog) : null, this.#engine.delete(this.rtpCallId)]);
  }
}

export interface AgentSessionEvents {
  connected: [session: AgentSession];
  disconnected: [session: AgentSession, reason: string];
}

export interface AgentSessionsOptions {
  srf: Srf;
  engine: Rtpengine;
  orgId: string;
  /** Shared secret the agent SIP passwords derive from (see credentials.ts). */
  sipSecret: string;
  realm: string;
  /** Prefix of rtpengine call ids (names the media service instance). */
  callIdPrefix: string;
  /** Where parked agents' audio goes (our park socket). */
  park: AudioTarget;
  log: Logger;
}

export class AgentSessions extends EventEmitter<AgentSessionEvents> {
  readonly #o: AgentSessionsOptions;
  readonly #sessions = new Map<string, AgentSession>();
  readonly #registrations = new Map<string, { contact: string; expiresAt: number }>();
  #seq = 0;

  constructor(o: AgentSessionsOptions) {
    super();
    this.#o = o;
  }

  get(agentId: string): AgentSession | undefined {
    return this.#sessions.get(agentId);
  }

  list(): AgentSession[] {
    return [...this.#sessions.values()];
  }

  /** Registered contact of an agent's phone, if a live registration exists. */
  contactOf(agentId: string, now = Date.now()): string | null {
    const r = this.#registrations.get(agentId);
    return r && r.expiresAt > now ? r.contact : null;
  }

  /** Hooks digest auth, INVITE (session start) and REGISTER into the Srf app. */
  install(): void {
    const { srf, orgId, sipSecret, realm } = this.#o;
    const challenge = digestAuth({
      realm,
      passwordLookup: (username, _realm, cb) => {
        cb(null, identityOf(username) ? sipPassword(sipSecret, orgId, username) : null);
      },
    });
    srf.use("register", challenge);
    srf.use("invite", challenge);
    // drachtio-srf's typings omit register(); it exists like invite().
    (srf as unknown as { register(h: (req: Srf.SrfRequest, res: Srf.SrfResponse) => void): void }).register(
      (req, res) => this.#onRegister(req, res),
    );
    srf.invite((req, res) => void this.#onInvite(req, res));
  }

  #authenticatedAgent(req: Srf.SrfRequest): string | null {
    const username = (req as unknown as { authorization?: { username?: string } }).authorization?.username;
    return username ? (identityOf(username)?.agentId ?? null) : null;
  }

  #onRegister(req: Srf.SrfRequest, res: Srf.SrfResponse): void {
    const agentId = this.#authenticatedAgent(req);
    if (!agentId) {
      res.send(403);
      return;
    }
    const contact = req.getParsedHeader("Contact")[0];
    const expires = Number(req.get("Expires") || 3600);
    if (!contact || expires === 0) {
      this.#registrations.delete(agentId);
    } else {
      this.#registrations.set(agentId, { contact: contact.uri, expiresAt: Date.now() + expires * 1000 });
    }
    res.send(200, { headers: { Expires: String(expires), Contact: req.get("Contact") } });
  }

  async #onInvite(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const agentId = this.#authenticatedAgent(req);
    if (!agentId) return res.send(403);
    const log = this.#o.log.child({ agent: agentId });
    const device: AgentDevice = isWebRtcSdp(req.body) ? "webrtc" : "sip";
    const rtpCallId = `${this.#o.callIdPrefix}agent-${agentId}-${Date.now().toString(36)}${++this.#seq}`;
    let session: AgentSession;
    let phoneAnswer: string;
    try {
      const offer = await this.#o.engine.offer({
        "call-id": rtpCallId,
        "from-tag": PHONE,
        sdp: req.body,
        ...AGENT_PLAIN_SIDE,
      });
      session = new AgentSession({
        agentId,
        device,
        rtpCallId,
        engine: this.#o.engine,
        park: this.#o.park,
        phoneSdp: req.body,
        plainLocal: audioTarget(offer.sdp),
      });
      phoneAnswer = await session.renegotiate(req.body);
    } catch (err) {
      log.warn({ err }, "agent phone offer refused");
      await this.#o.engine.delete(rtpCallId).catch(() => {});
      return res.send(488);
    }
    let dialog: Srf.Dialog;
    try {
      dialog = await this.#o.srf.createUAS(req, res, { localSdp: phoneAnswer });
    } catch (err) {
      log.warn({ err }, "agent phone session not established");
      await session.close();
      return;
    }
    session.attach(dialog);
    const previous = this.#sessions.get(agentId);
    this.#sessions.set(agentId, session);
    if (previous) {
      // A second phone (or a reconnecting browser) replaces the first session.
      this.emit("disconnected", previous, "replaced");
      await previous.close();
    }
    dialog.on("destroy", () => void this.#ended(session, "phone_hung_up"));
    dialog.on("modify", (mreq: Srf.SrfRequest, mres: Srf.SrfResponse) => {
      session.renegotiate(mreq.body).then(
        (sdp) => mres.send(200, { body: sdp }),
        (err: unknown) => {
          log.warn({ err }, "agent re-INVITE refused");
          mres.send(488);
        },
      );
    });
    log.info({ device, rtpCallId }, "agent phone session up");
    this.emit("connected", session);
  }

  async #ended(session: AgentSession, reason: string): Promise<void> {
    if (this.#sessions.get(session.agentId) !== session) return;
    this.#sessions.delete(session.agentId);
    this.emit("disconnected", session, reason);
    await session.close();
  }

  /** drachtio or rtpengine went away: every session is gone with it. */
  async dropAll(reason: string): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => this.#ended(s, reason)));
  }
}
