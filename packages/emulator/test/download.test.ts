import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driveOf, seedFile, seedFolder, startTestEmulator, type TestEmulator } from "./support.ts";

interface GraphError {
  error: { code: string; message: string; innerError?: { code?: string } };
}

describe("downloads: GET …/content and the pre-authenticated download URL", () => {
  let emu: TestEmulator;
  const body = randomBytes(1_000_003);
  let fileId: string;
  let folderId: string;

  beforeAll(async () => {
    emu = await startTestEmulator();
    fileId = (await seedFile(emu, "personal", "Docs/report 2024 #1.bin", body)).id;
    folderId = seedFolder(emu, "personal", "Docs/Empty").id;
    await seedFile(emu, "personal", "Docs/zero.txt", "");
    await seedFile(emu, "personal", "Docs/Ünïcødé 'quoted' 100%.csv", "a,b\n1,2\n");
  });
  afterAll(() => emu.close());

  /** The Location of `GET {path}/content`: Graph's 302 to the item's downloadUrl. */
  async function locationOf(path: string): Promise<string> {
    const res = await emu.graph(path);
    expect(res.status).toBe(302);
    const location = res.headers.get("location");
    expect(location).toBeTruthy();
    return location ?? "";
  }

  it("GET …/content by path answers 302 Found with Location set to the downloadUrl, and no body", async () => {
    const res = await emu.graph("me/drive/root:/Docs/report%202024%20%231.bin:/content");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(new RegExp(`^${emu.url}/`));
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("GET …/content works by id and by a path relative to a parent id (items/{id}:/{name}:/content)", async () => {
    expect(await locationOf(`me/drive/items/${fileId}/content`)).toMatch(/^http/);
    const docs = driveOf(emu).child(driveOf(emu).root, "Docs");
    expect(await locationOf(`me/drive/items/${docs?.id}:/report%202024%20%231.bin:/content`)).toMatch(
      /^http/,
    );
    expect(await locationOf(`drives/${driveOf(emu).id}/items/${fileId}/content`)).toMatch(/^http/);
  });

  it("the downloadUrl is followed WITHOUT Authorization and returns the exact bytes (200)", async () => {
    const res = await fetch(await locationOf(`me/drive/items/${fileId}/content`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(body.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);
  });

  it("the downloadUrl names the file like OneDrive: Accept-Ranges, ETag, Content-Type, Content-Disposition", async () => {
    const res = await fetch(
      await locationOf("me/drive/root:/Docs/%C3%9Cn%C3%AFc%C3%B8d%C3%A9%20'quoted'%20100%25.csv:/content"),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("etag")).toMatch(/^".+"$/);
    expect(res.headers.get("content-type")).toBe("text/csv");
    const disposition = res.headers.get("content-disposition") ?? "";
    expect(disposition).toMatch(/^attachment;/);
    expect(disposition).toContain(
      `filename*=UTF-8''${encodeURIComponent("Ünïcødé")}%20%27quoted%27%20100%25.csv`,
    );
    expect(await res.text()).toBe("a,b\n1,2\n");
  });

  it("a folder has no content: GET …/content answers 404 itemNotFound", async () => {
    const res = await emu.graph(`me/drive/items/${folderId}/content`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as GraphError).error.code).toBe("itemNotFound");
  });

  it("a missing item answers 404 itemNotFound", async () => {
    const res = await emu.graph("me/drive/root:/Docs/nope.bin:/content");
    expect(res.status).toBe(404);
    expect(((await res.json()) as GraphError).error.code).toBe("itemNotFound");
  });

  it("a 0-byte file downloads as 200 with Content-Length 0", async () => {
    const res = await fetch(await locationOf("me/drive/root:/Docs/zero.txt:/content"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe("0");
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  describe("Range on the downloadUrl (206 with Content-Range; the server may ignore Range)", () => {
    let url: string;
    beforeAll(async () => {
      url = await locationOf(`me/drive/items/${fileId}/content`);
    });
    const get = (range: string, method = "GET") => fetch(url, { method, headers: { range } });

    it("bytes=a-b answers 206 with Content-Range bytes a-b/total, Content-Length and exactly those bytes", async () => {
      const res = await get("bytes=100-199");
      expect(res.status).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes 100-199/${body.length}`);
      expect(res.headers.get("content-length")).toBe("100");
      expect(Buffer.from(await res.arrayBuffer()).equals(body.subarray(100, 200))).toBe(true);
    });

    it("bytes=a- answers 206 with everything from a to the end", async () => {
      const res = await get("bytes=999000-");
      expect(res.status).toBe(206);
      expect(res.headers.get("content-range")).toBe(`bytes 999000-${body.length - 1}/${body.length}`);
      expect(Buffer.from(await res.arrayBuffer()).equals(body.subarray(999_000))).toBe(true);
    });

    it("bytes=-n answers 206 with the last n bytes", async () => {
      const res = await get("bytes=-10");
      expect(res.status).toBe(206);
      expect(res.headers.get("content-range")).toBe(
        `bytes ${body.length - 10}-${body.length - 1}/${body.length}`,
      );
      expect(Buffer.from(await res.arrayBuffer()).equals(body.subarray(-10))).toBe(true);
    });

    it("a range ending past the file is cut at the last byte (RFC 9110)", async () => {
      const res = await get(`bytes=${body.length - 5}-${body.length + 1000}`);
      expect(res.status).toBe(206);
      expect(res.headers.get("content-range")).toBe(
        `bytes ${body.length - 5}-${body.length - 1}/${body.length}`,
      );
      expect((await res.arrayBuffer()).byteLength).toBe(5);
    });

    it("a range starting past the end answers 416 with Content-Range bytes */total", async () => {
      const res = await get(`bytes=${body.length}-`);
      expect(res.status).toBe(416);
      expect(res.headers.get("content-range")).toBe(`bytes */${body.length}`);
    });

    it("a multi-range request may be answered 200 with the whole body", async () => {
      const res = await get("bytes=0-9,20-29");
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(body.length);
    });

    it("HEAD answers the headers of the GET without a body", async () => {
      const whole = await fetch(url, { method: "HEAD" });
      expect(whole.status).toBe(200);
      expect(whole.headers.get("content-length")).toBe(String(body.length));
      expect(whole.headers.get("accept-ranges")).toBe("bytes");
      expect((await whole.arrayBuffer()).byteLength).toBe(0);
      const part = await get("bytes=0-99", "HEAD");
      expect(part.status).toBe(206);
      expect(part.headers.get("content-range")).toBe(`bytes 0-99/${body.length}`);
      expect(part.headers.get("content-length")).toBe("100");
    });
  });

  it("a download cut mid-body by a connection reset resumes with Range from the bytes received", async () => {
    const url = await locationOf(`me/drive/items/${fileId}/content`);
    const armed = await fetch(`${emu.url}/_emulator/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ method: "GET", path: "/dl/", kind: "reset", afterBytes: 300_000, count: 1 }),
    });
    expect(armed.ok).toBe(true);
    const received: Buffer[] = [];
    try {
      const res = await fetch(url);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
        received.push(Buffer.from(chunk));
    } catch {
      // The reset surfaces as a network error part-way through the body.
    }
    const got = Buffer.concat(received);
    expect(got.length).toBeLessThan(body.length);
    const rest = await fetch(url, { headers: { range: `bytes=${got.length}-` } });
    expect(rest.status).toBe(206);
    expect(Buffer.concat([got, Buffer.from(await rest.arrayBuffer())]).equals(body)).toBe(true);
  });

  it("an expired downloadUrl stops working: 401, and a fresh one from Graph works again", async () => {
    const url = await locationOf(`me/drive/items/${fileId}/content`);
    emu.state.clock.advance(emu.state.options.downloadUrlLifetime + 1);
    const res = await fetch(url);
    expect(res.status).toBe(401);
    expect(((await res.json()) as GraphError).error.message).toMatch(/expired/);
    expect((await fetch(await locationOf(`me/drive/items/${fileId}/content`))).status).toBe(200);
  });

  it("an altered downloadUrl is refused with 401", async () => {
    const url = await locationOf(`me/drive/items/${fileId}/content`);
    const dot = url.lastIndexOf(".");
    const tampered = `${url.slice(0, dot - 3)}${url[dot - 3] === "A" ? "B" : "A"}${url.slice(dot - 2)}`;
    expect((await fetch(tampered)).status).toBe(401);
    expect((await fetch(`${emu.url}/dl/not-a-token`)).status).toBe(401);
  });

  it("a downloadUrl whose file was deleted answers 404", async () => {
    const item = await seedFile(emu, "personal", "Docs/doomed.txt", "bye");
    const url = await locationOf(`me/drive/items/${item.id}/content`);
    const drive = driveOf(emu);
    await emu.state.blobs.release(drive.remove(item, emu.state.clock.iso()));
    expect((await fetch(url)).status).toBe(404);
  });

  it("needs no Authorization, and counts the requests that send one anyway", async () => {
    const url = await locationOf(`me/drive/items/${fileId}/content`);
    const before = emu.state.counters.authOnPreauthenticatedUrl;
    const res = await fetch(url, { headers: { authorization: `Bearer ${emu.token()}`, range: "bytes=0-0" } });
    expect(res.status).toBe(206);
    expect(emu.state.counters.authOnPreauthenticatedUrl).toBe(before + 1);
  });

  it("counts the file bytes it sends in bytesOut, under a stable route label", async () => {
    const url = await locationOf(`me/drive/items/${fileId}/content`);
    const before = emu.state.counters.bytesOut;
    await (await fetch(url, { headers: { range: "bytes=0-1023" } })).arrayBuffer();
    expect(emu.state.counters.bytesOut - before).toBe(1024);
    const routes = emu.state.counters.snapshot().requests.map((r) => `${r.route} ${r.status}`);
    expect(routes).toContain("GET /dl/{token} 206");
  });
});
