import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createApiKey,
  createUser,
  listApiKeys,
  listAudit,
  revokeApiKey,
  verifyApiKey,
} from "../src/index.ts";
import * as tokens from "../src/tokens.ts";
import { DIALECTS, useTestDatabase } from "./helpers.ts";

for (const dialect of DIALECTS) {
  describe(`API keys on ${dialect}`, () => {
    const t = useTestDatabase(dialect);
    afterEach(() => {
      vi.useRealTimers();
      vi.restoreAllMocks();
    });

    it("are fry_<16 hex>_<43 base64url chars>: 256 random bits of secret, shown once", async () => {
      const user = await createUser(t.db, { name: "ada" });
      const { token, apiKey } = await createApiKey(t.db, { userId: user.id, name: "laptop" });
      const match = /^fry_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/.exec(token);
      expect(match?.[1]).toBe(apiKey.id);
      expect(Buffer.from(match?.[2] ?? "", "base64url")).toHaveLength(32);
      expect(JSON.stringify(apiKey)).not.toContain(match?.[2]);
    });

    it("store only the SHA-256 of the secret", async () => {
      const user = await createUser(t.db, { name: "ada" });
      const { token, apiKey } = await createApiKey(t.db, { userId: user.id, name: "laptop" });
      const secret = token.split("_").slice(2).join("_");
      const row = await t.db.kysely
        .selectFrom("api_keys")
        .selectAll()
        .where("id", "=", apiKey.id)
        .executeTakeFirst();
      expect(row?.secret_hash).toBe(tokens.hashToken(secret));
      expect(JSON.stringify(row)).not.toContain(secret);
    });

    it("verify to their user, and list without secrets", async () => {
      const ada = await createUser(t.db, { name: "ada" });
      const { token, apiKey } = await createApiKey(t.db, { userId: ada.id, name: "laptop" });
      const verified = await verifyApiKey(t.db, token);
      expect(verified?.user).toEqual(ada);
      expect(verified?.apiKey.id).toBe(apiKey.id);
      const listed = await listApiKeys(t.db, ada.id);
      expect(listed.map((k) => k.name)).toEqual(["laptop"]);
      expect(Object.keys(listed[0]!).sort()).toEqual([
        "createdAt",
        "id",
        "lastUsedAt",
        "name",
        "revokedAt",
        "userId",
      ]);
    });

    it("reject a wrong secret, an unknown key id and malformed input", async () => {
      const user = await createUser(t.db, { name: "ada" });
      const { token, apiKey } = await createApiKey(t.db, { userId: user.id, name: "laptop" });
      const wrongSecret = `fry_${apiKey.id}_${randomBytes(32).toString("base64url")}`;
      const unknownId = `fry_${"0".repeat(16)}_${token.slice(-43)}`;
      for (const bad of [
        wrongSecret,
        unknownId,
        `${token}x`,
        token.slice(0, -1),
        "",
        "Bearer x",
        token.toUpperCase(),
      ]) {
        expect(await verifyApiKey(t.db, bad)).toBeUndefined();
      }
    });

    it("compare the secret's hash in constant time, also when the key id is unknown", async () => {
      const user = await createUser(t.db, { name: "ada" });
      const { apiKey } = await createApiKey(t.db, { userId: user.id, name: "laptop" });
      const compare = vi.spyOn(tokens, "digestsEqual");
      await verifyApiKey(t.db, `fry_${apiKey.id}_${randomBytes(32).toString("base64url")}`);
      await verifyApiKey(t.db, `fry_${"f".repeat(16)}_${randomBytes(32).toString("base64url")}`);
      expect(compare).toHaveBeenCalledTimes(2);
      expect(compare.mock.results.map((r) => r.value)).toEqual([false, false]);
    });

    it("stop working once revoked, and only their owner can revoke them", async () => {
      const ada = await createUser(t.db, { name: "ada" });
      const bob = await createUser(t.db, { name: "bob" });
      const { token, apiKey } = await createApiKey(t.db, { userId: ada.id, name: "laptop" });
      expect(await revokeApiKey(t.db, { userId: bob.id, keyId: apiKey.id })).toBe(false);
      const verified = await verifyApiKey(t.db, token);
      expect(verified?.user.id).toBe(ada.id);
      expect(verified?.apiKey.id).toBe(apiKey.id);
      expect(await revokeApiKey(t.db, { userId: ada.id, keyId: apiKey.id })).toBe(true);
      expect(await verifyApiKey(t.db, token)).toBeUndefined();
      expect(await revokeApiKey(t.db, { userId: ada.id, keyId: apiKey.id })).toBe(false);
      expect((await listApiKeys(t.db, ada.id))[0]?.revokedAt).toEqual(expect.any(Number));
    });

    it("record last use at most once a minute", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const start = Date.UTC(2030, 0, 1);
      vi.setSystemTime(start);
      const user = await createUser(t.db, { name: "ada" });
      const { token, apiKey } = await createApiKey(t.db, { userId: user.id, name: "laptop" });
      const lastUsed = async () =>
        (await listApiKeys(t.db, user.id)).find((k) => k.id === apiKey.id)?.lastUsedAt;
      expect(await lastUsed()).toBeNull();
      await verifyApiKey(t.db, token);
      expect(await lastUsed()).toBe(start);
      vi.setSystemTime(start + 59_000);
      await verifyApiKey(t.db, token);
      expect(await lastUsed()).toBe(start);
      vi.setSystemTime(start + 61_000);
      await verifyApiKey(t.db, token);
      expect(await lastUsed()).toBe(start + 61_000);
    });

    it("leave an audit trail without secrets", async () => {
      const user = await createUser(t.db, { name: "ada" });
      const { token, apiKey } = await createApiKey(t.db, { userId: user.id, name: "laptop" });
      await revokeApiKey(t.db, { userId: user.id, keyId: apiKey.id });
      const events = await listAudit(t.db, { userId: user.id });
      expect(events.map((e) => e.action)).toEqual(["api_key.revoked", "api_key.created", "user.created"]);
      expect(JSON.stringify(events)).not.toContain(token.slice(-43));
    });
  });
}
