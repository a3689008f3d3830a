"""Times as Graph writes them parse on every supported Python (3.10's fromisoformat refuses `Z` and 7 digits)."""

from datetime import datetime, timezone

from ferry_onedrive.isotime import parse_iso, timestamp


def test_graph_and_broker_spellings():
    utc = timezone.utc
    assert parse_iso("2017-08-07T16:16:30.7470000Z") == datetime(2017, 8, 7, 16, 16, 30, 747000, utc)
    assert parse_iso("2026-03-01T06:00:00.672Z") == datetime(2026, 3, 1, 6, 0, 0, 672000, utc)
    assert parse_iso("2026-03-01T06:00:00Z") == datetime(2026, 3, 1, 6, tzinfo=utc)
    assert parse_iso("2026-03-01T08:00:00+02:00") == datetime(2026, 3, 1, 6, tzinfo=utc)
    assert parse_iso("2026-03-01T08:00:00+0200") == datetime(2026, 3, 1, 6, tzinfo=utc)
    assert timestamp(None) is None
    assert timestamp("1970-01-01T00:00:01Z") == 1.0
