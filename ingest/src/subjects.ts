import type { CallCenterEvent } from "./contracts/index.ts";

/** Durable log of every fact. */
export const EVENTS_STREAM = "CC_EVENTS";
export const EVENTS_SUBJECT_PREFIX = "cc.events";
/** Events that failed validation, with the reason. */
export const DLQ_STREAM = "CC_DLQ";
export const DLQ_SUBJECT_PREFIX = "cc.dlq";

/**
 * cc.events.<org>.<family>.<name>.<campaign|_>
 * e.g. cc.events.acme.call.answered.spring-promo — consumers filter by org, family, kind or campaign.
 */
export function subjectFor(e: CallCenterEvent): string {
  const [family, name] = e.kind.split(".") as [string, string];
  const campaign = "campaign_id" in e && e.campaign_id ? e.campaign_id : "_";
  return `${EVENTS_SUBJECT_PREFIX}.${e.org_id}.${family}.${name}.${campaign}`;
}

/** cc.dlq.<source>: source is "sink", "intake", … */
export function dlqSubject(source: string): string {
  return `${DLQ_SUBJECT_PREFIX}.${source}`;
}
