import { error, json } from "@sveltejs/kit";
import { requireArea } from "#lib/server/auth/guard.ts";
import { log } from "#lib/server/log.ts";
import { supervisorPhoneCredentials, supervisorPhoneId } from "#lib/server/monitor.ts";
import { SoftphoneError } from "#lib/server/softphone.ts";
import type { RequestHandler } from "./$types";

/** Short-lived SIP credentials for the supervisor's browser phone (listen / whisper / barge). */
export const POST: RequestHandler = async ({ locals }) => {
  const user = requireArea(locals, "wallboard");
  try {
    const creds = supervisorPhoneCredentials(user);
    log.info(
      { supervisor: supervisorPhoneId(user), expires_at_s: creds.expiresAtS },
      "supervisor phone credentials minted",
    );
    return json(creds, { headers: { "cache-control": "no-store" } });
  } catch (err) {
    if (err instanceof SoftphoneError) error(err.status, { message: err.message, code: err.code });
    throw err;
  }
};
