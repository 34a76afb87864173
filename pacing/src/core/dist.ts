// Distributions used by the decision core. Durations (ring time, talk, wrap) are modelled as
// lognormal: right-skewed, positive, and the family call-center studies fit best to talk time.
// CDFs are read from memoised tables (1 s resolution, linear interpolation) because the core
// evaluates thousands of them per decision.

/** Lognormal in log-space parameters: ln X ~ N(mu, sigma²). */
export interface LognormalSpec {
  kind: "lognormal";
  mu: number;
  sigma: number;
}

export function lognormalFromMeanSd(mean: number, sd: number): LognormalSpec {
  const m = Math.max(mean, 1e-3);
  const s2 = Math.log(1 + (sd * sd) / (m * m));
  return { kind: "lognormal", mu: Math.log(m) - s2 / 2, sigma: Math.sqrt(Math.max(s2, 1e-6)) };
}

export function lognormalMean(d: LognormalSpec): number {
  return Math.exp(d.mu + (d.sigma * d.sigma) / 2);
}

export function lognormalSd(d: LognormalSpec): number {
  const s2 = d.sigma * d.sigma;
  return Math.sqrt((Math.exp(s2) - 1) * Math.exp(2 * d.mu + s2));
}

/** erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), plenty for pacing. */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-ax * ax);
  return sign * y;
}

export function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

export function lognormalCdfExact(d: LognormalSpec, x: number): number {
  if (x <= 0) return 0;
  return normalCdf((Math.log(x) - d.mu) / d.sigma);
}

export function lognormalQuantile(d: LognormalSpec, p: number): number {
  return Math.exp(d.mu + d.sigma * normalQuantile(p));
}

/** A CDF table at 1 s resolution up to the 99.99th percentile; F(x) = 1 beyond. */
export class CdfTable {
  readonly spec: LognormalSpec;
  readonly #table: Float64Array;
  constructor(spec: LognormalSpec) {
    this.spec = spec;
    const hi = Math.min(Math.ceil(lognormalQuantile(spec, 0.9999)) + 2, 20_000);
    const t = new Float64Array(Math.max(hi, 4));
    for (let i = 0; i < t.length; i++) t[i] = lognormalCdfExact(spec, i);
    this.#table = t;
  }
  cdf(x: number): number {
    if (x <= 0) return 0;
    const t = this.#table;
    const i = Math.floor(x);
    if (i >= t.length - 1) return 1;
    const f = x - i;
    return t[i]! * (1 - f) + t[i + 1]! * f;
  }
  /** P(X ≤ elapsed + h | X > elapsed): the residual-life CDF used for talks in progress. */
  residualCdf(elapsed: number, h: number): number {
    if (h <= 0) return 0;
    const s = 1 - this.cdf(elapsed);
    if (s <= 1e-9) return 1;
    return Math.min(1, Math.max(0, (this.cdf(elapsed + h) - this.cdf(elapsed)) / s));
  }
}

const cache = new Map<string, CdfTable>();

/** Memoised table for (rounded) parameters: estimates drift slowly, so tables are reused across decisions. */
export function cdfTable(spec: LognormalSpec): CdfTable {
  const mu = Math.round(spec.mu * 200) / 200;
  const sigma = Math.max(0.02, Math.round(spec.sigma * 200) / 200);
  const key = `${mu}:${sigma}`;
  let t = cache.get(key);
  if (!t) {
    if (cache.size > 256) cache.clear();
    t = new CdfTable({ kind: "lognormal", mu, sigma });
    cache.set(key, t);
  }
  return t;
}
