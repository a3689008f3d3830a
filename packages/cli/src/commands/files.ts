// The file commands on `onedrive://` and local paths: ls, stat, cat, mkdir, rm, du, and cp / mv (which
// move bytes through transfer.ts). Names follow Unix and rclone so they need no learning.

import { pipeline } from "node:stream/promises";
import { baseName, type FileInfo } from "@ferry/fs";
import type { Command } from "commander";
import { UsageError } from "../errors.ts";
import type { Location } from "../locations.ts";
import { humanBytes, printJson, printTable } from "../output.ts";
import { display } from "../paths.ts";

const PATHS = "\nPaths: onedrive://folder/file for the connected OneDrive, anything else is local.";

function transfersOption(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new UsageError(`--transfers ${value}: use a number from 1 to 64`);
  return n;
}

export function registerFiles(program: Command): void {
  program
    .command("ls <path>")
    .description("list a folder")
    .option("-l, --long", "type, size and modification time")
    .option("-R, --recursive", "everything below the folder")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `\nExamples:\n  ferry ls onedrive://\n  ferry ls -l onedrive://reports\n  ferry ls -R --json onedrive://data${PATHS}`,
    )
    .action(async (path: string, options: { long?: boolean; recursive?: boolean; json?: boolean }) => {
      const { locate } = await import("../locations.ts");
      const loc = locate(path);
      const infos: FileInfo[] = options.recursive
        ? Object.values(await loc.fs.find(loc.path, { detail: true, withDirs: true })).filter(
            (i) => i.name !== loc.path,
          )
        : await loc.fs.ls(loc.path, { detail: true });
      infos.sort((a, b) => a.name.localeCompare(b.name));
      if (options.json) return printJson(infos.map(jsonInfo));
      const name = (i: FileInfo) => {
        const shown = options.recursive ? relativeName(loc, i.name) : baseName(i.name);
        return i.type === "directory" ? `${shown}/` : shown;
      };
      if (!options.long) {
        for (const i of infos) process.stdout.write(`${name(i)}\n`);
        return;
      }
      printTable(
        infos.map((i) => ({
          type: i.type === "directory" ? "dir" : "file",
          size: String(i.size),
          modified: i.mtime?.toISOString() ?? "-",
          name: name(i),
        })),
      );
    });

  program
    .command("stat <path>")
    .description("a file's or folder's details: size, type, time, QuickXorHash")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `\nExamples:\n  ferry stat onedrive://reports/q1.csv\n  ferry stat --json ./local.csv${PATHS}`,
    )
    .action(async (path: string, options: { json?: boolean }) => {
      const { locate } = await import("../locations.ts");
      const loc = locate(path);
      const info = await loc.fs.info(loc.path);
      if (info.type === "file" && info.hash === undefined && loc.kind === "local") {
        info.hash = await loc.fs.checksum(loc.path);
      }
      if (options.json) return printJson(jsonInfo(info));
      const lines = [
        ["path", display(loc, info.name)],
        ["type", info.type],
        ["size", `${info.size} (${humanBytes(info.size)})`],
        ["modified", info.mtime?.toISOString() ?? "-"],
        ["quickXorHash", info.hash ?? "-"],
        ...(info.id ? [["id", info.id]] : []),
      ];
      for (const [k, v] of lines) process.stdout.write(`${`${k}:`.padEnd(14)}${v}\n`);
    });

  program
    .command("cat <path>")
    .description("write a file's bytes to stdout")
    .addHelpText(
      "after",
      `\nExamples:\n  ferry cat onedrive://reports/q1.csv | head\n  ferry cat onedrive://exports/cities.parquet > cities.parquet${PATHS}`,
    )
    .action(async (path: string) => {
      const { locate } = await import("../locations.ts");
      const loc = locate(path);
      await pipeline(loc.fs.createReadStream(loc.path), process.stdout, { end: false });
    });

  program
    .command("mkdir <path>")
    .description("create a folder")
    .option("-p, --parents", "create missing parents; an existing folder is fine")
    .addHelpText(
      "after",
      `\nExamples:\n  ferry mkdir onedrive://reports/2026\n  ferry mkdir -p onedrive://a/b/c${PATHS}`,
    )
    .action(async (path: string, options: { parents?: boolean }) => {
      const { locate } = await import("../locations.ts");
      const loc = locate(path);
      if (options.parents) await loc.fs.makedirs(loc.path, { existOk: true });
      else await loc.fs.mkdir(loc.path, { createParents: false });
    });

  program
    .command("rm <paths...>")
    .description("delete files (and with -r, folders); OneDrive keeps them in its recycle bin")
    .option("-r, --recursive", "delete folders with everything in them")
    .addHelpText(
      "after",
      `\nExamples:\n  ferry rm onedrive://tmp/old.csv\n  ferry rm -r onedrive://tmp${PATHS}`,
    )
    .action(async (paths: string[], options: { recursive?: boolean }) => {
      const { locate } = await import("../locations.ts");
      for (const path of paths) {
        const loc = locate(path);
        await loc.fs.rm(loc.path, { recursive: options.recursive === true });
      }
    });

  program
    .command("du <path>")
    .description("bytes used below a path")
    .option("--json", "print JSON")
    .addHelpText("after", `\nExamples:\n  ferry du onedrive://\n  ferry du --json onedrive://data${PATHS}`)
    .action(async (path: string, options: { json?: boolean }) => {
      const { locate } = await import("../locations.ts");
      const loc = locate(path);
      const bytes = await loc.fs.du(loc.path);
      if (options.json) return printJson({ path: display(loc), bytes });
      process.stdout.write(`${humanBytes(bytes).padEnd(10)} ${bytes}\t${display(loc)}\n`);
    });

  program
    .command("cp <src> <dst>")
    .description(
      "copy files and folders: local → OneDrive, OneDrive → local, OneDrive → OneDrive (server-side)",
    )
    .option("-r, --recursive", "copy folders with everything in them")
    .option("--transfers <n>", "files in flight at once", transfersOption, 4)
    .addHelpText(
      "after",
      `\nExamples:\n  ferry cp report.csv onedrive://reports/\n  ferry cp -r ./data onedrive://backup/data\n  ferry cp onedrive://exports/cities.parquet .\n  ferry cp -r onedrive://reports onedrive://archive/reports-2026${PATHS}`,
    )
    .action(async (srcText: string, dstText: string, options: { recursive?: boolean; transfers: number }) => {
      const [{ locate }, { copyPath }] = await Promise.all([
        import("../locations.ts"),
        import("../transfer.ts"),
      ]);
      await copyPath(locate(srcText), locate(dstText), options);
    });

  program
    .command("mv <src> <dst>")
    .description("move or rename (across OneDrive and local: copy, then delete the source)")
    .option("--transfers <n>", "files in flight at once", transfersOption, 4)
    .addHelpText(
      "after",
      `\nExamples:\n  ferry mv onedrive://a.csv onedrive://archive/\n  ferry mv ./out onedrive://results/out${PATHS}`,
    )
    .action(async (srcText: string, dstText: string, options: { transfers: number }) => {
      const [{ locate }, { copyPath }] = await Promise.all([
        import("../locations.ts"),
        import("../transfer.ts"),
      ]);
      const src = locate(srcText);
      const dst = locate(dstText);
      if (src.kind === dst.kind) {
        await src.fs.mv(src.path, dst.path);
        return;
      }
      await copyPath(src, dst, { recursive: true, transfers: options.transfers });
      await src.fs.rm(src.path, { recursive: true });
    });
}

function relativeName(loc: Location, name: string): string {
  if (loc.kind === "onedrive") return loc.path === "" ? name : name.slice(loc.path.length + 1);
  return name.slice(loc.path.length + 1);
}

function jsonInfo(i: FileInfo) {
  return {
    name: i.name,
    type: i.type,
    size: i.size,
    mtime: i.mtime?.toISOString() ?? null,
    ...(i.hash ? { quickXorHash: i.hash } : {}),
    ...(i.id ? { id: i.id } : {}),
  };
}
