// The customers pages (公海/私海) in the built dashboard, in Chromium, on the real @cc/customers
// store in Redis: the pool and claims (a refusal naming the holder, a quota refusal), follow-ups
// and a one-key quick record from the console, extension requests approved by a manager (≤ 5
// days) and refused to a manager beyond 5 (a director approves), bulk reassignment, and a rep
// never seeing another team's customers. Screenshots in zh-CN and en under test-artifacts.
import { type Actor, addDays, CustomerStore, localDate, relayOutbox } from "@cc/customers";
import { publishEvent } from "@cc/ingest";
import { jetstream } from "@nats-io/jetstream";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTeam, createUser } from "../src/lib/server/auth/users.ts";
import { launchBrowser, login, type Stack, shot, startStack, until } from "./harness.ts";

const ORG = "demo";
const PW = "test-password-123";
const TZ = "Asia/Shanghai";
let stack: Stack;
let browser: Browser;
let store: CustomerStore;
let relay: ReturnType<typeof setInterval> | undefined;

const director: Actor = { userId: "sun.dir", role: "director", teamIds: ["t1", "t2"], orgId: ORG };
const repB1: Actor = { userId: "zhao.rep", role: "agent", teamIds: ["t2"], orgId: ORG, agentId: "b1" };
/** Customer ids by a short name of the test's own. */
const ids: Record<string, string> = {};

async function seed(key: string, name: string, phone: string, by: Actor = director) {
  const r = await store.createCustomer(by, {
    name,
    company: `${name}公司`,
    phones: [phone],
    hold: by !== director,
  });
  if (!r.ok) throw new Error(`seed ${key}: ${r.reason}`);
  ids[key] = r.customer.id;
}

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  store = new CustomerStore({ redis: stack.redis });
  // The customers workspace's outbox relay, as its service runs it: accepted facts → NATS → the
  // sink → ClickHouse, where the card reads a customer's history.
  const js = jetstream(stack.nc);
  relay = setInterval(() => {
    void relayOutbox(stack.redis, (e) => publishEvent(js, e).then(() => undefined)).catch(() => {});
  }, 200);
  await createTeam(stack.redis, { id: "t1", org: ORG, name: "电销一组", department: "sales", campaigns: "" });
  await createTeam(stack.redis, { id: "t2", org: ORG, name: "客服组", department: "care", campaigns: "" });
  const users = [
    { username: "li.rep", displayName: "李娜", role: "agent", agentId: "a1", team: "t1" },
    { username: "wang.rep", displayName: "王强", role: "agent", agentId: "a2", team: "t1" },
    { username: "zhao.rep", displayName: "赵敏", role: "agent", agentId: "b1", team: "t2" },
    { username: "chen.mgr", displayName: "陈经理", role: "manager", department: "sales" },
    { username: "sun.dir", displayName: "孙总监", role: "director" },
  ] as const;
  for (const u of users)
    await createUser(stack.redis, { ...u, org: ORG, password: PW, mustChangePassword: false });
  // Li may hold two: the third claim is refused by the protection quota.
  const q = await store.setRepQuota(director, "a1", 2);
  if (!q.ok) throw new Error(`quota: ${q.reason}`);
  await seed("p1", "周一鸣", "13800138001");
  await seed("p2", "吴二妹", "13800138002");
  await seed("p3", "郑三", "13800138003");
  await seed("p4", "冯四海", "13800138004");
  await seed("x", "韩七", "13900139007", repB1);
}, 180_000);

afterAll(async () => {
  clearInterval(relay);
  await browser?.close();
  await stack?.stop();
});

/** A store without the settings cache of the shared one (settings are cached for 5 s). */
const fresh = () => new CustomerStore({ redis: stack.redis });

async function signedIn(username: string, lang: "zh-CN" | "en"): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await ctx.addCookies([{ name: "cc_lang", value: lang, url: stack.url }]);
  const page = await ctx.newPage();
  await login(page, stack.url, username, PW);
  return page;
}

