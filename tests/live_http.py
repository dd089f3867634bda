"""A small HTTP client for the live test server (``live_url``): cookies, CSRF, one connection per call.

Safe to use from several threads at once (each call opens its own connection), which is what the
"truly simultaneous" tests need. Requests go to 127.0.0.1 with the site's ``Host`` header.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import re
import threading
import urllib.parse
from dataclasses import dataclass
from http.cookies import SimpleCookie


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return jsonlib.loads(self.body)

    def hidden(self, name: str, *, nth: int = 0) -> str:
        values = re.findall(rf'name="{re.escape(name)}" value="([^"]*)"', self.text)
        return values[nth]


class LiveClient:
    def __init__(self, live_url: str, host: str):
        self.port = int(live_url.rsplit(":", 1)[1])
        self.host = host
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}
        self._lock = threading.Lock()

    def call(self, method: str, path: str, *, form: dict | None = None, json=None, headers: dict | None = None,
             body: bytes | None = None) -> Answer:
        sent = {"Host": self.host, **self.headers, **(headers or {})}
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif json is not None:
            body = jsonlib.dumps(json).encode()
            sent["Content-Type"] = "application/json"
        with self._lock:
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            answer = Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
            for raw in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(raw)
                with self._lock:
                    for name, morsel in cookie.items():
                        self.cookies[name] = morsel.value
        finally:
            conn.close()
        return answer

    def login(self, username: str, password: str) -> None:
        page = self.call("GET", "/accounts/login/")
        answer = self.call("POST", "/accounts/login/", form={
            "username": username, "password": password, "csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken"),
        })
        assert answer.status == 302, answer.text[:500]


def simultaneously(*calls):
    """Run the callables in threads released together by a barrier; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if errors:
        raise errors[0]
    return results
