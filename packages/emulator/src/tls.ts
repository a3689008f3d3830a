import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import selfsigned from "selfsigned";

/** A certificate and key for serving the emulator over HTTPS on loopback. */
export interface TlsMaterial {
  key: string;
  cert: string;
}

/**
 * Real Graph is only reachable over HTTPS, and some clients depend on it: Microsoft's Graph SDK
 * treats only `https://` URLs as absolute and authenticates only https hosts. A self-signed
 * certificate for 127.0.0.1 and localhost lets such clients talk to the emulator; they trust it
 * through the `ca` that `startEmulator` returns. With a data dir the certificate is kept, so
 * clients that pinned it keep working across restarts.
 */
export async function tlsMaterial(dataDir: string | undefined): Promise<TlsMaterial> {
  const file = dataDir ? join(dataDir, "tls.json") : undefined;
  if (file) {
    try {
      return JSON.parse(await readFile(file, "utf8")) as TlsMaterial;
    } catch {
      // No certificate yet: make one below.
    }
  }
  const pems = await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 7, ip: "127.0.0.1" },
          { type: 2, value: "localhost" },
        ],
      },
    ],
  });
  const material = { key: pems.private, cert: pems.cert };
  if (file) await writeFile(file, JSON.stringify(material), { mode: 0o600 });
  return material;
}
