// The one rule that turns a user's drive path into a Graph URL segment. Graph addresses items by
// path inside the URL itself (`root:/a/b.txt:/content`), so any character left raw could change
// which endpoint is called: `?` starts a query, `#` a fragment, `:` ends the path and starts an
// action, `..` or `%2e%2e` climbs out of the drive. Every path and drive selector goes through here.

import { InvalidPathError } from "./errors.ts";

/** OneDrive's limit on one file or folder name. */
export const MAX_NAME_LENGTH = 255;
/** OneDrive's limit on a whole path below the drive root (Graph answers `pathIsTooLong` above it). */
export const MAX_PATH_LENGTH = 400;

// Characters Microsoft lists as forbidden in OneDrive and SharePoint names. `/` never reaches a name
// (it separates segments) and `\` is refused earlier with its own message; both stay for checkName.
const FORBIDDEN_CHARACTERS = ['"', "*", ":", "<", ">", "?", "/", "\\", "|"];

// Windows device names and SharePoint's internal names, which OneDrive refuses as whole names.
// Compared ignoring case because OneDrive names are case-insensitive.
const RESERVED_NAMES = new Set([
  ".lock",
  "con",
  "prn",
  "aux",
  "nul",
  ...Array.from({ length: 10 }, (_, i) => `com${i}`),
  ...Array.from({ length: 10 }, (_, i) => `lpt${i}`),
  "desktop.ini",
]);

// Category Cc (C0 controls, DEL, C1 controls): never valid in a OneDrive name, and NUL or CR/LF
// in a URL are classic request-smuggling tools.
const CONTROL_CHARACTER = /\p{Cc}/u;
// A lone UTF-16 surrogate has no UTF-8 encoding: encodeURIComponent would throw a URIError.
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Splits a drive path (relative to the drive root) into NFC-normalised names.
 * `""`, `/` and `.` mean the root (`[]`); empty and `.` segments are dropped; leading and trailing
 * slashes are ignored. Throws InvalidPathError for `..`, backslashes, control characters, names
 * OneDrive forbids, and paths over MAX_PATH_LENGTH.
 */
export function normalizePath(path: string): string[] {
  if (typeof path !== "string") {
    throw new InvalidPathError(String(path), "notAString", "a drive path must be a string");
  }
  // Checked before NFC, which would silently pass a lone surrogate through.
  if (LONE_SURROGATE.test(path)) {
    throw new InvalidPathError(
      path,
      "invalidUnicode",
      `${subject(path, LONE_SURROGATE)}contains a lone UTF-16 surrogate (not valid Unicode)`,
    );
  }
  // macOS hands out decomposed (NFD) names; OneDrive compares names as sent, so one spelling
  // (NFC, what Windows and the OneDrive web page produce) keeps `é` from being two different files.
  const nfc = path.normalize("NFC");
  const control = CONTROL_CHARACTER.exec(nfc);
  if (control) {
    throw new InvalidPathError(
      path,
      "controlCharacter",
      `${subject(nfc, CONTROL_CHARACTER)}contains the control character ${codePoint(control[0])}`,
    );
  }
  if (nfc.includes("\\")) {
    // Refused rather than treated as a separator: on Windows `a\b` means a folder, elsewhere it is a
    // name character, and OneDrive forbids it in names either way.
    throw new InvalidPathError(
      path,
      "backslash",
      `${subject(nfc, /\\/)}contains "\\": use "/" to separate folders`,
    );
  }

  const names: string[] = [];
  for (const segment of nfc.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      // Never resolved: `a/../../drives/x` must not climb out of the drive, and refusing every `..`
      // is simpler to trust than resolving some of them.
      throw new InvalidPathError(
        path,
        "dotDotSegment",
        'it contains a ".." segment; parent references are not allowed',
      );
    }
    checkNameIn(segment, path);
    names.push(segment);
  }
  const joined = names.join("/");
  if (joined.length > MAX_PATH_LENGTH) {
    throw new InvalidPathError(
      path,
      "pathIsTooLong",
      `it is ${joined.length} characters long; OneDrive allows at most ${MAX_PATH_LENGTH} (pathIsTooLong)`,
    );
  }
  return names;
}

/** Throws InvalidPathError, naming the character or rule, when OneDrive would refuse `name`. */
export function checkName(name: string): void {
  checkNameIn(name, name);
}

