"""Stylesheets travel compressed (issue 11): a phone on a weak signal pays for every byte."""

from __future__ import annotations

import gzip

from django.contrib.staticfiles import finders


def test_the_stylesheet_is_served_gzip_compressed_to_a_browser_that_accepts_it(db, web_client):
    original = open(finders.find("ui/app.css"), "rb").read()
    response = web_client(None, None).get("/static/ui/app.css", HTTP_ACCEPT_ENCODING="gzip, deflate, br")

    assert response.status_code == 200
    assert response["Content-Encoding"] in {"gzip", "br"}
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Encoding"] == "gzip":
        assert gzip.decompress(body) == original
    assert len(body) < len(original) / 2


def test_a_client_without_compression_gets_the_plain_file(db, web_client):
    response = web_client(None, None).get("/static/ui/app.css")

    assert response.status_code == 200 and not response.has_header("Content-Encoding")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body == open(finders.find("ui/app.css"), "rb").read()
