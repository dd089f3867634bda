"""The one export writer (core.exports): stored text never breaks an export, text is never a formula,
masking by role; and the ledgers really go through it."""

import csv
import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from core.exports import Column, clean_text, export_csv, export_xlsx
from core.inspections.checklist import CHECKLIST
from core.inspections.models import Need
from core.registry.idnumbers import id_decrypt
from tests.registry_places import make_household

HYPERLINK = '=HYPERLINK("http://example.invalid/x","点此查看")'
FORMULA_LIKE = [HYPERLINK, "+1+2", "-3+4", "@SUM(A1)", "\t=1+1", "\r=1+1"]


class _Member:
    def __init__(self, *allowed):
        self.allowed = set(allowed)

    def can(self, action):
        return action in self.allowed


def _cells(content: bytes):
    ws = load_workbook(io.BytesIO(content)).active
    return ws, [[c for c in row] for row in ws.iter_rows(min_row=3)]


def test_illegal_control_characters_never_fail_and_vertical_tab_is_a_line_break():
    rows = ["需要棉被\x0b两床", "a\x00b\x01c\x1fd\x7f", "换页\x0c后"]
    content = export_xlsx(title="t", columns=[Column("说明", lambda r: r)], rows=rows)
    _ws, cells = _cells(content)
    assert [r[0].value for r in cells] == ["需要棉被\n两床", "abcd", "换页\n后"]
    assert clean_text("tab\tand\nnew\rline") == "tab\tand\nnew\rline"


def test_formula_like_text_is_written_as_text_in_xlsx():
    content = export_xlsx(title="t", columns=[Column("说明", lambda r: r)], rows=FORMULA_LIKE)
    _ws, cells = _cells(content)
    # XML reads a raw CR back as LF; the text itself is unchanged
    assert [r[0].value for r in cells] == [v.replace("\r", "\n") for v in FORMULA_LIKE]
    assert [r[0].data_type for r in cells] == ["s"] * len(FORMULA_LIKE)
    assert all(r[0].quotePrefix for r in cells)
    # the raw sheet XML holds no formula element at all
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet


def test_numbers_and_dates_keep_their_type_and_times_are_beijing_local():
    moment = dt.datetime(2026, 12, 1, 1, 30, tzinfo=dt.UTC)
    columns = [Column("n", lambda r: r[0]), Column("d", lambda r: r[1]), Column("t", lambda r: r[2])]
    content = export_xlsx(title="t", columns=columns, rows=[(-5, Decimal("12.50"), moment)])
    _ws, cells = _cells(content)
    assert [c.value for c in cells[0]] == [-5, 12.5, "2026-12-01 09:30"]
    assert cells[0][0].data_type == "n"


def test_csv_prefixes_formula_like_text_and_cleans_control_characters():
    rows = [*FORMULA_LIKE, "棉被\x0b两床", "普通文本"]
    content = export_csv(title="t", columns=[Column("说明", lambda r: r)], rows=rows)
    assert content.startswith("\ufeff".encode())
    read = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert read[0] == ["说明"]
    assert [r[0] for r in read[1:]] == ["'" + v for v in FORMULA_LIKE] + ["棉被\n两床", "普通文本"]


def test_masked_column_shows_the_masked_value_without_the_reveal_action():
    computed = []

    def clear(row):
        computed.append(row)
        return "140402194501018035"

    columns = [Column("身份证号", clear, reveal="person.view_full_id", masked=lambda r: "140402********8035")]
    for member, expected, was_computed in [
        (_Member("person.view_full_id"), "140402194501018035", True),
        (_Member(), "140402********8035", False),
        (None, "140402********8035", False),
    ]:
        computed.clear()
        _ws, cells = _cells(export_xlsx(title="t", columns=columns, rows=["x"], member=member))
        assert cells[0][0].value == expected
        assert bool(computed) is was_computed
        read = list(
            csv.reader(
                io.StringIO(
                    export_csv(title="t", columns=columns, rows=["x"], member=member).decode("utf-8-sig")
                )
            )
        )
        assert read[1] == [expected]


def _visit_with_need(client, household, description):
    data = {
        "kind": "home",
        **{f"item_{i.code}": "ok" for i in CHECKLIST},
        "need_type_0": "clothing",
        "quantity_0": "2",
        "need_description_0": description,
    }
    assert client.post(f"/households/{household.pk}/visit/", data).status_code == 302


def test_needs_ledger_export_survives_a_vertical_tab_and_writes_a_hyperlink_note_as_text(
    org_a, web_client, users
):
    household = make_household(org_a)
    other = make_household(org_a)
    staff = web_client(org_a.office, users["street_staff"])
    _visit_with_need(staff, household, "从Word粘贴\x0b第二行")
    _visit_with_need(staff, other, HYPERLINK)
    stored = sorted(Need.objects.values_list("description", flat=True))
    assert "从Word粘贴\x0b第二行" in stored  # the note is kept as typed; only the export cleans it

    response = staff.get("/needs/", {"format": "xlsx"})

    assert response.status_code == 200
    ws, cells = _cells(response.content)
    header = [c.value for c in next(ws.iter_rows(min_row=2, max_row=2))]
    notes = {r[header.index("说明")].value: r[header.index("说明")].data_type for r in cells}
    assert notes == {"从Word粘贴\n第二行": "s", HYPERLINK: "s"}

    as_csv = staff.get("/needs/", {"format": "csv"})
    assert as_csv.status_code == 200 and as_csv["Content-Type"].startswith("text/csv")
    assert "'" + HYPERLINK in as_csv.content.decode("utf-8-sig").replace('""', '"')


def test_needs_ledger_export_masks_id_numbers_by_role(org_a, web_client, users):
    household = make_household(org_a)
    person = household.persons.get()
    staff = web_client(org_a.office, users["street_staff"])
    _visit_with_need(staff, household, "棉衣")
    _visit_with_need(staff, household, "")
    Need.objects.filter(description="").update(person=person)
    Need.objects.filter(description="棉衣").update(person=person)

    def ids(client):
        ws, cells = _cells(client.get("/needs/", {"format": "xlsx"}).content)
        header = [c.value for c in next(ws.iter_rows(min_row=2, max_row=2))]
        return {r[header.index("身份证号")].value for r in cells}

    assert ids(staff) == {id_decrypt(person.id_number_encrypted)}
    assert ids(web_client(org_a.office, users["grid_worker"])) == {person.id_masked}
