"""The embedded-default path: no DATABASE_URL, no REDIS_URL -> PostgreSQL and Redis start by themselves.

Runs the real ``nuandong`` command line in subprocesses on a fresh var directory, so it proves
what a newcomer's first ``./deploy/dev run`` does: initdb, migrations, provisioning, serving.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings

from tests.support import port_is_free

ROOT = Path(__file__).resolve().parent.parent
# The real console script a user types (falls back to the module where the script is not installed).
_SCRIPT = Path(sys.executable).parent / "nuandong"
NUANDONG = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "nuandong.cli"]


def _embedded_env(var_dir: Path) -> dict:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "NUANDONG_TEST_DB_NAME"}
    }
    env["NUANDONG_VAR_DIR"] = str(var_dir)
    env.pop("SECRET_KEY", None)  # the launcher makes one under var/, as on a fresh machine
    return env


def _nuandong(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*NUANDONG, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _get(url: str, host: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers={"Host": host, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _free_port() -> int:
    port = 19000 + os.getpid() % 500
    while not port_is_free(port):
        port += 1
    return port


def _stop_leftovers(var_dir: Path) -> None:
    """Whatever happened, leave no embedded server running."""
    from nuandong.embedded import embedded_redis_stop

    embedded_redis_stop(var_dir)
    pid_file = var_dir / "pgdata" / "postmaster.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)  # fast shutdown
        except (ProcessLookupError, ValueError):
            pass


@pytest.mark.embedded
def test_embedded_postgres_and_redis_start_migrate_provision_and_serve(tmp_path):
    var_dir = tmp_path / "var"
    env = _embedded_env(var_dir)
    port = _free_port()
    server = None
    try:
        setup = _nuandong(env, "setup")
        assert setup.returncode == 0, setup.stderr[-3000:]
        assert "platform ready" in setup.stdout
        assert (var_dir / "pgdata" / "PG_VERSION").exists()

        district = _nuandong(env, "district", "create", "--code", "140499", "--name", "嵌入区")
        assert district.returncode == 0, district.stderr[-3000:]
        tenant = _nuandong(
            env, "tenant", "create", "--district", "140499", "--slug", "qianru", "--name", "嵌入街道"
        )
        assert tenant.returncode == 0, tenant.stderr[-3000:]
        assert "street office qianru" in tenant.stdout
        # The demo the run command loads: once, then never again.
        demo = _nuandong(env, "demo")
        assert demo.returncode == 0 and "demo data loaded" in demo.stdout, demo.stderr[-3000:]
        assert "already present" in _nuandong(env, "demo").stdout

        server = subprocess.Popen(
            [*NUANDONG, "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/healthz", "localhost")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        "server did not start: " + server.stderr.read().decode()[-3000:]
                    ) from None
                time.sleep(0.3)

        assert status == 200
        assert json.loads(body) == {"status": "ok", "database": "ok", "broker": "ok"}
        # The street office made above answers on its own subdomain (its schema was cloned and routed).
        status, body = _get(f"http://127.0.0.1:{port}/accounts/login/", "qianru.localhost")
        assert status == 200
        assert "登录" in body.decode()
        # A demo grid worker gets a token and sees the households of the grid.
        status, body = _get(
            f"http://127.0.0.1:{port}/api/v1/auth/token/",
            "taihangdong.localhost",
            data=b"username=thd_grid&password=Nuandong-2026",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 200, body
        token = json.loads(body)["token"]
        status, body = _get(
            f"http://127.0.0.1:{port}/api/v1/households/",
            "taihangdong.localhost",
            headers={"Authorization": f"Token {token}"},
        )
        assert status == 200 and json.loads(body)["count"] > 0
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            server.wait(30)
        _stop_leftovers(var_dir)


def test_healthz_reports_503_when_the_broker_is_down(db, web_client):
    closed_port = _free_port()
    with override_settings(REDIS_URL=f"redis://127.0.0.1:{closed_port}/0"):
        response = web_client(None, None).get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["broker"].startswith("down")


def test_healthz_reports_ok_with_the_configured_services(db, web_client):
    response = web_client(None, None).get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
