// In-place radix-2 FFT on 256 points (32 ms at 8 kHz) and its Hann window: the spectrum behind the
// announcement fingerprints and the VAD's noise-tracking bands.

export const FFT_N = 256;

export const HANN = Float64Array.from(
  { length: FFT_N },
  (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / FFT_N),
);
/** Bit-reversed indices of an n-point radix-2 FFT (n a power of two). */
function bitReversal(n: number): Uint16Array {
  const r = new Uint16Array(n);
  const bits = Math.log2(n);
  for (let i = 0; i < n; i++) {
    let x = i;
    let y = 0;
    for (let b = 0; b < bits; b++) {
      y = (y << 1) | (x & 1);
      x >>= 1;
    }
    r[i] = y;
  }
  return r;
}
const BITREV = bitReversal(FFT_N);
const COS = Float64Array.from({ length: FFT_N / 2 }, (_, i) => Math.cos((2 * Math.PI * i) / FFT_N));
const SIN = Float64Array.from({ length: FFT_N / 2 }, (_, i) => -Math.sin((2 * Math.PI * i) / FFT_N));

export function fft(re: Float64Array, im: Float64Array): void {
  for (let i = 0; i < FFT_N; i++) {
    const j = BITREV[i]!;
    if (j > i) {
      const t = re[i]!;
      re[i] = re[j]!;
      re[j] = t;
      const u = im[i]!;
      im[i] = im[j]!;
      im[j] = u;
    }
  }
  butterflies(re, im, FFT_N);
}

/**
 * The radix-2 stages of an n-point transform (n ≤ FFT_N, input already in bit-reversed order).
 * Twiddles come from the FFT_N tables: an n-point stage of `size` uses every FFT_N/size-th one.
 */
function butterflies(re: Float64Array, im: Float64Array, n: number): void {
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = FFT_N / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = COS[k * step]!;
        const wi = SIN[k * step]!;
        const a = start + k;
        const b = a + half;
        const tr = re[b]! * wr - im[b]! * wi;
        const ti = re[b]! * wi + im[b]! * wr;
        re[b] = re[a]! - tr;
        im[b] = im[a]! - ti;
        re[a] = re[a]! + tr;
        im[a] = im[a]! + ti;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Power spectrum of 256 real samples through one 128-point complex FFT (even samples as the real
// part, odd as the imaginary part, then the split step): half the work of the 256-point complex FFT.

const HALF = FFT_N / 2;
const BITREV_HALF = bitReversal(HALF);

/**
 * |X[k]|² for k = 0..128 of the 256 samples in x (already windowed). re and im are 128-entry scratch
 * arrays; out has 129 entries.
 */
export function realPowerSpectrum(x: Float64Array, re: Float64Array, im: Float64Array, out: Float64Array) {
  for (let i = 0; i < HALF; i++) {
    const j = BITREV_HALF[i]!;
    re[j] = x[2 * i]!;
    im[j] = x[2 * i + 1]!;
  }
  butterflies(re, im, HALF);
  // Split: X[k] = E[k] + W^k O[k], E/O from Z[k] and conj(Z[N/2−k]).
  out[0] = (re[0]! + im[0]!) ** 2;
  out[HALF] = (re[0]! - im[0]!) ** 2;
  for (let k = 1; k < HALF; k++) {
    const zr = re[k]!;
    const zi = im[k]!;
    const cr = re[HALF - k]!;
    const ci = -im[HALF - k]!;
    const er = 0.5 * (zr + cr);
    const ei = 0.5 * (zi + ci);
    // O = (Z − conj(Z[N/2−k])) / 2i
    const or = 0.5 * (zi - ci);
    const oi = -0.5 * (zr - cr);
    const wr = COS[k]!;
    const wi = SIN[k]!;
    const xr = er + or * wr - oi * wi;
    const xi = ei + or * wi + oi * wr;
    out[k] = xr * xr + xi * xi;
  }
}
