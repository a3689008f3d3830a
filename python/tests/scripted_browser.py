"""The smallest honest browser for connecting OneDrive in tests, the Python twin of @ferry/broker's
ScriptedBrowser: since security round two a connect is bound to the browser that opens the broker's start link and
stored only after a confirmation, so a plain GET of the link no longer connects anything. It follows redirects,
keeps cookies, sends the headers a browser sends on a page load and a form post, and presses buttons on the plain
HTML forms of the broker's and the emulator's pages. It runs no script and is not for Microsoft's real pages."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

MAX_FORMS = 10


class _FirstPostForm(HTMLParser):
    """The first `<form method="post">`: its action, hidden fields and buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: list[tuple[str | None, str | None]] = []
        self._inside = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if self._done:
            return
        if tag == "form" and (a.get("method") or "").lower() == "post" and not self._inside:
            self._inside = True
            self.action = a.get("action") or ""
        elif self._inside and tag == "input" and (a.get("type") or "").lower() == "hidden" and a.get("name"):
            self.fields[a["name"]] = a.get("value") or ""
        elif self._inside and tag == "button":
            self.buttons.append((a.get("name"), a.get("value")))

    def handle_endtag(self, tag):
        if tag == "form" and self._inside:
            self._inside = False
            self._done = True


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def connect_onedrive(broker_url: str, api_key: str, decision: str = "connect") -> requests.Response:
    """Starts a connect with `api_key` and clicks through the broker's start page, the emulator's picker and
    consent, and the broker's confirmation, as a person would; returns the last page."""
    started = requests.post(
        f"{broker_url.rstrip('/')}/api/v1/integrations/onedrive/connect",
        json={},
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=60,
    )
    started.raise_for_status()
    browser = requests.Session()
    browser.headers.update(
        {"Accept": "text/html", "Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "none"}
    )
    page = browser.get(started.json()["authorizationUrl"], timeout=60)
    for _ in range(MAX_FORMS):
        if page.status_code >= 400:
            return page
        form = _FirstPostForm()
        form.feed(page.text)
        if form.action is None:
            return page
        fields = dict(form.fields)
        wanted = ("accept", decision)
        chosen = next((b for b in form.buttons if b[1] in wanted), form.buttons[0] if form.buttons else (None, None))
        if chosen[0] is not None:
            fields[chosen[0]] = chosen[1] or ""
        action = urljoin(page.url, form.action)
        site = "same-origin" if _origin(action) == _origin(page.url) else "cross-site"
        page = browser.post(
            action,
            data=fields,
            headers={"Origin": _origin(page.url), "Sec-Fetch-Site": site},
            timeout=60,
        )
    raise RuntimeError("more than 10 forms in a row: the connect pages loop")
