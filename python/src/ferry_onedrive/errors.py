"""The errors ferry_onedrive raises, and the one parser of Graph's documented error body.

Every error is a :class:`FerryError` with a stable ``code`` (listed in python/README.md, the same codes the
Node client uses), and a message written for the person running the job: what failed, on what, and what to
do next. Errors that fsspec and pandas know by their built-in type also derive from it (a missing item is a
``FileNotFoundError``), so ``fs.exists`` and friends behave as with any other fsspec filesystem.
"""

from __future__ import annotations

import json
import re
import time
from email.utils import parsedate_to_datetime
from typing import Any, Optional


class FerryError(Exception):
    """Base of every error Ferry raises on purpose; ``code`` is stable, the message is for people."""

    code = "ferry_error"

    def __init__(self, message: str, *, code: Optional[str] = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.message


class InvalidPathError(FerryError, ValueError):
    """A drive path refused before any request (see paths.py); ``rule`` names the rule it broke."""

    code = "invalid_path"

    def __init__(self, path: str, rule: str, reason: str) -> None:
        super().__init__(f"invalid OneDrive path {js_string(path)}: {reason}")
        self.path = path
        self.rule = rule


class IsAFolderError(FerryError, IsADirectoryError):
    """A file operation on a folder (download, open for reading, rm without recursive)."""

    code = "is_a_folder"


class NotAFolderError(FerryError, NotADirectoryError):
    """A folder operation through a file (a file where a parent folder should be)."""

    code = "not_a_folder"


# ---- the broker -----------------------------------------------------------------------------------------


class CredentialsError(FerryError):
    """No broker configured, or a credentials file that is unsafe or unreadable (``code`` says which)."""

    code = "no_credentials"


class BrokerError(FerryError):
    """The Ferry broker refused to mint a token for a reason not covered by a subclass."""

    code = "broker_error"


class BrokerUnreachableError(BrokerError):
    """No answer from the broker after a few tries."""

    code = "broker_unreachable"


class UnauthorizedError(BrokerError):
    """The broker refused the API key."""

    code = "unauthorized"


class NotConnectedError(BrokerError):
    """This Ferry user has not connected OneDrive."""

    code = "not_connected"


class NeedsReconnectError(BrokerError):
    """Microsoft no longer accepts the stored refresh token (revoked, expired or idle for 90 days)."""

    code = "needs_reconnect"


# ---- Microsoft Graph ----------------------------------------------------------------------------------


class GraphError(FerryError):
    """A failed Graph call, after retries. ``status`` 0 means Ferry found the failure in a good answer.

    Deliberately not an OSError: fsspec's ``walk``/``find`` treat OSError as "nothing here" and would silently
    return partial listings when Graph keeps throttling. Only the failures with a built-in meaning derive from
    one (missing → FileNotFoundError, exists → FileExistsError, refused → PermissionError).
    """

    code = "graph_error"

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        graph_code: Optional[str] = None,
        inner_code: Optional[str] = None,
        request_id: Optional[str] = None,
        retry_after: Optional[float] = None,
        path: Optional[str] = None,
        code: Optional[str] = None,
    ) -> None:
        FerryError.__init__(self, message, code=code)
        self.status = status
        self.graph_code = graph_code
        self.inner_code = inner_code
        self.request_id = request_id
        self.retry_after = retry_after
        self.path = path


class NotFoundError(GraphError, FileNotFoundError):
    """404 ``itemNotFound``."""

    code = "not_found"


class ConflictError(GraphError, FileExistsError):
    """409 ``nameAlreadyExists`` and 412 ``resourceModified`` (a failed If-Match)."""

    code = "conflict"


class ThrottledError(GraphError):
    """429 and 503 still failing after the retries: Microsoft asks every caller to wait ``retry_after``."""

    code = "throttled"


class AuthError(GraphError, PermissionError):
    """401 (token rejected even after a refresh) and 403 (no permission for the item or scope)."""

    code = "access_denied"


class IntegrityError(GraphError):
    """Transferred bytes whose QuickXorHash differs from the one OneDrive reports; never retried silently."""

    code = "hash_mismatch"

    def __init__(self, path: str, expected_hash: str, actual_hash: str) -> None:
        super().__init__(
            f"{path}: QuickXorHash mismatch (OneDrive reports {expected_hash}, the transferred bytes hash to "
            f"{actual_hash}): the data was corrupted in transit; transfer it again",
            path=path,
            graph_code="integrityMismatch",
        )
        self.expected_hash = expected_hash
        self.actual_hash = actual_hash


class UploadSessionGoneError(GraphError):
    """The upload session ended (expired or cancelled) before the upload finished, and starting over failed."""

    code = "upload_session_gone"


# ---- helpers --------------------------------------------------------------------------------------------


