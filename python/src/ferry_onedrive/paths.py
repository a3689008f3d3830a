"""The one rule that turns a user's drive path into a Graph URL segment, the same rule as @ferry/graph's paths.ts.

Graph addresses items by path inside the URL itself (``root:/a/b.txt:/content``), so any character left raw
could change which endpoint is called: ``?`` starts a query, ``#`` a fragment, ``:`` ends the path and starts an
action, ``..`` or ``%2e%2e`` climbs out of the drive. Every path goes through here before any request is made.
The refusals and their messages match the Node client's word for word; both suites check the cases in
packages/graph/test/cases/paths.json.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from .errors import InvalidPathError, js_string

#: OneDrive's limit on one file or folder name, in UTF-16 code units as OneDrive (and JavaScript) count.
MAX_NAME_LENGTH = 255
#: OneDrive's limit on a whole path below the drive root (Graph answers ``pathIsTooLong`` above it).
MAX_PATH_LENGTH = 400

# Characters Microsoft lists as forbidden in OneDrive and SharePoint names, in the order the Node client tests
# them (the first one found in this order is the one named). `\` is refused earlier with its own message.
FORBIDDEN_CHARACTERS = ['"', "*", ":", "<", ">", "?", "/", "\\", "|"]

# Windows device names and SharePoint's internal names, refused as whole names, ignoring case.
RESERVED_NAMES = frozenset(
    [".lock", "con", "prn", "aux", "nul", "desktop.ini"]
    + [f"com{i}" for i in range(10)]
    + [f"lpt{i}" for i in range(10)]
)

# Category Cc (C0 controls, DEL, C1 controls): never valid in a OneDrive name, and NUL or CR/LF in a URL are
# request-smuggling tools.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# A lone surrogate has no UTF-8 encoding (Python strings can hold one, from JSON or surrogateescape).
_SURROGATE = re.compile("[\ud800-\udfff]")
_BACKSLASH = re.compile(r"\\")
_ACTION = re.compile(r"[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*")

ROOT_ITEM = "me/drive/root"


def utf16_length(text: str) -> int:
    """Length as OneDrive and JavaScript count it: characters beyond U+FFFF count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def normalize_path(path: str) -> list:
    """Splits a drive path (relative to the drive root) into NFC-normalised names.

    ``""``, ``/`` and ``.`` mean the root (``[]``); empty and ``.`` segments are dropped; leading and trailing
    slashes are ignored. Raises InvalidPathError for ``..``, backslashes, control characters, names OneDrive
    forbids, and paths over MAX_PATH_LENGTH.
    """
    if not isinstance(path, str):
        raise InvalidPathError(str(path), "notAString", "a drive path must be a string")
    # Checked before NFC, which would pass a lone surrogate through.
    if _SURROGATE.search(path):
        raise InvalidPathError(
            path, "invalidUnicode", f"{_subject(path, _SURROGATE)}contains a lone UTF-16 surrogate (not valid Unicode)"
        )
    # macOS hands out decomposed (NFD) names; OneDrive compares names as sent, so one spelling (NFC, what Windows
    # and the OneDrive web page produce) keeps `é` from being two different files.
    nfc = unicodedata.normalize("NFC", path)
    control = _CONTROL.search(nfc)
    if control:
        raise InvalidPathError(
            path,
            "controlCharacter",
            f"{_subject(nfc, _CONTROL)}contains the control character {_code_point(control.group())}",
        )
    if "\\" in nfc:
        # Refused rather than treated as a separator: on Windows `a\b` means a folder, elsewhere it is a name
        # character, and OneDrive forbids it in names either way.
        raise InvalidPathError(
            path, "backslash", _subject(nfc, _BACKSLASH) + 'contains "\\": use "/" to separate folders'
        )

    names = []
    for segment in nfc.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            # Never resolved: `a/../../drives/x` must not climb out of the drive.
            raise InvalidPathError(
                path, "dotDotSegment", 'it contains a ".." segment; parent references are not allowed'
            )
        _check_name_in(segment, path)
        names.append(segment)
    joined = "/".join(names)
    length = utf16_length(joined)
    if length > MAX_PATH_LENGTH:
        raise InvalidPathError(
            path,
            "pathIsTooLong",
            f"it is {length} characters long; OneDrive allows at most {MAX_PATH_LENGTH} (pathIsTooLong)",
        )
    return names


