import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createApiKey,
  createLoginLink,
  createSession,
  createUser,
  type FerryDb,
  MasterKey,
  Vault,
} from "../src/index.ts";
import { DIALECTS, insertConnection, useTestDatabase } from "./helpers.ts";
import { rawStorage } from "./support/rawStorage.ts";

const MARKER = "positive-control@example.com";

/** Stores one of every secret the broker keeps, the way the broker stores it, and returns the plaintexts. */
async function storeEverySecret(db: FerryDb): Promise<Record<string, string>> {
  const key = MasterKey.generate();
  const vault = new Vault([key]);
  const user = await createUser(db, { name: "ada" });
  const apiKey = await createApiKey(db, { userId: user.id, name: "laptop" });
  const loginLink = await createLoginLink(db, { userId: user.id });
  const session = await createSession(db, { userId: user.id });
  const refreshToken = `M.C5_BAY.0.U.-${randomBytes(48).toString("base64url")}`;
  const accessToken = `eyJ0eXAiOiJKV1Qi.${randomBytes(60).toString("base64url")}`;
  const codeVerifier = randomBytes(32).toString("base64url");
  const deviceCode = randomBytes(32).toString("base64url");
  const connectionId = randomUUID();
  await insertConnection(db, user.id, {
    id: connectionId,
    account_email: MARKER,
    refresh_token_enc: vault.encrypt(refreshToken, {
      table: "connections",
      rowId: connectionId,
      column: "refresh_token_enc",
    }),
    access_token_enc: vault.encrypt(accessToken, {
      table: "connections",
      rowId: connectionId,
      column: "access_token_enc",
    }),
  });
  const stateId = randomUUID();
  await db.kysely
    .insertInto("oauth_states")
    .values({
      id: stateId,
      user_id: user.id,
      state_hash: null,
      flow: "device",
      code_verifier_enc: vault.encrypt(codeVerifier, {
        table: "oauth_states",
        rowId: stateId,
        column: "code_verifier_enc",
      }),
      device_code_enc: vault.encrypt(deviceCode, {
        table: "oauth_states",
        rowId: stateId,
        column: "device_code_enc",
      }),
      redirect_to: null,
      created_at: Date.now(),
      expires_at: Date.now() + 600_000,
      used_at: null,
    })
    .execute();
  return {
    "API key": apiKey.token,
    "API key secret": apiKey.token.slice(-43),
    "login link token": loginLink.token,
    "session token": session.token,
    "CSRF token": session.csrfToken,
    "refresh token": refreshToken,
    "access token": accessToken,
    "PKCE code verifier": codeVerifier,
    "device code": deviceCode,
    "master key": key.toBase64(),
  };
}

for (const dialect of DIALECTS) {
  const where = dialect === "sqlite" ? "the raw SQLite files" : "a pg_dump of the PostgreSQL schema";
  describe(`secrets at rest on ${dialect}`, () => {
    const t = useTestDatabase(dialect);

    it(`no plaintext token, key or secret appears in ${where}`, async () => {
      const secrets = await storeEverySecret(t.db);
      const bytes = await rawStorage(t.current);
      // The grep must be able to find things, or finding nothing proves nothing.
      expect(bytes.includes(Buffer.from(MARKER))).toBe(true);
      const found = Object.entries(secrets)
        .filter(([, plaintext]) => bytes.includes(Buffer.from(plaintext)))
        .map(([name]) => name);
      expect(found).toEqual([]);
    });
  });
}
