import { createHash } from "node:crypto";
import diagnosticsChannel from "node:diagnostics_channel";
import type { IncomingHttpHeaders, IncomingMessage, Server } from "node:http";
import { request as httpRequest } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { LogLevel, PublicClientApplication } from "@azure/msal-node";
import {
  type Client,
  FileUpload,
  LargeFileUploadTask,
  type PageCollection,
  PageIterator,
} from "@microsoft/microsoft-graph-client";
import type { DriveItem } from "@microsoft/microsoft-graph-types";
import selfsigned from "selfsigned";
import { Agent, buildConnector, setGlobalDispatcher } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkClient } from "../../../bench/lib/sdkClient.ts";
import type { AppRegistration } from "../src/index.ts";
import { namesOnLoopback } from "./loopbackNames.ts";
import { deviceSignInAt, signInAt } from "./person.ts";
import { seedFile, startTestEmulator, type TestEmulator } from "./support.ts";

/**
 * The emulator behind a small TLS-terminating reverse proxy, on another port and under two host
 * names of its own (identity on login.ferry.test, Graph on graph.ferry.test), as it would run
 * behind nginx or a cloud load balancer. The emulator trusts the proxy's X-Forwarded-Proto and
 * X-Forwarded-Host. Microsoft's own clients then do everything a user does — MSAL signs in by
 * device code and by the browser, the Graph SDK pages, downloads, uploads, follows delta and a
 * copy monitor — and two witnesses check that every link they followed led to the proxy: the
 * clients' socket connector logs every address they dialled, and a diagnostics channel at the
 * emulator sees every request it receives, each of which must have come through the proxy.
 */

const LOGIN_HOST = "login.ferry.test";
const GRAPH_HOST = "graph.ferry.test";

/** The desktop app as registered: public client, loopback redirect. */
const DESKTOP_APP: AppRegistration = {
  clientId: "c6f1d2e3-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
  redirectUris: ["http://localhost"],
  displayName: "Proxy test app",
};

/** Headers that describe one connection, not the message: a proxy does not pass them on. */
const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
];

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out = { ...headers };
  for (const h of HOP_BY_HOP) delete out[h];
  return out;
}

interface Proxy {
  server: Server;
  port: number;
  /** Requests the proxy passed on to the emulator. */
  forwarded: number;
}

/**
 * A TLS-terminating reverse proxy in the way nginx's defaults set one up: the upstream gets its
 * own address as Host, and the client's host and scheme travel in X-Forwarded-Host and
 * X-Forwarded-Proto. Bodies stream both ways.
 */
async function startProxy(upstreamPort: number, tls: { key: string; cert: string }): Promise<Proxy> {
  const proxy: Proxy = { server: undefined as unknown as Server, port: 0, forwarded: 0 };
  proxy.server = createHttpsServer(tls, (req: IncomingMessage, res) => {
    proxy.forwarded++;
    const upstream = httpRequest(
      {
        host: "127.0.0.1",
        port: upstreamPort,
        method: req.method,
        path: req.url,
        headers: {
          ...withoutHopByHop(req.headers),
          host: `127.0.0.1:${upstreamPort}`,
          "x-forwarded-proto": "https",
          "x-forwarded-host": req.headers.host ?? "",
          "x-forwarded-for": req.socket.remoteAddress ?? "",
        },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.server.listen(0, "127.0.0.1", resolve));
  proxy.port = (proxy.server.address() as AddressInfo).port;
  return proxy;
}

let emu: TestEmulator;
let proxy: Proxy;
let loginOrigin: string;
let graphOrigin: string;
/** Every socket the clients opened, as `host:port`. */
const dialled: string[] = [];
/** Every request the emulator received, with the headers that say who sent it. */
const arrivals: { xForwardedHost?: string; xForwardedProto?: string; url?: string }[] = [];

const onServerRequest = (message: unknown) => {
  const { request, server } = message as { request: IncomingMessage; server: Server };
  if ((server.address() as AddressInfo | null)?.port !== emu.port) return;
  arrivals.push({
    xForwardedHost: request.headers["x-forwarded-host"] as string | undefined,
    xForwardedProto: request.headers["x-forwarded-proto"] as string | undefined,
    url: request.url,
  });
};

beforeAll(async () => {
  emu = await startTestEmulator({ trustProxy: true, deviceCodeInterval: 1, apps: [DESKTOP_APP] });
  const pems = await selfsigned.generate([{ name: "commonName", value: LOGIN_HOST }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: LOGIN_HOST },
          { type: 2, value: GRAPH_HOST },
        ],
      },
    ],
  });
  proxy = await startProxy(emu.port, { key: pems.private, cert: pems.cert });
  loginOrigin = `https://${LOGIN_HOST}:${proxy.port}`;
  graphOrigin = `https://${GRAPH_HOST}:${proxy.port}`;
  const connector = buildConnector({
    ca: pems.cert,
    lookup: namesOnLoopback([LOGIN_HOST, GRAPH_HOST, "localhost"]),
  });
  setGlobalDispatcher(
    new Agent({
      connect: (options, callback) => {
        dialled.push(`${options.hostname}:${options.port}`);
        connector(options, callback);
      },
    }),
  );
  diagnosticsChannel.subscribe("http.server.request.start", onServerRequest);
});
afterAll(async () => {
  diagnosticsChannel.unsubscribe("http.server.request.start", onServerRequest);
  proxy.server.closeAllConnections();
  await new Promise((resolve) => proxy.server.close(resolve));
  await emu.close();
});

