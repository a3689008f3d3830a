import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { countRequests } from "@ferry/emulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConflictError,
  FerryError,
  IntegrityError,
  InvalidPathError,
  NotFoundError,
  type OneDriveClient,
  quickXorHash,
} from "../src/index.ts";
import { byteStream, bytes, expectSameBytes, type Harness, harness } from "./support.ts";

const MiB = 1024 * 1024;
/**
 * A small upload with its modification time: an upload session created with `fileSystemInfo` (a simple PUT
 * cannot carry it) and the one fragment. A PATCH afterwards would be the "second request".
 */
const UPLOAD_REQUESTS = 2;

let h: Harness;
let od: OneDriveClient;
beforeAll(async () => {
  h = await harness();
  od = h.client("personal");
});
afterAll(() => h.close());

function sha1(b: Uint8Array): string {
  return createHash("sha1").update(b).digest("hex").toUpperCase();
}

describe("the seed's API", () => {
  it("token() returns the token source's token", async () => {
    expect(await od.token()).toMatch(/^\S{20,}$/);
  });

  it("list() returns raw driveItems of a folder, and of the root for an empty path", async () => {
    await od.upload("seed/one.txt", new TextEncoder().encode("1"));
    await od.upload("seed/two.txt", new TextEncoder().encode("22"));
    const items = await od.list("seed");
    expect(items.map((i) => i.name).sort()).toEqual(["one.txt", "two.txt"]);
    expect(items[0]).toHaveProperty("parentReference.driveType", "personal");
    expect((await od.list("")).some((i) => i.name === "seed" && i.folder)).toBe(true);
  });

  it("download() returns the file's bytes", async () => {
    expect(new TextDecoder().decode(await od.download("seed/two.txt"))).toBe("22");
  });

  it("get() takes a path relative to the v1.0 base, with query parameters, or an absolute Graph URL", async () => {
    const item = await od.get<{ name: string; id: string }>("me/drive/root:/seed/one.txt?$select=id,name");
    expect(item.name).toBe("one.txt");
    const drive = await od.get<{ driveType: string }>(`${h.emu.graphUrl}/me/drive`);
    expect(drive.driveType).toBe("personal");
  });

  it("get() refuses to send the token to an absolute URL on another host", async () => {
    await expect(od.get("http://127.0.0.2:9/v1.0/me")).rejects.toThrow(
      /refusing to send the Graph access token/,
    );
  });

  it("request() returns the fetch Response whatever its status, with json and data bodies", async () => {
    const created = await od.request("POST", "me/drive/root/children", {
      json: { name: "via-request", folder: {}, "@microsoft.graph.conflictBehavior": "fail" },
    });
    expect(created.status).toBe(201);
    const put = await od.request("PUT", "me/drive/root:/via-request/raw.bin:/content", {
      data: new Uint8Array([1, 2, 3]),
    });
    expect(put.status).toBe(201);
    const missing = await od.request("GET", "me/drive/root:/no/such/thing");
    expect(missing.status).toBe(404);
  });
});

describe("paths", () => {
  const names = [
    "a#b.txt",
    "100%.csv",
    "with space.txt",
    "it's.txt",
    "naïve – ☃ 日本.txt",
    `${"x".repeat(251)}.txt`,
  ];
  for (const name of names) {
    it(`round-trips a file named ${JSON.stringify(name.length > 40 ? `${name.slice(0, 12)}… (${name.length} chars)` : name)}`, async () => {
      const data = new TextEncoder().encode(`content of ${name}`);
      const item = await od.upload(`names/${name}`, data);
      expect(item.name).toBe(name);
      expectSameBytes(await od.download(`names/${name}`), data);
      expect((await od.stat(`names/${name}`)).id).toBe(item.id);
    });
  }

  it("refuses a forbidden name before any request, naming the character", async () => {
    const before = od.stats.requests;
    await expect(od.upload("bad/a:b.txt", new Uint8Array(1))).rejects.toThrow(InvalidPathError);
    await expect(od.stat("x?$select=id")).rejects.toThrow(/\?/);
    await expect(od.stat("a/../../drives/x")).rejects.toThrow(InvalidPathError);
    expect(od.stats.requests).toBe(before);
  });

  it("addresses a folder literally named like an action, never the action", async () => {
    await od.mkdir("actions/content", { parents: true });
    await od.upload("actions/content/children", new TextEncoder().encode("x"));
    const item = await od.stat("actions/content/children");
    expect(item.name).toBe("children");
    expect(item.file).toBeDefined();
  });
});

