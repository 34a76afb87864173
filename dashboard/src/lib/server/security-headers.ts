import { isHttpError, isRedirect } from "@sveltejs/kit";

/**
 * Security headers on every response. The Content-Security-Policy of pages comes from
 * SvelteKit's `csp` option (vite.config.ts: nonces for rendered pages, hashes when
 * prerendered); what only the running server knows is added here: the softphone's WebSocket
 * (MEDIA_SIP_WS_URL, another port or host) joins connect-src. Responses that are not pages
 * (JSON, CSV, SSE, redirects) get a policy that allows nothing.
 */
const NOTHING = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The WebSocket origin(s) the browser may connect to besides 'self' (ws and wss alike). */
export function extraConnectSources(wsUrl: string | undefined): string[] {
  if (!wsUrl) return [];
  const u = new URL(wsUrl);
  return [`${u.protocol}//${u.host}`];
}

/** Adds sources to one directive of a policy (appending the directive when it is missing). */
export function addToDirective(policy: string, directive: string, sources: string[]): string {
  if (sources.length === 0) return policy;
  const parts = policy.split(";").map((p) => p.trim());
  const i = parts.findIndex((p) => p === directive || p.startsWith(`${directive} `));
  if (i === -1) parts.push(`${directive} ${sources.join(" ")}`);
  else parts[i] = `${parts[i]} ${sources.join(" ")}`;
  return parts.filter(Boolean).join("; ");
}

export function setSecurityHeaders(headers: Headers, o: { connectSources: string[] }): void {
  const csp = headers.get("content-security-policy");
  headers.set(
    "content-security-policy",
    csp ? addToDirective(csp, "connect-src", o.connectSources) : NOTHING,
  );
  headers.set("x-content-type-options", "nosniff");
  headers.set("referrer-policy", "strict-origin-when-cross-origin");
  headers.set("x-frame-options", "DENY");
  // The softphone needs the microphone on our own pages; nothing else needs devices.
  headers.set("permissions-policy", "microphone=(self), camera=(), geolocation=(), payment=(), usb=()");
  headers.set("cross-origin-opener-policy", "same-origin");
}

/**
 * The response for a redirect or HTTP error thrown before `resolve` (the route guard), built
 * here so it carries the security headers too; anything else is rethrown for Kit to handle.
 */
export function guardResponse(err: unknown, request: Request): Response {
  if (isRedirect(err)) return new Response(null, { status: err.status, headers: { location: err.location } });
  if (!isHttpError(err)) throw err;
  const message = err.body.message;
  if ((request.headers.get("accept") ?? "").includes("text/html")) {
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>${err.status}</title></head><body><h1>${err.status}</h1><p>${escapeHtml(message)}</p></body></html>`;
    return new Response(html, {
      status: err.status,
      headers: { "content-type": "text/html; charset=utf-8" },
    });
  }
  return Response.json({ message }, { status: err.status });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
