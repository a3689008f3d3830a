import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "./support.ts";

describe("emulator start-up", () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator();
  });
  afterAll(() => emu.close());

  it("listens on a loopback port chosen by the OS when asked for port 0", () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.port).toBeGreaterThan(0);
  });

  it("answers Graph without a token with 401 InvalidAuthenticationToken in Graph's error shape", async () => {
    const res = await fetch(`${emu.graphUrl}/me/drive/root`);
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe("InvalidAuthenticationToken");
    expect(body.error.innerError["request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it("answers a token without Files scopes with 403 accessDenied", async () => {
    const res = await emu.graph("me/drive/root", {
      headers: { authorization: `Bearer ${emu.token("personal", ["User.Read"])}` },
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("accessDenied");
  });
});
