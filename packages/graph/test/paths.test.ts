import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkName,
  driveBase,
  encodeSegment,
  InvalidPathError,
  itemAction,
  itemPath,
  normalizePath,
} from "../src/index.ts";
import { refusal } from "./support.ts";

describe("normalizePath", () => {
  it.each([
    ["", []],
    ["/", []],
    [".", []],
    ["./", []],
    ["//", []],
    ["a//b", ["a", "b"]],
    ["./a", ["a"]],
    ["a/./b", ["a", "b"]],
    ["/a/b/", ["a", "b"]],
    ["a/b///", ["a", "b"]],
  ])("normalises %j to %j", (input, expected) => {
    expect(normalizePath(input)).toEqual(expected);
  });

  it("normalises to NFC so a decomposed é names the same file as a composed one", () => {
    const decomposed = "cafe\u0301/re\u0301sume\u0301.txt";
    expect(normalizePath(decomposed)).toEqual(["caf\u00e9", "r\u00e9sum\u00e9.txt"]);
    expect(itemPath("me/drive", decomposed)).toBe(itemPath("me/drive", "caf\u00e9/r\u00e9sum\u00e9.txt"));
  });

  it("refuses any .. segment, naming it", () => {
    for (const p of ["..", "a/..", "../a", "a/../b", "a/../../drives/x", "./.."]) {
      const e = refusal(() => normalizePath(p));
      expect(e.rule).toBe("dotDotSegment");
      expect(e.message).toContain('".."');
    }
  });

  it("refuses a backslash instead of treating it as a separator", () => {
    const e = refusal(() => normalizePath("a\\..\\b"));
    expect(e.rule).toBe("backslash");
    expect(e.message).toContain('"\\"');
  });

  it("refuses NUL and other control characters, naming the code point", () => {
    expect(refusal(() => normalizePath("a\u0000b")).message).toContain("U+0000");
    expect(refusal(() => normalizePath("a/b\nc")).message).toContain("U+000A");
    expect(refusal(() => normalizePath("a\u007f")).message).toContain("U+007F");
    expect(refusal(() => normalizePath("a\u0085")).message).toContain("U+0085");
  });

  it("refuses a lone surrogate, which has no UTF-8 form", () => {
    expect(refusal(() => normalizePath("a\ud800b")).rule).toBe("invalidUnicode");
    expect(refusal(() => normalizePath("\udc00")).rule).toBe("invalidUnicode");
  });

  it("refuses a full path over 400 characters (pathIsTooLong) and accepts exactly 400", () => {
    const name = "n".repeat(199);
    expect(normalizePath(`${name}/${"m".repeat(200)}`).join("/")).toHaveLength(400);
    const e = refusal(() => normalizePath(`${name}/${"m".repeat(201)}`));
    expect(e.rule).toBe("pathIsTooLong");
    expect(e.message).toContain("pathIsTooLong");
  });
});

describe("checkName", () => {
  it.each(['"', "*", ":", "<", ">", "?", "/", "\\", "|"])("refuses %s, naming the character", (c) => {
    const e = refusal(() => checkName(`a${c}b`));
    expect(e.rule).toBe("forbiddenCharacter");
    expect(e.message).toContain(`"${c}"`);
  });

  it("refuses leading and trailing spaces and a trailing dot", () => {
    expect(refusal(() => checkName(" a")).rule).toBe("leadingSpace");
    expect(refusal(() => checkName("a ")).rule).toBe("trailingSpace");
    expect(refusal(() => checkName("a.")).rule).toBe("trailingDot");
    expect(refusal(() => checkName("...")).rule).toBe("trailingDot");
  });

  it.each([
    ".lock",
    "CON",
    "con",
    "PRN",
    "AUX",
    "NUL",
    "COM0",
    "COM9",
    "lpt0",
    "LPT9",
    "desktop.ini",
    "Desktop.INI",
  ])("refuses the reserved name %s", (name) => {
    const e = refusal(() => checkName(name));
    expect(e.rule).toBe("reservedName");
    expect(e.message).toContain(name);
  });

  it("refuses names containing _vti_ or starting with ~$", () => {
    expect(refusal(() => checkName("my_vti_cnf")).message).toContain("_vti_");
    expect(refusal(() => checkName("~$report.docx")).message).toContain("~$");
  });

  it("accepts near-misses of the reserved names", () => {
    for (const name of [
      "CON.txt",
      "COM10",
      "console",
      "x.lock",
      "~report",
      "a~$b",
      "desktop.ini.bak",
      "_vti",
    ]) {
      expect(() => checkName(name)).not.toThrow();
    }
  });

  it("accepts 255 characters and refuses 256", () => {
    expect(() => checkName("x".repeat(255))).not.toThrow();
    expect(refusal(() => checkName("x".repeat(256))).rule).toBe("nameIsTooLong");
  });

  it("refuses empty names and dot names", () => {
    expect(refusal(() => checkName("")).rule).toBe("emptyName");
    expect(refusal(() => checkName(".")).rule).toBe("dotSegment");
    expect(refusal(() => checkName("..")).rule).toBe("dotSegment");
  });
});

