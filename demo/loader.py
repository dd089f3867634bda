"""Demo data: district 潞州区 with three street offices and one account per role. Synthetic people only.

Loading is idempotent: it runs once (the district's existence marks it done). Domain apps add
per-street loaders to ``STREET_DEMO_LOADERS`` (dotted paths to ``load(*, office, accounts)``);
they run inside the street's schema.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.module_loading import import_string
from django_tenants.utils import schema_context

from core.campaigns.services import deliverable_checks_ensure
from tenants.models import District, StreetOffice, User
from tenants.services import district_create, membership_grant, street_office_create, user_create

DEMO_PASSWORD = "Nuandong-2026"
DEMO_DISTRICT = ("140403", "潞州区")
DEMO_STREETS = [("taihangdong", "太行东街街道"), ("xijie", "西街街道"), ("yingxiong", "英雄中路街道")]
# username, role, where (street slug or "district"), full name
DEMO_USERS = [
    ("qu_admin", "district_admin", "district", "赵区管"),
    ("qu_viewer", "district_viewer", "district", "钱观察"),
    ("thd_leader", "street_leader", "taihangdong", "李组长"),
    ("thd_staff", "street_staff", "taihangdong", "程民政"),
    ("thd_director", "community_director", "taihangdong", "梁主任"),
    ("thd_worker", "community_worker", "taihangdong", "孙民政员"),
    ("thd_grid", "grid_worker", "taihangdong", "周网格"),
    ("thd_building", "building_head", "taihangdong", "吴楼长"),
    ("thd_enforce", "enforcement", "taihangdong", "郑执法"),
    ("thd_volunteer", "volunteer", "taihangdong", "王志愿"),
    ("xj_staff", "street_staff", "xijie", "冯民政"),
    ("yx_staff", "street_staff", "yingxiong", "陈民政"),
]
DEMO_ACCOUNTS = [(u, r, w) for u, r, w, _n in DEMO_USERS]
STREET_DEMO_LOADERS: list[str] = ["demo.registry.load", "demo.requests.load", "demo.relief.load"]


def demo_load() -> bool:
    """Load the demo once. Returns False when it was already there."""
    if District.objects.filter(code=DEMO_DISTRICT[0]).exists():
        return False
    with transaction.atomic():
        district = district_create(code=DEMO_DISTRICT[0], name=DEMO_DISTRICT[1])
        offices = {
            slug: street_office_create(district=district, slug=slug, name=name, code=f"1404030{i:02d}")
            for i, (slug, name) in enumerate(DEMO_STREETS, start=1)
        }
        accounts: dict[str, User] = {}
        for username, role, where, full_name in DEMO_USERS:
            user = user_create(username=username, password=DEMO_PASSWORD, full_name=full_name)
            accounts[username] = user
            if where == "district":
                membership_grant(user=user, role=role, district=district)
            else:
                membership_grant(user=user, role=role, street_office=offices[where])
    for office in StreetOffice.objects.filter(district=district):
        with schema_context(office.schema_name), transaction.atomic():
            for dotted in STREET_DEMO_LOADERS:
                import_string(dotted)(office=office, accounts=accounts)
            # The phase tasks the scanner would create within a minute of the worker starting.
            deliverable_checks_ensure(office=office)
    # The district dashboard reads the rollup: fill it now rather than after the first change.
    from core.rollup.services import rollup_rebuild

    rollup_rebuild(district=district)
    return True
