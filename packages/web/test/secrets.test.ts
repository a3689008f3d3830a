// The page's Secrets section in Debian's Chromium (issue 20): add, replace and delete (with a confirmation) at
// 1280 px and 375 px, in light and dark themes, with screenshots saved as artifacts; a value is never on the page
// after it is saved. Then a hostile page on another site, in a browser signed in to Ferry, tries to read, plant,
// replace and delete secrets every way a page can; and a script on the broker's own page without the CSRF token.
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createApiKey, createLoginLink, createUser, loginLinkUrl } from "@ferry/broker";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePageBuilt } from "./buildPage.ts";
import { LAYOUTS, launchBrowser } from "./chromium.ts";
import { type PageStack, startPageStack } from "./pageStack.ts";

const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/web/", import.meta.url));
const ATTACKER_HOST = "attacker.test";

let stack: PageStack;
let browser: Browser;
let attacker: Server;
let attackerOrigin: string;
const attackPages = new Map<string, string>();

beforeAll(async () => {
  ensurePageBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startPageStack();
  attacker = createServer((request, response) => {
    const html = attackPages.get(request.url ?? "");
    response.writeHead(html === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8" });
    response.end(html ?? "not found");
  });
  await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
  attackerOrigin = `http://${ATTACKER_HOST}:${(attacker.address() as AddressInfo).port}`;
  browser = await launchBrowser([`--host-resolver-rules=MAP ${ATTACKER_HOST} 127.0.0.1`]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => attacker?.close(resolve));
  await stack?.close();
});

interface Person {
  context: BrowserContext;
  page: Page;
  /** The same user's API key, to check what the broker stored from outside the page. */
  key: string;
  /** Every URL the page asked the broker for. */
  requested: string[];
}

/** A new Ferry user signed in through a login link in a fresh browser context of the given size and theme. */
async function signedIn(width: number, colorScheme: "light" | "dark"): Promise<Person> {
  const user = await createUser(stack.broker.db, { name: `sec-${Math.random().toString(36).slice(2, 9)}` });
  const key = (await createApiKey(stack.broker.db, { userId: user.id, name: "check" })).token;
  const link = await createLoginLink(stack.broker.db, { userId: user.id });
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme });
  const requested: string[] = [];
  context.on("request", (r) => requested.push(`${r.method()} ${r.url()}`));
  const page = await context.newPage();
  await page.goto(loginLinkUrl({ publicUrl: stack.broker.url }, link.token));
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Integrations & Secrets" }).waitFor();
  await page.getByRole("heading", { name: "Secrets", exact: true }).waitFor();
  return { context, page, key, requested };
}

