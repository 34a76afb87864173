import { identityOf, sipPassword } from "@cc/media/credentials";
import { describe, expect, it } from "vitest";
import type { SessionUser } from "./auth/types.ts";
import { ConfigError, parseConfig } from "./config.ts";
import { phoneCredentials, SoftphoneError } from "./softphone.ts";

const agent: SessionUser = {
  username: "li.agent",
  displayName: "li",
  role: "agent",
  org: "demo",
  department: "",
  team: "t1",
  teams: [],
  agentId: "a1",
  mustChangePassword: false,
};
const SECRET = "a-secret-of-sixteen+";

describe("softphone configuration", () => {
  it("is off unless MEDIA_SIP_WS_URL is set, and then needs the shared secret", () => {
    expect(parseConfig({}).MEDIA_SIP_WS_URL).toBeUndefined();
    expect(() => parseConfig({ MEDIA_SIP_WS_URL: "ws://127.0.0.1:5062" })).toThrow(
      /MEDIA_SIP_SECRET: is required when MEDIA_SIP_WS_URL is set/,
    );
    const cfg = parseConfig({ MEDIA_SIP_WS_URL: "wss://sip.example.org:8443", MEDIA_SIP_SECRET: SECRET });
    expect(cfg.MEDIA_SIP_REALM).toBe("callcenter");
    expect(cfg.MEDIA_SIP_CREDENTIAL_TTL_S).toBe(600);
    expect(cfg.MEDIA_ICE_SERVERS).toEqual([]);
  });

  it("names what is wrong with a bad URL, a short secret or bad ICE servers", () => {
    const msg = (env: Record<string, string>) => {
      try {
        parseConfig(env);
        return "";
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
    };
    expect(msg({ MEDIA_SIP_WS_URL: "http://x", MEDIA_SIP_SECRET: SECRET })).toMatch(
      /MEDIA_SIP_WS_URL: must be a ws:\/\/ or wss:\/\/ URL/,
    );
    expect(msg({ MEDIA_SIP_WS_URL: "ws://x", MEDIA_SIP_SECRET: "short" })).toMatch(
      /MEDIA_SIP_SECRET: must be at least 16 characters/,
    );
    expect(msg({ MEDIA_ICE_SERVERS: '[{"urls":"http://x"}]' })).toMatch(
      /MEDIA_ICE_SERVERS: must be a JSON list/,
    );
    expect(
      parseConfig({ MEDIA_ICE_SERVERS: '[{"urls":["stun:127.0.0.1:3478"]}]' }).MEDIA_ICE_SERVERS,
    ).toEqual([{ urls: ["stun:127.0.0.1:3478"] }]);
  });
});

describe("softphone credentials", () => {
  const cfg = parseConfig({
    MEDIA_SIP_WS_URL: "ws://127.0.0.1:5062",
    MEDIA_SIP_SECRET: SECRET,
    MEDIA_SIP_REALM: "cc",
  });

  it("are the media service's short-lived browser credentials for the signed-in agent", () => {
    const now = Date.UTC(2030, 0, 1);
    const c = phoneCredentials(agent, cfg, now);
    expect(c.username).toBe(`a1.${now / 1000 + 600}`);
    expect(c.expiresAtS).toBe(now / 1000 + 600);
    // The media service accepts exactly this username/password pair (until it expires).
    expect(identityOf(c.username, now)).toEqual({ agentId: "a1", expiresAtS: c.expiresAtS });
    expect(identityOf(c.username, now + 601_000)).toBeNull();
    expect(c.password).toBe(sipPassword(SECRET, "demo", c.username));
    expect(c).toMatchObject({
      wsUrl: "ws://127.0.0.1:5062",
      uri: `sip:${c.username}@127.0.0.1`,
      target: "sip:agent@127.0.0.1",
      realm: "cc",
      iceServers: [],
    });
  });

  it("are refused to accounts without an agent id, and when the softphone is off", () => {
    expect(() => phoneCredentials({ ...agent, agentId: "" }, cfg)).toThrow(SoftphoneError);
    expect(() => phoneCredentials(agent, parseConfig({}))).toThrow(/not configured/);
  });
});
