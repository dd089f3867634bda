"""Roster import: row-level errors in Chinese, valid rows imported, re-import changes nothing."""

import io
import re

from openpyxl import Workbook, load_workbook

from core.registry.models import Household, Person, RosterImport
from core.registry.roster import COLUMNS, roster_import_run, roster_template_xlsx
from tests.registry_places import new_id

HEADERS = [h for h, _k, _r in COLUMNS]


def xlsx(rows: list[dict]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append([row.get(h, "") for h in HEADERS])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _row(**values):
    base = {
        "社区(村)": "一社区",
        "网格": "第一网格",
        "住址": "和平路1号",
        "姓名": "张一",
        "身份证号": new_id(),
        "手机号码": "13912345678",
        "与户主关系": "户主",
        "对象类别": "城乡低保对象",
    }
    return base | values


def _run(org, content: bytes, user) -> RosterImport:
    run = RosterImport.objects.create(filename="r.xlsx", content=content, created_by_user_id=user.pk)
    return roster_import_run(run=run)


def test_template_has_every_column_and_a_valid_example():
    wb = load_workbook(io.BytesIO(roster_template_xlsx()))
    assert [c.value for c in wb["花名册"][1]] == HEADERS
    assert "填写说明" in wb.sheetnames


def test_rows_are_validated_individually_and_valid_rows_imported(org_a, users):
    good_head, good_child = _row(), _row(姓名="张二", 与户主关系="子女", 手机号码="")
    bad_checksum = _row(住址="和平路2号", 身份证号=new_id()[:17] + "Z")
    rows = [
        good_head,
        good_child,
        bad_checksum,
        _row(住址="和平路3号", 手机号码="139123"),  # row 5: bad mobile
        _row(住址="和平路4号", 网格="不存在网格", 手机号码="1"),  # row 6: unknown grid AND bad mobile
        _row(住址="和平路5号", 姓名=""),  # row 7: name required
        _row(住址="和平路6号", 社区="", **{"社区(村)": "火星社区"}),  # row 8: unknown community
        _row(
            住址="", 身份证号="", 姓名="流浪者", 对象类别="流浪乞讨人员"
        ),  # row 9: vagrant, no id/address: ok
    ]
    run = _run(org_a, xlsx(rows), users["street_staff"])

    assert run.status == "done" and run.total_rows == 8
    assert (run.created_persons, run.error_rows) == (3, 5)
    errors = {(e["row"], e["column"]) for e in run.errors}
    assert {
        (4, "身份证号"),
        (5, "手机号码"),
        (6, "网格"),
        (6, "手机号码"),
        (7, "姓名"),
        (8, "社区(村)"),
    } <= errors
    assert not [e for e in run.errors if re.search(r"[a-z]{4,}", e["message"])], run.errors  # Chinese only
    assert Household.objects.filter(address="和平路1号").get().persons.count() == 2
    assert not Household.objects.filter(address__in=["和平路2号", "和平路3号", "和平路4号"]).exists()


def test_reimporting_the_same_file_changes_nothing(org_a, users):
    content = xlsx(
        [
            _row(),
            _row(姓名="张二", 与户主关系="子女"),
            _row(住址="", 身份证号="", 姓名="流浪者", 对象类别="流浪乞讨人员"),
        ]
    )
    first = _run(org_a, content, users["street_staff"])
    counts = (Household.objects.count(), Person.objects.count())
    snapshot = list(Person.objects.order_by("pk").values("pk", "name", "id_hash", "updated_at"))

    second = _run(org_a, content, users["street_staff"])

    assert (first.created_persons, first.created_households) == (3, 2)
    assert (
        second.created_persons,
        second.updated_persons,
        second.unchanged_persons,
        second.created_households,
    ) == (0, 0, 3, 0)
    assert (Household.objects.count(), Person.objects.count()) == counts
    assert list(Person.objects.order_by("pk").values("pk", "name", "id_hash", "updated_at")) == snapshot


def test_changed_row_updates_the_person_matched_by_id(org_a, users):
    number = new_id()
    _run(org_a, xlsx([_row(身份证号=number)]), users["street_staff"])
    run = _run(org_a, xlsx([_row(身份证号=number, 手机号码="13800001111")]), users["street_staff"])
    assert run.updated_persons == 1
    assert Person.objects.get(id_hash__isnull=False, name="张一").phone == "13800001111"


def test_grid_worker_imports_only_into_own_grid(org_a, users):
    from tenants.models import Membership

    Membership.objects.filter(user=users["community_worker"]).update(community_id=org_a.c2.pk)
    run = _run(org_a, xlsx([_row()]), users["community_worker"])
    assert run.error_rows == 1 and run.errors[0]["message"] == "不在您的管辖范围"
    assert Person.objects.count() == 0


def test_unreadable_file_fails_the_run_with_a_reason(org_a, users):
    run = _run(org_a, b"not a spreadsheet", users["street_staff"])
    assert run.status == "failed" and "无法读取" in run.failure
