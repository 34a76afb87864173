// Shared by the k6 scripts: loopback-only URLs, form encoding, the dashboard's sign-in.
// Defaults are the ports `npm start` uses (dashboard :3000, intake :8080, README.md).
import http from "k6/http";

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$/;

/** A base URL from the environment (or the default), refused unless it is loopback. */
export function loopbackUrl(name, fallback) {
  const url = (__ENV[name] || fallback).replace(/\/+$/, "");
  if (!LOOPBACK.test(url)) throw new Error(`${name} must be a loopback http URL with a port: ${url}`);
  return url;
}

export const DASHBOARD = () => loopbackUrl("BASE_URL", "http://127.0.0.1:3000");
export const INTAKE = () => loopbackUrl("INTAKE_URL", "http://127.0.0.1:8080");

/** Number from the environment, or the default. */
export function num(name, fallback) {
  const v = __ENV[name];
  if (v === undefined || v === "") return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number: ${v}`);
  return n;
}

export function required(name) {
  const v = __ENV[name];
  if (!v) throw new Error(`${name} is required (see benchmarks/README.md)`);
  return v;
}

export const form = (o) =>
  Object.entries(o)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");

/** Signs in through the real login form (SvelteKit checks Origin); returns the session cookie. */
export function signIn(base, username, password) {
  const res = http.post(`${base}/login`, form({ username, password }), {
    headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
    redirects: 0,
    tags: { endpoint: "login" },
  });
  const cookie = res.cookies.cc_session?.[0]?.value;
  if (!cookie) throw new Error(`sign-in as ${username} failed: HTTP ${res.status}`);
  return { name: "cc_session", value: cookie };
}

/** Puts the session cookie in this VU's jar (setup() data crosses VUs as plain JSON). */
export function useSession(base, session) {
  http.cookieJar().set(base, session.name, session.value);
}

/** k6's own summary shows these percentiles (p95 is what the targets name). */
export const TREND_STATS = ["avg", "min", "med", "p(90)", "p(95)", "p(99)", "max"];

/** Random hex of `n` characters (ids and idempotency keys). */
export function hex(n) {
  let s = "";
  for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

/** A UUIDv7 for `ms` (the contracts' event ids are UUIDv7). */
export function uuidv7(ms = Date.now()) {
  const t = ms.toString(16).padStart(12, "0");
  const r = hex(18);
  const variant = ((parseInt(r[3], 16) & 0x3) | 0x8).toString(16);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${r.slice(0, 3)}-${variant}${r.slice(4, 7)}-${r.slice(7, 18)}${hex(1)}`;
}
