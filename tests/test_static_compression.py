"""Stylesheets travel compressed (issue 11): a phone on a weak signal pays for every byte.

Asked of a real gunicorn (``live_url``), as a phone's browser asks.
"""

from __future__ import annotations

import gzip
import urllib.request

from django.conf import settings
from django.contrib.staticfiles import finders


def _get(live_url: str, path: str, **headers) -> tuple[int, dict, bytes]:
    url = live_url.format(host="127.0.0.1") + path
    request = urllib.request.Request(url, headers={"Host": settings.BASE_DOMAIN, **headers})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def _original() -> bytes:
    with open(finders.find("ui/app.css"), "rb") as handle:
        return handle.read()


def test_the_stylesheet_is_served_gzip_compressed_to_a_browser_that_accepts_it(live_url):
    status, headers, body = _get(live_url, "/static/ui/app.css", **{"Accept-Encoding": "gzip"})

    assert status == 200
    assert headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body) == _original()
    assert len(body) < len(_original()) / 2


def test_a_client_without_compression_gets_the_plain_file(live_url):
    status, headers, body = _get(live_url, "/static/ui/app.css", **{"Accept-Encoding": "identity"})

    assert status == 200 and "content-encoding" not in headers
    assert body == _original()
