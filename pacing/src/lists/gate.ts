// The dial gate: the compliance rules checked once more right before an INVITE, on what the
// command itself says (a second line of defence after the list's take: the DNC list may have
// grown, the window may have closed, the command may have waited out its validity).
import type { BlockReason, DialCommand } from "@cc/ingest";
import type { JurisdictionProfile } from "../compliance/profiles.ts";
import { calleeZones, insideWindow } from "../compliance/window.ts";

export interface DncLookup {
  has(phone: string): Promise<boolean>;
  /** Which list the number is on (DNC or the blacklist), when the lookup knows both. */
  listed?(phone: string): Promise<"dnc" | "blacklist" | null>;
}

/** Why this command must not be dialed now, or null when it may. */
export async function dialBlockReason(
  cmd: DialCommand,
  profile: JurisdictionProfile,
  dnc: DncLookup,
  now = Date.now(),
): Promise<BlockReason | null> {
  if (Date.parse(cmd.expires_at) < now) return "expired";
  if (cmd.attempt_no > profile.maxAttemptsPerCampaign) return "max_attempts";
  if (profile.requireConsent && cmd.consent !== true) return "no_consent";
  const zones = calleeZones(cmd.phone, cmd.tz);
  if (zones.length === 0) return "timezone_unknown";
  if (!insideWindow(zones, profile.window, now)) return "outside_window";
  if (dnc.listed) {
    const on = await dnc.listed(cmd.phone);
    if (on) return on;
  } else if (await dnc.has(cmd.phone)) return "dnc";
  return null;
}
