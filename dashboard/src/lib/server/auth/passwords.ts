import { randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";

/** scrypt parameters: N=2^15, r=8, p=1 (~32 MiB, tens of ms) — stored with each hash so they can rise later. */
const N = 32768;
const R = 8;
const P = 1;
const KEY_LEN = 64;
/** Node refuses scrypt above maxmem (default 32 MiB, exactly what N=2^15, r=8 needs). */
const MAXMEM = 64 * 1024 * 1024;

function scrypt(
  password: string,
  salt: Buffer,
  n: number,
  r: number,
  p: number,
  len: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password.normalize("NFKC"), salt, len, { N: n, r, p, maxmem: MAXMEM }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** `scrypt$N$r$p$<salt b64url>$<key b64url>` with a fresh 16-byte random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, N, R, P, KEY_LEN);
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, saltB64, keyB64] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(keyB64, "base64url");
  if (expected.length === 0) return false;
  const actual = await scrypt(password, Buffer.from(saltB64, "base64url"), +n, +r, +p, expected.length);
  return timingSafeEqual(actual, expected);
}

/** A readable one-time password: 20 characters of base64url (~120 bits). */
export function generatePassword(): string {
  return randomBytes(15).toString("base64url");
}
