// A package registry on 127.0.0.1 for the install test: it offers Ferry's packed tarballs, and every other package
// at the versions the workspace's package-lock.json holds, served from the npm cache that `npm ci` filled. So a
// project outside the workspace runs a plain `npm install ferry` with npm's own resolution, and nothing is fetched
// from the network. npm's registry protocol needs only two reads: a package's document (its versions and their
// manifests) and a tarball. Written here because no kept package serves a lockfile from a cache this way; a full
// registry server would need a network install of its own.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";

/** A version's manifest as a registry states it; `dist` is added where it is served. */
interface VersionManifest {
  name: string;
  version: string;
  [field: string]: unknown;
}

type Manifest = VersionManifest & { dist: { tarball: string; integrity: string } };

export interface RegistryMirror {
  /** The registry URL for npm's --registry. */
  url: string;
  /** Requests that found nothing, e.g. a package missing from the npm cache: the reason an install failed. */
  misses: string[];
  close(): Promise<void>;
}

/** Fields of a lockfile entry that npm reads from a version's manifest when it resolves and installs. */
const MANIFEST_FIELDS = [
  "dependencies",
  "optionalDependencies",
  "peerDependencies",
  "peerDependenciesMeta",
  "bin",
  "engines",
  "os",
  "cpu",
  "libc",
  "hasInstallScript",
  "license",
];

export async function startRegistryMirror(options: {
  lockfile: string;
  /** Ferry's own `npm pack` tarballs. */
  tarballs: string[];
  /** npm's cache folder (`npm config get cache`). */
  npmCache: string;
  /** Served for any GET under /prebuilds/, for packages whose install script downloads a prebuilt binary. */
  prebuild?: string;
}): Promise<RegistryMirror> {
  const versions = new Map<string, Map<string, Manifest>>();
  const files = new Map<string, string>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  const add = (manifest: VersionManifest, integrity: string, file: string) => {
    const path = `/-/tarball/${files.size}.tgz`;
    const tarball = `${url}${path}`;
    const byVersion = versions.get(manifest.name) ?? new Map<string, Manifest>();
    byVersion.set(manifest.version, { ...manifest, dist: { tarball, integrity } } as Manifest);
    versions.set(manifest.name, byVersion);
    files.set(path, file);
  };

  const lock = JSON.parse(readFileSync(options.lockfile, "utf8")) as {
    packages: Record<string, Record<string, unknown>>;
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    const at = key.lastIndexOf("node_modules/");
    if (at < 0 || entry.link === true || typeof entry.integrity !== "string") continue;
    const name = (entry.name as string | undefined) ?? key.slice(at + "node_modules/".length);
    const manifest: VersionManifest = { name, version: entry.version as string };
    for (const field of MANIFEST_FIELDS) if (entry[field] !== undefined) manifest[field] = entry[field];
    add(manifest, entry.integrity, cachedContent(options.npmCache, entry.integrity));
  }
  for (const tarball of options.tarballs) {
    const read = spawnSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" });
    if (read.status !== 0) throw new Error(`cannot read package.json in ${tarball}: ${read.stderr}`);
    const manifest = JSON.parse(read.stdout) as VersionManifest;
    const integrity = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
    add(manifest, integrity, tarball);
  }

  const misses: string[] = [];
  server.on("request", (request, response) => {
    const path = decodeURIComponent((request.url ?? "/").split("?")[0] ?? "/");
    const miss = () => {
      misses.push(`${request.method} ${path}`);
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
    };
    if (path.startsWith("/prebuilds/") && options.prebuild !== undefined) {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      createReadStream(options.prebuild).pipe(response);
      return;
    }
    const file = files.get(path);
    if (path.startsWith("/-/tarball/")) {
      if (file === undefined || !existsSync(file)) return miss();
      response.writeHead(200, { "content-type": "application/octet-stream" });
      createReadStream(file).pipe(response);
      return;
    }
    const byVersion = versions.get(path.slice(1));
    if (byVersion === undefined) return miss();
    const all = [...byVersion.values()];
    const latest = all
      .map((m) => m.version)
      .sort(compareVersions)
      .at(-1);
    response.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        name: path.slice(1),
        "dist-tags": { latest },
        versions: Object.fromEntries(all.map((m) => [m.version, m])),
      }),
    );
  });

  return {
    url,
    misses,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Where npm's content-addressed cache (cacache) keeps the tarball with this integrity. */
function cachedContent(npmCache: string, integrity: string): string {
  const [algorithm, digest] = integrity.split(/-(.*)/s) as [string, string];
  const hex = Buffer.from(digest, "base64").toString("hex");
  return join(npmCache, "_cacache", "content-v2", algorithm, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  const pb = b.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return a.length - b.length;
}
