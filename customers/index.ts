// @cc/customers: customer records and the ownership rules (公海/私海), grading and follow-up
// cadence, duplicate search, server-side visibility. See README.md for why this is a workspace
// of its own and what it owns. Pages and the console call CustomerStore; nothing else writes
// cc:cust:* keys.

export { DEFAULT_DISPOSITIONS } from "./src/followups/dispositions.ts";
export {
  CADENCE,
  DEFAULT_ORDER_GRADE_RULES,
  GRADE_MEANING,
  gradeByOrders,
  nextContactDay,
  type OrderStats,
} from "./src/grading/grading.ts";
export {
  addDays,
  addMonths,
  expiryDay,
  type HoldRule,
  localDate,
  localMonth,
  releaseInstant,
  reminderInstant,
  startOfLocalDay,
  zonedInstant,
  zoneOffsetMs,
} from "./src/ownership/calendar.ts";
export { checkFields, type FieldCheck } from "./src/records/fields.ts";
export * from "./src/records/types.ts";
export { canManage, canSee } from "./src/records/visibility.ts";
// Sales pipeline, contracts, payment plans, tickets, churn warnings, knowledge base (issue 11 items 4–6).
export * from "./src/sales/index.ts";
export { bigrams, nameCompanyKey, normaliseText } from "./src/search/bigrams.ts";
export { followSearchIndex, loadSearchIndex } from "./src/search/follow.ts";
export { CustomerSearchIndex, type IndexHit } from "./src/search/index.ts";
export { customerHistory, type HistoryRow } from "./src/store/history.ts";
export { custKeys, OUTBOX as CUSTOMER_OUTBOX } from "./src/store/keys.ts";
export { type KnownCustomerHit, knownCustomersByPhone } from "./src/store/known.ts";
export { peekOutbox, type RelayReport, relayOutbox } from "./src/store/outbox.ts";
export {
  customerEventsFromClickHouse,
  type FoldedState,
  foldCustomerEvents,
  rebuildFromClickHouse,
  rebuildFromEvents,
} from "./src/store/rebuild.ts";
export { CustomerStore, type CustomerStoreOptions } from "./src/store/store.ts";