/**
 * The two witnesses, checked after each flow: no client socket went to the emulator's own address,
 * and every request the emulator received came from the proxy, which marks each one it forwards.
 */
function expectEverythingThroughProxy(): void {
  const proxyHosts = new Set([`${LOGIN_HOST}:${proxy.port}`, `${GRAPH_HOST}:${proxy.port}`]);
  expect(dialled.length).toBeGreaterThan(0);
  // MSAL's own loopback server (localhost) is the only other address a client may dial.
  expect(dialled.filter((d) => !proxyHosts.has(d) && !d.startsWith("localhost:"))).toEqual([]);
  expect(arrivals.length).toBeGreaterThan(0);
  expect(arrivals.length).toBe(proxy.forwarded);
  const stray = arrivals.filter(
    (a) => a.xForwardedProto !== "https" || !proxyHosts.has(a.xForwardedHost ?? ""),
  );
  expect(stray).toEqual([]);
}

describe("the emulator behind a TLS-terminating proxy, under other host names", () => {
  /** A Graph token straight from the emulator's state (no HTTP), for the Graph-side flows. */
  const graphClient = (): { client: Client; accessToken: string } => {
    const accessToken = emu.token("personal");
    return { client: sdkClient(`${graphOrigin}/v1.0`, async () => accessToken), accessToken };
  };

  it("MSAL signs in by device code through the proxy: discovery, token endpoint and verification_uri all on the proxy's host", async () => {
    const instance = await fetch(
      `${loginOrigin}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${loginOrigin}/common/oauth2/v2.0/authorize`)}`,
    );
    const cloudDiscoveryMetadata = await instance.text();
    const pca = new PublicClientApplication({
      auth: { clientId: DESKTOP_APP.clientId, authority: `${loginOrigin}/common`, cloudDiscoveryMetadata },
      system: { loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false } },
    });
    let person: Promise<unknown> = Promise.resolve();
    let verificationUri = "";
    const result = await pca.acquireTokenByDeviceCode({
      scopes: ["User.Read", "Files.ReadWrite"],
      deviceCodeCallback: (response) => {
        verificationUri = response.verificationUri;
        person = deviceSignInAt(response.verificationUri, response.userCode, "personal");
      },
    });
    await person;
    expect(verificationUri).toBe(`${loginOrigin}/devicelogin`);
    expect(result?.account?.environment).toBe(`${LOGIN_HOST}:${proxy.port}`);
    expect(result?.idTokenClaims).toMatchObject({
      iss: `${loginOrigin}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`,
    });
    // The token works on Graph through the proxy's other host name.
    const me = await fetch(`${graphOrigin}/v1.0/me`, {
      headers: { authorization: `Bearer ${result?.accessToken ?? ""}` },
    });
    expect(((await me.json()) as { "@odata.context": string })["@odata.context"]).toBe(
      `${graphOrigin}/v1.0/$metadata#users/$entity`,
    );
    expectEverythingThroughProxy();
    expect(arrivals.some((a) => a.xForwardedHost?.startsWith(LOGIN_HOST) && a.url?.includes("/token"))).toBe(
      true,
    );
  });

  it("MSAL signs in through the browser pages via the proxy (their forms post back to the host they came from)", async () => {
    const instance = await fetch(
      `${loginOrigin}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${loginOrigin}/organizations/oauth2/v2.0/authorize`)}`,
    );
    const pca = new PublicClientApplication({
      auth: {
        clientId: DESKTOP_APP.clientId,
        authority: `${loginOrigin}/organizations`,
        cloudDiscoveryMetadata: await instance.text(),
      },
      system: { loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false } },
    });
    const result = await pca.acquireTokenInteractive({
      scopes: ["User.Read"],
      openBrowser: async (url) => {
        expect(url.startsWith(`${loginOrigin}/organizations/oauth2/v2.0/authorize?`)).toBe(true);
        await signInAt(url, "work");
      },
      successTemplate: "signed in",
      errorTemplate: "sign-in failed",
    });
    expect(result.account?.username).toBe("grace.hopper@contoso.example");
    expectEverythingThroughProxy();
  });

  it("the Graph SDK pages through nextLinks, downloads, uploads through an upload session and follows delta, all via the proxy", async () => {
    const { client } = graphClient();
    for (let i = 0; i < 250; i++) {
      await seedFile(emu, "personal", `Proxied/item-${String(i).padStart(3, "0")}.txt`, `${i}`);
    }
    const first: PageCollection = await client.api("/me/drive/root:/Proxied:/children").top(100).get();
    expect(first["@odata.nextLink"]?.startsWith(`${graphOrigin}/v1.0/`)).toBe(true);
    const names: string[] = [];
    const downloadUrls: string[] = [];
    await new PageIterator(client, first, (item: DriveItem & Record<string, unknown>) => {
      names.push(item.name ?? "");
      downloadUrls.push(String(item["@microsoft.graph.downloadUrl"]));
      return true;
    }).iterate();
    expect(names).toHaveLength(250);
    expect(downloadUrls.every((u) => u.startsWith(`${graphOrigin}/dl/`))).toBe(true);
    expect(await (await fetch(downloadUrls[7] ?? "")).text()).toBe("7");

    // GET …/content answers 302 to the download URL; the SDK follows it.
    const stream = await client.api("/me/drive/root:/Proxied/item-042.txt:/content").getStream();
    let body = "";
    for await (const chunk of stream) body += Buffer.from(chunk as Uint8Array).toString("utf8");
    expect(body).toBe("42");

    const size = 1024 * 1024 + 5;
    const data = Buffer.alloc(size, 9);
    const session = await LargeFileUploadTask.createUploadSession(
      client,
      `${graphOrigin}/v1.0/me/drive/root:/Proxied/upload.bin:/createUploadSession`,
      { item: { "@microsoft.graph.conflictBehavior": "replace" } },
    );
    expect(session.url.startsWith(`${graphOrigin}/up/`)).toBe(true);
    const task = new LargeFileUploadTask(
      client,
      new FileUpload(
        data.buffer.slice(data.byteOffset, data.byteOffset + size) as ArrayBuffer,
        "upload.bin",
        size,
      ),
      session,
      { rangeSize: 320 * 1024 },
    );
    const uploaded = (await task.upload()).responseBody as DriveItem & Record<string, unknown>;
    expect(uploaded.file?.hashes?.sha256Hash).toBe(
      createHash("sha256").update(data).digest("hex").toUpperCase(),
    );
    expect(String(uploaded["@microsoft.graph.downloadUrl"]).startsWith(`${graphOrigin}/dl/`)).toBe(true);

    let page = await client.api("/me/drive/root/delta").top(100).get();
    let pages = 1;
    while (page["@odata.nextLink"]) {
      expect(page["@odata.nextLink"].startsWith(`${graphOrigin}/v1.0/`)).toBe(true);
      page = await client.api(page["@odata.nextLink"]).get();
      pages++;
    }
    expect(pages).toBeGreaterThan(2);
    expect(page["@odata.deltaLink"].startsWith(`${graphOrigin}/v1.0/me/drive/root/delta?`)).toBe(true);
    expectEverythingThroughProxy();
    expect(arrivals.some((a) => a.xForwardedHost?.startsWith(GRAPH_HOST) && a.url?.startsWith("/up/"))).toBe(
      true,
    );
    expect(arrivals.some((a) => a.xForwardedHost?.startsWith(GRAPH_HOST) && a.url?.startsWith("/dl/"))).toBe(
      true,
    );
  });

  it("a copy's monitor URL and the drive's webUrl are on the proxy's host", async () => {
    const { client, accessToken } = graphClient();
    await seedFile(emu, "personal", "Proxied/item-001.txt", "1");
    const copy = await fetch(`${graphOrigin}/v1.0/me/drive/root:/Proxied/item-001.txt:/copy`, {
      method: "POST",
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "copied.txt" }),
    });
    expect(copy.status).toBe(202);
    const monitor = copy.headers.get("location") ?? "";
    expect(monitor.startsWith(`${graphOrigin}/monitor/`)).toBe(true);
    expect((await fetch(monitor)).status).toBe(202);
    const drive = await client.api("/me/drive").get();
    expect(drive.webUrl.startsWith(`${graphOrigin}/_web/`)).toBe(true);
    expectEverythingThroughProxy();
  });
});
