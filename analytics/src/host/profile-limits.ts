// A read-only user (readonly=1) may not change any setting, on ClickHouse as here. Clients send
// some anyway by default — clickhouse-go turns its dial timeout (30 s) and query deadlines into
// max_execution_time — which would refuse every such client. So for a read-only user a numeric
// limit of its profile that the request names is folded into the profile as the lower of the
// two: a request can tighten its own limit, never loosen it (a larger value keeps the profile's).
import type { EngineUser } from "./engine.ts";

const NUMBER_RE = /^\d+(\.\d+)?$/;

/** 0 means "no limit" for ClickHouse's numeric limits. */
function lower(profile: string, requested: string): string {
  const p = Number(profile);
  const r = Number(requested);
  if (r === 0) return profile;
  if (p === 0) return requested;
  return r < p ? requested : profile;
}

/** The user with the request's limits folded into its profile, and the settings left for the engine. */
export function narrowProfile(
  user: EngineUser,
  settings: Readonly<Record<string, string>>,
): { user: EngineUser; settings: Record<string, string> } {
  if (user.readonly !== 1) return { user, settings: { ...settings } };
  const profile = { ...user.profile };
  const rest: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings)) {
    const limit = profile[k];
    if (limit !== undefined && NUMBER_RE.test(v) && NUMBER_RE.test(limit)) profile[k] = lower(limit, v);
    else rest[k] = v;
  }
  return { user: { ...user, profile }, settings: rest };
}
