"""Roster import (.xlsx): template, row validation with errors per row and column, idempotent import.

Rows are validated one by one; valid rows are imported (each in its own savepoint), invalid ones
reported as {"row", "column", "message"} in Chinese. Persons are matched by ID hash (by name
within the household for vagrants without a number), households by 户编号 or by grid + address, so
importing the same file again changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from core.common import PHONE_ERROR, PHONE_RE, current_office
from core.org.models import Building, Community, Grid
from core.registry.idnumbers import id_decrypt, id_normalize
from core.registry.models import CATEGORY_CHOICES, Household, Person, RosterImport
from core.registry.services import household_register, person_clean, person_register, person_update
from core.ui.errors import zh
from tenants.members import member_for
from tenants.models import User

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
    "": "none",
    "是": "enrolled",
    "否": "none",
}
CATEGORY_BY_LABEL = {label: code for code, label in CATEGORY_CHOICES} | {
    "三留守": "left_behind",
    "低保": "dibao",
    "特困": "extreme_poverty",
    "流浪乞讨": "vagrant",
}
YES = {"是", "Y", "y", "1", "TRUE", "true", "√"}
PROGRESS_EVERY = 50


def _zh(message: str) -> str:
    return zh(message)


def roster_template_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append([header for header, _k, _r in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.append(
        [
            "A-001",
            "示例社区",
            "第一网格",
            "1号楼",
            "示例路1号1单元101",
            "0355-2020202",
            "否",
            "",
            "张示例",
            "140402194501010014",
            "13800000000",
            "户主",
            "城乡低保对象、农村“三留守”人员",
            "已纳入",
            "未纳入",
            "",
        ]
    )
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
        "手机号码为11位手机号；户联系电话可为手机或带区号的固话。",
        "仅电话随访填“是”时必须填写原因（如常年在外地就医）。",
        "对象类别可填多个，用顿号或逗号分隔：" + "、".join(label for _c, label in CATEGORY_CHOICES),
        "与户主关系："
        + "、".join(RELATION_BY_LABEL)
        + "；低保/特困供养："
        + "、".join(label for _c, label in Person.SupportStatus.choices),
        "重复导入同一文件不会重复登记：人员按身份证号匹配，已有且内容相同则不变。",
    ]:
        help_ws.append([line])
    help_ws.column_dimensions["A"].width = 120
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def roster_rows(content: bytes) -> tuple[int, Iterator[tuple[int, dict]]]:
    """(row count, iterator of (excel row number, {key: text})). Raises ValidationError on a bad file."""
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable upload is the same error to the user
        raise ValidationError(
            "文件无法读取，请上传 .xlsx 格式的花名册 / unreadable file, upload an .xlsx roster"
        ) from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, [])]
    index = {key: header.index(h) for h, key, _r in COLUMNS if h in header}
    missing = [h for h, key, required in COLUMNS if required and key not in index]
    if missing:
        raise ValidationError(f"缺少列：{'、'.join(missing)}（请使用下载的模板）/ missing columns")
    total = max((ws.max_row or 1) - 1, 0)

    def text(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def generate():
        for number, row in enumerate(rows, start=2):
            values = {key: text(row[i]) if i < len(row) else "" for key, i in index.items()}
            if any(values.values()):
                yield number, values

    return total, generate()


class _Places:
    """Name → object caches for one import run."""

    def __init__(self):
        self.communities = {c.name: c for c in Community.objects.all()}
        self.grids = {(g.community_id, g.name): g for g in Grid.objects.all()}
        self.buildings = {(b.grid_id, b.name): b for b in Building.objects.all()}


def _row_errors(exc: ValidationError, mapping: dict) -> list[tuple[str, str]]:
    out = []
    for key, messages in exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]:
        for message in messages:
            out.append((mapping.get(key, ERROR_COLUMN.get(key, key)), _zh(message)))
    return out


def _places_of(values: dict, places: _Places) -> tuple[tuple | None, list[tuple[str, str]]]:
    """(community, grid, building) named in a row, or errors for the columns that name unknown places."""
    if not values.get("community"):
        return None, []  # reported as a required column
    community = places.communities.get(values["community"])
    if community is None:
        return None, [("社区(村)", f"未知社区(村)“{values['community']}”")]
    grid = places.grids.get((community.pk, values.get("grid", "")))
    if grid is None:
        return None, [("网格", f"社区“{community.name}”下没有网格“{values.get('grid', '')}”")] if values.get(
            "grid"
        ) else []
    building = None
    if values.get("building"):
        building = places.buildings.get((grid.pk, values["building"]))
        if building is None:
            return None, [("楼栋", f"网格“{grid.name}”下没有楼栋“{values['building']}”")]
    return (community, grid, building), []


def _household_row_errors(values: dict) -> list[tuple[str, str]]:
    errors = []
    phone = values.get("household_phone", "")
    if phone and not PHONE_RE.match(phone):
        errors.append(("户联系电话", _zh(PHONE_ERROR)))
    if values.get("phone_only", "") in YES and not values.get("phone_only_reason"):
        errors.append(("仅电话随访原因", "仅电话随访须说明原因"))
    return errors


def _household_for(values: dict, places: _Places, actor) -> tuple[Household | None, list, bool]:
    found, errors = _places_of(values, places)
    if found is None:
        return None, errors, False
    community, grid, building = found
    number, address = values.get("number", ""), values.get("address", "")
    existing = None
    if not number and not address and not values.get("id_number"):
        # No number, no address, no ID (e.g. a vagrant): the household is the one this name already has.
        person = (
            Person.objects.filter(
                name=values.get("name", ""),
                id_hash="",
                household__grid=grid,
                household__no_fixed_address=True,
            )
            .select_related("household")
            .first()
        )
        existing = person.household if person else None
    elif number:
        existing = Household.objects.filter(number=number).first()
    elif address:
        existing = Household.objects.filter(grid=grid, address=address, is_active=True).first()
    if existing is not None:
        if existing.grid_id != grid.pk:
            errors.append(("户编号", f"户编号 {number} 已属于其他网格"))
            return None, errors, False
        return existing, errors, False
    try:
        household = household_register(
            actor=actor,
            number=number,
            community=community,
            grid=grid,
            building=building,
            address=address,
            no_fixed_address=not address,
            phone=values.get("household_phone", ""),
            phone_only=values.get("phone_only", "") in YES,
            phone_only_reason=values.get("phone_only_reason", ""),
        )
    except ValidationError as exc:
        return None, _row_errors(exc, HOUSEHOLD_ERROR_COLUMN), False
    except PermissionDenied:
        return None, [("网格", "不在您的管辖范围")], False
    return household, [], True


def _person_values(values: dict) -> tuple[dict, list]:
    errors = []
    relation = RELATION_BY_LABEL.get(values.get("relation", ""), None)
    if relation is None:
        errors.append(
            ("与户主关系", f"无法识别“{values.get('relation', '')}”，可填：{'、'.join(RELATION_BY_LABEL)}")
        )
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
    if not categories and not any(c == "对象类别" for c, _m in errors):
        errors.append(("对象类别", "请填写对象类别"))
    statuses = {}
    for key in ("dibao_status", "extreme_poverty_status"):
        code = STATUS_BY_LABEL.get(values.get(key, ""))
        if code is None:
            errors.append((HEADER_OF[key], f"无法识别“{values.get(key)}”"))
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


def _same(person: Person, data: dict) -> bool:
    current = id_decrypt(person.id_number_encrypted) if person.id_number_encrypted else ""
    return current == data["id_number"] and all(
        getattr(person, k) == data[k]
        for k in (
            "name",
            "phone",
            "relation",
            "categories",
            "dibao_status",
            "extreme_poverty_status",
            "notes",
        )
    )


def roster_import_row(values: dict, places: _Places, actor) -> tuple[str, list[tuple[str, str]], bool]:
    """Import one row: returns (outcome created|updated|unchanged|error, errors, household_created)."""
    required = [
        (HEADER_OF[k], f"{HEADER_OF[k]}不能为空") for _h, k, req in COLUMNS if req and not values.get(k)
    ]
    data, errors = _person_values(values)
    clean, person_errors = person_clean(data)
    _found, place_errors = _places_of(values, places)
    errors = (
        required
        + place_errors
        + _household_row_errors(values)
        + errors
        + [
            (ERROR_COLUMN.get(k, k), _zh(m))
            for k, ms in person_errors.items()
            for m in ms
            if not (k == "categories" and any(c == "对象类别" for c, _ in errors))
        ]
    )
    if errors:
        return "error", errors, False
    with transaction.atomic():
        household, h_errors, created_household = _household_for(values, places, actor)
        if household is None:
            return "error", h_errors, False
        existing = None
        if clean["id_hash"]:
            existing = Person.objects.filter(id_hash=clean["id_hash"]).first()
        else:
            existing = household.persons.filter(name=data["name"], id_hash="").first()
        try:
            if existing is None:
                person_register(actor=actor, household=household, **data)
                return "created", [], created_household
            if _same(existing, data):
                return "unchanged", [], created_household
            person_update(actor=actor, person=existing, **data)
            return "updated", [], created_household
        except ValidationError as exc:
            transaction.set_rollback(True)
            return "error", _row_errors(exc, {}), False
        except PermissionDenied:
            transaction.set_rollback(True)
            return "error", [("网格", "不在您的管辖范围")], False


def roster_import_run(*, run: RosterImport) -> RosterImport:
    """Import a queued roster; safe to call twice (a finished run is left alone)."""
    run.refresh_from_db()
    if run.is_finished:
        return run
    user = User.objects.filter(pk=run.created_by_user_id).first()
    actor = member_for(user, current_office()) if user else None
    if actor is None or not actor.can("roster.import"):
        return _finish(run, failure="导入人无权导入花名册")
    try:
        total, rows = roster_rows(bytes(run.content))
    except ValidationError as exc:
        return _finish(run, failure=_zh(exc.messages[0]))
    run.status, run.total_rows = RosterImport.Status.RUNNING, total
    run.processed_rows = run.created_households = run.created_persons = run.updated_persons = 0
    run.unchanged_persons = run.error_rows = 0
    run.errors = []
    run.save()
    places = _Places()
    counters = {"created": "created_persons", "updated": "updated_persons", "unchanged": "unchanged_persons"}
    progress_fields = [
        "processed_rows",
        "created_households",
        "created_persons",
        "updated_persons",
        "unchanged_persons",
        "error_rows",
        "errors",
    ]
    # Rows are committed in batches (each row still in its own savepoint, so a bad row rolls back
    # alone); the progress the page polls is saved with each batch.
    for batch in _batches(rows, PROGRESS_EVERY):
        with transaction.atomic():
            for number, values in batch:
                outcome, errors, household_created = roster_import_row(values, places, actor)
                if outcome == "error":
                    run.error_rows += 1
                    run.errors.extend(
                        {"row": number, "column": column, "message": message} for column, message in errors
                    )
                else:
                    setattr(run, counters[outcome], getattr(run, counters[outcome]) + 1)
                run.created_households += int(household_created)
                run.processed_rows += 1
            run.save(update_fields=progress_fields)
    run.total_rows = run.processed_rows
    return _finish(run)


def _batches(rows, size: int):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _finish(run: RosterImport, failure: str = "") -> RosterImport:
    run.status = RosterImport.Status.FAILED if failure else RosterImport.Status.DONE
    run.failure = failure
    run.finished_at = timezone.now()
    run.save()
    return run


@transaction.atomic
def roster_import_create(*, actor, filename: str, content: bytes) -> RosterImport:
    from core.audit.services import audit_record
    from core.common import ensure_can

    ensure_can(actor, "roster.import")
    if not filename.lower().endswith(".xlsx"):
        raise ValidationError({"file": ["请上传 .xlsx 文件（可先下载模板）/ upload an .xlsx file"]})
    if len(content) > 20 * 1024 * 1024:
        raise ValidationError({"file": ["文件不能超过20MB / file larger than 20 MB"]})
    user = getattr(actor, "user", actor)
    run = RosterImport.objects.create(
        filename=filename[:200],
        content=content,
        created_by_user_id=user.pk,
        created_by_name=user.display_name(),
    )
    audit_record(
        actor=actor, action="roster.import", obj=run, after={"filename": run.filename, "bytes": len(content)}
    )
    from core.registry.tasks import roster_import_task
    from nuandong.tasks import queue_on_commit

    queue_on_commit(roster_import_task, run_id=run.pk)
    return run
