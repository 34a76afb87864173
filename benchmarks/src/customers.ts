// npm run bench -- customers [--quick] [--json PATH]
//
// The ownership rules of @cc/customers on a real redis-server:
//  1. claim latency under 200 concurrent claimers (200 reps in 20 teams, 10 connections like 10
//     app processes, contended picks from a shared pool, quota 15): p50/p99 of CustomerStore.claim,
//     refusals included; then quota_violations and double_holds counted from the final Redis state;
//  2. duplicate search over 1M customers (quick: 100k) with realistic Chinese names and companies:
//     the index is loaded from Redis the way a process starts, then 1,000 queries (company
//     fragments, full names, names with one character changed, phones) through searchCustomers,
//     which also reads the hits' records from Redis: p50/p95;
//  3. the 10:00 release of 100k expiring holds (quick: 10k), half in Asia/Shanghai and half in
//     America/New_York (expiry day after the DST end): releaseDue one millisecond before each
//     zone's 10:00 must release nothing, releaseDue at 10:00 all of that zone's; release_100k_s is
//     the time those two calls took; release_at_10_ok says none early, all on time, every
//     held_until at 10:00 local.
import { performance } from "node:perf_hooks";
import { type Actor, CustomerSearchIndex, CustomerStore, custKeys, loadSearchIndex } from "@cc/customers";
import { startRedis } from "@cc/infra";
import { createClient } from "redis";
import type { BenchOptions } from "./types.ts";

type Redis = ReturnType<typeof createClient>;

const SURNAMES = [
  ..."王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤",
];
const GIVEN = [
  ..."伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏辉飞建华宇浩波斌志云鑫晨欣怡婷雪梅琳玲丹彬凯",
];
const CITIES = [
  "北京",
  "上海",
  "广州",
  "深圳",
  "杭州",
  "南京",
  "成都",
  "武汉",
  "西安",
  "苏州",
  "天津",
  "重庆",
  "长沙",
  "郑州",
  "宁波",
  "青岛",
  "厦门",
  "合肥",
  "济南",
  "福州",
];
const WORDS = [..."华鑫盛达恒通信诚泰安宏博瑞丰源兴隆嘉禾天宇中科创新智远腾飞金石海川明德永康润泽景辉汇东方"];
const INDUSTRY = [
  "科技",
  "贸易",
  "电子",
  "网络",
  "建材",
  "食品",
  "医药",
  "机械",
  "物流",
  "教育",
  "咨询",
  "传媒",
  "化工",
  "服装",
  "汽车配件",
];

/** A deterministic PRNG (mulberry32) so runs are comparable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

function person(r: () => number): string {
  return pick(r, SURNAMES) + pick(r, GIVEN) + (r() < 0.6 ? pick(r, GIVEN) : "");
}

function company(r: () => number): string {
  return `${pick(r, CITIES)}${pick(r, WORDS)}${pick(r, WORDS)}${pick(r, INDUSTRY)}有限公司`;
}

/** Distinct valid mainland mobiles for distinct i (libphonenumber refuses unassigned prefixes). */
const PREFIXES = ["138", "139", "158", "186", "135", "137", "150", "188"];
const phoneOf = (i: number) => `+86${PREFIXES[i % 8]}${String(Math.floor(i / 8)).padStart(8, "0")}`;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

const admin = (orgId: string): Actor => ({ userId: "admin", role: "admin", teamIds: [], orgId });
const rep = (orgId: string, i: number, teams: number): Actor => ({
  userId: `u${i}`,
  agentId: `r${i}`,
  role: "agent",
  teamIds: [`t${i % teams}`],
  orgId,
});

async function connect(url: string): Promise<Redis> {
  const c = createClient({ url });
  await c.connect();
  return c as unknown as Redis;
}

/** Seeds public-pool customers in bulk (the import path), `chunk` per pipeline. */
async function seedPool(
  store: CustomerStore,
  orgId: string,
  n: number,
  seed: number,
  offset = 0,
): Promise<string[]> {
  const r = prng(seed);
  const ids: string[] = [];
  const batch = 5_000;
  for (let from = 0; from < n; from += batch) {
    const inputs = [];
    for (let i = from; i < Math.min(n, from + batch); i++) {
      inputs.push({
        name: person(r),
        company: `${company(r)}${i + offset}`,
        phones: [phoneOf(i + offset)],
        hold: false,
      });
    }
    const res = await store.createCustomers(admin(orgId), inputs);
    if (res.refused.length) throw new Error(`seeding refused: ${JSON.stringify(res.refused[0])}`);
    ids.push(...res.created);
  }
  return ids;
}