async function brokerGet(
  key: string,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.broker.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function storedValue(key: string, name: string): Promise<string | undefined> {
  const { status, body } = await brokerGet(key, `/api/v1/secrets/${name}`);
  return status === 200 ? (body.value as string) : undefined;
}

describe("the Secrets section", () => {
  for (const { width, colorScheme } of LAYOUTS) {
    it(`adds, replaces and deletes a secret at ${width} px in the ${colorScheme} theme; values never show`, async () => {
      const person = await signedIn(width, colorScheme);
      const { page } = person;
      const shot = (step: string) =>
        page.screenshot({
          path: join(ARTIFACTS, `secrets-${step}-${width}-${colorScheme}.png`),
          fullPage: true,
        });
      try {
        await expect.poll(() => page.getByText("No secrets yet").isVisible()).toBe(true);
        await shot("empty");

        // A bad name is refused on the page before anything is sent.
        await page.getByLabel("Name").fill("my-api-key");
        await page.getByLabel("Value", { exact: true }).fill("bad-name-value");
        await page.getByRole("button", { name: "Save secret" }).click();
        await page.getByText("Use only letters, digits and _").waitFor();
        await shot("bad-name");
        expect(person.requested.filter((r) => r.startsWith("PUT"))).toEqual([]);

        // Add.
        const first = `sk-first-${width}-${colorScheme}-${Math.random().toString(36).slice(2)}`;
        await page.getByLabel("Name").fill("OPENAI_API_KEY");
        await page.getByLabel("Value", { exact: true }).fill(first);
        await page.getByRole("button", { name: "Save secret" }).click();
        await page.getByText("Saved secret OPENAI_API_KEY").waitFor();
        const row = page.getByRole("listitem", { name: "OPENAI_API_KEY" });
        await row.waitFor();
        expect(await page.getByLabel("Value", { exact: true }).inputValue()).toBe("");
        expect(await page.content()).not.toContain(first);
        expect(await storedValue(person.key, "OPENAI_API_KEY")).toBe(first);
        await shot("added");

        // The same name again is not silently overwritten.
        await page.getByLabel("Name").fill("OPENAI_API_KEY");
        await page.getByLabel("Value", { exact: true }).fill("overwrite-attempt");
        await page.getByRole("button", { name: "Save secret" }).click();
        await page.getByText("A secret named OPENAI_API_KEY already exists").waitFor();
        expect(await storedValue(person.key, "OPENAI_API_KEY")).toBe(first);
        await page.getByLabel("Name").fill("");
        await page.getByLabel("Value", { exact: true }).fill("");

        // Replace.
        const second = `sk-second-${Math.random().toString(36).slice(2)}`;
        await row.getByRole("button", { name: "Replace OPENAI_API_KEY" }).click();
        // The field opened takes the focus, so a keyboard user types straight into it.
        await expect
          .poll(() => page.evaluate(() => document.activeElement?.id))
          .toBe("replace-OPENAI_API_KEY");
        await page.keyboard.type(second);
        expect(await page.getByLabel("New value for OPENAI_API_KEY").inputValue()).toBe(second);
        await shot("replacing");
        await page.getByRole("button", { name: "Replace value" }).click();
        await page.getByText("Replaced secret OPENAI_API_KEY").waitFor();
        await expect
          .poll(() => page.evaluate(() => document.activeElement?.id))
          .toBe("replace-button-OPENAI_API_KEY");
        expect(await storedValue(person.key, "OPENAI_API_KEY")).toBe(second);
        expect(await page.content()).not.toContain(second);
        await shot("replaced");
        // With a secret listed and a message shown, nothing in the section sticks out of it.
        const sticksOut = await page.evaluate(() => {
          const section = document.querySelector("section.secrets");
          if (section === null) return ["no section"];
          const right = section.getBoundingClientRect().right + 0.5;
          return [...section.querySelectorAll("*")]
            .filter((e) => e.getBoundingClientRect().right > right)
            .map((e) => `${e.tagName}.${e.className}`);
        });
        expect(sticksOut).toEqual([]);

        // Delete: the confirmation names the secret; Cancel keeps it, Delete secret removes it.
        await row.getByRole("button", { name: "Delete OPENAI_API_KEY" }).click();
        const dialog = page.getByRole("dialog", { name: "Delete secret OPENAI_API_KEY?" });
        await dialog.waitFor();
        expect(await dialog.textContent()).toContain('getSecret("OPENAI_API_KEY")');
        await shot("confirm-delete");
        await dialog.getByRole("button", { name: "Cancel" }).click();
        expect(await storedValue(person.key, "OPENAI_API_KEY")).toBe(second);
        await row.getByRole("button", { name: "Delete OPENAI_API_KEY" }).click();
        await dialog.getByRole("button", { name: "Delete secret" }).click();
        await page.getByText("Deleted secret OPENAI_API_KEY.").waitFor();
        await expect.poll(() => page.getByText("No secrets yet").isVisible()).toBe(true);
        expect(await storedValue(person.key, "OPENAI_API_KEY")).toBeUndefined();
        await shot("deleted");

        // The page never asked for a value: only the list, and the changes.
        const secretCalls = person.requested.filter((r) => r.includes("/api/v1/secrets"));
        expect(secretCalls.filter((r) => r.startsWith("GET ") && !r.endsWith("/api/v1/secrets"))).toEqual([]);
        // Nothing the page loaded came from another origin.
        const origins = new Set(person.requested.map((r) => new URL(r.split(" ")[1]!).origin));
        expect([...origins]).toEqual([stack.broker.url]);
        // Nothing scrolls sideways at this width.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
      } finally {
        await person.context.close();
      }
    });
  }
});

/** Everything a page on another site can do with the victim's cookies against the secrets routes. */
function attackPage(broker: string): string {
  return `<!doctype html><html><head><title>Cute cats</title></head><body><h1>Cute cats</h1>
<form id="form" method="POST" action="${broker}/api/v1/secrets/PLANTED_BY_FORM" enctype="text/plain" target="sink">
  <input name='{"value":"planted","x":"' value='"}'>
</form>
<iframe name="sink"></iframe>
<img src="${broker}/api/v1/secrets/VICTIM_KEY" alt="">
<script>
window.results = {};
async function attempt(name, run) {
  try { const r = await run(); window.results[name] = r === undefined ? "sent" : r; }
  catch (e) { window.results[name] = "blocked: " + e.name; }
}
window.attack = async () => {
  const opts = { credentials: "include" };
  await attempt("read list", async () => (await fetch("${broker}/api/v1/secrets", opts)).text());
  await attempt("read value", async () => (await fetch("${broker}/api/v1/secrets/VICTIM_KEY", opts)).text());
  await attempt("put json", async () => (await fetch("${broker}/api/v1/secrets/PLANTED", { ...opts, method: "PUT",
    headers: { "content-type": "application/json" }, body: JSON.stringify({ value: "planted" }) })).status);
  await attempt("replace json", async () => (await fetch("${broker}/api/v1/secrets/VICTIM_KEY", { ...opts, method: "PUT",
    headers: { "content-type": "application/json" }, body: JSON.stringify({ value: "replaced" }) })).status);
  await attempt("delete", async () => (await fetch("${broker}/api/v1/secrets/VICTIM_KEY", { ...opts, method: "DELETE" })).status);
  await attempt("no-cors post", async () => { await fetch("${broker}/api/v1/secrets/PLANTED_NO_CORS", { ...opts, mode: "no-cors",
    method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ value: "planted" }) }); });
  await attempt("no-cors put", async () => { await fetch("${broker}/api/v1/secrets/VICTIM_KEY", { ...opts, mode: "no-cors",
    method: "PUT", body: JSON.stringify({ value: "replaced" }) }); });
  document.getElementById("form").submit();
  await new Promise((r) => setTimeout(r, 500));
  return window.results;
};
</script></body></html>`;
}

describe("secrets against a hostile page and without the CSRF token, in Chromium", () => {
  it("a page on another site can neither read, plant, replace nor delete the signed-in victim's secrets", async () => {
    const victim = await signedIn(1280, "light");
    try {
      const { page } = victim;
      await page.getByLabel("Name").fill("VICTIM_KEY");
      await page.getByLabel("Value", { exact: true }).fill("victim-original-value");
      await page.getByRole("button", { name: "Save secret" }).click();
      await page.getByText("Saved secret VICTIM_KEY").waitFor();

      attackPages.set("/cats", attackPage(stack.broker.url));
      const evil = await victim.context.newPage();
      await evil.goto(`${attackerOrigin}/cats`);
      const results = (await evil.evaluate("window.attack()")) as Record<string, string>;
      // CORS keeps every answer from the attacker's script, and the preflight stops PUT and DELETE before they go.
      for (const name of ["read list", "read value", "put json", "replace json", "delete"]) {
        expect(results[name], name).toBe("blocked: TypeError");
      }
      // no-cors can only send GET, HEAD or POST: a PUT is refused by the browser. The POST is sent but reaches no
      // route, and its opaque answer is refused too: the broker's Cross-Origin-Resource-Policy is same-origin.
      expect(results["no-cors put"]).toBe("blocked: TypeError");
      expect(results["no-cors post"]).toBe("blocked: TypeError");
      await evil.close();

      expect(await storedValue(victim.key, "VICTIM_KEY")).toBe("victim-original-value");
      const list = await brokerGet(victim.key, "/api/v1/secrets");
      expect((list.body.secrets as { name: string }[]).map((s) => s.name)).toEqual(["VICTIM_KEY"]);
    } finally {
      await victim.context.close();
    }
  });

  it("on the broker's own page, a script without the CSRF token is refused, and no script can read a value", async () => {
    const person = await signedIn(1280, "light");
    try {
      const { page } = person;
      await page.getByLabel("Name").fill("OWN_KEY");
      await page.getByLabel("Value", { exact: true }).fill("own-original-value");
      await page.getByRole("button", { name: "Save secret" }).click();
      await page.getByText("Saved secret OWN_KEY").waitFor();
      // What an injected script on the page could try: the session cookie goes along, the CSRF token does not.
      const answers = await page.evaluate(async () => {
        const json = { "content-type": "application/json" };
        const put = await fetch("/api/v1/secrets/OWN_KEY", {
          method: "PUT",
          headers: json,
          body: JSON.stringify({ value: "changed" }),
        });
        const del = await fetch("/api/v1/secrets/OWN_KEY", { method: "DELETE" });
        const read = await fetch("/api/v1/secrets/OWN_KEY");
        return {
          put: [put.status, (await put.json()).error.code],
          del: [del.status, (await del.json()).error.code],
          read: [read.status, await read.text()],
        };
      });
      expect(answers.put).toEqual([403, "csrf_failed"]);
      expect(answers.del).toEqual([403, "csrf_failed"]);
      expect(answers.read[0]).toBe(403);
      expect(answers.read[1]).toContain("secret_write_only");
      expect(answers.read[1]).not.toContain("own-original-value");
      expect(await storedValue(person.key, "OWN_KEY")).toBe("own-original-value");
    } finally {
      await person.context.close();
    }
  });
});
