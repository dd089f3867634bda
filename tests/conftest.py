"""Shared fixtures: three street offices in two districts, created once per test session.

District A (140403) holds street offices ``street_a`` and ``street_a2``; district B (140404)
holds ``street_b``. ``users`` holds one account per role in street A (``users["grid_worker"]``)
plus ``users["district_admin"]`` / ``users["district_viewer"]`` of district A and
``users["staff_a2"]`` / ``users["staff_b"]``. Data made by a test is rolled back after it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context
from rest_framework.test import APIClient

from tests.support import DEMO_TEST_PASSWORD, ensure_world, host_of, port_is_free

ROOT = Path(__file__).resolve().parent.parent
# ``org_a``: communities, grids and placed people in street A (issue 3 tests);
# ``place`` (rolled back) and ``committed_place`` fixtures (issue 4 tests).
pytest_plugins = ["tests.registry_places", "tests.places", "tests.committed"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_world()


@pytest.fixture(autouse=True)
def _back_to_public():
    yield
    connection.set_schema_to_public()


@pytest.fixture
def world(db):
    from tests.support import World

    return World.load()


@pytest.fixture
def street_a(world):
    return world.street_a


@pytest.fixture
def street_a2(world):
    return world.street_a2


@pytest.fixture
def street_b(world):
    return world.street_b


@pytest.fixture
def users(world):
    return world.users


@pytest.fixture
def in_street(world):
    """``with in_street(street): ...`` runs ORM code inside that street office's schema."""
    return lambda office: schema_context(office.schema_name)


@pytest.fixture
def web_client(db):
    """``web_client(office_or_None, user_or_None)``: a browser-like client on that site's host."""

    def make(office=None, user=None) -> Client:
        client = Client(HTTP_HOST=host_of(office))
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def api_client(db):
    """``api_client(office_or_None, user_or_None)``: a DRF client with the user's token on that host."""
    from rest_framework.authtoken.models import Token

    def make(office=None, user=None) -> APIClient:
        client = APIClient(HTTP_HOST=host_of(office))
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


# --- a real server and a real worker on the test database -------------------------------------
def _child_env() -> dict:
    from django.conf import settings

    db = settings.DATABASES["default"]
    # The test process may allow sync ORM calls beside Playwright's loop; servers and workers may not.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    host = db["HOST"] or "127.0.0.1"
    from urllib.parse import quote

    netloc = f"{db['USER']}@{quote(host, safe='')}" + (f":{db['PORT']}" if db.get("PORT") else "")
    env["DATABASE_URL"] = f"postgres://{netloc}/{db['NAME']}"
    env["REDIS_URL"] = settings.REDIS_URL
    env["NUANDONG_TEST_CHILD"] = "1"
    # The test server queues on the test worker's queues (celery_worker_process), never a developer's.
    env["NUANDONG_CELERY_QUEUE"] = f"test-{os.getpid()}"
    return env


@pytest.fixture(scope="session")
def live_url(django_db_setup):
    """Base URL template of a real gunicorn serving the test database: ``live_url.format(host=...)``."""
    from django.conf import settings

    port = 18000 + os.getpid() % 1000
    while not port_is_free(port):
        port += 1
    # Its output goes to a file: a pipe nobody reads fills up and stalls the server.
    log = ROOT / "var" / "test-output" / f"gunicorn-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "nuandong.wsgi", "--no-control-socket", "-b", f"127.0.0.1:{port}",
             "-w", "2", "--threads", "4"],
            env=_child_env(), cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
        )
    import urllib.request

    # Routing is by host name: ask the district site, as a browser would.
    probe = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": settings.BASE_DOMAIN})
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(probe, timeout=2)
            break
        except Exception:  # noqa: BLE001
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("test server did not start: " + log.read_text()[-2000:]) from None
            time.sleep(0.2)
    yield "http://{host}:" + str(port)
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup):
    """A real Celery worker (separate process) on the configured broker and the test database.

    It consumes queues of its own (its base queue and the imports/reports/deadlines queues named
    after it, nuandong.queues), so it never takes tasks of a developer's running worker.
    """
    import socket

    from nuandong.queues import all_queues

    queue = f"test-{os.getpid()}"
    node = f"{queue}@{socket.gethostname()}"
    env = _child_env()
    env["NUANDONG_CELERY_QUEUE"] = queue
    log = ROOT / "var" / "test-output" / f"celery-{queue}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "nuandong", "worker", "-Q", ",".join(all_queues(queue)), "-c", "2", "-l", "INFO",
             "--without-heartbeat", "--without-gossip", "--without-mingle", "-n", node],
            env=env, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
        )
    from nuandong.celery import app

    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    deadline = time.monotonic() + 60
    while not app.control.inspect(timeout=1, destination=[node]).ping():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("celery worker did not start: " + log.read_text()[-2000:])
        time.sleep(0.3)
    yield queue
    app.conf.task_default_queue = previous_queue
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop running in this thread; without this every ORM
    # call made afterwards in the session (test setup, later tests) raises SynchronousOnlyOperation.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield instance
        instance.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = ROOT / "var" / "test-output"
    path.mkdir(parents=True, exist_ok=True)
    return path


__all__ = ["DEMO_TEST_PASSWORD"]
