import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Browser as PlaywrightBrowser } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it). Playwright's own browsers are never used. */
export const CHROMIUM_PATH = process.env.FERRY_CHROMIUM ?? "/usr/bin/chromium";

/** The four layouts the page is proved in (issue 20): a desktop and a phone width, each theme. */
export const LAYOUTS = [
  { width: 1280, colorScheme: "light" },
  { width: 1280, colorScheme: "dark" },
  { width: 375, colorScheme: "light" },
  { width: 375, colorScheme: "dark" },
] as const;
export type Layout = (typeof LAYOUTS)[number];

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile each time (`--user-data-dir` in a temp dir): no cookies or cache from an earlier run. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: the browser test drives Debian's Chromium. Install it with ` +
        "`apt-get install -y chromium` (.ci/run does), or point FERRY_CHROMIUM at a Chromium binary.",
    );
  }
  const profile = await mkdtemp(join(tmpdir(), "ferry-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 900 },
    colorScheme: "light",
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/**
 * One Chromium for several isolated contexts (each its own cookie jar: a victim's browser, an attacker's), for tests
 * that need more than one person. `args` adds flags, such as `--host-resolver-rules` to give a second site a name.
 */
export async function launchBrowser(args: readonly string[] = []): Promise<PlaywrightBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` or set FERRY_CHROMIUM.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...FLAGS, ...args] });
}
