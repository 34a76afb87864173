// SIP credentials for agents' phones, derived rather than stored: the password is an HMAC of the
// SIP username under a secret the media service and the dashboard share. A desk phone or
// softphone uses the agent id as username (a standing credential an admin hands out); the
// browser softphone gets a short-lived "<agent>.<expiry>" username minted for the session.
import { createHmac, timingSafeEqual } from "node:crypto";

const AGENT_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function sipPassword(secret: string, orgId: string, username: string): string {
  return createHmac("sha256", secret).update(`${orgId}:${username}`).digest("base64url").slice(0, 24);
}

export interface SipIdentity {
  agentId: string;
  /** Epoch seconds after which a session credential no longer works; null for standing ones. */
  expiresAtS: number | null;
}

/** Who a SIP username names, or null when it is malformed or expired. */
export function identityOf(username: string, nowMs = Date.now()): SipIdentity | null {
  const [agentId, expiry, ...rest] = username.split(".");
  if (!agentId || rest.length || !AGENT_ID.test(agentId)) return null;
  if (expiry === undefined) return { agentId, expiresAtS: null };
  if (!/^\d{9,11}$/.test(expiry)) return null;
  const expiresAtS = Number(expiry);
  if (expiresAtS * 1000 < nowMs) return null;
  return { agentId, expiresAtS };
}

export interface AgentSipCredentials {
  username: string;
  password: string;
  expiresAtS: number | null;
}

/** Credentials for an agent: standing (ttlS omitted) or valid for ttlS seconds (the browser). */
export function agentSipCredentials(
  secret: string,
  orgId: string,
  agentId: string,
  ttlS?: number,
  nowMs = Date.now(),
): AgentSipCredentials {
  if (!AGENT_ID.test(agentId)) throw new Error(`not an agent id: ${agentId}`);
  const expiresAtS = ttlS === undefined ? null : Math.floor(nowMs / 1000) + ttlS;
  const username = expiresAtS === null ? agentId : `${agentId}.${expiresAtS}`;
  return { username, password: sipPassword(secret, orgId, username), expiresAtS };
}

/** Constant-time check of a presented password (for places that see the password itself). */
export function passwordMatches(secret: string, orgId: string, username: string, presented: string): boolean {
  const want = Buffer.from(sipPassword(secret, orgId, username));
  const got = Buffer.from(presented);
  return want.length === got.length && timingSafeEqual(want, got);
}
