// The path and QuickXorHash cases that the Python client (python/tests) is tested against too, so the two
// clients cannot drift: this file checks every expected value in test/cases/*.json against @ferry/graph.
// To add a case, add its input to the JSON and regenerate the expected values with
//   FERRY_WRITE_SHARED_CASES=1 npx vitest run packages/graph/test/sharedCases.test.ts && npx biome format --write packages/graph/test/cases

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { InvalidPathError, itemPath, normalizePath, quickXorHash } from "../src/index.ts";

const WRITE = process.env.FERRY_WRITE_SHARED_CASES === "1";
const casesFile = (name: string) => fileURLToPath(new URL(`./cases/${name}`, import.meta.url));

interface PathCase {
  path: string;
  names?: string[];
  itemPath?: string;
  error?: { rule: string; message: string };
}

interface HashVector {
  name: string;
  /** Bytes `(i * 151 + 7) & 0xff` for i < length, or the bytes in base64. */
  pattern?: "affine";
  length?: number;
  base64?: string;
  hash: string;
}

function pathOutcome(path: string): Omit<PathCase, "path"> {
  try {
    return { names: normalizePath(path), itemPath: itemPath("me/drive", path) };
  } catch (error) {
    if (!(error instanceof InvalidPathError)) throw error;
    return { error: { rule: error.rule, message: error.message } };
  }
}

function vectorBytes(v: HashVector): Uint8Array {
  if (v.base64 !== undefined) return Uint8Array.from(Buffer.from(v.base64, "base64"));
  return Uint8Array.from({ length: v.length ?? 0 }, (_, i) => (i * 151 + 7) & 0xff);
}

describe("shared cases (python/tests reads the same files)", () => {
  it("paths.json: every path normalises, encodes or is refused exactly as recorded", () => {
    const file = casesFile("paths.json");
    const doc = JSON.parse(readFileSync(file, "utf8")) as { about: string; cases: PathCase[] };
    const actual = doc.cases.map((c) => ({ path: c.path, ...pathOutcome(c.path) }));
    if (WRITE) writeFileSync(file, `${JSON.stringify({ ...doc, cases: actual }, null, 2)}\n`);
    expect(actual).toEqual(WRITE ? actual : doc.cases);
    // The file must keep covering both outcomes and every rule a user can hit through a path.
    const rules = new Set(doc.cases.flatMap((c) => (c.error ? [c.error.rule] : [])));
    expect([...rules].sort()).toEqual(
      [
        "backslash",
        "controlCharacter",
        "dotDotSegment",
        "forbiddenCharacter",
        "invalidUnicode",
        "leadingSpace",
        "nameIsTooLong",
        "pathIsTooLong",
        "reservedName",
        "trailingDot",
        "trailingSpace",
      ].sort(),
    );
    expect(doc.cases.filter((c) => c.itemPath !== undefined).length).toBeGreaterThan(20);
  });

  it("quickXorHash.json: every vector hashes to the recorded digest", () => {
    const file = casesFile("quickXorHash.json");
    const doc = JSON.parse(readFileSync(file, "utf8")) as { about: string; vectors: HashVector[] };
    const actual = doc.vectors.map((v) => ({ ...v, hash: quickXorHash(vectorBytes(v)) }));
    if (WRITE) writeFileSync(file, `${JSON.stringify({ ...doc, vectors: actual }, null, 2)}\n`);
    expect(actual).toEqual(WRITE ? actual : doc.vectors);
    // Microsoft's published vectors are among them.
    expect(doc.vectors.find((v) => v.length === 0)?.hash).toBe("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    expect(doc.vectors.find((v) => v.base64 === "Sg==")?.hash).toBe("SgAAAAAAAAAAAAAAAQAAAAAAAAA=");
  });
});