def js_string(text: str) -> str:
    """``JSON.stringify(text)`` exactly, so refusals read the same as the Node client's.

    ``json.dumps`` differs on lone surrogates (it would emit them raw) and with ``ensure_ascii`` on every
    non-ASCII character.
    """
    out = ['"']
    for ch in text:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif o < 0x20 or 0xD800 <= o <= 0xDFFF:
            out.append(f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_SHORT_ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def parse_retry_after(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Retry-After in seconds: Graph sends whole or decimal seconds (``2.128``); RFC 9110 also allows a date."""
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    if not re.match(r"[A-Za-z]{3,9},? ", text):
        return None
    try:
        at = parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, at - (time.time() if now is None else now))


_SECRET_PATTERNS = [
    (re.compile(r"\b(Bearer\s+)[\w\-.~+/]+=*", re.I), r"\1[redacted]"),
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]*"), "[redacted]"),
    (re.compile(r"\b(tempauth|access_token|refresh_token|code|client_secret|sig)=[^&\s]+", re.I), r"\1=[redacted]"),
]


def redact_secrets(text: str) -> str:
    """Removes credentials a URL or message may carry: pre-authenticated URLs hold a token in their query."""
    out = text
    if re.match(r"https?://", out, re.I):
        cut = re.search(r"[?#]", out)
        if cut:
            out = out[: cut.start()] + "?…"
    for pattern, replacement in _SECRET_PATTERNS:
        out = pattern.sub(replacement, out)
    return out


def graph_error_from_response(response: Any, method: str, path: str) -> GraphError:
    """The right GraphError for a failed Graph response, read from
    ``{"error": {"code", "message", "innerError": {"code", "date", "request-id"}}}`` (consumes the body)."""
    try:
        text = response.text
    except Exception:  # a body cut off mid-read still leaves a status worth reporting
        text = ""
    error = _error_body(text)
    inner = _inner_errors(error)
    status = response.status_code
    graph_code = _str(error.get("code")) if error else None
    graph_code = graph_code or f"httpStatus{status}"
    inner_code = next((c for c in (_str(e.get("code")) for e in reversed(inner)) if c), None)
    request_id = next((v for v in (_str(e.get("request-id")) for e in inner) if v), None) or response.headers.get(
        "request-id"
    )
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    where = redact_secrets(path)
    graph_message = redact_secrets(_str(error.get("message")) or "").strip() if error else ""
    message = _human_message(
        method.upper(), where, status, graph_code, inner_code, retry_after, graph_message, request_id
    )
    cls = {401: AuthError, 403: AuthError, 404: NotFoundError, 409: ConflictError, 412: ConflictError}.get(
        status, ThrottledError if status in (429, 503) else GraphError
    )
    return cls(
        message,
        status=status,
        graph_code=graph_code,
        inner_code=inner_code,
        request_id=request_id,
        retry_after=retry_after,
        path=where,
    )


def _human_message(
    method: str,
    path: str,
    status: int,
    code: str,
    inner_code: Optional[str],
    retry_after: Optional[float],
    graph_message: str,
    request_id: Optional[str],
) -> str:
    wait = "retry later" if retry_after is None else f"retry after {retry_after:g}s"
    advice = {
        400: 'invalid name: OneDrive forbids " * : < > ? / \\ |, leading or trailing spaces and a trailing "."; rename it'
        if inner_code == "nameContainsInvalidCharacters"
        else "invalid request: check the path and arguments",
        401: "access token rejected or expired: reconnect OneDrive in Ferry, or check that the token source returns a current token",
        403: "access denied: the signed-in account may not use this item, or the app lacks the Files.ReadWrite scope; reconnect with an account that has access",
        404: "not found: check the path (and that its parent folders exist)",
        409: "conflict: an item with that name already exists (OneDrive names ignore case); choose another name or the replace/rename conflict behaviour",
        410: "gone: the delta token or session expired; start again without it (a full resync)",
        412: "the item changed since it was read (eTag mismatch): read it again, then retry",
        413: "request too large: send big files through an upload session",
        416: "range not accepted: resume from the session's nextExpectedRanges",
        423: "the item is locked (open or checked out elsewhere): close it and retry",
        429: f"throttled by Microsoft; {wait}",
        503: f"Microsoft Graph is unavailable or throttling; {wait}",
        507: "OneDrive is full: free some space (empty the recycle bin) or add storage",
    }.get(status)
    if advice is None:
        advice = (
            f"Microsoft Graph failed on its side (HTTP {status}); {wait}"
            if status >= 500
            else f"refused by Microsoft Graph (HTTP {status})"
        )
    codes = code if inner_code is None else f"{code}/{inner_code}"
    detail = codes if graph_message == "" else f"{codes}: {graph_message}"
    rid = "" if request_id is None else f" (request-id {request_id})"
    return f"{method} {path} failed: {advice} [{detail}]{rid}"


def _error_body(text: str) -> Optional[dict]:
    if not text:
        return None
    try:
        body = json.loads(text)
    except ValueError:  # proxies and gateways in front of Graph answer with HTML or plain text
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body["error"]
    return None


def _inner_errors(error: Optional[dict]) -> list:
    # Graph spells the nested object both `innerError` and `innererror`, and nests it; the deepest is the most
    # specific.
    chain: list = []
    nxt = (error or {}).get("innerError", (error or {}).get("innererror"))
    while isinstance(nxt, dict) and len(chain) < 8:
        chain.append(nxt)
        nxt = nxt.get("innerError", nxt.get("innererror"))
    return chain


def _str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and value != "" else None
