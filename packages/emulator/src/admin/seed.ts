import { Readable } from "node:stream";
import { type Account, accountByKey } from "../accounts.ts";
import type { Drive } from "../drive/drive.ts";
import type { ItemRecord } from "../drive/itemRecord.ts";
import { checkName, checkPathLength } from "../drive/names.ts";
import type { EmulatorState } from "../state.ts";
import type { SeededItem, SeedResult } from "./adminApi.ts";
import { Fields } from "./adminBody.ts";
import { AdminError, badRequest } from "./adminError.ts";
import { generatedContent } from "./generatedContent.ts";

export function requireAccount(key: string): Account {
  const account = accountByKey(key);
  if (!account) {
    throw new AdminError(
      404,
      "accountNotFound",
      `no test account '${key}' (known: personal, work, personal2)`,
    );
  }
  return account;
}

/** Path segments of an admin path such as `reports/q1.csv`; slashes at either end are ignored. */
export function pathSegments(path: string): string[] {
  const segments = path.split("/").filter((s) => s !== "");
  if (segments.length === 0) throw badRequest(`'${path}' names the drive root, not an item`);
  return segments;
}

/**
 * `POST /_emulator/seed`. Files and folders go through the same drive rules as Graph uploads
 * (names, quota), so a seed cannot create a tree that Graph itself would refuse.
 */
export async function seed(state: EmulatorState, body: unknown): Promise<SeedResult> {
  const f = new Fields(body);
  const account = requireAccount(f.string("account", true));
  const folders = f.strings("folders") ?? [];
  const files = (f.array("files") ?? []).map((file, i) => {
    const ff = new Fields(file, `files[${i}]`);
    const spec = {
      path: ff.string("path", true),
      content: ff.string("content"),
      contentBase64: ff.string("contentBase64"),
      size: ff.number("size", { min: 0, integer: true }),
    };
    ff.done();
    const given = [spec.content, spec.contentBase64, spec.size].filter((v) => v !== undefined).length;
    if (given !== 1)
      throw badRequest(`files[${i}] needs exactly one of 'content', 'contentBase64' or 'size'`);
    if (spec.contentBase64 !== undefined && !/^[A-Za-z0-9+/_-]*={0,2}$/.test(spec.contentBase64)) {
      throw badRequest(`files[${i}].contentBase64 is not base64`);
    }
    return spec;
  });
  f.done();
  const drive = state.drives.forAccount(account.id);
  // Check every name before writing anything, so a bad request leaves the drive as it was.
  for (const path of [...folders, ...files.map((x) => x.path)]) {
    const segments = pathSegments(path);
    for (const name of segments) checkName(name, drive.driveType);
    checkPathLength(`/${segments.join("/")}`);
  }

  const items: SeededItem[] = [];
  for (const path of folders) {
    const folder = ensureFolder(state, drive, pathSegments(path));
    items.push(describe(drive, folder));
  }
  for (const file of files) {
    const body =
      file.size !== undefined
        ? generatedContent(file.size)
        : Readable.from([
            file.content !== undefined
              ? Buffer.from(file.content, "utf8")
              : Buffer.from(file.contentBase64 ?? "", "base64"),
          ]);
    items.push(await writeFile(state, drive, pathSegments(file.path), body));
  }
  return { driveId: drive.id, items };
}

/** `PUT /_emulator/files/{account}/{path}`: a streamed body, for big seeds without JSON. */
export async function putFile(
  state: EmulatorState,
  accountKey: string,
  segments: string[],
  body: Readable,
): Promise<SeededItem> {
  const account = requireAccount(accountKey);
  if (segments.length === 0) throw badRequest("the URL names no file: /_emulator/files/{account}/{path}");
  return writeFile(state, state.drives.forAccount(account.id), segments, body);
}

/** Creates or replaces a file, making the folders above it. */
async function writeFile(
  state: EmulatorState,
  drive: Drive,
  segments: string[],
  body: Readable,
): Promise<SeededItem> {
  const parent = ensureFolder(state, drive, segments.slice(0, -1));
  const name = segments.at(-1) ?? "";
  const content = await state.blobs.ingest(body, drive.driveType);
  let result: ReturnType<Drive["create"]>;
  try {
    result = drive.create(parent, name, { folder: false, content }, "replace", state.clock.iso());
  } catch (err) {
    await state.blobs.release([content.blobId]);
    throw err;
  }
  await state.blobs.release(result.released);
  state.markDirty();
  return describe(drive, result.item);
}

function ensureFolder(state: EmulatorState, drive: Drive, segments: string[]): ItemRecord {
  let folder = drive.root;
  for (const [i, name] of segments.entries()) {
    const existing = drive.child(folder, name);
    if (existing && !existing.folder) {
      throw new AdminError(
        409,
        "nameAlreadyExists",
        `'${segments.slice(0, i + 1).join("/")}' is a file, not a folder`,
      );
    }
    folder = existing ?? drive.create(folder, name, { folder: true }, "fail", state.clock.iso()).item;
    if (!existing) state.markDirty();
  }
  return folder;
}

function describe(drive: Drive, item: ItemRecord): SeededItem {
  const out: SeededItem = {
    path: drive.pathOf(item).join("/"),
    id: item.id,
    folder: item.folder,
    size: item.size,
  };
  if (item.content) out.hashes = { ...item.content.hashes };
  return out;
}