async function open(page: Page, path: string): Promise<number> {
  const res = await page.goto(`${stack.url}${path}`, { waitUntil: "networkidle" });
  return res?.status() ?? 0;
}

async function text(page: Page, testid: string): Promise<string> {
  const el = page.locator(`[data-testid="${testid}"]`);
  await el.first().waitFor();
  return (await el.first().textContent()) ?? "";
}

describe("customers: pool, claim, follow-up, extension approval, reassignment", () => {
  it("claims from the pool; a stale claim is refused naming the holder, the third by the quota", async () => {
    const li = await signedIn("li.rep", "zh-CN");
    const wang = await signedIn("wang.rep", "en");
    // Wang opens the pool first: it still lists 周一鸣 when he clicks after Li has claimed her.
    await open(wang, "/customers/pool");
    await wang.locator(`[data-testid="claim-${ids.p1}"]`).waitFor();
    await shot(wang, "customers-pool-en");

    expect(await open(li, "/customers/pool")).toBe(200);
    expect(await li.locator('[data-testid="pool-table"] [data-testid="cust-row"]').count()).toBe(4);
    await shot(li, "customers-pool-zh");
    await li.click(`[data-testid="claim-${ids.p1}"]`);
    expect(await text(li, "claim-ok")).toContain("周一鸣");
    await li.click(`[data-testid="claim-${ids.p2}"]`);
    await li.locator('[data-testid="claim-ok"]', { hasText: "吴二妹" }).waitFor();
    await li.click(`[data-testid="claim-${ids.p3}"]`);
    const quota = li.locator('[data-testid="claim-refused"]');
    await quota.waitFor();
    expect(await quota.getAttribute("data-reason")).toBe("quota_full");
    expect(await quota.textContent()).toContain("2");
    await shot(li, "customers-claim-quota-zh");

    await wang.click(`[data-testid="claim-${ids.p1}"]`);
    const held = wang.locator('[data-testid="claim-refused"]');
    await held.waitFor();
    expect(await held.getAttribute("data-reason")).toBe("held_by_other");
    expect(await held.textContent()).toContain("李娜 (a1)");
    await shot(wang, "customers-claim-held-en");

    const p1 = await store.getCustomer(director, ids.p1!);
    expect(p1.ok && p1.customer.ownerId).toBe("a1");
    expect((await store.quotaOf(ORG, "a1")).held).toBe(2);
    // Wang takes the fourth (he is the one asking for a long extension below).
    await open(wang, "/customers/pool");
    await wang.click(`[data-testid="claim-${ids.p4}"]`);
    await wang.locator('[data-testid="claim-ok"]').waitFor();

    // Li's own list: her two holds, the expiry and grade charts.
    await open(li, "/customers");
    expect(await li.locator('[data-testid="cust-table"] [data-testid="cust-row"]').count()).toBe(2);
    expect(await li.locator('[data-testid="chart-expiry"] rect[data-n="2"]').count()).toBe(1);
    await shot(li, "customers-mine-zh");
    await li.context().close();
    await wang.context().close();
  });

  it("records a follow-up on the card, then a quick record with a hotkey in the console", async () => {
    const li = await signedIn("li.rep", "zh-CN");
    const today = localDate(TZ, Date.now());
    await open(li, `/customers/${ids.p1}`);
    await li.fill('[data-testid="fu-note"]', "客户想了解价格，今天再打");
    await li.selectOption('[data-testid="fu-grade"]', "B");
    await li.fill('[data-testid="fu-next"]', today);
    await li.click('[data-testid="fu-save"]');
    expect(await text(li, "card-msg")).toContain(today);
    await li
      .locator('[data-testid="history-row"][data-kind="customer.follow_up_recorded"]')
      .first()
      .waitFor();
    // The claim comes from the log in ClickHouse (relayed, sunk), the follow-up shown once.
    await until(
      async () => {
        await open(li, `/customers/${ids.p1}`);
        return await li
          .locator('[data-testid="history-row"]')
          .evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
      },
      (kinds) =>
        kinds.includes("customer.claimed") &&
        kinds.includes("customer.created") &&
        kinds.includes("customer.follow_up_recorded"),
      "claim and follow-up in the card's history",
    );
    const kinds = await li
      .locator('[data-testid="history-row"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
    expect(kinds.filter((k) => k === "customer.follow_up_recorded").length).toBe(1);
    await shot(li, "customers-card-zh");

    await open(li, "/console");
    const pick = li.locator(`[data-testid="due-pick-${ids.p1}"]`);
    await pick.waitFor();
    await pick.click();
    await li.locator('[data-testid="quick-target"]').waitFor();
    await li.keyboard.press("2"); // no_answer: "try again tomorrow"
    const msg = await text(li, "quick-msg");
    const tomorrow = addDays(today, 1);
    expect(msg).toContain(tomorrow);
    await shot(li, "customers-console-quick-zh");
    const fus = await store.listFollowUps(director, ids.p1!);
    expect(fus.ok && fus.followUps[0]).toMatchObject({
      disposition: "no_answer",
      nextContactOn: tomorrow,
      agentId: "a1",
    });
    expect(fus.ok && fus.followUps[1]).toMatchObject({ grade: "B", nextContactOn: today });
    await li.context().close();
  });

  it("a manager approves a 3-day extension and is refused a 7-day one, which a director approves", async () => {
    const li = await signedIn("li.rep", "zh-CN");
    const before = await store.getCustomer(director, ids.p1!);
    const heldUntil = before.ok ? (before.customer.heldUntil ?? 0) : 0;
    await open(li, `/customers/${ids.p1}`);
    await li.fill('[data-testid="ext-days"]', "3");
    await li.fill('[data-testid="ext-reason"]', "客户下周出差回来再谈");
    await li.click('[data-testid="ext-submit"]');
    await li.locator('[data-testid="card-msg"]').waitFor();
    expect(await li.locator('[data-testid="card-msg"]').getAttribute("data-reason")).toBe("");

    const wang = await signedIn("wang.rep", "en");
    await open(wang, `/customers/${ids.p4}`);
    await wang.fill('[data-testid="ext-days"]', "7");
    await wang.fill('[data-testid="ext-reason"]', "Customer is on a trip");
    await wang.click('[data-testid="ext-submit"]');
    await wang.locator('[data-testid="card-msg"]').waitFor();

    const mgr = await signedIn("chen.mgr", "en");
    await open(mgr, "/customers/extensions");
    const rows = mgr.locator('[data-testid="ext-row"]');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    await shot(mgr, "customers-extensions-en");
    const short = await mgr.locator('[data-testid="ext-row"][data-days="3"]').getAttribute("data-id");
    const long = await mgr.locator('[data-testid="ext-row"][data-days="7"]').getAttribute("data-id");
    await mgr.click(`[data-testid="approve-${short}"]`);
    expect(await text(mgr, "ext-msg")).toBe("Approved");
    const after = await store.getCustomer(director, ids.p1!);
    expect(after.ok && after.customer.heldUntil).toBe(heldUntil + 3 * 86_400_000);

    await mgr.click(`[data-testid="approve-${long}"]`);
    await mgr.locator('[data-testid="ext-msg"][data-reason="needs_director"]').waitFor();
    expect(await text(mgr, "ext-msg")).toContain("director");
    await shot(mgr, "customers-extension-needs-director-en");

    const dir = await signedIn("sun.dir", "zh-CN");
    await open(dir, "/customers/extensions");
    await dir.click(`[data-testid="approve-${long}"]`);
    expect(await text(dir, "ext-msg")).toBe("已批准");
    await shot(dir, "customers-extensions-zh");
    expect((await store.listExtensionRequests(director)).length).toBe(0);
    for (const p of [li, wang, mgr, dir]) await p.context().close();
  });

  it("a manager reassigns a leaving rep's customers to another rep of the team", async () => {
    const mgr = await signedIn("chen.mgr", "zh-CN");
    await open(mgr, "/customers/reassign?from=a1");
    expect(await text(mgr, "ra-count")).toContain("2");
    // Only the manager's own teams are targets: the care team's rep is not offered.
    expect(await mgr.locator('[data-testid="ra-to"] option[value="b1"]').count()).toBe(0);
    expect(await mgr.locator('[data-testid="ra-to"] option[value="a2"]').count()).toBe(1);
    await mgr.selectOption('[data-testid="ra-to"]', "a2");
    await mgr.click('[data-testid="ra-submit"]');
    expect(await text(mgr, "ra-msg")).toContain("2");
    await shot(mgr, "customers-reassign-zh");
    for (const key of ["p1", "p2"]) {
      const c = await store.getCustomer(director, ids[key]!);
      expect(c.ok && c.customer.ownerId).toBe("a2");
    }
    expect((await store.quotaOf(ORG, "a1")).held).toBe(0);
    // Per-rep limit: the manager gives Wang his own quota; the care team's rep is not listed.
    expect(await mgr.locator('[data-testid="quota-row"][data-rep="b1"]').count()).toBe(0);
    await mgr.fill('[data-testid="quota-a2"]', "10");
    await mgr.click('[data-testid="quota-save-a2"]');
    await mgr.locator('[data-testid="ra-msg"]', { hasText: "已更新 王强 (a2) 的保护上限" }).waitFor();
    expect(await store.quotaOf(ORG, "a2")).toEqual({ quota: 10, held: 3 });
    await mgr.context().close();
  });

  it("a rep never sees another team's customers; the manager neither; the director does", async () => {
    const wang = await signedIn("wang.rep", "en");
    await open(wang, "/customers");
    await shot(wang, "customers-mine-en");
    const mine = await wang
      .locator('[data-testid="cust-row"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
    expect(mine.sort()).toEqual([ids.p1, ids.p2, ids.p4].sort());
    expect(await open(wang, `/customers/${ids.x}`)).toBe(403);
    // The pool is empty now and the care team's customer is not in it either.
    await open(wang, "/customers/pool");
    expect(await wang.locator(`[data-id="${ids.x}"]`).count()).toBe(0);
    // Duplicate search reports who holds the number, without a link to the record.
    await open(wang, "/customers/search?q=13900139007");
    const hit = wang.locator(`[data-testid="dup-row"][data-id="${ids.x}"]`);
    await hit.waitFor();
    expect(await hit.locator("a").count()).toBe(0);
    expect(await hit.textContent()).toContain("赵敏");
    // Nor through the page's data endpoint.
    const data = await wang.evaluate(
      async (id) => await (await fetch(`/customers/${id}/__data.json`)).text(),
      ids.x,
    );
    expect(data).not.toContain("韩七公司");
    expect(data).not.toContain("13900139007");

    const mgr = await signedIn("chen.mgr", "en");
    await open(mgr, "/customers");
    const team = await mgr
      .locator('[data-testid="cust-row"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-id")));
    expect(team).not.toContain(ids.x);
    expect(team.length).toBe(3);
    expect(await open(mgr, `/customers/${ids.x}`)).toBe(403);

    const dir = await signedIn("sun.dir", "en");
    expect(await open(dir, `/customers/${ids.x}`)).toBe(200);
    expect(await text(dir, "card-owner")).toContain("赵敏");
    await shot(dir, "customers-card-director-en");
    for (const p of [wang, mgr, dir]) await p.context().close();
  });

  it("on a call, a digit key records a quick follow-up on the caller's customer record", async () => {
    const wang = await signedIn("wang.rep", "zh-CN");
    await open(wang, "/console");
    await wang.click('[data-testid="btn-ready"]');
    await until(
      () => wang.locator('[data-testid="agent-state"]').getAttribute("data-state"),
      (s) => s === "ready",
      "ready",
    );
    const call = {
      org_id: ORG,
      campaign_id: "spring",
      lead_id: "lead-feng",
      attempt_id: "att-feng-1",
    } as const;
    const t = Date.now();
    await stack.publish(
      {
        kind: "lead.created",
        org_id: ORG,
        lead_id: "lead-feng",
        source: "ad",
        channel: "douyin",
        campaign_id: "spring",
        phone: "+8613800138004",
        name: "冯四海",
        company: "冯四海公司",
        consent: { given: true, method: "web_form" },
      },
      t - 60_000,
    );
    await stack.publish(
      {
        ...call,
        kind: "call.attempt_created",
        phone: "+8613800138004",
        caller_id: "+861012345678",
        mode: "predictive",
        attempt_no: 1,
      },
      t - 9000,
    );
    await stack.publish(
      { ...call, kind: "call.answered", detection: "human", detect_ms: 700, ring_s: 6 },
      t - 3000,
    );
    await stack.publish({ ...call, kind: "call.bridged", agent_id: "a2", wait_ms: 300 }, t - 2500);
    await stack.publish(
      {
        kind: "agent.state_changed",
        org_id: ORG,
        agent_id: "a2",
        state: "on_call",
        previous_state: "ready",
        previous_state_s: 5,
        campaign_id: "spring",
        attempt_id: "att-feng-1",
        team_id: "t1",
      },
      t - 2500,
    );
    await until(
      () =>
        wang
          .locator('[data-testid="customer-name"]')
          .innerText()
          .catch(() => ""),
      (n) => n === "冯四海",
      "screen pop",
    ).catch(async (err) => {
      const seen = await wang.evaluate(async () => (await fetch("/console/customer")).text());
      const live = await stack.redis.hGetAll(`cc:live:agent:${ORG}:a2`);
      throw new Error(`${err}; card ${seen.slice(0, 300)}; live ${JSON.stringify(live).slice(0, 400)}`);
    });
    await wang.locator('[data-testid="quick-interested"]:not([disabled])').waitFor();
    // Keys typed into a field are text, not hotkeys: nothing keeps the focus.
    await wang.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await wang.keyboard.press("4"); // interested: grade A, next contact tomorrow
    const tomorrow = addDays(localDate(TZ, Date.now()), 1);
    await wang.locator('[data-testid="quick-msg"]', { hasText: tomorrow }).waitFor();
    await shot(wang, "customers-console-call-quick-zh");
    const fus = await store.listFollowUps(director, ids.p4!);
    expect(fus.ok && fus.followUps[0]).toMatchObject({
      disposition: "interested",
      grade: "A",
      agentId: "a2",
    });
    const c = await store.getCustomer(director, ids.p4!);
    expect(c.ok && c.customer.grade).toBe("A");
    await wang.context().close();
  });

  it("refuses invalid input with a clear 4xx", async () => {
    const li = await signedIn("li.rep", "en");
    await open(li, "/console");
    const r = await li.evaluate(async () => {
      const bad = await fetch("/customers/quick", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ disposition: "DROP TABLE" }),
      });
      const unknown = await fetch("/customers/quick", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ disposition: "nope", customer_id: "x1" }),
      });
      return { bad: bad.status, badBody: await bad.json(), unknown: unknown.status };
    });
    expect(r.bad).toBe(400);
    expect(r.badBody.message).toContain("disposition");
    expect(r.unknown).toBe(400);
    await li.context().close();
  });

  it("a director configures the fields; a new customer needs the required one, is reminded of every empty important one at once, and a duplicate is refused", async () => {
    const dir = await signedIn("sun.dir", "zh-CN");
    await open(dir, "/customers/fields");
    const fields = [
      ["industry", "行业", "Industry", "required"],
      ["city", "城市", "City", "important"],
      ["budget", "预算", "Budget", "important"],
      ["remark", "备注", "Remark", "general"],
    ] as const;
    for (const [i, [key, zh, en, cls]] of fields.entries()) {
      await dir.click('[data-testid="field-add"]');
      await dir.fill(`[data-testid="field-key-${i}"]`, key);
      await dir.fill(`[data-testid="field-zh-${i}"]`, zh);
      await dir.fill(`[data-testid="field-en-${i}"]`, en);
      await dir.selectOption(`[data-testid="field-class-${i}"]`, cls);
    }
    await dir.click('[data-testid="fields-save"]');
    await dir.locator('[data-testid="fields-msg"]', { hasText: "字段配置已保存" }).waitFor();
    await shot(dir, "customers-fields-zh");
    expect((await fresh().settings(ORG)).fields.map((f) => `${f.key}:${f.class}`)).toEqual([
      "industry:required",
      "city:important",
      "budget:important",
      "remark:general",
    ]);
    await dir.fill('[data-testid="rule-quota"]', "20");
    await dir.click('[data-testid="rules-save"]');
    await dir.locator('[data-testid="fields-msg"]', { hasText: "保护规则已保存" }).waitFor();
    expect((await fresh().settings(ORG)).quota).toBe(20);
    // Only directors and admins configure: a manager is refused the page.
    const mgr = await signedIn("chen.mgr", "en");
    expect(await open(mgr, "/customers/fields")).toBe(403);

    const li = await signedIn("li.rep", "en");
    await open(li, "/customers/new");
    await li.fill('[data-testid="new-name"]', "褚十");
    await li.fill('[data-testid="new-company"]', "褚氏贸易");
    await li.fill('[data-testid="new-phone"]', "13700137010");
    await li.click('[data-testid="new-save"]');
    const refused = li.locator('[data-testid="new-msg"][data-reason="required_missing"]');
    await refused.waitFor();
    expect(await refused.textContent()).toContain("Industry");

    await li.fill('[data-testid="new-f-industry"]', "外贸");
    await li.click('[data-testid="new-save"]');
    // Both empty important fields in one reminder.
    expect(await text(li, "new-reminder")).toContain("City, Budget");
    await shot(li, "customers-new-en");
    const created = await store.searchCustomers(director, { phone: "13700137010" });
    expect(created[0]?.ownerId).toBe("a1");
    // Editing on the card: the required field cannot be emptied; the one important field
    // still empty is reminded.
    await open(li, `/customers/${created[0]?.customerId}`);
    await li.click('[data-testid="edit-open"]');
    await li.fill('[data-testid="edit-f-industry"]', "");
    await li.fill('[data-testid="edit-f-city"]', "宁波");
    await li.click('[data-testid="edit-save"]');
    await li.locator('[data-testid="card-msg"][data-reason="required_missing"]').waitFor();
    await li.fill('[data-testid="edit-f-industry"]', "外贸");
    await li.click('[data-testid="edit-save"]');
    const edited = li.locator('[data-testid="card-msg"]', { hasText: "Details saved" });
    await edited.waitFor();
    expect(await edited.textContent()).toContain("Important fields still empty: Budget");
    await shot(li, "customers-card-edit-en");

    // The same number again (another rep): refused against the master pool, naming the holder.
    const wang = await signedIn("wang.rep", "zh-CN");
    await open(wang, "/customers/new");
    await wang.fill('[data-testid="new-name"]', "褚十（重复）");
    await wang.fill('[data-testid="new-phone"]', "137 0013 7010");
    await wang.fill('[data-testid="new-f-industry"]', "外贸");
    await wang.click('[data-testid="new-save"]');
    const dup = wang.locator('[data-testid="new-msg"][data-reason="duplicate"]');
    await dup.waitFor();
    expect(await dup.textContent()).toContain("李娜 (a1)");
    await shot(wang, "customers-new-duplicate-zh");
    for (const p of [dir, mgr, li, wang]) await p.context().close();
  });
});
