export interface BenchOptions {
  quick: boolean;
  /** Remaining CLI args after the common ones, for benchmark-specific flags. */
  extra: string[];
}
export type BenchModule = { run: (opts: BenchOptions) => Promise<Record<string, unknown>> };
