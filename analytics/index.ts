export * from "./src/live-state/index.ts";
