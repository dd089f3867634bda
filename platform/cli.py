"""The ``nuandong`` command line: launcher, test runner and every manage.py command.

nuandong run [--port 8000]     set up, load demo data once, start web + worker + beat
nuandong serve [--port 8000]   web server only
nuandong test [pytest args]    the whole test suite
nuandong setup                 empty database -> working empty platform (idempotent)
nuandong district create ...   / tenant create ... / user create ...   provisioning
nuandong <django command>      anything manage.py does (migrate_schemas, check --deploy, shell, ...)
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Through this interpreter, so they run from whichever environment `nuandong` itself runs from.
# No control socket: several servers (dev, tests) may run side by side under one user.
GUNICORN = [sys.executable, "-m", "gunicorn", "nuandong.wsgi", "--no-control-socket"]
CELERY = [sys.executable, "-m", "celery", "-A", "nuandong"]


def _var_dir() -> Path:
    path = Path(os.environ.get("NUANDONG_VAR_DIR", BASE_DIR / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _ensure_secret_key() -> None:
    """Development machines get a random key kept in var/secret_key; production sets SECRET_KEY."""
    if os.environ.get("SECRET_KEY"):
        return
    key_file = _var_dir() / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    os.environ["SECRET_KEY"] = key_file.read_text().strip()


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuandong.settings")
    import django

    django.setup()
    # Children (web, worker, beat) use the very same services the parent resolved or started.
    from django.conf import settings

    db = settings.DATABASES["default"]
    if not os.environ.get("DATABASE_URL"):
        from urllib.parse import quote

        os.environ["DATABASE_URL"] = f"postgres://{db['USER']}@{quote(db['HOST'], safe='')}/{db['NAME']}"
    os.environ.setdefault("REDIS_URL", settings.REDIS_URL)


def manage(argv: list[str]) -> int:
    _ensure_secret_key()
    _django_setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nuandong", *argv])
    return 0


def _print_banner(port: int) -> None:
    from django.conf import settings

    from demo.loader import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_STREETS

    base = settings.BASE_DOMAIN
    print("\n暖冬 Nuandong is running:")
    print(f"  district site   http://{base}:{port}/")
    for slug, name in DEMO_STREETS:
        print(f"  {name:<10} http://{slug}.{base}:{port}/")
    print(f"  API docs        http://{base}:{port}/api/docs/   health http://{base}:{port}/healthz")
    print(f"\nDemo accounts (password {DEMO_PASSWORD}):")
    for username, role, where in DEMO_ACCOUNTS:
        print(f"  {username:<22} {role:<20} {where}")
    print("\nCtrl-C stops everything.\n", flush=True)


def run(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="nuandong run")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    # The demo and its published password stay on this machine unless asked (--host 0.0.0.0).
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"), help="address to bind (127.0.0.1)")
    parser.add_argument("--no-worker", action="store_true", help="web server only")
    parser.add_argument("--no-demo", action="store_true", help="do not load demo data")
    args = parser.parse_args(argv)

    _ensure_secret_key()
    embedded_redis = not os.environ.get("REDIS_URL")
    _django_setup()
    from django.core.management import call_command

    call_command("setup")
    if not args.no_demo:
        call_command("demo")
    call_command("collectstatic", interactive=False, verbosity=0)

    procs = [
        subprocess.Popen(
            [
                *GUNICORN,
                "-b",
                f"{args.host}:{args.port}",
                "-w",
                "2",
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--timeout",
                "60",
            ]
        )
    ]
    if not args.no_worker:
        # One worker consumes every queue (nuandong.queues); a second one only the clock scanner's
        # and the default queue, so a long roster import never delays deadlines or notifications.
        from nuandong.queues import all_queues, queue_name

        base = os.environ.get("NUANDONG_CELERY_QUEUE", "celery")
        procs.append(
            subprocess.Popen(
                [*CELERY, "worker", "-l", "INFO", "-c", "1", "-n", "all@%h", "-Q", ",".join(all_queues(base))]
            )
        )
        procs.append(
            subprocess.Popen(
                [
                    *CELERY,
                    "worker",
                    "-l",
                    "INFO",
                    "-c",
                    "1",
                    "-n",
                    "deadlines@%h",
                    "-Q",
                    f"{queue_name('deadlines', base)},{base}",
                ]
            )
        )
        procs.append(
            subprocess.Popen([*CELERY, "beat", "-l", "INFO", "-s", str(_var_dir() / "celerybeat-schedule")])
        )
    if not args.no_demo:
        _print_banner(args.port)

    stopping = []

    def stop(*_):
        stopping.append(True)
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()

    # A launcher started in the background (`... &`) inherits SIGINT ignored: Python then never
    # raises KeyboardInterrupt. Handle SIGINT and SIGTERM explicitly either way.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while not stopping and all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if embedded_redis:
            from nuandong.embedded import embedded_redis_stop

            embedded_redis_stop(_var_dir())
    return 0


def serve(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="nuandong serve")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--setup", action="store_true", help="run `nuandong setup` first")
    args = parser.parse_args(argv)
    _ensure_secret_key()
    _django_setup()
    from django.core.management import call_command

    if args.setup:
        call_command("setup")
    proc = subprocess.Popen([*GUNICORN, "-b", f"127.0.0.1:{args.port}", "-w", "1", "--threads", "4"])
    signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait()


def browser_test_needs() -> list[str]:
    """What the browser tests need and this machine lacks (Debian chromium, a CJK font)."""
    import shutil

    missing = []
    if not Path("/usr/bin/chromium").exists():
        missing.append("chromium")
    fonts = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True) if shutil.which("fc-list") else None
    if fonts is None or not fonts.stdout.strip():
        missing.append("fonts-noto-cjk")
    return missing


def test(argv: list[str]) -> int:
    os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nuandong.settings")
    import pytest

    os.chdir(BASE_DIR)
    missing = browser_test_needs()
    if missing:
        print(
            f"deploy/dev test: the browser tests need {' and '.join(missing)} "
            f"(apt install {' '.join(missing)}); they will fail without them.",
            file=sys.stderr,
            flush=True,
        )
    # The embedded Redis (no REDIS_URL) is started by the settings on first use: stop it afterwards
    # unless it was already running (a developer's `run` uses the same one).
    embedded_redis = not os.environ.get("REDIS_URL")
    if embedded_redis:
        from nuandong.embedded import embedded_redis_running

        redis_was_running = embedded_redis_running(_var_dir())
    try:
        return pytest.main(argv)
    finally:
        if embedded_redis and not redis_was_running:
            from nuandong.embedded import embedded_redis_stop

            embedded_redis_stop(_var_dir())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = argv[0] if argv else "help"
    rest = argv[1:]
    if command in {"help", "-h", "--help"}:
        print(__doc__)
        return 0
    handlers = {"run": run, "serve": serve, "test": test}
    if command in handlers:
        return handlers[command](rest) or 0
    return manage(argv)


if __name__ == "__main__":
    sys.exit(main())
