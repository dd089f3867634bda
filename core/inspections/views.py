"""Inspection pages: my grid, the visit form, ledgers with Excel export, coverage."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.exports import export_response
from core.inspections.checklist import NEED_TYPE_CHOICES, URGENCY_CHOICES, sections
from core.inspections.export import NEED_COLUMNS, NEED_TITLE, PROBLEM_COLUMNS, PROBLEM_TITLE, numbered
from core.inspections.filters import NeedFilter, ProblemFilter
from core.inspections.models import Need, Visit
from core.inspections.selectors import (
    coverage,
    my_grid,
    need_list,
    not_visited,
    problem_list,
    status_counts,
    visit_counts_for_coverage,
    visit_get,
    visit_photo_get,
    visit_photo_response,
)
from core.inspections.services import NEED_TRANSITIONS, need_status_set, problem_resolve, visit_record
from core.inspections.window import LOCAL, STATE_LABELS, coverage_period
from core.org.selectors import community_list, grid_list
from core.registry.selectors import household_get
from core.ui.decorators import member_required
from core.ui.errors import errors_of

NEED_ROWS = 3


def coverage_context(member, *, now: dt.datetime | None = None, period=None) -> dict:
    """The coverage summary every coverage-showing page renders (``inspections/_coverage_summary.html``):
    the tree, the period and where ``now`` (default: the current time) is in it (ADR 0016)."""
    period = period or coverage_period(member.district)
    state = period.state(now or timezone.now())
    return {
        "tree": coverage(member=member, period=period),
        "period": period,
        "coverage_state": state,
        "coverage_state_label": STATE_LABELS[state],
    }


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


@member_required("household.view")
def my_grid_page(request):
    member = request.member
    grid_id = int(request.GET["grid"]) if request.GET.get("grid", "").isdigit() else None
    show = request.GET.get("show", "pending")
    period = coverage_period(member.district)  # the campaign is read once for the whole page
    qs = my_grid(member=member, grid_id=grid_id, pending_only=show == "pending", period=period)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(
            Q(address__icontains=q) | Q(persons__name__icontains=q, persons__is_active=True)
        ).distinct()
    page = Paginator(qs, 40).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/my_grid.html",
        {
            "page": page,
            **coverage_context(member, period=period),
            "grids": grid_list(member=member),
            "grid_id": grid_id,
            "show": show,
            "q": q,
            "can_visit": member.can("visit.create"),
        },
    )


def _posted_visit(post) -> tuple[list[dict], list[dict]]:
    items = []
    for _key, _label, section_items in sections():
        for item in section_items:
            result = post.get(f"item_{item.code}")
            if result is not None:
                items.append({"item": item.code, "result": result, "note": post.get(f"note_{item.code}", "")})
    needs = []
    for i in range(NEED_ROWS):
        need_type, quantity = post.get(f"need_type_{i}", ""), post.get(f"quantity_{i}", "").strip()
        if not need_type and not quantity:
            continue
        needs.append(
            {
                "need_type": need_type,
                "quantity": quantity,
                "urgency": post.get(f"urgency_{i}", "normal"),
                "description": post.get(f"need_description_{i}", ""),
                "person_id": post.get(f"need_person_{i}") or None,
            }
        )
    return items, needs


@member_required("visit.create")
def visit_new(request, household_id: int):
    member = request.member
    household = household_get(member=member, pk=household_id)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        items, needs = _posted_visit(request.POST)
        try:
            visit = visit_record(
                actor=member,
                household=household,
                kind=request.POST.get("kind", ""),
                items=items,
                needs=needs,
                notes=request.POST.get("notes", ""),
                photos=request.FILES.getlist("photos"),
            )
        except ValidationError as exc:
            errors = errors_of(exc)
        else:
            n_problems, n_needs = len(visit.recorded_problems), len(visit.recorded_needs)
            counts = "" if visit_counts_for_coverage(kind=visit.kind, household=household) else (
                "；该户未登记为仅能电话随访，本次电话随访不计入排查覆盖"
            )
            messages.success(
                request, f"已保存{visit.get_kind_display()}：发现问题 {n_problems} 项，需求 {n_needs} 条{counts}"
            )
            if request.headers.get("X-Visit-Form") == "fetch":  # visit_form.js navigates there itself
                return JsonResponse({"redirect": reverse("inspections:visit", args=[visit.pk])})
            return redirect("inspections:visit", pk=visit.pk)
    post = request.POST
    checklist = [
        (
            label,
            [
                {
                    "item": i,
                    "value": post.get(f"item_{i.code}", ""),
                    "note": post.get(f"note_{i.code}", ""),
                    "errors": errors.get(f"items.{i.code}", []),
                }
                for i in items
            ],
        )
        for _key, label, items in sections()
    ]
    need_rows = [
        {
            "i": i,
            "need_type": post.get(f"need_type_{i}", ""),
            "quantity": post.get(f"quantity_{i}", ""),
            "urgency": post.get(f"urgency_{i}", "normal"),
            "description": post.get(f"need_description_{i}", ""),
            "person": post.get(f"need_person_{i}", ""),
            "errors": errors.get(f"needs.{i}", []),
        }
        for i in range(NEED_ROWS)
    ]
    other_errors = [m for k, msgs in errors.items() if not k.startswith(("items.", "needs.")) for m in msgs]
    default_kind = "phone" if household.phone_only else "home"
    period = coverage_period(member.district)
    return render(
        request,
        "inspections/visit_form.html",
        {
            "household": household,
            "checklist": checklist,
            "need_rows": need_rows,
            "other_errors": other_errors,
            "has_errors": bool(errors),
            "photos_posted": len(request.FILES.getlist("photos")),
            "kind": post.get("kind", default_kind),
            "notes": post.get("notes", ""),
            "need_types": NEED_TYPE_CHOICES,
            "urgencies": URGENCY_CHOICES,
            "persons": household.persons.filter(is_active=True),
            "coverage_state": period.state(timezone.now()),
            "kinds": [
                (value, label, visit_counts_for_coverage(kind=value, household=household))
                for value, label in Visit.Kind.choices
            ],
        },
        status=400 if errors else 200,
    )


@member_required("visit.view")
def visit_detail(request, pk: int):
    visit = visit_get(member=request.member, pk=pk)
    return render(request, "inspections/visit_detail.html", {"visit": visit})


@member_required("visit.view")
def visit_photo(request, visit_id: int, pk: int):
    return visit_photo_response(visit_photo_get(member=request.member, visit_id=visit_id, pk=pk))


def _ledger(
    request,
    *,
    qs,
    filter_class,
    template,
    export,
    filename,
    title,
    extra_filters,
    can_edit,
    decorate=None,
    extra_context=None,
):
    member = request.member
    filterset = filter_class(request.GET, queryset=qs)
    rows = filterset.qs if filterset.is_valid() else qs.none()
    fmt = request.GET.get("format")
    if fmt in ("xlsx", "csv"):
        title_, columns = export
        return export_response(
            member=member,
            title=title_,
            columns=columns,
            rows=numbered(rows),
            count=rows.count(),
            filename=filename,
            fmt=fmt,
            filters={k: v for k, v in request.GET.items() if k != "format"},
        )
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    # The summary at the top: counts per status over the filtered rows, except the status filter.
    unfiltered_status = request.GET.copy()
    unfiltered_status.pop("status", None)
    unfiltered_status.pop("page", None)
    summary_set = filter_class(unfiltered_status, queryset=qs)
    summary = status_counts(summary_set.qs if summary_set.is_valid() else qs.none(), qs.model.Status.choices)
    if decorate is not None:
        for row in page:
            decorate(row)
    export_query = request.GET.copy()
    export_query["format"] = "xlsx"
    export_query.pop("page", None)
    return render(
        request,
        template,
        {
            "page": page,
            "filter": filterset,
            "title": title,
            "export_query": export_query.urlencode(),
            "summary": summary,
            "summary_total": sum(n for _v, _l, n in summary),
            "summary_query": unfiltered_status.urlencode(),
            "status_filter": request.GET.get("status", ""),
            "communities": community_list(member=member),
            "grids": grid_list(member=member),
            "extra_filters": extra_filters,
            "can_edit": can_edit,
            "now": timezone.now(),
            **(extra_context or {}),
        },
    )


@member_required("need.view")
def need_ledger(request):
    return _ledger(
        request,
        qs=need_list(member=request.member),
        filter_class=NeedFilter,
        template="inspections/need_ledger.html",
        export=(NEED_TITLE, NEED_COLUMNS),
        filename="winter-needs",
        title="困难群众过冬需求台账",
        extra_filters=["need_type", "urgency", "status"],
        can_edit=request.member.can("need.edit"),
        decorate=_need_next,
    )


# Forward steps first; going back (重新打开) after them; cancelling is never in the menu — it has its
# own confirmation form with a required reason (no destructive action is ever a default).
NEED_STEP_LABELS = [
    (Need.Status.IN_PROGRESS, _("开始办理")),
    (Need.Status.MET, _("已解决")),
    (Need.Status.OPEN, _("重新打开")),
]


def _need_next(need) -> None:
    allowed = NEED_TRANSITIONS.get(need.status, set())
    need.next_statuses = [
        (value, _("重新办理") if value == Need.Status.IN_PROGRESS and need.status == Need.Status.MET else label)
        for value, label in NEED_STEP_LABELS
        if value in allowed
    ]
    need.can_cancel = Need.Status.CANCELLED in allowed


def _problem_row(problem) -> None:
    from core.deadlines.services import clock_overdue

    problem.is_overdue = problem.status == "open" and clock_overdue(due_at=problem.due_at, now=timezone.now())


@member_required("problem.view")
def problem_ledger(request):
    return _ledger(
        request,
        qs=problem_list(member=request.member),
        filter_class=ProblemFilter,
        template="inspections/problem_ledger.html",
        export=(PROBLEM_TITLE, PROBLEM_COLUMNS),
        filename="problems",
        title="问题台账",
        extra_filters=["item", "status"],
        can_edit=request.member.can("problem.edit"),
        decorate=_problem_row,
        extra_context={
            "can_rectify": request.member.can("rectification.edit"),
            "can_see_rectification": request.member.can("rectification.view"),
        },
    )


@member_required("rectification.edit")
@require_POST
def problem_to_rectification_view(request, pk: int):
    """“转入整改台账”: the problem becomes a rectification item; its clock hands over to the item's."""
    from core.rectification.services import rectification_from_problem

    problem = get_object_or_404(problem_list(member=request.member), pk=pk)
    try:
        item = rectification_from_problem(problem=problem, actor=request.member)
    except ValidationError as exc:
        messages.error(request, "；".join(m for msgs in errors_of(exc).values() for m in msgs))
        return redirect(_safe_next(request, "inspections:problems"))
    messages.success(request, f"已转入整改台账 {item.number}，整改时限由整改台账计时")
    return redirect("rectification_detail", pk=item.pk)


