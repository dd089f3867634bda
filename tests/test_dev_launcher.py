"""The dev launcher (issue 12 §14): binds 127.0.0.1 unless asked, stops on SIGINT/SIGTERM even when
started in the background, `test` stops the embedded Redis it started; a 403 logs one line."""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support import port_is_free
from tests.test_embedded import NUANDONG, ROOT, _embedded_env

LOOPBACK_HEX = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it


def _listening(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp{,6}) listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] == "0A" and int(port_hex, 16) == port:
                found.add(address)
    return found


def _background_job():
    """What a non-interactive shell does to `cmd &`: SIGINT ignored in the child."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_run_binds_loopback_and_stops_on_sigint_when_backgrounded(django_db_setup):
    from tests.conftest import _child_env

    port = 18700 + os.getpid() % 200
    while not port_is_free(port):
        port += 1
    log = ROOT / "var" / "test-output" / f"launcher-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        launcher = subprocess.Popen(
            [*NUANDONG, "run", "--no-worker", "--no-demo", "--port", str(port)],
            env=_child_env(), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_background_job,
        )
    try:
        deadline = time.monotonic() + 600  # setup + collectstatic (compression) on a busy machine
        while True:
            try:
                urllib.request.urlopen(
                    urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"}), timeout=2
                )
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                assert launcher.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.5)
        assert _listening(port) == {LOOPBACK_HEX}

        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=40) == 0
        time.sleep(0.5)
        assert _listening(port) == set()  # the web server went with it
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()


@pytest.mark.embedded
def test_dev_test_stops_the_embedded_redis_it_started(tmp_path):
    var_dir = tmp_path / "var"
    env = _embedded_env(var_dir)
    env["DATABASE_URL"] = os.environ.get("DATABASE_URL", "")  # no database is touched by this run

    run = subprocess.run(
        [*NUANDONG, "test", "tests/test_stdlib_platform.py", "-q"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )

    pid_file = var_dir / "redis" / "redis.pid"
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert (var_dir / "redis").exists()  # the settings did start it
    if pid_file.exists():  # redis removes its pid file when it stops
        pid = int(pid_file.read_text().strip())
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not Path(f"/proc/{pid}").exists()


def test_a_403_logs_one_line_without_a_traceback(street_a, users, web_client):
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        response = web_client(street_a, users["volunteer"]).get("/households/")
    finally:
        handler.setStream(previous)

    assert response.status_code == 403
    assert "Forbidden" in stream.getvalue() and "/households/" in stream.getvalue()
    assert "Traceback" not in stream.getvalue()
