import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_DIR = fileURLToPath(new URL("..", import.meta.url));
/** Where vite.config.ts builds the page: into the broker's package, which serves and ships it. */
export const DIST_DIR = join(WEB_DIR, "..", "broker", "web");

/**
 * Builds the page unless the build there is newer than every source file, so the browser test always
 * drives the current page: `npm test` builds it first (scripts/test.mjs), a lone `vitest run packages/web` too.
 */
export function ensurePageBuilt(): void {
  const built = join(DIST_DIR, "index.html");
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource()) return;
  execFileSync("npm", ["run", "build", "--silent"], { cwd: WEB_DIR, stdio: "inherit" });
}

function newestSource(): number {
  const files = [join(WEB_DIR, "index.html"), join(WEB_DIR, "vite.config.ts"), ...walk(join(WEB_DIR, "src"))];
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}
