// Secret values at rest (issue 20): found in plaintext nowhere (the SQLite file with its WAL, a pg_dump, the logs,
// /metrics, error bodies, the audit trail), and re-encrypted by `ferry keys rotate-master`'s rotateVault.
import { describe, expect, it } from "vitest";
import { keyIdOf, MasterKey, rotateVault, Vault } from "../src/index.ts";
import { DIALECTS } from "./helpers.ts";
import {
  type BrokerUnderTest,
  createTestUser,
  signIn,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";
import { rawStorage } from "./support/rawStorage.ts";

const emulator = useEmulator();

function put(b: BrokerUnderTest, name: string, value: string, headers: Record<string, string>) {
  return b.inject({
    method: "PUT",
    url: `/api/v1/secrets/${name}`,
    headers: { "content-type": "application/json", ...headers },
    payload: JSON.stringify({ value }),
  });
}

/** A value no other bytes in the database could match by chance. */
function marker(label: string): string {
  return `plaintext-${label}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
}

for (const dialect of DIALECTS) {
  describe(`secret values in plaintext nowhere, on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("not in raw storage, the logs, /metrics, error bodies or the audit trail, after every route ran", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      const session = await signIn(b, ada.user);
      const values = new Map<string, string>();
      const bodies: string[] = [];
      for (const [name, headers] of [
        ["FROM_KEY", ada.bearer],
        ["FROM_PAGE", session.headers],
        ["REPLACED", ada.bearer],
      ] as const) {
        const value = marker(name);
        values.set(name, value);
        bodies.push((await put(b, name, value, headers)).body);
      }
      const first = values.get("REPLACED")!;
      const second = marker("replacement");
      values.set("REPLACED (old value)", first).set("REPLACED", second);
      bodies.push((await put(b, "REPLACED", second, ada.bearer)).body);
      // Reads, refusals and deletes pass values through too.
      bodies.push(
        (await b.inject({ method: "GET", url: "/api/v1/secrets/FROM_KEY", headers: ada.bearer })).body,
      );
      bodies.push(
        (await b.inject({ method: "GET", url: "/api/v1/secrets/FROM_KEY", headers: session.headers })).body,
      );
      bodies.push(
        (await b.inject({ method: "GET", url: "/api/v1/secrets/FROM_KEY", headers: bob.bearer })).body,
      );
      const refusedValue = `${marker("refused")}\ud800`;
      values.set("refused value", refusedValue.slice(0, -1));
      bodies.push((await put(b, "REFUSED", refusedValue, ada.bearer)).body);
      const tooBig = `${marker("too-big")}${"x".repeat(70_000)}`;
      values.set("over-size value", tooBig.slice(0, 40));
      bodies.push((await put(b, "TOO_BIG", tooBig, ada.bearer)).body);
      bodies.push((await put(b, "BAD-NAME", marker("bad-name"), ada.bearer)).body);
      bodies.push((await put(b, "FROM_KEY", marker("csrf"), { cookie: session.cookie })).body);
      const deletedValue = marker("deleted");
      values.set("deleted value", deletedValue);
      await put(b, "DELETED", deletedValue, ada.bearer);
      await b.inject({ method: "DELETE", url: "/api/v1/secrets/DELETED", headers: ada.bearer });

      const found = (haystack: string | Buffer) => {
        const bytes = Buffer.isBuffer(haystack) ? haystack : Buffer.from(haystack);
        return [...values].filter(([, v]) => bytes.includes(Buffer.from(v))).map(([k]) => k);
      };

      // The greps must be able to find things, or finding nothing proves nothing.
      const storage = await rawStorage(b.database);
      expect(storage.includes(Buffer.from("FROM_PAGE"))).toBe(true);
      expect(found(storage), "raw storage").toEqual([]);
      const stored = await b.database.db.kysely.selectFrom("secrets").select("value_enc").execute();
      expect(stored.length).toBe(3);
      for (const row of stored) expect(row.value_enc).toMatch(/^v1\.[0-9a-f]{8}\./);

      const logs = b.logs.join("\n");
      expect(logs).toContain("secret set");
      expect(logs).toContain("FROM_PAGE");
      expect(found(logs), "logs").toEqual([]);

      const errors = bodies.filter((body) => body.includes('"error"')).join("\n");
      expect(errors).toContain("secret_too_large");
      expect(found(errors), "error bodies").toEqual([]);

      const metrics = (await b.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toContain("ferry_broker_");
      expect(found(metrics), "metrics").toEqual([]);

      const audit = JSON.stringify(
        await b.database.db.kysely.selectFrom("audit_events").selectAll().execute(),
      );
      expect(audit).toContain("secret.created");
      expect(found(audit), "audit trail").toEqual([]);
    });
  });

  describe(`master key rotation covers secrets, on ${dialect}`, () => {
    const b = useBroker(dialect, emulator);

    it("rotateVault re-encrypts every secret under the new key; the values read back unchanged, without the old key", async () => {
      const ada = await createTestUser(b, "ada");
      const bob = await createTestUser(b, "bob");
      const values = { ALPHA: marker("alpha"), BETA: marker("beta") };
      for (const [name, value] of Object.entries(values)) {
        expect((await put(b, name, value, ada.bearer)).statusCode).toBe(200);
      }
      await put(b, "ALPHA", marker("bobs"), bob.bearer);
      const oldKey = b.masterKey;
      const before = await b.database.db.kysely.selectFrom("secrets").selectAll().orderBy("id").execute();
      expect(before.every((r) => keyIdOf(r.value_enc) === oldKey.id)).toBe(true);

      const newKey = MasterKey.generate();
      const result = await rotateVault(b.database.db, [newKey, oldKey]);
      expect(result.rotated).toBeGreaterThanOrEqual(3);
      const after = await b.database.db.kysely.selectFrom("secrets").selectAll().orderBy("id").execute();
      expect(after.map((r) => keyIdOf(r.value_enc))).toEqual(after.map(() => newKey.id));
      expect(after.map((r) => r.value_enc)).not.toEqual(before.map((r) => r.value_enc));

      // A vault holding only the new key reads every value: the old key can be dropped.
      const onlyNew = new Vault([newKey]);
      const adaRows = after.filter((r) => r.user_id === ada.user.id);
      const decrypted = Object.fromEntries(
        adaRows.map((r) => [
          r.name,
          onlyNew.decrypt(r.value_enc, { table: "secrets", rowId: r.id, column: "value_enc" }),
        ]),
      );
      expect(decrypted).toEqual(values);
      // A second run finds nothing left to do.
      const again = await rotateVault(b.database.db, [newKey, oldKey]);
      expect(again.rotated).toBe(0);
    });
  });
}