def check_name(name: str) -> None:
    """Raises InvalidPathError, naming the character or rule, when OneDrive would refuse ``name``."""
    _check_name_in(name, name)


def _check_name_in(name: str, path: str) -> None:
    def fail(rule: str, why: str) -> None:
        where = "" if name == path else f"the name {js_string(name)} "
        raise InvalidPathError(path, rule, f"{where}{why}")

    if not isinstance(name, str) or name == "":
        fail("emptyName", "a name cannot be empty")
    if name in (".", ".."):
        fail("dotSegment", f'"{name}" is not a name')
    if _SURROGATE.search(name):
        fail("invalidUnicode", "contains a lone UTF-16 surrogate (not valid Unicode)")
    control = _CONTROL.search(name)
    if control:
        fail("controlCharacter", f"contains the control character {_code_point(control.group())}")
    for c in FORBIDDEN_CHARACTERS:
        if c in name:
            fail("forbiddenCharacter", f'contains "{c}", which OneDrive forbids in names')
    if name.startswith(" "):
        fail("leadingSpace", "starts with a space, which OneDrive forbids")
    if name.endswith(" "):
        fail("trailingSpace", "ends with a space, which OneDrive forbids")
    if name.endswith("."):
        fail("trailingDot", 'ends with ".", which OneDrive forbids')
    lower = name.lower()
    if lower in RESERVED_NAMES:
        fail("reservedName", f'is "{name}", a name OneDrive reserves')
    if "_vti_" in lower:
        fail("reservedName", 'contains "_vti_", which OneDrive reserves')
    if name.startswith("~$"):
        fail("reservedName", 'starts with "~$", which OneDrive reserves (Office lock files)')
    length = utf16_length(name)
    if length > MAX_NAME_LENGTH:
        fail("nameIsTooLong", f"is {length} characters long; OneDrive allows at most {MAX_NAME_LENGTH}")


def encode_segment(segment: str) -> str:
    """RFC 3986 percent-encoding of one segment: only unreserved characters (A–Z a–z 0–9 - . _ ~) stay raw."""
    return quote(segment, safe="")


def item_path(path: str) -> str:
    """The URL path (relative to the v1.0 base) of the item at ``path``.

    ``me/drive/root`` for the root, otherwise ``me/drive/root:/a%20b/c%23.txt:``. The closing colon is always
    written: without it Graph reads a last segment named like an action (``content``, ``children``) as that action.
    """
    names = normalize_path(path)
    if not names:
        return ROOT_ITEM
    return f"{ROOT_ITEM}:/{'/'.join(encode_segment(n) for n in names)}:"


def item_action(path: str, action: str) -> str:
    """The URL path of an action on the item: ``me/drive/root:/a/b.txt:/content``, or ``me/drive/root/children``."""
    # Actions come from code, not users; still, one must never smuggle in `..`, `?` or `/`.
    if not _ACTION.fullmatch(action):
        raise InvalidPathError(action, "invalidAction", "an action must be a Graph name like content or children")
    return f"{item_path(path)}/{action}"


def join(*parts: str) -> str:
    """Joins drive paths into one normalised path (``""`` is the root)."""
    return "/".join(normalize_path("/".join(parts)))


def _subject(path: str, pattern: "re.Pattern[str]") -> str:
    """Who a path-wide rule blames: ``the name "…" `` when the path has several names, else ``it ``."""
    names = [s for s in path.split("/") if s != ""]
    culprit = next((s for s in names if pattern.search(s)), None)
    return f"the name {js_string(culprit)} " if culprit is not None and len(names) > 1 else "it "


def _code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"
