import { createHash } from "node:crypto";
import { PassThrough, type Readable } from "node:stream";
import {
  type Client,
  FileUpload,
  LargeFileUploadTask,
  type PageCollection,
  PageIterator,
  StreamUpload,
} from "@microsoft/microsoft-graph-client";
import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { Agent, setGlobalDispatcher } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkClient } from "../../../bench/lib/sdkClient.ts";
import { type RunningEmulator, startEmulator } from "../src/index.ts";

// Microsoft's own Graph SDK accepting the emulator is the evidence that it speaks Graph.
describe("Microsoft's @microsoft/microsoft-graph-client against the emulator", () => {
  let emu: RunningEmulator;
  let client: Client;

  beforeAll(async () => {
    // The SDK only treats https:// URLs as absolute (nextLink, uploadUrl) and only sends tokens to
    // https hosts, so it talks to the emulator over TLS, trusting its self-signed certificate.
    emu = await startEmulator({ tls: true });
    setGlobalDispatcher(new Agent({ connect: { ca: emu.ca } }));
    const { accessToken } = await emu.admin.token("personal");
    client = sdkClient(emu.graphUrl, async () => accessToken);
  });
  afterAll(() => emu.close());

  it("lists a folder of 2,500 items with PageIterator, following @odata.nextLink", async () => {
    await emu.admin.seed({
      account: "personal",
      files: Array.from({ length: 2500 }, (_, i) => ({
        path: `sdk/many/item-${String(i).padStart(4, "0")}.txt`,
        content: `${i}`,
      })),
    });
    const first: PageCollection = await client.api("/me/drive/root:/sdk/many:/children").get();
    const names: string[] = [];
    const iterator = new PageIterator(client, first, (item: DriveItem) => {
      names.push(item.name ?? "");
      return true;
    });
    await iterator.iterate();
    expect(names).toHaveLength(2500);
    expect(new Set(names).size).toBe(2500);
    expect(names[0]).toBe("item-0000.txt");
    expect(names.at(-1)).toBe("item-2499.txt");
  });

  it("uploads a 30 MB file with LargeFileUploadTask and downloads the same bytes", async () => {
    const size = 30 * 1000 * 1000;
    const data = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    const session = await LargeFileUploadTask.createUploadSession(
      client,
      `${emu.graphUrl}/me/drive/root:/sdk/big.bin:/createUploadSession`,
      {
        item: { "@microsoft.graph.conflictBehavior": "replace" },
      },
    );
    const task = new LargeFileUploadTask(
      client,
      new FileUpload(
        data.buffer.slice(data.byteOffset, data.byteOffset + size) as ArrayBuffer,
        "big.bin",
        size,
      ),
      session,
      {
        rangeSize: 320 * 1024 * 20,
      },
    );
    const result = await task.upload();
    const item = result.responseBody as DriveItem;
    expect(item.name).toBe("big.bin");
    expect(item.size).toBe(size);
    expect(item.file?.hashes?.sha256Hash).toBe(createHash("sha256").update(data).digest("hex").toUpperCase());

    const stream: Readable = await client.api("/me/drive/root:/sdk/big.bin:/content").getStream();
    const hash = createHash("sha256");
    let received = 0;
    for await (const chunk of stream) {
      hash.update(chunk);
      received += chunk.length;
    }
    expect(received).toBe(size);
    expect(hash.digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
  });

  it("uploads from a stream with StreamUpload", async () => {
    const size = 5 * 1024 * 1024 + 17;
    const data = Buffer.alloc(size, 7);
    const session = await LargeFileUploadTask.createUploadSession(
      client,
      `${emu.graphUrl}/me/drive/root:/sdk/streamed.bin:/createUploadSession`,
      {
        item: { "@microsoft.graph.conflictBehavior": "rename" },
      },
    );
    const task = new LargeFileUploadTask(
      client,
      new StreamUpload(new PassThrough().end(data), "streamed.bin", size),
      session,
      {
        rangeSize: 320 * 1024 * 4,
      },
    );
    const result = await task.upload();
    expect((result.responseBody as DriveItem).size).toBe(size);
  });

  it("creates a folder and deletes it", async () => {
    const folder: DriveItem = await client.api("/me/drive/root/children").post({
      name: "made by the SDK",
      folder: {},
      "@microsoft.graph.conflictBehavior": "fail",
    });
    expect(folder.folder).toBeDefined();
    await expect(
      client
        .api("/me/drive/root/children")
        .post({ name: "made by the SDK", folder: {}, "@microsoft.graph.conflictBehavior": "fail" }),
    ).rejects.toMatchObject({
      statusCode: 409,
      code: "nameAlreadyExists",
    });
    await client.api(`/me/drive/items/${folder.id}`).delete();
    await expect(client.api("/me/drive/root:/made by the SDK").get()).rejects.toMatchObject({
      statusCode: 404,
      code: "itemNotFound",
    });
  });

  it("reads /me and /me/drive into the SDK's types", async () => {
    const me = await client.api("/me").get();
    expect(me.displayName).toBe("Ada Lovelace");
    const drive = await client.api("/me/drive").get();
    expect(drive.driveType).toBe("personal");
    expect(drive.quota.total).toBeGreaterThan(0);
  });
});