describe("uploads and downloads at the size boundaries", () => {
  const sizes: [string, number][] = [
    ["0 bytes", 0],
    ["exactly 4 MiB (simple PUT)", 4 * MiB],
    ["4 MiB + 1 (upload session)", 4 * MiB + 1],
    ["10 MiB + 1 (two fragments)", 10 * MiB + 1],
  ];
  for (const [label, size] of sizes) {
    it(`uploads and downloads ${label} with matching hashes`, async () => {
      const data = bytes(size, size + 7);
      const before = (await h.emu.admin.counters()).requests;
      const item = await od.upload(`sizes/${size}.bin`, data);
      expect(item.size).toBe(size);
      expect(item.file?.hashes?.quickXorHash).toBe(quickXorHash(data));
      expect(item.file?.hashes?.sha1Hash).toBe(sha1(data));
      const after = (await h.emu.admin.counters()).requests;
      const sessions =
        countRequests(after, { route: "createUploadSession" }) -
        countRequests(before, { route: "createUploadSession" });
      expect(sessions).toBe(size > 4 * MiB ? 1 : 0);
      expectSameBytes(await od.download(`sizes/${size}.bin`), data);
    });
  }

  it("replaces by default, fails with ConflictError under conflict: fail, and renames under rename", async () => {
    await od.upload("conflict/a.txt", new TextEncoder().encode("1"));
    const replaced = await od.upload("conflict/a.txt", new TextEncoder().encode("2"));
    expect(replaced.size).toBe(1);
    await expect(
      od.upload("conflict/A.TXT", new TextEncoder().encode("3"), { conflict: "fail" }),
    ).rejects.toThrow(ConflictError);
    const renamed = await od.upload("conflict/a.txt", new TextEncoder().encode("4"), { conflict: "rename" });
    expect(renamed.name).toBe("a 1.txt");
    await expect(od.upload("conflict/big.bin", bytes(5 * MiB), { conflict: "fail" })).resolves.toBeDefined();
    await expect(od.upload("conflict/big.bin", bytes(5 * MiB), { conflict: "fail" })).rejects.toThrow(
      ConflictError,
    );
  });

  it("accepts a Blob, a local file path, a Node Readable, a web ReadableStream and an AsyncIterable", async () => {
    const data = bytes(6 * MiB + 123, 3);
    const dir = await mkdtemp(join(tmpdir(), "ferry-src-"));
    try {
      await writeFile(join(dir, "f.bin"), data);
      const sources = {
        blob: new Blob([data]),
        path: join(dir, "f.bin"),
        readable: Readable.from([data.subarray(0, 1000), data.subarray(1000)]),
        web: new Blob([data]).stream(),
        iterable: (async function* () {
          for (let i = 0; i < data.length; i += MiB) yield data.subarray(i, i + MiB);
        })(),
      };
      for (const [kind, source] of Object.entries(sources)) {
        const item = await od.upload(`sources/${kind}.bin`, source);
        expect(item.file?.hashes?.quickXorHash, kind).toBe(quickXorHash(data));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("records modifiedAt without a second request after the upload", async () => {
    const when = new Date("2020-02-29T12:00:00Z");
    await h.emu.admin.resetCounters();
    const item = await od.upload("times/small.txt", new TextEncoder().encode("hello"), { modifiedAt: when });
    expect(item.fileSystemInfo?.lastModifiedDateTime).toBe(when.toISOString().replace(".000", ""));
    // The time travels with the upload itself: nothing after it, no PATCH of fileSystemInfo.
    const requests = (await h.emu.admin.counters()).requests.filter((r) => !r.route.includes("/_emulator/"));
    expect(requests.filter((r) => r.method === "PATCH")).toEqual([]);
    expect(countRequests(requests), JSON.stringify(requests)).toBe(UPLOAD_REQUESTS);
  });

  it("reports progress up to the total", async () => {
    const seen: number[] = [];
    await od.upload("progress/p.bin", bytes(7 * MiB), {
      chunkSize: 2 * MiB,
      onProgress: (b) => seen.push(b),
    });
    expect(seen.at(-1)).toBe(7 * MiB);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  });

  it("downloadStream() serves byte ranges, negative start counting from the end", async () => {
    const data = bytes(3 * MiB, 9);
    await od.upload("ranges/r.bin", data);
    const read = async (start?: number, end?: number) =>
      new Uint8Array(
        await new Response(await od.downloadStream("ranges/r.bin", { start, end })).arrayBuffer(),
      );
    expectSameBytes(await read(10, 20), data.subarray(10, 20));
    expectSameBytes(await read(-5), data.subarray(data.length - 5));
    expectSameBytes(await read(3 * MiB - 1), data.subarray(3 * MiB - 1));
  });

  it("downloadTo() writes a local file only once the bytes verified", async () => {
    const data = bytes(2 * MiB + 5, 11);
    await od.upload("local/d.bin", data);
    const dir = await mkdtemp(join(tmpdir(), "ferry-dl-"));
    try {
      await od.downloadTo("local/d.bin", join(dir, "d.bin"));
      expectSameBytes(new Uint8Array(await readFile(join(dir, "d.bin"))), data);
      // Every download body now arrives with one byte flipped: the hash cannot match, so nothing may stay.
      await h.emu.admin.faults({ route: "/dl/", kind: "corrupt", afterBytes: 1000, durationSeconds: 3600 });
      try {
        await expect(od.downloadTo("local/d.bin", join(dir, "bad.bin"))).rejects.toBeInstanceOf(
          IntegrityError,
        );
      } finally {
        await h.emu.admin.clearFaults();
      }
      expect((await h.emu.admin.counters()).faults.scripted).toBeGreaterThanOrEqual(1);
      // Neither the file nor a partial or temporary file is left beside the good one.
      expect(await readdir(dir)).toEqual(["d.bin"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("large transfers", () => {
  it("moves 200 MB up and down as streams, in parallel ranged parts, with matching hashes", async () => {
    const size = 200 * 1000 * 1000;
    const before = await h.emu.admin.counters();
    const item = await od.upload("big/200MB.bin", byteStream(size), { size });
    expect(item.size).toBe(size);
    const hash = (await import("../src/index.ts")).QuickXorHash;
    const local = new hash();
    for await (const chunk of byteStream(size)) local.update(chunk);
    expect(item.file?.hashes?.quickXorHash).toBe(local.digest());

    const remote = new hash();
    let received = 0;
    // Parallel parts whatever the first connection's rate (on loopback it would often carry it alone).
    const stream = await od.downloadStream("big/200MB.bin", { singleStreamRate: Number.POSITIVE_INFINITY });
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      remote.update(chunk);
      received += chunk.length;
    }
    expect(received).toBe(size);
    expect(remote.digest()).toBe(local.digest());
    const after = await h.emu.admin.counters();
    // 200 MB in 2 MiB parts after the first connection's probe: about 90 ranged GETs, not one.
    expect(
      countRequests(after.requests, { route: "/dl/" }) - countRequests(before.requests, { route: "/dl/" }),
    ).toBeGreaterThanOrEqual(20);
  });
});

describe("metadata and management", () => {
  it("stat() and exists()", async () => {
    await od.upload("meta/x.txt", new TextEncoder().encode("x"));
    expect((await od.stat("meta/x.txt")).size).toBe(1);
    expect(await od.exists("meta/x.txt")).toBe(true);
    expect(await od.exists("meta/missing.txt")).toBe(false);
    await expect(od.stat("meta/missing.txt")).rejects.toThrow(NotFoundError);
    await expect(od.stat("meta/missing.txt")).rejects.toThrow(/not found/);
  });

  it("mkdir() fails on an existing name by default and creates parents with parents: true", async () => {
    await od.mkdir("mk");
    await expect(od.mkdir("mk")).rejects.toThrow(ConflictError);
    const deep = await od.mkdir("mk/a/b/c", { parents: true });
    expect(deep.name).toBe("c");
    expect((await od.mkdir("mk/a/b/c", { parents: true })).id).toBe(deep.id);
  });

  it("delete() removes an item, refuses the root, and honours ifMatch", async () => {
    const item = await od.upload("del/x.txt", new TextEncoder().encode("x"));
    await od.upload("del/x.txt", new TextEncoder().encode("y"));
    await expect(od.delete("del/x.txt", { ifMatch: item.eTag ?? "" })).rejects.toThrow(ConflictError);
    await od.delete("del/x.txt");
    expect(await od.exists("del/x.txt")).toBe(false);
    await expect(od.delete("")).rejects.toThrow(FerryError);
  });

  it("move() renames and moves", async () => {
    await od.upload("mv/a.txt", new TextEncoder().encode("a"));
    await od.mkdir("mv/dest", { parents: true });
    const moved = await od.move("mv/a.txt", "mv/dest/b.txt");
    expect(moved.name).toBe("b.txt");
    expect(await od.exists("mv/a.txt")).toBe(false);
    expect(new TextDecoder().decode(await od.download("mv/dest/b.txt"))).toBe("a");
    await expect(od.move("mv/dest/b.txt", "mv/nowhere/c.txt")).rejects.toThrow(/does not exist/);
  });

  it("copy() waits on the monitor URL and returns the new item", async () => {
    const data = bytes(MiB, 5);
    await od.upload("cp/src.bin", data);
    await od.mkdir("cp/out", { parents: true });
    const copied = await od.copy("cp/src.bin", "cp/out/copy.bin");
    expect(copied.name).toBe("copy.bin");
    expectSameBytes(await od.download("cp/out/copy.bin"), data);
  });

  it("delta() returns changes since a token, and resyncs after 410", async () => {
    const first = await od.delta("", "latest");
    expect(first.items).toEqual([]);
    await od.upload("delta/new.txt", new TextEncoder().encode("n"));
    const second = await od.delta("", first.deltaLink);
    expect(second.items.some((i) => i.name === "new.txt")).toBe(true);
    expect(second.resynced).toBe(false);
    await od.delete("delta/new.txt");
    const third = await od.delta("", second.deltaLink);
    expect(third.items.some((i) => i.deleted !== undefined)).toBe(true);
    await h.emu.admin.invalidateDelta("personal");
    const fourth = await od.delta("", third.deltaLink);
    expect(fourth.resynced).toBe(true);
    expect(fourth.items.length).toBeGreaterThan(5);
  });

  it("iterate() pages a 2,500-item folder in ceil(N/1000) requests, with $select and $orderby", async () => {
    await h.emu.admin.seed({
      account: "personal",
      files: Array.from({ length: 2500 }, (_, i) => ({
        path: `many/f${String(i).padStart(4, "0")}.txt`,
        content: "",
      })),
    });
    const before = await h.emu.admin.counters();
    const names: string[] = [];
    for await (const item of od.iterate("many", { select: ["id", "name"], orderBy: "name desc" }))
      names.push(item.name ?? "");
    const after = await h.emu.admin.counters();
    expect(names.length).toBe(2500);
    expect(names[0]).toBe("f2499.txt");
    expect(
      countRequests(after.requests, { route: "children" }) -
        countRequests(before.requests, { route: "children" }),
    ).toBe(3);
  });
});

describe("tokens, throttling and integrity", () => {
  it("after a 401 asks the token source for a fresh token once and retries", async () => {
    const client = h.client("work");
    await client.list("");
    await h.emu.admin.expireTokens();
    await client.list("");
    expect(h.refreshes.get("work")).toBe(1);
  });

  it("waits out 429 Retry-After and succeeds", async () => {
    await h.emu.admin.faults({ path: "/v1.0/me/drive/root", count: 2, status: 429, retryAfter: 0.2 });
    const started = Date.now();
    const item = await od.stat("");
    expect(item.root).toBeDefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
  });

  it("throws IntegrityError when downloaded bytes do not match the service's hash", async () => {
    const data = bytes(300 * 1024, 13);
    await od.upload("integrity/x.bin", data);
    // Corruption in transit, after the service: flip one byte of every download body.
    const corrupting = h.client("personal", {
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).includes("/dl/") || !response.body) return response;
        const body = new Uint8Array(await response.arrayBuffer());
        body[0] = (body[0] ?? 0) ^ 0xff;
        return new Response(body, { status: response.status, headers: response.headers });
      },
    });
    await expect(corrupting.download("integrity/x.bin")).rejects.toThrow(IntegrityError);
  });
});
