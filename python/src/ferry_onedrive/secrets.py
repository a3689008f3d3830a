"""``get_secret("NAME")``: a value the user keeps in the Ferry broker (``ferry secrets set NAME`` or the Integrations &
Secrets page), read with the job's Ferry API key so that no secret sits in the job's code.

As in the Node client (``getSecret`` in ``ferry``): a value is reused for 30 seconds by default, so a loop makes
one broker call, and threads asking for one name share that call; an unknown name raises
:class:`SecretNotFoundError`, which names the secret and says how to set it. Values never appear in an error.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Dict, Optional, Tuple
from urllib.parse import quote

import requests

from .credentials import BrokerCredentials, find_credentials
from .errors import BrokerError, BrokerUnreachableError, FerryError, UnauthorizedError

#: Seconds a value read may be reused.
SECRET_CACHE_SECONDS = 30.0
ATTEMPTS = 3


class SecretNotFoundError(BrokerError, LookupError):
    """The broker has no secret of that name for this API key's user; ``secret_name`` says which."""

    code = "secret_not_found"

    def __init__(self, secret_name: str, message: str) -> None:
        super().__init__(message)
        self.secret_name = secret_name


_lock = threading.Lock()
_cache: Dict[Tuple[str, str, str], Tuple[str, float]] = {}


def get_secret(
    name: str,
    *,
    url: Optional[str] = None,
    api_key: Optional[str] = None,
    max_age: float = SECRET_CACHE_SECONDS,
    timeout: float = 30.0,
    session: Optional[requests.Session] = None,
) -> str:
    """The value of the secret ``name`` of the Ferry user whose API key the job runs with (the arguments,
    FERRY_URL + FERRY_API_KEY, or the credentials file in FERRY_HOME)."""
    if not isinstance(name, str) or name == "":
        raise FerryError('get_secret() needs the secret\'s name, e.g. get_secret("OPENAI_API_KEY")', code="invalid_secret_name")
    creds = find_credentials(url, api_key)
    base = creds.url.rstrip("/")
    # A digest of the key (never the key itself) tells callers apart, so two keys never share a value.
    slot = (base, hashlib.sha256(creds.api_key.encode("utf-8")).hexdigest(), name)
    # One lock: whoever holds it calls the broker; other threads then find the fresh value.
    with _lock:
        cached = _cache.get(slot)
        if cached is not None and time.monotonic() - cached[1] < max_age:
            return cached[0]
        if session is not None:
            value = _fetch(name, creds, base, timeout, session)
        else:
            with requests.Session() as own:
                value = _fetch(name, creds, base, timeout, own)
        _cache[slot] = (value, time.monotonic())
        return value


def clear_secret_cache() -> None:
    """Forgets every value read, so the next get_secret() asks the broker."""
    with _lock:
        _cache.clear()


def _fetch(name: str, creds: BrokerCredentials, base: str, timeout: float, session: requests.Session) -> str:
    endpoint = f"{base}/api/v1/secrets/{quote(name, safe='')}"
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = session.get(
                endpoint,
                headers={"Authorization": f"Bearer {creds.api_key}", "Accept": "application/json"},
                timeout=timeout,
            )
        except requests.RequestException as error:
            if attempt >= ATTEMPTS:
                raise BrokerUnreachableError(
                    f"cannot reach the Ferry broker at {creds.url} (from the {creds.source}) to read secret {name}: "
                    "is it running? Start it with `ferry dev` or `ferry serve`"
                ) from None
            time.sleep(0.25 * 2**attempt)
            continue
        if response.ok:
            return response.json()["value"]
        try:
            error = (response.json() or {}).get("error") or {}
        except ValueError:
            error = {}
        code = error.get("code") or f"http_{response.status_code}"
        detail = error.get("message") or f"HTTP {response.status_code}"
        if response.status_code in (429, 503) and attempt < ATTEMPTS:
            try:
                wait = float(response.headers.get("retry-after", "1"))
            except ValueError:
                wait = 1.0
            time.sleep(min(10.0, wait))
            continue
        if code == "secret_not_found":
            raise SecretNotFoundError(name, detail)
        if code == "unauthorized":
            raise UnauthorizedError(
                f"the Ferry broker at {creds.url} refused the API key from the {creds.source} while reading secret "
                f"{name}: run `ferry login` with a valid key"
            )
        raise BrokerError(f"the Ferry broker could not read secret {name}: {detail} [{code}]", code=code)
    raise AssertionError("unreachable")
