"""Fixtures for the integrations tests: API keys made through the service, clients that send them."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.support import host_of


@pytest.fixture
def make_key(db):
    """``make_key(office_or_None, user, scopes, **options)`` -> the full key ``prefix.secret``."""
    from core.integrations.keys import key_create
    from tenants.members import member_for

    def make(office, user, scopes, **options):
        _key, full = key_create(actor=member_for(user, office), name=options.pop("name", "12345热线"),
                                scopes=scopes, **options)
        return full

    return make


@pytest.fixture
def key_client(db):
    """``key_client(office_or_None, full_key, **extra)``: a DRF client sending ``Api-Key`` on that site."""

    def make(office, full_key, **extra) -> APIClient:
        client = APIClient(HTTP_HOST=host_of(office), **extra)
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {full_key}")
        return client

    return make
