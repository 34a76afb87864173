export {
  DEMO_ORG_ID,
  DemoHistoryError,
  DemoHistoryOptions,
  type DemoHistoryResult,
  generatedHistoryIn,
  seedDemoHistory,
} from "./demo.ts";
export { generateHistory, HistoryOptions, type HistorySummary } from "./generate.ts";
