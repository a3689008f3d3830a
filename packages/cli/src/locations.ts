// A command-line path is either `onedrive://…` (the connected drive) or a local path. Both become a
// Location with an fsspec-style filesystem, so commands are written once for both sides.

import {
  type AbstractFileSystem,
  FILE_PROTOCOL,
  LocalFileSystem,
  ONEDRIVE_PROTOCOL,
  protocolOf,
} from "@ferry/fs";
import { type OneDriveConnection, onedriveConnect } from "ferry";
import { CliError } from "./errors.ts";

export type Location =
  | { kind: "onedrive"; path: string; fs: AbstractFileSystem; client: OneDriveConnection; text: string }
  | { kind: "local"; path: string; fs: AbstractFileSystem; text: string };

let connection: OneDriveConnection | undefined;
const local = new LocalFileSystem();

export function locate(text: string): Location {
  const scheme = protocolOf(text);
  if (scheme === ONEDRIVE_PROTOCOL) {
    connection ??= connect();
    return {
      kind: "onedrive",
      path: connection.fs.normalize(text),
      fs: connection.fs,
      client: connection,
      text,
    };
  }
  if (scheme !== FILE_PROTOCOL) {
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
