"""One-time keys: a web form's token or an API ``Idempotency-Key``, with the answer its first use got.

The table exists in every street office's schema (keys of that street) and in the public schema
(keys of the district site, told apart by ``scope`` = the district's code). Rows expire
(``expires_at``) and the ``once.purge_expired`` task deletes them.
"""

from __future__ import annotations

from django.db import models


class OnceKey(models.Model):
    class Kind(models.TextChoices):
        FORM = "form", "网页表单"
        API = "api", "API Idempotency-Key"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    # "" in a street office's schema; the district's code on the district site (public schema).
    scope = models.CharField(max_length=16, blank=True, default="")
    # Users live in the public schema; a street schema cannot hold a foreign key to them.
    user_id = models.BigIntegerField()
    key = models.CharField(max_length=255)
    # sha256 hex of method, path and parsed body (API); "" for form tokens.
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    # The first answer: HTTP status, JSON body (API), redirect target / Location header.
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.TextField(blank=True, default="")
    location = models.CharField(max_length=2000, blank=True, default="")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "scope", "user_id", "key"], name="oncekey_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"
