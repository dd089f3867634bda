"""Fixtures for the integrations tests: API keys made through the service, clients that send them."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.support import host_of


@pytest.fixture
def make_key(db):
    """``make_key(office_or_None, user, scopes, **options)`` -> the full key ``prefix.secret``."""
    from core.integrations.keys import key_create
    from tenants.members import member_for

    def make(office, user, scopes, **options):
        _key, full = key_create(actor=member_for(user, office), name=options.pop("name", "12345热线"),
                                scopes=scopes, **options)
        return full

    return make


@pytest.fixture
def key_client(db):
    """``key_client(office_or_None, full_key, **extra)``: a DRF client sending ``Api-Key`` on that site."""

    def make(office, full_key, **extra) -> APIClient:
        client = APIClient(HTTP_HOST=host_of(office), **extra)
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {full_key}")
        return client

    return make


class Receiver:
    """A webhook receiver on 127.0.0.1 (a real HTTP server in a thread). ``answers``: the status codes
    to give, one per request (then 200). ``secret``: when set, each request's signature is checked
    here, independently of our signer, as an integrator would (README snippet)."""

    def __init__(self):
        import http.server
        import threading

        self.received: list[dict] = []
        self.answers: list[int] = []
        self.secret: str | None = None
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the standard library's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.received.append({"headers": dict(self.headers), "body": body,
                                          "valid": receiver.check(self.headers, body)})
                code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/nuandong/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def check(self, headers, body: bytes) -> bool:
        import hashlib
        import hmac

        if self.secret is None:
            return False
        parts = dict(p.split("=", 1) for p in headers.get("X-Nuandong-Signature", "").split(","))
        expected = hmac.new(self.secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, parts.get("v1", ""))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()