@member_required("problem.edit")
@require_POST
def problem_resolve_view(request, pk: int):
    problem = get_object_or_404(problem_list(member=request.member), pk=pk)
    try:
        problem_resolve(actor=request.member, problem=problem, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(m for msgs in errors_of(exc).values() for m in msgs))
    else:
        messages.success(request, "已标记整改完成")
    return redirect(_safe_next(request, "inspections:problems"))


@member_required("problem.edit")
def problem_assign_view(request, pk: int):
    from django import forms

    from core.inspections.services import problem_assign
    from core.org.selectors import people_choices

    problem = get_object_or_404(problem_list(member=request.member), pk=pk)
    members = people_choices()

    class AssignForm(forms.Form):
        responsible_user_id = forms.TypedChoiceField(label="责任人", choices=members, coerce=int)
        due_date = forms.DateField(label="整改时限（日期）", widget=forms.DateInput(attrs={"type": "date"}))

    local_due = problem.due_at.astimezone(LOCAL).date()
    form = AssignForm(
        request.POST or None,
        initial={"responsible_user_id": problem.responsible_user_id, "due_date": local_due},
    )
    if request.method == "POST" and form.is_valid():
        due_at = dt.datetime.combine(form.cleaned_data["due_date"], dt.time(23, 59, 59), tzinfo=LOCAL)
        try:
            problem_assign(
                actor=request.member,
                problem=problem,
                responsible_name="",
                due_at=due_at,
                responsible_user_id=form.cleaned_data["responsible_user_id"],
            )
        except ValidationError as exc:
            from core.ui.errors import apply_errors

            apply_errors(form, exc)
        else:
            messages.success(request, "已指派责任人并更新整改时限")
            return redirect("inspections:problems")
    return render(request, "registry/form.html", {"form": form, "title": f"指派：{problem}"})


