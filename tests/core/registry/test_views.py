"""Registry and organisation pages: forms write through services, errors in Chinese."""

from core.org.models import Community, Grid
from core.registry.models import Household, Person
from tests.registry_places import make_household, new_id


def test_register_household_then_person_through_the_forms(org_a, web_client, users):
    client = web_client(org_a.office, users["community_worker"])
    response = client.post(
        "/households/new/", {"community": org_a.c1.pk, "grid": org_a.g2.pk, "address": "新华路8号"}
    )
    household = Household.objects.get(address="新华路8号")
    assert response.status_code == 302 and response["Location"].endswith(
        f"/households/{household.pk}/persons/new/"
    )

    bad = client.post(
        f"/households/{household.pk}/persons/new/",
        {
            "name": "周九",
            "id_number": "140402195003040011",
            "relation": "head",
            "categories": ["dibao"],
            "dibao_status": "none",
            "extreme_poverty_status": "none",
        },
    )
    assert bad.status_code == 200 and "校验位错误" in bad.content.decode()
    good = client.post(
        f"/households/{household.pk}/persons/new/",
        {
            "name": "周九",
            "id_number": new_id(),
            "relation": "head",
            "categories": ["dibao"],
            "dibao_status": "enrolled",
            "extreme_poverty_status": "none",
        },
    )
    assert good.status_code == 302 and Person.objects.filter(household=household, name="周九").exists()


def test_duplicate_person_form_error_links_to_existing_household(org_a, web_client, users):
    number = new_id()
    first = make_household(org_a, persons=0)
    client = web_client(org_a.office, users["street_staff"])
    data = {
        "name": "吴十",
        "id_number": number,
        "relation": "head",
        "categories": ["dibao"],
        "dibao_status": "none",
        "extreme_poverty_status": "none",
    }
    client.post(f"/households/{first.pk}/persons/new/", data)
    second = make_household(org_a, persons=0)
    page = client.post(f"/households/{second.pk}/persons/new/", data).content.decode()
    assert "该身份证号已登记" in page and f'href="/households/{first.pk}/"' in page


def test_org_pages_create_community_grid_and_place_a_grid_worker(org_a, web_client, users):
    from tenants.models import Membership

    client = web_client(org_a.office, users["street_staff"])
    client.post(
        "/org/communities/new/",
        {
            "name": "新社区",
            "kind": "village",
            "director_name": "马主任",
            "hotline": "0355-7654321",
            "sort_order": 0,
        },
    )
    community = Community.objects.get(name="新社区")
    client.post("/org/grids/new/", {"community": community.pk, "name": "新网格"})
    grid = Grid.objects.get(name="新网格")
    membership = Membership.objects.get(user=users["grid_worker"], street_office=org_a.office)
    client.post("/org/people/", {"membership": membership.pk, "grid": grid.pk})
    membership.refresh_from_db()
    assert (membership.grid_id, membership.community_id) == (grid.pk, community.pk)
    page = client.get("/org/").content.decode()
    assert "马主任" in page and "0355-7654321" in page and users["grid_worker"].display_name() in page
    bad = client.post(
        "/org/communities/new/", {"name": "坏社区", "kind": "community", "hotline": "abc", "sort_order": 0}
    )
    assert (
        "电话号码格式不正确" in bad.content.decode() and not Community.objects.filter(name="坏社区").exists()
    )


def test_director_may_edit_hotline_but_not_create_communities(org_a, web_client, users):
    client = web_client(org_a.office, users["community_director"])
    assert client.get("/org/communities/new/").status_code == 403
    response = client.post(
        f"/org/communities/{org_a.c1.pk}/hotline/", {"hotline": "0355-1111111", "hotline_hours": "8:00-18:00"}
    )
    org_a.c1.refresh_from_db()
    assert response.status_code == 302 and org_a.c1.hotline == "0355-1111111"
    assert (
        client.post(f"/org/communities/{org_a.c2.pk}/hotline/", {"hotline": "0355-2222222"}).status_code
        == 404
    )


def test_import_page_queues_and_shows_progress(org_a, web_client, users, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.registry.models import RosterImport
    from core.registry.roster import roster_template_xlsx

    client = web_client(org_a.office, users["street_staff"])
    template = client.get("/households/import/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    bad = client.post("/households/import/", {"file": SimpleUploadedFile("r.csv", b"a,b")})
    assert bad.status_code == 400 and ".xlsx" in bad.content.decode()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            "/households/import/", {"file": SimpleUploadedFile("r.xlsx", roster_template_xlsx())}
        )
    run = RosterImport.objects.get()
    assert response.status_code == 302 and len(callbacks) == 1
    page = client.get(f"/households/import/{run.pk}/").content.decode()
    assert "排队中" in page and 'hx-trigger="every 1s"' in page
    fragment = client.get(f"/households/import/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="progress"')


def test_deactivate_household_and_person_from_the_household_page(org_a, web_client, users):
    household = make_household(org_a, persons=2)
    first, second = household.persons.order_by("pk")
    client = web_client(org_a.office, users["community_worker"])
    assert "注销该户" in client.get(f"/households/{household.pk}/").content.decode()

    client.post(f"/households/persons/{first.pk}/deactivate/", {"reason": "去世"})
    refused = client.post(f"/households/{household.pk}/deactivate/", {"reason": ""}, follow=True)
    client.post(f"/households/{household.pk}/deactivate/", {"reason": "迁出"})

    first.refresh_from_db()
    household.refresh_from_db()
    second.refresh_from_db()
    assert not first.is_active and "请说明注销原因" in refused.content.decode()
    assert not household.is_active and not second.is_active
    assert f'/households/{household.pk}/"' not in client.get("/households/").content.decode()
