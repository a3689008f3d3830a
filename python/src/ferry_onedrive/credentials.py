"""Where a job finds its broker, in the Node client's order: the arguments it was given, then ``FERRY_URL`` +
``FERRY_API_KEY``, then the credentials file that ``ferry login`` (or ``ferry dev``) writes into ``FERRY_HOME``."""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

from .errors import CredentialsError

CREDENTIALS_FILE = "credentials.json"
#: Microsoft Graph's v1.0 base, unless the broker's credentials (``ferry dev``) or FERRY_GRAPH_URL say otherwise.
DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0"


@dataclass(frozen=True)
class BrokerCredentials:
    """How to reach the broker. The API key stays out of ``repr`` so it never lands in a log or a traceback."""

    url: str
    api_key: str = field(repr=False)
    #: Graph's v1.0 base when it is not Microsoft's (the emulator in ``ferry dev``).
    graph_url: Optional[str] = None
    #: Where these came from, for messages: "arguments", "environment" or "credentials file".
    source: str = "arguments"


def ferry_home(env: Optional[Mapping[str, str]] = None) -> Path:
    env = os.environ if env is None else env
    home = env.get("FERRY_HOME", "")
    return Path(home) if home else Path.home() / ".ferry"


def find_credentials(
    url: Optional[str] = None,
    api_key: Optional[str] = None,
    graph_url: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
) -> BrokerCredentials:
    env = os.environ if env is None else env
    graph = graph_url or env.get("FERRY_GRAPH_URL") or None
    if url or api_key:
        if not url or not api_key:
            raise CredentialsError("onedrive_connect() needs both `url` and `api_key` when either is given")
        return BrokerCredentials(url, api_key, graph, "arguments")
    env_url, env_key = env.get("FERRY_URL", ""), env.get("FERRY_API_KEY", "")
    if env_url or env_key:
        if not env_url or not env_key:
            only = "FERRY_URL" if env_url else "FERRY_API_KEY"
            raise CredentialsError(f"set both FERRY_URL and FERRY_API_KEY (only {only} is set)")
        return BrokerCredentials(env_url, env_key, graph, "environment")
    file = ferry_home(env) / CREDENTIALS_FILE
    if file.exists():
        saved = _read_credentials_file(file)
        return BrokerCredentials(saved.url, saved.api_key, graph or saved.graph_url, "credentials file")
    raise CredentialsError(
        "no Ferry broker configured: run `ferry login --url URL --api-key KEY` (or `ferry dev` for a local one), "
        "or set FERRY_URL and FERRY_API_KEY"
    )


def _read_credentials_file(file: Path) -> BrokerCredentials:
    # A key readable by other users is a leaked key; refuse it the way ssh refuses a loose id_rsa.
    if stat.S_IMODE(file.stat().st_mode) & 0o077:
        raise CredentialsError(
            f"{file} is readable by other users; fix it with: chmod 600 {file}", code="credentials_unsafe"
        )
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise CredentialsError(
            f"{file} is not valid JSON; run `ferry login` again", code="credentials_invalid"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("url"), str) or not isinstance(data.get("apiKey"), str):
        raise CredentialsError(f"{file} lacks url or apiKey; run `ferry login` again", code="credentials_invalid")
    graph = data.get("graphUrl")
    return BrokerCredentials(data["url"], data["apiKey"], graph if isinstance(graph, str) else None)
