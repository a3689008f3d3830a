// prompt=select_account under auto-consent (issue 14): auto-consent plays a browser already signed in to
// Microsoft with consent given, where Microsoft answers at once; select_account must still show the picker.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNTS } from "../src/accounts.ts";
import {
  authorizeUrl,
  formAction,
  get,
  hiddenCtx,
  postForm,
  redirectParams,
  signInThroughPages,
} from "./identityFlows.ts";
import { startTestEmulator, type TestEmulator } from "./support.ts";

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator();
});
afterAll(() => emu.close());

describe("prompt=select_account", () => {
  it("shows the account picker even to an auto-consented account that already consented, suggesting it first", async () => {
    for (const a of ACCOUNTS) emu.state.identity.revokeAccount(a.id, emu.state.clock.now());
    emu.state.options.autoConsent = "work";
    // Consent given once, silently, as auto-consent does.
    expect(redirectParams(await get(authorizeUrl(emu, "common"))).get("code")).toBeTruthy();

    const picker = await get(authorizeUrl(emu, "common", { prompt: "select_account" }));
    expect(picker.status).toBe(200);
    const html = await picker.text();
    expect(html).toContain("Pick an account");
    // The auto-consent account comes first and has the focus; the others are offered too.
    expect(html.indexOf('value="work"')).toBeLessThan(html.indexOf('value="personal"'));
    expect(html).toMatch(/value="work" autofocus/);

    // Picking the account that consented goes straight back with a code: no consent page again.
    const picked = await postForm(`${emu.url}${formAction(html)}`, { ctx: hiddenCtx(html), account: "work" });
    expect(redirectParams(picked).get("code")).toBeTruthy();
    // Picking another account, which never consented, asks for consent as usual.
    const other = await signInThroughPages(
      emu,
      authorizeUrl(emu, "common", { prompt: "select_account" }),
      "personal",
      "decline",
    );
    expect(redirectParams(other).get("error")).toBe("access_denied");
  });

  it("without the prompt, auto-consent still answers at once", async () => {
    emu.state.options.autoConsent = "personal";
    expect(redirectParams(await get(authorizeUrl(emu, "common"))).get("code")).toBeTruthy();
  });
});