describe("itemPath and itemAction", () => {
  it("addresses the root without a path", () => {
    for (const p of ["", "/", ".", "./"]) expect(itemPath("me/drive", p)).toBe("me/drive/root");
    expect(itemAction("me/drive", "", "children")).toBe("me/drive/root/children");
    expect(itemAction("me/drive", "/", "content")).toBe("me/drive/root/content");
  });

  it("percent-encodes every segment and always closes the path with a colon", () => {
    expect(itemPath("me/drive", "a b/c#.txt")).toBe("me/drive/root:/a%20b/c%23.txt:");
    expect(itemAction("me/drive", "a/b.txt", "content")).toBe("me/drive/root:/a/b.txt:/content");
  });

  it("keeps a last segment named like an action an item, thanks to the closing colon", () => {
    expect(itemPath("me/drive", "reports/content")).toBe("me/drive/root:/reports/content:");
    expect(itemPath("me/drive", "children")).toBe("me/drive/root:/children:");
    expect(itemAction("me/drive", "children", "children")).toBe("me/drive/root:/children:/children");
  });

  it.each([
    ["100% done.csv", "100%25%20done.csv"],
    ["#hash", "%23hash"],
    ["it's (1)!", "it%27s%20%281%29%21"],
    ["a+b=c&d;e,f@g$h", "a%2Bb%3Dc%26d%3Be%2Cf%40g%24h"],
    ["%2e%2e", "%252e%252e"],
    ["..a", "..a"],
    ["~tilde_-.x", "~tilde_-.x"],
    ["日本語", "%E6%97%A5%E6%9C%AC%E8%AA%9E"],
    ["\u{1F600}", "%F0%9F%98%80"],
    ["evil\u202Etxt.exe", "evil%E2%80%AEtxt.exe"],
  ])("encodes the legal name %j as %s", (name, encoded) => {
    expect(itemPath("me/drive", name)).toBe(`me/drive/root:/${encoded}:`);
  });

  it("refuses reports:/children instead of calling the children endpoint", () => {
    const e = refusal(() => itemPath("me/drive", "reports:/children"));
    expect(e.message).toContain('":"');
  });

  it("refuses a/../../drives/x instead of climbing to another drive", () => {
    expect(refusal(() => itemPath("me/drive", "a/../../drives/x")).rule).toBe("dotDotSegment");
  });

  it("refuses x?$select=id instead of sending a query", () => {
    const e = refusal(() => itemPath("me/drive", "x?$select=id"));
    expect(e.message).toContain('"?"');
  });

  it("refuses action names that could leave the item", () => {
    for (const action of ["", "..", "content?x=1", "a/b", "content:", "%2e%2e", ".hidden", "a..b"]) {
      expect(refusal(() => itemAction("me/drive", "a", action)).rule).toBe("invalidAction");
    }
    expect(itemAction("me/drive", "a", "microsoft.graph.copy")).toBe(
      "me/drive/root:/a:/microsoft.graph.copy",
    );
  });
});

