import { describe, expect, it } from "vitest";
import {
  addToDirective,
  extraConnectSources,
  guardResponse,
  setSecurityHeaders,
} from "./security-headers.ts";

describe("security headers", () => {
  it("adds the softphone's WebSocket origin to the page's connect-src", () => {
    const h = new Headers({
      "content-security-policy": "default-src 'self'; connect-src 'self'; script-src 'self' 'nonce-abc'",
    });
    setSecurityHeaders(h, { connectSources: extraConnectSources("ws://127.0.0.1:5071/sip?x=1") });
    expect(h.get("content-security-policy")).toBe(
      "default-src 'self'; connect-src 'self' ws://127.0.0.1:5071; script-src 'self' 'nonce-abc'",
    );
    expect(h.get("x-frame-options")).toBe("DENY");
    expect(h.get("x-content-type-options")).toBe("nosniff");
    expect(h.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
  });

  it("gives responses that are not pages a policy that allows nothing", () => {
    const h = new Headers({ "content-type": "application/json" });
    setSecurityHeaders(h, { connectSources: [] });
    expect(h.get("content-security-policy")).toMatch(/^default-src 'none'; frame-ancestors 'none'/);
  });

  it("appends a missing directive and leaves the policy alone without sources", () => {
    expect(addToDirective("default-src 'self'", "connect-src", ["wss://sip.example:443"])).toBe(
      "default-src 'self'; connect-src wss://sip.example:443",
    );
    expect(addToDirective("default-src 'self'", "connect-src", [])).toBe("default-src 'self'");
    expect(extraConnectSources(undefined)).toEqual([]);
    expect(extraConnectSources("wss://sip.example/ws")).toEqual(["wss://sip.example"]);
  });
});

describe("guardResponse", () => {
  const html = new Request("http://x/", { headers: { accept: "text/html" } });
  it("turns the guard's redirects and errors into responses", async () => {
    const { error, redirect } = await import("@sveltejs/kit");
    const catchOf = (fn: () => never) => {
      try {
        fn();
      } catch (e) {
        return e;
      }
    };
    const r = guardResponse(
      catchOf(() => redirect(303, "/login?next=%2Fwallboard")),
      html,
    );
    expect([r.status, r.headers.get("location")]).toEqual([303, "/login?next=%2Fwallboard"]);
    const forbidden = guardResponse(
      catchOf(() => error(403, "forbidden <b>")),
      html,
    );
    expect(forbidden.status).toBe(403);
    expect(await forbidden.text()).toContain("forbidden &#60;b&#62;");
    const api = guardResponse(
      catchOf(() => error(401, "sign in first")),
      new Request("http://x/"),
    );
    expect([api.status, await api.json()]).toEqual([401, { message: "sign in first" }]);
    expect(() => guardResponse(new Error("boom"), html)).toThrow("boom");
  });
});
