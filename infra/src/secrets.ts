import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { IDENTITIES, type IdentityPasswords } from "./identities.ts";

const token = (bytes: number) => randomBytes(bytes).toString("base64url");

/** One password per service identity (identities.ts); a new identity gets one on the next start. */
const IdentityPasswordsSchema = z
  .object(
    Object.fromEntries(
      IDENTITIES.map((id) => [
        id,
        z
          .string()
          .min(16)
          .default(() => token(18)),
      ]),
    ) as Record<(typeof IDENTITIES)[number], z.ZodDefault<z.ZodString>>,
  )
  .prefault({}) as unknown as z.ZodType<IdentityPasswords, Partial<IdentityPasswords> | undefined>;

/** Secrets added after a data dir was first created are generated on the next start. */
const Secrets = z.object({
  clickhouse_writer_password: z.string().min(16),
  clickhouse_analyst_password: z.string().min(16),
  /** Schema changes (npm start's migrate step); the services' ClickHouse writer has no DDL. */
  clickhouse_migrator_password: z
    .string()
    .min(16)
    .default(() => token(18)),
  /** The report refresher: inserts only into the reports' precompute tables, no DDL. */
  clickhouse_refresher_password: z
    .string()
    .min(16)
    .default(() => token(18)),
  /** Each org analyst's ClickHouse password derives from it (host and dashboard; analytics/src/tenancy). */
  clickhouse_org_analyst_secret: z
    .string()
    .min(16)
    .default(() => token(24)),
  intake_api_key: z.string().min(24),
  metrics_api_key: z.string().min(24),
  /** drachtio-server's admin secret (media service ↔ switch). */
  drachtio_secret: z
    .string()
    .min(16)
    .default(() => token(18)),
  /** Agents' SIP passwords derive from it (media service and dashboard). */
  media_sip_secret: z
    .string()
    .min(16)
    .default(() => token(24)),
  /** The simulated floor's agent accounts. */
  demo_agent_password: z
    .string()
    .min(10)
    .default(() => token(15)),
  /** Each service's NATS user password (nats-server runs with authorization on). */
  nats_passwords: IdentityPasswordsSchema,
  /** Each service's Redis ACL user password. */
  redis_passwords: IdentityPasswordsSchema,
  /** Redis's `default` user, the administrator (`redis-cli --user default --pass …`). */
  redis_admin_password: z
    .string()
    .min(16)
    .default(() => token(18)),
});
export type StackSecrets = z.infer<typeof Secrets>;

/** Credentials generated on the first `npm start` and kept in the data dir (mode 0600). */
export async function loadOrCreateSecrets(
  dataDir: string,
): Promise<{ secrets: StackSecrets; created: boolean }> {
  const file = path.join(dataDir, "secrets.json");
  try {
    const raw = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    const secrets = Secrets.parse(raw);
    // New secrets (also a new identity's password inside nats_passwords) are kept from now on.
    if (JSON.stringify(secrets) !== JSON.stringify(raw)) {
      await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    }
    return { secrets, created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new Error(`${file} is unreadable or malformed; fix or delete it`, { cause: err });
    }
  }
  const secrets: StackSecrets = Secrets.parse({
    clickhouse_writer_password: token(18),
    clickhouse_analyst_password: token(18),
    intake_api_key: `cc_${token(24)}`,
    metrics_api_key: `cc_${token(24)}`,
  });
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { secrets, created: true };
}
