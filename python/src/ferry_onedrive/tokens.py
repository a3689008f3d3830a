"""Graph access tokens from the Ferry broker (``POST /api/v1/integrations/onedrive/token``).

The broker holds the refresh token; a job holds only its Ferry API key. A token is cached until shortly before
it expires, threads share one broker call, and a token Graph refused (401) is named to the broker by its expiry
(``staleExpiresAt``) so the broker replaces it rather than handing the same one out of its cache again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import requests

from .credentials import BrokerCredentials
from .errors import (
    BrokerError,
    BrokerUnreachableError,
    NeedsReconnectError,
    NotConnectedError,
    UnauthorizedError,
)
from .isotime import parse_iso

#: Refetch this long before expiry, so a token never runs out in the middle of a request; for a token that came
#: with less than four times that left (short lifetimes set by policy), a quarter of what it had.
EARLY_SECONDS = 60.0
ATTEMPTS = 4


@dataclass(frozen=True)
class MintedToken:
    access_token: str = field(repr=False)
    #: POSIX time at which the token expires.
    expires_at: float
    #: As the broker wrote it (ISO 8601), to name the token back to the broker.
    expires_at_iso: str
    scope: str
    account: dict


class BrokerTokenSource:
    """Callable: ``source()`` returns a current access token; ``source(refused=token)`` replaces one Graph refused."""

    def __init__(
        self,
        credentials: BrokerCredentials,
        session: requests.Session,
        timeout: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self._session = session
        self._timeout = timeout
        self._endpoint = credentials.url.rstrip("/") + "/api/v1/integrations/onedrive/token"
        # POSIX seconds, because the broker's expiresAt is a wall-clock instant (time.monotonic has no epoch to
        # compare it with). Injectable so tests can step through "far from expiry", "inside the margin" and
        # "expired" against the real broker without sleeping for an hour.
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: Optional[MintedToken] = None
        self._early = EARLY_SECONDS
        #: Broker calls made so far (tests and diagnostics).
        self.mints = 0

    def last(self) -> Optional[MintedToken]:
        """The last token the broker minted (its account, scope and expiry), if any."""
        return self._cached

    def __call__(self, refused: Optional[str] = None) -> str:
        # One lock for every thread: whoever holds it calls the broker, the others then find the fresh token.
        with self._lock:
            cached = self._cached
            now = self._clock()
            if cached is not None and cached.access_token != refused and cached.expires_at - now > self._early:
                return cached.access_token
            stale = cached.expires_at_iso if cached is not None and cached.access_token == refused else None
            minted = self._mint(stale)
            self._cached = minted
            self._early = min(EARLY_SECONDS, max(0.0, minted.expires_at - self._clock()) / 4)
            return minted.access_token

    def _mint(self, stale: Optional[str]) -> MintedToken:
        creds = self._credentials
        for attempt in range(1, ATTEMPTS + 1):
            self.mints += 1
            try:
                response = self._session.post(
                    self._endpoint,
                    json={"staleExpiresAt": stale} if stale else {},
                    headers={"Authorization": f"Bearer {creds.api_key}"},
                    timeout=self._timeout,
                )
            except requests.RequestException as error:
                if attempt >= ATTEMPTS:
                    raise BrokerUnreachableError(
                        f"cannot reach the Ferry broker at {creds.url} (from the {creds.source}): is it running? "
                        "Start it with `ferry dev` or `ferry serve`"
                    ) from error
                time.sleep(0.25 * 2**attempt)
                continue
            if response.ok:
                body = response.json()
                return MintedToken(
                    access_token=body["accessToken"],
                    expires_at=parse_iso(body["expiresAt"]).timestamp(),
                    expires_at_iso=body["expiresAt"],
                    scope=body.get("scope", ""),
                    account=body.get("account") or {},
                )
            error = _error_of(response)
            code = error.get("code") or f"http_{response.status_code}"
            detail = error.get("message") or f"HTTP {response.status_code}"
            if response.status_code == 503 and attempt < ATTEMPTS:
                # The broker could not refresh right now (Microsoft throttling or down); it says when to retry.
                try:
                    wait = float(response.headers.get("retry-after", "1"))
                except ValueError:
                    wait = 1.0
                time.sleep(min(30.0, wait))
                continue
            raise _broker_error(code, detail, creds)
        raise AssertionError("unreachable")


def _broker_error(code: str, detail: str, creds: BrokerCredentials) -> BrokerError:
    if code == "needs_reconnect":
        return NeedsReconnectError(f"OneDrive needs reconnecting: run `ferry integrations onedrive connect` ({detail})")
    if code == "not_connected":
        return NotConnectedError(
            "OneDrive is not connected: run `ferry integrations onedrive connect`, or use the Integrations page"
        )
    if code == "unauthorized":
        return UnauthorizedError(
            f"the Ferry broker at {creds.url} refused the API key from the {creds.source}: "
            "run `ferry login` with a valid key"
        )
    return BrokerError(f"the Ferry broker could not mint a OneDrive token: {detail} [{code}]")


def _error_of(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}