describe("driveBase", () => {
  it.each([
    ["me/drive", "me/drive"],
    ["drives/b!abc-_XYZ", "drives/b%21abc-_XYZ"],
    ["users/someone@contoso.com/drive", "users/someone%40contoso.com/drive"],
    ["sites/contoso.sharepoint.com,1a2b,3c4d/drive", "sites/contoso.sharepoint.com%2C1a2b%2C3c4d/drive"],
    ["groups/0f1e/drive", "groups/0f1e/drive"],
  ])("accepts %s as %s", (selector, base) => {
    expect(driveBase(selector)).toBe(base);
    expect(itemPath(selector, "a")).toBe(`${base}/root:/a:`);
  });

  it.each([
    "",
    "me",
    "/me/drive",
    "me/drive/",
    "me/drives",
    "drives",
    "drives/",
    "drives/..",
    "drives/.",
    "drives/a/b",
    "users/x",
    "users//drive",
    "sites/x/drive/root",
    "teams/x/drive",
    "drives/ x",
    "drives/a\u0000",
  ])("refuses %j", (selector) => {
    expect(refusal(() => driveBase(selector)).rule).toBe("invalidDrive");
  });
});

// ---- properties: whatever the input, the result names exactly one item of the chosen drive ----

const UNRESERVED_OR_ESCAPE = "(?:[A-Za-z0-9\\-._~]|%[0-9A-F]{2})";
const ENCODED_PATH = new RegExp(`^${UNRESERVED_OR_ESCAPE}+(?:/${UNRESERVED_OR_ESCAPE}+)*$`);

const tricky = fc.constantFrom(
  "..",
  ".",
  "...",
  "%2e%2e",
  "%2E",
  "%2f",
  "%5c",
  "%",
  ":",
  "?",
  "#",
  "\\",
  "\u0000",
  "\r\n",
  "\u202E",
  "\u200F",
  "\u0301",
  "e\u0301",
  "\u212B",
  "\u037E",
  "<\u0338",
  "\uFEFF",
  "\uFF0F",
  "\u2215",
  " ",
  "'",
  "(",
  ")",
  "!",
  "*",
  "&",
  "=",
  "+",
  "$select=id",
  "content",
  "children",
  "CON",
  "~$",
  "_vti_",
  "desktop.ini",
  "\u{1F600}",
  "\ud800",
  "x".repeat(256),
  "y".repeat(255),
);

const piece = fc.oneof(
  { weight: 3, arbitrary: tricky },
  { weight: 3, arbitrary: fc.string({ unit: "grapheme", maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 12 }) },
);

// Mostly paths of several segments; sometimes pieces glued without a separator.
const drivePath = fc
  .array(fc.tuple(piece, fc.constantFrom("/", "/", "//", "", "/./")), { maxLength: 8 })
  .map((parts) => parts.map(([p, sep]) => p + sep).join(""));

const drives = fc.constantFrom(
  "me/drive",
  "drives/b!x-Y_z",
  "users/a@b.c/drive",
  "sites/h.sharepoint.com,1,2/drive",
  "groups/g/drive",
);

function checkItemPath(drive: string, input: string, result: string): void {
  const base = driveBase(drive);
  const names = normalizePath(input);
  if (names.length === 0) {
    expect(result).toBe(`${base}/root`);
    return;
  }
  // (a) the drive's root, by path, closed by the structural colon
  expect(result.startsWith(`${base}/root:/`)).toBe(true);
  expect(result.endsWith(":")).toBe(true);
  const encoded = result.slice(`${base}/root:/`.length, -1);
  // (b) nothing but unreserved characters and escapes: no raw ? # \ space or further colon
  expect(encoded).toMatch(ENCODED_PATH);
  expect(result.split(":")).toHaveLength(3);
  for (const c of ["?", "#", "\\", " "]) expect(result).not.toContain(c);
  // (c) a URL parser keeps it as is: no dot segment collapses, nothing becomes a query or fragment
  const url = new URL(`https://graph.invalid/v1.0/${result}`);
  expect(url.pathname).toBe(`/v1.0/${result}`);
  expect(url.search).toBe("");
  expect(url.hash).toBe("");
  // (d) decoding gives back the NFC names, one segment per name
  const segments = encoded.split("/");
  expect(segments.map(decodeURIComponent)).toEqual(names);
  expect(names).toEqual(
    input
      .normalize("NFC")
      .split("/")
      .filter((s) => s !== "" && s !== "."),
  );
  for (const s of segments) expect(s === "." || s === "..").toBe(false);
}

