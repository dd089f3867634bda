"""The roster import through a real Celery worker (separate process, real broker, test database)."""

import io

from django_tenants.utils import schema_context
from openpyxl import Workbook

from core.registry.models import Person, RosterImport
from core.registry.roster import COLUMNS
from core.registry.tasks import roster_import_task
from tests.registry_places import committed_office, new_id


def test_roster_import_runs_in_a_worker_in_the_street_schema(celery_worker_process, django_db_blocker):
    with django_db_blocker.unblock():
        place = committed_office("wt3import", "导入测试街道")
        wb = Workbook()
        ws = wb.active
        ws.append([h for h, _k, _r in COLUMNS])
        marker = f"工人测试{new_id()[-6:]}"
        for i in range(3):
            values = {
                "社区(村)": place.community.name,
                "网格": place.grid.name,
                "住址": f"{marker}路{i}号",
                "姓名": f"{marker}{i}",
                "身份证号": new_id(),
                "与户主关系": "户主",
                "对象类别": "城乡低保对象",
            }
            ws.append([values.get(h, "") for h, _k, _r in COLUMNS])
        ws.append([place.community.name, "不存在的网格"] + [""] * (len(COLUMNS) - 2))
        buffer = io.BytesIO()
        wb.save(buffer)
        with schema_context(place.office.schema_name):
            run = RosterImport.objects.create(
                filename="w.xlsx",
                content=buffer.getvalue(),
                created_by_user_id=place.users["street_staff"].pk,
            )
            result = roster_import_task.apply_async(kwargs={"run_id": run.pk}).get(timeout=90)
            run.refresh_from_db()
            imported = Person.objects.filter(name__startswith=marker).count()

    assert result == {"run_id": run.pk, "status": "done", "processed": 4, "errors": 1}
    assert (run.created_persons, run.error_rows, imported) == (3, 1, 3)
    assert {(e["row"], e["column"]) for e in run.errors} >= {(5, "网格")}
