// npm run lists:rebuild -w @cc/pacing -- --campaign ID [--org ORG]
// Rebuilds one campaign's dialing list in Redis from ClickHouse's event log (see rebuild.ts).
// Reads REDIS_URL, CLICKHOUSE_URL/USER/PASSWORD, CC_CAMPAIGNS (the campaign's config) and CC_ORG_ID.
import { parseArgs } from "node:util";
import { createClickHouse } from "@cc/analytics";
import { createClient } from "redis";
import { z } from "zod";
import { parseCampaigns } from "../campaigns.ts";
import { rebuildList } from "./rebuild.ts";

const Env = z.object({
  REDIS_URL: z.string().min(1),
  CLICKHOUSE_URL: z.url(),
  CLICKHOUSE_USER: z.string().default("default"),
  CLICKHOUSE_PASSWORD: z.string().default(""),
  CC_CAMPAIGNS: z.string().default("[]"),
  CC_ORG_ID: z.string().min(1).default("demo"),
});

const { values } = parseArgs({ options: { campaign: { type: "string" }, org: { type: "string" } } });
const parsed = Env.safeParse(process.env);
if (!parsed.success) {
  console.error(
    `bad environment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
  );
  process.exit(2);
}
const env = parsed.data;
const campaign = parseCampaigns(env.CC_CAMPAIGNS).find((c) => c.id === values.campaign);
if (!campaign) {
  console.error(`usage: --campaign ID (one of CC_CAMPAIGNS); got ${values.campaign ?? "none"}`);
  process.exit(2);
}
const ch = createClickHouse({
  url: env.CLICKHOUSE_URL,
  username: env.CLICKHOUSE_USER,
  password: env.CLICKHOUSE_PASSWORD,
  application: "lists-rebuild",
});
const redis = createClient({ url: env.REDIS_URL });
await redis.connect();
try {
  const r = await rebuildList(ch, redis as never, { orgId: values.org ?? env.CC_ORG_ID, campaign });
  console.log(JSON.stringify({ campaign: campaign.id, ...r }));
} finally {
  await redis.quit();
  await ch.close();
}