async function claimBench(url: string, quick: boolean) {
  const orgId = "bench-claim";
  const conns = await Promise.all(Array.from({ length: 10 }, () => connect(url)));
  const stores = conns.map((redis) => new CustomerStore({ redis }));
  const s0 = stores[0] as CustomerStore;
  await s0.updateSettings(admin(orgId), { timeZone: "Asia/Shanghai", quota: 15 });
  const ids = await seedPool(s0, orgId, quick ? 3_000 : 6_000, 7, 5_000_000);
  const attempts = quick ? 20 : 60;
  const lat: number[] = [];
  const outcomes = new Map<string, number>();
  const r = prng(11);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const store = stores[i % stores.length] as CustomerStore;
      const me = rep(orgId, i, 20);
      for (let k = 0; k < attempts; k++) {
        const id = ids[Math.floor(r() * ids.length)] as string;
        const t = performance.now();
        const res = await store.claim(me, id);
        lat.push(performance.now() - t);
        const key = res.ok ? "ok" : res.reason;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }),
  );
  const wallS = (performance.now() - t0) / 1000;
  // The final state, counted from Redis itself.
  const redis = conns[0] as Redis;
  let quotaViolations = 0;
  let doubleHolds = 0;
  const holders = new Map<string, number>();
  for (let i = 0; i < 200; i++) {
    const held = await redis.sMembers(custKeys.held(orgId, `r${i}`));
    if (held.length > 15) quotaViolations++;
    for (const id of held) holders.set(id, (holders.get(id) ?? 0) + 1);
  }
  for (const [id, n] of holders) {
    const owner = await redis.hGet(custKeys.record(orgId, id), "owner");
    if (n > 1 || !owner || !(await redis.sIsMember(custKeys.held(orgId, owner), id))) doubleHolds++;
  }
  for (const c of conns) await c.quit();
  return {
    claims: lat.length,
    claims_per_s: round(lat.length / wallS, 0),
    claim_ms_p50: round(quantile(lat, 0.5)),
    claim_ms_p99: round(quantile(lat, 0.99)),
    claim_outcomes: Object.fromEntries(outcomes),
    held_total: holders.size,
    quota_violations: quotaViolations,
    double_holds: doubleHolds,
  };
}

async function searchBench(url: string, quick: boolean) {
  const orgId = "bench-search";
  const n = quick ? 100_000 : 1_000_000;
  const redis = await connect(url);
  const seeding = new CustomerStore({ redis });
  await seeding.updateSettings(admin(orgId), { timeZone: "Asia/Shanghai" });
  const t0 = performance.now();
  await seedPool(seeding, orgId, n, 23);
  const seedS = (performance.now() - t0) / 1000;
  // The seeding's outbox would be relayed to NATS by the service; nobody relays here.
  await redis.del("cc:cust:outbox");
  const index = new CustomerSearchIndex();
  const t1 = performance.now();
  await loadSearchIndex(redis, orgId, index);
  const loadS = (performance.now() - t1) / 1000;
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  const store = new CustomerStore({ redis, searchIndex: index });
  const r = prng(99);
  const sample = await redis.zRandMemberCount(custKeys.all(orgId), 1_000);
  const lat: number[] = [];
  let found = 0;
  // Recall per query kind: a 4–7 character company fragment is often shared by dozens of
  // companies at 1M (ties beyond the top 20), the other kinds name one customer.
  const kinds = ["fragment", "name_company", "name_typo", "phone"] as const;
  const byKind = Object.fromEntries(kinds.map((k) => [k, { asked: 0, found: 0 }]));
  for (const [k, id] of (sample ?? []).entries()) {
    const row = await redis.hmGet(custKeys.record(orgId, id), ["name", "company"]);
    const name = row[0] ?? "";
    const comp = row[1] ?? "";
    const kind = k % 4;
    let q: { text?: string; phone?: string };
    if (kind === 0) q = { text: comp.slice(2, 2 + 4 + Math.floor(r() * 4)) };
    else if (kind === 1) q = { text: `${name} ${comp.slice(0, 6)}` };
    else if (kind === 2) q = { text: `${name.slice(0, -1)}${pick(r, GIVEN)}${comp.slice(0, 8)}` };
    else q = { phone: ((await redis.hGet(custKeys.record(orgId, id), "phones")) ?? "").split(",")[0] ?? "" };
    const t = performance.now();
    const hits = await store.searchCustomers(admin(orgId), q, 20);
    lat.push(performance.now() - t);
    const tally = byKind[kinds[kind] as string] as { asked: number; found: number };
    tally.asked++;
    if (hits.some((h) => h.customerId === id)) {
      found++;
      tally.found++;
    }
  }
  await redis.quit();
  return {
    search_customers: n,
    search_seed_s: round(seedS, 1),
    search_index_load_s: round(loadS, 1),
    search_heap_mb: round(heapMb, 0),
    search_queries: lat.length,
    search_ms_p50: round(quantile(lat, 0.5)),
    search_ms_p95: round(quantile(lat, 0.95)),
    search_recall: round(found / Math.max(1, lat.length), 3),
    search_recall_by_kind: Object.fromEntries(
      Object.entries(byKind).map(([k, t]) => [k, round(t.found / Math.max(1, t.asked), 3)]),
    ),
  };
}

