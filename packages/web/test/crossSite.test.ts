// Connection injection (issue 14), played in Debian's Chromium from a hostile page on another site. Mallory, a Ferry
// user, starts a OneDrive connect with her API key and gets a victim's browser to load what she got: the broker's
// start link, or the Microsoft URL her own browser was sent to (with `prompt=select_account` stripped, so the
// emulator answers at once, as Microsoft does for a signed-in account that consented before). Each is embedded as
// an <img>, as an <iframe> and opened as a top-level link, in a browser signed in to Ferry as another user and in
// one signed in to none. Mallory's connection must stay `disconnected`, and the victim's browser must be answered
// by a page that explains. Then the flows people really use: connecting from the command line through the start
// page and the confirmation, in a browser with no Ferry session and in one signed in as that user.
import { createHash } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApiKey, createUser, ScriptedBrowser } from "@ferry/broker";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePageBuilt } from "./buildPage.ts";
import { launchBrowser } from "./chromium.ts";
import { type PageStack, startPageStack } from "./pageStack.ts";

// A second site for the attacker's page: Chromium resolves this name to 127.0.0.1, so the page is served from
// loopback like everything else, but for cookies and Sec-Fetch-Site it is another site than the broker's 127.0.0.1.
const ATTACKER_HOST = "attacker.test";

let stack: PageStack;
let browser: Browser;
let attacker: Server;
let attackerOrigin: string;
/** What the attacker's page says, by path. */
const attackPages = new Map<string, string>();
let mallory: { id: string; key: string };

