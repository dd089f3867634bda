"""Protection settings, star-imported at the end of ``nuandong.settings`` (docs/security.md).

- Content-Security-Policy on every page (django-csp): scripts only from our own static files.
- Login protection (django-axes, database store): strict per account, generous per client address.
- Production refuses a weak ``SECRET_KEY`` and requires ID keys of their own.
"""

from __future__ import annotations

import os

from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

_BASE_DOMAIN = os.environ.get("NUANDONG_BASE_DOMAIN", "localhost")
_DEBUG = os.environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
_PRODUCTION = not _DEBUG and _BASE_DOMAIN != "localhost"

# --- Content-Security-Policy -------------------------------------------------------------
# Forms may post (and their redirects land) on any site of the district: *.BASE_DOMAIN.
_SITES = [f"http://*.{_BASE_DOMAIN}:*", f"https://*.{_BASE_DOMAIN}:*", f"http://{_BASE_DOMAIN}:*", f"https://{_BASE_DOMAIN}:*"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Progress bars set their width in a style attribute; no <style> element, no script.
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF, *_SITES],
    }
}

# --- login protection (django-axes) --------------------------------------------------------
# One protection for the web login form and the API token endpoint, kept in the database so all
# server processes count together. nuandong/login_guard.py explains the two limits.
AXES_ENABLED = True
AXES_HANDLER = "nuandong.login_guard.LoginGuardHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
NUANDONG_LOGIN_ACCOUNT_LIMIT = int(os.environ.get("NUANDONG_LOGIN_ACCOUNT_LIMIT", "5"))
NUANDONG_LOGIN_ADDRESS_LIMIT = int(os.environ.get("NUANDONG_LOGIN_ADDRESS_LIMIT", "100"))
AXES_FAILURE_LIMIT = NUANDONG_LOGIN_ADDRESS_LIMIT
AXES_COOLOFF_TIME = float(os.environ.get("NUANDONG_LOGIN_COOLOFF_HOURS", "0.5"))  # hours
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "nuandong.login_guard.client_ip"
AXES_USERNAME_CALLABLE = "nuandong.login_guard.username_of"
AXES_LOCKOUT_CALLABLE = "nuandong.login_guard.lockout_response"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# Proxies whose X-Forwarded-For is believed (comma-separated addresses or networks). Empty: none,
# the connecting address is the client.
NUANDONG_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("NUANDONG_TRUSTED_PROXIES", "").split(",") if p.strip()]

# --- keys ----------------------------------------------------------------------------------
_WEAK_KEYS = {"insecure-development-key-only-for-debug", "changeme", "secret", "django-insecure"}


def _weak(key: str) -> bool:
    return len(key) < 50 or len(set(key)) < 20 or key.lower().startswith(tuple(_WEAK_KEYS)) or key in _WEAK_KEYS


if _PRODUCTION:
    _secret = os.environ.get("SECRET_KEY", "")
    if _weak(_secret):
        raise ImproperlyConfigured(
            "SECRET_KEY is weak or a default: production needs at least 50 random characters."
        )
    _enc, _hash = os.environ.get("NUANDONG_ID_ENCRYPTION_KEY", ""), os.environ.get("NUANDONG_ID_HASH_KEY", "")
    if not _enc or not _hash:
        raise ImproperlyConfigured(
            "NUANDONG_ID_ENCRYPTION_KEY and NUANDONG_ID_HASH_KEY must be set in production "
            "(`nuandong id_keys generate` prints new ones)."
        )
    if len({_secret, _enc, _hash}) != 3 or len(_hash) < 32:
        raise ImproperlyConfigured(
            "SECRET_KEY, NUANDONG_ID_ENCRYPTION_KEY and NUANDONG_ID_HASH_KEY must be three different keys "
            "(the hash key at least 32 characters)."
        )
