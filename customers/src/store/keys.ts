// Redis layout of the customers' current state. Everything lives under cc:cust:* (one ACL
// grant); per-org keys share the prefix cc:cust:<org>: so the Lua scripts get the prefix and
// derive the rest (one Redis, not a cluster: the scripts touch keys they compute).

export const OUTBOX = "cc:cust:outbox";
export const ORGS = "cc:cust:orgs";

export function orgPrefix(org: string): string {
  return `cc:cust:${org}:`;
}

export const custKeys = {
  record: (org: string, id: string) => `${orgPrefix(org)}c:${id}`,
  settings: (org: string) => `${orgPrefix(org)}settings`,
  quota: (org: string) => `${orgPrefix(org)}quota`,
  held: (org: string, rep: string) => `${orgPrefix(org)}held:${rep}`,
  owned: (org: string, rep: string) => `${orgPrefix(org)}owned:${rep}`,
  second: (org: string, rep: string) => `${orgPrefix(org)}second:${rep}`,
  group: (org: string, g: string) => `${orgPrefix(org)}group:${g}`,
  pool: (org: string) => `${orgPrefix(org)}pool`,
  all: (org: string) => `${orgPrefix(org)}all`,
  expiry: (org: string) => `${orgPrefix(org)}expiry`,
  remind: (org: string) => `${orgPrefix(org)}remind`,
  phones: (org: string) => `${orgPrefix(org)}phones`,
  nameKeys: (org: string) => `${orgPrefix(org)}namekey`,
  due: (org: string) => `${orgPrefix(org)}due`,
  repDue: (org: string, rep: string) => `${orgPrefix(org)}due:${rep}`,
  groupDue: (org: string, g: string) => `${orgPrefix(org)}gdue:${g}`,
  holders: (org: string, id: string) => `${orgPrefix(org)}hist:${id}`,
  followUps: (org: string, id: string) => `${orgPrefix(org)}fu:${id}`,
  extRequest: (org: string, req: string) => `${orgPrefix(org)}extreq:${req}`,
  extPendingSet: (org: string) => `${orgPrefix(org)}extreqs`,
  changes: (org: string) => `${orgPrefix(org)}changes`,
};
