"""Registry pages: household list / detail / forms, person forms, full ID read, duplicates."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from core.org.selectors import building_list, community_list, grid_list
from core.registry.forms import HouseholdForm, PersonForm
from core.registry.models import CATEGORY_CHOICES
from core.registry.selectors import (
    cross_street_duplicates,
    household_get,
    household_list,
    person_get,
    person_get_any,
    person_list,
)
from core.registry.services import (
    DuplicatePersonError,
    household_reactivate,
    household_register,
    household_update,
    person_full_id_read,
    person_reactivate,
    person_register,
    person_update,
)
from core.ui.decorators import member_required
from core.ui.errors import apply_errors, error_text, run_and_report
from core.ui.panels import collect


def _household_form(member, data=None, initial=None) -> HouseholdForm:
    return HouseholdForm(
        data,
        initial=initial,
        communities=community_list(member=member),
        grids=grid_list(member=member),
        buildings=building_list(member=member),
    )


@member_required("household.view")
def household_index(request):
    member = request.member
    qs = household_list(member=member)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(address__icontains=q) | qs.filter(persons__name__icontains=q, persons__is_active=True)
        qs = qs.distinct()
    for key in ("community", "grid"):
        if request.GET.get(key, "").isdigit():
            qs = qs.filter(**{f"{key}_id": int(request.GET[key])})
    category = request.GET.get("category", "")
    if category:
        qs = qs.filter(persons__categories__contains=[category]).distinct()
    page = Paginator(qs.order_by("community__name", "grid__name", "address", "id"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "registry/household_list.html",
        {
            "page": page,
            "q": q,
            "communities": community_list(member=member),
            "grids": grid_list(member=member),
            "categories": CATEGORY_CHOICES,
            "filters": request.GET,
            "can_edit": member.can("household.edit"),
            "can_import": member.can("roster.import"),
        },
    )


@member_required("household.edit")
def household_new(request):
    member = request.member
    form = _household_form(member, request.POST or None, initial={"grid": request.GET.get("grid")})
    if request.method == "POST" and form.is_valid():
        try:
            household = household_register(actor=member, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已登记户，请继续添加家庭成员")
            return redirect("registry:person_new", household_id=household.pk)
    return render(request, "registry/form.html", {"form": form, "title": "登记户"})


@member_required("household.edit")
def household_edit(request, pk: int):
    member = request.member
    household = household_get(member=member, pk=pk)
    initial = {name: getattr(household, name) for name in HouseholdForm.base_fields}
    form = _household_form(member, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            household_update(actor=member, household=household, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("registry:household", pk=household.pk)
    return render(request, "registry/form.html", {"form": form, "title": f"修改户：{household}"})


@member_required("household.view")
def household_detail(request, pk: int):
    """The household page: its persons here; what other domains hold about it (coverage, requests,
    needs, problems, relief, visits) comes as panels they register (core.ui.panels, slots
    ``household.card`` and ``household``)."""
    member = request.member
    household = household_get(member=member, pk=pk)
    persons = list(household.persons.filter(is_active=True))
    inactive_persons = list(household.persons.filter(is_active=False))
    duplicates = {d.person_id: d for d in cross_street_duplicates(person_ids=[p.pk for p in persons])}
    for person in persons:
        person.duplicate = duplicates.get(person.pk)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "persons": persons,
            "inactive_persons": inactive_persons,
            "card_panels": collect("household.card", member=member, subject=household),
            "household_panels": collect("household", member=member, subject=household),
            "can_full_id": member.can("person.view_full_id"),
            "can_visit": member.can("visit.create"),
            "can_edit": member.can("household.edit"),
            "can_request": member.can("request.create"),
        },
    )


def _person_form_page(request, *, household, person=None):
    member = request.member
    initial = {
        "relation": "head" if person is None and not household.persons.exists() else "other",
        "dibao_status": "none",
        "extreme_poverty_status": "none",
    }
    if person is not None:
        initial = {name: getattr(person, name) for name in PersonForm.base_fields if name != "id_number"}
    form = PersonForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if person is not None and not data["id_number"]:
            data.pop("id_number")  # blank keeps the stored number (it is never shown in the form)
        try:
            if person is None:
                person_register(actor=member, household=household, **data)
            else:
                person_update(actor=member, person=person, **data)
        except DuplicatePersonError as exc:
            if not exc.in_reach:  # no name, no link: only "registered here" and whom to ask
                form.add_error("id_number", exc.messages[0])
            else:
                url = reverse("registry:household", kwargs={"pk": exc.existing.household_id})
                form.add_error(
                    "id_number",
                    format_html(
                        '该身份证号已登记：<a href="{}">{}（{}）</a>{}',
                        url,
                        exc.existing.name,
                        exc.existing.household,
                        "" if exc.existing.is_active else "（已注销，可在该户页面恢复）",
                    ),
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "已保存人员信息")
            if "add_another" in request.POST:
                return redirect("registry:person_new", household_id=household.pk)
            return redirect("registry:household", pk=household.pk)
    title = f"{'修改' if person else '添加'}人员 · {household}"
    return render(
        request,
        "registry/form.html",
        {"form": form, "title": title, "person": person, "add_another": person is None},
    )


@member_required("household.edit")
def person_new(request, household_id: int):
    return _person_form_page(request, household=household_get(member=request.member, pk=household_id))


@member_required("household.edit")
def person_edit(request, pk: int):
    person = person_get(member=request.member, pk=pk)
    return _person_form_page(request, household=person.household, person=person)


@member_required("household.edit")
@require_POST
def household_deactivate_view(request, pk: int):
    from core.registry.services import household_deactivate

    household = household_get(member=request.member, pk=pk)
    try:
        household_deactivate(actor=request.member, household=household, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("registry:household", pk=pk)
    messages.success(request, f"已注销：{household}")
    return redirect("registry:households")


@member_required("household.edit")
@require_POST
def person_deactivate_view(request, pk: int):
    from core.registry.services import person_deactivate

    person = person_get(member=request.member, pk=pk)
    run_and_report(
        request,
        lambda: person_deactivate(actor=request.member, person=person, reason=request.POST.get("reason", "")),
        success=f"已注销人员：{person.name}",
    )
    return redirect("registry:household", pk=person.household_id)


@member_required("household.edit")
@require_POST
def household_reactivate_view(request, pk: int):
    household = household_get(member=request.member, pk=pk)
    run_and_report(
        request,
        lambda: household_reactivate(
            actor=request.member,
            household=household,
            reason=request.POST.get("reason", ""),
            person_ids=[int(v) for v in request.POST.getlist("persons") if v.isdigit()],
        ),
        success=f"已恢复：{household}",
    )
    return redirect("registry:household", pk=pk)


@member_required("household.edit")
@require_POST
def person_reactivate_view(request, pk: int):
    person = person_get_any(member=request.member, pk=pk)
    run_and_report(
        request,
        lambda: person_reactivate(actor=request.member, person=person, reason=request.POST.get("reason", "")),
        success=f"已恢复人员：{person.name}",
    )
    return redirect("registry:household", pk=person.household_id)


@member_required("person.view_full_id")
@require_POST
def person_full_id(request, pk: int):
    person = person_get(member=request.member, pk=pk)
    number = person_full_id_read(actor=request.member, person=person, reason=request.POST.get("reason", ""))
    return HttpResponse(format_html('<code class="full-id">{}</code>', number or "—"))


@member_required("household.view")
def duplicate_list(request):
    member = request.member
    found = cross_street_duplicates()
    persons = {p.pk: p for p in person_list(member=member).filter(pk__in=[d.person_id for d in found])}
    rows = [(persons[d.person_id], d) for d in found if d.person_id in persons]
    return render(request, "registry/duplicates.html", {"rows": rows})


# --- roster import ----------------------------------------------------------------------------
@member_required("roster.import")
def roster_import_page(request):
    from core.registry.models import RosterImport
    from core.registry.roster import roster_import_create

    error = ""
    if request.method == "POST":
        from core.registry.roster import MAX_FILE_BYTES

        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要上传的花名册文件"
        elif upload.size > MAX_FILE_BYTES:
            error = f"文件不能超过{MAX_FILE_BYTES // 1024 // 1024}MB"
        else:
            try:
                run = roster_import_create(actor=request.member, filename=upload.name, content=upload.read())
            except ValidationError as exc:
                error = error_text(exc)
            else:
                return redirect("registry:import_run", pk=run.pk)
    runs = RosterImport.objects.defer("content").filter(created_by_user_id=request.user.pk)[:10]
    from core.registry.roster import MAX_FILE_BYTES, MAX_ROWS

    context = {"runs": runs, "error": error, "max_rows": MAX_ROWS, "max_mb": MAX_FILE_BYTES // 1024 // 1024}
    return render(request, "registry/import.html", context, status=400 if error else 200)


@member_required("roster.import")
def roster_template(request):
    from core.registry.roster import roster_template_xlsx

    response = HttpResponse(
        roster_template_xlsx(member=request.member),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''roster-template.xlsx"
    return response


@member_required("roster.import")
def roster_import_run_page(request, pk: int):
    from django.shortcuts import get_object_or_404

    from core.jobs.models import Job
    from core.jobs.services import job_for
    from core.registry.models import RosterImport

    run = get_object_or_404(RosterImport.objects.defer("content"), pk=pk, created_by_user_id=request.user.pk)
    job = None if run.is_finished else job_for(kind="registry.roster_import", run_id=run.pk)
    template = "registry/_import_progress.html" if request.htmx else "registry/import_run.html"
    context = {
        "run": run,
        "errors": run.errors,
        "waiting_for_broker": job is not None and job.state == Job.State.WAITING,
    }
    return render(request, template, context)
