// A command-line path is either `onedrive://…` (the connected drive) or a local path. Both become a
// Location with an fsspec-style filesystem, so commands are written once for both sides.

import { type AbstractFileSystem, LocalFileSystem } from "@ferry/fs";
import { type OneDriveConnection, onedriveConnect } from "ferry";
import { CliError } from "./errors.ts";

export type Location =
  | { kind: "onedrive"; path: string; fs: AbstractFileSystem; client: OneDriveConnection; text: string }
  | { kind: "local"; path: string; fs: AbstractFileSystem; text: string };

const ONEDRIVE = /^onedrive:\/\//i;
const OTHER_SCHEME = /^([a-z][a-z0-9+.-]+):\/\//i;

let connection: OneDriveConnection | undefined;
const local = new LocalFileSystem();

export function isOneDrive(text: string): boolean {
  return ONEDRIVE.test(text);
}

export function locate(text: string): Location {
  if (isOneDrive(text)) {
    connection ??= connect();
    return {
      kind: "onedrive",
      path: connection.fs.normalize(text),
      fs: connection.fs,
      client: connection,
      text,
    };
  }
  const scheme = OTHER_SCHEME.exec(text)?.[1];
  if (scheme && scheme.toLowerCase() !== "file") {
    throw new CliError(`${scheme}:// paths are not supported: use onedrive://folder/file or a local path`, 2);
  }
  return { kind: "local", path: local.normalize(text), fs: local, text };
}

function connect(): OneDriveConnection {
  try {
    return onedriveConnect();
  } catch (error) {
    throw new CliError((error as Error).message, 1, { cause: error });
  }
}
