import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createLoginLink,
  createSession,
  createUser,
  csrfTokenFor,
  endSession,
  endUserSessions,
  getSession,
  LOGIN_LINK_TTL_MS,
  purgeExpiredSessions,
  purgeSpentLoginLinks,
  redeemLoginLink,
  SESSION_TTL_MS,
  verifyCsrfToken,
} from "../src/index.ts";
import { hashToken } from "../src/tokens.ts";
import { DIALECTS, useTestDatabase } from "./helpers.ts";

for (const dialect of DIALECTS) {
  describe(`login links on ${dialect}`, () => {
    const t = useTestDatabase(dialect);
    afterEach(() => {
      vi.useRealTimers();
    });

    it("start a session for their user, and only once", async () => {
      const ada = await createUser(t.db, { name: "ada" });
      const { token } = await createLoginLink(t.db, { userId: ada.id });
      expect(await redeemLoginLink(t.db, token)).toEqual({ userId: ada.id });
      expect(await redeemLoginLink(t.db, token)).toBeUndefined();
    });

    it("can be redeemed by only one of many simultaneous requests", async () => {
      const ada = await createUser(t.db, { name: "ada" });
      const { token } = await createLoginLink(t.db, { userId: ada.id });
      const results = await Promise.all(Array.from({ length: 10 }, () => redeemLoginLink(t.db, token)));
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it("expire after 15 minutes", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const start = Date.UTC(2030, 0, 1);
      vi.setSystemTime(start);
      const ada = await createUser(t.db, { name: "ada" });
      const fresh = await createLoginLink(t.db, { userId: ada.id });
      const stale = await createLoginLink(t.db, { userId: ada.id });
      expect(stale.expiresAt).toBe(start + LOGIN_LINK_TTL_MS);
      expect(LOGIN_LINK_TTL_MS).toBe(15 * 60_000);
      vi.setSystemTime(start + LOGIN_LINK_TTL_MS - 1);
      expect(await redeemLoginLink(t.db, fresh.token)).toEqual({ userId: ada.id });
      vi.setSystemTime(start + LOGIN_LINK_TTL_MS);
      expect(await redeemLoginLink(t.db, stale.token)).toBeUndefined();
    });

    it("are stored only as a hash, and unknown or malformed tokens fail", async () => {
      const ada = await createUser(t.db, { name: "ada" });
      const { token } = await createLoginLink(t.db, { userId: ada.id });
      const rows = await t.db.kysely.selectFrom("login_links").selectAll().execute();
      expect(rows.map((r) => r.token_hash)).toEqual([hashToken(token)]);
      expect(JSON.stringify(rows)).not.toContain(token);
      for (const bad of [randomBytes(32).toString("base64url"), "", token.slice(1), `${token}=`]) {
        expect(await redeemLoginLink(t.db, bad)).toBeUndefined();
      }
    });

    it("are purged once spent", async () => {
      const ada = await createUser(t.db, { name: "ada" });
      const used = await createLoginLink(t.db, { userId: ada.id });
      await createLoginLink(t.db, { userId: ada.id, ttlMs: -1 });
      const live = await createLoginLink(t.db, { userId: ada.id });
      await redeemLoginLink(t.db, used.token);
      expect(await purgeSpentLoginLinks(t.db)).toBe(2);
      expect(await redeemLoginLink(t.db, live.token)).toEqual({ userId: ada.id });
    });
  });

  describe(`sessions on ${dialect}`, () => {
    const t = useTestDatabase(dialect);
    afterEach(() => {
      vi.useRealTimers();
    });

    it("are found by their cookie value, which is stored only as a hash", async () => {
      const ada = await createUser(t.db, { name: "ada" });
      const { token, session } = await createSession(t.db, { userId: ada.id });
      expect(await getSession(t.db, token)).toEqual(session);
      const rows = await t.db.kysely.selectFrom("sessions").selectAll().execute();
      expect(rows.map((r) => r.token_hash)).toEqual([hashToken(token)]);
      expect(JSON.stringify(rows)).not.toContain(token);
      expect(await getSession(t.db, randomBytes(32).toString("base64url"))).toBeUndefined();
      expect(await getSession(t.db, "not-a-token")).toBeUndefined();
    });

    it("are rejected once expired", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const start = Date.UTC(2030, 0, 1);
      vi.setSystemTime(start);
      const ada = await createUser(t.db, { name: "ada" });
      const { token, session } = await createSession(t.db, { userId: ada.id });
      expect(session.expiresAt).toBe(start + SESSION_TTL_MS);
      vi.setSystemTime(session.expiresAt - 1);
      expect(await getSession(t.db, token)).toMatchObject({ id: session.id, userId: ada.id });
      vi.setSystemTime(session.expiresAt);
      expect(await getSession(t.db, token)).toBeUndefined();
      expect(await purgeExpiredSessions(t.db)).toBe(1);
    });

    it("end on logout, or all at once for a user", async () => {
      const ada = await createUser(t.db, { name: "ada" });
      const bob = await createUser(t.db, { name: "bob" });
      const first = await createSession(t.db, { userId: ada.id });
      const second = await createSession(t.db, { userId: ada.id });
      const bobs = await createSession(t.db, { userId: bob.id });
      await endSession(t.db, first.token);
      expect(await getSession(t.db, first.token)).toBeUndefined();
      expect(await getSession(t.db, second.token)).toMatchObject({ id: second.session.id, userId: ada.id });
      expect(await endUserSessions(t.db, ada.id)).toBe(1);
      expect(await getSession(t.db, second.token)).toBeUndefined();
      expect(await getSession(t.db, bobs.token)).toMatchObject({ id: bobs.session.id, userId: bob.id });
    });

    it("each have a CSRF token that only matches their own cookie", async () => {
      const ada = await createUser(t.db, { name: "ada" });
      const one = await createSession(t.db, { userId: ada.id });
      const two = await createSession(t.db, { userId: ada.id });
      expect(one.csrfToken).toBe(csrfTokenFor(one.token));
      expect(one.csrfToken).not.toBe(two.csrfToken);
      expect(one.csrfToken).not.toContain(one.token);
      expect(verifyCsrfToken(one.token, one.csrfToken)).toBe(true);
      expect(verifyCsrfToken(one.token, two.csrfToken)).toBe(false);
      expect(verifyCsrfToken(one.token, undefined)).toBe(false);
      expect(verifyCsrfToken(one.token, "")).toBe(false);
      expect(verifyCsrfToken(one.token, `${one.csrfToken}x`)).toBe(false);
    });
  });
}