beforeAll(async () => {
  ensurePageBuilt();
  stack = await startPageStack();
  attacker = createServer((request, response) => {
    const html = attackPages.get(request.url ?? "");
    response.writeHead(html === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8" });
    response.end(html ?? "not found");
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerOrigin = `http://${ATTACKER_HOST}:${(attacker.address() as AddressInfo).port}`;
  browser = await launchBrowser([`--host-resolver-rules=MAP ${ATTACKER_HOST} 127.0.0.1`]);
  const user = await createUser(stack.broker.db, { name: "mallory" });
  mallory = {
    id: user.id,
    key: (await createApiKey(stack.broker.db, { userId: user.id, name: "cli" })).token,
  };
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => attacker?.close(resolve));
  await stack?.close();
});

async function api<T>(key: string, method: string, path: string): Promise<T> {
  const response = await fetch(`${stack.broker.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    ...(method === "POST" ? { body: "{}" } : {}),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as T;
}

/** Mallory's connect, as `ferry integrations onedrive connect --no-browser` starts it: the broker's start link. */
async function mallorysStartLink(): Promise<string> {
  return (
    await api<{ authorizationUrl: string }>(mallory.key, "POST", "/api/v1/integrations/onedrive/connect")
  ).authorizationUrl;
}

/** Mallory opens her own start link in her own browser and keeps the Microsoft URL it sends her to. */
async function mallorysMicrosoftUrl(): Promise<string> {
  const own = new ScriptedBrowser();
  const emulator = new URL(stack.emu.authority).origin;
  const stopBefore = (url: URL) => url.origin === emulator;
  const page = await own.open(await mallorysStartLink(), { stopBefore });
  const sent = await own.submit(page.page!, undefined, { stopBefore });
  const url = new URL(sent.stoppedAt!);
  expect(url.searchParams.get("prompt")).toBe("select_account");
  // The worst case: without the prompt a signed-in account that consented before is answered at once.
  url.searchParams.delete("prompt");
  return url.href;
}

async function mallorysStatus(): Promise<string> {
  const { integrations } = await api<{ integrations: { status: string }[] }>(
    mallory.key,
    "GET",
    "/api/v1/integrations",
  );
  return integrations[0]!.status;
}

/** A fresh browser profile: signed in to Ferry as a new user "victim-N", or to nobody. */
async function victimBrowser(signedIn: boolean): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (signedIn) {
    const victim = await stack.newUser(`victim-${Math.random().toString(36).slice(2, 8)}`);
    await page.goto(victim.loginUrl);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Integrations & Secrets" }).waitFor();
  }
  return { context, page };
}

type Embedding = "img" | "iframe" | "link";

function attackPage(embedding: Embedding, url: string): string {
  const href = url.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
  const body =
    embedding === "img"
      ? `<img src="${href}" alt="">`
      : embedding === "iframe"
        ? `<iframe src="${href}"></iframe>`
        : `<a id="go" href="${href}">You won a prize</a>`;
  return `<!doctype html><html><head><title>Cute cats</title></head><body><h1>Cute cats</h1>${body}</body></html>`;
}

interface Answer {
  status: number;
  body: string;
  /** Sec-Fetch-Dest as Chromium sent it: image, iframe or document. */
  dest: string | undefined;
  /** The URL the request went to. */
  url: string;
  /** The text the victim's tab shows at the end. */
  shown: string;
}

/**
 * Loads the attacker's page in the victim's browser and returns the broker's answer to the request it makes to
 * `brokerPath` (following the link, for `link`). An <img> or <iframe> never shows that answer: Chromium blocks the
 * HTML for an image (ORB) and the frame (X-Frame-Options), and keeps no body. So the exact request Chromium sent
 * (its headers and cookies) is sent again from here to read what the broker said; refusals change nothing, which
 * the tests check, so the second answer is the first.
 */
async function playAttack(
  page: Page,
  embedding: Embedding,
  url: string,
  brokerPath: string,
): Promise<Answer> {
  const path = `/attack-${Math.random().toString(36).slice(2)}`;
  attackPages.set(path, attackPage(embedding, url));
  // The headers Chromium really sent to the broker, cookies and Sec-Fetch-* included, from the DevTools protocol:
  // for a blocked <img> Playwright only knows the provisional ones.
  // Only the request for the attacked path counts: a page the frame shows may call the broker too
  // (a fetch, Sec-Fetch-Dest "empty"), and its headers can arrive after the frame's own (CI once
  // read those). A redirect keeps its request id and sends both events again for the next hop, so
  // the events pair up by request id and hop, in whatever order they arrive.
  const attacked = `${stack.broker.url}${brokerPath}`;
  const hops = new Map<string, string[]>();
  const sent = new Map<string, Record<string, string>[]>();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  cdp.on("Network.requestWillBeSent", (event) => {
    hops.set(event.requestId, [...(hops.get(event.requestId) ?? []), event.request.url]);
  });
  cdp.on("Network.requestWillBeSentExtraInfo", (event) => {
    const headers = Object.fromEntries(
      Object.entries(event.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
    );
    sent.set(event.requestId, [...(sent.get(event.requestId) ?? []), headers]);
  });
  const attackedHeaders = () => {
    for (const [id, urls] of hops) {
      const hop = urls.findIndex((u) => u.startsWith(attacked));
      const headers = hop >= 0 ? sent.get(id)?.[hop] : undefined;
      if (headers) return headers;
    }
    return undefined;
  };
  const isBroker = (r: Request) => r.url().startsWith(attacked);
  const requested = page.waitForRequest(isBroker);
  const settled = Promise.race([
    page.context().waitForEvent("requestfinished", isBroker),
    page.context().waitForEvent("requestfailed", isBroker),
  ]);
  await page.goto(`${attackerOrigin}${path}`);
  if (embedding === "link") await page.click("#go");
  const request = await requested;
  await settled;
  if (embedding === "link") {
    await page.waitForLoadState("load");
    const response = await request.response();
    return {
      status: response?.status() ?? 0,
      body: (await response?.text()) ?? "",
      dest: (await request.allHeaders())["sec-fetch-dest"],
      url: request.url(),
      shown: (await page.locator("body").textContent()) ?? "",
    };
  }
  // The DevTools events can trail the request's end. A cross-site frame loads in a process of its own, which this
  // session may not see at all; Playwright knows that one's headers.
  for (let waited = 0; attackedHeaders() === undefined && waited < 3_000; waited += 50)
    await page.waitForTimeout(50);
  const headers = attackedHeaders() ?? (await request.allHeaders());
  const replayed = await replay(request.url(), headers);
  return {
    ...replayed,
    dest: headers["sec-fetch-dest"],
    url: request.url(),
    shown: (await page.locator("body").textContent()) ?? "",
  };
}

/** A GET with exactly these headers (node:http: fetch would replace Sec-Fetch-Mode with its own). */
function replay(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { headers }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

/** SHA-256 hex, as the broker stores start tokens. */
function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

const EMBEDDINGS: Embedding[] = ["img", "iframe", "link"];
const BROWSERS = [
  { name: "signed in to Ferry as another user", signedIn: true },
  { name: "signed in to no Ferry user", signedIn: false },
];
const DEST: Record<Embedding, string> = { img: "image", iframe: "iframe", link: "document" };

describe("connection injection from a page on another site", () => {
  it("the attacker's page is on another site than the broker", () => {
    expect(new URL(attackerOrigin).hostname).not.toBe(new URL(stack.broker.url).hostname);
  });

  for (const victim of BROWSERS) {
    for (const embedding of EMBEDDINGS) {
      const as = embedding === "link" ? "a top-level link" : `an <${embedding}>`;

      it(`Mallory's start link as ${as}, in a browser ${victim.name}`, async () => {
        await stack.emu.admin.settings({ autoConsent: "personal" });
        const link = await mallorysStartLink();
        const { context, page } = await victimBrowser(victim.signedIn);
        try {
          const answer = await playAttack(page, embedding, link, "/integrations/onedrive/start/");
          expect(answer.dest).toBe(DEST[embedding]);
          if (embedding === "link" && !victim.signedIn) {
            // The start page: it names Mallory and tells the victim to close the tab. Opening it binds nothing.
            expect(answer.status).toBe(200);
            expect(answer.shown).toContain("Connect a OneDrive to Ferry user mallory?");
            expect(answer.shown).toContain(
              "If it was not you, or you do not know Ferry user mallory, close this tab",
            );
          } else if (embedding === "link") {
            expect(answer.status).toBe(403);
            expect(answer.shown).toContain("This link belongs to another Ferry user");
            expect(answer.shown).toContain("do not use it");
          } else {
            // A sub-resource: refused before anything is looked up, with a page that says why.
            expect(answer.status).toBe(403);
            expect(answer.body).toContain("This link only works when opened as a page");
          }
          const row = await stack.broker.db.kysely
            .selectFrom("oauth_states")
            .select("bound_at")
            .where("start_token_hash", "=", sha256(link.split("/").at(-1)!))
            .executeTakeFirstOrThrow();
          expect(row.bound_at).toBeNull();
          expect(await mallorysStatus()).toBe("disconnected");
        } finally {
          await context.close();
        }
      });

      it(`Mallory's Microsoft URL as ${as}, in a browser ${victim.name}`, async () => {
        await stack.emu.admin.settings({ autoConsent: "personal" });
        const microsoftUrl = await mallorysMicrosoftUrl();
        const state = new URL(microsoftUrl).searchParams.get("state")!;
        const { context, page } = await victimBrowser(victim.signedIn);
        try {
          const answer = await playAttack(page, embedding, microsoftUrl, "/integrations/onedrive/callback");
          expect(answer.dest).toBe(DEST[embedding]);
          // The emulator answered at once with the victim's account: a real code reached the broker's callback.
          expect(new URL(answer.url).searchParams.get("code")).toBeTruthy();
          expect(answer.status).toBe(403);
          expect(answer.body).toContain("This sign-in was not completed");
          if (embedding === "link") {
            expect(answer.shown).toContain("This sign-in was not completed");
            expect(answer.shown).toMatch(
              victim.signedIn
                ? /started by another Ferry user than the one signed in to this browser/
                : /If you did not start it, close this tab/,
            );
          }
          // Refused without using the state: Mallory's flow is as it was, and nothing is stored or held.
          const row = await stack.broker.db.kysely
            .selectFrom("oauth_states")
            .select(["used_at", "pending_enc"])
            .where("state_hash", "=", sha256(state))
            .executeTakeFirstOrThrow();
          expect(row).toEqual({ used_at: null, pending_enc: null });
          expect(await mallorysStatus()).toBe("disconnected");
        } finally {
          await context.close();
        }
      });
    }
  }

  it("with the account picker left in, a victim who follows the link and picks an account gets a page that explains", async () => {
    await stack.emu.admin.settings({ autoConsent: "personal" });
    const own = new ScriptedBrowser();
    const emulator = new URL(stack.emu.authority).origin;
    const stopBefore = (url: URL) => url.origin === emulator;
    const sent = await own.submit(
      (await own.open(await mallorysStartLink(), { stopBefore })).page!,
      undefined,
      {
        stopBefore,
      },
    );
    const { context, page } = await victimBrowser(false);
    try {
      const path = "/attack-picker";
      attackPages.set(path, attackPage("link", sent.stoppedAt!.href));
      await page.goto(`${attackerOrigin}${path}`);
      await page.click("#go");
      // Microsoft's account picker, even for an account signed in with consent (prompt=select_account).
      await page.getByRole("heading", { name: "Pick an account" }).waitFor();
      await page.getByRole("button", { name: /Ada Lovelace/ }).click();
      await page.waitForURL((url) => url.origin === stack.broker.url);
      const shown = (await page.locator("body").textContent()) ?? "";
      expect(shown).toContain("This sign-in was not completed");
      expect(shown).toContain("If you did not start it, close this tab");
      expect(await mallorysStatus()).toBe("disconnected");
    } finally {
      await context.close();
    }
  });
});

