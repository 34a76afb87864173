// The console's WebRTC softphone, server side: short-lived SIP credentials for the signed-in
// agent (the media service checks them by digest against the secret both share), and the
// agent's requests to the media service over NATS (hang up the customer call they hold).
import { HangupRequest, mediaRequestSubject } from "@cc/ingest";
import { agentSipCredentials } from "@cc/media/credentials";
import type { PhoneCredentials } from "../softphone/softphone.ts";
import type { SessionUser } from "./auth/types.ts";
import { config, type DashboardConfig } from "./config.ts";
import { nats } from "./nats.ts";

export class SoftphoneError extends Error {
  readonly code: "NOT_CONFIGURED" | "NO_AGENT_ID" | "MEDIA_UNREACHABLE" | "REFUSED";
  readonly status: number;
  constructor(code: SoftphoneError["code"], status: number, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = "SoftphoneError";
    this.code = code;
    this.status = status;
  }
}

/** True when the console offers the WebRTC softphone (MEDIA_SIP_WS_URL is set). */
export function softphoneEnabled(): boolean {
  return Boolean(config().MEDIA_SIP_WS_URL);
}

/** Credentials for the signed-in agent's browser, valid for MEDIA_SIP_CREDENTIAL_TTL_S. */
export function phoneCredentials(
  user: SessionUser,
  cfg: Pick<
    DashboardConfig,
    | "MEDIA_SIP_WS_URL"
    | "MEDIA_SIP_SECRET"
    | "MEDIA_SIP_REALM"
    | "MEDIA_SIP_CREDENTIAL_TTL_S"
    | "MEDIA_ICE_SERVERS"
  > = config(),
  nowMs = Date.now(),
): PhoneCredentials {
  if (!cfg.MEDIA_SIP_WS_URL || !cfg.MEDIA_SIP_SECRET) {
    throw new SoftphoneError("NOT_CONFIGURED", 503, "the softphone is not configured (MEDIA_SIP_WS_URL)");
  }
  if (!user.agentId) throw new SoftphoneError("NO_AGENT_ID", 403, "account is not linked to an agent");
  const creds = agentSipCredentials(
    cfg.MEDIA_SIP_SECRET,
    user.org,
    user.agentId,
    cfg.MEDIA_SIP_CREDENTIAL_TTL_S,
    nowMs,
  );
  const host = new URL(cfg.MEDIA_SIP_WS_URL).hostname;
  return {
    wsUrl: cfg.MEDIA_SIP_WS_URL,
    uri: `sip:${creds.username}@${host}`,
    target: `sip:agent@${host}`,
    username: creds.username,
    password: creds.password,
    realm: cfg.MEDIA_SIP_REALM,
    expiresAtS: creds.expiresAtS as number,
    iceServers: cfg.MEDIA_ICE_SERVERS,
  };
}

export type HangupRefusal = "not_your_call" | "bad_request" | string;

/**
 * Hangs up the customer call the agent holds (not the phone session): a NATS request to the
 * media service, which checks the agent really holds that call.
 */
export async function hangupCustomerCall(user: SessionUser, attemptId: string): Promise<void> {
  if (!user.agentId) throw new SoftphoneError("NO_AGENT_ID", 403, "account is not linked to an agent");
  const body = HangupRequest.parse({ agent_id: user.agentId, attempt_id: attemptId });
  let reply: { ok: boolean; error?: HangupRefusal };
  try {
    const m = await (await nats()).request(mediaRequestSubject(user.org, "hangup"), JSON.stringify(body), {
      timeout: 3_000,
    });
    reply = m.json();
  } catch (err) {
    throw new SoftphoneError("MEDIA_UNREACHABLE", 503, "the media service did not answer", { cause: err });
  }
  if (!reply.ok) throw new SoftphoneError("REFUSED", 409, reply.error ?? "refused");
}
