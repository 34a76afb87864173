// A MOS estimate from packet loss, jitter and round trip with the ITU-T G.107 E-model, reduced
// to G.711 narrowband (equipment impairment Ie = 0, packet-loss robustness Bpl = 25.1 with
// concealment, the G.113 value) and default values for everything a call cannot tell us.
// rtpengine gives its own MOS only when both legs send RTCP with sender reports (it needs the
// round trip); where it does not, this is the estimate the quality event carries.

/** Default R for G.711 with no impairment (G.107's R0 − Is with defaults, rounded as usual). */
const R_DEFAULT = 93.2;
const BPL_G711_PLC = 25.1;
/** Codec frame plus look-ahead, ms. */
const CODEC_DELAY_MS = 10;

export interface QualityInputs {
  /** Packet loss, percent (0–100). */
  lossPct: number;
  /** Interarrival jitter, ms (a jitter buffer of twice this is assumed). */
  jitterMs: number;
  /** Round trip, ms; null when unknown (a LAN-like 40 ms is assumed). */
  rttMs: number | null;
}

/** Delay impairment Id from the one-way mouth-to-ear delay (G.107's simplified form). */
export function delayImpairment(oneWayMs: number): number {
  return 0.024 * oneWayMs + (oneWayMs > 177.3 ? 0.11 * (oneWayMs - 177.3) : 0);
}

/** Transmission rating R (0–100). */
export function rFactor(q: QualityInputs): number {
  const oneWay = (q.rttMs ?? 40) / 2 + 2 * q.jitterMs + CODEC_DELAY_MS;
  const ppl = Math.min(100, Math.max(0, q.lossPct));
  const ieEff = (95 * ppl) / (ppl + BPL_G711_PLC);
  return Math.max(0, Math.min(100, R_DEFAULT - delayImpairment(oneWay) - ieEff));
}

/** R to MOS (G.107 annex B), 1.0–4.5 for narrowband. */
export function mosOfR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
}

export function estimateMos(q: QualityInputs): number {
  return Math.round(mosOfR(rFactor(q)) * 100) / 100;
}
