// One Goertzel filter: the share of a signal's energy at one frequency. Tests, the simulated
// floor and recording checks (media/src/recording/verify.ts) use it to find a known tone.

/** Share of a signal's energy at one frequency (Goertzel), 0…1. */
export function toneShare(pcm: Int16Array, hz: number, rate = 8000): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / rate);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (const x of pcm) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return energy > 0 ? Math.min(1, (2 * power) / (pcm.length * energy)) : 0;
}
