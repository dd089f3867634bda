"""The material ledger: in, out to a named recipient with confirmation, reversals, counts, the
diversion report, and bad input refused with nothing changed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.relief.ledger import item_create, stock_count, stock_in, stock_out, stock_reverse
from core.relief.models import StockBalance, StockMovement
from core.relief.selectors import balance_totals, diversion_report
from tests.core.relief.conftest import NOW, png


@pytest.fixture
def quilt(org_a):
    return item_create(actor=org_a.members["street_staff"], name="棉被", unit="床")


def _state():
    return (StockMovement.objects.count(), list(StockBalance.objects.values_list("item_id", "community_id", "quantity")))


def _balance(item, community):
    return StockBalance.objects.get(item=item, community=community).quantity


def test_in_out_reverse_and_balances(org_a, household, quilt):
    director = org_a.members["community_director"]
    stock_in(actor=director, item_id=quilt.pk, community_id=org_a.c1.pk, quantity=10, source="donation",
             donor="爱心企业", occurred_on="2026-11-30", now=NOW)
    out = stock_out(actor=director, item_id=quilt.pk, household_id=household.pk, quantity=3, recipient_name="人员0",
                    confirmation=png(), now=NOW)
    assert _balance(quilt, org_a.c1) == 7
    assert out.handed_by_name == director.user.display_name() and out.confirmation.name.startswith("relief/confirmations/")
    assert not out.confirmation.name.endswith("sign.png")  # a generated name, not the uploader's
    reversal = stock_reverse(actor=director, movement_id=out.pk, reason="登记错户")
    assert (reversal.delta, _balance(quilt, org_a.c1)) == (3, 10)
    out.refresh_from_db()
    assert out.delta == -3  # the wrong line stays as it was
    with pytest.raises(ValidationError, match="已冲正"):
        stock_reverse(actor=director, movement_id=out.pk, reason="再冲")
    assert balance_totals(member=director) == [
        {"item_id": quilt.pk, "item__name": "棉被", "item__unit": "床", "received": 10, "handed_out": 3,
         "reversed": 3, "balance": 10}]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"quantity": -2}, "quantity", "必须大于0"),
        ({"quantity": 0}, "quantity", "必须大于0"),
        ({"quantity": "2.5"}, "quantity", "正整数"),
        ({"quantity": 4}, "quantity", "库存不足"),
        ({"item_id": 987654}, "item_id", "物资不存在"),
        ({"recipient_name": " "}, "recipient_name", "领取人"),
        ({"confirmation": None}, "confirmation", "签名或领取照片"),
        ({"household_id": 987654}, "household_id", "领取户不存在"),
    ],
)
def test_bad_stock_out_is_refused_clearly_and_nothing_changes(org_a, household, quilt, change, field, message):
    director = org_a.members["community_director"]
    stock_in(actor=director, item_id=quilt.pk, community_id=org_a.c1.pk, quantity=3, source="allocation", now=NOW)
    before = _state()
    data = {"item_id": quilt.pk, "household_id": household.pk, "quantity": 1, "recipient_name": "人员0",
            "confirmation": png()} | change
    with pytest.raises(ValidationError) as err:
        stock_out(actor=director, now=NOW, **data)
    assert message in " ".join(err.value.message_dict[field])
    assert _state() == before


def test_a_text_file_is_not_a_confirmation(org_a, household, quilt):
    from django.core.files.uploadedfile import SimpleUploadedFile

    director = org_a.members["community_director"]
    stock_in(actor=director, item_id=quilt.pk, community_id=org_a.c1.pk, quantity=3, source="allocation", now=NOW)
    fake = SimpleUploadedFile("sign.png", b"<script>alert(1)</script>", content_type="image/png")
    before = _state()
    with pytest.raises(ValidationError, match="不是有效的图片"):
        stock_out(actor=director, item_id=quilt.pk, household_id=household.pk, quantity=1, recipient_name="人员0",
                  confirmation=fake, now=NOW)
    assert _state() == before


def test_bad_stock_in_and_roles(org_a, quilt):
    director = org_a.members["community_director"]
    with pytest.raises(ValidationError) as err:
        stock_in(actor=director, item_id=quilt.pk, community_id=org_a.c1.pk, quantity=-5, source="donation", now=NOW)
    assert set(err.value.message_dict) == {"quantity", "donor"}
    with pytest.raises(ValidationError, match="晚于今天"):
        stock_in(actor=director, item_id=quilt.pk, community_id=org_a.c1.pk, quantity=5, source="purchase",
                 occurred_on="2026-12-02", now=NOW)
    with pytest.raises(PermissionDenied):  # another community
        stock_in(actor=director, item_id=quilt.pk, community_id=org_a.c2.pk, quantity=5, source="purchase", now=NOW)
    with pytest.raises(PermissionDenied):  # a volunteer only reads the ledger
        stock_in(actor=org_a.members["volunteer"], item_id=quilt.pk, community_id=org_a.c1.pk, quantity=5,
                 source="purchase", now=NOW)
    assert not StockMovement.objects.exists()


def test_reversing_a_receipt_whose_stock_left_is_refused(org_a, household, quilt):
    director = org_a.members["community_director"]
    receipt = stock_in(actor=director, item_id=quilt.pk, community_id=org_a.c1.pk, quantity=2, source="purchase", now=NOW)
    stock_out(actor=director, item_id=quilt.pk, household_id=household.pk, quantity=2, recipient_name="人员0",
              confirmation=png(), now=NOW)
    with pytest.raises(ValidationError, match="库存不足"):
        stock_reverse(actor=director, movement_id=receipt.pk, reason="重复入库")
    assert _balance(quilt, org_a.c1) == 0


def test_diversion_report_is_empty_for_a_clean_ledger_and_shows_count_differences(org_a, household, quilt):
    director = org_a.members["community_director"]
    stock_in(actor=director, item_id=quilt.pk, community_id=org_a.c1.pk, quantity=5, source="purchase", now=NOW)
    stock_out(actor=director, item_id=quilt.pk, household_id=household.pk, quantity=1, recipient_name="人员0",
              confirmation=png(), now=NOW)
    report = diversion_report(member=director)
    assert report == {"unconfirmed": [], "mismatched": [], "count_differences": []}
    count = stock_count(actor=director, item_id=quilt.pk, community_id=org_a.c1.pk, counted_quantity=3, note="少一床")
    assert (count.recorded_quantity, count.difference) == (4, -1)
    assert diversion_report(member=director)["count_differences"] == [count]
    stock_count(actor=director, item_id=quilt.pk, community_id=org_a.c1.pk, counted_quantity=4)
    assert diversion_report(member=director)["count_differences"] == []
    # A line that bypassed the service (no confirmation) shows up, and so does the balance it skipped.
    StockMovement.objects.create(item=quilt, community=org_a.c1, kind="out", delta=-1, occurred_on=NOW.date(),
                                 household=household, recipient_name="某人")
    report = diversion_report(member=director)
    assert len(report["unconfirmed"]) == 1 and report["mismatched"][0]["movements"] == 3


def test_a_recipient_photo_is_stored_re_encoded_without_its_location(org_a, household, quilt):
    """Issue 10 §1: every uploaded picture goes through the upload kit (EXIF/GPS stripped, appended
    bytes dropped), relief's signatures and photos too."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    director = org_a.members["community_director"]
    stock_in(actor=director, item_id=quilt.pk, community_id=org_a.c1.pk, quantity=2, source="donation",
             donor="爱心企业", occurred_on="2026-11-30", now=NOW)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (36.0, 11.0, 0.0)}  # GPSInfo
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 120, 200)).save(buffer, format="JPEG", exif=exif)
    photo = SimpleUploadedFile("photo.jpg", buffer.getvalue() + b"<html><script>x</script></html>",
                               content_type="image/jpeg")

    out = stock_out(actor=director, item_id=quilt.pk, household_id=household.pk, quantity=1,
                    recipient_name="人员0", confirmation=photo, now=NOW)

    stored = out.confirmation.read()
    assert b"<script>" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert 0x8825 not in image.getexif()
