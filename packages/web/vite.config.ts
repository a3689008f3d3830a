import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Built into the broker's package (packages/broker/web), which serves it at `/` and ships it in its tarball: one
// copy, so the broker never serves an older build than the last one. Relative asset URLs keep the page working
// behind a reverse proxy under a sub-path; nothing is fetched from another origin.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  plugins: [react()],
  build: { outDir: "../broker/web", emptyOutDir: true, sourcemap: false },
  logLevel: "warn",
});
