// One broker API contract: the broker's schemas, the `ferry` client, the CLI and the page all compile against
// @ferry/api, so any of them disagreeing with another fails the compile. Shown with the TypeScript compiler on the
// real files: as they are they compile; with one disagreement planted in each (in memory, nothing is written), each
// plant is an error at its own line.

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, test } from "vitest";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");

interface Plant {
  who: string;
  file: string;
  /** Text in the file, replaced by `by`. */
  replace: string;
  by: string;
  /** Where the compile must fail: the line holding this text (default: the planted line) in `failsIn` (default: file). */
  failsAt?: string;
  failsIn?: string;
}

const SCHEMAS = "packages/broker/src/http/apiSchemas.ts";

const FILE_SCHEMAS = "packages/broker/src/http/filesSchemas.ts";

const PLANTS: Plant[] = [
  {
    who: "the explorer's contract makes a field nullable, and the broker's file schemas are not changed with it",
    file: "packages/api/src/files.ts",
    replace: "  size: number;\n  /** ISO 8601",
    by: "  size: number | null;\n  /** ISO 8601",
    failsIn: FILE_SCHEMAS,
    failsAt: "Holds<Same<Static<typeof FileEntry>, Api.FileEntry>>",
  },
  {
    who: "the contract changes a field, and the broker's schema is not changed with it",
    file: "packages/api/src/connect.ts",
    replace: "  interval: number;",
    by: "  interval: string;",
    failsIn: SCHEMAS,
    failsAt: "Holds<Same<Static<typeof DeviceStarted>, Api.DeviceStarted>>",
  },
  {
    who: "the broker's schema changes a field, and the contract is not changed with it",
    file: SCHEMAS,
    failsAt: "Holds<Same<Static<typeof Me>, Api.Me>>",
    replace:
      "export const Me = Type.Object({ user: ApiUser, via: authenticatedVia(), keyId: nullable(Type.String()) });",
    by: "export const Me = Type.Object({ user: ApiUser, via: authenticatedVia(), keyId: Type.String() });",
  },
  {
    who: "ferry types the account email as string (personal accounts have none: it is null)",
    file: "packages/ferry/src/connect.ts",
    replace: 'async account(): Promise<MintedToken["account"]> {',
    by: "async account(): Promise<{ email: string; name: string | null }> {",
    // The broker's answer, typed by the contract, no longer fits what ferry promises its users.
    failsAt: "return (this.tokens.last() as MintedToken).account;",
  },
  {
    who: "the CLI reads a field the broker does not send",
    file: "packages/cli/src/commands/integrations.ts",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the CLI's source text, placeholder and all, is what gets replaced
    replace: "`On any device, open ${started.verificationUri}",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the same source text with the field the broker does not send
    by: "`On any device, open ${started.verificationUrl}",
  },
  {
    who: "the page reads a field the broker does not send",
    file: "packages/web/src/api.ts",
    replace: "const { authorizationUrl } = await request(",
    by: "const { authorizationUri: authorizationUrl } = await request(",
  },
];

/** The workspace's compiler options, and a program over the plants' files with `overlay` in place of disk. */
function compile(overlay: Map<string, string>, oldProgram?: ts.Program): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, "tsconfig.json"), undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (config === undefined) throw new Error("cannot read tsconfig.json");
  const host = ts.createCompilerHost(config.options);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => overlay.get(resolve(file)) ?? readFile(file);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError) => {
    const text = overlay.get(resolve(file));
    return text === undefined
      ? getSourceFile(file, language, onError)
      : ts.createSourceFile(file, text, language);
  };
  const rootNames = PLANTS.map((plant) => join(ROOT, plant.file));
  return ts.createProgram({
    rootNames,
    options: config.options,
    host,
    ...(oldProgram ? { oldProgram } : {}),
  });
}

/** Errors in `file`, as `line: message` (1-based lines). */
function errorsIn(program: ts.Program, file: string): string[] {
  const source = program.getSourceFile(join(ROOT, file));
  if (source === undefined) throw new Error(`${file} is not in the program`);
  return ts.getPreEmitDiagnostics(program, source).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    return `${line}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
  });
}

describe("the broker API contract", () => {
  test("the broker's schemas, ferry, the CLI and the page compile against @ferry/api, and each disagreement fails", () => {
    const asIs = compile(new Map());
    for (const plant of PLANTS) expect(errorsIn(asIs, plant.file), plant.file).toEqual([]);

    const overlay = new Map<string, string>();
    for (const plant of PLANTS) {
      const path = join(ROOT, plant.file);
      const text = overlay.get(path) ?? readFileSync(path, "utf8");
      // The plant must still find its text: a test that planted nothing would pass for the wrong reason.
      expect(text, `${plant.file} no longer holds: ${plant.replace}`).toContain(plant.replace);
      overlay.set(path, text.replace(plant.replace, plant.by));
    }
    const planted = compile(overlay, asIs);
    for (const plant of PLANTS) {
      const file = plant.failsIn ?? plant.file;
      const path = join(ROOT, file);
      const text = overlay.get(path) ?? readFileSync(path, "utf8");
      const marker = plant.failsAt ?? plant.by;
      expect(text, `${file} no longer holds: ${marker}`).toContain(marker);
      const line = text.slice(0, text.indexOf(marker)).split("\n").length;
      const errors = errorsIn(planted, file);
      expect(
        errors.map((error) => Number(error.split(":")[0])),
        `${plant.who}: no error at ${file}:${line}\n${errors.join("\n")}`,
      ).toContain(line);
    }
  });
});
