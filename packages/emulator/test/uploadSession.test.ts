import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { definitionQuickXorHash } from "./quickXorHashDefinition.ts";
import { driveOf, seedFile, seedFolder, startTestEmulator, type TestEmulator } from "./support.ts";

const KiB320 = 320 * 1024;

interface UploadSession {
  "@odata.context"?: string;
  uploadUrl: string;
  expirationDateTime: string;
  nextExpectedRanges: string[];
}

interface DriveItem {
  id: string;
  name: string;
  size: number;
  "@microsoft.graph.downloadUrl": string;
  parentReference: { path: string; driveType: string };
  file: { hashes: Record<string, string> };
  fileSystemInfo: { createdDateTime: string; lastModifiedDateTime: string };
}

interface GraphError {
  error: { code: string; message: string; innerError?: { code?: string } };
}

describe("upload sessions: createUploadSession and the uploadUrl", () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.close());

  async function createSession(path: string, body?: unknown, account?: string): Promise<UploadSession> {
    const res = await emu.graph(path, {
      method: "POST",
      account,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()) as UploadSession;
  }

  /** One fragment, sent as Graph says: no Authorization, Content-Length, Content-Range. */
  const putFragment = (
    url: string,
    bytes: Uint8Array,
    start: number,
    total: number,
    headers: HeadersInit = {},
  ) =>
    fetch(url, {
      method: "PUT",
      headers: { "content-range": `bytes ${start}-${start + bytes.length - 1}/${total}`, ...headers },
      body: Buffer.from(bytes),
    });

  /** Uploads `data` in fragments of `size` bytes; returns every response. */
  async function uploadAll(url: string, data: Buffer, size: number): Promise<Response[]> {
    const out: Response[] = [];
    for (let start = 0; start < data.length; start += size) {
      out.push(await putFragment(url, data.subarray(start, start + size), start, data.length));
    }
    return out;
  }

  /**
   * What a client does after a failed fragment: ask GET uploadUrl where to resume, send from there,
   * and on 416 (the server may still be discarding the dead fragment) ask again.
   */
  async function resume(url: string, data: Buffer, size: number): Promise<{ from: number; res: Response }> {
    for (let attempt = 0; ; attempt++) {
      const status = (await (await fetch(url)).json()) as UploadSession;
      const from = Number(status.nextExpectedRanges[0]?.split("-")[0]);
      const res = await putFragment(url, data.subarray(from, from + size), from, data.length);
      if (res.status !== 416 || attempt === 50) return { from, res };
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const partFiles = () => readdirSync(emu.state.blobs.partDir).length;

  it("createUploadSession answers 200 with uploadUrl, expirationDateTime and nextExpectedRanges ['0-']", async () => {
    const session = await createSession("me/drive/root:/session/first.bin:/createUploadSession");
    expect(session.uploadUrl).toMatch(new RegExp(`^${emu.url}/up/[A-Za-z0-9_-]{20,}$`));
    expect(Date.parse(session.expirationDateTime)).toBeGreaterThan(Date.now());
    expect(session.nextExpectedRanges).toEqual(["0-"]);
    expect(session["@odata.context"]).toMatch(/\$metadata#microsoft\.graph\.uploadSession$/);
  });

  it("uploads in 320 KiB-multiple fragments with an odd last one: 202s with nextExpectedRanges, then 201 with the item", async () => {
    const data = randomBytes(3 * KiB320 + 12_345);
    const session = await createSession("me/drive/root:/session/happy.bin:/createUploadSession", {
      item: { "@microsoft.graph.conflictBehavior": "rename" },
    });
    const responses = await uploadAll(session.uploadUrl, data, 2 * KiB320);
    expect(responses.map((r) => r.status)).toEqual([202, 201]);
    const middle = (await responses[0]?.json()) as UploadSession;
    expect(middle.nextExpectedRanges).toEqual([`${2 * KiB320}-`]);
    expect(Date.parse(middle.expirationDateTime)).toBeGreaterThan(Date.now());
    const item = (await responses[1]?.json()) as DriveItem;
    expect(item.name).toBe("happy.bin");
    expect(item.size).toBe(data.length);
    expect(item.parentReference.path).toBe("/drive/root:/session");
    const downloaded = Buffer.from(await (await fetch(item["@microsoft.graph.downloadUrl"])).arrayBuffer());
    expect(downloaded.equals(data)).toBe(true);
  });

  it("the committed item's hashes equal an independent computation (personal: quickXorHash, SHA-1, SHA-256)", async () => {
    const data = randomBytes(4 * KiB320 + 7);
    const session = await createSession("me/drive/root:/session/hashes.bin:/createUploadSession");
    const responses = await uploadAll(session.uploadUrl, data, KiB320);
    const item = (await responses.at(-1)?.json()) as DriveItem;
    expect(item.file.hashes).toEqual({
      quickXorHash: definitionQuickXorHash(data),
      sha1Hash: createHash("sha1").update(data).digest("hex").toUpperCase(),
      sha256Hash: createHash("sha256").update(data).digest("hex").toUpperCase(),
    });
  });

  it("business drives report quickXorHash only", async () => {
    const data = randomBytes(KiB320 + 1);
    const session = await createSession("me/drive/root:/hashes.bin:/createUploadSession", undefined, "work");
    const responses = await uploadAll(session.uploadUrl, data, KiB320);
    const item = (await responses.at(-1)?.json()) as DriveItem;
    expect(item.parentReference.driveType).toBe("business");
    expect(item.file.hashes).toEqual({ quickXorHash: definitionQuickXorHash(data) });
  });

  it("a single fragment may carry the whole file", async () => {
    const data = randomBytes(1000);
    const session = await createSession("me/drive/root:/session/single.bin:/createUploadSession");
    expect((await putFragment(session.uploadUrl, data, 0, data.length)).status).toBe(201);
  });

  it("works below a parent id (items/{parentId}:/{name}:/createUploadSession) and creates missing parents by path", async () => {
    const folder = seedFolder(emu, "personal", "session/parent");
    const a = await createSession(`me/drive/items/${folder.id}:/child.bin:/createUploadSession`);
    const first = await putFragment(a.uploadUrl, Buffer.from("abc"), 0, 3);
    expect(first.status).toBe(201);
    expect(((await first.json()) as DriveItem).parentReference.path).toBe("/drive/root:/session/parent");
    const b = await createSession("me/drive/root:/session/made/on/commit.bin:/createUploadSession");
    const second = await putFragment(b.uploadUrl, Buffer.from("abc"), 0, 3);
    expect(second.status).toBe(201);
    expect(((await second.json()) as DriveItem).parentReference.path).toBe("/drive/root:/session/made/on");
  });

  it("replacing an existing file answers 200 with the same id (replace is what the service does by default)", async () => {
    const existing = await seedFile(emu, "personal", "session/existing.bin", "old");
    const session = await createSession(`me/drive/items/${existing.id}/createUploadSession`);
    const res = await putFragment(session.uploadUrl, Buffer.from("new bytes"), 0, 9);
    expect(res.status).toBe(200);
    expect(((await res.json()) as DriveItem).id).toBe(existing.id);
  });

  it("conflictBehavior fail with an existing item answers 409 nameAlreadyExists when the session is created", async () => {
    await seedFile(emu, "personal", "session/taken.bin", "x");
    const res = await emu.graph("me/drive/root:/session/taken.bin:/createUploadSession", {
      method: "POST",
      body: JSON.stringify({ item: { "@microsoft.graph.conflictBehavior": "fail" } }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as GraphError).error.code).toBe("nameAlreadyExists");
  });

  it("a name clash that appears during the upload answers 409 at the last fragment, and the session ends", async () => {
    const session = await createSession("me/drive/root:/session/race.bin:/createUploadSession", {
      item: { "@microsoft.graph.conflictBehavior": "fail" },
    });
    await seedFile(emu, "personal", "session/race.bin", "got here first");
    const res = await putFragment(session.uploadUrl, Buffer.from("late"), 0, 4);
    expect(res.status).toBe(409);
    expect(((await res.json()) as GraphError).error.code).toBe("nameAlreadyExists");
    expect((await fetch(session.uploadUrl)).status).toBe(404);
  });

  it("conflictBehavior rename at commit gives the file a free name", async () => {
    await seedFile(emu, "personal", "session/twice.bin", "x");
    const session = await createSession("me/drive/root:/session/twice.bin:/createUploadSession", {
      item: { "@microsoft.graph.conflictBehavior": "rename" },
    });
    const res = await putFragment(session.uploadUrl, Buffer.from("y"), 0, 1);
    expect(res.status).toBe(201);
    expect(((await res.json()) as DriveItem).name).toBe("twice 1.bin");
  });

  it("the item name in the body must match the path (400 otherwise)", async () => {
    const res = await emu.graph("me/drive/root:/session/a.bin:/createUploadSession", {
      method: "POST",
      body: JSON.stringify({ item: { name: "b.bin" } }),
    });
    expect(res.status).toBe(400);
  });

  it("a declared fileSize over the free quota answers 507 and no session is created", async () => {
    const res = await emu.graph("me/drive/root:/session/huge.bin:/createUploadSession", {
      method: "POST",
      body: JSON.stringify({ item: { fileSize: 2 * 1024 ** 4 } }),
    });
    expect(res.status).toBe(507);
    expect(((await res.json()) as GraphError).error.code).toBe("quotaLimitReached");
  });

  it("fileSystemInfo given at creation is applied when the session commits", async () => {
    const fileSystemInfo = {
      createdDateTime: "2020-01-02T03:04:05Z",
      lastModifiedDateTime: "2021-06-07T08:09:10Z",
    };
    const session = await createSession("me/drive/root:/session/dated.bin:/createUploadSession", {
      item: { fileSystemInfo },
    });
    const item = (await (await putFragment(session.uploadUrl, Buffer.from("d"), 0, 1)).json()) as DriveItem;
    expect(item.fileSystemInfo).toEqual(fileSystemInfo);
  });

  describe("fragment rules", () => {
    let session: UploadSession;
    const total = 3 * KiB320;
    const data = randomBytes(total);
    beforeAll(async () => {
      session = await createSession("me/drive/root:/session/rules.bin:/createUploadSession");
      expect((await putFragment(session.uploadUrl, data.subarray(0, KiB320), 0, total)).status).toBe(202);
    });

    it("a fragment overlapping received bytes answers 416 invalidRange, innerError fragmentOverlap", async () => {
      const res = await putFragment(session.uploadUrl, data.subarray(0, KiB320), 0, total);
      expect(res.status).toBe(416);
      const body = (await res.json()) as GraphError;
      expect(body.error.code).toBe("invalidRange");
      expect(body.error.innerError?.code).toBe("fragmentOverlap");
    });

    it("a fragment past the next expected byte answers 416 invalidRange, innerError fragmentOutOfOrder", async () => {
      const res = await putFragment(session.uploadUrl, data.subarray(2 * KiB320), 2 * KiB320, total);
      expect(res.status).toBe(416);
      const body = (await res.json()) as GraphError;
      expect(body.error.code).toBe("invalidRange");
      expect(body.error.innerError?.code).toBe("fragmentOutOfOrder");
    });

    it("a total that differs from the earlier fragments' answers 400 invalidRequest", async () => {
      const res = await putFragment(session.uploadUrl, data.subarray(KiB320, 2 * KiB320), KiB320, total + 1);
      expect(res.status).toBe(400);
      expect(((await res.json()) as GraphError).error.code).toBe("invalidRequest");
    });

    it("a fragment that is not a multiple of 320 KiB (and not the last) answers 400", async () => {
      const res = await putFragment(session.uploadUrl, data.subarray(KiB320, KiB320 + 1000), KiB320, total);
      expect(res.status).toBe(400);
    });

    it("a Content-Length that disagrees with Content-Range answers 400", async () => {
      const status = await rawPut(
        session.uploadUrl,
        {
          "content-range": `bytes ${KiB320}-${2 * KiB320 - 1}/${total}`,
          "content-length": "10",
        },
        Buffer.alloc(10),
      );
      expect(status).toBe(400);
    });

    it("a fragment over 60 MiB answers 413 before its body is read", async () => {
      const big = await createSession("me/drive/root:/session/big.bin:/createUploadSession");
      const size = 60 * 1024 * 1024 + KiB320;
      const status = await rawPut(big.uploadUrl, {
        "content-range": `bytes 0-${size - 1}/${2 * size}`,
        "content-length": String(size),
      });
      expect(status).toBe(413);
    });

    it("a missing or malformed Content-Range answers 400 invalidRequest", async () => {
      const res = await fetch(session.uploadUrl, { method: "PUT", body: Buffer.alloc(KiB320) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as GraphError).error.message).toBe(
        "The Content-Range header is missing or malformed.",
      );
    });

    it("GET uploadUrl reports where to resume, and the rules above changed nothing", async () => {
      const res = await fetch(session.uploadUrl);
      expect(res.status).toBe(200);
      const status = (await res.json()) as UploadSession;
      expect(status.nextExpectedRanges).toEqual([`${KiB320}-`]);
      expect(Date.parse(status.expirationDateTime)).toBeGreaterThan(Date.now());
    });

    it("the session still completes with the right bytes", async () => {
      expect(
        (await putFragment(session.uploadUrl, data.subarray(KiB320, 2 * KiB320), KiB320, total)).status,
      ).toBe(202);
      const res = await putFragment(session.uploadUrl, data.subarray(2 * KiB320), 2 * KiB320, total);
      expect(res.status).toBe(201);
      const item = (await res.json()) as DriveItem;
      expect(
        Buffer.from(await (await fetch(item["@microsoft.graph.downloadUrl"])).arrayBuffer()).equals(data),
      ).toBe(true);
    });
  });

  it("sending Authorization with a fragment answers 401, and is counted", async () => {
    const session = await createSession("me/drive/root:/session/auth.bin:/createUploadSession");
    const before = emu.state.counters.authOnPreauthenticatedUrl;
    const res = await putFragment(session.uploadUrl, Buffer.from("x"), 0, 1, {
      authorization: `Bearer ${emu.token()}`,
    });
    expect(res.status).toBe(401);
    expect(emu.state.counters.authOnPreauthenticatedUrl).toBe(before + 1);
    expect((await putFragment(session.uploadUrl, Buffer.from("x"), 0, 1)).status).toBe(201);
  });

  it("with rejectAuthOnUploadUrl off, a fragment with Authorization is accepted (and still counted)", async () => {
    const lenient = await startTestEmulator({ rejectAuthOnUploadUrl: false });
    try {
      const res = await lenient.graph("me/drive/root:/auth.bin:/createUploadSession", { method: "POST" });
      const session = (await res.json()) as UploadSession;
      const put = await putFragment(session.uploadUrl, Buffer.from("x"), 0, 1, {
        authorization: `Bearer ${lenient.token()}`,
      });
      expect(put.status).toBe(201);
      expect(lenient.state.counters.authOnPreauthenticatedUrl).toBe(1);
    } finally {
      await lenient.close();
    }
  });

  it("DELETE uploadUrl cancels the session (204), removes its bytes, and the URL then answers 404", async () => {
    const session = await createSession("me/drive/root:/session/cancel.bin:/createUploadSession");
    await putFragment(session.uploadUrl, randomBytes(KiB320), 0, 2 * KiB320);
    const before = partFiles();
    const res = await fetch(session.uploadUrl, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect(partFiles()).toBe(before - 1);
    const after = await fetch(session.uploadUrl);
    expect(after.status).toBe(404);
    expect(((await after.json()) as GraphError).error.code).toBe("itemNotFound");
    expect(driveOf(emu).resolve(driveOf(emu).root, ["session", "cancel.bin"])).toBeUndefined();
  });

  it("an unknown session answers 404 itemNotFound", async () => {
    const res = await fetch(`${emu.url}/up/no-such-session`, { method: "PUT", body: "x" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as GraphError).error.code).toBe("itemNotFound");
  });

  it("a session expires (404, start over); each accepted fragment pushes expirationDateTime out", async () => {
    const lifetime = emu.state.options.uploadSessionLifetime;
    const session = await createSession("me/drive/root:/session/expire.bin:/createUploadSession");
    emu.state.clock.advance(lifetime / 2);
    const res = await putFragment(session.uploadUrl, randomBytes(KiB320), 0, 2 * KiB320);
    expect(res.status).toBe(202);
    const extended = (await res.json()) as UploadSession;
    expect(Date.parse(extended.expirationDateTime)).toBeGreaterThan(Date.parse(session.expirationDateTime));
    emu.state.clock.advance(lifetime / 2 + 1);
    expect((await fetch(session.uploadUrl)).status).toBe(200);
    emu.state.clock.advance(lifetime);
    const gone = await fetch(session.uploadUrl);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as GraphError).error.code).toBe("itemNotFound");
  });

  it("resumes after a fragment is cut off mid-body: GET uploadUrl names the last good offset", async () => {
    const data = randomBytes(3 * KiB320 + 999);
    const session = await createSession("me/drive/root:/session/resume.bin:/createUploadSession");
    expect((await putFragment(session.uploadUrl, data.subarray(0, KiB320), 0, data.length)).status).toBe(202);

    // The second fragment dies half-way: the client aborts after sending part of its body.
    const abort = new AbortController();
    const half = data.subarray(KiB320, KiB320 + KiB320 / 2);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(half);
        setTimeout(() => abort.abort(), 50);
      },
    });
    await fetch(session.uploadUrl, {
      method: "PUT",
      headers: {
        "content-range": `bytes ${KiB320}-${2 * KiB320 - 1}/${data.length}`,
        "content-length": String(KiB320),
      },
      body,
      signal: abort.signal,
      duplex: "half",
    } as RequestInit).catch(() => undefined);

    const resumed = await resume(session.uploadUrl, data, KiB320);
    expect(resumed.from).toBe(KiB320);
    expect(resumed.res.status).toBe(202);
    const rest = await putFragment(session.uploadUrl, data.subarray(2 * KiB320), 2 * KiB320, data.length);
    expect(rest.status).toBe(201);
    const item = (await rest.json()) as DriveItem;
    expect(item.size).toBe(data.length);
    expect(item.file.hashes.sha256Hash).toBe(createHash("sha256").update(data).digest("hex").toUpperCase());
    expect(
      Buffer.from(await (await fetch(item["@microsoft.graph.downloadUrl"])).arrayBuffer()).equals(data),
    ).toBe(true);
  });

  it("a connection reset by chaos mid-fragment leaves the session resumable at the last whole fragment", async () => {
    const data = randomBytes(3 * KiB320);
    const session = await createSession("me/drive/root:/session/chaos.bin:/createUploadSession");
    expect((await putFragment(session.uploadUrl, data.subarray(0, KiB320), 0, data.length)).status).toBe(202);
    const armed = await fetch(`${emu.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ method: "PUT", path: "/up/", kind: "reset", afterBytes: 100_000, count: 1 }),
    });
    expect(armed.ok).toBe(true);
    const cut = await putFragment(
      session.uploadUrl,
      data.subarray(KiB320, 2 * KiB320),
      KiB320,
      data.length,
    ).catch(() => undefined);
    expect(cut?.status).not.toBe(202);
    const resumed = await resume(session.uploadUrl, data, KiB320);
    expect(resumed.from).toBe(KiB320);
    expect(resumed.res.status).toBe(202);
    const last = await putFragment(session.uploadUrl, data.subarray(2 * KiB320), 2 * KiB320, data.length);
    expect(last.status).toBe(201);
    const item = (await last.json()) as DriveItem;
    expect(item.file.hashes.sha1Hash).toBe(createHash("sha1").update(data).digest("hex").toUpperCase());
  });

  it("a fragment sent chunked (no Content-Length) is accepted when its body matches Content-Range", async () => {
    const data = randomBytes(KiB320 + 5);
    const session = await createSession("me/drive/root:/session/chunked.bin:/createUploadSession");
    const stream = (bytes: Uint8Array) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      });
    const first = await fetch(session.uploadUrl, {
      method: "PUT",
      headers: { "content-range": `bytes 0-${KiB320 - 1}/${data.length}` },
      body: stream(data.subarray(0, KiB320)),
      duplex: "half",
    } as RequestInit);
    expect(first.status).toBe(202);

    // One byte too many: refused, and none of it kept.
    const long = await fetch(session.uploadUrl, {
      method: "PUT",
      headers: { "content-range": `bytes ${KiB320}-${data.length - 1}/${data.length}` },
      body: stream(Buffer.concat([data.subarray(KiB320), Buffer.from("!")])),
      duplex: "half",
    } as RequestInit).catch(() => undefined);
    expect(long === undefined || long.status === 400).toBe(true);
    const last = await resume(session.uploadUrl, data, KiB320);
    expect(last.from).toBe(KiB320);
    expect(last.res.status).toBe(201);
    const item = (await last.res.json()) as DriveItem;
    expect(
      Buffer.from(await (await fetch(item["@microsoft.graph.downloadUrl"])).arrayBuffer()).equals(data),
    ).toBe(true);
  });

  it("two concurrent PUTs of the same fragment never corrupt the file: one 202, the other 416", async () => {
    const data = randomBytes(2 * KiB320);
    const session = await createSession("me/drive/root:/session/concurrent.bin:/createUploadSession");
    const first = data.subarray(0, KiB320);
    const statuses = (
      await Promise.all([
        putFragment(session.uploadUrl, first, 0, data.length),
        putFragment(session.uploadUrl, first, 0, data.length),
      ])
    ).map((r) => r.status);
    expect(statuses.sort()).toEqual([202, 416]);
    const res = await putFragment(session.uploadUrl, data.subarray(KiB320), KiB320, data.length);
    expect(res.status).toBe(201);
    const item = (await res.json()) as DriveItem;
    expect(
      Buffer.from(await (await fetch(item["@microsoft.graph.downloadUrl"])).arrayBuffer()).equals(data),
    ).toBe(true);
  });

  it("deferCommit: the last fragment answers 202 and an empty POST to uploadUrl creates the file (201)", async () => {
    const data = randomBytes(KiB320 + 10);
    const session = await createSession("me/drive/root:/session/deferred.bin:/createUploadSession", {
      deferCommit: true,
    });
    const early = await fetch(session.uploadUrl, { method: "POST", headers: { "content-length": "0" } });
    expect(early.status).toBe(416);
    const responses = await uploadAll(session.uploadUrl, data, KiB320);
    expect(responses.map((r) => r.status)).toEqual([202, 202]);
    const last = (await responses[1]?.json()) as UploadSession;
    expect(last.nextExpectedRanges).toEqual([]);
    expect(driveOf(emu).resolve(driveOf(emu).root, ["session", "deferred.bin"])).toBeUndefined();
    const commit = await fetch(session.uploadUrl, { method: "POST", headers: { "content-length": "0" } });
    expect(commit.status).toBe(201);
    const item = (await commit.json()) as DriveItem;
    expect(item.size).toBe(data.length);
    expect(item.file.hashes.sha1Hash).toBe(createHash("sha1").update(data).digest("hex").toUpperCase());
  });

  it("0-byte files cannot go through a session: the empty fragment answers 400 invalidRequest", async () => {
    const session = await createSession("me/drive/root:/session/empty.bin:/createUploadSession");
    for (const range of ["bytes 0--1/0", "bytes 0-0/0"]) {
      const res = await fetch(session.uploadUrl, {
        method: "PUT",
        headers: { "content-range": range },
        body: Buffer.alloc(0),
      });
      expect(res.status, range).toBe(400);
      const error = (await res.json()) as GraphError;
      expect(error.error.code).toBe("invalidRequest");
      expect(error.error.message).toBe("The Content-Range header is missing or malformed.");
    }
  });

  it("counts fragment bytes in bytesIn under stable route labels", async () => {
    const before = emu.state.counters.bytesIn;
    const session = await createSession("me/drive/root:/session/counted.bin:/createUploadSession");
    await putFragment(session.uploadUrl, randomBytes(777), 0, 777);
    expect(emu.state.counters.bytesIn - before).toBe(777);
    const routes = emu.state.counters.snapshot().requests.map((r) => r.route);
    expect(routes).toContain("PUT /up/{sessionId}");
  });
});

/** A PUT whose headers may lie about its body: sends them, then `body` (if any), and reads the status. */
function rawPut(url: string, headers: Record<string, string>, body?: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "PUT", headers }, (res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.flushHeaders();
  });
}
