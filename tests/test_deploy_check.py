"""`nuandong check --deploy` is clean with production settings (and really checks: development is not)."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    from tests.conftest import _child_env

    env = {
        k: v
        for k, v in _child_env().items()
        if k not in {"DEBUG", "NUANDONG_SECURE", "SESSION_COOKIE_DOMAIN"}
    }
    env |= {
        "SECRET_KEY": secrets.token_urlsafe(60),
        "NUANDONG_BASE_DOMAIN": "example.gov.cn",
        "NUANDONG_ID_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "NUANDONG_ID_HASH_KEY": secrets.token_urlsafe(48),
    } | overrides
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


def test_production_refuses_a_weak_secret_key_and_missing_or_shared_id_keys():
    weak = check_deploy(SECRET_KEY="django-insecure-" + "a" * 40)
    missing = check_deploy(NUANDONG_ID_HASH_KEY="")
    shared_key = secrets.token_urlsafe(60)
    shared = check_deploy(SECRET_KEY=shared_key, NUANDONG_ID_HASH_KEY=shared_key)

    assert weak.returncode != 0 and "SECRET_KEY is weak" in weak.stderr
    assert missing.returncode != 0 and "NUANDONG_ID_HASH_KEY must be set" in missing.stderr
    assert shared.returncode != 0 and "three different keys" in shared.stderr


def test_production_message_backends_print_no_personal_data():
    from tests.conftest import _child_env

    env = {k: v for k, v in _child_env().items() if k not in {"DEBUG", "EMAIL_BACKEND", "NUANDONG_SMS_BACKEND"}}
    env |= {
        "SECRET_KEY": secrets.token_urlsafe(60),
        "NUANDONG_BASE_DOMAIN": "example.gov.cn",
        "NUANDONG_ID_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "NUANDONG_ID_HASH_KEY": secrets.token_urlsafe(48),
        "DJANGO_SETTINGS_MODULE": "nuandong.settings",
    }
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.EMAIL_BACKEND); print(settings.NUANDONG_SMS_BACKEND)"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "core.notifications.channels.DisabledSmsBackend",
    ]


def test_the_disabled_sms_backend_logs_neither_mobile_nor_text(caplog):
    from core.notifications.channels import DisabledSmsBackend

    with caplog.at_level("INFO"):
        DisabledSmsBackend().send("13812345678", "【暖冬】张三的诉求已受理")

    assert "13812345678" not in caplog.text and "张三" not in caplog.text and "SMS skipped" in caplog.text


def test_health_probe_is_answered_over_plain_http_when_https_is_enforced(db, web_client):
    from django.test import override_settings

    with override_settings(SECURE_SSL_REDIRECT=True):
        client = web_client(None, None)
        health = client.get("/healthz")
        login = client.get("/accounts/login/")

    assert health.status_code == 200
    assert login.status_code == 301
    assert login["Location"].startswith("https://")
