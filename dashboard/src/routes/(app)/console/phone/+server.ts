import { error, json } from "@sveltejs/kit";
import { requireArea } from "#lib/server/auth/guard.ts";
import { log } from "#lib/server/log.ts";
import { phoneCredentials, SoftphoneError } from "#lib/server/softphone.ts";
import type { RequestHandler } from "./$types";

/**
 * Short-lived SIP credentials for the signed-in agent's browser softphone. POST so that
 * nothing caches or prefetches them; a new set for every (re)connect.
 */
export const POST: RequestHandler = async ({ locals }) => {
  const user = requireArea(locals, "console");
  try {
    const creds = phoneCredentials(user);
    log.info({ agent: user.agentId, expires_at_s: creds.expiresAtS }, "softphone credentials minted");
    return json(creds, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof SoftphoneError) error(err.status, { message: err.message, code: err.code });
    throw err;
  }
};
