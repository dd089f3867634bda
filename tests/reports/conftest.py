"""Report fixtures: households in street A's organisation (``org_a``) with needs and problems."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from tests.registry_places import full_items, make_household


@pytest.fixture
def ledger_data(org_a):
    """Three households in 一社区 / 第一网格 with one need each and one hazard; visited "now"."""
    from core.inspections.services import visit_record
    from core.registry.models import Person

    worker = org_a.members["grid_worker"]
    households = []
    for i in range(3):
        household = make_household(org_a, address=f"报表测试路{i + 1}号")
        person = Person.objects.get(household=household)
        Person.objects.filter(pk=person.pk).update(name=f"王秀{'兰梅英'[i]}")
        visit_record(
            actor=worker, household=household, kind="home",
            items=full_items(gas_safety="hazard") if i == 0 else full_items(),
            needs=[{"need_type": "clothing", "quantity": i + 1, "urgency": "urgent", "description": f"棉衣{i + 1}件",
                    "person_id": person.pk}],
        )
        households.append(household)
    today = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    return {"households": households, "first": today - dt.timedelta(days=3), "last": today + dt.timedelta(days=1)}


def pdf_text(path: Path) -> str:
    """The PDF's text with all white space removed (pdftotext drops the spaces between CJK anyway)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    return "".join(out.split())


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def pdf_fonts(path: Path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
