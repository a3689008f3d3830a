import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { codeFlow, expectAadError, FERRY_SCOPES, token } from "./identityFlows.ts";
import { startTestEmulator, type TestEmulator } from "./support.ts";

const DAY = 24 * 3600;

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startTestEmulator({ autoConsent: "personal" });
});
afterAll(() => emu.close());
beforeEach(() => {
  emu.state.clock.reset();
  emu.state.options.autoConsent = "personal";
});

async function signedIn(scope = FERRY_SCOPES): Promise<Record<string, unknown>> {
  const res = await codeFlow(emu, "common", { scope });
  expect(res.status).toBe(200);
  return res.body;
}

function refresh(refreshToken: unknown, extra: Record<string, string> = {}) {
  return token(emu, "common", { grant_type: "refresh_token", refresh_token: String(refreshToken), ...extra });
}

describe("refresh_token grant", () => {
  it("returns a new refresh token on every redemption while the old one keeps working", async () => {
    const first = await signedIn();
    const before = emu.state.counters.grants.refresh_token ?? 0;
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.headers.get("cache-control")).toContain("no-store");
    expect(second.body).toMatchObject({ token_type: "Bearer", scope: "Files.ReadWrite User.Read" });
    expect(second.body.refresh_token).toEqual(expect.any(String));
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.access_token).not.toBe(first.access_token);

    const again = await refresh(first.refresh_token);
    expect(again.status).toBe(200);
    expect(again.body.refresh_token).not.toBe(second.body.refresh_token);
    expect(emu.state.counters.grants.refresh_token).toBe(before + 2);

    const me = await emu.graph("me", {
      headers: { authorization: `Bearer ${String(again.body.access_token)}` },
    });
    expect(me.status).toBe(200);
  });

  it("expires a refresh token 90 days after it was issued (AADSTS700082), not before", async () => {
    const { refresh_token } = await signedIn();
    emu.state.clock.advance(89 * DAY);
    const stillFine = await refresh(refresh_token);
    expect(stillFine.status).toBe(200);
    emu.state.clock.advance(DAY + 1);
    expectAadError(await refresh(refresh_token), 400, "invalid_grant", 700082);
    // The one issued on day 89 is young and still works.
    expect((await refresh(stillFine.body.refresh_token)).status).toBe(200);
  });

  it("fails with AADSTS50173 once the user's grants are revoked, and Graph rejects the access token with 401", async () => {
    const { refresh_token, access_token } = await signedIn();
    const auth = { authorization: `Bearer ${String(access_token)}` };
    expect((await emu.graph("me", { headers: auth })).status).toBe(200);

    const revoked = emu.state.identity.revokeAccount(emu.account("personal").id, emu.state.clock.now());
    expect(revoked).toBeGreaterThan(0);

    const body = expectAadError(await refresh(refresh_token), 400, "invalid_grant", 50173);
    expect(body.error_description).toMatch(
      /^AADSTS50173: The provided grant has expired due to it being revoked/,
    );
    // Microsoft sends no suberror here, so MSAL reports a plain invalid_grant (see msal.test.ts).
    expect(body.suberror).toBeUndefined();
    const me = await emu.graph("me", { headers: auth });
    expect(me.status).toBe(401);
    expect(((await me.json()) as { error: { code: string } }).error.code).toBe("InvalidAuthenticationToken");
  });

  it("answers an unknown refresh token with invalid_grant AADSTS9002313", async () => {
    expectAadError(await refresh("garbage"), 400, "invalid_grant", 9002313);
  });

  it("narrows to a requested scope the user consented to, and refuses one it did not (AADSTS65001)", async () => {
    const { refresh_token } = await signedIn();
    const narrowed = await refresh(refresh_token, {
      scope: "https://graph.microsoft.com/User.Read offline_access",
    });
    expect(narrowed.status).toBe(200);
    const missing = expectAadError(
      await refresh(refresh_token, { scope: "Files.ReadWrite.All offline_access" }),
      400,
      "invalid_grant",
      65001,
    );
    // Microsoft's answer names the sub-error that MSAL turns into "interaction required".
    expect(missing.suberror).toBe("consent_required");
    expectAadError(await refresh(refresh_token, { scope: "Calendars.Read" }), 400, "invalid_scope", 70011);
  });

  it("returns an id_token on refresh when the sign-in asked for openid", async () => {
    const { refresh_token } = await signedIn(`${FERRY_SCOPES} openid profile`);
    const res = await refresh(refresh_token);
    expect(typeof res.body.id_token).toBe("string");
    expect(res.body.scope).toBe("Files.ReadWrite User.Read profile openid");
  });

  it("binds a refresh token to its app", async () => {
    const { refresh_token } = await signedIn();
    const res = await token(emu, "common", {
      client_id: "0b7d3c52-1e4f-4a8b-9c6d-2e5f7a9b1c3d",
      grant_type: "refresh_token",
      refresh_token: String(refresh_token),
    });
    // That app is not registered in this emulator at all.
    expectAadError(res, 400, "unauthorized_client", 700016);
  });
});

describe("refresh tokens across a restart", () => {
  it("keeps refresh tokens valid when the emulator restarts on the same --data directory", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "ferry-identity-"));
    try {
      const first = await startTestEmulator({ dataDir, autoConsent: "work" });
      const res = await codeFlow(first, "organizations");
      expect(res.status).toBe(200);
      await first.close();

      const second = await startTestEmulator({ dataDir });
      try {
        const again = await token(second, "organizations", {
          grant_type: "refresh_token",
          refresh_token: String(res.body.refresh_token),
        });
        expect(again.status).toBe(200);
        const me = await second.graph("me", {
          headers: { authorization: `Bearer ${String(again.body.access_token)}` },
        });
        expect(((await me.json()) as { displayName: string }).displayName).toBe("Grace Hopper");
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
