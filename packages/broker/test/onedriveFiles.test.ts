// The file explorer's broker routes (`/api/v1/onedrive/…`) against the emulator: browsing page by page, the
// operations, previews through @ferry/fs's readers, streamed uploads and downloads — and the attacks: one user
// reaching another's files, cross-site changes, hostile names and bodies.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeParquet } from "@ferry/fs";
import type { LightMyRequestResponse } from "fastify";
import { describe, expect, it } from "vitest";
import {
  type BrokerUnderTest,
  connectOneDrive,
  createTestUser,
  PUBLIC_URL,
  signIn,
  type TestSession,
  type TestUser,
  useBroker,
  useEmulator,
} from "./support/brokerHarness.ts";

const emulator = useEmulator();
const FRAGMENT = 5 * 1024 * 1024;

interface Person {
  user: TestUser;
  session: TestSession;
}

async function person(b: BrokerUnderTest, name: string, account: "personal" | "work"): Promise<Person> {
  const user = await createTestUser(b, name);
  await connectOneDrive(b, user, account);
  return { user, session: await signIn(b, user.user) };
}

const q = (path: string) => encodeURIComponent(path);

function get(b: BrokerUnderTest, who: Person, url: string): Promise<LightMyRequestResponse> {
  return b.inject({ method: "GET", url, headers: { cookie: who.session.cookie } });
}

