"""ISO 8601 times as Graph and the broker write them, on every Python this package supports.

``datetime.fromisoformat`` before Python 3.11 refuses the trailing ``Z`` and fractions that are not 3 or 6 digits,
and Graph writes both (``2017-08-07T16:16:30.7470000Z``).
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Optional

_ISO = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$")


def parse_iso(text: str) -> datetime:
    """An aware datetime (UTC when the text names no zone)."""
    match = _ISO.match(text.strip())
    if not match:
        raise ValueError(f"not an ISO 8601 time: {text!r}")
    whole, fraction, zone = match.groups()
    micro = f".{(fraction or '0')[:6].ljust(6, '0')}"
    offset = "+00:00" if zone in (None, "Z") else zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
    return datetime.fromisoformat(whole + micro + offset).astimezone(timezone.utc)


def timestamp(text: Optional[str]) -> Optional[float]:
    """POSIX seconds, or None for a missing time."""
    return parse_iso(text).timestamp() if text else None
