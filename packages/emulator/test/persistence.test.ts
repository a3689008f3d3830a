import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { generatedBytes } from "../src/admin/generatedContent.ts";
import { DEV_APP, DEV_CLIENT_ID } from "../src/options.ts";
import { startEmulator } from "../src/startEmulator.ts";
import { spawnEmulator } from "./emulatorProcess.ts";

const REDIRECT_URI = DEV_APP.redirectUris[0] ?? "";

async function download(graphUrl: string, accessToken: string, path: string): Promise<Buffer> {
  const res = await fetch(`${graphUrl}/me/drive/root:/${path}:/content`, {
    headers: { authorization: `Bearer ${accessToken}` },
    redirect: "manual",
  });
  expect(res.status).toBe(302);
  return Buffer.from(await (await fetch(res.headers.get("location") ?? "")).arrayBuffer());
}

/** The authorization-code flow with PKCE, answered by auto-consent; returns the token response. */
async function signIn(url: string): Promise<{ access_token: string; refresh_token: string }> {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const authorize = new URL(`${url}/common/oauth2/v2.0/authorize`);
  for (const [k, v] of Object.entries({
    client_id: DEV_CLIENT_ID,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    scope: "Files.ReadWrite offline_access User.Read",
    state: "s1",
    code_challenge: challenge,
    code_challenge_method: "S256",
  })) {
    authorize.searchParams.set(k, v);
  }
  const redirect = await fetch(authorize, { redirect: "manual" });
  const code = new URL(redirect.headers.get("location") ?? "http://x/").searchParams.get("code") ?? "";
  expect(code).not.toBe("");
  const token = await fetch(`${url}/common/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: DEV_CLIENT_ID,
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    }),
  });
  expect(token.status).toBe(200);
  return (await token.json()) as { access_token: string; refresh_token: string };
}

describe("persistence with a data directory", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "ferry-emulator-persist-"));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("keeps files, grants and the token-signing key across a restart, with fresh counters", async () => {
    const first = await startEmulator({ dataDir });
    await first.admin.seed({
      account: "personal",
      folders: ["kept/empty"],
      files: [{ path: "kept/data.bin", size: 2_000_000 }],
    });
    const { accessToken } = await first.admin.token("personal");
    await first.close();

    const second = await startEmulator({ dataDir });
    try {
      expect(
        (await second.admin.counters()).requests.filter((r) => !r.route.includes("/_emulator/")),
      ).toEqual([]);
      // The access token minted before the restart still works: its grant and signing key survived.
      const bytes = await download(second.graphUrl, accessToken, "kept/data.bin");
      expect(bytes.equals(generatedBytes(0, 2_000_000))).toBe(true);
      const folder = await fetch(`${second.graphUrl}/me/drive/root:/kept/empty`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(folder.status).toBe(200);
      expect((await second.admin.counters()).bytesOut).toBeGreaterThanOrEqual(2_000_000);
    } finally {
      await second.close();
    }
  });

  it("keeps refresh tokens: a refresh token issued before a restart redeems after it", async () => {
    const first = await startEmulator({ dataDir, autoConsent: "personal" });
    const { refresh_token } = await signIn(first.url);
    await first.close();

    const second = await startEmulator({ dataDir });
    try {
      const refreshed = await fetch(`${second.url}/common/oauth2/v2.0/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "refresh_token",
          client_id: DEV_CLIENT_ID,
          refresh_token,
          scope: "Files.ReadWrite offline_access User.Read",
        }),
      });
      expect(refreshed.status).toBe(200);
      const { access_token } = (await refreshed.json()) as { access_token: string };
      const me = await fetch(`${second.graphUrl}/me`, {
        headers: { authorization: `Bearer ${access_token}` },
      });
      expect(me.status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it("ferry-emulator --data: a file seeded before SIGTERM is downloadable after a restart; counters start fresh", async () => {
    const first = await spawnEmulator(["--port", "0", "--data", dataDir]);
    const seeded = await fetch(`${first.url}/_emulator/seed`, {
      method: "POST",
      body: JSON.stringify({ account: "work", files: [{ path: "cli/kept.csv", content: "a,b\n1,2\n" }] }),
    });
    expect(seeded.status).toBe(201);
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);

    const second = await spawnEmulator(["--port", "0", "--data", dataDir]);
    try {
      const counters = (await (await fetch(`${second.url}/_emulator/counters`)).json()) as {
        requests: { route: string }[];
      };
      expect(counters.requests.filter((r) => !r.route.includes("/_emulator/"))).toEqual([]);
      const token = (await (
        await fetch(`${second.url}/_emulator/tokens`, {
          method: "POST",
          body: JSON.stringify({ account: "work" }),
        })
      ).json()) as { accessToken: string };
      expect((await download(`${second.url}/v1.0`, token.accessToken, "cli/kept.csv")).toString()).toBe(
        "a,b\n1,2\n",
      );
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  });

  it("ferry-emulator --data saves changes soon after they happen, so even a killed process keeps them", async () => {
    const first = await spawnEmulator(["--port", "0", "--data", dataDir]);
    await fetch(`${first.url}/_emulator/seed`, {
      method: "POST",
      body: JSON.stringify({
        account: "personal",
        files: [{ path: "crash/kept.txt", content: "still here" }],
      }),
    });
    // The event to wait for: the snapshot on disk holds the change (it is written by an atomic rename, so
    // a file that holds it is a whole one). Waiting for it rather than a fixed time cannot flake under load.
    await vi.waitFor(
      () =>
        expect(
          existsSync(join(dataDir, "state.json")) && readFileSync(join(dataDir, "state.json"), "utf8"),
        ).toContain("kept.txt"),
      { timeout: 60_000, interval: 20 },
    );
    first.child.kill("SIGKILL");
    await first.exited;

    const second = await spawnEmulator(["--port", "0", "--data", dataDir]);
    try {
      const token = (await (
        await fetch(`${second.url}/_emulator/tokens`, {
          method: "POST",
          body: JSON.stringify({ account: "personal" }),
        })
      ).json()) as { accessToken: string };
      expect((await download(`${second.url}/v1.0`, token.accessToken, "crash/kept.txt")).toString()).toBe(
        "still here",
      );
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  });
});
