// The Integrations & Secrets page in a real browser (Debian's Chromium through playwright-core) against the
// emulator's real sign-in and consent pages and a broker serving the built page: sign in with a one-time link,
// connect, lose the grant at Microsoft, reconnect, disconnect; the work account; a declined consent.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePageBuilt } from "./buildPage.ts";
import { type Browser, launchChromium } from "./chromium.ts";
import { type PageStack, startPageStack } from "./pageStack.ts";

/** The dark theme's colour for a custom property, read from the stylesheet the page ships, as CSS rgb(). */
function darkColour(property: string): string {
  const css = readFileSync(fileURLToPath(new URL("../src/styles.css", import.meta.url)), "utf8");
  const dark = css.slice(css.indexOf("@media (prefers-color-scheme: dark)"));
  const hex = new RegExp(`${property}:\\s*#([0-9a-f]{6})`, "i").exec(dark)?.[1];
  if (!hex) throw new Error(`no dark ${property} in styles.css`);
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return `rgb(${r}, ${g}, ${b})`;
}

const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/web/", import.meta.url));
const PERSONAL = { name: "Ada Lovelace", email: "ada.lovelace@outlook.example" };
const WORK = { name: "Grace Hopper", email: "grace.hopper@contoso.example" };
// An account that has not consented before, so the consent page is shown and can be declined.
const FRESH = { name: "Alan Turing" };

let stack: PageStack;
let browser: Browser;
let page: Page;
/** Every URL the page asked for: nothing may leave the broker's origin (and the emulator's, during sign-in). */
const requested: string[] = [];

beforeAll(async () => {
  ensurePageBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startPageStack();
  browser = await launchChromium();
  browser.context.on("request", (request) => requested.push(request.url()));
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function signInAs(name: string): Promise<string> {
  await browser.context.clearCookies();
  const user = await stack.newUser(name);
  await page.goto(user.loginUrl);
  // Opening the link only shows this button (so a link preview cannot use it up); pressing it signs in.
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Integrations & Secrets" }).waitFor();
  return user.id;
}

/** For the first element matching `selector`: how many lines each of its text nodes is laid out on. */
function linesPerTextPart(selector: string): Promise<number[]> {
  return page.evaluate((sel) => {
    const element = document.querySelector(sel);
    if (element === null) return [];
    return [...element.childNodes]
      .filter((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? "").trim() !== "")
      .map((n) => {
        const range = document.createRange();
        range.selectNodeContents(n);
        return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
      });
  }, selector);
}

function status() {
  return page.getByTestId("onedrive-status");
}

/** At the emulator's "Microsoft" pages: pick the account, then answer the consent page if it asks. */
async function signInAtMicrosoft(account: string, decision: "Accept" | "Decline" = "Accept") {
  await page.waitForURL((url) => url.origin === new URL(stack.emu.authority).origin);
  await page.getByRole("button", { name: account }).click();
  const consent = page.getByRole("button", { name: decision, exact: true });
  const back = page.waitForURL((url) => url.origin === stack.broker.url, { waitUntil: "load" });
  // The consent page is skipped when the account already consented to every scope.
  await Promise.race([consent.click(), back]);
  await back;
}

/** Back at the broker, before anything is stored: the page names the Microsoft account and the Ferry user. */
async function confirmConnection(email: string, ferryUser: string) {
  await page
    .getByRole("heading", { name: `Connect the OneDrive of ${email} to Ferry user ${ferryUser}?` })
    .waitFor();
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.waitForURL((url) => url.origin === stack.broker.url && url.pathname === "/");
}

async function screenshot(name: string, width = 1280) {
  await page.setViewportSize({ width, height: 900 });
  await page.screenshot({ path: join(ARTIFACTS, `${name}-${width}.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe("the Integrations & Secrets page", () => {
  it("without a session shows how to sign in, never a blank page", async () => {
    const response = await page.goto(stack.broker.url);
    expect(response?.headers()["content-security-policy"]).toContain("connect-src 'self'");
    await expect.poll(() => page.getByRole("heading", { name: "Sign in to Ferry" }).isVisible()).toBe(true);
    expect(await page.getByText("ferry dev").isVisible()).toBe(true);
    await screenshot("signed-out");
    await screenshot("signed-out", 375);
  });

  it("personal account: connect, revoked at Microsoft, reconnect, disconnect", async () => {
    const userId = await signInAs("ada");
    await expect.poll(() => status().textContent()).toContain("Not connected");
    for (const scope of ["Files.ReadWrite", "offline_access", "User.Read"]) {
      expect(await page.getByText(scope, { exact: true }).isVisible()).toBe(true);
    }
    await screenshot("not-connected");

    await page.getByRole("button", { name: "Connect OneDrive" }).click();
    await signInAtMicrosoft(PERSONAL.name);
    // Nothing is stored until the person confirms which account goes to which Ferry user.
    expect(await stack.storedTokens(userId)).toEqual([]);
    await screenshot("confirm-connection");
    await confirmConnection(PERSONAL.email, "ada");
    await expect.poll(() => status().textContent()).toContain(`Connected as ${PERSONAL.email}`);
    expect(await page.getByRole("status").filter({ hasText: "OneDrive is connected." }).isVisible()).toBe(
      true,
    );
    expect(new URL(page.url()).search).toBe("");
    await screenshot("connected");
    await screenshot("connected", 375);
    // Where the email must wrap, it wraps after the "@", never inside "lovelace" or "outlook".
    for (const width of [1100, 375]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await linesPerTextPart(`.fact dd`), `${width} px`).toEqual([1, 1]);
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // Copy token: a warning first, then a Graph access token (never a refresh token).
    await page.getByRole("button", { name: "Copy token" }).click();
    await page.getByText("Treat this like a password.").waitFor();
    await page.getByRole("button", { name: "I understand, reveal the token" }).click();
    const token = await page.getByLabel(/Microsoft Graph access token/).inputValue();
    const me = await fetch(`${stack.emu.graphUrl}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    await screenshot("token-revealed");
    await page.getByRole("button", { name: "Hide token" }).click();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Copy token");

    // Revoked at Microsoft: the page's load asks the broker to check, which learns it from Microsoft.
    await stack.emu.admin.revoke("personal");
    await page.reload();
    await expect.poll(() => status().textContent()).toContain("Needs reconnecting");
    expect(await page.getByText("Access was revoked at Microsoft").isVisible()).toBe(true);
    await screenshot("needs-reconnect");
    await screenshot("needs-reconnect", 375);

    // The card's Reconnect (the file explorer below offers its own).
    await page
      .getByRole("region", { name: "Microsoft OneDrive" })
      .getByRole("button", { name: "Reconnect" })
      .click();
    await signInAtMicrosoft(PERSONAL.name);
    await confirmConnection(PERSONAL.email, "ada");
    await expect.poll(() => status().textContent()).toContain(`Connected as ${PERSONAL.email}`);
    expect(await stack.storedTokens(userId)).toHaveLength(1);

    await page.getByRole("button", { name: "Disconnect" }).click();
    const dialog = page.getByRole("dialog", { name: "Disconnect OneDrive?" });
    await dialog.waitFor();
    await screenshot("disconnect-dialog");
    await dialog.getByRole("button", { name: "Disconnect" }).click();
    await expect.poll(() => status().textContent()).toContain("Not connected");
    expect(await page.getByText("Your files in OneDrive are untouched.").isVisible()).toBe(true);
    expect(await page.getByRole("link", { name: "account.live.com/consent/Manage" }).isVisible()).toBe(true);
    expect(await page.getByRole("link", { name: "myapps.microsoft.com" }).isVisible()).toBe(true);
    // The file explorer follows: no listing of a drive that is no longer connected.
    await page.getByText("Connect OneDrive above to browse your files here").waitFor();
    expect(await page.getByTestId("file-grid").count()).toBe(0);
    await screenshot("disconnected");
    await screenshot("disconnected", 375);
    expect(await stack.storedTokens(userId)).toEqual([]);
  });

  it("work account: connect and disconnect, keyboard only", async () => {
    const userId = await signInAs("grace");
    await expect.poll(() => status().textContent()).toContain("Not connected");
    await page.getByRole("button", { name: "Connect OneDrive" }).focus();
    await page.keyboard.press("Enter");
    await signInAtMicrosoft(WORK.name);
    // Keyboard only: Tab to Connect (nothing has the focus on a page with a choice), then Enter.
    await page
      .getByRole("heading", { name: `Connect the OneDrive of ${WORK.email} to Ferry user grace?` })
      .waitFor();
    await page.getByRole("button", { name: "Connect", exact: true }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL((url) => url.origin === stack.broker.url && url.pathname === "/");
    await expect.poll(() => status().textContent()).toContain(`Connected as ${WORK.email}`);

    await page.getByRole("button", { name: "Disconnect" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Disconnect OneDrive?" });
    await dialog.waitFor();
    // Escape cancels and changes nothing.
    await page.keyboard.press("Escape");
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await stack.storedTokens(userId)).toHaveLength(1);

    await page.getByRole("button", { name: "Disconnect" }).focus();
    await page.keyboard.press("Enter");
    await dialog.getByRole("button", { name: "Disconnect" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => status().textContent()).toContain("Not connected");
    expect(await stack.storedTokens(userId)).toEqual([]);
  });

  it("a declined consent comes back with a plain error and stores nothing", async () => {
    const userId = await signInAs("declines");
    await expect.poll(() => status().textContent()).toContain("Not connected");
    await page.getByRole("button", { name: "Connect OneDrive" }).click();
    await signInAtMicrosoft(FRESH.name, "Decline");
    await expect.poll(() => status().textContent()).toContain("Not connected");
    expect(await page.getByRole("alert").textContent()).toContain("You declined the connection at Microsoft");
    expect(new URL(page.url()).search).toBe("");
    await screenshot("declined");
    expect(await stack.storedTokens(userId)).toEqual([]);
  });

  it("keeps its layout while the status loads", async () => {
    await signInAs("steady");
    await expect.poll(() => status().textContent()).toContain("Not connected");
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route("**/api/v1/integrations*", async (route) => {
      await held;
      await route.continue();
    });
    const boxes = () =>
      page.evaluate(() =>
        ["#onedrive-title", ".card__grid", ".actions", ".card", ".aside"].map((selector) => {
          const box = document.querySelector(selector)?.getBoundingClientRect();
          return box === undefined ? null : [box.x, box.y, box.width, box.height];
        }),
      );
    await page.reload();
    await page.getByRole("button", { name: "Connect OneDrive" }).waitFor();
    expect(await page.getByRole("button", { name: "Connect OneDrive" }).isDisabled()).toBe(true);
    const loading = await boxes();
    release();
    await expect.poll(() => status().textContent()).toContain("Not connected");
    await page.unroute("**/api/v1/integrations*");
    expect(await boxes()).toEqual(loading);
  });

  it("sends its CSRF token: the broker refuses the same change without it", async () => {
    await signInAs("csrf");
    await expect.poll(() => status().textContent()).toContain("Not connected");
    const statusOf = (withToken: boolean) =>
      page.evaluate(async (withToken) => {
        const session = await (await fetch("/api/v1/session")).json();
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (withToken) headers["x-csrf-token"] = session.csrfToken;
        const response = await fetch("/api/v1/integrations/onedrive/connect", {
          method: "POST",
          headers,
          body: "{}",
        });
        return response.status;
      }, withToken);
    expect(await statusOf(false)).toBe(403);
    expect(await statusOf(true)).toBe(200);
  });

  it("follows the system's dark theme", async () => {
    await signInAs("dark");
    await page.emulateMedia({ colorScheme: "dark" });
    await expect.poll(() => status().textContent()).toContain("Not connected");
    const body = await page.evaluate(() => {
      const style = getComputedStyle(document.body);
      return { background: style.backgroundColor, color: style.color };
    });
    expect(body).toEqual({ background: darkColour("--bg"), color: darkColour("--text") });
    // And not by accident: the dark colours differ from the light theme's.
    expect(darkColour("--bg")).not.toBe("rgb(245, 246, 248)");
    await screenshot("dark");
    await screenshot("dark", 375);
    await page.emulateMedia({ colorScheme: "light" });
  });

  it("asked for nothing outside the broker and the emulator's sign-in pages", () => {
    const allowed = new Set([stack.broker.url, new URL(stack.emu.authority).origin]);
    const foreign = requested.filter((url) => !url.startsWith("data:") && !allowed.has(new URL(url).origin));
    expect(foreign).toEqual([]);
    expect(requested.length).toBeGreaterThan(0);
  });
});
