export type { BenchModule, BenchOptions } from "./src/types.ts";
