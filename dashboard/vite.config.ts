import { readFileSync, writeFileSync } from "node:fs";
import adapter from "@sveltejs/adapter-node";
import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig, type Plugin } from "vite";

/**
 * adapter-node 6 fixes the public origin at build time (`paths.origin`) and otherwise assumes
 * https. We deploy one build to many addresses, so the built server reads ORIGIN at start, as
 * adapter-node 5 did: without it, CSRF checks and cookies would see the wrong origin.
 */
function runtimeOrigin(): Plugin {
  return {
    name: "cc-runtime-origin",
    apply: "build",
    buildApp: {
      order: "post",
      async handler() {
        const file = new URL("./build/adapter-node.js", import.meta.url);
        const src = readFileSync(file, "utf8");
        const patched = src.replace(
          /export const origin = [^;]*;/,
          "export const origin = process.env.ORIGIN || undefined;",
        );
        if (patched === src && !src.includes("process.env.ORIGIN"))
          throw new Error("adapter-node origin export not found");
        writeFileSync(file, patched);
      },
    },
  };
}

// Kit 3: no svelte.config.js — the Kit config lives in the plugin.
export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter({ out: "build", precompress: true }),
      // CSRF origin check stays on (the default); nothing is trusted cross-origin.
      csrf: { trustedOrigins: [] },
      // Content-Security-Policy of every page: nonces (rendered pages) or hashes (prerendered) for
      // Kit's own inline script, nothing from other sites. Inline styles stay allowed: Svelte's
      // style attributes and d3's chart styling use them ('unsafe-inline' keeps Kit from adding
      // style hashes, which would switch it off). The softphone's WebSocket origin is known only
      // at run time: hooks.server.ts adds it to connect-src.
      csp: {
        mode: "auto",
        directives: {
          "default-src": ["self"],
          "script-src": ["self"],
          "style-src": ["self", "unsafe-inline"],
          "img-src": ["self", "data:", "blob:"],
          "font-src": ["self", "data:"],
          "connect-src": ["self"],
          "media-src": ["self", "blob:"],
          "worker-src": ["self"],
          "object-src": ["none"],
          "base-uri": ["self"],
          "form-action": ["self"],
          "frame-ancestors": ["none"],
        },
      },
    }),
    runtimeOrigin(),
  ],
  build: {
    target: "es2022",
    // Workspace packages are TypeScript run natively by Node 24 (they read .sql files next to
    // their code): the server imports them at run time instead of bundling them.
    rollupOptions: { external: [/^@cc\//] },
  },
  ssr: { external: ["@cc/analytics", "@cc/customers", "@cc/ingest", "@cc/infra", "@cc/media"] },
});
