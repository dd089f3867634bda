"""`nuandong check --deploy` is clean with production settings (and really checks: development is not)."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    from tests.conftest import _child_env

    env = {
        k: v
        for k, v in _child_env().items()
        if k not in {"DEBUG", "NUANDONG_SECURE", "SESSION_COOKIE_DOMAIN"}
    }
    env |= {"SECRET_KEY": secrets.token_urlsafe(60), "NUANDONG_BASE_DOMAIN": "example.gov.cn"} | overrides
    return subprocess.run(
        [sys.executable, "-m", "nuandong.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = check_deploy()

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_development_settings():
    result = check_deploy(DEBUG="1", NUANDONG_BASE_DOMAIN="localhost")

    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG in deployment
    assert "security.W004" in result.stderr  # no HSTS without TLS


def test_health_probe_is_answered_over_plain_http_when_https_is_enforced(db, web_client):
    from django.test import override_settings

    with override_settings(SECURE_SSL_REDIRECT=True):
        client = web_client(None, None)
        health = client.get("/healthz")
        login = client.get("/accounts/login/")

    assert health.status_code == 200
    assert login.status_code == 301
    assert login["Location"].startswith("https://")