@member_required("need.edit")
@require_POST
def need_status_view(request, pk: int):
    need = get_object_or_404(need_list(member=request.member), pk=pk)
    if not request.POST.get("status"):
        messages.error(request, "请先选择新状态，未作任何修改")
        return redirect(_safe_next(request, "inspections:needs"))
    try:
        need_status_set(
            actor=request.member,
            need=need,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        messages.error(request, "；".join(m for msgs in errors_of(exc).values() for m in msgs))
    else:
        messages.success(request, f"已将需求“{need.get_need_type_display()}”（{need.household}）改为{need.get_status_display()}")
    return redirect(_safe_next(request, "inspections:needs"))


@member_required("need.edit")
def need_reassign_view(request, pk: int):
    """转派: hand an open need to another grid worker, a community's worker or street staff."""
    from django import forms

    from core.inspections.selectors import need_responsible_choices
    from core.inspections.services import need_reassign
    from core.org.selectors import people_choices
    from core.ui.errors import apply_errors

    need = get_object_or_404(need_list(member=request.member), pk=pk)
    may = {m.user.pk for m in need_responsible_choices(need)} - {need.responsible_user_id}
    choices = people_choices(keep=lambda m: m.user_id in may)

    class ReassignForm(forms.Form):
        responsible_user_id = forms.TypedChoiceField(
            label=_("新责任人"),
            choices=[("", _("请选择…")), *choices],
            coerce=int,
            help_text=_("可选该户所在网格的网格员、所在社区的工作人员或街道工作人员；办结时限不变。"),
        )
        note = forms.CharField(label=_("转派说明"), max_length=200, required=False)

    form = ReassignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            need_reassign(actor=request.member, need=need, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("已转派需求，办结时限随之转交"))
            return redirect(f"{reverse('inspections:needs')}#need-{need.pk}")
    title = _("转派需求：%(need)s（%(household)s，现责任人 %(name)s）") % {
        "need": need.get_need_type_display(),
        "household": need.household,
        "name": need.responsible_name or "—",
    }
    return render(request, "registry/form.html", {"form": form, "title": title})


@member_required("coverage.view")
def coverage_page(request):
    member = request.member
    community_id = int(request.GET["community"]) if request.GET.get("community", "").isdigit() else None
    grid_id = int(request.GET["grid"]) if request.GET.get("grid", "").isdigit() else None
    show_list = member.can("household.view")  # district members see aggregates only
    page = None
    if show_list:
        page = Paginator(not_visited(member=member, community_id=community_id, grid_id=grid_id), 50).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "inspections/coverage.html",
        {
            **coverage_context(member),
            "page": page,
            "show_list": show_list,
            "community_id": community_id,
            "grid_id": grid_id,
        },
    )
