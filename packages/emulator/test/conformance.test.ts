import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * CONFORMANCE.md is a promise: each behaviour it lists names the test that proves it, and each
 * client it lists runs at the version it names. This keeps the page from drifting away from the
 * tests: a renamed, deleted or mistyped test, a row without one, or an upgraded client fails here.
 */

const TEST_DIR = dirname(fileURLToPath(import.meta.url));
const DOC = join(TEST_DIR, "..", "CONFORMANCE.md");
const text = readFileSync(DOC, "utf8");

/** `` `file.test.ts`: "title" `` */
const REFERENCE = /`([\w.-]+\.test\.ts)`: "([^"]+)"/g;

interface Reference {
  file: string;
  title: string;
}

function referencesIn(markdown: string): Reference[] {
  return [...markdown.matchAll(REFERENCE)].map((m) => ({ file: m[1] ?? "", title: m[2] ?? "" }));
}

interface Table {
  heading: string;
  header: string[];
  rows: string[][];
}

/** Every Markdown table in the page with the `##` heading it sits under. */
function tables(markdown: string): Table[] {
  const out: Table[] = [];
  let heading = "";
  let current: Table | undefined;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("## ")) heading = line.slice(3).trim();
    if (!line.startsWith("|")) {
      current = undefined;
      continue;
    }
    // Cells split on pipes that are not inside a code span (titles never contain a pipe).
    const cells = line
      .slice(1, line.endsWith("|") ? -1 : undefined)
      .split("|")
      .map((c) => c.trim());
    if (!current) {
      current = { heading, header: cells.map((c) => c.toLowerCase()), rows: [] };
      out.push(current);
    } else if (!cells.every((c) => /^:?-+:?$/.test(c))) {
      current.rows.push(cells);
    }
  }
  return out;
}

/** The title appears as the first argument of `it(…)` or `describe(…)`, quoted in any of JS's ways. */
function declares(source: string, title: string): boolean {
  const escaped = title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`\\b(?:it|describe)\\(\\s*(["'\`])${escaped}\\1`).test(source);
}

describe("CONFORMANCE.md", () => {
  const all = referencesIn(text);

  it("names at least one test for every behaviour it lists as implemented or reproduced", () => {
    const withTests = tables(text).filter((t) => t.header.includes("test"));
    expect(withTests.map((t) => t.heading)).toEqual([
      "Graph (OneDrive): implemented",
      "Identity platform: implemented",
      "Known Microsoft behaviours reproduced on purpose",
    ]);
    const untested: string[] = [];
    for (const table of withTests) {
      const column = table.header.indexOf("test");
      for (const row of table.rows) {
        if (referencesIn(row[column] ?? "").length === 0) untested.push(`${table.heading}: ${row[0]}`);
      }
    }
    expect(untested).toEqual([]);
    expect(withTests.reduce((n, t) => n + t.rows.length, 0)).toBeGreaterThan(40);
  });

  it("every test it names exists: the file, and a test or suite with exactly that title", () => {
    expect(all.length).toBeGreaterThan(100);
    const missing: string[] = [];
    const sources = new Map<string, string>();
    for (const { file, title } of all) {
      const path = join(TEST_DIR, file);
      if (!existsSync(path)) {
        missing.push(`${file} (no such file)`);
        continue;
      }
      let source = sources.get(file);
      if (source === undefined) {
        source = readFileSync(path, "utf8");
        sources.set(file, source);
      }
      if (!declares(source, title)) missing.push(`${file}: "${title}"`);
    }
    expect(missing).toEqual([]);
  });

  it("says for everything it does not implement whether Ferry needs it", () => {
    const notImplemented = tables(text).find((t) => t.heading === "Not implemented");
    expect(notImplemented?.header).toEqual(["feature", "microsoft", "ferry needs it?"]);
    const rows = notImplemented?.rows ?? [];
    for (const must of ["Search", "Thumbnails", "Sharing links", "`$filter`", "`$batch`"]) {
      expect(rows.some((r) => r[0]?.startsWith(must))).toBe(true);
    }
    for (const row of rows) {
      expect(row[2], row[0]).toMatch(/^(No|Yes|Not today)\b/);
      expect(row[1], row[0]).toMatch(/https:\/\/|—/);
    }
  });

  it("lists the clients that run against the emulator in CI at the versions installed", () => {
    const require = createRequire(import.meta.url);
    const pinned = [...text.matchAll(/`(@?[\w./-]+)@(\d+\.\d+\.\d+)`/g)].map((m) => ({
      name: m[1] ?? "",
      version: m[2] ?? "",
    }));
    expect(pinned.map((p) => p.name)).toEqual(
      expect.arrayContaining(["@microsoft/microsoft-graph-client", "@azure/msal-node", "openid-client"]),
    );
    for (const { name, version } of pinned) {
      const installed = (require(`${name}/package.json`) as { version: string }).version;
      expect({ name, version }).toEqual({ name, version: installed });
    }
  });
});
