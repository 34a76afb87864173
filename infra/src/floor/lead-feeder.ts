// Fresh leads for the simulated campaign, as an ad platform or web form would send them:
// `lead.created` events on JetStream (the pacing service adds them to the campaign's dialing
// list, the path real leads take). Each lead's number selects how the simulated carrier answers.
import { type CallCenterEvent, makeEvent, publishEvent } from "@cc/ingest";
import { Rng } from "@cc/pacing";
import type { JetStreamClient } from "@nats-io/jetstream";

export interface OutcomeMix {
  /** Carrier behaviour (as the simulated carrier names it) → share of leads. */
  [behaviour: string]: number;
}

const SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "马", "朱", "胡"];
const GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明"];
const CHANNELS = ["baidu", "douyin", "wechat", "web_form"] as const;
const REGIONS = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京"];

export interface LeadFeederOptions {
  js: JetStreamClient;
  orgId: string;
  campaignId: string;
  mix: OutcomeMix;
  /** E.164 number the simulated carrier answers with the given behaviour (n makes it unique). */
  numberFor: (behaviour: string, n: number) => string;
  seed: string;
}

export class LeadFeeder {
  readonly #o: LeadFeederOptions;
  readonly #rng: Rng;
  #n = 0;

  constructor(o: LeadFeederOptions) {
    this.#o = o;
    this.#rng = new Rng(`leads|${o.seed}`);
  }

  #behaviour(): string {
    const entries = Object.entries(this.#o.mix);
    const total = entries.reduce((a, [, w]) => a + w, 0);
    let u = this.#rng.next() * total;
    for (const [b, w] of entries) {
      u -= w;
      if (u <= 0) return b;
    }
    return entries[0]![0];
  }

  next(now = Date.now()): CallCenterEvent {
    const n = ++this.#n;
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(this.#rng.next() * xs.length)]!;
    const channel = pick(CHANNELS);
    return makeEvent(
      {
        kind: "lead.created",
        org_id: this.#o.orgId,
        lead_id: `sim-${now.toString(36)}-${n}`,
        source: channel === "web_form" ? "web_form" : "ad",
        ...(channel !== "web_form" ? { channel, ad_campaign_id: `ad-${channel}-spring` } : {}),
        campaign_id: this.#o.campaignId,
        phone: this.#o.numberFor(this.#behaviour(), n),
        name: `${pick(SURNAMES)}${pick(GIVEN)}`,
        region: pick(REGIONS),
        consent: { given: true, method: "web_form", at: new Date(now).toISOString() },
        touched_at: new Date(now - this.#rng.uniform(0, 600_000)).toISOString(),
      },
      now,
    );
  }

  /** Publishes `count` new leads; resolves when JetStream has them. */
  async feed(count: number): Promise<void> {
    for (let i = 0; i < count; i++) await publishEvent(this.#o.js, this.next());
  }
}
