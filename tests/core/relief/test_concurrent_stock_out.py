"""Stock never goes negative under truly simultaneous hand-outs: many threads POST stock-out to a
real gunicorn (2 workers x 4 threads) at the same instant; exactly the stock on hand leaves."""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request
import uuid

import pytest
from django.db import connection
from django_tenants.utils import tenant_context
from PIL import Image

from tests.committed import committed_place  # noqa: F401 - fixture

STOCK, ATTEMPTS = 5, 12


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (20, 20, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def _multipart(fields: dict, file_bytes: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="confirmation"; filename="s.png"\r\n'
        f"Content-Type: image/png\r\n\r\n".encode() + file_bytes + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.usefixtures("_orm_beside_threads")
def test_simultaneous_stock_outs_never_drive_stock_negative(committed_place, live_url, django_db_blocker):  # noqa: F811
    from rest_framework.authtoken.models import Token

    from core.registry.services import household_register
    from core.relief.ledger import item_create, stock_in
    from core.relief.models import MaterialItem, StockBalance, StockMovement

    place = committed_place
    with django_db_blocker.unblock():
        domain = place.office.domains.get(is_primary=True).domain
        staff = place.member("street_staff")
        token, _ = Token.objects.get_or_create(user=place.users["street_staff"])
        with tenant_context(place.office):
            from core.org.models import Grid

            grid = Grid.objects.get(pk=place.grid_id)
            household = household_register(actor=staff, community=grid.community, grid=grid, address="并发路1号")
            item = item_create(actor=staff, name=f"电暖器-{uuid.uuid4().hex[:6]}", unit="台")
            stock_in(actor=staff, item_id=item.pk, community_id=place.community_id, quantity=STOCK, source="allocation")
        connection.set_schema_to_public()
    url = live_url.format(host="127.0.0.1") + "/api/v1/materials/movements/stock-out/"
    body, content_type = _multipart(
        {"item_id": item.pk, "household_id": household.pk, "quantity": 1, "recipient_name": "王奶奶"}, _png()
    )
    start = threading.Barrier(ATTEMPTS)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def hand_out() -> None:
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Host": domain, "Content-Type": content_type, "Authorization": f"Token {token.key}"})
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                outcome = (response.status, json.loads(response.read()))
        except urllib.error.HTTPError as error:
            outcome = (error.code, json.loads(error.read()))
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=hand_out) for _ in range(ATTEMPTS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        codes = sorted(code for code, _ in results)
        assert codes == [201] * STOCK + [400] * (ATTEMPTS - STOCK), results
        refusals = [payload for code, payload in results if code == 400]
        assert all("库存不足" in payload["details"]["quantity"][0] for payload in refusals)
        with django_db_blocker.unblock(), tenant_context(place.office):
            assert StockBalance.objects.get(item=item).quantity == 0
            assert StockMovement.objects.filter(item=item, kind="out").count() == STOCK
    finally:
        with django_db_blocker.unblock():
            with tenant_context(place.office):
                StockMovement.objects.filter(item=item).delete()
                StockBalance.objects.filter(item=item).delete()
                MaterialItem.objects.filter(pk=item.pk).delete()
                household.delete()
            connection.set_schema_to_public()


@pytest.fixture
def _orm_beside_threads():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield
