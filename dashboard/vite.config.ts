import adapter from "@sveltejs/adapter-node";
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

// Kit 3: no svelte.config.js — the Kit config lives in the plugin.
export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ out: "build", precompress: true }),
      // CSRF origin check stays on (the default); nothing is trusted cross-origin.
      csrf: { trustedOrigins: [] },
    }),
  ],
  build: {
    target: "es2022",
    // Workspace packages are TypeScript run natively by Node 24 (they read .sql files next to
    // their code): the server imports them at run time instead of bundling them.
    rollupOptions: { external: [/^@cc\//] },
  },
  ssr: { external: ["@cc/analytics", "@cc/ingest", "@cc/infra"] },
});
