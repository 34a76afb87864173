export { generateHistory, type HistoryOptions, type HistorySummary, historySize } from "./generate.ts";