function checkNameIn(name: string, path: string): void {
  const fail = (rule: string, why: string): never => {
    const where = name === path ? "" : `the name ${JSON.stringify(name)} `;
    throw new InvalidPathError(path, rule, `${where}${why}`);
  };
  if (typeof name !== "string" || name === "") fail("emptyName", "a name cannot be empty");
  if (name === "." || name === "..") fail("dotSegment", `"${name}" is not a name`);
  if (LONE_SURROGATE.test(name))
    fail("invalidUnicode", "contains a lone UTF-16 surrogate (not valid Unicode)");
  const control = CONTROL_CHARACTER.exec(name);
  if (control) fail("controlCharacter", `contains the control character ${codePoint(control[0])}`);
  for (const c of FORBIDDEN_CHARACTERS) {
    if (name.includes(c)) fail("forbiddenCharacter", `contains "${c}", which OneDrive forbids in names`);
  }
  if (name.startsWith(" ")) fail("leadingSpace", "starts with a space, which OneDrive forbids");
  if (name.endsWith(" ")) fail("trailingSpace", "ends with a space, which OneDrive forbids");
  if (name.endsWith(".")) fail("trailingDot", 'ends with ".", which OneDrive forbids');
  const lower = name.toLowerCase();
  if (RESERVED_NAMES.has(lower)) fail("reservedName", `is "${name}", a name OneDrive reserves`);
  if (lower.includes("_vti_")) fail("reservedName", 'contains "_vti_", which OneDrive reserves');
  if (name.startsWith("~$"))
    fail("reservedName", 'starts with "~$", which OneDrive reserves (Office lock files)');
  if (name.length > MAX_NAME_LENGTH) {
    fail("nameIsTooLong", `is ${name.length} characters long; OneDrive allows at most ${MAX_NAME_LENGTH}`);
  }
}

/**
 * RFC 3986 percent-encoding of one segment: only unreserved characters (A–Z a–z 0–9 - . _ ~) stay.
 * encodeURIComponent leaves `! ' ( ) *` raw, which are sub-delimiters a server may treat specially.
 */
export function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * The URL path of a drive, from a selector `me/drive`, `drives/{id}`, `users/{id}/drive`,
 * `sites/{id}/drive` or `groups/{id}/drive`. Ids are taken as given (not already encoded) and are
 * percent-encoded here, so an id can no more redirect a request than a name can.
 */
export function driveBase(selector: string): string {
  const parts = typeof selector === "string" ? selector.split("/") : [];
  const refuse = (why: string): never => {
    throw new InvalidPathError(
      String(selector),
      "invalidDrive",
      `${why}; use me/drive, drives/{id}, users/{id}/drive, sites/{id}/drive or groups/{id}/drive`,
    );
  };
  const id = (raw: string | undefined): string => {
    if (raw === undefined || raw === "" || raw === "." || raw === "..")
      return refuse("the drive id is missing");
    if (raw !== raw.trim()) return refuse("the id has leading or trailing spaces");
    if (LONE_SURROGATE.test(raw) || CONTROL_CHARACTER.test(raw))
      return refuse("the id contains invalid characters");
    return encodeSegment(raw);
  };
  const [kind, second, third] = parts;
  if (parts.length === 2 && kind === "me" && second === "drive") return "me/drive";
  if (parts.length === 2 && kind === "drives") return `drives/${id(second)}`;
  if (
    parts.length === 3 &&
    (kind === "users" || kind === "sites" || kind === "groups") &&
    third === "drive"
  ) {
    return `${kind}/${id(second)}/drive`;
  }
  return refuse(`${JSON.stringify(selector)} is not a drive selector`);
}

/**
 * The URL path (relative to the v1.0 base) of the item at `path`: `me/drive/root` for the root,
 * otherwise `me/drive/root:/a%20b/c%23.txt:`. The closing colon is always written because without
 * it Graph reads a last segment named like an action (`content`, `children`) as that action.
 */
export function itemPath(drive: string, path: string): string {
  const base = driveBase(drive);
  const names = normalizePath(path);
  if (names.length === 0) return `${base}/root`;
  return `${base}/root:/${names.map(encodeSegment).join("/")}:`;
}

/**
 * The URL path of an action on the item at `path`: `me/drive/root:/a/b.txt:/content`, or
 * `me/drive/root/children` for the root (`root:/:/children` is not a valid Graph address).
 */
export function itemAction(drive: string, path: string, action: string): string {
  // Actions come from code, not users; still, one must never smuggle in `..`, `?` or `/`.
  if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(action)) {
    throw new InvalidPathError(
      action,
      "invalidAction",
      "an action must be a Graph name like content or children",
    );
  }
  return `${itemPath(drive, path)}/${action}`;
}

/**
 * Who a path-wide rule blames: `the name "…" ` when the path has several names, so a NUL deep in a
 * long path is pinned to the one name that holds it; `it ` when the path is a single name.
 */
function subject(path: string, pattern: RegExp): string {
  const names = path.split("/").filter((s) => s !== "");
  const culprit = names.find((s) => pattern.test(s));
  return culprit !== undefined && names.length > 1 ? `the name ${JSON.stringify(culprit)} ` : "it ";
}

function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}
