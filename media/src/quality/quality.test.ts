import { describe, expect, it } from "vitest";
import { callLegs } from "./collector.ts";
import { estimateMos, rFactor } from "./emodel.ts";
import { buildReceiverReport, parseReceiverReport, SourceStats } from "./rtcp.ts";

describe("E-model MOS estimate (G.711)", () => {
  it("is near the G.711 ceiling on a clean LAN and falls with loss, jitter and delay", () => {
    const clean = estimateMos({ lossPct: 0, jitterMs: 1, rttMs: 2 });
    expect(clean).toBeGreaterThan(4.3);
    expect(clean).toBeLessThanOrEqual(4.5);
    expect(estimateMos({ lossPct: 5, jitterMs: 1, rttMs: 2 })).toBeLessThan(clean - 0.4);
    expect(estimateMos({ lossPct: 20, jitterMs: 1, rttMs: 2 })).toBeLessThan(3);
    expect(estimateMos({ lossPct: 0, jitterMs: 1, rttMs: 600 })).toBeLessThan(clean - 0.5);
    expect(estimateMos({ lossPct: 0, jitterMs: 80, rttMs: 2 })).toBeLessThan(clean);
  });

  it("keeps R within 0–100", () => {
    expect(rFactor({ lossPct: 100, jitterMs: 500, rttMs: 5000 })).toBe(0);
    expect(estimateMos({ lossPct: 100, jitterMs: 500, rttMs: 5000 })).toBe(1);
  });
});

describe("RTCP reception statistics", () => {
  it("counts loss from sequence gaps, across a wrap, and round-trips a receiver report", () => {
    const s = new SourceStats(42);
    let t = 0;
    for (let i = 0; i < 200; i++) {
      const seq = (65_500 + i) & 0xffff;
      t += 20;
      if (i % 4 !== 0) s.add(seq, i * 160, t);
    }
    expect(s.expected).toBe(199);
    const block = s.report();
    expect(block.cumulativeLost).toBe(199 - s.received);
    expect(block.fractionLost / 256).toBeCloseTo(0.25, 1);
    expect(s.jitterMs).toBeLessThan(1);
    const parsed = parseReceiverReport(buildReceiverReport(7, [block]));
    expect(parsed).toEqual({ sender: 7, blocks: [block] });
  });
});

describe("rtpengine query reply → legs", () => {
  const tags = {
    "cc-carrier": { medias: [{ streams: [{ SSRC: 111, flags: ["RTP"], stats: { packets: 500 } }] }] },
    "cc-us": { medias: [{ streams: [{ SSRC: 222, flags: ["RTP"], stats: { packets: 480 } }] }] },
  };

  it("reads rtpengine's MOS (×10), round trip (µs) and loss per reporting SSRC", () => {
    const legs = callLegs(
      {
        tags,
        SSRC: {
          "111": {
            "average MOS": { MOS: 44, "round-trip time": 2100, jitter: 1, "packet loss": 0, samples: 4 },
            "lowest MOS": { MOS: 43 },
          },
          "222": {
            "average MOS": { MOS: 22, "round-trip time": 1500, jitter: 2, "packet loss": 19, samples: 4 },
          },
        },
      },
      true,
    );
    expect(legs.customer).toEqual({
      source: "rtpengine",
      mos: 4.4,
      mos_min: 4.3,
      jitter_ms: 1,
      loss_pct: 0,
      rtt_ms: 2.1,
      samples: 4,
      packets: 500,
    });
    expect(legs.agent).toMatchObject({ source: "rtpengine", mos: 2.2, loss_pct: 19, packets: 480 });
  });

  it("estimates a MOS where reports carry loss and jitter but no round trip, and says none without RTCP", () => {
    const legs = callLegs(
      {
        tags,
        SSRC: {
          "111": {
            "MOS progression": {
              entries: [
                { MOS: 0, jitter: 2, "packet loss": 10 },
                { MOS: 0, jitter: 2, "packet loss": 20 },
              ],
            },
          },
        },
      },
      true,
    );
    expect(legs.customer.source).toBe("estimate");
    expect(legs.customer.loss_pct).toBe(15);
    expect(legs.customer.mos).toBeLessThan(3.5);
    expect(legs.customer.mos_min).toBeLessThan(legs.customer.mos!);
    expect(legs.agent).toEqual({ source: "none", samples: 0, packets: 480 });
    expect(callLegs({ tags, SSRC: {} }, false).agent).toBeNull();
  });
});
