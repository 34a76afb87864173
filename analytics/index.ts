// Public API of @cc/analytics. Other packages import only from here.

// Generated history: the benchmark's full-size one and npm start's demo month.
export * from "./src/history/index.ts";
export * from "./src/live-state/index.ts";
export { type ClickHouseConfig, ClickHouseConfigSchema, createClickHouse } from "./src/query/client.ts";
export {
  type AgentStateTotal,
  type AgentStateTotalsInput,
  agentStateTotals,
  type LiveRates,
  type LiveRatesInput,
  liveRates,
  type TimeWindow,
} from "./src/query/live-rates.ts";
// Reports (dashboard): export lines go below.
export * from "./src/reports/index.ts";
export {
  ClusterDdlError,
  clusterSchema,
  DEFAULT_CLUSTER,
  generateClusterSchema,
} from "./src/schema/cluster.ts";
export {
  loadMigrations,
  MIGRATIONS_DIR,
  type MigrateResult,
  MigrationError,
  migrate,
} from "./src/schema/migrate.ts";
export { splitStatements } from "./src/schema/split.ts";
// Per-org analyst identities (ClickHouse users confined to one org) and their DDL for a real server.
export {
  ORG_ANALYST_PREFIX,
  type OrgAnalystCredentials,
  orgAnalystCredentials,
  orgAnalystUser,
  orgOfAnalystUser,
} from "./src/tenancy/org-analyst.ts";
// Seeding helpers for tests and benchmarks.
export { insertEvents, prng, seedCalls } from "./src/testing/seed.ts";
