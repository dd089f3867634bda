"""With PostgreSQL unreachable: /healthz answers its JSON 503, the API its JSON error shape (issue 10 §9)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT, _child_env
from tests.support import port_is_free


@pytest.fixture(scope="module")
def server_without_database(django_db_setup):
    port = 19500
    while not port_is_free(port):
        port += 1
    env = _child_env() | {"DATABASE_URL": "postgres://postgres@127.0.0.1:9/nowhere?connect_timeout=2"}
    log = ROOT / "var" / "test-output" / f"gunicorn-outage-{port}.log"
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "nuandong.wsgi", "--no-control-socket", "-b", f"127.0.0.1:{port}",
             "-w", "1", "--timeout", "60"],
            env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while port_is_free(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(log.read_text()[-2000:])
        time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(10)


def fetch(url: str, host: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Host": host, **headers})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize("host", ["localhost", "ta.localhost"])
def test_healthz_answers_json_503_when_the_database_is_down(server_without_database, host):
    status, headers, body = fetch(server_without_database + "/healthz", host)

    assert status == 503 and headers["Content-Type"].startswith("application/json")
    answer = json.loads(body)
    assert answer["status"] == "degraded" and answer["database"].startswith("down")


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/households/", "/api/v1/auth/token/"])
def test_api_calls_get_the_json_error_shape_when_the_database_is_down(server_without_database, path):
    status, headers, body = fetch(server_without_database + path, "ta.localhost", Accept="application/json")

    assert status == 503 and headers["Content-Type"].startswith("application/json")
    assert set(json.loads(body)) == {"code", "message", "details"} and json.loads(body)["code"] == "unavailable"


def test_pages_say_temporarily_unavailable_in_chinese(server_without_database):
    status, _headers, body = fetch(server_without_database + "/", "ta.localhost")

    assert status == 503 and "暂时不可用" in body.decode()
