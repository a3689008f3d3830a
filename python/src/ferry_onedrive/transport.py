"""Every HTTP call to Microsoft Graph and its file hosts: the access token, retries, and one shared pause.

Graph throttles with 429 or 503 and a Retry-After, and Microsoft asks clients to pause *all* requests, not just
the one refused; so the pause is kept here, once per connection, and every thread waits it out. Gateway failures
(500, 502, 504, 509) and dropped connections are retried with jittered backoff when the call is safe to repeat.
A 401 gets one fresh token from the broker. Pre-authenticated URLs (downloads, upload sessions) are called
without the Authorization header: Microsoft documents that sending it there can cause a 401.
"""

from __future__ import annotations

import random
import re
import threading
import time
from typing import Any, Callable, Collection, Mapping, Optional
from urllib.parse import urljoin, urlsplit

import requests

from .errors import FerryError, graph_error_from_response, parse_retry_after, redact_secrets

_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.I)
RETRYABLE = frozenset([429, 500, 502, 503, 504, 509])
#: Seconds to wait for a connection, and between two reads of a response.
TIMEOUT = (15.0, 120.0)


class Transport:
    def __init__(
        self,
        base_url: str,
        token: Callable[..., str],
        session: requests.Session,
        *,
        max_attempts: int = 8,
        max_elapsed: float = 300.0,
        base_delay: float = 0.25,
        max_delay: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.token = token
        self.session = session
        self.max_attempts = max_attempts
        self.max_elapsed = max_elapsed
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._pause_lock = threading.Lock()
        self._resume_at = 0.0
        #: Requests sent and retried so far (tests and diagnostics).
        self.requests = 0
        self.retries = 0

    def url(self, path: str) -> str:
        """An absolute URL under the Graph base, or ``path`` relative to it.

        An absolute URL must be on Graph's own origin: the access token goes with it.
        """
        if _SCHEME.match(path):
            parts = urlsplit(path)
            if f"{parts.scheme}://{parts.netloc}" != self.origin:
                raise FerryError(
                    f"refusing to send the Graph access token to {parts.scheme}://{parts.netloc}: only URLs under "
                    f"{self.origin} may be requested with it",
                    code="foreign_url",
                )
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def send(
        self,
        method: str,
        url: str,
        *,
        label: Optional[str] = None,
        auth: bool = True,
        headers: Optional[Mapping[str, str]] = None,
        params: Optional[Mapping[str, Any]] = None,
        data: Any = None,
        json: Any = None,
        stream: bool = False,
        accept: Collection[int] = (),
        raw: bool = False,
        idempotent: Optional[bool] = None,
        follow: bool = False,
        **kwargs: Any,
    ) -> requests.Response:
        """Sends one Graph request, retrying what is safe to retry.

        Returns the response when it succeeded, when its status is in ``accept``, or (``raw``) whatever its status;
        otherwise raises the GraphError for it. ``label`` is the drive path or URL named in errors. ``follow``
        follows a GET's redirect (``…/content`` answers 302 to the download URL) without the Authorization header.
        """
        method = method.upper()
        safe = idempotent if idempotent is not None else method != "POST"
        where = redact_secrets(label or url)
        began = time.monotonic()
        refreshed = False
        refused: Optional[str] = None
        attempt = 0
        hops = 0
        timeout = kwargs.pop("timeout", TIMEOUT)
        while True:
            attempt += 1
            self._wait_for_pause()
            sent_headers = dict(headers or {})
            token = None
            if auth:
                token = self.token(refused=refused) if refused else self.token()
                sent_headers["Authorization"] = f"Bearer {token}"
            self.requests += 1
            try:
                response = self.session.request(
                    method,
                    url,
                    headers=sent_headers,
                    params=params,
                    data=data,
                    json=json,
                    stream=stream,
                    timeout=timeout,
                    allow_redirects=False,
                    **kwargs,
                )
            except requests.RequestException as error:
                # A refused connection never reached the server, so even a POST may be tried again.
                retryable = safe or isinstance(error, requests.ConnectionError) and _not_sent(error)
                if retryable and self._may_retry(attempt, began):
                    self._backoff(attempt, None)
                    continue
                raise FerryError(
                    f"{method} {where} failed: {type(error).__name__}: {redact_secrets(str(error))}; check the network "
                    "and try again",
                    code="network_error",
                ) from error
            status = response.status_code
            if status == 401 and auth and not refreshed and (data is None or isinstance(data, (bytes, bytearray))):
                # The token was refused: expired early or revoked. Ask the broker for another, once.
                response.close()
                refreshed = True
                refused = token
                continue
            if status in RETRYABLE and (safe or status in (429, 503)) and self._may_retry(attempt, began):
                retry_after = _retry_after(response)
                response.close()
                if status in (429, 503):
                    self._pause(retry_after if retry_after is not None else self._delay(attempt))
                else:
                    self._backoff(attempt, retry_after)
                continue
            if follow and status in (301, 302, 303, 307, 308) and method in ("GET", "HEAD") and hops < 5:
                location = response.headers.get("location")
                if location:
                    # The target is pre-authenticated (a download URL): the access token must not go with it.
                    response.close()
                    url, auth, params, hops, attempt = urljoin(url, location), False, None, hops + 1, 0
                    continue
            if raw or status < 300 or status in accept:
                return response
            raise graph_error_from_response(response, method, label or url)

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        """A JSON call: the parsed body, or None for 202/204."""
        response = self.send(method, url, **kwargs)
        if response.status_code in (202, 204) or not response.content:
            return None
        return response.json()

    # ---- retries and the shared pause ---------------------------------------------------------------------

    def _may_retry(self, attempt: int, began: float) -> bool:
        return attempt < self.max_attempts and time.monotonic() - began < self.max_elapsed

    def _delay(self, attempt: int) -> float:
        # Full jitter: spread the retries of many clients over the whole window.
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

    def _backoff(self, attempt: int, retry_after: Optional[float]) -> None:
        self.retries += 1
        time.sleep(retry_after if retry_after is not None else self._delay(attempt))

    def _pause(self, seconds: float) -> None:
        self.retries += 1
        with self._pause_lock:
            self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    def _wait_for_pause(self) -> None:
        wait = self._resume_at - time.monotonic()
        if wait > 0:
            time.sleep(wait)


def _retry_after(response: requests.Response) -> Optional[float]:
    value = parse_retry_after(response.headers.get("retry-after"))
    return None if value is None else min(value, 300.0)


def _not_sent(error: requests.ConnectionError) -> bool:
    if isinstance(error, requests.ConnectTimeout):
        return True
    text = str(error)
    return "Connection refused" in text or "Name or service not known" in text or "NewConnectionError" in text
