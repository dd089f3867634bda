"""Roster import (.xlsx): template, reading, validation of the whole file in memory, one write.

The rules (README "Roster import"):

- The sheet read is the template's ``花名册`` if the workbook has it, else the active sheet if it
  is visible, else the first visible sheet; every message names the sheet read. Every row the sheet
  really holds is read, whatever its ``dimension`` metadata claims.
- A 身份证号 cell stored as a number is refused for its row: Excel keeps 15 significant digits, so
  the last digits may already be zeros; nothing is guessed. ID numbers go through the one
  normaliser ``idnumbers.id_normalize`` (NFKC, white space removed, upper-case X).
- The same ID number (or, without one, the same name in the same household) on two rows of one
  file: the later row is reported as a duplicate within the file and nothing of it is saved.
- The template's example row (张示例, GB 11643's example number) validates and is skipped.
- A re-import matches persons by ID hash (by name in the household for those without a number)
  and households by 户编号, else by grid + address: unchanged rows change nothing; a filled cell
  replaces the stored value; an empty optional cell never erases one. A person whose household
  differs from the file's is moved to the file's household (audited; a household left without
  persons is named in the notices). A household whose community or grid differs from the file's
  is refused for those rows (move it on the household page); a deregistered person or household is
  refused (reactivate it first); a number held outside the importer's reach is refused without
  saying by whom.
- Bounds: ``MAX_FILE_BYTES`` uploaded, ``MAX_UNZIPPED_BYTES`` after unzip, ``MAX_ROWS`` rows,
  ``MAX_KEPT_ERRORS`` error entries kept (all are counted).

The whole file is validated in memory (no query per row), duplicates are found with set-based
queries (in the file, in the street, across the district's hash claims), and everything the import
changes is written in ONE transaction together with the run's result: a worker killed mid-run
leaves nothing half done, and running the import again cannot duplicate a row. Audit: one
``roster.import.apply`` event per import plus one event per household / person created or changed
(bulk-inserted). The uploaded file is kept encrypted only until the import ends, at most
``FILE_RETENTION``; then only the counts and per-row errors (which never contain an ID number) stay.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from core.bulk import copy_insert
from core.common import current_office
from core.org.models import Building, Community, Grid
from core.org.scope import member_reaches
from core.registry.idnumbers import file_decrypt, file_encrypt, id_normalize
from core.registry.models import CATEGORY_CHOICES, Household, Person, RosterImport
from core.registry.services import household_event, household_validate, person_clean
from core.ui.errors import zh
from tenants.members import member_for
from tenants.models import IdHashClaim, User

# header, key, required
COLUMNS: list[tuple[str, str, bool]] = [
    ("户编号", "number", False),
    ("社区(村)", "community", True),
    ("网格", "grid", True),
    ("楼栋", "building", False),
    ("住址", "address", False),
    ("户联系电话", "household_phone", False),
    ("仅电话随访", "phone_only", False),
    ("仅电话随访原因", "phone_only_reason", False),
    ("姓名", "name", True),
    ("身份证号", "id_number", False),
    ("手机号码", "phone", False),
    ("与户主关系", "relation", True),
    ("对象类别", "categories", True),
    ("低保", "dibao_status", False),
    ("特困供养", "extreme_poverty_status", False),
    ("备注", "notes", False),
]
HEADER_OF = {key: header for header, key, _r in COLUMNS}
# service error keys -> roster column headers
ERROR_COLUMN = HEADER_OF | {
    "phone": "手机号码",
    "no_fixed_address": "住址",
    "__all__": "",
    "non_field_errors": "",
}
HOUSEHOLD_ERROR_COLUMN = {
    "phone": "户联系电话",
    "address": "住址",
    "number": "户编号",
    "grid": "网格",
    "community": "社区(村)",
    "building": "楼栋",
    "phone_only_reason": "仅电话随访原因",
}
RELATION_BY_LABEL = {label: code for code, label in Person.Relation.choices}
STATUS_BY_LABEL = {label: code for code, label in Person.SupportStatus.choices} | {
    "是": "enrolled",
    "否": "none",
}
CATEGORY_BY_LABEL = {label: code for code, label in CATEGORY_CHOICES} | {
    "三留守": "left_behind",
    "低保": "dibao",
    "特困": "extreme_poverty",
    "流浪乞讨": "vagrant",
}
YES = {"是", "Y", "y", "1", "TRUE", "true", "True", "√"}
NO = {"否", "N", "n", "0", "FALSE", "false", "False", "×"}

TEMPLATE_SHEET = "花名册"
EXAMPLE_NAME = "张示例"
EXAMPLE_ID = "11010519491231002X"  # the example number printed in GB 11643-1999 (valid check character)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024
MAX_ROWS = 20_000
MAX_KEPT_ERRORS = 1_000
PROGRESS_EVERY = 1_000
FILE_RETENTION = dt.timedelta(days=7)

NUMERIC_ID_ERROR = (
    "身份证号列须设为文本格式：本行的身份证号是数字单元格（Excel 只保留15位有效数字，末几位可能已变成0），"
    "请把该列设为“文本”后重新录入号码"
)
OUTSIDE_REACH = "不在您的管辖范围"


def _zh(message: str) -> str:
    return zh(message)


# --- template -------------------------------------------------------------------------------
def roster_template_xlsx(*, member=None) -> bytes:
    """The roster template: sheet ``花名册`` with the headers and one example row that validates
    (a real community and grid of the member's reach, GB 11643's example number), and ``填写说明``."""
    community_name, grid_name = "示例社区", "第一网格"
    if member is not None:
        from core.org.selectors import grid_list

        grid = grid_list(member=member).filter(is_active=True, community__is_active=True).first()
        if grid is not None:
            community_name, grid_name = grid.community.name, grid.name
    wb = Workbook()
    ws = wb.active
    ws.title = TEMPLATE_SHEET
    ws.append([header for header, _k, _r in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(
        [
            "示例-001",
            community_name,
            grid_name,
            "",
            "示例路1号1单元101",
            "0355-2020202",
            "否",
            "",
            EXAMPLE_NAME,
            EXAMPLE_ID,
            "13800000000",
            "户主",
            "城乡低保对象、农村“三留守”人员",
            "已纳入",
            "未纳入",
            "示例行：导入时自动跳过，可删除",
        ]
    )
    for column in range(1, len(COLUMNS) + 1):  # every cell text, so IDs and phones keep every digit
        for row in range(2, 5001):
            ws.cell(row=row, column=column).number_format = "@"
    for col, width in zip(
        "ABCDEFGHIJKLMNOP", (10, 14, 12, 10, 28, 16, 10, 18, 10, 22, 14, 10, 34, 10, 10, 20), strict=True
    ):
        ws.column_dimensions[col].width = width
    yes_no = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    relation = DataValidation(
        type="list", formula1='"' + ",".join(RELATION_BY_LABEL) + '"', allow_blank=False
    )
    status = DataValidation(
        type="list",
        formula1='"' + ",".join(label for _c, label in Person.SupportStatus.choices) + '"',
        allow_blank=True,
    )
    for dv, col in ((yes_no, "G"), (relation, "L"), (status, "N"), (status, "O")):
        ws.add_data_validation(dv)
        dv.add(f"{col}2:{col}5000")
    help_ws = wb.create_sheet("填写说明")
    for line in [
        "每行一人；同一户的成员填写相同的户编号（或相同的社区、网格和住址）。",
        "必填：社区(村)、网格、姓名、与户主关系、对象类别；身份证号除流浪乞讨人员外必填（18位，校验位须正确）。",
        "身份证号列须为文本格式（模板已设好）；数字格式的身份证号会被拒绝，因为 Excel 只保留15位有效数字。",
        "手机号码为11位手机号；户联系电话可为手机或带区号的固话。",
        "仅电话随访填“是”时必须填写原因（如常年在外地就医）。",
        "对象类别可填多个，用顿号或逗号分隔：" + "、".join(label for _c, label in CATEGORY_CHOICES),
        "与户主关系："
        + "、".join(RELATION_BY_LABEL)
        + "；低保/特困供养："
        + "、".join(label for _c, label in Person.SupportStatus.choices),
        "同一文件内同一身份证号只能出现一次，重复的行不导入。",
        "重复导入不会重复登记：人员按身份证号匹配，内容相同则不变；填写的内容覆盖原值，空白的选填项不清除原值。",
        f"第2行“{EXAMPLE_NAME}”是示例，导入时自动跳过。每个文件最多 {MAX_ROWS} 行。",
    ]:
        help_ws.append([line])
    help_ws.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- reading --------------------------------------------------------------------------------
@dataclass
class RosterSheet:
    """The rows of the sheet read: (excel row number, {key: text}, [(column, error)] of its cells)."""

    name: str
    rows: list[tuple[int, dict[str, str], list[tuple[str, str]]]]


_UNREADABLE = "文件无法读取，请上传 .xlsx 格式的花名册 / unreadable file, upload an .xlsx roster"


def roster_check_upload(*, filename: str, content: bytes) -> None:
    """What can be refused at once, before anything is queued: type, size, size after unzip."""
    if not filename.lower().endswith(".xlsx"):
        raise ValidationError({"file": ["请上传 .xlsx 文件（可先下载模板）/ upload an .xlsx file"]})
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError({"file": [f"文件不能超过{MAX_FILE_BYTES // 1024 // 1024}MB / file too large"]})
    try:
        _check_archive(content)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None


def _check_archive(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ValidationError(_UNREADABLE) from None
    # zipfile never inflates a member beyond the size its header declares, so this sum bounds the work.
    if unzipped > MAX_UNZIPPED_BYTES:
        raise ValidationError(
            f"文件解压后超过{MAX_UNZIPPED_BYTES // 1024 // 1024}MB，请拆分后分批导入 / file too large once unzipped"
        )


def _pick_sheet(wb):
    if TEMPLATE_SHEET in wb.sheetnames:
        return wb[TEMPLATE_SHEET]
    active = wb.active
    if active is not None and getattr(active, "sheet_state", "visible") == "visible":
        return active
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            return ws
    raise ValidationError("文件中没有可见的工作表 / no visible sheet")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    return str(value).strip()


def roster_read(content: bytes) -> RosterSheet:
    """Read the roster sheet of an .xlsx; ValidationError (naming the sheet) for a file-level fault."""
    _check_archive(content)
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload is the same error to the user
        raise ValidationError(_UNREADABLE) from None
    try:
        ws = _pick_sheet(wb)
        sheet = ws.title
        ws.reset_dimensions()  # read what the sheet holds, not what its metadata claims
        rows = ws.iter_rows(values_only=True)
        try:
            header = [str(h or "").strip() for h in next(rows, None) or []]
        except Exception:  # noqa: BLE001
            raise ValidationError(_UNREADABLE) from None
        index = {key: header.index(h) for h, key, _r in COLUMNS if h in header}
        missing = [h for h, key, required in COLUMNS if required and key not in index]
        if missing:
            raise ValidationError(
                f"工作表“{sheet}”缺少列：{'、'.join(missing)}（请使用下载的模板）/ missing columns in sheet {sheet}"
            )
        id_index = index.get("id_number")
        out: list[tuple[int, dict[str, str], list[tuple[str, str]]]] = []
        try:
            for number, row in enumerate(rows, start=2):
                if number > MAX_ROWS * 2 + 1:  # rows of empty cells count too: the reading is bounded
                    break
                values = {key: _text(row[i]) if i < len(row) else "" for key, i in index.items()}
                if not any(values.values()):
                    continue
                if len(out) >= MAX_ROWS:
                    raise ValidationError(
                        f"工作表“{sheet}”超过{MAX_ROWS}行，请拆分后分批导入 / more than {MAX_ROWS} rows"
                    )
                errors = []
                if id_index is not None and id_index < len(row) and isinstance(row[id_index], int | float):
                    if not isinstance(row[id_index], bool):
                        errors.append(("身份证号", NUMERIC_ID_ERROR))
                        values["id_number"] = ""
                out.append((number, values, errors))
        except ValidationError:
            raise
        except Exception:  # noqa: BLE001 - a broken sheet part is the file's fault, not the server's
            raise ValidationError(f"工作表“{sheet}”无法读取 / sheet {sheet} is unreadable") from None
        return RosterSheet(name=sheet, rows=out)
    finally:
        wb.close()


# --- validation in memory -------------------------------------------------------------------
class _Places:
    """Name → object caches for one import run (three queries)."""

    def __init__(self):
        self.communities = {c.name: c for c in Community.objects.filter(is_active=True)}
        self.grids = {(g.community_id, g.name): g for g in Grid.objects.filter(is_active=True)}
        self.buildings = {(b.grid_id, b.name): b for b in Building.objects.all()}


@dataclass
class _Row:
    number: int
    values: dict
    errors: list = field(default_factory=list)
    person: dict = field(default_factory=dict)  # person_clean() output + name
    given: set = field(default_factory=set)  # optional person fields the file filled
    place: tuple | None = None  # (community, grid, building)
    key: tuple | None = None  # the household in the file
    example: bool = False


def _places_of(values: dict, places: _Places) -> tuple[tuple | None, list[tuple[str, str]]]:
    """(community, grid, building) named in a row, or errors for the columns that name unknown places."""
    if not values.get("community"):
        return None, []  # reported as a required column
    community = places.communities.get(values["community"])
    if community is None:
        return None, [("社区(村)", f"未知社区(村)“{values['community']}”")]
    grid = places.grids.get((community.pk, values.get("grid", "")))
    if grid is None:
        if not values.get("grid"):
            return None, []
        return None, [("网格", f"社区“{community.name}”下没有网格“{values['grid']}”")]
    building = None
    if values.get("building"):
        building = places.buildings.get((grid.pk, values["building"]))
        if building is None:
            return None, [("楼栋", f"网格“{grid.name}”下没有楼栋“{values['building']}”")]
    return (community, grid, building), []


def _person_values(values: dict) -> tuple[dict, list]:
    errors = []
    relation = RELATION_BY_LABEL.get(values.get("relation", ""), None)
    if relation is None and values.get("relation"):
        errors.append(("与户主关系", f"无法识别“{values['relation']}”，可填：{'、'.join(RELATION_BY_LABEL)}"))
    categories = []
    for part in (
        values.get("categories", "").replace(",", "、").replace("，", "、").replace(";", "、").split("、")
    ):
        part = part.strip()
        if not part:
            continue
        code = CATEGORY_BY_LABEL.get(part)
        if code is None:
            errors.append(("对象类别", f"无法识别对象类别“{part}”"))
        else:
            categories.append(code)
    statuses = {}
    for key in ("dibao_status", "extreme_poverty_status"):
        if not values.get(key):
            continue
        code = STATUS_BY_LABEL.get(values[key])
        if code is None:
            errors.append((HEADER_OF[key], f"无法识别“{values[key]}”，可填：已纳入、未纳入、申请中、已停发"))
        statuses[key] = code or "none"
    return {
        "name": values.get("name", ""),
        "id_number": id_normalize(values.get("id_number", "")),
        "phone": values.get("phone", ""),
        "relation": relation or "head",
        "categories": categories,
        "notes": values.get("notes", ""),
        **statuses,
    }, errors


def _household_fields(values: dict, place: tuple) -> dict:
    community, grid, building = place
    phone_only = values.get("phone_only", "") in YES
    return {
        "community": community,
        "grid": grid,
        "building": building,
        "address": values.get("address", ""),
        "no_fixed_address": not values.get("address"),
        "phone": values.get("household_phone", ""),
        "phone_only": phone_only,
        "phone_only_reason": values.get("phone_only_reason", "") if phone_only else "",
    }


def _validate_row(number: int, values: dict, cell_errors: list, places: _Places, actor) -> _Row:
    row = _Row(number=number, values=values, errors=list(cell_errors))
    row.errors += [
        (HEADER_OF[k], f"{HEADER_OF[k]}不能为空") for _h, k, req in COLUMNS if req and not values.get(k)
    ]
    place, place_errors = _places_of(values, places)
    row.errors += place_errors
    if place is not None:
        row.place = place
        if actor is not None and not member_reaches(actor, community_id=place[0].pk, grid_id=place[1].pk):
            row.errors.append(("网格", OUTSIDE_REACH))
        household_errors = household_validate(_household_fields(values, place), check_number=False)
        if values.get("phone_only") and values["phone_only"] not in YES | NO:
            household_errors["phone_only"] = ["请填写“是”或“否”"]
        row.errors += [
            (HOUSEHOLD_ERROR_COLUMN.get(k, "仅电话随访"), _zh(m))
            for k, ms in household_errors.items()
            for m in ms
        ]
    data, value_errors = _person_values(values)
    row.errors += value_errors
    numeric_id = any(column == "身份证号" for column, _m in cell_errors)
    clean, person_errors = person_clean(data)
    for key, messages in person_errors.items():
        if key == "id_number" and numeric_id:
            continue  # already said why: the cell is a number
        if key == "categories" and any(c == "对象类别" for c, _m in row.errors):
            continue
        if key == "name" and not values.get("name"):
            continue
        row.errors += [(ERROR_COLUMN.get(key, key), _zh(m)) for m in messages]
    row.person = clean
    row.given = {k for k in ("phone", "notes", "dibao_status", "extreme_poverty_status") if values.get(k)}
    row.example = values.get("name") == EXAMPLE_NAME and data["id_number"] == EXAMPLE_ID
    return row


def _household_key(row: _Row) -> tuple:
    grid = row.place[1]
    if row.values.get("number"):
        return ("number", row.values["number"])
    if row.values.get("address"):
        return ("address", grid.pk, row.values["address"])
    return ("person", row.number)  # no number, no address: the person's own (or current) household


def _validate(sheet: RosterSheet, places: _Places, actor, progress: Callable[[int], None]) -> list[_Row]:
    rows: list[_Row] = []
    first_of_id: dict[str, int] = {}
    first_of_nameless: dict[tuple, int] = {}
    grid_of_number: dict[str, tuple[int, int]] = {}
    for count, (number, values, cell_errors) in enumerate(sheet.rows, start=1):
        row = _validate_row(number, values, cell_errors, places, actor)
        if not row.errors:
            row.key = _household_key(row)
            id_hash = row.person["id_hash"]
            if id_hash:
                if id_hash in first_of_id:
                    row.errors.append(
                        (
                            "身份证号",
                            f"与第{first_of_id[id_hash]}行的身份证号相同（同一文件内重复），本行未导入",
                        )
                    )
                else:
                    first_of_id[id_hash] = number
            elif row.key[0] != "person":
                same = (row.key, row.person["name"])
                if same in first_of_nameless:
                    row.errors.append(
                        (
                            "姓名",
                            f"与第{first_of_nameless[same]}行是同一户的同名人员（同一文件内重复），本行未导入",
                        )
                    )
                else:
                    first_of_nameless[same] = number
            if row.values.get("number"):
                grid_pk = row.place[1].pk
                first = grid_of_number.setdefault(row.values["number"], (grid_pk, number))
                if first[0] != grid_pk:
                    row.errors.append(
                        (
                            "户编号",
                            f"户编号{row.values['number']}在第{first[1]}行填写的社区(村)/网格与本行不同",
                        )
                    )
        rows.append(row)
        if count % PROGRESS_EVERY == 0:
            progress(count)
    return rows


# --- matching and writing (set-based, one transaction) --------------------------------------
_PERSON_COMPARED = (
    "name",
    "phone",
    "relation",
    "categories",
    "dibao_status",
    "extreme_poverty_status",
    "notes",
)
_HOUSEHOLD_UPDATABLE = ("building", "address", "no_fixed_address", "phone", "phone_only", "phone_only_reason")


@dataclass
class _Result:
    created_households: int = 0
    created_persons: int = 0
    updated_persons: int = 0
    unchanged_persons: int = 0
    errors: dict = field(default_factory=dict)  # row number -> [(column, message)]
    notices: list = field(default_factory=list)


def _chunks(items: list, size: int = 5000):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _in_reach(actor, household: Household) -> bool:
    return actor is None or member_reaches(
        actor, community_id=household.community_id, grid_id=household.grid_id
    )


def _apply(rows: list[_Row], actor, run: RosterImport) -> _Result:
    from core.audit.services import audit_record, audit_record_many, model_snapshot
    from core.events.services import publish_many

    result = _Result()
    ok = [r for r in rows if not r.errors and not r.example]
    hashes = [r.person["id_hash"] for r in ok if r.person["id_hash"]]
    by_hash: dict[str, Person] = {}
    for chunk in _chunks(hashes):
        by_hash.update(
            (p.id_hash, p) for p in Person.objects.filter(id_hash__in=chunk).select_related("household")
        )
    numbers = sorted({r.key[1] for r in ok if r.key[0] == "number"})
    by_number: dict[str, Household] = {}
    for chunk in _chunks(numbers):
        by_number.update((h.number, h) for h in Household.objects.filter(number__in=chunk))
    addresses = {(r.key[1], r.key[2]) for r in ok if r.key[0] == "address"}
    by_address: dict[tuple, Household] = {}
    if addresses:
        for h in Household.objects.filter(
            is_active=True, address__in={a for _g, a in addresses}, grid_id__in={g for g, _a in addresses}
        ).order_by("pk"):
            by_address.setdefault((h.grid_id, h.address), h)
    nameless = [r for r in ok if not r.person["id_hash"]]
    by_name: dict[tuple, Person] = {}  # (household id, name) and (grid id, name) for no-fixed-address
    if nameless:
        candidates = Person.objects.filter(
            id_hash="", name__in={r.person["name"] for r in nameless}
        ).select_related("household")
        for p in candidates.order_by("pk"):
            by_name.setdefault(("household", p.household_id, p.name), p)
            if p.household.no_fixed_address:
                by_name.setdefault(("grid", p.household.grid_id, p.name), p)

    def refuse(row: _Row, column: str, message: str) -> None:
        result.errors.setdefault(row.number, []).append((column, message))

    # Households named in the file: the existing one, or one to create (shared by the rows of a key).
    planned: dict[tuple, Household] = {}
    household_of_row: dict[int, Household] = {}
    refused_keys: dict[tuple, tuple[str, str]] = {}
    for row in ok:
        community, grid, building = row.place
        existing = None
        if row.key[0] == "number":
            existing = by_number.get(row.key[1])
            if existing is not None and existing.grid_id != grid.pk:
                refused_keys[row.key] = (
                    "户编号",
                    f"户编号{row.key[1]}在系统中属于其他社区(村)/网格，与文件不符；迁户请在户页面修改",
                )
            elif existing is not None and not existing.is_active:
                refused_keys[row.key] = ("户编号", f"户编号{row.key[1]}的户已注销，请先在户页面恢复该户")
            elif existing is not None and not _in_reach(actor, existing):
                refused_keys[row.key] = ("户编号", OUTSIDE_REACH)
        elif row.key[0] == "address":
            existing = by_address.get((grid.pk, row.key[2]))
        if row.key in refused_keys:
            refuse(row, *refused_keys[row.key])
            continue
        if row.key not in planned:
            fields = _household_fields(row.values, row.place)
            planned[row.key] = existing or Household(number=row.values.get("number", ""), **fields)
            if existing is not None:
                _household_changes(existing, row.values, fields)
        household_of_row[row.number] = planned[row.key]

    # Persons: created, updated (maybe moved), unchanged or refused.
    new_persons: list[Person] = []
    changed: list[tuple[Person, dict, Household | None]] = []
    used_households: set[int] = set()  # id() of planned households that keep at least one row
    for row in ok:
        if row.number not in household_of_row:
            continue
        household = household_of_row[row.number]
        data = row.person
        if data["id_hash"]:
            existing = by_hash.get(data["id_hash"])
        elif row.key[0] == "person":
            existing = by_name.get(("grid", row.place[1].pk, data["name"]))
        else:
            existing = by_name.get(("household", household.pk, data["name"])) if household.pk else None
        if existing is not None:
            if not _in_reach(actor, existing.household):
                refuse(row, "身份证号", "该身份证号已在本街道登记，不在您的管辖范围；请联系街道民政办")
                continue
            if not existing.is_active:
                refuse(row, "身份证号", "该人员已注销，请先在户页面恢复后再导入")
                continue
            if row.key[0] == "person":
                household = existing.household  # nothing in the row names another household
            updates = {
                k: data[k]
                for k in _PERSON_COMPARED
                if (k not in ("phone", "notes", "dibao_status", "extreme_poverty_status") or k in row.given)
                and getattr(existing, k) != data[k]
            }
            moved_to = household if (household.pk is None or household.pk != existing.household_id) else None
            if updates or moved_to is not None:
                changed.append((existing, updates, moved_to))
            else:
                result.unchanged_persons += 1
            used_households.add(id(household))
            continue
        person = Person(
            household=household,
            name=data["name"],
            id_number_encrypted=data["id_number_encrypted"],
            id_hash=data["id_hash"],
            id_masked=data["id_masked"],
            sex=data["sex"],
            birth_date=data["birth_date"],
            phone=data["phone"],
            relation=data["relation"],
            categories=data["categories"],
            dibao_status=data["dibao_status"],
            extreme_poverty_status=data["extreme_poverty_status"],
            notes=data["notes"],
        )
        new_persons.append(person)
        used_households.add(id(household))

    # Write: households, persons, changes, claims, audit — one transaction (the caller's).
    now = timezone.now()
    new_households = [h for h in planned.values() if h.pk is None and id(h) in used_households]
    copy_insert(Household, new_households)
    for person in new_persons:
        person.household = person.household  # the household has its primary key now
    copy_insert(Person, new_persons)
    audit_events: list[dict] = []
    reason = f"花名册导入 #{run.pk}"
    changed_households = [
        h for h in planned.values() if h.pk is not None and getattr(h, "_roster_before", None) is not None
    ]
    if changed_households:
        for h in changed_households:
            h.updated_at = now
        Household.objects.bulk_update(
            changed_households, [*_HOUSEHOLD_UPDATABLE, "updated_at"], batch_size=500
        )
        audit_events += [
            {
                "action": "household.update",
                "obj": h,
                "before": h._roster_before,
                "after": model_snapshot(h),
                "reason": reason,
            }
            for h in changed_households
        ]
    left_behind: set[int] = set()
    if changed:
        update_fields = {"updated_at"}
        for person, updates, moved_to in changed:
            before = model_snapshot(person)
            for name, value in updates.items():
                setattr(person, name, value)
                update_fields.add(name)
            if moved_to is not None:
                left_behind.add(person.household_id)
                person.household = moved_to
                update_fields.add("household")
            person.updated_at = now
            audit_events.append(
                {
                    "action": "person.update",
                    "obj": person,
                    "before": before,
                    "after": model_snapshot(person),
                    "reason": reason,
                }
            )
        Person.objects.bulk_update([p for p, _u, _m in changed], sorted(update_fields), batch_size=500)
    audit_events += [
        {"action": "household.register", "obj": h, "after": model_snapshot(h), "reason": reason}
        for h in new_households
    ]
    audit_events += [
        {"action": "person.register", "obj": p, "after": model_snapshot(p), "reason": reason}
        for p in new_persons
    ]
    office = current_office()
    new_hashes = [p.id_hash for p in new_persons if p.id_hash]
    if getattr(office, "district_id", None) is not None and new_hashes:
        IdHashClaim.objects.bulk_create(
            [
                IdHashClaim(
                    street_office=office, id_hash=p.id_hash, district_id=office.district_id, person_id=p.pk
                )
                for p in new_persons
                if p.id_hash
            ],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["street_office", "id_hash"],
            update_fields=["person_id", "district"],
        )
        elsewhere = 0
        for chunk in _chunks(new_hashes):
            elsewhere += (
                IdHashClaim.objects.filter(district_id=office.district_id, id_hash__in=chunk)
                .exclude(street_office=office)
                .values("id_hash")
                .distinct()
                .count()
            )
        if elsewhere:
            result.notices.append(f"{elsewhere}人在本区其他街道也有登记，请在“重复人员”页面核对")
    audit_record_many(actor=actor, events=audit_events)
    publish_many([household_event(h) for h in new_households], actor=actor, at=now)
    if left_behind:
        empty = Household.objects.filter(pk__in=left_behind, is_active=True).exclude(persons__is_active=True)
        for household in empty:
            result.notices.append(f"户“{household}”的人员已全部迁入其他户，该户已无在册人员，可在户页面注销")
    result.created_households = len(new_households)
    result.created_persons = len(new_persons)
    result.updated_persons = len(changed)
    audit_record(
        actor=actor,
        action="roster.import.apply",
        obj=run,
        after={
            "households_created": result.created_households,
            "households_updated": len(changed_households),
            "persons_created": result.created_persons,
            "persons_updated": result.updated_persons,
            "persons_unchanged": result.unchanged_persons,
            "rows_refused": len(result.errors),
        },
        reason=reason,
    )
    return result


def _household_changes(household: Household, values: dict, fields: dict) -> None:
    """Apply the household cells the file filled (an empty cell leaves the stored value) and remember
    the old state on the instance when something changed."""
    from core.audit.services import model_snapshot

    wanted = {}
    if values.get("building"):
        wanted["building"] = fields["building"]
    if values.get("address") and household.number:
        wanted.update(address=fields["address"], no_fixed_address=False)
    if values.get("household_phone"):
        wanted["phone"] = fields["phone"]
    if values.get("phone_only"):
        wanted.update(phone_only=fields["phone_only"], phone_only_reason=fields["phone_only_reason"])
    changes = {
        k: v
        for k, v in wanted.items()
        if (
            getattr(household, f"{k}_id") != getattr(v, "pk", None)
            if k == "building"
            else getattr(household, k) != v
        )
    }
    if not changes:
        return
    merged = {
        name: getattr(household, name)
        for name in (
            "community",
            "grid",
            "building",
            "address",
            "no_fixed_address",
            "phone",
            "phone_only",
            "phone_only_reason",
        )
    } | changes
    if household_validate(merged, check_number=False):
        return  # the combination would be invalid (e.g. phone-only without a phone): leave the household
    household._roster_before = model_snapshot(household)
    for name, value in changes.items():
        setattr(household, name, value)


# --- the run --------------------------------------------------------------------------------
def _content_of(run: RosterImport) -> bytes:
    stored = bytes(run.content or b"")
    try:
        return file_decrypt(stored)
    except (InvalidToken, ValueError, TypeError):
        return stored  # a file queued before files were encrypted


def roster_import_run(*, run: RosterImport) -> RosterImport:
    """Import a queued roster; safe to call again (a finished run is left alone, an interrupted one
    starts over: nothing of it was written). Returns the run with its counts and errors."""
    run.refresh_from_db()
    if run.is_finished:
        return run
    user = User.objects.filter(pk=run.created_by_user_id).first()
    actor = member_for(user, current_office()) if user else None
    if actor is None or not actor.can("roster.import"):
        return _finish(run, failure="导入人无权导入花名册")
    try:
        sheet = roster_read(_content_of(run))
    except ValidationError as exc:
        return _finish(run, failure=_zh(exc.messages[0]))
    total = len(sheet.rows)
    RosterImport.objects.filter(pk=run.pk).update(
        status=RosterImport.Status.RUNNING, total_rows=total, processed_rows=0, sheet_name=sheet.name[:100]
    )

    def progress(count: int) -> None:
        RosterImport.objects.filter(pk=run.pk).update(processed_rows=count)

    rows = _validate(sheet, _Places(), actor, progress)
    for attempt in range(3):
        try:
            with transaction.atomic():
                locked = RosterImport.objects.select_for_update().get(pk=run.pk)
                if locked.is_finished:
                    return locked  # another worker finished it meanwhile
                result = _apply(rows, actor, locked)
                errors = []
                error_rows = 0
                for row in rows:
                    row_errors = row.errors + result.errors.get(row.number, [])
                    if row_errors:
                        error_rows += 1
                        errors += [{"row": row.number, "column": c, "message": m} for c, m in row_errors]
                examples = [row.number for row in rows if row.example and not row.errors]
                notices = [f"第{n}行是模板示例行，已跳过" for n in examples] + result.notices
                if len(errors) > MAX_KEPT_ERRORS:
                    notices.append(f"有错误的行共{error_rows}行，仅列出前{MAX_KEPT_ERRORS}条错误")
                locked.sheet_name = sheet.name[:100]
                locked.total_rows = locked.processed_rows = total
                locked.created_households = result.created_households
                locked.created_persons = result.created_persons
                locked.updated_persons = result.updated_persons
                locked.unchanged_persons = result.unchanged_persons
                locked.error_rows = error_rows
                locked.errors = errors[:MAX_KEPT_ERRORS]
                locked.notices = notices
                return _finish(locked)
        except IntegrityError:
            # Someone registered the same number or 户编号 while we were writing: match again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _finish(run: RosterImport, failure: str = "") -> RosterImport:
    run.status = RosterImport.Status.FAILED if failure else RosterImport.Status.DONE
    run.failure = failure
    run.finished_at = timezone.now()
    run.content = b""  # the import's result stays, the file with its ID numbers does not
    run.save()
    return run


@transaction.atomic
def roster_import_create(*, actor, filename: str, content: bytes) -> RosterImport:
    """Record an upload (encrypted) and its durable job; the import starts after the commit, or
    when the broker is back (core/jobs). ValidationError for what can be refused at once."""
    from core.audit.services import audit_record
    from core.common import ensure_can
    from core.registry.tasks import roster_import_job

    ensure_can(actor, "roster.import")
    roster_check_upload(filename=filename, content=content)
    user = getattr(actor, "user", actor)
    run = RosterImport.objects.create(
        filename=filename[:200],
        content=file_encrypt(content),
        created_by_user_id=user.pk,
        created_by_name=user.display_name(),
    )
    audit_record(
        actor=actor, action="roster.import", obj=run, after={"filename": run.filename, "bytes": len(content)}
    )
    roster_import_job.job.enqueue(run_id=run.pk)
    return run


def roster_files_purge(*, now: dt.datetime | None = None) -> int:
    """Delete uploaded files older than ``FILE_RETENTION`` whose import never ended (in the current
    street office); their runs fail with a reason. Returns how many."""
    now = now or timezone.now()
    stale = RosterImport.objects.filter(created_at__lt=now - FILE_RETENTION).exclude(content=b"")
    count = 0
    for run in stale:
        if run.is_finished:
            RosterImport.objects.filter(pk=run.pk).update(content=b"")
        else:
            _finish(run, failure=f"文件保留期（{FILE_RETENTION.days}天）内未能导入，文件已删除，请重新上传")
        count += 1
    return count


def roster_requeue_orphans() -> int:
    """Give every queued run that has no durable job one (runs uploaded before core/jobs existed,
    left "排队中" by a broker outage). Returns how many were queued."""
    from core.jobs.services import job_for
    from core.registry.tasks import roster_import_job

    count = 0
    for run in RosterImport.objects.filter(status=RosterImport.Status.QUEUED).exclude(content=b"").only("pk"):
        if job_for(kind="registry.roster_import", run_id=run.pk) is None:
            with transaction.atomic():
                roster_import_job.job.enqueue(run_id=run.pk)
            count += 1
    return count
