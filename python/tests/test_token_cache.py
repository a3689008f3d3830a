"""The token cache's clock: a token is served from the cache while far from expiry, replaced through the broker once
inside the refresh margin (EARLY_SECONDS before expiry), and never returned once expired.

Time is the token source's injected clock, moved by each test; nothing sleeps. The broker and the emulator run on
their own clocks, so the broker would hand the same token back to a client whose clock alone jumped ahead. The
setup therefore has the broker replace that token first, the way it does for a token Graph refused
(``staleExpiresAt``), with the emulator's token lifetime raised so the replacement outlives the first by an hour:
a client that goes back to the broker gets a token it can tell apart, and which is valid on the moved clock.
Broker calls are counted twice: by the source's own counter and by the broker's ferry_broker_mints_total.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
import requests

from ferry_onedrive import onedrive_connect
from ferry_onedrive.tokens import EARLY_SECONDS, BrokerTokenSource, MintedToken

TOKEN_ROUTE = "/api/v1/integrations/onedrive/token"


class FakeClock:
    """POSIX seconds as the test sets them; starts at the real time, since the broker's expiries are real instants."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Replaced:
    #: The token every source holds in its cache (T1), and the one the broker replaced it with (T2).
    first: MintedToken
    second: str
    sources: dict


@pytest.fixture(scope="module")
def replaced(stack) -> Replaced:
    """One token source per case, each on its own fake clock and each holding the broker's token T1 in its cache;
    then the broker replaces T1 with a longer-lived T2."""
    conn = onedrive_connect()
    sources = {}
    for case in ("far", "margin", "expired"):
        clock = FakeClock()
        sources[case] = (BrokerTokenSource(conn.credentials, requests.Session(), clock=clock), clock)
    before = stack.broker_mints()
    tokens = {source() for source, _ in sources.values()}
    assert len(tokens) == 1 and stack.broker_mints() == before + 3
    first = sources["far"][0].last()
    # The broker hands out only a token with more than 5 minutes left, so the margin is EARLY_SECONDS in full
    # (not the quarter of a short lifetime).
    assert first.expires_at - sources["far"][1].now > 4 * EARLY_SECONDS

    lifetime = stack.emulator.settings()["tokenLifetime"]
    stack.emulator.settings(tokenLifetime=int(first.expires_at - time.time()) + 3600)
    try:
        answer = stack.broker("POST", TOKEN_ROUTE, {"staleExpiresAt": first.expires_at_iso})
    finally:
        stack.emulator.settings(tokenLifetime=lifetime)
    answer.raise_for_status()
    second = answer.json()["accessToken"]
    assert second != first.access_token
    return Replaced(first, second, sources)


def test_a_token_far_from_expiry_is_served_from_the_cache(stack, replaced):
    source, clock = replaced.sources["far"]
    before = stack.broker_mints()
    # From the mint up to one second outside the margin, although the broker meanwhile holds a newer token.
    start = clock.now
    for now in (start, (start + replaced.first.expires_at) / 2, replaced.first.expires_at - EARLY_SECONDS - 1):
        clock.now = now
        assert source() == replaced.first.access_token
    assert source.mints == 1
    assert stack.broker_mints() == before


def test_a_token_inside_the_refresh_margin_is_replaced_through_the_broker(stack, replaced):
    source, clock = replaced.sources["margin"]
    before = stack.broker_mints()
    clock.now = replaced.first.expires_at - EARLY_SECONDS + 1
    token = source()
    assert token == replaced.second
    assert source.mints == 2
    assert stack.broker_mints() == before + 1
    # The replacement is cached in its turn (an hour from its own margin on this clock) and Graph accepts it.
    assert source() == token and source.mints == 2 and stack.broker_mints() == before + 1
    me = requests.get(f"{stack.graph_url}/me", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert me.status_code == 200


def test_an_expired_token_is_never_returned(stack, replaced):
    source, clock = replaced.sources["expired"]
    before = stack.broker_mints()
    clock.now = replaced.first.expires_at + 1
    token = source()
    assert token != replaced.first.access_token
    assert token == replaced.second
    assert source.last().expires_at > clock.now
    assert source.mints == 2
    assert stack.broker_mints() == before + 1
