"""The stack the Python client is tested against: `ferry dev`, started through the workspace's `ferry` bin as a
user would start it, with its emulator standing in for Microsoft, and OneDrive connected through the real
authorization-code flow (the emulator's auto-consent). One stack per test session, in a temporary FERRY_HOME.

The tests import `ferry_onedrive` from the installed wheel (scripts/pythonRun.mjs builds it and installs it into
a fresh virtual environment), never from python/src.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from scripted_browser import connect_onedrive

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "packages" / "graph" / "test" / "cases"
EXAMPLES = REPO / "python" / "examples"
FERRY_BIN = REPO / "node_modules" / ".bin" / "ferry"
ACCOUNT_EMAIL = "ada.lovelace@outlook.example"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    # With CI=true nothing is skipped: a skip is a failure.
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") in ("true", "1"):
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, where nothing may be skipped: {report.longrepr}"


class Emulator:
    """The emulator's admin API (`/_emulator/…`): seeding, counters, revocation, the clock."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def _call(self, method: str, path: str, body=None):
        r = requests.request(method, f"{self.url}/_emulator/{path}", json=body, timeout=120)
        r.raise_for_status()
        return r.json() if r.content else None

    def counters(self) -> dict:
        return self._call("GET", "counters")

    def reset_counters(self) -> None:
        self._call("POST", "counters/reset")

    def seed(self, files=None, folders=None, account: str = "personal") -> dict:
        return self._call("POST", "seed", {"account": account, "files": files or [], "folders": folders or []})

    def revoke(self, account: str = "personal") -> dict:
        return self._call("POST", f"accounts/{account}/revoke")

    def expire_tokens(self) -> None:
        self._call("POST", "tokens/expire")

    def settings(self, **patch) -> dict:
        """The emulator's settings (token lifetime, latency…); with keyword arguments, changes those first."""
        return self._call("PATCH", "settings", patch) if patch else self._call("GET", "settings")

    def advance_clock(self, seconds: float) -> dict:
        return self._call("POST", "clock", {"advanceSeconds": seconds})

    def fault(self, **spec) -> dict:
        return self._call("POST", "faults", spec)

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def requests_to(self, route: str, status: int | None = None, method: str | None = None) -> int:
        """How many requests the counters saw whose route label matches the regular expression `route`."""
        return sum(
            r["count"]
            for r in self.counters()["requests"]
            if re.search(route, r["route"])
            and (status is None or r["status"] == status)
            and (method is None or r["method"] == method)
            and not r["route"].startswith(("POST /_emulator", "GET /_emulator"))
        )

    def graph_requests(self) -> int:
        """Every request to Graph, the file hosts and the identity platform (not the admin API)."""
        return sum(r["count"] for r in self.counters()["requests"] if "/_emulator" not in r["route"])


class Stack:
    def __init__(self) -> None:
        self.home = tempfile.mkdtemp(prefix="ferry-py-home-")
        os.chmod(self.home, 0o700)
        self.port = _free_port()
        self.env = _clean_env(self.home)
        self.out: list[str] = []
        self.err: list[str] = []
        self.process = subprocess.Popen(
            [str(FERRY_BIN), "dev", "--port", str(self.port), "--seed-demo-files"],
            cwd=str(REPO),
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for stream, sink in ((self.process.stdout, self.out), (self.process.stderr, self.err)):
            threading.Thread(target=_drain, args=(stream, sink), daemon=True).start()
        self._wait_for("Next: ", 180)
        text = "".join(self.out)
        self.broker_url = re.search(r"broker:\s+(http\S+)", text).group(1)
        self.emulator = Emulator(re.search(r"emulator:\s+(http\S+)", text).group(1))
        saved = json.loads(Path(self.home, "credentials.json").read_text())
        self.api_key = saved["apiKey"]
        self.graph_url = saved["graphUrl"]

    def _wait_for(self, marker: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker in "".join(self.out):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"`ferry dev` did not start:\n{''.join(self.out)}\n{''.join(self.err)}")

    def broker(self, method: str, path: str, body=None, key: str | None = None) -> requests.Response:
        return requests.request(
            method,
            f"{self.broker_url}{path}",
            json=body,
            headers={"Authorization": f"Bearer {key or self.api_key}"},
            timeout=60,
        )

    def broker_mints(self) -> int:
        """Token requests the broker has answered so far, whatever their result (its ferry_broker_mints_total)."""
        text = requests.get(f"{self.broker_url}/metrics", timeout=30).text
        counts = [line.rsplit(" ", 1)[1] for line in text.splitlines() if line.startswith("ferry_broker_mints_total")]
        return int(sum(float(count) for count in counts))

    def connect_onedrive(self) -> None:
        """The real authorization-code flow in a scripted browser: the broker's start link, the emulator's picker
        and consent, the broker's callback and its confirmation."""
        finished = connect_onedrive(self.broker_url, self.api_key)
        finished.raise_for_status()
        status = self.broker("GET", "/api/v1/integrations").json()["integrations"][0]["status"]
        assert status == "connected", status

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        shutil.rmtree(self.home, ignore_errors=True)


def _drain(stream, sink: list) -> None:
    for line in stream:
        sink.append(line)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _clean_env(home: str) -> dict:
    """The environment of a user whose only Ferry configuration is FERRY_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FERRY_")}
    env.update(FERRY_HOME=home, NO_COLOR="1")
    return env


@pytest.fixture(scope="session")
def stack():
    if not FERRY_BIN.exists():
        pytest.fail(f"{FERRY_BIN} is missing: run `npm ci` in the workspace first")
    saved = dict(os.environ)
    s = Stack()
    try:
        s.connect_onedrive()
        # In-process connections find this stack as a user's job does: through FERRY_HOME's credentials file.
        os.environ.clear()
        os.environ.update(s.env)
        yield s
    finally:
        os.environ.clear()
        os.environ.update(saved)
        s.stop()


@pytest.fixture(autouse=True)
def _forget_current_connection():
    """Each test starts with no current connection, so bare onedrive:// paths find the stack afresh."""
    yield
    import ferry_onedrive.connection

    ferry_onedrive.connection._current = None


@pytest.fixture
def conn(stack):
    from ferry_onedrive import onedrive_connect

    return onedrive_connect()


@pytest.fixture
def fs(conn):
    return conn.fs


@pytest.fixture
def emulator(stack) -> Emulator:
    return stack.emulator


def run_python(args: list, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    """Runs this virtual environment's Python (the one with the wheel installed) as a user's script would run."""
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=timeout, cwd=tempfile.gettempdir()
    )
