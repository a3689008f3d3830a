import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_CLIENT_ID } from "../src/options.ts";
import { FERRY_SCOPES } from "./identityFlows.ts";
import { seedFile, startTestEmulator, type TestEmulator } from "./support.ts";

/**
 * Every absolute URL the emulator hands out is built from the origin the request was addressed
 * to, as Graph and the identity platform build theirs from the host that was called. These
 * requests name a Host other than the emulator's address (fetch cannot, undici's request can), as
 * a client using another host name, or a proxy that keeps the Host, would send.
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  text: string;
}

async function call(
  emu: TestEmulator,
  method: "GET" | "POST" | "PUT",
  pathOrUrl: string,
  opts: { host?: string; headers?: Record<string, string>; body?: string | Buffer; account?: string } = {},
): Promise<Answer> {
  // A URL the emulator handed out is followed on the emulator's own socket, under the Host asked for.
  const path = pathOrUrl.startsWith("http")
    ? new URL(pathOrUrl).pathname + new URL(pathOrUrl).search
    : pathOrUrl;
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.host) headers.host = opts.host;
  if (path.startsWith("/v1.0/") && !headers.authorization) {
    headers.authorization = `Bearer ${emu.token(opts.account)}`;
  }
  const res = await request(`${emu.url}${path}`, { method, headers, body: opts.body ?? null });
  const text = await res.body.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Not JSON: a redirect, a 204 or the invalid-host page.
  }
  return { status: res.statusCode, headers: res.headers, body, text };
}

const GRAPH = "http://graph.contoso.test:8080";
const FILES = "http://files.contoso.test:9090";
const LOGIN = "http://login.contoso.test";

describe("links built from the origin each request was addressed to", () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ deviceCodeInterval: 1 });
    for (const name of ["a.txt", "b.txt", "c.txt"]) await seedFile(emu, "personal", `Origin/${name}`, name);
  });
  afterAll(() => emu.close());

  it("Graph: nextLink, @odata.context, downloadUrl, webUrl and the Locations of /content and a new folder", async () => {
    const host = "graph.contoso.test:8080";
    const page = await call(emu, "GET", "/v1.0/me/drive/root:/Origin:/children?$top=2", { host });
    expect(page.status).toBe(200);
    expect(page.body["@odata.context"]).toBe(`${GRAPH}/v1.0/$metadata#Collection(driveItem)`);
    const next = String(page.body["@odata.nextLink"]);
    expect(next.startsWith(`${GRAPH}/v1.0/me/drive/root:/Origin:/children?`)).toBe(true);
    const items = page.body.value as Record<string, string>[];
    for (const item of items) {
      expect(item["@microsoft.graph.downloadUrl"]?.startsWith(`${GRAPH}/dl/`)).toBe(true);
      expect(item.webUrl?.startsWith(`${GRAPH}/_web/`)).toBe(true);
    }
    // The next page, fetched under another host name, links from that one.
    const second = await call(emu, "GET", next, { host: "files.contoso.test:9090" });
    expect((second.body.value as unknown[]).length).toBe(1);
    expect(second.body["@odata.context"]).toBe(`${FILES}/v1.0/$metadata#Collection(driveItem)`);

    const content = await call(emu, "GET", "/v1.0/me/drive/root:/Origin/a.txt:/content", { host });
    expect(content.status).toBe(302);
    const location = String(content.headers.location);
    expect(location.startsWith(`${GRAPH}/dl/`)).toBe(true);
    expect((await call(emu, "GET", location, { host })).text).toBe("a.txt");

    const me = await call(emu, "GET", "/v1.0/me", { host });
    expect(me.body["@odata.context"]).toBe(`${GRAPH}/v1.0/$metadata#users/$entity`);
    const drive = await call(emu, "GET", "/v1.0/me/drive", { host });
    expect(drive.body["@odata.context"]).toBe(`${GRAPH}/v1.0/$metadata#drives/$entity`);
    expect(String(drive.body.webUrl).startsWith(`${GRAPH}/_web/`)).toBe(true);

    const folder = await call(emu, "POST", "/v1.0/me/drive/root/children", {
      host,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "Made", folder: {} }),
    });
    expect(folder.status).toBe(201);
    expect(String(folder.headers.location).startsWith(`${GRAPH}/v1.0/me/drive/items/`)).toBe(true);
    expect(String(folder.body["@odata.context"]).startsWith(`${GRAPH}/v1.0/$metadata#`)).toBe(true);
  });

  it("an upload session's URL is on the host that created it; each request to it answers from its own host", async () => {
    const created = await call(emu, "POST", "/v1.0/me/drive/root:/Origin/up.bin:/createUploadSession", {
      host: "graph.contoso.test:8080",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(created.status).toBe(200);
    expect(created.body["@odata.context"]).toBe(`${GRAPH}/v1.0/$metadata#microsoft.graph.uploadSession`);
    const uploadUrl = String(created.body.uploadUrl);
    expect(uploadUrl.startsWith(`${GRAPH}/up/`)).toBe(true);

    const done = await call(emu, "PUT", uploadUrl, {
      host: "files.contoso.test:9090",
      headers: { "content-range": "bytes 0-4/5" },
      body: "hello",
    });
    expect(done.status).toBe(201);
    expect(String(done.body["@odata.context"]).startsWith(`${FILES}/v1.0/$metadata#`)).toBe(true);
    expect(String(done.body["@microsoft.graph.downloadUrl"]).startsWith(`${FILES}/dl/`)).toBe(true);
  });

  it("the copy monitor and delta's nextLink and deltaLink are on the host called", async () => {
    const host = "graph.contoso.test:8080";
    const copy = await call(emu, "POST", "/v1.0/me/drive/root:/Origin/a.txt:/copy", {
      host,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "a-copy.txt" }),
    });
    expect(copy.status).toBe(202);
    const monitor = String(copy.headers.location);
    expect(monitor.startsWith(`${GRAPH}/monitor/`)).toBe(true);
    expect((await call(emu, "GET", monitor, { host })).status).toBe(202);

    const first = await call(emu, "GET", "/v1.0/me/drive/root/delta?$top=2", { host });
    const next = String(first.body["@odata.nextLink"]);
    expect(next.startsWith(`${GRAPH}/v1.0/me/drive/root/delta?`)).toBe(true);
    let page = await call(emu, "GET", next, { host: "files.contoso.test:9090" });
    while (page.body["@odata.nextLink"]) {
      expect(String(page.body["@odata.nextLink"]).startsWith(`${FILES}/v1.0/`)).toBe(true);
      page = await call(emu, "GET", String(page.body["@odata.nextLink"]), {
        host: "files.contoso.test:9090",
      });
    }
    expect(String(page.body["@odata.deltaLink"]).startsWith(`${FILES}/v1.0/me/drive/root/delta?`)).toBe(true);
  });

  it("identity: the discovery document, keys, instance discovery, verification_uri and the id_token issuer", async () => {
    const host = "login.contoso.test";
    const config = await call(emu, "GET", "/common/v2.0/.well-known/openid-configuration", { host });
    expect(config.body).toMatchObject({
      issuer: `${LOGIN}/{tenantid}/v2.0`,
      authorization_endpoint: `${LOGIN}/common/oauth2/v2.0/authorize`,
      token_endpoint: `${LOGIN}/common/oauth2/v2.0/token`,
      device_authorization_endpoint: `${LOGIN}/common/oauth2/v2.0/devicecode`,
      jwks_uri: `${LOGIN}/common/discovery/v2.0/keys`,
      cloud_instance_name: "login.contoso.test",
    });
    const keys = await call(emu, "GET", "/consumers/discovery/v2.0/keys", { host });
    expect((keys.body.keys as { issuer: string }[])[0]?.issuer).toBe(
      `${LOGIN}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`,
    );

    const instance = await call(
      emu,
      "GET",
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${LOGIN}/organizations/oauth2/v2.0/authorize`)}`,
      { host },
    );
    expect(instance.body).toEqual({
      tenant_discovery_endpoint: `${LOGIN}/organizations/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
    // An authority on any other host is not an instance this one knows (AADSTS50049).
    const foreign = await call(
      emu,
      "GET",
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${emu.url}/common/oauth2/v2.0/authorize`)}`,
      { host },
    );
    expect(foreign.status).toBe(400);
    expect(foreign.body).toMatchObject({ error: "invalid_instance", error_codes: [50049] });

    const form = new URLSearchParams({ client_id: DEV_CLIENT_ID, scope: `openid profile ${FERRY_SCOPES}` });
    const started = await call(emu, "POST", "/common/oauth2/v2.0/devicecode", {
      host,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    expect(started.body.verification_uri).toBe(`${LOGIN}/devicelogin`);
    expect(started.body.message).toContain(`${LOGIN}/devicelogin`);

    await emu.admin.approveDeviceCode(String(started.body.user_code), "work");
    const polled = await call(emu, "POST", "/common/oauth2/v2.0/token", {
      host,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        client_id: DEV_CLIENT_ID,
        grant_type: "device_code",
        device_code: String(started.body.device_code),
      }).toString(),
    });
    expect(polled.status).toBe(200);
    const payload = String(polled.body.id_token).split(".")[1] ?? "";
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { iss: string };
    expect(claims.iss).toBe(`${LOGIN}/72f988bf-0000-4c2a-8d3e-c0ffee5a1e55/v2.0`);
  });

  it("ignores X-Forwarded-Proto and X-Forwarded-Host unless told to trust a proxy", async () => {
    const me = await call(emu, "GET", "/v1.0/me", {
      host: "graph.contoso.test:8080",
      headers: { "x-forwarded-proto": "https", "x-forwarded-host": "evil.example" },
    });
    expect(me.body["@odata.context"]).toBe(`${GRAPH}/v1.0/$metadata#users/$entity`);
  });

  it("refuses a Host no link could be built from with 400, before any route answers", async () => {
    for (const host of [
      "ada@graph.contoso.test",
      "graph.contoso.test/evil",
      "graph.contoso.test:99999",
      "a b",
    ]) {
      const res = await call(emu, "GET", "/v1.0/me", { host });
      expect({ host, status: res.status }).toEqual({ host, status: 400 });
      expect(res.text).toContain("Bad Request - Invalid Hostname");
    }
  });
});

describe("behind a trusted proxy (trustProxy)", () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ trustProxy: true });
  });
  afterAll(() => emu.close());

  it("builds links from X-Forwarded-Proto and X-Forwarded-Host, dropping the scheme's default port", async () => {
    const forwarded = await call(emu, "GET", "/v1.0/me", {
      headers: { "x-forwarded-proto": "https", "x-forwarded-host": "graph.contoso.test:443" },
    });
    expect(forwarded.body["@odata.context"]).toBe("https://graph.contoso.test/v1.0/$metadata#users/$entity");
    // A proxy that keeps the Host and only says the scheme was https.
    const protoOnly = await call(emu, "GET", "/v1.0/me", {
      host: "graph.contoso.test:8443",
      headers: { "x-forwarded-proto": "https" },
    });
    expect(protoOnly.body["@odata.context"]).toBe(
      "https://graph.contoso.test:8443/v1.0/$metadata#users/$entity",
    );
    // Without forwarded headers, the Host is used as before.
    const direct = await call(emu, "GET", "/v1.0/me");
    expect(direct.body["@odata.context"]).toBe(`${emu.url}/v1.0/$metadata#users/$entity`);
  });

  it("refuses a forwarded scheme or host no link could be built from", async () => {
    const scheme = await call(emu, "GET", "/v1.0/me", { headers: { "x-forwarded-proto": "javascript" } });
    expect(scheme.status).toBe(400);
    const host = await call(emu, "GET", "/v1.0/me", { headers: { "x-forwarded-host": "a@b.example" } });
    expect(host.status).toBe(400);
  });
});
