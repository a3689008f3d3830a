import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type FerryDb, keyIdOf, MasterKey, rotateVault, Vault, VaultError } from "../src/index.ts";
import { DIALECTS, insertConnection, insertUser, rejectionOf, useTestDatabase } from "./helpers.ts";

const token = (label: string) => `${label}-${randomBytes(24).toString("base64url")}`;

async function storeConnection(db: FerryDb, vault: Vault, refreshToken: string, accessToken: string) {
  const userId = await insertUser(db);
  const id = randomUUID();
  return insertConnection(db, userId, {
    id,
    refresh_token_enc: vault.encrypt(refreshToken, {
      table: "connections",
      rowId: id,
      column: "refresh_token_enc",
    }),
    access_token_enc: vault.encrypt(accessToken, {
      table: "connections",
      rowId: id,
      column: "access_token_enc",
    }),
  });
}

async function storeOAuthState(db: FerryDb, vault: Vault, verifier: string) {
  const userId = await insertUser(db);
  const id = randomUUID();
  await db.kysely
    .insertInto("oauth_states")
    .values({
      id,
      user_id: userId,
      state_hash: randomBytes(32).toString("hex"),
      flow: "code",
      code_verifier_enc: vault.encrypt(verifier, {
        table: "oauth_states",
        rowId: id,
        column: "code_verifier_enc",
      }),
      device_code_enc: null,
      redirect_to: null,
      created_at: Date.now(),
      expires_at: Date.now() + 600_000,
      used_at: null,
    })
    .execute();
  return id;
}

async function readRefreshToken(db: FerryDb, vault: Vault, id: string): Promise<string> {
  const row = await db.kysely
    .selectFrom("connections")
    .select("refresh_token_enc")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return vault.decrypt(row.refresh_token_enc!, {
    table: "connections",
    rowId: id,
    column: "refresh_token_enc",
  });
}

for (const dialect of DIALECTS) {
  describe(`vault values stored on ${dialect}`, () => {
    const t = useTestDatabase(dialect);

    it("round-trip through the database", async () => {
      const vault = new Vault([MasterKey.generate()]);
      const refresh = token("refresh");
      const row = await storeConnection(t.db, vault, refresh, token("access"));
      expect(await readRefreshToken(t.db, vault, row.id)).toBe(refresh);
    });

    it("fail to decrypt once copied into another user's row", async () => {
      const vault = new Vault([MasterKey.generate()]);
      const victim = await storeConnection(t.db, vault, token("victim"), token("access"));
      const attacker = await storeConnection(t.db, vault, token("attacker"), token("access"));
      await t.db.kysely
        .updateTable("connections")
        .set({ refresh_token_enc: victim.refresh_token_enc })
        .where("id", "=", attacker.id)
        .execute();
      const error = await rejectionOf(readRefreshToken(t.db, vault, attacker.id), VaultError);
      expect(error.code).toBe("tampered");
    });

    it("rotation re-encrypts every encrypted column under the newest key; old values stay readable until then", async () => {
      const oldKey = MasterKey.generate();
      const newKey = MasterKey.generate();
      const oldVault = new Vault([oldKey]);
      const refresh = Array.from({ length: 3 }, () => token("refresh"));
      const connections = await Promise.all(
        refresh.map((r) => storeConnection(t.db, oldVault, r, token("access"))),
      );
      const verifier = token("verifier");
      const stateId = await storeOAuthState(t.db, oldVault, verifier);

      const bothKeys = new Vault([newKey, oldKey]);
      for (const [i, connection] of connections.entries()) {
        expect(await readRefreshToken(t.db, bothKeys, connection.id)).toBe(refresh[i]);
      }

      expect(await rotateVault(t.db, [newKey, oldKey])).toEqual({ rotated: 7, current: 0 });

      const onlyNew = new Vault([newKey]);
      const rows = await t.db.kysely.selectFrom("connections").selectAll().execute();
      for (const row of rows) {
        expect(keyIdOf(row.refresh_token_enc!)).toBe(newKey.id);
        expect(keyIdOf(row.access_token_enc!)).toBe(newKey.id);
      }
      for (const [i, connection] of connections.entries()) {
        expect(await readRefreshToken(t.db, onlyNew, connection.id)).toBe(refresh[i]);
      }
      const state = await t.db.kysely
        .selectFrom("oauth_states")
        .select("code_verifier_enc")
        .where("id", "=", stateId)
        .executeTakeFirstOrThrow();
      expect(
        onlyNew.decrypt(state.code_verifier_enc!, {
          table: "oauth_states",
          rowId: stateId,
          column: "code_verifier_enc",
        }),
      ).toBe(verifier);

      expect(await rotateVault(t.db, [newKey, oldKey])).toEqual({ rotated: 0, current: 7 });
    });

    it("rotation pages through many rows and never overwrites a value written while it runs", async () => {
      const oldKey = MasterKey.generate();
      const newKey = MasterKey.generate();
      const oldVault = new Vault([oldKey]);
      const liveVault = new Vault([newKey, oldKey]);
      const userId = await insertUser(t.db);
      const originals = new Map<string, string>();
      const ids: string[] = [];
      for (let i = 0; i < 250; i++) {
        const id = randomUUID();
        const verifier = token("verifier");
        originals.set(id, verifier);
        ids.push(id);
        await t.db.kysely
          .insertInto("oauth_states")
          .values({
            id,
            user_id: userId,
            state_hash: null,
            flow: "device",
            code_verifier_enc: null,
            device_code_enc: oldVault.encrypt(verifier, {
              table: "oauth_states",
              rowId: id,
              column: "device_code_enc",
            }),
            redirect_to: null,
            created_at: 0,
            expires_at: 1,
            used_at: null,
          })
          .execute();
      }
      const rewritten = new Map<string, string>();
      const writer = (async () => {
        for (const id of ids.filter((_, i) => i % 5 === 0)) {
          const fresh = token("rewritten");
          rewritten.set(id, fresh);
          await t.db.kysely
            .updateTable("oauth_states")
            .set({
              device_code_enc: liveVault.encrypt(fresh, {
                table: "oauth_states",
                rowId: id,
                column: "device_code_enc",
              }),
            })
            .where("id", "=", id)
            .execute();
        }
      })();
      const [result] = await Promise.all([rotateVault(t.db, [newKey, oldKey]), writer]);
      expect(result.rotated + result.current).toBe(250);

      const onlyNew = new Vault([newKey]);
      const rows = await t.db.kysely.selectFrom("oauth_states").select(["id", "device_code_enc"]).execute();
      expect(rows).toHaveLength(250);
      for (const row of rows) {
        const plain = onlyNew.decrypt(row.device_code_enc!, {
          table: "oauth_states",
          rowId: row.id,
          column: "device_code_enc",
        });
        expect(plain).toBe(rewritten.get(row.id) ?? originals.get(row.id));
      }
    });

    it("rotation stops with the unknown-key error when a value's key is not listed", async () => {
      const lostKey = MasterKey.generate();
      await storeConnection(t.db, new Vault([lostKey]), token("refresh"), token("access"));
      const error = await rejectionOf(rotateVault(t.db, [MasterKey.generate()]), VaultError);
      expect(error.code).toBe("unknown_key");
      expect(error.message).toContain(lostKey.id);
    });
  });
}
