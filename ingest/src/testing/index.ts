// Helpers for tests and benchmarks in other packages: `import … from "@cc/ingest/testing"`.
export * from "./events.ts";
export * from "./stack.ts";
