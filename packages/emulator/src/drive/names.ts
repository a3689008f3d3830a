import { GraphFault } from "../fault.ts";

/**
 * OneDrive's naming rules, enforced the way Graph enforces them: 400 `invalidRequest`.
 * Source: Microsoft's "Restrictions and limitations in OneDrive and SharePoint".
 */
const FORBIDDEN_CHARACTERS = ['"', "*", ":", "<", ">", "?", "/", "\\", "|"];
const RESERVED = /^(\.lock|CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9]|desktop\.ini)$/i;
export const MAX_NAME_LENGTH = 255;
export const MAX_PATH_LENGTH = 400;

export function checkName(name: string, driveType: string): void {
  if (name.length === 0) throw invalid("The name of an item cannot be empty.");
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    if (FORBIDDEN_CHARACTERS.includes(ch) || code < 0x20) {
      throw invalid(
        `The name '${name}' contains the character '${ch === "\u0000" ? "\\0" : ch}', which OneDrive does not allow.`,
        "nameContainsInvalidCharacters",
      );
    }
  }
  if (name !== name.trim())
    throw invalid(`The name '${name}' has a leading or trailing space.`, "nameContainsInvalidCharacters");
  if (name.endsWith("."))
    throw invalid(`The name '${name}' ends with a period.`, "nameContainsInvalidCharacters");
  if (RESERVED.test(name) || name.includes("_vti_") || name.startsWith("~$")) {
    throw invalid(`The name '${name}' is reserved.`, "nameIsReserved");
  }
  // Business drives (SharePoint) also refuse names that start with a tilde.
  if (driveType !== "personal" && name.startsWith("~")) {
    throw invalid(
      `The name '${name}' starts with '~', which OneDrive for Business does not allow.`,
      "nameContainsInvalidCharacters",
    );
  }
  if (name.length > MAX_NAME_LENGTH)
    throw invalid(`The name is longer than ${MAX_NAME_LENGTH} characters.`, "nameTooLong");
}

/**
 * `path` is written from the root with a leading slash (`/a/b.txt`). The limit counts the decoded path
 * below the root (`a/b.txt`), the "file path, including the file name" of Microsoft's restrictions page,
 * and the count Ferry's client refuses at: counting the slash too made 400 characters a path the client
 * sent and the emulator refused.
 */
export function checkPathLength(path: string): void {
  if (path.replace(/^\//, "").length > MAX_PATH_LENGTH) {
    throw invalid(`The path is longer than ${MAX_PATH_LENGTH} characters.`, "pathIsTooLong");
  }
}

/** Names compare case-insensitively (and after NFC), but are stored as given. */
export function nameKey(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

function invalid(message: string, innerCode?: string): GraphFault {
  return new GraphFault(400, "invalidRequest", message, innerCode ? { innerCode } : {});
}
