"""Rectification pages: ledger, new item, evidence, fix, verification refused to the fixer, look-back."""

from __future__ import annotations

from core.rectification.models import Rectification


def test_ledger_flow_on_the_web(place, web_client):
    staff = web_client(place.office, place.users["street_staff"])
    grid = web_client(place.office, place.users["grid_worker"])
    director = web_client(place.office, place.users["community_director"])

    created = staff.post(
        "/rectifications/new/",
        {
            "source_type": "upstream",
            "source_note": "区督查反馈第12号",
            "title": "窗户漏风",
            "community": place.community.pk,
            "grid": place.grid.pk,
            "responsible_user_id": place.users["grid_worker"].pk,
            "lookback_days": "7",
        },
    )
    item = Rectification.objects.get()
    assert created.status_code == 302 and item.lookback_days == 7

    grid.post(f"/rectifications/{item.pk}/evidence/", {"text": "已贴密封条"})
    grid.post(f"/rectifications/{item.pk}/fix/", {"fix-note": "已封窗"})
    own = grid.get(f"/rectifications/{item.pk}/").content.decode()
    assert 'id="step-verify"' not in own  # grid workers do not verify; the fixer never does

    page = director.get(f"/rectifications/{item.pk}/").content.decode()
    assert 'id="step-verify"' in page
    director.post(f"/rectifications/{item.pk}/verify/", {"verify-note": "合格", "verify-passed": "1"})
    director.post(f"/rectifications/{item.pk}/lookback/", {"lookback-note": "又漏风", "lookback-passed": "0"})

    item.refresh_from_db()
    assert (item.status, item.relapse_count) == ("open", 1)
    ledger = staff.get("/rectifications/?status=all&relapsed=1").content.decode()
    assert "窗户漏风" in ledger and "反弹" in ledger


def test_fixer_who_may_verify_is_told_someone_else_must(place, web_client):
    director = web_client(place.office, place.users["community_director"])
    director.post(
        "/rectifications/new/",
        {
            "source_type": "upstream",
            "source_note": "区督查第1条",
            "title": "应急药品不足",
            "community": place.community.pk,
            "responsible_user_id": place.users["community_director"].pk,
        },
    )
    item = Rectification.objects.get()
    director.post(f"/rectifications/{item.pk}/evidence/", {"text": "已配药箱"})
    director.post(f"/rectifications/{item.pk}/fix/", {"fix-note": "已配齐"})

    page = director.get(f"/rectifications/{item.pk}/").content.decode()
    refused = director.post(
        f"/rectifications/{item.pk}/verify/", {"verify-note": "好", "verify-passed": "1"}, follow=True
    )

    assert "须由其他人员验收" in page
    assert "验收人不能是整改人本人" in refused.content.decode()
    item.refresh_from_db()
    assert item.status == "fixed"


def test_street_tightens_its_sla_on_the_web_and_cannot_loosen(place, web_client):
    from core.campaigns.services import sla_for_street

    staff = web_client(place.office, place.users["street_staff"])
    base = {
        "respond_amount": "",
        "respond_unit": "hours",
        "handle_amount": "",
        "handle_unit": "hours",
        "feedback_amount": "",
        "feedback_unit": "working_days",
    }

    staff.post("/campaign/sla/", base | {"respond_amount": "1", "handle_amount": "12"})
    loosen = staff.post("/campaign/sla/", base | {"handle_amount": "48"}, follow=True)

    assert "街道只能收紧" in loosen.content.decode()
    assert sla_for_street(place.office)["handle"].label == "12 小时"
