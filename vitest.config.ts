import { defineConfig } from "vitest/config";

// Two projects so a run is never an accidental half-run: unit tests are pure and fast,
// integration tests start real servers (nats-server, redis-server, rtpengine, the
// embedded ClickHouse host) on free loopback ports through infra's launchers.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "{ingest,analytics,pacing,media,infra,benchmarks,customers}/**/*.test.ts",
            "dashboard/src/**/*.test.ts",
          ],
          exclude: ["**/node_modules/**", "**/*.int.test.ts"],
          environment: "node",
        },
      },
      {
        test: {
          name: "integration",
          include: [
            "{ingest,analytics,pacing,media,infra,benchmarks,customers}/**/*.int.test.ts",
            "dashboard/**/*.int.test.ts",
          ],
          exclude: ["**/node_modules/**"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // Integration files each start their own servers; two cores do not like many at once.
          fileParallelism: false,
          // Temp dirs left by runs that died (kill -9, Ctrl-C) go before new ones are made.
          globalSetup: ["infra/src/launchers/sweep-setup.ts"],
        },
      },
    ],
  },
});
