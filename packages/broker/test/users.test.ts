import { describe, expect, it } from "vitest";
import {
  createUser,
  getUser,
  getUserByName,
  InvalidUserNameError,
  listAudit,
  listUsers,
  UserExistsError,
} from "../src/index.ts";
import { DIALECTS, useTestDatabase } from "./helpers.ts";

for (const dialect of DIALECTS) {
  describe(`users on ${dialect}`, () => {
    const t = useTestDatabase(dialect);

    it("are created as admins or not, and read back by id and by name", async () => {
      const admin = await createUser(t.db, { name: "root", isAdmin: true });
      const ada = await createUser(t.db, { name: "ada@example.com" });
      expect(admin.isAdmin).toBe(true);
      expect(ada.isAdmin).toBe(false);
      expect(await getUser(t.db, ada.id)).toEqual(ada);
      expect(await getUserByName(t.db, "root")).toEqual(admin);
      expect(await getUser(t.db, "no-such-id")).toBeUndefined();
      expect(await getUserByName(t.db, "nobody")).toBeUndefined();
    });

    it("list oldest first", async () => {
      const names = ["first", "second", "third"];
      for (const name of names) await createUser(t.db, { name });
      expect((await listUsers(t.db)).map((u) => u.name)).toEqual(names);
    });

    it("have unique names", async () => {
      await createUser(t.db, { name: "ada" });
      await expect(createUser(t.db, { name: "ada", isAdmin: true })).rejects.toThrow(UserExistsError);
      expect(await listUsers(t.db)).toHaveLength(1);
    });

    it("refuse names that would need quoting", async () => {
      for (const name of ["", " ada", "a/b", "a b", "-flag", "x".repeat(65), "ada\n"]) {
        await expect(createUser(t.db, { name })).rejects.toThrow(InvalidUserNameError);
      }
    });

    it("are audited on creation", async () => {
      const ada = await createUser(t.db, { name: "ada", isAdmin: true });
      expect(await listAudit(t.db, { userId: ada.id })).toMatchObject([
        { action: "user.created", detail: { name: "ada", isAdmin: true } },
      ]);
    });
  });
}