async function releaseBench(url: string, quick: boolean) {
  const total = quick ? 10_000 : 100_000;
  const redis = await connect(url);
  const zones = [
    { orgId: "bench-rel-sh", timeZone: "Asia/Shanghai" },
    { orgId: "bench-rel-ny", timeZone: "America/New_York" },
  ];
  // Claimed on 20 Oct 2026 (both zones): expiry day 4 Nov, after New York's DST end on 1 Nov.
  const claimAt = Date.parse("2026-10-20T16:00:00.000Z");
  const clock = { now: claimAt };
  const store = new CustomerStore({ redis, clock: () => clock.now });
  for (const z of zones) {
    await store.updateSettings(admin(z.orgId), { timeZone: z.timeZone, quota: 15 });
    const reps = Math.ceil(total / 2 / 10);
    for (let i = 0; i < reps; i++) {
      const me = rep(z.orgId, i, 50);
      const r = prng(i);
      const inputs = Array.from({ length: 10 }, (_, k) => ({
        name: person(r),
        company: `${company(r)}${i}-${k}`,
        phones: [phoneOf(9_000_000 + i * 10 + k)],
      }));
      const res = await store.createCustomers(me, inputs);
      if (res.refused.length) throw new Error(`seeding refused: ${JSON.stringify(res.refused[0])}`);
    }
  }
  await redis.del("cc:cust:outbox");
  const dueAt = await Promise.all(
    zones.map(async (z) => ({
      ...z,
      at: (await redis.zRangeWithScores(custKeys.expiry(z.orgId), 0, 0))[0]?.score ?? 0,
    })),
  );
  const held = await Promise.all(zones.map((z) => redis.zCard(custKeys.expiry(z.orgId))));
  const hm = (zone: string, at: number) =>
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(at);
  let allAt10 = true;
  for (const z of dueAt) {
    const max = (await redis.zRangeWithScores(custKeys.expiry(z.orgId), -1, -1))[0]?.score;
    if (max !== z.at || hm(z.timeZone, z.at) !== "10:00") allAt10 = false;
  }
  let early = 0;
  let released = 0;
  let seconds = 0;
  for (const z of [...dueAt].sort((a, b) => a.at - b.at)) {
    early += (await store.releaseDue(z.at - 1)).released;
    const t = performance.now();
    released += (await store.releaseDue(z.at, { batch: 1_000 })).released;
    seconds += (performance.now() - t) / 1000;
  }
  const left = await Promise.all(zones.map((z) => redis.zCard(custKeys.expiry(z.orgId))));
  await redis.quit();
  const heldTotal = (held[0] ?? 0) + (held[1] ?? 0);
  return {
    release_holds: heldTotal,
    release_100k_s: round(seconds, 2),
    release_early: early,
    release_left: (left[0] ?? 0) + (left[1] ?? 0),
    release_at_10_ok: allAt10 && early === 0 && released === heldTotal && heldTotal === total,
    release_instants: Object.fromEntries(dueAt.map((z) => [z.timeZone, new Date(z.at).toISOString()])),
  };
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  await using server = await startRedis();
  const claims = await claimBench(server.url, opts.quick);
  console.log("claims", claims);
  const release = await releaseBench(server.url, opts.quick);
  console.log("release", release);
  const search = await searchBench(server.url, opts.quick);
  console.log("search", search);
  const result = {
    claim_ms_p99: claims.claim_ms_p99,
    search_ms_p95: search.search_ms_p95,
    release_100k_s: release.release_100k_s,
    quota_violations: claims.quota_violations,
    double_holds: claims.double_holds,
    release_at_10_ok: release.release_at_10_ok,
    targets: { claim_ms_p99: 100, search_ms_p95: 50 },
    details: { ...claims, ...search, ...release },
  };
  console.table({
    claim_ms_p99: result.claim_ms_p99,
    search_ms_p95: result.search_ms_p95,
    release_100k_s: result.release_100k_s,
    quota_violations: result.quota_violations,
    double_holds: result.double_holds,
    release_at_10_ok: result.release_at_10_ok,
  });
  return result;
}