describe("connecting from the command line, in Chromium", () => {
  it("in a browser signed in to nobody: the start page, Microsoft, the confirmation, connected", async () => {
    await stack.emu.admin.settings({ autoConsent: false });
    const user = await createUser(stack.broker.db, { name: "cli-user" });
    const key = (await createApiKey(stack.broker.db, { userId: user.id, name: "cli" })).token;
    const link = (
      await api<{ authorizationUrl: string }>(key, "POST", "/api/v1/integrations/onedrive/connect")
    ).authorizationUrl;
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(link);
      await page.getByRole("heading", { name: "Connect a OneDrive to Ferry user cli-user?" }).waitFor();
      await page.getByRole("button", { name: "Continue to Microsoft" }).click();
      await page.getByRole("heading", { name: "Pick an account" }).waitFor();
      await page.getByRole("button", { name: /Grace Hopper/ }).click();
      const consent = page.getByRole("button", { name: "Accept", exact: true });
      const confirm = page.getByRole("heading", {
        name: "Connect the OneDrive of grace.hopper@contoso.example to Ferry user cli-user?",
      });
      await Promise.race([consent.click(), confirm.waitFor()]);
      await confirm.waitFor();
      expect(await stack.storedTokens(user.id)).toEqual([]);
      await page.getByRole("button", { name: "Connect", exact: true }).click();
      await page.getByRole("heading", { name: "OneDrive is connected" }).waitFor();
      expect((await page.locator("body").textContent()) ?? "").toContain("grace.hopper@contoso.example");
      expect(await stack.storedTokens(user.id)).toHaveLength(1);
      const { integrations } = await api<{ integrations: { status: string; account: { email: string } }[] }>(
        key,
        "GET",
        "/api/v1/integrations",
      );
      expect(integrations[0]).toMatchObject({
        status: "connected",
        account: { email: "grace.hopper@contoso.example" },
      });
    } finally {
      await context.close();
    }
  });

  it("in a browser signed in as that user: straight to Microsoft, then the confirmation", async () => {
    await stack.emu.admin.settings({ autoConsent: "personal" });
    const user = await stack.newUser("own-browser");
    const key = (await createApiKey(stack.broker.db, { userId: user.id, name: "cli" })).token;
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(user.loginUrl);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Integrations & Secrets" }).waitFor();
      const link = (
        await api<{ authorizationUrl: string }>(key, "POST", "/api/v1/integrations/onedrive/connect")
      ).authorizationUrl;
      await page.goto(link);
      // No start page: the session is the flow's own user. The picker, then the broker's question.
      await page.getByRole("heading", { name: "Pick an account" }).waitFor();
      await page.getByRole("button", { name: /Ada Lovelace/ }).click();
      const confirm = page.getByRole("heading", {
        name: "Connect the OneDrive of ada.lovelace@outlook.example to Ferry user own-browser?",
      });
      await Promise.race([
        page.getByRole("button", { name: "Accept", exact: true }).click(),
        confirm.waitFor(),
      ]);
      await confirm.waitFor();
      await page.getByRole("button", { name: "Connect", exact: true }).click();
      await page.getByRole("heading", { name: "OneDrive is connected" }).waitFor();
      expect(await stack.storedTokens(user.id)).toHaveLength(1);
    } finally {
      await context.close();
    }
  });
});
