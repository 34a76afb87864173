// Public API of the sales side of @cc/customers (re-exported by customers/index.ts): the
// pipeline's rules, forecast, contracts, payment reminders, churn warnings, knowledge base.
export * from "../churn/churn.ts";
export * from "../knowledge/knowledge.ts";
export { minMatches, searchKeys } from "../knowledge/tokens.ts";
export * from "./contracts.ts";
export * from "./forecast.ts";
export * from "./management.ts";
export * from "./payments.ts";
export * from "./pipeline.ts";
export * from "./service.ts";
export { scopeParams } from "./sql.ts";
