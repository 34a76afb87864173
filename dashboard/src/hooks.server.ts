import type { Handle, HandleServerError, ServerInit } from "@sveltejs/kit/hooks";
import { DEFAULT_LANG, isLang, LANG_COOKIE } from "#lib/i18n.ts";
import { enforceRoute } from "#lib/server/auth/guard.ts";
import { readSession, SESSION_COOKIE } from "#lib/server/auth/sessions.ts";
import { getUser } from "#lib/server/auth/users.ts";
import { config } from "#lib/server/config.ts";
import { log } from "#lib/server/log.ts";
import { httpDuration, httpRequests } from "#lib/server/metrics.ts";
import { redis } from "#lib/server/redis.ts";
import { extraConnectSources, guardResponse, setSecurityHeaders } from "#lib/server/security-headers.ts";
import { startServices } from "#lib/server/services.ts";

export const init: ServerInit = async () => {
  await startServices();
};

export const handle: Handle = async ({ event, resolve }) => {
  const started = performance.now();
  const langCookie = event.cookies.get(LANG_COOKIE);
  event.locals.lang = isLang(langCookie) ? langCookie : DEFAULT_LANG;
  event.locals.user = null;
  event.locals.sessionId = null;

  const sid = event.cookies.get(SESSION_COOKIE);
  if (sid && event.route.id !== "/health") {
    const r = await redis();
    const username = await readSession(r, sid, config().SESSION_TTL_S);
    if (username) {
      event.locals.user = await getUser(r, username);
      event.locals.sessionId = sid;
    }
  }

  let response: Response;
  try {
    // The one place routes are guarded: pages, form actions and endpoints alike.
    enforceRoute(event.locals.user, event.route.id, event.url.pathname);
    response = await resolve(event, {
      transformPageChunk: ({ html }) =>
        html.replace('<html lang="zh-CN">', `<html lang="${event.locals.lang}">`),
    });
  } catch (err) {
    // The guard's redirects and 401/403 would otherwise leave without the security headers.
    response = guardResponse(err, event.request);
  }
  setSecurityHeaders(response.headers, { connectSources: extraConnectSources(config().MEDIA_SIP_WS_URL) });
  const route = event.route.id ?? "unmatched";
  httpRequests.inc({ route, status: String(response.status) });
  httpDuration.observe({ route }, (performance.now() - started) / 1000);
  return response;
};

export const handleError: HandleServerError = (input) => {
  // Kit 3: only "unknown" errors are ours to log; app and framework errors carry their status.
  if (input.kind === "unknown")
    log.error({ err: input.error, path: input.event.url.pathname }, "request failed");
};