function acceptedOrRefused(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidPathError) return;
    throw error;
  }
}

describe("path properties", () => {
  it("itemPath either refuses with InvalidPathError or addresses exactly the named item", () => {
    let accepted = 0;
    fc.assert(
      fc.property(drives, drivePath, (drive, input) => {
        acceptedOrRefused(() => {
          const result = itemPath(drive, input);
          checkItemPath(drive, input, result);
          if (result.endsWith(":")) accepted++;
        });
      }),
      { numRuns: 5000 },
    );
    // The property must not hold only because nearly everything is refused.
    expect(accepted).toBeGreaterThan(1000);
  });

  it("never refuses a path made of legal names, and addresses it exactly", () => {
    const legalChar = fc.constantFrom(
      ..."abcXYZ019 #%&'()+,;=@[]{}^`~!$-_.".split(""),
      "\u00e9",
      "e\u0301",
      "\u65e5",
      "\u{1F600}",
      "\u202E",
      "\u00a0",
    );
    const legalName = fc
      .string({ unit: legalChar, minLength: 0, maxLength: 40 })
      .map((s) => `n${s}n`)
      .filter((s) => !s.toLowerCase().includes("_vti_"));
    fc.assert(
      fc.property(drives, fc.array(legalName, { minLength: 1, maxLength: 6 }), (drive, names) => {
        const input = names.join("/");
        const result = itemPath(drive, input);
        checkItemPath(drive, input, result);
        expect(result.endsWith(":")).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it("itemAction appends exactly one action after the closing colon", () => {
    fc.assert(
      fc.property(
        drives,
        drivePath,
        fc.constantFrom("content", "children", "createUploadSession"),
        (d, p, a) => {
          acceptedOrRefused(() => {
            const result = itemAction(d, p, a);
            const item = itemPath(d, p);
            expect(result).toBe(`${item}/${a}`);
            const url = new URL(`https://graph.invalid/v1.0/${result}`);
            expect(url.pathname).toBe(`/v1.0/${result}`);
            expect(url.pathname.endsWith(item.endsWith(":") ? `:/${a}` : `/root/${a}`)).toBe(true);
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("normalising is idempotent: a normalised path normalises to itself", () => {
    fc.assert(
      fc.property(drivePath, (input) => {
        acceptedOrRefused(() => {
          const names = normalizePath(input);
          expect(normalizePath(names.join("/"))).toEqual(names);
          expect(normalizePath(`/${names.join("//")}/`)).toEqual(names);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses every input holding a .. segment or a forbidden character", () => {
    const bad = fc.constantFrom("..", "a:b", "a?b", "a*b", 'a"b', "a<b", "a>b", "a|b", "a\\b", "\u0000");
    fc.assert(
      fc.property(drivePath, bad, drivePath, (before, b, after) => {
        expect(() => itemPath("me/drive", `${before}/${b}/${after}`)).toThrow(InvalidPathError);
      }),
      { numRuns: 1500 },
    );
  });

  it("encodeSegment output decodes back and contains only unreserved characters and escapes", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }), (s) => {
        const e = encodeSegment(s);
        expect(e).toMatch(new RegExp(`^${UNRESERVED_OR_ESCAPE}+$`));
        expect(decodeURIComponent(e)).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });

  it("drive ids are encoded so they can never add a segment or leave the drive", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("drives", "users", "sites", "groups"),
        fc.oneof(piece, fc.string({ unit: "grapheme", minLength: 1 })),
        (kind, id) => {
          const selector = kind === "drives" ? `drives/${id}` : `${kind}/${id}/drive`;
          acceptedOrRefused(() => {
            const base = driveBase(selector);
            const parts = base.split("/");
            expect(parts).toHaveLength(kind === "drives" ? 2 : 3);
            expect(parts[1]).toMatch(new RegExp(`^${UNRESERVED_OR_ESCAPE}+$`));
            expect(parts[1] === "." || parts[1] === "..").toBe(false);
            expect(decodeURIComponent(parts[1]!)).toBe(id);
            expect(new URL(`https://graph.invalid/v1.0/${base}`).pathname).toBe(`/v1.0/${base}`);
          });
        },
      ),
      { numRuns: 1000 },
    );
  });
});