function change(
  b: BrokerUnderTest,
  who: Person,
  method: "POST" | "DELETE" | "PUT",
  url: string,
  payload?: unknown,
  headers: Record<string, string> = who.session.headers,
): Promise<LightMyRequestResponse> {
  return b.inject({
    method,
    url,
    headers: payload === undefined ? headers : { ...headers, "content-type": "application/json" },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
}

async function names(b: BrokerUnderTest, who: Person, folder: string): Promise<string[]> {
  const r = await get(b, who, `/api/v1/onedrive/children?path=${q(folder)}`);
  expect(r.statusCode, r.body).toBe(200);
  return r
    .json<{ items: { name: string }[] }>()
    .items.map((i) => i.name)
    .sort();
}

/** Uploads `bytes` to `path` as the page does: start, then fragments with Content-Range. */
async function upload(b: BrokerUnderTest, who: Person, path: string, bytes: Buffer, overwrite = false) {
  const started = await change(b, who, "POST", "/api/v1/onedrive/uploads", {
    path,
    size: bytes.length,
    overwrite,
  });
  if (started.statusCode !== 200) return started;
  const { uploadId, fragmentSize } = started.json<{ uploadId: string; fragmentSize: number }>();
  let last = started;
  for (let at = 0; at < bytes.length || (bytes.length === 0 && at === 0); at += fragmentSize) {
    const fragment = bytes.subarray(at, Math.min(at + fragmentSize, bytes.length));
    last = await b.inject({
      method: "PUT",
      url: `/api/v1/onedrive/uploads/${uploadId}`,
      headers: {
        ...who.session.headers,
        "content-type": "application/octet-stream",
        ...(bytes.length === 0
          ? {}
          : { "content-range": `bytes ${at}-${at + fragment.length - 1}/${bytes.length}` }),
      },
      payload: fragment,
    });
    expect(last.statusCode, last.body).toBe(200);
    if (bytes.length === 0) break;
  }
  return last;
}

describe("the file explorer's routes", () => {
  const b = useBroker("sqlite", emulator);

  it("lists a folder page by page, folders and files with size and time, and an item's info", async () => {
    const ada = await person(b, "ada", "personal");
    await b.emu.admin.seed({
      account: "personal",
      folders: ["data/archive"],
      files: Array.from({ length: 1205 }, (_, i) => ({
        path: `data/f${String(i).padStart(4, "0")}.csv`,
        content: "a\n1\n",
      })),
    });
    const first = await get(b, ada, `/api/v1/onedrive/children?path=${q("data")}`);
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json<{
      path: string;
      items: { name: string; kind: string; path: string }[];
      nextCursor: string;
    }>();
    expect(page.path).toBe("data");
    expect(page.items).toHaveLength(1000);
    expect(page.nextCursor).toEqual(expect.any(String));
    const second = await get(b, ada, `/api/v1/onedrive/children?path=data&cursor=${q(page.nextCursor)}`);
    expect(second.statusCode, second.body).toBe(200);
    const rest = second.json<{ items: { name: string; kind: string }[]; nextCursor: string | null }>();
    expect(rest.nextCursor).toBeNull();
    const all = [...page.items, ...rest.items];
    expect(all).toHaveLength(1206);
    expect(new Set(all.map((i) => i.name)).size).toBe(1206);
    expect(all.find((i) => i.name === "archive")).toMatchObject({
      kind: "folder",
      path: "data/archive",
      childCount: 0,
    });
    expect(all.find((i) => i.name === "f0007.csv")).toMatchObject({
      kind: "file",
      path: "data/f0007.csv",
      size: 4,
      modifiedAt: expect.stringMatching(/^\d{4}-/),
    });
    const info = await get(b, ada, `/api/v1/onedrive/item?path=${q("onedrive://data")}`);
    expect(info.json()).toMatchObject({ name: "data", kind: "folder", path: "data", childCount: 1206 });
  });

  it("follows a cursor only to Graph itself, never to another host the token would be sent to", async () => {
    const ada = await person(b, "ada", "personal");
    for (const cursor of [
      "http://attacker.example/v1.0/me/drive/root/children",
      `${b.emu.graphUrl.replace("127.0.0.1", "localhost")}/me/drive/root/children`,
      `${new URL(b.emu.graphUrl).origin}/_emulator/accounts`,
      "not a url",
    ]) {
      const r = await get(b, ada, `/api/v1/onedrive/children?path=&cursor=${q(cursor)}`);
      expect(r.statusCode, cursor).toBe(400);
      expect(r.json().error.code).toBe("invalid_request");
    }
  });

  it("creates a folder, and refuses clearly when the name exists; renames; deletes to the recycle bin", async () => {
    const ada = await person(b, "ada", "personal");
    const made = await change(b, ada, "POST", "/api/v1/onedrive/folders", { parent: "", name: "Reports" });
    expect(made.statusCode, made.body).toBe(200);
    expect(made.json()).toMatchObject({ name: "Reports", path: "Reports", kind: "folder" });
    const again = await change(b, ada, "POST", "/api/v1/onedrive/folders", { parent: "", name: "Reports" });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: "conflict" });
    expect(again.json().error.message).toContain('"Reports" already exists');

    await b.emu.admin.seed({ account: "personal", files: [{ path: "Reports/q1.csv", content: "x\n" }] });
    const renamed = await change(b, ada, "POST", "/api/v1/onedrive/rename", {
      path: "Reports",
      name: "Quarterly",
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: "Quarterly", path: "Quarterly", childCount: 1 });
    expect(await names(b, ada, "Quarterly")).toEqual(["q1.csv"]);
    await change(b, ada, "POST", "/api/v1/onedrive/folders", { parent: "", name: "Other" });
    const clash = await change(b, ada, "POST", "/api/v1/onedrive/rename", {
      path: "Other",
      name: "Quarterly",
    });
    expect(clash.statusCode).toBe(409);

    const deleted = await change(b, ada, "DELETE", `/api/v1/onedrive/item?path=${q("Quarterly")}`);
    expect(deleted.statusCode, deleted.body).toBe(200);
    expect(deleted.json().message).toContain("recycle bin");
    expect(await names(b, ada, "")).toEqual(["Other"]);
    const root = await change(b, ada, "DELETE", "/api/v1/onedrive/item?path=");
    expect(root.statusCode).toBe(400);
  });

  it("uploads in fragments through a Graph upload session, downloads the same bytes, and overwrites only when asked", async () => {
    const ada = await person(b, "ada", "personal");
    const bytes = Buffer.alloc(2 * FRAGMENT + 12345);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
    const done = await upload(b, ada, "in/big.bin", bytes);
    expect(done.json()).toMatchObject({
      done: true,
      item: { name: "big.bin", path: "in/big.bin", size: bytes.length },
    });
    const counters = await b.emu.admin.counters();
    expect(counters.authOnPreauthenticatedUrl).toBe(0);
    const down = await get(b, ada, `/api/v1/onedrive/content?path=${q("in/big.bin")}`);
    expect(down.statusCode).toBe(200);
    expect(down.headers["content-type"]).toBe("application/octet-stream");
    expect(down.headers["content-disposition"]).toContain('filename="big.bin"');
    expect(Buffer.compare(down.rawPayload, bytes)).toBe(0);

    const refused = await upload(b, ada, "in/big.bin", Buffer.from("new"));
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toContain("already exists");
    const replaced = await upload(b, ada, "in/big.bin", Buffer.from("new"), true);
    expect(replaced.json()).toMatchObject({ done: true, item: { size: 3 } });
    const empty = await upload(b, ada, "in/empty.txt", Buffer.alloc(0));
    expect(empty.json()).toMatchObject({ done: true, item: { size: 0 } });
  });

  it("refuses fragments out of order, of the wrong size, or with a Content-Range that disagrees", async () => {
    const ada = await person(b, "ada", "personal");
    const size = FRAGMENT + 10;
    const started = await change(b, ada, "POST", "/api/v1/onedrive/uploads", {
      path: "x.bin",
      size,
      overwrite: false,
    });
    const { uploadId } = started.json();
    const put = (range: string, payload: Buffer) =>
      b.inject({
        method: "PUT",
        url: `/api/v1/onedrive/uploads/${uploadId}`,
        headers: {
          ...ada.session.headers,
          "content-type": "application/octet-stream",
          "content-range": range,
        },
        payload,
      });
    expect((await put(`bytes ${FRAGMENT}-${size - 1}/${size}`, Buffer.alloc(10))).statusCode).toBe(409);
    expect((await put(`bytes 0-9/${size}`, Buffer.alloc(10))).statusCode).toBe(400);
    expect((await put(`bytes 0-${FRAGMENT - 1}/${size + 1}`, Buffer.alloc(FRAGMENT))).statusCode).toBe(400);
    expect((await put("bytes=0-", Buffer.alloc(1))).statusCode).toBe(400);
    const cancel = await change(b, ada, "DELETE", `/api/v1/onedrive/uploads/${uploadId}`);
    expect(cancel.statusCode).toBe(204);
    expect((await put(`bytes 0-${FRAGMENT - 1}/${size}`, Buffer.alloc(FRAGMENT))).statusCode).toBe(404);
  });

  it("previews the first 50 rows of CSV, NDJSON, JSON and Parquet with column types, and says plainly when it cannot", async () => {
    const ada = await person(b, "ada", "personal");
    const csv = [
      "id,city,temp,when",
      ...Array.from({ length: 80 }, (_, i) => `${i},Oslo,${i / 2},2024-01-0${(i % 9) + 1}`),
    ].join("\n");
    const ndjson = Array.from({ length: 60 }, (_, i) =>
      JSON.stringify({ n: i, ok: i % 2 === 0, tag: `t${i}` }),
    ).join("\n");
    const json = JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ k: i, v: { nested: i } })));
    await b.emu.admin.seed({
      account: "personal",
      files: [
        { path: "d/m.csv", content: csv },
        { path: "d/m.ndjson", content: ndjson },
        { path: "d/m.json", content: json },
        { path: "d/obj.json", content: '{"not":"a table"}' },
        { path: "d/notes.txt", content: "hello" },
        { path: "d/huge.json", size: 17 * 1024 * 1024 },
      ],
    });
    const preview = async (path: string) => {
      const r = await get(b, ada, `/api/v1/onedrive/preview?path=${q(path)}`);
      expect(r.statusCode, r.body).toBe(200);
      return r.json();
    };
    const c = await preview("d/m.csv");
    expect(c).toMatchObject({ tabular: true, format: "csv", truncated: true });
    expect(c.columns).toEqual([
      { name: "id", type: "integer" },
      { name: "city", type: "string" },
      { name: "temp", type: "number" },
      { name: "when", type: "date" },
    ]);
    expect(c.rows).toHaveLength(50);
    expect(c.rows[3]).toEqual(["3", "Oslo", "1.5", "2024-01-04"]);
    const n = await preview("d/m.ndjson");
    expect(n.columns).toEqual([
      { name: "n", type: "integer" },
      { name: "ok", type: "boolean" },
      { name: "tag", type: "string" },
    ]);
    expect(n.rows).toHaveLength(50);
    const j = await preview("d/m.json");
    expect(j).toMatchObject({ tabular: true, truncated: false, totalRows: 10 });
    expect(j.rows[2]).toEqual(["2", '{"nested":2}']);
    expect(await preview("d/obj.json")).toMatchObject({ tabular: false, reason: "not_tabular" });
    expect(await preview("d/notes.txt")).toMatchObject({ tabular: false, reason: "not_data" });
    const huge = await preview("d/huge.json");
    expect(huge).toMatchObject({ tabular: false, reason: "too_large" });
    expect(huge.message).toContain("17 MiB");
  });

  it("previews Parquet from its footer and first pages only, not the whole file", async () => {
    const ada = await person(b, "ada", "personal");
    const dir = await mkdtemp(join(tmpdir(), "ferry-preview-"));
    try {
      const file = join(dir, "big.parquet");
      const rows = Array.from({ length: 200_000 }, (_, i) => ({
        id: i,
        name: `row-${i}-${"x".repeat(20)}`,
        v: i * 1.5,
      }));
      await writeParquet(file, rows, { rowGroupSize: 10_000, codec: "UNCOMPRESSED" });
      const bytes = await readFile(file);
      await b.emu.admin.putFile("personal", "p/big.parquet", new Uint8Array(bytes));
      await b.emu.admin.resetCounters();
      const r = await get(b, ada, `/api/v1/onedrive/preview?path=${q("p/big.parquet")}`);
      expect(r.statusCode, r.body).toBe(200);
      const p = r.json();
      expect(p).toMatchObject({ tabular: true, format: "parquet", truncated: true, totalRows: 200_000 });
      expect(p.columns.map((c: { name: string }) => c.name)).toEqual(["id", "name", "v"]);
      expect(p.columns[1].type).toMatch(/string|byte_array|utf8/);
      expect(p.rows).toHaveLength(50);
      expect(p.rows[49][0]).toBe("49");
      const read = (await b.emu.admin.counters()).bytesOut;
      // The footer plus the first row group's pages: a small part of the file.
      expect(read).toBeLessThan(bytes.length / 5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("says Reconnect (not a stack trace) when Microsoft revoked the grant", async () => {
    const ada = await person(b, "ada", "personal");
    await b.emu.admin.revoke("personal");
    const r = await get(b, ada, "/api/v1/onedrive/children?path=");
    expect(r.statusCode).toBe(409);
    expect(r.json().error.code).toBe("needs_reconnect");
    expect(r.body).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it("a user who never connected OneDrive gets not_connected", async () => {
    const user = await createTestUser(b, "nobody");
    const session = await signIn(b, user.user);
    const r = await b.inject({
      method: "GET",
      url: "/api/v1/onedrive/children?path=",
      headers: { cookie: session.cookie },
    });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe("not_connected");
  });
});

describe("one user cannot reach another's files on any explorer route", () => {
  const b = useBroker("sqlite", emulator);

  it("lists, reads, previews, downloads, renames, deletes and uploads only in the caller's own drive", async () => {
    const ada = await person(b, "ada", "personal");
    const bob = await person(b, "bob", "work");
    await b.emu.admin.seed({
      account: "personal",
      files: [{ path: "ada-secret/plans.csv", content: "a,b\n1,2\n" }],
    });
    await b.emu.admin.seed({ account: "work", files: [{ path: "bob.txt", content: "bob" }] });

    expect(await names(b, bob, "")).toEqual(["bob.txt"]);
    expect(await names(b, ada, "")).toEqual(["ada-secret"]);
    for (const url of [
      `/api/v1/onedrive/children?path=${q("ada-secret")}`,
      `/api/v1/onedrive/item?path=${q("ada-secret/plans.csv")}`,
      `/api/v1/onedrive/preview?path=${q("ada-secret/plans.csv")}`,
      `/api/v1/onedrive/content?path=${q("ada-secret/plans.csv")}`,
    ]) {
      const r = await get(b, bob, url);
      expect(r.statusCode, url).toBe(404);
      expect(r.body).not.toContain("1,2");
    }
    // Ada's cursor, replayed by Bob, is followed with Bob's token: it shows nothing of Ada's.
    await b.emu.admin.seed({
      account: "personal",
      files: Array.from({ length: 1001 }, (_, i) => ({ path: `ada-secret/many/${i}.txt`, content: "x" })),
    });
    const adaPage = await get(b, ada, `/api/v1/onedrive/children?path=${q("ada-secret/many")}`);
    const cursor = adaPage.json().nextCursor as string;
    const replay = await get(b, bob, `/api/v1/onedrive/children?path=&cursor=${q(cursor)}`);
    expect(replay.body).not.toMatch(/\d+\.txt/);

    expect(
      (await change(b, bob, "POST", "/api/v1/onedrive/rename", { path: "ada-secret", name: "mine" }))
        .statusCode,
    ).toBe(404);
    expect(
      (await change(b, bob, "DELETE", `/api/v1/onedrive/item?path=${q("ada-secret/plans.csv")}`)).statusCode,
    ).toBe(404);
    // Bob's folder of the same name lands in Bob's drive.
    expect(
      (await change(b, bob, "POST", "/api/v1/onedrive/folders", { parent: "", name: "ada-secret" }))
        .statusCode,
    ).toBe(200);
    expect(await names(b, ada, "ada-secret")).toEqual(["many", "plans.csv"]);

    // Ada's upload id is no use to Bob, and answers him as an unknown id would.
    const started = await change(b, ada, "POST", "/api/v1/onedrive/uploads", {
      path: "up.bin",
      size: 10,
      overwrite: false,
    });
    const { uploadId } = started.json();
    const stolen = await b.inject({
      method: "PUT",
      url: `/api/v1/onedrive/uploads/${uploadId}`,
      headers: {
        ...bob.session.headers,
        "content-type": "application/octet-stream",
        "content-range": "bytes 0-9/10",
      },
      payload: Buffer.from("0123456789"),
    });
    expect(stolen.statusCode).toBe(404);
    expect((await change(b, bob, "DELETE", `/api/v1/onedrive/uploads/${uploadId}`)).statusCode).toBe(404);
    const finished = await b.inject({
      method: "PUT",
      url: `/api/v1/onedrive/uploads/${uploadId}`,
      headers: {
        ...ada.session.headers,
        "content-type": "application/octet-stream",
        "content-range": "bytes 0-9/10",
      },
      payload: Buffer.from("0123456789"),
    });
    expect(finished.json()).toMatchObject({ done: true, item: { path: "up.bin", size: 10 } });
    expect(await names(b, bob, "")).toEqual(["ada-secret", "bob.txt"]);
  });
});

describe("every state-changing explorer route refuses cross-site requests and hostile input, storing nothing", () => {
  const b = useBroker("sqlite", emulator);

  it("refuses a cookie request without the CSRF token, or from another origin", async () => {
    const ada = await person(b, "ada", "personal");
    await b.emu.admin.seed({ account: "personal", files: [{ path: "keep/me.txt", content: "keep" }] });
    const started = await change(b, ada, "POST", "/api/v1/onedrive/uploads", {
      path: "u.bin",
      size: 3,
      overwrite: false,
    });
    const { uploadId } = started.json();
    const routes: [method: "POST" | "DELETE" | "PUT", url: string, body?: unknown][] = [
      ["POST", "/api/v1/onedrive/folders", { parent: "", name: "evil" }],
      ["POST", "/api/v1/onedrive/rename", { path: "keep", name: "evil" }],
      ["DELETE", `/api/v1/onedrive/item?path=${q("keep/me.txt")}`],
      ["POST", "/api/v1/onedrive/uploads", { path: "evil.bin", size: 3, overwrite: true }],
      ["DELETE", `/api/v1/onedrive/uploads/${uploadId}`],
    ];
    const { cookie, "x-csrf-token": token } = ada.session.headers as Record<string, string>;
    const attacks: [string, Record<string, string>][] = [
      ["no CSRF token", { cookie: cookie!, origin: PUBLIC_URL, "sec-fetch-site": "same-origin" }],
      [
        "a wrong CSRF token",
        { cookie: cookie!, "x-csrf-token": `${token}x`, "sec-fetch-site": "same-origin" },
      ],
      [
        "another site",
        {
          cookie: cookie!,
          "x-csrf-token": token!,
          origin: "http://evil.example",
          "sec-fetch-site": "cross-site",
        },
      ],
    ];
    for (const [method, url, body] of routes) {
      for (const [what, headers] of attacks) {
        const r = await change(b, ada, method, url, body, headers);
        expect(r.statusCode, `${method} ${url} with ${what}`).toBe(403);
        expect(r.json().error.code).toBe("csrf_failed");
      }
    }
    for (const [what, headers] of attacks) {
      const r = await b.inject({
        method: "PUT",
        url: `/api/v1/onedrive/uploads/${uploadId}`,
        headers: { ...headers, "content-type": "application/octet-stream", "content-range": "bytes 0-2/3" },
        payload: Buffer.from("abc"),
      });
      expect(r.statusCode, `PUT fragment with ${what}`).toBe(403);
    }
    expect(await names(b, ada, "")).toEqual(["keep"]);
    expect(await names(b, ada, "keep")).toEqual(["me.txt"]);
  });

  it("refuses the names the CLI refuses, with the same words, and creates nothing", async () => {
    const ada = await person(b, "ada", "personal");
    await b.emu.admin.seed({ account: "personal", files: [{ path: "keep/me.txt", content: "keep" }] });
    const hostile = [
      "a:b",
      "..",
      "a/b",
      "con",
      "x".repeat(256),
      "bad\u0000name",
      "trailing.",
      " lead",
      "what?",
      "~$lock.docx",
      "\ud800",
      "",
    ];
    const { normalizePath } = await import("@ferry/graph");
    for (const name of hostile) {
      const folder = await change(b, ada, "POST", "/api/v1/onedrive/folders", { parent: "keep", name });
      expect(folder.statusCode, JSON.stringify(name)).toBe(400);
      expect(folder.json().error.code).toBe("invalid_name");
      const rename = await change(b, ada, "POST", "/api/v1/onedrive/rename", { path: "keep/me.txt", name });
      expect(rename.statusCode, JSON.stringify(name)).toBe(400);
    }
    // The same message the CLI prints for the same path (both go through @ferry/graph's path rule).
    const cli = (() => {
      try {
        normalizePath("keep/a:b");
      } catch (error) {
        return (error as Error).message;
      }
    })();
    const upload = await change(b, ada, "POST", "/api/v1/onedrive/uploads", {
      path: "keep/a:b",
      size: 1,
      overwrite: true,
    });
    expect(upload.statusCode).toBe(400);
    expect(upload.json().error.message).toBe(`${cli}.`);
    for (const path of ["../etc", "a/../../b", "keep\\me.txt", "%2e%2e/x", `${"d/".repeat(210)}x`]) {
      const r = await get(b, ada, `/api/v1/onedrive/children?path=${q(path)}`);
      expect([400, 404], path).toContain(r.statusCode);
      if (r.statusCode === 400) expect(r.json().error.code).toBe("invalid_name");
    }
    const bodies: unknown[] = [
      { parent: "", name: "ok", extra: 1 },
      { parent: 5, name: "ok" },
      { name: "ok" },
      { parent: "", name: "x".repeat(5000) },
    ];
    for (const body of bodies) {
      const r = await change(b, ada, "POST", "/api/v1/onedrive/folders", body);
      expect(r.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
    for (const body of [
      { path: "a.bin", size: -1, overwrite: false },
      { path: "a.bin", size: 1.5, overwrite: false },
      { path: "a.bin", size: 1 },
    ]) {
      expect((await change(b, ada, "POST", "/api/v1/onedrive/uploads", body)).statusCode).toBe(400);
    }
    expect(await names(b, ada, "")).toEqual(["keep"]);
    expect(await names(b, ada, "keep")).toEqual(["me.txt"]);
  });
});
