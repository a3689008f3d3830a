// `ferry dev` end to end: the stack it starts, the integration commands against it (browser flow via
// the emulator's auto-consent, device flow via the emulator's admin API), account commands, the file
// commands on the demo files, the UDF runner, and a clean stop and restart. One stack for the file.

import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EmulatorAdmin } from "@ferry/emulator";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { connectOneDrive, type Dev, ferry, spawnFerry, startDev, tempDir } from "./ferry.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
let home: string;
let dev: Dev;
const run = (...args: string[]) => ferry(args, { home });

beforeAll(async () => {
  home = await tempDir("ferry-cli-dev-");
  dev = await startDev(home, ["--seed-demo-files"]);
});

afterAll(async () => {
  await dev?.stop();
  await rm(home, { recursive: true, force: true });
});

describe("ferry dev", () => {
  test("prints the broker, the emulator and a one-time login link that signs the page in", async () => {
    expect(dev.brokerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(dev.loginUrl).toMatch(new RegExp(`^${dev.brokerUrl}/login/`));
    expect(dev.process.stdout()).toMatch(/Generated a new master key in .*master\.key/);
    const credentials = join(home, "credentials.json");
    expect((await stat(credentials)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(credentials, "utf8"))).toMatchObject({
      url: dev.brokerUrl,
      graphUrl: `${dev.emulatorUrl}/v1.0`,
    });
    // Opening the link shows the "Sign in" button; its form posts the token back, as a browser would.
    const opened = await fetch(dev.loginUrl, { redirect: "manual" });
    expect(opened.status).toBe(200);
    expect(opened.headers.get("set-cookie")).toBeNull();
    const signIn = () =>
      fetch(`${dev.brokerUrl}/login`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: dev.brokerUrl },
        body: new URLSearchParams({ token: new URL(dev.loginUrl).pathname.split("/").at(-1)! }),
      });
    const login = await signIn();
    expect(login.status).toBe(303);
    expect(login.headers.get("set-cookie")).toMatch(/ferry_session=/);
    // One-time: the second use is refused.
    expect((await signIn()).headers.get("set-cookie")).toBeNull();
  });

  test("integrations: list before and after connect (auto-consent), token, whoami", async () => {
    const before = await run("integrations", "list");
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/PROVIDER\s+STATUS\s+ACCOUNT\s+LAST REFRESH/);
    expect(before.stdout).toMatch(/onedrive\s+disconnected/);

    const connected = await connectOneDrive(home);
    expect(connected.code).toBe(0);
    expect(connected.stdout).toMatch(/Open this URL to sign in/);
    expect(connected.stdout).toContain("Connected as ada.lovelace@outlook.example");

    const [list, json, token, whoami] = await Promise.all([
      run("integrations", "list"),
      run("integrations", "list", "--json"),
      run("integrations", "onedrive", "token"),
      run("whoami"),
    ]);
    expect(list.stdout).toMatch(/onedrive\s+connected\s+ada\.lovelace@outlook\.example\s+\d{4}-/);
    expect(JSON.parse(json.stdout)[0]).toMatchObject({ provider: "onedrive", status: "connected" });
    expect(token.code).toBe(0);
    expect(token.stdout.trim()).toMatch(/^\S{20,}$/);
    // Not a terminal: no warning.
    expect(token.stderr).toBe("");
    const me = await fetch(`${dev.emulatorUrl}/v1.0/me`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });
    expect(me.status).toBe(200);
    expect(whoami.stdout).toContain(`User local (admin) at ${dev.brokerUrl}`);
    expect(whoami.stdout).toContain("OneDrive: connected as ada.lovelace@outlook.example");
  });

  test("file commands on the demo files", async () => {
    const [ls, long, tree, cat, statJson, du, parquet] = await Promise.all([
      run("ls", "onedrive://"),
      run("ls", "-l", "onedrive://reports"),
      run("ls", "-R", "--json", "onedrive://"),
      run("cat", "onedrive://reports/q1.csv"),
      run("stat", "--json", "onedrive://data/measurements.csv"),
      run("du", "--json", "onedrive://"),
      run("cat", "onedrive://exports/cities.parquet"),
    ]);
    expect(ls.stdout.split("\n").filter(Boolean)).toEqual(["data/", "exports/", "input/", "reports/"]);
    expect(long.stdout).toMatch(/TYPE\s+SIZE\s+MODIFIED\s+NAME\nfile\s+\d+\s+\d{4}-\S+\s+q1\.csv/);
    const names = (JSON.parse(tree.stdout) as { name: string }[]).map((i) => i.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "reports/q1.csv",
        "data/measurements.csv",
        "exports/cities.parquet",
        "input/raw.csv",
      ]),
    );
    expect(cat.stdout.split("\n")[0]).toBe("month,region,revenue,orders");
    expect(cat.stdout.split("\n").filter(Boolean)).toHaveLength(13);
    expect(JSON.parse(statJson.stdout)).toMatchObject({
      name: "data/measurements.csv",
      type: "file",
      quickXorHash: expect.any(String),
    });
    expect(JSON.parse(du.stdout).bytes).toBeGreaterThan(1000);
    expect(parquet.stdout.startsWith("PAR1")).toBe(true);

    const plain = await run("stat", "onedrive://reports/q1.csv");
    expect(plain.stdout).toMatch(/^path:\s+onedrive:\/\/reports\/q1\.csv$/m);
    expect(plain.stdout).toMatch(/^quickXorHash:\s+\S+=$/m);
  });

  test("mkdir, cp both ways, mv, rm, with the exit codes of failures", async () => {
    const local = await tempDir("ferry-cli-files-");
    try {
      await writeFile(join(local, "note.txt"), "hello from local\n");
      expect((await run("mkdir", "onedrive://work")).code).toBe(0);
      const again = await run("mkdir", "onedrive://work");
      expect(again.code).toBe(1);
      expect(again.stderr).toBe("ferry: work already exists\n");
      expect((await run("mkdir", "-p", "onedrive://work/a/b")).code).toBe(0);
      expect((await run("mkdir", "-p", "onedrive://work/a/b")).code).toBe(0);

      expect((await run("cp", join(local, "note.txt"), "onedrive://work/")).code).toBe(0);
      expect((await run("cp", "onedrive://work/note.txt", "onedrive://work/a/copy.txt")).code).toBe(0);
      expect((await run("mv", "onedrive://work/a/copy.txt", "onedrive://work/a/b/moved.txt")).code).toBe(0);
      expect((await run("cp", "onedrive://work/a/b/moved.txt", join(local, "back.txt"))).code).toBe(0);
      expect(await readFile(join(local, "back.txt"), "utf8")).toBe("hello from local\n");

      // mv across local and OneDrive: copy, then delete the source.
      await writeFile(join(local, "moving.txt"), "on the move\n");
      expect((await run("mv", join(local, "moving.txt"), "onedrive://work/")).code).toBe(0);
      expect((await run("cat", "onedrive://work/moving.txt")).stdout).toBe("on the move\n");
      await expect(stat(join(local, "moving.txt"))).rejects.toThrow(/ENOENT/);

      const notRecursive = await run("cp", "onedrive://work", local);
      expect(notRecursive.code).toBe(2);
      expect(notRecursive.stderr).toMatch(/^ferry: onedrive:\/\/work is a folder: use cp -r/);
      const rmFolder = await run("rm", "onedrive://work");
      expect(rmFolder.code).toBe(1);
      expect(rmFolder.stderr).toBe("ferry: work is a folder with contents: use -r to delete it\n");
      const missing = await run("cat", "onedrive://nope.csv");
      expect(missing.code).toBe(1);
      expect(missing.stderr.split("\n").filter(Boolean)).toHaveLength(1);
      const debug = await run("cat", "--debug", "onedrive://nope.csv");
      expect(debug.stderr).toMatch(/\n\s+at /);

      expect((await run("rm", "-r", "onedrive://work")).code).toBe(0);
      expect((await run("ls", "onedrive://")).stdout).not.toContain("work/");
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });

  test("run: a UDF's rows as a table, JSON or CSV; an Arrow Table too", async () => {
    const [table, json, csv, arrow] = await Promise.all([
      run("run", fixture("topCities.ts")),
      run("run", fixture("topCities.ts"), "--json"),
      run("run", fixture("arrowTable.ts"), "--csv"),
      run("run", fixture("arrowTable.ts")),
    ]);
    expect(table.stdout).toMatch(/^NAME\s+POP\nTokyo\s+37115000\nDelhi\s+33807000\nShanghai\s+29868000\n$/);
    expect(JSON.parse(json.stdout)).toEqual([
      { name: "Tokyo", pop: 37115000 },
      { name: "Delhi", pop: 33807000 },
      { name: "Shanghai", pop: 29868000 },
    ]);
    expect(csv.stdout).toBe("city,temp\nOslo,4.5\nLima,19.25\n");
    expect(arrow.stdout).toMatch(/CITY\s+TEMP\nOslo\s+4\.5/);
    const both = await run("run", fixture("arrowTable.ts"), "--json", "--csv");
    expect(both.code).toBe(2);
  });

  test("revoke, then the device-code flow approved through the emulator", async () => {
    const revoked = await run("integrations", "onedrive", "revoke");
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain("Disconnected ada.lovelace@outlook.example");
    expect(revoked.stdout).toContain("https://account.live.com/consent/Manage");
    expect(revoked.stdout).toContain("https://myapps.microsoft.com");
    expect((await run("integrations", "list")).stdout).toMatch(/onedrive\s+disconnected/);
    const noToken = await run("integrations", "onedrive", "token");
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^ferry: .*ferry integrations onedrive connect/);

    const device = spawnFerry(["integrations", "onedrive", "connect", "--device"], { home });
    const [, userCode] = await device.waitFor(/User code: (\S+)/);
    expect(device.stdout()).toMatch(/Verification URL: http\S+\/devicelogin/);
    await new EmulatorAdmin(dev.emulatorUrl).approveDeviceCode(userCode as string, "personal");
    expect(await device.exited).toBe(0);
    expect(device.stdout()).toContain("Connected as ada.lovelace@outlook.example");
  });

  test("login (verified, 0600), whoami from the new home, logout", async () => {
    const other = await tempDir("ferry-cli-login-");
    try {
      const { apiKey } = JSON.parse(await readFile(join(home, "credentials.json"), "utf8")) as {
        apiKey: string;
      };
      const bad = await ferry(["login", "--url", dev.brokerUrl, "--api-key", "fry_0000000000000000_nope"], {
        home: other,
      });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^ferry: the broker at .* refused the API key/);
      const usage = await ferry(["login", "--url", dev.brokerUrl], { home: other });
      expect(usage.code).toBe(2);
      const ok = await ferry(
        ["login", "--url", dev.brokerUrl, "--api-key", apiKey, "--graph-url", `${dev.emulatorUrl}/v1.0`],
        { home: other },
      );
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain("as local");
      expect((await stat(join(other, "credentials.json"))).mode & 0o777).toBe(0o600);
      const [whoami, ls] = await Promise.all([
        ferry(["whoami", "--json"], { home: other }),
        ferry(["ls", "onedrive://reports"], { home: other }),
      ]);
      expect(JSON.parse(whoami.stdout)).toMatchObject({
        broker: dev.brokerUrl,
        user: { name: "local" },
        onedrive: { status: "connected" },
      });
      expect(ls.stdout).toBe("q1.csv\n");
      expect((await ferry(["logout"], { home: other })).code).toBe(0);
      const after = await ferry(["whoami"], { home: other });
      expect(after.code).toBe(1);
      expect(after.stderr).toMatch(/^ferry: no Ferry broker configured: run `ferry login/);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  test("stops cleanly on SIGTERM and restarts with its data, connection and key", async () => {
    const port = new URL(dev.brokerUrl).port;
    const { apiKey } = JSON.parse(await readFile(join(home, "credentials.json"), "utf8")) as {
      apiKey: string;
    };
    expect(await dev.stop()).toBe(0);
    expect(dev.process.stderr()).toContain("Stopping (SIGTERM)");
    dev = await startDev(home, [], Number(port));
    const { apiKey: after } = JSON.parse(await readFile(join(home, "credentials.json"), "utf8")) as {
      apiKey: string;
    };
    expect(after).toBe(apiKey);
    const ls = await run("ls", "onedrive://reports");
    expect(ls.stdout).toBe("q1.csv\n");
  });

  test("keys rotate-master re-encrypts the stored OneDrive tokens under the newest key", async () => {
    expect(await dev.stop()).toBe(0);
    const old = (await readFile(join(home, "master.key"), "utf8")).trim();
    const env = { FERRY_MASTER_KEY: `${Buffer.alloc(32, 9).toString("base64")},${old}` };
    const first = await ferry(["keys", "rotate-master", "--json"], { home, env });
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as { rotated: number; current: number };
    expect(result.rotated).toBeGreaterThan(0);
    const second = await ferry(["keys", "rotate-master", "--json"], { home, env });
    expect(JSON.parse(second.stdout)).toEqual({ rotated: 0, current: result.rotated + result.current });
  });
});
